"""Budget forcing: deep thinking for any chat model, within a token budget.

Request extension (documented in README): ``"thinking": {"type": "enabled", "budget_tokens": N}``.
Phase 1 opens the assistant's answer inside ``<think>`` (assistant prefill) and streams it
as ``reasoning_content`` until the model closes the block or the budget runs out; phase 2
prefills the closed thought and lets the model answer. Both phases run on one deployment;
usage is their sum, with phase 1's completion tokens as ``reasoning_tokens``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from gateway.backends.base import Backend
from gateway.inference import prompts
from gateway.inference.reasoning import CLOSE
from gateway.usage import tokens as usage


class PrefixEcho:
    """Drops a prefill the server echoes back (llama.cpp does), passes text through otherwise."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.matched, self.done = prefix, 0, not prefix

    def feed(self, text: str) -> str:
        if self.done:
            return text
        for i, ch in enumerate(text):
            if ch != self.prefix[self.matched]:
                self.done = True
                return self.prefix[: self.matched] + text[i:]
            self.matched += 1
            if self.matched == len(self.prefix):
                self.done = True
                return text[i + 1:]
        return ""

    def flush(self) -> str:
        if self.done:
            return ""
        self.done = True
        return self.prefix[: self.matched]


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _delta_text(chunk: dict) -> str:
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    delta = choices[0].get("delta") or {}
    return (delta.get("content") or "") + (delta.get("reasoning_content") or delta.get("reasoning") or "")


def _chunk(template: dict, **delta) -> dict:
    return {"id": template.get("id", ""), "object": "chat.completion.chunk", "created": template.get("created", 0),
            "model": template.get("model", ""), "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}


class ForcedThinking:
    """A chat stream that thinks first (phase 1) and then answers (phase 2)."""

    def __init__(self, body: dict, budget: int) -> None:
        self.body = body
        self.budget = budget
        self.backend: Backend | None = None
        self.prepare: Callable[[dict], dict] = lambda b: b
        self._first = None
        self.thought = ""

    def _phase_body(self, prefill: str, *, thinking: bool) -> dict:
        body = copy.copy(self.body)
        messages = list(body["messages"])
        if thinking:
            if messages[0].get("role") == "system" and isinstance(messages[0].get("content"), str):
                messages[0] = {**messages[0], "content": f"{messages[0]['content']}\n\n{prompts.THINK_INSTRUCTION}"}
            else:
                messages.insert(0, {"role": "system", "content": prompts.THINK_INSTRUCTION})
            for key in ("tools", "tool_choice", "response_format", "stop"):
                body.pop(key, None)
            body["max_tokens"] = self.budget
            body.pop("max_completion_tokens", None)
            body["stop"] = [CLOSE]
        messages.append({"role": "assistant", "content": prefill})
        body["messages"] = messages
        body["stream"] = True              # ``prepare`` asks for stream usage where the upstream allows
        return body

    async def open(self, backend: Backend, prepare: Callable[[dict], dict]) -> ForcedThinking:
        """Open phase 1 (raises UpstreamFailure before anything reached the client, so it can be retried).

        ``prepare`` turns a phase body into what this deployment receives (model name, quirks).
        """
        self.backend, self.prepare = backend, prepare
        self._first = await backend.chat_stream(prepare(self._phase_body(prompts.THINK_OPEN, thinking=True)))
        return self

    async def __aiter__(self):
        usage1 = usage2 = None
        template: dict = {}
        echo = PrefixEcho(prompts.THINK_OPEN)
        stream = self._first
        try:
            async for chunk in stream:
                template = template or chunk
                if chunk.get("usage"):
                    usage1 = chunk["usage"]
                text = echo.feed(_delta_text(chunk))
                if CLOSE in self.thought + text:
                    text = (self.thought + text).split(CLOSE, 1)[0][len(self.thought):]
                if text:
                    self.thought += text
                    yield _chunk(chunk, role="assistant", reasoning_content=text, content=None)
        finally:
            await stream.aclose()
        thought = self.thought.strip()
        prefill = prompts.THINK_CLOSED.format(thought=thought)
        finish_chunk, answered, usage2 = None, False, None
        for attempt in range(2):       # a second answer pass only if the first said nothing at all
            if attempt:
                prefill += prompts.ANSWER_LEAD["zh" if _cjk(thought) else "en"]
            stream = await self.backend.chat_stream(self.prepare(self._phase_body(prefill, thinking=False)))
            echo = PrefixEcho(prefill)
            reported = None                    # this pass's usage: the last report wins (never summed)
            try:
                async for chunk in stream:
                    if chunk.get("usage"):
                        reported = usage.normalise(chunk["usage"])
                    choices = chunk.get("choices") or []
                    if not choices:
                        continue
                    delta = dict(choices[0].get("delta") or {})
                    text = echo.feed(delta.get("content") or "")
                    delta["content"] = text
                    delta.pop("reasoning_content", None)
                    delta.pop("reasoning", None)
                    finish = choices[0].get("finish_reason")
                    if not text and not finish and not delta.get("tool_calls"):
                        continue
                    out = _chunk(chunk, **delta)
                    out["choices"][0]["finish_reason"] = finish
                    answered = answered or bool(text.strip()) or bool(delta.get("tool_calls"))
                    if finish and not answered:
                        finish_chunk = out             # held back: the answer pass may run again
                        continue
                    yield out
            finally:
                await stream.aclose()
            if reported is not None:
                usage2 = usage.add(usage2, reported) if usage2 is not None else reported
            if answered:
                break
        if not answered and finish_chunk is not None:
            yield finish_chunk
        u1, u2 = usage.normalise(usage1), usage2
        if u1 and u2:
            total = usage.add(u1, u2)
            total["completion_tokens_details"] = {"reasoning_tokens": u1["completion_tokens"]}
            yield {**_chunk(template), "choices": [], "usage": total}

    async def aclose(self) -> None:
        if self._first is not None:
            await self._first.aclose()
