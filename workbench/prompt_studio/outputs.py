"""What a model's output holds, read the forgiving way a small model needs: its JSON, its first number, a short quote.

    json_in('Sure! ```json\\n{"a": 1}\\n```')    # {"a": 1}  (a fence, the whole text, or the first {...} / [...])
    first_number("约 3.2 公斤")                    # 3.2  ("1,234.5", "-3", "3.2e5", full-width digits)
    quote("a long output ...")                     # one line, at most 200 characters
    regex_risk(r"(\\w+\\s?)+")                     # "nested": a pattern that may backtrack for ever

Python's ``re`` cannot be interrupted, so a grader's pattern is checked before it is kept: a repeat of something
that itself repeats with nothing required beside it (``(a+)+``, ``(\\w+\\s?)*``) and two broad repeats in a row
(``.*.*``, ``\\S+\\s*.+``) are refused; those are the shapes of catastrophic backtracking. Outputs are capped too.
"""

from __future__ import annotations

import json
import re
import unicodedata
from re import _parser as _sre  # type: ignore[attr-defined]  # the stdlib's own parser of patterns
from typing import Any

_FENCE = re.compile(r"```[ \t]*(?:json5?|JSON)?[ \t]*\n(.*?)```", re.S)
_NUMBER = re.compile(r"(?<![0-9.])(?:(?<![A-Za-z0-9])[-+])?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
                     r"(?:[eE][-+]?\d+)?(?!\d)")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0d": "-"})
_TRIES = 50                                     # at most this many "{" / "[" are tried as the start of the JSON


def nfkc(text: str) -> str:
    """``text`` in NFKC (full-width letters, digits and punctuation as ASCII), stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def quote(text: str, most: int = 200) -> str:
    """``text`` on one line, at most ``most`` characters (an ellipsis where it was cut)."""
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1] + "…"


def json_in(text: str) -> tuple[bool, Any]:
    """(found, value): the JSON of a ```json fence, of the whole text, or the first {...} / [...] in it."""
    for candidate in (text, nfkc(text)):
        for fenced in _FENCE.findall(candidate):
            found = _loads(fenced)
            if found[0]:
                return found
        found = _loads(candidate)
        if found[0]:
            return found
        decoder = json.JSONDecoder()
        starts = [m.start() for m in re.finditer(r"[{\[]", candidate)][:_TRIES]
        for start in starts:
            try:
                return True, decoder.raw_decode(candidate, start)[0]
            except ValueError:
                continue
    return False, None


def _loads(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def first_number(text: str) -> float | None:
    """The first number written in ``text`` (thousands commas, a sign, an exponent, full-width digits), or None."""
    found = _NUMBER.search(unicodedata.normalize("NFKC", text).translate(_MINUS))
    return float(found.group().replace(",", "")) if found else None


def number_text(value: float) -> str:
    """``value`` as people write it: 3 not 3.0, 0.1 not 0.1000000001."""
    return f"{value:.10g}"


def regex_risk(pattern: str) -> str | None:
    """"nested" or "adjacent" when ``pattern`` has a shape of catastrophic backtracking, else None."""
    try:
        parsed = _sre.parse(pattern)
    except Exception:                           # noqa: BLE001 — compiling it reports the error
        return None
    return _risk(list(parsed))


def _unbounded(item: tuple[Any, Any]) -> bool:
    op, av = item
    return op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[1] == _sre.MAXREPEAT


def _width(items: list[Any]) -> int:
    return _sre.SubPattern(_sre.State(), items).getwidth()[0] if items else 0


def _broad(item: tuple[Any, Any]) -> bool:
    """A repeat of any character, of a negated set or of a wide category (\\S \\w \\W \\D)."""
    body = list(item[1][2])
    if len(body) != 1:
        return False
    op, av = body[0]
    if op in (_sre.ANY, _sre.NOT_LITERAL):
        return True
    if op == _sre.IN:
        wide = {_sre.CATEGORY_NOT_SPACE, _sre.CATEGORY_WORD, _sre.CATEGORY_NOT_WORD, _sre.CATEGORY_NOT_DIGIT}
        return any(o == _sre.NEGATE or (o == _sre.CATEGORY and a in wide) for o, a in av)
    return False


def _children(op: Any, av: Any) -> list[list[Any]]:
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
        return [list(av[2])]
    if op == _sre.SUBPATTERN:
        return [list(av[-1])]
    if op == _sre.BRANCH:
        return [list(b) for b in av[1]]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [list(av[1])]
    if op == getattr(_sre, "ATOMIC_GROUP", None):
        return [list(av)]
    return []


def _flat(items: list[Any]) -> list[Any]:
    """The items of a sequence with plain groups opened."""
    out: list[Any] = []
    for op, av in items:
        out += _flat(list(av[-1])) if op == _sre.SUBPATTERN else [(op, av)]
    return out


def _risk(items: list[Any]) -> str | None:
    previous_broad = False
    for op, av in _flat(items):
        item = (op, av)
        if _unbounded(item):
            body = _flat(list(av[2]))
            inner = [i for i in body if _unbounded(i)]
            rest = [i for i in body if not _unbounded(i)]
            if inner and _width(rest) == 0:
                return "nested"
            if _broad(item) and previous_broad:
                return "adjacent"
            previous_broad = _broad(item) or (previous_broad and _width([item]) == 0)
        elif _width([item]) > 0:
            previous_broad = False
        for child in _children(op, av):
            found = _risk(child)
            if found:
                return found
    return None


def as_json(value: Any) -> str:
    """``value`` as compact JSON (non-ASCII kept), for feedback."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
