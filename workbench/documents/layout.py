"""A PDF page's lines in reading order, with where they are and their font (pdfplumber's words and positions).

Two-column pages are read column by column: the left column down, then the right one; lines spanning both
columns (a title, a wide figure's caption) keep their place between them.

    pages = pdf_layout(data)                      # PageLayout per page: number, lines, width, height, columns
    pages[0].lines[0].text, .size, .bold, .column

Why not pypdf's text: it reads in content-stream order, and a PDF drawn row by row (left line, right line, ...)
then reads the two columns' lines interleaved. Here the order comes from the positions:
1. words (pdfplumber) become rows by baseline;
2. the gutter is the vertical strip near the page's middle that (almost) no row crosses — a row crosses it when a
   word, or a gap between words narrower than a column gap, covers it; a page has two columns when there is such a
   strip and text on both sides of it;
3. rows that cross the gutter span the page and split it into bands; in each band the left column is read top to
   bottom, then the right one.
The text of each line is cleaned as the PDF reader cleans it (``pdf.clean``: ligatures, hyphenation at line ends)
and put in ``normal_form``; words of CJK text are joined without spaces.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .embedded_cmap import resource_manager
from .normal_form import normal_form
from .pdf import clean

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
MIDDLE = (0.35, 0.65)       # where a gutter may be, as fractions of the page's width
SPANNING_SHARE = 0.12       # at most this share of a page's rows may cross its gutter (titles, wide captions)


@dataclass(frozen=True)
class Line:
    """One line of a page in reading order: its text, where it is (PDF points, top-left origin) and its font."""

    text: str
    top: float
    x0: float
    x1: float
    size: float                 # font size (points), the line's most common
    bold: bool = False
    column: int = 0             # 0 spans the page (title, a wide figure), 1 the left column, 2 the right


@dataclass(frozen=True)
class PageLayout:
    """A page's lines in reading order, its size (points) and its number of columns (1 or 2)."""

    number: int
    lines: tuple[Line, ...]
    width: float
    height: float
    columns: int = 1

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def pdf_layout(data: bytes) -> list[PageLayout]:
    """Every page of the PDF ``data`` in reading order."""
    with open_pdf(data) as pdf:
        return [page_lines(page) for page in pdf.pages]


def open_pdf(data: bytes):
    """``data`` opened by pdfplumber (imported here: it is heavy), fonts with an embedded CMap read too; close it."""
    import pdfplumber

    pdf = pdfplumber.open(io.BytesIO(data))
    pdf.rsrcmgr = resource_manager()
    return pdf


def page_lines(pdf_page) -> PageLayout:
    """A pdfplumber page's lines in reading order (see the module's docstring)."""
    words = pdf_page.extract_words(extra_attrs=["size", "fontname"], use_text_flow=False, keep_blank_chars=False)
    rows = _rows(words)
    band = gutter(rows, float(pdf_page.width))
    lines = _cleaned(_ordered(rows, band))
    return PageLayout(pdf_page.page_number, tuple(lines), float(pdf_page.width), float(pdf_page.height),
                      2 if band else 1)


def _rows(words: list[dict]) -> list[list[dict]]:
    """Words on one baseline (within a third of their size), rows top to bottom, words left to right."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["bottom"], w["x0"])):
        if rows and abs(word["bottom"] - rows[-1][0]["bottom"]) <= 0.3 * min(word["size"], rows[-1][0]["size"]):
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in sorted(rows, key=lambda r: min(w["top"] for w in r))]


def _spans(row: list[dict]) -> list[tuple[float, float]]:
    """Where a row's text is: its words, with the gaps narrower than a column gap (about a font size) filled."""
    size = sorted(w["size"] for w in row)[len(row) // 2]
    gap = max(6.0, 0.9 * size)
    spans: list[tuple[float, float]] = []
    for word in row:
        if spans and word["x0"] - spans[-1][1] < gap:
            spans[-1] = (spans[-1][0], max(spans[-1][1], word["x1"]))
        else:
            spans.append((word["x0"], word["x1"]))
    return spans


def gutter(rows: list[list[dict]], width: float) -> tuple[float, float] | None:
    """The strip between two columns (x from, x to), or None for a one-column page."""
    lo, hi = int(width * MIDDLE[0]), int(width * MIDDLE[1])
    crossing = [0] * (hi - lo + 1)
    for row in rows:
        for x0, x1 in _spans(row):
            for x in range(max(lo, int(x0)), min(hi, int(x1) + 1) + 1):
                crossing[x - lo] += 1
    allowed = max(1, int(SPANNING_SHARE * len(rows)))
    runs, start = [], None
    for i, count in enumerate([*crossing, allowed + 1]):
        if count <= allowed and start is None:
            start = i
        elif count > allowed and start is not None:
            runs.append((start + lo, i - 1 + lo))
            start = None
    if not runs:
        return None
    best = max(runs, key=lambda r: r[1] - r[0])
    band = (float(best[0]), float(best[1]) + 1.0)
    left = sum(1 for row in rows if any(x1 <= band[0] for _, x1 in _spans(row)))
    right = sum(1 for row in rows if any(x0 >= band[1] for x0, _ in _spans(row)))
    return band if min(left, right) >= max(3, len(rows) // 10) else None


def _crosses(row: list[dict], band: tuple[float, float]) -> bool:
    """Whether the row's text covers the middle half of the gutter (a line of a column may reach into its edge)."""
    quarter = (band[1] - band[0]) / 4
    return any(x0 < band[1] - quarter and x1 > band[0] + quarter for x0, x1 in _spans(row))


def _ordered(rows: list[list[dict]], band: tuple[float, float] | None) -> list[Line]:
    """Bands of rows between spanning rows; in each, the left column's lines, then the right column's."""
    if band is None:
        return [_line(row, 0) for row in rows]
    out: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    middle = (band[0] + band[1]) / 2
    for row in rows:
        if _crosses(row, band):
            out += left + right + [_line(row, 0)]
            left, right = [], []
            continue
        west = [w for w in row if w["x1"] <= middle]
        east = [w for w in row if w["x1"] > middle]
        if west:
            left.append(_line(west, 1))
        if east:
            right.append(_line(east, 2))
    return out + left + right


def _line(words: list[dict], column: int) -> Line:
    text = words[0]["text"]
    for before, word in zip(words, words[1:], strict=False):
        cjk = _CJK.match(before["text"][-1]) and _CJK.match(word["text"][0])
        spaced = word["x0"] - before["x1"] >= 0.2 * float(word["size"])   # a space was written, not a wider gap
        text += ("" if cjk and not spaced else " ") + word["text"]
    sizes: Counter[float] = Counter()
    bold = 0
    for word in words:
        sizes[round(float(word["size"]), 1)] += len(word["text"])
        bold += len(word["text"]) if _BOLD.search(word.get("fontname") or "") else -len(word["text"])
    return Line(text=text, top=round(min(w["top"] for w in words), 2), x0=round(min(w["x0"] for w in words), 2),
                x1=round(max(w["x1"] for w in words), 2), size=sizes.most_common(1)[0][0], bold=bold > 0,
                column=column)


def _cleaned(lines: list[Line]) -> list[Line]:
    """Each line's text cleaned (``pdf.clean``) and in normal form; a word hyphenated at a line's end joined to its
    rest from the next line (a next line left empty goes)."""
    out: list[Line] = []
    for line in lines:
        text = clean(line.text)
        if out and out[-1].text.endswith("-") and text[:1].islower():
            joined = clean(out[-1].text + "\n" + text).split("\n")
            out[-1] = _with_text(out[-1], joined[0])
            text = joined[1] if len(joined) > 1 else ""
        if text.strip():
            out.append(_with_text(line, text))
    return [_with_text(line, normal_form(line.text)) for line in out]


def _with_text(line: Line, text: str) -> Line:
    return Line(text, line.top, line.x0, line.x1, line.size, line.bold, line.column)


def reading_order_errors(expected: Sequence[str], text: str) -> int:
    """How far ``text`` reads the ``expected`` sentences out of order: of each two sentences that follow one another
    in ``text``, one error when the second is not the one ``expected`` next; and one per sentence missing. 0 is the
    right order; two columns read line by line interleaved make nearly every pair an error. Whitespace is ignored."""
    flat = re.sub(r"\s+", "", text)
    positions = [flat.find(re.sub(r"\s+", "", sentence)) for sentence in expected]
    found = sorted((position, index) for index, position in enumerate(positions) if position >= 0)
    wrong = sum(1 for (_, a), (_, b) in zip(found, found[1:], strict=False) if b != a + 1)
    return wrong + len(expected) - len(found)
