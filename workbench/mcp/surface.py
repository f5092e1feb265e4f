"""What a tool group offers one caller at its endpoint: its tools under the names clients see, their calls, and the
member servers' resources and prompts, each decided with the caller's own viewer on every request.

    surface = Surfaces(hub, groups, own=own_tools)
    caller = EndpointCaller(viewer, key="sk-...", key_id="k1", locale="zh")
    group = groups.by_slug("lab-tools", caller.viewer)            # NotFound for another's group (same as missing)
    offered = await surface.tools(group, caller)                  # [Offered(name, description, schema, ...)]
    result = await surface.call(group, "get_current_time", {"timezone": "Asia/Shanghai"}, caller)   # ToolResult
    await surface.resources(group, caller); await surface.templates(group, caller)
    await surface.read(group, uri, caller)                        # a URI a member lists, or one its template matches
    await surface.prompts(group, caller); await surface.prompt(group, name, arguments, caller)

A member server's tools are its APPROVED ones as approved (``McpHub.usable_tools``): a tool that is new, changed or
removed is not listed, and a call goes through the hub (arguments checked against the approved schema, the pin
verified, the run recorded as the caller's with source ``api`` and the key). A server the caller may not see, or
one that is disabled, adds nothing. Tools that are destructive (``destructiveHint``) or marked to ask first are
listed but refused unless the group allows them (the endpoint has no one to ask). The workbench's own tools
(``own``) are members like any server, under ``groups.WORKBENCH``. Resources, resource templates and prompts are
those of the group's whole servers (members without a ``tool``); a read is of a URI one of them lists, or one that
matches a template one of them lists (RFC 6570, the SDK's ``UriTemplate``), and goes to that server.

A group with ``tool_search`` lists two tools instead of all (``search_tools``, ``call_tool``): for groups too big
to give a model at once. ``search_tools`` ranks the group's tools by embedding similarity of the query to each
tool's name and description (``embed``: the caller's ``/v1/embeddings``), by shared words when that fails.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mcp.shared.uri_template import InvalidUriTemplate, UriTemplate

from workbench.errors import WorkbenchError

from .catalogue import Viewer
from .functions import server_slugs
from .group_names import GroupNames, Listed, Wanted
from .groups import WORKBENCH, Group, GroupError
from .hub import McpHub, PromptView, ResourceView, TemplateView
from .pins import destructive
from .results import PromptResult, ResourceResult, TextPart, ToolResult

SEARCH_TOOLS, CALL_TOOL = "search_tools", "call_tool"
MAX_QUERY = 1000
SEARCH_TOP = 8
_WORD = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EndpointCaller:
    """Who calls an endpoint: the key's owner as the hub's viewer, the key (the workbench's own tools call ``/v1``
    with it), its id (recorded with each run), the language of the words sent back, and the key's limits as the
    edge knows them (the gateway's principal: opaque here)."""

    viewer: Viewer
    key: str
    key_id: str = ""
    locale: str = "en"
    limits: Any = field(default=None, compare=False, repr=False)

    @property
    def user_id(self) -> str:
        return self.viewer.user_id


class OwnServer(Protocol):
    """The workbench's own tools (``own.OwnTools``)."""

    def tools(self) -> list[Any]: ...          # objects with name, title, description, input_schema, annotations

    async def call(self, name: str, arguments: Mapping[str, Any] | None, caller: Any) -> ToolResult: ...


@dataclass(frozen=True)
class Offered:
    """A tool as the endpoint lists it: ``name`` the name clients see, ``listed`` what it stands for."""

    listed: Listed
    title: str
    description: str
    input_schema: Mapping[str, Any]
    annotations: Mapping[str, Any] = field(default_factory=dict)
    asks: bool = False                 # destructive or marked to ask first

    @property
    def name(self) -> str:
        return self.listed.name


@dataclass(frozen=True)
class OfferedResource:
    entry_id: str
    resource: ResourceView


@dataclass(frozen=True)
class OfferedTemplate:
    entry_id: str
    template: TemplateView


@dataclass(frozen=True)
class OfferedPrompt:
    listed: Listed
    prompt: PromptView


Embed = Callable[[Sequence[str], EndpointCaller], Awaitable[list[list[float]]]]


class Surfaces:
    """Groups as their endpoints serve them (see the module doc)."""

    def __init__(self, hub: McpHub, own: OwnServer | None = None, embed: Embed | None = None) -> None:
        self.hub, self.own, self.embed = hub, own, embed
        self._vectors: dict[str, list[float]] = {}        # a tool's text -> its vector (capped)

    # -- tools ---------------------------------------------------------------------------------------------------

    async def tools(self, group: Group, caller: EndpointCaller) -> list[Offered]:
        """The group's tools the caller may use now (all of them, even when the group lists two)."""
        found: list[tuple[Wanted, Any, str, bool]] = []      # (wanted, tool, description, asks)
        entries: dict[str, Any] = {}
        for member in group.members:
            if member.entry_id == WORKBENCH:
                if self.own is None:
                    continue
                tools = [(t, bool(t.annotations.get("destructiveHint") is True)) for t in self.own.tools()]
                slug = WORKBENCH
            else:
                entry = entries.get(member.entry_id) or self._entry(member.entry_id, caller.viewer)
                if entry is None:
                    continue
                entries[entry.id] = entry
                try:
                    tools = [(t, destructive(t)) for t in self.hub.usable_tools(entry.id, caller.viewer)]
                except WorkbenchError:
                    continue
                slug = ""
            for tool, asks in tools:
                if member.tool and tool.name != member.tool:
                    continue
                found.append((Wanted(slug, member.entry_id, tool.name, member.rename if member.tool else ""),
                              tool, member.description if member.tool else "", asks))
        slugs = server_slugs(entries.values())
        found = [(Wanted(w.server or slugs[w.entry_id], w.entry_id, w.tool, w.rename), *rest) for w, *rest in found]
        names = GroupNames(w for w, *_ in found)
        offered, seen = [], set()
        for (_, tool, description, asks), listed in zip(_first(found), names.listed, strict=True):
            if listed.name in seen:
                continue
            seen.add(listed.name)
            offered.append(Offered(listed, tool.title or "", description or tool.description or "",
                                   dict(tool.input_schema), dict(tool.annotations or {}), asks))
        return offered

    def _entry(self, entry_id: str, viewer: Viewer) -> Any:
        try:
            return self.hub.entry(entry_id, viewer)
        except WorkbenchError:                     # not one the viewer may see, or disabled: it adds nothing
            return None

    async def listed(self, group: Group, caller: EndpointCaller) -> list[Offered]:
        """What ``tools/list`` shows: the group's tools, or the two that find and call them (``tool_search``)."""
        tools = await self.tools(group, caller)
        return search_surface() if group.tool_search else tools

    async def call(self, group: Group, name: str, arguments: Mapping[str, Any] | None,
                   caller: EndpointCaller) -> ToolResult:
        """Call a tool of the group by the name clients see; a refusal is a ``WorkbenchError`` (the endpoint turns
        it into a tool error in the caller's language)."""
        tools = await self.tools(group, caller)
        if group.tool_search and name in (SEARCH_TOOLS, CALL_TOOL):
            if name == SEARCH_TOOLS:
                return await self._search(tools, arguments or {}, caller)
            name, arguments = _inner_call(arguments or {})
        offered = next((t for t in tools if t.name == name), None)
        if offered is None:
            raise GroupError("mcp_endpoint.unknown_tool", "name", name=str(name)[:100])
        if offered.asks and not group.allow_destructive:
            raise GroupError("mcp_endpoint.destructive", "name", name=offered.name)
        listed = offered.listed
        if listed.entry_id == WORKBENCH:
            assert self.own is not None
            return await self.own.call(listed.tool, arguments, caller)
        return await self.hub.call_tool(listed.entry_id, listed.tool, arguments, caller.viewer, source="api",
                                        key_id=caller.key_id)

    async def _search(self, tools: list[Offered], arguments: Mapping[str, Any], caller: EndpointCaller) -> ToolResult:
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY:
            raise GroupError("mcp_endpoint.search_query", "query", most=MAX_QUERY)
        ranked = await self._ranked(tools, query.strip(), caller)
        top = ranked[:SEARCH_TOP]
        found = [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in top]
        lines = [f"- {t.name}: {t.description.splitlines()[0] if t.description else ''}" for t in top]
        return ToolResult("workbench", SEARCH_TOOLS, (TextPart(text="\n".join(lines) or "-"),), {"tools": found})

    async def _ranked(self, tools: list[Offered], query: str, caller: EndpointCaller) -> list[Offered]:
        texts = [f"{t.name}: {t.description}" for t in tools]
        if self.embed is not None and tools:
            try:
                missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
                vectors = await self.embed([query, *missing], caller)
                if len(self._vectors) > 10_000:
                    self._vectors.clear()
                self._vectors.update(zip(missing, vectors[1:], strict=True))
                scores = [_cosine(vectors[0], self._vectors[text]) for text in texts]
                return [t for _, t in sorted(zip(scores, tools, strict=True), key=lambda p: -p[0])]
            except Exception:                              # noqa: BLE001 - the embeddings failed: shared words rank
                log.warning("search_tools: the embeddings failed; tools ranked by shared words", exc_info=True)
        words = set(_WORD.findall(query.lower()))
        scores = [len(words & set(_WORD.findall(text.lower().replace("_", " ")))) for text in texts]
        return [t for _, t in sorted(zip(scores, tools, strict=True), key=lambda p: -p[0])]

    # -- resources and prompts (of whole servers in the group) ---------------------------------------------------

    async def resources(self, group: Group, caller: EndpointCaller) -> list[OfferedResource]:
        out, seen = [], set()
        for entry_id in self._whole_servers(group, caller):
            contents = await self._contents(entry_id, caller)
            for resource in contents.resources if contents else ():
                if resource.uri not in seen:
                    seen.add(resource.uri)
                    out.append(OfferedResource(entry_id, resource))
        return out

    async def templates(self, group: Group, caller: EndpointCaller) -> list[OfferedTemplate]:
        out, seen = [], set()
        for entry_id in self._whole_servers(group, caller):
            contents = await self._contents(entry_id, caller)
            for template in contents.templates if contents else ():
                if template.uri_template not in seen:
                    seen.add(template.uri_template)
                    out.append(OfferedTemplate(entry_id, template))
        return out

    async def read(self, group: Group, uri: str, caller: EndpointCaller) -> ResourceResult:
        """Read ``uri`` from the server that lists it, else from the first whose template matches it."""
        listed = [(entry_id, await self._contents(entry_id, caller)) for entry_id in self._whole_servers(group, caller)]
        owner = next((entry_id for entry_id, contents in listed
                      if contents and any(r.uri == uri for r in contents.resources)), None)
        owner = owner or next((entry_id for entry_id, contents in listed
                               if contents and any(_matches(t.uri_template, uri) for t in contents.templates)), None)
        if owner is None:
            raise GroupError("mcp_endpoint.unknown_resource", "uri", uri=str(uri)[:200])
        return await self.hub.read_resource(owner, uri, caller.viewer)

    async def prompts(self, group: Group, caller: EndpointCaller) -> list[OfferedPrompt]:
        found: list[tuple[Wanted, PromptView]] = []
        entries = self._whole_servers(group, caller)
        slugs = server_slugs(entries.values())
        for entry_id in entries:
            contents = await self._contents(entry_id, caller)
            for prompt in contents.prompts if contents else ():
                found.append((Wanted(slugs[entry_id], entry_id, prompt.name), prompt))
        names = GroupNames(w for w, _ in found)
        return [OfferedPrompt(listed, prompt) for (_, prompt), listed in zip(_first(found), names.listed,
                                                                               strict=True)]

    async def prompt(self, group: Group, name: str, arguments: Mapping[str, Any] | None,
                     caller: EndpointCaller) -> PromptResult:
        for offered in await self.prompts(group, caller):
            if offered.listed.name == name:
                return await self.hub.get_prompt(offered.listed.entry_id, offered.listed.tool, arguments,
                                                 caller.viewer)
        raise GroupError("mcp_endpoint.unknown_prompt", "name", name=str(name)[:100])

    def _whole_servers(self, group: Group, caller: EndpointCaller) -> dict[str, Any]:
        entries: dict[str, Any] = {}
        for member in group.members:
            if member.entry_id != WORKBENCH and not member.tool and member.entry_id not in entries:
                entry = self._entry(member.entry_id, caller.viewer)
                if entry is not None:
                    entries[entry.id] = entry
        return entries

    async def _contents(self, entry_id: str, caller: EndpointCaller) -> Any:
        try:
            return await self.hub.contents(entry_id, caller.viewer)
        except WorkbenchError:                  # a server that does not answer adds nothing to the lists
            return None


def _matches(template: str, uri: str) -> bool:
    parsed = _template(template)
    return parsed is not None and parsed.match(uri) is not None


@functools.lru_cache(maxsize=1024)
def _template(template: str) -> UriTemplate | None:
    try:
        return UriTemplate.parse(template)
    except InvalidUriTemplate:                     # a server's malformed template matches nothing
        return None


def _first(found: list[tuple]) -> list[tuple]:
    """``found`` without a second identical ``Wanted`` (as ``GroupNames`` keeps the first)."""
    seen, out = set(), []
    for item in found:
        if item[0] not in seen:
            seen.add(item[0])
            out.append(item)
    return out


def _inner_call(arguments: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    name, inner = arguments.get("name"), arguments.get("arguments", {})
    if not isinstance(name, str) or not name:
        raise GroupError("mcp_endpoint.call_name", "name")
    if not isinstance(inner, Mapping):
        raise GroupError("mcp_endpoint.call_arguments", "arguments")
    return name, inner


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def search_surface() -> list[Offered]:
    """The two tools a ``tool_search`` group lists."""
    search = Offered(Listed(SEARCH_TOOLS, WORKBENCH, WORKBENCH, SEARCH_TOOLS), "Search tools",
                     "Find the tools of this group that fit a task: give what you want to do in `query`; returns "
                     "their names, descriptions and input schemas. Then run one with call_tool.",
                     {"type": "object", "properties": {"query": {"type": "string", "maxLength": MAX_QUERY}},
                      "required": ["query"], "additionalProperties": False}, {"readOnlyHint": True})
    call = Offered(Listed(CALL_TOOL, WORKBENCH, WORKBENCH, CALL_TOOL), "Call a tool",
                   "Run a tool that search_tools found: its `name` and its `arguments` (an object matching the "
                   "input schema search_tools gave).",
                   {"type": "object", "properties": {"name": {"type": "string"},
                                                     "arguments": {"type": "object"}},
                    "required": ["name"], "additionalProperties": False}, {})
    return [search, call]
