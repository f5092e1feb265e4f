"""Chat page handlers, called as the browser would (a signed-in user's request), on real services.

A real Gateway with its DuckDB (accounts; no models started) and a real workbench store in tmp. The
streams talk HTTP to the real embedded gateway process (``embedded_gateway``) with its master key.
Nobody opens, renames, deletes, exports or answers in another member's conversation.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
import yaml

from app.chat import page as chat
from app.chat import view as chat_view
from gateway.routing.catalogue import EMBEDDED_THINKING_BUDGET
from tests import aio
from tests.app.chat_handlers import EMBEDDED, drain, req, settings
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.searxng import ARTICLE_SENTENCE, start_search_fake
from tests.fakes.upstream import start_fake
from tests.workbench.documents import FACT, report_pdf
from workbench.attachments import MB, Attachments
from workbench.chat import ChatEngine
from workbench.conversations import Conversations
from workbench.schema import open_store
from workbench.store import store_path
from workbench.websearch_client import searcher

NOWHERE = "http://127.0.0.1:9/v1"          # for the handlers that never reach a model


def make_site(tmp_path: Path, base_url: str) -> SimpleNamespace:
    gw = opened_gateway(tmp_path / "gw")
    users = {name: gw.accounts.create_user(name, PASSWORD) for name in ("alice", "bob")}
    store = open_store(store_path(tmp_path / "wb"))
    convs = Conversations(store)
    setup = chat.ChatSetup(convs, base_url, key_for=lambda user_id: MASTER_KEY)
    return SimpleNamespace(gw=gw, store=store, convs=convs, users=users, h=chat.ChatPage(gw, setup))


@pytest.fixture()
def site(tmp_path):
    s = make_site(tmp_path, NOWHERE)
    yield s
    s.store.close()
    s.gw.store.close()


@pytest.fixture()
def live(tmp_path, embedded_gateway):
    s = make_site(tmp_path, embedded_gateway.url + "/v1")
    yield s
    s.store.close()
    s.gw.store.close()


def send(site, user: str, text: str, conv_id: str = "", *, lang: str = "en", **kw) -> list[tuple]:
    return drain(site.h.answers.send(text, None, conv_id, *settings(**kw), False, "", lang, req(user, lang)))


def seeded(site, user: str = "alice", title_words: str = "Photosynthesis in C4 plants") -> str:
    """A saved exchange (no model needed): returns the conversation id."""
    uid = site.users[user].id
    conv = site.convs.create(uid, model=EMBEDDED)
    site.convs.add_message(uid, conv.id, "user", f"{title_words}?")
    site.convs.add_message(uid, conv.id, "assistant", "Carbon is fixed twice.", reasoning="Recall Kranz anatomy.",
                           reasoning_seconds=3.4, model=EMBEDDED)
    return conv.id


def choices(update: dict) -> list[tuple[str, str]]:
    return [tuple(c) for c in update["choices"]]


# ---------------------------------------------------------------- pure parts


def test_thinking_block_says_the_seconds_and_the_budget_left_while_it_runs_and_how_long_when_done():
    pending = chat_view.thought_block("so far", 12.7, "en", pending=True, budget=320, used=140)
    assert pending["metadata"] == {"title": "Thinking… 12 s · about 180 of 320 tokens left", "status": "pending"}
    spent = chat_view.thought_block("so far", 31.2, "zh", pending=True, budget=320, used=333)
    assert spent["metadata"]["title"] == "思考中… 31 秒 · 预算 320 token，约剩 0"
    native = chat_view.thought_block("", 3.2, "en", pending=True)            # a reasoning model: no budget forced
    assert native["metadata"] == {"title": "Thinking… 3 s", "status": "pending"}
    assert chat_view.thought_block("", None, "zh", pending=True)["metadata"]["title"] == "思考中… 0 秒"
    done = chat_view.thought_block("all of it", 11.6, "zh")
    assert done["metadata"] == {"title": "已思考 12 秒", "status": "done"} and done["content"] == "all of it"


def test_ticking_passes_events_on_ticks_while_none_come_and_stops_the_source_when_closed():
    """The answer's clock: None after each quiet second; closed meanwhile (Stop), the engine is stopped where it
    waits (its finally saves the answer) before the page goes on."""
    import asyncio
    import contextlib

    from app.chat.answer import ticking

    stopped: list[str] = []

    async def engine():
        try:
            await asyncio.sleep(0.05)
            yield "thought"
            await asyncio.sleep(30)
            yield "never"
        finally:
            stopped.append("saved")

    async def go() -> list:
        async with contextlib.aclosing(engine()) as events, contextlib.aclosing(ticking(events, 0.2)) as ticks:
            seen = [await anext(ticks), await anext(ticks), await anext(ticks)]
        return seen

    assert aio.run(go()) == ["thought", None, None] and stopped == ["saved"]


def test_the_thinking_budget_starts_at_the_chosen_models_default(site):
    """The embedded 0.5B model thinks ~1,024 tokens in minutes on 2 cores: its budget starts at its own default
    (the catalogue's ``thinking_budget``); a budget the user saved on a conversation is kept."""
    default = site.gw.catalogue.get(EMBEDDED).capabilities.thinking_budget
    assert default == EMBEDDED_THINKING_BUDGET < 1024
    assert site.h.load("", "en", req("alice")).budget == default                  # the page opens on a new chat
    assert site.h.new_chat(EMBEDDED, "", "en", req("alice")).budget == default
    assert site.h.model_budget(EMBEDDED) == default and site.h.model_budget("not-in-the-catalogue") == 1024
    cid = seeded(site)                                                         # no budget saved on it
    assert site.h.open_conversation(cid, "en", req("alice")).budget == default
    site.h.save_settings(cid, EMBEDDED, True, 96, "", None, None, None, "en", req("alice"))
    assert site.h.open_conversation(cid, "en", req("alice")).budget == 96


def test_saved_messages_render_with_the_thinking_apart_and_questions_keep_their_ids(site):
    cid = seeded(site)
    conv = site.convs.get(site.users["alice"].id, cid)
    rows = chat_view.message_rows(conv.messages, "en")
    assert [r["role"] for r, _ in rows] == ["user", "assistant", "assistant"]
    assert rows[0] == ({"role": "user", "content": "Photosynthesis in C4 plants?"}, conv.messages[0].id)
    assert rows[1][0]["metadata"]["title"] == "Thought for 3 s" and rows[1][0]["content"] == "Recall Kranz anatomy."
    assert rows[2][0] == {"role": "assistant", "content": "Carbon is fixed twice."} and rows[2][1] is None
    stopped = chat_view.answer_rows("zh", content="半句", stopped=True, error="模型服务出错。")
    assert stopped == [{"role": "assistant", "content": "半句\n\n*（已停止）*\n\n⚠️ 模型服务出错。"}]
    found = chat_view.answer_rows("en", content="See [1].", sources=[{"index": 1, "title": "Kranz", "url": "https://k.org"}])
    assert found[0]["metadata"]["title"] == "Found 1 web pages" and "[Kranz](https://k.org)" in found[0]["content"]


@pytest.mark.parametrize(("host", "url"), [("0.0.0.0", "http://127.0.0.1:7860/v1"), ("", "http://127.0.0.1:7860/v1"),
                                           ("127.0.0.1", "http://127.0.0.1:7860/v1"), ("::", "http://[::1]:7860/v1"),
                                           ("10.1.2.3", "http://10.1.2.3:7860/v1")])
def test_the_engine_calls_this_process_on_an_address_it_can_reach(host, url):
    assert chat.local_api_url(host, 7860) == url


# ---------------------------------------------------------------- who may do what


def test_signed_out_callers_are_refused_by_every_handler_streams_included(site):
    cid = seeded(site)
    h, out = site.h, req(None)
    edit = gr.EditData(None, {"index": 0, "value": "changed", "previous_value": "x"})
    calls = [lambda: h.load("", "en", out), lambda: h.open_conversation(cid, "en", out),
             lambda: h.redraw(cid, "en", out),
             lambda: h.new_chat(EMBEDDED, "", "en", out), lambda: h.search("C4", cid, "en", out),
             lambda: h.rename(cid, "Mine now", "", "en", out), lambda: h.delete(cid, "", "en", out),
             lambda: h.export_markdown(cid, "en", out), lambda: h.export_json(cid, "en", out),
             lambda: h.save_settings(cid, *settings(), "en", out),
             lambda: drain(h.answers.send("hi", None, cid, *settings(), False, "", "en", out)),
             lambda: drain(h.answers.regenerate(cid, *settings(), False, "", "en", out)),
             lambda: drain(h.answers.resend(cid, *settings(), False, "", "en", edit, out))]
    for call in calls:
        with pytest.raises(gr.Error, match="sign in again"):
            call()
    conv = site.convs.get(site.users["alice"].id, cid)
    assert conv.title == "Photosynthesis in C4 plants" and len(conv.messages) == 2


def test_another_member_can_never_reach_a_conversation(site):
    cid = seeded(site)
    h, bob = site.h, req("bob")
    edit = gr.EditData(None, {"index": 0, "value": "changed", "previous_value": "x"})
    refused = [lambda: h.open_conversation(cid, "en", bob), lambda: h.redraw(cid, "en", bob),
               lambda: h.rename(cid, "Bob's now", "", "en", bob),
               lambda: h.delete(cid, "", "en", bob), lambda: h.export_markdown(cid, "en", bob),
               lambda: h.export_json(cid, "en", bob), lambda: h.save_settings(cid, *settings(), "en", bob),
               lambda: drain(h.answers.send("tell me", None, cid, *settings(), False, "", "en", bob)),
               lambda: drain(h.answers.regenerate(cid, *settings(), False, "", "en", bob)),
               lambda: drain(h.answers.resend(cid, *settings(), False, "", "en", edit, bob))]
    for call in refused:
        with pytest.raises(gr.Error, match="No such conversation"):
            call()
    # the address ?c=<id> opens nothing either, and bob's list and search show none of it
    loaded = h.load("", "en", req("bob", c=cid))
    assert loaded.bot == [] and loaded.conv_id == "" and "No such conversation" in loaded.notice
    assert loaded.list_note == "No conversations yet: type a message to start one."
    assert choices(loaded.conv_list) == [] and choices(h.search("Photosynthesis", "", "en", bob).conv_list) == []
    assert "没有这个对话" in h.load("", "zh", req("bob", "zh", c=cid)).notice
    conv = site.convs.get(site.users["alice"].id, cid)
    assert conv.title == "Photosynthesis in C4 plants" and len(conv.messages) == 2 and conv.settings.max_tokens is None


def test_without_the_workbench_store_the_page_says_chat_is_off(site):
    h = chat.ChatPage(site.gw, None)
    with pytest.raises(gr.Error, match="Chat is not available"):
        h.load("", "en", req("alice"))
    with pytest.raises(gr.Error, match="sign in again"):
        h.load("", "en", req(None))


# ---------------------------------------------------------------- the list and the open conversation


def test_load_lists_newest_first_offers_chat_models_and_reopens_the_address(site):
    first = seeded(site, title_words="Photosynthesis in C4 plants")
    second = seeded(site, title_words="Dark matter halos")
    seeded(site, "bob", "Bob's secret plans")
    loaded = site.h.load("", "en", req("alice"))
    conv_list, note, web, bot, conv_id, model = (loaded.conv_list, loaded.list_note, loaded.web, loaded.bot,
                                                 loaded.conv_id, loaded.model)
    assert choices(conv_list) == [("Dark matter halos", second), ("Photosynthesis in C4 plants", first)]
    assert note == "" and loaded.notice == ""
    assert model["choices"] == [EMBEDDED] and model["value"] == EMBEDDED        # chat models only
    assert web["interactive"] is False and web["info"] == "Web search is not configured on this server."
    assert bot == [] and conv_id == ""
    reopened = site.h.load("", "zh", req("alice", "zh", c=first))
    assert reopened.conv_id == first and reopened.conv_list["value"] == first
    assert reopened.title == "Photosynthesis in C4 plants"
    assert reopened.bot[1]["metadata"] == {"title": "已思考 3 秒", "status": "done"}


def test_open_search_rename_delete_and_new_chat(site):
    cid = seeded(site)
    other = seeded(site, title_words="Dark matter halos")
    alice = req("alice")
    opened = site.h.open_conversation(cid, "en", alice)
    assert opened.conv_id == cid and opened.bot[0]["content"] == "Photosynthesis in C4 plants?" and opened.notice == ""
    assert opened.model["value"] == EMBEDDED and opened.title == "Photosynthesis in C4 plants"
    # search finds titles and message text; a miss says so
    kranz = site.h.search("kranz", cid, "en", alice).conv_list
    assert [c[1] for c in choices(kranz)] == []                                    # reasoning is not content
    hits, note = site.h.search("carbon", cid, "en", alice).outputs()
    assert {c[1] for c in choices(hits)} == {cid, other} and hits["value"] == cid and note == ""
    hits, note = site.h.search("halos", cid, "en", alice).outputs()
    assert choices(hits) == [("Dark matter halos", other)] and hits["value"] is None
    assert site.h.search("quasar", cid, "zh", req("alice", "zh")).list_note == "没有对话包含“quasar”。"
    # rename, refused when empty (the field named), and the list follows
    with pytest.raises(gr.Error, match="Enter a title"):
        site.h.rename(cid, "  ", "", "en", alice)
    renamed = site.h.rename(cid, "C4 notes", "", "en", alice)
    conv_list, note = renamed.conv_list, renamed.notice
    assert ("C4 notes", cid) in choices(conv_list) and note == "Renamed to “C4 notes”."
    # delete empties the chat and refreshes the list
    out = site.h.delete(cid, "", "en", alice)
    assert choices(out.conv_list) == [("Dark matter halos", other)] and out.bot == [] and out.conv_id == ""
    assert out.notice == "Deleted “C4 notes”."
    with pytest.raises(gr.Error, match="No such conversation"):
        site.h.open_conversation(cid, "en", alice)
    new = site.h.new_chat(EMBEDDED, "", "en", alice)
    assert new.bot == [] and new.conv_id == "" and new.model["value"] == EMBEDDED and new.thinking is False


def test_export_markdown_and_json_download_the_whole_conversation(site):
    """The buttons hand out the owner-checked export route's address (app.chat_export), never a file."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app.http.chat_export import routes

    cid = seeded(site)
    md = site.h.export_markdown(cid, "zh", req("alice", "zh"))
    assert md == f"/chat/export/{cid}.md?lang=zh"
    who = {"a": site.gw.accounts.by_username("alice"), "b": site.gw.accounts.by_username("bob")}
    web = FastAPI()
    web.include_router(routes(site.convs, SimpleNamespace(user=lambda cookie: who.get(cookie))))
    with TestClient(web) as browser:
        got = browser.get(md, headers={"cookie": "a"})
        assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
        assert "Photosynthesis-in-C4-plants.md" in got.headers["content-disposition"]
        assert got.text.startswith("# Photosynthesis in C4 plants") and "已思考 3 秒" in got.text
        assert "Carbon is fixed twice." in got.text
        doc = browser.get(site.h.export_json(cid, "en", req("alice")), headers={"cookie": "a"}).json()
        assert doc["id"] == cid and [m["role"] for m in doc["messages"]] == ["user", "assistant"]
        assert doc["messages"][1]["reasoning"] == "Recall Kranz anatomy."
        assert browser.get(md, headers={"cookie": "b"}).status_code == 404         # bob: as if there were none
        assert "Photosynthesis" not in browser.get(md, headers={"cookie": "b"}).text
        assert browser.get(md).status_code == 401
    with pytest.raises(gr.Error, match="Open a conversation first"):
        site.h.export_json("", "en", req("alice"))


def test_settings_are_saved_per_conversation_and_a_bad_value_names_its_field(site):
    cid = seeded(site)
    site.h.save_settings(cid, EMBEDDED, True, 256, "Be brief.", 0.3, 0.9, 64.0, "en", req("alice"))
    s = site.convs.get(site.users["alice"].id, cid).settings
    assert (s.thinking, s.thinking_budget, s.system_prompt, s.temperature, s.top_p, s.max_tokens) == \
        (True, 256, "Be brief.", 0.3, 0.9, 64)
    with pytest.raises(gr.Error, match=r"temperature must be a number in \[0, 2\]"):
        site.h.save_settings(cid, EMBEDDED, True, 256, "", 5, None, None, "en", req("alice"))
    with pytest.raises(gr.Error, match="max_tokens 必须是"):
        site.h.save_settings(cid, EMBEDDED, True, 256, "", None, None, -3, "zh", req("alice", "zh"))
    reopened = site.h.open_conversation(cid, "en", req("alice"))
    assert (reopened.thinking, reopened.budget, reopened.system, reopened.temperature, reopened.top_p,
            reopened.max_tokens, reopened.title) == (True, 256, "Be brief.", 0.3, 0.9, 64,
                                                     "Photosynthesis in C4 plants")
    site.h.save_settings("", EMBEDDED, False, 16, "", None, None, None, "en", req("alice"))      # no conversation yet


def test_sending_needs_a_message_and_a_model(site, monkeypatch):
    # said under the chat (a raised error would put a badge over the box and the chat), nothing else touched
    (step,) = send(site, "alice", "   ")
    assert step.notice == "Type a message first." and all(getattr(step, n) == gr.skip() for n in step.names()
                                                           if n != "notice")
    assert site.convs.list(site.users["alice"].id) == []
    # sent before the page's load event filled the model box: the conversation's model, else the first one
    uid = site.users["alice"].id
    steps = send(site, "alice", "Hello", model=None)
    assert site.convs.get(uid, steps[-1].conv_id).settings.model == EMBEDDED
    assert "Hello" in str(steps[0].bot)
    cid = seeded(site)
    send(site, "alice", "And then?", cid, model=None)
    assert site.convs.get(uid, cid).settings.model == EMBEDDED
    monkeypatch.setattr(site.gw, "catalogue", dataclasses.replace(site.gw.catalogue, models={}))  # no chat model
    with pytest.raises(gr.Error, match="Pick a model first"):
        send(site, "alice", "Hello", model=None)
    assert len(site.convs.list(uid)) == 2
    cid = seeded(site)
    answer = gr.EditData(None, {"index": 2, "value": "x", "previous_value": "y"})   # the answer, not a question
    with pytest.raises(gr.Error, match="Only your questions can be edited"):
        drain(site.h.answers.resend(cid, *settings(), False, "", "en", answer, req("alice")))
    assert len(site.convs.get(site.users["alice"].id, cid).messages) == 2


# ---------------------------------------------------------------- streaming, through the real gateway


def assistant_text(bot: list[dict]) -> str:
    return "".join(m["content"] for m in bot if m["role"] == "assistant" and not m.get("metadata"))


def test_an_answer_streams_and_the_conversation_is_saved(live):
    steps = send(live, "alice", "Name three primary colours.", system="Answer in one short sentence.",
                 temperature=0.2, max_tokens=24)
    bots = [s.bot for s in steps]
    assert bots[0] == [{"role": "user", "content": "Name three primary colours."}]     # the question at once
    lengths = [len(assistant_text(b)) for b in bots]
    assert lengths == sorted(lengths) and len(set(lengths)) >= 4, lengths               # the answer grows
    cid = steps[-1].conv_id
    assert cid and all(s.conv_id == cid for s in steps) and all(s.box == "" for s in steps)
    conv = live.convs.get(live.users["alice"].id, cid)
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    assert conv.messages[1].content == assistant_text(bots[-1]) and conv.messages[1].content.strip()
    assert conv.title == "Name three primary colours"
    s = conv.settings
    assert (s.model, s.system_prompt, s.temperature, s.max_tokens) == (EMBEDDED, "Answer in one short sentence.",
                                                                        0.2, 24)
    assert choices(steps[-1].conv_list)[0] == ("Name three primary colours", cid)
    assert steps[-1].conv_list["value"] == cid
    assert steps[-1].title == "Name three primary colours" and steps[-1].notice == ""        # the title box follows
    assert steps[0].list_note == ""              # "No conversations yet" goes as soon as the first one exists
    assert live.h.redraw(cid, "en", req("alice")) == bots[-1]                          # what Stop redraws
    # a follow-up in the same conversation keeps the first exchange
    more = send(live, "alice", "And three secondary ones?", cid, max_tokens=12)
    assert len(live.convs.get(live.users["alice"].id, cid).messages) == 4
    assert more[-1].bot[0]["content"] == "Name three primary colours." and len(more[-1].bot) == 4
    # bob cannot answer in it
    with pytest.raises(gr.Error, match="No such conversation"):
        send(live, "bob", "Hijack", cid)
    assert len(live.convs.get(live.users["alice"].id, cid).messages) == 4


def test_deep_thinking_streams_into_a_block_apart_from_the_answer(live):
    steps = send(live, "alice", "Is 91 a prime number?", thinking=True, budget=48, max_tokens=24)
    metas = [[m.get("metadata") for m in s.bot if m.get("metadata")] for s in steps]
    assert metas[0] == [{"title": "Thinking… 0 s · about 48 of 48 tokens left", "status": "pending"}]  # before a word
    pending = [m[0]["title"] for m in metas if m and m[0]["status"] == "pending"]
    shown = [tuple(map(int, re.fullmatch(r"Thinking… (\d+) s · about (\d+) of 48 tokens left", t).groups()))
             for t in pending]
    assert len(shown) >= 3 and [s for s, _ in shown] == sorted(s for s, _ in shown)       # the clock moves on
    assert [left for _, left in shown] == sorted((left for _, left in shown), reverse=True) and shown[-1][1] < 48
    final = steps[-1].bot
    thought = [m for m in final if m.get("metadata")]
    assert len(thought) == 1 and thought[0]["metadata"]["status"] == "done"
    assert re.fullmatch(r"Thought for \d+ s", thought[0]["metadata"]["title"]) and thought[0]["content"].strip()
    assert final.index(thought[0]) < len(final) - 1 and assistant_text(final).strip()   # the answer after it
    saved = live.convs.get(live.users["alice"].id, steps[-1].conv_id).messages[-1]
    assert saved.reasoning == thought[0]["content"] and saved.reasoning_seconds > 0
    assert thought[0]["content"] not in saved.content


def test_regenerate_and_edit_and_resend(live):
    steps = send(live, "alice", "Say one word.", max_tokens=8)
    cid = steps[-1].conv_id
    uid = live.users["alice"].id
    first_answer = live.convs.get(uid, cid).messages[-1].id
    again = drain(live.h.answers.regenerate(cid, *settings(max_tokens=8, temperature=1.0), False, "", "en",
                                            req("alice")))
    assert again[0].bot == [{"role": "user", "content": "Say one word."}]                 # the old answer is gone
    conv = live.convs.get(uid, cid)
    assert [m.role for m in conv.messages] == ["user", "assistant"] and conv.messages[-1].id != first_answer
    assert conv.settings.temperature == 1.0
    edit = gr.EditData(None, {"index": 0, "value": "Say two words.", "previous_value": "Say one word."})
    edited = drain(live.h.answers.resend(cid, *settings(max_tokens=8), False, "", "en", edit, req("alice")))
    assert edited[0].bot == [{"role": "user", "content": "Say two words."}]
    conv = live.convs.get(uid, cid)
    assert [m.content for m in conv.messages][:1] == ["Say two words."] and len(conv.messages) == 2
    assert conv.title == "Say two words"


def test_an_engine_error_reads_as_a_notice_in_the_chat(live):
    steps = send(live, "alice", "Hello?", model="no-such-model:1b")
    final = steps[-1].bot
    assert final[-1] == {"role": "assistant", "content": "⚠️ You may not use this model, or it no longer exists. "
                                                         "Pick another model."}
    assert "Traceback" not in json.dumps(final)
    zh = send(live, "alice", "你好？", steps[-1].conv_id, model="no-such-model:1b", lang="zh")
    assert zh[-1].bot[-1]["content"].startswith("⚠️ 你无权使用该模型")


def test_stop_cancels_the_stream_and_keeps_what_arrived_marked_stopped(live):
    """Stop cancels the running handler (as Gradio's ``cancels`` does); the redraw shows the partial answer."""
    import asyncio

    async def go() -> list[tuple]:
        seen: list = []

        async def consume() -> None:
            async for step in live.h.answers.send("Write a long story about the sea.", None, "",
                                                  *settings(max_tokens=400), False, "", "en", req("alice")):
                seen.append(step)

        task = asyncio.create_task(consume())
        while len([s for s in seen if assistant_text(s.bot)]) < 4 and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return seen

    seen = aio.run(go())
    cid = seen[-1].conv_id
    answer = live.convs.get(live.users["alice"].id, cid).messages[-1]
    assert answer.role == "assistant" and answer.stopped and answer.content.strip()
    assert assistant_text(seen[-1].bot) in answer.content                  # at least what was on screen was kept
    redrawn = live.h.redraw(cid, "en", req("alice"))
    assert redrawn[-1]["content"].endswith("*(stopped)*")


def test_editing_a_later_question_keeps_the_exchange_before_it_and_an_unreachable_model_reads_plainly(site):
    cid = seeded(site)                                  # rows: question, thinking block, answer
    uid = site.users["alice"].id
    site.convs.add_message(uid, cid, "user", "And in CAM plants?")
    site.convs.add_message(uid, cid, "assistant", "At night.", model=EMBEDDED)
    edit = gr.EditData(None, {"index": 3, "value": "And in C3 plants?", "previous_value": "And in CAM plants?"})
    # NOWHERE: no model
    steps = drain(site.h.answers.resend(cid, *settings(), False, "", "zh", edit, req("alice", "zh")))
    first = steps[0].bot
    assert [m["content"] for m in first if m["role"] == "user"] == ["Photosynthesis in C4 plants?", "And in C3 plants?"]
    assert first[1]["metadata"]["title"] == "已思考 3 秒"
    assert steps[-1].bot[-1] == {"role": "assistant", "content": "⚠️ 无法连接模型服务，请稍后重试。"}
    conv = site.convs.get(uid, cid)
    assert [m.content for m in conv.messages] == ["Photosynthesis in C4 plants?", "Carbon is fixed twice.",
                                                   "And in C3 plants?"]


# ---------------------------------------------------------------- web search and documents


def chat_site(tmp_path: Path, base_url: str, *, web_search=None, documents: bool = False,
              max_bytes: int = 20 * MB) -> SimpleNamespace:
    """The page with its hooks: web search through a gateway's /v1/web-search, documents in the workbench DB (their
    files kept under tmp_path/chat-files, as launch.py keeps them under the data dir)."""
    s = make_site(tmp_path, base_url)
    s.docs = chat.ChatDocuments(Attachments(s.store, s.convs, files_dir=tmp_path / "chat-files"),
                                max_bytes=max_bytes) if documents else None
    s.h = chat.ChatPage(s.gw, chat.ChatSetup(s.convs, base_url, key_for=lambda user_id: MASTER_KEY,
                                             web_search=web_search, documents=s.docs))
    return s


def web_send(s, text: str, *, model: str, lang: str = "en") -> list[tuple]:
    return drain(s.h.answers.send(text, None, "", *settings(model), True, "", lang, req("alice", lang)))


@pytest.fixture(scope="module")
def searching(tmp_path_factory):
    """A gateway with a search: block (the fake SearXNG on loopback, allowed) and a fake chat upstream."""
    web, upstream = start_search_fake(), start_fake("plain")
    data = tmp_path_factory.mktemp("chat-search-gw")
    dep = {"backend": "openai", "base_url": f"{upstream.url}/v1", "model": "fake-model"}
    doc = {"gateway": {"embedded": {"enabled": False}, "health_interval_s": 600},
           "models": [{"id": "fake-chat", "capabilities": {"context_length": 4096}, "deployments": [dep]}],
           "search": {"provider": "searxng", "base_url": web.url, "timeout_s": 4, "page_timeout_s": 2,
                      "fetch_pages": 2, "max_page_bytes": 300_000, "allow_private_hosts": ["127.0.0.1"]}}
    (data / "models.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    gateway = GatewayProcess(data, config=data / "models.yaml").start()
    yield SimpleNamespace(url=gateway.url + "/v1", web=web, upstream=upstream)
    gateway.stop()
    upstream.stop()
    web.stop()


def test_web_search_lists_the_numbered_sources_sends_them_and_saves_them_on_the_answer(tmp_path, searching):
    searching.upstream.reset()
    s = chat_site(tmp_path, searching.url, web_search=searcher(searching.url, lambda u: MASTER_KEY))
    steps = web_send(s, "How many steps to the lamp room?", model="fake-chat")
    bot, conv_id, notice = steps[-1].bot, steps[-1].conv_id, steps[-1].notice
    found = [r for r in bot if (r.get("metadata") or {}).get("title") == "Found 1 web pages"]
    assert len(found) == 1 and found[0]["content"].startswith("1. [") and "/pages/article.html)" in found[0]["content"]
    assert notice == ""
    answer = s.convs.get(s.users["alice"].id, conv_id).messages[-1]
    assert answer.role == "assistant" and answer.content
    assert [(x["index"], x["url"]) for x in answer.sources] == [(1, searching.web.url + "/pages/article.html")]
    sent = [r["json"] for r in searching.upstream.requests() if r["path"].endswith("/chat/completions")][-1]
    prompt = json.dumps(sent["messages"], ensure_ascii=False)
    assert ARTICLE_SENTENCE in prompt and "[1]" in prompt and "How many steps to the lamp room?" in prompt
    zh = s.h.open_conversation(conv_id, "zh", req("alice", "zh")).bot
    assert any((r.get("metadata") or {}).get("title") == "找到 1 个网页" for r in zh)


def test_the_thinking_clock_moves_while_the_model_sends_nothing_yet(tmp_path, searching):
    """A model reading a long prompt sends nothing for a while: the thinking block still counts the seconds."""
    searching.upstream.reset()
    searching.upstream.set_fault("slow_first_byte", count=1, delay=3.5)
    s = chat_site(tmp_path, searching.url)
    steps = drain(s.h.answers.send("Is 91 a prime number?", None, "", *settings("fake-chat", thinking=True, budget=48),
                           False, "", "zh", req("alice", "zh")))
    titles = {m["metadata"]["title"] for step in steps for m in step.bot
              if (m.get("metadata") or {}).get("status") == "pending"}
    assert {f"思考中… {n} 秒 · 预算 48 token，约剩 48" for n in (1, 2)} <= titles, titles
    answer = s.convs.get(s.users["alice"].id, steps[-1].conv_id).messages[-1]
    assert answer.reasoning and answer.content and not answer.stopped


def test_web_search_not_configured_is_a_plain_notice_and_the_question_is_still_answered(live, embedded_gateway):
    url = embedded_gateway.url + "/v1"
    live.h = chat.ChatPage(live.gw, chat.ChatSetup(live.convs, url, key_for=lambda u: MASTER_KEY,
                                                   web_search=searcher(url, lambda u: MASTER_KEY)))
    for lang, words in (("en", "Web search is not configured on this server."), ("zh", "本服务器未配置联网搜索。")):
        steps = web_send(live, "Say hi", model=EMBEDDED, lang=lang)
        assert steps[0].notice == words and steps[-1].notice == words
        saved = live.convs.get(live.users["alice"].id, steps[-1].conv_id).messages
        assert [m.role for m in saved] == ["user", "assistant"] and saved[-1].sources == []


def attach(s, user: str, paths: list[str], conv_id: str = "", lang: str = "en") -> list[tuple]:
    return drain(s.h.documents.attach(paths, conv_id, *settings(), "", lang, req(user, lang)))


def test_a_pdf_attached_answers_a_question_about_page_17_with_a_block_citing_it(tmp_path, embedded_gateway,
                                                                                 monkeypatch):
    s = chat_site(tmp_path, embedded_gateway.url + "/v1", documents=True)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf())
    steps = attach(s, "alice", [str(pdf)])
    conv_id, docs_update, box, _, notice, note = steps[-1].outputs()
    assert note == ""                             # the list is no longer empty
    assert notice.startswith("Attached: report.pdf.") and box is None
    assert any("Reading “report.pdf”" in step.notice for step in steps[:-1])
    [(label, doc_id)] = [tuple(c) for c in docs_update["choices"]]
    assert label == "📄 report.pdf · 30 p."
    sent: list[dict] = []
    real = ChatEngine.send

    def spy(self, *args, **kwargs):
        sent.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ChatEngine, "send", spy)
    steps = drain(s.h.answers.send("How much honey did the bees produce (page 17)?", None, conv_id, *settings(),
                                   False, "", "en", req("alice")))
    assert any("p. 17" in b.text and FACT in b.text for b in sent[0]["context"])
    question = s.convs.get(s.users["alice"].id, conv_id).messages[0]
    assert question.attachments == [{"id": doc_id, "name": "report.pdf"}]
    assert "📎 Attachments: report.pdf" in json.dumps(steps[-1].bot, ensure_ascii=False)

    # another member can neither list, remove nor add to alice's documents
    for call in (lambda: s.h.documents.documents(conv_id, "en", req("bob")),
                 lambda: s.h.documents.remove_documents(conv_id, [doc_id], "en", req("bob")),
                 lambda: attach(s, "bob", [str(pdf)], conv_id)):
        with pytest.raises(gr.Error, match="No such conversation|This document does not exist"):
            call()
    bob_conv = s.convs.create(s.users["bob"].id, model=EMBEDDED)
    with pytest.raises(gr.Error, match="does not exist"):
        s.h.documents.remove_documents(bob_conv.id, [doc_id], "en", req("bob"))
    assert [a.id for a in s.docs.attachments.list(s.users["alice"].id, conv_id)] == [doc_id]

    # removing, then deleting the conversation, leaves nothing behind
    update, said = s.h.documents.remove_documents(conv_id, [doc_id], "en", req("alice")).outputs()
    assert update["choices"] == [] and said == "Removed: report.pdf."
    attach(s, "alice", [str(pdf)], conv_id)
    s.h.delete(conv_id, "", "en", req("alice"))
    assert s.store.cursor().execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


def test_a_corrupt_or_oversized_document_is_refused_readably_and_nothing_is_attached(tmp_path):
    s = chat_site(tmp_path, NOWHERE, documents=True, max_bytes=60_000)
    data = report_pdf()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[: len(data) // 2])
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 70_000)
    for lang, words in (("en", "“broken.pdf” was not attached: The PDF “broken.pdf” could not be read"),
                        ("zh", "“broken.pdf”未能上传：无法读取 PDF“broken.pdf”")):
        conv_id, docs_update, _, _, notice, _ = attach(s, "alice", [str(broken), str(big)], lang=lang)[-1].outputs()
        assert words in notice and "big.txt" in notice and docs_update["choices"] == []
        assert s.docs.attachments.list(s.users["alice"].id, conv_id) == []


def test_summarize_a_document_too_large_for_the_prompt_runs_map_reduce_with_progress_and_saves_it(tmp_path,
                                                                                                  searching):
    searching.upstream.reset()
    s = chat_site(tmp_path, searching.url, documents=True)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf())
    conv_id = attach(s, "alice", [str(pdf)])[-1].conv_id
    # a long answer allowed (max_tokens 7000 of the default 8192 window): the 30 pages do not fit the prompt
    steps = drain(s.h.answers.send("Summarize this paper", None, conv_id, *settings("fake-chat", max_tokens=7000),
                                   False, "", "en", req("alice")))
    progress = [r["metadata"]["title"] for step in steps for r in step.bot if (r.get("metadata") or {}).get("status")
                == "pending"]
    assert progress and all(t.startswith("Summarising “report.pdf”: step ") for t in progress)
    assert steps[-1].notice.startswith("Summarised all of “report.pdf”, part by part")
    saved = s.convs.get(s.users["alice"].id, conv_id).messages
    assert [(m.role, m.content if m.role == "user" else bool(m.content)) for m in saved] == [
        ("user", "Summarize this paper"), ("assistant", True)]
    assert saved[0].attachments[0]["name"] == "report.pdf" and saved[1].model == "fake-chat"
    calls = [json.dumps(r["json"], ensure_ascii=False) for r in searching.upstream.requests()
             if r["path"].endswith("/chat/completions")]
    assert any(FACT in c and "p. 17" in c for c in calls)       # the summariser read page 17, marked


def test_signed_out_callers_cannot_touch_documents(tmp_path):
    s = chat_site(tmp_path, NOWHERE, documents=True)
    for call in (lambda: s.h.documents.documents("x", "en", req(None)),
                 lambda: s.h.documents.remove_documents("x", ["y"], "en", req(None)),
                 lambda: attach(s, None, ["/etc/hostname"])):
        with pytest.raises(gr.Error):
            call()


# ---------------------------------------------------------------- sources and citations of document answers

def rows_titled(rows: list[dict], title: str) -> list[dict]:
    return [r for r in rows if (r.get("metadata") or {}).get("title") == title]


def test_a_question_about_page_2_of_a_pdf_shows_the_document_page_quote_and_a_chip_opening_the_page(tmp_path,
                                                                                                   embedded_gateway):
    """The issue's case: chat over an attached PDF had no source panel and no page citations. Now the answer has
    the documents' block (document, "p. 2", the quoted passage, a link opening the PDF at page 2) and a [n] chip
    added after the sentence (the model wrote none), kept when the conversation is reopened (also in Chinese);
    the link opens the file for alice only (``app.chat_files``)."""
    from tests.fakes import docs
    from tests.workbench.documents import WATER

    s = chat_site(tmp_path, embedded_gateway.url + "/v1", documents=True)
    pdf = tmp_path / "water.pdf"
    pdf.write_bytes(docs.pdf_file(WATER, title="Water note"))
    conv_id = attach(s, "alice", [str(pdf)])[-1].conv_id
    [doc] = s.docs.attachments.list(s.users["alice"].id, conv_id)
    steps = drain(s.h.answers.send("How many litres per minute did the Lake Vernon pump station deliver? Answer in one "
                           "sentence.", None, conv_id, *settings(max_tokens=60), False, "", "en", req("alice")))
    answer = s.convs.get(s.users["alice"].id, conv_id).messages[-1]
    print("answer:", repr(answer.content), answer.sources)
    assert "1,850" in answer.content
    assert [(x["index"], x["first_page"]) for x in answer.sources] == [(2, 2)]      # [1] is page 1: not cited
    link = f"/chat/file/{doc.id}#page=2"
    for lang, title, page in (("en", "Cited 1 passages of the documents", "p. 2"),
                              ("zh", "引用了文档中的 1 个段落", "第 2 页")):
        rows = steps[-1].bot if lang == "en" else s.h.open_conversation(conv_id, lang, req("alice", lang)).bot
        [block] = rows_titled(rows, title)
        assert block["content"].startswith(f"**[2] [water.pdf]({link})** · {page}\n\n> 2\\. Pumping ")
        assert "The Lake Vernon pump station delivered 1,850 litres per minute on average." in block["content"]
        said = rows[-1]["content"]
        assert said.startswith(answer.content.strip())
        chip = re.search(r'<a class="cite cite-added" title="([^"]+)" href="([^"]+)" target="_blank" '
                         r'rel="noopener">\[2\]</a>$', said)
        assert chip and chip.group(2) == link, said
        assert chip.group(1) == ("Added by matching this sentence with water.pdf, p. 2 (the model did not cite it)"
                                 if lang == "en" else "根据句子与water.pdf, 第 2 页的匹配自动补充（模型未标注）")
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app.http import chat_files, signin

    web = FastAPI()
    web.include_router(chat_files.routes(s.docs.attachments, signin.SessionUsers(s.gw)))
    with TestClient(web) as http:
        cookie = {"cookie": f"{signin.SESSION_COOKIE}={s.gw.sessions.create(s.users['alice'].id)}"}
        opened = http.get(link.split("#")[0], headers=cookie)
        assert opened.status_code == 200 and opened.content == pdf.read_bytes()
        assert opened.headers["content-type"] == "application/pdf"
        assert opened.headers["content-disposition"].startswith('inline; filename="water.pdf"')


def test_chips_link_each_citation_and_mark_the_added_and_the_doubtful(site):
    """A saved answer's citations as the chat shows them: the model's [1] a chip to the web page, an added [2]
    dashed (after its sentence, not written by the model), a doubtful [3] struck through; code is left alone."""
    uid = site.users["alice"].id
    conv = site.convs.create(uid, model=EMBEDDED)
    content = "The lamp room has 112 steps [1]. The pump gives 1,850 litres. It was built in 1870 [3].\n`x [1]`"
    site.convs.add_message(uid, conv.id, "user", "Tell me")
    site.convs.add_message(uid, conv.id, "assistant", content, sources=[
        {"index": 1, "title": "Lighthouse <b>Journal</b>", "url": "https://example.org/light?a=1&b=2"},
        {"index": 2, "title": "water.pdf", "url": "", "kind": "doc", "attachment_id": "a1", "first_page": 2,
         "last_page": 2, "quote": "delivered 1,850 litres", "added": str(content.index(" It was"))},
        {"index": 3, "title": "safety.pdf", "url": "", "kind": "kb", "kb_id": "k1", "document_id": "d1",
         "first_page": 4, "last_page": 4, "kb_name": "Lab", "quote": "q", "doubtful": str(content.index("[3]"))}])
    rows = site.h.open_conversation(conv.id, "en", req("alice")).bot
    said = rows[-1]["content"]
    assert said == (
        'The lamp room has 112 steps <a class="cite" title="Source: Lighthouse &lt;b&gt;Journal&lt;/b&gt;" '
        'href="https://example.org/light?a=1&amp;b=2" target="_blank" rel="noopener">[1]</a>. The pump gives '
        '1,850 litres. <a class="cite cite-added" title="Added by matching this sentence with water.pdf, p. 2 (the '
        'model did not cite it)" href="/chat/file/a1#page=2" target="_blank" rel="noopener">[2]</a> It was built '
        'in 1870 <a class="cite cite-doubtful" title="The model cited safety.pdf, p. 4, but it does not seem to '
        'support this sentence" href="/kb/file/k1/d1#page=4" target="_blank" rel="noopener">[3]</a>.\n`x [1]`')
    assert rows_titled(rows, "Cited 1 passages of the documents")[0]["content"] == (
        "**[2] [water.pdf](/chat/file/a1#page=2)** · p. 2\n\n> delivered 1,850 litres")
    assert ".cite-added" in chat.CSS and "dashed" in chat.CSS and ".cite-doubtful" in chat.CSS


@pytest.mark.parametrize("title", ["x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "**bold** *it*",
                                   "a | b | c", "[1]: javascript:alert(1)", "$x$ `code` # head"])
def test_a_web_page_title_is_shown_as_text_never_as_markdown_or_html(title):
    """Web-search titles come from the web: in the sources block they render as their own text (Markdown with HTML
    on, as the chat renders it), a javascript: address is never a link."""
    from markdown_it import MarkdownIt

    block = chat_view.sources_block([{"index": 1, "title": title, "url": "https://example.org/a(b)c"},
                                     {"index": 2, "title": "evil", "url": "javascript:alert(1)"}], "en")
    html = MarkdownIt("commonmark", {"html": True}).render(block["content"])
    for tag in ("<img", "<strong>", "<em>", "<table", "<h1", "<code>", 'href="javascript'):
        assert tag not in html, html
    [(href, text)] = re.findall(r'<a href="([^"]+)">(.*?)</a>', html)      # one link: the page, its title as text
    assert href == "https://example.org/a%28b%29c" and unescape(text) == title
    assert "<li>evil</li>" in html                        # shown, not linked


def test_resend_without_edit_data_is_a_readable_refusal_in_both_languages(tmp_path):
    """``chat_resend`` called through Gradio's API without the edit event's data answered Python's exception text
    ("'NoneType' object is not subscriptable"); now the page's own words, in the caller's language."""
    cfg = tmp_path / "models.yaml"
    cfg.write_text("gateway: {embedded: {enabled: false}}\n")
    gw = GatewayProcess(tmp_path / "data", config=cfg).start()
    try:
        browser = gw.signed_in()
        for lang, words in (("en", "Edit a question in the chat, then send it again: no edited question arrived."),
                            ("zh", "请先在对话中编辑一条提问，再重新发送：没有收到编辑后的提问。")):
            started = browser.post("/gradio_api/call/chat_resend", json={"data": [
                "", None, False, 1024, "", None, None, None, False, "", lang, [], []]})
            assert started.status_code == 200
            done = browser.get(f"/gradio_api/call/chat_resend/{started.json()['event_id']}", timeout=60)
            event, data = done.text.strip().split("\n", 1)
            assert event == "event: error" and data.startswith("data: "), done.text
            assert json.loads(data[len("data: "):])["error"] == words
    finally:
        gw.stop()
