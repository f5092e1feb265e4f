"""Web search for the chat: ``POST /v1/web-search`` on the gateway with the user's key, as numbered sources.

    found = await search_web("http://127.0.0.1:7860/v1", key, "lighthouse steps", locale="en")
    engine.send(user_id, conv_id, question, context=found.blocks, sources=found.sources)

The workbench never imports the gateway: this is an HTTP call like any client's, metered as the
user's. ``found.sources`` is ``[{index, title, url, text}]`` (what the chat shows under "Found N web pages"
and saves on the answer; ``text``, what the model read of the page, is for checking citations, not kept);
``found.blocks`` holds one ``ContextBlock`` listing the numbered sources
with their text, and asks the model to cite them as [n]. Failures are ``WebSearchError`` (said from
``web.<...>`` in ``workbench/messages/chat.py``; ``code`` is the gateway's, e.g. ``search_not_configured``).
``searcher(base_url, key_for)`` is the chat's ``WebSearch``: a search on a user's behalf, with their key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

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
    """The gateway's refusal as words (``web.<...>`` in ``workbench/messages/chat.py``); ``code`` is the gateway's."""
    if code == "search_not_configured":
        return WebSearchError("web.not_configured", code=code)
    if status in (401, 403):
        return WebSearchError("web.forbidden", code=code or "forbidden")
    if status == 429:
        return WebSearchError("web.rate_limited", code=code or "rate_limited")
    if code == "search_timeout" or status == 504:
        return WebSearchError("web.timeout", code=code or "search_timeout")
    return WebSearchError("web.failed", code=code or "search_failed", detail=f" ({detail})" if detail else "")


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
        raise WebSearchError("web.unreachable", code="unreachable") from exc
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


class WebSearch(Protocol):
    """Searches the web for a question on a user's behalf (``locale``: the results' language)."""

    async def __call__(self, user_id: str, question: str, locale: str) -> Found: ...


def searcher(base_url: str, key_for: Callable[[str], str]) -> WebSearch:
    """The ``WebSearch`` over the gateway's ``/v1/web-search`` with each user's key (metered as theirs)."""
    async def search(user_id: str, question: str, locale: str) -> Found:
        return await search_web(base_url, key_for(user_id), question, locale=locale)
    return search
