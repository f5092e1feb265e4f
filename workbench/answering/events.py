"""What answering one question yields, in order (``workbench.answering.service.AnswerService``):

    Started     the conversation the turn goes in (its settings saved, or made by this question), what comes
                before the question, the question and its attachments so far
    Progress    a step of a long preparation ("Summarising “report.pdf”: step 3 of 7")      (0..n)
    Notice      something the reader should know: a source left out and why, older messages trimmed   (0..n)
    Sources     the answer begins: the numbered sources it reads from, the question's attachments as saved,
                and how it thinks (on or off, within how many tokens)
    Reasoning   a piece of the model's thinking                                               (0..n)
    Content     a piece of the answer                                                         (0..n)
    ToolStep    a tool call the model asked for, as it stands (running, then ok | error | denied)   (0..n)
    ToolConfirm a destructive tool's call waits for the user's yes or no (``answers.confirm(token)``)  (0..n)
    Done        the turn is saved: the conversation as it is now
    Failed      it could not be answered: a ``code``, words to say (``text(locale)``), the conversation as saved;
                ``refused``: refused as asked (no such conversation, a bad setting), nothing answered

A summary of a document too large for the prompt goes Started, Progress..., Notice, Done (no Sources: no model
streams an answer). Tool steps come between the pieces of the answer, in the order they run; the bound on rounds of
tool calls reached is a Notice. Words are ``shared.messages.Message`` values (``workbench/messages/chat.py``): the
page says them in its reader's language; the pipeline never renders text for a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shared.messages import Message
from workbench.answering.steps import Step
from workbench.conversations import Conversation
from workbench.conversations import Message as Saved


class Said(Protocol):
    """Words that can be said in a language (a ``Message``, a ``WorkbenchError``, a ``workbench.chat.Error``)."""

    def text(self, locale: str | None) -> str: ...


@dataclass(frozen=True)
class Started:
    """The turn begins in ``conversation``: ``history`` is what the chat shows before ``question`` (None: there
    is no question to answer again), ``attachments`` what the question carries so far."""

    conversation: Conversation
    history: tuple[Saved, ...]
    question: str | None
    attachments: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Progress:
    """Step ``done`` of ``total`` of ``stage`` ("summary"), said by ``said``."""

    stage: str
    done: int
    total: int
    said: Message


@dataclass(frozen=True)
class Notice:
    """Something the reader should know about this answer (``said``: a ``Message``, or a service's refusal)."""

    said: Said


@dataclass(frozen=True)
class Sources:
    """The answer begins: ``sources`` as saved with it (numbered; web pages, knowledge-base passages, document
    passages), the question's ``attachments`` as saved (documents, the knowledge bases asked), and its thinking:
    ``thinking`` on, within ``budget`` tokens (None: no budget is forced, e.g. a model that reasons by itself)."""

    sources: tuple[Mapping[str, Any], ...]
    attachments: tuple[Mapping[str, Any], ...]
    thinking: bool
    budget: int | None


@dataclass(frozen=True)
class Reasoning:
    text: str


@dataclass(frozen=True)
class Content:
    text: str


@dataclass(frozen=True)
class ToolStep:
    """A tool call of the answer as it stands now (``workbench.answering.steps.Step``; the same ``call_id`` again
    replaces it)."""

    step: Step


@dataclass(frozen=True)
class ToolConfirm:
    """A destructive tool's call waits for the reader: ``step`` (status ``waiting``) runs once they say yes
    (``AnswerService.confirm(user_id, token, True)``), not when they say no or do not answer within ``seconds``."""

    step: Step
    token: str
    seconds: float


@dataclass(frozen=True)
class Done:
    """The turn is saved: ``conversation`` as it is now; ``message_id`` the answer (empty when nothing was saved);
    ``trimmed``: older messages left out to fit the model's context window."""

    conversation: Conversation
    message_id: str = ""
    trimmed: int = 0
    usage: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Failed:
    """The question could not be answered: ``code`` (the engine's, saved with the answer, or the refusal's), ``said``
    the words, ``conversation`` as saved (None when nothing could be read); ``refused``: the request itself was
    refused (no such conversation, a bad setting, no model), ``field`` names the input at fault."""

    code: str
    said: Said
    conversation: Conversation | None = None
    refused: bool = False
    field: str | None = None

    def text(self, locale: str | None) -> str:
        return self.said.text(locale)


Event = Started | Progress | Notice | Sources | Reasoning | Content | ToolStep | ToolConfirm | Done | Failed
