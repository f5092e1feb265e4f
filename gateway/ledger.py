"""The usage ledger: one row per request, written in batches off the request path.

``record`` only appends to an in-memory buffer (no I/O on the request path); a writer
thread flushes every ``interval`` seconds with one columnar INSERT; ``close`` flushes
what is left, so a clean shutdown loses nothing.
"""

from __future__ import annotations

import logging
import operator
import threading
from dataclasses import dataclass, fields
from datetime import datetime

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
_INSERT = (f"INSERT INTO usage_ledger ({', '.join(COLUMNS)}) SELECT "
           + ", ".join(f"unnest(${i + 1})" for i in range(len(COLUMNS))))


class Ledger:
    def __init__(self, store: Store, interval: float = 0.5) -> None:
        self._store = store
        self._interval = interval
        self._buffer: list[UsageRow] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

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
        try:
            self._store.cursor().execute(_INSERT, columns)
        except Exception:
            log.exception("usage ledger write failed; %d rows kept for the next try", len(rows))
            with self._lock:
                self._buffer[:0] = rows
            return 0
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
