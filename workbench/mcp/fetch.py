"""A ``server.json`` an administrator imports from an address (the catalogue's import from a URL).

    data = await fetch_server_json("https://example.org/time/server.json", policy)   # bytes, or HubError (field url)
    entry = catalogue.import_json(data, viewer)                                       # checked there, field named

Fetched through the SSRF guard (``shared.urlguard``: public addresses only unless the admins' allow-list opens a host,
the checked address pinned for the request), never through a proxy, with no redirect followed (the answer names
where it points, to import from there), at most ``server_json.MAX_BYTES``, within ``TIMEOUT`` seconds.
"""

from __future__ import annotations

import httpx

from shared.urlguard import HostPolicy, PinnedTransport, Resolver, UrlRefused, check_url, system_resolver

from .errors import HubError
from .server_json import MAX_BYTES

TIMEOUT = 15.0


async def fetch_server_json(url: str, policy: HostPolicy, *, resolver: Resolver = system_resolver,
                            timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> bytes:
    """The file at ``url`` (see the module doc); ``HubError`` naming the field ``url`` when it cannot be had."""
    url = (url or "").strip()
    if not url:
        raise HubError("mcp_hub.import_no_url", "url")
    try:
        pinned = await check_url(url, policy, resolver=resolver, field="url")
    except UrlRefused as refused:
        raise HubError("mcp_hub.url_refused", "url", why=refused.reason()) from None
    transport = PinnedTransport(pinned, httpx.AsyncHTTPTransport())
    try:
        async with httpx.AsyncClient(transport=transport, trust_env=False, timeout=timeout,
                                     follow_redirects=False) as http, \
                http.stream("GET", str(pinned.url), headers={"accept": "application/json"}) as answer:
            if answer.is_redirect:
                raise HubError("mcp_hub.import_redirect", "url", url=url,
                               location=answer.headers.get("location", "")[:300])
            if answer.status_code != 200:
                raise HubError("mcp_hub.import_status", "url", url=url, status=answer.status_code)
            data = bytearray()
            async for chunk in answer.aiter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    raise HubError("mcp_hub.import_too_big", "url", url=url, kb=max_bytes // 1024)
    except httpx.TimeoutException:
        raise HubError("mcp_hub.import_timeout", "url", url=url, seconds=f"{timeout:g}") from None
    except httpx.HTTPError as error:
        raise HubError("mcp_hub.import_unreachable", "url", url=url, why=type(error).__name__) from None
    return bytes(data)
