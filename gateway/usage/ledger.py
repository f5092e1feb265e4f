"""The usage ledger: one row per request, written ahead to a file within milliseconds, to DuckDB in batches.

``record`` only appends to an in-memory list (no I/O on the request path). With a write-ahead
directory (the gateway's ``<data dir>/ledger``), a writer thread appends the new rows to a file
``sync_s`` after the first of them arrived (one write for all that came meanwhile) and a third
thread fsyncs what was written: a completed request survives a SIGKILL within ``sync_s`` plus
one write (microseconds), a power cut within that plus an fsync (~1 ms here, longer on a busy
disk, which never delays the next write). A thread writes the rows to DuckDB every ``interval``
seconds with one columnar INSERT, then deletes the write-ahead segments they came from; ``start``
replays what a killed process left before the gateway serves; ``close`` writes what is left, so a
clean shutdown leaves the write-ahead directory empty.

A batch DuckDB refuses because of a row's values is split in halves until the rows it refuses are
found: they are set aside (logged once, counted in ``set_aside``, kept in ``rejected.jsonl``) and
the others written. When DuckDB itself fails, the rows are kept and retried (logged once).
"""

from __future__ import annotations

import contextlib
import logging
import operator
import threading
import time
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

import duckdb

from gateway.store import Store
from gateway.usage import stats as usage_stats
from gateway.usage.ledger_wal import WriteAheadLog, encode

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
# replayed rows a killed process may have committed already (it died before deleting their segment)
_DEDUPE = (f"DELETE FROM {usage_stats.BATCH_TABLE} WHERE (request_id, ts) IN (SELECT request_id, ts FROM usage_ledger"
           f" WHERE ts >= (SELECT min(ts) FROM {usage_stats.BATCH_TABLE}))")
_TOUCH_KEYS = ("UPDATE api_keys SET last_used_at = b.ts FROM (SELECT key_id, max(ts) AS ts"
               f" FROM {usage_stats.BATCH_TABLE} WHERE key_id IS NOT NULL GROUP BY key_id) AS b"
               " WHERE api_keys.id = b.key_id"
               " AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < b.ts)")
# errors caused by a row's values (a batch is split to find the row); anything else is the store's
_ROW_ERRORS = (duckdb.DataError, duckdb.IntegrityError, duckdb.ProgrammingError, TypeError, ValueError,
               OverflowError)


def _line(row: UsageRow) -> bytes:
    return encode(_values(row))


class Ledger:
    def __init__(self, store: Store, interval: float = 0.5, *, wal_dir: Path | None = None,
                 sync_s: float = 0.02) -> None:
        self._store = store
        self._interval = interval
        self._sync_s = sync_s
        self._incoming: list[UsageRow] = []    # recorded; not yet written ahead (without a WAL: not yet flushed)
        self._synced: list[UsageRow] = []      # written ahead; not yet in DuckDB
        self._lock = threading.Lock()
        self._wal = WriteAheadLog(wal_dir, len(COLUMNS)) if wal_dir is not None else None
        self._wal_lock = threading.Lock()      # one write-ahead append or rotation at a time
        self._flush_lock = threading.Lock()
        self._sync_wake = threading.Event()
        self._disk_wake = threading.Event()
        self._wake = threading.Event()
        self._stop = self._closing = False
        self._thread: threading.Thread | None = None
        self._syncer: threading.Thread | None = None
        self._disker: threading.Thread | None = None
        self._cursor = None          # the writer's own cursor (it owns the temp staging table)
        self._dedupe = False         # the next batch holds replayed rows
        self._store_failing = self._wal_failing = False
        self.set_aside = 0           # rows DuckDB refused, since start

    def start(self) -> None:
        """Replay what a previous process left in the write-ahead file (before serving), then start writing."""
        if self._wal is not None:
            replayed = [UsageRow(*values) for values in self._wal.open()]
            if replayed:
                self._synced, self._dedupe = replayed, True
                written = self.flush()
                log.info("usage ledger: %d row(s) replayed from the write-ahead file (%d new)", len(replayed),
                         written)
            self._syncer = threading.Thread(target=self._sync_loop, name="usage-ledger-wal", daemon=True)
            self._disker = threading.Thread(target=self._disk_loop, name="usage-ledger-fsync", daemon=True)
            self._syncer.start()
            self._disker.start()
        self._thread = threading.Thread(target=self._run, name="usage-ledger", daemon=True)
        self._thread.start()

    def record(self, row: UsageRow) -> None:
        """Queue one row; cheap enough for the hot path."""
        with self._lock:
            self._incoming.append(row)
            first = len(self._incoming) == 1
        if first and self._wal is not None:
            self._sync_wake.set()

    # -- write-ahead ----------------------------------------------------------------------------
    def _sync_loop(self) -> None:
        """Write each group of recorded rows ahead at most ``sync_s`` after its first row came."""
        while True:
            self._sync_wake.wait()
            if not self._closing and self._sync_s > 0:
                time.sleep(self._sync_s)           # the rows of the next few milliseconds go in the same write
            self._sync_wake.clear()
            try:
                if self._write_ahead():
                    self._disk_wake.set()
            except Exception:  # noqa: BLE001 - never let metering stop
                log.exception("usage ledger: write-ahead failed")
            if self._closing:
                return

    def _disk_loop(self) -> None:
        """fsync what was written ahead (one fsync for every write made while the last one ran)."""
        while True:
            self._disk_wake.wait()
            self._disk_wake.clear()
            try:
                if self._wal.sync():
                    self._wal_trouble(None)
            except OSError as exc:
                self._wal_trouble(exc)
            if self._closing:
                return

    def sync(self) -> None:
        """Write the recorded rows ahead and to the disk now (what the two threads do a moment later)."""
        self._write_ahead()
        try:
            self._wal.sync()
        except OSError as exc:
            self._wal_trouble(exc)

    def _write_ahead(self) -> bool:
        """Append the recorded rows to the write-ahead file and hand them to the DuckDB writer."""
        with self._wal_lock:
            with self._lock:
                rows, self._incoming = self._incoming, []
            if not rows:
                return False
            try:
                self._wal.append(b"".join(map(_line, rows)))
            except OSError as exc:               # the disk refused: the rows still go to DuckDB, only later
                self._wal_trouble(exc)
            with self._lock:
                self._synced.extend(rows)
            return True

    def _wal_trouble(self, exc: OSError | None) -> None:
        """Say once that the write-ahead file cannot be written (and once that it can again)."""
        if exc is None:
            if self._wal_failing:
                self._wal_failing = False
                log.warning("usage ledger: the write-ahead file is written again")
        elif not self._wal_failing:
            self._wal_failing = True
            log.error("usage ledger: cannot write the write-ahead file in %s (%s); rows reach the database only "
                      "with its next batch until it can", self._wal.dir, exc)

    # -- DuckDB ---------------------------------------------------------------------------------
    def flush(self) -> int:
        """Write every queued row to DuckDB now; returns how many were written."""
        with self._flush_lock:
            through = None
            if self._wal is None:
                with self._lock:
                    rows, self._incoming = self._incoming, []
            else:
                with self._wal_lock:
                    with self._lock:
                        rows, self._synced = self._synced, []
                    if rows:
                        try:
                            through = self._wal.rotate()
                        except OSError as exc:       # its segments stay until a later rotation works
                            log.error("usage ledger: cannot start a new write-ahead segment: %s", exc)
            if not rows:
                return 0
            written, kept, refused = self._write(rows)
            if refused:
                self._set_aside(refused)
            if kept:
                with self._lock:
                    if self._wal is None:
                        self._incoming[:0] = kept
                    else:
                        self._synced[:0] = kept
                return written
            if self._store_failing:
                self._store_failing = False
                log.warning("usage ledger: database writes resumed")
            self._dedupe = False
            if through is not None:
                self._wal.drop_through(through)
            return written

    def _write(self, rows: list[UsageRow], probed: bool = False
               ) -> tuple[int, list[UsageRow], list[tuple[UsageRow, Exception]]]:
        """(rows written, rows kept for the next try, rows refused with why)."""
        try:
            self._append(rows)
            return len(rows), [], []
        except _ROW_ERRORS as exc:
            if not probed and not self._store_works():
                return self._keep(rows, exc)
            if len(rows) == 1:
                return 0, [], [(rows[0], exc)]
            half = len(rows) // 2
            w1, k1, r1 = self._write(rows[:half], True)
            if k1:
                return w1, k1 + rows[half:], r1
            w2, k2, r2 = self._write(rows[half:], True)
            return w1 + w2, k2, r1 + r2
        except Exception as exc:  # noqa: BLE001 - the store failed (disk, lock, conflict): keep the rows
            return self._keep(rows, exc)

    def _keep(self, rows: list[UsageRow], exc: Exception) -> tuple[int, list[UsageRow], list]:
        if not self._store_failing:
            self._store_failing = True
            log.error("usage ledger: writing %d row(s) to the database failed (%s: %s); they are kept and "
                      "retried every %.1f s", len(rows), type(exc).__name__, str(exc).splitlines()[0] if str(exc)
                      else "", self._interval)
        return 0, rows, []

    def _store_works(self) -> bool:
        """Whether an empty batch goes through: if not, a failed batch is the store's fault, not a row's."""
        cur = self._cursor
        if cur is None:
            return False
        try:
            cur.execute("BEGIN")
            cur.execute(_APPEND)
            cur.execute(usage_stats.ROLL_UP_BATCH_SQL)
            cur.execute("ROLLBACK")
            return True
        except Exception:  # noqa: BLE001
            with contextlib.suppress(Exception):
                cur.execute("ROLLBACK")
            return False

    def _append(self, rows: list[UsageRow]) -> None:
        """One transaction: the rows into the ledger and the daily rollup; raises on any failure."""
        columns = [list(col) for col in zip(*map(_values, rows), strict=True)]
        if self._cursor is None:
            cur = self._store.cursor()
            cur.execute(_STAGE)
            self._cursor = cur
        cur = self._cursor
        try:
            cur.execute("BEGIN")
            cur.execute(_INSERT, columns)
            if self._dedupe:
                cur.execute(_DEDUPE)
            cur.execute(_APPEND)
            cur.execute(usage_stats.ROLL_UP_BATCH_SQL)      # the dashboards' daily rollup, same batch
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                cur.execute("ROLLBACK")
            with contextlib.suppress(Exception):
                cur.execute(_CLEAR)
            raise
        # Each key's last-used time: advisory, so in a short statement of its own (an admin revoking a key
        # meanwhile would otherwise conflict with the whole batch) and never failing the flush.
        try:
            cur.execute(_TOUCH_KEYS)
        except Exception as exc:  # noqa: BLE001 - a write conflict here only delays a last-used time
            log.warning("could not update keys' last-used times: %s", type(exc).__name__)
        cur.execute(_CLEAR)

    def _set_aside(self, refused: list[tuple[UsageRow, Exception]]) -> None:
        self.set_aside += len(refused)
        where = "the log"
        if self._wal is not None:
            with contextlib.suppress(OSError):
                where = str(self._wal.set_aside(b"".join(_line(row) for row, _ in refused)))
        row, exc = refused[0]
        log.error("usage ledger: %d row(s) the database refused were set aside in %s (%d since start); the first: "
                  "request %s, %s: %s", len(refused), where, self.set_aside, row.request_id, type(exc).__name__,
                  str(exc).splitlines()[0] if str(exc) else "")
        if self._wal is None:
            for row, _ in refused:
                log.error("usage ledger row set aside: %s", _line(row).decode())

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self._interval)
            self._wake.clear()
            if not self._stop:
                try:
                    self.flush()
                except Exception:  # noqa: BLE001 - never let metering stop
                    log.exception("usage ledger: flush failed")

    def close(self) -> None:
        """Stop the threads and write everything left (the write-ahead file keeps what DuckDB would not take)."""
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._wal is not None:
            self._closing = True
            self._sync_wake.set()
            self._disk_wake.set()
            for thread in (self._syncer, self._disker):
                if thread is not None:
                    thread.join(timeout=10)
            self._write_ahead()                  # rows recorded meanwhile
        self.flush()
        if self._wal is not None:
            self._wal.close()                    # syncs what is left
