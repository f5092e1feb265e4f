"""Chat page: the signed-in user's conversations with the models, over ``workbench.chat.ChatEngine``.

Left: new chat, search (titles and messages), the conversation list (newest first), rename, delete
and export (Markdown, JSON). Main: the model, deep thinking with its budget, the web-search toggle,
the chat (answers stream; the thinking streams into a collapsible block apart from the answer;
copy, regenerate, edit a question and resend; Markdown, code and LaTeX), Stop, and the per-conversation
settings (system prompt, temperature, top_p, max_tokens) in an accordion.

Handlers come from ``make_handlers(gateway, setup)`` and are tested directly. Each looks the user up
again (``app.access.signed_in``) and passes the user id to ``workbench.conversations``, which answers
another user's conversation id exactly like a missing one. The open conversation's id lives in the
page (a hidden box, and ``?c=<id>`` in the address so a reload reopens it), never in module state.
The engine reaches the models through this process's own /v1 API with the user's workbench key, so
every token is metered as theirs.

Web search (``ChatSetup.web_search``, e.g. ``web_search_via_api``: the gateway's ``/v1/web-search``
with the user's key) gives the model numbered sources and the chat "Found N web pages"; a failed search
is a notice and the question is answered without it. Documents (``ChatSetup.documents``, a
``ChatDocuments``) are attached on upload (parse progress shown), listed with remove, and give each
question retrieved passages (``workbench.retrieval``); "summarize this paper" on a document too large for
the prompt is summarised map-reduce (``workbench.summaries``) with progress in the chat, and the summary
is saved as the answer. Without a hook the web-search toggle says why it is off and uploads are hidden.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

import gradio as gr
import openai

from app.access import WITH_LANG_JS, locale_of, signed_in
from app.i18n import translate
from workbench.attachments import MB, Attachments, Progress
from workbench.chat import (
    DEFAULT_CONTEXT,
    ChatEngine,
    ContentDelta,
    ContextBlock,
    Done,
    Error,
    ReasoningDelta,
    error_text,
)
from workbench.conversations import THINKING_BUDGET, Conversation, ConversationError, Conversations, Message, NotFound
from workbench.documents.errors import DocumentError
from workbench.retrieval import RetrievalError, Retriever, document_budget
from workbench.summaries import Summarizer, Summary, wants_summary
from workbench.websearch_client import WebSearchError, search_web

LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False},
         {"left": "\\(", "right": "\\)", "display": False}, {"left": "\\[", "right": "\\]", "display": True}]
DEFAULT_BUDGET = 1024
EXPORT_MINUTES = 10           # an export's own temporary copy is kept this long
# the conversation list as a plain list of titles (a gr.Radio without its dots)
CSS = """
#chat-list .wrap { flex-direction: column; gap: 2px; }
#chat-list label { width: 100%; }
#chat-list input[type=radio] { display: none; }
#chat-list label.selected { font-weight: 600; background: var(--button-secondary-background-fill-hover); }
"""
# keeps the open conversation in the address (?c=<id>), so a reload or a bookmark reopens it
URL_JS = ("(c) => { const u = new URL(window.location.href); if (c) { u.searchParams.set('c', c); } "
          "else { u.searchParams.delete('c'); } window.history.replaceState(null, '', u.toString()); return []; }")


class WebSearchHook(Protocol):
    """Searches the web for a question: (context blocks with numbered sources, [{index, title, url}])."""

    async def __call__(self, user_id: str, question: str, locale: str) -> tuple[list[ContextBlock], list[dict]]: ...


@dataclass
class ChatDocuments:
    """Documents in the chat: where they are kept, the largest file accepted, the embedding model."""

    attachments: Attachments
    max_bytes: int = 20 * MB
    embedding_model: str = "use-multilingual:v3"


UPLOAD_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"]


@dataclass
class ChatSetup:
    """What the page needs besides the gateway: the conversations and where the /v1 API answers."""

    conversations: Conversations
    base_url: str                                     # this process's own API, e.g. http://127.0.0.1:7860/v1
    key_for: Callable[[str], str] | None = None       # user id -> API key (default: the user's workbench key)
    web_search: WebSearchHook | None = None           # web search in the chat (built with the web-search feature)
    documents: ChatDocuments | None = None            # documents in the chat


def web_search_via_api(base_url: str, key_for: Callable[[str], str]) -> WebSearchHook:
    """The web-search hook over this process's ``/v1/web-search`` with the user's key (metered as theirs)."""
    async def hook(user_id: str, question: str, locale: str) -> tuple[list[ContextBlock], list[dict]]:
        found = await search_web(base_url, key_for(user_id), question, locale=locale)
        return found.blocks, found.sources
    return hook


def local_api_url(host: str, port: int) -> str:
    """The /v1 base URL of this process as seen from itself (a wildcard address becomes loopback)."""
    host = (host or "").strip("[]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/v1"


# ---------------------------------------------------------------- pure renderers


def thought_block(reasoning: str, seconds: float | None, locale: str, *, pending: bool = False) -> dict:
    """The thinking as a collapsible block: open with a spinner while it runs, closed when done."""
    if pending:
        meta = {"title": translate("chat.thinking_now", locale), "status": "pending",
                "duration": round(seconds or 0.0, 1)}
    else:
        meta = {"title": translate("chat.thought_for", locale, seconds=max(1, round(seconds or 0))),
                "status": "done"}
    return {"role": "assistant", "content": reasoning, "metadata": meta}


def sources_block(sources: Sequence[dict], locale: str) -> dict:
    """"Found N web pages" with the numbered titles and links (closed)."""
    lines = [f"{s.get('index', n)}. [{s.get('title') or s.get('url')}]({s.get('url')})"
             for n, s in enumerate(sources, start=1)]
    return {"role": "assistant", "content": "\n".join(lines),
            "metadata": {"title": translate("chat.found_pages", locale, count=len(sources)), "status": "done"}}


def answer_rows(locale: str, *, reasoning: str = "", seconds: float | None = None, content: str = "",
                sources: Sequence[dict] = (), thinking: bool = False, stopped: bool = False,
                error: str | None = None) -> list[dict]:
    """An answer as chat messages: sources, thinking (``thinking``: still running), the answer, notices."""
    rows = [sources_block(sources, locale)] if sources else []
    if reasoning or thinking:
        rows.append(thought_block(reasoning, seconds, locale, pending=thinking))
    text = content
    if stopped:
        text = f"{text}\n\n*{translate('chat.stopped', locale)}*" if text else f"*{translate('chat.stopped', locale)}*"
    if error:
        text = f"{text}\n\n⚠️ {error}" if text else f"⚠️ {error}"
    if text:
        rows.append({"role": "assistant", "content": text})
    return rows


def message_rows(messages: Sequence[Message], locale: str) -> list[tuple[dict, str | None]]:
    """The saved messages as chat messages, each with the id of the question it shows (else None)."""
    out: list[tuple[dict, str | None]] = []
    for m in messages:
        if m.role == "user":
            if m.attachments:
                names = ", ".join(a.get("name", "") for a in m.attachments)
                out.append(({"role": "user", "content": "📎 " + translate("chat.attachments", locale, names=names)},
                            None))
            out.append(({"role": "user", "content": m.content}, m.id))
        else:
            out += [(row, None) for row in answer_rows(
                locale, reasoning=m.reasoning or "", seconds=m.reasoning_seconds, content=m.content,
                sources=m.sources, stopped=m.stopped, error=error_text(m.error, locale) if m.error else None)]
    return out


def chat_messages(messages: Sequence[Message], locale: str) -> list[dict]:
    return [row for row, _ in message_rows(messages, locale)]


def list_choices(summaries: Sequence[Any], locale: str, query: str = "") -> list[tuple[str, str]]:
    """(label, id) for the conversation list; a search hit in the messages shows where it matched."""
    out = []
    for s in summaries:
        label = s.title or translate("chat.untitled", locale)
        if getattr(s, "snippet", None) and query.strip().lower() not in label.lower():
            label = f"{label} — {s.snippet}"
        out.append((label, s.id))
    return out


def export_file(title: str, text: str, suffix: str) -> str:
    """Write an export to a fresh temporary folder (Gradio copies it to its cache and serves it for
    download); returns the path. Earlier exports older than ``EXPORT_MINUTES`` are removed."""
    name = re.sub(r"[^\w\u3000-\u9fff-]+", "-", title or "").strip("-")[:60] or "conversation"
    root = Path(tempfile.gettempdir()) / "maas-exports"
    if root.is_dir():
        for old in root.iterdir():
            with contextlib.suppress(OSError):
                if time.time() - old.stat().st_mtime > EXPORT_MINUTES * 60:
                    shutil.rmtree(old)
    folder = root / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / f"{name}{suffix}"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- handlers


def _refusal(exc: ConversationError, locale: str) -> gr.Error:
    text = translate("chat.no_such", locale) if isinstance(exc, NotFound) and exc.field == "conversation" \
        else exc.text(locale)
    return gr.Error(text, title=translate("shell.cannot_do", locale), print_exception=False)


def _settings(model: Any, thinking: Any, budget: Any, system: Any, temperature: Any, top_p: Any,
              max_tokens: Any) -> dict[str, Any]:
    return {"model": model or None, "thinking": bool(thinking), "thinking_budget": budget or None,
            "system_prompt": system or None, "temperature": temperature, "top_p": top_p, "max_tokens": max_tokens}


def make_handlers(gateway: Any, setup: ChatSetup | None) -> SimpleNamespace:
    """The page's handlers bound to ``gateway`` (accounts, catalogue, keys) and ``setup`` (None: chat is off)."""
    console = gateway.console
    convs = setup.conversations if setup is not None else None
    docs = setup.documents if setup is not None else None

    def who(lang: str | None, request: gr.Request | None) -> tuple[str, Any]:
        locale = locale_of(lang, request)
        actor = signed_in(console, request, locale)
        if setup is None:
            raise gr.Error(translate("chat.unavailable", locale), print_exception=False)
        return locale, actor

    def call(locale: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConversationError as exc:
            raise _refusal(exc, locale) from None

    def chat_models() -> list[str]:
        return [m.id for m in gateway.catalogue.models.values() if m.kind == "chat"]

    def listing(actor: Any, locale: str, query: str | None, current: str | None) -> tuple[Any, str]:
        """The conversation list (a search when ``query``) and a line for when it is empty."""
        found = convs.search(actor.user_id, query) if (query or "").strip() else convs.list(actor.user_id)
        choices = list_choices(found, locale, query or "")
        empty = "" if choices else (translate("chat.no_match", locale, query=query.strip()) if (query or "").strip()
                                    else translate("chat.no_conversations", locale))
        value = current if current in {c[1] for c in choices} else None
        return gr.update(choices=choices, value=value), empty

    def opened(locale: str, conv: Conversation | None, model: str | None = None) -> tuple[Any, ...]:
        """chatbot, conversation id, the settings widgets, the title box (a new chat when ``conv`` is None)."""
        models = chat_models()
        if conv is None:
            pick = model if model in models else (models[0] if models else None)
            return ([], "", gr.update(value=pick), False, DEFAULT_BUDGET, "", None, None, None, "")
        s = conv.settings
        pick = s.model if s.model in models else (models[0] if models else None)
        return (chat_messages(conv.messages, locale), conv.id, gr.update(value=pick), s.thinking,
                s.thinking_budget or DEFAULT_BUDGET, s.system_prompt or "", s.temperature, s.top_p, s.max_tokens,
                conv.title)

    def web_state(locale: str) -> Any:
        if getattr(gateway.catalogue, "search", None) is None:
            return gr.update(value=False, interactive=False, info=translate("chat.web_not_configured", locale))
        if setup is None or setup.web_search is None:
            return gr.update(value=False, interactive=False, info=translate("chat.web_unavailable", locale))
        return gr.update(interactive=True, info=translate("chat.web_info", locale))

    # -- the conversation list and the open conversation -------------------------------------
    def load(query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Page load: the list, the model choices, the web-search toggle, and ``?c=<id>`` opened if it is yours."""
        locale, actor = who(lang, request)
        wanted = str((getattr(request, "query_params", None) or {}).get("c") or "")
        conv, notice = None, ""
        if wanted:
            try:
                conv = convs.get(actor.user_id, wanted)
            except NotFound:
                notice = translate("chat.no_such", locale)
        models = chat_models()
        if not models:
            notice = translate("chat.no_models", locale)
        out = opened(locale, conv)
        conv_list, empty = listing(actor, locale, query, out[1])
        model = gr.update(choices=models, value=out[2]["value"])
        return (conv_list, empty, web_state(locale), out[0], out[1], model, *out[3:], notice)

    def open_conversation(conversation_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = who(lang, request)
        if not conversation_id:
            return (*opened(locale, None), "")
        return (*opened(locale, call(locale, convs.get, actor.user_id, conversation_id)), "")

    def redraw(conversation_id: str | None, lang: str, request: gr.Request) -> Any:
        """The open conversation as saved (after Stop: the partial answer, marked stopped); else unchanged."""
        locale, actor = who(lang, request)
        if not conversation_id:
            return gr.update()
        return chat_messages(call(locale, convs.get, actor.user_id, conversation_id).messages, locale)

    def new_chat(model: str | None, query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = who(lang, request)
        conv_list, empty = listing(actor, locale, query, None)
        return (conv_list, *opened(locale, None, model), empty)

    def search(query: str | None, conversation_id: str | None, lang: str, request: gr.Request) -> tuple[Any, str]:
        locale, actor = who(lang, request)
        return listing(actor, locale, query, conversation_id)

    def rename(conversation_id: str | None, title: str | None, query: str | None, lang: str,
               request: gr.Request) -> tuple[Any, str]:
        locale, actor = who(lang, request)
        if not conversation_id:
            raise gr.Error(translate("chat.choose", locale), print_exception=False)
        call(locale, convs.rename, actor.user_id, conversation_id, title or "")
        new_title = convs.get(actor.user_id, conversation_id).title
        conv_list, _ = listing(actor, locale, query, conversation_id)
        return conv_list, translate("chat.renamed", locale, title=new_title)

    def delete(conversation_id: str | None, query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = who(lang, request)
        if not conversation_id:
            raise gr.Error(translate("chat.choose", locale), print_exception=False)
        title = call(locale, convs.get, actor.user_id, conversation_id).title or translate("chat.untitled", locale)
        if docs is not None:                # the documents first: they belong to the conversation
            call(locale, docs.attachments.remove_all, actor.user_id, conversation_id)
        call(locale, convs.delete, actor.user_id, conversation_id)
        conv_list, _ = listing(actor, locale, query, None)
        return (conv_list, *opened(locale, None), translate("chat.deleted", locale, title=title))

    def export(conversation_id: str | None, lang: str, request: gr.Request, *, as_json: bool) -> Any:
        locale, actor = who(lang, request)
        if not conversation_id:
            raise gr.Error(translate("chat.choose", locale), print_exception=False)
        conv = call(locale, convs.get, actor.user_id, conversation_id)
        text = (convs.export_json(actor.user_id, conv.id) if as_json
                else convs.export_markdown(actor.user_id, conv.id, locale))
        title = conv.title or translate("chat.untitled", locale)
        return gr.update(value=export_file(title, text, ".json" if as_json else ".md"), visible=True)

    def export_markdown(conversation_id: str | None, lang: str, request: gr.Request) -> Any:
        return export(conversation_id, lang, request, as_json=False)

    def export_json(conversation_id: str | None, lang: str, request: gr.Request) -> Any:
        return export(conversation_id, lang, request, as_json=True)

    def save_settings(conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                      system: str | None, temperature: float | None, top_p: float | None, max_tokens: float | None,
                      lang: str, request: gr.Request) -> None:
        """Keep a changed setting with the open conversation (a bad value is refused naming its field)."""
        locale, actor = who(lang, request)
        if conversation_id:
            call(locale, convs.update_settings, actor.user_id, conversation_id,
                 **_settings(model, thinking, budget, system, temperature, top_p, max_tokens))

    # -- answering (streams) -------------------------------------------------------------------
    def prepare(locale: str, actor: Any, conversation_id: str | None, values: dict[str, Any]) -> Conversation:
        """The conversation with the page's settings saved (created now if the page has none open)."""
        if not values.get("model"):
            raise gr.Error(translate("chat.pick_model", locale), print_exception=False)
        if conversation_id:
            call(locale, convs.update_settings, actor.user_id, conversation_id, **values)
            return call(locale, convs.get, actor.user_id, conversation_id)
        return call(locale, convs.create, actor.user_id, **values)

    def key_of(actor: Any) -> str:
        return (setup.key_for or gateway.keys.workbench_key)(actor.user_id)

    def window_of(conv: Conversation) -> int | None:
        model = gateway.catalogue.get(conv.settings.model) if conv.settings.model else None
        return model.capabilities.context_length if model is not None else None

    def doc_budget(conv: Conversation) -> int:
        s = conv.settings
        return document_budget(window_of(conv) or DEFAULT_CONTEXT, max_tokens=s.max_tokens,
                               thinking_budget=s.thinking_budget if s.thinking else None)

    # one client per (event loop, user key), kept: building one costs ~43 ms of CPU on the loop
    # (bench/README.md "Chat"); its connection pool belongs to the loop it was made on
    clients: dict[tuple[asyncio.AbstractEventLoop, str], openai.AsyncOpenAI] = {}

    def api_client(actor: Any) -> openai.AsyncOpenAI:
        """The user's client to this process's /v1 (reused across answers; never closed by a handler)."""
        key = key_of(actor)
        slot = (asyncio.get_running_loop(), key)       # the loop itself: an id could be reused
        client = clients.get(slot)
        if client is None:
            if len(clients) > 1000:               # keys rotate per process start; don't grow without bound
                clients.clear()
            client = clients[slot] = openai.AsyncOpenAI(base_url=setup.base_url, api_key=key, max_retries=0,
                                                        timeout=600)
        return client

    async def extras(locale: str, actor: Any, conv: Conversation, question: str,
                     web: bool) -> tuple[list[ContextBlock], list[dict], list[dict], list[str]]:
        """Context for a question: (blocks, web sources, new attachments to save on it, notices). A failed
        search or document search is a notice; the question is answered without it."""
        blocks: list[ContextBlock] = []
        sources: list[dict] = []
        attachments: list[dict] = []
        notices: list[str] = []
        if web and setup.web_search is not None:
            try:
                found, sources = await setup.web_search(actor.user_id, question, locale)
                blocks += found
            except WebSearchError as exc:
                notices.append(translate("chat.web_not_configured", locale) if exc.code == "search_not_configured"
                               else translate("chat.web_failed", locale, reason=exc.text(locale)))
            except Exception:  # noqa: BLE001 - another hook's failure reads plainly, never as a traceback
                notices.append(translate("chat.extra_failed", locale))
        if docs is not None:
            items = call(locale, docs.attachments.list, actor.user_id, conv.id)
            if items:
                try:
                    found = await Retriever(docs.attachments, api_client(actor), docs.embedding_model).context(
                        actor.user_id, conv.id, question, budget_tokens=doc_budget(conv))
                    blocks += found.blocks
                except RetrievalError as exc:
                    notices.append(translate("chat.docs_failed", locale, reason=exc.text(locale)))
                seen = {a.get("id") for m in conv.messages for a in m.attachments}
                attachments = [{"id": a.id, "name": a.name} for a in items if a.id not in seen]
        return blocks, sources, attachments, notices

    async def summarize(locale: str, actor: Any, conv: Conversation, base: list[dict], query: str | None,
                        question: str, doc: Any, outcome: list) -> AsyncIterator[tuple]:
        """"Summarize this paper" on a document too large for the prompt: map-reduce with progress in the
        chat, then the question and the summary saved; ``outcome`` gets True, or the error's text."""
        conv_list, _ = listing(actor, locale, query, conv.id)
        try:
            events = Summarizer(docs.attachments, api_client(actor)).summarize(
                actor.user_id, doc.id, model=conv.settings.model, locale=locale, context_length=window_of(conv))
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    if isinstance(event, Progress):
                        title = translate("chat.summarizing", locale, name=doc.name, done=event.done,
                                          total=event.total)
                        row = {"role": "assistant", "content": "", "metadata": {"title": title, "status": "pending"}}
                        yield base + [row], conv.id, "", conv_list, conv.title, title
                    elif isinstance(event, Summary):
                        seen = {a.get("id") for m in conv.messages for a in m.attachments}
                        new = [{"id": a.id, "name": a.name} for a in docs.attachments.list(actor.user_id, conv.id)
                               if a.id not in seen]
                        convs.add_message(actor.user_id, conv.id, "user", question, attachments=new)
                        convs.add_message(actor.user_id, conv.id, "assistant", event.text, model=conv.settings.model)
                        saved = convs.get(actor.user_id, conv.id)
                        conv_list, _ = listing(actor, locale, query, conv.id)
                        outcome.append(True)
                        yield (chat_messages(saved.messages, locale), conv.id, "", conv_list, saved.title,
                               translate("chat.summarized", locale, name=doc.name, calls=event.calls))
                    else:
                        outcome.append(event.text(locale))
        except ConversationError as exc:
            raise _refusal(exc, locale) from None

    async def answer(locale: str, actor: Any, conv: Conversation, base: list[dict], query: str | None,
                     start: Callable[[ChatEngine, int], AsyncIterator], sources: list[dict],
                     notices: Sequence[str] = ()) -> AsyncIterator[tuple]:
        """Stream one answer into the chat: (chatbot, conversation id, input box, list, title, notice) per step."""
        thinking = conv.settings.thinking
        window = window_of(conv)
        engine = ChatEngine(convs, setup.base_url, key_of(actor), client=api_client(actor))
        told = " ".join(notices)
        reasoning: list[str] = []
        content: list[str] = []
        started, thought = time.monotonic(), None

        def live() -> list[dict]:
            pending = (thinking or bool(reasoning)) and not content      # a reasoning model thinks unasked
            seconds = time.monotonic() - started if pending else thought
            return base + answer_rows(locale, reasoning="".join(reasoning), seconds=seconds,
                                      content="".join(content), sources=sources, thinking=pending)

        conv_list, _ = listing(actor, locale, query, conv.id)
        yield live(), conv.id, "", conv_list, conv.title, told
        try:
            async with contextlib.aclosing(start(engine, window)) as events:
                async for event in events:
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
                        conv_list, _ = listing(actor, locale, query, conv.id)
                        yield rows, conv.id, "", conv_list, saved.title, notice
                        return
                    yield live(), conv.id, "", gr.update(), gr.update(), told
        except ConversationError as exc:
            raise _refusal(exc, locale) from None

    async def send(text: str | None, files: list[str] | None, conversation_id: str | None, model: str | None,
                   thinking: bool, budget: float | None, system: str | None, temperature: float | None,
                   top_p: float | None, max_tokens: float | None, web: bool, query: str | None, lang: str,
                   request: gr.Request) -> AsyncIterator[tuple]:
        """Save the question and stream the answer (the conversation is created by the first question).
        ``files`` is the upload box: its files were attached when uploaded (``attach``)."""
        locale, actor = who(lang, request)
        question = (text or "").strip()
        if not question:
            raise gr.Error(translate("chat.empty", locale), print_exception=False)
        conv = prepare(locale, actor, conversation_id,
                       _settings(model, thinking, budget, system, temperature, top_p, max_tokens))
        base = chat_messages(conv.messages, locale) + [{"role": "user", "content": question}]
        notices: list[str] = []
        if docs is not None and wants_summary(question):
            budget_tokens = doc_budget(conv)
            big = [a for a in call(locale, docs.attachments.list, actor.user_id, conv.id) if a.tokens > budget_tokens]
            if big:
                outcome: list = []
                async for step in summarize(locale, actor, conv, base, query, question, big[-1], outcome):
                    yield step
                if outcome and outcome[0] is True:
                    return
                notices.append(translate("chat.summary_failed", locale, reason=outcome[0] if outcome else ""))
        blocks, sources, attachments, found = await extras(locale, actor, conv, question, web)

        def start(engine: ChatEngine, window: int | None) -> AsyncIterator:
            return engine.send(actor.user_id, conv.id, question, context_length=window, attachments=attachments,
                               context=blocks, sources=sources)

        async for step in answer(locale, actor, conv, base, query, start, sources, [*notices, *found]):
            yield step

    async def regenerate(conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                         system: str | None, temperature: float | None, top_p: float | None,
                         max_tokens: float | None, web: bool, query: str | None, lang: str,
                         request: gr.Request) -> AsyncIterator[tuple]:
        """Answer the last question again (the chat's retry button), with the page's settings."""
        locale, actor = who(lang, request)
        if not conversation_id:
            raise gr.Error(translate("chat.choose", locale), print_exception=False)
        conv = prepare(locale, actor, conversation_id,
                       _settings(model, thinking, budget, system, temperature, top_p, max_tokens))
        last = max((i for i, m in enumerate(conv.messages) if m.role == "user"), default=-1)
        base = chat_messages(conv.messages[: last + 1], locale)
        question = conv.messages[last].content if last >= 0 else ""
        blocks, sources, _, notices = await extras(locale, actor, conv, question, web)

        def start(engine: ChatEngine, window: int | None) -> AsyncIterator:
            return engine.regenerate(actor.user_id, conv.id, context_length=window, context=blocks, sources=sources)

        async for step in answer(locale, actor, conv, base, query, start, sources, notices):
            yield step

    async def resend(conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                     system: str | None, temperature: float | None, top_p: float | None, max_tokens: float | None,
                     web: bool, query: str | None, lang: str, edit: gr.EditData,
                     request: gr.Request) -> AsyncIterator[tuple]:
        """A question edited in the chat: change it, drop what came after, answer it again."""
        locale, actor = who(lang, request)
        if not conversation_id:
            raise gr.Error(translate("chat.choose", locale), print_exception=False)
        conv = prepare(locale, actor, conversation_id,
                       _settings(model, thinking, budget, system, temperature, top_p, max_tokens))
        rows = message_rows(conv.messages, locale)
        index = edit.index if edit is not None and isinstance(edit.index, int) else -1
        message_id = rows[index][1] if 0 <= index < len(rows) else None
        if message_id is None:
            raise gr.Error(translate("chat.edit_question_only", locale), print_exception=False)
        question = _edited_text(edit.value).strip()
        if not question:
            raise gr.Error(translate("chat.empty", locale), print_exception=False)
        position = next(i for i, m in enumerate(conv.messages) if m.id == message_id)
        base = chat_messages(conv.messages[:position], locale) + [{"role": "user", "content": question}]
        blocks, sources, _, notices = await extras(locale, actor, conv, question, web)

        def start(engine: ChatEngine, window: int | None) -> AsyncIterator:
            return engine.resend(actor.user_id, conv.id, message_id, question, context_length=window,
                                 context=blocks, sources=sources)

        async for step in answer(locale, actor, conv, base, query, start, sources, notices):
            yield step

    # -- documents ------------------------------------------------------------------------------
    def doc_choices(actor: Any, locale: str, conversation_id: str | None) -> list[tuple[str, str]]:
        if docs is None or not conversation_id:
            return []
        items = call(locale, docs.attachments.list, actor.user_id, conversation_id)
        return [(translate("chat.doc_chip", locale, name=a.name, pages=a.pages) if a.paged else f"📄 {a.name}", a.id)
                for a in items]

    def documents(conversation_id: str | None, lang: str, request: gr.Request) -> Any:
        """The open conversation's documents (ticking one marks it for removal)."""
        locale, actor = who(lang, request)
        return gr.update(choices=doc_choices(actor, locale, conversation_id), value=[])

    def remove_documents(conversation_id: str | None, selected: list[str] | None, lang: str,
                         request: gr.Request) -> tuple[Any, str]:
        locale, actor = who(lang, request)
        if docs is None or not conversation_id:
            raise gr.Error(translate("chat.choose", locale), print_exception=False)
        if not selected:
            raise gr.Error(translate("chat.doc_pick", locale), print_exception=False)
        names = []
        for attachment_id in selected:
            names.append(call(locale, docs.attachments.get, actor.user_id, attachment_id).name)
            call(locale, docs.attachments.delete, actor.user_id, attachment_id)
        choices = doc_choices(actor, locale, conversation_id)
        return gr.update(choices=choices, value=[]), translate("chat.doc_removed", locale, names=", ".join(names))

    async def attach(files: list[Any] | None, conversation_id: str | None, model: str | None, thinking: bool,
                     budget: float | None, system: str | None, temperature: float | None, top_p: float | None,
                     max_tokens: float | None, query: str | None, lang: str,
                     request: gr.Request) -> AsyncIterator[tuple]:
        """Uploaded files into the open conversation (created now if none), the parse progress as it goes:
        (conversation id, documents, upload box, notice, conversation list) per step."""
        locale, actor = who(lang, request)
        if docs is None:
            raise gr.Error(translate("chat.docs_unavailable", locale), print_exception=False)
        paths = [str(getattr(f, "path", None) or f) for f in (files or []) if f]
        if not paths:
            return
        conv = prepare(locale, actor, conversation_id,
                       _settings(model, thinking, budget, system, temperature, top_p, max_tokens))
        conv_list, _ = listing(actor, locale, query, conv.id)
        added, problems = [], []
        for path in paths:
            name = Path(path).name
            if os.path.getsize(path) > docs.max_bytes:
                problems.append(translate("chat.doc_too_big", locale, name=name, limit=max(1, docs.max_bytes // MB)))
                continue
            data = Path(path).read_bytes()
            seen: list[Progress] = []
            task = asyncio.ensure_future(asyncio.to_thread(docs.attachments.add, actor.user_id, conv.id, name, data,
                                                           max_bytes=docs.max_bytes, progress=seen.append))
            while not task.done():
                now = seen[-1] if seen else Progress("reading", 0, 1)
                stage = translate(f"chat.stage_{now.stage}", locale)
                yield (conv.id, gr.update(), gr.update(), conv_list,
                       translate("chat.doc_progress", locale, name=name, stage=stage, done=now.done, total=now.total))
                await asyncio.wait({task}, timeout=0.25)
            try:
                added.append(task.result().name)
            except (DocumentError, ConversationError) as exc:
                problems.append(translate("chat.doc_refused", locale, name=name, reason=exc.text(locale)))
        lines = ([translate("chat.doc_added", locale, names=", ".join(added))] if added else []) + \
            [f"⚠️ {p}" for p in problems]
        yield (conv.id, gr.update(choices=doc_choices(actor, locale, conv.id), value=[]), None, conv_list,
               "\n\n".join(lines))

    return SimpleNamespace(load=load, open_conversation=open_conversation, redraw=redraw, new_chat=new_chat,
                           search=search, rename=rename, delete=delete, export_markdown=export_markdown,
                           export_json=export_json, save_settings=save_settings, send=send, regenerate=regenerate,
                           resend=resend, documents=documents, remove_documents=remove_documents, attach=attach)


def _edited_text(value: Any) -> str:
    """The text of an edited chat message (Gradio sends a string, or a list of text parts)."""
    if isinstance(value, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in value)
    return str(value or "")


# ---------------------------------------------------------------- layout


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, setup: ChatSetup | None = None) -> None:
    """Lay out the chat page in the current route and wire it (``setup`` None: every handler says chat is off)."""
    h = make_handlers(gateway, setup)
    lang = gr.Textbox(visible=False)
    conv_id = gr.Textbox(visible="hidden", elem_id="chat-conversation-id")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            new_btn = gr.Button(i18n("chat.new"), variant="primary", elem_id="chat-new")
            query = gr.Textbox(label=i18n("chat.search"), placeholder=i18n("chat.search_hint"), max_lines=1,
                               elem_id="chat-search")
            conv_list = gr.Radio(label=i18n("chat.list"), choices=[], elem_id="chat-list")
            list_note = gr.Markdown(elem_id="chat-list-note")
            with gr.Accordion(i18n("chat.manage"), open=False, elem_id="chat-manage"):
                title = gr.Textbox(label=i18n("chat.title_label"), max_lines=1, elem_id="chat-title")
                rename_btn = gr.Button(i18n("chat.rename"), size="sm", elem_id="chat-rename")
                with gr.Row():
                    md_btn = gr.Button(i18n("chat.export_md"), size="sm", elem_id="chat-export-md")
                    json_btn = gr.Button(i18n("chat.export_json"), size="sm", elem_id="chat-export-json")
                download = gr.File(label=i18n("chat.download"), visible=False, interactive=False,
                                   elem_id="chat-download")
                delete_btn = gr.Button(i18n("chat.delete"), size="sm", variant="stop", elem_id="chat-delete")
        with gr.Column(scale=4):
            with gr.Row(equal_height=True):
                model = gr.Dropdown(label=i18n("chat.model"), choices=[], scale=2, elem_id="chat-model")
                thinking = gr.Checkbox(label=i18n("chat.thinking"), info=i18n("chat.thinking_info"), scale=1,
                                       elem_id="chat-thinking")
                budget = gr.Slider(THINKING_BUDGET[0], 8192, value=DEFAULT_BUDGET, step=16, label=i18n("chat.budget"),
                                   scale=2, elem_id="chat-budget")
                web = gr.Checkbox(label=i18n("chat.web"), interactive=False, scale=1, elem_id="chat-web")
            bot = gr.Chatbot(label=i18n("chat.bot"), height="60vh", editable="user", buttons=["copy", "copy_all"],
                             latex_delimiters=LATEX, placeholder=i18n("chat.placeholder"), feedback_options=None,
                             elem_id="chat-bot")
            with gr.Row(equal_height=True):
                text = gr.Textbox(label=i18n("chat.input"), placeholder=i18n("chat.input_hint"), lines=1,
                                  max_lines=10, scale=6, show_label=False, elem_id="chat-input")
                send_btn = gr.Button(i18n("chat.send"), variant="primary", scale=1, min_width=80, elem_id="chat-send")
                stop_btn = gr.Button(i18n("chat.stop"), variant="stop", scale=1, min_width=80, elem_id="chat-stop")
            with_docs = setup is not None and setup.documents is not None
            with gr.Row(equal_height=True, visible=with_docs):
                files = gr.File(label=i18n("chat.upload"), file_count="multiple", file_types=UPLOAD_TYPES, scale=3,
                                elem_id="chat-files")
                with gr.Column(scale=2):
                    doc_list = gr.CheckboxGroup(label=i18n("chat.doc_list"), choices=[], info=i18n("chat.doc_info"),
                                                elem_id="chat-docs")
                    remove_docs = gr.Button(i18n("chat.doc_remove"), size="sm", elem_id="chat-docs-remove")
            notice = gr.Markdown(elem_id="chat-notice")
            with gr.Accordion(i18n("chat.advanced"), open=False, elem_id="chat-advanced"):
                system = gr.Textbox(label=i18n("chat.system_prompt"), placeholder=i18n("chat.system_hint"), lines=3,
                                    elem_id="chat-system")
                with gr.Row():
                    temperature = gr.Number(label=i18n("chat.temperature"), value=None, elem_id="chat-temperature")
                    top_p = gr.Number(label=i18n("chat.top_p"), value=None, elem_id="chat-top-p")
                    max_tokens = gr.Number(label=i18n("chat.max_tokens"), value=None, precision=0,
                                           elem_id="chat-max-tokens")

    settings = [model, thinking, budget, system, temperature, top_p, max_tokens]
    opened = [bot, conv_id, *settings, title]
    streamed = [bot, conv_id, text, conv_list, title, notice]
    quick = {"show_progress": "hidden", "concurrency_limit": None, "js": WITH_LANG_JS}
    # streams wait on the network, not on this process: no per-event queue limit (the gateway's limits apply)
    stream = {"show_progress": "minimal", "concurrency_limit": None, "js": WITH_LANG_JS}

    page.load(h.load, inputs=[query, lang], outputs=[conv_list, list_note, web, bot, conv_id, *settings, title, notice],
              api_name="chat_load", **quick)
    conv_list.input(h.open_conversation, inputs=[conv_list, lang], outputs=[*opened, notice], api_name="chat_open",
                    **quick)
    gr.on([new_btn.click, bot.clear], h.new_chat, inputs=[model, query, lang], outputs=[conv_list, *opened, list_note],
          api_name="chat_new", **quick)     # the chat's own Clear button starts a new chat too
    query.input(h.search, inputs=[query, conv_id, lang], outputs=[conv_list, list_note], api_name="chat_search",
                trigger_mode="always_last", **quick)
    rename_btn.click(h.rename, inputs=[conv_id, title, query, lang], outputs=[conv_list, notice],
                     api_name="chat_rename", **quick)
    title.submit(h.rename, inputs=[conv_id, title, query, lang], outputs=[conv_list, notice], **quick)
    delete_btn.click(h.delete, inputs=[conv_id, query, lang], outputs=[conv_list, *opened, notice],
                     api_name="chat_delete", **quick)
    md_btn.click(h.export_markdown, inputs=[conv_id, lang], outputs=[download], api_name="chat_export_md", **quick)
    json_btn.click(h.export_json, inputs=[conv_id, lang], outputs=[download], api_name="chat_export_json", **quick)
    gr.on([model.input, thinking.input, budget.release, system.blur, temperature.blur, top_p.blur, max_tokens.blur],
          h.save_settings, inputs=[conv_id, *settings, lang], outputs=None, api_name="chat_settings",
          trigger_mode="always_last", **quick)

    sent = gr.on([text.submit, send_btn.click], h.send, inputs=[text, files, conv_id, *settings, web, query, lang],
                 outputs=streamed, api_name="chat_send", **stream)
    retried = bot.retry(h.regenerate, inputs=[conv_id, *settings, web, query, lang], outputs=streamed,
                        api_name="chat_regenerate", **stream)
    edited = bot.edit(h.resend, inputs=[conv_id, *settings, web, query, lang], outputs=streamed,
                      api_name="chat_resend", **stream)
    # Stop cancels the stream (the engine saves what arrived, marked stopped), then shows the saved state
    stop_btn.click(None, cancels=[sent, retried, edited]).then(
        h.redraw, inputs=[conv_id, lang], outputs=[bot], api_name="chat_redraw", **quick)
    conv_id.change(None, inputs=[conv_id], js=URL_JS)
    if with_docs:
        conv_id.change(h.documents, inputs=[conv_id, lang], outputs=[doc_list], api_name="chat_documents", **quick)
        files.upload(h.attach, inputs=[files, conv_id, *settings, query, lang],
                     outputs=[conv_id, doc_list, files, conv_list, notice], api_name="chat_attach", **stream)
        remove_docs.click(h.remove_documents, inputs=[conv_id, doc_list, lang], outputs=[doc_list, notice],
                          api_name="chat_remove_documents", **quick)
