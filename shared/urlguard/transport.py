"""``PinnedTransport``: an HTTP client that only ever talks to one checked server, at its pinned address.

A long-lived client (an MCP session makes many requests: POSTs, a GET event stream, a DELETE) is given this
transport around a real one. Every request must be on the checked URL's origin (scheme, host, port), else
``UrlRefused`` ("url.elsewhere") before connecting; it is sent to the pinned address with the real Host header
and TLS server name, so the certificate is verified against the name and DNS is never asked again.

It works for httpx and for httpx2 (the fork the ``mcp`` SDK uses, same API): pass the inner transport and the
client of the same library::

    pinned = await check_url(url, policy)
    client = httpx2.AsyncClient(transport=PinnedTransport(pinned, httpx2.AsyncHTTPTransport()), trust_env=False)
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from shared.urlguard.guard import Pinned, UrlRefused


class PinnedTransport(httpx.AsyncBaseTransport):
    """Sends each request of ``pinned``'s origin to its address through ``inner``; refuses any other origin."""

    def __init__(self, pinned: Pinned, inner: Any) -> None:
        self.pinned, self.inner = pinned, inner

    async def handle_async_request(self, request: Any) -> Any:
        url = request.url
        if not self.pinned.same_origin(url):
            shown = url.copy_with(userinfo=b"", query=None, fragment=None)      # no token from the query in a message
            raise UrlRefused("url.elsewhere", url=str(shown), origin=self.pinned.origin)
        # the headers keep the Host the request was built with (the name); only the connection goes to the address
        sent = type(request)(request.method, url.copy_with(host=self.pinned.address), headers=request.headers,
                             stream=request.stream, extensions={**request.extensions, **self.pinned.extensions})
        return await self.inner.handle_async_request(sent)

    async def __aenter__(self) -> PinnedTransport:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, kind: type[BaseException] | None = None, error: BaseException | None = None,
                        traceback: TracebackType | None = None) -> None:
        await self.inner.__aexit__(kind, error, traceback)

    async def aclose(self) -> None:
        await self.inner.aclose()
