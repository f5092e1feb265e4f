"""The prompt library as two of the workbench's own MCP tools: ``prompt_search`` and ``prompt_get``.

Permissions are the prompt page's and ``/prompts/v1``'s (``prompt_studio.library.Library``): the caller finds and
gets their teams' prompts and the square's; any other name is refused with the words of a missing one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from workbench.messages import MESSAGES
from workbench.prompt_studio.library import Library
from workbench.prompt_studio.templates import render

from .own_specs import OwnCaller, OwnTool, object_schema, own_tool, text_schema, whole_schema

MAX_NAME = 80
MAX_QUERY = 500
SEARCH_LIMIT, MAX_SEARCH_LIMIT = 10, 50

PROMPT_SEARCH = (
    "Search the prompt library of this workbench (the user's and their teams' prompts, and the public ones) by "
    "words of their name, description or text, Chinese too. Returns each prompt's name, description, labels "
    "(label -> version) and latest version; pass a name to prompt_get to fetch it.")
PROMPT_GET = (
    "Get a prompt of the workbench's prompt library by name: the version labelled `label` (default production; "
    "latest: the newest) or `version`. Returns its chat messages with {{variables}}, the variables, few-shot "
    "examples and model parameters; with `variables` given, the messages filled in, ready to send.")

_MESSAGE = {"type": "object", "properties": {"role": {"type": "string"}, "content": {"type": "string"}}}


def prompt_search_tool() -> OwnTool:
    return own_tool("prompt_search", PROMPT_SEARCH, object_schema({
        "query": text_schema(MAX_QUERY, "Words to look for, in any language."),
        "limit": whole_schema(1, MAX_SEARCH_LIMIT, SEARCH_LIMIT, "How many prompts to return at most."),
    }, ["query"]), object_schema({"query": {"type": "string"}, "prompts": {"type": "array", "items": {
        "type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "description": {"type": "string"}, "labels": {"type": "object"},
            "latest_version": {"type": "integer"}}}}}, ["query", "prompts"], closed=False))


def prompt_get_tool() -> OwnTool:
    return own_tool("prompt_get", PROMPT_GET, object_schema({
        "name": text_schema(MAX_NAME, "The prompt's name (from prompt_search)."),
        "label": {"type": "string", "minLength": 1, "maxLength": 32,
                  "description": "Which labelled version: production (the default), staging, latest, ..."},
        "version": {"type": "integer", "minimum": 1, "description": "A version number, instead of a label."},
        "variables": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "Values for the prompt's variables: the messages come back filled in."},
    }, ["name"]), object_schema({
        "name": {"type": "string"}, "version": {"type": "integer"}, "messages": {"type": "array", "items": _MESSAGE},
        "variables": {"type": "array", "items": {"type": "string"}}, "config": {"type": "object"},
        "rendered": {"type": "boolean"}}, ["name", "version", "messages"], closed=False))


def prompt_tools() -> list[OwnTool]:
    """The two tools, as listed."""
    return [prompt_search_tool(), prompt_get_tool()]


async def prompt_search(library: Library, args: Mapping[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
    """The prompts matching the query that the caller may read."""
    query = str(args["query"]).strip()
    found = await asyncio.to_thread(library.search, caller.user_id, query,
                                    limit=int(args.get("limit", SEARCH_LIMIT)))
    listed = [{"name": p.name, "description": p.description, "labels": p.labels, "latest_version": p.latest}
              for p in found]
    if not listed:
        return MESSAGES.render("mcp_own.no_prompts", caller.locale, {"query": query[:200]}), {"query": query,
                                                                                            "prompts": []}
    lines = [MESSAGES.render("mcp_own.prompts_found", caller.locale, {"count": len(listed)})]
    for p in listed:
        labels = ", ".join(f"{label}=v{number}" for label, number in p["labels"].items()) or "-"
        about = f": {p['description']}" if p["description"] else ""
        lines.append(f"- {p['name']} (v{p['latest_version']}; {labels}){about}")
    return "\n".join(lines), {"query": query, "prompts": listed}


async def prompt_get(library: Library, args: Mapping[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
    """One version of a prompt the caller may read, filled in when ``variables`` are given."""
    label = args.get("label")
    version = args.get("version")
    prompt, chosen = await asyncio.to_thread(library.resolve, caller.user_id, str(args["name"]),
                                             label=None if version is not None else label, version=version)
    template = chosen.template
    values = args.get("variables")
    if values is not None:
        messages = render(template, values)
    else:
        messages = ([{"role": "system", "content": template.system}] if template.system else [])
        messages.append({"role": "user", "content": template.user})
    structured = {"name": prompt.name, "version": chosen.number, "messages": messages,
                  "variables": template.variables(), "config": chosen.params.as_dict(),
                  "examples": [{"variables": e.variables, "output": e.output} for e in template.examples],
                  "rendered": values is not None}
    return json.dumps(structured, ensure_ascii=False, indent=1), structured
