"""The MCP hub's refusals (``code``, ``field``, ``text(locale)``); the words, en and zh, are in
``workbench/messages/mcp_tools.py`` (a tool's arguments), ``mcp_hub.py`` (servers, calls, pins, registrations) and
``mcp_installs.py`` (installs, launches, running servers).

``McpInvalid("tool_args.required", "filters[0].name", name="filters[0].name")``: a tool's arguments that the
tool's own schema (or the form they were typed into) refuses; ``field`` is the JSON path of the bad value, so a
page can mark the box it came from. Its ``code`` is ``tool_args``; ``key`` says which rule was broken.

``HubError("mcp_hub.unreachable", None, server=..., origin=...)``: what the hub could not do (a server that does not
answer, a tool not approved, a registration refused); its ``code`` is the part after ``mcp_hub.`` (``unreachable``).

``InstallError("mcp_install.value_required", "env.API_TOKEN", name="env.API_TOKEN")``: an install, a value for a
server or a running server refused (words in ``workbench/messages/mcp_installs.py``); ``code`` is ``value_required``.
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


class InstallError(McpError):
    """An install, launch or running server that cannot be done (words in ``workbench/messages/mcp_installs.py``);
    ``code`` is the part after ``mcp_install.`` (``admins_only``, ``no_version``, ``start_timeout``, ...), ``field``
    the value's key (``env.TZ``) when one value is at fault."""

    def __init__(self, key: str, field: str | None = None, *, code: str | None = None, **fields: object) -> None:
        super().__init__(key, field, code=code or key.split(".")[1], **fields)
