"""Every refusal the document parser gives, in English and Chinese, with what to do next.

``DocumentError`` mirrors the gateway's ``FormError`` (``message``, ``zh``, ``text(locale)``) without
importing it: the workbench never imports the gateway. ``code`` is stable for callers and tests.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError

from .filetype import EXTENSIONS, KIND_NAMES

MB = 1024 * 1024


class DocumentError(WorkbenchError):
    """A document that cannot be read: ``message`` (English) and ``zh`` say why and what to do."""

    def __init__(self, message: str, *, zh: str, code: str) -> None:
        super().__init__(message, zh=zh, code=code)


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
    size_, limit_ = readable_size(size), readable_size(limit)
    return DocumentError(
        f"“{name}” is {size_}; the limit is {limit_}. Split it or upload a smaller file.",
        zh=f"“{name}”大小为 {size_}，超过了 {limit_} 的上限。请拆分后再上传，或上传更小的文件。",
        code="too_large")


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
    return DocumentError(
        f"“{name}” is not a supported document. Upload {listed_en}.",
        zh=f"不支持“{name}”这种文件。请上传 {listed_zh}。",
        code="unsupported_type")


def mismatch(name: str, claimed: str, actual: str) -> DocumentError:
    return DocumentError(
        f"“{name}” is named like a {claimed} file but its content is {actual}. Upload the original document.",
        zh=f"“{name}”的扩展名是 {claimed}，但内容是{_ZH_KIND.get(actual, actual)}。请上传原始文档。",
        code="type_mismatch")


_ZH_KIND = {"a PDF": " PDF", "a Word document": " Word 文档", "a program or other binary file": "程序或其他二进制文件",
            "an image": "图片", "another zip archive": "其他压缩包", "an old Word (.doc) file": "旧版 Word（.doc）文件",
            "text": "文本", "a damaged zip archive": "损坏的压缩包"}


def corrupt(name: str, kind: str) -> DocumentError:
    """``kind`` is "PDF" or "DOCX"."""
    if kind == "PDF":
        return DocumentError(
            f"The PDF “{name}” could not be read: it may be damaged or encrypted. Open it in a PDF viewer, "
            "save a new copy and upload that.",
            zh=f"无法读取 PDF“{name}”：文件可能已损坏或被加密。请在 PDF 阅读器中打开并另存一份后再上传。",
            code="corrupt")
    return DocumentError(
        f"The Word document “{name}” could not be read: it may be damaged. Open it in Word, save a new copy and "
        "upload that.",
        zh=f"无法读取 Word 文档“{name}”：文件可能已损坏。请在 Word 中打开并另存一份后再上传。",
        code="corrupt")


def legacy_word(name: str) -> DocumentError:
    return DocumentError(
        f"“{name}” is an old Word (.doc) file or a password-protected one. Save it in Word as .docx without a "
        "password and upload that.",
        zh=f"“{name}”是旧版 Word（.doc）文件或设有密码。请在 Word 中另存为无密码的 .docx 后再上传。",
        code="legacy_word")


def encrypted(name: str) -> DocumentError:
    return DocumentError(
        f"The PDF “{name}” is password-protected. Remove the password (print or save it without one) and upload "
        "it again.",
        zh=f"PDF“{name}”设有密码保护。请先去掉密码（另存或打印为无密码的 PDF）后再上传。",
        code="encrypted")


def no_text(name: str) -> DocumentError:
    return DocumentError(
        f"The PDF “{name}” has no text: it may be a scanned image; OCR is not supported. Upload a PDF with a "
        "text layer (one where text can be selected).",
        zh=f"PDF“{name}”中没有文字：它可能是扫描的图片，目前不支持文字识别（OCR）。"
           "请上传带文字层（可以选中文字）的 PDF。",
        code="no_text")


def empty(name: str) -> DocumentError:
    return DocumentError(
        f"“{name}” is empty: there is no text in it.",
        zh=f"“{name}”是空的：其中没有文字。",
        code="empty")


def too_big_inside(name: str, limit: int) -> DocumentError:
    return DocumentError(
        f"“{name}” unpacks to more than {readable_size(limit)} of text, which is more than a document should; "
        "it may be damaged or a zip bomb. Save it again in Word and upload that.",
        zh=f"“{name}”解压后的内容超过 {readable_size(limit)}，远大于正常文档，可能已损坏或是“压缩炸弹”。"
           "请在 Word 中另存后再上传。",
        code="too_large_inside")


def undecodable(name: str) -> DocumentError:
    return DocumentError(
        f"The text encoding of “{name}” could not be recognised. Save it as UTF-8 and upload it again.",
        zh=f"无法识别“{name}”的文字编码。请另存为 UTF-8 编码后再上传。",
        code="encoding")
