"""A reading's statements: a point in the reader's language, the page, and a quote the code found on that page.

    found, asked = quotes_from(reply, pages)        # the sentences a model copied, each found on a page (or not)
    points = numbered(reply)                        # {1: "第一句说……", 2: ...} from "1. ..." lines
    invented_numbers("提高了 25%", quote)            # numbers the point has and its quote has not

The model only copies sentences and then says what each tells; everything a reader must trust is the code's: which
copied sentences are on the paper's pages (``quotes.PageIndex``: a sentence the model changed is not), on which
page (the page the model named when the sentence is there, else the page it is really on: the statement says the
page was corrected), and whether the point keeps to its quote (no number the quote does not have).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from workbench.citations import numbers, sentences

from .quotes import Miss, PageIndex

_PAGE = re.compile(r"^\s*(?:[-*•]\s*|\d{1,2}[.)、]\s*)?\**"
                   r"(?:\(?\s*(?:p|pp|page)\.?\s*(\d{1,4})\s*\)?|第\s*(\d{1,4})\s*页)\**\s*[:：.,，-]?\s*", re.I)
_NUMBERED = re.compile(r"^\s*[(（]?(\d{1,3})\s*[.)）、．:：]\s*(.+?)\s*$")
_PAGE_MARK = re.compile(r"[\[(（]\s*(?:pp?\.|page)\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?\s*[\])）]"
                        r"|[(（]?第\s*\d{1,4}\s*页[)）]?", re.I)
NONE_WORDS = ("none", "无", "没有")
_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
               "hundred": 100, "thousand": 1000, "once": 1, "twice": 2, "single": 1, "double": 2, "half": 0.5})
_NEWLINE = re.compile("\n")
_HYPHENATED = re.compile(r"(?<=[a-z])-\n(?=[a-z])")     # "shal-\nlow": one word broken at a line end
# a heading's line: short, numbered or a named part, with no full stop (a column's line is as short: shortness alone
# is no sign of a heading)
HEADING_CHARS = 60
_HEADING_LINE = re.compile(r"(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[一二三四五六七八九十]+、)\s*\S|(?:abstract|introduction|"
                           r"conclusions?|references|acknowledge?ments?|摘\s*要|引\s*言|结\s*论|参考文献)\s*$", re.I)
# where a sentence ends: .!? before a space and a capital, a digit or an opening mark (not "Fig. 2", "4.2%",
# "et al. (2020)" before a lower-case word), or a Chinese full stop; the end of a paragraph
_ENDS = re.compile(r"(?<!\bal)(?<!\bFig)(?<!\be\.g)(?<!\bi\.e)[.!?](?=\s+[\[(\"“A-Z0-9])|[。！？]|\n\s*\n")


@dataclass(frozen=True)
class Quote:
    """A sentence the model copied, as found on a page: ``page`` (0 when on none), its span on that page's text."""

    text: str
    page: int
    cited_page: int | None      # the page the model named, if any
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class Statement:
    """One statement of a reading. ``verified``: its quote is on ``page`` and the point keeps to it; ``note`` says
    what the code changed or found ("page_corrected", "numbers": the point has a number its quote has not,
    "no_point": the model said nothing of the quote, so the quote stands alone)."""

    aspect: str
    point: str
    quote: str
    page: int
    verified: bool
    note: str = ""
    cited_page: int | None = None
    start: int = -1
    end: int = -1

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping) -> Statement:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__ if name in row})


def copied(reply: str) -> list[tuple[int | None, str]]:
    """The sentences a model copied, each with the page it put before it ("p. 3: ..."), in order; a line of several
    sentences gives each of them the line's page."""
    out: list[tuple[int | None, str]] = []
    for line in (reply or "").splitlines():
        line = line.strip().strip("`").strip()
        if not line or line.lower().strip(".。 ") in NONE_WORDS:
            continue
        page = _PAGE.match(line)
        number = int(page.group(1) or page.group(2)) if page else None
        body = _PAGE_MARK.sub(" ", line[page.end():] if page else _NUMBERED.sub(r"\2", line)).strip()
        out.extend((number, s.text.strip(" \"'“”")) for s in sentences(body) if s.text.strip())
    return out


def quotes_from(reply: str, pages: Mapping[int, PageIndex]) -> tuple[list[Quote], int]:
    """The copied sentences found on a page (the named page first, then any other), duplicates once, and how many
    sentences long enough to be checked the model copied (what the verification rate is counted over)."""
    found: dict[str, Quote] = {}
    asked = 0
    for cited, sentence in copied(reply):
        order = ([cited] if cited in pages else []) + [n for n in pages if n != cited]
        tries = [(n, pages[n].check(sentence)) for n in order]
        if any(result is Miss.TOO_SHORT for _, result in tries[:1]):
            continue
        asked += 1
        page, match = next(((n, m) for n, m in tries if m not in (Miss.TOO_SHORT, Miss.NOT_FOUND)), (0, None))
        if match is None:
            continue
        start, end = whole_sentence(pages[page].text, match.start, match.end)
        text = " ".join(_HYPHENATED.sub("", pages[page].text[start:end]).split())
        key = re.sub(r"\W+", "", text.lower())
        if key not in found:
            found[key] = Quote(text, page, cited, start, end)
    return list(found.values()), asked


def whole_sentence(text: str, start: int, end: int, *, reach: int = 300) -> tuple[int, int]:
    """The span ``start``..``end`` of ``text`` grown to the whole sentence(s) it is part of (a model often copies a
    line's worth, "The long encoder improves the"), within ``reach`` characters each way; as it was when no sentence
    boundary is in reach. The quote shown is then the paper's own sentence, still found on its page."""
    before = [m.end() for m in _ENDS.finditer(text, max(0, start - reach), min(len(text), start + 2))
              if m.end() <= start]
    left = before[-1] if before else (max(0, start - reach) if start <= reach else None)
    after = _ENDS.search(text, max(start, end - 1), min(len(text), end + reach))
    right = after.end() if after else (len(text) if len(text) - end <= reach else None)
    if left is None or right is None:
        return start, end
    for line_end in (m.start() for m in _NEWLINE.finditer(text, left, end - 1)):  # a heading's line is no part of it
        line = text[max(left, text.rfind("\n", 0, line_end) + 1): line_end].strip()
        if len(line) <= HEADING_CHARS and _HEADING_LINE.match(line) and not _ENDS.search(line + " A"):
            left = line_end + 1
    while left < start and text[left].isspace():
        left += 1
    return left, right


def numbered(reply: str) -> dict[int, str]:
    """The model's "1. ..." lines by number (the first line of each number)."""
    out: dict[int, str] = {}
    for line in (reply or "").splitlines():
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) not in out:
            out[int(match.group(1))] = match.group(2).strip()
    return out


def invented_numbers(point: str, quote: str) -> set[str]:
    """Numbers in ``point`` that ``quote`` does not have (a page mark in the point is not a number of it); the
    quote's numbers written as English words count ("twelve layers" is 12, as the point's "十二层" is)."""
    written = {str(_WORDS[w]) for w in re.findall(r"[a-z]+", quote.lower()) if w in _WORDS}
    return numbers(_PAGE_MARK.sub(" ", point)) - numbers(quote) - written


def statement(aspect: str, quote: Quote, point: str) -> Statement:
    """The statement for ``quote`` with the model's ``point`` about it, checked."""
    note, verified = "", True
    if not point.strip():
        point, note = quote.text, "no_point"
    elif invented_numbers(point, quote.text):
        note, verified = "numbers", False
    if verified and quote.cited_page is not None and quote.cited_page != quote.page:
        note = "page_corrected"
    return Statement(aspect, point.strip(), quote.text, quote.page, verified, note, quote.cited_page, quote.start,
                     quote.end)
