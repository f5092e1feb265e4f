"""The chat engine: a conversation plus a new question in, typed stream events out, the exchange saved.

    engine = ChatEngine(conversations, base_url="http://127.0.0.1:7860/v1", api_key=workbench_key)
    async with contextlib.aclosing(engine.send(user_id, conv_id, "你好", context_length=8192)) as events:
        async for event in events:          # ReasoningDelta | ContentDelta | ToolLimit | Done | Error
            ...

It reaches models only through an OpenAI-compatible gateway with the user's own key (``openai``
AsyncOpenAI), so every token is metered. The request keeps the system prompt, never sends earlier
reasoning back, puts the caller's context blocks (document text, numbered web sources) in front of
the question, and is trimmed to the model's context window (oldest turns first) with a conservative
token estimate; an upstream context-length error is answered by trimming harder and retrying once.
The question is saved when sent; the answer (with its reasoning) when it ends, or what arrived
of it when the caller stops (closes or cancels the iterator: ``stopped``) or the stream fails.

Tools (``tools=``, a ``Toolbox``: the MCP tools of ``workbench.answering.tools``): their functions go with the request;
when the model answers with tool calls, the toolbox runs them (what it yields besides its ``ToolReply``s is passed on
to the caller as it is), their results go back as ``tool`` messages and the model is asked again, at most
``Toolbox.max_rounds`` rounds. When a round asks again only for calls already answered (a small model going round in
circles), or the rounds are used up (``ToolLimit``), the model is asked for its answer without tools. The calls'
steps are saved with the answer, also when it is stopped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai

from workbench import prompts
from workbench.conversations import Conversation, ConversationError, Conversations, Message, NotFound, Settings
from workbench.messages import MESSAGES

log = logging.getLogger("maas.workbench.chat")

DEFAULT_CONTEXT = 8192          # when the gateway does not say
DEFAULT_ANSWER_ROOM = 1024      # kept free for the answer when the conversation sets no max_tokens
DEFAULT_THINKING_BUDGET = 1024  # the gateway's default budget_tokens
MESSAGE_OVERHEAD = 6            # role markers and separators of a chat template, per message
REQUEST_OVERHEAD = 8            # the template's start and the assistant's opening
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002fa1f]")
_CONTEXT_ERROR = re.compile(
    r"context[ _-]?(length|window|size)|maximum context|exceed_context|too many tokens|prompt is too long|"
    r"input is too long|maximum (input|prompt) length|reduce the length|上下文", re.I)
_STATED_WINDOW = re.compile(r"(?:context|window)\D{0,40}?(\d{3,7})\s*tokens", re.I)


# -- events ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class ContentDelta:
    text: str


@dataclass(frozen=True)
class Done:
    usage: dict[str, Any] | None
    reasoning_seconds: float | None
    finish_reason: str | None
    message_id: str = ""        # the saved answer
    trimmed: int = 0            # older messages left out to fit the context window


@dataclass(frozen=True)
class Error:
    """A readable failure (never a traceback or an upstream's internals): its ``code`` (saved with the answer), said
    from the catalogue's ``chat.<code>`` (``workbench/messages/chat.py``)."""

    code: str = "failed"

    def text(self, locale: str | None) -> str:
        return MESSAGES.render(f"chat.{self.code}", locale, {})

    @property
    def message(self) -> str:
        """In English (for logs and English callers)."""
        return self.text("en")


@dataclass(frozen=True)
class ToolLimit:
    """The answer used its most ``rounds`` of tool calls: the model is asked for its answer without tools."""

    rounds: int


Event = ReasoningDelta | ContentDelta | ToolLimit | Done | Error


# -- tools ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for: its ``id``, the function's ``name`` and its ``arguments`` as the model wrote
    them (JSON text, not checked)."""

    id: str
    name: str
    arguments: str

    def key(self) -> tuple[str, str]:
        """What makes two calls the same: the function and its arguments (as JSON with sorted keys, when JSON)."""
        try:
            return self.name, json.dumps(json.loads(self.arguments or "{}"), sort_keys=True)
        except ValueError:
            return self.name, self.arguments


@dataclass(frozen=True)
class ToolReply:
    """A tool call answered: ``content`` for the model (its ``tool`` message) and the ``step`` saved with the answer."""

    call_id: str
    content: str
    step: Mapping[str, Any]


class Toolbox(Protocol):
    """The tools one answer may call (``workbench.answering.tools.McpToolbox``)."""

    max_rounds: int

    def specs(self) -> list[dict[str, Any]]:
        """The OpenAI ``tools`` entries."""

    def run(self, calls: Sequence[ToolCall], most_chars: int) -> AsyncIterator[Any]:
        """Run ``calls`` in order: a ``ToolReply`` per call (its content at most ``most_chars`` characters) and, around
        them, events for the engine's caller, passed on as they are."""

    def limit_step(self, rounds: int) -> Mapping[str, Any]:
        """The step saved with an answer that used its most rounds."""


@dataclass
class _Calls:
    """The tool calls of one streamed reply, put together from their pieces (by index, as OpenAI's SDK does)."""

    parts: dict[int, dict[str, str]] = field(default_factory=dict)

    def add(self, deltas: Iterable[Any]) -> None:
        for delta in deltas:
            index = delta.index if isinstance(getattr(delta, "index", None), int) else len(self.parts)
            slot = self.parts.setdefault(index, {"id": "", "name": "", "arguments": ""})
            slot["id"] = slot["id"] or (delta.id or "")
            function = getattr(delta, "function", None)
            if function is not None:
                slot["name"] += function.name or ""
                slot["arguments"] += function.arguments or ""

    def calls(self) -> list[ToolCall]:
        return [ToolCall(slot["id"] or f"call_{index}", slot["name"], slot["arguments"])
                for index, slot in sorted(self.parts.items())]


def assistant_calls(content: str, calls: Sequence[ToolCall]) -> dict[str, Any]:
    """The assistant message that asked for ``calls`` (sent back before their results)."""
    return {"role": "assistant", "content": content or None, "tool_calls": [
        {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments or "{}"}}
        for call in calls]}


async def context_length(client: openai.AsyncOpenAI, model: str, cache: dict[str, int]) -> int:
    """A model's context window from GET /v1/models/{id} (``capabilities.context_length``), cached in ``cache``;
    DEFAULT_CONTEXT when the gateway cannot say (not cached, so a later call asks again)."""
    if model not in cache:
        try:
            card = await client.models.retrieve(model)
            caps = getattr(card, "capabilities", None) or {}
            cache[model] = int(caps.get("context_length") or DEFAULT_CONTEXT)
        except (openai.APIError, TypeError, ValueError):
            return DEFAULT_CONTEXT
    return cache[model]

CODES = frozenset(code.removeprefix("chat.") for code in MESSAGES.tables["en"] if code.startswith("chat."))


def error(code: str) -> Error:
    return Error(code if code in CODES else "failed")


def error_text(code: str | None, locale: str) -> str:
    """A saved answer's error code as a sentence in ``locale``."""
    return error(code or "failed").text(locale)


def is_context_error(exc: BaseException) -> bool:
    """An upstream refusal because the prompt is longer than the model's context window."""
    if not isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return False
    body = getattr(exc, "body", None)
    code = body.get("code") if isinstance(body, dict) else None
    return code == "context_length_exceeded" or bool(_CONTEXT_ERROR.search(str(getattr(exc, "message", exc))))


def stated_window(exc: BaseException) -> int | None:
    """The context window an upstream's refusal names ("maximum context length is 4096 tokens"), if any."""
    found = _STATED_WINDOW.search(str(getattr(exc, "message", exc)))
    return int(found.group(1)) if found else None


def readable(exc: BaseException, *, streaming: bool = False) -> Error:
    """What the user reads for a failed call (the details go to the log only)."""
    if isinstance(exc, openai.APITimeoutError):
        return error("timeout")
    if isinstance(exc, openai.APIConnectionError):
        return error("broken" if streaming else "unreachable")
    if isinstance(exc, openai.AuthenticationError):
        return error("key")
    if isinstance(exc, openai.PermissionDeniedError | openai.NotFoundError):
        return error("model")
    if isinstance(exc, openai.RateLimitError):
        return error("limit")
    if is_context_error(exc):
        return error("too_long")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 503:
            return error("unavailable")
        return error("server" if exc.status_code >= 500 else "rejected")
    return error("broken" if streaming else "failed")


# -- the request -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContextBlock:
    """Text the caller puts in front of the question: a document's passages, numbered web sources, ..."""

    title: str
    text: str


def estimate_tokens(text: str) -> int:
    """A conservative token count: each CJK character ~1 token, other text ~3.5 characters per token."""
    if not text:
        return 0
    cjk = len(CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 3.5)


def estimate_messages(messages: Sequence[dict[str, Any]]) -> int:
    return REQUEST_OVERHEAD + sum(MESSAGE_OVERHEAD + estimate_tokens(str(m.get("content") or "")) for m in messages)


def prompt_budget(context_length: int, max_tokens: int | None, thinking_budget: int | None = None) -> int:
    """Tokens the prompt may take: the window less room for the answer (and thinking) and a safety margin."""
    answer = max_tokens or min(DEFAULT_ANSWER_ROOM, context_length // 4)
    margin = 32 + context_length // 20
    return context_length - answer - (thinking_budget or 0) - margin


def trim(messages: Sequence[dict[str, Any]], budget: int) -> tuple[list[dict[str, Any]], int]:
    """Drop the oldest turns until the estimate fits ``budget``; the system prompt and the last turn stay.

    Returns the kept messages and how many were dropped. A turn is a user message and the answers after it.
    """
    head = [m for m in messages[:1] if m.get("role") == "system"]
    rest = list(messages[len(head):])
    starts = [i for i, m in enumerate(rest) if m.get("role") == "user"] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    turns = [rest[a:b] for a, b in zip(starts, starts[1:] + [len(rest)], strict=True) if rest[a:b]]
    dropped = 0
    while len(turns) > 1 and estimate_messages(head + [m for t in turns for m in t]) > budget:
        dropped += len(turns.pop(0))
    return head + [m for t in turns for m in t], dropped


def with_context(question: str, blocks: Sequence[ContextBlock]) -> str:
    if not blocks:
        return question
    text = "\n\n".join(prompts.CONTEXT_BLOCK.format(title=b.title, text=b.text) for b in blocks)
    return prompts.CONTEXT_QUESTION.format(intro=prompts.CONTEXT_INTRO, blocks=text, question=question)


def history(settings: Settings, messages: Sequence[Message], blocks: Sequence[ContextBlock] = ()) -> list[dict]:
    """The messages to send for answering the last question: no reasoning, no unanswered earlier questions."""
    out: list[dict[str, Any]] = []
    if settings.system_prompt:
        out.append({"role": "system", "content": settings.system_prompt})
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    for i, m in enumerate(messages):
        if m.role == "user":
            answered = any(n.role == "assistant" and n.content for n in messages[i + 1: _next_user(messages, i)])
            if i == last_user:
                out.append({"role": "user", "content": with_context(m.content, blocks)})
            elif answered:
                out.append({"role": "user", "content": m.content})
        elif m.role == "assistant" and m.content and i < last_user:
            out.append({"role": "assistant", "content": m.content})
    return out


def _next_user(messages: Sequence[Message], i: int) -> int:
    return next((j for j in range(i + 1, len(messages)) if messages[j].role == "user"), len(messages))


@dataclass
class _Answer:
    """What arrived of one answer."""

    model: str
    started: float = field(default_factory=time.monotonic)
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    reasoning_seconds: float | None = None
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    steps: list[Mapping[str, Any]] = field(default_factory=list)       # tool calls, as saved

    def thought_until_now(self) -> None:
        if self.reasoning and self.reasoning_seconds is None:
            self.reasoning_seconds = round(time.monotonic() - self.started, 1)


class Citer(Protocol):
    """Decides the sources kept with a finished answer (``workbench.citations.Citer``: citations checked and added)."""

    async def aligned(self, answer: str) -> list[dict]: ...

    def saved(self, alignment: None, answer: str) -> list[dict]: ...


class Titler(Protocol):
    """Makes a conversation title from its first exchange (None: keep the automatic one)."""

    async def __call__(self, question: str, answer: str) -> str | None: ...


class ChatEngine:
    """Answers questions in saved conversations through an OpenAI-compatible gateway."""

    def __init__(self, conversations: Conversations, base_url: str, api_key: str, *, timeout: float = 600,
                 client: openai.AsyncOpenAI | None = None) -> None:
        self.conversations = conversations
        self.client = client or openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout)
        self._context: dict[str, int] = {}
        self._learned: dict[str, int] = {}      # smaller windows model servers named in their refusals

    async def aclose(self) -> None:
        await self.client.close()

    async def context_length(self, model: str) -> int:
        """The model's context window from GET /v1/models/{id} (``capabilities.context_length``)."""
        return await context_length(self.client, model, self._context)

    # -- the three ways to get an answer -----------------------------------------------------
    async def send(self, user_id: str, conversation_id: str, text: str, *, context_length: int | None = None,
                   attachments: Iterable[Any] = (), context: Sequence[ContextBlock] = (),
                   sources: Iterable[Any] = (), reply: str | None = None, citer: Citer | None = None,
                   tools: Toolbox | None = None) -> AsyncIterator[Event]:
        """Save the question (with its attachments) and stream the answer (``reply``: this fixed answer instead of
        the model's, e.g. "the knowledge bases hold nothing about it"; the model is not called). ``citer``: decides
        the sources kept with the answer instead of ``sources`` (its citations checked and added once complete).
        ``tools``: the tools the model may call (see the module doc)."""
        conv = self.conversations.get(user_id, conversation_id)
        _require_model(conv)
        self.conversations.add_message(user_id, conv.id, "user", text, attachments=attachments)
        async for event in self._answer(user_id, conv.id, context_length, context, sources, reply, citer, tools):
            yield event

    async def regenerate(self, user_id: str, conversation_id: str, *, context_length: int | None = None,
                         context: Sequence[ContextBlock] = (), sources: Iterable[Any] = (),
                         reply: str | None = None, citer: Citer | None = None,
                         tools: Toolbox | None = None) -> AsyncIterator[Event]:
        """Replace the last answer with a new one (``reply``, ``citer``, ``tools``: as in ``send``)."""
        _require_model(self.conversations.get(user_id, conversation_id))
        self.conversations.drop_last_answer(user_id, conversation_id)
        async for event in self._answer(user_id, conversation_id, context_length, context, sources, reply, citer,
                                        tools):
            yield event

    async def resend(self, user_id: str, conversation_id: str, message_id: str, text: str, *,
                     context_length: int | None = None, context: Sequence[ContextBlock] = (),
                     sources: Iterable[Any] = (), reply: str | None = None, citer: Citer | None = None,
                     tools: Toolbox | None = None) -> AsyncIterator[Event]:
        """Edit a question, drop everything after it and answer it again (``reply``, ``citer``, ``tools``: as in
        ``send``)."""
        _require_model(self.conversations.get(user_id, conversation_id))
        self.conversations.edit_question(user_id, conversation_id, message_id, text)
        async for event in self._answer(user_id, conversation_id, context_length, context, sources, reply, citer,
                                        tools):
            yield event

    async def retitle(self, user_id: str, conversation_id: str, titler: Titler) -> str | None:
        """Let ``titler`` name the conversation from its first exchange, unless the title is not automatic."""
        conv = self.conversations.get(user_id, conversation_id)
        question = next((m.content for m in conv.messages if m.role == "user"), "")
        answer = next((m.content for m in conv.messages if m.role == "assistant" and m.content), "")
        if conv.title_source != "auto" or not question or not answer:
            return None
        try:
            title = await titler(question, answer)
        except Exception:           # a title is cosmetic: keep the automatic one
            log.warning("making a title failed", exc_info=True)
            return None
        if title and self.conversations.set_model_title(user_id, conv.id, title):
            return self.conversations.get(user_id, conv.id).title
        return None

    # -- internals -----------------------------------------------------------------------------
    @staticmethod
    def _budget(conv: Conversation, context_length: int, shrink: float = 1.0, reserve: int = 0) -> int:
        """Tokens the messages may take (``reserve``: taken by the tools' functions)."""
        s = conv.settings
        thinking = (s.thinking_budget or DEFAULT_THINKING_BUDGET) if s.thinking else None
        return int(prompt_budget(context_length, s.max_tokens, thinking) * shrink) - reserve

    def _request(self, conv: Conversation, context_length: int, blocks: Sequence[ContextBlock],
                 shrink: float = 1.0, tools: Toolbox | None = None) -> tuple[dict[str, Any] | None, int]:
        s = conv.settings
        thinking = (s.thinking_budget or DEFAULT_THINKING_BUDGET) if s.thinking else None
        specs = tools.specs() if tools is not None else []
        budget = self._budget(conv, context_length, shrink, estimate_tokens(json.dumps(specs)) if specs else 0)
        messages, dropped = trim(history(s, conv.messages, blocks), budget)
        if estimate_messages(messages) > budget:
            return None, dropped
        params: dict[str, Any] = {"model": s.model, "messages": messages, "stream": True,
                                  "stream_options": {"include_usage": True}}
        for name in ("temperature", "top_p", "max_tokens"):
            if getattr(s, name) is not None:
                params[name] = getattr(s, name)
        if thinking:
            params["extra_body"] = {"thinking": {"type": "enabled", "budget_tokens": thinking}}
        if specs:
            params["tools"] = specs
        return params, dropped

    async def _answer(self, user_id: str, conversation_id: str, context_length: int | None,
                      blocks: Sequence[ContextBlock], sources: Iterable[Any],
                      reply: str | None = None, citer: Citer | None = None,
                      tools: Toolbox | None = None) -> AsyncIterator[Event]:
        conv = self.conversations.get(user_id, conversation_id)
        if reply is not None:               # a fixed answer: saved without a model (no model wrote it)
            fixed = _Answer("", content=[reply])
            yield ContentDelta(reply)
            saved = self._save(user_id, conv.id, fixed, sources, stopped=False, error_code=None)
            yield Done(None, None, "stop", saved.id if saved else "")
            return
        model = conv.settings.model or ""
        window = context_length or await self.context_length(model)
        window = min(window, self._learned.get(model, window))
        answer = _Answer(model)
        stream, dropped, shrink = None, 0, 1.0
        for retry in (False, True):
            params, dropped = self._request(conv, window, blocks, shrink, tools)
            if params is None:
                yield error("too_long")
                return
            try:
                stream = await self.client.chat.completions.create(**params)
                break
            except openai.APIError as exc:
                if is_context_error(exc) and not retry:
                    # trim harder: to the window the server names if it is smaller, else to half the budget
                    stated = stated_window(exc)
                    window, shrink = (stated, 1.0) if stated and stated < window else (window, 0.5)
                    if stated and stated == window:
                        self._learned[model] = stated
                    log.info("context-length error for %s; retrying within %d tokens x %g", model, window, shrink)
                    continue
                log.warning("chat request for %s failed: %s", model, exc)
                yield readable(exc)
                return
        outcome: Error | None = None
        completed = False
        saved: Message | None = None
        rounds, answered = 0, set()            # tool rounds run, and the calls answered (function, arguments)
        question = next((m.content for m in reversed(conv.messages) if m.role == "user"), "")[:1000]
        try:
            while True:
                calls, said = _Calls(), len(answer.content)
                async for chunk in stream:
                    if chunk.usage is not None:
                        answer.usage = _summed(answer.usage, chunk.usage.model_dump(exclude_none=True))
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    delta = choice.delta
                    thought = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
                    if thought:
                        answer.reasoning.append(thought)
                        yield ReasoningDelta(thought)
                    if delta.content:
                        answer.thought_until_now()
                        answer.content.append(delta.content)
                        yield ContentDelta(delta.content)
                    if getattr(delta, "tool_calls", None):
                        calls.add(delta.tool_calls)
                    if choice.finish_reason:
                        answer.finish_reason = choice.finish_reason
                if tools is None or "tools" not in params or not calls.parts:
                    break
                with contextlib.suppress(Exception):
                    await stream.close()
                asked, messages = calls.calls(), params["messages"]
                if all(call.key() in answered for call in asked):     # it asks again for what it has: answer now
                    note = prompts.TOOLS_ANSWER_NOW
                else:
                    rounds += 1
                    messages.append(assistant_calls("".join(answer.content[said:]), asked))
                    room = self._budget(conv, window, shrink) - estimate_messages(messages)
                    async with contextlib.aclosing(tools.run(asked, max(500, room // len(asked)))) as replies:
                        async for item in replies:
                            if isinstance(item, ToolReply):
                                messages.append({"role": "tool", "tool_call_id": item.call_id,
                                                 "content": item.content})
                                answer.steps.append(item.step)
                            else:
                                yield item
                    answered.update(call.key() for call in asked)
                    if rounds < tools.max_rounds:
                        stream = await self.client.chat.completions.create(**params)
                        continue
                    answer.steps.append(tools.limit_step(rounds))
                    yield ToolLimit(rounds)
                    note = prompts.TOOLS_LIMIT
                params.pop("tools", None)
                messages.append({"role": "user", "content": note.format(question=question, rounds=rounds)})
                stream = await self.client.chat.completions.create(**params)
            completed = True
        except Exception as exc:       # a failure mid-stream: keep what arrived, say so plainly
            log.warning("chat stream for %s broke off: %s", model, exc)
            outcome = readable(exc, streaming=True)
        finally:
            answer.thought_until_now()
            if not completed:           # stopped or broken: saved now, with the model's own citations
                kept = citer.saved(None, "".join(answer.content)) if citer is not None else sources
                saved = self._save(user_id, conv.id, answer, kept, stopped=outcome is None,
                                   error_code=outcome.code if outcome else None)
            try:
                await stream.close()
            except Exception:          # closing a stream that already ended or broke
                pass
        if completed:                   # nothing is yielded meanwhile: the answer is saved before the caller goes on
            kept = sources
            try:
                if citer is not None:
                    kept = citer.saved(None, "".join(answer.content))
                    kept = await citer.aligned("".join(answer.content))
            finally:
                saved = self._save(user_id, conv.id, answer, kept, stopped=False, error_code=None)
        if outcome is not None:
            yield outcome
        else:
            yield Done(answer.usage, answer.reasoning_seconds, answer.finish_reason,
                       saved.id if saved else "", dropped)

    def _save(self, user_id: str, conversation_id: str, answer: _Answer, sources: Iterable[Any], *,
              stopped: bool, error_code: str | None) -> Message | None:
        content, reasoning = "".join(answer.content), "".join(answer.reasoning)
        if (stopped or error_code) and not content and not reasoning and not answer.steps:
            return None                 # nothing arrived: the question stays, unanswered
        try:
            return self.conversations.add_message(
                user_id, conversation_id, "assistant", content, reasoning=reasoning or None,
                reasoning_seconds=answer.reasoning_seconds if reasoning else None, model=answer.model or None,
                usage=answer.usage, sources=sources, stopped=stopped, error=error_code, steps=answer.steps)
        except NotFound:                # deleted while it was answering
            return None


def _summed(before: dict[str, Any] | None, usage: dict[str, Any]) -> dict[str, Any]:
    """The usage of an answer asked in several rounds (tool calls): the token counts added up."""
    if not before:
        return usage
    return {key: before.get(key, 0) + value if isinstance(value, int) and isinstance(before.get(key, 0), int)
            else value for key, value in usage.items()}


def _require_model(conv: Conversation) -> None:
    if not conv.settings.model:
        raise ConversationError("chat.no_model", "model", code="no_model")


class ModelTitler:
    """A ``Titler`` that asks a chat model for a short title (costs a few tokens on the user's key)."""

    def __init__(self, client: openai.AsyncOpenAI, model: str, max_tokens: int = 32) -> None:
        self.client, self.model, self.max_tokens = client, model, max_tokens

    async def __call__(self, question: str, answer: str) -> str | None:
        reply = await self.client.chat.completions.create(
            model=self.model, max_tokens=self.max_tokens, temperature=0.2, messages=[
                {"role": "system", "content": prompts.TITLE_SYSTEM},
                {"role": "user", "content": prompts.TITLE_USER.format(question=question[:2000], answer=answer[:2000])}])
        text = (reply.choices[0].message.content or "").strip() if reply.choices else ""
        text = re.sub(r"<think>.*?</think>", "", text, flags=re.S).strip().strip("\"'“”「」")
        return text.splitlines()[0].strip() if text else None
