"""What the chat page is given (``ChatSetup``), what it uses of the gateway (``ChatGateway``) and what all its
handlers share (``ChatContext``).

``ChatContext`` answers the questions every handler starts with: who is asking (``who``: the page language and the
signed-in user, looked up again on each call), which models may be picked, the conversation list, and the web
search toggle and the knowledge-base picker's choices. Answers come from the workbench's one answer pipeline
(``ChatContext.answers``, a ``workbench.answering.service.AnswerService``): it decides document budgets, searches
the web, the knowledge bases (each checked again for this user) and the documents, summarises, calls the model and
saves the turn; the page renders its events. Conversations come from ``workbench.conversations``, which answers
another user's conversation id exactly like a missing one.

Knowledge bases (``ChatSetup.knowledge``, a ``workbench.kb.service.KnowledgeService``): the page offers the KBs the
user may read (theirs, their teams', granted or shared with them, public ones from the square).

MCP tools (``ChatSetup.mcp``, a ``workbench.mcp.hub.McpHub``): the page offers the servers with approved tools the
user may use (``workbench.answering.tools.ChatTools.choices``, with the user's catalogue ``Viewer``: admin or not,
their teams), each whole or tool by tool; a choice that is not among them is refused before anything is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import gradio as gr

from app.chat.view import list_choices
from app.kb.view import named_spaces
from app.shell.access import locale_of, signed_in
from app.shell.i18n import translate
from gateway.accounts.console import Actor, Console
from gateway.accounts.keys import KeyStore
from gateway.accounts.users import Accounts
from gateway.routing.catalogue import DEFAULT_THINKING_BUDGET, Catalogue
from workbench.answering.events import Failed
from workbench.answering.service import DEFAULT_EMBEDDING, AnswerError, AnswerOptions, AnswerService
from workbench.answering.tools import ChatTools, Choice
from workbench.attachments import MB, Attachments
from workbench.clients import UserClients
from workbench.conversations import ConversationError, Conversations, NotFound
from workbench.kb.service import KnowledgeService
from workbench.mcp.catalogue import Viewer
from workbench.mcp.hub import McpHub
from workbench.websearch_client import WebSearch

DEFAULT_BUDGET = DEFAULT_THINKING_BUDGET     # a model the catalogue does not know
UPLOAD_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"]


class ChatGateway(Protocol):
    """What the chat page uses of the gateway: who is signed in, the model catalogue, users' workbench keys, and
    usernames (the knowledge bases' owners)."""

    console: Console
    catalogue: Catalogue
    keys: KeyStore
    accounts: Accounts


@dataclass
class ChatDocuments:
    """Documents in the chat: where they are kept, the largest file accepted, the embedding model."""

    attachments: Attachments
    max_bytes: int = 20 * MB
    embedding_model: str = DEFAULT_EMBEDDING


@dataclass
class ChatSetup:
    """What the page needs besides the gateway: the conversations and where the /v1 API answers."""

    conversations: Conversations
    base_url: str                                     # this process's own API, e.g. http://127.0.0.1:7860/v1
    key_for: Callable[[str], str] | None = None       # user id -> API key (default: the user's workbench key)
    web_search: WebSearch | None = None               # web search in the chat (workbench.websearch_client.searcher)
    documents: ChatDocuments | None = None            # documents in the chat
    knowledge: KnowledgeService | None = None         # the knowledge bases
    mcp: McpHub | None = None                         # the MCP hub: its servers' tools in the chat
    prompts: Any = None                               # the prompt studio's library: /chat?prompt=<name>


def local_api_url(host: str, port: int) -> str:
    """The /v1 base URL of this process as seen from itself (a wildcard address becomes loopback)."""
    host = (host or "").strip("[]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/v1"


def notice_error(key: str, locale: str, **fields: Any) -> gr.Error:
    """A plain refusal of the page's own (nothing chosen, an empty question, ...)."""
    return gr.Error(translate(key, locale, **fields), title=translate("shell.cannot_do", locale),
                    print_exception=False)


def refusal(exc: ConversationError | AnswerError | Failed, locale: str) -> gr.Error:
    """A refusal (a service's, or the answer pipeline's ``Failed``) as the page shows it (another user's
    conversation reads as missing)."""
    missing = isinstance(exc, NotFound) or (isinstance(exc, Failed) and exc.code == "not_found")
    text = translate("chat.no_such", locale) if missing and exc.field == "conversation" else exc.text(locale)
    return gr.Error(text, title=translate("shell.cannot_do", locale), print_exception=False)


def settings_values(model: Any, thinking: Any, budget: Any, system: Any, temperature: Any, top_p: Any,
                    max_tokens: Any) -> dict[str, Any]:
    """The advanced panel's widgets as a conversation's settings."""
    return {"model": model or None, "thinking": bool(thinking), "thinking_budget": budget or None,
            "system_prompt": system or None, "temperature": temperature, "top_p": top_p, "max_tokens": max_tokens}


def answer_options(model: Any, thinking: Any, budget: Any, system: Any, temperature: Any, top_p: Any,
                   max_tokens: Any, *, locale: str, web: Any = False, kb_ids: Any = None,
                   tool_ids: Any = None) -> AnswerOptions:
    """The page's widgets as the answer pipeline's options (the settings are saved with the conversation;
    ``tool_ids`` None: the conversation's MCP tools as saved)."""
    values = settings_values(model, thinking, budget, system, temperature, top_p, max_tokens)
    thinks, think_budget = values.pop("thinking"), values.pop("thinking_budget")
    return AnswerOptions(kb_ids=tuple(kb_ids or ()), web_search=bool(web), thinking=thinks,
                         thinking_budget=think_budget, settings=values, locale=locale,
                         tools=None if tool_ids is None else tuple(tool_ids))


class CatalogueModels:
    """The gateway's catalogue as the answer pipeline's ``ModelFacts`` (read afresh: an admin may change it)."""

    def __init__(self, gateway: ChatGateway) -> None:
        self.gateway = gateway

    def _model(self, model_id: str | None) -> Any:
        return self.gateway.catalogue.get(model_id) if model_id else None

    def chat_models(self) -> list[str]:
        return [m.id for m in self.gateway.catalogue.models.values() if m.kind == "chat"]

    def context_length(self, model: str) -> int | None:
        found = self._model(model)
        return found.capabilities.context_length if found is not None else None

    def thinking_budget(self, model: str | None) -> int:
        """The model's default thinking budget (its catalogue ``capabilities.thinking_budget``)."""
        found = self._model(model)
        return found.capabilities.thinking_budget if found is not None else DEFAULT_BUDGET

    def reasons(self, model: str) -> bool:
        found = self._model(model)
        return bool(found is not None and found.capabilities.reasoning)

    def embedding_model(self) -> str | None:
        return next((m.id for m in self.gateway.catalogue.models.values() if m.kind == "embedding"), None)


class ChatContext:
    """The chat page's shared services for its handlers (``setup`` None: every handler says chat is off)."""

    def __init__(self, gateway: ChatGateway, setup: ChatSetup | None) -> None:
        self.gateway = gateway
        self.setup = setup
        self.convs = setup.conversations if setup is not None else None
        self.docs = setup.documents if setup is not None else None
        self.knowledge = setup.knowledge if setup is not None else None
        self.models = CatalogueModels(gateway)
        self.tools = ChatTools(setup.mcp, self.viewer_of) if setup is not None and setup.mcp is not None else None
        self.answers: AnswerService | None = None
        if setup is not None:
            docs = setup.documents
            self.answers = AnswerService(
                setup.conversations, UserClients(setup.base_url, self._key_for), self.models,
                attachments=docs.attachments if docs is not None else None,
                embedding_model=docs.embedding_model if docs is not None else DEFAULT_EMBEDDING,
                knowledge=setup.knowledge, web_search=setup.web_search, tools=self.tools)

    def _key_for(self, user_id: str) -> str:
        return (self.setup.key_for or self.gateway.keys.workbench_key)(user_id)

    # -- who and what ------------------------------------------------------------------------
    def who(self, lang: str | None, request: gr.Request | None) -> tuple[str, Actor]:
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
        except (ConversationError, AnswerError) as exc:
            raise refusal(exc, locale) from None

    def chat_models(self) -> list[str]:
        return self.models.chat_models()

    def thinking_default(self, model_id: str | None) -> int:
        """The model's default thinking budget (its catalogue ``capabilities.thinking_budget``)."""
        return self.models.thinking_budget(model_id)

    # -- the conversation list and the toggles -----------------------------------------------
    def listing(self, actor: Actor, locale: str, query: str | None, current: str | None) -> tuple[Any, str]:
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

    def viewer_of(self, user_id: str) -> Viewer:
        """Who a user is to the MCP catalogue: an administrator or not (looked up now), and their teams."""
        user = self.gateway.accounts.get(user_id)
        is_admin = bool(user is not None and user.is_admin and not user.disabled)
        teams = self.knowledge.teams.list_for(user_id) if self.knowledge is not None else ()
        return Viewer.of(user_id, is_admin, teams)

    def tool_choices(self, actor: Actor, locale: str) -> list[Choice]:
        """The MCP servers (whole, then tool by tool) the user may offer the model; none without the hub."""
        return self.tools.choices(actor.user_id, locale) if self.tools is not None else []

    def chosen_tools(self, actor: Actor, locale: str, tool_ids: Any) -> list[str] | None:
        """The page's MCP choice, each one checked to be among the user's choices now (else refused naming it);
        None when the chat has no MCP hub (the conversation keeps what it has)."""
        if self.tools is None or tool_ids is None:
            return None
        ids = [str(t) for t in tool_ids if t]
        allowed = {choice.value for choice in self.tool_choices(actor, locale)}
        for tool_id in ids:
            if tool_id not in allowed:
                raise notice_error("chat.tools_not_yours", locale, id=tool_id[:100])
        return ids

    def kb_choices(self, actor: Actor, locale: str) -> list[tuple[str, str]]:
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
