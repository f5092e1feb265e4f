"""Documents attached to a conversation: parsed, chunked and kept in the workbench's DuckDB, owner-checked.

    attachments = Attachments(store, conversations, Limits(max_files=10, max_total_bytes=100 * MB))
    doc = await asyncio.to_thread(attachments.add, "alice", conv_id, "report.pdf", data,
                                  max_bytes=20 * MB, progress=print)        # Progress("reading", 0, 1) ...
    attachments.list("alice", conv_id); attachments.delete("alice", doc.id)

Every public method takes the caller's ``user_id``: a conversation or attachment of someone else
answers exactly like a missing one (``NotFound``, from the conversations service). Holding an
``Attachment`` means that check passed; the methods that take one (``passages``, ``text``, vectors,
summaries) do not check again. Parsing refusals are ``DocumentError`` and pass through unchanged
(nothing is stored); a full conversation is an ``AttachmentError`` (the same shape: ``code``,
``message``, ``text(locale)``; its words in ``workbench/messages/conversations.py``).

Pages are kept, so any span of the document can be shown with page markers ("[p. 17]") for PDFs;
chunks (for retrieval and summaries) know their span and pages. With ``files_dir`` the uploaded file itself is kept
too (``files_dir/<attachment id>``, owner-only permissions), so a citation can open the cited page (``file``).
``add`` is synchronous and slow on big files: run it in a worker thread; ``progress`` is called from that thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from workbench.chat import estimate_tokens
from workbench.conversations import Conversations, NotFound
from workbench.documents import Document, DocumentError, chunk, parse
from workbench.documents.errors import readable_size
from workbench.store import Store

log = logging.getLogger("maas.workbench.attachments")

MB = 1024 * 1024
MAX_NAME = 200
CHUNK_CHARS = {"en": 600, "zh": 300}        # ~150 tokens: what a sentence encoder (USE v3) embeds sharply
OVERLAP_CHARS = {"en": 80, "zh": 40}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_SAVE_BATCH = 200


@dataclass(frozen=True)
class Progress:
    """How far a slow job is: ``stage`` (reading, chunking, saving; map, reduce, cached), ``done`` of ``total``."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class Limits:
    """Per conversation: at most ``max_files`` documents of together at most ``max_total_bytes``."""

    max_files: int = 10
    max_total_bytes: int = 100 * MB

    def __post_init__(self) -> None:
        for name in ("max_files", "max_total_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"attachments.{name} must be a whole number of at least 1, got {value!r}")


class AttachmentError(DocumentError):
    """An attachment refused for the conversation's limits (not for its content)."""


class AttachmentNotFound(NotFound):
    """No such attachment for this user (also when it belongs to someone else)."""

    def __init__(self, key: str | None = None) -> None:
        super().__init__("attachment", key)


class FileNotKept(AttachmentNotFound):
    """The document is there but its file is not (attached before files were kept, or none are kept here)."""

    def __init__(self) -> None:
        super().__init__("not_found.file")


def too_many(limit: int) -> AttachmentError:
    return AttachmentError("too_many_files", most=limit)


def too_much(name: str, size: int, used: int, limit: int) -> AttachmentError:
    return AttachmentError("total_too_large", name=name, size=readable_size(size), limit=readable_size(limit),
                           left=readable_size(max(0, limit - used)))


@dataclass(frozen=True)
class Attachment:
    """A stored document; ``tokens`` estimates its whole text with page markers (what a model would read)."""

    id: str
    conversation_id: str
    name: str
    kind: str                       # pdf | docx | markdown | text | html
    title: str
    language: str                   # en | zh (most of the text)
    pages: int
    chars: int
    bytes: int
    tokens: int
    chunks: int
    unreadable_pages: tuple[int, ...]
    created_at: datetime

    @property
    def paged(self) -> bool:
        """Whether page numbers mean something (PDFs); other formats are one page."""
        return self.kind == "pdf"


@dataclass(frozen=True)
class Passage:
    """A stored chunk: characters ``start``..``end`` of the pages' text, on pages ``first_page``..``last_page``."""

    attachment_id: str
    index: int
    start: int
    end: int
    first_page: int
    last_page: int
    text: str
    tokens: int


@dataclass(frozen=True)
class PageText:
    number: int
    start: int | None               # where the page begins in the pages' text joined by line ends; None if empty
    text: str


def language_of(text: str) -> str:
    """"zh" when at least a fifth of the (non-space) characters are Chinese, Japanese or Korean, else "en"."""
    sample = re.sub(r"\s+", "", text[:50_000])
    return "zh" if sample and len(_CJK.findall(sample)) / len(sample) >= 0.2 else "en"


def page_marker(first: int, last: int | None = None) -> str:
    return f"[p. {first}]" if last is None or last == first else f"[pp. {first}–{last}]"


def render(pages: Sequence[PageText], start: int = 0, end: int | None = None, *, markers: bool = True) -> str:
    """Characters ``start``..``end`` of the pages' text, each page's piece behind its marker ("[p. 3]")."""
    out = []
    for page in pages:
        if page.start is None:
            continue
        low, high = max(start, page.start), min(end if end is not None else 1 << 62, page.start + len(page.text))
        if low < high:
            piece = page.text[low - page.start: high - page.start].strip()
            if piece:
                out.append(f"{page_marker(page.number)}\n{piece}" if markers else piece)
    return "\n\n".join(out)


def layout(document: Document) -> list[PageText]:
    """The pages with their offsets in the text ``workbench.documents.chunk`` cuts (non-empty pages joined by
    line ends)."""
    out, offset, first = [], 0, True
    for page in document.pages:
        if not page.text.strip():
            out.append(PageText(page.number, None, page.text))
            continue
        if not first:
            offset += 1
        first = False
        out.append(PageText(page.number, offset, page.text))
        offset += len(page.text)
    return out


def passages_of(document: Document, pages: Sequence[PageText], language: str, attachment_id: str = "",
                *, markers: bool = True) -> list[Passage]:
    """The document's chunks with their spans (found in the joined pages' text) and rendered text."""
    joined = "\n".join(p.text for p in pages if p.start is not None)
    out, cursor = [], 0
    for piece in chunk(document, max_chars=CHUNK_CHARS[language], overlap_chars=OVERLAP_CHARS[language]):
        at = joined.find(piece.text, cursor)
        if at < 0:
            at = joined.find(piece.text)
        if at < 0:                  # cannot happen while chunk() cuts the same text; keep the chunk as it is
            text = f"{page_marker(piece.pages[0], piece.pages[-1])}\n{piece.text}" if markers else piece.text
            start = end = -1
        else:
            start, end, cursor = at, at + len(piece.text), at + 1
            text = render(pages, start, end, markers=markers)
        out.append(Passage(attachment_id, piece.index, start, end, piece.pages[0], piece.pages[-1], text,
                           estimate_tokens(text)))
    return out


def _clean_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 2] + "…." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_COLS = ("id, conversation_id, name, kind, title, language, pages, chars, bytes, tokens, chunks, unreadable_pages, "
         "created_at")


def _attachment(row: tuple) -> Attachment:
    values = list(row)
    values[11] = tuple(json.loads(values[11] or "[]"))
    values[12] = values[12].replace(tzinfo=UTC)
    return Attachment(*values)


class Attachments:
    """Attach, list and remove the documents of one user's conversations."""

    def __init__(self, store: Store, conversations: Conversations, limits: Limits | None = None, *,
                 files_dir: Path | None = None) -> None:
        self.store, self.conversations, self.limits = store, conversations, limits or Limits()
        self.files_dir = Path(files_dir) if files_dir is not None else None

    def _keep_file(self, attachment_id: str, data: bytes) -> None:
        """The uploaded bytes under ``files_dir`` (readable by this process's user only); a failure is logged: the
        document works without its file, only its citations cannot open it."""
        if self.files_dir is None:
            return
        try:
            self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self.files_dir / attachment_id
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except OSError:
            log.warning("keeping the file of attachment %s failed", attachment_id, exc_info=True)

    def _drop_files(self, ids: Sequence[str]) -> None:
        if self.files_dir is not None:
            for attachment_id in ids:
                with contextlib.suppress(OSError):
                    (self.files_dir / attachment_id).unlink(missing_ok=True)


    def _check_room(self, cur: Any, conversation_id: str, name: str, size: int) -> None:
        count, used = cur.execute("SELECT count(*), coalesce(sum(bytes), 0) FROM attachments "
                                  "WHERE conversation_id = ?", [conversation_id]).fetchone()
        if count >= self.limits.max_files:
            raise too_many(self.limits.max_files)
        if used + size > self.limits.max_total_bytes:
            raise too_much(name, size, int(used), self.limits.max_total_bytes)

    # -- attach ------------------------------------------------------------------------------
    def add(self, user_id: str, conversation_id: str, filename: str, data: bytes, *, max_bytes: int,
            progress: Callable[[Progress], None] | None = None) -> Attachment:
        """Parse, chunk and store a document in the conversation; ``DocumentError`` when it cannot be read."""
        report = progress or (lambda _p: None)
        report(Progress("reading", 0, 1))
        conv = self.conversations.get(user_id, conversation_id)          # NotFound for others' conversations
        name = _clean_name(filename)
        self._check_room(self.store.cursor(), conv.id, name, len(data))  # before the slow part
        document = parse(data, name, max_bytes=max_bytes)
        report(Progress("reading", 1, 1))
        report(Progress("chunking", 0, 1))
        language = language_of(document.text)
        pages = layout(document)
        attachment_id = uuid.uuid4().hex
        markers = document.kind == "pdf"
        passages = passages_of(document, pages, language, attachment_id, markers=markers)
        tokens = estimate_tokens(render(pages, markers=markers))
        report(Progress("chunking", 1, 1))
        report(Progress("saving", 0, len(passages)))
        now = _now()
        with self.store.transaction() as cur:
            self.conversations.get(user_id, conv.id)                     # still there (not deleted meanwhile)
            self._check_room(cur, conv.id, name, len(data))              # another upload may have filled it
            cur.execute(f"INSERT INTO attachments (user_id, {_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [user_id, attachment_id, conv.id, name, document.kind, document.title, language,
                         document.page_count, document.chars, len(data), tokens, len(passages),
                         json.dumps(list(document.unreadable_pages)), now])
            cur.executemany("INSERT INTO attachment_pages VALUES (?, ?, ?, ?)",
                            [(attachment_id, p.number, p.start, p.text) for p in pages])
            for at in range(0, len(passages), _SAVE_BATCH):
                batch = passages[at: at + _SAVE_BATCH]
                cur.executemany("INSERT INTO attachment_chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [(attachment_id, p.index, p.start, p.end, p.first_page, p.last_page, p.text,
                                  p.tokens) for p in batch])
                report(Progress("saving", at + len(batch), len(passages)))
        self._keep_file(attachment_id, data)
        return self.get(user_id, attachment_id)

    # -- read ----------------------------------------------------------------------------------
    def list(self, user_id: str, conversation_id: str) -> list[Attachment]:
        """The conversation's documents, oldest first (``NotFound`` unless the user owns the conversation)."""
        conv = self.conversations.get(user_id, conversation_id)
        rows = self.store.cursor().execute(
            f"SELECT {_COLS} FROM attachments WHERE conversation_id = ? AND user_id = ? ORDER BY created_at, id",
            [conv.id, user_id]).fetchall()
        return [_attachment(r) for r in rows]

    def get(self, user_id: str, attachment_id: str) -> Attachment:
        """One document; ``AttachmentNotFound`` (a ``NotFound``) unless the user owns its conversation."""
        row = self.store.cursor().execute(f"SELECT {_COLS} FROM attachments WHERE id = ? AND user_id = ?",
                                          [str(attachment_id), user_id]).fetchone()
        if row is None:
            raise AttachmentNotFound()
        try:
            self.conversations.get(user_id, row[1])
        except NotFound:
            raise AttachmentNotFound() from None
        return _attachment(row)

    def file(self, user_id: str, attachment_id: str) -> tuple[Attachment, Path]:
        """The document and its kept file; ``AttachmentNotFound`` unless the user owns its conversation,
        ``FileNotKept`` when its file is not kept."""
        attachment = self.get(user_id, attachment_id)
        path = self.files_dir / attachment.id if self.files_dir is not None else None
        if path is None or not path.is_file():
            raise FileNotKept()
        return attachment, path

    def pages(self, attachment: Attachment) -> list[PageText]:
        rows = self.store.cursor().execute("SELECT number, char_start, text FROM attachment_pages "
                                           "WHERE attachment_id = ? ORDER BY number", [attachment.id]).fetchall()
        return [PageText(*r) for r in rows]

    def passages(self, attachment: Attachment) -> list[Passage]:
        rows = self.store.cursor().execute(
            "SELECT attachment_id, idx, char_start, char_end, first_page, last_page, text, tokens "
            "FROM attachment_chunks WHERE attachment_id = ? ORDER BY idx", [attachment.id]).fetchall()
        return [Passage(*r) for r in rows]

    def text(self, attachment: Attachment, start: int = 0, end: int | None = None,
             pages: Sequence[PageText] | None = None) -> str:
        """The document's text (or characters ``start``..``end``) with page markers for PDFs."""
        return render(pages if pages is not None else self.pages(attachment), start, end, markers=attachment.paged)

    # -- remove --------------------------------------------------------------------------------
    def delete(self, user_id: str, attachment_id: str) -> None:
        """Remove a document with its chunks, vectors and summaries."""
        attachment = self.get(user_id, attachment_id)
        with self.store.transaction() as cur:
            _remove(cur, [attachment.id])
        self._drop_files([attachment.id])

    def remove_all(self, user_id: str, conversation_id: str) -> int:
        """Remove every document of a conversation (call before deleting the conversation); how many."""
        ids = [a.id for a in self.list(user_id, conversation_id)]
        with self.store.transaction() as cur:
            _remove(cur, ids)
        self._drop_files(ids)
        return len(ids)

    def purge_orphans(self) -> int:
        """Remove documents whose conversation is gone (deleted without ``remove_all``); how many."""
        with self.store.transaction() as cur:
            ids = [r[0] for r in cur.execute("SELECT a.id FROM attachments a LEFT JOIN conversations c "
                                             "ON c.id = a.conversation_id AND c.user_id = a.user_id "
                                             "WHERE c.id IS NULL").fetchall()]
            _remove(cur, ids)
        self._drop_files(ids)
        return len(ids)

    # -- caches: embedding vectors and summaries -------------------------------------------------
    def vectors(self, attachment: Attachment, model: str) -> dict[int, np.ndarray]:
        """The cached embedding of each chunk under ``model`` (chunk index -> float32 vector)."""
        rows = self.store.cursor().execute("SELECT idx, vector FROM attachment_vectors WHERE attachment_id = ? "
                                           "AND model = ?", [attachment.id, model]).fetchall()
        return {idx: np.frombuffer(blob, dtype="<f4") for idx, blob in rows}

    def save_vectors(self, attachment: Attachment, model: str, vectors: dict[int, np.ndarray]) -> None:
        rows = [(attachment.id, int(i), model, np.asarray(v, dtype="<f4").tobytes()) for i, v in vectors.items()]
        if not rows:
            return
        with self.store.transaction() as cur:
            if cur.execute("SELECT count(*) FROM attachments WHERE id = ?", [attachment.id]).fetchone()[0]:
                cur.executemany("INSERT OR IGNORE INTO attachment_vectors VALUES (?, ?, ?, ?)", rows)

    def cached_summary(self, attachment: Attachment, model: str, locale: str) -> tuple[str, list[dict]] | None:
        row = self.store.cursor().execute("SELECT text, parts FROM attachment_summaries WHERE attachment_id = ? "
                                          "AND model = ? AND locale = ?", [attachment.id, model, locale]).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def save_summary(self, attachment: Attachment, model: str, locale: str, text: str, parts: list[dict]) -> None:
        with self.store.transaction() as cur:
            if cur.execute("SELECT count(*) FROM attachments WHERE id = ?", [attachment.id]).fetchone()[0]:
                cur.execute("INSERT OR REPLACE INTO attachment_summaries VALUES (?, ?, ?, ?, ?, ?)",
                            [attachment.id, model, locale, text, json.dumps(parts, ensure_ascii=False), _now()])


def _remove(cur: Any, ids: Sequence[str]) -> None:
    for table, column in (("attachment_summaries", "attachment_id"), ("attachment_vectors", "attachment_id"),
                          ("attachment_chunks", "attachment_id"), ("attachment_pages", "attachment_id"),
                          ("attachments", "id")):
        for attachment_id in ids:
            cur.execute(f"DELETE FROM {table} WHERE {column} = ?", [attachment_id])
