"""The MCP hub's page (/mcp): the catalogue, a server's tools run from generated forms, registering remote servers,
and the admins' installs, approvals and usage. The services are ``workbench.mcp``; see ``app.mcp.page``."""
