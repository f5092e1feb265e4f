"""Web search: the Web Search API and the AI Search API through the real gateway, and their parts.

Integration: ``python launch.py`` with a ``search:`` block pointing at the fake SearXNG (real HTML
pages on loopback, allow-listed as 127.0.0.1), a fake chat upstream, and the network guard loaded
(nothing may leave loopback: the guard's log must stay empty). A second gateway has no ``search:``
block (503). Unit: extraction, charsets, the catalogue block, both providers against the fake
engines, and the AI search prompt.
"""

from __future__ import annotations

import re
import time

import httpx
import orjson
import pytest
import yaml

from gateway.accounts.keys import KeyStore
from gateway.errors import ConfigError
from gateway.routing.catalogue import EMBEDDED_CHAT_ID, SearchOptions, parse_catalogue
from gateway.store import open_store
from gateway.websearch import answer, prompts
from gateway.websearch.engine import Source, WebSearch
from gateway.websearch.errors import SearchFailed, SearchNotConfigured
from gateway.websearch.extract import extract, plain
from gateway.websearch.fetch import decode
from gateway.websearch.providers import make_provider
from tests.aio import run
from tests.conftest import MASTER_KEY, ROOT, GatewayProcess, seeded_data_dir
from tests.fakes.searxng import ARTICLE_HTML, ARTICLE_SENTENCE, CHINESE_HTML, CHINESE_SENTENCE, start_search_fake
from tests.fakes.upstream import start_fake
from tests.gateway.conftest import error_of

BOILERPLATE = ("NAV-LINK", "FOOTER-TEXT", "SCRIPT-SHOULD-NOT-APPEAR", "COOKIE-BANNER", "SIDEBAR-LINK", "font-family")


@pytest.fixture(scope="module")
def web():
    fake = start_search_fake(bocha_key="bocha-test-key")
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _clean(request):
    if "web" in request.fixturenames:
        request.getfixturevalue("web").reset()


# ============================================================== unit: extraction and charsets
def test_extraction_keeps_the_article_and_drops_the_boilerplate():
    page = extract(ARTICLE_HTML)
    assert page.title == "Lighthouse Journal"
    assert ARTICLE_SENTENCE in page.text and "supply boat arrived" in page.text
    assert page.text.startswith("Life at the lighthouse")
    for word in BOILERPLATE:
        assert word not in page.text


def test_extraction_without_article_tags_finds_the_densest_text():
    menu = "".join(f'<li><a href="/{i}">Menu entry {i}</a></li>' for i in range(30))
    html = (f"<html><head><title>t</title></head><body><div class=top><ul>{menu}</ul></div>"
            "<div><div>短</div><div class=text><p>" + "这是一段很长的正文，讲述了研究所的历史与现状。" * 8 + "</p>"
            "<p>" + "Second paragraph of the body text, long enough to count as content. " * 3 + "</p></div>"
            f"<div><ul>{menu}</ul></div><div>© 2026 links</div></body></html>")
    text = extract(html).text
    assert text.startswith("这是一段很长的正文") and "Second paragraph" in text
    assert "Menu entry" not in text and "© 2026" not in text


def test_chinese_text_is_joined_without_stray_spaces_and_capped_at_a_sentence_end():
    html = "<p>第一句话在这里。\n第二句话\n在这里。</p>" + "<p>" + "很长的句子。" * 400 + "</p>"
    text = extract(html, max_chars=500).text
    assert text.startswith("第一句话在这里。第二句话在这里。")
    assert len(text) <= 502 and text.endswith("。 …")
    assert plain("Field  notes\n\n\n\nline two", 100).text == "Field notes\n\nline two"


@pytest.mark.parametrize("body, declared, expected", [
    (CHINESE_HTML.encode("gbk"), "GBK", CHINESE_SENTENCE),                       # header charset
    (CHINESE_HTML.encode("gbk"), None, CHINESE_SENTENCE),                        # <meta http-equiv> only
    ("<p>没有声明编码的国标码页面</p>".encode("gb18030"), None, "没有声明编码的国标码页面"),  # sniffed
    ("<p>UTF-8 页面 ü</p>".encode(), None, "UTF-8 页面 ü"),
    ("<p>caf\u00e9</p>".encode("cp1252"), "iso-8859-1", "caf\u00e9"),
    (b"\xef\xbb\xbf<p>BOM \xe4\xb8\xad</p>", "iso-8859-1", "BOM 中"),            # a BOM wins over the header
])
def test_charsets_are_decoded(body, declared, expected):
    assert expected in decode(body, declared)


def test_a_character_cut_by_the_byte_cap_is_dropped_not_garbled():
    body = "中文截断".encode()[:-1]
    assert decode(body, "utf-8", complete=False) == "中文截"


# ============================================================== unit: the catalogue's search block
def test_the_documented_search_block_parses():
    doc = yaml.safe_load((ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    search = parse_catalogue(doc, "config.example.yaml").search
    assert search is not None and search.provider in ("searxng", "bocha") and search.base_url.startswith("http")
    assert parse_catalogue({}, "x.yaml").search is None
    bocha = parse_catalogue({"search": {"provider": "bocha", "api_key_env": "BOCHA_API_KEY",
                                        "allow_private_hosts": ["SearXNG.lab.", "10.1.0.0/16", "127.0.0.1"]}},
                            "x.yaml").search
    assert bocha.base_url == "https://api.bochaai.com"
    assert bocha.allow_private_hosts == ("searxng.lab", "10.1.0.0/16", "127.0.0.1/32")


@pytest.mark.parametrize("block, key, words", [
    ({"provider": "google"}, "search.provider", "must be one of searxng, bocha"),
    ({"base_url": "http://s"}, "search.provider", "is required"),
    ({"provider": "searxng"}, "search.base_url", "is required"),
    ({"provider": "searxng", "base_url": "searxng:8080"}, "search.base_url", "http(s) URL"),
    ({"provider": "searxng", "base_url": "http://u:p@searxng"}, "search.base_url", "without credentials"),
    ({"provider": "bocha"}, "search.api_key_env", "is required for bocha"),
    ({"provider": "bocha", "api_key_env": "sk-3f9a8b7c6d5e4f3a2b1c"}, "search.api_key_env", "NAME of an environment"),
    ({"provider": "searxng", "base_url": "http://s", "fetch_pages": 50}, "search.fetch_pages", "between 0 and 20"),
    ({"provider": "searxng", "base_url": "http://s", "timeout_s": 0}, "search.timeout_s", "greater than 0"),
    ({"provider": "searxng", "base_url": "http://s", "max_page_bytes": "2MB"}, "search.max_page_bytes", "must be int"),
    ({"provider": "searxng", "base_url": "http://s", "allow_private_hosts": "127.0.0.1"},
     "search.allow_private_hosts", "must be list"),
    ({"provider": "searxng", "base_url": "http://s", "allow_private_hosts": ["ok.lab", "bad host!"]},
     "search.allow_private_hosts[1]", "host name"),
    ({"provider": "searxng", "base_url": "http://s", "allow_private_hosts": ["10.0.0"]},
     "search.allow_private_hosts[0]", "host name"),
    ({"provider": "searxng", "base_url": "http://s", "max_results": 3}, "search.max_results", "unknown key"),
])
def test_bad_search_settings_name_the_key(block, key, words):
    with pytest.raises(ConfigError) as err:
        parse_catalogue({"search": block}, "models.yaml")
    assert err.value.key == key and words in err.value.problem, str(err.value)


# ============================================================== unit: providers against the fake engines
def options(web, **kw) -> SearchOptions:
    base = {"provider": "searxng", "base_url": web.url, "timeout_s": 3.0, "page_timeout_s": 2.0,
            "allow_private_hosts": ("127.0.0.1/32",)}
    return SearchOptions(**{**base, **kw})


def search(opts: SearchOptions, query: str = "lighthouse", *, env=None, **kw) -> list[Source]:
    async def go():
        engine = WebSearch(opts, env=env or {})
        try:
            return await engine.search(query, count=kw.pop("count", 5), **kw)
        finally:
            await engine.aclose()
    return run(go())


def test_searxng_results_are_numbered_and_the_top_pages_read(web):
    web.serve("/pages/article.html", "/pages/notes.txt", "/pages/chinese-meta.html", "/files/report.pdf",
              "/pages/article.html")                                         # a repeated URL is listed once
    sources = search(options(web, fetch_pages=3), "灯塔 lighthouse", language="zh-CN")
    assert [s.index for s in sources] == [1, 2, 3, 4]
    assert web.searches[0] | {} == {"engine": "searxng", "q": "灯塔 lighthouse", "format": "json", "pageno": "1",
                                    "language": "zh-CN"}
    assert ARTICLE_SENTENCE in sources[0].content and "06:12" in sources[1].content
    assert CHINESE_SENTENCE in sources[2].content
    assert sources[3].content is None and sources[3].skipped is None          # beyond fetch_pages: not read
    assert sources[3].public(True) == {"index": 4, "title": "Annual report (PDF)", "url": f"{web.url}/files/report.pdf",
                                       "snippet": "A PDF file, not a web page."}


@pytest.mark.parametrize("fault, words", [
    ("json_disabled", "add json to search.formats"),
    ("500", "failed (HTTP 500)"),
    ("not_json", "something other than JSON"),
    ("engines_failed", "Every search engine behind the SearXNG instance failed"),
])
def test_searxng_failures_are_explained_without_its_internals(web, fault, words):
    web.fault = fault
    with pytest.raises(SearchFailed) as err:
        search(options(web))
    assert words in err.value.message and err.value.status == 502
    assert "KeyError" not in err.value.message and "webapp.py" not in err.value.message


def test_bocha_speaks_its_api_with_the_key_from_the_environment(web):
    web.serve("/pages/article.html", "/pages/chinese-gbk.html")
    opts = options(web, provider="bocha", api_key_env="BOCHA_TEST_KEY")
    sources = search(opts, "灯塔", env={"BOCHA_TEST_KEY": "bocha-test-key"}, count=2)
    assert web.searches == [{"engine": "bocha", "authorization": "Bearer bocha-test-key", "query": "灯塔",
                             "count": 2, "freshness": "noLimit", "summary": False}]
    assert [(s.index, s.title) for s in sources] == [(1, "Lighthouse Journal"), (2, "中文测试页面")]
    assert CHINESE_SENTENCE in sources[1].content


def test_bocha_refusals_and_a_missing_key(web):
    opts = options(web, provider="bocha", api_key_env="BOCHA_TEST_KEY")
    with pytest.raises(SearchFailed) as err:
        search(opts, env={"BOCHA_TEST_KEY": "wrong"})
    assert "refused the gateway's API key (HTTP 401)" in err.value.message and "BOCHA_TEST_KEY" in err.value.message
    web.fault = "500"
    with pytest.raises(SearchFailed) as err:
        search(opts, env={"BOCHA_TEST_KEY": "bocha-test-key"})
    assert "HTTP 500" in err.value.message and "shard" not in err.value.message
    with pytest.raises(SearchNotConfigured) as err:
        make_provider(opts, env={})
    assert err.value.status == 503 and "BOCHA_TEST_KEY" in err.value.message


# ============================================================== unit: the AI search prompt
def test_the_prompt_numbers_the_sources_and_shares_the_context():
    sources = [Source(1, "Short", "https://a.example/", "s", content="Short page."),
               Source(2, "Long", "https://b.example/", "snippet two", content="Long sentence here. " * 2000),
               Source(3, "Unread", "https://c.example/", "only the snippet")]
    system, user = answer.messages("How many steps?", sources, context_length=4096, today="2026-01-02")
    assert user == {"role": "user", "content": "How many steps?"}
    text = system["content"]
    assert "### [1] Short (https://a.example/)\nShort page." in text
    assert "### [3] Unread (https://c.example/)\nonly the snippet" in text
    assert "square brackets, like [1]" in text and "Today is 2026-01-02." in text
    assert 1500 < len(text) < 1024 * 4 + 1000           # the long page was cut to a quarter of the context
    zh = answer.messages("灯塔有多少级台阶？", [], context_length=4096)[0]["content"]
    assert zh.startswith("请借助") and prompts.NO_RESULTS["zh"] in zh


# ============================================================== integration: the real gateway
FAKE_CHAT, OTHER_CHAT = "fake-chat", "other-chat"


def _config(web, upstream, *, search: bool, embedded: bool = False) -> dict:
    dep = {"backend": "openai", "base_url": f"{upstream.url}/v1", "model": "fake-model"}
    doc = {"gateway": {"embedded": {"enabled": embedded}, "health_interval_s": 600},
           "models": [{"id": FAKE_CHAT, "capabilities": {"context_length": 4096}, "deployments": [dep]},
                      {"id": OTHER_CHAT, "deployments": [{**dep, "name": "other"}]}]}
    if search:
        doc["search"] = {"provider": "searxng", "base_url": web.url, "timeout_s": 4, "page_timeout_s": 2,
                         "fetch_pages": 4, "max_page_bytes": 300_000, "allow_private_hosts": ["127.0.0.1"]}
    return doc


@pytest.fixture(scope="module")
def upstream():
    fake = start_fake("plain")
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def gw(web, upstream, tmp_path_factory, shared_models):
    """The gateway with search and the embedded model; keys ``metered`` (fake-chat), ``narrow`` (other-chat
    only), ``limited`` (2 requests a minute)."""
    data = seeded_data_dir(tmp_path_factory.mktemp("websearch-gw"), shared_models)
    config = data / "models.yaml"
    config.write_text(yaml.safe_dump(_config(web, upstream, search=True, embedded=True)), encoding="utf-8")
    store = open_store(data / "maas.duckdb")
    keys = KeyStore(store)
    metered, metered_secret = keys.create("metered", models=[FAKE_CHAT])
    _, narrow = keys.create("narrow", models=[OTHER_CHAT])
    _, limited = keys.create("limited", rpm=2)
    store.close()
    guard_log = data / "outbound.log"
    env = {"PYTHONPATH": str(ROOT / "tests" / "netguard"), "MAAS_NETGUARD_LOG": str(guard_log)}
    gateway = GatewayProcess(data, config=config, env=env)
    gateway.keys = {"metered": metered_secret, "metered_id": metered, "narrow": narrow, "limited": limited}
    gateway.guard_log = guard_log
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def bare(web, upstream, tmp_path_factory):
    """A gateway with no search: block."""
    data = tmp_path_factory.mktemp("nosearch-gw")
    config = data / "models.yaml"
    config.write_text(yaml.safe_dump(_config(web, upstream, search=False)), encoding="utf-8")
    gateway = GatewayProcess(data, config=config).start()
    yield gateway
    gateway.stop()


def post(gateway, path: str, body: dict, key: str | None = MASTER_KEY) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    # the embedded 0.5B model reads the fetched pages first (~80 tokens/s on 2 busy cores): allow it time
    return httpx.post(gateway.url + path, json=body, headers=headers, timeout=120)


def test_web_search_returns_numbered_results_with_the_pages_main_text(gw, web):
    web.serve("/pages/article.html", "/pages/chinese-gbk.html", "/files/report.pdf", "/redirect/private",
              "/pages/huge.html")
    resp = post(gw, "/v1/web-search", {"query": "lighthouse steps", "count": 5})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "web_search" and body["query"] == "lighthouse steps"
    assert body["usage"] == {"search_requests": 1, "pages_fetched": 2}
    first, gbk, pdf, private, huge = body["results"]
    assert [r["index"] for r in body["results"]] == [1, 2, 3, 4, 5]
    assert first["title"] == "Lighthouse Journal" and first["url"] == f"{web.url}/pages/article.html"
    assert ARTICLE_SENTENCE in first["content"] and not any(w in first["content"] for w in BOILERPLATE)
    assert CHINESE_SENTENCE in gbk["content"]
    assert pdf["fetch_error"] == "not a web page (application/pdf)" and "content" not in pdf
    assert "10.0.0.1 is a private address" in private["fetch_error"]
    assert set(huge) == {"index", "title", "url", "snippet"}                 # beyond fetch_pages: not read
    assert "/pages/huge.html" not in web.hits
    assert web.searches[-1]["format"] == "json" and web.searches[-1]["q"] == "lighthouse steps"

    listed = post(gw, "/v1/web-search", {"query": "lighthouse", "fetch": False}).json()
    assert all(set(r) == {"index", "title", "url", "snippet"} for r in listed["results"])


def test_redirects_into_the_gateways_network_are_refused_with_the_system_resolver(gw, web):
    web.serve("/redirect/localhost", "/redirect/metadata", "/redirect/ok")
    results = post(gw, "/v1/web-search", {"query": "internal"}).json()["results"]
    assert "localhost resolves to" in results[0]["fetch_error"] and "loopback" in results[0]["fetch_error"]
    assert "169.254.169.254 is a link-local address" in results[1]["fetch_error"]
    assert ARTICLE_SENTENCE in results[2]["content"]                     # a redirect inside the allowed host
    assert web.hits.count("/pages/article.html") == 1


def test_ai_search_answers_from_the_numbered_sources(gw, web, upstream):
    web.serve("/pages/article.html", "/pages/notes.txt")
    upstream.reset()
    resp = post(gw, "/v1/ai-search", {"query": "How many steps to the lamp room?", "model": FAKE_CHAT, "count": 2})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "chat.completion" and body["model"] == FAKE_CHAT
    assert body["choices"][0]["message"]["content"] == "Echo: How many steps to the lamp room?"
    assert body["sources"] == [
        {"index": 1, "title": "Lighthouse Journal", "url": f"{web.url}/pages/article.html",
         "snippet": "A keeper's notes on steps, storms and supply boats."},
        {"index": 2, "title": "Field notes", "url": f"{web.url}/pages/notes.txt", "snippet": "Tide table notes."}]
    assert body["usage"]["total_tokens"] > 0
    sent = [r["json"] for r in upstream.requests() if r["path"].endswith("/chat/completions")][-1]
    system = sent["messages"][0]["content"]
    assert sent["messages"][0]["role"] == "system" and sent["messages"][1]["content"] == body["choices"][0][
        "message"]["content"].removeprefix("Echo: ")
    assert f"[1] Lighthouse Journal ({web.url}/pages/article.html)\n" in system and ARTICLE_SENTENCE in system
    assert "[2] Field notes" in system and "06:12" in system and "like [1] or [2][3]" in system


@pytest.mark.parametrize("question", ["How many steps did the lighthouse keeper count to the lamp room?",
                                      "灯塔看守人每天晚上数多少级台阶？"])
def test_the_embedded_model_answers_from_the_fetched_page(gw, web, question):
    web.serve("/pages/article.html", "/pages/notes.txt")
    resp = post(gw, "/v1/ai-search", {"query": question, "model": EMBEDDED_CHAT_ID, "count": 2, "max_tokens": 64,
                                      "temperature": 0})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert re.search(r"1,?204", body["choices"][0]["message"]["content"])      # the fact is only on the page
    assert [s["index"] for s in body["sources"]] == [1, 2] and body["usage"]["prompt_tokens"] > 300


def test_ai_search_streams_the_sources_first(gw, web):
    web.serve("/pages/chinese-gbk.html")
    events = []
    with httpx.stream("POST", gw.url + "/v1/ai-search", timeout=20, headers={"authorization": f"Bearer {MASTER_KEY}"},
                      json={"query": "国标码网页说了什么？", "model": FAKE_CHAT, "count": 1, "stream": True,
                            "stream_options": {"include_usage": True}}) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        for line in resp.iter_lines():
            if line.startswith("data: "):
                events.append(line[6:])
    assert events[-1] == "[DONE]"
    chunks = [orjson.loads(e) for e in events[:-1]]
    first = chunks[0]
    assert first["sources"] == [{"index": 1, "title": "中文测试页面", "url": f"{web.url}/pages/chinese-gbk.html",
                                 "snippet": "国标码编码的中文网页。"}]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert {c["id"] for c in chunks} == {first["id"]}
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])
    assert text == "Echo: 国标码网页说了什么？"
    assert all("sources" not in c for c in chunks[1:]) and chunks[-1]["usage"]["total_tokens"] > 0


def test_a_key_may_only_answer_with_its_own_models(gw, web):
    resp = post(gw, "/v1/ai-search", {"query": "q", "model": FAKE_CHAT}, key=gw.keys["narrow"])
    error = error_of(resp.json())
    assert resp.status_code == 404 and error["code"] == "model_not_found" and error["param"] == "model"
    assert web.searches == []                                    # refused before searching
    assert post(gw, "/v1/web-search", {"query": "q"}, key=gw.keys["narrow"]).status_code == 200
    assert post(gw, "/v1/web-search", {"query": "q"}, key=None).status_code == 401
    assert post(gw, "/v1/web-search", {"query": "q"}, key="sk-maas-not-a-key").status_code == 401


@pytest.mark.parametrize("path, body, param", [
    ("/v1/web-search", {}, "query"),
    ("/v1/web-search", {"query": "  "}, "query"),
    ("/v1/web-search", {"query": 7}, "query"),
    ("/v1/web-search", {"query": "q" * 1001}, "query"),
    ("/v1/web-search", {"query": "q", "count": 0}, "count"),
    ("/v1/web-search", {"query": "q", "count": 21}, "count"),
    ("/v1/web-search", {"query": "q", "count": "3"}, "count"),
    ("/v1/web-search", {"query": "q", "fetch": "yes"}, "fetch"),
    ("/v1/web-search", {"query": "q", "language": "zh CN; drop"}, "language"),
    ("/v1/web-search", {"query": "q", "q": "typo"}, "q"),
    ("/v1/ai-search", {"query": "q"}, "model"),
    ("/v1/ai-search", {"query": "q", "model": ""}, "model"),
    ("/v1/ai-search", {"model": FAKE_CHAT}, "query"),
    ("/v1/ai-search", {"query": "q", "model": FAKE_CHAT, "stream": "yes"}, "stream"),
    ("/v1/ai-search", {"query": "q", "model": FAKE_CHAT, "fetch": False}, "fetch"),
    ("/v1/ai-search", {"query": "q", "model": FAKE_CHAT, "temperature": 5}, "temperature"),
])
def test_bad_input_is_a_400_naming_the_parameter(gw, path, body, param):
    resp = post(gw, path, body)
    assert resp.status_code == 400, resp.text
    error = error_of(resp.json())
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert "Traceback" not in resp.text


def test_search_engine_failures_are_502_without_its_internals(gw, web):
    web.fault = "500"
    for path, body in (("/v1/web-search", {"query": "q"}), ("/v1/ai-search", {"query": "q", "model": FAKE_CHAT})):
        resp = post(gw, path, body)
        error = error_of(resp.json())
        assert resp.status_code == 502 and error["code"] == "search_upstream_error"
        assert "KeyError" not in resp.text and "webapp.py" not in resp.text
    web.fault = "json_disabled"
    resp = post(gw, "/v1/web-search", {"query": "q"})
    assert resp.status_code == 502 and "json to search.formats" in error_of(resp.json())["message"]


def test_search_is_rate_limited_like_the_model_routes(gw, web):
    for _ in range(2):
        assert post(gw, "/v1/web-search", {"query": "q", "fetch": False}, key=gw.keys["limited"]).status_code == 200
    resp = post(gw, "/v1/web-search", {"query": "q", "fetch": False}, key=gw.keys["limited"])
    assert resp.status_code == 429 and "retry-after" in resp.headers


def test_without_a_provider_both_apis_say_search_is_not_configured(bare):
    for path, body in (("/v1/web-search", {"query": "q"}), ("/v1/ai-search", {"query": "q", "model": FAKE_CHAT})):
        resp = post(bare, path, body)
        error = error_of(resp.json())
        assert resp.status_code == 503 and error["code"] == "search_not_configured"
        assert "search: block" in error["message"]


def test_every_call_is_one_ledger_row_and_ai_search_carries_the_tokens(gw, web):
    key, key_id = gw.keys["metered"], gw.keys["metered_id"]
    web.serve("/pages/article.html")
    assert post(gw, "/v1/web-search", {"query": "lighthouse"}, key=key).status_code == 200
    ai = post(gw, "/v1/ai-search", {"query": "steps?", "model": FAKE_CHAT, "count": 1}, key=key).json()
    with httpx.stream("POST", gw.url + "/v1/ai-search", headers={"authorization": f"Bearer {key}"}, timeout=20,
                      json={"query": "storms?", "model": FAKE_CHAT, "count": 1, "stream": True,
                            "stream_options": {"include_usage": True}}) as resp:
        last = [line for line in resp.iter_lines() if line.startswith("data: {")][-1]
    streamed = orjson.loads(last[6:])["usage"]
    assert post(gw, "/v1/web-search", {"query": ""}, key=key).status_code == 400       # errors are rows too
    tokens = ai["usage"]["total_tokens"] + streamed["total_tokens"]
    deadline = time.monotonic() + 10
    while True:
        usage = httpx.get(gw.url + "/admin/v1/usage", headers={"authorization": f"Bearer {MASTER_KEY}"}).json()
        row = next((r for r in usage["ranking"]["key"] if r["name"] == key_id), None)
        if row and row["requests"] == 4 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert row is not None and row["requests"] == 4 and row["errors"] == 1
    assert row["total_tokens"] == tokens > 0
    per_model = {m["model"]: m for m in usage["per_model"]}
    assert per_model[FAKE_CHAT]["requests"] >= 2

    gw.stop()                                   # the ledger itself (DuckDB is one process's at a time)
    try:
        store = open_store(gw.data_dir / "maas.duckdb")
        rows = store.cursor().execute(
            "SELECT endpoint, model, deployment, status, stream, total_tokens FROM usage_ledger WHERE key_id = ?"
            " ORDER BY ts", [key_id]).fetchall()
        store.close()
    finally:
        gw.start()
    assert rows == [("web_search", None, "searxng", 200, False, None),
                    ("ai_search", FAKE_CHAT, "openai-0", 200, False, ai["usage"]["total_tokens"]),
                    ("ai_search", FAKE_CHAT, "openai-0", 200, True, streamed["total_tokens"]),
                    ("web_search", None, None, 400, False, None)]


def test_nothing_left_loopback(gw):
    assert not gw.guard_log.exists() or gw.guard_log.read_text() == "", gw.guard_log.read_text()
