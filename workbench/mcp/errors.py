"""The MCP hub's refusals (``code``, ``field``, ``text(locale)``); the words, en and zh, are in
``workbench/messages/mcp_tools.py``.

``McpInvalid("tool_args.required", "filters[0].name", name="filters[0].name")``: a tool's arguments that the
tool's own schema (or the form they were typed into) refuses; ``field`` is the JSON path of the bad value, so a
page can mark the box it came from. Its ``code`` is ``tool_args``; ``key`` says which rule was broken.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class McpError(WorkbenchError):
    """An MCP hub request that cannot be done; the message says what to do next."""


class McpInvalid(McpError):
    """Bad arguments for a tool; ``field`` is the JSON path of the bad value ("" for the arguments as a whole)."""
