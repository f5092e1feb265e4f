"""What a paper's structure is: pages of positioned lines, then sections, captions, references and citations.

Pages count from 1, as a PDF reader shows them. Every piece keeps the page it came from, so whatever is said about
the paper later can point at a page and be checked against that page's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.documents.layout import Line

__all__ = ["Caption", "Citation", "Line", "PageText", "Reference", "Section", "Structure"]


@dataclass(frozen=True)
class PageText:
    """A page: its lines in reading order and its text (the lines joined). ``ocr`` marks a page whose text was
    recognised from its image (no text layer); ``columns`` is 1 or 2."""

    number: int
    lines: tuple[Line, ...]
    width: float
    height: float
    columns: int = 1
    ocr: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Section:
    """A heading and the text under it up to the next heading of the same or a higher level."""

    number: str                 # "3", "3.1", "IV", "一" or "" (Abstract, References)
    title: str
    level: int                  # 1 for "3", 2 for "3.1"
    page: int                   # where the heading is
    end_page: int               # the last page with text of this section
    text: str                   # its text, its subsections' included
    pieces: tuple[tuple[int, str], ...] = ()    # its own text (up to the next heading of any level), by page


@dataclass(frozen=True)
class Caption:
    """A figure's or a table's caption ("Figure 2: ...", "Table 1. ...", "图 2 ...", "表 1 ...")."""

    kind: str                   # "figure" or "table"
    label: str                  # "Figure 2", "表 1"
    text: str                   # the caption as written, label included
    page: int


@dataclass(frozen=True)
class Reference:
    """One entry of the references list, parsed; fields the entry does not have are "" (or () for authors)."""

    number: int                 # its place in the list, from 1
    raw: str                    # the entry as written (lines joined, hyphenation undone)
    authors: tuple[str, ...] = ()   # family names as written ("Vaswani", "张")
    title: str = ""
    year: str = ""
    venue: str = ""
    doi: str = ""
    arxiv: str = ""
    label: str = ""             # what the text cites it by: "1" for [1], "Vaswani et al., 2017" for author-year


@dataclass(frozen=True)
class Citation:
    """An in-text citation ("[3]", "[2, 5-7]", "(Smith et al., 2020)") and the references it points to."""

    page: int
    marker: str
    references: tuple[int, ...]     # Reference.number of each; empty when none matches


@dataclass(frozen=True)
class Structure:
    """A paper as parsed: metadata, pages, sections, captions, references and citations."""

    title: str
    authors: tuple[str, ...]
    abstract: str
    language: str               # "en" or "zh"
    pages: tuple[PageText, ...]
    sections: tuple[Section, ...] = ()
    captions: tuple[Caption, ...] = ()
    tables: tuple[tuple[int, str], ...] = ()        # (page, the table as text, one row per line, cells by " | ")
    references: tuple[Reference, ...] = ()
    citations: tuple[Citation, ...] = ()
    ocr_pages: tuple[int, ...] = field(default=())

    def page(self, number: int) -> PageText:
        """The page numbered ``number`` (from 1); IndexError when the paper has no such page."""
        if not 1 <= number <= len(self.pages):
            raise IndexError(number)
        return self.pages[number - 1]
