"""Which lines of a paper are headings: a section number ("3", "3.1", "IV.", "一、") or a known unnumbered title
("Abstract", "References", "摘要", "参考文献"), in a font larger or bolder than the body's.

The font matters: "2 Related Work" in body type is a sentence of a list, not a heading, and a references entry
starting "1 ..." is not either.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.documents.layout import Line

_NUMBERED = re.compile(r"(?P<number>[1-9]\d?(?:\.\d{1,2}){0,3})\.?(?:\s+|(?=[\u4e00-\u9fff]))(?P<title>\S.*)")
_ROMAN = re.compile(r"(?P<number>[IVX]{1,5})\.\s+(?P<title>\S.*)")
_CHINESE = re.compile(r"(?P<number>[一二三四五六七八九十]{1,3})\s*[、.．]\s*(?P<title>\S.*)")
UNNUMBERED = {"abstract", "references", "bibliography", "acknowledgments", "acknowledgements", "acknowledgment",
              "acknowledgement", "appendix", "摘要", "参考文献", "致谢", "附录", "abstract:"}
_TITLE_START = re.compile(r"[A-Z\u4e00-\u9fff]")
MAX_CHARS = 90


@dataclass(frozen=True)
class Heading:
    """A heading line: its number ("" when none), title, level, and where it is (page, index of the line)."""

    number: str
    title: str
    level: int
    page: int
    index: int


def body_font(lines: Iterable[Line]) -> tuple[float, bool]:
    """The body text's font size and whether it is bold: the commonest, counted in characters."""
    sizes: Counter[tuple[float, bool]] = Counter()
    for line in lines:
        sizes[(line.size, line.bold)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else (0.0, False)


def heading(line: Line, body: tuple[float, bool]) -> tuple[str, str, int] | None:
    """(number, title, level) when ``line`` is a heading in a paper whose body font is ``body``."""
    text = line.text.strip()
    prominent = line.size >= body[0] + 0.5 or (line.bold and not body[1])
    if not prominent or len(text) > MAX_CHARS:
        return None
    if text.lower().rstrip(":：") in UNNUMBERED:
        return "", text.rstrip(":："), 1
    for pattern in (_NUMBERED, _ROMAN, _CHINESE):
        match = pattern.fullmatch(text)
        if match and _TITLE_START.match(match["title"]) and not match["title"].endswith((".", "。")):
            number = match["number"]
            return number, match["title"].strip(), number.count(".") + 1
    return None


def headings(pages: list[tuple[int, tuple[Line, ...]]], body: tuple[float, bool], *,
             after: tuple[int, int] = (1, -1)) -> list[Heading]:
    """Every heading of ``pages`` ((number, lines) in reading order) after the line ``after`` (page, index)."""
    found = []
    for number, lines in pages:
        for index, line in enumerate(lines):
            if (number, index) <= after:
                continue
            parts = heading(line, body)
            if parts:
                found.append(Heading(*parts, page=number, index=index))
    return found
