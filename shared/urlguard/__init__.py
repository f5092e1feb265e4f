"""The SSRF guard gateway/ and workbench/ share: a URL someone else gave us is checked before we connect to it.

``guard`` checks and resolves a URL (public addresses only, unless an admin's allow-list opens a private host),
``transport`` keeps a long-lived client on the checked address, ``messages`` says a refusal in en and zh.

The allow-list is the settings' ``allow_private_hosts``: host names, IPs and CIDR networks, parsed once::

    policy = HostPolicy(["mcp.lab.internal", "10.20.0.0/16"])

Web search (gateway/websearch/fetch.py) checks every hop of a page fetch itself: ``policy.pin(url, resolver)``
gives the ``Pinned`` address, the request goes to ``pinned.request_url`` with ``host_header`` and
``extensions`` (the TLS name); a ``UrlRefused`` becomes the page's ``Refused`` with the English ``message``.

A remote MCP server (workbench, with the ``mcp`` SDK's httpx2) is checked when it is registered and again
before each connection; the client then cannot leave that server or its address::

    try:
        pinned = await check_url("https://tools.example.org/mcp", policy, field="url")
    except UrlRefused as refused:
        refused.text("zh")   # "tools.example.org 解析到 10.0.0.5（私有地址）", or refused.reason() in a sentence
    transport = PinnedTransport(pinned, httpx2.AsyncHTTPTransport())
    async with httpx2.AsyncClient(transport=transport, trust_env=False, headers=...) as http:
        async with Client(streamable_http_client(str(pinned.url), http_client=http)) as client: ...

Never through HTTP(S)_PROXY (``trust_env=False``): a proxy resolves names itself and defeats the check.
Tests pass their own ``resolver`` (an async ``(host, port) -> [address, ...]``) instead of DNS.
"""

from __future__ import annotations

from shared.urlguard.guard import (
    HostPolicy,
    Pinned,
    Resolver,
    UrlRefused,
    address_kind,
    check_url,
    not_public,
    parse_url,
    system_resolver,
)
from shared.urlguard.transport import PinnedTransport

__all__ = ["HostPolicy", "Pinned", "PinnedTransport", "Resolver", "UrlRefused", "address_kind", "check_url",
           "not_public", "parse_url", "system_resolver"]
