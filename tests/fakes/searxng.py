"""Fake search engines and a small web of real pages on loopback, for web search and SSRF tests.

    fake = start_search_fake(bocha_key="bocha-test-key")
    fake.serve("/pages/article.html", "/files/report.pdf")     # what the next searches return, in order
    ... point the gateway's search.base_url at fake.url ...
    fake.searches                                               # what the engines were asked
    fake.stop()

Speaks two real dialects on one port:
  - SearXNG's JSON API: GET /search?q=...&format=json&language=...  (403 unless format=json, as an
    instance without the json format enabled answers); faults: fake.fault = "json_disabled" | "500" |
    "not_json" | "engines_failed" | "slow";
  - Bocha's Web Search API: POST /v1/web-search with ``Authorization: Bearer <key>`` and a JSON body
    {query, count, freshness, summary}; answers ``{code, log_id, msg, data: {webPages: {value: [...]}}}``,
    or HTTP 401 ``{"code": "401", "message": "Invalid API KEY"}`` for another key.
Pages (see PAGES): an English article with navigation, footer, script and style around it; Chinese
pages in GBK (charset in the header, or only in <meta>); a plain-text page; a huge page streamed
forever-ish (``fake.huge`` says how much was sent and whether it finished); a PDF; a slow page;
redirects to 10.0.0.1, to 169.254.169.254, to localhost by name, to ``rebind.test`` (a name tests
resolve to 127.0.0.1), a redirect loop and chains of n hops; /echo-host shows the Host header it got.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.upstream import _listen, serve_in_thread

ARTICLE_SENTENCE = "The lighthouse keeper counted exactly 1,204 steps to the lamp room every evening."
ARTICLE_HTML = f"""<!doctype html><html><head><meta charset="utf-8"><title>Lighthouse Journal</title>
<style>body {{ font-family: serif }} .hidden {{ display: none }}</style>
<script>window.tracking = "SCRIPT-SHOULD-NOT-APPEAR";</script></head>
<body><header class="site-header"><a href="/">Home</a> <a href="/about">About</a> <a href="/blog">Blog</a></header>
<nav><ul><li><a href="/a">NAV-LINK-ONE</a></li><li><a href="/b">NAV-LINK-TWO</a></li></ul></nav>
<div class="cookie-banner">We use cookies. COOKIE-BANNER-TEXT Accept all cookies to continue browsing.</div>
<main><article><h1>Life at the lighthouse</h1>
<p>{ARTICLE_SENTENCE} He wrote every number down in a leather notebook kept by the window.</p>
<p>Storms came in from the west most winters, and the keeper trimmed the wick twice a night when the wind rose.
The supply boat arrived on the first Monday of each month, weather permitting, with oil, flour and letters.</p>
<p>Visitors were rare, but those who came remembered the spiral stairs and the view across the bay.</p>
</article></main>
<aside class="sidebar"><h3>Related</h3><a href="/x">SIDEBAR-LINK</a></aside>
<footer>FOOTER-TEXT Copyright 2026 Lighthouse Journal. All rights reserved.</footer></body></html>"""
CHINESE_SENTENCE = "联网搜索测试：这是一个使用国标码编码的中文网页，正文应当被正确解码并提取出来。"
CHINESE_HTML = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>中文测试页面</title></head><body><div id="nav"><a href="/">首页</a> <a href="/news">新闻</a></div>
<div class="content"><h1>国标码网页</h1><p>{CHINESE_SENTENCE}</p>
<p>第二段：研究人员可以通过联网搜索获得最新的信息，并在回答中看到带编号的引用来源。</p></div>
<div class="footer">版权所有 页脚文字</div></body></html>"""
PLAIN_TEXT = "Field notes\n\n\nThe tide table for March lists high water at 06:12 and 18:40.\n"
HUGE_BYTES = 64 * 1024 * 1024
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# path -> (title, snippet) as the engines list them
PAGES: dict[str, tuple[str, str]] = {
    "/pages/article.html": ("Lighthouse Journal", "A keeper's notes on steps, storms and supply boats."),
    "/pages/chinese-gbk.html": ("中文测试页面", "国标码编码的中文网页。"),
    "/pages/chinese-meta.html": ("中文测试页面（meta）", "只在 meta 中声明编码的中文网页。"),
    "/pages/notes.txt": ("Field notes", "Tide table notes."),
    "/pages/huge.html": ("A very long page", "It goes on and on."),
    "/pages/slow.html": ("A slow page", "It takes its time."),
    "/pages/missing.html": ("Gone", "This page no longer exists."),
    "/files/report.pdf": ("Annual report (PDF)", "A PDF file, not a web page."),
    "/redirect/ok": ("Moved article", "Redirects to the article."),
    "/redirect/private": ("Internal admin", "Redirects to 10.0.0.1."),
    "/redirect/metadata": ("Cloud metadata", "Redirects to 169.254.169.254."),
    "/redirect/localhost": ("Local service", "Redirects to localhost by name."),
    "/redirect/rebind": ("Rebinding", "Redirects to a name that resolves to 127.0.0.1."),
    "/redirect/loop": ("Loop", "Redirects to itself."),
    "/echo-host": ("Echo", "Shows the Host header."),
}


@dataclass
class _State:
    results: list[str] = field(default_factory=lambda: ["/pages/article.html"])
    fault: str | None = None
    searches: list[dict[str, Any]] = field(default_factory=list)
    huge: dict[str, Any] = field(default_factory=lambda: {"sent": 0, "finished": False})
    hits: list[str] = field(default_factory=list)          # the page paths requested, in order


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


class _Engines:
    def __init__(self, state: _State, bocha_key: str) -> None:
        self.state, self.bocha_key = state, bocha_key

    def _results(self, request: Request) -> list[tuple[str, str, str]]:
        base = f"http://127.0.0.1:{request.url.port}"
        return [(PAGES.get(p, (p, ""))[0], p if p.startswith("http") else base + p, PAGES.get(p, ("", p))[1])
                for p in self.state.results]

    async def searxng(self, request: Request) -> Response:
        q = dict(request.query_params)
        self.state.searches.append({"engine": "searxng", **q})
        fault = self.state.fault
        if q.get("format") != "json" or fault == "json_disabled":
            return PlainTextResponse("Forbidden", status_code=403)
        if fault == "500":
            return PlainTextResponse("Internal Server Error: searx/webapp.py line 999 KeyError", status_code=500)
        if fault == "not_json":
            return Response("<html><body>SearXNG front page</body></html>", media_type="text/html")
        if fault == "slow":
            await asyncio.sleep(30)
        if fault == "engines_failed":
            return _json({"query": q.get("q"), "number_of_results": 0, "results": [], "answers": [],
                          "corrections": [], "infoboxes": [], "suggestions": [],
                          "unresponsive_engines": [["google", "timeout"], ["bing", "CAPTCHA"]]})
        results = [{"url": url, "title": title, "content": snippet, "engine": "duckduckgo",
                    "engines": ["duckduckgo", "bing"], "positions": [i], "score": 1.0 / i, "category": "general",
                    "parsed_url": ["http", url.split("/")[2], "/", "", "", ""]}
                   for i, (title, url, snippet) in enumerate(self._results(request), start=1)]
        return _json({"query": q.get("q"), "number_of_results": len(results), "results": results, "answers": [],
                      "corrections": [], "infoboxes": [], "suggestions": [], "unresponsive_engines": []})

    async def bocha(self, request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        self.state.searches.append({"engine": "bocha", "authorization": request.headers.get("authorization"),
                                    **body})
        if request.headers.get("authorization") != f"Bearer {self.bocha_key}":
            return _json({"code": "401", "message": "Invalid API KEY", "log_id": "c66aac031d1c5d5a"}, 401)
        if self.state.fault == "500":
            return _json({"code": "500", "message": "internal: upstream index shard 7 down", "log_id": "x"}, 500)
        value = [{"id": f"https://api.bochaai.com/v1/#WebPages.{i}", "name": title, "url": url, "displayUrl": url,
                  "snippet": snippet, "summary": snippet, "siteName": "loopback", "siteIcon": "",
                  "dateLastCrawled": "2026-01-01T08:00:00Z", "cachedPageUrl": None, "language": None,
                  "isFamilyFriendly": None, "isNavigational": None}
                 for i, (title, url, snippet) in enumerate(self._results(request))][: int(body.get("count", 10))]
        return _json({"code": 200, "log_id": "d71841ad20095f61", "msg": None, "data": {
            "_type": "SearchResponse", "queryContext": {"originalQuery": body.get("query")},
            "webPages": {"webSearchUrl": "", "totalEstimatedMatches": len(value), "value": value,
                         "someResultsRemoved": False},
            "images": None, "videos": None}})


class _Web:
    def __init__(self, state: _State) -> None:
        self.state = state

    async def page(self, request: Request) -> Response:
        self.state.hits.append(request.url.path)
        name = request.path_params["name"]
        if name == "article.html":
            return Response(ARTICLE_HTML, media_type="text/html; charset=utf-8")
        if name == "chinese-gbk.html":
            return Response(CHINESE_HTML.encode("gbk"), headers={"content-type": "text/html; charset=GBK"})
        if name == "chinese-meta.html":
            return Response(CHINESE_HTML.encode("gbk"), headers={"content-type": "text/html"})
        if name == "notes.txt":
            return Response(PLAIN_TEXT, media_type="text/plain; charset=utf-8")
        if name == "huge.html":
            return StreamingResponse(self._huge(), media_type="text/html; charset=utf-8")
        if name == "slow.html":
            await asyncio.sleep(30)
            return Response("<p>finally</p>", media_type="text/html")
        return PlainTextResponse("not found", status_code=404)

    async def _huge(self):
        self.state.huge = {"sent": 0, "finished": False}
        yield b"<html><head><title>Huge</title></head><body>"
        chunk = b"<p>" + b"All work and no play makes a long page. " * 1600 + b"</p>\n"
        while self.state.huge["sent"] < HUGE_BYTES:
            self.state.huge["sent"] += len(chunk)
            yield chunk
            await asyncio.sleep(0)
        self.state.huge["finished"] = True
        yield b"</body></html>"

    async def pdf(self, request: Request) -> Response:
        self.state.hits.append(request.url.path)
        return Response(PDF_BYTES, media_type="application/pdf")

    async def redirect(self, request: Request) -> Response:
        self.state.hits.append(request.url.path)
        port = request.url.port
        to = {"ok": "/pages/article.html", "private": "http://10.0.0.1/admin",
              "metadata": "http://169.254.169.254/latest/meta-data/",
              "localhost": f"http://localhost:{port}/pages/article.html",
              "rebind": f"http://rebind.test:{port}/pages/article.html", "loop": "/redirect/loop",
              "ftp": "ftp://127.0.0.1/file", "credentials": f"http://user:secret@127.0.0.1:{port}/pages/article.html"}
        where = request.path_params["name"]
        if where.startswith("chain-"):
            hops = int(where.removeprefix("chain-"))
            target = "/pages/article.html" if hops <= 1 else f"/redirect/chain-{hops - 1}"
        else:
            target = to.get(where, "/pages/missing.html")
        return RedirectResponse(target, status_code=302)

    async def echo_host(self, request: Request) -> Response:
        self.state.hits.append(request.url.path)
        host = request.headers.get("host", "")
        return Response(f"<html><body><p>This request was sent with the Host header {host} to the pinned "
                        f"address, as a browser would have sent it.</p></body></html>", media_type="text/html")


@dataclass
class FakeSearch:
    url: str
    port: int
    state: _State
    _server: Any = None
    _thread: Any = None

    def serve(self, *paths: str) -> None:
        """What the next searches return: these pages (paths on this server, or absolute URLs), in order."""
        self.state.results = list(paths)

    def reset(self) -> None:
        self.state.results, self.state.fault, self.state.searches = ["/pages/article.html"], None, []
        self.state.hits = []

    @property
    def hits(self) -> list[str]:
        return self.state.hits

    @property
    def fault(self) -> str | None:
        return self.state.fault

    @fault.setter
    def fault(self, mode: str | None) -> None:
        self.state.fault = mode

    @property
    def searches(self) -> list[dict[str, Any]]:
        return self.state.searches

    @property
    def huge(self) -> dict[str, Any]:
        return self.state.huge

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            self._server = None


def create_app(state: _State, bocha_key: str) -> Starlette:
    engines, web = _Engines(state, bocha_key), _Web(state)
    return Starlette(routes=[
        Route("/search", engines.searxng), Route("/v1/web-search", engines.bocha, methods=["POST"]),
        Route("/pages/{name}", web.page), Route("/files/report.pdf", web.pdf),
        Route("/redirect/{name}", web.redirect), Route("/echo-host", web.echo_host),
    ])


def start_search_fake(*, bocha_key: str = "bocha-test-key") -> FakeSearch:
    """Serve the fake engines and pages from a background thread on 127.0.0.1 (a free port)."""
    sock = _listen(0)
    port = sock.getsockname()[1]
    state = _State()
    server, thread = serve_in_thread(create_app(state, bocha_key), sock, f"fake-search-{port}")
    return FakeSearch(url=f"http://127.0.0.1:{port}", port=port, state=state, _server=server, _thread=thread)


@contextlib.contextmanager
def serve_tls(directory: Path, name: str) -> Iterator[tuple[int, ssl.SSLContext]]:
    """The fake web over HTTPS with a certificate for ``name`` only, made in ``directory``: (port, a client SSL
    context trusting that certificate). Stopped on leaving."""
    import uvicorn

    from tests.fakes.tls import self_signed

    cert, key = self_signed(directory, name)
    sock = _listen(0)
    config = uvicorn.Config(create_app(_State(), "k"), loop="asyncio", log_level="warning", lifespan="off",
                            log_config=None, ssl_certfile=cert, ssl_keyfile=key)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1], ssl.create_default_context(cafile=cert)
    finally:
        server.should_exit = True
        thread.join(5)
