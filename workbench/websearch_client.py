"""Web search for the chat: ``POST /v1/web-search`` on the gateway with the user's key, as numbered sources.

    found = await search_web("http://127.0.0.1:7860/v1", key, "lighthouse steps", locale="en")
    engine.send(user_id, conv_id, question, context=found.blocks, sources=found.sources)

The workbench never imports the gateway: this is an HTTP call like any client's, metered as the
user's. ``found.sources`` is ``[{index, title, url, text}]`` (what the chat shows under "Found N web pages"
and saves on the answer; ``text``, what the model read of the page, is for checking citations, not kept);
``found.blocks`` holds one ``ContextBlock`` listing the numbered sources
with their text, and asks the model to cite them as [n]. Failures are ``WebSearchError`` (readable
en/zh; ``code`` is the gateway's, e.g. ``search_not_configured``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from shared.locale import language
from workbench.chat import ContextBlock
from workbench.errors import WorkbenchError

SOURCE_CHARS = 1200             # of one page's main text, for the model (small windows too)
TIMEOUT_S = 30.0
BLOCK_TITLE = "Web search results"
BLOCK_HEAD = ("Numbered web pages found for the question. Use them when they help and cite them as [1], [2] "
              "right after the sentence they support. If they do not answer the question, say so.")


class WebSearchError(WorkbenchError):
    """The search failed; ``text(locale)`` says why in the user's language."""


@dataclass(frozen=True)
class Found:
    """What a search gave: ``sources`` to show and save, ``blocks`` for the model."""

    sources: list[dict] = field(default_factory=list)
    blocks: list[ContextBlock] = field(default_factory=list)


def _failure(status: int, code: str, detail: str) -> WebSearchError:
    if code == "search_not_configured":
        return WebSearchError("Web search is not configured on this server.", zh="本服务器未配置联网搜索。", code=code)
    if status in (401, 403):
        return WebSearchError("Your key may not use web search.", zh="你的密钥无权使用联网搜索。",
                              code=code or "forbidden")
    if status == 429:
        return WebSearchError("Too many requests: web search is rate limited, try again in a minute.",
                              zh="请求过于频繁，联网搜索受限，请稍后再试。", code=code or "rate_limited")
    if code == "search_timeout" or status == 504:
        return WebSearchError("The search engine did not answer in time.", zh="搜索引擎未能及时响应。",
                              code=code or "search_timeout")
    text = f" ({detail})" if detail else ""
    return WebSearchError(f"Web search failed{text}.", zh=f"联网搜索失败{text}。", code=code or "search_failed")


def page_text(result: dict) -> str:
    """What the model reads of a result: its main text (or snippet), cut at ``SOURCE_CHARS``."""
    body = str(result.get("content") or result.get("snippet") or "").strip()
    return body[:SOURCE_CHARS].rstrip() + " …" if len(body) > SOURCE_CHARS else body


def sources_block(results: list[dict]) -> ContextBlock:
    """The numbered results as one block for the model."""
    parts = [BLOCK_HEAD]
    for r in results:
        parts.append(f"[{r['index']}] {r.get('title') or r.get('url')}\nURL: {r.get('url')}\n{page_text(r)}")
    return ContextBlock(BLOCK_TITLE, "\n\n".join(parts))


async def search_web(base_url: str, api_key: str, query: str, *, locale: str = "en", count: int = 5,
                     client: httpx.AsyncClient | None = None) -> Found:
    """Search through the gateway's ``/v1/web-search``; ``WebSearchError`` when it fails."""
    url = base_url.rstrip("/") + "/web-search"
    body = {"query": query.strip()[:1000], "count": count,
            "language": "zh-CN" if language(locale) == "zh" else "en"}
    own = client is None
    http = client or httpx.AsyncClient(timeout=TIMEOUT_S, trust_env=False)
    try:
        reply = await http.post(url, json=body, headers={"Authorization": f"Bearer {api_key}"})
    except httpx.HTTPError as exc:
        raise WebSearchError("The gateway could not be reached for web search.", zh="无法连接网关进行联网搜索。",
                             code="unreachable") from exc
    finally:
        if own:
            await http.aclose()
    try:
        data = reply.json()
    except ValueError:
        data = {}
    if reply.status_code != 200:
        err = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), dict) else {}
        raise _failure(reply.status_code, str(err.get("code") or ""), str(err.get("message") or "")[:200])
    results = [r for r in (data.get("results") or []) if isinstance(r, dict) and r.get("url")]
    for n, r in enumerate(results, start=1):
        r.setdefault("index", n)
    sources = [{"index": r["index"], "title": r.get("title") or r["url"], "url": r["url"], "text": page_text(r)}
               for r in results]
    return Found(sources, [sources_block(results)] if results else [])
