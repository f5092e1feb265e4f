"""Long-lived MCP client sessions, one per key, shared by concurrent requests, closed after some time unused.

    pool = SessionPool(idle=300)
    async with pool.session((entry_id, digest), opener, open_timeout=60) as held:   # held.client: an open mcp.Client
        await held.client.call_tool("add", {"a": 1, "b": 2})
    pool.drop(held)              # it broke: the next request opens a new one
    pool.discard(entry_id)       # every session of an entry (its headers changed, it was removed or disabled)
    await pool.close()           # every session (at shutdown)

``opener(held)`` is an async context manager yielding the ``Client`` (and may keep what it needs in ``held.info``).
Each session is held open by a task of its own (a ``Client`` is an anyio task group: it must be entered and left by
the same task), which waits up to ``open_timeout`` seconds for the session to open, then until it has been unused for
``idle`` seconds or is dropped; a session in use when dropped is closed once its requests are done (at most
``drain`` seconds later). Requests that arrive while a session opens wait for it; a session that fails to open
raises its error to each of them and is not kept. ``held.reused`` says whether a request got a session that had
served before (a failure on one may mean it went stale, not that the server is down).

The pool lives in one event loop (``loops.HomeLoop``): called from another loop than the one its sessions were
opened in (that loop has ended), it forgets them and starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import anyio

IDLE = 300.0
DRAIN = 60.0

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Held:
    """One session: its ``client`` once open, the ``error`` it failed with, how often it was handed out (``uses``)."""

    key: Hashable
    client: Any = None
    error: BaseException | None = None
    info: dict[str, Any] = field(default_factory=dict)
    users: int = 0
    uses: int = 0
    reused: bool = False
    opened_at: float = 0.0
    last_used: float = field(default_factory=time.monotonic)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    wake: asyncio.Event = field(default_factory=asyncio.Event)     # its last user left, or it is to close
    task: asyncio.Task[None] | None = None


Opener = Callable[[Held], AbstractAsyncContextManager[Any]]


class SessionPool:
    """Sessions by key, each kept open by its own task (see the module doc)."""

    def __init__(self, idle: float = IDLE, *, drain: float = DRAIN) -> None:
        self.idle, self.drain = idle, drain
        self.opened = 0                         # sessions opened so far (for tests and the benchmark)
        self._held: dict[Hashable, Held] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def _here(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._held, self._loop = {}, loop
        return loop

    @contextlib.asynccontextmanager
    async def session(self, key: Hashable, opener: Opener, *, open_timeout: float) -> AsyncIterator[Held]:
        """The open session of ``key`` (opened by ``opener`` when there is none), in use until the block ends."""
        held = await self._acquire(key, opener, open_timeout)
        try:
            yield held
        finally:
            held.users -= 1
            held.last_used = time.monotonic()
            if not held.users:
                held.wake.set()

    async def _acquire(self, key: Hashable, opener: Opener, open_timeout: float) -> Held:
        loop = self._here()
        held = self._held.get(key)
        if held is None or held.closing.is_set():
            held = self._held[key] = Held(key)
            held.task = loop.create_task(self._keep(held, opener, open_timeout), name=f"mcp-session-{key!r:.60}")
        await held.ready.wait()
        if held.error is not None:
            raise held.error
        if held.closing.is_set():                  # closed between opening and now: open another
            return await self._acquire(key, opener, open_timeout)
        held.reused = held.uses > 0
        held.uses += 1
        held.users += 1
        return held

    def sessions(self, prefix: Hashable | None = None) -> list[Held]:
        """The open sessions (of keys that are tuples starting with ``prefix``, when given)."""
        return [held for key, held in self._held.items()
                if held.client is not None and not held.closing.is_set()
                and (prefix is None or (isinstance(key, tuple) and key[:1] == (prefix,)))]

    def drop(self, held: Held) -> None:
        """Close ``held`` once its requests are done; the next request for its key opens a new session."""
        self._call(self._drop, held)

    def discard(self, prefix: Hashable) -> None:
        """Close every session whose key is a tuple starting with ``prefix`` (an entry id)."""
        self._call(self._discard, prefix)

    async def close(self) -> None:
        """Close every session and wait for them to end."""
        if self._loop is not asyncio.get_running_loop():
            self._here()
            return
        helds = list(self._held.values())
        for held in helds:
            self._drop(held)
        tasks = [held.task for held in helds if held.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _call(self, fn: Callable[[Any], None], arg: Any) -> None:
        """``fn(arg)`` in the pool's loop (the caller may be another thread); nothing when that loop has ended."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn(arg)
        elif loop.is_running():
            loop.call_soon_threadsafe(fn, arg)

    def _drop(self, held: Held) -> None:
        held.closing.set()
        held.wake.set()
        if self._held.get(held.key) is held:
            del self._held[held.key]

    def _discard(self, prefix: Hashable) -> None:
        for key, held in list(self._held.items()):
            if isinstance(key, tuple) and key[:1] == (prefix,):
                self._drop(held)

    async def _keep(self, held: Held, opener: Opener, open_timeout: float) -> None:
        try:
            with anyio.CancelScope() as scope:
                scope.deadline = anyio.current_time() + open_timeout
                async with opener(held) as client:
                    scope.deadline = math.inf
                    held.client, held.opened_at = client, time.monotonic()
                    held.last_used = held.opened_at
                    self.opened += 1
                    held.ready.set()
                    await asyncio.sleep(0)               # the requests that waited for it take it first
                    await self._serve(held)
            if not held.ready.is_set() and scope.cancelled_caught:
                held.error = TimeoutError(f"the session did not open within {open_timeout:g} s")
        except Exception as error:                       # a failed open is raised to its waiters; a later break logged
            if held.ready.is_set():
                log.debug("MCP session %r ended: %s: %s", held.key, type(error).__name__, str(error)[:200])
            else:
                held.error = error
        finally:
            self._drop(held)
            if not held.ready.is_set() and held.error is None:
                held.error = ConnectionError("the session closed before it opened")
            held.ready.set()

    async def _serve(self, held: Held) -> None:
        """Until unused for ``idle`` seconds or dropped; then until its requests are done (at most ``drain``)."""
        while not held.closing.is_set():
            held.wake.clear()
            if held.users:
                await held.wake.wait()
                continue
            unused = self.idle - (time.monotonic() - held.last_used)
            if unused <= 0:
                self._drop(held)
                break
            with anyio.move_on_after(unused):
                await held.wake.wait()
        with anyio.move_on_after(self.drain):
            while held.users:
                held.wake.clear()
                await held.wake.wait()
