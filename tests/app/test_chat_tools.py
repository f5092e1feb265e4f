"""The chat page's MCP tools, called as the browser would (a signed-in user's request), on real services: the picker
(a user's servers and tools, the conversation's choice kept), each tool call as a collapsible step in the answer
(live and when the conversation is opened again), the confirm panel of a destructive tool, another member's server
refused; and once with the embedded model: "现在北京什么时间" answered with a time tool."""

from __future__ import annotations

import json
from types import SimpleNamespace

import gradio as gr
import pytest

from app.chat import page as chat
from tests import aio
from tests.app.chat_handlers import EMBEDDED, drain, req, settings
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.tool_model import MODEL, start_tool_model
from tests.workbench.chat_tools_world import clock_server, gateway_config, make_hub, with_destructive_tool
from tests.workbench.mcp_servers import LabServer, serve
from workbench.conversations import Conversations
from workbench.mcp.catalogue import Catalogue, Viewer
from workbench.mcp.connectors import InProcessConnector
from workbench.mcp.hub import McpHub
from workbench.mcp.remotes import Registration
from workbench.schema import open_store
from workbench.store import store_path

TIME_SERVER = "io.github.modelcontextprotocol/server-time"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """alice's lab server (registered by her, its tools approved) and the chat page over the tool-calling model."""
    tmp = tmp_path_factory.mktemp("chat-tools-page")
    model = start_tool_model()
    (tmp / "model-gw").mkdir()
    gateway = GatewayProcess(tmp / "model-gw", config=gateway_config(tmp / "model-gw", model)).start()
    gw = opened_gateway(tmp / "gw")
    users = {name: gw.accounts.create_user(name, PASSWORD) for name in ("alice", "bob")}
    store = open_store(store_path(tmp / "wb"))
    lab = LabServer("lab")
    deleted = with_destructive_tool(lab)
    hub = make_hub(store, tmp)
    try:
        with serve(lab) as served:
            entry = aio.run(hub.register(Registration(served.url, title="Lab"), Viewer(users["alice"].id)))
            aio.run(hub.approve(entry.id, Viewer(users["alice"].id)))
            convs = Conversations(store)
            setup = chat.ChatSetup(convs, gateway.url + "/v1", key_for=lambda user_id: MASTER_KEY, mcp=hub)
            yield SimpleNamespace(h=chat.ChatPage(gw, setup), convs=convs, users=users, entry=entry, lab=lab,
                                  deleted=deleted, model=model)
    finally:
        gateway.stop()
        model.stop()
        store.close()
        gw.store.close()


def ask(site, user: str, text: str, tool_ids: list[str] | None, conv_id: str = "", lang: str = "en") -> list:
    """Every step the page shows while ``user`` sends ``text`` with ``tool_ids`` chosen."""
    return drain(site.h.answers.send(text, None, conv_id, *settings(MODEL, max_tokens=64), False, "", lang,
                                     req(user, lang), [], tool_ids))


def tool_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if (r.get("metadata") or {}).get("title", "").startswith(("🔧", "⚠️"))]


def test_the_picker_offers_a_users_own_servers_and_keeps_the_conversations_choice(site):
    mine = site.h.tool_state(None, None, "en", req("alice"))
    labels = dict((value, label) for label, value in mine["choices"])
    entry = site.entry.id
    assert labels[entry] == "Lab: all tools" and labels[f"{entry}/add"] == "Lab · add"
    assert labels[f"{entry}/delete_sample"] == "Lab · delete_sample ⚠️ asks first"
    assert mine["value"] == [] and mine["info"].startswith("The model may call these MCP servers' tools")
    zh = site.h.tool_state(None, None, "zh", req("alice", "zh"))
    assert dict((v, label) for label, v in zh["choices"])[entry] == "Lab：全部工具"
    theirs = site.h.tool_state(None, [entry], "en", req("bob"))      # bob never sees alice's server, even asked
    assert theirs["choices"] == [] and theirs["value"] == []
    assert theirs["info"] == f"No longer available to you, so no longer chosen: “{entry}”."
    assert site.h.tool_state(None, None, "en", req("bob"))["info"].startswith("No MCP tools to choose yet")
    steps = ask(site, "alice", 'call echo {"text": "kept"}', [f"{entry}/echo"])
    conv_id = steps[-1].conv_id
    again = site.h.tool_state(conv_id, [], "en", req("alice"))          # reopened: the conversation's own choice
    assert again["value"] == [f"{entry}/echo"]
    with pytest.raises(gr.Error, match="No such conversation"):
        site.h.tool_state(conv_id, [], "en", req("bob"))


def test_each_tool_call_is_a_collapsible_step_live_and_when_reopened(site):
    site.lab.calls.clear()
    steps = ask(site, "alice", 'call add {"a": 2, "b": 3}', [site.entry.id])
    assert site.lab.calls == [("add", {"a": 2, "b": 3})]
    live = [row for step in steps for row in tool_rows(step.bot)]
    assert live[0]["metadata"] == {"title": "🔧 Calling add (Lab)…", "status": "pending"}
    done = tool_rows(steps[-1].bot)
    assert len(done) == 1 and done[0]["metadata"]["title"] == "🔧 Called add (Lab)"
    assert done[0]["metadata"]["status"] == "done" and done[0]["metadata"]["duration"] > 0
    assert '"a": 2' in done[0]["content"] and "**Result (the tool's own output)**\n\n```\n5\n```" in done[0]["content"]
    assert steps[-1].bot[-1]["content"].startswith("Tool said: Output of tool")
    assert steps[-1].confirm_row == {"__type__": "update", "visible": False}
    reopened = site.h.open_conversation(steps[-1].conv_id, "zh", req("alice", "zh"))
    [row] = tool_rows(reopened.bot)
    assert row["metadata"]["title"] == "🔧 已调用 add（Lab）" and "```\n5\n```" in row["content"]


def test_a_bad_argument_is_shown_in_its_step_and_the_model_hears_why(site):
    site.lab.calls.clear()
    steps = ask(site, "alice", 'call add {"a": "two", "b": 3}', [site.entry.id], lang="zh")
    assert site.lab.calls == []
    [row] = tool_rows(steps[-1].bot)
    assert row["metadata"]["title"] == "⚠️ add（Lab）调用失败"
    assert "**原因**" in row["content"] and "“a”" in row["content"]


def test_another_members_server_is_refused_by_the_handler(site):
    before = site.convs.list(site.users["bob"].id)
    for lang, words in (("en", "You cannot use the MCP server or tool"), ("zh", "你不能使用 MCP 服务器或工具")):
        with pytest.raises(gr.Error) as refused:
            ask(site, "bob", 'call add {"a": 1, "b": 1}', [site.entry.id], lang=lang)
        assert refused.value.message.startswith(words) and site.entry.id in refused.value.message
    assert site.convs.list(site.users["bob"].id) == before


def test_a_destructive_tool_waits_for_the_confirm_panel_and_only_its_user_answers(site):
    async def go() -> list:
        seen = []
        stream = site.h.answers.send('call delete_sample {"name": "S9"}', None, "", *settings(MODEL, max_tokens=64),
                                     False, "", "en", req("alice"), [], [site.entry.id])
        async for step in stream:
            seen.append(step)
            if isinstance(step.confirm_row, dict) and step.confirm_row.get("visible"):
                assert "**delete\\_sample** of **Lab** may change or delete data" in step.confirm_note   # Markdown
                assert '"name": "S9"' in step.confirm_note and site.deleted == []
                [row] = tool_rows(step.bot)
                assert row["metadata"]["status"] == "pending" and "waits for your yes" in row["metadata"]["title"]
                with pytest.raises(gr.Error, match="no longer waits"):
                    site.h.answers.confirm(step.confirm_token, "en", req("bob"))
                put_away = site.h.answers.confirm(step.confirm_token, "en", req("alice"))
                assert put_away.confirm_row == {"__type__": "update", "visible": False}
        return seen
    seen = aio.run(go())
    assert site.deleted == ["S9"]
    [row] = tool_rows(seen[-1].bot)
    assert row["metadata"]["title"] == "🔧 Called delete\\_sample (Lab)" and "deleted S9" in row["content"]


def test_the_time_in_beijing_with_the_embedded_model_calls_the_tool_and_shows_its_result(tmp_path, embedded_gateway):
    """The seed's own example: an admin approved the catalogue's Time server (here served in process by a tool like
    mcp-server-time's); a member asks the embedded 0.5B model in Chinese with it chosen. What is asserted is that the
    tool was called and its output is in the answer's step, not what the model wrote."""
    gw = opened_gateway(tmp_path / "gw")
    alice = gw.accounts.create_user("alice", PASSWORD)
    admin = gw.console.actor_for_username("admin")
    store = open_store(store_path(tmp_path / "wb"))
    try:
        clock, answers = clock_server()
        catalogue = Catalogue(store)
        catalogue.seed_bundled()
        hub = McpHub(store, catalogue, [InProcessConnector({TIME_SERVER: clock})])
        [time_entry] = [e for e in catalogue.list(Viewer(alice.id)) if e.name == TIME_SERVER]
        aio.run(hub.approve(time_entry.id, Viewer(admin.user_id, is_admin=True)))
        convs = Conversations(store)
        page = chat.ChatPage(gw, chat.ChatSetup(convs, embedded_gateway.url + "/v1",
                                                key_for=lambda user_id: MASTER_KEY, mcp=hub))
        assert time_entry.id in {v for _, v in page.tool_state(None, None, "zh", req("alice", "zh"))["choices"]}
        steps = drain(page.answers.send("现在北京什么时间", None, "", *settings(EMBEDDED, max_tokens=120), False, "",
                                        "zh", req("alice", "zh"), [], [time_entry.id]))
        assert answers, "the model never called the time tool"
        saved = convs.get(alice.id, steps[-1].conv_id).messages[-1]
        calls = [s for s in saved.steps if s["kind"] == "call" and s["tool"] == "get_current_time"]
        assert calls and calls[0]["status"] == "ok"
        assert json.loads(calls[0]["result"]) == answers[0]            # the tool's own output, as shown
        rows = tool_rows(steps[-1].bot)
        assert rows[0]["metadata"]["title"] == "🔧 已调用 get\\_current\\_time（时间）"
        assert answers[0]["datetime"] in rows[0]["content"]
    finally:
        store.close()
        gw.store.close()
