"""What a file really is: its content decides (magic bytes, what a zip holds); the name is only a hint."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from . import charset

# The extensions we read and the kind each names.
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".md": "markdown", ".markdown": "markdown",
              ".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".csv": "csv", ".tsv": "csv"}
# How a refusal names each kind, in the order it lists them: (kind, English, Chinese, the extension it may spell out).
KIND_NAMES = (("pdf", "PDF", "PDF", ""), ("docx", "Word", "Word", ".docx"), ("markdown", "Markdown", "Markdown", ".md"),
              ("text", "plain text", "纯文本", ".txt"), ("html", "HTML", "HTML", ".html"), ("csv", "CSV", "CSV", ""))

_BINARY_MAGIC = (
    (b"MZ", "a program or other binary file"), (b"\x7fELF", "a program or other binary file"),
    (b"\xcf\xfa\xed\xfe", "a program or other binary file"), (b"\xca\xfe\xba\xbe", "a program or other binary file"),
    (b"\x89PNG\r\n\x1a\n", "an image"), (b"\xff\xd8\xff", "an image"), (b"GIF87a", "an image"), (b"GIF89a", "an image"),
    (b"\x1f\x8b", "another zip archive"), (b"7z\xbc\xaf\x27\x1c", "another zip archive"),
    (b"Rar!\x1a\x07", "another zip archive"),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc, or a password-protected .docx (an OLE "EncryptedPackage")
TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def extension_kind(filename: str) -> tuple[str, str | None]:
    """The file's lower-case extension ("" when none) and the kind it names (None when not one we read)."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    return suffix, EXTENSIONS.get(suffix)


def content_kind(data: bytes) -> tuple[str, str]:
    """(kind, description) from the bytes: kind is "pdf", "docx", "ole", "binary" or "text"."""
    if b"%PDF-" in data[:1024]:
        return "pdf", "a PDF"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(OLE2):
        return "ole", "an old Word (.doc) file"
    for magic, description in _BINARY_MAGIC:
        if data.startswith(magic):
            return "binary", description
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "binary", "an image"
    if _looks_binary(data[:8192]):
        return "binary", "a program or other binary file"
    return "text", "text"


def _zip_kind(data: bytes) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "broken-zip", "a damaged zip archive"
    if "word/document.xml" in names:
        return "docx", "a Word document"
    return "binary", "another zip archive"


def _looks_binary(head: bytes) -> bool:
    """NUL bytes mean binary unless the text is UTF-16 (with a BOM, or reading as text without one)."""
    if b"\x00" not in head or head.startswith(TEXT_BOMS):
        return False
    return charset.utf16_without_bom(head) is None
