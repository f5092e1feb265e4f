"""The training / held-out split of a case set: the optimiser learns from ``train`` and is scored on
``held_out``, which it never sees.

Deterministic: the cases are ranked by sha256(seed + case id) and the first ones go to ``held_out``, so the same
cases and seed always split the same way, and adding a case moves at most one other case across.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.prompt_studio.cases import Case, with_id
from workbench.prompt_studio.errors import PromptInvalid

MOST_HELD_OUT = 0.9


@dataclass(frozen=True)
class Split:
    """The cases the optimiser learns from (``train``) and those it is scored on (``held_out``)."""

    train: list[Case]
    held_out: list[Case]


def split(cases: Sequence[Case], held_out: float = 0.3, seed: str = "") -> Split:
    """``cases`` split with about ``held_out`` of them (at least one, and at least one left to train on) held
    out; each part keeps the cases' original order."""
    if not 0 < held_out <= MOST_HELD_OUT:
        raise PromptInvalid("prompt_split.fraction", "held_out", value=held_out, most=MOST_HELD_OUT)
    if len(cases) < 2:
        raise PromptInvalid("prompt_split.too_few", "cases", count=len(cases))
    count = min(len(cases) - 1, max(1, round(len(cases) * held_out)))
    rank = sorted(range(len(cases)), key=lambda i: (_key(seed, with_id(cases[i]).id), i))
    chosen = set(rank[:count])
    return Split(train=[case for i, case in enumerate(cases) if i not in chosen],
                 held_out=[case for i, case in enumerate(cases) if i in chosen])


def _key(seed: str, ident: str) -> str:
    return hashlib.sha256((seed + ident).encode("utf-8")).hexdigest()
