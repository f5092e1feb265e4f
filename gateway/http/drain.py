"""Graceful shutdown of the chat API: let in-flight answers finish, then end the rest ourselves.

``launch.py`` stops accepting connections, then ``finish(grace)`` waits for the tracked
requests (streams and non-stream chat completions) for up to ``grace`` seconds. Those still
running are cancelled with ``ending`` set, so they end as the server's doing: a stream gets an
error event (``server_shutdown``) and its ledger row status 503, never a silent cut recorded
as a client abort (499).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Drain:
    """The chat requests in flight, and whether a shutdown is ending them."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.ending = False          # set when the grace period ran out: a cancellation now means "server ended"

    def track(self) -> asyncio.Task:
        """Count the current request until ``untrack``; returns its task."""
        task = asyncio.current_task()
        self.tasks.add(task)
        return task

    def untrack(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)

    async def finish(self, grace: float, *, force: Callable[[], bool] = lambda: False, poll: float = 0.05,
                     settle: float = 5.0) -> int:
        """Wait up to ``grace`` seconds (or until ``force()``) for the tracked requests; end the rest.

        Returns how many were ended. Ended requests get up to ``settle`` seconds to write their
        error event and ledger row."""
        deadline = time.monotonic() + grace
        while self.tasks and time.monotonic() < deadline and not force():
            await asyncio.sleep(poll)
        left = list(self.tasks)
        if not left:
            return 0
        self.ending = True
        for task in left:
            task.cancel()
        deadline = time.monotonic() + settle
        while self.tasks and time.monotonic() < deadline:
            await asyncio.sleep(poll)
        return len(left)
