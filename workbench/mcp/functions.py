"""An MCP tool as a function a chat model can call (OpenAI ``tools``), and back.

    names = FunctionNames([("time", "get_current_time"), ("git", "git_status")])
    entry = function_of("time", "get_current_time", tool.description, tool.input_schema,
                        name=names.name("time", "get_current_time"))
    client.chat.completions.create(..., tools=[entry])             # entry is the OpenAI dict itself
    entry.changes                                                   # what the translation changed, and why
    server, tool = names.tool("time__get_current_time")             # the model's call, back to its tool
    arguments = entry.tool_arguments(call_arguments)                # unwrapped if the root was wrapped

Names match ``^[a-zA-Z0-9_-]{1,64}$``, are namespaced per server (``time__get_current_time``) and stable; a name that
had to be changed (other characters, too long, a ``__`` of its own) ends in a hash of the server and tool names,
and ``FunctionNames`` gives two tools that would share a name each a hashed one.

The schema is translated into what chat models and OpenAI-compatible servers accept: local ``$ref`` inlined (a
cycle cut), ``[X, null]`` flattened to an optional X, ``oneOf`` as ``anyOf``, ``const`` as a one-value ``enum``, a
list of types as ``anyOf``, ``allOf`` merged, a root that is not an object merged or wrapped, and keywords outside
``KEPT`` left out. Nothing is left out silently: every change is a ``Change`` (its words, en and zh, in
``messages/mcp_tools.py``). The arguments a model gives are checked against the tool's ORIGINAL schema
(``schemas.check_arguments``) before the call, so what the translation loosened is still enforced.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.messages import Message
from workbench.messages import MESSAGES

from .schemas import is_null, json_path, merge_all_of, resolve, split_null

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
WRAPPER = "input"               # the property a root that is not an object is given as
# the tool's description, marked as its own words (data from the server, not instructions)
TOOL_DESCRIPTION = 'Tool "{tool}" of MCP server "{server}". Its own description: {text}'
TOOL_WITHOUT_DESCRIPTION = 'Tool "{tool}" of MCP server "{server}".'
# the keywords chat models and OpenAI-compatible servers accept in function parameters; the rest is left out
KEPT = frozenset({"type", "properties", "required", "items", "enum", "anyOf", "description", "title", "default",
                  "minimum", "maximum", "minLength", "maxLength", "pattern", "format", "minItems", "maxItems",
                  "additionalProperties"})
# keywords that only describe (left out as such): the dialect, ids, comments, vendor extensions ("x-...")
ANNOTATIONS = frozenset({"$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$vocabulary", "examples",
                         "readOnly", "writeOnly", "deprecated", "contentMediaType", "contentEncoding"})
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
SLUG_CHARS = 20                 # a server's part of a function name


def _hash(server: str, tool: str, digits: int = 8) -> str:
    return hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:digits]


def _hashed(server: str, tool: str, digits: int = 8) -> str:
    base = f"{_UNSAFE.sub('_', server) or '_'}__{_UNSAFE.sub('_', tool) or '_'}"
    return f"{base[:MAX_NAME - digits - 1]}_{_hash(server, tool, digits)}"


def function_name(server: str, tool: str) -> str:
    """The function name of ``tool`` of ``server``: ``server__tool`` when both are made of ``[a-zA-Z0-9_-]``, have
    no ``__`` of their own and fit 64 characters; else the same with the other characters as ``_``, cut, and a
    hash of both names (``_1a2b3c4d``) at the end. Stable: the same names give the same function name."""
    plain = f"{server}__{tool}"
    if server and tool and "__" not in server and "__" not in tool and NAME.match(plain):
        return plain
    return _hashed(server, tool)


def server_slugs(entries: Iterable[Any]) -> dict[str, str]:
    """Entry id -> the server's part of its function names: its English title (else its name's last part) in small
    letters, digits and "-", at most ``SLUG_CHARS``; made unique with "-2", "-3"."""
    out: dict[str, str] = {}
    for entry in entries:
        if entry.id in out:
            continue
        base = ""
        for text in (entry.listing("en").title, entry.name.rsplit("/", 1)[-1]):
            base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:SLUG_CHARS].strip("-")
            if len(base) >= 2:
                break
        base, slug, n = base or "mcp", base or "mcp", 1
        while slug in out.values():
            n += 1
            slug = f"{base}-{n}"
        out[entry.id] = slug
    return out


class FunctionNames:
    """The function names of the tools given to a model at once: unique (two tools that ``function_name`` would
    give one name each get a hashed one), and the way back from a name the model calls to its server and tool."""

    def __init__(self, tools: Iterable[tuple[str, str]]) -> None:
        pairs = list(dict.fromkeys(tools))
        names = {pair: function_name(*pair) for pair in pairs}
        for digits in (8, 16, 64):
            shared = {name for name, count in Counter(names.values()).items() if count > 1}
            if not shared:
                break
            names = {pair: _hashed(*pair, digits) if name in shared else name for pair, name in names.items()}
        self._names = names
        self._tools = {name: pair for pair, name in names.items()}

    def name(self, server: str, tool: str) -> str:
        """The function name of a tool given to the constructor (KeyError for another)."""
        return self._names[(server, tool)]

    def tool(self, name: str) -> tuple[str, str] | None:
        """The (server, tool) a function name stands for; None for a name that is none of ours."""
        return self._tools.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)


@dataclass(frozen=True)
class Change:
    """One thing the translation of a tool's schema changed or left out: ``code`` (``schema_change.<code>`` in
    the messages), the ``keyword`` concerned, and the ``places`` (argument paths, ``$`` the root; ``[]`` any
    entry of a list, ``@1`` a branch)."""

    code: str
    keyword: str
    places: tuple[str, ...]

    @property
    def message(self) -> Message:
        """What changed and why, to say in en or zh (``change.message.text("zh")``)."""
        return MESSAGES.message(f"schema_change.{self.code}", keyword=self.keyword, places=", ".join(self.places))

    def __str__(self) -> str:
        return self.message.text("en")


class FunctionEntry(dict):
    """The OpenAI ``tools`` entry (this dict: ``{"type": "function", "function": {...}}``), and beside it what it
    stands for: ``server``, ``tool``, ``changes`` (what the translation changed, and why), ``wrapped`` (the
    property the root was wrapped in, or None) and ``nulls`` (the required "[X, null]" properties a model is told
    it may leave out, as keys from the root; "[]" is every entry of a list)."""

    def __init__(self, entry: dict[str, Any], *, server: str, tool: str, changes: tuple[Change, ...],
                 wrapped: str | None = None, nulls: tuple[tuple[str, ...], ...] = ()) -> None:
        super().__init__(entry)
        self.server, self.tool, self.changes, self.wrapped, self.nulls = server, tool, changes, wrapped, nulls

    def tool_arguments(self, arguments: Any) -> Any:
        """The tool's arguments from the arguments the model gave: unwrapped when the root was wrapped, and a
        required "[X, null]" the model left out given as null (the model was told it may leave it out)."""
        if self.wrapped is not None and isinstance(arguments, Mapping):
            arguments = arguments.get(self.wrapped)
        if self.nulls:
            arguments = copy.deepcopy(arguments)
            for steps in self.nulls:
                _fill_null(arguments, steps)
        return arguments


def _fill_null(value: Any, steps: tuple[str, ...]) -> None:
    head, rest = steps[0], steps[1:]
    if head == "[]" and isinstance(value, list):
        for item in value:
            _fill_null(item, rest)
    elif head != "[]" and isinstance(value, dict):
        if not rest:
            value.setdefault(head, None)
        elif head in value:
            _fill_null(value[head], rest)


def _null_keyword(schema: Any) -> str:
    """Where a schema says "or null": ``anyOf``, ``oneOf``, ``type`` (a list) or ``enum``."""
    for key in ("anyOf", "oneOf"):
        if isinstance(schema, Mapping) and isinstance(schema.get(key), list) and any(map(is_null, schema[key])):
            return key
    return "type" if isinstance(schema, Mapping) and isinstance(schema.get("type"), list) else "enum"


def _description(server: str, tool: str, text: str | None) -> tuple[str, bool]:
    if not text or not text.strip():
        return TOOL_WITHOUT_DESCRIPTION.format(tool=tool, server=server), False
    room = MAX_DESCRIPTION - len(TOOL_DESCRIPTION.format(tool=tool, server=server, text=""))
    cut = len(text) > room
    return TOOL_DESCRIPTION.format(tool=tool, server=server, text=text[:max(room - 1, 0)] + "…" if cut else text), cut


def function_of(server: str, tool: str, description: str | None, schema: Any, *,
                name: str | None = None) -> FunctionEntry:
    """The OpenAI ``tools`` entry of ``tool`` of ``server``: ``{"type": "function", "function": {"name",
    "description", "parameters"}}``, the description marked as the tool's own words and cut to 1024 characters,
    the parameters translated (``parameters_of``). ``name``: the name from ``FunctionNames`` when several tools go
    to the model together (else ``function_name``)."""
    parameters, changes, wrapped, nulls = _translate(schema)
    said, cut = _description(server, tool, description)
    if cut:
        changes = (*changes, Change("description_cut", str(MAX_DESCRIPTION), ("description",)))
    entry = {"type": "function", "function": {"name": name or function_name(server, tool), "description": said,
                                              "parameters": parameters}}
    return FunctionEntry(entry, server=server, tool=tool, changes=changes, wrapped=wrapped, nulls=nulls)


def parameters_of(schema: Any) -> tuple[dict[str, Any], tuple[Change, ...]]:
    """A tool's input ``schema`` as a function's ``parameters`` (an object schema without ``$ref``), and what was
    changed or left out to get it."""
    parameters, changes, _, _ = _translate(schema)
    return parameters, changes


def _translate(schema: Any) -> tuple[dict[str, Any], tuple[Change, ...], str | None, tuple[tuple[str, ...], ...]]:
    translator = _Translator(schema if isinstance(schema, Mapping) else {})
    out, _ = translator.node(schema, "$", ())
    wrapped = None
    if out.get("type") != "object" or "anyOf" in out:
        branches = out.get("anyOf")
        objects = isinstance(branches, list) and out.get("type") in ("object", None) and all(
            isinstance(b, Mapping) and b.get("type") in ("object", None) and not {"enum", "items"} & set(b)
            for b in branches)          # alternatives that are objects, or only say what an object requires
        if objects:
            out = translator.merge_root(out, branches)
        elif out.get("type") is None and not branches and "enum" not in out:
            translator.record("root_typed", "type", "$")
            out = {**out, "type": "object"}
        else:
            translator.record("root_wrapped", WRAPPER, "$")
            out, wrapped = {"type": "object", "properties": {WRAPPER: out}, "required": [WRAPPER]}, WRAPPER
    out.setdefault("properties", {})
    return out, translator.changes(), wrapped, tuple(translator.nulls)


class _Translator:
    def __init__(self, root: Mapping) -> None:
        self.root = root
        self._changes: dict[tuple[str, str], list[str]] = {}
        self.nulls: list[tuple[str, ...]] = []      # required "[X, null]" properties the model is told to leave out

    def record(self, code: str, keyword: str, place: str) -> None:
        places = self._changes.setdefault((code, keyword), [])
        if place not in places:
            places.append(place)

    def changes(self) -> tuple[Change, ...]:
        return tuple(Change(code, keyword, tuple(places)) for (code, keyword), places in self._changes.items())

    def node(self, schema: Any, place: str, refs: tuple[str, ...],
             steps: tuple[str, ...] | None = ()) -> tuple[dict[str, Any], bool]:
        """``schema`` translated, and whether it allowed null (taken out: the caller makes it not required).
        ``steps``: the keys to it from the root ("[]" any entry of a list; None inside a branch)."""
        resolved = resolve(self.root, schema, refs)
        if resolved.refs != refs:
            self.record("ref_inlined", "$ref", place)
        if resolved.problem:
            target = resolve(self.root, {"$ref": resolved.ref}).schema if resolved.problem == "recursive" else None
            kind = target.get("type") if isinstance(target, Mapping) else None
            self.record(f"ref_{resolved.problem}", str(resolved.ref), place)
            out: dict[str, Any] = {"type": kind} if isinstance(kind, str) else {}
            if isinstance(schema, Mapping) and isinstance(schema.get("description"), str):
                out["description"] = self.description(schema["description"], place)
            return out, False
        schema, refs = resolved.schema, resolved.refs
        if schema is True or not isinstance(schema, Mapping):
            return {}, False
        if isinstance(schema.get("allOf"), list):
            parts = [resolve(self.root, part, refs) for part in schema["allOf"]]
            usable = [part.schema for part in parts if not part.problem and isinstance(part.schema, Mapping)]
            schema, conflicts = merge_all_of(schema, usable)
            self.record("all_of", "allOf", place)
            for keyword in conflicts:
                self.record("all_of_conflict", keyword, place)
        keyword = _null_keyword(schema)
        schema, nullable = split_null(schema)
        if nullable:
            self.record("nullable", keyword, place)
            if "default" in schema and schema["default"] is None:      # goes with the null taken out
                self.record("null_default", "default", place)
                schema = {key: value for key, value in schema.items() if key != "default"}
        if resolve(self.root, schema, refs).refs != refs:        # the one branch left of [X, null] is a reference
            out, _ = self.node(schema, place, refs, steps)
            return out, nullable
        return self.keywords(schema, place, refs, steps), nullable

    def keywords(self, schema: Mapping, place: str, refs: tuple[str, ...],
                 steps: tuple[str, ...] | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for keyword, value in schema.items():
            if keyword in ("properties", "required", "items", "anyOf", "oneOf", "additionalProperties", "allOf"):
                continue
            if keyword == "const":
                self.record("const", "const", place)
                out["enum"] = [value]
            elif keyword == "type" and isinstance(value, list):
                if len(value) == 1:
                    out["type"] = value[0]
                else:
                    self.record("type_list", "type", place)
                    out["anyOf"] = [{"type": kind} for kind in value]
            elif keyword in ("exclusiveMinimum", "exclusiveMaximum") and schema.get("type") == "integer" \
                    and isinstance(value, int) and not isinstance(value, bool):
                self.record("exclusive_bound", keyword, place)
                bound = "minimum" if keyword == "exclusiveMinimum" else "maximum"
                out[bound] = value + 1 if bound == "minimum" else value - 1
            elif keyword == "description" and isinstance(value, str):
                out["description"] = self.description(value, place)
            elif keyword in KEPT:
                out[keyword] = value
            elif keyword in ANNOTATIONS or keyword.startswith("x-"):
                self.record("annotation", keyword, place)
            elif keyword in ("$defs", "definitions"):
                self.record("defs_inlined", keyword, place)
            else:
                self.record("dropped", keyword, place)
        self.structure(schema, out, place, refs, steps)
        return out

    def structure(self, schema: Mapping, out: dict[str, Any], place: str, refs: tuple[str, ...],
                  steps: tuple[str, ...] | None) -> None:
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            required = [name for name in schema.get("required") or () if isinstance(name, str)]
            out["properties"] = {}
            for key, sub in properties.items():
                where = _place(place, key)
                if sub is False:
                    self.record("never_allowed", "false", where)
                    required = [name for name in required if name != key]
                    continue
                out["properties"][key], nullable = self.node(sub, where, refs,
                                                             None if steps is None else (*steps, key))
                if nullable and key in required:
                    required = [name for name in required if name != key]
                    if steps is not None:       # the model leaves it out; it goes to the tool as null
                        self.nulls.append((*steps, key))
            if required or "required" in schema:
                out["required"] = required
        elif isinstance(schema.get("required"), list):
            out["required"] = list(schema["required"])
        items = schema.get("items")
        if isinstance(items, Mapping | bool):
            out["items"], _ = self.node(items, f"{place}[]", refs, None if steps is None else (*steps, "[]"))
        elif items is not None:
            self.record("dropped", "items", place)
        more = schema.get("additionalProperties")
        if isinstance(more, bool):
            out["additionalProperties"] = more
        elif isinstance(more, Mapping):
            out["additionalProperties"], _ = self.node(more, _place(place, "*"), refs, None)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if not isinstance(branches, list):
                continue
            if key == "oneOf":
                self.record("one_of", "oneOf", place)
            shapes = [self.node(branch, f"{place.removeprefix('$')}@{index}", refs, None)[0]
                      for index, branch in enumerate(branches)
                      if not is_null(branch)]
            if "anyOf" in out:
                out["anyOf"] = [merge_all_of(a, [b])[0] for a in out["anyOf"] for b in shapes]
            else:
                out["anyOf"] = shapes

    def description(self, text: str, place: str) -> str:
        if len(text) <= MAX_DESCRIPTION:
            return text
        self.record("description_cut", str(MAX_DESCRIPTION), place)
        return text[:MAX_DESCRIPTION - 1] + "…"

    def merge_root(self, out: dict[str, Any], branches: list[Mapping]) -> dict[str, Any]:
        """A root ``anyOf`` of objects as one object: every branch's properties (a name with different schemas: any
        of them), required only what every branch (or the root) requires."""
        self.record("root_union", "anyOf", "$")
        properties: dict[str, Any] = dict(out.get("properties") or {})
        alternatives: dict[str, list[Any]] = {}
        for branch in branches:
            for key, sub in (branch.get("properties") or {}).items():
                if key not in properties:
                    alternatives.setdefault(key, [])
                    if sub not in alternatives[key]:
                        alternatives[key].append(sub)
        properties.update({key: subs[0] if len(subs) == 1 else {"anyOf": subs} for key, subs in alternatives.items()})
        each = [set(branch.get("required") or ()) for branch in branches]
        required = list(dict.fromkeys([*(out.get("required") or ()),
                                       *[key for key in properties if each and all(key in r for r in each)]]))
        merged = {key: value for key, value in out.items() if key != "anyOf"}
        merged.update(type="object", properties=properties, required=required)
        return merged


def _place(place: str, key: str) -> str:
    return json_path("" if place == "$" else place, key)

