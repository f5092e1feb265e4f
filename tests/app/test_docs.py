"""The API docs page: its example generators (pure) and its handlers against a real opened gateway.

The generated Python must compile and the curl bodies must be JSON as the shell hands them to curl;
the examples a member sees use only the models their keys allow; the web search routes' examples are
bodies the gateway accepts and responses in its shapes, and the page says whether search is configured
on this deployment; release notes are written by admins only (audited), refused readably in both
languages, and shown as text.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from app.docs import page as docs
from app.docs import search as docs_search
from app.shell.i18n import translate
from gateway.accounts.console import Actor
from gateway.routing.catalogue import SearchOptions
from gateway.websearch.engine import Source
from gateway.websearch.service import AI_PARAMS, WEB_PARAMS, parse_query
from tests import aio
from tests.app.conftest import opened_gateway

PICKS = {"chat": "org/chat-model:7b@q4", "embedding": "emb-m3", "rerank": "rr-v2"}
BASE = "https://maas.example.org/prefix/v1"


def _request(username: str = "admin", **headers: str) -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"host": "127.0.0.1:7860", **headers})


def _shell_args(script: str) -> list[str]:
    """The words the shell passes to the commands of ``script`` (continuations joined, comments dropped)."""
    return shlex.split(script.replace("\\\n", " "), comments=True)


def _curl_bodies(script: str) -> list[Any]:
    args = _shell_args(script)
    return [json.loads(args[i + 1]) for i, arg in enumerate(args) if arg == "-d"]


def _cards(models: list[str]) -> list[dict[str, Any]]:
    kinds = dict(zip(PICKS.values(), PICKS, strict=True))
    return [{"id": m, "object": "model", "created": 1, "owned_by": "maas", "kind": kinds[m], "description": "",
             "capabilities": {"reasoning": False, "tools": False, "context_length": 8192}} for m in models]


# ---------------------------------------------------------------- pure generators


@pytest.fixture(scope="module")
def examples() -> dict[str, str]:
    return {**docs.api_examples(BASE, PICKS, _cards(list(PICKS.values()))),
            **docs.admin_examples(BASE, PICKS, date(2026, 3, 15))}


def test_every_snippet_is_generated(examples: dict[str, str]) -> None:
    assert set(examples) == {*docs.SNIPPETS, *docs.ADMIN_SNIPPETS}
    assert all(text.strip() for text in examples.values())


def test_python_examples_compile(examples: dict[str, str]) -> None:
    python = {k: v for k, v in examples.items() if k.endswith((".python", ".langchain", ".httpx"))}
    assert len(python) == 17
    for name, source in python.items():
        compile(source, name, "exec")          # a SyntaxError names the snippet
    assert "from langchain_openai import ChatOpenAI" in examples["chat.langchain"]
    for key in ("chat.langchain", "stream.langchain", "thinking.langchain"):
        assert f'base_url="{BASE}"' in examples[key] and f'model="{PICKS["chat"]}"' in examples[key]
    assert "check_embedding_ctx_length=False" in examples["embeddings.langchain"]
    assert 'extra_body={"thinking": {"type": "enabled", "budget_tokens": 1024}}' in examples["thinking.python"]
    assert 'client.post("/web-search", body={' in examples["web_search.python"]
    assert 'client.post("/ai-search", body={' in examples["ai_search.python"]
    assert "cast_to=object" in examples["web_search.python"] and "cast_to=object" in examples["ai_search.python"]
    assert f'"model": "{PICKS["chat"]}"' in examples["ai_search.python"]
    assert "from langchain_core.tools import tool" in examples["web_search.langchain"]
    assert f'"{BASE}/web-search"' in examples["web_search.langchain"]
    assert "httpx.stream(" in examples["ai_search.httpx"] and f'"{BASE}/ai-search"' in examples["ai_search.httpx"]


def test_curl_bodies_are_json_as_the_shell_passes_them(examples: dict[str, str]) -> None:
    chat = _curl_bodies(examples["chat.curl"])
    assert chat == [{"model": PICKS["chat"], "messages": docs.CHAT_MESSAGES, "temperature": 0.7, "max_tokens": 256}]
    stream = _curl_bodies(examples["stream.curl"])[0]
    assert stream["stream"] is True and stream["stream_options"] == {"include_usage": True}
    assert _curl_bodies(examples["thinking.curl"])[0]["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert _curl_bodies(examples["embeddings.curl"]) == [{"model": PICKS["embedding"], "input": docs.TEXTS}]
    assert _curl_bodies(examples["rerank.curl"])[0]["model"] == PICKS["rerank"]
    web = _curl_bodies(examples["web_search.curl"])
    assert web == [docs_search.WEB_BODY, {"query": docs_search.SEARCH_QUERY, "fetch": False}]
    ai, ai_stream = _curl_bodies(examples["ai_search.curl"])
    assert ai["model"] == ai_stream["model"] == PICKS["chat"] and ai_stream["stream"] is True
    assert f"{BASE}/web-search" in _shell_args(examples["web_search.curl"])
    ai_args = _shell_args(examples["ai_search.curl"])
    assert ai_args.count(f"{BASE}/ai-search") == 2 and "-N" in ai_args
    admin = _curl_bodies(examples["admin.curl"])
    assert len(admin) == 5 and admin[1] == {"disabled": True} and list(admin[-1]) == ["reason"]
    args = _shell_args(examples["chat.curl"])
    assert args[:2] == ["curl", f"{BASE}/chat/completions"]
    assert "Authorization: Bearer $MAAS_API_KEY" in args


def test_a_quote_in_a_body_survives_the_shell() -> None:
    body = {"model": "m", "input": "it's \"quoted\" and 中文"}
    assert _curl_bodies(docs.curl("http://h/v1/embeddings", body)) == [body]


def test_urls_and_routes(examples: dict[str, str]) -> None:
    args = _shell_args(examples["health.curl"])
    assert "https://maas.example.org/prefix/health" in args and "https://maas.example.org/prefix/health/ready" in args
    assert "https://maas.example.org/prefix/admin/v1/usage?since=2026-02-01&until=2026-02-28&format=csv" in \
        _shell_args(examples["admin.curl"])
    assert _curl_bodies(examples["admin.curl"])[2]["expires_at"] == "2027-12-31T23:59:59Z"
    assert '"since": "2026-02-01", "until": "2026-02-28"' in examples["admin.python"]
    assert f"{BASE}/models/{PICKS['chat']}" in _shell_args(examples["models.curl"])
    assert "Authorization: Bearer $MAAS_ADMIN_KEY" in _shell_args(examples["admin.curl"])


def test_responses_have_the_gateways_shapes(examples: dict[str, str]) -> None:
    for key in docs.SNIPPETS:
        if key.endswith(".response") and key not in docs.PLAIN_RESPONSES:
            json.loads(examples[key])
    chat = json.loads(examples["chat.response"])
    assert chat["object"] == "chat.completion" and chat["model"] == PICKS["chat"]
    assert set(chat["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    thinking = json.loads(examples["thinking.response"])
    assert thinking["choices"][0]["message"]["reasoning_content"]
    assert thinking["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    events = [line[len("data: "):] for line in examples["stream.response"].splitlines() if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 32
    rerank = json.loads(examples["rerank.response"])
    assert [r["index"] for r in rerank["results"]] == [0, 2] and rerank["model"] == PICKS["rerank"]
    assert json.loads(examples["models.response"])["data"] == _cards(list(PICKS.values()))


def test_the_search_examples_send_what_the_gateway_accepts(examples: dict[str, str]) -> None:
    for key, allowed in (("web_search.curl", WEB_PARAMS), ("ai_search.curl", AI_PARAMS)):
        for body in _curl_bodies(examples[key]):
            assert set(body) <= set(allowed), key
            search_part = {k: v for k, v in body.items() if k in WEB_PARAMS}
            assert parse_query(search_part, WEB_PARAMS).text == docs_search.SEARCH_QUERY


def test_the_search_responses_have_the_gateways_shapes(examples: dict[str, str]) -> None:
    web = json.loads(examples["web_search.response"])
    assert web["object"] == "web_search" and web["query"] == docs_search.SEARCH_QUERY
    sources = [Source(r["index"], r["title"], r["url"], r["snippet"], r.get("content"), r.get("fetch_error"))
               for r in web["results"]]
    assert [s.public(True) for s in sources] == web["results"]           # as gateway.websearch returns them
    assert [r["index"] for r in web["results"]] == [1, 2, 3]
    assert web["usage"] == {"search_requests": 1, "pages_fetched": sum(s.content is not None for s in sources)}
    ai = json.loads(examples["ai_search.response"])
    assert ai["object"] == "chat.completion" and ai["model"] == PICKS["chat"]
    assert ai["sources"] == [s.cited() for s in sources]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", ai["choices"][0]["message"]["content"])}
    assert cited == {s["index"] for s in ai["sources"]}               # every citation names a listed source
    assert set(ai["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


@pytest.mark.parametrize(("headers", "public", "expected"), [
    ({"host": "gw.lab:7860"}, None, "http://gw.lab:7860/v1"),
    ({"host": "gw.lab", "x-forwarded-proto": "https", "x-forwarded-prefix": "/maas"}, None, "https://gw.lab/maas/v1"),
    ({"host": "gw.lab"}, "https://api.example.org/", "https://api.example.org/v1"),
    ({"host": "evil.lab'; rm -rf ~ #"}, None, "http://127.0.0.1:7860/v1"),      # not pasted into a shell
    ({"host": "gw.lab$(id)"}, None, "http://127.0.0.1:7860/v1"),
    ({}, None, "http://127.0.0.1:7860/v1"),
])
def test_api_base(headers: dict[str, str], public: str | None, expected: str) -> None:
    assert docs.api_base(SimpleNamespace(headers=headers), public, "http://127.0.0.1:7860/v1") == expected


# ---------------------------------------------------------------- handlers on a real gateway


@pytest.fixture()
def gateway(tmp_path):
    gw = opened_gateway(tmp_path)
    yield gw
    gw.store.close()


def _member(gw, name: str = "alice") -> Any:
    return gw.accounts.create_user(name, "Member-pass-2026", role="member")


def _page(gw, username: str, lang: str = "en") -> docs.DocsView:
    return docs.DocsPage(gw).refresh(lang, _request(username))


def _ids(gw) -> dict[str, str]:
    return {m.kind: m.id for m in reversed(list(gw.catalogue.models.values()))}


def test_the_models_response_is_what_the_gateway_lists(gateway) -> None:
    """The page's example response is what GET /v1/models answers the same member's key."""
    import httpx

    from gateway.http.api import GatewayApp

    ids = _ids(gateway)
    alice = _member(gateway)
    _, secret = gateway.keys.create("alice-chat", [ids["chat"]], user_id=alice.id)

    async def listed() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=GatewayApp(gateway)), base_url="http://gw",
                                     headers={"authorization": f"Bearer {secret}"}) as client:
            resp = await client.get("/v1/models")
            assert resp.status_code == 200, resp.text
            return resp.json()

    assert json.loads(_page(gateway, "alice").snippets["models.response"]) == aio.run(listed())


def test_a_members_examples_use_only_their_models(gateway) -> None:
    ids = _ids(gateway)
    alice = _member(gateway)
    gateway.keys.create("alice-chat", [ids["chat"]], user_id=alice.id)
    gateway.keys.workbench_key(alice.id)                       # allows every model, but is not hers to paste
    other_id, _ = gateway.keys.create("old", [ids["embedding"]], user_id=alice.id)
    gateway.keys.revoke(other_id)                              # a revoked key allows nothing
    page = _page(gateway, "alice")
    code = "\n".join(page.snippets[k] for k in docs.SNIPPETS)
    assert ids["chat"] in code
    assert ids["embedding"] not in code and ids["rerank"] not in code
    assert "your-embedding-model" in page.snippets["embeddings.curl"]
    assert "your-rerank-model" in page.snippets["rerank.python"]
    assert f'data-id="{ids["chat"]}"' in page.models_html and ids["embedding"] not in page.models_html
    assert "(1)" in page.models_md and "embedding, rerank" in page.models_md
    assert [c["id"] for c in json.loads(page.snippets["models.response"])["data"]] == [ids["chat"]]
    assert page.base_url == "http://127.0.0.1:7860/v1"
    assert f"`{ids['chat']}`" in page.tool["dify"] and "http://127.0.0.1:7860/v1/rerank" in page.tool["openwebui"]
    assert page.admin_box["visible"] is False and page.note_model["choices"] == []


def test_a_key_without_a_model_list_allows_every_model(gateway) -> None:
    ids = _ids(gateway)
    bob = _member(gateway, "bob")
    gateway.keys.create("bob-all", None, user_id=bob.id)
    page = _page(gateway, "bob", "zh")
    assert all(model_id in page.models_html for model_id in ids.values())
    assert "your-" not in page.snippets["rerank.curl"] and "你的有效 API 密钥" in page.models_md


def test_without_a_key_the_examples_use_the_catalogue_and_say_a_key_is_needed(gateway) -> None:
    ids = _ids(gateway)
    _member(gateway, "carol")
    page = _page(gateway, "carol")
    assert "You have no API key yet" in page.models_md and "Apply for a key" in page.models_md
    assert ids["chat"] in page.snippets["chat.curl"] and ids["rerank"] in page.snippets["rerank.curl"]
    assert "你还没有 API 密钥" in _page(gateway, "carol", "zh").models_md


def _search_notes(page: docs.DocsView) -> str:
    notes = {page.status[e] for e in docs_search.SEARCH_ENDPOINTS}
    assert len(notes) == 1                                     # the same notice on both search tabs
    return notes.pop()


def test_the_page_says_when_web_search_is_not_configured(gateway) -> None:
    assert gateway.catalogue.search is None
    ids = _ids(gateway)
    alice = _member(gateway)
    gateway.keys.create("alice-chat", [ids["chat"]], user_id=alice.id)
    page = _page(gateway, "alice")
    note = _search_notes(page)
    assert "Web search is not configured on this server" in note and "503" in note
    assert "search_not_configured" in note and "Admin → Models" not in note
    assert _curl_bodies(page.snippets["ai_search.curl"])[0]["model"] == ids["chat"]     # the viewer's chat model
    zh = _search_notes(_page(gateway, "alice", "zh"))
    assert "尚未配置联网搜索" in zh and "503" in zh
    admin = _search_notes(_page(gateway, "admin"))
    assert admin.startswith(note) and "Admin → Models" in admin and "config.example.yaml" in admin
    assert "管理 → 模型" in _search_notes(_page(gateway, "admin", "zh"))


def test_the_page_follows_a_search_block_added_live(gateway) -> None:
    page = docs.DocsPage(gateway)                              # built before the edit, as on a running server

    def note(lang: str = "en") -> str:
        return _search_notes(page.refresh(lang, _request()))

    bocha = SearchOptions(provider="bocha", base_url="https://api.bochaai.com", api_key_env="BOCHA_API_KEY",
                          fetch_pages=4)
    aio.run(gateway.apply_catalogue(replace(gateway.catalogue, search=bocha)))
    assert note() == translate("docs.search_on", "en", provider="Bocha (博查)", pages=4)
    assert "top 4 results" in note() and "api.bochaai.com" not in note()
    assert "博查" in note("zh") and "前 4 个结果" in note("zh")
    snippets_only = replace(bocha, provider="searxng", base_url="http://searxng.lab:8080", fetch_pages=0)
    aio.run(gateway.apply_catalogue(replace(gateway.catalogue, search=snippets_only)))
    assert "**SearXNG**" in note() and "snippets only" in note()
    aio.run(gateway.apply_catalogue(replace(gateway.catalogue, search=None)))
    assert "not configured" in note()


def test_admins_see_every_model_and_the_note_form(gateway) -> None:
    page = _page(gateway, "admin")
    assert all(model_id in page.models_html for model_id in _ids(gateway).values())
    assert page.admin_box["visible"] is True
    assert page.note_model["choices"] == list(gateway.catalogue.models)
    assert [value for _, value in page.note_change["choices"]] == ["added", "updated", "retired"]
    assert "/admin/v1/users/&#123;id&#125;" in page.admin_routes


def test_a_signed_out_request_is_refused(gateway) -> None:
    with pytest.raises(gr.Error) as err:
        docs.DocsPage(gateway).refresh("en", _request("nobody"))
    assert err.value.message == translate("shell.sign_in_again", "en")


def test_an_admin_adds_a_note_that_appears_first_and_is_audited(gateway) -> None:
    page = docs.DocsPage(gateway)
    chat = _ids(gateway)["chat"]
    page.add_note("updated", chat, "Older note", "", "2025-01-02", "en", _request())
    message, html, pick, *cleared = page.add_note("added", chat, "Faster answers", "Twice the tokens per second.\n"
                                                  "Same price.", "", "en", _request())
    assert message == translate("docs.note_added", "en") and [c.get("value") for c in cleared] == [None, None, "", "",
                                                                                                  ""]
    assert html.index("Faster answers") < html.index("Older note")
    assert 'class="badge b-added">added<' in html and "Twice the tokens per second." in html
    notes = gateway.console.release_notes.list()
    assert [n.title for n in notes] == ["Faster answers", "Older note"]
    assert pick["choices"][0][1] == notes[0].id
    entry = gateway.console.audit_log(Actor.master())[0]
    assert (entry.action, entry.target_type, entry.target_id) == ("create", "release_note", notes[0].id)
    assert _page(gateway, "admin").notes.index("Faster answers") < _page(gateway, "admin").notes.index("Older")


def test_an_admin_deletes_a_note(gateway) -> None:
    page = docs.DocsPage(gateway)
    page.add_note("retired", "old-model:1b", "Old model retired", "", "", "zh", _request())
    note = gateway.console.release_notes.list()[0]
    message, html, _ = page.delete_note(note.id, "zh", _request())
    assert message == translate("docs.note_deleted", "zh") and "还没有更新日志" in html
    assert gateway.console.release_notes.list() == []
    entry = gateway.console.audit_log(Actor.master())[0]
    assert (entry.action, entry.target_id) == ("delete", note.id)
    assert "No such release note" in page.delete_note(note.id, "en", _request())[0]       # said, the page kept
    notice, _, pick = page.delete_note(None, "zh", _request())
    assert notice == "⚠️ " + translate("docs.err_choose_note", "zh") and pick["elem_classes"] == ["maas-invalid"]


def test_a_member_can_neither_add_nor_delete(gateway) -> None:
    _member(gateway)
    page = docs.DocsPage(gateway)
    page.add_note("added", "m", "Kept note", "", "", "en", _request())
    note = gateway.console.release_notes.list()[0]
    audit_before = len(gateway.console.audit_log(Actor.master(), 1000))
    with pytest.raises(gr.Error) as err:
        page.add_note("added", "m", "Sneaky note", "", "", "zh", _request("alice"))
    assert err.value.message == translate("shell.admins_only", "zh")
    with pytest.raises(gr.Error) as err:
        page.delete_note(note.id, "en", _request("alice"))
    assert err.value.message == translate("shell.admins_only", "en")
    assert [n.id for n in gateway.console.release_notes.list()] == [note.id]
    assert len(gateway.console.audit_log(Actor.master(), 1000)) == audit_before


@pytest.mark.parametrize(("form", "en", "zh"), [
    (("added", "m", "x", "", ""), "Title: 2 to 120 characters (now 1)", "标题"),
    (("added", "m", "t" * 121, "", ""), "Title: 2 to 120 characters (now 121)", "标题"),
    (("added", "m", "Fine title", "b" * 4001, ""), "Details: at most 4000 characters (now 4001)", "详情"),
    (("added", "  ", "Fine title", "", ""), "Model: name the model", "模型"),
    ((None, "m", "Fine title", "", ""), "Change: one of added, updated, retired", "变更类型"),
    (("added", "m", "Fine title", "", "1/2/2026"), translate("docs.err_day", "en", value="1/2/2026"),
     translate("docs.err_day", "zh", value="1/2/2026")),
    (("added", "m", "Fine title", "", "2026-02-30"), "YYYY-MM-DD", "YYYY-MM-DD"),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validation_errors_are_readable_in_both_languages(gateway, form: tuple, en: str, zh: str,
                                                          lang: str) -> None:
    notice, _, _, *fields = docs.DocsPage(gateway).add_note(*form, lang, _request())
    text = notice.replace("\\", "")                                 # the notice is Markdown, its text escaped
    assert (en if lang == "en" else zh) in text
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", text), text
    assert "Traceback" not in text
    marked = [f["info"] for f in fields if f["elem_classes"] == ["maas-invalid"]]
    assert len(marked) == 1 and (en if lang == "en" else zh) in marked[0]       # the message by its field
    assert not any("value" in f for f in fields)                              # what was typed stays
    assert gateway.console.release_notes.list() == []


def test_a_title_with_markup_is_shown_as_text(gateway) -> None:
    title = "<script>alert(1)</script> **bold** [x](javascript:y) {x} $y"
    docs.DocsPage(gateway).add_note("added", "<b>m</b>", title, "<img src=x onerror=alert(2)>", "", "en",
                                    _request())
    html = _page(gateway, "admin").notes
    assert "<script>" not in html and "<img" not in html and "<b>m</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold**" in html and "&lt;img src=x" in html
    assert "&#123;x&#125; &#36;y" in html            # gr.HTML's template characters neutralised


def test_the_page_shows_the_knowledge_base_api_with_this_servers_address(gateway) -> None:
    from app.http.kb_api import KnowledgeAPI

    served = KnowledgeAPI(None, lambda key: None, base_url="http://127.0.0.1:1/v1", max_upload_bytes=1).documented
    docs_page = docs.DocsPage(gateway)
    pages = {lang: docs_page.refresh(lang, _request("admin", host="gw.lab:8080")) for lang in ("en", "zh")}
    for lang, page in pages.items():
        reference = page.kb_api
        for method, path in served:                              # every route, as a heading under the section
            assert f"\n#### {method} {path}\n" in reference, (lang, method, path)
        assert "export API=http://gw.lab:8080/kb/v1" in reference and 'base_url="http://gw.lab:8080/kb/v1"' in reference
        assert "127.0.0.1:7860" not in reference and not reference.startswith("# ")
        assert "`http://gw.lab:8080/kb/v1`" in page.kb_md
    assert "\n### Sharing\n" in pages["en"].kb_api and "share_link_invalid" in pages["en"].kb_api
    assert "\n### 分享\n" in pages["zh"].kb_api and "分享链接" in pages["zh"].kb_api
    assert "知识库" in pages["zh"].kb_md and "Knowledge" in pages["en"].kb_md
    assert translate("docs.kb_heading", "zh") == "## 知识库 API"


def test_the_page_shows_the_prompt_library_api_with_this_servers_address(gateway) -> None:
    docs_page = docs.DocsPage(gateway)
    pages = {lang: docs_page.refresh(lang, _request("admin", host="gw.lab:8080")) for lang in ("en", "zh")}
    for page in pages.values():                                  # every route /prompts/v1 serves, as a heading
        for route in ("GET /prompts/v1\n", "GET /prompts/v1/{name}\n", "POST /prompts/v1/{name}/render\n"):
            assert f"\n### {route}" in page.prompts_api, route
        assert "export API=http://gw.lab:8080/prompts/v1" in page.prompts_api and "If-None-Match" in page.prompts_api
        assert "127.0.0.1:7860" not in page.prompts_api and "`GET http://gw.lab:8080/prompts/v1/" in page.prompts_md
    assert "\n#### 用 ETag 缓存\n" in pages["zh"].prompts_api and "提示词" in pages["zh"].prompts_md
    assert "#### Caching with the ETag" in pages["en"].prompts_api


def test_the_page_shows_the_paper_reading_api_with_this_servers_address(gateway) -> None:
    from app.http.papers_api import PapersAPI

    served = PapersAPI(None, lambda key: None).documented
    docs_page = docs.DocsPage(gateway)
    pages = {lang: docs_page.refresh(lang, _request("admin", host="gw.lab:8080")) for lang in ("en", "zh")}
    for page in pages.values():                                  # every route /papers/v1 serves, as a heading
        for method, path in served:
            assert f"\n### {method} {path}\n" in page.papers_api, (method, path)
        assert "export API=http://gw.lab:8080/papers/v1" in page.papers_api and "127.0.0.1:7860" not in page.papers_api
        assert "`POST http://gw.lab:8080/papers/v1/papers`" in page.papers_md and "paper_read" in page.papers_api
    assert "论文" in pages["zh"].papers_md and "轮询" in pages["zh"].papers_api
    assert "Papers" in pages["en"].papers_md and "-F \"file=@attention.pdf\"" in pages["en"].papers_api


def test_the_kb_reference_keeps_code_blocks_and_falls_back_to_english(tmp_path) -> None:
    text = "# Title\n\n## Part\n\n```\n# a shell comment\ncurl http://127.0.0.1:7860/kb/v1/teams\n```\n"
    shown = docs.kb_api_markdown(text, "https://kb.example.org/")
    assert shown == "### Part\n\n```\n# a shell comment\ncurl https://kb.example.org/kb/v1/teams\n```\n"
    (tmp_path / "kb-api.md").write_text("# English", encoding="utf-8")
    assert docs.kb_references(tmp_path) == {"en": "# English", "zh": "# English"}
    assert docs.kb_references(tmp_path / "nowhere") == {"en": "", "zh": ""}


def test_the_page_builds(gateway) -> None:
    from app.shell.i18n import make_i18n

    with gr.Blocks() as demo:
        gr.Markdown("home")
    with demo.route("API docs", "/api-docs") as page:
        docs.build(page, gateway, make_i18n())
    assert [f.name for f in demo.fns.values() if f.fn is not None] == ["refresh", "add_note", "delete_note"]
    assert len(demo.fns) == 5                 # and after each form, the browser's move to its first bad field
