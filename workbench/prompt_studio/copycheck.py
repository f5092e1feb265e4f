"""The anti-copy check an optimiser runs on each candidate prompt: a candidate that pastes a training case's
expected output (or a long run of it) into its instructions learns the answers, not the task (GEPA issue #261).

Texts are compared after NFKC (full-width letters, digits and punctuation become plain ones), casefold and
whitespace collapse. Words are counted the way each script writes them: a CJK character is one token, a Latin word
is one token; a shared run is long enough when its Latin words count against ``ngram_words`` and its CJK characters
against ``ngram_chars`` add up to a whole (8 words, or 12 characters, or 4 words and 6 characters, ...).
Not a copy: what the user's own prompt and few-shot examples (``allowed``) already say, and a label — an expected
output shared by two or more cases (a class like "positive" may be named in instructions).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from workbench.prompt_studio.errors import PromptInvalid

CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
EXCERPT = 60


@dataclass(frozen=True)
class Copy:
    """Where a candidate copies: the index (0-based) of the case in ``expected`` and the copied text."""

    case_index: int
    excerpt: str


def find_copy(text: str, expected: Sequence[str], *, allowed: str = "", ngram_words: int = 8,
              ngram_chars: int = 12, min_chars: int = 6) -> Copy | None:
    """The first expected output that ``text`` pastes (whole, or a long enough run of it), or None."""
    seen, given = _normal(text), _normal(allowed)
    answers = [_normal(answer) for answer in expected]
    labels = {answer for answer, n in Counter(answers).items() if n >= 2}
    text_runs = set(_runs(TOKEN.findall(seen), ngram_words, ngram_chars))
    allowed_runs = set(_runs(TOKEN.findall(given), ngram_words, ngram_chars))
    for index, answer in enumerate(answers):
        if answer in labels:
            continue
        if len(answer) >= min_chars and answer in seen and answer not in given:
            return Copy(index, _short(answer))
        for run in _runs(TOKEN.findall(answer), ngram_words, ngram_chars):
            if run in text_runs and run not in allowed_runs:
                return Copy(index, _short(_join(run)))
    return None


def refusal(copy: Copy) -> PromptInvalid:
    """The refusal of a candidate prompt that pastes a case's answer (saying which case, and what)."""
    return PromptInvalid("prompt_copy.pasted", "candidate", case=copy.case_index + 1, excerpt=copy.excerpt)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _runs(tokens: list[str], ngram_words: int, ngram_chars: int) -> list[tuple[str, ...]]:
    """From each token in order, the shortest run of tokens long enough to count as a copy (two texts share a
    long enough run exactly when they share one of these)."""
    word, char = Fraction(1, max(1, ngram_words)), Fraction(1, max(1, ngram_chars))
    weights = [char if _is_cjk(token) else word for token in tokens]
    runs: list[tuple[str, ...]] = []
    end, total = 0, Fraction(0)
    for start in range(len(tokens)):
        while end < len(tokens) and total < 1:
            total += weights[end]
            end += 1
        if total < 1:
            break
        runs.append(tuple(tokens[start:end]))
        total -= weights[start]
    return runs


def _is_cjk(token: str) -> bool:
    return len(token) == 1 and re.fullmatch(f"[{CJK}]", token) is not None


def _join(run: tuple[str, ...]) -> str:
    out = ""
    for token in run:
        out += " " + token if out and not _is_cjk(token) and not _is_cjk(out[-1]) else token
    return out


def _short(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"
