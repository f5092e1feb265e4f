"""HTML: the visible text with headings (as Markdown "#"), lists, tables and paragraphs; no scripts or styles."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from . import charset, errors
from .document import Document, Page
from .plaintext import stem

_INVISIBLE = {"script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "select", "datalist"}
_PARAGRAPHS = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote", "figure",
               "figcaption", "form", "fieldset", "address", "dl", "ul", "ol", "table", "pre", "details", "hr",
               "center", "body", "caption"}
_LINES = {"li", "dt", "dd", "tr", "summary", "legend", "option"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_SPACE = re.compile(r"\s+")


def parse_html(data: bytes, filename: str) -> Document:
    """An .html file as one page of its visible text; the title is <title>, else the first heading, else the name."""
    declared = _META_CHARSET.search(data[:4096])
    text = charset.decode(data, declared.group(1).decode("ascii") if declared else None)
    if text is None:
        raise errors.undecodable(filename)
    page = visible_text(text)
    if not page.text:
        raise errors.empty(filename)
    return Document(filename=filename, kind="html", title=page.title or page.first_heading or stem(filename),
                    pages=(Page(1, page.text),))


class _Visible(HTMLParser):
    """Collects visible text; ``pending`` is the break owed before the next text (1 newline, 2 blank line)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pending = 0
        self.hidden = 0
        self.pre = 0
        self.cell = 0
        self.cells_in_row = 0
        self.in_title = False
        self.title = ""
        self.heading: list[str] | None = None
        self.first_heading = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag == "title":
            self.in_title = True
        elif self.hidden:
            return
        elif tag == "br":
            self._emit("\n", raw=True)
        elif tag in ("td", "th"):
            self._emit("| " if self.cells_in_row == 0 else " | ", raw=True)
            self.cells_in_row += 1
            self.cell += 1
        elif self.cell:
            if tag in _PARAGRAPHS or tag in _LINES or tag in _HEADINGS:
                self._emit(" ", raw=True)
        elif tag in _HEADINGS:
            self._break(2)
            self._emit("#" * _HEADINGS[tag] + " ", raw=True)
            self.heading = []
        elif tag == "li":
            self._break(1)
            self._emit("- ", raw=True)
        elif tag == "tr":
            self._break(1)
            self.cells_in_row = 0
        elif tag in _PARAGRAPHS:
            self._break(2)
            self.pre += tag == "pre"
        elif tag in _LINES:
            self._break(1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INVISIBLE:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "title":
            self.in_title = False
        elif self.hidden:
            return
        elif tag in ("td", "th"):
            self.cell = max(0, self.cell - 1)
        elif self.cell:
            return
        elif tag == "tr":
            if self.cells_in_row:
                self._emit(" |", raw=True)
            self.cells_in_row = 0
            self._break(1)
        elif tag in _HEADINGS:
            if self.heading is not None and not self.first_heading:
                self.first_heading = _SPACE.sub(" ", "".join(self.heading)).strip()
            self.heading = None
            self._break(2)
        elif tag in _PARAGRAPHS:
            self.pre = max(0, self.pre - (tag == "pre"))
            self._break(2)
        elif tag in _LINES:
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.hidden:
            if self.heading is not None:
                self.heading.append(data)
            self._emit(data, raw=bool(self.pre))

    def _break(self, level: int) -> None:
        self.pending = max(self.pending, level)

    def _emit(self, text: str, *, raw: bool = False) -> None:
        if not raw:
            text = _SPACE.sub(" ", text)
            if not text.strip():
                if not self.pending and self.parts and not self.parts[-1].endswith((" ", "\n")):
                    self.parts.append(" ")
                return
        if self.pending and self.parts:
            self.parts.append("\n" * self.pending)
        self.pending = 0
        if self.parts and self.parts[-1].endswith(("\n", " ")) and not self.pre:
            text = text.lstrip(" ")
        if text:
            self.parts.append(text)


class VisiblePage:
    """What a reader sees of an HTML page: ``text``, the <title> and the first heading."""

    def __init__(self, text: str, title: str, first_heading: str) -> None:
        self.text, self.title, self.first_heading = text, title, first_heading


def visible_text(html: str) -> VisiblePage:
    """The visible text of ``html`` (also used for web pages fetched by search)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    text = "\n".join(line for line in text.split("\n") if line.strip() not in ("-", "#", "|")) if text else text
    return VisiblePage(text.strip(), _SPACE.sub(" ", parser.title).strip(), parser.first_heading)
