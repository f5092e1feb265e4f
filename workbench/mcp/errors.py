"""The MCP hub's refusals (``code``, ``field``, ``text(locale)``); the words, en and zh, are in
``workbench/messages/mcp_tools.py`` (a tool's arguments) and ``mcp_hub.py`` (servers, calls, pins, registrations).

``McpInvalid("tool_args.required", "filters[0].name", name="filters[0].name")``: a tool's arguments that the
tool's own schema (or the form they were typed into) refuses; ``field`` is the JSON path of the bad value, so a
page can mark the box it came from. Its ``code`` is ``tool_args``; ``key`` says which rule was broken.

``HubError("mcp_hub.unreachable", None, server=..., origin=...)``: what the hub could not do (a server that does not
answer, a tool not approved, a registration refused); its ``code`` is the part after ``mcp_hub.`` (``unreachable``).
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class McpError(WorkbenchError):
    """An MCP hub request that cannot be done; the message says what to do next."""


class McpInvalid(McpError):
    """Bad arguments for a tool; ``field`` is the JSON path of the bad value ("" for the arguments as a whole)."""


class HubError(McpError):
    """A server, call, pin or registration refused; ``code`` is the template's name after ``mcp_hub.``."""

    def __init__(self, key: str, field: str | None = None, **fields: object) -> None:
        super().__init__(key, field, code=key.split(".")[1], **fields)
