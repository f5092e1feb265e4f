"""The chat page's answering handlers: send, regenerate (the chat's retry) and resend (an edited question).

Each asks the workbench's answer pipeline (``workbench.answering.service.AnswerService``), which saves the page's
settings on the conversation, gathers the question's context (web search, the chosen knowledge bases checked again,
the documents' passages), summarises a document too large for the prompt, streams the answer and saves the turn.
This module only renders its events (``workbench.answering.events``) into the chat: the question at once, the
sources, the thinking in a collapsible block apart from the answer (its clock moving on while the model sends
nothing), each MCP tool call as a collapsible step as it runs, the answer as it grows, notices under the chat, then
the conversation as saved. A destructive tool's call waiting for the reader shows the confirm panel under the chat
(its token in a hidden box); ``confirm`` / ``deny`` answer it, and the stream goes on. It saves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from app.chat.context import ChatContext, answer_options, notice_error, refusal
from app.chat.view import answer_rows, chat_messages, edited_text, fenced, message_rows, plain_md, question_rows
from app.shell.i18n import translate
from app.shell.views import View
from gateway.accounts.console import Actor
from workbench.answering import events as ev
from workbench.answering.steps import Step as ToolStep

TICK_S = 1.0                # while the model thinks, its block's clock moves on at least this often


@dataclass
class Step(View):
    """One step of a streamed answer: the chat, the conversation id, the input box, the conversation list, the
    title box, the notice under the chat, and the list's empty-line; and the confirm panel of a destructive tool
    call (shown or not), what it asks and the call's token (unchanged unless given)."""

    bot: Any
    conv_id: Any
    box: Any
    conv_list: Any
    title: Any
    notice: Any
    list_note: Any
    confirm_row: Any = field(default_factory=gr.update)
    confirm_note: Any = field(default_factory=gr.update)
    confirm_token: Any = field(default_factory=gr.update)


@dataclass
class Confirmed(View):
    """The confirm panel after a yes or no: hidden, its token cleared."""

    confirm_row: Any
    confirm_token: Any


def asking(step: ToolStep, token: str, locale: str) -> dict[str, Any]:
    """The confirm panel's fields for a destructive call waiting: shown, what it would run, its token."""
    ask = translate("chat.confirm_ask", locale, tool=plain_md(step.tool), server=plain_md(step.server_in(locale)))
    note = ask + "\n\n" + fenced(json.dumps(step.arguments, ensure_ascii=False, indent=2), "json")
    return {"confirm_row": gr.update(visible=True), "confirm_note": note, "confirm_token": token}


def closed() -> dict[str, Any]:
    """The confirm panel's fields with no call waiting: hidden, no token."""
    return {"confirm_row": gr.update(visible=False), "confirm_token": ""}


async def ticking(events: AsyncIterator, every: float) -> AsyncIterator:
    """``events``, with None whenever ``every`` seconds pass without one (a model reading a long prompt sends
    nothing for a while). Closing or cancelling this cancels ``events`` where it waits, as the caller's own
    cancellation would (the pipeline then saves what arrived, marked stopped)."""
    it = aiter(events)
    waiting: asyncio.Future | None = None
    try:
        while True:
            if waiting is None:
                waiting = asyncio.ensure_future(anext(it))
            done, _ = await asyncio.wait({waiting}, timeout=every)
            if not done:
                yield None
                continue
            arrived, waiting = waiting, None
            try:
                event = arrived.result()
            except StopAsyncIteration:
                return
            yield event
    finally:
        if waiting is not None:
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await waiting


def edited(edit: Any, locale: str) -> tuple[int, str]:
    """(index of the edited message, its new text) from an edit event's data; a readable refusal without it
    (``edit`` is a ``gr.EventData``: Gradio builds a ``gr.EditData`` only from data that is there)."""
    data = vars(edit).get("_data") if edit is not None and hasattr(edit, "__dict__") else None
    if not isinstance(data, dict):
        raise notice_error("chat.edit_missing", locale)
    index = data.get("index")
    return (index if isinstance(index, int) and not isinstance(index, bool) else -1), edited_text(data.get("value"))


def before(asked: ev.Started, attachments: Sequence[Any], locale: str) -> list[dict]:
    """What the chat shows above the answer: the conversation so far, then the question with ``attachments``."""
    question = question_rows(asked.question, attachments, locale) if asked.question is not None else []
    return chat_messages(asked.history, locale) + question


@dataclass
class Shown:
    """What the chat shows of one answer while it streams."""

    locale: str
    base: list[dict] = field(default_factory=list)        # the conversation before the answer, the question last
    sources: Sequence[Any] = ()
    thinking: bool = False
    budget: int | None = None
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    started: float | None = None                          # when the answer began (None: not yet)
    thought: float | None = None                          # how long it thought
    steps: dict[str, ToolStep] = field(default_factory=dict)      # the tool calls so far, by call id

    def step(self, step: ToolStep) -> None:
        """A tool call as it stands now (the same call again replaces it)."""
        self.steps[step.call_id or str(len(self.steps))] = step

    def pending(self) -> bool:
        """Still thinking (a reasoning model thinks unasked)."""
        return (self.thinking or bool(self.reasoning)) and not self.content

    def rows(self) -> list[dict]:
        seconds = time.monotonic() - (self.started or time.monotonic()) if self.pending() else self.thought
        return self.base + answer_rows(self.locale, reasoning="".join(self.reasoning), seconds=seconds,
                                       content="".join(self.content), sources=self.sources,
                                       thinking=self.pending() and not self.steps, budget=self.budget,
                                       used=len(self.reasoning), steps=list(self.steps.values()))


class ChatAnswers:
    """send, regenerate and resend over ``chat``; each yields a ``Step`` per change."""

    def __init__(self, chat: ChatContext) -> None:
        self.chat = chat

    async def send(self, text: str | None, files: list[str] | None, conversation_id: str | None, model: str | None,
                   thinking: bool, budget: float | None, system: str | None, temperature: float | None,
                   top_p: float | None, max_tokens: float | None, web: bool, query: str | None, lang: str,
                   request: gr.Request, kb_ids: list[str] | None = None,
                   tool_ids: list[str] | None = None) -> AsyncIterator[Step]:
        """A question answered (the conversation is created by the first question). ``files`` is the upload box:
        its files were attached when uploaded (``attach``). ``kb_ids``: the chosen knowledge bases, ``tool_ids``
        the chosen MCP servers and tools (after ``request``: Gradio passes the page's inputs in order and puts the
        request in its place, so the existing positional calls keep working)."""
        locale, actor = self.chat.who(lang, request)
        options = answer_options(model, thinking, budget, system, temperature, top_p, max_tokens, locale=locale,
                                 web=web, kb_ids=kb_ids, tool_ids=self.chat.chosen_tools(actor, locale, tool_ids))
        events = self.chat.answers.send(actor.user_id, conversation_id or None, text or "", options)
        async for step in self.render(locale, actor, query, events, empty_is_a_notice=True):
            yield step

    async def regenerate(self, conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                         system: str | None, temperature: float | None, top_p: float | None,
                         max_tokens: float | None, web: bool, query: str | None, lang: str,
                         request: gr.Request, kb_ids: list[str] | None = None,
                         tool_ids: list[str] | None = None) -> AsyncIterator[Step]:
        """Answer the last question again (the chat's retry button), with the page's settings, knowledge bases and
        MCP tools."""
        locale, actor = self.chat.who(lang, request)
        if not conversation_id:
            raise notice_error("chat.choose", locale)
        options = answer_options(model, thinking, budget, system, temperature, top_p, max_tokens, locale=locale,
                                 web=web, kb_ids=kb_ids, tool_ids=self.chat.chosen_tools(actor, locale, tool_ids))
        async for step in self.render(locale, actor, query,
                                      self.chat.answers.regenerate(actor.user_id, conversation_id, options)):
            yield step

    async def resend(self, conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                     system: str | None, temperature: float | None, top_p: float | None, max_tokens: float | None,
                     web: bool, query: str | None, lang: str, edit: gr.EventData,
                     request: gr.Request, kb_ids: list[str] | None = None,
                     tool_ids: list[str] | None = None) -> AsyncIterator[Step]:
        """A question edited in the chat: change it, drop what came after, answer it again."""
        locale, actor = self.chat.who(lang, request)
        index, text = edited(edit, locale)
        if not conversation_id:
            raise notice_error("chat.choose", locale)
        conv = self.chat.call(locale, self.chat.convs.get, actor.user_id, conversation_id)
        rows = message_rows(conv.messages, locale)          # the chat's rows: which question the edited one shows
        message_id = rows[index][1] if 0 <= index < len(rows) else None
        if message_id is None:
            raise notice_error("chat.edit_question_only", locale)
        options = answer_options(model, thinking, budget, system, temperature, top_p, max_tokens, locale=locale,
                                 web=web, kb_ids=kb_ids, tool_ids=self.chat.chosen_tools(actor, locale, tool_ids))
        events = self.chat.answers.resend(actor.user_id, conv.id, message_id, text, options)
        async for step in self.render(locale, actor, query, events):
            yield step

    async def render(self, locale: str, actor: Actor, query: str | None, events: AsyncIterator[ev.Event], *,
                     empty_is_a_notice: bool = False) -> AsyncIterator[Step]:
        """The pipeline's events as the chat shows them, step by step (see the module doc). A refusal is raised as
        the page's message (an empty question to ``send`` is said under the chat instead: raising would put an
        error badge over every part of it)."""
        shown, notices = Shown(locale), []
        conv: Any = None
        asked: Any = None                           # the Started event: what comes before the answer
        same = gr.update()
        async with contextlib.aclosing(events) as stream, contextlib.aclosing(ticking(stream, TICK_S)) as ticks:
            async for event in ticks:
                if event is None:                    # a second without news: the thinking's clock moves on
                    if shown.started is not None and shown.pending():
                        yield Step(shown.rows(), conv.id, "", same, same, " ".join(notices), same)
                    continue
                if isinstance(event, ev.Failed) and event.refused:
                    if empty_is_a_notice and event.code == "empty":
                        skip = gr.skip()
                        yield Step(skip, skip, skip, skip, skip, event.text(locale), skip)
                        return
                    raise refusal(event, locale)
                if isinstance(event, ev.Started):
                    conv, asked = event.conversation, event
                elif isinstance(event, ev.Progress):
                    if not shown.base:                  # the first step: the question, and the list with it
                        shown.base = before(asked, asked.attachments, locale)
                        conv_list, note = self.chat.listing(actor, locale, query, conv.id)
                    title = event.said.text(locale)
                    row = {"role": "assistant", "content": "", "metadata": {"title": title, "status": "pending"}}
                    yield Step(shown.base + [row], conv.id, "", conv_list, conv.title, title, note)
                elif isinstance(event, ev.Notice):
                    notices.append(event.said.text(locale))
                elif isinstance(event, ev.Sources):
                    shown.base = before(asked, event.attachments, locale)
                    shown.sources, shown.thinking, shown.budget = event.sources, event.thinking, event.budget
                    shown.started = time.monotonic()
                    conv_list, note = self.chat.listing(actor, locale, query, conv.id)
                    yield Step(shown.rows(), conv.id, "", conv_list, conv.title, " ".join(notices), note)
                elif isinstance(event, ev.ToolStep):
                    shown.step(event.step)
                    yield Step(shown.rows(), conv.id, "", same, same, " ".join(notices), same, **closed())
                elif isinstance(event, ev.ToolConfirm):
                    shown.step(event.step)
                    yield Step(shown.rows(), conv.id, "", same, same, " ".join(notices), same,
                               **asking(event.step, event.token, locale))
                elif isinstance(event, ev.Reasoning | ev.Content):
                    if isinstance(event, ev.Reasoning):
                        shown.reasoning.append(event.text)
                    else:
                        if shown.thought is None and shown.reasoning:
                            shown.thought = time.monotonic() - shown.started
                        shown.content.append(event.text)
                    yield Step(shown.rows(), conv.id, "", same, same, " ".join(notices), same)
                elif isinstance(event, ev.Done | ev.Failed):
                    saved = event.conversation or conv
                    rows = chat_messages(saved.messages, locale)
                    if isinstance(event, ev.Failed) and not (saved.messages and saved.messages[-1].error):
                        rows.append({"role": "assistant", "content": f"⚠️ {event.text(locale)}"})
                    conv_list, note = self.chat.listing(actor, locale, query, conv.id)
                    yield Step(rows, conv.id, "", conv_list, saved.title, " ".join(notices), note, **closed())
                    return

    def confirm(self, token: str | None, lang: str, request: gr.Request) -> Confirmed:
        """Yes to the destructive tool call waiting under ``token`` (only its own user's answer counts)."""
        return self._answer(token, True, lang, request)

    def deny(self, token: str | None, lang: str, request: gr.Request) -> Confirmed:
        """No to the destructive tool call waiting under ``token``: it is not run."""
        return self._answer(token, False, lang, request)

    def put_away(self) -> Confirmed:
        """The confirm panel put away (after Stop: the call it showed no longer waits)."""
        return Confirmed(**closed())

    def _answer(self, token: str | None, allow: bool, lang: str, request: gr.Request) -> Confirmed:
        locale, actor = self.chat.who(lang, request)
        if not self.chat.answers.confirm(actor.user_id, str(token or ""), allow):
            raise notice_error("chat.confirm_gone", locale)
        return Confirmed(**closed())
