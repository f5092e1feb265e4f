"""The MCP hub's service: what a page, the chat and the API do with the catalogue's servers.

    hub = McpHub.create(store, catalogue, sealer, HostPolicy(settings.mcp_allow_private_hosts),
                        connectors=[StdioConnector(installs, supervisor)])   # remote servers: the hub's own connector
    entry = await hub.register(Registration("https://tools.example.org/mcp", bearer_token="..."), alice)
    contents = await hub.contents(entry.id, alice)   # tools (each with its pin state), resources, templates, prompts
    await hub.approve(entry.id, alice, contents.hashes)          # who may change the entry pins its tools
    result = await hub.call_tool(entry.id, "add", {"a": 1, "b": 2}, alice, source="form")
    hub.usable_tools(entry.id, alice)                # the approved tools (their approved words): what the chat offers
    await hub.read_resource(entry.id, "file:///notes.txt", alice); await hub.get_prompt(entry.id, "greet", {...}, alice)
    hub.runs(alice); hub.usage(admin); hub.audit_trail(admin)
    hub.sync(hub.call_tool(...))                     # from a thread without an event loop (a sync Gradio handler)
    await hub.close()                                # at shutdown: the sessions it keeps

Who may do what is the catalogue's ``Viewer``: an entry the viewer may not see is ``NotFound`` (the words of a missing
one); a disabled entry is refused; approving, headers and removal need ``may_change``. A tool is called only when it
is approved and unchanged (``pins``): its arguments are checked against the APPROVED input schema
(``schemas.check_arguments``: a bad one is refused naming the field before anything is sent), and the call goes out
only if the server's latest listing of the tool is still what was approved (a "rug pull" disables it, audited).

Sessions and listings are kept between requests (``connectors.Reuse``): each server has one long-lived session that
every request shares (opened on first use, closed after ``idle`` seconds unused; a stdio server is started on first
use by an admin, or by anyone once it has approved tools), so a call is one request. The server's tools are listed
again before a call when the last listing is older than ``tools_max_age`` seconds, was taken on another session (the
server restarted, the session was replaced), or the server said its tools changed (``notifications/tools/
list_changed``, or a ``subscriptions/listen`` event on 2026-07-28 connections); ``contents`` and ``approve`` always
list them. A call that fails in a way a changed tool would (a tool error, invalid params, an unknown method) has the
tools listed again at once: a tool that changed is then refused and disabled. A session that broke while in use is
replaced, and the request sent again once on the new one, unless it was a tool call that may have reached the server
(never run a tool twice). A catalogue entry's row is read again every ``entry_max_age`` seconds (who may see it is
decided on each request; the hub's own changes apply at once).

Every call that passes the permission check is recorded (``runs``), refused ones too, with ``source`` "form", "chat"
or "api", by a writer thread (``recorder``: a DuckDB insert costs as much as the call), so the call does not wait for
it; ``runs``, ``run`` and ``usage`` wait for the runs not yet written, and ``close`` writes them (close the hub before
its store). Every request has a deadline (``Timeouts.call``; opening a session has its own); every failure is a
``WorkbenchError`` with en + zh words (``failures``), never a traceback or the server's own error text.

The sessions live in one event loop (``loops.HomeLoop``: the supervisor's when a ``StdioConnector`` is given, else the
first loop that uses the hub). The async methods may be awaited from any loop: they run there. From a thread without
a loop, ``hub.sync(coroutine)``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

import anyio
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, METHOD_NOT_FOUND

from shared.urlguard import HostPolicy, Resolver, system_resolver
from workbench.errors import WorkbenchError
from workbench.store import Store, utcnow

from .catalogue import Catalogue, Entry, Forbidden, NotFound, Viewer
from .connectors import ACTOR, Connector, RemoteConnector, Reuse, StaleSession, Timeouts, server_words
from .errors import HubError, InstallError
from .failures import explain
from .fetch import fetch_server_json
from .loops import HomeLoop
from .pins import Change, PinnedTool, Pins, Review, ToolState, hash_of, snapshot_of
from .recorder import RunRecorder
from .remotes import Header, HeaderView, Registration, Remotes
from .results import (
    Budget,
    Limits,
    PromptLine,
    PromptResult,
    ResourceResult,
    ToolResult,
    part_of,
    parts_of,
    size_of,
    structured_of,
)
from .runs import SOURCES, Audit, AuditEntry, Call, Run, RunLog, ServerUsage
from .schemas import check_arguments
from .sealed import Sealer

T = TypeVar("T")
MAX_PAGES = 20                 # of one list (tools, resources, ...)
MAX_ITEMS = 1000
MAX_URI = 2000

log = logging.getLogger(__name__)


def _at_home(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """An async method of the hub run in its home loop, whichever loop awaits it."""

    @functools.wraps(method)
    async def at_home(self: McpHub, *args: Any, **kwargs: Any) -> T:
        return await self.home.call(method, self, *args, **kwargs)

    return at_home


class _Listings:
    """When each server's tools were last listed, on which session, and whether it said they changed since."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._seen: dict[str, tuple[weakref.ref[Any], float, int]] = {}
        self._changes: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def fresh(self, entry_id: str, client: Any, since: float | None = None) -> bool:
        """Whether the tools were listed on ``client`` less than ``max_age`` seconds ago (and after ``since``), with
        no change said since."""
        seen = self._seen.get(entry_id)
        if seen is None or seen[0]() is not client or seen[2] != self._changes.get(entry_id, 0):
            return False
        return time.monotonic() - seen[1] < self.max_age and (since is None or seen[1] >= since)

    def began(self, entry_id: str) -> tuple[float, int]:
        """A listing begins: when, and the count of changes said so far."""
        return time.monotonic(), self._changes.get(entry_id, 0)

    def note(self, entry_id: str, client: Any, began: tuple[float, int]) -> None:
        self._seen[entry_id] = (weakref.ref(client), *began)

    def stale(self, entry_id: str) -> None:
        """The server said its tools changed (or the hub will not trust the listing): list them again."""
        self._changes[entry_id] = self._changes.get(entry_id, 0) + 1

    def lock(self, entry_id: str) -> asyncio.Lock:
        """One listing at a time per server (concurrent calls wait for it rather than list too)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._locks, self._loop = {}, loop
        return self._locks.setdefault(entry_id, asyncio.Lock())


@dataclass(frozen=True)
class ToolView:
    """A tool as listed, with its pin ``state`` (approved | new | changed | removed), whether it may be called
    (``usable``), the ``flags`` of a tool waiting for approval and what ``change``d since approval."""

    name: str
    title: str
    description: str
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any] | None
    annotations: Mapping[str, Any]
    state: str
    hash: str
    flags: tuple = ()
    change: Change | None = None

    @property
    def usable(self) -> bool:
        return self.state == "approved"


@dataclass(frozen=True)
class ResourceView:
    uri: str
    name: str
    title: str = ""
    description: str = ""
    mime_type: str = ""
    size: int | None = None


@dataclass(frozen=True)
class TemplateView:
    uri_template: str
    name: str
    title: str = ""
    description: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class PromptArgument:
    name: str
    title: str = ""
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class PromptView:
    name: str
    title: str = ""
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()


@dataclass(frozen=True)
class ServerContents:
    """What a server offers, as listed now; ``hashes`` (tool -> hash) is what ``approve`` pins."""

    entry_id: str
    server: str
    server_name: str
    server_version: str
    instructions: str
    tools: tuple[ToolView, ...]
    resources: tuple[ResourceView, ...]
    templates: tuple[TemplateView, ...]
    prompts: tuple[PromptView, ...]
    elapsed_ms: float

    @property
    def hashes(self) -> dict[str, str]:
        return {tool.name: tool.hash for tool in self.tools}


class McpHub:
    """The hub's service over the catalogue (see the module doc)."""

    def __init__(self, store: Store, catalogue: Catalogue, connectors: Sequence[Connector], *,
                 remotes: Remotes | None = None, audit: Audit | None = None, timeouts: Timeouts = Timeouts(),
                 limits: Limits = Limits(), verify_calls: bool = True, reuse: Reuse = Reuse(),
                 home: HomeLoop | None = None) -> None:
        self.store, self.catalogue, self.connectors = store, catalogue, list(connectors)
        self.remotes, self.timeouts, self.limits, self.verify_calls = remotes, timeouts, limits, verify_calls
        self.audit = audit or Audit(store)
        self.pins, self.run_log = Pins(store), RunLog(store)
        self.recorder = RunRecorder(self.run_log)
        self.reuse = reuse
        self._pinned: dict[str, dict[str, PinnedTool]] = {}    # approved, unchanged tools as the pins last said
        self._usable: dict[str, list[PinnedTool]] = {}         # all of an entry's such tools, as the pins last said
        self._observed: dict[str, tuple[dict[str, str], list[ToolState]]] = {}   # the last listing recorded
        self._entries: dict[str, tuple[Entry, float]] = {}     # catalogue rows, and when they were read
        self.home = home or next((c.home for c in self.connectors if isinstance(getattr(c, "home", None), HomeLoop)),
                                 None) or HomeLoop()
        self._listings = _Listings(reuse.tools_max_age)
        for connector in self.connectors:
            if hasattr(connector, "watch"):
                connector.watch(self._listings.stale)

    @classmethod
    def create(cls, store: Store, catalogue: Catalogue, sealer: Sealer, policy: HostPolicy, *,
               connectors: Sequence[Connector] = (), resolver: Resolver = system_resolver,
               timeouts: Timeouts = Timeouts(), limits: Limits = Limits(), reuse: Reuse = Reuse(),
               home: HomeLoop | None = None) -> McpHub:
        """The hub with its remote servers (registration, headers, the guarded connector) after ``connectors``."""
        audit = Audit(store)
        remotes = Remotes(store, catalogue, sealer, policy, audit, resolver=resolver)
        remote = RemoteConnector(remotes, policy, timeouts=timeouts, resolver=resolver, reuse=reuse)
        return cls(store, catalogue, [*connectors, remote], remotes=remotes, audit=audit, timeouts=timeouts,
                   limits=limits, reuse=reuse, home=home)

    def sync(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """``coroutine`` (one of the hub's, e.g. ``hub.call_tool(...)``) run to its end from a thread that has no
        event loop, e.g. a sync Gradio handler or a worker thread; from a coroutine, ``await`` it instead."""
        return self.home.run(coroutine)

    @_at_home
    async def close(self) -> None:
        """Close the sessions the hub keeps and write the runs not yet written (at shutdown; a later request would
        open new sessions)."""
        await asyncio.to_thread(self.recorder.flush)
        for connector in self.connectors:
            pool = getattr(connector, "pool", None)
            if pool is not None:
                await pool.close()

    def _forget(self, entry_id: str) -> None:
        """The entry's sessions closed and its listing distrusted: its headers changed, it was removed or disabled."""
        for connector in self.connectors:
            if hasattr(connector, "forget"):
                connector.forget(entry_id)
        self._listings.stale(entry_id)
        self._unpin(entry_id)
        self._observed.pop(entry_id, None)
        self._entries.pop(entry_id, None)

    def _unpin(self, entry_id: str) -> None:
        """Forget what the pins said of the entry: the hub recorded a listing or an approval of it."""
        self._pinned.pop(entry_id, None)
        self._usable.pop(entry_id, None)

    def _require(self, entry: Entry, tool: str) -> PinnedTool:
        """``pins.require``, remembered until the hub next records a listing or an approval of the entry (the hub is
        the only writer of its pins, so this is what the store would say)."""
        pinned = self._pinned.get(entry.id, {}).get(tool)
        if pinned is None:
            pinned = self.pins.require(entry.id, tool, server_words(entry))
            self._pinned.setdefault(entry.id, {})[tool] = pinned
        return pinned

    # -- entries ---------------------------------------------------------------------------------------------------

    def _entry(self, entry_id: str, viewer: Viewer) -> Entry:
        """The entry, if the viewer may see it and it is enabled. Its row is read at most every
        ``Reuse.entry_max_age`` seconds (changes made through the hub apply at once); who may see it is decided on
        every request."""
        kept = self._entries.get(entry_id)
        if kept is not None and time.monotonic() - kept[1] < self.reuse.entry_max_age:
            entry = kept[0]
            if not viewer.may_see(entry):
                raise NotFound("catalogue.not_found", "id")
        else:
            entry = self.catalogue.get(entry_id, viewer)
            self._entries[entry.id] = (entry, time.monotonic())
        if not entry.enabled:
            raise HubError("mcp_hub.disabled", "id", server=server_words(entry))
        return entry

    def _remotes(self) -> Remotes:
        if self.remotes is None:
            raise RuntimeError("this hub was built without remote servers (use McpHub.create)")
        return self.remotes

    async def import_url(self, url: str, viewer: Viewer) -> Entry:
        """An administrator's import of the ``server.json`` at ``url`` (fetched through the SSRF guard, see
        ``fetch``), published to everyone like an imported file; refusals name ``url`` or the file's field.
        Audited."""
        if not viewer.is_admin:
            raise Forbidden("catalogue.admins_only.import", None)
        remotes = self._remotes()
        data = await fetch_server_json(url, remotes.policy, resolver=remotes.resolver)
        entry = self.catalogue.import_json(data, viewer)
        self.audit.add(viewer.user_id, "import", entry.id, entry.name, {"version": entry.version,
                                                                        "url": url.strip()[:500]})
        return entry

    async def register(self, registration: Registration, viewer: Viewer) -> Entry:
        """Register a remote server (``remotes.Remotes.register``)."""
        return await self._remotes().register(registration, viewer)

    def set_headers(self, entry_id: str, headers: Iterable[Header], viewer: Viewer) -> list[HeaderView]:
        """Set header values (``remotes.Remotes.set_headers``); the server's session reconnects with them."""
        views = self._remotes().set_headers(entry_id, headers, viewer)
        self._forget(entry_id)
        return views

    def headers_of(self, entry_id: str, viewer: Viewer) -> list[HeaderView]:
        return self._remotes().headers_of(entry_id, viewer)

    def set_enabled(self, entry_id: str, enabled: bool, viewer: Viewer) -> Entry:
        entry = self.catalogue.set_enabled(entry_id, enabled, viewer)
        self._forget(entry.id)
        self.audit.add(viewer.user_id, "enable" if enabled else "disable", entry.id, entry.name)
        return entry

    def remove(self, entry_id: str, viewer: Viewer) -> None:
        """Remove an entry the viewer may change, with its pins and header values (its runs stay, for metering)."""
        entry = self.catalogue.changeable(entry_id, viewer)
        self.catalogue.remove(entry.id, viewer)
        with self.store.transaction() as cur:
            self.pins.forget(cur, entry.id)
            Remotes.forget(cur, entry.id)
            self.audit.record(cur, viewer.user_id, "remove", entry.id, entry.name)
        self._forget(entry.id)

    # -- sessions --------------------------------------------------------------------------------------------------

    def _connector(self, entry: Entry) -> Connector:
        for connector in self.connectors:
            if connector.accepts(entry):
                return connector
        raise HubError("mcp_hub.not_runnable", "id", server=server_words(entry))

    async def _run(self, entry: Entry, viewer: Viewer, work: Callable[[Any], Awaitable[T]], *,
                   resend: bool = True) -> T:
        """``work(client)`` in a session of the entry's server, within the deadline; failures made readable. A
        session that broke is replaced once, and ``work`` done again when ``resend`` or it never reached the server."""
        connector = self._connector(entry)
        running = getattr(connector, "running", None)
        if running is not None and not running(entry) and not viewer.is_admin and not self.pins.usable(entry.id):
            raise InstallError("mcp_install.not_running", "id")     # a member starts only a server with approved tools
        actor = ACTOR.set(viewer.user_id)
        try:
            for attempt in (1, 2):
                try:
                    async with connector.session(entry) as client:
                        with anyio.fail_after(self.timeouts.call):
                            return await work(client)
                except StaleSession as stale:
                    if attempt == 2 or (stale.sent and not resend):
                        raise stale.error from None
                    log.info("MCP server %s: its session broke (%s); trying once more on a new one", entry.name,
                             stale.error.code)
                except WorkbenchError:
                    raise
                except Exception as error:
                    raise explain(error, server=server_words(entry), origin=entry.name,
                                  seconds=self.timeouts.call) from None
            raise AssertionError("unreachable")
        finally:
            ACTOR.reset(actor)

    async def _tools(self, client: Any, entry: Entry) -> tuple[list[Any], dict[str, ToolState]]:
        """The server's tools listed now and their states, recorded against the pins (new changes audited)."""
        began = self._listings.began(entry.id)
        tools = await _all(client.list_tools, "tools")
        snapshots = [snapshot_of(tool) for tool in tools]
        hashes = {str(snapshot["name"]): hash_of(snapshot) for snapshot in snapshots}
        last = self._observed.get(entry.id)
        if last is not None and last[0] == hashes:           # listed as last time: nothing to record
            states, news = last[1], []
        else:
            states, news = self.pins.observe(entry.id, snapshots)
            self._observed[entry.id] = (hashes, states)
            self._unpin(entry.id)
        self._listings.note(entry.id, client, began)
        if news:
            self.audit.add("", "tools_changed", entry.id, entry.name,
                           {"tools": {s.name: s.state for s in states if s.name in news}})
        return tools, {state.name: state for state in states}

    async def _verify(self, client: Any, entry: Entry, pinned: PinnedTool, since: float | None = None) -> None:
        """Refuse the call unless the server's latest listing of the tool is the approved one; list the tools first
        when the listing is not fresh (or older than ``since``)."""
        if not self._listings.fresh(entry.id, client, since):
            async with self._listings.lock(entry.id):
                if not self._listings.fresh(entry.id, client, since):
                    await self._tools(client, entry)
            now = self._require(entry, pinned.name)
            if now.hash != pinned.hash:
                raise HubError("mcp_hub.tool_changed", "tool", server=server_words(entry), tool=pinned.name)

    @_at_home
    async def contents(self, entry_id: str, viewer: Viewer) -> ServerContents:
        """List the entry's tools (recorded against the pins), resources, resource templates and prompts."""
        entry = self._entry(entry_id, viewer)
        started = time.perf_counter()

        async def work(client: Any) -> ServerContents:
            tools, by_name = await self._tools(client, entry)
            caps = client.server_capabilities
            resources = await _all(client.list_resources, "resources") if caps.resources else []
            templates = await _all(client.list_resource_templates, "resource_templates") if caps.resources else []
            prompts = await _all(client.list_prompts, "prompts") if caps.prompts else []
            info = client.server_info
            return ServerContents(
                entry.id, entry.listing().title, info.name if info else "", (info.version or "") if info else "",
                client.instructions or "", tuple(_tool_view(tool, by_name[tool.name]) for tool in tools),
                tuple(ResourceView(str(r.uri), r.name, r.title or "", r.description or "", r.mime_type or "", r.size)
                      for r in resources),
                tuple(TemplateView(t.uri_template, t.name, t.title or "", t.description or "", t.mime_type or "")
                      for t in templates),
                tuple(PromptView(p.name, p.title or "", p.description or "",
                                 tuple(PromptArgument(a.name, a.title or "", a.description or "", bool(a.required))
                                       for a in p.arguments or ())) for p in prompts),
                _ms(started))

        return await self._run(entry, viewer, work)

    # -- pins ------------------------------------------------------------------------------------------------------

    def review(self, entry_id: str, viewer: Viewer) -> Review:
        """The entry's tools as last listed, for who may approve them: states, changes since approval, flags."""
        entry = self.catalogue.changeable(entry_id, viewer)
        return self.pins.review(entry.id)

    @_at_home
    async def approve(self, entry_id: str, viewer: Viewer, hashes: Mapping[str, str] | None = None, *,
                      allow_flagged: bool = False) -> Review:
        """Pin the tools reviewed (``hashes``: name -> hash, as ``review`` or ``contents`` gave them; all listed
        tools when None; a server never listed is listed first). Refused without a change when a tool changed since
        it was reviewed, or has flags and ``allow_flagged`` is not given. Audited."""
        entry = self.catalogue.changeable(entry_id, viewer)
        if not self.pins.review(entry.id).tools:
            await self._run(entry, viewer, lambda client: self._tools(client, entry))
        approved = self.pins.approve(entry.id, viewer.user_id, hashes, allow_flagged=allow_flagged)
        self._unpin(entry.id)
        self._observed.pop(entry.id, None)
        self.audit.add(viewer.user_id, "approve", entry.id, entry.name, {
            "tools": {state.name: state.hash for state in approved},
            "flags": {state.name: sorted({flag.rule for flag in state.flags}) for state in approved if state.flags}})
        return self.pins.review(entry.id)

    def mark_asking(self, entry_id: str, tools: Iterable[str], viewer: Viewer) -> Review:
        """Mark exactly ``tools`` of the entry (by who may change it: an admin, its owner) to ask the user before each
        call in the chat, as a destructive one does; the others are unmarked (a destructive hint still asks).
        Audited."""
        entry = self.catalogue.changeable(entry_id, viewer)
        marked = self.pins.mark_asking(entry.id, tools, server_words(entry))
        self._unpin(entry.id)
        self.audit.add(viewer.user_id, "mark_asking", entry.id, entry.name, {"tools": marked})
        return self.pins.review(entry.id)

    def usable_tools(self, entry_id: str, viewer: Viewer) -> list[PinnedTool]:
        """The tools that may be called now, as approved (their approved description and schema): for the chat and
        the endpoints (remembered like ``_require``'s answers)."""
        entry = self._entry(entry_id, viewer)
        usable = self._usable.get(entry.id)
        if usable is None:
            usable = self._usable[entry.id] = self.pins.usable(entry.id)
        return list(usable)

    def entry(self, entry_id: str, viewer: Viewer) -> Entry:
        """The catalogue entry, if the viewer may see it and it is enabled (else ``NotFound`` / ``HubError``); its row
        read at most every ``Reuse.entry_max_age`` seconds."""
        return self._entry(entry_id, viewer)

    # -- calls -----------------------------------------------------------------------------------------------------

    @_at_home
    async def call_tool(self, entry_id: str, tool: str, arguments: Mapping[str, Any] | None, viewer: Viewer, *,
                        source: str = "form", key_id: str = "") -> ToolResult:
        """Call an approved, unchanged tool with ``arguments`` checked against its approved schema; recorded as a
        run of ``viewer`` from ``source`` (form | chat | api; ``key_id`` the API key of an endpoint's call). The
        result is capped (``Limits``)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        entry = self._entry(entry_id, viewer)
        arguments = {} if arguments is None else arguments
        started_at, started = utcnow(), time.perf_counter()
        result: ToolResult | None = None
        result_bytes, code = 0, None
        try:
            pinned = self._require(entry, tool)
            check_arguments(pinned.input_schema, arguments)

            async def work(client: Any) -> tuple[ToolResult, int]:
                sent = time.monotonic()
                if self.verify_calls:
                    await self._verify(client, entry, pinned)
                try:
                    answer = await client.call_tool(tool, dict(arguments))
                except MCPError as error:               # as a changed tool might answer: list again, then say so
                    if self.verify_calls and error.code in (INVALID_PARAMS, METHOD_NOT_FOUND):
                        await self._verify(client, entry, pinned, since=sent)
                    raise
                if answer.is_error and self.verify_calls:
                    await self._verify(client, entry, pinned, since=sent)
                return self._tool_result(entry, tool, answer, started), size_of(
                    answer.model_dump(mode="json", by_alias=True, exclude_none=True))

            result, result_bytes = await self._run(entry, viewer, work, resend=False)
            code = "tool_error" if result.is_error else None
        except WorkbenchError as refusal:
            code = refusal.code
            raise
        except BaseException:
            code = "internal"
            raise
        finally:
            run_id = self.recorder.submit(Call(
                viewer.user_id, entry.id, entry.name, tool, source, started_at, _ms(started), code is None, code,
                arguments, size_of(arguments), result, result_bytes, key_id))
        return replace(result, run_id=run_id)

    def _tool_result(self, entry: Entry, tool: str, answer: Any, started: float) -> ToolResult:
        budget = Budget(self.limits)
        parts = parts_of(answer.content or (), budget)
        structured, omitted = structured_of(answer.structured_content, budget)
        return ToolResult(entry.listing().title, tool, parts, structured, bool(answer.is_error), _ms(started),
                          budget.cut, omitted)

    @_at_home
    async def read_resource(self, entry_id: str, uri: str, viewer: Viewer) -> ResourceResult:
        """Read one of the entry's resources (capped like a tool's result)."""
        entry = self._entry(entry_id, viewer)
        if not isinstance(uri, str) or not uri.strip() or len(uri) > MAX_URI:
            raise HubError("mcp_hub.uri", "uri", most=MAX_URI)
        started = time.perf_counter()
        answer = await self._run(entry, viewer, lambda client: client.read_resource(uri.strip()))
        budget = Budget(self.limits)
        parts = parts_of(answer.contents or (), budget)
        return ResourceResult(uri.strip(), parts, _ms(started), budget.cut)

    @_at_home
    async def get_prompt(self, entry_id: str, name: str, arguments: Mapping[str, Any] | None,
                         viewer: Viewer) -> PromptResult:
        """Render one of the entry's prompts with ``arguments`` (text values; the required ones checked first)."""
        entry = self._entry(entry_id, viewer)
        arguments = dict(arguments or {})
        started = time.perf_counter()

        async def work(client: Any) -> Any:
            prompts = await _all(client.list_prompts, "prompts")
            prompt = next((p for p in prompts if p.name == name), None)
            if prompt is None:
                raise HubError("mcp_hub.no_prompt", "prompt", server=server_words(entry), prompt=str(name)[:100])
            known = {a.name: a for a in prompt.arguments or ()}
            for key, value in arguments.items():
                if key not in known:
                    raise HubError("mcp_hub.prompt_unknown_argument", f"arguments.{key}", name=str(key)[:100],
                                   names=", ".join(known) or "-")
                if not isinstance(value, str):
                    raise HubError("mcp_hub.prompt_argument_text", f"arguments.{key}", name=key)
            for argument in known.values():
                if argument.required and not arguments.get(argument.name):
                    raise HubError("mcp_hub.prompt_argument", f"arguments.{argument.name}", name=argument.name)
            return await client.get_prompt(name, arguments)

        answer = await self._run(entry, viewer, work)
        budget = Budget(self.limits)
        lines = tuple(PromptLine(str(m.role), part_of(m.content, budget)) for m in answer.messages or ())
        return PromptResult(name, answer.description or "", lines, _ms(started), budget.cut)

    # -- runs, usage, audit ----------------------------------------------------------------------------------------

    def runs(self, viewer: Viewer, limit: int = 50, entry_id: str | None = None) -> list[Run]:
        """The viewer's own recent runs, newest first (no one else's, whoever asks)."""
        self.recorder.flush()
        return self.run_log.recent(viewer.user_id, limit, entry_id)

    def run(self, run_id: str, viewer: Viewer) -> Run:
        self.recorder.flush()
        return self.run_log.get(run_id, viewer.user_id)

    def usage(self, viewer: Viewer, since: datetime | None = None) -> list[ServerUsage]:
        """Per server: calls, errors, p50 / p95 duration. Admins only."""
        _admin(viewer)
        self.recorder.flush()
        return self.run_log.usage(since)

    def audit_trail(self, viewer: Viewer, limit: int = 100, entry_id: str | None = None) -> list[AuditEntry]:
        """Registrations, header changes, approvals, tools seen changed, removals: newest first. Admins only."""
        _admin(viewer)
        return self.audit.entries(limit, entry_id)


def _admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise HubError("mcp_hub.admins_only", None)


def _tool_view(tool: Any, state: ToolState) -> ToolView:
    return ToolView(tool.name, tool.title or "", tool.description or "", tool.input_schema or {"type": "object"},
                    tool.output_schema, snapshot_of(tool).get("annotations", {}), state.state, state.hash,
                    state.flags, state.change)


async def _all(fetch: Callable[..., Awaitable[Any]], attr: str) -> list[Any]:
    """Every page of a list (at most ``MAX_PAGES`` pages, ``MAX_ITEMS`` items)."""
    items: list[Any] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await fetch(cursor=cursor)
        items += list(getattr(page, attr) or ())
        cursor = page.next_cursor
        if not cursor or len(items) >= MAX_ITEMS:
            break
    return items[:MAX_ITEMS]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
