"""What the workbench's own MCP tools are made of (``own``, ``own_prompts``): a tool as listed, who calls it, and
the small JSON Schema builders their arguments and results are written with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.messages import MESSAGES


@dataclass(frozen=True)
class OwnTool:
    """One tool as it is listed (MCP ``Tool``): its schema and annotations as plain JSON-ready mappings."""

    name: str                          # kb_search | kb_list | web_search
    title: str                         # English title
    zh_title: str                      # Chinese title
    description: str                   # what a model reads: English, says what it returns and when to use it
    input_schema: Mapping[str, Any]    # JSON Schema: type object, additionalProperties false, bounds
    annotations: Mapping[str, Any]     # MCP ToolAnnotations by their wire names (readOnlyHint, ...)
    output_schema: Mapping[str, Any]   # JSON Schema of ``ToolResult.structured`` of a result that is no error


@dataclass(frozen=True)
class OwnCaller:
    """Who calls: the API key's owner, their raw key (model calls go through ``/v1`` with it: metered as theirs)
    and their language ("en", "zh", "zh-CN", ...)."""

    user_id: str
    key: str = field(repr=False)
    locale: str = "en"


def object_schema(properties: dict[str, Any], required: Sequence[str] = (), *, closed: bool = True) -> dict[str, Any]:
    """An object schema; ``closed``: no other properties (the arguments; a result may gain fields later)."""
    return {"type": "object", "properties": properties, "required": list(required)} | (
        {"additionalProperties": False} if closed else {})


def text_schema(most: int, description: str) -> dict[str, Any]:
    """A string of 1 to ``most`` characters."""
    return {"type": "string", "minLength": 1, "maxLength": most, "description": description}


def whole_schema(low: int, high: int, default: int, description: str) -> dict[str, Any]:
    """An integer from ``low`` to ``high``."""
    return {"type": "integer", "minimum": low, "maximum": high, "default": default, "description": description}


def own_tool(name: str, description: str, input_schema: dict[str, Any], output_schema: dict[str, Any], *,
             open_world: bool = False, read_only: bool = True) -> OwnTool:
    """A tool that destroys nothing (``read_only``: that changes nothing either; a paper's reading is kept); its
    titles, en and zh, are ``mcp_own.title.<name>``."""
    title = MESSAGES.message(f"mcp_own.title.{name}")
    return OwnTool(name, title.text("en"), title.text("zh"), description, input_schema,
                   {"readOnlyHint": read_only, "destructiveHint": False, "idempotentHint": read_only,
                    "openWorldHint": open_world}, output_schema)
