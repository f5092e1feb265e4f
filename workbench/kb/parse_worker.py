"""Parsing and chunking a KB document in a child process that can be killed: a time and a memory bound per
document, and a cancel that stops a parse in progress.

    worker = ParseWorker(ParseLimits(seconds=120, memory_mb=1024))
    worker.start()                          # spawns ``python -m workbench.kb.parse_worker``; it imports the parsers
    parsed = worker.parse(path, "report.pdf", max_bytes=..., chunk_tokens=300, overlap_tokens=40, stop=event)
    parsed.kind, parsed.pages, parsed.chunks           # or DocumentError / parse_timeout / parse_memory / ParseStopped
    worker.shut(); worker.close()       # no new child, then kill it (once no thread parses with it)

A child also reads papers (``paper``: ``workbench.papers.structure``, OCR for scanned pages, a progress frame per
page before the answer), under the same limits.

One child serves one document at a time and stays warm between documents (importing pypdf, the chunker and
their dependencies takes ~1 s; a parse of a 25-page PDF ~0.1 s). The parent (a thread of the ingestion
worker) waits for the answer in steps of ``POLL`` seconds, and kills the child — then starts a fresh one — when
the document takes longer than ``seconds``, when the child's resident memory passes ``memory_mb``, or when
``stop`` is set (the user cancelled or deleted the document, or the service is stopping). A child that dies
(a crash in a C library) fails that document only. The child's data segment is also capped (RLIMIT_DATA at
twice ``memory_mb``) so that one huge allocation fails there instead of taking the machine, and it exits
by itself when its parent is gone; it gets none of the server's environment.

Requests and answers are length-prefixed JSON frames on the child's stdin and on a private copy of its
stdout (the child points its own fd 1 at stderr, so a stray print from a library cannot break a frame).
The answer carries the chunks (text, pages, heading path, tokens), not the document's text twice.
"""

from __future__ import annotations

import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

from shared.messages import Words
from workbench.documents.errors import DocumentError
from workbench.errors import WorkbenchError
from workbench.kb.chunking import KBChunk

log = logging.getLogger(__name__)

POLL = 0.05                     # seconds between looks at the clock, the child's memory and the stop flag
START_SECONDS = 120             # for a child to import the parsers (not counted in a document's time)
MB = 1024 * 1024
_FRAME = struct.Struct(">I")
_ROOT = Path(__file__).resolve().parents[2]
# The child reads untrusted files: it gets none of the server's environment (keys named by the catalogue, the
# master key), and one thread for numpy's BLAS (it does no linear algebra).
_CHILD_ENV = {"PATH": os.defpath, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "OPENBLAS_NUM_THREADS": "1",
              "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class ParseLimits:
    """How long one document's parse may take and how much memory (resident, MB) its process may use."""

    seconds: float = 120
    memory_mb: int = 1024


@dataclass(frozen=True)
class Parsed:
    """What ingestion keeps of a parsed document: its kind, page count and chunks."""

    kind: str
    pages: int
    chunks: list[KBChunk]


class ParseStopped(Exception):
    """The parse was stopped from outside (``stop`` set): the document was cancelled or deleted, or the service
    is stopping. Nothing to tell the user: the document's status already says so."""


def parse_timeout(name: str, seconds: float) -> WorkbenchError:
    return WorkbenchError("parse_timeout", name=name, seconds=f"{seconds:g}")


def parse_memory(name: str, megabytes: int) -> WorkbenchError:
    return WorkbenchError("parse_memory", name=name, megabytes=megabytes)


def parse_crashed(name: str) -> WorkbenchError:
    return WorkbenchError("parse_failed", name=name)


# ---------------------------------------------------------------- the parent's side


class ParseWorker:
    """One warm child process parsing one document at a time; used from one thread at a time."""

    def __init__(self, limits: ParseLimits) -> None:
        if limits.seconds <= 0 or limits.memory_mb < 1:
            raise ValueError("parse limits must be positive")
        self.limits = limits
        self._proc: subprocess.Popen | None = None
        self._closed = False
        self._ready = False
        self._buffer = bytearray()
        self._lock = threading.Lock()           # start/close from another thread than the one parsing

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def warm(self) -> bool:
        """Its child has imported the parsers (False after a kill, until the new one is ready)."""
        return self._ready and self.pid is not None

    def start(self) -> None:
        """Spawn the child unless one is running (it gets ready in the background; ``parse`` waits for it)."""
        with self._lock:
            if self._closed or (self._proc is not None and self._proc.poll() is None):
                return
            self._buffer.clear()
            self._ready = False
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "workbench.kb.parse_worker", str(self.limits.memory_mb)], cwd=_ROOT,
                env=_CHILD_ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True)

    def shut(self) -> None:
        """No new child from now on (a parse being stopped does not start a fresh one); ``close`` kills it."""
        with self._lock:
            self._closed = True

    def close(self) -> None:
        """Kill the child for good; call once no thread is parsing with it (after ``shut`` and ``stop``)."""
        with self._lock:
            proc, self._proc, self._closed = self._proc, None, True
        if proc is not None:
            _kill(proc)

    def parse(self, path: Path, name: str, *, max_bytes: int, chunk_tokens: int, overlap_tokens: int,
              stop: threading.Event) -> Parsed:
        """The document at ``path`` parsed and chunked in the child, within the limits (see the module doc)."""
        request = {"path": str(path), "name": name, "max_bytes": max_bytes, "chunk_tokens": chunk_tokens,
                   "overlap_tokens": overlap_tokens}
        return self._exchange(request, name, stop, None, self._result)

    def paper(self, path: Path, name: str, *, max_bytes: int, stop: threading.Event,
              progress: Callable[[str, int, int], None] | None = None) -> str:
        """A paper's structure (``workbench.papers.structure``, scanned pages read by OCR) as JSON
        (``workbench.papers.records.structure_from_json`` reads it), within the limits; ``progress(stage, done,
        total)`` is told of each page as the child reads it."""
        request = {"task": "paper", "path": str(path), "name": name, "max_bytes": max_bytes}
        return self._exchange(request, name, stop, progress, self._structure)

    def _exchange(self, request: dict, name: str, stop: threading.Event,
                  progress: Callable[[str, int, int], None] | None, result: Callable[..., Any]) -> Any:
        proc = self._running(stop)
        body = json.dumps(request).encode()
        try:
            proc.stdin.write(_FRAME.pack(len(body)) + body)
        except OSError:
            return self._died(proc, name)
        deadline = time.monotonic() + self.limits.seconds
        while True:
            answer = self._receive(proc, min(POLL, max(0.0, deadline - time.monotonic())))
            if answer is not None and "progress" in answer:
                if progress is not None:
                    progress(*answer["progress"])
                continue
            if answer is not None:
                return result(proc, answer, name)
            if stop.is_set():
                self._restart(proc)
                raise ParseStopped
            if time.monotonic() >= deadline:
                self._restart(proc)
                raise parse_timeout(name, self.limits.seconds)
            if _resident(proc.pid) > self.limits.memory_mb * MB:
                self._restart(proc)
                raise parse_memory(name, self.limits.memory_mb)
            if proc.poll() is not None:
                return self._died(proc, name)

    # -- helpers -------------------------------------------------------------------------------------------------
    def _running(self, stop: threading.Event) -> subprocess.Popen:
        """The child, started if needed and ready (its parsers imported)."""
        self.start()
        proc = self._proc
        if proc is None:                           # closed: the service is stopping
            raise ParseStopped
        deadline = time.monotonic() + START_SECONDS
        while not self._ready:
            if stop.is_set():
                raise ParseStopped
            if proc.poll() is not None or time.monotonic() > deadline:
                self._restart(proc)
                raise RuntimeError("the parse worker process did not start")
            if self._receive(proc, POLL) is not None:
                self._ready = True
        return proc

    def _receive(self, proc: subprocess.Popen, timeout: float) -> dict | None:
        """One whole frame from the child if it arrives within ``timeout``, else None (partial data is kept)."""
        fd = proc.stdout.fileno()
        ends = time.monotonic() + timeout
        while True:
            frame = self._frame()
            if frame is not None:
                return frame
            left = ends - time.monotonic()
            if left < 0 or not select.select([fd], [], [], max(left, 0))[0]:
                return None
            data = os.read(fd, 4 * MB)
            if not data:                           # the child is gone (or going): let its exit be seen
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                return None
            self._buffer += data

    def _frame(self) -> dict | None:
        if len(self._buffer) < _FRAME.size:
            return None
        (size,) = _FRAME.unpack_from(self._buffer)
        if len(self._buffer) < _FRAME.size + size:
            return None
        body = bytes(self._buffer[_FRAME.size: _FRAME.size + size])
        del self._buffer[: _FRAME.size + size]
        return json.loads(body)

    def _result(self, proc: subprocess.Popen, answer: dict, name: str) -> Parsed:
        if answer.get("recycle"):                  # the child grew (or hit its memory cap): a fresh one next time
            self._restart(proc)
        if "chunks" in answer:
            chunks = [KBChunk(text, first, last, heading, tokens)
                      for text, first, last, heading, tokens in answer["chunks"]]
            return Parsed(answer["kind"], answer["pages"], chunks)
        self._raise(answer, name)

    def _structure(self, proc: subprocess.Popen, answer: dict, name: str) -> str:
        if answer.get("recycle"):
            self._restart(proc)
        if "structure" in answer:
            return answer["structure"]
        self._raise(answer, name)

    def _raise(self, answer: dict, name: str) -> NoReturn:
        """The failure an answer without a result carries, raised as the caller's error."""
        error = answer.get("error") or {}
        if error.get("code") == "memory":
            raise parse_memory(name, self.limits.memory_mb)
        if error.get("key"):                       # a DocumentError (or a PaperError), its code and fields as JSON
            fields = {k: Words(**v) if isinstance(v, dict) else v for k, v in error.get("fields", {}).items()}
            if error["key"].startswith("paper."):
                from workbench.papers.errors import PaperInvalid

                raise PaperInvalid(error["key"], error.get("field"), **fields)
            raise DocumentError(error["key"], code=error.get("code"), **fields)
        raise parse_crashed(name)

    def _died(self, proc: subprocess.Popen, name: str) -> Parsed:
        code = proc.poll()
        log.warning("knowledge bases: the parse worker died reading %r (exit %s)", name, code)
        self._restart(proc)
        raise parse_crashed(name)

    def _restart(self, proc: subprocess.Popen) -> None:
        """Kill ``proc`` and start a fresh child (it imports while the caller goes on)."""
        with self._lock:
            current = self._proc is proc
            if current:
                self._proc = None
        _kill(proc)
        if current:
            self.start()


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        log.warning("knowledge bases: parse worker %s did not exit after SIGKILL", proc.pid)
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass


def _resident(pid: int) -> int:
    """Resident memory of a process in bytes (0 when it cannot be read: gone, or not Linux)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# ---------------------------------------------------------------- the child's side


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        part = os.read(fd, size - len(data))
        if not part:
            return None
        data += part
    return bytes(data)


def _write_frame(fd: int, answer: dict[str, Any]) -> None:
    body = json.dumps(answer).encode()
    view = memoryview(_FRAME.pack(len(body)) + body)
    while view:
        view = view[os.write(fd, view):]


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (a killed server must not leave a parse running)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _cap_data(memory_mb: int) -> None:
    """RLIMIT_DATA at twice the resident limit: a single huge allocation fails here, not on the machine."""
    try:
        import resource

        cap = 2 * memory_mb * MB
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass


def _peak_bytes() -> int:
    """This process's own peak resident memory. Not ``ru_maxrss``: Linux carries the parent's peak into it across
    fork + exec, so a child of a big server would look big from its first document."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024          # kB
    except (OSError, ValueError, IndexError):
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024     # KB on Linux; elsewhere an upper bound


def _chunked(data: bytes, name: str, request: dict, parse: Callable, chunk_document: Callable) -> dict[str, Any]:
    """A KB document parsed and chunked: its kind, pages and chunks."""
    document = parse(data, name, max_bytes=request["max_bytes"])
    chunks = chunk_document(document, chunk_tokens=request["chunk_tokens"], overlap_tokens=request["overlap_tokens"])
    return {"kind": document.kind, "pages": document.page_count,
            "chunks": [[c.text, c.first_page, c.last_page, c.heading, c.tokens] for c in chunks]}


def _paper(data: bytes, name: str, max_bytes: int, out: int) -> str:
    """A paper's structure as JSON, read here (OCR for pages without text), each page told to the parent."""
    from workbench.papers.records import structure_json
    from workbench.papers.structure import structure

    try:
        from workbench.documents.ocr import recognise
    except ImportError:                             # no OCR engine installed: text-less pages stay empty
        recognise = None
    told = lambda stage, done, total: _write_frame(out, {"progress": [stage, done, total]})  # noqa: E731
    return structure_json(structure(data, name, ocr=recognise, max_bytes=max_bytes, progress=told))


def main(argv: list[str]) -> None:
    """The child: answer parse requests on fd 0 until it closes."""
    memory_mb = int(argv[0]) if argv else ParseLimits().memory_mb
    out = os.dup(1)
    os.dup2(2, 1)                                   # print() goes to stderr; frames go to ``out``
    import pypdf  # noqa: F401  (imported now, not in the first document's time)

    from workbench.documents import parse
    from workbench.kb.chunking import chunk_document

    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    _cap_data(memory_mb)
    _write_frame(out, {"ready": True})
    while True:
        header = _read_exactly(0, _FRAME.size)
        if header is None:
            return
        request = json.loads(_read_exactly(0, _FRAME.unpack(header)[0]) or b"{}")
        answer: dict[str, Any]
        try:
            name = request["name"]
            data = Path(request["path"]).read_bytes()
            if request.get("task") == "paper":
                answer = {"structure": _paper(data, name, request["max_bytes"], out)}
            else:
                answer = _chunked(data, name, request, parse, chunk_document)
            del data
        except WorkbenchError as exc:
            answer = {"error": {"key": exc.key, "code": exc.code, "field": exc.field,
                                "fields": {k: asdict(v) if isinstance(v, Words) else v for k, v in exc.fields.items()}}}
        except MemoryError:
            answer = {"error": {"code": "memory"}, "recycle": True}
        except Exception:  # noqa: BLE001 - a parser bug: logged here (stderr), the document fails alone
            log.exception("knowledge bases: parsing %r failed", request.get("name"))
            answer = {"error": {}}
        if _peak_bytes() > memory_mb * MB // 2:   # a big document leaves a big process behind: start afresh
            answer["recycle"] = True
            if _peak_bytes() > memory_mb * MB and "chunks" in answer:   # a MemoryError a parser swallowed
                answer = {"error": {"code": "memory"}, "recycle": True}
        _write_frame(out, answer)
        if answer.get("recycle"):
            return


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    main(sys.argv[1:])
