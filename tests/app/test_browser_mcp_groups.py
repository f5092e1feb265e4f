"""Tool groups in a real browser against the real ``python launch.py`` (its embedded models off: none is needed) and a
real MCP server on loopback (the SDK's streamable HTTP behind a bearer token, ``tests.workbench.mcp_servers``;
127.0.0.1 allowed by ``MAAS_MCP_ALLOW_PRIVATE_HOSTS``), then the group's endpoint from the official MCP client.

Alice, in Chinese: registers the lab server and approves its tools, makes the group "lab-tools" from the lab's
``now`` and ``plan`` and the workbench's ``kb_search`` on the MCP page's 工具组 tab, and sees its address and the
Cursor configuration. The test reads that Cursor JSON from the page, puts Alice's real key (made through the admin
API) where the placeholder is, and with the SDK's ``Client`` over streamable HTTP with exactly those headers lists
the group's tools and calls the lab's ``now``. Bob's key on the same address gets 404, as for a group that does not
exist. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.mcp_world import SHANGHAI_NOON, add_form_tools
from tests.browser import box, member_key, open_page, pick, screenshot
from tests.conftest import GatewayProcess
from tests.workbench.mcp_servers import LabServer, serve
from workbench.mcp.client_config import KEY_PLACEHOLDER

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
BOB = ("bob", "Bob-pass-2026")
TOKEN = "sk-browser-groups-4f1e8a2c9b7d3065"
TITLE = "实验室时间服务"
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}


@pytest.fixture()
def lab():
    server = LabServer()
    add_form_tools(server)
    with serve(server, token=TOKEN) as site:
        yield server, site


@pytest.fixture()
def server(tmp_path):
    data = tmp_path / "data"
    gateway = opened_gateway(data)
    ids = {name: gateway.accounts.create_user(name, password).id for name, password in (ALICE, BOB)}
    gateway.store.close()
    config = tmp_path / "models.yaml"
    config.write_text("gateway: {embedded: {enabled: false}}\n")
    gw = GatewayProcess(data, config=config, env={"MAAS_MCP_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}).start()
    gw.ids = ids
    yield gw
    gw.stop()


def api_key(server, username: str) -> str:
    """A key of ``username``'s, made by the admin through the admin API."""
    return member_key(server.url, server.ids[username], "mcp client")


async def list_and_call(url: str, headers: dict[str, str]) -> tuple[list[str], object]:
    """The group's tools and ``now``'s result, through the official SDK over streamable HTTP with ``headers``."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            listed = await client.list_tools()
            result = await client.call_tool("now", {"timezone": "Asia/Shanghai"})
    return [tool.name for tool in listed.tools], result


def test_alice_makes_a_group_and_her_mcp_client_uses_it_with_the_configuration_shown(browser, server, lab,
                                                                                       request) -> None:
    from playwright.sync_api import expect

    calls, site = lab[0].calls, lab[1]
    url = f"{server.url}/mcp/v1/lab-tools"
    with open_page(browser, request, f"{server.url}/mcp", user=ALICE, locale="zh-CN") as page:
        expect(page.locator("#mcp-list")).to_contain_text("时间")
        # the lab server, registered for herself and its tools approved
        page.get_by_role("tab", name="注册服务器").click()
        box(page, "mcp-reg-url").fill(site.url)
        box(page, "mcp-reg-title").fill(TITLE)
        page.locator("#mcp-reg-token input").fill(TOKEN)
        page.locator("#mcp-reg-button").click()
        expect(page.locator("#mcp-reg-notice")).to_contain_text(f"{TITLE} 已注册", timeout=30_000)
        expect(page.locator("#mcp-contents")).to_contain_text("now", timeout=30_000)
        page.get_by_role("tab", name="审批与管理").click()
        page.locator("#mcp-approve").click()
        expect(page.locator("#mcp-manage-note")).to_contain_text("已批准")

        # the tool groups tab: shown again, it offers the tools approved meanwhile
        page.get_by_role("tab", name="工具组", exact=True).click()
        expect(page.locator("#mcp-group-list")).to_contain_text("还没有工具组")
        expect(box(page, "mcp-group-url")).to_have_value(f"{server.url}/mcp/v1/workbench")
        box(page, "mcp-group-slug").fill("Lab Tools")                   # refused, naming the field
        box(page, "mcp-group-name").fill("实验室工具组")
        pick(page, "mcp-group-members", f"{TITLE}：now")
        pick(page, "mcp-group-members", f"{TITLE}：plan")
        pick(page, "mcp-group-members", "MaaS 工作台：kb_search · 检索知识库")
        page.locator("#mcp-group-save").click()
        expect(page.locator("#mcp-group-notice")).to_contain_text("不能用作工具组的地址名")
        expect(page.locator("#mcp-group-slug")).to_have_class(re.compile("maas-invalid"))
        box(page, "mcp-group-slug").fill("lab-tools")
        page.locator("#mcp-group-save").click()
        expect(page.locator("#mcp-group-notice")).to_contain_text(f"“实验室工具组”已保存：其端点为 {url}")
        expect(page.locator("#mcp-group-list")).to_contain_text("/mcp/v1/lab-tools")
        expect(page.locator("#mcp-group-list")).to_contain_text(f"{TITLE}：now")
        expect(box(page, "mcp-group-url")).to_have_value(url)
        expect(box(page, "mcp-group-sse-url")).to_have_value(f"{url}/sse")
        expect(page.locator("#mcp-group-endpoint")).to_contain_text("“实验室工具组”的端点")
        expect(page.locator("#mcp-group-key-note")).to_contain_text(KEY_PLACEHOLDER)
        expect(page.locator("#mcp-group-where-cursor")).to_contain_text("~/.cursor/mcp.json")
        cursor = page.locator("#mcp-group-config-cursor .cm-content")
        expect(cursor).to_contain_text(url)
        shown = cursor.inner_text()
        screenshot(page, request, "group")
    assert "sk-" not in shown

    # what Alice pastes into Cursor, with her key where the placeholder is: her MCP client uses exactly that
    alice_key, bob_key = api_key(server, "alice"), api_key(server, "bob")
    [config] = json.loads(shown.replace(KEY_PLACEHOLDER, alice_key))["mcpServers"].values()
    assert config["url"] == url and config["headers"] == {"Authorization": f"Bearer {alice_key}"}
    names, result = aio.run(list_and_call(config["url"], config["headers"]))
    assert set(names) == {"now", "plan", "kb_search"}                     # only the tools chosen
    assert result.is_error is False and SHANGHAI_NOON in result.content[0].text
    assert ("now", {"timezone": "Asia/Shanghai"}) in calls

    # the same request with Bob's key: 404, as for a group that does not exist; with Alice's, it answers
    def initialize(key: str, address: str = url) -> httpx.Response:
        return httpx.post(address, json=INITIALIZE, timeout=30, headers={
            "Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"})

    assert initialize(alice_key).status_code == 200
    bobs, missing = initialize(bob_key), initialize(bob_key, f"{server.url}/mcp/v1/no-such-group")
    assert bobs.status_code == missing.status_code == 404 and bobs.json() == missing.json()
    assert "lab-tools" not in bobs.text and TITLE not in bobs.text

    with open_page(browser, request, f"{server.url}/mcp", user=BOB) as page:
        page.get_by_role("tab", name="Tool groups", exact=True).click()
        expect(page.locator("#mcp-group-list")).to_contain_text("No tool groups yet")
        expect(page.locator("#mcp-group-list")).not_to_contain_text("lab-tools")
