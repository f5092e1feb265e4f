"""``run(coro)``: asyncio.run in a thread of its own.

Playwright's sync API (the browser tests, a session fixture) keeps an event loop running in the
main thread, where ``asyncio.run`` then refuses to start; a worker thread has no loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
