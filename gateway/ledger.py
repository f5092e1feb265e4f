"""The usage ledger: one row per request, written in batches off the request path.

``record`` only appends to an in-memory buffer (no I/O on the request path); a writer
thread flushes every ``interval`` seconds with one columnar INSERT; ``close`` flushes
what is left, so a clean shutdown loses nothing.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import threading
from dataclasses import dataclass, fields
from datetime import datetime

from gateway import usage_stats
from gateway.store import Store

log = logging.getLogger("maas.ledger")


@dataclass(slots=True)
class UsageRow:
    ts: datetime
    request_id: str
    key_id: str | None
    endpoint: str
    model: str | None
    deployment: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    reasoning_tokens: int | None
    total_tokens: int | None
    usage_source: str          # upstream | estimated | none
    status: int                # HTTP status; 499 = the client went away before the end
    error_code: str | None
    stream: bool
    latency_ms: float | None
    ttft_ms: float | None
    client_aborted: bool


COLUMNS = [f.name for f in fields(UsageRow)]
_values = operator.attrgetter(*COLUMNS)          # a row's values in column order (no deep copy)
_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS {usage_stats.BATCH_TABLE} AS SELECT * FROM usage_ledger LIMIT 0"
_INSERT = (f"INSERT INTO {usage_stats.BATCH_TABLE} ({', '.join(COLUMNS)}) SELECT "
           + ", ".join(f"unnest(${i + 1})" for i in range(len(COLUMNS))))
_APPEND = f"INSERT INTO usage_ledger BY NAME SELECT * FROM {usage_stats.BATCH_TABLE}"
_CLEAR = f"DELETE FROM {usage_stats.BATCH_TABLE}"
_TOUCH_KEYS = ("UPDATE api_keys SET last_used_at = b.ts FROM (SELECT key_id, max(ts) AS ts"
               f" FROM {usage_stats.BATCH_TABLE} WHERE key_id IS NOT NULL GROUP BY key_id) AS b"
               " WHERE api_keys.id = b.key_id"
               " AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < b.ts)")


class Ledger:
    def __init__(self, store: Store, interval: float = 0.5) -> None:
        self._store = store
        self._interval = interval
        self._buffer: list[UsageRow] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._cursor = None          # the writer's own cursor (it owns the temp staging table)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="usage-ledger", daemon=True)
        self._thread.start()

    def record(self, row: UsageRow) -> None:
        """Queue one row; cheap enough for the hot path."""
        with self._lock:
            self._buffer.append(row)

    def flush(self) -> int:
        """Write every queued row now; returns how many were written."""
        with self._lock:
            rows, self._buffer = self._buffer, []
        if not rows:
            return 0
        columns = [list(col) for col in zip(*map(_values, rows), strict=True)]
        if self._cursor is None:
            self._cursor = self._store.cursor()
            self._cursor.execute(_STAGE)
        cur = self._cursor
        try:
            cur.execute("BEGIN")
            cur.execute(_INSERT, columns)
            cur.execute(_APPEND)
            cur.execute(usage_stats.ROLL_UP_BATCH_SQL)      # the dashboards' daily rollup, same batch
            cur.execute("COMMIT")
        except Exception:
            with contextlib.suppress(Exception):
                cur.execute("ROLLBACK")
            log.exception("usage ledger write failed; %d rows kept for the next try", len(rows))
            with self._lock:
                self._buffer[:0] = rows
            with contextlib.suppress(Exception):
                cur.execute(_CLEAR)
            return 0
        # Each key's last-used time: advisory, so in a short statement of its own (an admin revoking a key
        # meanwhile would otherwise conflict with the whole batch) and never failing the flush.
        try:
            cur.execute(_TOUCH_KEYS)
        except Exception as exc:  # noqa: BLE001 - a write conflict here only delays a last-used time
            log.warning("could not update keys' last-used times: %s", type(exc).__name__)
        cur.execute(_CLEAR)
        return len(rows)

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
