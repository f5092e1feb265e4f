"""``parse``: check the size, find the file's real type, hand it to the reader for that type, and put the text in
normal form (``normal_form``: radicals as the characters they stand for, NFKC with full-width punctuation kept)."""

from __future__ import annotations

from . import errors, filetype
from .document import Document
from .normal_form import normalised

HEAD_BYTES = 8192   # what ``content_kind`` looks at (binary detection reads 8 KB; the PDF header the first 1 KB)


def parse(data: bytes, filename: str, *, max_bytes: int) -> Document:
    """The text of an uploaded document in normal form, or a ``DocumentError`` saying in English and Chinese why not.

    The content decides the type (a PDF's header, a zip holding word/document.xml, else text); the
    extension is a hint that must agree: a program renamed .pdf is refused, not guessed at.
    """
    return normalised(_read(data, filename, max_bytes))


def _read(data: bytes, filename: str, max_bytes: int) -> Document:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    if len(data) > max_bytes:
        raise errors.too_large(name, len(data), max_bytes)
    if not data.strip():
        raise errors.empty(name)
    _, claimed = filetype.extension_kind(name)
    actual, description = filetype.content_kind(data)
    reader = _reader(name, data, actual, description)
    if reader == "pdf":
        from .pdf import parse_pdf

        return parse_pdf(data, name)
    if reader == "docx":
        if actual == "broken-zip":
            raise errors.corrupt(name, "DOCX")
        from .docx import parse_docx

        return parse_docx(data, name)
    return _parse_text(data, name, claimed)


def refusal(head: bytes, filename: str) -> errors.DocumentError | None:
    """Why a file that starts with ``head`` (its first ``HEAD_BYTES`` bytes, or all of a shorter file) will be
    refused by ``parse`` whatever follows — None when it may be read. Lets an upload be refused before it is
    written anywhere: the type decided from the first bytes is the one ``parse`` decides (a zip's contents
    are not looked at here: a file starting like a zip may be a Word document)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    if len(head) < HEAD_BYTES and not head.strip():
        return errors.empty(name)                # the whole file, and nothing in it
    actual, description = filetype.content_kind(head)
    if actual == "broken-zip":                   # the head of a zip: only the whole file tells what it holds
        actual = "docx" if filetype.extension_kind(name)[1] in (None, "docx") else "binary"
        description = "a zip archive"
    try:
        _reader(name, head, actual, description)
    except errors.DocumentError as exc:
        return exc
    return None


def _reader(name: str, data: bytes, actual: str, description: str) -> str:
    """Which reader takes the file ("pdf", "docx" or "text"), from its name and what its first bytes are; a
    ``DocumentError`` when none may (a program renamed .pdf, an old .doc, an unsupported extension)."""
    suffix, claimed = filetype.extension_kind(name)
    if actual == "ole" and suffix in (".doc", ".docx", ""):
        raise errors.legacy_word(name)
    if suffix and claimed is None:
        raise errors.unsupported(name)
    if actual == "pdf" and claimed in (None, "pdf"):
        return "pdf"
    if actual in ("docx", "broken-zip") and claimed in (None, "docx"):
        return "docx"
    if actual == "text" and claimed not in ("pdf", "docx"):
        return "text"
    if actual == "text" and claimed == "pdf" and data.lstrip()[:5] != b"%PDF-":
        raise errors.corrupt(name, "PDF") if _looks_like_broken_pdf(data) else errors.mismatch(
            name, suffix, description)
    if claimed is None:
        raise errors.unsupported(name)
    raise errors.mismatch(name, suffix, description)


def _parse_text(data: bytes, name: str, claimed: str | None) -> Document:
    if claimed is None:  # no extension: HTML if it says so, else plain text
        head = data[:1024].lstrip().lower()
        claimed = "html" if head.startswith((b"<!doctype html", b"<html")) else "text"
    if claimed == "html":
        from .webpage import parse_html

        return parse_html(data, name)
    if claimed == "csv":
        from .table import parse_csv

        return parse_csv(data, name)
    from .plaintext import parse_text

    return parse_text(data, name, claimed)


def _looks_like_broken_pdf(data: bytes) -> bool:
    """A .pdf whose header is gone but whose body is PDF syntax is damaged, not another type."""
    head = data[:4096]
    return b" obj" in head and (b"endobj" in head or b"stream" in head)
