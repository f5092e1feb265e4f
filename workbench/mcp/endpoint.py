"""A tool group as an MCP server: the SDK's low-level ``Server`` whose handlers serve the group and caller of each
request (``surface.Surfaces``), and what they answer as MCP types.

    server = endpoint_server(surfaces, resolve, admit)     # resolve(ctx) -> (group, caller) of the request
    StreamableHTTPSessionManager(server, stateless=True)    # app.http.mcp_api serves it at /mcp/v1/<slug>

One server serves every group: who calls and which group they asked for are decided per request by the HTTP edge,
before the SDK sees it (``resolve`` reads them back from the request). A refusal of a tool call (bad arguments, a
destructive tool the group does not allow, a server that does not answer) is a tool result with ``isError`` and
words in the caller's language, so an agent's model reads why; an unknown tool, resource or prompt, or a call over
the key's rate limit (``admit``), is a JSON-RPC error. Nothing else of a failure leaves: never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS

from workbench.errors import WorkbenchError

from .groups import Group
from .results import (
    AudioPart,
    ImagePart,
    LinkPart,
    OmittedPart,
    Part,
    PromptResult,
    ResourcePart,
    ResourceResult,
    TextPart,
    ToolResult,
)
from .surface import EndpointCaller, Surfaces

SERVER_NAME = "maas-workbench"
NOT_FOUND_CODES = ("unknown_tool", "unknown_resource", "unknown_prompt")
INSTRUCTIONS = ("Tools of a MaaS Workbench tool group. Each call runs as the API key's owner, with the permissions "
                "they have on the workbench's pages, and is recorded under the key.")

Resolve = Callable[[Any], tuple[Group, EndpointCaller]]
Admit = Callable[[EndpointCaller], None]

log = logging.getLogger(__name__)


def endpoint_server(surfaces: Surfaces, resolve: Resolve, admit: Admit | None = None,
                    version: str = "") -> Server[Any]:
    """The one ``Server`` that serves every group's endpoint (see the module doc)."""

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        group, caller = resolve(ctx)
        offered = await _guarded(caller, surfaces.listed(group, caller))
        return types.ListToolsResult(tools=[
            types.Tool(name=t.name, title=t.title or None, description=t.description,
                       input_schema=dict(t.input_schema), annotations=_annotations(t.annotations))
            for t in offered])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        group, caller = resolve(ctx)
        if admit is not None:
            admit(caller)
        try:
            result = await surfaces.call(group, params.name, params.arguments or {}, caller)
        except WorkbenchError as refusal:
            if refusal.code in NOT_FOUND_CODES:
                raise MCPError(INVALID_PARAMS, refusal.text(caller.locale)) from None
            return types.CallToolResult(content=[types.TextContent(text=refusal.text(caller.locale))], is_error=True)
        except MCPError:
            raise
        except Exception:                              # logged; the client learns only that it failed
            log.exception("a call over an MCP endpoint failed")
            raise MCPError(INTERNAL_ERROR, "The tool call failed inside the workbench; an administrator finds "
                                           "the details in its log.") from None
        return call_result(result)

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        group, caller = resolve(ctx)
        offered = await _guarded(caller, surfaces.resources(group, caller))
        return types.ListResourcesResult(resources=[
            types.Resource(uri=o.resource.uri, name=o.resource.name, title=o.resource.title or None,
                           description=o.resource.description or None, mime_type=o.resource.mime_type or None,
                           size=o.resource.size) for o in offered])

    async def list_resource_templates(ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        group, caller = resolve(ctx)
        offered = await _guarded(caller, surfaces.templates(group, caller))
        return types.ListResourceTemplatesResult(resource_templates=[
            types.ResourceTemplate(uri_template=o.template.uri_template, name=o.template.name,
                                   title=o.template.title or None, description=o.template.description or None,
                                   mime_type=o.template.mime_type or None) for o in offered])

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        group, caller = resolve(ctx)
        result = await _guarded(caller, surfaces.read(group, str(params.uri), caller))
        return resource_result(result)

    async def list_prompts(ctx: Any, params: Any) -> types.ListPromptsResult:
        group, caller = resolve(ctx)
        offered = await _guarded(caller, surfaces.prompts(group, caller))
        return types.ListPromptsResult(prompts=[
            types.Prompt(name=o.listed.name, title=o.prompt.title or None, description=o.prompt.description or None,
                         arguments=[types.PromptArgument(name=a.name, title=a.title or None,
                                                         description=a.description or None, required=a.required)
                                    for a in o.prompt.arguments]) for o in offered])

    async def get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        group, caller = resolve(ctx)
        result = await _guarded(caller, surfaces.prompt(group, params.name, params.arguments or {}, caller))
        return prompt_result(result)

    return Server(SERVER_NAME, version=version, title="MaaS Workbench", instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool, on_list_resources=list_resources,
                  on_read_resource=read_resource, on_list_resource_templates=list_resource_templates,
                  on_list_prompts=list_prompts, on_get_prompt=get_prompt)


async def _guarded(caller: EndpointCaller, awaitable: Any) -> Any:
    """``awaitable``'s value; a refusal as a JSON-RPC error in the caller's language."""
    try:
        return await awaitable
    except WorkbenchError as refusal:
        raise MCPError(INVALID_PARAMS, refusal.text(caller.locale)) from None


def _annotations(annotations: Any) -> types.ToolAnnotations | None:
    if not annotations:
        return None
    known = {"title": "title", "readOnlyHint": "read_only_hint", "destructiveHint": "destructive_hint",
             "idempotentHint": "idempotent_hint", "openWorldHint": "open_world_hint"}
    values = {known[k]: v for k, v in annotations.items() if k in known and v is not None}
    return types.ToolAnnotations(**values) if values else None


def content_of(part: Part) -> Any:
    """One part of a hub's answer as MCP content (a part left out is said in words)."""
    if isinstance(part, TextPart):
        return types.TextContent(text=part.text)
    if isinstance(part, ImagePart):
        return types.ImageContent(data=part.data, mime_type=part.mime_type)
    if isinstance(part, AudioPart):
        return types.AudioContent(data=part.data, mime_type=part.mime_type)
    if isinstance(part, ResourcePart):
        inner: Any = (types.TextResourceContents(uri=part.uri, mime_type=part.mime_type or None, text=part.text)
                      if part.text is not None else
                      types.BlobResourceContents(uri=part.uri, mime_type=part.mime_type or None, blob=part.blob or ""))
        return types.EmbeddedResource(resource=inner)
    if isinstance(part, LinkPart):
        return types.ResourceLink(uri=part.uri, name=part.name or part.uri, title=part.title or None,
                                  description=part.description or None, mime_type=part.mime_type or None,
                                  size=part.size)
    if isinstance(part, OmittedPart):
        return types.TextContent(text=f"[{part.what} left out, {part.size} bytes: {part.reason.text('en')}]")
    return types.TextContent(text=f"[{part.kind}]")


def call_result(result: ToolResult) -> types.CallToolResult:
    structured = result.structured if isinstance(result.structured, dict) else None
    return types.CallToolResult(content=[content_of(p) for p in result.parts], structured_content=structured,
                                is_error=result.is_error)


def resource_result(result: ResourceResult) -> types.ReadResourceResult:
    contents: list[Any] = []
    for part in result.parts:
        if isinstance(part, ResourcePart) and part.blob is not None:
            contents.append(types.BlobResourceContents(uri=part.uri, mime_type=part.mime_type or None,
                                                       blob=part.blob))
        elif isinstance(part, (ResourcePart, TextPart)):
            uri = part.uri if isinstance(part, ResourcePart) else result.uri
            mime = part.mime_type if isinstance(part, ResourcePart) else ""
            contents.append(types.TextResourceContents(uri=uri, mime_type=mime or None, text=part.text or ""))
    return types.ReadResourceResult(contents=contents)


def prompt_result(result: PromptResult) -> types.GetPromptResult:
    return types.GetPromptResult(description=result.description or None, messages=[
        types.PromptMessage(role="assistant" if line.role.endswith("assistant") else "user",
                            content=content_of(line.part)) for line in result.messages])
