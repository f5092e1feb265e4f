"""Every tool call the hub makes, and the audit trail of who registered, changed, approved, installed and ran
which server.

    runs = RunLog(store)
    runs.record(Call(user_id, entry_id, server, tool, "form", started, duration_ms, ok, error_code, arguments, result))
    runs.recent("u-alice")                 # her runs, newest first (arguments and results capped): no one else's
    runs.get(run_id, "u-alice")            # one of hers, or HubError no_run (the same words as a missing one)
    runs.usage()                           # per server: calls, errors, p50 / p95 duration (for admins: the hub checks)
    audit = Audit(store); audit.record(cur, "u-admin", "approve", entry_id, server, {"tools": [...]})

A run keeps who, which server and tool, from where (``SOURCES``: the form, the chat, the API), when, how long, whether
it went well (``error_code``: ``tool_error`` when the tool answered with ``is_error``, else the refusal's code, like
``unreachable`` or ``tool_args``), the sizes of the arguments and the result, and the arguments and result
themselves cut to ``KEPT_CHARS``, and the API key of a call made through an MCP endpoint (``key_id``). Runs are
private to their user: the only way to read them is with that user's id.
Audit details never hold a secret (header names, never their values).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workbench.store import Store, utcnow

from .errors import HubError
from .results import LinkPart, OmittedPart, ResourcePart, TextPart, ToolResult

SOURCES = ("form", "chat", "api")
KEPT_CHARS = 16_000            # of a run's arguments, and of its result, as JSON
_RUN_COLUMNS = ("id, user_id, entry_id, server, tool, source, started_at, duration_ms, ok, error_code, "
                "argument_bytes, result_bytes, arguments, result, key_id")


@dataclass(frozen=True)
class Call:
    """A tool call to record (see the module doc); ``result`` is None when there was no answer."""

    user_id: str
    entry_id: str
    server: str
    tool: str
    source: str
    started_at: datetime
    duration_ms: float
    ok: bool
    error_code: str | None
    arguments: Any
    argument_bytes: int
    result: ToolResult | None = None
    result_bytes: int = 0
    key_id: str = ""               # the API key of a call made through an MCP endpoint (source "api")


@dataclass(frozen=True)
class Run:
    """A recorded call as its user sees it; ``arguments`` and ``result`` are JSON values (``{"cut": true, "text":
    ...}`` when they were longer than ``KEPT_CHARS``)."""

    id: str
    user_id: str
    entry_id: str
    server: str
    tool: str
    source: str
    started_at: datetime
    duration_ms: float
    ok: bool
    error_code: str | None
    argument_bytes: int
    result_bytes: int
    arguments: Any
    result: Any
    key_id: str = ""


@dataclass(frozen=True)
class ServerUsage:
    """One server's calls in a period: how many, how many failed, the median and 95th percentile duration (ms)."""

    entry_id: str
    server: str
    calls: int
    errors: int
    p50_ms: float
    p95_ms: float
    last_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: datetime
    actor: str
    action: str
    entry_id: str
    server: str
    detail: Any


def kept(value: Any) -> str:
    """``value`` as JSON, or ``{"cut": true, "text": <its first KEPT_CHARS characters>}`` when longer."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= KEPT_CHARS:
        return text
    return json.dumps({"cut": True, "text": text[:KEPT_CHARS]}, ensure_ascii=False)


def result_record(result: ToolResult | None) -> Any:
    """What a run keeps of a result: whether it was an error, each part (text itself; other kinds by type and
    size) and the structured content."""
    if result is None:
        return None
    parts: list[dict[str, Any]] = []
    for part in result.parts:
        if isinstance(part, TextPart):
            parts.append({"kind": "text", "text": part.text})
        elif isinstance(part, ResourcePart):
            parts.append({"kind": "resource", "uri": part.uri, "text": part.text,
                          "bytes": len(part.blob or "") * 3 // 4})
        elif isinstance(part, LinkPart):
            parts.append({"kind": "resource_link", "uri": part.uri})
        elif isinstance(part, OmittedPart):
            parts.append({"kind": "omitted", "what": part.what, "bytes": part.size})
        else:
            data = getattr(part, "data", "")
            parts.append({"kind": part.kind, "mime_type": getattr(part, "mime_type", ""), "bytes": len(data) * 3 // 4})
    return {"is_error": result.is_error, "parts": parts, "structured": result.structured}


class RunLog:
    """The ``mcp_runs`` table: recording calls, a user's own runs, per-server usage."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, call: Call, run_id: str | None = None) -> str:
        """Write one run; its id (``run_id`` when given, else a new one)."""
        return self.record_many([(run_id or uuid.uuid4().hex, call)])[0]

    def record_many(self, runs: list[tuple[str, Call]]) -> list[str]:
        """Write runs, each ``(run_id, call)``, in one transaction (one INSERT of up to 100 rows at a time: DuckDB
        runs an ``executemany`` row by row, 4x slower); their ids."""
        for _, call in runs:
            if call.source not in SOURCES:
                raise ValueError(f"source must be one of {SOURCES}, not {call.source!r}")
        rows = [[run_id, call.user_id, call.entry_id, call.server, call.tool, call.source, call.started_at,
                 call.duration_ms, call.ok, call.error_code, call.argument_bytes, call.result_bytes,
                 kept(call.arguments), kept(result_record(call.result)), call.key_id] for run_id, call in runs]
        with self.store.transaction() as cur:
            for start in range(0, len(rows), 100):
                chunk = rows[start:start + 100]
                marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                cur.execute(f"INSERT INTO mcp_runs ({_RUN_COLUMNS}) VALUES {marks}", [v for row in chunk for v in row])
        return [run_id for run_id, _ in runs]

    def recent(self, user_id: str, limit: int = 50, entry_id: str | None = None) -> list[Run]:
        """``user_id``'s own runs, newest first (of one server when ``entry_id`` is given)."""
        where, params = "user_id = ?", [user_id]
        if entry_id is not None:
            where, params = where + " AND entry_id = ?", [*params, entry_id]
        rows = self.store.cursor().execute(f"SELECT {_RUN_COLUMNS} FROM mcp_runs WHERE {where} "
                                           "ORDER BY started_at DESC, id LIMIT ?",
                                           [*params, max(0, int(limit))]).fetchall()
        return [_run(row) for row in rows]

    def get(self, run_id: str, user_id: str) -> Run:
        """One of ``user_id``'s runs; ``HubError`` ``no_run`` for another's (the same words as a missing one)."""
        row = self.store.cursor().execute(f"SELECT {_RUN_COLUMNS} FROM mcp_runs WHERE id = ? AND user_id = ?",
                                          [run_id, user_id]).fetchone()
        if row is None:
            raise HubError("mcp_hub.no_run", "run_id")
        return _run(row)

    def usage(self, since: datetime | None = None) -> list[ServerUsage]:
        """Per server, the calls since ``since`` (all when None): most called first."""
        rows = self.store.cursor().execute(
            "SELECT entry_id, arg_max(server, started_at), count(*), count(*) FILTER (WHERE NOT ok), "
            "quantile_cont(duration_ms, 0.5), quantile_cont(duration_ms, 0.95), max(started_at) FROM mcp_runs "
            "WHERE started_at >= ? GROUP BY entry_id ORDER BY count(*) DESC, entry_id",
            [since or datetime(1970, 1, 1)]).fetchall()
        return [ServerUsage(r[0], r[1], r[2], r[3], float(r[4]), float(r[5]), r[6]) for r in rows]


def _run(row: tuple) -> Run:
    return Run(*row[:12], json.loads(row[12]), json.loads(row[13]), row[14] or "")


class Audit:
    """The ``mcp_audit`` table: the workbench's own trail of the hub's registrations, settings and approvals, and of
    installs and running servers (``installs.Installs.record``; the gateway's audit log lives in the gateway's
    database, which the workbench does not reach)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def record(cur, actor: str, action: str, entry_id: str, server: str, detail: Any = None) -> None:
        """One entry, with the caller's cursor (inside its transaction). ``detail`` must hold no secret."""
        cur.execute("INSERT INTO mcp_audit (ts, actor, action, entry_id, server, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    [utcnow(), actor, action, entry_id, server,
                     json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)])

    def add(self, actor: str, action: str, entry_id: str, server: str, detail: Any = None) -> None:
        """``record`` in a transaction of its own."""
        with self.store.transaction() as cur:
            self.record(cur, actor, action, entry_id, server, detail)

    def entries(self, limit: int = 100, entry_id: str | None = None) -> list[AuditEntry]:
        """The newest entries first (of one server when ``entry_id`` is given)."""
        where, params = ("WHERE entry_id = ?", [entry_id]) if entry_id else ("", [])
        rows = self.store.cursor().execute(
            f"SELECT id, ts, actor, action, entry_id, server, detail FROM mcp_audit {where} ORDER BY id DESC LIMIT ?",
            [*params, max(0, int(limit))]).fetchall()
        return [AuditEntry(*row[:6], json.loads(row[6])) for row in rows]
