"""An upload made into the files ingestion stores: each file (a zip: each member) checked before a byte of it is
written, then streamed to a staging file under the KB's folder.

    limits = ArchiveLimits(max_bytes=1024 * MB, max_ratio=100)
    for entry in upload_entries("papers.zip", data, folder, max_bytes=100 * MB, archive=limits):
        entry.name, entry.size, entry.staged (a Path, or None), entry.sha256, entry.error (None, or the refusal)

Refused before anything is written: a name with an extension we do not read (or a zip inside the zip), a
member whose size (as the archive declares it; ``zipfile`` never reads past it) is over ``max_bytes``, a file
whose first bytes show it cannot be what its name says (``workbench.documents.parser.refusal``: 99 MB of zeros
named .pdf are refused after reading 8 KB of them), and a whole archive that declares more than its budget:
``min(archive.max_bytes, max(archive.max_ratio x its own size, max_bytes))`` — so a small archive may still
unpack one file as large as a single upload, and a zip bomb is refused from its directory. The budget is
counted again on the bytes actually written (a member that passes it stops there and is removed). A member
that turns out damaged while it is streamed (bad CRC, bad deflate data) is removed too. Members are streamed
in blocks: memory stays small whatever the archive holds.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workbench.documents import errors as document_errors
from workbench.documents.errors import readable_size
from workbench.documents.filetype import content_kind, extension_kind
from workbench.documents.parser import HEAD_BYTES, refusal
from workbench.errors import WorkbenchError

MB = 1024 * 1024
MAX_NAME = 200
MAX_MEMBERS = 500
BLOCK = MB                                   # bytes streamed out of an archive at a time
STAGING = ".incoming-"                       # a file being written; renamed to its document's id when it is one
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.[^/]*$|Thumbs\.db$|desktop\.ini$)", re.I)


@dataclass(frozen=True)
class ArchiveLimits:
    """How much one zip upload may unpack to: at most ``max_bytes`` in all, and at most ``max_ratio`` times the
    archive's own size (but always as much as one single upload may be)."""

    max_bytes: int = 1024 * MB
    max_ratio: int = 100

    def budget(self, archive_size: int, max_bytes: int) -> int:
        return min(self.max_bytes, max(self.max_ratio * archive_size, max_bytes))


@dataclass
class Entry:
    """One file of an upload: written to ``staged`` (with its ``sha256``), or refused (``error``, nothing
    written). The caller moves or removes ``staged``."""

    name: str
    size: int
    staged: Path | None = None
    sha256: str = ""
    error: WorkbenchError | None = None


# ---------------------------------------------------------------- refusals (code; words: workbench/messages/kb.py)


def damaged_archive(name: str) -> WorkbenchError:
    return WorkbenchError("corrupt.archive", name=name)


def archive_too_large(name: str, budget: int, limits: ArchiveLimits) -> WorkbenchError:
    over, most = readable_size(budget, whole_kb=True), readable_size(limits.max_bytes, whole_kb=True)
    return WorkbenchError("archive_too_large", name=name, over=over, members=MAX_MEMBERS, ratio=limits.max_ratio,
                          most=most)


def empty_archive(name: str) -> WorkbenchError:
    return WorkbenchError("empty.archive", name=name)


# ---------------------------------------------------------------- names


def clean_name(name: str) -> str:
    """An upload's (or zip member's) name without control characters, at most ``MAX_NAME`` characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", (name or "").replace("\\", "/")).strip().strip("/") or "document"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 2] + "…." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name


def is_zip(name: str, data: bytes) -> bool:
    """Named .zip (a damaged one is still an archive), or a zip without an extension that is not a Word file."""
    suffix, _ = extension_kind(name)
    return suffix == ".zip" or (suffix == "" and data.startswith(b"PK\x03\x04")
                                and content_kind(data)[1] == "another zip archive")


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; names written without the UTF-8 flag are tried as UTF-8, then GB18030 (Chinese Windows)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _by_name(name: str, size: int, max_bytes: int) -> WorkbenchError | None:
    """What the name and size alone refuse (nothing read yet)."""
    suffix, kind = extension_kind(name)
    if suffix == ".zip" or (suffix and kind is None):
        return document_errors.unsupported(name, archives=True)
    if size > max_bytes:
        return document_errors.too_large(name, size, max_bytes)
    return None


# ---------------------------------------------------------------- an upload's entries


def upload_entries(name: str, data: bytes, folder: Path, *, max_bytes: int,
                   archive: ArchiveLimits) -> Iterator[Entry]:
    """The files of one upload (``name`` already cleaned): a zip's members (the zip itself may be up to
    ``archive.max_bytes``), or the file itself (up to ``max_bytes``)."""
    if is_zip(name, data):
        if len(data) > archive.max_bytes:
            yield Entry(name, len(data), error=document_errors.too_large(name, len(data), archive.max_bytes))
        else:
            yield from _unpack(name, data, folder, max_bytes, archive)
        return
    problem = _by_name(name, len(data), max_bytes) or refusal(data[:HEAD_BYTES], name)
    if problem is not None:
        yield Entry(name, len(data), error=problem)
        return
    with _Staged(folder, budget=len(data)) as staged:
        staged.write(data)
    yield Entry(name, len(data), staged.path, staged.sha256)


def _unpack(name: str, data: bytes, folder: Path, max_bytes: int, limits: ArchiveLimits) -> Iterator[Entry]:
    """The documents of a zip archive; the archive itself as a refused entry when it cannot be unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        yield Entry(name, len(data), error=damaged_archive(name))
        return
    named = [(clean_name(_member_name(i)), i) for i in infos]
    named = [(n, i) for n, i in named if not _JUNK.search(n)]
    budget = limits.budget(len(data), max_bytes)
    if len(named) > MAX_MEMBERS or sum(i.file_size for _, i in named) > budget:      # what it says it holds
        yield Entry(name, len(data), error=archive_too_large(name, budget, limits))
        return
    if not named:
        yield Entry(name, len(data), error=empty_archive(name))
        return
    left = budget
    with archive:
        for member, info in named:
            problem = _by_name(member, info.file_size, max_bytes)
            if problem is not None:
                yield Entry(member, info.file_size, error=problem)
                continue
            try:
                with archive.open(info) as part:
                    head = _read_up_to(part, HEAD_BYTES)
                    problem = refusal(head, member)
                    if problem is not None:
                        yield Entry(member, info.file_size, error=problem)
                        continue
                    with _Staged(folder, budget=min(max_bytes, left)) as staged:
                        staged.write(head)
                        while block := part.read(BLOCK):       # never past the declared size (zipfile's bound)
                            staged.write(block)
            except _OverBudget as over:
                if over.size > max_bytes:
                    yield Entry(member, over.size, error=document_errors.too_large(member, over.size, max_bytes))
                    continue
                yield Entry(member, over.size, error=archive_too_large(name, budget, limits))
                return
            except Exception:                 # CRC, inflate (zlib) errors, unsupported compression, encryption
                yield Entry(member, info.file_size, error=damaged_archive(name))
                continue
            left -= staged.size
            yield Entry(member, staged.size, staged.path, staged.sha256)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        block = stream.read(size - len(data))
        if not block:
            break
        data += block
    return bytes(data)


class _OverBudget(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class _Staged:
    """A file being written under ``folder`` with its sha256, at most ``budget`` bytes (else ``_OverBudget``);
    removed when the block it is written in fails."""

    def __init__(self, folder: Path, *, budget: int) -> None:
        self.path = folder / f"{STAGING}{uuid.uuid4().hex}"
        self.budget, self.size = budget, 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None

    def __enter__(self) -> _Staged:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "xb")               # noqa: SIM115 - closed in __exit__
        return self

    def write(self, data: bytes) -> None:
        if self.size + len(data) > self.budget:
            raise _OverBudget(self.size + len(data))
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def __exit__(self, kind, exc, tb) -> None:
        self._file.close()
        if kind is not None:
            self.path.unlink(missing_ok=True)
