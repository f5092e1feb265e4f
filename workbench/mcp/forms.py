"""The form a page renders for an MCP tool, from its JSON Schema (``arguments.py`` reads what is typed into it).

    form = form_of(tool.input_schema)
    for field in form.fields: ...                  # TextField, NumberField, ChoiceField, ArrayField, ObjectField, ...

``form_of`` never drops a property: what it cannot render as a control (``not``, ``if``, ``patternProperties``, a
map that is only ``additionalProperties``, a reference outside the schema or a cycle of references, tuples...)
becomes a ``RawJsonField`` (JSON typed in a text box) that says why. ``anyOf`` / ``oneOf`` become a
``BranchesField`` (pick a branch, then fill it in), except ``[X, null]`` which is an optional X (``nullable``);
local ``$ref`` / ``$defs`` / ``definitions`` are followed.

Paths. Every field has the ``path`` its value is entered under: ``filters`` , ``filters[].name`` (``[]``: the page
puts the entry's index there, ``filters[0].name``), ``value@1`` (the second branch of ``value``; the branch picked
is entered under ``value`` itself, as its index or label). ``entry_path("filters[].name", 0)`` fills the indexes
in; without branches a path is the JSON path of the value (``filters[0].name``), as ``check_arguments`` names it.

``arguments.arguments_of(form, values)`` turns what was typed in back into the tool's arguments.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .schemas import is_null, json_path, merge_all_of, ref_name, resolve, split_null

MAX_DEPTH = 12                      # nested objects/arrays/branches deeper than this are one raw-JSON field
# what a control cannot express: the field is typed in as JSON (the tool's schema still checks it)
UNRENDERED = ("not", "if", "patternProperties", "dependentSchemas", "prefixItems", "$dynamicRef", "$recursiveRef")


@dataclass(frozen=True, kw_only=True)
class Field:
    """One value to enter. ``name``: its property name ("" for the root, a list's entries and branches);
    ``label``: its title, else its name; ``help``: its description; ``required``: its parent requires it;
    ``nullable``: it may be null (an optional X, from ``[X, null]``); ``default`` (when ``has_default``)."""

    kind: ClassVar[str] = ""
    path: str
    name: str = ""
    label: str = ""
    help: str = ""
    required: bool = False
    nullable: bool = False
    default: Any = None
    has_default: bool = False
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TextField(Field):
    """Text; ``format`` (date, date-time, email, uri...), ``pattern``, ``min_length``, ``max_length``."""

    kind: ClassVar[str] = "string"
    format: str | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class NumberField(Field):
    """A number within ``minimum`` .. ``maximum`` (``exclusive_*``: the bound itself is not allowed)."""

    kind: ClassVar[str] = "number"
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    multiple_of: float | None = None


@dataclass(frozen=True, kw_only=True)
class IntegerField(NumberField):
    """A whole number."""

    kind: ClassVar[str] = "integer"


@dataclass(frozen=True, kw_only=True)
class BooleanField(Field):
    """True or false (a checkbox)."""

    kind: ClassVar[str] = "boolean"


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    """One of ``options`` (``enum``; a ``const`` is a choice of one), each shown as its ``labels`` entry (a
    branch's title for ``oneOf`` of titled constants, else the value itself)."""

    kind: ClassVar[str] = "enum"
    options: tuple[Any, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ArrayField(Field):
    """A list of ``items`` (a field whose path ends in ``[]``; also objects, lists, branches)."""

    kind: ClassVar[str] = "array"
    items: Field
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False


@dataclass(frozen=True, kw_only=True)
class ObjectField(Field):
    """An object of ``fields``; ``extra``: more properties as one JSON object (``additionalProperties`` beside
    ``properties``), entered under ``<path>.*``."""

    kind: ClassVar[str] = "object"
    fields: tuple[Field, ...] = ()
    extra: RawJsonField | None = None


@dataclass(frozen=True)
class Branch:
    """One alternative of an ``anyOf`` / ``oneOf``: ``label`` (its title, its ``$defs`` name, else its type) and
    the ``field`` to fill in when it is picked."""

    label: str
    field: Field


@dataclass(frozen=True, kw_only=True)
class BranchesField(Field):
    """A choice of ``branches`` (``anyOf`` / ``oneOf``, or a list of types): the index or label of the branch picked
    is entered under ``path``, the branch's own value under its field's path (``<path>@<index>``)."""

    kind: ClassVar[str] = "branches"
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RawJsonField(Field):
    """A value typed in as JSON, for what no control can express; ``reason`` says why (``not``, ``if``,
    ``patternProperties``, "map", "free-form", "any", "recursive", "unresolvable", "tuple", "too deep"...) and
    ``schema`` is the part of the tool's schema it must fit (to show beside the box)."""

    kind: ClassVar[str] = "json"
    reason: str = ""
    schema: Any = None


@dataclass(frozen=True)
class Form:
    """A tool's form: the ``root`` field (an ``ObjectField`` for an ordinary tool) and the ``schema`` it came from."""

    root: Field
    schema: Any

    @property
    def fields(self) -> tuple[Field, ...]:
        """The fields to show at the top: the root object's fields, else the root itself."""
        return self.root.fields if isinstance(self.root, ObjectField) else (self.root,)


def entry_path(path: str, *indexes: int) -> str:
    """``path`` with its ``[]`` filled in by ``indexes``, in order: ``entry_path("a[].b[]", 0, 2)`` is
    ``a[0].b[2]``."""
    for index in indexes:
        path = path.replace("[]", f"[{index}]", 1)
    return path


def form_of(schema: Any) -> Form:
    """The form for a tool's input ``schema`` (a dict, or a boolean schema)."""
    return Form(_Builder(schema).field(schema, path="", name="", required=True, refs=(), depth=0), schema)


_TYPE_OF_KEYWORD = (("properties", "object"), ("additionalProperties", "object"), ("items", "array"),
                    ("minLength", "string"), ("pattern", "string"), ("minimum", "number"), ("maximum", "number"))


class _Builder:
    def __init__(self, root: Any) -> None:
        self.root = root if isinstance(root, Mapping) else {}

    def field(self, schema: Any, *, path: str, name: str, required: bool, refs: tuple[str, ...], depth: int,
              label: str = "", nullable: bool = False) -> Field:
        own_title = schema.get("title") if isinstance(schema, Mapping) else None    # before a $ref's target's
        label = label or str(own_title or "") or name
        common: dict[str, Any] = {"path": path, "name": name, "required": required, "label": label}
        resolved = resolve(self.root, schema, refs)
        if resolved.problem:
            return RawJsonField(**common, reason=resolved.problem, schema=schema)
        schema, followed, refs = resolved.schema, resolved.refs[len(refs):], resolved.refs
        if isinstance(schema, bool) or not isinstance(schema, Mapping):
            return RawJsonField(**common, reason="any" if schema is True or schema == {} else "invalid", schema=schema)
        if isinstance(schema.get("allOf"), list):
            parts = [resolve(self.root, part, refs) for part in schema["allOf"]]
            if any(part.problem or not isinstance(part.schema, Mapping) for part in parts):
                return RawJsonField(**common, reason="allOf", schema=schema)
            schema, conflicts = merge_all_of(schema, [part.schema for part in parts])
            if conflicts:
                return RawJsonField(**common, reason="allOf", schema=schema)
        schema, null = split_null(schema)
        nullable = nullable or null
        if resolve(self.root, schema, refs).refs != refs:      # the one branch left of [X, null] is a reference
            return self.field(schema, path=path, name=name, required=required, refs=refs, depth=depth, label=label,
                              nullable=nullable)
        common.update(nullable=nullable, label=label or schema.get("title") or name or
                      (ref_name(followed[-1]) if followed else ""), help=str(schema.get("description") or ""))
        if "default" in schema:
            common.update(default=schema["default"], has_default=True)
        if isinstance(schema.get("examples"), list):
            common["examples"] = tuple(schema["examples"])
        raw = next((keyword for keyword in UNRENDERED if keyword in schema), None)
        if raw or depth > MAX_DEPTH:
            return RawJsonField(**common, reason=raw or "too deep", schema=schema)
        if "const" in schema:
            return ChoiceField(**common, options=(schema["const"],), labels=(said(schema["const"]),))
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return ChoiceField(**common, options=tuple(schema["enum"]), labels=tuple(map(said, schema["enum"])))
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.branches(schema, key, common, refs, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            if len(kind) != 1:
                return self.typed_branches(schema, kind, common, refs, depth)
            kind = kind[0]
        if kind is None:
            kind = next((kind for keyword, kind in _TYPE_OF_KEYWORD if keyword in schema), None)
        if kind == "string":
            return TextField(**common, format=schema.get("format"), pattern=schema.get("pattern"),
                             min_length=schema.get("minLength"), max_length=schema.get("maxLength"))
        if kind in ("number", "integer"):
            return (IntegerField if kind == "integer" else NumberField)(**common, **_bounds(schema))
        if kind == "boolean":
            return BooleanField(**common)
        if kind == "null":
            return ChoiceField(**common, options=(None,), labels=("null",))
        if kind == "array":
            return self.array(schema, common, refs, depth)
        if kind == "object":
            return self.object(schema, common, refs, depth, root=not path)
        return RawJsonField(**common, reason="any" if kind is None else "invalid", schema=schema)

    def array(self, schema: Mapping, common: dict[str, Any], refs: tuple[str, ...], depth: int) -> Field:
        items = schema.get("items")
        if isinstance(items, list):
            return RawJsonField(**common, reason="tuple", schema=schema)
        if items is None or items is True or items == {}:
            return RawJsonField(**common, reason="any", schema=schema)
        item = self.field(items, path=f"{common['path']}[]", name="", required=True, refs=refs, depth=depth + 1,
                          label="")
        if isinstance(item, RawJsonField):      # a list of JSON values is one JSON list
            return RawJsonField(**common, reason=item.reason, schema=schema)
        return ArrayField(**common, items=item, min_items=schema.get("minItems"), max_items=schema.get("maxItems"),
                          unique_items=bool(schema.get("uniqueItems")))

    def object(self, schema: Mapping, common: dict[str, Any], refs: tuple[str, ...], depth: int,
               root: bool) -> Field:
        properties = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
        more = schema.get("additionalProperties")
        if not properties and not root and more is not False:
            return RawJsonField(**common, reason="map" if isinstance(more, Mapping) and more else "free-form",
                                schema=schema)
        if not properties and root and isinstance(more, Mapping) and more:
            return RawJsonField(**common, reason="map", schema=schema)
        required = set(schema.get("required") or ()) if isinstance(schema.get("required"), list) else set()
        fields = tuple(self.field(sub, path=json_path(common["path"], key), name=key, required=key in required,
                                  refs=refs, depth=depth + 1) for key, sub in properties.items())
        extra = None
        if properties and isinstance(more, Mapping) and more:
            extra = RawJsonField(path=extra_path(common["path"]), name="*", label="*", reason="map",
                                 schema={"type": "object", "additionalProperties": more})
        return ObjectField(**common, fields=fields, extra=extra)

    def branches(self, schema: Mapping, key: str, common: dict[str, Any], refs: tuple[str, ...],
                 depth: int) -> Field:
        rest = {k: v for k, v in schema.items() if k not in (key, "title", "description", "default", "examples")}
        alternatives = [resolve(self.root, branch, refs) for branch in schema[key]]
        if all(not alt.problem and _one_value(alt.schema) for alt in alternatives):    # titled constants: a choice
            options = tuple(_one_value(alt.schema)[0] for alt in alternatives)
            labels = tuple(str(alt.schema.get("title") or said(option))
                           for alt, option in zip(alternatives, options, strict=True))
            return ChoiceField(**common, options=options, labels=labels)
        if all(not alt.problem and isinstance(alt.schema, Mapping) and not set(alt.schema) & _SHAPES
               for alt in alternatives) and set(rest) & _SHAPES:
            # constraints only (e.g. anyOf of "required" lists): the form is the schema around them
            return self.field({k: v for k, v in schema.items() if k != key}, path=common["path"], name=common["name"],
                              required=common["required"], refs=refs, depth=depth, label=common["label"])
        branches, labels = [], []
        for index, (branch, alt) in enumerate(zip(schema[key], alternatives, strict=True)):
            body = branch if alt.problem or not isinstance(alt.schema, Mapping) else merge_all_of(alt.schema, [rest])[0]
            label = _branch_label(branch, alt.schema, index)
            labels.append(label if label not in labels else f"{label} ({index + 1})")
            field = self.field(body, path=f"{common['path']}@{index}", name=common["name"], required=True, refs=refs,
                               depth=depth + 1, label=labels[-1])
            branches.append(Branch(labels[-1], field))
        return BranchesField(**common, branches=tuple(branches))

    def typed_branches(self, schema: Mapping, kinds: list[Any], common: dict[str, Any], refs: tuple[str, ...],
                       depth: int) -> Field:
        if not kinds:
            return RawJsonField(**common, reason="invalid", schema=schema)
        fields = [self.field({**schema, "type": kind}, path=f"{common['path']}@{index}", name=common["name"],
                             required=True, refs=refs, depth=depth + 1, label=str(kind))
                  for index, kind in enumerate(kinds)]
        branches = tuple(Branch(str(kind), field) for kind, field in zip(kinds, fields, strict=True))
        return BranchesField(**common, branches=branches)


_SHAPES = {"type", "properties", "items", "enum", "const", "$ref", "anyOf", "oneOf", "allOf", "additionalProperties"}


def _one_value(schema: Any) -> list[Any]:
    """``[value]`` for a schema that allows one value only (``const``, a one-value ``enum``), else ``[]``."""
    if isinstance(schema, Mapping) and "const" in schema:
        return [schema["const"]]
    if isinstance(schema, Mapping) and isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
        return list(schema["enum"])
    return []


def extra_path(path: str) -> str:
    """Where an object's ``extra`` properties (one JSON object) are entered: ``<path>.*``, ``*`` at the root."""
    return f"{path}.*" if path else "*"


def said(value: Any) -> str:
    """A value as a choice shows it: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _branch_label(branch: Any, resolved: Any, index: int) -> str:
    """A branch's title, its ``$defs`` name, the constant that tells it apart (``kind: {const: "email"}``, a
    discriminated union), else its type."""
    if isinstance(resolved, Mapping) and resolved.get("title"):
        return str(resolved["title"])
    if isinstance(branch, Mapping) and isinstance(branch.get("$ref"), str):
        return ref_name(branch["$ref"])
    properties = resolved.get("properties") if isinstance(resolved, Mapping) else None
    for sub in properties.values() if isinstance(properties, Mapping) else ():
        if _one_value(sub):
            return said(_one_value(sub)[0])
    if isinstance(resolved, Mapping):
        kind = resolved.get("type")
        if isinstance(kind, str):
            return kind
        if is_null(resolved):
            return "null"
    return f"#{index + 1}"


def _bounds(schema: Mapping) -> dict[str, Any]:
    low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    bounds = {"minimum": schema.get("minimum"), "maximum": schema.get("maximum"),
              "multiple_of": schema.get("multipleOf"), "exclusive_minimum": low if _is_number(low) else None,
              "exclusive_maximum": high if _is_number(high) else None}
    if low is True:                     # draft-04: a flag on minimum
        bounds["exclusive_minimum"], bounds["minimum"] = bounds["minimum"], None
    if high is True:
        bounds["exclusive_maximum"], bounds["maximum"] = bounds["maximum"], None
    return bounds


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
