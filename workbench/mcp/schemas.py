"""A tool's JSON Schema (MCP ``Tool.input_schema``, a dict): what ``forms`` and ``functions`` share, and the check
of a tool's arguments against it before every call.

    check_arguments(tool.input_schema, {"timezone": "Asia/Shanghai"})     # None, or raises McpInvalid

``check_arguments`` validates with ``jsonschema`` against the ORIGINAL schema (the dialect its ``$schema`` names,
else Draft 2020-12, the MCP default); local ``$ref`` are resolved, nothing is fetched (a reference outside the
schema is refused). ``format`` is an annotation, as Draft 2020-12 says: not checked. A refusal's ``field`` is the
JSON path of the bad value (``filters[0].name``) and its words, en and zh, come from ``messages/mcp_tools.py``.

The helpers (``resolve``, ``split_null``, ``merge_all_of``, ``json_path``) are pure functions over plain dicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError, relevance
from referencing import Registry
from referencing.exceptions import Unresolvable

from workbench.messages import MESSAGES

from .errors import McpInvalid

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_MISSING = object()


def json_path(parent: str, key: str | int) -> str:
    """``parent`` and one step: ``json_path("filters", 0)`` is ``filters[0]``, ``json_path("filters[0]", "name")``
    is ``filters[0].name``; a key that is not a plain name is quoted (``a["b c"]``)."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def ref_name(ref: str) -> str:
    """The last part of a reference, as a label: ``#/$defs/Filter`` is ``Filter``."""
    return unquote(ref.rstrip("/").rsplit("/", 1)[-1]).replace("~1", "/").replace("~0", "~")


def pointer(root: Any, ref: str) -> Any:
    """What the local reference ``ref`` (``#``, ``#/$defs/Filter``, ``#/definitions/a~1b``) points to in ``root``;
    ``None`` for a reference outside the schema, an anchor, or one that points at nothing."""
    if not isinstance(ref, str) or not ref.startswith("#") or (len(ref) > 1 and not ref.startswith("#/")):
        return None
    target = root
    for token in ref[2:].split("/") if len(ref) > 1 else ():
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            return None
    return target


@dataclass(frozen=True)
class Resolved:
    """A schema with its ``$ref`` followed: ``schema`` (the target with the referring schema's other keywords on
    top), ``refs`` (every reference followed to get here, outermost first), and, when it could not be followed,
    ``problem`` ("recursive": the reference is being expanded already; "unresolvable": not in the schema) and
    ``ref``."""

    schema: Any
    refs: tuple[str, ...]
    problem: str | None = None
    ref: str | None = None


def resolve(root: Mapping, schema: Any, refs: tuple[str, ...] = ()) -> Resolved:
    """``schema`` with its (chain of) local ``$ref`` followed; ``refs`` are the references already being expanded
    above it (a cycle is reported, never followed)."""
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in refs:
            return Resolved(schema, refs, "recursive", ref)
        target = pointer(root, ref)
        if not isinstance(target, Mapping | bool):
            return Resolved(schema, refs, "unresolvable", ref)
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        if isinstance(target, bool):
            if siblings:
                return Resolved(schema, refs, "unresolvable", ref)
            return Resolved(target, (*refs, ref))
        schema, refs = {**target, **siblings}, (*refs, ref)
    return Resolved(schema, refs)


def is_null(schema: Any) -> bool:
    """Whether ``schema`` allows only null (``{"type": "null"}``, ``{"const": null}``, ``{"enum": [null]}``)."""
    return isinstance(schema, Mapping) and (schema.get("type") == "null" or schema.get("enum") == [None]
                                            or ("const" in schema and schema["const"] is None))


def split_null(schema: Mapping) -> tuple[dict[str, Any], bool]:
    """``schema`` without its "or null", and whether it had one: ``type: ["string", "null"]``, ``anyOf`` /
    ``oneOf`` with a null branch (one branch left: that branch, the outer title, description and default on top),
    ``enum`` with null among other values. A schema that is only null stays as it is."""
    schema, nullable = dict(schema), False
    kinds = schema.get("type")
    if isinstance(kinds, list) and "null" in kinds and len(kinds) > 1:
        rest = [kind for kind in kinds if kind != "null"]
        schema["type"], nullable = rest[0] if len(rest) == 1 else rest, True
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and len(branches) > 1 and any(is_null(branch) for branch in branches):
            rest = [branch for branch in branches if not is_null(branch)]
            if not rest:
                continue
            nullable = True
            if len(rest) > 1:
                schema[key] = rest
            elif isinstance(rest[0], Mapping):
                del schema[key]
                schema = {**rest[0], **schema}
            else:
                schema[key] = rest
    enum = schema.get("enum")
    if isinstance(enum, list) and None in enum and len(enum) > 1:
        schema["enum"], nullable = [value for value in enum if value is not None], True
    return schema, nullable


_LISTS_UNITED = ("required",)
_FIRST_WORDS = ("title", "description", "default", "examples", "$comment")


def merge_all_of(schema: Mapping, parts: Sequence[Mapping]) -> tuple[dict[str, Any], list[str]]:
    """``schema`` (without ``allOf``) and its ``allOf`` ``parts`` (references already followed) as one schema, and
    the keywords on which they disagree (the first value is kept). ``properties`` are united, ``required`` too; the
    outer schema's own words (title, description, default) come first."""
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    conflicts: list[str] = []
    for part in parts:
        for key, value in part.items():
            if key not in merged:
                merged[key] = dict(value) if key == "properties" and isinstance(value, Mapping) else value
            elif key == "properties" and isinstance(value, Mapping) and isinstance(merged[key], Mapping):
                for name, sub in value.items():
                    if name not in merged[key]:
                        merged[key][name] = sub
                    elif merged[key][name] != sub:
                        conflicts.append(f"properties.{name}")
            elif key in _LISTS_UNITED and isinstance(value, list) and isinstance(merged[key], list):
                merged[key] = list(dict.fromkeys([*merged[key], *value]))
            elif key not in _FIRST_WORDS and merged[key] != value:
                conflicts.append(key)
    return merged, conflicts


# --- the check before a call -------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _validator(text: str) -> Any:
    """The validator of a schema (given as its JSON text, so it can be cached): its dialect's, no remote fetches."""
    schema = json.loads(text)
    cls = validators.validator_for(schema, default=Draft202012Validator) if isinstance(schema, dict) \
        else Draft202012Validator
    try:
        cls.check_schema(schema)
    except SchemaError as error:
        raise McpInvalid("tool_args.schema_broken", None, where=_schema_place(error.absolute_path)) from None
    return cls(schema, registry=Registry())


def _schema_place(path: Sequence[Any]) -> str:
    return "/".join(str(part) for part in ("#", *path))


def check_arguments(schema: Mapping[str, Any] | bool, arguments: Any) -> None:
    """Refuse ``arguments`` that the tool's ``schema`` does not allow: an ``McpInvalid`` whose ``field`` is the JSON
    path of the worst bad value (``filters[0].name``; "" for the arguments as a whole) and whose words say what is
    wrong with it, en and zh. A schema that is not valid JSON Schema, or that refers outside itself, is refused too
    (``tool_args.schema_broken`` / ``tool_args.unresolvable``, no field): its arguments cannot be checked."""
    validator = _validator(json.dumps(schema, sort_keys=True, ensure_ascii=False))
    try:
        errors = list(validator.iter_errors(arguments))
    except Unresolvable as unresolvable:
        raise McpInvalid("tool_args.unresolvable", None, ref=getattr(unresolvable, "ref", "?")) from None
    if errors:
        raise refusal(max(errors, key=relevance))


def path_words(path: str) -> Any:
    """A JSON path as a message names it: the path itself, or "the arguments" (en/zh) for the root."""
    return path or MESSAGES.message("tool_args.the_arguments")


def _type_words(kinds: Any) -> Any:
    """A type (or list of types) in words, as a ``Message``: "text", "a number or empty (null)"."""
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    words = [MESSAGES.message(f"tool_type.{kind}") if f"tool_type.{kind}" in MESSAGES else str(kind)
             for kind in kinds]
    said = words[-1]
    for word in reversed(words[:-1]):
        said = MESSAGES.message("tool_type.either", first=word, second=said)
    return said


def _listed(values: Any) -> str:
    return ", ".join(json.dumps(value, ensure_ascii=False) for value in values)


_BOUNDS = {"minimum": "tool_args.minimum", "maximum": "tool_args.maximum",
           "exclusiveMinimum": "tool_args.exclusive_minimum", "exclusiveMaximum": "tool_args.exclusive_maximum",
           "multipleOf": "tool_args.multiple_of", "minLength": "tool_args.min_length",
           "maxLength": "tool_args.max_length", "minItems": "tool_args.min_items", "maxItems": "tool_args.max_items",
           "minProperties": "tool_args.min_properties", "maxProperties": "tool_args.max_properties"}


def _extras(error: ValidationError) -> list[str]:
    """The properties of the bad object that its schema does not allow (``additionalProperties: false``)."""
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = schema.get("properties", {}) if isinstance(schema.get("properties"), Mapping) else {}
    patterns = [re.compile(p) for p in schema.get("patternProperties", {}) if isinstance(p, str)] \
        if isinstance(schema.get("patternProperties"), Mapping) else []
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return [key for key in instance if key not in known and not any(p.search(key) for p in patterns)]


def _branch_meant(error: ValidationError) -> ValidationError | None:
    """The worst error of the one alternative of an ``anyOf`` / ``oneOf`` the value was meant for: the only one
    whose type fits and whose constants (a union's ``kind``) match. None when that is not one alternative."""
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    meant = [errors for errors in by_branch.values()
             if not any(e.validator == "type" and not e.relative_path for e in errors)
             and not any(e.validator in ("const", "enum") and len(e.relative_path) <= 1 for e in errors)]
    if len(meant) != 1 or len(by_branch) < 2:
        return None
    return max(meant[0], key=relevance)


def refusal(error: ValidationError) -> McpInvalid:
    """A ``jsonschema`` error as the hub's refusal: the JSON path of the bad value and the rule, in words of our
    own (jsonschema's English message is never shown)."""
    path = ""
    for step in error.absolute_path:
        path = json_path(path, step)
    keyword, value = error.validator, error.validator_value
    if keyword in ("anyOf", "oneOf") and error.context:
        branch = _branch_meant(error)
        if branch is not None:
            return refusal(branch)
        own = [e for e in error.context if not e.relative_path]
        if len(own) == len(error.context) and all(e.validator == "type" for e in own):
            kinds = [e.validator_value for e in own]
            keyword, value = "type", [k for kind in kinds for k in ([kind] if isinstance(kind, str) else kind)]
        elif len(own) == len(error.context) and all(e.validator in ("const", "enum") for e in own):
            keyword = "enum"
            value = [v for e in own for v in ([e.validator_value] if e.validator == "const" else e.validator_value)]
    if keyword == "required":
        missing = [name for name in value if isinstance(error.instance, Mapping) and name not in error.instance]
        field = json_path(path, missing[0]) if missing else path
        return McpInvalid("tool_args.required", field, name=path_words(field))
    if keyword in ("additionalProperties", "unevaluatedProperties") or keyword is None:    # None: a false schema
        extras = _extras(error) if keyword is not None else []
        field = json_path(path, extras[0]) if extras else path
        return McpInvalid("tool_args.extra", field, name=path_words(field))
    name = path_words(path)
    if keyword == "type":
        return McpInvalid("tool_args.type", path, name=name, expected=_type_words(value))
    if keyword == "enum":
        return McpInvalid("tool_args.enum", path, name=name, options=_listed(value))
    if keyword == "const":
        return McpInvalid("tool_args.const", path, name=name, value=json.dumps(value, ensure_ascii=False))
    if keyword in _BOUNDS:
        return McpInvalid(_BOUNDS[keyword], path, name=name, limit=value)
    if keyword == "pattern":
        return McpInvalid("tool_args.pattern", path, name=name, pattern=value)
    if keyword == "uniqueItems":
        return McpInvalid("tool_args.unique_items", path, name=name)
    if keyword in ("anyOf", "oneOf"):
        many = keyword == "oneOf" and not error.context
        return McpInvalid("tool_args.one_of" if many else "tool_args.any_of", path, name=name)
    if keyword == "not":
        return McpInvalid("tool_args.not", path, name=name)
    return McpInvalid("tool_args.invalid", path, name=name, keyword=str(keyword))
