"""promptfoo-style YAML in and out, so users can move their prompts and tests to and from promptfoo.

    text = export_yaml("合同抽取", versions, cases, graders, model="qwen2.5-0.5b", params=Params(temperature=0))
    found = import_yaml(text)        # Imported(templates, cases, graders, skipped)

Written (promptfoo's config): ``description``, ``prompts`` (each version as a chat prompt: the JSON list of its
messages, ``{{variables}}`` as promptfoo's Nunjucks writes them, few-shot examples as user / assistant pairs),
``providers`` (``openai:chat:<model>`` with the parameters), ``defaultTest.assert`` (the graders that do not need a
case's own answer) and ``tests`` (``vars``, and per test the asserts that compare with its expected output).

Graders as asserts: exact ``equals``, contains ``contains`` / ``icontains``, regex ``regex``, JSON Schema
``is-json`` with the schema, the judge ``llm-rubric``; json_match and numeric have no promptfoo type of their own:
they are written as ``javascript`` asserts that compute the same score, marked ``metric: json_match`` /
``metric: numeric`` so that reading them back gives the grader again. Read: the same, and an expected output from
``equals`` (or ``contains``), criteria from a test's ``llm-rubric``. What has no counterpart here (another provider's
options, ``javascript`` or ``python`` asserts of one's own, file references) is listed in ``skipped`` with where it
was, never dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .cases import Case, with_id
from .errors import PromptInvalid
from .graders import Grader, check_grader
from .records import Params
from .templates import Template, check_template

MAX_YAML_BYTES = 2 * 1024 * 1024
_PER_CASE = {"exact": "equals", "contains": "contains"}
_JSON_MATCH = ("const e = {expected}; let o; try {{ o = JSON.parse(output.match(/[{{[][\\s\\S]*[}}\\]]/)[0]); }} "
               "catch (x) {{ return 0; }} const k = Object.keys(e); return k.length ? k.filter(n => "
               "JSON.stringify(o[n]) === JSON.stringify(e[n])).length / k.length : 0;")
_NUMERIC = ("const m = output.replace(/,/g, '').match(/-?\\d+(\\.\\d+)?(e-?\\d+)?/i); "
            "return m !== null && Math.abs(parseFloat(m[0]) - ({expected})) <= {tolerance};")


@dataclass
class Imported:
    """What a promptfoo config gave: its prompts, tests as cases, asserts as graders, and what had no place."""

    templates: list[Template] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    graders: list[Grader] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    description: str = ""


def _messages(template: Template) -> list[dict[str, str]]:
    out = [{"role": "system", "content": template.system}] if template.system else []
    for example in template.examples:
        user = template.user
        for name, value in example.variables.items():
            user = user.replace("{{" + name + "}}", value).replace("{{ " + name + " }}", value)
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": example.output}]
    return [*out, {"role": "user", "content": template.user}]


def _assert(grader: Grader, case: Case | None) -> dict[str, Any] | None:
    expected = grader.value or (case.expected if case else "")
    one: dict[str, Any]
    if grader.kind in _PER_CASE:
        if not expected:
            return None
        kind = "icontains" if grader.kind == "contains" and grader.ignore_case else _PER_CASE[grader.kind]
        one = {"type": kind, "value": expected}
    elif grader.kind == "regex":
        one = {"type": "regex", "value": grader.value}
    elif grader.kind == "json_schema":
        one = {"type": "is-json", "value": json.loads(grader.value)}
    elif grader.kind == "judge":
        rubric = "\n".join(filter(None, (grader.value, case.criteria if case else "")))
        one = {"type": "llm-rubric", "value": rubric}
    elif grader.kind == "json_match":
        if not expected:
            return None
        one = {"type": "javascript", "value": _JSON_MATCH.format(expected=expected), "metric": "json_match"}
    else:                                                   # numeric
        if not expected:
            return None
        one = {"type": "javascript", "metric": "numeric",
               "value": _NUMERIC.format(expected=expected, tolerance=grader.tolerance)}
    if grader.weight != 1:
        one["weight"] = grader.weight
    return one


def _per_case(grader: Grader) -> bool:
    """Written per test: a judge (its rubric joins the case's criteria), and graders comparing with the expected
    output."""
    return grader.kind == "judge" or not grader.value and grader.kind in ("exact", "contains", "json_match", "numeric")


def export_yaml(name: str, versions: Sequence[tuple[int, Template]], cases: Sequence[Case],
                graders: Sequence[Grader], *, model: str = "", params: Params = Params()) -> str:
    """A promptfoo config of the prompt's versions, its cases and graders."""
    config: dict[str, Any] = {"description": name, "prompts": [
        {"id": f"{name}@v{number}", "label": f"{name} v{number}",
         "raw": json.dumps(_messages(template), ensure_ascii=False, indent=1)} for number, template in versions]}
    if model:
        options = {k: v for k, v in params.as_dict().items() if k != "model"}
        config["providers"] = [{"id": f"openai:chat:{model}", **({"config": options} if options else {})}]
    shared = [one for g in graders if not _per_case(g) for one in [_assert(g, None)] if one]
    if shared:
        config["defaultTest"] = {"assert": shared}
    tests = []
    for case in cases:
        test: dict[str, Any] = {"description": case.id, "vars": dict(case.variables)}
        asserts = [one for g in graders if _per_case(g) for one in [_assert(g, case)] if one]
        if case.expected and not any(g.kind in ("exact", "contains", "json_match", "numeric") for g in graders):
            asserts.append({"type": "equals", "value": case.expected})     # keep the expected output anyway
        if asserts:
            test["assert"] = asserts
        tests.append(test)
    config["tests"] = tests
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100)


def _template(raw: Any, where: str, imported: Imported) -> Template | None:
    if not isinstance(raw, str):
        imported.skipped.append(f"{where}: not a prompt's text")
        return None
    if raw.startswith("file://"):
        imported.skipped.append(f"{where}: a file reference ({raw[:80]}) cannot be read here")
        return None
    try:
        messages = json.loads(raw)
    except ValueError:
        return Template("", raw)
    if not (isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages)):
        return Template("", raw)
    system = "\n\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    turns = [m for m in messages if m.get("role") in ("user", "assistant")]
    if not turns or turns[-1].get("role") != "user":
        imported.skipped.append(f"{where}: a chat that does not end with a user message")
        return None
    pairs = sum(1 for u, a in zip(turns[:-1:2], turns[1:-1:2], strict=False) if a.get("role") == "assistant")
    if pairs:
        imported.skipped.append(f"{where}: {pairs} few-shot example turn(s) left out (the studio keeps an example as "
                                "variables and an output: add them on the prompt's page)")
    return Template(system, str(turns[-1].get("content", "")))


def _grader(one: Any, where: str, imported: Imported) -> tuple[Grader | None, str, str]:
    """(grader, expected, criteria) of one assert."""
    if not isinstance(one, dict) or not isinstance(one.get("type"), str):
        imported.skipped.append(f"{where}: not an assert")
        return None, "", ""
    kind, value, weight = one["type"], one.get("value"), float(one.get("weight", 1) or 1)
    text = value if isinstance(value, str) else ""
    if kind == "equals":
        return Grader("exact", weight=weight), text, ""
    if kind in ("contains", "icontains"):
        return Grader("contains", ignore_case=kind == "icontains", weight=weight), text, ""
    if kind == "regex":
        return Grader("regex", text, weight=weight), "", ""
    if kind == "is-json":
        schema = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else ""
        return (Grader("json_schema", schema, weight=weight) if schema else None), "", ""
    if kind == "llm-rubric":
        return Grader("judge", weight=weight), "", text
    if kind == "javascript" and one.get("metric") == "json_match":
        found = text.split("const e = ", 1)[-1].split("; let o;", 1)[0]
        return Grader("json_match", weight=weight), found, ""
    if kind == "javascript" and one.get("metric") == "numeric":
        expected = text.split("parseFloat(m[0]) - (", 1)[-1].split(")", 1)[0]
        tolerance = text.rsplit("<= ", 1)[-1].rstrip(";")
        return Grader("numeric", tolerance=float(tolerance), weight=weight), expected, ""
    imported.skipped.append(f"{where}: assert type {kind} has no grader here")
    return None, "", ""


def import_yaml(data: bytes | str) -> Imported:
    """A promptfoo config's prompts, tests and asserts (refused naming where the YAML is wrong)."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_YAML_BYTES:
        raise PromptInvalid("prompt_yaml.too_big", "file", most="2 MB")
    try:
        config = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise PromptInvalid("prompt_yaml.unreadable", "file", line=(line or 0) + 1) from None
    if not isinstance(config, dict):
        raise PromptInvalid("prompt_yaml.not_config", "file")
    imported = Imported(description=str(config.get("description") or ""))
    prompts = config.get("prompts") or []
    for index, entry in enumerate(prompts if isinstance(prompts, list) else [prompts]):
        template = _template(entry.get("raw") if isinstance(entry, dict) else entry, f"prompts[{index}]", imported)
        if template is not None:
            imported.templates.append(check_template(template))
    graders: dict[str, Grader] = {}
    default = config.get("defaultTest") or {}
    for index, one in enumerate(default.get("assert") or [] if isinstance(default, dict) else []):
        grader, _, _ = _grader(one, f"defaultTest.assert[{index}]", imported)
        if grader is not None:
            graders.setdefault(json.dumps(grader.__dict__, sort_keys=True), grader)
    for index, test in enumerate(config.get("tests") or []):
        where = f"tests[{index}]"
        if not isinstance(test, dict):
            imported.skipped.append(f"{where}: not a test")
            continue
        values = test.get("vars") or {}
        if not isinstance(values, dict):
            raise PromptInvalid("prompt_yaml.vars", f"{where}.vars")
        expected = criteria = ""
        for number, one in enumerate(test.get("assert") or []):
            grader, said, rubric = _grader(one, f"{where}.assert[{number}]", imported)
            expected, criteria = expected or said, criteria or rubric
            if grader is not None:
                graders.setdefault(json.dumps(grader.__dict__, sort_keys=True), grader)
        variables = {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in values.items()}
        imported.cases.append(with_id(Case(variables, expected, criteria)))
    imported.graders = [check_grader(g, f"graders[{i}]") for i, g in enumerate(graders.values())]
    return imported
