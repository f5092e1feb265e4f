"""Each user's ``openai.AsyncOpenAI`` client to the gateway, kept and reused.

    clients = UserClients("http://127.0.0.1:7860/v1", key_for=gateway_key_of_user)
    reply = await clients("alice").chat.completions.create(...)

Building a client costs ~43 ms of CPU (bench/README.md "Chat"), so one is kept per (event loop, key): its
connection pool belongs to the loop it was made on, and keys rotate per process start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import openai

MAX_KEPT = 1000


class UserClients:
    """user id -> that user's client (their key, so every call is metered as theirs)."""

    def __init__(self, base_url: str, key_for: Callable[[str], str], *, timeout: float = 600) -> None:
        self.base_url, self.key_for, self.timeout = base_url, key_for, timeout
        self._kept: dict[tuple[asyncio.AbstractEventLoop, str], openai.AsyncOpenAI] = {}

    def __call__(self, user_id: str) -> openai.AsyncOpenAI:
        key = self.key_for(user_id)
        slot = (asyncio.get_running_loop(), key)       # the loop itself: an id could be reused
        client = self._kept.get(slot)
        if client is None:
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            client = self._kept[slot] = openai.AsyncOpenAI(base_url=self.base_url, api_key=key, max_retries=0,
                                                           timeout=self.timeout)
        return client
