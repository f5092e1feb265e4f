"""A capped log of a child's output (an install's pip / npm, a running server's stderr): a file and its last lines.

    log = CappedLog(server_dir / "server.log", max_bytes=256 * 1024, hide=("s3cret",))
    log.feed(b"partial li"); log.feed(b"ne\\nnext\\n")    # bytes as they come; lines split on \\n and \\r
    log.tail(20)            # the last lines kept in memory (what a progress row or a page shows)
    log.text()              # the file: at most ``max_bytes`` now and ``max_bytes`` in ``<name>.1`` before it

The file never grows past ``max_bytes``: when it would, it becomes ``<name>.1`` (replacing the one before) and a
new file begins, so at most twice that is kept. Lines are cut at ``MAX_LINE`` characters; ``hide`` are values (the
server's secrets) replaced by ``***`` before a line is kept anywhere, should the child print one.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from pathlib import Path

MAX_LINE = 2000
TAIL_LINES = 200


class CappedLog:
    """See the module doc."""

    def __init__(self, path: Path, max_bytes: int = 256 * 1024, hide: Iterable[str] = ()) -> None:
        self.path, self.max_bytes = path, max_bytes
        self.hide = tuple(sorted({h for h in hide if h}, key=len, reverse=True))
        self._lines: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._partial = b""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._size = self.path.stat().st_size if self.path.exists() else 0

    def feed(self, data: bytes) -> None:
        """Output as it comes: whole lines are kept, a partial one waits for its end (or ``flush``)."""
        data = self._partial + data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, self._partial = data.split(b"\n")
        if len(self._partial) > MAX_LINE * 4:           # no line end in sight: keep what came as a line
            lines.append(self._partial)
            self._partial = b""
        self._write([line.decode("utf-8", "replace") for line in lines])

    def line(self, text: str) -> None:
        """A line of our own (a step beginning, the command's exit)."""
        self._write([text])

    def flush(self) -> None:
        """Keep the partial line too (the child ended)."""
        if self._partial:
            self._write([self._partial.decode("utf-8", "replace")])
            self._partial = b""

    def tail(self, count: int = 20) -> list[str]:
        """The last ``count`` non-empty lines."""
        return [line for line in self._lines if line.strip()][-count:]

    def text(self) -> str:
        """The whole kept log (the rotated part first)."""
        parts = [p.read_text(encoding="utf-8", errors="replace") for p in (self._old, self.path) if p.exists()]
        return "".join(parts)

    @property
    def _old(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    def _write(self, lines: list[str]) -> None:
        if not lines:
            return
        kept = []
        for line in lines:
            for value in self.hide:
                line = line.replace(value, "***")
            kept.append(line if len(line) <= MAX_LINE else line[:MAX_LINE] + " …")
        self._lines.extend(kept)
        data = ("\n".join(kept) + "\n").encode("utf-8")
        if self._size + len(data) > self.max_bytes and self._size:
            self.path.replace(self._old)
            self._size = 0
        with self.path.open("ab") as out:
            out.write(data[: self.max_bytes])
        self._size += min(len(data), self.max_bytes)
