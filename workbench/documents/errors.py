"""Every refusal the document parser gives, with what to do next; its words, en and zh, are in
``workbench/messages/documents.py``.

``DocumentError`` mirrors the gateway's ``FormError`` (``code``, ``fields``, ``text(locale)``) without importing it:
the workbench never imports the gateway. ``code`` is stable for callers and tests.
"""

from __future__ import annotations

from shared.messages import Words
from workbench.errors import WorkbenchError

from .filetype import EXTENSIONS, KIND_NAMES

MB = 1024 * 1024


class DocumentError(WorkbenchError):
    """A document that cannot be read: ``text(locale)`` says why and what to do."""


def readable_size(size: int, *, whole_kb: bool = False) -> str:
    """A size as people read it in a message: "20 MB", "1.5 MB", "300.5 KB", "10 bytes". ``whole_kb``: under 1 MB in
    whole KB, at least "1 KB" (an archive's budget, where a fraction of a KB or a count of bytes says nothing)."""
    if size >= MB:
        return f"{size / MB:.1f}".rstrip("0").rstrip(".") + " MB"
    if whole_kb:
        return f"{max(1, size // 1024)} KB"
    if size >= 1024:
        return f"{size / 1024:.1f}".rstrip("0").rstrip(".") + " KB"
    return f"{size} bytes"


def too_large(name: str, size: int, limit: int) -> DocumentError:
    return DocumentError("too_large", name=name, size=readable_size(size), limit=readable_size(limit))


# The kinds a document refusal names (as it always has: CSV, read since, is not among them), each with its extension.
_DOCUMENT_KINDS = ("pdf", "docx", "markdown", "text", "html")
_SPELLED_FOR_DOCUMENTS = ("docx", "markdown", "text", "html")
_SPELLED_FOR_ARCHIVES = ("docx", "markdown", "text")


def unsupported(name: str, *, archives: bool = False) -> DocumentError:
    """A file of a kind we do not read, with the kinds we do (``filetype.KIND_NAMES``). ``archives``: the upload also
    takes zip archives (the knowledge bases): every kind we read is named, then zip archives."""
    kinds = set(EXTENSIONS.values()) if archives else set(_DOCUMENT_KINDS)
    spelled = _SPELLED_FOR_ARCHIVES if archives else _SPELLED_FOR_DOCUMENTS
    en, zh = [], []
    for kind, name_en, name_zh, extension in KIND_NAMES:
        if kind in kinds:
            en.append(f"{name_en} ({extension})" if kind in spelled else name_en)
            zh.append(f"{name_zh}（{extension}）" if kind in spelled else name_zh)
    if archives:
        listed_en = ", ".join(en) + ", or a zip archive of these"
        listed_zh = "、".join(zh) + "，或包含这些文件的 zip 压缩包"
    else:
        listed_en = ", ".join(en[:-1]) + " or " + en[-1]
        listed_zh = "、".join(zh[:-1]) + "或 " + zh[-1]
    return DocumentError("unsupported_type", name=name, kinds=Words(listed_en, listed_zh))


def mismatch(name: str, claimed: str, actual: str) -> DocumentError:
    return DocumentError("type_mismatch", name=name, claimed=claimed,
                         actual=Words(actual, _ZH_KIND.get(actual, actual)))


_ZH_KIND = {"a PDF": " PDF", "a Word document": " Word 文档", "a program or other binary file": "程序或其他二进制文件",
            "an image": "图片", "another zip archive": "其他压缩包", "an old Word (.doc) file": "旧版 Word（.doc）文件",
            "text": "文本", "a damaged zip archive": "损坏的压缩包"}


def corrupt(name: str, kind: str) -> DocumentError:
    """``kind`` is "PDF" or "DOCX"."""
    return DocumentError("corrupt.pdf" if kind == "PDF" else "corrupt.word", name=name)


def legacy_word(name: str) -> DocumentError:
    return DocumentError("legacy_word", name=name)


def encrypted(name: str) -> DocumentError:
    return DocumentError("encrypted", name=name)


def no_text(name: str) -> DocumentError:
    return DocumentError("no_text", name=name)


def empty(name: str) -> DocumentError:
    return DocumentError("empty", name=name)


def too_big_inside(name: str, limit: int) -> DocumentError:
    return DocumentError("too_large_inside", name=name, limit=readable_size(limit))


def undecodable(name: str) -> DocumentError:
    return DocumentError("encoding", name=name)


def ocr_unavailable(name: str) -> DocumentError:
    """The OCR engine (rapidocr-onnxruntime) does not import: scanned pages cannot be read until it is installed."""
    return DocumentError("ocr_unavailable", name=name)
