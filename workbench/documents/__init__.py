"""Document parsing for chats, knowledge bases and paper reading: PDF, DOCX, Markdown, TXT, HTML.

    document = parse(data, "paper.pdf", max_bytes=settings.max_upload_bytes)   # or DocumentError
    document.title, document.pages[0].number, document.pages[0].text, document.text, document.chars
    pieces = chunk(document, max_chars=2000, overlap_chars=200)                # Chunk(index, text, pages)

``DocumentError`` has ``.message`` (English), ``.text(locale)`` and a stable ``.code``.
Importing this package is cheap: pypdf is imported only when a PDF is parsed.
"""

from __future__ import annotations

from .chunks import Chunk, chunk
from .document import Document, Page
from .errors import DocumentError
from .filetype import EXTENSIONS
from .parser import parse

SUPPORTED_EXTENSIONS = tuple(EXTENSIONS)

__all__ = ["SUPPORTED_EXTENSIONS", "Chunk", "Document", "DocumentError", "Page", "chunk", "parse"]
