"""The usage ledger's write-ahead file: rows appended in small groups and fsync'd, replayed at start.

One JSON array per line (the row's values in column order), in numbered segments
``<dir>/<n>.jsonl``. The ledger ``append``s new rows to the open segment — once written, they
survive the process being killed — and ``sync``s them to the disk (survive a power cut) in a
thread of its own, so a slow disk never holds up the next write. When it takes rows for DuckDB it
``rotate``s to a new segment, and once they are committed it deletes the segments up to the one
it closed. What is left at start is what a killed process had not yet written to DuckDB. A torn
last line (the process died mid-write) is skipped. Rows DuckDB refused are appended to
``<dir>/rejected.jsonl`` for an operator to look at.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from datetime import datetime
from pathlib import Path

import orjson

log = logging.getLogger("maas.ledger")
_SEGMENT = re.compile(r"(\d{12})\.jsonl")
REJECTED = "rejected.jsonl"
_datasync = getattr(os, "fdatasync", os.fsync)     # the data and the file's size: all a replay needs


def encode(values: tuple) -> bytes:
    """One row's values as a line; a value JSON cannot hold is written as its repr (its row is refused later)."""
    try:
        return orjson.dumps(values, default=repr) + b"\n"
    except TypeError:                    # e.g. an integer over 64 bits
        return orjson.dumps([v if v is None or isinstance(v, str | bool | float | datetime) else repr(v)
                             for v in values]) + b"\n"


class WriteAheadLog:
    def __init__(self, directory: Path, width: int) -> None:
        self.dir = directory
        self._width = width              # values per row
        self._fd: int | None = None
        self._seq = 0                    # the open segment's number
        self._size = 0                   # bytes in the open segment
        self._lock = threading.Lock()    # the open segment's descriptor, between writer, syncer and rotation
        self._unsynced = False           # written since the last sync
        self._closed: list[int] = []     # descriptors of rotated segments, to sync and close
        self._new_entry = False          # a segment was created since the last sync (sync the directory)

    def _path(self, seq: int) -> Path:
        return self.dir / f"{seq:012d}.jsonl"

    def _segments(self) -> list[int]:
        return sorted(int(m.group(1)) for p in self.dir.iterdir() if (m := _SEGMENT.fullmatch(p.name)))

    def open(self) -> list[tuple]:
        """Open a fresh segment; return the rows the segments already there hold (a previous process's)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        rows: list[tuple] = []
        skipped = 0
        existing = self._segments()
        for seq in existing:
            for line in self._path(seq).read_bytes().splitlines():
                try:
                    values = orjson.loads(line)
                    if not isinstance(values, list) or len(values) != self._width:
                        raise ValueError("not a row")
                    values[0] = datetime.fromisoformat(values[0])
                except (orjson.JSONDecodeError, ValueError, TypeError):
                    skipped += 1
                    continue
                rows.append(tuple(values))
        if skipped:
            log.warning("usage ledger: %d unreadable line(s) in the write-ahead file skipped (a write cut short)",
                        skipped)
        self._seq = (existing[-1] if existing else 0) + 1
        self._open_segment()
        return rows

    def _open_segment(self) -> None:
        self._fd = os.open(self._path(self._seq), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = 0
        self._new_entry = True

    def append(self, data: bytes) -> None:
        """Write ``data`` to the open segment (OSError if the disk refuses); ``sync`` makes it durable."""
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            self._size += len(data)
            self._unsynced = True

    def sync(self) -> bool:
        """Flush everything written so far to the disk (the slow part runs without the lock); False if there
        was nothing to flush."""
        with self._lock:
            fds, self._closed = self._closed, []
            current = os.dup(self._fd) if self._unsynced and self._fd is not None else None
            entry, self._unsynced, self._new_entry = self._new_entry, False, False
        error: OSError | None = None
        for fd in [*fds, *([current] if current is not None else [])]:
            try:
                _datasync(fd)
            except OSError as exc:
                error = error or exc
            finally:
                os.close(fd)
        if entry:                        # a new segment's name, so that a replay finds it
            try:
                dir_fd = os.open(self.dir, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            except OSError as exc:
                error = error or exc
        if error is not None:
            with self._lock:
                self._unsynced = self._new_entry = True     # try again next time
            raise error
        return bool(fds) or current is not None

    def rotate(self) -> int:
        """Start the next segment if anything was written to the open one. Returns the number up to which
        segments are closed: every row in them was written before this call."""
        with self._lock:
            if self._size == 0:
                return self._seq - 1
            self._closed.append(self._fd)          # ``sync`` makes it durable, then closes it
            closed, self._seq = self._seq, self._seq + 1
            self._open_segment()
            return closed

    def drop_through(self, seq: int) -> None:
        """Delete the segments numbered up to ``seq``: their rows are in DuckDB (or set aside)."""
        for old in self._segments():
            if old <= seq:
                with contextlib.suppress(FileNotFoundError):
                    self._path(old).unlink()

    def set_aside(self, lines: bytes) -> Path:
        with open(self.dir / REJECTED, "ab") as f:
            f.write(lines)
        return self.dir / REJECTED

    def close(self) -> None:
        """Sync and close; an empty open segment is removed (everything is in DuckDB)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.sync()
        with self._lock:
            os.close(self._fd)
            self._fd = None
            if self._size == 0:
                with contextlib.suppress(FileNotFoundError):
                    self._path(self._seq).unlink()
