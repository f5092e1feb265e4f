"""Calling the chat page's handlers: ``req`` (the request, with query parameters), ``drain`` (every step of a
streaming handler) and ``settings`` (the advanced panel's values)."""

from __future__ import annotations

from types import SimpleNamespace

from tests import aio

EMBEDDED = "qwen2.5-coder:0.5b"


def req(username: str | None, lang: str = "en", **query: str) -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": lang}, query_params=query)


def drain(stream) -> list[tuple]:
    """Every step a streaming handler yields (a gr.Error it raises comes out here)."""
    async def go():
        return [step async for step in stream]
    return aio.run(go())


def settings(model: str | None = EMBEDDED, *, thinking: bool = False, budget: int = 1024, system: str = "",
             temperature: float | None = 0, top_p: float | None = None, max_tokens: int | None = 16) -> list:
    return [model, thinking, budget, system, temperature, top_p, max_tokens]
