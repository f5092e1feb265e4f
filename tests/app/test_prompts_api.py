"""``/prompts/v1`` and the ``prompt_search`` / ``prompt_get`` MCP tools on real parts: a real gateway's accounts and
API keys (DuckDB), the workbench store, the prompt studio as ``launch.open_prompts`` opens it. An app fetches a
prompt by label with the ETag, fills it in, and sees only what the prompt page would show its user."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.http.auth import ApiKey
from app.http.prompts_api import PromptsAPI
from launch import open_prompts
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD
from workbench.mcp.own import OwnCaller, OwnTools
from workbench.prompt_studio.records import Params
from workbench.prompt_studio.templates import Example, Template
from workbench.schema import open_store
from workbench.store import store_path

SYSTEM = "你是合同助手。必须输出 JSON，键为 甲方 和 金额。"
V1 = Template(SYSTEM, "合同：{{合同}}")
V2 = Template(SYSTEM + "金额用阿拉伯数字。", "合同：{{合同}}", (Example({"合同": "甲方张三，金额五万元"},
                                                                    '{"甲方": "张三", "金额": 50000}'),))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    gw = opened_gateway(tmp_path_factory.mktemp("prompts-api"), lambda: {"models": [], "master_key_hint": ""})
    admin = gw.console.actor_for_username("admin")
    alice = gw.accounts.create_user("alice", PASSWORD)
    bob = gw.accounts.create_user("bob", PASSWORD)
    keys = {user.username: gw.console.create_key(admin, user.id, f"{user.username}-app", None)[1]
            for user in (alice, bob)}
    store = open_store(store_path(tmp_path_factory.mktemp("prompts-api-wb")))
    studio = open_prompts(gw.settings, gw, store)
    prompt = studio.library.create(alice.id, "合同抽取", V1, description="抽取合同的甲方和金额",
                                   params=Params(temperature=0.2, max_tokens=200))
    studio.library.add_version(alice.id, prompt.id, V2, source="optimised", parent=1)
    studio.library.set_label(alice.id, prompt.id, "production", 2)
    web = FastAPI()
    web.include_router(PromptsAPI(studio.library, ApiKey(gw.keys.authenticate)).router())
    with TestClient(web) as http:
        yield SimpleNamespace(http=http, studio=studio, alice=alice, bob=bob, keys=keys, prompt=prompt, gw=gw)
    store.close()
    gw.store.close()


def auth(site, who: str, **headers: str) -> dict[str, str]:
    return {"authorization": f"Bearer {site.keys[who]}", **headers}


def test_an_app_fetches_the_production_version_and_revalidates_with_its_etag(site):
    got = site.http.get("/prompts/v1/合同抽取", params={"label": "production"}, headers=auth(site, "alice"))
    assert got.status_code == 200
    body = got.json()
    assert (body["name"], body["version"], body["type"], body["labels"]) == ("合同抽取", 2, "chat", ["production"])
    assert body["prompt"] == [{"role": "system", "content": V2.system}, {"role": "user", "content": "合同：{{合同}}"}]
    assert body["variables"] == ["合同"] and body["config"] == {"temperature": 0.2, "max_tokens": 200}
    assert body["examples"] == [{"variables": V2.examples[0].variables, "output": '{"甲方": "张三", "金额": 50000}'}]
    etag = got.headers["etag"]
    assert site.http.get("/prompts/v1/合同抽取", headers=auth(site, "alice")).headers["etag"] == etag   # default label
    again = site.http.get("/prompts/v1/合同抽取", headers=auth(site, "alice", **{"if-none-match": etag}))
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    first = site.http.get("/prompts/v1/合同抽取", params={"version": 1}, headers=auth(site, "alice"))
    assert first.json()["prompt"][0]["content"] == SYSTEM and first.headers["etag"] != etag
    # the label moves: the same request now gets version 1, and the old ETag no longer matches
    site.studio.library.set_label(site.alice.id, site.prompt.id, "production", 1)
    moved = site.http.get("/prompts/v1/合同抽取", headers=auth(site, "alice", **{"if-none-match": etag}))
    assert moved.status_code == 200 and moved.json()["version"] == 1
    site.studio.library.set_label(site.alice.id, site.prompt.id, "production", 2)


def test_render_fills_the_variables_and_names_a_missing_one(site):
    filled = site.http.post("/prompts/v1/合同抽取/render", json={"variables": {"合同": "乙方李四，金额 3 万元"}},
                            headers=auth(site, "alice"))
    assert filled.status_code == 200
    messages = filled.json()["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[-1]["content"] == "合同：乙方李四，金额 3 万元" and filled.json()["version"] == 2
    missing = site.http.post("/prompts/v1/合同抽取/render", json={"variables": {}},
                             headers=auth(site, "alice", **{"accept-language": "zh-CN"}))
    error = missing.json()["error"]
    assert missing.status_code == 400 and error["param"] == "variables.合同" and "合同" in error["message"]
    bad = site.http.post("/prompts/v1/合同抽取/render", json={"variables": ["x"]}, headers=auth(site, "alice"))
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "variables"
    both = site.http.get("/prompts/v1/合同抽取", params={"label": "production", "version": 2},
                         headers=auth(site, "alice"))
    assert both.status_code == 400 and both.json()["error"]["param"] == "version"
    unknown = site.http.get("/prompts/v1/合同抽取", params={"lable": "production"}, headers=auth(site, "alice"))
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "lable"
    nolabel = site.http.get("/prompts/v1/合同抽取", params={"label": "canary"}, headers=auth(site, "alice"))
    assert nolabel.status_code == 404 and nolabel.json()["error"]["param"] == "label"


def test_another_user_cannot_tell_a_private_prompt_from_a_missing_one_until_it_is_public(site):
    theirs = site.http.get("/prompts/v1/合同抽取", headers=auth(site, "bob"))
    missing = site.http.get("/prompts/v1/no-such-prompt", headers=auth(site, "bob"))
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    assert "合同" not in theirs.text
    assert site.http.post("/prompts/v1/合同抽取/render", json={"variables": {"合同": "x"}},
                          headers=auth(site, "bob")).status_code == 404
    assert site.http.get("/prompts/v1", headers=auth(site, "bob")).json()["data"] == []
    assert site.http.get("/prompts/v1", params={"q": "合同"}, headers=auth(site, "bob")).json()["data"] == []
    assert [p["name"] for p in site.http.get("/prompts/v1", params={"q": "合同"},
                                             headers=auth(site, "alice")).json()["data"]] == ["合同抽取"]
    assert site.http.get("/prompts/v1/合同抽取").status_code == 401
    assert site.http.get("/prompts/v1/合同抽取", headers={"authorization": "Bearer sk-nope"}).status_code == 401

    site.studio.library.publish(site.alice.id, site.prompt.id)
    try:
        shared = site.http.get("/prompts/v1/合同抽取", headers=auth(site, "bob"))
        assert shared.status_code == 200 and shared.json()["version"] == 2
        assert [p["role"] for p in site.http.get("/prompts/v1", headers=auth(site, "bob")).json()["data"]] == \
            ["reader"]
    finally:
        site.studio.library.publish(site.alice.id, site.prompt.id, False)


def test_the_mcp_tools_find_and_get_what_the_caller_may_read(site):
    own = OwnTools(None, "http://127.0.0.1:9/v1", prompts=site.studio.library)
    assert [t.name for t in own.tools()] == ["prompt_search", "prompt_get"]
    alice = OwnCaller(site.alice.id, site.keys["alice"], "zh")
    found = aio.run(own.call("prompt_search", {"query": "合同 金额"}, alice))
    assert not found.is_error and [p["name"] for p in found.structured["prompts"]] == ["合同抽取"]
    assert found.structured["prompts"][0]["labels"] == {"production": 2} and "找到 1 个" in found.text()
    got = aio.run(own.call("prompt_get", {"name": "合同抽取", "variables": {"合同": "甲方王五"}}, alice))
    assert not got.is_error and got.structured["version"] == 2 and got.structured["rendered"] is True
    assert got.structured["messages"][-1] == {"role": "user", "content": "合同：甲方王五"}
    older = aio.run(own.call("prompt_get", {"name": "合同抽取", "version": 1}, alice))
    assert older.structured["messages"][0]["content"] == SYSTEM and older.structured["rendered"] is False

    bob = OwnCaller(site.bob.id, site.keys["bob"], "en")
    assert aio.run(own.call("prompt_search", {"query": "合同"}, bob)).structured["prompts"] == []
    hidden = aio.run(own.call("prompt_get", {"name": "合同抽取"}, bob))
    missing = aio.run(own.call("prompt_get", {"name": "no-such-prompt"}, bob))
    assert hidden.is_error and hidden.text() == missing.text() and "No such prompt" in hidden.text()
    bad = aio.run(own.call("prompt_get", {"name": "合同抽取", "version": 0}, alice))
    assert bad.is_error and "version" in bad.text()


def test_a_prompt_is_used_in_a_new_chat_and_its_variables_are_asked_for(site):
    from app.chat.page import ChatPage, ChatSetup
    from tests.app.chat_handlers import req
    from workbench.conversations import Conversations

    page = ChatPage(site.gw, ChatSetup(Conversations(site.studio.store), "http://127.0.0.1:9/v1",
                                       prompts=site.studio.library))
    loaded = page.load(None, "zh", req("alice", "zh", prompt="合同抽取", version="2"))
    assert loaded.system.startswith(V2.system) and "示例输入：\n合同：甲方张三，金额五万元" in loaded.system
    assert '示例输出：\n{"甲方": "张三", "金额": 50000}' in loaded.system
    assert loaded.box["value"] == "合同：{{合同}}" and loaded.conv_id == ""
    assert "`{{合同}}`" in loaded.notice and "合同抽取 v2" in loaded.notice
    assert (loaded.temperature, loaded.max_tokens) == (0.2, 200)
    latest = page.load(None, "en", req("alice", "en", prompt="合同抽取"))
    assert latest.system.startswith(V2.system) and "fill in `{{合同}}`" in latest.notice
    theirs = page.load(None, "en", req("bob", "en", prompt="合同抽取"))
    assert theirs.system == "" and theirs.box == {"__type__": "update"} and "No such prompt" in theirs.notice
