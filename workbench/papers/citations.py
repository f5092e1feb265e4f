"""In-text citations found on a paper's pages and linked to the references list.

    link_citations([(3, "as in [2, 5-7] and (Smith et al., 2020)")], references)
        # [Citation(page=3, marker="[2, 5-7]", references=(2, 5, 6, 7)),
        #  Citation(page=3, marker="(Smith et al., 2020)", references=(9,))]

Numeric markers: "[3]", "[1,2]", "[2, 5]", "[5-7]" / "[5–7]" (ranges expand), full-width "［1］"; a number with no
entry stays a citation with no reference ("[99]"), but a bracket that reads as mathematics is not a citation:
one holding 0 or a decimal ("[0, 1]", "[0.5, 1]"), one after "∈", "=", an operator, "x in" or "interval", and any
numeric bracket in a paper whose list is author-year.

Author-year markers: "(Smith et al., 2020)", "(Smith et al., 2020; Lee and Kim, 2019)", "(e.g., Smith, 2020a)",
"Smith et al. (2020)", "Lee and Kim (2019)", "(张三等, 2020)"; an entry is matched by its label, else by its first
author and year. A narrative marker counts only when it names an entry ("Transformer (2017)" does not); equation
numbers "(1)" and years in prose are not markers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from workbench.documents.normal_form import normal_form

from .model import Citation, Reference

__all__ = ["link_citations"]

_NUMBERS = r"\d{1,4}(?:\s*[-–—~～]\s*\d{1,4})?(?:\s*[,，;；]\s*\d{1,4}(?:\s*[-–—~～]\s*\d{1,4})?)*"
_NUMERIC = re.compile(rf"[\[［]\s*({_NUMBERS})\s*[\]］]")
_MATH_BEFORE = re.compile(r"(?:[∈=≤≥<>+×*/^∪∩⊂⊆]|\b[a-zA-Z]\s+in|\binterval|\brange)\s*$")
_NAME = r"(?:(?:van|von|de|der|den|da|di|du|le|la|del)\s+)*[A-Z\u00c0-\u024f][\w'’\u00c0-\u024f-]+"
_CJK_NAME = r"[\u4e00-\u9fff]{2,4}"
_AUTHORS = (rf"(?:{_NAME}(?:\s+(?:and|&)\s+{_NAME}|\s+et\s+al\.?|,?\s+and\s+colleagues)?"
            rf"|{_CJK_NAME}(?:等|和{_CJK_NAME})?)")
_YEAR = r"(?:19|20)\d{2}[a-z]?"
_ITEM = re.compile(rf"^(?:(?:[Ee]\.g\.|i\.e\.|[Ss]ee(?: also)?|[Cc]f\.|also|as in)[,]?\s+)*({_AUTHORS})\s*[,，]?\s*"
                   rf"({_YEAR}(?:\s*[,，]\s*{_YEAR})*)$")
_PARENTHETICAL = re.compile(r"[(（]([^()（）]{4,300}?)[)）]")
_NARRATIVE = re.compile(rf"({_AUTHORS})\s*[(（]\s*({_YEAR}(?:\s*[,，;]\s*{_YEAR})*)\s*[)）]")


def link_citations(pages: Sequence[tuple[int, str]], references: Sequence[Reference]) -> list[Citation]:
    """Every citation marker on the pages (page, text), in page order, with the entries it cites."""
    numbered = not references or any(ref.label.isdigit() for ref in references)
    by_label = {int(ref.label): ref.number for ref in references if ref.label.isdigit()}
    by_key = _author_year_keys(references)
    found: list[Citation] = []
    for page, raw in pages:
        text = normal_form(raw)
        markers: list[tuple[int, Citation]] = []
        if numbered:
            markers += _numeric(page, text, by_label)
        markers += _author_year(page, text, by_key)
        found += [citation for _, citation in sorted(markers, key=lambda m: m[0])]
    return found


def _numeric(page: int, text: str, by_label: dict[int, int]) -> list[tuple[int, Citation]]:
    out = []
    for match in _NUMERIC.finditer(text):
        if _MATH_BEFORE.search(text[max(0, match.start() - 12):match.start()]):
            continue
        numbers = _expand(match.group(1))
        if numbers is None or 0 in numbers:
            continue
        refs = tuple(dict.fromkeys(by_label[n] for n in numbers if n in by_label))
        out.append((match.start(), Citation(page, match.group(), refs)))
    return out


def _expand(inside: str) -> list[int] | None:
    """The numbers of "2, 5-7" as [2, 5, 6, 7]; None for what is not a list of references (a backward range)."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,，;；]\s*", inside.strip()):
        ends = [int(n) for n in re.split(r"\s*[-–—~～]\s*", part)]
        if len(ends) == 2:
            if not ends[0] < ends[1] <= ends[0] + 50:
                return None
            numbers += range(ends[0], ends[1] + 1)
        else:
            numbers.append(ends[0])
    return numbers


def _fold(name: str) -> str:
    """A name for matching: no accents, lower case, no spaces ("Rozière" and "ROZIERE" are one)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace()).lower()


def _author_year_keys(references: Sequence[Reference]) -> dict[tuple[str, ...], list[int]]:
    """(label folded) and (first author, year) and (first author, year with suffix) -> entry numbers."""
    keys: dict[tuple[str, ...], list[int]] = {}
    for ref in references:
        if not ref.authors or not ref.year:
            continue
        suffix = re.search(rf"{ref.year}([a-z]?)$", ref.label)
        year = ref.year + (suffix.group(1) if suffix else "")
        keys.setdefault(("label", _label_key(ref.label)), []).append(ref.number)
        keys.setdefault(("first", _fold(ref.authors[0]), year), []).append(ref.number)
    return keys


def _label_key(label: str) -> str:
    return _fold(re.sub(r"\s*(?:&|\band\b|和)\s*", "and", re.sub(r"[.,，]", "", label)))


def _match(authors: str, year: str, by_key: dict[tuple[str, ...], list[int]]) -> tuple[int, ...]:
    """The entries an author-year item names: by its whole label, else by its first author and year."""
    authors = re.sub(r",?\s+and\s+colleagues$", " et al.", authors)
    exact = by_key.get(("label", _label_key(f"{authors}, {year}")))
    if exact:
        return tuple(exact)
    first = re.split(r"\s+(?:and|&|et)\s+|等|和", authors)[0]
    return tuple(by_key.get(("first", _fold(first), year), ())[:1])


def _author_year(page: int, text: str, by_key: dict[tuple[str, ...], list[int]]) -> list[tuple[int, Citation]]:
    out: list[tuple[int, Citation]] = []
    taken: list[tuple[int, int]] = []
    for match in _PARENTHETICAL.finditer(text):
        refs: list[int] = []
        items = [_ITEM.match(item.strip()) for item in re.split(r"\s*[;；]\s*", match.group(1))]
        if not items or not all(items):
            continue
        for item in items:
            for year in re.split(r"\s*[,，]\s*", item.group(2)):
                refs += _match(item.group(1), year, by_key)
        out.append((match.start(), Citation(page, match.group(), tuple(dict.fromkeys(refs)))))
        taken.append(match.span())
    for match in _NARRATIVE.finditer(text):
        if any(a <= match.start() < b for a, b in taken) or _sentence_word(text, match):
            continue
        refs = []
        for year in re.split(r"\s*[,，;]\s*", match.group(2)):
            refs += _match(match.group(1), year, by_key)
        if not refs:
            continue        # "Transformer (2017)": a capitalised word and a year, with no entry of that name
        out.append((match.start(), Citation(page, match.group(), tuple(dict.fromkeys(refs)))))
    return out


def _sentence_word(text: str, match: re.Match) -> bool:
    """Whether a narrative match's "name" is a capitalised common word ("In (2020)", "The (2019)")."""
    return match.group(1).lower() in {"in", "the", "since", "from", "until", "by", "during", "year", "see", "and"}
