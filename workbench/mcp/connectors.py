"""How the hub reaches a catalogue entry's server: one ``Connector`` per way of running one.

    hub = McpHub(store, catalogue, [stdio, RemoteConnector(remotes, policy), InProcessConnector({...})])
    async with connector.session(entry) as client:     # an open ``mcp.Client``, closed on leaving
        await client.list_tools()

The hub asks each connector in turn whether it ``accepts`` the entry and opens a session with the first that does.
``RemoteConnector``: an entry with a ``remotes`` item (streamable HTTP or SSE), its URL checked by the SSRF guard on
every connection and the client pinned to the address checked (``PinnedTransport``, httpx2, no proxy from the
environment), its headers from ``Remotes.values`` (secrets opened only here). ``InProcessConnector``: servers running
in this process, by entry name (the workbench's own server; tests). A stdio server (an installed package) plugs in
the same way, e.g.::

    class StdioConnector:
        def accepts(self, entry): return installs.is_installed(entry.id)
        @asynccontextmanager
        async def session(self, entry):
            async with Client(installs.parameters(entry.id), **client_options(timeouts)) as client:
                yield client

A connector raises ``WorkbenchError`` for what it refuses; any other failure is made readable by the hub
(``failures.explain``). The clients never use the SDK's response cache: pins compare what the server says now.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2
from mcp import Client
from mcp_types import Implementation

from shared.messages import Words
from shared.urlguard import HostPolicy, Pinned, PinnedTransport, Resolver, UrlRefused, check_url, system_resolver
from workbench.errors import WorkbenchError

from .catalogue import Entry
from .errors import HubError
from .failures import explain
from .remotes import Remotes

CLIENT_INFO = Implementation(name="maas-workbench-mcp-hub", version="1")


@dataclass(frozen=True)
class Timeouts:
    """Seconds: ``connect`` to reach a server (TCP, TLS), ``call`` for one whole request (connecting included)."""

    connect: float = 10.0
    call: float = 60.0


class Connector(Protocol):
    """One way of reaching MCP servers."""

    def accepts(self, entry: Entry) -> bool:
        """Whether this connector can reach the entry's server."""

    def session(self, entry: Entry) -> AbstractAsyncContextManager[Client]:
        """An open MCP client of the entry's server, closed on leaving."""


def client_options(timeouts: Timeouts) -> dict[str, Any]:
    """The ``Client`` keywords every connector uses: no response cache, our name, the read deadline."""
    return {"cache": None, "client_info": CLIENT_INFO, "read_timeout_seconds": timeouts.call}


def server_words(entry: Entry) -> Words:
    """The entry's title in en and zh, to put in a message."""
    return Words(entry.listing("en").title, entry.listing("zh").title)


class _Watched(httpx2.AsyncBaseTransport):
    """A transport that remembers the last HTTP error status (the SDK turns a 401 into a bare JSON-RPC error)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.status = inner, None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code >= 400:
            self.status = response.status_code
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class RemoteConnector:
    """Entries with a remote (see the module doc)."""

    def __init__(self, remotes: Remotes, policy: HostPolicy, *, timeouts: Timeouts = Timeouts(),
                 resolver: Resolver = system_resolver) -> None:
        self.remotes, self.policy, self.timeouts, self.resolver = remotes, policy, timeouts, resolver

    def accepts(self, entry: Entry) -> bool:
        return bool(entry.server.remotes)

    @asynccontextmanager
    async def session(self, entry: Entry) -> AsyncIterator[Client]:
        remote = entry.server.remotes[0]
        url = remote.url or ""
        if "{" in url:
            raise HubError("mcp_hub.url_variables", "url", names=", ".join(sorted(remote.variables)) or url)
        headers = self.remotes.values(entry)
        try:
            pinned = await check_url(url, self.policy, resolver=self.resolver, field="url")
        except UrlRefused as refused:
            raise HubError("mcp_hub.url_refused", "url", why=refused.reason()) from None
        watched = _Watched(PinnedTransport(pinned, httpx2.AsyncHTTPTransport()))
        try:
            async with self._client(remote.type, pinned, watched, headers) as client:
                yield client
        except WorkbenchError:
            raise
        except Exception as error:           # not BaseException: a cancellation (the hub's deadline) passes through
            raise explain(error, server=server_words(entry), origin=pinned.origin, seconds=self.timeouts.call,
                          status=watched.status) from None

    @asynccontextmanager
    async def _client(self, kind: str, pinned: Pinned, watched: _Watched,
                      headers: Mapping[str, str]) -> AsyncIterator[Client]:
        timeout = httpx2.Timeout(self.timeouts.call, connect=self.timeouts.connect)

        def http_client(headers: Mapping[str, str] | None = None, timeout: httpx2.Timeout | None = timeout,
                        auth: httpx2.Auth | None = None) -> httpx2.AsyncClient:
            return httpx2.AsyncClient(transport=watched, trust_env=False, headers=dict(headers or {}),
                                      timeout=timeout, auth=auth)

        options = client_options(self.timeouts)
        if kind == "sse":
            from mcp.client.sse import sse_client

            transport = sse_client(str(pinned.url), headers=dict(headers), timeout=self.timeouts.connect,
                                   sse_read_timeout=self.timeouts.call, httpx_client_factory=http_client)
            async with Client(transport, **options) as client:
                yield client
            return
        from mcp.client.streamable_http import streamable_http_client

        async with http_client(headers) as http:
            async with Client(streamable_http_client(str(pinned.url), http_client=http), **options) as client:
                yield client


class InProcessConnector:
    """Servers running in this process (an ``MCPServer`` or low-level ``Server``), by catalogue entry name."""

    def __init__(self, servers: Mapping[str, Any], *, timeouts: Timeouts = Timeouts()) -> None:
        self.servers, self.timeouts = dict(servers), timeouts

    def accepts(self, entry: Entry) -> bool:
        return entry.name in self.servers

    @asynccontextmanager
    async def session(self, entry: Entry) -> AsyncIterator[Client]:
        async with Client(self.servers[entry.name], **client_options(self.timeouts)) as client:
            yield client
