"""The MCP page in a real browser against the real ``python launch.py`` (no models needed) and a real MCP server on
loopback (the SDK's streamable HTTP behind a bearer token, ``tests.workbench.mcp_servers``; 127.0.0.1 allowed by
``MAAS_MCP_ALLOW_PRIVATE_HOSTS``).

1. Alice, a member, in Chinese: registers the lab server for herself ("实验室时间服务", with its token), approves its
   tools, searches the catalogue for "时间", opens the entry, runs ``now`` from its generated form (Asia/Shanghai)
   and sees its answer; then ``plan``, whose form has a nested object, a choice of kinds (``anyOf``, drawn again when
   the branch is chosen) and a list (an entry added); reads a resource and renders a prompt from its arguments'
   form. Bob sees none of it.
2. The admin installs ``mcp-server-time`` from the catalogue (pip, from the configured index: the session's download
   of it, tests/pip_mirror.py; skipped, saying so, when the index cannot be reached), watches its steps and pip's
   last lines on the timer, starts it, reads its log and approves its tools. Alice, in Chinese, runs
   ``get_current_time`` for Asia/Shanghai from its form, then offers it to the chat and asks "现在北京什么时间": the
   answer shows the call as a step (tool, arguments, the server's own
   result). The chat's model is the deterministic tool-calling fake (``tests.fakes.tool_model``: that question is
   its cue to call the tool); the embedded model's turn is ``tests/app/test_chat_tools.py``.

Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import opened_gateway
from tests.app.mcp_world import SHANGHAI_NOON, add_form_tools
from tests.browser import box, open_page, pick, screenshot
from tests.conftest import GatewayProcess
from tests.fakes.tool_model import start_tool_model
from tests.workbench.chat_tools_world import gateway_config
from tests.workbench.mcp_servers import LabServer, serve

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
BOB = ("bob", "Bob-pass-2026")
TOKEN = "sk-browser-lab-9c2d7e4b1a6f3085"
TITLE = "实验室时间服务"
BEIJING = "现在北京什么时间"
# every text the install's progress shows, recorded in the page as it changes
RECORDER = """() => {
  window.seen = [];
  new MutationObserver(() => {
    const text = document.querySelector('#mcp-install')?.innerText.trim();
    if (text && window.seen[window.seen.length - 1] !== text) window.seen.push(text);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture()
def lab():
    server = LabServer()
    add_form_tools(server)
    with serve(server, token=TOKEN) as site:
        yield server, site


@pytest.fixture()
def server(tmp_path, request):
    """The gateway process; a test that asks for ``pip_mirror`` has its installs read the session's download."""
    data = tmp_path / "data"
    gateway = opened_gateway(data)
    for name, password in (ALICE, BOB):
        gateway.accounts.create_user(name, password)
    gateway.store.close()
    model = start_tool_model(cues={BEIJING: 'call get_current_time {"timezone": "Asia/Shanghai"}'})
    mirror = request.getfixturevalue("pip_mirror").env if "pip_mirror" in request.fixturenames else {}
    gw = GatewayProcess(data, config=gateway_config(tmp_path, model),
                        env={"MAAS_MCP_ALLOW_PRIVATE_HOSTS": "127.0.0.1", **mirror}).start()
    yield gw
    gw.stop()
    model.stop()


def test_a_member_registers_a_server_and_runs_its_tools_from_the_form_in_chinese(browser, server, lab, request):
    from playwright.sync_api import expect

    calls, site = lab[0].calls, lab[1]
    with open_page(browser, request, f"{server.url}/mcp", user=ALICE, locale="zh-CN") as page:
        expect(page.locator("#nav-mcp")).to_have_text("MCP 服务")
        expect(page.locator("#mcp-list")).to_contain_text("时间")            # the bundled catalogue, in Chinese
        page.wait_for_timeout(1500)                                           # the load's chain has answered
        expect(page.locator("[data-testid='toast-body']")).to_have_count(0)   # without a refusal

        # register the lab server for herself: its token is never shown again
        page.get_by_role("tab", name="注册服务器").click()
        box(page, "mcp-reg-url").fill(site.url)
        box(page, "mcp-reg-title").fill(TITLE)
        page.locator("#mcp-reg-token input").fill(TOKEN)
        page.locator("#mcp-reg-button").click()
        expect(page.locator("#mcp-reg-notice")).to_contain_text(f"{TITLE} 已注册", timeout=30_000)
        expect(page.locator("#mcp-head")).to_contain_text(TITLE)
        expect(page.locator("#mcp-contents")).to_contain_text("plan", timeout=30_000)
        assert TOKEN not in page.content()

        # approve its tools as listed
        page.get_by_role("tab", name="审批与管理").click()
        expect(page.locator("#mcp-review")).to_contain_text("待批准")
        page.locator("#mcp-approve").click()
        expect(page.locator("#mcp-manage-note")).to_contain_text("已批准")

        # find it in the catalogue by a Chinese word and open it
        page.get_by_role("tab", name="目录").click()
        box(page, "mcp-q").fill("时间")
        expect(page.locator("#mcp-list")).to_contain_text(TITLE)
        page.locator("#mcp-pick input").click()
        page.get_by_role("option", name=re.compile(f"^{TITLE} · ")).click()
        expect(page.locator("#mcp-head")).to_contain_text("仅自己")

        # run `now` from its form
        page.get_by_role("tab", name="运行工具").click()
        pick(page, "mcp-tool-pick", "now")
        expect(page.locator("#mcp-arg-timezone")).to_contain_text("Timezone *")
        expect(page.locator("#mcp-arg-timezone")).to_contain_text("An IANA timezone")
        box(page, "mcp-arg-timezone").fill("Asia/Shanghai")
        page.locator("#mcp-run").click()
        expect(page.locator("#mcp-result")).to_contain_text(SHANGHAI_NOON, timeout=30_000)
        expect(page.locator("#mcp-result")).to_contain_text("成功")
        assert ("now", {"timezone": "Asia/Shanghai"}) in calls
        screenshot(page, request, "now")

        # `plan`: a nested object, a choice of kinds and a list; an empty required field is refused and marked
        pick(page, "mcp-tool-pick", "plan")
        expect(page.locator("#mcp-arg-where-city")).to_be_visible()
        page.locator("#mcp-run").click()
        expect(page.locator("#mcp-result")).to_contain_text("“where.city”为必填项", timeout=30_000)
        expect(page.locator("#mcp-arg-where-city")).to_have_class(re.compile("maas-invalid"))
        box(page, "mcp-arg-where-city").fill("Beijing")
        pick(page, "mcp-arg-when", "string")                                  # the branch's box is drawn
        box(page, "mcp-arg-when-1").fill("May Day")
        page.locator("#mcp-arg-guests-add").click()
        box(page, "mcp-arg-guests-0").fill("Li")
        expect(box(page, "mcp-arg-where-city")).to_have_value("Beijing")       # kept while the form was redrawn
        page.locator("#mcp-run").click()
        expect(page.locator("#mcp-result")).to_contain_text("Visit Beijing (CN) on 'May Day' with 1 guest(s)",
                                                            timeout=30_000)
        screenshot(page, request, "plan")

        # a resource read, a prompt rendered from its arguments' form
        page.get_by_role("tab", name="资源与提示词").click()
        page.locator("#mcp-read").click()
        expect(page.locator("#mcp-side")).to_contain_text("Buffer pH 7.4", timeout=30_000)
        pick(page, "mcp-prompt-pick", "greet")
        box(page, "mcp-parg-name").fill("陈博士")
        page.locator("#mcp-get-prompt").click()
        expect(page.locator("#mcp-side")).to_contain_text("Say hello to 陈博士, warmly.", timeout=30_000)

        # my runs
        page.get_by_role("tab", name="我的运行记录").click()
        page.locator("#mcp-runs-refresh").click()
        expect(page.locator("#mcp-runs")).to_contain_text("plan")

    with open_page(browser, request, f"{server.url}/mcp", user=BOB) as page:
        expect(page.locator("#mcp-list")).to_contain_text("Time")
        box(page, "mcp-q").fill("lab")
        expect(page.locator("#mcp-list")).not_to_contain_text(TITLE)
        page.get_by_role("tab", name="My runs").click()
        expect(page.locator("#mcp-runs")).to_contain_text("You have not run any tool yet.")


def test_an_admin_installs_the_time_server_and_a_member_runs_it_and_asks_the_chat(browser, pip_mirror, server,
                                                                                  request):
    from playwright.sync_api import expect

    if pip_mirror.why:
        pytest.skip(f"the Python package index is unreachable from here (pip download: {pip_mirror.why})")
    with open_page(browser, request, f"{server.url}/mcp", locale="en-US") as page:
        expect(page.locator("#mcp-tab-admin")).to_be_attached()
        page.wait_for_timeout(1500)
        expect(page.locator("[data-testid='toast-body']")).to_have_count(0)
        pick(page, "mcp-pick", "Time · io.github.modelcontextprotocol/server-time")
        expect(page.locator("#mcp-head")).to_contain_text("Not installed")
        page.get_by_role("tab", name="Install and run").click()
        expect(page.locator("#mcp-install")).to_contain_text("Not installed yet")
        expect(page.locator("#mcp-value-arg---local-timezone")).to_contain_text("The IANA timezone")
        box(page, "mcp-value-arg---local-timezone").fill("Asia/Shanghai")
        page.evaluate(RECORDER)
        page.locator("#mcp-install-button").click()
        expect(page.locator("#mcp-install")).to_contain_text("Installed", timeout=600_000)
        expect(page.locator("#mcp-install")).not_to_contain_text("step", timeout=10_000)
        seen = page.evaluate("window.seen")
        assert any("step 2 of 3: pip" in text for text in seen), seen            # the timer showed pip's step
        assert any("mcp-server-time" in text and "Collecting" in text for text in seen), seen   # and its output
        expect(page.locator("#mcp-head")).to_contain_text("Installed (stopped)")
        expect(page.locator("#mcp-install-button")).to_have_text("Save values (they apply at the next start)")
        expect(box(page, "mcp-value-arg---local-timezone")).to_have_value("Asia/Shanghai")
        page.locator("#mcp-start").click()
        expect(page.locator("#mcp-install-note")).to_contain_text("The server is running.", timeout=120_000)
        expect(page.locator("#mcp-install")).to_contain_text("Running")
        expect(page.locator("#mcp-head")).to_contain_text("Running")
        page.locator("#mcp-server-log").click()
        expect(page.locator("#mcp-log")).to_contain_text("== start")
        screenshot(page, request, "installed")
        page.get_by_role("tab", name="Approve and manage").click()             # its tools, for the members
        expect(page.locator("#mcp-review")).to_contain_text("get_current_time", timeout=30_000)
        page.locator("#mcp-approve").click()
        expect(page.locator("#mcp-manage-note")).to_contain_text("Approved")
        page.get_by_role("tab", name="Administration").click()
        page.locator("#mcp-admin-refresh").click()
        expect(page.locator("#mcp-installs")).to_contain_text("pypi:mcp-server-time==2026.10.19")
        expect(page.locator("#mcp-audit")).to_contain_text("installed")

    with open_page(browser, request, f"{server.url}/mcp", user=ALICE, locale="zh-CN") as page:
        pick(page, "mcp-pick", "时间 · io.github.modelcontextprotocol/server-time")
        expect(page.locator("#mcp-head")).to_contain_text("运行中")
        page.get_by_role("tab", name="运行工具").click()
        pick(page, "mcp-tool-pick", "get_current_time")
        box(page, "mcp-arg-timezone").fill("Asia/Shanghai")
        page.locator("#mcp-run").click()
        expect(page.locator("#mcp-result")).to_contain_text('"timezone": "Asia/Shanghai"', timeout=30_000)
        expect(page.locator("#mcp-result")).to_contain_text("+08:00")
        expect(page.locator("#mcp-result")).to_contain_text("成功")
        screenshot(page, request, "get-current-time")

        page.goto(f"{server.url}/chat")
        page.locator("#chat-tools input").click()
        page.get_by_role("option", name="时间：全部工具", exact=True).click()
        page.keyboard.press("Escape")
        page.locator("#chat-input textarea").fill(BEIJING)
        page.locator("#chat-input textarea").press("Enter")
        step = page.locator("#chat-bot .thought-group").filter(has_text="get_current_time")
        expect(step).to_contain_text("🔧 已调用 get_current_time（时间）", timeout=60_000)
        answer = page.locator("#chat-bot [data-testid=bot]").last
        expect(answer).to_contain_text("Asia/Shanghai", timeout=60_000)
        step.locator(".title").first.click()                                   # opened: the arguments and result
        expect(step).to_contain_text('"timezone": "Asia/Shanghai"')
        expect(step).to_contain_text("+08:00")
        screenshot(page, request, "chat-beijing")

    with open_page(browser, request, f"{server.url}/mcp", locale="en-US") as page:
        page.get_by_role("tab", name="Administration").click()                # her two calls, charted
        page.locator("#mcp-admin-refresh").click()
        expect(page.locator("#mcp-usage tbody tr").filter(has_text="server-time")).to_contain_text("2")
        expect(page.locator("#mcp-usage-plot")).to_contain_text("Calls")        # its titles, in the page's language
        expect(page.locator("#mcp-usage-plot")).to_contain_text("Succeeded")
        screenshot(page, request, "usage")
        page.get_by_role("tab", name="Catalogue").click()
        pick(page, "mcp-pick", "Time · io.github.modelcontextprotocol/server-time")
        page.get_by_role("tab", name="Install and run").click()
        page.locator("#mcp-stop").click()
        expect(page.locator("#mcp-install-note")).to_contain_text("The server is stopped.")
