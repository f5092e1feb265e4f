"""The API docs page's web search part: examples of the Web Search API and the AI Search API, and
whether search is configured on this deployment.

``POST /v1/web-search`` returns numbered results with the main text of the top pages;
``POST /v1/ai-search`` has a chat model (the viewer's) answer from them, citing ``[n]``, with a
top-level ``sources`` list (streamed: in the first chunk). The shapes follow
``gateway.websearch.service``. Neither the openai SDK nor LangChain has a search call: the examples
use the SDK's generic ``post``, a LangChain tool built on httpx, and httpx for the AI search stream.
"""

from __future__ import annotations

import json
from typing import Any

from app.docs.snippets import EXAMPLE_CREATED, curl, openai_client, py, py_block
from app.shell.i18n import translate
from gateway.routing.catalogue import SearchOptions

SEARCH_ENDPOINTS = ("web_search", "ai_search")
# (endpoint, its snippets), in the shape of ``app.docs.page.ENDPOINTS``
SEARCH_SNIPPETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("web_search", ("curl", "python", "langchain", "response")),
    ("ai_search", ("curl", "python", "httpx", "response")),
)
PROVIDER_NAMES = {"searxng": "SearXNG", "bocha": "Bocha (博查)"}
SEARCH_QUERY = "What is new in Python 3.13?"
WEB_BODY = {"query": SEARCH_QUERY, "count": 3, "language": "en"}
RESULTS = [
    {"index": 1, "title": "What's New In Python 3.13", "url": "https://docs.python.org/3/whatsnew/3.13.html",
     "snippet": "This article explains the new features in Python 3.13, compared to 3.12.",
     "content": "This article explains the new features in Python 3.13, compared to 3.12. Python 3.13 is the "
                "latest stable release of the Python programming language, with a mix of changes to the "
                "language, the implementation and the standard library. The biggest changes include a new "
                "interactive interpreter, experimental support for running in a free-threaded mode (PEP 703), "
                "and a Just-In-Time compiler (PEP 744). …"},
    {"index": 2, "title": "Python 3.13: Cool New Features for You to Try",
     "url": "https://realpython.com/python313-new-features/",
     "snippet": "Python 3.13 brings a new REPL, better error messages and a free-threaded build.",
     "fetch_error": "the page did not load within 5 s"},
    {"index": 3, "title": "PEP 719 – Python 3.13 Release Schedule", "url": "https://peps.python.org/pep-0719/",
     "snippet": "Release schedule of Python 3.13: 3.13.0 final on 2024-10-07.",
     "content": "This document describes the development and release schedule for Python 3.13. …"},
]
ANSWER = ("Python 3.13 brings a new interactive interpreter with multi-line editing and colour [1][2], an "
          "experimental free-threaded build that can run without the global interpreter lock (PEP 703) [1], and "
          "an experimental just-in-time compiler (PEP 744) [1]. It was released on 7 October 2024 [3].")


def search_status(options: SearchOptions | None, is_admin: bool, locale: str) -> str:
    """Whether this deployment searches (``options``: the catalogue's ``search`` block, None when absent)."""
    if options is None:
        note = translate("docs.search_off", locale)
        return note + ("\n\n" + translate("docs.search_off_admin", locale) if is_admin else "")
    provider = PROVIDER_NAMES.get(options.provider, options.provider)
    if options.fetch_pages == 0:
        return translate("docs.search_on_snippets", locale, provider=provider)
    return translate("docs.search_on", locale, provider=provider, pages=options.fetch_pages)


def _sources() -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("index", "title", "url", "snippet")} for r in RESULTS]


def _web_examples(base: str) -> dict[str, str]:
    return {
        "web_search.curl": curl(f"{base}/web-search", WEB_BODY)
        + "\n# snippets only, without reading the pages (faster)\n"
        + curl(f"{base}/web-search", {"query": SEARCH_QUERY, "fetch": False}),
        "web_search.python": (
            f"{openai_client(base)}# the openai SDK has no search method: its generic post() sends the request\n"
            f'result = client.post("/web-search", body={py_block(WEB_BODY)}, cast_to=object)\n'
            'for hit in result["results"]:\n'
            '    print(f"[{hit[\'index\']}] {hit[\'title\']} {hit[\'url\']}")\n'
            '    print(hit.get("content") or hit["snippet"])  # content: the page\'s main text, when it was read\n'
            'print(result["usage"])  # search_requests, pages_fetched\n'),
        "web_search.langchain": (
            "# LangChain has no wrapper for this gateway's web search: a small tool (httpx) an agent can call\n"
            "import os\n\nimport httpx\nfrom langchain_core.tools import tool\n\n\n"
            "@tool\n"
            "def web_search(query: str) -> str:\n"
            '    """Search the web; returns numbered results with the main text of the top pages."""\n'
            "    response = httpx.post(\n"
            f"        {py(base + '/web-search')},\n"
            '        headers={"Authorization": "Bearer " + os.environ["MAAS_API_KEY"]},\n'
            '        json={"query": query, "count": 5},\n'
            "        timeout=60,\n    )\n    response.raise_for_status()\n"
            '    return "\\n\\n".join(\n'
            "        f\"[{hit['index']}] {hit['title']} ({hit['url']})\\n{hit.get('content') or hit['snippet']}\"\n"
            '        for hit in response.json()["results"]\n    )\n\n\n'
            f'print(web_search.invoke({{"query": {py(SEARCH_QUERY)}}}))\n'
            "# in an agent: ChatOpenAI(base_url=..., model=...).bind_tools([web_search])\n"),
        "web_search.response": json.dumps({
            "object": "web_search", "query": SEARCH_QUERY, "results": RESULTS,
            "usage": {"search_requests": 1, "pages_fetched": 2}}, indent=2, ensure_ascii=False),
    }


def _ai_examples(base: str, chat: str) -> dict[str, str]:
    body = {"query": SEARCH_QUERY, "model": chat, "count": 3, "max_tokens": 512}
    stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    return {
        "ai_search.curl": curl(f"{base}/ai-search", body)
        + "\n# streaming: the first chunk carries the sources, then the answer's chunks\n"
        + curl(f"{base}/ai-search", stream_body, stream=True),
        "ai_search.python": (
            f"{openai_client(base)}# the openai SDK has no search method: its generic post() sends the request\n"
            f'result = client.post("/ai-search", body={py_block(body)}, cast_to=object)\n'
            'print(result["choices"][0]["message"]["content"])  # cites the sources as [1], [2] ...\n'
            'for source in result["sources"]:\n'
            '    print(f"[{source[\'index\']}] {source[\'title\']} {source[\'url\']}")\n'
            'print(result["usage"])  # the chat model\'s tokens\n'),
        "ai_search.httpx": (
            "# streaming with httpx (LangChain has no AI search call)\n"
            "import json\nimport os\n\nimport httpx\n\n"
            "with httpx.stream(\n"
            '    "POST",\n'
            f"    {py(base + '/ai-search')},\n"
            '    headers={"Authorization": "Bearer " + os.environ["MAAS_API_KEY"]},\n'
            f"    json={py_block(stream_body, '    ')},\n"
            "    timeout=120,\n) as response:\n"
            "    response.raise_for_status()\n"
            "    for line in response.iter_lines():\n"
            '        if not line.startswith("data: ") or line == "data: [DONE]":\n'
            "            continue\n"
            "        chunk = json.loads(line[6:])\n"
            '        for source in chunk.get("sources", []):  # the first chunk: what was found\n'
            '            print(f"[{source[\'index\']}] {source[\'title\']} {source[\'url\']}")\n'
            '        if chunk["choices"]:\n'
            '            print(chunk["choices"][0]["delta"].get("content") or "", end="", flush=True)\n'
            '        if chunk.get("usage"):  # the last chunk\n'
            '            print("\\n", chunk["usage"])\n'),
        "ai_search.response": json.dumps({
            "id": "chatcmpl-3e8b51", "object": "chat.completion", "created": EXAMPLE_CREATED, "model": chat,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1630, "completion_tokens": 78, "total_tokens": 1708},
            "sources": _sources()}, indent=2, ensure_ascii=False),
    }


def search_examples(base_url: str, chat: str) -> dict[str, str]:
    """Every snippet of the two search endpoints (``web_search.*``, ``ai_search.*``); ``chat``: the model
    that answers the AI search (the viewer's chat model)."""
    return {**_web_examples(base_url), **_ai_examples(base_url, chat)}
