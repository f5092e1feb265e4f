"""The rare-word score shared by document retrieval and citations: how much of a query's (rarer) words a text holds.

    rare_word_shares(["Who looks after the beehives?"], passages)          # queries x texts, each 0..1
    terms("Who looks after the beehives?")                                 # {"look", "after", "beehive"}

A word's weight is its idf over the texts, ln(1 + n / df): a word every text has says little, a code or a name only
one has says a lot. The score of a text is the weighted share of the query's words it holds. What differs between
callers is a parameter: which words (``words``: ``terms``, or citations' terms plus numbers), what a word no text holds
weighs (``count_unseen``: nothing, as for retrieval, or as much as the rarest, for citations), and words a text must
share for any score (``required``: citations' numbers).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

_WORD = re.compile(r"[^\W_]+")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_STOP = frozenset(
    "the and for are was were with that this from what which who whom whose how why when where does did has have had "
    "not but can could would should will shall may might must about into onto over under than then there their "
    "they them these those its it's also any all each per our your you his her she him been being very more most "
    "some such only other out use used using tell say said give show find list document paper report page pages "
    "please".split())


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> set[str]:
    """Lower-case words of 3+ letters (stop words out, plurals folded) and pairs of adjacent CJK characters."""
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        for run in _CJK_RUN.findall(word):
            out.update(run[i: i + 2] for i in range(len(run) - 1))
        latin = _CJK_RUN.sub(" ", word).split()
        out.update(_stem(w) for w in latin if len(w) >= 3 and w not in _STOP and not w.isdigit())
    return out


def rare_word_shares(queries: Sequence[str], texts: Sequence[str], *,
                     words: Callable[[str], set[str]] = terms, count_unseen: bool = False,
                     required: Callable[[str], set[str]] | None = None) -> np.ndarray:
    """queries x texts: the idf-weighted share of a query's ``words`` each text holds (0..1), idf over ``texts``.

    ``count_unseen``: a query word no text holds weighs as the rarest could (ln(1 + n)) instead of nothing, so a query
    of words none of the texts has scores low everywhere rather than high on the few it shares. ``required``: a text
    holding none of ``required(query)`` (when the query has any) scores 0."""
    sets = [words(t) for t in texts]
    n = len(sets)
    out = np.zeros((len(queries), n), dtype=np.float32)
    if not n:
        return out
    for i, query in enumerate(queries):
        must = required(query) if required is not None else set()
        weights = {}
        for t in words(query):
            df = sum(t in s for s in sets)
            if df or count_unseen:
                weights[t] = math.log(1 + n / df) if df else math.log(1 + n)
        total = sum(weights.values())
        if total:
            out[i] = [0.0 if must and not must & s else sum(w for t, w in weights.items() if t in s) / total
                      for s in sets]
    return out
