"""Graders: how a model's output for a test case is scored, in [0, 1], with feedback a person (and the optimiser)
can act on — what was expected, what came, which schema path failed, which number was found.

    g = check_grader(Grader("numeric", "3.2", tolerance=0.1), "graders[0]")    # refuses a bad grader, naming it
    grade(g, "约 3.25 公斤", case)        # Grade(score=1.0, passed=True, feedback=<numeric_ok: found 3.25 ...>)
    await judge(Grader("judge", "Names the city"), output, case, question, ask)  # an LLM judge, 0-10 -> [0, 1]
    await grade_all([g, ...], output, case, question, ask)                       # weighted mean, all must pass

Code graders (every kind but ``judge``) are deterministic, fast and read at most ``MOST_OUTPUT`` characters of
the output: a small model's 0.5B word is no ground truth, so what users must trust is checked by code. ``exact``,
``contains``, ``json_match`` and ``numeric`` compare with the grader's ``value`` when it has one, else the case's
expected output. Text is compared in NFKC (full-width digits, letters and punctuation as ASCII) and stripped.
A regular expression is refused when it is over ``MOST_PATTERN`` characters or has a shape of catastrophic
backtracking (``outputs.regex_risk``); JSON Schemas are Draft 2020-12 with an empty registry, so a ``$ref`` to a
URL is never fetched. The judge's instructions are data (``instructions/judge.md``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from referencing import Registry
from referencing.exceptions import Unresolvable

from shared.messages import Message, Words
from workbench.messages import MESSAGES

from .errors import PromptInvalid
from .judge import judge_messages, verdict
from .outputs import as_json, first_number, json_in, nfkc, number_text, quote, regex_risk

KINDS = ("exact", "contains", "regex", "json_schema", "json_match", "numeric", "judge")
MOST_OUTPUT = 20_000            # characters of an output a grader reads
MOST_PATTERN = 500              # characters of a regular expression
MOST_VALUE = 20_000             # characters of a schema, a rubric or an expected value
PASS = 0.7                      # a judge's score from which the case passes
Ask = Callable[[list[dict[str, str]]], Awaitable[str]]
_NEEDS = {"regex": ("a regular expression, e.g. ^\\d{4}-\\d{2}-\\d{2}$", "正则表达式，例如 ^\\d{4}-\\d{2}-\\d{2}$"),
          "json_schema": ("a JSON Schema", "JSON Schema")}
_FIELDS = {"kind": str, "value": str, "tolerance": (int, float), "ignore_case": bool, "weight": (int, float)}


class Expected(Protocol):
    """What a grader reads of a test case (``cases.Case`` has both)."""

    @property
    def expected(self) -> str:
        """The expected output ("" when the case has criteria only)."""

    @property
    def criteria(self) -> str:
        """What a good output does, in words, for a judge ("" when none)."""


@dataclass(frozen=True)
class Grader:
    """One way to score an output: ``kind`` (one of ``KINDS``), its ``value`` (text, pattern, schema, number or
    rubric), ``tolerance`` (numeric), ``ignore_case`` (exact, contains, regex, json_match) and ``weight``."""

    kind: str
    value: str = ""
    tolerance: float = 0.0
    ignore_case: bool = False
    weight: float = 1.0


@dataclass(frozen=True)
class Grade:
    """A score in [0, 1], whether it passed, and feedback in en and zh (``feedback.text("en")``)."""

    score: float
    passed: bool
    feedback: Message


def _msg(code: str, **fields: object) -> Message:
    return MESSAGES.message(code, **fields)


def check_grader(g: Grader, field: str) -> Grader:
    """``g`` (its kind in lower case) when it can grade, else PromptInvalid naming ``field.kind``, ``.value``, ..."""
    kind = str(g.kind).strip().lower()
    if kind not in KINDS:
        raise PromptInvalid("prompt_grader.kind", f"{field}.kind", kind=g.kind, kinds=", ".join(KINDS))
    if not (isinstance(g.weight, int | float) and math.isfinite(g.weight) and 0 < g.weight <= 100):
        raise PromptInvalid("prompt_grader.weight", f"{field}.weight")
    if not (isinstance(g.tolerance, int | float) and math.isfinite(g.tolerance) and g.tolerance >= 0):
        raise PromptInvalid("prompt_grader.tolerance", f"{field}.tolerance")
    most = MOST_PATTERN if kind == "regex" else MOST_VALUE
    if len(g.value) > most:
        raise PromptInvalid("prompt_grader.too_long", f"{field}.value", most=most)
    if kind in _NEEDS and not g.value.strip():
        raise PromptInvalid("prompt_grader.needs_value", f"{field}.value", kind=kind, what=Words(*_NEEDS[kind]))
    if kind == "regex":
        try:
            re.compile(g.value)
        except re.error as e:
            raise PromptInvalid("prompt_grader.regex", f"{field}.value", error=str(e)) from None
        if regex_risk(g.value):
            raise PromptInvalid("prompt_grader.regex_slow", f"{field}.value")
    elif kind == "json_schema":
        _check_schema(g.value, f"{field}.value")
    elif kind == "json_match" and g.value.strip():
        try:
            json.loads(g.value)
        except ValueError as e:
            raise PromptInvalid("prompt_grader.json_value", f"{field}.value", error=str(e)) from None
    elif kind == "numeric" and g.value.strip():
        try:
            float(nfkc(g.value).replace(",", ""))
        except ValueError:
            raise PromptInvalid("prompt_grader.number", f"{field}.value", value=quote(g.value, 60)) from None
    return replace(g, kind=kind, tolerance=float(g.tolerance), weight=float(g.weight))


def _check_schema(text: str, field: str) -> None:
    try:
        schema = json.loads(text)
    except ValueError as e:
        raise PromptInvalid("prompt_grader.schema_json", field, error=str(e)) from None
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        path = "/" + "/".join(str(p) for p in e.path)
        raise PromptInvalid("prompt_grader.schema", field, error=quote(e.message), path=path) from None


def graders_from_json(data: list[dict[str, Any]], field: str = "graders") -> list[Grader]:
    """Graders from their stored JSON (a list of objects), each checked; refusals name ``field[i]``."""
    if not isinstance(data, list):
        raise PromptInvalid("prompt_grader.entry", field)
    graders = []
    for i, item in enumerate(data):
        at = f"{field}[{i}]"
        if not isinstance(item, dict) or "kind" not in item:
            raise PromptInvalid("prompt_grader.entry", at)
        for key, value in item.items():
            wanted = _FIELDS.get(key)
            if wanted is None or not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
                raise PromptInvalid("prompt_grader.entry", f"{at}.{key}")
        graders.append(check_grader(Grader(**item), at))
    return graders


def graders_to_json(graders: Sequence[Grader]) -> list[dict[str, Any]]:
    """The graders as JSON-ready objects (what ``graders_from_json`` reads)."""
    return [asdict(g) for g in graders]


def _fold(text: str, ignore_case: bool) -> str:
    text = nfkc(text)
    return text.casefold() if ignore_case else text


def _exact(g: Grader, output: str, case: Expected) -> Grade:
    want = g.value or case.expected
    if not want.strip():
        return Grade(0.0, False, _msg("prompt_grader.no_expected", kind=g.kind))
    if _fold(output, g.ignore_case) == _fold(want, g.ignore_case):
        return Grade(1.0, True, _msg("prompt_grader.exact_ok"))
    return Grade(0.0, False, _msg("prompt_grader.exact_no", expected=quote(want), output=quote(output)))


def _contains(g: Grader, output: str, case: Expected) -> Grade:
    want = (g.value or case.expected).strip()
    if not want:
        return Grade(0.0, False, _msg("prompt_grader.no_expected", kind=g.kind))
    if _fold(want, g.ignore_case) in _fold(output, g.ignore_case):
        return Grade(1.0, True, _msg("prompt_grader.contains_ok", text=quote(want)))
    return Grade(0.0, False, _msg("prompt_grader.contains_no", text=quote(want), output=quote(output)))


@lru_cache(maxsize=256)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.I if ignore_case else 0)


def _regex(g: Grader, output: str, case: Expected) -> Grade:
    found = _compiled(g.value, g.ignore_case).search(output)
    pattern = "/" + quote(g.value, 100) + "/"
    if found:
        return Grade(1.0, True, _msg("prompt_grader.regex_ok", pattern=pattern, found=quote(found.group(), 100)))
    return Grade(0.0, False, _msg("prompt_grader.regex_no", pattern=pattern, output=quote(output)))


@lru_cache(maxsize=64)
def _validator(schema: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema), registry=Registry())


def _json_schema(g: Grader, output: str, case: Expected) -> Grade:
    found, data = json_in(output)
    if not found:
        return Grade(0.0, False, _msg("prompt_grader.json_none", output=quote(output)))
    try:
        error = best_match(_validator(g.value).iter_errors(data))
    except Unresolvable as e:
        return Grade(0.0, False, _msg("prompt_grader.schema_ref", ref=quote(str(getattr(e, "ref", e)), 100)))
    if error is None:
        return Grade(1.0, True, _msg("prompt_grader.schema_ok"))
    return Grade(0.0, False, _msg("prompt_grader.schema_no", path=error.json_path, error=quote(error.message)))


def _same(a: Any, b: Any, ignore_case: bool) -> bool:
    """Equal as JSON values: strings in NFKC and stripped, 1 == 1.0 but never True == 1."""
    if isinstance(a, str) and isinstance(b, str):
        return _fold(a, ignore_case) == _fold(b, ignore_case)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, ignore_case) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], ignore_case) for k in a)
    return a == b


def _json_match(g: Grader, output: str, case: Expected) -> Grade:
    want_text = g.value or case.expected
    if not want_text.strip():
        return Grade(0.0, False, _msg("prompt_grader.no_expected", kind=g.kind))
    try:
        want = json.loads(nfkc(want_text))
    except ValueError as e:
        return Grade(0.0, False, _msg("prompt_grader.expected_json", error=quote(str(e), 100)))
    found, data = json_in(output)
    if not found:
        return Grade(0.0, False, _msg("prompt_grader.json_none", output=quote(output)))
    if isinstance(want, dict) and want:
        got = data if isinstance(data, dict) else {}
        wrong = [k for k in want if k not in got or not _same(got[k], want[k], g.ignore_case)]
        if not wrong:
            return Grade(1.0, True, _msg("prompt_grader.json_ok", total=len(want)))
        score = 1 - len(wrong) / len(want)
        keys = ", ".join(wrong[:10]) + (", …" if len(wrong) > 10 else "")
        return Grade(score, False, _msg("prompt_grader.json_keys", matched=len(want) - len(wrong), total=len(want),
                                        keys=quote(keys)))
    if _same(data, want, g.ignore_case):
        return Grade(1.0, True, _msg("prompt_grader.json_same"))
    return Grade(0.0, False, _msg("prompt_grader.json_list", found=quote(as_json(data), 100),
                                  expected=quote(as_json(want), 100)))


def _numeric(g: Grader, output: str, case: Expected) -> Grade:
    want_text = g.value or case.expected
    if not want_text.strip():
        return Grade(0.0, False, _msg("prompt_grader.no_expected", kind=g.kind))
    want = first_number(want_text)
    if want is None:
        return Grade(0.0, False, _msg("prompt_grader.expected_number", expected=quote(want_text, 100)))
    found = first_number(output)
    tolerance = number_text(g.tolerance)
    if found is None:
        return Grade(0.0, False, _msg("prompt_grader.numeric_none", expected=number_text(want), output=quote(output)))
    diff = abs(found - want)
    if diff <= g.tolerance + 1e-9 * max(1.0, abs(want)):
        return Grade(1.0, True, _msg("prompt_grader.numeric_ok", found=number_text(found), expected=number_text(want),
                                     tolerance=tolerance))
    return Grade(0.0, False, _msg("prompt_grader.numeric_off", found=number_text(found), expected=number_text(want),
                                  tolerance=tolerance, diff=number_text(diff)))


_CODE = {"exact": _exact, "contains": _contains, "regex": _regex, "json_schema": _json_schema,
         "json_match": _json_match, "numeric": _numeric}


def grade(g: Grader, output: str, case: Expected) -> Grade:
    """The score of ``output`` for ``case`` by the code grader ``g`` (checked by ``check_grader``)."""
    if g.kind not in _CODE:
        raise ValueError(f"{g.kind!r} is not a code grader (a judge is graded by judge())")
    return _CODE[g.kind](g, output[:MOST_OUTPUT], case)


async def judge(g: Grader, output: str, case: Expected, question: str, ask: Ask) -> Grade:
    """The LLM judge's score of ``output``: ``ask`` sends the chat messages to the judge model, returns its text.

    The rubric is the grader's value, then the case's criteria; the case's expected output is the reference.
    An answer with no readable score scores 0, its feedback quoting the answer's start."""
    rubric = "\n".join(part for part in (g.value.strip(), case.criteria.strip()) if part)
    answer = await ask(judge_messages(question, rubric, case.expected, output[:MOST_OUTPUT]))
    read = verdict(answer)
    if read is None:
        return Grade(0.0, False, _msg("prompt_grader.judge_unreadable", answer=quote(answer, 80)))
    score, feedback = read
    return Grade(score, score >= PASS, _msg("prompt_grader.judge", score=number_text(round(score * 10, 1)),
                                           feedback=feedback))


async def grade_all(graders: Sequence[Grader], output: str, case: Expected, question: str, ask: Ask) -> Grade:
    """All ``graders`` on one output: the weighted mean score, passed when every grader passed, and the feedback
    of each (one grader: its own grade)."""
    if not graders:
        raise PromptInvalid("prompt_grader.none", "graders")
    grades = [await judge(g, output, case, question, ask) if g.kind == "judge" else grade(g, output, case)
              for g in graders]
    if len(grades) == 1:
        return grades[0]
    score = sum(g.weight * r.score for g, r in zip(graders, grades, strict=True)) / sum(g.weight for g in graders)
    lines = Words(*("\n".join(("✓ " if r.passed else "✗ ") + r.feedback.text(lang) for r in grades)
                    for lang in ("en", "zh")))
    passed = sum(r.passed for r in grades)
    return Grade(score, passed == len(grades), _msg("prompt_grader.summary", passed=passed, total=len(grades),
                                                    score=f"{score:.2f}", lines=lines))
