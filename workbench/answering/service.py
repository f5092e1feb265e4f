"""One answer pipeline: (user, conversation, question, options) in, typed events out, the turn saved.

    answers = AnswerService(conversations, clients, models, attachments=attachments, knowledge=knowledge,
                            web_search=searcher(base_url, key_for))
    options = AnswerOptions(kb_ids=(kb_id,), web_search=True, thinking=True, locale="zh")
    async with contextlib.aclosing(answers.send(user_id, conversation_id, "第 17 页说了什么？", options)) as events:
        async for event in events:      # Started, Progress, Notice, Sources, Reasoning, Content, then Done | Failed
            ...

For one question it saves the asked settings on the conversation (or makes the conversation, with the first
question), decides the document budget (the model's window less room for the answer and the thinking), answers
"summarize this paper" on a document too large for the prompt map-reduce (``workbench.summaries``), gathers the
context (web search, the knowledge bases checked again for this user, the documents' passages:
``workbench.answering.context``) and the conversation's MCP tools (``workbench.answering.tools``: checked again for
this user; the model's tool calls run through the hub, each a ``ToolStep``, a destructive one waiting for
``confirm``), then streams the answer from ``workbench.chat.ChatEngine``, which saves the question and the answer
with its tool steps, or what arrived of it when the caller stops (closes the iterator or cancels its task).
The caller saves nothing. Models are reached through the gateway's HTTP API with the user's own client
(``clients(user_id)``), so every token is metered as theirs; what the catalogue knows of a model comes through
``ModelFacts``. Refusals and failures are ``Failed`` events, never exceptions. The events: ``answering.events``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import openai

from shared.messages import Words
from workbench import chat
from workbench.answering.context import Context, Gatherer, Question, new_attachments, said
from workbench.answering.events import (
    Content,
    Done,
    Event,
    Failed,
    Notice,
    Progress,
    Reasoning,
    Said,
    Sources,
    Started,
    ToolConfirm,
    ToolStep,
)
from workbench.attachments import Attachments
from workbench.attachments import Progress as Step
from workbench.chat import DEFAULT_CONTEXT, ChatEngine, ContentDelta, ReasoningDelta, Toolbox, ToolLimit
from workbench.conversations import Conversation, Conversations, NotFound
from workbench.errors import WorkbenchError
from workbench.retrieval import document_budget
from workbench.summaries import Summarizer, Summary, wants_summary
from workbench.websearch_client import WebSearch

if TYPE_CHECKING:
    from workbench.answering.tools import ChatTools
    from workbench.kb.service import KnowledgeService

DEFAULT_EMBEDDING = "use-multilingual:v3"

# how one answer is started on the engine: (engine, context window, gathered context, tools) -> its events
Starter = Callable[[ChatEngine, "int | None", Context, "Toolbox | None"], AsyncIterator[chat.Event]]


class ModelFacts(Protocol):
    """What the pipeline needs to know of the models (the gateway's catalogue, as the app reads it)."""

    def chat_models(self) -> list[str]:
        """The chat models a conversation may use, the default first."""

    def context_length(self, model: str) -> int | None:
        """The model's context window in tokens (None: not known)."""

    def thinking_budget(self, model: str | None) -> int:
        """The model's default thinking budget (a default for a model not known)."""

    def reasons(self, model: str) -> bool:
        """The model reasons by itself (no thinking budget is forced on it)."""

    def embedding_model(self) -> str | None:
        """The embedding model that checks answers' citations when there are no documents (None: none)."""


class AnswerError(WorkbenchError):
    """A question that cannot be answered as asked (no message, no model); said from ``answer.<code>``."""


@dataclass(frozen=True)
class AnswerOptions:
    """How to answer: what to read (the conversation's documents, knowledge bases, the web), whether to think first,
    the conversation's other settings to keep, and the reader's language (of the web results and a summary).

    ``thinking``/``thinking_budget`` None: as the conversation is set. ``settings``: ``model``, ``system_prompt``,
    ``temperature``, ``top_p``, ``max_tokens``, saved on the conversation first (None: as saved); an empty
    ``model`` is the conversation's own, else the first chat model. ``tools``: the MCP servers and tools the model
    may call (``workbench.answering.tools``), checked for the user and saved on the conversation (None: as saved)."""

    kb_ids: Sequence[str] = ()
    web_search: bool = False
    documents: bool = True
    thinking: bool | None = None
    thinking_budget: int | None = None
    settings: Mapping[str, Any] | None = None
    locale: str = "en"
    tools: Sequence[str] | None = None

    def values(self) -> dict[str, Any] | None:
        """The settings to save on the conversation (None: nothing asked)."""
        if self.settings is None and self.thinking is None and self.tools is None:
            return None
        values = dict(self.settings or {})
        if self.thinking is not None:
            values.update(thinking=bool(self.thinking), thinking_budget=self.thinking_budget or None)
        if self.tools is not None:
            values["tools"] = list(self.tools)
        return values


def refused(exc: WorkbenchError) -> Failed:
    """A refusal of the request as a ``Failed`` event (another user's conversation reads as a missing one)."""
    code = "not_found" if isinstance(exc, NotFound) else exc.code or "refused"
    return Failed(code, exc, refused=True, field=exc.field)


class AnswerService:
    """Answers questions in a user's conversations (see the module doc); the services given None are not offered."""

    def __init__(self, conversations: Conversations, clients: Callable[[str], openai.AsyncOpenAI],
                 models: ModelFacts, *, attachments: Attachments | None = None,
                 embedding_model: str = DEFAULT_EMBEDDING, knowledge: KnowledgeService | None = None,
                 web_search: WebSearch | None = None, tools: ChatTools | None = None) -> None:
        self.conversations, self.clients, self.models = conversations, clients, models
        self.attachments, self.embedding_model = attachments, embedding_model
        self.knowledge, self.web_search, self.tools = knowledge, web_search, tools
        self.gatherer = Gatherer(attachments=attachments, embedding_model=embedding_model, knowledge=knowledge,
                                 web_search=web_search, citation_model=self.citation_model)

    # -- what a conversation's answers may use ------------------------------------------------------------------------
    def window(self, conv: Conversation) -> int | None:
        """The context window of the conversation's model (None: not known)."""
        return self.models.context_length(conv.settings.model) if conv.settings.model else None

    def thinking_budget(self, conv: Conversation) -> int | None:
        """The budget ``conv``'s answers think within: None when thinking is off or the model reasons by itself (the
        gateway forces no budget on those)."""
        model = conv.settings.model
        if not conv.settings.thinking or (model and self.models.reasons(model)):
            return None
        return conv.settings.thinking_budget or self.models.thinking_budget(model)

    def document_budget(self, conv: Conversation) -> int:
        """Tokens of document text (documents and knowledge-base passages) a question in ``conv`` may carry."""
        s = conv.settings
        return document_budget(self.window(conv) or DEFAULT_CONTEXT, max_tokens=s.max_tokens,
                               thinking_budget=s.thinking_budget if s.thinking else None)

    def citation_model(self) -> str | None:
        """The embedding model that checks answers' citations: the documents' one, else the catalogue's first."""
        return self.embedding_model if self.attachments is not None else self.models.embedding_model()

    def conversation(self, user_id: str, conversation_id: str | None, options: AnswerOptions, *,
                     existing: bool = False) -> Conversation:
        """The conversation a turn (or an upload) goes in, with ``options``' settings saved on it; a new one with
        them when ``conversation_id`` is empty (``existing``: one must be given). ``ConversationError`` (no such
        conversation for this user, a bad setting) or ``AnswerError`` (no model to answer with)."""
        if existing and not conversation_id:
            raise NotFound("conversation")
        if options.tools and self.tools is not None:        # a server or tool the user may not use: refused
            self.tools.check(user_id, options.tools)
        values = options.values()
        if values is not None and not values.get("model"):
            # e.g. sent before the page had filled its model box: the conversation's own model, else the first one
            saved = self.conversations.get(user_id, conversation_id) if conversation_id else None
            models = self.models.chat_models()
            fallback = saved.settings.model if saved is not None and saved.settings.model in models else None
            values["model"] = fallback or (models[0] if models else None)
            if not values["model"]:
                raise AnswerError("answer.pick_model", "model", code="pick_model")
        if conversation_id:
            if values is not None:
                self.conversations.update_settings(user_id, conversation_id, **values)
            return self.conversations.get(user_id, conversation_id)
        return self.conversations.create(user_id, **(values or {}))

    # -- the three ways to ask ---------------------------------------------------------------------------------------
    async def send(self, user_id: str, conversation_id: str | None, question: str,
                   options: AnswerOptions) -> AsyncIterator[Event]:
        """Answer a new question in the conversation (a new conversation when ``conversation_id`` is empty)."""
        question = (question or "").strip()
        try:
            if not question:
                raise AnswerError("answer.empty", "question", code="empty")
            conv = self.conversation(user_id, conversation_id, options)
        except WorkbenchError as exc:
            yield refused(exc)
            return
        yield Started(conv, tuple(conv.messages), question)

        def start(engine: ChatEngine, window: int | None, got: Context,
                  tools: Toolbox | None) -> AsyncIterator[chat.Event]:
            return engine.send(user_id, conv.id, question, context_length=window, attachments=got.attachments,
                               context=got.blocks, sources=got.sources, reply=got.reply, citer=got.citer,
                               tools=tools)

        try:
            notices: list[Said] = []
            if options.documents and self.attachments is not None and wants_summary(question):
                async for event in self._summary(user_id, conv, question, options.locale, notices):
                    yield event
                    if isinstance(event, Done):
                        return
            async for event in self._answer(user_id, conv, question, options, notices, None, start):
                yield event
        except WorkbenchError as exc:
            yield refused(exc)

    async def regenerate(self, user_id: str, conversation_id: str, options: AnswerOptions) -> AsyncIterator[Event]:
        """Answer the conversation's last question again (its last answer replaced)."""
        try:
            conv = self.conversation(user_id, conversation_id, options, existing=True)
        except WorkbenchError as exc:
            yield refused(exc)
            return
        last = max((i for i, m in enumerate(conv.messages) if m.role == "user"), default=-1)
        asked = conv.messages[last] if last >= 0 else None
        attachments = tuple(asked.attachments) if asked is not None else ()
        yield Started(conv, tuple(conv.messages[:max(last, 0)]), asked.content if asked else None, attachments)

        def start(engine: ChatEngine, window: int | None, got: Context,
                  tools: Toolbox | None) -> AsyncIterator[chat.Event]:
            return engine.regenerate(user_id, conv.id, context_length=window, context=got.blocks,
                                     sources=got.sources, reply=got.reply, citer=got.citer, tools=tools)

        try:
            async for event in self._answer(user_id, conv, asked.content if asked else "", options, [], attachments,
                                            start):
                yield event
        except WorkbenchError as exc:
            yield refused(exc)

    async def resend(self, user_id: str, conversation_id: str, message_id: str, question: str,
                     options: AnswerOptions) -> AsyncIterator[Event]:
        """A question edited: change it, drop what came after it, answer it again."""
        question = (question or "").strip()
        try:
            conv = self.conversation(user_id, conversation_id, options, existing=True)
            position = next((i for i, m in enumerate(conv.messages) if m.id == message_id and m.role == "user"), None)
            if position is None:
                raise NotFound("message")
            if not question:
                raise AnswerError("answer.empty", "question", code="empty")
        except WorkbenchError as exc:
            yield refused(exc)
            return
        attachments = tuple(conv.messages[position].attachments)
        yield Started(conv, tuple(conv.messages[:position]), question, attachments)

        def start(engine: ChatEngine, window: int | None, got: Context,
                  tools: Toolbox | None) -> AsyncIterator[chat.Event]:
            return engine.resend(user_id, conv.id, message_id, question, context_length=window, context=got.blocks,
                                 sources=got.sources, reply=got.reply, citer=got.citer, tools=tools)

        try:
            async for event in self._answer(user_id, conv, question, options, [], attachments, start):
                yield event
        except WorkbenchError as exc:
            yield refused(exc)

    def toolbox(self, user_id: str, conv: Conversation) -> tuple[Toolbox | None, list[Said]]:
        """The MCP tools ``conv``'s next answer offers (None: none), and notices for those left out."""
        if not conv.settings.tools:
            return None, []
        if self.tools is None:
            return None, [said("answer.tools_unavailable")]
        return self.tools.toolbox(user_id, conv.settings.tools)

    def confirm(self, user_id: str, token: str, allow: bool) -> bool:
        """Yes (``allow``) or no to a destructive tool call waiting in one of ``user_id``'s answers (``ToolConfirm``);
        False when none waits under ``token`` for this user (answered, timed out, stopped, or someone else's)."""
        return self.tools is not None and self.tools.confirm(user_id, token, allow)

    # -- the parts of a turn -------------------------------------------------------------------------------------------
    async def _summary(self, user_id: str, conv: Conversation, question: str, locale: str,
                       notices: list[Said]) -> AsyncIterator[Event]:
        """"Summarize this paper" on a document too large for the prompt: map-reduce with progress, then the question
        and the summary saved (ends with ``Done``). When it cannot be made, a notice in ``notices`` says why and the
        question is answered from the document's passages."""
        items = self.attachments.list(user_id, conv.id)
        big = [a for a in items if a.tokens > self.document_budget(conv)]
        if not big:
            return
        doc, failure = big[-1], Words("", "")
        events = Summarizer(self.attachments, self.clients(user_id)).summarize(
            user_id, doc.id, model=conv.settings.model, locale=locale, context_length=self.window(conv))
        async with contextlib.aclosing(events) as stream:
            async for event in stream:
                if isinstance(event, Step):
                    yield Progress("summary", event.done, event.total,
                                   said("answer.summarizing", name=doc.name, done=event.done, total=event.total))
                elif isinstance(event, Summary):
                    new = new_attachments(conv, self.attachments.list(user_id, conv.id))
                    self.conversations.add_message(user_id, conv.id, "user", question, attachments=new)
                    answer = self.conversations.add_message(user_id, conv.id, "assistant", event.text,
                                                            model=conv.settings.model)
                    yield Notice(said("answer.summarized", name=doc.name, calls=event.calls))
                    yield Done(self.conversations.get(user_id, conv.id), answer.id)
                    return
                else:
                    failure = Words(event.text("en"), event.text("zh"))
        notices.append(said("answer.summary_failed", reason=failure))

    async def _answer(self, user_id: str, conv: Conversation, question: str, options: AnswerOptions,
                      notices: list[Said], attachments: tuple | None, start: Starter) -> AsyncIterator[Event]:
        """Gather the question's context, then stream one answer (``start``) and say how it ended. ``attachments``:
        what the question shows (None: the new ones gathered, saved with it)."""
        client = self.clients(user_id)
        got = await self.gatherer.gather(Question(
            user_id, conv, question, options.locale, client, self.document_budget(conv), tuple(options.kb_ids or ()),
            options.web_search, options.documents))
        tools, tool_notices = self.toolbox(user_id, conv)
        for notice in [*notices, *got.notices, *tool_notices]:
            yield Notice(notice)
        yield Sources(tuple(got.sources), tuple(got.attachments) if attachments is None else attachments,
                      bool(conv.settings.thinking), self.thinking_budget(conv))
        engine = ChatEngine(self.conversations, "", "", client=client)
        async with contextlib.aclosing(start(engine, self.window(conv), got, tools)) as events:
            async for event in events:
                if isinstance(event, ReasoningDelta):
                    yield Reasoning(event.text)
                elif isinstance(event, ContentDelta):
                    yield Content(event.text)
                elif isinstance(event, ToolStep | ToolConfirm):
                    yield event
                elif isinstance(event, ToolLimit):
                    yield Notice(said("answer.tool_limit", rounds=event.rounds))
                elif isinstance(event, chat.Done):
                    if event.trimmed:
                        yield Notice(said("answer.trimmed", count=event.trimmed))
                    yield Done(self.conversations.get(user_id, conv.id), event.message_id, event.trimmed,
                               event.usage)
                    return
                elif isinstance(event, chat.Error):
                    yield Failed(event.code, event, self.conversations.get(user_id, conv.id))
                    return
