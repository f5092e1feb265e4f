"""A tiny typesetter on fpdf2 for test papers: text wrapped into one or two columns, page by page, recording
on which page each word lands (so a paper's truth knows where its headings, captions and sentences are).

    pdf = new_pdf("A4")
    flow = Flow(pdf, columns=2)
    flow.new_page()
    pages = flow.paragraph("Some text ...", font=BODY)     # the page of each word (token)

Words of eight or more lowercase letters may be hyphenated at a line end ("represen-" / "tation"), as TeX does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_TOKEN = re.compile(f"[{CJK}]|[^\\s{CJK}]+")
_HYPHENABLE = re.compile(r"[a-z]{8,}")
NOTO_SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"


@dataclass(frozen=True)
class Font:
    family: str
    size: float
    style: str = ""
    leading: float = 0.0

    @property
    def line_height(self) -> float:
        return self.leading or round(self.size * 1.25, 2)


def new_pdf(page_format: str = "A4"):
    """An fpdf2 document in points, no automatic page breaks, a fixed creation date (same bytes every run)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=page_format)
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_creator("tests.fakes.paper_pdfs")
    return pdf


def add_dejavu(pdf) -> None:
    """DejaVu Serif (regular, bold) and DejaVu Sans Bold as "serif", "serif" B and "sans" B."""
    pdf.add_font("serif", fname=DEJAVU + "DejaVuSerif.ttf")
    pdf.add_font("serif", style="B", fname=DEJAVU + "DejaVuSerif-Bold.ttf")
    pdf.add_font("sans", style="B", fname=DEJAVU + "DejaVuSans-Bold.ttf")


def add_noto_cjk(pdf) -> None:
    """Noto Sans CJK SC regular as "noto" (from Debian's .ttc; the bold one too would double the ~0.5 s it takes)."""
    pdf.add_font("noto", fname=NOTO_SANS_CJK, collection_font_number=_sc_index(NOTO_SANS_CJK))


@functools.cache
def _sc_index(path: str) -> int:
    from fontTools.ttLib import TTCollection

    names = [font["name"].getDebugName(4) for font in TTCollection(path, lazy=True).fonts]
    return next(i for i, name in enumerate(names) if name.startswith("Noto Sans CJK SC"))


def tokens(text: str) -> list[tuple[str, bool]]:
    """Words and single CJK characters, each with whether a space comes before it."""
    return [(m.group(), m.start() > 0 and text[m.start() - 1].isspace()) for m in _TOKEN.finditer(text)]


def wrap(width: Callable[[str], float], text: str, avail: float, *, hyphenate: bool = True,
         ) -> list[tuple[str, int, int]]:
    """``text`` in lines no wider than ``avail``: (line, first token, last token); a hyphenated word is on both."""
    toks = tokens(text)
    lines: list[tuple[str, int, int]] = []
    current, start, i = "", 0, 0
    while i < len(toks):
        word, space = toks[i]
        candidate = current + (" " if space and current else "") + word
        if not current or width(candidate) <= avail:
            current, i = candidate, i + 1
            continue
        split = _hyphen_split(width, current, word, avail) if hyphenate and space else None
        if split:
            lines.append((f"{current} {split[0]}-", start, i))
            toks[i] = (split[1], False)
        else:
            lines.append((current, start, i - 1))
        current, start = "", i
    if current:
        lines.append((current, start, len(toks) - 1))
    return lines


def _hyphen_split(width: Callable[[str], float], current: str, word: str, avail: float) -> tuple[str, str] | None:
    if not _HYPHENABLE.fullmatch(word):
        return None
    for k in range(len(word) - 3, 2, -1):
        if width(f"{current} {word[:k]}-") <= avail:
            return word[:k], word[k:]
    return None


@dataclass
class Flow:
    """Places lines top to bottom in the current column; a full column moves to the next, a full page to a new
    page (whose top first gets the floats waiting for it: wide figures)."""

    pdf: object
    columns: int = 2
    margin: float = 56.0
    gutter: float = 20.0
    top: float = 60.0
    bottom: float = 60.0
    y: float = 0.0
    column: int = 0
    column_top: float = 0.0
    floats: list[Callable[[Flow], None]] = field(default_factory=list)
    hyphenated: list[str] = field(default_factory=list)     # the words split at a line end, in order

    @property
    def width(self) -> float:
        full = self.pdf.w - 2 * self.margin
        return (full - self.gutter) / 2 if self.columns == 2 else full

    @property
    def x(self) -> float:
        return self.margin + self.column * (self.width + self.gutter)

    @property
    def page(self) -> int:
        return self.pdf.page

    def new_page(self) -> None:
        """A new page with its number at the foot; the waiting floats go at its top."""
        self.pdf.add_page()
        self.pdf.set_font("serif" if "serif" in self.pdf.fonts else self.pdf.font_family or "Times", size=8)
        number = str(self.pdf.page)
        self.pdf.text((self.pdf.w - self.pdf.get_string_width(number)) / 2, self.pdf.h - 30, number)
        self.y, self.column = self.top, 0
        floats, self.floats = self.floats, []
        for draw in floats:
            draw(self)
        self.column_top = self.y

    def ensure(self, height: float) -> None:
        """Room for ``height`` points in this column, else the next column or page."""
        if self.y + height <= self.pdf.h - self.bottom:
            return
        if self.columns == 2 and self.column == 0:
            self.column, self.y = 1, self.column_top
        else:
            self.new_page()

    def space(self, height: float) -> None:
        if self.y > self.column_top:
            self.y += height

    def line(self, text: str, font: Font, *, align: str = "L", x: float | None = None,
             width: float | None = None) -> int:
        """One line at the current place (``x``/``width`` to span the page); its page."""
        if x is None:
            self.ensure(font.line_height)
        self.pdf.set_font(font.family, font.style, font.size)
        left, room = (self.x, self.width) if x is None else (x, width or self.pdf.w - 2 * self.margin)
        shift = {"L": 0.0, "C": (room - self.pdf.get_string_width(text)) / 2,
                 "R": room - self.pdf.get_string_width(text)}[align]
        self.pdf.text(left + shift, self.y + font.size * 0.9, text)
        self.y += font.line_height
        return self.page

    def paragraph(self, text: str, font: Font, *, hyphenate: bool = True, indent: float = 0.0,
                  align: str = "L", spanning: bool = False) -> list[int]:
        """``text`` wrapped to the column (or the page, ``spanning``); the page of each token."""
        self.pdf.set_font(font.family, font.style, font.size)
        room = self.pdf.w - 2 * self.margin if spanning else self.width
        lines = wrap(self.pdf.get_string_width, text, room - indent, hyphenate=hyphenate)
        words = tokens(text)
        pages = [0] * len(words)
        self.hyphenated += [words[a[2]][0] for a, b in zip(lines, lines[1:], strict=False) if a[2] == b[1]]
        for index, (line, first, last) in enumerate(lines):
            if spanning:
                page = self.line(line, font, align=align, x=self.margin, width=room)
            else:  # a hanging indent (references) on the lines after the first
                self.ensure(font.line_height)
                shift = indent if index else 0.0
                page = self.line(line, font, align=align, x=self.x + shift, width=self.width - shift)
            for token in range(first, last + 1):
                pages[token] = pages[token] or page
        return pages
