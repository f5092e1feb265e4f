"""How the hub reaches a catalogue entry's server: one ``Connector`` per way of running one, each keeping its sessions.

    hub = McpHub(store, catalogue, [StdioConnector(installs, supervisor), RemoteConnector(remotes, policy),
                                    InProcessConnector({...})])
    async with connector.session(entry) as client:     # an open ``mcp.Client``, shared: left open on leaving
        await client.list_tools()
    connector.forget(entry.id)                         # its headers changed, it was removed: the next use reconnects

The hub asks each connector in turn whether it ``accepts`` the entry and uses the first that does. A connector keeps
one long-lived session per server and hands it to every request (``sessions.SessionPool``: many requests at once
share it; it closes after ``Reuse.idle`` seconds unused), so a call costs one request, not a connection, a handshake
and a request. A session that breaks while it is used is dropped; ``StaleSession`` tells the hub whether the request
may be sent again on a new one. Sessions live in one event loop (``loops.HomeLoop``): the hub calls connectors there.

``RemoteConnector``: an entry with a ``remotes`` item (streamable HTTP or SSE), one session per server and header set
(the values read from ``Remotes.values`` when it opens, secrets opened only here). Its URL is checked by the SSRF
guard when a session opens, and the session's HTTP client is pinned to the address checked (``PinnedTransport``,
httpx2, no proxy from the environment), so it never reaches another address, however DNS answers later.
``InProcessConnector``: servers running in this process, by entry name (the workbench's own server; tests).
``StdioConnector``: an installed package (``installs.is_installed``), through the ``Supervisor``'s one session with
its running process; the first use starts a server that is not running (within the supervisor's start timeout).

A server that says its tools changed (``notifications/tools/list_changed``; on 2026-07-28 connections a
``subscriptions/listen`` stream) is reported to ``watch``ers by entry id, so the hub lists them again. A connector
raises ``WorkbenchError`` for what it refuses; any other failure is made readable (``failures.explain``). The clients
never use the SDK's response cache: pins compare what the server says.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import httpx2
from mcp import Client
from mcp.client.subscriptions import ToolsListChanged
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, Implementation, ToolListChangedNotification
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from shared.messages import Words
from shared.urlguard import HostPolicy, Pinned, PinnedTransport, Resolver, UrlRefused, check_url, system_resolver
from workbench.errors import WorkbenchError

from .catalogue import Entry
from .errors import HubError
from .failures import explain, leaves
from .remotes import Remotes
from .sessions import IDLE, Held, SessionPool

if TYPE_CHECKING:
    from .installs import Installs
    from .loops import HomeLoop
    from .processes import Supervisor

CLIENT_INFO = Implementation(name="maas-workbench-mcp-hub", version="1")
Watcher = Callable[[str], None]
TERMINATED = "Session terminated"          # the SDK's words for HTTP 404 on a session the server no longer knows
ACTOR: ContextVar[str] = ContextVar("mcp_actor", default="")       # the user on whose behalf the hub connects

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timeouts:
    """Seconds: ``connect`` to reach a server (TCP, TLS), ``call`` for one whole request (and for opening a
    session to a remote server)."""

    connect: float = 10.0
    call: float = 60.0


@dataclass(frozen=True)
class Reuse:
    """How long things are kept between requests, in seconds: a session unused for ``idle`` is closed; a server's
    tools listed more than ``tools_max_age`` ago are listed again before a call (sooner when the server says they
    changed; 0 lists them before every call); a catalogue entry read more than ``entry_max_age`` ago is read again
    (changes made through the hub apply at once; 0 reads it for every request)."""

    idle: float = IDLE
    tools_max_age: float = 30.0
    entry_max_age: float = 2.0


class StaleSession(Exception):
    """A session that had served before broke while a request used it (the server restarted, the connection was
    cut). ``error`` says why in words; ``sent`` whether the request may have reached the server (a tool call that may
    have run is not sent again)."""

    def __init__(self, error: WorkbenchError, sent: bool) -> None:
        super().__init__(error.message)
        self.error, self.sent = error, sent


class Connector(Protocol):
    """One way of reaching MCP servers: ``accepts`` and ``session``; the hub also calls ``forget``, ``watch`` and
    ``running(entry)`` (whether a use would start the server) when a connector has them."""

    def accepts(self, entry: Entry) -> bool:
        """Whether this connector can reach the entry's server."""

    def session(self, entry: Entry) -> AbstractAsyncContextManager[Client]:
        """An open MCP client of the entry's server for the block (a shared one: not closed on leaving). Raises
        ``StaleSession`` when a session that had served before broke in the block."""

    def forget(self, entry_id: str) -> None:
        """Close the entry's sessions (its settings changed, it was removed); the next use opens a new one."""

    def watch(self, watcher: Watcher) -> None:
        """Call ``watcher(entry_id)`` when a server says its tools changed."""


def client_options(timeouts: Timeouts) -> dict[str, Any]:
    """The ``Client`` keywords every connector uses: no response cache, our name, the read deadline."""
    return {"cache": None, "client_info": CLIENT_INFO, "read_timeout_seconds": timeouts.call}


def server_words(entry: Entry) -> Words:
    """The entry's title in en and zh, to put in a message."""
    return Words(entry.listing("en").title, entry.listing("zh").title)


def broken(error: BaseException) -> bool:
    """Whether ``error`` means the session no longer works (the connection failed or closed, the server answered
    what is not MCP), rather than the server refusing one request with a JSON-RPC error."""
    for leaf in leaves(error):
        if not isinstance(leaf, MCPError) or leaf.code == CONNECTION_CLOSED or leaf.error.message == TERMINATED:
            return True
    return False


def unsent(error: BaseException) -> bool:
    """Whether ``error`` shows the request never reached the server: it could not connect, the session was
    already closed, or the server no longer knew the session (HTTP 404 on a session id)."""
    for leaf in leaves(error):
        names = {cls.__name__ for cls in type(leaf).__mro__}
        if names & {"ConnectError", "ConnectTimeout", "ClosedResourceError", "BrokenResourceError",
                    "ConnectionRefusedError"}:
            return True
        if isinstance(leaf, MCPError) and leaf.error.message == TERMINATED:
            return True
    return False


class _Changes:
    """Who is told when a server says its tools changed, and the SDK hooks that tell them."""

    def __init__(self) -> None:
        self.watchers: list[Watcher] = []

    def watch(self, watcher: Watcher) -> None:
        self.watchers.append(watcher)

    def changed(self, entry_id: str) -> None:
        for watcher in self.watchers:
            try:
                watcher(entry_id)
            except Exception:
                log.exception("an MCP tools-changed watcher failed")

    def handler(self, entry_id: str) -> Callable[[Any], Any]:
        """A ``Client(message_handler=...)`` that reports ``notifications/tools/list_changed`` (2025 servers)."""

        async def handle(message: Any) -> None:
            if isinstance(message, ToolListChangedNotification):
                self.changed(entry_id)
            await anyio.lowlevel.checkpoint()

        return handle

    async def listen(self, stack: AsyncExitStack, client: Client, entry_id: str) -> None:
        """On a 2026-07-28 connection to a server that announces tool changes: a ``subscriptions/listen`` stream,
        acknowledged before this returns, read by a task until the session ends."""
        tools = client.server_capabilities.tools
        if client.protocol_version not in MODERN_PROTOCOL_VERSIONS or tools is None or not tools.list_changed:
            return
        try:
            subscription = await stack.enter_async_context(client.listen(tools_list_changed=True))
        except Exception as error:                     # no stream, no harm: listings also expire
            log.debug("MCP server %s: no subscriptions/listen (%s)", entry_id, type(error).__name__)
            return
        tasks = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tasks.cancel_scope.cancel)

        async def read() -> None:
            try:
                async for event in subscription:
                    if isinstance(event, ToolsListChanged):
                        self.changed(entry_id)
            except Exception as error:
                log.debug("MCP server %s: the listen stream ended (%s)", entry_id, type(error).__name__)
            self.changed(entry_id)                     # unheard from now on: list again before trusting a listing

        tasks.start_soon(read)


class _Watched(httpx2.AsyncBaseTransport):
    """A transport that remembers the HTTP error status of the last response (the SDK turns a 401 into a bare
    JSON-RPC error); None after a response that was not an error."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.status = inner, None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        self.status = response.status_code if response.status_code >= 400 else None
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class RemoteConnector:
    """Entries with a remote (see the module doc)."""

    def __init__(self, remotes: Remotes, policy: HostPolicy, *, timeouts: Timeouts = Timeouts(),
                 resolver: Resolver = system_resolver, reuse: Reuse = Reuse()) -> None:
        self.remotes, self.policy, self.timeouts, self.resolver = remotes, policy, timeouts, resolver
        self.pool = SessionPool(reuse.idle)
        self._changes = _Changes()

    def accepts(self, entry: Entry) -> bool:
        return bool(entry.server.remotes)

    def forget(self, entry_id: str) -> None:
        self.pool.discard(entry_id)

    def watch(self, watcher: Watcher) -> None:
        self._changes.watch(watcher)

    @asynccontextmanager
    async def session(self, entry: Entry) -> AsyncIterator[Client]:
        remote = entry.server.remotes[0]
        url = remote.url or ""
        if "{" in url:
            raise HubError("mcp_hub.url_variables", "url", names=", ".join(sorted(remote.variables)) or url)
        key = (entry.id, hashlib.sha256(json.dumps([remote.type, url]).encode()).hexdigest()[:16])
        async with self.pool.session(key, lambda held: self._open(held, entry, remote.type, url),
                                     open_timeout=self.timeouts.call) as held:
            try:
                yield held.client
            except (WorkbenchError, TimeoutError):
                raise
            except Exception as error:         # not BaseException: a cancellation (the hub's deadline) passes through
                status = held.info["watched"].status
                refused = status in (401, 403)             # the credentials: read again at the next session
                if refused or broken(error):
                    self.pool.drop(held)
                explained = explain(error, server=server_words(entry), origin=held.info["origin"],
                                    seconds=self.timeouts.call, status=status)
                if held.reused and broken(error) and not refused:
                    raise StaleSession(explained, sent=not unsent(error)) from None
                raise explained from None

    @asynccontextmanager
    async def _open(self, held: Held, entry: Entry, kind: str, url: str) -> AsyncIterator[Client]:
        """A new session: the header values now, the URL through the guard, the client pinned to its address."""
        headers = self.remotes.values(entry)
        try:
            pinned = await check_url(url, self.policy, resolver=self.resolver, field="url")
        except UrlRefused as refused:
            raise HubError("mcp_hub.url_refused", "url", why=refused.reason()) from None
        watched = _Watched(PinnedTransport(pinned, httpx2.AsyncHTTPTransport()))
        held.info.update(watched=watched, origin=pinned.origin)
        async with AsyncExitStack() as stack:
            try:
                client = await stack.enter_async_context(self._client(kind, pinned, watched, headers, entry.id))
                await self._changes.listen(stack, client, entry.id)
            except WorkbenchError:
                raise
            except Exception as error:
                raise explain(error, server=server_words(entry), origin=pinned.origin, seconds=self.timeouts.call,
                              status=watched.status) from None
            yield client

    @asynccontextmanager
    async def _client(self, kind: str, pinned: Pinned, watched: _Watched, headers: Mapping[str, str],
                      entry_id: str) -> AsyncIterator[Client]:
        timeout = httpx2.Timeout(self.timeouts.call, connect=self.timeouts.connect)

        def http_client(headers: Mapping[str, str] | None = None, timeout: httpx2.Timeout | None = timeout,
                        auth: httpx2.Auth | None = None) -> httpx2.AsyncClient:
            return httpx2.AsyncClient(transport=watched, trust_env=False, headers=dict(headers or {}),
                                      timeout=timeout, auth=auth)

        options = {**client_options(self.timeouts), "message_handler": self._changes.handler(entry_id)}
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

    def __init__(self, servers: Mapping[str, Any], *, timeouts: Timeouts = Timeouts(), reuse: Reuse = Reuse()) -> None:
        self.servers, self.timeouts = dict(servers), timeouts
        self.pool = SessionPool(reuse.idle)
        self._changes = _Changes()

    def accepts(self, entry: Entry) -> bool:
        return entry.name in self.servers

    def forget(self, entry_id: str) -> None:
        self.pool.discard(entry_id)

    def watch(self, watcher: Watcher) -> None:
        self._changes.watch(watcher)

    @asynccontextmanager
    async def session(self, entry: Entry) -> AsyncIterator[Client]:
        async with self.pool.session((entry.id, entry.name), lambda held: self._open(entry),
                                     open_timeout=self.timeouts.call) as held:
            try:
                yield held.client
            except (WorkbenchError, TimeoutError):
                raise
            except Exception as error:
                if broken(error):
                    self.pool.drop(held)
                explained = explain(error, server=server_words(entry), origin=entry.name, seconds=self.timeouts.call)
                if held.reused and broken(error):
                    raise StaleSession(explained, sent=not unsent(error)) from None
                raise explained from None

    @asynccontextmanager
    async def _open(self, entry: Entry) -> AsyncIterator[Client]:
        options = {**client_options(self.timeouts), "message_handler": self._changes.handler(entry.id)}
        async with Client(self.servers[entry.name], **options) as client:
            yield client


class StdioConnector:
    """Installed servers, through the supervisor's session with the running process (see the module doc).

        connector = StdioConnector(installs, supervisor)
        hub = McpHub.create(store, catalogue, sealer, policy, connectors=[connector])   # the hub adopts its loop

    A use of an installed server that is not running starts it (``Supervisor.use``: the start is audited with who
    asked): an admin's, or a member's once the server has approved tools (the hub checks); admins also start and stop
    it on the supervisor. Its sessions live in the supervisor's loop
    (``home``), which the hub then uses for all its work."""

    def __init__(self, installs: Installs, supervisor: Supervisor) -> None:
        self.installs, self.supervisor = installs, supervisor
        self._changes = _Changes()
        self._broken: dict[str, Client] = {}          # per entry, the session that last broke: never handed out again
        supervisor.on_notification.append(self._notified)

    @property
    def home(self) -> HomeLoop:
        return self.supervisor.home

    def accepts(self, entry: Entry) -> bool:
        if not entry.server.packages:
            return False
        return self.supervisor.state(entry.id).status != "stopped" or self.installs.is_installed(entry.id)

    def running(self, entry: Entry) -> bool:
        """Whether the entry's server runs (or is starting): a use then starts nothing."""
        return self.supervisor.state(entry.id).status in ("starting", "running", "restarting")

    def forget(self, entry_id: str) -> None:
        """Nothing: the supervisor owns the session (restart the server for new values)."""

    def watch(self, watcher: Watcher) -> None:
        self._changes.watch(watcher)

    def _notified(self, entry_id: str, message: Any) -> None:
        if isinstance(message, ToolListChangedNotification):
            self._changes.changed(entry_id)

    @asynccontextmanager
    async def session(self, entry: Entry) -> AsyncIterator[Client]:
        started = await self.supervisor.use(entry.id, ACTOR.get())
        client = await self.supervisor.client(entry.id, instead_of=self._broken.get(entry.id))
        try:
            yield client
        except (WorkbenchError, TimeoutError):
            raise
        except Exception as error:
            explained = explain(error, server=server_words(entry), origin=entry.name,
                                seconds=self.supervisor.start_timeout)
            if broken(error):
                self._broken[entry.id] = client
            if not started and broken(error):
                raise StaleSession(explained, sent=not unsent(error)) from None
            raise explained from None
