"""What a deep reading covers (problem, method, experiments, results, contributions, limitations, future work) and
which sections of a paper are read for each, decided from the headings by code.

    route(structure.sections)      # {"method": [Section("3", "Method", ...), Section("3.1", ...)], ...}
    label("results", "zh")         # "结果"

A small model asked about every aspect of every section at once does none of them well; asked about one or two
aspects of a section that talks about them, it copies the right sentences. The aspects, their words (en, zh) and
the headings that route a section to them are data (``instructions/aspects.json``). A section whose heading names
no aspect is read for the method when it comes before the experiments (a paper's "3 LightRetriever" is its method)
and for the results after them; a subsection is read for its parent's aspects and any its own heading names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench import instruction_files

from .model import Section

_WORD = re.compile(r"[a-z]+|[\u3400-\u9fff]+")
_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[一二三四五六七八九十]+、)\s*")


@dataclass(frozen=True)
class Aspect:
    """One part of a reading: its key, its title in each language, what the model is asked to find for it."""

    key: str
    en: str
    zh: str
    asks: str
    headings: tuple[str, ...]


def _data() -> dict:
    return instruction_files.data(__package__, "aspects")


def aspects() -> tuple[Aspect, ...]:
    """Every aspect, in the order a reading shows them."""
    data = _data()
    return tuple(Aspect(key, a["en"], a["zh"], a["asks"], tuple(a["headings"]))
                 for key in data["order"] for a in [data["aspects"][key]])


def label(key: str, lang: str) -> str:
    """An aspect's title ("questions" too) in ``lang`` ("en" or "zh")."""
    data = _data()
    found = data["questions"] if key == "questions" else data["aspects"][key]
    return found["zh" if lang == "zh" else "en"]


def heading_aspects(title: str) -> tuple[str, ...] | None:
    """The aspects a heading names; () for a section not read (references, related work); None when it names none."""
    text = _NUMBER.sub("", title.strip()).lower()
    if not text:
        return None
    if _matches(text, _data()["skipped"], whole=True):
        return ()
    found = tuple(a.key for a in aspects() if _matches(text, a.headings))
    return found or None


def route(sections: Sequence[Section]) -> dict[str, list[Section]]:
    """For each aspect, the sections read for it, in paper order (an aspect no section names: every section read)."""
    chosen: dict[str, list[Section]] = {a.key: [] for a in aspects()}
    experiments_seen = False
    parent: tuple[str, ...] = ()
    for section in sections:
        named = heading_aspects(section.title)
        if section.level > 1 and named != ():
            named = tuple(dict.fromkeys((*(named or ()), *parent)))     # a subsection is part of its parent
        elif named is None:
            named = ("results",) if experiments_seen else ("method",)
        if section.level == 1:
            parent = named
        experiments_seen = experiments_seen or "experiments" in named
        for key in named:
            chosen[key].append(section)
    read = [s for s in sections if heading_aspects(s.title) != ()]
    return {key: found or list(read) for key, found in chosen.items()}


def _matches(text: str, words: Sequence[str], *, whole: bool = False) -> bool:
    """Whether ``text`` (a lower-case heading) holds one of ``words``: a Latin word as a word, CJK as a substring;
    ``whole``: the heading must be that word (or phrase) and nothing more."""
    latin = " ".join(_WORD.findall(text))
    for word in words:
        if whole:
            if latin == word or text == word:
                return True
        elif re.search(r"[\u3400-\u9fff]", word):
            if word in text:
                return True
        elif re.search(rf"\b{re.escape(word)}\b", latin):
            return True
    return False
