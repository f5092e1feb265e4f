"""Fetch result pages: concurrently, each within its timeout and all within one deadline, guarded.

For each URL: check and resolve it (``shared.urlguard``), connect to the resolved address while sending the
real Host header and TLS server name (httpx's ``sni_hostname`` request extension, so certificates are
verified against the name), follow at most ``MAX_REDIRECTS`` redirects by hand, checking every hop
the same way; accept only text/html, application/xhtml+xml and text/plain; read at most
``max_bytes`` (the rest is never read: the connection is closed) and decode it (``charset``).

Pages are fetched directly, never through HTTP(S)_PROXY: a proxy would resolve names itself and
defeat the address check. Connections are not kept alive, so a TLS connection made for one name is
never reused for another name that resolves to the same address.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
import ssl
from dataclasses import dataclass

import httpx

from gateway.websearch.errors import PageSkipped, Refused
from shared.urlguard import HostPolicy, Resolver, UrlRefused, parse_url, system_resolver

log = logging.getLogger("maas.websearch")
MAX_REDIRECTS = 3
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
USER_AGENT = "Mozilla/5.0 (compatible; MaaS-Workbench-WebSearch/1.0)"
# identity: the byte cap then counts what travels (no decompression bomb behind a small download)
_HEADERS = {"user-agent": USER_AGENT, "accept": "text/html,application/xhtml+xml,text/plain;q=0.9",
            "accept-language": "zh-CN,zh;q=0.9,en;q=0.8", "accept-encoding": "identity"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# labels browsers treat as a wider encoding (WHATWG Encoding Standard)
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "chinese": "gb18030",
          "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
          "big5": "big5hkscs"}


@dataclass(frozen=True)
class Page:
    """A fetched page: where it ended up, its media type and its text, decoded."""

    url: str
    media_type: str
    text: str
    truncated: bool        # the page was longer than the byte cap; only its beginning was read


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WIDER.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(body: bytes, declared: str | None, *, complete: bool = True) -> str:
    """``body`` as text: BOM, then the declared charset (header or <meta>), then UTF-8, then GB18030.

    ``complete=False``: the body was cut at the byte cap, so a character split at the end is dropped.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return _decode(body[len(bom):], name, "replace", complete)
    meta = _META_CHARSET.search(body[:4096])
    name = _codec(declared) or _codec(meta.group(1).decode("ascii") if meta else None)
    if name is not None and not name.startswith("utf-16"):
        return _decode(body, name, "replace", complete)
    for guess in ("utf-8", "gb18030"):
        try:
            return _decode(body, guess, "strict", complete)
        except UnicodeDecodeError:
            continue
    return _decode(body, "cp1252", "replace", complete)


def _decode(body: bytes, name: str, errors: str, complete: bool) -> str:
    return codecs.getincrementaldecoder(name)(errors=errors).decode(body, final=complete)


class Fetcher:
    """Fetches result pages under the guard; one instance per search configuration."""

    def __init__(self, policy: HostPolicy, *, page_timeout: float, max_bytes: int,
                 resolver: Resolver | None = None, verify: ssl.SSLContext | bool = True) -> None:
        self.policy = policy
        self.page_timeout = page_timeout
        self.max_bytes = max_bytes
        self.resolver = resolver or system_resolver
        self._client = httpx.AsyncClient(
            follow_redirects=False, trust_env=False, headers=_HEADERS, verify=verify,
            timeout=httpx.Timeout(page_timeout), limits=httpx.Limits(max_keepalive_connections=0))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch_all(self, urls: list[str], deadline: float) -> list[Page | PageSkipped]:
        """Every URL's page (or why it was skipped), in order; whatever is not done in ``deadline`` s is skipped."""
        tasks = [asyncio.ensure_future(self.fetch(url)) for url in urls]
        if not tasks:
            return []
        try:
            _, pending = await asyncio.wait(tasks, timeout=deadline)
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)        # let the cancelled ones finish closing
        out: list[Page | PageSkipped] = []
        for url, task in zip(urls, tasks, strict=True):
            if task.cancelled():
                out.append(PageSkipped(f"not fetched within the search deadline of {deadline:g} s"))
            elif isinstance(task.exception(), PageSkipped):
                out.append(task.exception())
            elif task.exception() is not None:
                log.warning("fetching %s failed", url, exc_info=task.exception())
                out.append(PageSkipped("the page could not be read"))
            else:
                out.append(task.result())
        return out

    async def fetch(self, url: str) -> Page:
        """One page within ``page_timeout``; ``PageSkipped`` (``Refused`` for the guard) says why not."""
        try:
            async with asyncio.timeout(self.page_timeout):
                return await self._follow(url)
        except TimeoutError:
            raise PageSkipped(f"the page did not load within {self.page_timeout:g} s") from None

    async def _follow(self, url: str) -> Page:
        try:
            current = parse_url(url)
        except UrlRefused as refused:
            raise Refused(refused.message) from None
        for hop in range(MAX_REDIRECTS + 1):
            try:
                pinned = await self.policy.pin(current, self.resolver)
            except UrlRefused as refused:
                if hop == 0:
                    raise Refused(refused.message) from None
                raise Refused(f"redirected to a URL that is not fetched: {refused.message}") from None
            request = self._client.build_request("GET", pinned.request_url, headers={"host": pinned.host_header},
                                                 extensions=pinned.extensions)
            try:
                response = await self._client.send(request, stream=True)
            except httpx.TimeoutException:
                raise PageSkipped(f"the page did not load within {self.page_timeout:g} s") from None
            except httpx.HTTPError as exc:
                if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                    raise PageSkipped(f"the TLS certificate of {pinned.host} could not be verified") from None
                raise PageSkipped(f"could not connect to {pinned.host}") from None
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if hop == MAX_REDIRECTS:
                        raise Refused(f"more than {MAX_REDIRECTS} redirects")
                    try:
                        current = current.join(location)
                    except (httpx.InvalidURL, ValueError):
                        raise Refused("redirected to a URL that is not valid") from None
                    continue
                return await self._read(current, response)
            finally:
                await response.aclose()
        raise Refused(f"more than {MAX_REDIRECTS} redirects")      # not reached: the loop returns or raises

    async def _read(self, url: httpx.URL, response: httpx.Response) -> Page:
        if response.status_code >= 400:
            raise PageSkipped(f"the site answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise PageSkipped(f"the site answered HTTP {response.status_code} instead of a page")
        media_type, _, params = response.headers.get("content-type", "").partition(";")
        media_type = media_type.strip().lower()
        if media_type not in PAGE_TYPES:
            raise PageSkipped(f"not a web page ({media_type or 'no content type'})")
        charset = next((p.split("=", 1)[1] for p in (x.strip() for x in params.split(";"))
                        if p.lower().startswith("charset=")), None)
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                break                  # the rest is never read: closing the response drops the connection
        truncated = size > self.max_bytes
        body = b"".join(chunks)[: self.max_bytes]
        return Page(url=str(url), media_type=media_type, text=decode(body, charset, complete=not truncated),
                    truncated=truncated)
