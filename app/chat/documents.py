"""The chat page's document handlers: upload into the open conversation (parse progress shown as it goes),
the conversation's documents listed, and removed. Parsing runs in a worker thread (``workbench.attachments``)
so the page keeps answering; a file too big, damaged or of the wrong type is refused alone, by name. (The answer
pipeline reads them: ``workbench.answering``.)"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from app.chat.context import ChatContext, answer_options, notice_error
from app.shell.i18n import translate
from app.shell.views import View
from gateway.accounts.console import Actor
from workbench.attachments import MB, Progress
from workbench.conversations import ConversationError
from workbench.documents.errors import DocumentError

POLL_SECONDS = 0.25            # how often an upload's progress is shown


@dataclass
class Attached(View):
    """A step of an upload: the conversation id (made by the upload when none was open), the documents' list, the
    upload box, the conversation list, the notice, and the list's empty-line."""

    conv_id: Any
    doc_list: Any
    files: Any
    conv_list: Any
    notice: Any
    list_note: Any


@dataclass
class Removed(View):
    """Documents removed: the documents' list and the notice."""

    doc_list: Any
    notice: Any


class ChatDocumentHandlers:
    """documents, remove_documents and attach over ``chat``."""

    def __init__(self, chat: ChatContext) -> None:
        self.chat = chat

    def choices(self, actor: Actor, locale: str, conversation_id: str | None) -> list[tuple[str, str]]:
        docs = self.chat.docs
        if docs is None or not conversation_id:
            return []
        items = self.chat.call(locale, docs.attachments.list, actor.user_id, conversation_id)
        return [(translate("chat.doc_chip", locale, name=a.name, pages=a.pages) if a.paged else f"📄 {a.name}", a.id)
                for a in items]

    def documents(self, conversation_id: str | None, lang: str, request: gr.Request) -> Any:
        """The open conversation's documents (ticking one marks it for removal)."""
        locale, actor = self.chat.who(lang, request)
        return gr.update(choices=self.choices(actor, locale, conversation_id), value=[])

    def remove_documents(self, conversation_id: str | None, selected: list[str] | None, lang: str,
                         request: gr.Request) -> Removed:
        locale, actor = self.chat.who(lang, request)
        docs = self.chat.docs
        if docs is None or not conversation_id:
            raise notice_error("chat.choose", locale)
        if not selected:
            raise notice_error("chat.doc_pick", locale)
        names = []
        for attachment_id in selected:
            names.append(self.chat.call(locale, docs.attachments.get, actor.user_id, attachment_id).name)
            self.chat.call(locale, docs.attachments.delete, actor.user_id, attachment_id)
        choices = self.choices(actor, locale, conversation_id)
        return Removed(gr.update(choices=choices, value=[]),
                       translate("chat.doc_removed", locale, names=", ".join(names)))

    async def attach(self, files: list[Any] | None, conversation_id: str | None, model: str | None, thinking: bool,
                     budget: float | None, system: str | None, temperature: float | None, top_p: float | None,
                     max_tokens: float | None, query: str | None, lang: str,
                     request: gr.Request) -> AsyncIterator[Attached]:
        """Uploaded files into the open conversation (created now if none, with the page's settings), the parse
        progress as it goes."""
        locale, actor = self.chat.who(lang, request)
        docs = self.chat.docs
        if docs is None:
            raise notice_error("chat.docs_unavailable", locale)
        paths = [str(getattr(f, "path", None) or f) for f in (files or []) if f]
        if not paths:
            return
        options = answer_options(model, thinking, budget, system, temperature, top_p, max_tokens, locale=locale)
        conv = self.chat.call(locale, self.chat.answers.conversation, actor.user_id, conversation_id or None, options)
        conv_list, note = self.chat.listing(actor, locale, query, conv.id)
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
                yield Attached(conv.id, gr.update(), gr.update(), conv_list,
                               translate("chat.doc_progress", locale, name=name, stage=stage, done=now.done,
                                         total=now.total), note)
                await asyncio.wait({task}, timeout=POLL_SECONDS)
            try:
                added.append(task.result().name)
            except (DocumentError, ConversationError) as exc:
                problems.append(translate("chat.doc_refused", locale, name=name, reason=exc.text(locale)))
        lines = ([translate("chat.doc_added", locale, names=", ".join(added))] if added else []) + \
            [f"⚠️ {p}" for p in problems]
        yield Attached(conv.id, gr.update(choices=self.choices(actor, locale, conv.id), value=[]), None, conv_list,
                       "\n\n".join(lines), note)
