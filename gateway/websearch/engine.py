"""One web search: ask the provider, fetch the top pages under the guard, extract their main text.

``WebSearch`` is built from one ``SearchOptions`` (the catalogue's ``search:`` block) and returns
numbered ``Source`` objects: every result with its snippet, and for the first ``fetch_pages`` of
them the page's main text, or why it was not read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.routing.catalogue import SearchOptions
from gateway.websearch.errors import PageSkipped
from gateway.websearch.extract import Extracted, extract, plain
from gateway.websearch.fetch import Fetcher, Page
from gateway.websearch.providers import SearchProvider, make_provider
from shared.urlguard import HostPolicy, Resolver

PAGE_CHARS = 8000          # the main text kept of one page


@dataclass
class Source:
    """A numbered search result; ``content`` is its page's main text when the page was read."""

    index: int
    title: str
    url: str
    snippet: str
    content: str | None = None
    skipped: str | None = None          # why the page was not read (it was to be fetched)

    def public(self, with_content: bool) -> dict:
        """As the Web Search API returns it."""
        out: dict = {"index": self.index, "title": self.title, "url": self.url, "snippet": self.snippet}
        if with_content:
            if self.content is not None:
                out["content"] = self.content
            elif self.skipped is not None:
                out["fetch_error"] = self.skipped
        return out

    def cited(self) -> dict:
        """As the AI Search API lists it next to the answer."""
        return {"index": self.index, "title": self.title, "url": self.url, "snippet": self.snippet}


def _read(page: Page) -> Extracted:
    return plain(page.text, PAGE_CHARS) if page.media_type == "text/plain" else extract(page.text, PAGE_CHARS)


class WebSearch:
    """Search, fetch and extract with one configuration."""

    def __init__(self, options: SearchOptions, *, resolver: Resolver | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.provider: SearchProvider = make_provider(options, env)
        self.fetcher = Fetcher(HostPolicy(options.allow_private_hosts), page_timeout=options.page_timeout_s,
                               max_bytes=options.max_page_bytes, resolver=resolver)

    @property
    def name(self) -> str:
        return self.provider.name

    async def aclose(self) -> None:
        await self.provider.aclose()
        await self.fetcher.aclose()

    async def search(self, query: str, *, count: int, fetch: bool = True, language: str | None = None) -> list[Source]:
        """Numbered results (1, 2, ...); the first ``fetch_pages`` read when ``fetch``."""
        results = await self.provider.search(query, count=count, language=language)
        sources = [Source(i, r.title, r.url, r.snippet) for i, r in enumerate(results, start=1)]
        todo = sources[: self.options.fetch_pages] if fetch else []
        pages = await self.fetcher.fetch_all([s.url for s in todo], deadline=self.options.timeout_s)
        for source, page in zip(todo, pages, strict=True):
            if isinstance(page, PageSkipped):
                source.skipped = page.reason
                continue
            read = await asyncio.to_thread(_read, page)       # parsing a big page must not stall the loop
            if not read.text.strip():
                source.skipped = "no readable text on the page"
                continue
            source.content = read.text
            if not source.title or source.title == source.url:
                source.title = read.title or source.title
        return sources
