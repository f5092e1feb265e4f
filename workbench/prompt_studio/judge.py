"""The LLM judge's side of a judge grader: the chat messages it is sent and the reading of its verdict.

    messages = judge_messages(question, rubric, reference, output)   # system + user, words from instructions/
    verdict("Score: 7/10 — misses the unit")                          # (0.7, "Score: 7/10 — misses the unit")
    verdict("I think it is fine")                                     # None: no score could be read

The judge is asked for ``{"score": 0-10, "feedback": "..."}``; a small model may wrap it in prose or a fence, use
single quotes, write "Score: 7/10", "评分：7 分" or "8 out of 10". The score is read from the JSON when there is
one, else from the first "score"-like phrase, else from an "n/10" anywhere; it is divided by its scale (10 unless
the judge wrote "/100" or "out of 5") and clipped to [0, 1].
"""

from __future__ import annotations

import re
from string import Template
from typing import Any

from .instructions import instruction
from .outputs import json_in, nfkc

MOST_FEEDBACK = 600                             # characters of the judge's feedback kept
MOST_OUTPUT = 20_000                            # characters of the output shown to the judge

_SCORE_WORDS = r"(?:score|rating|grade|评分|得分|分数|打分|总分)"
_SAID = re.compile(_SCORE_WORDS + r"\W{0,3}(?:is|of|为|是)?\s*[:：=]?\s*\**\s*(\d+(?:\.\d+)?)\s*"
                   r"(?:(?:/|out of|of|分?\s*(?:满分|/))\s*(\d+))?", re.I)
_OUT_OF = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(10|100|5)\b", re.I)
_FEEDBACK_KEYS = ("feedback", "reason", "reasoning", "explanation", "comment", "comments", "rationale", "评语", "理由")


def judge_messages(question: str, rubric: str, reference: str, output: str) -> list[dict[str, str]]:
    """The system and user messages that ask the judge for a score and feedback."""
    user = Template(instruction("judge_input")).safe_substitute(
        question=question.strip() or "-", rubric=rubric.strip() or "-", reference=reference.strip() or "-",
        output=output[:MOST_OUTPUT])
    return [{"role": "system", "content": instruction("judge")}, {"role": "user", "content": user}]


def verdict(answer: str) -> tuple[float, str] | None:
    """(score in [0, 1], feedback) read from the judge's answer, or None when it holds no score."""
    found, data = json_in(answer)
    if not found:
        found, data = json_in(answer.replace("'", '"'))
    if found and isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if found and isinstance(data, dict):
        score = _number(_first(data, ("score", "rating", "grade", "评分", "分数")))
        if score is not None:
            feedback = _first(data, _FEEDBACK_KEYS)
            return _scaled(score, 10), _short(str(feedback) if feedback is not None else _prose(answer))
    text = nfkc(answer)
    said = _SAID.search(text) or _OUT_OF.search(text)
    if said is None:
        return None
    scale = float(said.group(2)) if said.group(2) else 10.0
    return _scaled(float(said.group(1)), scale), _short(_prose(answer))


def _first(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in data.items()}
    return next((lowered[k] for k in keys if k in lowered), None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        said = _OUT_OF.search(value) or re.search(r"\d+(?:\.\d+)?", value)
        if said:
            scale = float(said.group(2)) if said.re is _OUT_OF else 10.0
            return float(said.group(1) if said.re is _OUT_OF else said.group()) * 10 / scale
    return None


def _scaled(score: float, scale: float) -> float:
    return min(1.0, max(0.0, score / (scale or 10.0)))


def _prose(answer: str) -> str:
    """The answer without a JSON block, for feedback when the judge gave none in its JSON."""
    return re.sub(r"```.*?```", " ", answer, flags=re.S).strip() or answer.strip()


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MOST_FEEDBACK else line[: MOST_FEEDBACK - 1] + "…"

