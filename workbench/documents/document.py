"""What a parsed document is: a title and numbered pages of text."""

from __future__ import annotations

from dataclasses import dataclass

PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Page:
    """One page of text; ``number`` counts from 1 (a PDF's page, or 1 for formats without pages)."""

    number: int
    text: str


@dataclass(frozen=True)
class Document:
    """A document's text as the parser found it.

    ``kind`` is "pdf", "docx", "markdown", "text" or "html". PDFs keep one ``Page`` per PDF page (an empty
    page keeps its number, with empty text); other formats have a single page. ``unreadable_pages``
    lists PDF pages whose text could not be extracted (kept empty, never dropped silently).
    """

    filename: str
    kind: str
    title: str
    pages: tuple[Page, ...]
    unreadable_pages: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """All pages' text, pages separated by a blank line."""
        return PAGE_SEPARATOR.join(page.text for page in self.pages if page.text)

    @property
    def chars(self) -> int:
        """How many characters of text the document has (what a model will be given)."""
        return len(self.text)

    @property
    def page_count(self) -> int:
        return len(self.pages)
