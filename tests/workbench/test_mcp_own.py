"""The workbench's own MCP tools (workbench/mcp/own.py): ``kb_list``, ``kb_search`` and ``web_search`` as a caller
of the future ``/mcp/v1/workbench`` endpoint sees them.

Real parts, one world per module: the real ``python launch.py`` (embedded models, and a ``search:`` block pointing at
the fake SearXNG of tests/fakes/searxng.py, which speaks the real protocol on loopback), where alice, bob and carol
are users with API keys of their own (made through the admin API); a real ``KnowledgeService`` in this process
(DuckDB file, embedded Chroma) whose documents are embedded through that gateway with the uploader's key. Alice owns
the team "Greenhouse" (bob a viewer) with the KB "Greenhouse manual" (a 3-page PDF) and a private KB; bob has a
private KB about orchids too; carol is in no team; dave may read the manual (a grant) and does nothing but
the metering test. Every tool call goes through the gateway with the caller's key.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator

from tests import aio
from tests.conftest import MASTER_KEY, GatewayProcess, seeded_data_dir
from tests.fakes.docs import pdf_file
from tests.fakes.searxng import PAGES as WEB_PAGES
from tests.fakes.searxng import start_search_fake
from tests.workbench.kb_world import Directory
from workbench.clients import UserClients
from workbench.kb.service import KnowledgeService
from workbench.mcp.own import OwnCaller, OwnTools
from workbench.mcp.results import ToolResult
from workbench.schema import open_store
from workbench.store import store_path

EMBEDDING = "use-multilingual:v3"
USERS = ("alice", "bob", "carol", "dave")
MISSING = "0" * 32
CJK = re.compile(r"[\u4e00-\u9fff]")
MANUAL = [
    "1 Opening hours\nThe greenhouse opens at seven in the morning and closes at six in the evening.\n"
    "Visitors sign the blue book at the entrance and wear the green badge while inside.",
    "2 Watering\nThe orchids in bay four are watered with rain water every Tuesday and Friday morning.\n"
    "The irrigation pump is restarted with the code PX-4471 when its red light blinks.",
    "3 Pests\nAphids on the tomato plants are fought with ladybirds, which are released in May.\n"
    "Never spray insecticide in the greenhouse: the bumblebees pollinate the peppers.",
]
DIARY = (b"Bob's orchid diary. My orchids at home are watered every Sunday evening with tap water that stood "
         b"overnight; the purple orchid flowered in March.")
ORCHIDS = "How often are the orchids watered?"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def web():
    fake = start_search_fake()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, shared_models, web):
    """The gateway with the embedded models and web search through the fake engine; its users' ids and keys."""
    data = seeded_data_dir(tmp_path_factory.mktemp("own-tools") / "data", shared_models)
    config = data / "models.yaml"
    config.write_text(yaml.safe_dump({"search": {
        "provider": "searxng", "base_url": web.url, "timeout_s": 10, "page_timeout_s": 5, "fetch_pages": 0,
        "allow_private_hosts": ["127.0.0.1"]}}), encoding="utf-8")
    gw = GatewayProcess(data, config=config).start()
    ids, keys = {}, {}
    try:
        with httpx.Client(base_url=gw.url + "/admin/v1", headers={"Authorization": f"Bearer {MASTER_KEY}"},
                          timeout=30) as admin:
            for name in USERS:
                made = admin.post("/users", json={"username": name, "password": f"{name.title()}-pass-2026"})
                assert made.status_code == 201, made.text
                ids[name] = made.json()["id"]
                key = admin.post("/keys", json={"user_id": ids[name], "name": f"{name}'s MCP client"})
                assert key.status_code == 201, key.text
                keys[name] = key.json()["secret"]
        yield gw, ids, keys
    finally:
        gw.stop()


def wait_ready(knowledge: KnowledgeService, documents: list[tuple[str, str]], timeout: float = 240) -> None:
    """Run the ingestion worker until every (user id, KB id)'s documents are ready."""
    async def go() -> None:
        await knowledge.ingestion.start()
        try:
            deadline = time.monotonic() + timeout
            while True:
                docs = [d for user_id, kb_id in documents for d in knowledge.documents(user_id, kb_id)]
                assert not [d for d in docs if d.status in ("failed", "cancelled")], docs
                if all(d.status == "ready" for d in docs):
                    return
                assert time.monotonic() < deadline, f"ingestion did not finish: {docs}"
                await asyncio.sleep(0.1)
        finally:
            await knowledge.ingestion.stop()
    aio.run(go())


@pytest.fixture(scope="module")
def world(gateway, tmp_path_factory) -> dict[str, Any]:
    gw, ids, keys = gateway
    root = tmp_path_factory.mktemp("own-world")
    store = open_store(store_path(root / "wb"))
    key_of = {ids[name]: keys[name] for name in USERS}
    api = gw.url + "/v1"
    knowledge = KnowledgeService.open(store, Directory(ids=ids), data_dir=root / "data",
                                      client_for=UserClients(api, key_of.__getitem__),
                                      embedding_models=lambda: [EMBEDDING], max_bytes=10 * 2**20)
    alice, bob = ids["alice"], ids["bob"]
    team = knowledge.teams.create(alice, "Greenhouse")
    knowledge.teams.invite(alice, team.id, "bob", "viewer")
    manual = knowledge.bases.create(alice, team.id, "Greenhouse manual", "How we run it", EMBEDDING,
                                    chunk_tokens=120, chunk_overlap=0)
    notes = knowledge.bases.create(alice, knowledge.teams.personal_space(alice).id, "Private notes", "", EMBEDDING)
    diary = knowledge.bases.create(bob, knowledge.teams.personal_space(bob).id, "Bob's diary", "", EMBEDDING)
    knowledge.sharing.grant_user(alice, manual.id, "dave")
    knowledge.upload(alice, manual.id, [("greenhouse.pdf", pdf_file(MANUAL))])
    knowledge.upload(bob, diary.id, [("orchids.txt", DIARY)])
    wait_ready(knowledge, [(alice, manual.id), (bob, diary.id)])
    flag = {"web": True}
    own = OwnTools(knowledge, api, web_search=lambda: flag["web"])
    callers = {name: OwnCaller(ids[name], keys[name]) for name in USERS}
    try:
        yield {"own": own, "flag": flag, "callers": callers, "ids": ids, "keys": keys, "manual": manual,
               "notes": notes, "diary": diary, "team": team, "api": api}
    finally:
        knowledge.vectors.close()
        store.close()


def call(own: OwnTools, name: str, arguments: Any, caller: OwnCaller, locale: str = "en") -> ToolResult:
    result = aio.run(own.call(name, arguments, OwnCaller(caller.user_id, caller.key, locale)))
    assert result.server == "workbench" and result.tool == name
    text = result.text()
    assert text and "Traceback" not in text and caller.key not in text
    if not result.is_error:        # what a client of the SDK checks: the structured content fits the output schema
        tool = next(t for t in own.tools() if t.name == name)
        Draft202012Validator(tool.output_schema).validate(result.structured)
    return result


def refusal(own: OwnTools, name: str, arguments: Any, caller: OwnCaller) -> tuple[str, str]:
    """The refusal's text in English and in Chinese."""
    en, zh = (call(own, name, arguments, caller, locale) for locale in ("en", "zh-CN"))
    assert en.is_error and zh.is_error and en.structured is None
    assert CJK.search(zh.text()) and not CJK.search(en.text()), (en.text(), zh.text())
    return en.text(), zh.text()


# -- listing --------------------------------------------------------------------------------------------------------
def test_the_tools_are_listed_with_strict_schemas_and_web_search_only_while_an_engine_is_configured(world):
    own, flag, alice = world["own"], world["flag"], world["callers"]["alice"]
    tools = {t.name: t for t in own.tools()}
    assert list(tools) == ["kb_search", "kb_list", "web_search"]
    for tool in tools.values():
        Draft202012Validator.check_schema(tool.input_schema)
        Draft202012Validator.check_schema(tool.output_schema)
        assert tool.input_schema["type"] == "object" and tool.input_schema["additionalProperties"] is False
        assert tool.annotations["readOnlyHint"] is True and tool.annotations["destructiveHint"] is False
        assert tool.annotations["openWorldHint"] is (tool.name == "web_search")
        assert CJK.search(tool.zh_title) and not CJK.search(tool.title + tool.description)
    search = tools["kb_search"]
    assert search.input_schema["required"] == ["query"] and search.input_schema["properties"]["query"]["maxLength"] \
        == 2000 and (search.input_schema["properties"]["top_k"]["minimum"],
                     search.input_schema["properties"]["top_k"]["maximum"]) == (1, 20)
    assert "kb_list" in search.description and "nothing relevant" in search.description
    assert (tools["web_search"].input_schema["properties"]["count"]["maximum"], tools["web_search"].title) == \
        (10, "Search the web")

    flag["web"] = False                                   # asked at each listing and call
    try:
        assert [t.name for t in own.tools()] == ["kb_search", "kb_list"]
        en, zh = refusal(own, "web_search", {"query": "lighthouse"}, alice)
        assert (en, zh) == ("Web search is not configured on this server.", "本服务器未配置联网搜索。")
    finally:
        flag["web"] = True
    assert [t.name for t in OwnTools(None, world["api"], web_search=True).tools()] == ["web_search"]
    assert OwnTools(None, world["api"]).tools() == []
    en, zh = refusal(OwnTools(None, world["api"]), "kb_search", {"query": "orchids"}, alice)
    assert "no tool named “kb_search”" in en and "“kb_search”" in zh
    assert "no tool named “delete_everything”" in refusal(own, "delete_everything", {}, alice)[0]


# -- kb_list ---------------------------------------------------------------------------------------------------------
def test_kb_list_shows_only_the_knowledge_bases_the_caller_may_read(world):
    own, callers = world["own"], world["callers"]
    manual, notes, diary = world["manual"], world["notes"], world["diary"]

    listed = call(own, "kb_list", {}, callers["alice"])
    by_id = {kb["id"]: kb for kb in listed.structured["knowledge_bases"]}
    assert set(by_id) == {manual.id, notes.id}                                  # not bob's private diary
    assert by_id[manual.id] == {"id": manual.id, "name": "Greenhouse manual", "description": "How we run it",
                                     "team": "Greenhouse", "personal": False, "role": "owner", "documents": 1}
    assert by_id[notes.id]["personal"] is True and by_id[notes.id]["documents"] == 0
    assert f"- Greenhouse manual (id {manual.id}; Greenhouse; 1 document(s)): How we run it" in listed.text()
    assert "Bob's diary" not in listed.text() and diary.id not in listed.text()

    bobs = call(own, "kb_list", None, callers["bob"], "zh")                       # a viewer of the team
    assert {kb["id"]: kb["role"] for kb in bobs.structured["knowledge_bases"]} == {manual.id: "viewer",
                                                                                  diary.id: "owner"}
    assert "你可以检索的知识库（2 个）" in bobs.text() and "Private notes" not in bobs.text()

    nobody = call(own, "kb_list", {}, callers["carol"])
    assert nobody.structured == {"knowledge_bases": []} and not nobody.is_error
    assert nobody.text() == "You may read no knowledge bases yet: there is nothing to search."


# -- kb_search -------------------------------------------------------------------------------------------------------
def test_kb_search_gives_the_document_page_and_a_quote_that_is_in_it(world):
    own, callers, manual = world["own"], world["callers"], world["manual"]
    found = call(own, "kb_search", {"query": ORCHIDS, "top_k": 3}, callers["alice"])
    assert not found.is_error and found.structured["query"] == ORCHIDS
    assert {kb["id"] for kb in found.structured["knowledge_bases"]} == {manual.id, world["notes"].id}
    hits = found.structured["hits"]
    assert 1 <= len(hits) <= 3 and [h["index"] for h in hits] == list(range(1, len(hits) + 1))
    best = hits[0]
    assert (best["document"], best["first_page"], best["last_page"], best["pages"], best["knowledge_base"],
            best["knowledge_base_id"], best["heading"]) == ("greenhouse.pdf", 2, 2, "p. 2", "Greenhouse manual",
                                                            manual.id, "2 Watering")
    assert "Tuesday and Friday" in best["quote"] and flat(best["quote"]) in flat("\n".join(MANUAL))
    assert all(h["knowledge_base_id"] == manual.id for h in hits)                 # never bob's orchid diary
    lines = found.text().splitlines()
    assert lines[0] == f"Passages found in “Private notes”, “Greenhouse manual” for “{ORCHIDS}”, best first:"
    assert lines[1].startswith('[1] greenhouse.pdf, p. 2 (Greenhouse manual): "') and "Tuesday and Friday" in lines[1]

    # bob, a viewer, names the KB; in Chinese the pages are said in Chinese
    bobs = call(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [manual.id, manual.id], "top_k": 1},
                callers["bob"], "zh")
    [hit] = bobs.structured["hits"]
    assert (hit["document"], hit["pages"]) == ("greenhouse.pdf", "第 2 页")
    assert bobs.structured["knowledge_bases"] == [{"id": manual.id, "name": "Greenhouse manual"}]
    assert bobs.text().splitlines()[1].startswith('[1] greenhouse.pdf, 第 2 页 (Greenhouse manual): "')
    # bob's own search finds his diary too: the tools read what the caller may read, no more, no less
    own_kbs = call(own, "kb_search", {"query": ORCHIDS}, callers["bob"])
    assert world["diary"].id in {h["knowledge_base_id"] for h in own_kbs.structured["hits"]}


def test_nothing_relevant_is_said_plainly(world):
    own, alice, manual = world["own"], world["callers"]["alice"], world["manual"]
    question = "Quarterly revenue forecast spreadsheet?"
    en = call(own, "kb_search", {"query": question, "knowledge_base_ids": [manual.id]}, alice)
    assert not en.is_error and en.structured["hits"] == []
    assert en.text() == (f"No passage in “Greenhouse manual” matches “{question}”: the knowledge bases do not "
                         "cover it. Do not answer it from them.")
    zh = call(own, "kb_search", {"query": question, "knowledge_base_ids": [manual.id]}, alice, "zh")
    assert zh.structured["hits"] == [] and zh.text().startswith("“Greenhouse manual”中没有与")
    carol = call(own, "kb_search", {"query": ORCHIDS}, world["callers"]["carol"])       # no KB to search at all
    assert carol.structured["hits"] == [] and carol.structured["knowledge_bases"] == [] and not carol.is_error
    assert "no knowledge bases" in carol.text()


def test_an_outsiders_knowledge_base_is_refused_with_the_words_of_a_made_up_id(world):
    own, callers = world["own"], world["callers"]
    manual, diary = world["manual"].id, world["diary"].id
    theirs = refusal(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [diary]}, callers["alice"])
    made_up = refusal(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [MISSING]}, callers["alice"])
    assert theirs == made_up
    assert theirs[0] == ("“knowledge_base_ids[0]”: This knowledge base does not exist or is not shared with you. "
                         "Check the name or link, or ask its team for access. Call kb_list for the knowledge bases "
                         "you may search.")
    assert theirs[1].startswith("“knowledge_base_ids[0]”：该知识库不存在或未与您共享。")
    second = refusal(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [manual, diary]}, callers["alice"])
    assert second == refusal(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [manual, MISSING]},
                             callers["alice"])
    assert second[0].startswith("“knowledge_base_ids[1]”:")
    outsider = refusal(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [manual]}, callers["carol"])
    assert outsider == refusal(own, "kb_search", {"query": ORCHIDS, "knowledge_base_ids": [MISSING]},
                               callers["carol"]) == theirs


@pytest.mark.parametrize(("tool", "arguments", "argument", "en_words", "zh_words"), [
    ("kb_search", {}, "query", "is required", "必填"),
    ("kb_search", {"query": "x" * 2001}, "query", "at most 2000 characters", "最多 2000 个字符"),
    ("kb_search", {"query": 5}, "query", "must be text", "应为文本"),
    ("kb_search", {"query": "  \n "}, "query", "is empty", "为空"),
    ("kb_search", {"query": "orchids", "top_k": 0}, "top_k", "at least 1", "不能小于 1"),
    ("kb_search", {"query": "orchids", "top_k": 21}, "top_k", "at most 20", "不能大于 20"),
    ("kb_search", {"query": "orchids", "top_k": "5"}, "top_k", "a whole number", "整数"),
    ("kb_search", {"query": "orchids", "knowledge_base_ids": "abc"}, "knowledge_base_ids", "a list", "列表"),
    ("kb_search", {"query": "orchids", "knowledge_base_ids": [7]}, "knowledge_base_ids[0]", "must be text", "文本"),
    ("kb_search", {"query": "orchids", "knowledge_base_ids": []}, "knowledge_base_ids", "at least 1", "至少"),
    ("kb_search", {"query": "orchids", "knowledge_base_ids": [MISSING] * 11}, "knowledge_base_ids", "at most 10",
     "最多 10"),
    ("kb_search", {"query": "orchids", "kb": "x"}, "kb", "not an argument this tool takes", "不是此工具接受的参数"),
    ("kb_search", ["orchids"], "the arguments", "an object", "对象"),
    ("kb_list", {"team": "x"}, "team", "not an argument", "不是此工具接受的参数"),
    ("web_search", {"query": "lighthouse", "count": 11}, "count", "at most 10", "不能大于 10"),
    ("web_search", {"query": "x" * 1001}, "query", "at most 1000 characters", "最多 1000 个字符"),
    ("web_search", {"count": 3}, "query", "is required", "必填"),
])
def test_bad_arguments_are_refused_naming_the_argument_in_english_and_chinese(world, tool, arguments, argument,
                                                                              en_words, zh_words):
    en, zh = refusal(world["own"], tool, arguments, world["callers"]["alice"])
    zh_argument = "参数" if argument == "the arguments" else argument
    assert f"“{argument}”" in en and en_words in en, en
    assert f"“{zh_argument}”" in zh and zh_words in zh, zh


def requests_of(gw: GatewayProcess, username: str, at_least: int = 0, timeout: float = 15) -> int:
    """The user's requests in the gateway's usage ledger (written off the request's path: waited for)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=gw.url + "/admin/v1", headers={"Authorization": f"Bearer {MASTER_KEY}"},
                      timeout=30) as admin:
        while True:
            ranking = admin.get("/usage").json()["ranking"]["user"]
            seen = next((row["requests"] for row in ranking if row["name"] == username), 0)
            if seen >= at_least or time.monotonic() > deadline:
                return seen
            time.sleep(0.2)


def test_the_callers_own_key_pays_and_a_refused_key_is_said_plainly(world, web, gateway):
    own, alice, dave, gw = world["own"], world["callers"]["alice"], world["callers"]["dave"], gateway[0]
    assert requests_of(gw, "dave") == 0
    found = call(own, "kb_search", {"query": ORCHIDS}, dave)              # a reader by grant searches the manual
    assert [kb["name"] for kb in found.structured["knowledge_bases"]] == ["Greenhouse manual"]
    assert found.structured["hits"][0]["pages"] == "p. 2"
    assert requests_of(gw, "dave", 1) == 1                                  # the question's embedding, on dave's key
    assert call(own, "web_search", {"query": "lighthouse"}, dave).structured["results"]
    assert requests_of(gw, "dave", 2) == 2                                  # and the search

    stranger = OwnCaller(alice.user_id, "sk-not-a-key-of-this-gateway-0000000000")
    kb = call(own, "kb_search", {"query": ORCHIDS}, stranger)
    assert kb.is_error and "Greenhouse manual" in kb.text() and EMBEDDING in kb.text(), kb.text()
    searched = len(web.searches)
    refused = call(own, "web_search", {"query": "lighthouse"}, stranger)
    assert refused.is_error and refused.text() == "Your key may not use web search." and len(web.searches) == searched


# -- web_search ------------------------------------------------------------------------------------------------------
def test_web_search_gives_the_engines_results(world, web):
    own, alice = world["own"], world["callers"]["alice"]
    web.reset()
    web.serve("/pages/article.html", "/pages/notes.txt", "/files/report.pdf")
    found = call(own, "web_search", {"query": "lighthouse   steps", "count": 2}, alice)
    assert web.searches[-1]["q"] == "lighthouse steps" and web.searches[-1]["language"] == "en"
    assert found.structured == {"query": "lighthouse   steps", "results": [
        {"index": 1, "title": "Lighthouse Journal", "url": f"{web.url}/pages/article.html",
         "snippet": WEB_PAGES["/pages/article.html"][1]},
        {"index": 2, "title": "Field notes", "url": f"{web.url}/pages/notes.txt",
         "snippet": WEB_PAGES["/pages/notes.txt"][1]}]}
    assert found.text().splitlines()[:4] == ["Web pages found for “lighthouse steps”:", "[1] Lighthouse Journal",
                                             f"{web.url}/pages/article.html", WEB_PAGES["/pages/article.html"][1]]
    assert web.hits == []                                 # the pages themselves were not fetched (fetch_pages: 0)

    zh = call(own, "web_search", {"query": "灯塔"}, alice, "zh-CN")
    assert web.searches[-1]["language"].startswith("zh") and len(zh.structured["results"]) == 3
    assert zh.text().startswith("为“灯塔”找到的网页：")

    web.serve()
    none = call(own, "web_search", {"query": "nothing at all"}, alice)
    assert none.structured["results"] == [] and none.text() == "No web pages were found for “nothing at all”."

    web.fault = "500"                                     # the engine fails: said plainly, without its own words
    try:
        failed = call(own, "web_search", {"query": "lighthouse"}, alice)
    finally:
        web.reset()
    assert failed.is_error and "KeyError" not in failed.text() and "searx" not in failed.text()
    assert failed.text().startswith("Web search failed")
