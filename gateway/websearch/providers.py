"""Search providers: one small contract, a SearXNG instance (its JSON API) and Bocha (博查, hosted, keyed).

Why Bocha as the hosted provider: Bing's Web Search API was retired in 2025; Bocha is reachable from
mainland China (where this platform's users and servers are), indexes Chinese sources well, and its
response is Bing-shaped (``webPages.value[]``), so clients built for Bing move over unchanged. Tavily
and Brave are good elsewhere but their endpoints are often unreachable or slow from Chinese networks.

A provider's failures become ``SearchFailed`` (502) / ``SearchTimeout`` (504) with our own message;
what the engine said is logged for administrators and never sent to clients.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from gateway.routing.catalogue import SearchOptions
from gateway.websearch.errors import SearchFailed, SearchNotConfigured, SearchTimeout

log = logging.getLogger("maas.websearch")
MAX_COUNT = 20


@dataclass(frozen=True)
class Result:
    title: str
    url: str
    snippet: str


class SearchProvider(Protocol):
    name: str

    async def search(self, query: str, *, count: int, language: str | None) -> list[Result]:
        """The top ``count`` web results for ``query`` (``language`` like "zh-CN", None for any)."""

    async def aclose(self) -> None:
        """Release the provider's HTTP client."""


def _keep(results: list[Result], count: int) -> list[Result]:
    """http(s) results only, each URL once, at most ``count``."""
    seen: set[str] = set()
    out = []
    for r in results:
        if r.url.startswith(("http://", "https://")) and r.url not in seen:
            seen.add(r.url)
            out.append(r)
    return out[:count]


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


class _HTTPProvider:
    """The shared plumbing: one client, errors turned into ours (``label`` names the engine in messages)."""

    name = ""
    label = ""

    def __init__(self, options: SearchOptions, api_key: str | None) -> None:
        self.options = options
        headers = {"accept": "application/json", "user-agent": "MaaS-Workbench-WebSearch/1.0"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self._client = httpx.AsyncClient(timeout=options.timeout_s, trust_env=False, headers=headers,
                                         follow_redirects=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, url: str, **kw: Any) -> Any:
        try:
            response = await self._client.request(method, url, **kw)
        except httpx.TimeoutException:
            raise SearchTimeout(f"The search engine ({self.label}) did not answer within "
                                f"{self.options.timeout_s:g} s; try again.") from None
        except httpx.HTTPError as exc:
            log.warning("%s: %s %s failed: %r", self.name, method, url, exc)
            raise SearchFailed(f"The search engine ({self.label}) could not be reached; try again, and if it "
                               "persists ask an administrator to check the search settings.") from None
        if response.status_code >= 300:
            log.warning("%s answered HTTP %s: %s", self.name, response.status_code, response.text[:500])
            raise self.http_error(response)
        try:
            return response.json()
        except ValueError:
            log.warning("%s answered non-JSON: %s", self.name, response.text[:500])
            raise SearchFailed(f"The search engine ({self.label}) answered something other than JSON; an "
                               "administrator should check search.base_url.") from None

    def http_error(self, response: httpx.Response) -> SearchFailed:
        return SearchFailed(f"The search engine ({self.label}) failed (HTTP {response.status_code}); try again, and "
                            "if it persists ask an administrator to check the search settings.")


class SearXNG(_HTTPProvider):
    """A SearXNG instance: GET {base_url}/search?q=...&format=json (the instance must enable the json format)."""

    name = label = "searxng"

    def http_error(self, response: httpx.Response) -> SearchFailed:
        if response.status_code == 403:
            return SearchFailed("The SearXNG instance refused its JSON API (HTTP 403); an administrator should add "
                                "json to search.formats in the instance's settings.yml.")
        if response.status_code == 429:
            return SearchFailed("The SearXNG instance is limiting our requests (HTTP 429); try again in a minute, "
                                "or an administrator can exempt the gateway in its limiter settings.")
        return super().http_error(response)

    async def search(self, query: str, *, count: int, language: str | None) -> list[Result]:
        params = {"q": query, "format": "json", "pageno": "1"}
        if language:
            params["language"] = language          # else the instance's default (usually auto-detect)
        data = await self._call("GET", self.options.base_url + "/search", params=params)
        raw = data.get("results") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            raise SearchFailed("The SearXNG instance answered JSON without a results list; an administrator "
                               "should check search.base_url.")
        results = [Result(_text(r.get("title")) or r.get("url", ""), r.get("url", ""), _text(r.get("content")))
                   for r in raw if isinstance(r, dict) and isinstance(r.get("url"), str)]
        if not results and data.get("unresponsive_engines"):
            log.warning("searxng: every engine failed: %s", data.get("unresponsive_engines"))
            raise SearchFailed("Every search engine behind the SearXNG instance failed to answer; try again later.")
        return _keep(results, count)


class Bocha(_HTTPProvider):
    """Bocha's Web Search API: POST {base_url}/v1/web-search with a Bearer key; Bing-shaped ``webPages``."""

    name = "bocha"
    label = "Bocha"
    _REFUSALS = {
        401: "refused the gateway's API key (HTTP 401); an administrator should check the key in {env}",
        403: "refused the request: the account may be out of credit (HTTP 403); an administrator should check it",
        429: "is limiting our requests (HTTP 429); try again shortly",
    }

    def _refusal(self, code: int) -> SearchFailed | None:
        template = self._REFUSALS.get(code)
        if template is None:
            return None
        return SearchFailed(f"The search engine (Bocha) {template.format(env=self.options.api_key_env)}.")

    def http_error(self, response: httpx.Response) -> SearchFailed:
        return self._refusal(response.status_code) or super().http_error(response)

    async def search(self, query: str, *, count: int, language: str | None) -> list[Result]:
        body = {"query": query, "count": count, "freshness": "noLimit", "summary": False}
        data = await self._call("POST", self.options.base_url + "/v1/web-search", json=body)
        if not isinstance(data, dict):
            raise SearchFailed("The search engine (Bocha) answered an unexpected JSON shape; try again.")
        code = data.get("code", 200)
        if str(code) != "200":
            log.warning("bocha answered code %s: %s", code, data.get("msg") or data.get("message"))
            status = int(code) if str(code).isdigit() else 0
            raise self._refusal(status) or SearchFailed(f"The search engine (Bocha) failed (code {code}); try again.")
        pages = ((data.get("data") or {}).get("webPages") or {}).get("value")
        if pages is None:
            return []                          # Bocha leaves webPages out when nothing matched
        if not isinstance(pages, list):
            raise SearchFailed("The search engine (Bocha) answered an unexpected JSON shape; try again.")
        results = [Result(_text(p.get("name")) or p.get("url", ""), p.get("url", ""),
                          _text(p.get("snippet")) or _text(p.get("summary")))
                   for p in pages if isinstance(p, dict) and isinstance(p.get("url"), str)]
        return _keep(results, count)


PROVIDERS: dict[str, Callable[[SearchOptions, str | None], SearchProvider]] = {"searxng": SearXNG, "bocha": Bocha}


def make_provider(options: SearchOptions, env: Mapping[str, str] | None = None) -> SearchProvider:
    """The configured provider, its key read from ``options.api_key_env``; ``SearchNotConfigured`` without one."""
    env = os.environ if env is None else env
    key = env.get(options.api_key_env) if options.api_key_env else None
    if options.api_key_env and not key:
        raise SearchNotConfigured(f"Web search is set up with {options.provider}, whose API key is read from the "
                                  f"environment variable {options.api_key_env}, which is not set where the gateway "
                                  "runs; ask an administrator to set it and restart.")
    return PROVIDERS[options.provider](options, key)
