"""The usage ledger's write-ahead file: rows appended and fsync'd in small groups, replayed at start.

One JSON array per line (the row's values in column order), in numbered segments
``<dir>/<n>.jsonl``. The ledger writes new rows to the open segment; when it takes rows for
DuckDB it ``rotate``s to a new segment, and once they are committed it deletes the segments up
to the one it closed. What is left at start is what a killed process had not yet written to
DuckDB. A torn last line (the process died mid-write) is skipped. Rows DuckDB refused are
appended to ``<dir>/rejected.jsonl`` for an operator to look at.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from datetime import datetime
from pathlib import Path

import orjson

log = logging.getLogger("maas.ledger")
_SEGMENT = re.compile(r"(\d{12})\.jsonl")
REJECTED = "rejected.jsonl"


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

    def append(self, data: bytes) -> None:
        """Write ``data`` to the open segment and fsync it (OSError if the disk refuses)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]
        os.fsync(self._fd)
        self._size += len(data)

    def rotate(self) -> int:
        """Close the open segment (if anything was written to it) and open the next. Returns the number up
        to which segments are closed: every row in them was written before this call."""
        if self._size == 0:
            return self._seq - 1
        os.close(self._fd)
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
        """Close the open segment; an empty one is removed (everything is in DuckDB)."""
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        if self._size == 0:
            with contextlib.suppress(FileNotFoundError):
                self._path(self._seq).unlink()
