"""The API docs page's MCP section (``app.docs.mcp``) against a real opened gateway: what the endpoints are, with this
server's address as the reader reached it, each client's configuration for ``/mcp/v1/workbench`` (JSON that parses,
Python that compiles, the key a placeholder), in English and Chinese; and the agent example read from
docs/examples/mcp_agent.py, shown only when that file is there."""

from __future__ import annotations

import json
from types import SimpleNamespace

import gradio as gr
import pytest

from app.docs import mcp as docs_mcp
from app.docs import page as docs
from tests.app.conftest import opened_gateway
from workbench.mcp.client_config import KEY_PLACEHOLDER


@pytest.fixture()
def gateway(tmp_path):
    gw = opened_gateway(tmp_path)
    yield gw
    gw.store.close()


def _request(username: str = "admin", **headers: str) -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"host": "127.0.0.1:7860", **headers})


def test_the_section_says_what_the_endpoints_are_with_this_servers_address(gateway) -> None:
    pages = {lang: docs.DocsPage(gateway).refresh(lang, _request("admin", host="gw.lab:8080"))
             for lang in ("en", "zh")}
    en, zh = pages["en"], pages["zh"]
    for words in ("`http://gw.lab:8080/mcp/v1/workbench`", "`http://gw.lab:8080/mcp/v1/`", "Tool groups",
                  "`Authorization: Bearer sk-maas-…`", "`http://gw.lab:8080/mcp/v1/workbench/sse`", "404",
                  f"`{KEY_PLACEHOLDER}`", "kb_search"):
        assert words in en.mcp_md, words
    assert "工具组" in zh.mcp_md and "`http://gw.lab:8080/mcp/v1/workbench/sse`" in zh.mcp_md
    url = "http://gw.lab:8080/mcp/v1/workbench"
    [cursor] = json.loads(en.mcp_config["cursor"])["mcpServers"].values()
    assert cursor == {"url": url, "headers": {"Authorization": f"Bearer {KEY_PLACEHOLDER}"}}
    for client in ("vscode", "cherry_studio", "claude_desktop"):
        assert url in json.dumps(json.loads(en.mcp_config[client]))
    compile(en.mcp_config["langchain_python"], "langchain_python", "exec")
    assert f'url: "{url}"' in en.mcp_config["langchain_js"]
    assert ".vscode/mcp.json" in en.mcp_where["vscode"] and "保存为" in zh.mcp_where["vscode"]


def test_the_agent_is_read_from_its_file_with_this_servers_address(tmp_path) -> None:
    assert docs_mcp.agent_source(tmp_path) == ""
    empty = docs_mcp.McpDocs.of("https://maas.example.org", "en", "")
    assert empty.mcp_agent["visible"] is False and empty.mcp_agent_md["visible"] is False
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "mcp_agent.py").write_text(
        'URL = "http://127.0.0.1:7860/mcp/v1/workbench"\n', encoding="utf-8")
    source = docs_mcp.agent_source(tmp_path)
    shown = docs_mcp.McpDocs.of("https://maas.example.org/", "zh", source)
    assert shown.mcp_agent["value"] == 'URL = "https://maas.example.org/mcp/v1/workbench"\n'
    assert shown.mcp_agent["visible"] is True and shown.mcp_agent_md["visible"] is True


def test_the_page_shows_the_repositorys_agent_with_this_servers_address(gateway) -> None:
    """The agent tests/app/test_mcp_endpoint.py runs is the one the page shows, its address this server's."""
    page = docs.DocsPage(gateway).refresh("en", _request("admin"))
    assert page.mcp_agent["visible"] is True
    compile(page.mcp_agent["value"], "mcp_agent.py", "exec")
    assert f"export MAAS_URL={gateway.settings.base_url} " in page.mcp_agent["value"]
    assert "streamable_http_client" in page.mcp_agent["value"]


def test_the_section_is_laid_out_with_one_tab_per_client(gateway) -> None:
    from app.shell.i18n import make_i18n

    with gr.Blocks() as demo:
        gr.Markdown("home")
    with demo.route("API docs", "/api-docs") as page:
        docs.build(page, gateway, make_i18n())
    ids = {block.elem_id for block in demo.blocks.values() if getattr(block, "elem_id", None)}
    assert {"docs-mcp", "docs-mcp-config-cursor", "docs-mcp-config-langchain-js", "docs-mcp-agent"} <= ids
