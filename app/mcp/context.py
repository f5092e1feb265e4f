"""What every handler of the MCP page shares: the hub's services (``McpSetup``), who is asking as the hub's
``Viewer`` (``McpContext.who``), and the services' refusals as readable messages in the page's language.

    setup = McpSetup(hub, catalogue, installs, supervisor, teams=knowledge.teams)     # launch.open_mcp builds it
    ctx = McpContext(gateway, setup)
    caller = ctx.who(lang, request)        # Caller(locale, viewer, actor): the session's user, looked up again
    entry = ctx.call(caller, setup.catalogue.get, entry_id, caller.viewer)   # a refusal -> gr.Error in the language

The viewer is built on every call from the session: ``is_admin`` from the gateway's account (a demoted or disabled
user loses rights at once), the teams and the teams they manage from ``workbench.kb`` teams. Whatever the page
sends (an entry id, a tool name) is only a request: the hub and the catalogue decide, with that viewer, and an
entry the viewer may not see is refused with the same words as a missing one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import gradio as gr

from app.shell.access import error, locale_of, signed_in
from app.shell.i18n import translate
from gateway.accounts.console import Actor, Console
from gateway.accounts.users import Accounts
from gateway.settings import Settings
from workbench.errors import WorkbenchError
from workbench.mcp.catalogue import Viewer

if TYPE_CHECKING:
    from workbench.mcp.catalogue import Catalogue, Entry
    from workbench.mcp.groups import Groups
    from workbench.mcp.hub import McpHub
    from workbench.mcp.installs import Installs
    from workbench.mcp.processes import Supervisor

T = TypeVar("T")
log = logging.getLogger(__name__)


class TeamDirectory(Protocol):
    """The teams a user is in, with their role (``workbench.kb.teams.Teams``)."""

    def list_for(self, user_id: str) -> list[Any]: ...


@dataclass
class McpSetup:
    """The MCP hub's services for the page: the hub (catalogue, remotes, pins, runs), the installs and running
    servers (admins), and the teams a viewer belongs to (None: no teams, e.g. without the knowledge bases)."""

    hub: McpHub
    catalogue: Catalogue
    installs: Installs | None = None
    supervisor: Supervisor | None = None
    teams: TeamDirectory | None = None
    groups: Groups | None = None         # tool groups served as MCP endpoints
    own: Any = None                      # the workbench's own tools (``workbench.mcp.own.OwnTools``), for the endpoints
    endpoints: Any = None                # ``app.http.mcp_api.McpEndpoints`` once the app is built: ended at shutdown
    background: list[Any] = field(default_factory=list)

    async def start(self) -> None:
        """At start (in the app's event loop): the servers admins left running, started again in the background
        (a slow one does not hold up the workbench); nothing is installed or fetched."""
        if self.supervisor is not None:
            import asyncio

            self.background.append(asyncio.get_running_loop().create_task(self._resume(), name="mcp-resume"))

    async def _resume(self) -> None:
        try:
            states = await self.supervisor.resume() if self.supervisor is not None else []
            if states:
                log.info("MCP servers started again: %s", ", ".join(f"{s.entry_id} {s.status}" for s in states))
        except Exception:                        # logged: the workbench runs on without them
            log.exception("MCP servers could not be started again")

    async def stop(self) -> None:
        """At shutdown: the endpoints' sessions, then every server's process ends."""
        if self.endpoints is not None:
            await self.endpoints.close()
        for task in self.background:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self.hub is not None:
            await self.hub.close()               # pending run records written, sessions closed
        if self.supervisor is not None:
            await self.supervisor.close()


class McpServices(Protocol):
    """What the MCP page uses of the gateway (``gateway.service.Gateway``)."""

    console: Console                # who is signed in, and whether they are an admin
    accounts: Accounts              # users' names (the audit trail's actors)
    settings: Settings              # ``base_url``: where MCP clients reach the tool groups' endpoints


@dataclass(frozen=True)
class Caller:
    """Who asks: the page's language, the hub's ``Viewer`` and the gateway's ``Actor``."""

    locale: str
    viewer: Viewer
    actor: Actor
    teams: tuple[Any, ...] = ()          # the teams they are in (``workbench.kb.records.Team`` with their role)


def t(locale: str, key: str, **fields: Any) -> str:
    return translate(key, locale, **fields)


class McpContext:
    """The MCP page's services for its handlers (``setup`` None: every handler says the hub is off)."""

    def __init__(self, services: McpServices, setup: McpSetup | None) -> None:
        self.services, self.setup = services, setup

    @property
    def mcp(self) -> McpSetup:
        if self.setup is None:
            raise RuntimeError("the MCP hub is off: ask who() first")
        return self.setup

    def who(self, lang: str | None, request: gr.Request | None) -> Caller:
        """The signed-in caller as the hub's viewer, looked up again on every call."""
        locale = locale_of(lang, request)
        actor = signed_in(self.services.console, request, locale)
        if self.setup is None:
            raise error(t(locale, "mcp.unavailable"), locale)
        teams = tuple(self.setup.teams.list_for(actor.user_id)) if self.setup.teams is not None else ()
        return Caller(locale, Viewer.of(actor.user_id, actor.is_admin, teams), actor, teams)

    def admin(self, lang: str | None, request: gr.Request | None) -> Caller:
        """The caller, who must be an administrator (a member is refused before anything is read)."""
        caller = self.who(lang, request)
        if not caller.viewer.is_admin:
            raise error(t(caller.locale, "shell.admins_only"), caller.locale)
        return caller

    def call(self, caller: Caller, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``; a refusal of the hub becomes the page's message."""
        try:
            return fn(*args, **kwargs)
        except WorkbenchError as exc:
            raise refusal(exc, caller.locale) from None

    async def acall(self, caller: Caller, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        try:
            return await fn(*args, **kwargs)
        except WorkbenchError as exc:
            raise refusal(exc, caller.locale) from None

    def entry(self, caller: Caller, entry_id: str | None) -> Entry:
        """The entry the caller opened (refused when none is open, or it is not one they may see)."""
        if not entry_id:
            raise error(t(caller.locale, "mcp.choose_server"), caller.locale)
        return self.call(caller, self.mcp.catalogue.get, str(entry_id), caller.viewer)

    def name_of(self, user_id: str) -> str:
        """A user's name (the gateway's accounts), or the id of one since deleted."""
        user = self.services.accounts.get(user_id)
        return user.username if user is not None else user_id

    @staticmethod
    def teams_of(caller: Caller) -> tuple[Any, ...]:
        return caller.teams

    def reachable(self, entry: Entry) -> bool:
        """Whether one of the hub's connectors can reach the entry's server (a remote, an installed one)."""
        return any(connector.accepts(entry) for connector in self.mcp.hub.connectors)

    def server_status(self, entry: Entry) -> str:
        """remote | running | installed | installing | failed | not_installed: what the catalogue shows."""
        if entry.server.remotes:
            return "remote"
        installs, supervisor = self.mcp.installs, self.mcp.supervisor
        if installs is None:
            return "not_installed"
        try:
            status = installs.row(entry.id).status          # only its status word leaves here
        except WorkbenchError:
            return "not_installed"
        if status != "installed":
            return {"running": "installing", "failed": "failed"}.get(status, "not_installed")
        if supervisor is not None and supervisor.state(entry.id).status in ("starting", "running", "restarting"):
            return "running"
        return "installed"


def refusal(exc: WorkbenchError, locale: str) -> gr.Error:
    """A hub's refusal as a toast in ``locale`` (its words name the field where there is one)."""
    return error(exc.text(locale), locale)
