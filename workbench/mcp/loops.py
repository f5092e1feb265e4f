"""The one event loop where the hub's client sessions and the supervisor's servers live, and how other loops and
threads reach it.

    home = HomeLoop()                             # bound to the first loop that uses it
    answer = await home.call(work, entry_id)      # from any loop: run in the home loop, awaited here
    answer = home.run(hub.call_tool(...))         # from a thread with no running loop (a sync Gradio handler)

An MCP client session (``mcp.Client``) and a supervised server are anyio task groups: they belong to the loop that
opened them, and a request sent to one from another loop corrupts or hangs it. So whatever touches them runs in the
home loop: ``call`` awaits the work directly when the caller is there, else hands it over
(``asyncio.run_coroutine_threadsafe``) and awaits the answer; cancelling the caller cancels the work.

The home is the first loop that calls: in the workbench the app's loop, where the lifespan and the async Gradio
handlers run. When that loop has stopped (a test's ``asyncio.run`` ended), the next caller's loop becomes the home,
and what lived in the old one is gone: its owners see that ``asyncio.get_running_loop()`` is no longer the loop they
were built in and start afresh (``SessionPool``, ``Supervisor``). ``run`` is for threads without a loop: it runs the
coroutine in the home loop when there is one, else in a loop of its own (a daemon thread), which becomes the home.
Never call ``run`` from a coroutine (it would block its loop): ``await`` instead.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


class HomeLoop:
    """The loop the hub's sessions and servers live in (see the module doc)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._own: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"HomeLoop({'bound' if _alive(self._loop) else 'unbound'})"

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The home loop while it runs, else None."""
        loop = self._loop
        return loop if _alive(loop) else None

    def bind(self) -> asyncio.AbstractEventLoop:
        """The home loop; the running loop becomes it when there is no live one. Call from a coroutine."""
        current = asyncio.get_running_loop()
        with self._lock:
            if not _alive(self._loop):
                self._loop = current
            return self._loop  # type: ignore[return-value]

    def here(self) -> bool:
        """Whether the caller runs in the home loop (binding it when there is none)."""
        return self.bind() is asyncio.get_running_loop()

    async def call(self, work: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """``await work(*args, **kwargs)`` in the home loop, from any loop."""
        home = self.bind()
        if home is asyncio.get_running_loop():
            return await work(*args, **kwargs)
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_awaited(work(*args, **kwargs)), home))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """The coroutine's result, run in the home loop, for a thread that has no running loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coroutine.close()
            raise RuntimeError("HomeLoop.run would block the running loop: await the coroutine instead")
        with self._lock:
            if not _alive(self._loop):
                self._loop = self._start_own()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def close(self) -> None:
        """Stop the loop of its own, if ``run`` started one (what lived in it is dropped)."""
        with self._lock:
            loop, thread, self._own = self._loop, self._own, None
            if thread is None or loop is None:
                return
            self._loop = None
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        if not loop.is_running():
            loop.close()

    def _start_own(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        started = threading.Event()
        loop.call_soon(started.set)
        self._own = threading.Thread(target=loop.run_forever, name="mcp-home-loop", daemon=True)
        self._own.start()
        started.wait(10)
        return loop


def _alive(loop: asyncio.AbstractEventLoop | None) -> bool:
    return loop is not None and not loop.is_closed() and loop.is_running()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable
