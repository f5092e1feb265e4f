"""Running stdio MCP servers: one long-lived client session each, started, stopped, restarted after a crash.

    supervisor = Supervisor(installs, start_timeout=60)
    await supervisor.resume()                                  # at start: the servers admins left running
    state = await supervisor.start(entry_id, admin)            # spawned, and returned once initialize succeeded
    started = await supervisor.use(entry_id, "u-alice")        # a user's request: started if it is not running
    client = await supervisor.client(entry_id)                 # the running server's mcp.Client (shared; any task
                                                               # of the supervisor's loop: supervisor.home)
    await client.call_tool("get_current_time", {"timezone": "Asia/Shanghai"})
    supervisor.log(entry_id, admin)                            # its stderr (capped), for admins
    await supervisor.restart(entry_id, admin); await supervisor.stop(entry_id, admin)
    await supervisor.close()                                   # at shutdown: every child ends

    async with open_session(installs.parameters(entry_id)) as client: ...   # or one launch per use, the SDK's way

A start spawns the program ``launch`` built (``workbench.mcp.stdio``: no shell, the allow-listed environment, its
own process group) and waits up to ``start_timeout`` seconds (60 by default: a cold start of a Python or node
server can take seconds on a busy machine) for the MCP handshake. A first start that fails says why (``start_timeout``,
``start_exited`` with the exit code; the server log has its words) and is not retried. A server that exits once it
ran is restarted after ``backoff`` seconds, doubling for each quick exit in a row up to ``max_backoff``; after
``max_failures`` quick exits in a row it is left ``failed`` (a run of ``stable_seconds`` resets the count). stderr
goes to ``server.log`` in the server's directory (capped, the secrets' values hidden, ``logs.CappedLog``). Starts,
stops, crashes and give-ups are events of the installs (``Installs.events``).

The servers live in one event loop, ``home`` (``loops.HomeLoop``: the first loop that uses the supervisor; the hub
shares it, see ``connectors.StdioConnector``): the methods may be awaited from any loop and run there. A client from
``client`` is for that loop only. Notifications a server sends (``notifications/tools/list_changed``, ...) are handed
to each ``on_notification`` callback with the entry id.

Every child ends with us: ``stop`` and ``close`` close its stdin, then SIGTERM and SIGKILL its process group; an
``atexit`` hook SIGKILLs the groups still running when the interpreter exits without ``close``. When the workbench
is killed outright (SIGKILL, the OOM killer), no code of ours runs: the child sees its stdin close (an MCP server
exits then, as the protocol asks) and its stdout and stderr pipes break; one that ignores both keeps running until
the next start of the same server, which finds its pid file and SIGKILLs that group (``stdio.kill_leftover``). No
``PR_SET_PDEATHSIG``: it needs ``preexec_fn``, which is unsafe in a process with threads.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import math
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import anyio
from anyio.abc import ByteReceiveStream
from mcp import Client, StdioServerParameters, stdio_client
from mcp.types import Implementation

from workbench.mcp import stdio
from workbench.mcp.catalogue import Viewer
from workbench.mcp.errors import InstallError
from workbench.mcp.installs import Installs, admins_only
from workbench.mcp.logs import CappedLog
from workbench.mcp.loops import HomeLoop
from workbench.store import utcnow

START_TIMEOUT = 60.0
LOG_BYTES = 256 * 1024
CLIENT_INFO = Implementation(name="maas-workbench-mcp-hub", version="1")
_POLL = 0.1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerState:
    """What a page shows of a server: ``status`` starting | running | restarting | stopped | failed."""

    entry_id: str
    status: str
    pid: int | None = None
    restarts: int = 0                    # crash restarts since an admin started it
    started_at: datetime | None = None   # the last successful start
    start_seconds: float | None = None   # spawn to initialized, the last start
    error: InstallError | None = None    # why it stopped or failed (error.text(locale))


@dataclass(eq=False)
class _Server:
    entry_id: str
    name: str
    log: CappedLog
    status: str = "starting"
    pid: int | None = None
    client: Client | None = None
    process: Any = None
    stderr_closed: anyio.Event | None = None
    restarts: int = 0
    started_at: datetime | None = None
    start_seconds: float | None = None
    error: InstallError | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    first: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    start_scope: anyio.CancelScope | None = None
    task: asyncio.Task[None] | None = None

    def state(self) -> ServerState:
        return ServerState(self.entry_id, self.status, self.pid, self.restarts, self.started_at, self.start_seconds,
                           self.error)


class Supervisor:
    """The running servers of one ``Installs`` (see the module doc)."""

    def __init__(self, installs: Installs, *, start_timeout: float = START_TIMEOUT, log_bytes: int = LOG_BYTES,
                 backoff: float = 1.0, max_backoff: float = 30.0, max_failures: int = 5,
                 stable_seconds: float = 60.0, grace: float = 2.0, home: HomeLoop | None = None) -> None:
        self.installs = installs
        self.home = home or HomeLoop()
        self.on_notification: list[Callable[[str, Any], None]] = []
        self.start_timeout, self.log_bytes, self.grace = start_timeout, log_bytes, grace
        self.backoff, self.max_backoff = backoff, max_backoff
        self.max_failures, self.stable_seconds = max_failures, stable_seconds
        self._servers: dict[str, _Server] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        installs.on_remove.append(self._removed)
        atexit.register(self._kill_all)

    # --- for admins ------------------------------------------------------------------------------------------------
    async def start(self, entry_id: str, viewer: Viewer) -> ServerState:
        """Start the installed server (nothing when it runs); returns once it answered the handshake, or raises
        ``InstallError`` saying why it did not (``start_timeout``, ``start_exited``, ``not_installed``, ...)."""
        admins_only(viewer)
        state = await self.home.call(self._start, entry_id)
        self.installs.set_run(entry_id, True)
        self._event(viewer.user_id, "start", entry_id, {"pid": state.pid, "seconds": state.start_seconds})
        return state

    async def stop(self, entry_id: str, viewer: Viewer) -> ServerState:
        """Stop the server and its whole process group; it stays stopped at the next start of the workbench."""
        admins_only(viewer)
        await self.home.call(self._stop, entry_id)
        self.installs.set_run(entry_id, False)
        self._event(viewer.user_id, "stop", entry_id, None)
        return self.state(entry_id)

    async def restart(self, entry_id: str, viewer: Viewer) -> ServerState:
        """Stop and start again (new values and secrets apply)."""
        admins_only(viewer)
        await self.home.call(self._stop, entry_id)
        self._event(viewer.user_id, "restart", entry_id, None)
        return await self.start(entry_id, viewer)

    def log(self, entry_id: str, viewer: Viewer) -> str:
        """The server's captured stderr (admins only)."""
        admins_only(viewer)
        row = self.installs.get(entry_id, viewer)
        return CappedLog(self.installs.where(row).server_log, self.log_bytes).text()

    # --- for the hub -----------------------------------------------------------------------------------------------
    def state(self, entry_id: str) -> ServerState:
        server = self._servers.get(entry_id)
        return server.state() if server else ServerState(entry_id, "stopped")

    async def use(self, entry_id: str, actor: str = "") -> bool:
        """Start the installed server for a user's request when it is not running (audited as a ``start`` by
        ``actor``, ``on_use``); whether this call started it. Who may use the entry is the hub's business."""
        return await self.home.call(self._use, entry_id, actor)

    async def client(self, entry_id: str, instead_of: Client | None = None) -> Client:
        """The running server's client session, waiting while it starts or restarts (or while the supervisor
        notices that it exited, or that ``instead_of``, a session that broke, is gone); ``not_running`` otherwise.
        For the supervisor's loop (``home``) only."""
        return await self.home.call(self._client, entry_id, instead_of)

    async def resume(self) -> list[ServerState]:
        """At start: start the installed servers that were running when the workbench stopped."""
        return await self.home.call(self._resume)

    async def close(self) -> None:
        """Stop every server (they start again at the next ``resume``)."""
        await self.home.call(self._close)
        atexit.unregister(self._kill_all)

    async def _use(self, entry_id: str, actor: str) -> bool:
        self._here()
        running = self._servers.get(entry_id)
        if running is not None and running.status in ("starting", "running", "restarting"):
            if running.status == "starting":
                await asyncio.shield(running.first)
            return False
        state = await self._start(entry_id)
        self._event(actor or None, "start", entry_id, {"pid": state.pid, "seconds": state.start_seconds,
                                                       "on_use": True})
        return True

    async def _client(self, entry_id: str, instead_of: Client | None = None) -> Client:
        self._here()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.start_timeout + self.max_backoff):
                while True:
                    server = self._servers.get(entry_id)
                    if server is None or server.status in ("stopped", "failed"):
                        break
                    if server.ready.is_set() and server.client is not None:
                        if server.client is not instead_of and not _exited(server):
                            return server.client
                        await asyncio.sleep(_POLL / 4)          # it exited: wait for the supervisor to see it
                    else:                                        # starting or restarting: look again soon
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(server.ready.wait(), _POLL)
        raise InstallError("mcp_install.not_running", "id")

    async def _resume(self) -> list[ServerState]:
        self._here()
        states = []
        for entry_id in self.installs.to_run():
            try:
                states.append(await self._start(entry_id))
            except InstallError as error:
                log.warning("MCP server %s did not start again: %s", entry_id, error.message)
                states.append(self.state(entry_id))
        return states

    async def _close(self) -> None:
        self._here()
        await asyncio.gather(*(self._stop(entry_id) for entry_id in list(self._servers)))

    def _here(self) -> None:
        """Forget the servers of a loop that has ended (their tasks went with it; a group left running is killed)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._kill_all()
            self._servers, self._loop = {}, loop

    # --- the servers -----------------------------------------------------------------------------------------------
    async def _start(self, entry_id: str) -> ServerState:
        self._here()
        running = self._servers.get(entry_id)
        if running is not None and running.status in ("starting", "running", "restarting"):
            if running.status == "starting":
                await asyncio.shield(running.first)
            return running.state()
        row = self.installs.row(entry_id)
        self.installs.parameters(entry_id)                    # installed, values and secrets readable: or raise now
        server = _Server(entry_id, row.name, CappedLog(self.installs.where(row).server_log, self.log_bytes))
        self._servers[entry_id] = server
        server.task = asyncio.get_running_loop().create_task(self._supervise(server), name=f"mcp-server-{entry_id}")
        await asyncio.shield(server.first)
        return server.state()

    async def _stop(self, entry_id: str) -> None:
        self._here()
        server = self._servers.get(entry_id)
        if server is None:
            return
        server.stopping.set()
        if server.start_scope is not None:
            server.start_scope.cancel()
        if server.task is not None:
            await asyncio.shield(server.task)
        self._servers.pop(entry_id, None)

    async def _removed(self, entry_id: str) -> None:
        await self.home.call(self._stop, entry_id)

    async def _supervise(self, server: _Server) -> None:
        failures = 0
        try:
            while not server.stopping.is_set():
                began = time.monotonic()
                ended = await self._serve(server)
                if server.stopping.is_set():
                    break
                if not server.first.done():                   # the first start failed: say so, no retry
                    server.status, server.error = "failed", ended
                    server.first.set_exception(ended)
                    self._event(None, "start_failed", server.entry_id, {"code": ended.code})
                    return
                failures = 1 if time.monotonic() - began >= self.stable_seconds else failures + 1
                server.error = ended
                if failures > self.max_failures:
                    server.status = "failed"
                    server.error = InstallError("mcp_install.gave_up", None, times=self.max_failures)
                    self._event(None, "gave_up", server.entry_id, {"code": ended.code})
                    return
                delay = min(self.max_backoff, self.backoff * 2 ** (failures - 1))
                server.status = "restarting"
                server.restarts += 1
                self._event(None, "crash", server.entry_id, {"code": ended.code, "restart_in": delay})
                log.warning("MCP server %s ended (%s); starting it again in %.1f s", server.name, ended.message, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(server.stopping.wait(), delay)
        except Exception as error:                            # a bug: said, and the server left stopped
            log.exception("MCP server %s: the supervisor failed", server.name)
            server.status, server.error = "failed", InstallError("mcp_install.unexpected", None,
                                                                 detail=type(error).__name__)
            if not server.first.done():
                server.first.set_exception(server.error)
        finally:
            if server.status != "failed":
                server.status = "stopped"
            server.client, server.pid = None, None
            if not server.first.done():
                server.first.set_exception(InstallError("mcp_install.not_running", "id"))

    async def _serve(self, server: _Server) -> InstallError | None:
        """One run of the server: spawn, handshake, serve until it exits or is stopped. Why it ended (None when
        stopped)."""
        params = self.installs.parameters(server.entry_id)
        server.log.hide = tuple(params._hidden)
        where = self.installs.where(self.installs.row(server.entry_id))
        if stdio.kill_leftover(where.pid_file):
            server.log.line("== killed a process group an earlier run left behind")
        server.status = "starting" if not server.first.done() else server.status
        server.log.line(f"== start {datetime.now(UTC).isoformat(timespec='seconds')}")
        spawned = time.monotonic()
        try:
            process = await stdio.spawn(params)
        except OSError as error:
            return InstallError("mcp_install.start_failed", None, detail=error.strerror or type(error).__name__)
        server.pid, server.process = process.pid, process
        stdio.write_pid(where.pid_file, process.pid)
        outcome: InstallError | None = None
        was_ready = False
        try:
            async with anyio.create_task_group() as tasks:
                pumped = server.stderr_closed = anyio.Event()
                tasks.start_soon(_pump, process.stderr, server.log, pumped)
                try:
                    with anyio.CancelScope() as scope:
                        server.start_scope = scope
                        scope.deadline = anyio.current_time() + self.start_timeout
                        async with Client(stdio.transport(process), client_info=CLIENT_INFO, cache=None,
                                          message_handler=self._handler(server.entry_id)) as client:
                            scope.deadline, server.start_scope = math.inf, None
                            was_ready = True
                            self._ready(server, client, time.monotonic() - spawned)
                            while process.returncode is None and not server.stopping.is_set():
                                await anyio.sleep(_POLL)
                    if scope.cancelled_caught and not server.stopping.is_set():
                        outcome = InstallError("mcp_install.start_timeout", None, seconds=f"{self.start_timeout:g}")
                except Exception as error:                    # the handshake failed, or the connection broke
                    outcome = _why(error)
                finally:
                    server.ready.clear()
                    server.client, server.start_scope = None, None
                    on_its_own = server.stopping.is_set() or await stdio.exited(process, 0.5 if outcome else 0)
                    code = await stdio.end(process, self.grace)
                    with anyio.move_on_after(1):
                        await pumped.wait()
                    server.log.flush()
                    tasks.cancel_scope.cancel()
        finally:
            server.pid, server.process = None, None
            where.pid_file.unlink(missing_ok=True)
        server.log.line(f"== ended, exit code {code}")
        if server.stopping.is_set():
            return None
        if outcome is not None and not on_its_own:          # it runs, but timed out or spoke no MCP
            return outcome
        if not was_ready:
            return InstallError("mcp_install.start_exited", None, exit_code=_code(code))
        return InstallError("mcp_install.exited", None, exit_code=_code(code))

    def _ready(self, server: _Server, client: Client, seconds: float) -> None:
        server.client, server.status, server.error = client, "running", None
        server.started_at = utcnow()
        server.start_seconds = round(seconds, 3)
        server.ready.set()
        if not server.first.done():
            server.first.set_result(None)
        log.info("MCP server %s is running (pid %s, ready in %.2f s)", server.name, server.pid, seconds)

    def _handler(self, entry_id: str) -> Callable[[Any], Any]:
        """The session's ``message_handler``: a server's notifications to ``on_notification``."""

        async def handle(message: Any) -> None:
            if not isinstance(message, Exception) and not hasattr(message, "respond"):
                for callback in self.on_notification:
                    try:
                        callback(entry_id, message)
                    except Exception:
                        log.exception("an MCP notification callback failed")
            await anyio.lowlevel.checkpoint()

        return handle

    def _event(self, actor: str | None, action: str, entry_id: str, detail: object) -> None:
        with self.installs.store.transaction() as cur:
            self.installs.record(cur, actor, action, entry_id, detail)

    def _kill_all(self) -> None:
        """At interpreter exit without ``close``: SIGKILL every group still running."""
        for server in self._servers.values():
            if server.pid is not None:
                stdio.signal_group(server.pid, signal.SIGKILL)


def _exited(server: _Server) -> bool:
    """Whether the server's process has ended, though the supervisor may not have seen it yet: its exit code is in,
    its stderr closed, or the kernel says so (``waitid`` with ``WNOWAIT``: a zombie is seen, and left for the loop's
    child watcher to reap; or ``/proc``: a killed process whose other threads are still going is a zombie there
    before ``waitid`` reports it)."""
    if server.process is None or server.pid is None:
        return False
    if server.process.returncode is not None or (server.stderr_closed and server.stderr_closed.is_set()):
        return True
    try:
        if os.waitid(os.P_PID, server.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
    except ChildProcessError:                   # reaped already
        return True
    return _zombie(server.pid)


def _zombie(pid: int) -> bool:
    """Whether ``/proc`` shows ``pid`` dead or dying (False where there is no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except FileNotFoundError:
        return os.path.isdir("/proc/self")      # gone, if there is a /proc at all
    except (OSError, IndexError):
        return False


async def _pump(stream: ByteReceiveStream | None, into: CappedLog, done: anyio.Event) -> None:
    try:
        if stream is not None:
            with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                async for chunk in stream:
                    into.feed(chunk)
    finally:
        done.set()


def _why(error: BaseException) -> InstallError:
    """A failed handshake or a broken connection, in words (the first error of a group)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, InstallError):
        return error
    return InstallError("mcp_install.start_failed", None, detail=f"{type(error).__name__}: {error}"[:300])


def _code(code: int | None) -> str:
    if code is None:
        return "?"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"{code} ({signal.Signals(-code).name})"
    return str(code)



@contextlib.asynccontextmanager
async def open_session(params: StdioServerParameters, *, start_timeout: float = START_TIMEOUT,
                       errlog: TextIO | None = None) -> AsyncIterator[Client]:
    """A client of a server launched for this use only, through the SDK's own stdio client, ended (its process
    group too) when the block ends. ``start_timeout`` bounds the launch and handshake; ``errlog`` (a file) takes
    its stderr, else ours does."""
    transport = stdio_client(params, errlog=errlog) if errlog is not None else stdio_client(params)
    with anyio.CancelScope() as scope:
        scope.deadline = anyio.current_time() + start_timeout
        async with Client(transport, client_info=CLIENT_INFO) as client:
            scope.deadline = math.inf
            yield client
            return
    raise InstallError("mcp_install.start_timeout", None, seconds=f"{start_timeout:g}")

