"""What the prompt library keeps and hands out: a prompt, its immutable versions, their measured scores.

A ``Prompt`` belongs to a team or to its maker's personal space (``team_id``, the knowledge bases' teams), like a
knowledge base; ``public`` puts it in the prompt square. ``role`` is the asking user's: their team role, or
``reader`` for a public prompt of another team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .templates import Template


@dataclass(frozen=True)
class Params:
    """The model parameters a version is meant for (None / "": the caller's or the model's default)."""

    model: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The parameters that are set, as the chat completions API names them."""
        values = {"model": self.model, "temperature": self.temperature, "top_p": self.top_p,
                  "max_tokens": self.max_tokens}
        return {name: value for name, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class Score:
    """A version's score measured on a model and a case set (``part``: all, train or held_out)."""

    model: str
    case_set: str           # what was measured: a hash of the cases and graders (``matrix.case_set``)
    part: str
    score: float            # mean of the cases' scores, 0..1
    cases: int
    passed: int
    measured_at: datetime


@dataclass(frozen=True)
class Version:
    """One version of a prompt: never changed once written (a change is a new version)."""

    prompt_id: str
    number: int
    template: Template
    params: Params
    note: str
    source: str             # written | generated | improved | optimised | imported | forked
    parent: int | None      # the version it was made from
    created_by: str
    created_at: datetime
    scores: tuple[Score, ...] = ()


@dataclass(frozen=True)
class Prompt:
    """A prompt of the library with its labels ({label: version}) and the asking user's role."""

    id: str
    name: str
    team_id: str
    description: str
    public: bool
    forked_from: str        # "<prompt name>@<version>", "" when not a fork
    created_by: str
    created_at: datetime
    updated_at: datetime
    latest: int
    role: str
    labels: dict[str, int] = field(default_factory=dict)
