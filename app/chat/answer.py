"""The chat page's answering handlers: send, regenerate (the chat's retry) and resend (an edited question).

Each saves the page's settings on the conversation (``ChatPage.begin``), gathers the question's context
(``extras``: web search through the ``ChatSetup.web_search`` hook, the chosen knowledge bases' numbered passages
(``ChatPage.kb_context``: each KB checked again, "nothing relevant" said), retrieved passages of the conversation's
documents), then streams one answer (``answer``) from ``workbench.chat.ChatEngine``: the thinking into a
collapsible block apart from the answer, then the saved conversation. "Summarize this paper" on a document
too large for the prompt is summarised map-reduce (``workbench.summaries``) with progress in the chat instead.
A failed search or document search, or a knowledge base no longer shared, is a notice; the question is answered
without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import gradio as gr

from app.chat.context import ChatPage, notice_error, refusal, settings_values
from app.chat.view import answer_rows, chat_messages, edited_text, message_rows, question_rows
from app.shell.i18n import translate
from workbench.attachments import Progress
from workbench.chat import ChatEngine, ContentDelta, ContextBlock, Done, Error, ReasoningDelta
from workbench.citations import Cited, Citer
from workbench.conversations import Conversation, ConversationError
from workbench.embeddings import embed
from workbench.retrieval import RetrievalError, Retriever
from workbench.summaries import Summarizer, Summary, wants_summary
from workbench.websearch_client import WebSearchError

Starter = Callable[[ChatEngine, "int | None"], AsyncIterator]
TICK_S = 1.0                # while the model thinks, its block's clock moves on at least this often


async def ticking(events: AsyncIterator, every: float) -> AsyncIterator:
    """``events``, with None whenever ``every`` seconds pass without one (a model reading a long prompt sends
    nothing for a while). Closing or cancelling this cancels ``events`` where it waits, as the caller's own
    cancellation would (the engine then saves what arrived, marked stopped)."""
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


@dataclass
class Extras:
    """A question's context (see ``extras``); ``reply``: a fixed answer that replaces the model's."""

    blocks: list[ContextBlock] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    reply: str | None = None
    cited: list[Cited] = field(default_factory=list)
    citer: Citer | None = None


def new_attachments(conv: Conversation, items: Sequence[Any]) -> list[dict]:
    """The conversation's documents no earlier question carries yet (saved on the next question)."""
    seen = {a.get("id") for m in conv.messages for a in m.attachments}
    return [{"id": a.id, "name": a.name} for a in items if a.id not in seen]


def edited(edit: Any, locale: str) -> tuple[int, str]:
    """(index of the edited message, its new text) from an edit event's data; a readable refusal without it
    (``edit`` is a ``gr.EventData``: Gradio builds a ``gr.EditData`` only from data that is there)."""
    data = vars(edit).get("_data") if edit is not None and hasattr(edit, "__dict__") else None
    if not isinstance(data, dict):
        raise notice_error("chat.edit_missing", locale)
    index = data.get("index")
    return (index if isinstance(index, int) and not isinstance(index, bool) else -1), edited_text(data.get("value"))


def make_answer_handlers(page: ChatPage) -> SimpleNamespace:
    """send, regenerate and resend over ``page``; each yields (chatbot, conversation id, input box,
    conversation list, title, notice, the list's empty-line) per step."""
    convs, docs = page.convs, page.docs

    async def extras(locale: str, actor: Any, conv: Conversation, question: str, web: bool,
                     kb_ids: Any = None) -> Extras:
        """Context for a question: blocks, numbered sources (web pages, then knowledge-base passages), new
        attachments to save on it (documents, and the knowledge bases asked), notices, and the fixed reply when
        the knowledge bases were the only source and hold nothing relevant."""
        out = Extras()
        web_found = False
        if web and page.setup.web_search is not None:
            try:
                found, out.sources = await page.setup.web_search(actor.user_id, question, locale)
                out.blocks += found
                web_found = bool(out.sources)
                for item in out.sources:            # what the model read of each page: for the citations only
                    text = item.pop("text", "") if isinstance(item, dict) else ""
                    out.cited.append(Cited(int(item.get("index") or 0), str(text or ""), item))
            except WebSearchError as exc:
                out.notices.append(translate("chat.web_not_configured", locale)
                                   if exc.code == "search_not_configured"
                                   else translate("chat.web_failed", locale, reason=exc.text(locale)))
            except Exception:  # noqa: BLE001 - another hook's failure reads plainly, never as a traceback
                out.notices.append(translate("chat.extra_failed", locale))
        items = page.call(locale, docs.attachments.list, actor.user_id, conv.id) if docs is not None else []
        if kb_ids:
            budget = page.doc_budget(conv) // (2 if items else 1)        # documents take the other half
            kb = await page.kb_context(locale, actor, conv, question, kb_ids, start=len(out.sources) + 1,
                                       budget_tokens=budget)
            out.blocks, out.sources, out.attachments = out.blocks + kb.blocks, out.sources + kb.sources, kb.asked
            out.notices += kb.notices
            out.cited += kb.cited
            if kb.nothing is not None and not web_found and not items:
                out.reply = kb.nothing                                # nothing else to answer from: no guessing
            elif kb.nothing is not None:
                out.notices.append(translate("chat.kb_nothing", locale))
        if items:
            try:
                found = await Retriever(docs.attachments, page.api_client(actor), docs.embedding_model).context(
                    actor.user_id, conv.id, question, budget_tokens=page.doc_budget(conv) // (2 if kb_ids else 1),
                    start=max([c.index for c in out.cited] + [len(out.sources)]) + 1)
                out.blocks += found.blocks
                out.cited += [Cited(d.index, d.text, d.saved(), always=False, vector=found.vectors.get(d.index))
                              for d in found.sources]
            except RetrievalError as exc:
                out.notices.append(translate("chat.docs_failed", locale, reason=exc.text(locale)))
            out.attachments = new_attachments(conv, items) + out.attachments
        if out.cited:
            model, client = page.citation_model(), page.api_client(actor)
            out.citer = Citer(out.cited, embed=(lambda texts: embed(client, model, texts)) if model else None)
        return out

    async def summarize(locale: str, actor: Any, conv: Conversation, base: list[dict], query: str | None,
                        question: str, doc: Any, outcome: list) -> AsyncIterator[tuple]:
        """"Summarize this paper" on a document too large for the prompt: map-reduce with progress in the
        chat, then the question and the summary saved; ``outcome`` gets True, or the error's text."""
        conv_list, note = page.listing(actor, locale, query, conv.id)
        try:
            events = Summarizer(docs.attachments, page.api_client(actor)).summarize(
                actor.user_id, doc.id, model=conv.settings.model, locale=locale, context_length=page.window_of(conv))
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    if isinstance(event, Progress):
                        title = translate("chat.summarizing", locale, name=doc.name, done=event.done,
                                          total=event.total)
                        row = {"role": "assistant", "content": "", "metadata": {"title": title, "status": "pending"}}
                        yield base + [row], conv.id, "", conv_list, conv.title, title, note
                    elif isinstance(event, Summary):
                        new = new_attachments(conv, docs.attachments.list(actor.user_id, conv.id))
                        convs.add_message(actor.user_id, conv.id, "user", question, attachments=new)
                        convs.add_message(actor.user_id, conv.id, "assistant", event.text, model=conv.settings.model)
                        saved = convs.get(actor.user_id, conv.id)
                        conv_list, note = page.listing(actor, locale, query, conv.id)
                        outcome.append(True)
                        yield (chat_messages(saved.messages, locale), conv.id, "", conv_list, saved.title,
                               translate("chat.summarized", locale, name=doc.name, calls=event.calls), note)
                    else:
                        outcome.append(event.text(locale))
        except ConversationError as exc:
            raise refusal(exc, locale) from None

    async def answer(locale: str, actor: Any, conv: Conversation, base: list[dict], query: str | None,
                     start: Starter, sources: list[dict], notices: Sequence[str] = ()) -> AsyncIterator[tuple]:
        """Stream one answer into the chat, then show the conversation as saved."""
        thinking = conv.settings.thinking
        budget = page.thinking_budget(conv)
        engine = ChatEngine(convs, page.setup.base_url, page.key_of(actor), client=page.api_client(actor))
        told = " ".join(notices)
        reasoning: list[str] = []
        content: list[str] = []
        started, thought = time.monotonic(), None

        def pending() -> bool:
            return (thinking or bool(reasoning)) and not content            # a reasoning model thinks unasked

        def live() -> list[dict]:
            seconds = time.monotonic() - started if pending() else thought
            return base + answer_rows(locale, reasoning="".join(reasoning), seconds=seconds,
                                      content="".join(content), sources=sources, thinking=pending(),
                                      budget=budget, used=len(reasoning))

        conv_list, note = page.listing(actor, locale, query, conv.id)
        yield live(), conv.id, "", conv_list, conv.title, told, note
        try:
            async with contextlib.aclosing(start(engine, page.window_of(conv))) as events, \
                    contextlib.aclosing(ticking(events, TICK_S)) as ticks:
                async for event in ticks:
                    if event is None:                    # a second without news: the thinking's clock moves on
                        if pending():
                            yield live(), conv.id, "", gr.update(), gr.update(), told, gr.update()
                        continue
                    if isinstance(event, ReasoningDelta):
                        reasoning.append(event.text)
                    elif isinstance(event, ContentDelta):
                        if thought is None and reasoning:
                            thought = time.monotonic() - started
                        content.append(event.text)
                    elif isinstance(event, Done | Error):
                        saved = convs.get(actor.user_id, conv.id)
                        rows, notice = chat_messages(saved.messages, locale), told
                        if isinstance(event, Error) and not (saved.messages and saved.messages[-1].error):
                            rows.append({"role": "assistant", "content": f"⚠️ {event.text(locale)}"})
                        elif isinstance(event, Done) and event.trimmed:
                            notice = " ".join([*notices, translate("chat.trimmed", locale, count=event.trimmed)])
                        conv_list, note = page.listing(actor, locale, query, conv.id)
                        yield rows, conv.id, "", conv_list, saved.title, notice, note
                        return
                    yield live(), conv.id, "", gr.update(), gr.update(), told, gr.update()
        except ConversationError as exc:
            raise refusal(exc, locale) from None

    async def send(text: str | None, files: list[str] | None, conversation_id: str | None, model: str | None,
                   thinking: bool, budget: float | None, system: str | None, temperature: float | None,
                   top_p: float | None, max_tokens: float | None, web: bool, query: str | None, lang: str,
                   request: gr.Request, kb_ids: list[str] | None = None) -> AsyncIterator[tuple]:
        """Save the question and stream the answer (the conversation is created by the first question).
        ``files`` is the upload box: its files were attached when uploaded (``attach``). ``kb_ids``: the chosen
        knowledge bases (after ``request``: Gradio passes the page's inputs in order and puts the request in its
        place, so the existing positional calls keep working)."""
        question = (text or "").strip()
        if not question:        # said under the chat; raising would put an error badge over every part of it
            skip = gr.skip()
            yield skip, skip, skip, skip, skip, translate("chat.empty", page.who(lang, request)[0]), skip
            return
        locale, actor, conv = page.begin(lang, request, conversation_id, settings_values(
            model, thinking, budget, system, temperature, top_p, max_tokens))
        base = chat_messages(conv.messages, locale) + [{"role": "user", "content": question}]
        notices: list[str] = []
        if docs is not None and wants_summary(question):
            budget_tokens = page.doc_budget(conv)
            items = page.call(locale, docs.attachments.list, actor.user_id, conv.id)
            big = [a for a in items if a.tokens > budget_tokens]
            if big:
                outcome: list = []
                async for step in summarize(locale, actor, conv, base, query, question, big[-1], outcome):
                    yield step
                if outcome and outcome[0] is True:
                    return
                notices.append(translate("chat.summary_failed", locale, reason=outcome[0] if outcome else ""))
        got = await extras(locale, actor, conv, question, web, kb_ids)
        base = chat_messages(conv.messages, locale) + question_rows(question, got.attachments, locale)

        def start(engine: ChatEngine, window: int | None) -> AsyncIterator:
            return engine.send(actor.user_id, conv.id, question, context_length=window, attachments=got.attachments,
                               context=got.blocks, sources=got.sources, reply=got.reply, citer=got.citer)

        async for step in answer(locale, actor, conv, base, query, start, got.sources, [*notices, *got.notices]):
            yield step

    async def regenerate(conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                         system: str | None, temperature: float | None, top_p: float | None,
                         max_tokens: float | None, web: bool, query: str | None, lang: str,
                         request: gr.Request, kb_ids: list[str] | None = None) -> AsyncIterator[tuple]:
        """Answer the last question again (the chat's retry button), with the page's settings and knowledge bases."""
        locale, actor, conv = page.begin(lang, request, conversation_id, settings_values(
            model, thinking, budget, system, temperature, top_p, max_tokens), existing=True)
        last = max((i for i, m in enumerate(conv.messages) if m.role == "user"), default=-1)
        base = chat_messages(conv.messages[: last + 1], locale)
        question = conv.messages[last].content if last >= 0 else ""
        got = await extras(locale, actor, conv, question, web, kb_ids)

        def start(engine: ChatEngine, window: int | None) -> AsyncIterator:
            return engine.regenerate(actor.user_id, conv.id, context_length=window, context=got.blocks,
                                     sources=got.sources, reply=got.reply, citer=got.citer)

        async for step in answer(locale, actor, conv, base, query, start, got.sources, got.notices):
            yield step

    async def resend(conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                     system: str | None, temperature: float | None, top_p: float | None, max_tokens: float | None,
                     web: bool, query: str | None, lang: str, edit: gr.EventData,
                     request: gr.Request, kb_ids: list[str] | None = None) -> AsyncIterator[tuple]:
        """A question edited in the chat: change it, drop what came after, answer it again."""
        index, text = edited(edit, page.who(lang, request)[0])
        locale, actor, conv = page.begin(lang, request, conversation_id, settings_values(
            model, thinking, budget, system, temperature, top_p, max_tokens), existing=True)
        rows = message_rows(conv.messages, locale)
        message_id = rows[index][1] if 0 <= index < len(rows) else None
        if message_id is None:
            raise notice_error("chat.edit_question_only", locale)
        question = text.strip()
        if not question:
            raise notice_error("chat.empty", locale)
        position = next(i for i, m in enumerate(conv.messages) if m.id == message_id)
        base = chat_messages(conv.messages[:position], locale) + question_rows(
            question, conv.messages[position].attachments, locale)
        got = await extras(locale, actor, conv, question, web, kb_ids)

        def start(engine: ChatEngine, window: int | None) -> AsyncIterator:
            return engine.resend(actor.user_id, conv.id, message_id, question, context_length=window,
                                 context=got.blocks, sources=got.sources, reply=got.reply, citer=got.citer)

        async for step in answer(locale, actor, conv, base, query, start, got.sources, got.notices):
            yield step

    return SimpleNamespace(send=send, regenerate=regenerate, resend=resend)
