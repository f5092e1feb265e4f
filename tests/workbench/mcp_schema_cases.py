"""Tool schemas for the MCP schema tests: real ones, and the shapes that break other hubs' forms.

``real_tools()``: input schemas as real servers list them (``mcp_real_tools.json``: tools/list of mcp-server-time,
mcp-server-git and @modelcontextprotocol/server-everything, dumped from the installed servers over stdio, and
github-mcp-server's tool snapshots). ``pydantic_tool_schema()``: what pydantic (the Python SDK's tool decorator)
generates for typed arguments: ``$defs``, ``anyOf [X, null]``, a union, a recursive model. The rest are the shapes
named in the issue: a root ``anyOf`` (MCP Inspector #2123), zod-to-json-schema's ``#/properties/...`` references,
and what no form control can express.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

REAL_TOOLS = Path(__file__).with_name("mcp_real_tools.json")


@cache
def real_tools() -> dict[str, dict[str, Any]]:
    """``"server/tool"`` -> {"origin", "description", "input_schema"}."""
    return json.loads(REAL_TOOLS.read_text(encoding="utf-8"))


class Filter(BaseModel):
    name: str = Field(description="The column to filter on")
    op: Literal["eq", "ne", "lt", "gt"] = "eq"
    value: str | int | None = None


class Node(BaseModel):
    label: str
    children: list[Node] = []


class Sort(BaseModel):
    by: str
    descending: bool = False


class SearchArguments(BaseModel):
    filters: list[Filter] = Field(description="Rows must match every filter")
    sort: Sort | None = None
    limit: int = Field(default=10, ge=1, le=100)
    tree: Node | None = None


def pydantic_tool_schema() -> dict[str, Any]:
    """The schema pydantic generates for ``SearchArguments`` (as the Python SDK's tools publish theirs)."""
    return SearchArguments.model_json_schema()


# MCP Inspector #2123: "Tool schemas with a root-level anyOf / oneOf render no input fields" (its server.mjs)
_EMAIL = {"type": "object", "properties": {"kind": {"type": "string", "const": "email"},
                                           "address": {"type": "string"}}, "required": ["kind", "address"]}
_SMS = {"type": "object", "properties": {"kind": {"type": "string", "const": "sms"}, "phone": {"type": "string"}},
        "required": ["kind", "phone"]}
ROOT_ANY_OF = {"anyOf": [_EMAIL, _SMS]}
ROOT_ONE_OF_OBJECT = {"type": "object", "oneOf": [_EMAIL, _SMS]}

# zod-to-json-schema (the TypeScript SDK 1.x): draft-07, a repeated shape as a "#/properties/..." reference
ZOD_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "from": {"type": "object", "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                                  "lon": {"type": "number", "minimum": -180, "maximum": 180}},
                 "required": ["lat", "lon"], "additionalProperties": False},
        "to": {"$ref": "#/properties/from"},
        "mode": {"type": "string", "enum": ["walk", "drive"], "default": "walk"},
    },
    "required": ["from", "to"],
    "additionalProperties": False,
}

# a tree in draft-07 "definitions" whose root is itself a reference
RECURSIVE_ROOT = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "definitions": {"menu": {"type": "object", "title": "Menu",
                             "properties": {"label": {"type": "string"},
                                            "items": {"type": "array", "items": {"$ref": "#/definitions/menu"}}},
                             "required": ["label"]}},
    "$ref": "#/definitions/menu",
}

# what no control can express: each of these properties becomes a raw-JSON field, with its reason
UNRENDERABLE = {
    "type": "object",
    "properties": {
        "not_admin": {"type": "string", "not": {"const": "admin"}},
        "labels": {"type": "object", "patternProperties": {"^x-": {"type": "string"}}},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "anything": {},
        "remote": {"$ref": "https://example.com/schemas/remote.json"},
        "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]},
        "when": {"type": "object", "properties": {"a": {"type": "string"}}, "if": {"required": ["a"]},
                 "then": {"required": ["b"]}},
    },
    "required": ["headers"],
}

# the other keywords the translation for a chat model changes, and the form renders as choices or branches
SHAPES = {
    "type": "object",
    "properties": {
        "id": {"type": ["string", "integer"], "description": "A name or a number"},
        "unit": {"oneOf": [{"const": "c", "title": "Celsius"}, {"const": "f", "title": "Fahrenheit"}]},
        "version": {"const": 2},
        "note": {"type": ["string", "null"], "maxLength": 20},
        "size": {"allOf": [{"type": "integer", "minimum": 1}, {"maximum": 10}], "description": "1 to 10"},
        "count": {"type": "integer", "exclusiveMinimum": 0, "multipleOf": 2, "examples": [2, 4]},
        "target": {"oneOf": [{"type": "string", "title": "Path"},
                             {"type": "object", "title": "Range", "properties": {"start": {"type": "integer"},
                                                                                  "end": {"type": "integer"}},
                              "required": ["start"]}]},
    },
    "required": ["id", "unit"],
}
