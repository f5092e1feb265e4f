"""Whether a quote occurs on a page: the check behind every statement of a reading.

    index = PageIndex(page_text)          # once per page
    index.find("the dominant sequence transduction models")   # Match(start=..., end=..., exact=True) or None
    check(quote, page_text)               # Match, Miss.TOO_SHORT or Miss.NOT_FOUND
    locate(quote, [(1, text1), (2, text2)], cited=2)           # the page the quote is really on

Why: a model quoting a paper paraphrases, merges sentences and cites the wrong page. A statement is only kept
with a quote the code has found on the page it names, so the quote must be found however the PDF's text layer
wrote it, and not found when a word was changed.

Both texts are compared in one folded form (built once per page, with a map back to the page's characters):
- ``workbench.documents.normal_form`` (NFKC: ligatures, full-width letters and digits; CJK radicals), lower case;
- every whitespace run, line breaks included, is one space, and none next to a CJK character or punctuation
  (a Chinese line break joins with no space; "使用 BERT" is "使用BERT");
- curly and straight quotes are one; dashes (‐ ‑ ‒ – — ― − －) are "-" with no space around them;
- a dash between two letters is dropped: "man-\\nagement" is "management", and "state-of-the-art" (written or
  broken at a line end as "state-of-the-\\nart") is "stateoftheart" on both sides.
The quote also loses quote marks, ellipses and a final punctuation mark around it; an ellipsis inside it ("…",
"...", "[...]") is an elided gap: each part must occur, in order, each within ``MAX_GAP`` characters of the last.

A quote shorter than ``MIN_WORDS`` words or ``MIN_CJK`` CJK characters (mixed: the sum of the fractions) proves
nothing and is refused as ``Miss.TOO_SHORT``, distinct from ``Miss.NOT_FOUND``. Each elided part needs half that.

Speed: folding costs ~1 µs a character once per page; a quote is then a ``str.find`` on the folded page.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.documents.normal_form import normal_form

__all__ = ["MAX_GAP", "MIN_CJK", "MIN_WORDS", "Match", "Miss", "PageIndex", "check", "locate", "too_short",
           "verify"]

MIN_WORDS = 4           # a quote needs this many words ...
MIN_CJK = 6             # ... or this many CJK characters
MAX_GAP = 400           # folded characters an elision may skip

_CJK = re.compile("[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
                  "\U00020000-\U000323af]")
_IDEOGRAPH = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")
_WORD = re.compile(r"[^\W_]+")
_TRANSLATE = {**dict.fromkeys("‘’‚‛′＇`´", "'"), **dict.fromkeys("“”„‟″＂«»", '"'),
              **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-")}
_MARKS = "\"'‘’‚‛“”„‟«»「」『』＂＇"
_ELIDED = r"…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]"
_EDGE = re.compile(rf"^(?:\s|[{_MARKS}]|{_ELIDED})+|(?:\s|[{_MARKS}.,;:。，；：、!?！？]|{_ELIDED})+$")
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…+|\.{3,}|(?:\.\s){2}\.)\s*")
_SPACE = re.compile(r"\s+")


class Miss(enum.Enum):
    """Why a quote was not verified."""

    TOO_SHORT = "too_short"     # fewer than MIN_WORDS words / MIN_CJK CJK characters: it proves nothing
    NOT_FOUND = "not_found"     # long enough, and not on the page


@dataclass(frozen=True)
class Match:
    """Where a quote is in the page's original text: ``text[start:end]`` is what a UI highlights.

    ``exact``: the page has the quote as written but for whitespace (line breaks) and line-end hyphens; False when
    it took the normal form (case, quotes, dashes, ligatures, full-width forms, radicals) or an elision.
    ``parts``: each elided part's span, in order (one span for a quote without an elision)."""

    start: int
    end: int
    exact: bool
    parts: tuple[tuple[int, int], ...] = ()


@functools.lru_cache(maxsize=4096)
def _fold_char(piece: str) -> str:
    """One character (with its combining marks) in the folded form, before the whitespace and dash rules."""
    out = []
    for char in normal_form(piece):
        if char.isspace():
            out.append(" ")
        else:
            out.append(_TRANSLATE.get(char) or char.lower())
    return "".join(out)


def _cjk(char: str) -> bool:
    return bool(_CJK.match(char))


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` folded, with each folded character's span in ``text`` (starts and ends)."""
    items: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and not text[j].isascii() and unicodedata.combining(text[j]):
            j += 1
        items += [(char, i, j) for char in _fold_char(text[i:j])]
        i = j
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    k, m = 0, len(items)
    while k < m:
        char, start, end = items[k]
        if char == " ":
            after = k
            while after < m and items[after][0] == " ":
                after += 1
            before = chars[-1] if chars else ""
            following = items[after][0] if after < m else ""
            if before and following and "-" not in (before, following) and not (_cjk(before) or _cjk(following)):
                chars.append(" ")
                starts.append(start)
                ends.append(items[after - 1][2])
            k = after
            continue
        if char == "-" and chars and chars[-1].isalpha() and not _cjk(chars[-1]):
            after = k + 1
            while after < m and items[after][0] == " ":
                after += 1
            if after < m and items[after][0].isalpha() and not _cjk(items[after][0]):
                k = after           # the dash and the line break after it go: "man-\nagement" is "management"
                continue
        chars.append(char)
        starts.append(start)
        ends.append(end)
        k += 1
    return "".join(chars), starts, ends


def _weight(text: str) -> float:
    """How much a text says: 1.0 at MIN_WORDS words or MIN_CJK CJK characters (mixed: the sum)."""
    cjk = len(_IDEOGRAPH.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return words / MIN_WORDS + cjk / MIN_CJK


@dataclass(frozen=True)
class _Needle:
    core: str                   # the quote without the marks around it
    parts: tuple[str, ...]      # folded parts between elisions
    short: bool


@functools.lru_cache(maxsize=1024)
def _needle(quote: str) -> _Needle:
    core = _EDGE.sub("", quote)
    raw_parts = [p for p in _ELLIPSIS.split(core) if p.strip()]
    parts = tuple(_fold(p)[0] for p in raw_parts)
    short = (not parts or _weight(core) < 1.0 or (len(parts) > 1 and min(map(_weight, raw_parts)) < 0.5)
             or not all(parts))
    return _Needle(core, parts, short)


def too_short(quote: str) -> bool:
    """Whether ``quote`` is too short to prove anything (fewer than MIN_WORDS words / MIN_CJK CJK characters)."""
    return _needle(quote).short


def _squash(text: str) -> str:
    return _SPACE.sub("", text.replace("-\n", "").replace("\u00ad", ""))


class PageIndex:
    """A page's text folded once, so that many quotes are found on it with a ``str.find`` each."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded, self._starts, self._ends = _fold(text)

    def find(self, quote: str) -> Match | None:
        """Where ``quote`` is on this page; None when it is not there or is too short to count."""
        found = self.check(quote)
        return found if isinstance(found, Match) else None

    def check(self, quote: str) -> Match | Miss:
        """Where ``quote`` is on this page, or why it does not count (``Miss.TOO_SHORT``, ``Miss.NOT_FOUND``)."""
        needle = _needle(quote)
        if needle.short:
            return Miss.TOO_SHORT
        spans = self._spans(needle.parts)
        if spans is None:
            return Miss.NOT_FOUND
        parts = tuple((self._starts[a], self._ends[b - 1]) for a, b in spans)
        start, end = parts[0][0], parts[-1][1]
        exact = len(parts) == 1 and _squash(self.text[start:end]) == _squash(needle.core)
        return Match(start, end, exact, parts)

    def _spans(self, parts: tuple[str, ...]) -> list[tuple[int, int]] | None:
        """The folded spans of ``parts`` in order, each within MAX_GAP of the one before (the earliest such)."""
        first = self.folded.find(parts[0])
        while first >= 0:
            spans = [(first, first + len(parts[0]))]
            for part in parts[1:]:
                at = self.folded.find(part, spans[-1][1])
                if at < 0:
                    return None     # a later part occurs nowhere after: no later start helps
                if at - spans[-1][1] > MAX_GAP:
                    break
                spans.append((at, at + len(part)))
            else:
                return spans
            first = self.folded.find(parts[0], first + 1)
        return None


@functools.lru_cache(maxsize=256)
def _index(text: str) -> PageIndex:
    return PageIndex(text)


def check(quote: str, page_text: str) -> Match | Miss:
    """Where ``quote`` is in ``page_text``, or why not (``Miss.TOO_SHORT``, ``Miss.NOT_FOUND``)."""
    return _index(page_text).check(quote)


def verify(quote: str, page_text: str) -> Match | None:
    """Where ``quote`` is in ``page_text`` (span in the original text); None when not found or too short."""
    return _index(page_text).find(quote)


def locate(quote: str, pages: Sequence[tuple[int, str]], cited: int | None = None) -> int | None:
    """The page the quote is on: ``cited`` when it is there, else the nearest page to it (the first without a
    ``cited``); None when on no page or too short. Page indexes are kept (cached) between calls."""
    found = [number for number, text in pages if _index(text).find(quote) is not None]
    if not found:
        return None
    if cited is None:
        return found[0]
    return min(found, key=lambda number: (abs(number - cited), number))
