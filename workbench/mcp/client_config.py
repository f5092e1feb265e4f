"""What a user pastes into an MCP client to reach one of the workbench's endpoints (``/mcp/v1/<group>``, streamable
HTTP, ``Authorization: Bearer <an API key>``): one configuration per client, UI-free.

    for config in client_configs("https://maas.example.org/mcp/v1/lab-tools", "maas-lab-tools"):
        config.client, config.title, config.language    # "cursor", "Cursor", "json"
        config.text                                       # what to paste: the key is the placeholder, never a real key
        config.where.text("zh")                           # where it goes, in the reader's language

Each follows its client's own documentation (checked when written):

- Cursor, ``~/.cursor/mcp.json``: ``{"mcpServers": {name: {"url", "headers"}}}``; Cursor tells streamable HTTP
  from SSE itself (cursor.com/docs/mcp; the Cursor sections of vendors' MCP guides show the same shape).
- VS Code, ``.vscode/mcp.json``: ``{"servers": {name: {"type": "http", "url", "headers"}}}`` (VS Code's "MCP
  configuration reference", microsoft/vscode-docs docs/copilot/reference/mcp-configuration.md: ``type`` "http" or
  "sse", ``headers`` for authentication).
- Cherry Studio, Settings → MCP → import from JSON: ``{"mcpServers": {name: {"type": "streamableHttp", "baseUrl",
  "headers"}}}`` (CherryHQ/cherry-studio, src/renderer/src/pages/settings/MCPSettings/AddMcpServerModal.tsx: one
  server per import, ``baseUrl`` or ``url``).
- Claude Desktop, ``claude_desktop_config.json``, launches local commands only: ``npx -y mcp-remote <url> --header
  ...`` (geelen/mcp-remote README, "Custom Headers"). The header is written ``Authorization:${MAAS_AUTH_HEADER}``
  with ``Bearer <key>`` in ``env``: the README's workaround for Cursor and Claude Desktop on Windows, which do not
  quote an argument with a space; mcp-remote fills ``${VAR}`` in a header from its environment itself
  (src/lib/utils.ts ``parseCommandLineArgs``), which also refuses a plain-http address other than localhost unless
  ``--allow-http`` is given (added then).
- langchain-mcp-adapters (Python): ``MultiServerMCPClient({name: {"transport": "streamable_http", "url",
  "headers"}})`` and ``await client.get_tools()`` (docs.langchain.com/oss/python/langchain/mcp;
  reference.langchain.com ``StreamableHttpConnection``).
- @langchain/mcp-adapters (JavaScript): ``new MultiServerMCPClient({mcpServers: {name: {transport: "http", url,
  headers}}})`` and ``await client.getTools()`` (langchain-ai/langchainjs libs/langchain-mcp-adapters/README.md;
  docs.langchain.com/oss/javascript/langchain/mcp).

The JSON ones are JSON (a test parses them); the Python one compiles. ``where`` is a ``Message`` (its words, en and
zh, under ``mcp_client.`` in ``workbench/messages/mcp_groups.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from shared.messages import Message
from workbench.messages import MESSAGES

KEY_PLACEHOLDER = "<YOUR_API_KEY>"
CLIENTS = ("cursor", "vscode", "cherry_studio", "claude_desktop", "langchain_python", "langchain_js")
TITLES = {"cursor": "Cursor", "vscode": "VS Code", "cherry_studio": "Cherry Studio",
          "claude_desktop": "Claude Desktop", "langchain_python": "LangChain (Python)",
          "langchain_js": "LangChain.js"}
LANGUAGES = {client: {"langchain_python": "python", "langchain_js": "javascript"}.get(client, "json")
             for client in CLIENTS}
AUTH_ENV = "MAAS_AUTH_HEADER"          # Claude Desktop: the Authorization header's value, in mcp-remote's environment
_LOCAL_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class ClientConfig:
    """One client's configuration: ``text`` to paste (``language``: json | python | javascript) and ``where``."""

    client: str
    title: str
    language: str
    text: str
    where: Message


def server_name(slug: str) -> str:
    """The name a group's endpoint is listed under in a client's configuration (``maas-<slug>``)."""
    return f"maas-{slug}"


def client_configs(url: str, name: str, key_placeholder: str = KEY_PLACEHOLDER) -> list[ClientConfig]:
    """The configurations of every client in ``CLIENTS`` for the endpoint at ``url``, listed as ``name``, with
    ``key_placeholder`` where the user's API key goes."""
    headers = {"Authorization": f"Bearer {key_placeholder}"}
    texts = {
        "cursor": _json({"mcpServers": {name: {"url": url, "headers": headers}}}),
        "vscode": _json({"servers": {name: {"type": "http", "url": url, "headers": headers}}}),
        "cherry_studio": _json({"mcpServers": {name: {"type": "streamableHttp", "baseUrl": url, "headers": headers}}}),
        "claude_desktop": _json({"mcpServers": {name: {
            "command": "npx", "args": ["-y", "mcp-remote", url, "--header", f"Authorization:${{{AUTH_ENV}}}",
                                       *(["--allow-http"] if _needs_allow_http(url) else [])],
            "env": {AUTH_ENV: f"Bearer {key_placeholder}"}}}}),
        "langchain_python": _python(url, name, headers),
        "langchain_js": _javascript(url, name, headers),
    }
    return [ClientConfig(client, TITLES[client], LANGUAGES[client], texts[client],
                         MESSAGES.message(f"mcp_client.{client}")) for client in CLIENTS]


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _needs_allow_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") not in _LOCAL_HOSTS


def _python(url: str, name: str, headers: dict[str, str]) -> str:
    s = json.dumps           # a JSON string is a Python string literal
    header_lines = "".join(f"                {s(k)}: {s(v)},\n" for k, v in headers.items())
    return ("# pip install langchain-mcp-adapters\n"
            "import asyncio\n\n"
            "from langchain_mcp_adapters.client import MultiServerMCPClient\n\n"
            "client = MultiServerMCPClient(\n"
            "    {\n"
            f"        {s(name)}: {{\n"
            '            "transport": "streamable_http",\n'
            f'            "url": {s(url)},\n'
            '            "headers": {\n'
            f"{header_lines}"
            "            },\n"
            "        },\n"
            "    }\n"
            ")\n\n\n"
            "async def main() -> None:\n"
            "    tools = await client.get_tools()  # LangChain tools, for any LangChain agent\n"
            "    for tool in tools:\n"
            '        print(tool.name, "-", tool.description)\n\n\n'
            "asyncio.run(main())\n")


def _javascript(url: str, name: str, headers: dict[str, str]) -> str:
    s = json.dumps           # a JSON string is a JavaScript string literal
    header_lines = "".join(f"        {k if k.isidentifier() else s(k)}: {s(v)},\n" for k, v in headers.items())
    return ("// npm install @langchain/mcp-adapters   (run as an ES module)\n"
            'import { MultiServerMCPClient } from "@langchain/mcp-adapters";\n\n'
            "const client = new MultiServerMCPClient({\n"
            "  mcpServers: {\n"
            f"    {s(name)}: {{\n"
            '      transport: "http",\n'
            f"      url: {s(url)},\n"
            "      headers: {\n"
            f"{header_lines}"
            "      },\n"
            "    },\n"
            "  },\n"
            "});\n\n"
            "const tools = await client.getTools(); // LangChain tools, for any LangChain.js agent\n"
            "for (const tool of tools) {\n"
            '  console.log(tool.name, "-", tool.description);\n'
            "}\n"
            "await client.close();\n")
