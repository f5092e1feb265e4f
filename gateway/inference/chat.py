"""Chat completions: validate, route with failover, normalise reasoning and usage, meter.

Non-stream requests return one OpenAI ``chat.completion``. Streams are opened (and failed
over) before the first byte goes to the client, then relayed chunk by chunk with
reasoning normalised; upstream usage is always asked for and passed on only when the
client asked. Every request leaves exactly one ledger row, aborted ones included:
status 499, ``client_aborted``, tokens estimated from what was generated so far.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import orjson

from gateway.accounts.keys import Principal
from gateway.backends.base import UpstreamFailure
from gateway.errors import ServerShutdown
from gateway.http.drain import Drain
from gateway.inference import shapes, toolcalls
from gateway.inference.messages import merge_system
from gateway.inference.reasoning import ThinkSplitter, normalise_message, strip_history
from gateway.inference.thinking import ForcedThinking
from gateway.inference.validation import validate_chat
from gateway.routing.catalogue import Model
from gateway.routing.resolve import failure_to_error, require_capabilities, resolve_model
from gateway.routing.router import Router, Target
from gateway.usage.ledger import Ledger
from gateway.usage.metering import Call, requested_model

DONE = b"data: [DONE]\n\n"


class ChatService:
    def __init__(self, router: Router, ledger: Ledger) -> None:
        self.router = router
        self.ledger = ledger
        self.drain = Drain()         # in-flight chat requests, for a graceful shutdown (launch.py)

    # -- request shaping -------------------------------------------------------------------
    @staticmethod
    def _base(body: dict, model: Model) -> dict:
        base = dict(body)
        base["messages"] = strip_history(body["messages"])
        if model.quirks.merge_system_into_user:
            base["messages"] = merge_system(base["messages"])
        base.pop("thinking", None)
        if "max_completion_tokens" in base and "max_tokens" not in base:
            base["max_tokens"] = base.pop("max_completion_tokens")
        return base

    @staticmethod
    def _for(base: dict, model: Model, target: Target) -> dict:
        out = dict(base)
        out["model"] = target.deployment.model
        if model.quirks.merge_system_into_user:
            out["messages"] = merge_system(out["messages"])
        if out.get("stream"):
            if model.quirks.no_stream_options:
                out.pop("stream_options", None)
            else:
                out["stream_options"] = {"include_usage": True}
        return out

    @staticmethod
    def _budget(body: dict, model: Model) -> int | None:
        thinking = body.get("thinking")
        if not thinking or thinking.get("type") != "enabled" or model.capabilities.reasoning:
            return None
        return int(thinking.get("budget_tokens", model.capabilities.thinking_budget))

    # -- non-stream ------------------------------------------------------------------------
    async def complete(self, principal: Principal, body: dict, request_id: str) -> dict:
        call = Call(request_id, principal, requested_model(body), False)
        with call.recorded(self.ledger):
            try:
                validate_chat(body)
                model = resolve_model(self.router.catalogue, principal, body["model"], "chat")
                require_capabilities(self.router.catalogue, principal, model, body)
                budget = self._budget(body, model)
                if budget is not None:
                    return await self._collect(call, model, body, budget)
                base = self._base(body, model)
                try:
                    _, result = await self.router.run(
                        model.id, lambda t: t.backend.chat(self._for(base, model, t)), call.at)
                except UpstreamFailure as failure:
                    raise failure_to_error(failure, model.id) from None
                call.ttft = time.perf_counter()
                return self._finish(call, model, body, result)
            except asyncio.CancelledError:
                call.settle_usage(None, body.get("messages") or [], [])     # the prompt was spent
                if self.drain.ending:                                         # the server ended it, not the client
                    raise ServerShutdown() from None
                raise

    def _finish(self, call: Call, model: Model, body: dict, result: dict) -> dict:
        """The upstream's answer as OpenAI's ``chat.completion`` (gateway.shapes), usage settled."""
        answer, thought, choices = [], [], []
        for position, choice in enumerate(result.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
            normalise_message(message, model.quirks.reasoning_starts_open)
            if model.quirks.tool_calls_in_content and not message.get("tool_calls"):
                calls = toolcalls.recover(message.get("content"), body.get("tools"))
                if calls:
                    message["tool_calls"], message["content"] = calls, None
                    choice["finish_reason"] = "tool_calls"
            shaped = shapes.message(message)
            answer.append(shaped["content"] or "")
            thought.append(shaped.get("reasoning_content") or "")
            choices.append(shapes.choice(choice, shaped, position))
        u = call.settle_usage(result.get("usage"), body["messages"], answer, thought)
        return shapes.completion(result, model.id, choices, u, f"chatcmpl-{call.request_id}", int(time.time()))

    async def _collect(self, call: Call, model: Model, body: dict, budget: int) -> dict:
        """Non-stream answer with forced thinking: run the stream and assemble one message."""
        stream_body = {**body, "stream": True}
        target, upstream = await self._open(call, model, stream_body, budget)
        reasoning, content, finish, last_usage, first = [], [], "stop", None, None
        try:
            async for chunk in upstream:
                first = first or chunk
                if chunk.get("usage"):
                    last_usage = chunk["usage"]
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    reasoning.append(delta.get("reasoning_content") or "")
                    content.append(delta.get("content") or "")
                    finish = choice.get("finish_reason") or finish
        except UpstreamFailure as failure:
            self.router.failed(target, failure)
            raise failure_to_error(failure, model.id) from None
        finally:
            await upstream.aclose()
            target.in_flight -= 1
        call.ttft = time.perf_counter()
        message = {"role": "assistant", "content": "".join(content), "reasoning_content": "".join(reasoning) or None}
        result = {"id": (first or {}).get("id") or f"chatcmpl-{call.request_id}", "object": "chat.completion",
                  "created": int(time.time()), "model": model.id,
                  "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": last_usage}
        return self._finish(call, model, body, result)

    # -- stream ----------------------------------------------------------------------------
    async def open_stream(self, principal: Principal, body: dict, request_id: str) -> AsyncIterator[bytes]:
        """Validate, route and open the upstream stream; errors here are plain HTTP errors."""
        call = Call(request_id, principal, requested_model(body), True)
        try:
            validate_chat(body)
            model = resolve_model(self.router.catalogue, principal, body["model"], "chat")
            require_capabilities(self.router.catalogue, principal, model, body)
            target, upstream = await self._open(call, model, body, self._budget(body, model))
        except BaseException as exc:
            ended = isinstance(exc, asyncio.CancelledError) and self.drain.ending
            with call.recorded(self.ledger):     # records the failed open (error, client gone or server ending)
                if ended:
                    raise ServerShutdown() from None
                raise
        include = bool((body.get("stream_options") or {}).get("include_usage"))
        return self._relay(call, model, body, target, upstream, include)

    async def _open(self, call: Call, model: Model, body: dict, budget: int | None):
        """Open an upstream stream on the first deployment whose first chunk arrives; it stays counted in flight.

        Nothing goes to the client before that first chunk, so a deployment that sends headers and then
        nothing (a stuck vLLM or SGLang engine), or fails before its first token, is retried on the next
        one like a non-stream request; ``first_byte_s`` bounds the wait for the first chunk."""
        base = self._base(body, model)

        async def open_one(target: Target):
            if budget is None:
                stream = await target.backend.chat_stream(self._for(base, model, target))
            else:
                forced = ForcedThinking(base, budget)
                stream = await forced.open(target.backend, lambda b: self._for(b, model, target))
            return await Primed.first(stream)

        try:
            return await self.router.run(model.id, open_one, call.at, hold=True)
        except UpstreamFailure as failure:
            raise failure_to_error(failure, model.id) from None

    async def _relay(self, call: Call, model: Model, body: dict, target: Target, upstream,
                     include_usage: bool) -> AsyncIterator[bytes]:
        splitters: dict[int, ThinkSplitter] = {}
        starts_open = model.quirks.reasoning_starts_open
        answer: list[str] = []
        thought: list[str] = []
        last_usage = None
        fallback_id, created = f"chatcmpl-{call.request_id}", int(time.time())
        head: dict = {"id": fallback_id, "created": created}      # id and time every chunk of this answer carries
        shaped = False
        held = {"text": [], "finish": None} if model.quirks.tool_calls_in_content and body.get("tools") else None
        try:
            async for chunk in upstream:
                if chunk.get("usage"):
                    last_usage = chunk.pop("usage")        # the last report wins; never summed
                choices = chunk.get("choices")
                if not choices:
                    continue
                if not _normalise_choices(choices, splitters, answer, thought, starts_open):
                    continue
                if held is not None and _hold_content(choices, held):
                    continue
                out = shapes.chunk(chunk, model.id, head["id"], created)
                if not shaped:
                    head, shaped = out, True
                if call.ttft is None:
                    call.ttft = time.perf_counter()
                yield b"data: " + orjson.dumps(out) + b"\n\n"
            for index, splitter in splitters.items():
                r, c = splitter.flush()
                if r or c:
                    thought.append(r)
                    answer.append(c)
                    delta = {"reasoning_content": r} if r else {"content": c}
                    yield b"data: " + orjson.dumps(_chunk(head, model.id, index, delta)) + b"\n\n"
            if held is not None:
                for data in _release_held(head, model.id, held, body.get("tools")):
                    yield data
            u = call.settle_usage(last_usage, body["messages"], answer, thought)
            if include_usage:
                final = {**_chunk(head, model.id, 0, {}), "choices": [], "usage": shapes.usage(u)}
                yield b"data: " + orjson.dumps(final) + b"\n\n"
            yield DONE
        except UpstreamFailure as failure:
            self.router.failed(target, failure)
            error = failure_to_error(failure, model.id)
            call.status, call.error_code = error.status, error.code
            call.settle_usage(None, body["messages"], answer, thought)
            yield b"data: " + orjson.dumps(error.envelope()) + b"\n\n"
        except (asyncio.CancelledError, GeneratorExit):
            if self.drain.ending:                  # the shutdown's grace period ran out: the server ended it
                call.status, call.error_code = ServerShutdown.status, ServerShutdown.code
            else:
                call.status, call.aborted = 499, True
            call.settle_usage(None, body["messages"], answer, thought)
            raise
        finally:
            target.in_flight -= 1
            try:
                await upstream.aclose()          # closing the connection cancels the upstream generation
            finally:
                self.ledger.record(call.row())


class Primed:
    """An upstream stream whose first chunk has arrived; iterating gives that chunk, then the rest."""

    __slots__ = ("_stream", "_chunks", "_first")

    def __init__(self, stream, chunks, first: dict | None) -> None:
        self._stream, self._chunks, self._first = stream, chunks, first

    @classmethod
    async def first(cls, stream) -> Primed:
        """Wait for ``stream``'s first chunk. A failure before it reached no client: the router may retry
        it elsewhere, unless the model server refused the request itself (a 4xx, as for non-stream)."""
        chunks = stream.__aiter__()
        try:
            first = await chunks.__anext__()
        except StopAsyncIteration:
            first = None
        except UpstreamFailure as failure:
            await cls(stream, chunks, None).aclose()
            rejected = failure.status is not None and 400 <= failure.status < 500 and failure.status not in (408, 429)
            failure.retryable = not rejected
            raise
        except BaseException:
            await cls(stream, chunks, None).aclose()
            raise
        return cls(stream, chunks, first)

    async def __aiter__(self):
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        async for chunk in self._chunks:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._chunks.aclose()
        finally:
            await self._stream.aclose()


def _hold_content(choices: list, held: dict) -> bool:
    """Keep back the answer of a model that may write its tool call as text; True if nothing is left."""
    choice = choices[0]
    delta = choice.get("delta") or {}
    if delta.get("content"):
        held["text"].append(delta["content"])
        delta["content"] = None
    if choice.get("finish_reason"):
        held["finish"] = choice["finish_reason"]
        choice["finish_reason"] = None
    return not (delta.get("reasoning_content") or delta.get("tool_calls") or delta.get("role"))


def _release_held(template: dict, model_id: str, held: dict, tools: list | None):
    """The held answer as one content chunk, or as a recovered tool call, then its finish chunk."""
    text = "".join(held["text"])
    calls = toolcalls.recover(text, tools)
    if calls:
        delta, finish = {"tool_calls": [{"index": i, **c} for i, c in enumerate(calls)]}, "tool_calls"
    else:
        delta, finish = {"content": text}, held["finish"] or "stop"
    last = _chunk(template, model_id, 0, {})
    last["choices"][0]["finish_reason"] = finish
    if text:
        yield b"data: " + orjson.dumps(_chunk(template, model_id, 0, delta)) + b"\n\n"
    yield b"data: " + orjson.dumps(last) + b"\n\n"


def _chunk(head: dict, model_id: str, index: int, delta: dict) -> dict:
    """A chunk of our own (flushed thinking, a held answer, the usage chunk) with the answer's id and time."""
    return {"id": head["id"], "object": "chat.completion.chunk", "created": head["created"], "model": model_id,
            "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": None}]}


def _normalise_choices(choices: list, splitters: dict[int, ThinkSplitter], answer: list[str], thought: list[str],
                       starts_open: bool) -> bool:
    """Rewrite deltas in place to the reasoning_content convention; False when nothing is left to send."""
    keep = False
    for choice in choices:
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            continue
        if "reasoning" in delta:
            r = delta.pop("reasoning")
            if r and not delta.get("reasoning_content"):
                delta["reasoning_content"] = r
        content = delta.get("content")
        index = choice.get("index", 0)
        splitter = splitters.get(index)
        if content and (splitter is not None or starts_open or "<" in content):
            if splitter is None:
                splitter = splitters[index] = ThinkSplitter(starts_open)
            r, c = splitter.feed(content)
            if r:
                delta["reasoning_content"] = (delta.get("reasoning_content") or "") + r
            delta["content"] = c if c else None
            content = c
        reasoning = delta.get("reasoning_content")
        if content:
            answer.append(content)
        if reasoning:
            thought.append(reasoning)
        if content or reasoning or delta.get("tool_calls") or delta.get("role") or choice.get("finish_reason"):
            keep = True
    return keep
