"""The audit log: one row per admin action, with JSON snapshots of the target before and after.

``record`` takes the caller's cursor so the entry is written in the same transaction as the
change it describes. Snapshots must never hold secrets (API keys, passwords, tokens).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.store import Store


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    ts: datetime
    actor_user_id: str | None
    action: str
    target_type: str
    target_id: str | None
    before: Any
    after: Any


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def record(cursor, actor: str | None, action: str, target_type: str, target_id: str | None,
           before: Any, after: Any) -> None:
    """Write one entry with ``cursor`` (inside the caller's transaction, if any)."""
    cursor.execute(
        "INSERT INTO audit_log (ts, actor_user_id, action, target_type, target_id, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [_now(), actor, action, target_type, target_id, _dump(before), _dump(after)])


def list_entries(store: Store, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first."""
    rows = store.cursor().execute(
        "SELECT id, ts, actor_user_id, action, target_type, target_id, before, after FROM audit_log"
        " ORDER BY id DESC LIMIT ? OFFSET ?", [max(0, int(limit)), max(0, int(offset))]).fetchall()
    return [AuditEntry(id=r[0], ts=r[1], actor_user_id=r[2], action=r[3], target_type=r[4], target_id=r[5],
                       before=json.loads(r[6]) if r[6] is not None else None,
                       after=json.loads(r[7]) if r[7] is not None else None) for r in rows]


class AuditLog:
    """The audit log of one store: ``record(cursor, ...)`` and ``list(limit, offset)``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    record = staticmethod(record)

    def list(self, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        return list_entries(self._store, limit, offset)
