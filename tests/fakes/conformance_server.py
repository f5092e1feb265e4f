"""An MCP server with the fixtures the MCP conformance harness's server scenarios call
(``@modelcontextprotocol/conformance`` 0.1.13, ``conformance server --url ...``): the SDK's own ``MCPServer``, served
like the hub's test servers (``tests.workbench.mcp_servers.serve``), so that the harness, pointed at a group's
endpoint made of it, tests what the endpoint does as a proxy.

    fixtures = ConformanceServer()
    with serve(fixtures) as site: ...                 # site.url: streamable HTTP on loopback
    fixtures.calls                                    # the tool calls that reached it, in order

Tools: test_simple_text, test_image_content, test_audio_content, test_embedded_resource,
test_multiple_content_types, test_error_handling, test_tool_with_logging, test_tool_with_progress, test_sampling,
test_elicitation, test_elicitation_sep1034_defaults, test_elicitation_sep1330_enums, json_schema_2020_12_tool.
Resources: test://static-text, test://static-binary, test://watched-resource and the template
test://template/{id}/data. Prompts: test_simple_prompt, test_prompt_with_arguments (arg1, arg2),
test_prompt_with_embedded_resource (resourceUri), test_prompt_with_image. Also completion/complete,
logging/setLevel and resources/(un)subscribe, each answered as the harness expects of a server.

A tool that asks the client something (sampling, elicitation) or tells it something on the way (log messages,
progress) does so on its own connection: to the hub's client, not the harness's, when the endpoint is between them.
When the client cannot answer, the tool says so in its text (it never hangs).
"""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

from mcp.server.mcpserver import Audio, Context, Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.prompts.base import UserMessage
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp_types import (
    Completion,
    EmbeddedResource,
    EmptyResult,
    SamplingMessage,
    SetLevelRequestParams,
    SubscribeRequestParams,
    TextContent,
    TextResourceContents,
    UnsubscribeRequestParams,
)

from tests.workbench.mcp_servers import PNG, WAV

SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
JSON_SCHEMA_TOOL = {
    "$schema": SCHEMA_2020_12, "type": "object",
    "$defs": {"address": {"type": "object", "properties": {"street": {"type": "string"},
                                                            "city": {"type": "string"}}}},
    "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
    "additionalProperties": False,
}
SEP1034_SCHEMA = {"type": "object", "required": [], "properties": {
    "name": {"type": "string", "description": "User name", "default": "John Doe"},
    "age": {"type": "integer", "description": "User age", "default": 30},
    "score": {"type": "number", "description": "User score", "default": 95.5},
    "status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"],
               "default": "active"},
    "verified": {"type": "boolean", "description": "Verification status", "default": True}}}
SEP1330_SCHEMA = {"type": "object", "required": [], "properties": {
    "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
    "titledSingle": {"type": "string", "oneOf": [{"const": "value1", "title": "First"},
                                                 {"const": "value2", "title": "Second"}]},
    "legacyEnum": {"type": "string", "enum": ["opt1", "opt2"], "enumNames": ["Option one", "Option two"]},
    "untitledMulti": {"type": "array", "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
    "titledMulti": {"type": "array", "items": {"anyOf": [{"const": "value1", "title": "First"},
                                                         {"const": "value2", "title": "Second"}]}}}}
IDENTITY_SCHEMA = {"type": "object", "required": ["username", "email"], "properties": {
    "username": {"type": "string", "description": "User's response"},
    "email": {"type": "string", "description": "User's email address"}}}


class ConformanceServer:
    """The harness's fixtures (see the module doc)."""

    def __init__(self, name: str = "conformance-fixtures") -> None:
        self.bus = InMemorySubscriptionBus()
        self.mcp = MCPServer(name, instructions="Fixtures of the MCP conformance harness.", subscriptions=self.bus)
        self.calls: list[str] = []
        self._tools()
        self._resources()
        self._prompts()
        self._utilities()

    def _tools(self) -> None:
        calls = self.calls

        def test_simple_text() -> str:
            """Answers with one text."""
            calls.append("test_simple_text")
            return "This is a simple text response for testing."

        def test_image_content() -> Image:
            """Answers with an image (a 1x1 PNG)."""
            calls.append("test_image_content")
            return Image(data=PNG, format="png")

        def test_audio_content() -> Audio:
            """Answers with a WAV clip."""
            calls.append("test_audio_content")
            return Audio(data=WAV, format="wav")

        def test_embedded_resource() -> EmbeddedResource:
            """Answers with an embedded text resource."""
            calls.append("test_embedded_resource")
            return EmbeddedResource(type="resource", resource=TextResourceContents(
                uri="test://embedded-resource", mime_type="text/plain", text="This is an embedded resource content."))

        def test_multiple_content_types() -> list[Any]:
            """Answers with a text, an image and an embedded resource."""
            calls.append("test_multiple_content_types")
            return ["Multiple content types test:", Image(data=PNG, format="png"),
                    EmbeddedResource(type="resource", resource=TextResourceContents(
                        uri="test://mixed-content-resource", mime_type="application/json",
                        text=json.dumps({"test": "data", "value": 123})))]

        def test_error_handling() -> str:
            """Always fails (a tool error, not a protocol error)."""
            calls.append("test_error_handling")
            raise ToolError("This tool intentionally returns an error for testing")

        async def test_tool_with_logging(ctx: Context) -> str:
            """Sends three log messages while it runs."""
            calls.append("test_tool_with_logging")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")                     # logging is deprecated as of 2026-07-28
                for words in ("Tool execution started", "Tool processing data", "Tool execution completed"):
                    await ctx.info(words)
                    await asyncio.sleep(0.05)
            return "Tool with logging executed successfully"

        async def test_tool_with_progress(ctx: Context) -> str:
            """Reports progress 0, 50, 100 of 100."""
            calls.append("test_tool_with_progress")
            for done in (0, 50, 100):
                await ctx.report_progress(done, 100)
                await asyncio.sleep(0.05)
            return "Progress test completed"

        async def test_sampling(prompt: str, ctx: Context) -> str:
            """Asks the client's model to answer ``prompt`` (sampling)."""
            calls.append("test_sampling")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")                 # sampling is deprecated as of 2026-07-28
                    answer = await ctx.session.create_message(
                        [SamplingMessage(role="user", content=TextContent(type="text", text=prompt))], max_tokens=100)
            except Exception as error:                             # noqa: BLE001 - the client cannot sample
                return f"Sampling was not possible: {type(error).__name__}: {error}"
            return f"LLM response: {getattr(answer.content, 'text', '')}"

        async def test_elicitation(message: str, ctx: Context) -> str:
            """Asks the user for a username and an email (form elicitation)."""
            calls.append("test_elicitation")
            return await _elicit(ctx, message, IDENTITY_SCHEMA)

        async def test_elicitation_sep1034_defaults(ctx: Context) -> str:
            """Asks with a form whose fields have defaults (SEP-1034)."""
            calls.append("test_elicitation_sep1034_defaults")
            return await _elicit(ctx, "Please review and update the form fields with defaults", SEP1034_SCHEMA)

        async def test_elicitation_sep1330_enums(ctx: Context) -> str:
            """Asks with a form of the enum kinds of SEP-1330."""
            calls.append("test_elicitation_sep1330_enums")
            return await _elicit(ctx, "Please select options from the enum fields", SEP1330_SCHEMA)

        def json_schema_2020_12_tool(name: str = "", address: dict[str, Any] | None = None) -> str:
            """Takes a JSON Schema 2020-12 input schema ($schema, $defs, additionalProperties)."""
            calls.append("json_schema_2020_12_tool")
            return json.dumps({"name": name, "address": address or {}})

        for tool in (test_simple_text, test_image_content, test_audio_content, test_embedded_resource,
                     test_multiple_content_types, test_error_handling, test_tool_with_logging,
                     test_tool_with_progress, test_sampling, test_elicitation, test_elicitation_sep1034_defaults,
                     test_elicitation_sep1330_enums, json_schema_2020_12_tool):
            self.mcp.add_tool(tool, structured_output=False)
        # listed with the schema as written (the SDK would derive a draft-less one from the signature)
        self.mcp._tool_manager.get_tool("json_schema_2020_12_tool").parameters = dict(JSON_SCHEMA_TOOL)

    def _resources(self) -> None:
        @self.mcp.resource("test://static-text", name="static-text", description="A static text resource",
                           mime_type="text/plain")
        def static_text() -> str:
            return "This is the content of the static text resource."

        @self.mcp.resource("test://static-binary", name="static-binary", description="A static binary resource",
                           mime_type="image/png")
        def static_binary() -> bytes:
            return PNG

        @self.mcp.resource("test://watched-resource", name="watched-resource",
                           description="A resource to subscribe to", mime_type="text/plain")
        def watched() -> str:
            return "Watched resource content"

        @self.mcp.resource("test://template/{id}/data", name="template-data",
                           description="Data of the item id, from a template", mime_type="application/json")
        def template_data(id: str) -> str:                     # noqa: A002 - the template's variable
            return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})

    def _prompts(self) -> None:
        @self.mcp.prompt(name="test_simple_prompt", description="A simple prompt without arguments")
        def simple() -> str:
            return "This is a simple prompt for testing."

        @self.mcp.prompt(name="test_prompt_with_arguments", description="A prompt with two arguments")
        def with_arguments(arg1: str, arg2: str) -> str:
            return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"

        @self.mcp.prompt(name="test_prompt_with_embedded_resource", description="A prompt with a resource in it")
        def with_resource(resourceUri: str) -> list[UserMessage]:  # noqa: N803 - the harness's argument name
            return [UserMessage(EmbeddedResource(type="resource", resource=TextResourceContents(
                        uri=resourceUri, mime_type="text/plain", text="Embedded resource content for testing."))),
                    UserMessage("Please process the embedded resource above.")]

        @self.mcp.prompt(name="test_prompt_with_image", description="A prompt with an image in it")
        def with_image() -> list[UserMessage]:
            return [UserMessage(Image(data=PNG, format="png")), UserMessage("Please analyze the image above.")]

    def _utilities(self) -> None:
        @self.mcp.completion()
        async def complete(ref: Any, argument: Any, context: Any) -> Completion:
            values = [v for v in ("paris", "park", "party") if v.startswith(str(argument.value or ""))]
            return Completion(values=values, total=len(values), has_more=False)

        async def accept(ctx: Any, params: Any) -> EmptyResult:
            return EmptyResult()

        server = self.mcp._lowlevel_server
        server.add_request_handler("logging/setLevel", SetLevelRequestParams, accept)
        server.add_request_handler("resources/subscribe", SubscribeRequestParams, accept)
        server.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, accept)


async def _elicit(ctx: Context, message: str, schema: dict[str, Any]) -> str:
    try:
        answer = await ctx.session.elicit_form(message=message, requested_schema=schema,
                                               related_request_id=ctx.request_id)
    except Exception as error:                                      # noqa: BLE001 - the client cannot answer
        return f"Elicitation was not possible: {type(error).__name__}: {error}"
    return f"Elicitation {answer.action}: {json.dumps(answer.content or {})}"

