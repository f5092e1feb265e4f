"""The MCP hub (issue 14): a catalogue of MCP servers, their installs, running servers and tool calls; UI-free."""
