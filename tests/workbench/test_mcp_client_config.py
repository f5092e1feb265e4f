"""The configurations users paste into MCP clients (``workbench.mcp.client_config``): the JSON ones parse and say the
endpoint's address and the Authorization header in their client's shape, the Python compiles, the JavaScript is a
valid ES module (Node, when it is installed), the key is always the placeholder, and where each goes is said in
both languages."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from workbench.mcp.client_config import AUTH_ENV, CLIENTS, KEY_PLACEHOLDER, client_configs, server_name

URL = "https://maas.example.org/prefix/mcp/v1/lab-tools"
NAME = server_name("lab-tools")
REAL_KEY = "sk-maas-0123456789abcdef"


@pytest.fixture(scope="module")
def configs() -> dict:
    return {config.client: config for config in client_configs(URL, NAME)}


def _server(config: dict, key: str = "mcpServers") -> dict:
    assert list(config) == [key] and list(config[key]) == [NAME]
    return config[key][NAME]


WHERE = {"cursor": "~/.cursor/mcp.json", "vscode": ".vscode/mcp.json", "cherry_studio": "Import from JSON",
         "claude_desktop": "claude_desktop_config.json", "langchain_python": "pip install langchain-mcp-adapters",
         "langchain_js": "npm install @langchain/mcp-adapters"}


def test_every_client_has_a_configuration_with_words_on_where_it_goes(configs) -> None:
    assert list(configs) == list(CLIENTS)
    for client, config in configs.items():
        assert config.text.strip() and config.title
        assert config.language in ("json", "python", "javascript")
        english, chinese = config.where.text("en"), config.where.text("zh")
        assert WHERE[client] in english, english
        assert english != chinese and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


def test_the_json_configurations_parse_and_carry_the_address_and_the_key_header(configs) -> None:
    header = {"Authorization": f"Bearer {KEY_PLACEHOLDER}"}
    cursor = _server(json.loads(configs["cursor"].text))
    assert cursor == {"url": URL, "headers": header}
    vscode = _server(json.loads(configs["vscode"].text), "servers")
    assert vscode == {"type": "http", "url": URL, "headers": header}
    cherry = _server(json.loads(configs["cherry_studio"].text))
    assert cherry == {"type": "streamableHttp", "baseUrl": URL, "headers": header}
    claude = _server(json.loads(configs["claude_desktop"].text))
    assert claude["command"] == "npx" and claude["args"][:3] == ["-y", "mcp-remote", URL]
    # the header's value comes from the environment mcp-remote is given (no space inside an argument)
    assert claude["args"][3:] == ["--header", f"Authorization:${{{AUTH_ENV}}}"]
    assert claude["env"] == {AUTH_ENV: f"Bearer {KEY_PLACEHOLDER}"}
    assert [c.client for c in configs.values() if c.language == "json"] == [
        "cursor", "vscode", "cherry_studio", "claude_desktop"]


def test_mcp_remote_is_allowed_plain_http_only_where_it_refuses_it() -> None:
    def claude_args(url: str) -> list[str]:
        [claude] = [c for c in client_configs(url, NAME) if c.client == "claude_desktop"]
        return _server(json.loads(claude.text))["args"]

    assert "--allow-http" in claude_args("http://10.1.2.3:7860/mcp/v1/lab-tools")
    assert "--allow-http" not in claude_args("http://127.0.0.1:7860/mcp/v1/lab-tools")
    assert "--allow-http" not in claude_args(URL)


def test_the_python_example_compiles_and_connects_as_documented(configs) -> None:
    source = configs["langchain_python"].text
    compile(source, "langchain_python", "exec")
    assert "from langchain_mcp_adapters.client import MultiServerMCPClient" in source
    assert '"transport": "streamable_http"' in source and f'"url": "{URL}"' in source
    assert f'"Authorization": "Bearer {KEY_PLACEHOLDER}"' in source and "await client.get_tools()" in source


def test_the_javascript_example_is_an_es_module_as_documented(configs, tmp_path) -> None:
    source = configs["langchain_js"].text
    assert 'import { MultiServerMCPClient } from "@langchain/mcp-adapters";' in source
    assert 'transport: "http"' in source and f'url: "{URL}"' in source
    assert f'Authorization: "Bearer {KEY_PLACEHOLDER}"' in source and "await client.getTools()" in source
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the module's syntax is not checked")
    path = tmp_path / "example.mjs"
    path.write_text(source, encoding="utf-8")
    checked = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_the_placeholder_is_the_only_key_and_another_can_be_asked_for() -> None:
    for config in client_configs(URL, NAME):
        assert KEY_PLACEHOLDER in config.text and "sk-" not in config.text
    for config in client_configs(URL, NAME, key_placeholder="${MAAS_API_KEY}"):
        assert "${MAAS_API_KEY}" in config.text and KEY_PLACEHOLDER not in config.text
    # a key given as the placeholder (what a test does with a real key) lands in each configuration verbatim
    for config in client_configs(URL, NAME, key_placeholder=REAL_KEY):
        if config.language == "json":
            assert REAL_KEY in json.dumps(json.loads(config.text))


def test_a_quote_in_the_address_stays_inside_its_string() -> None:
    odd = 'https://h.example/mcp/v1/a"b'
    for config in client_configs(odd, 'n"x'):
        if config.language == "json":
            assert odd in json.dumps(json.loads(config.text), ensure_ascii=False).replace('\\"', '"')
        elif config.language == "python":
            compile(config.text, "odd", "exec")
