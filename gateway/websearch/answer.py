"""The AI search's chat request and its stream: numbered sources in the prompt, ``sources`` in the reply.

The sources share a quarter of the model's context window (at least 512 and at most 8000 tokens:
prompt processing is the slow part on small local models); a short source leaves its share to the
others, a long one is cut at a sentence end.

Streams: the FIRST chunk carries the top-level ``sources`` list (with the usual first delta,
``{"role": "assistant", "content": ""}``), so a client can show "found N web pages" before the
answer arrives; then the model's chunks follow unchanged.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson

from gateway.usage import tokens as usage
from gateway.websearch import prompts
from gateway.websearch.engine import Source
from gateway.websearch.extract import cap

MIN_SOURCE_TOKENS, MAX_SOURCE_TOKENS = 512, 8000
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def language_of(text: str) -> str:
    """"zh" when the text has Chinese characters, else "en" (the template; the answer follows the question)."""
    return "zh" if _CHINESE.search(text) else "en"


def share(budget: int, sizes: list[int]) -> list[int]:
    """Split ``budget`` over items of ``sizes``: equal shares, what a small item does not need goes to the rest."""
    out = [0] * len(sizes)
    left, todo = budget, sorted(range(len(sizes)), key=lambda i: sizes[i])
    while todo:
        fair = left // len(todo)
        i = todo.pop(0)
        out[i] = min(sizes[i], fair)
        left -= out[i]
    return out


def trim(text: str, tokens: int) -> str:
    """``text`` cut to about ``tokens`` tokens (the gateway's estimate)."""
    have = usage.estimate_tokens(text)
    if have <= tokens:
        return text
    return cap(text, max(1, len(text) * tokens // have))


def messages(query: str, sources: list[Source], context_length: int, today: str | None = None) -> list[dict]:
    """The system prompt with the numbered sources, then the question."""
    lang = language_of(query)
    budget = min(MAX_SOURCE_TOKENS, max(MIN_SOURCE_TOKENS, context_length // 4))
    texts = [s.content or s.snippet or "" for s in sources]
    allowances = share(budget, [usage.estimate_tokens(t) for t in texts])
    blocks = [prompts.SOURCE.format(index=s.index, title=s.title, url=s.url, text=trim(t, n))
              for s, t, n in zip(sources, texts, allowances, strict=True)]
    system = prompts.SYSTEM[lang].format(today=today or datetime.now(UTC).date().isoformat(),
                                         sources=prompts.SOURCE_SEPARATOR.join(blocks) or prompts.NO_RESULTS[lang])
    return [{"role": "system", "content": system}, {"role": "user", "content": query}]


class WithSources:
    """The chat stream's SSE bytes, led by a chunk that carries ``sources`` (same id as the answer's chunks)."""

    def __init__(self, chunks: AsyncIterator[bytes], sources: list[dict], model_id: str, request_id: str) -> None:
        self._chunks = chunks
        self._sources = sources
        self._model_id, self._request_id = model_id, request_id
        self._pending: deque[bytes] = deque()
        self._led = False

    def __aiter__(self) -> WithSources:
        return self

    async def __anext__(self) -> bytes:
        if self._pending:
            return self._pending.popleft()
        if self._led:
            return await self._chunks.__anext__()
        self._led = True
        try:
            first = await self._chunks.__anext__()
        except StopAsyncIteration:
            first = None
        if first is not None:
            self._pending.append(first)
        return self._lead(first)

    def _lead(self, first: bytes | None) -> bytes:
        template: dict = {}
        if first and first.startswith(b"data: {"):
            try:
                template = orjson.loads(first[6:])
            except orjson.JSONDecodeError:
                template = {}
        chunk = {"id": template.get("id") or f"chatcmpl-{self._request_id}", "object": "chat.completion.chunk",
                 "created": template.get("created") or int(datetime.now(UTC).timestamp()), "model": self._model_id,
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
                 "sources": self._sources}
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    async def aclose(self) -> None:
        await self._chunks.aclose()
