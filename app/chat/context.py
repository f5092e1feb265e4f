"""What the chat page is given (``ChatSetup``) and what all its handlers share (``ChatPage``).

``ChatPage`` answers the questions every handler starts with: who is asking (``who``: the page language and
the signed-in user, looked up again on each call), which conversation (``begin``: the page's settings saved
on it, or a new one made by the first question), which models may be picked, the user's API client (one per
user key and event loop, kept), and the conversation list. Conversations come from ``workbench.conversations``,
which answers another user's conversation id exactly like a missing one.

Knowledge bases (``ChatSetup.knowledge``, a ``workbench.kb.service.KnowledgeService``): the page offers the KBs the
user may read (theirs, their teams', granted or shared with them, public ones from the square); ``kb_context``
re-checks each chosen KB on every question, searches them with the user's own client and numbers the passages
(``workbench.kb.answer``). A question's KBs are saved on it as attachments ``{"id": "kb:<id>", "name": ...}``
(the conversations store has no column for them): a conversation's selection is that of its last question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import gradio as gr
import openai

from app.chat.view import KB_PREFIX, list_choices
from app.kb.view import named_spaces
from app.shell.access import locale_of, signed_in
from app.shell.i18n import translate
from gateway.routing.catalogue import DEFAULT_THINKING_BUDGET
from workbench.attachments import MB, Attachments
from workbench.chat import DEFAULT_CONTEXT, ContextBlock
from workbench.citations import Cited
from workbench.clients import UserClients
from workbench.conversations import Conversation, ConversationError, Conversations, NotFound
from workbench.kb.answer import grounding, nothing_reply
from workbench.kb.errors import KBError
from workbench.retrieval import document_budget
from workbench.websearch_client import search_web

DEFAULT_BUDGET = DEFAULT_THINKING_BUDGET     # a model the catalogue does not know
UPLOAD_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"]
KB_HITS = 6                 # passages asked of the knowledge bases per question (before the relevance floor)


class WebSearchHook(Protocol):
    """Searches the web for a question: (context blocks with numbered sources, [{index, title, url}])."""

    async def __call__(self, user_id: str, question: str, locale: str) -> tuple[list[ContextBlock], list[dict]]: ...


@dataclass
class KBContext:
    """What the chosen knowledge bases gave a question: ``blocks`` for the model, ``sources`` as saved (numbered),
    the KBs ``asked`` (saved on the question), ``notices`` for the user, and ``nothing``: the fixed answer when
    the KBs were searched and hold nothing relevant (None otherwise); ``cited``: the passages for checking the
    answer's citations (``workbench.citations``)."""

    blocks: list[ContextBlock] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    asked: list[dict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    nothing: str | None = None
    cited: list[Cited] = field(default_factory=list)


@dataclass
class ChatDocuments:
    """Documents in the chat: where they are kept, the largest file accepted, the embedding model."""

    attachments: Attachments
    max_bytes: int = 20 * MB
    embedding_model: str = "use-multilingual:v3"


@dataclass
class ChatSetup:
    """What the page needs besides the gateway: the conversations and where the /v1 API answers."""

    conversations: Conversations
    base_url: str                                     # this process's own API, e.g. http://127.0.0.1:7860/v1
    key_for: Callable[[str], str] | None = None       # user id -> API key (default: the user's workbench key)
    web_search: WebSearchHook | None = None           # web search in the chat (built with the web-search feature)
    documents: ChatDocuments | None = None            # documents in the chat
    knowledge: Any | None = None                      # the knowledge bases (workbench.kb.service.KnowledgeService)


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


def refusal(exc: ConversationError, locale: str) -> gr.Error:
    """A conversation service's refusal as the page shows it (another user's conversation reads as missing)."""
    text = translate("chat.no_such", locale) if isinstance(exc, NotFound) and exc.field == "conversation" \
        else exc.text(locale)
    return gr.Error(text, title=translate("shell.cannot_do", locale), print_exception=False)


def notice_error(key: str, locale: str, **fields: Any) -> gr.Error:
    """A plain refusal of the page's own (nothing chosen, an empty question, ...)."""
    return gr.Error(translate(key, locale, **fields), title=translate("shell.cannot_do", locale),
                    print_exception=False)


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


def settings_values(model: Any, thinking: Any, budget: Any, system: Any, temperature: Any, top_p: Any,
                    max_tokens: Any) -> dict[str, Any]:
    """The advanced panel's widgets as a conversation's settings."""
    return {"model": model or None, "thinking": bool(thinking), "thinking_budget": budget or None,
            "system_prompt": system or None, "temperature": temperature, "top_p": top_p, "max_tokens": max_tokens}


class ChatPage:
    """The chat page's shared services for its handlers (``setup`` None: every handler says chat is off)."""

    def __init__(self, gateway: Any, setup: ChatSetup | None) -> None:
        self.gateway = gateway
        self.setup = setup
        self.convs = setup.conversations if setup is not None else None
        self.docs = setup.documents if setup is not None else None
        self.knowledge = setup.knowledge if setup is not None else None
        self._clients = UserClients(setup.base_url, self._key_for) if setup is not None else None

    # -- who and what ------------------------------------------------------------------------
    def who(self, lang: str | None, request: gr.Request | None) -> tuple[str, Any]:
        """(locale, actor) of the signed-in caller; refuses when signed out or when chat is off."""
        locale = locale_of(lang, request)
        actor = signed_in(self.gateway.console, request, locale)
        if self.setup is None:
            raise notice_error("chat.unavailable", locale)
        return locale, actor

    def call(self, locale: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` with a conversation service's refusal turned into the page's message."""
        try:
            return fn(*args, **kwargs)
        except ConversationError as exc:
            raise refusal(exc, locale) from None

    def chat_models(self) -> list[str]:
        return [m.id for m in self.gateway.catalogue.models.values() if m.kind == "chat"]

    def begin(self, lang: str | None, request: gr.Request | None, conversation_id: str | None,
              values: dict[str, Any], *, existing: bool = False) -> tuple[str, Any, Conversation]:
        """(locale, actor, conversation) for a handler that answers or attaches: the page's settings saved on
        the open conversation, or a new conversation with them (``existing``: one must be open)."""
        locale, actor = self.who(lang, request)
        if existing and not conversation_id:
            raise notice_error("chat.choose", locale)
        if not values.get("model"):
            # the model box is still empty when a quick user sends before the page's load event filled it
            saved = self.call(locale, self.convs.get, actor.user_id, conversation_id) if conversation_id else None
            models = self.chat_models()
            fallback = saved.settings.model if saved is not None and saved.settings.model in models else None
            values = {**values, "model": fallback or (models[0] if models else None)}
            if not values["model"]:
                raise notice_error("chat.pick_model", locale)
        if conversation_id:
            self.call(locale, self.convs.update_settings, actor.user_id, conversation_id, **values)
            return locale, actor, self.call(locale, self.convs.get, actor.user_id, conversation_id)
        return locale, actor, self.call(locale, self.convs.create, actor.user_id, **values)

    # -- the conversation list and the open conversation ------------------------------------
    def listing(self, actor: Any, locale: str, query: str | None, current: str | None) -> tuple[Any, str]:
        """The conversation list (a search when ``query``) and a line for when it is empty."""
        q = (query or "").strip()
        found = self.convs.search(actor.user_id, q) if q else self.convs.list(actor.user_id)
        choices = list_choices(found, locale, q)
        empty = "" if choices else (translate("chat.no_match", locale, query=q) if q
                                    else translate("chat.no_conversations", locale))
        value = current if current in {c[1] for c in choices} else None
        return gr.update(choices=choices, value=value), empty

    def web_state(self, locale: str) -> Any:
        """The web-search toggle: on offer, or off with the reason."""
        if getattr(self.gateway.catalogue, "search", None) is None:
            return gr.update(value=False, interactive=False, info=translate("chat.web_not_configured", locale))
        if self.setup is None or self.setup.web_search is None:
            return gr.update(value=False, interactive=False, info=translate("chat.web_unavailable", locale))
        return gr.update(interactive=True, info=translate("chat.web_info", locale))

    # -- the models ----------------------------------------------------------------------------
    def _key_for(self, user_id: str) -> str:
        return (self.setup.key_for or self.gateway.keys.workbench_key)(user_id)

    def key_of(self, actor: Any) -> str:
        return self._key_for(actor.user_id)

    def window_of(self, conv: Conversation) -> int | None:
        model = self.gateway.catalogue.get(conv.settings.model) if conv.settings.model else None
        return model.capabilities.context_length if model is not None else None

    def thinking_default(self, model_id: str | None) -> int:
        """The model's default thinking budget (its catalogue ``capabilities.thinking_budget``)."""
        model = self.gateway.catalogue.get(model_id) if model_id else None
        return model.capabilities.thinking_budget if model is not None else DEFAULT_BUDGET

    def thinking_budget(self, conv: Conversation) -> int | None:
        """The budget ``conv``'s answers think within: None when thinking is off or the model reasons natively
        (the gateway forces no budget on those)."""
        model = self.gateway.catalogue.get(conv.settings.model) if conv.settings.model else None
        if not conv.settings.thinking or (model is not None and model.capabilities.reasoning):
            return None
        return conv.settings.thinking_budget or self.thinking_default(conv.settings.model)

    def doc_budget(self, conv: Conversation) -> int:
        """Tokens of document text a question in ``conv`` may carry."""
        s = conv.settings
        return document_budget(self.window_of(conv) or DEFAULT_CONTEXT, max_tokens=s.max_tokens,
                               thinking_budget=s.thinking_budget if s.thinking else None)

    def citation_model(self) -> str | None:
        """The embedding model that checks answers' citations: the documents' one, else the catalogue's first."""
        if self.docs is not None:
            return self.docs.embedding_model
        return next((m.id for m in self.gateway.catalogue.models.values() if m.kind == "embedding"), None)

    def api_client(self, actor: Any) -> openai.AsyncOpenAI:
        """The user's client to this process's /v1 (reused across answers; never closed by a handler)."""
        return self._clients(actor.user_id)

    # -- knowledge bases -----------------------------------------------------------------------
    def kb_choices(self, actor: Any, locale: str) -> list[tuple[str, str]]:
        """(label, id) of every KB the user may read: theirs and their teams', granted or shared, public."""
        if self.knowledge is None:
            return []
        found: dict[str, str] = {}
        def name_of(user_id: str) -> str:
            user = self.gateway.accounts.get(user_id)
            return user.username if user is not None else user_id
        uid = actor.user_id
        for v in named_spaces(self.knowledge.bases.list_visible(uid), uid, locale, name_of):
            found[v.kb.id] = f"{v.kb.name} · {v.team_name}"
        for e in named_spaces(self.knowledge.sharing.square(uid), uid, locale, name_of):
            found.setdefault(e.kb.id, f"{e.kb.name} · {e.team_name} · {translate('chat.kb_public', locale)}")
        return [(label, kb_id) for kb_id, label in found.items()]

    async def kb_context(self, locale: str, actor: Any, conv: Conversation, question: str, kb_ids: Any, *,
                         start: int, budget_tokens: int) -> KBContext:
        """The chosen KBs' passages for a question (``KBContext``). Each KB is checked again now: one the user
        may no longer read is left out with a notice naming it; when nothing relevant is found, ``nothing``
        holds the fixed answer (``workbench.kb.answer.nothing_reply``) and the model is told so too."""
        ids = list(dict.fromkeys(k for k in (kb_ids or []) if isinstance(k, str) and k))
        if not ids:
            return KBContext()
        if self.knowledge is None:
            return KBContext(notices=[translate("chat.kb_unavailable", locale)])
        names, kbs, notices = kb_names(conv), [], []
        for kb_id in ids:
            try:
                kbs += self.knowledge.readable(actor.user_id, [kb_id])
            except KBError:
                name = names.get(kb_id)
                notices.append(translate("chat.kb_gone", locale, name=name) if name
                               else translate("chat.kb_gone_unnamed", locale))
        asked = [{"id": KB_PREFIX + kb.id, "name": kb.name} for kb in kbs]
        if not kbs:
            return KBContext(asked=asked, notices=notices)
        try:
            hits = await self.knowledge.search(actor.user_id, [kb.id for kb in kbs], question, KB_HITS,
                                               client=self.api_client(actor))
        except KBError as exc:
            return KBContext(asked=asked,
                             notices=[*notices, translate("chat.kb_failed", locale, reason=exc.text(locale))])
        if hits.rerank_error is not None:
            notices.append(hits.rerank_error.text(locale))
        found = grounding(hits, kb_names={kb.id: kb.name for kb in kbs}, start=start, budget_tokens=budget_tokens)
        nothing = None
        if found.left_out and not found.covered:
            notices.append(translate("chat.kb_no_room", locale))
        elif not found.covered:
            nothing = nothing_reply([kb.name for kb in kbs], question)
        saved = [s.saved() for s in found.sources]
        return KBContext(found.blocks, saved, asked, notices, nothing,
                         [Cited(s.index, s.text, item) for s, item in zip(found.sources, saved, strict=True)])
