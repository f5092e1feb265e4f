"""What a question is answered from: web pages, the chosen knowledge bases' passages, the conversation's documents.

``Gatherer.gather`` runs, for one question: the web search (when asked and offered), the knowledge bases (each
checked again now with ``KnowledgeService.readable``: one the user may no longer read is left out with a notice
naming it; when they hold nothing relevant and nothing else is there to answer from, the fixed reply
``workbench.kb.answer.nothing_reply`` replaces the model's), and the passages of the conversation's documents
(``workbench.retrieval.Retriever``, within a token budget shared with the knowledge bases). Sources are numbered
in that order. A failed search is a notice; the question is answered without it.

A question's knowledge bases are saved on it as attachments ``{"id": "kb:<id>", "name": ...}`` (the conversations
store has no column for them): a conversation's selection is that of its last question (``asked_kbs``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import openai

from shared.messages import Message, Words
from workbench.answering.events import Said
from workbench.attachments import Attachment, Attachments
from workbench.chat import ContextBlock
from workbench.citations import Cited, Citer
from workbench.conversations import Conversation
from workbench.embeddings import embed
from workbench.errors import WorkbenchError
from workbench.kb.answer import grounding, nothing_reply
from workbench.kb.errors import KBError
from workbench.messages import MESSAGES
from workbench.retrieval import RetrievalError, Retriever
from workbench.websearch_client import WebSearch, WebSearchError

if TYPE_CHECKING:
    from workbench.kb.service import KnowledgeService

KB_PREFIX = "kb:"           # a question's attachment naming a knowledge base
KB_HITS = 6                 # passages asked of the knowledge bases per question (before the relevance floor)


def said(code: str, **fields: object) -> Message:
    """One of the pipeline's sentences (``workbench/messages/chat.py``)."""
    return MESSAGES.message(code, **fields)


def reason(exc: WorkbenchError) -> Words:
    """A refusal's words as a field of another sentence (said in the same language)."""
    return Words(exc.text("en"), exc.text("zh"))


def asked_kbs(conv: Conversation | None) -> list[dict] | None:
    """The KBs the conversation's last question was asked over, ``[{id, name}]``; None before any question."""
    questions = [m for m in conv.messages if m.role == "user"] if conv is not None else []
    if not questions:
        return None
    return [{"id": a["id"][len(KB_PREFIX):], "name": a.get("name", "")} for a in questions[-1].attachments
            if str(a.get("id", "")).startswith(KB_PREFIX)]


def kb_names(conv: Conversation | None) -> dict[str, str]:
    """KB id -> the name the conversation's questions saved with it (for KBs the user may no longer read)."""
    return {a["id"][len(KB_PREFIX):]: a.get("name", "") for m in (conv.messages if conv else ()) if m.role == "user"
            for a in m.attachments if str(a.get("id", "")).startswith(KB_PREFIX)}


def new_attachments(conv: Conversation, items: Sequence[Attachment]) -> list[dict]:
    """The conversation's documents no earlier question carries yet (saved on the next question)."""
    seen = {a.get("id") for m in conv.messages for a in m.attachments}
    return [{"id": a.id, "name": a.name} for a in items if a.id not in seen]


@dataclass
class Context:
    """A question's context: ``blocks`` for the model, numbered ``sources`` as saved, new ``attachments`` to save on
    the question (documents, the knowledge bases asked), ``notices``, ``reply`` (a fixed answer that replaces the
    model's), the passages ``cited`` for checking the answer's citations and the ``citer`` that checks them."""

    blocks: list[ContextBlock] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    notices: list[Said] = field(default_factory=list)
    reply: str | None = None
    cited: list[Cited] = field(default_factory=list)
    citer: Citer | None = None


@dataclass
class KBContext:
    """What the chosen knowledge bases gave a question (see ``Gatherer.kbs``); ``nothing``: the fixed answer when
    they were searched and hold nothing relevant (None otherwise)."""

    blocks: list[ContextBlock] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    asked: list[dict] = field(default_factory=list)
    notices: list[Said] = field(default_factory=list)
    nothing: str | None = None
    cited: list[Cited] = field(default_factory=list)


@dataclass(frozen=True)
class Question:
    """One question to gather for: who asks, in which conversation, in which language (the web results'), with
    which client (the user's key), within how many tokens of document text, and what to read."""

    user_id: str
    conversation: Conversation
    text: str
    locale: str
    client: openai.AsyncOpenAI
    budget: int                         # tokens of document text the prompt may carry (KBs and documents share it)
    kb_ids: Sequence[str] = ()
    web: bool = False
    documents: bool = True


class Gatherer:
    """Gathers a question's context from the services the chat has (each None: not offered)."""

    def __init__(self, *, attachments: Attachments | None, embedding_model: str, knowledge: KnowledgeService | None,
                 web_search: WebSearch | None, citation_model: Callable[[], str | None]) -> None:
        self.attachments, self.embedding_model = attachments, embedding_model
        self.knowledge, self.web_search, self.citation_model = knowledge, web_search, citation_model

    def documents(self, user_id: str, conv: Conversation) -> list[Attachment]:
        """The conversation's attached documents (none when documents are not offered)."""
        return self.attachments.list(user_id, conv.id) if self.attachments is not None else []

    async def gather(self, q: Question) -> Context:
        out = Context()
        web_found = False
        if q.web and self.web_search is not None:
            try:
                found = await self.web_search(q.user_id, q.text, q.locale)
                out.blocks += found.blocks
                out.sources = [dict(item) for item in found.sources]
                web_found = bool(out.sources)
                for item in out.sources:            # what the model read of each page: for the citations only
                    text = item.pop("text", "")
                    out.cited.append(Cited(int(item.get("index") or 0), str(text or ""), item))
            except WebSearchError as exc:
                out.notices.append(said("answer.web_not_configured") if exc.code == "search_not_configured"
                                   else said("answer.web_failed", reason=reason(exc)))
            except Exception:  # noqa: BLE001 - another hook's failure reads plainly, never as a traceback
                out.notices.append(said("answer.extra_failed"))
        items = self.documents(q.user_id, q.conversation) if q.documents else []
        if q.kb_ids:
            kb = await self.kbs(q, start=len(out.sources) + 1, budget_tokens=q.budget // (2 if items else 1))
            out.blocks, out.sources, out.attachments = out.blocks + kb.blocks, out.sources + kb.sources, kb.asked
            out.notices += kb.notices
            out.cited += kb.cited
            if kb.nothing is not None and not web_found and not items:
                out.reply = kb.nothing                                # nothing else to answer from: no guessing
            elif kb.nothing is not None:
                out.notices.append(said("answer.kb_nothing"))
        if items:
            try:
                found = await Retriever(self.attachments, q.client, self.embedding_model).context(
                    q.user_id, q.conversation.id, q.text, budget_tokens=q.budget // (2 if q.kb_ids else 1),
                    start=max([c.index for c in out.cited] + [len(out.sources)]) + 1)
                out.blocks += found.blocks
                out.cited += [Cited(d.index, d.text, d.saved(), always=False, vector=found.vectors.get(d.index))
                              for d in found.sources]
            except RetrievalError as exc:
                out.notices.append(said("answer.docs_failed", reason=reason(exc)))
            out.attachments = new_attachments(q.conversation, items) + out.attachments
        if out.cited:
            model, client = self.citation_model(), q.client
            out.citer = Citer(out.cited, embed=(lambda texts: embed(client, model, texts)) if model else None)
        return out

    async def kbs(self, q: Question, *, start: int, budget_tokens: int) -> KBContext:
        """The chosen KBs' passages for a question. Each KB is checked again now: one the user may no longer read is
        left out with a notice naming it; when nothing relevant is found, ``nothing`` holds the fixed answer
        (``workbench.kb.answer.nothing_reply``) and the model is told so too."""
        ids = list(dict.fromkeys(k for k in q.kb_ids if isinstance(k, str) and k))
        if not ids:
            return KBContext()
        if self.knowledge is None:
            return KBContext(notices=[said("answer.kb_unavailable")])
        names, kbs = kb_names(q.conversation), []
        notices: list[Said] = []
        for kb_id in ids:
            try:
                kbs += self.knowledge.readable(q.user_id, [kb_id])
            except KBError:
                name = names.get(kb_id)
                notices.append(said("answer.kb_gone", name=name) if name else said("answer.kb_gone_unnamed"))
        asked = [{"id": KB_PREFIX + kb.id, "name": kb.name} for kb in kbs]
        if not kbs:
            return KBContext(asked=asked, notices=notices)
        try:
            hits = await self.knowledge.search(q.user_id, [kb.id for kb in kbs], q.text, KB_HITS, client=q.client)
        except KBError as exc:
            return KBContext(asked=asked, notices=[*notices, said("answer.kb_failed", reason=reason(exc))])
        if hits.rerank_error is not None:
            notices.append(hits.rerank_error)
        found = grounding(hits, kb_names={kb.id: kb.name for kb in kbs}, start=start, budget_tokens=budget_tokens)
        nothing = None
        if found.left_out and not found.covered:
            notices.append(said("answer.kb_no_room"))
        elif not found.covered:
            nothing = nothing_reply([kb.name for kb in kbs], q.text)
        saved = [s.saved() for s in found.sources]
        return KBContext(found.blocks, saved, asked, notices, nothing,
                         [Cited(s.index, s.text, item) for s, item in zip(found.sources, saved, strict=True)])
