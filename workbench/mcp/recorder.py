"""Tool calls written to the run log off the caller's path: a call does not wait for DuckDB.

    recorder = RunRecorder(RunLog(store))
    run_id = recorder.submit(Call(...))      # at once: the id the row will have
    recorder.flush()                         # every run submitted so far is in the table (readers call it first)
    recorder.close()                         # flush, then stop the writer (at shutdown)

A row of ``mcp_runs`` costs 2-5 ms to insert and commit on this machine's DuckDB (the commit writes the file), about
what a whole tool call to a server on loopback takes, and a read of the store waits while another thread commits.
So the hub hands its runs to one writer thread, which writes what has queued up every ``every`` seconds (0.2), in
one transaction (sooner when ``most`` rows wait). ``flush`` has the rows submitted before it written now and waits
for them: the hub's ``runs``, ``run`` and ``usage`` call it first, so a user sees a call's run as soon as the call has
answered. A crash loses at most the last ``every`` seconds of runs; a row that fails to write is logged (the count,
never the content) and dropped. ``flush`` also runs at interpreter exit; close the hub before its store.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import uuid
import weakref

from .runs import Call, RunLog

IDLE_EXIT = 30.0                # seconds the writer waits for work before it ends

log = logging.getLogger(__name__)


class RunRecorder:
    """One writer thread for the runs of one ``RunLog`` (see the module doc)."""

    def __init__(self, run_log: RunLog, *, every: float = 0.2, most: int = 500) -> None:
        self.run_log, self.every, self.most = run_log, every, most
        self._changed = threading.Condition()
        self._queue: list[tuple[str, Call]] = []
        self._submitted = self._written = 0
        self._since = 0.0                       # when the oldest run waiting was queued
        self._now = False                       # a flush asks for the write now
        self._thread: threading.Thread | None = None
        self._closed = False
        atexit.register(_flush_at_exit, weakref.ref(self))

    def submit(self, call: Call) -> str:
        """Queue ``call``'s run for writing; its id."""
        run_id = uuid.uuid4().hex
        with self._changed:
            if self._closed:
                raise RuntimeError("the run recorder is closed")
            if not self._queue:
                self._since = time.monotonic()
            self._queue.append((run_id, call))
            self._submitted += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._write, name="mcp-run-writer", daemon=True)
                self._thread.start()
            self._changed.notify_all()
        return run_id

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every run submitted so far is written (or dropped, said in the log); whether it was in time."""
        with self._changed:
            target = self._submitted
            if self._written < target:
                self._now = True
                self._changed.notify_all()
            return self._changed.wait_for(lambda: self._written >= target, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the writer."""
        self.flush(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _write(self) -> None:
        while True:
            with self._changed:
                if not self._changed.wait_for(lambda: self._queue or self._closed, IDLE_EXIT) or not self._queue:
                    self._thread = None                 # nothing to do: the next submit starts another
                    return
                while not (self._now or self._closed or len(self._queue) >= self.most):
                    left = self._since + self.every - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                batch, self._queue = self._queue[:self.most], self._queue[self.most:]
                self._since, self._now = time.monotonic(), False
            try:
                self.run_log.record_many(batch)
            except Exception:
                log.exception("%d MCP runs could not be recorded", len(batch))
            with self._changed:
                self._written += len(batch)
                self._changed.notify_all()


def _flush_at_exit(ref: weakref.ref[RunRecorder]) -> None:
    recorder = ref()
    if recorder is not None:
        try:
            recorder.flush(5.0)
        except Exception:               # the store may be closed already
            log.debug("MCP runs not flushed at exit", exc_info=True)
