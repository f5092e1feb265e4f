"""MCP tools in the chat: what a conversation may offer the model, and the model's tool calls run through the hub.

    tools = ChatTools(hub, viewer_of)                   # hub: workbench.mcp.hub.McpHub; viewer_of(user_id) -> Viewer
    tools.choices(user_id, "zh")                       # the servers, and their tools one by one, a user may choose
    tools.check(user_id, [entry_id, f"{entry_id}/add"])    # ToolsError naming "tools" for one not theirs to use
    box, notices = tools.toolbox(user_id, conv.settings.tools)   # for one answer (None: nothing to offer now)
    ChatEngine.send(..., tools=box)                     # the engine asks the model, box runs the calls it makes
    tools.confirm(user_id, token, True)                 # yes to a destructive call waiting (ToolConfirm); False: no

A conversation's ``tools`` setting holds ``"<entry id>"`` (every approved tool of that server) and
``"<entry id>/<tool>"`` (that tool only). For each answer they are read again with the user's ``Viewer``: a server
the user may no longer use, or a tool no longer approved, is left out with a notice. The tools go to the model as
OpenAI functions (``workbench.mcp.functions``: names sanitised and namespaced per server, ``time__get_current_time``;
schemas translated; the APPROVED description, marked as the tool's own words), without the schemas' ``title``s
(labels for forms that repeat the names, like pydantic's "get_current_timeArguments" and "Timezone": they cost
tokens and lead small models astray; every description stays). Each call the model makes is run by
``McpHub.call_tool(..., source="chat")`` — its arguments checked against the tool's own schema there — and its
result goes back capped and marked as the tool's output (``ToolResult.for_model``), never as instructions. A call
that cannot be made (no such function, arguments that are not JSON, a refusal of the hub, a failure) goes back to
the model as a tool message saying why, so it may correct itself; the reader sees the step with the reason.

A tool whose annotations say ``destructiveHint: true``, or that an admin or its server's owner marked to ask
(``McpHub.mark_asking``), runs only once the reader says yes to that call: the answer waits (``ToolConfirm``, with
a token) until ``confirm(user_id, token, ...)`` or ``CONFIRM_SECONDS``; a no, or no answer, goes back to the model
as a call not run. Tokens live in this process and are good once, for their user only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.messages import Message, Words
from workbench import prompts
from workbench.answering.events import ToolConfirm, ToolStep
from workbench.answering.steps import Step
from workbench.chat import ToolCall, ToolReply
from workbench.errors import WorkbenchError
from workbench.mcp.catalogue import Entry, Viewer
from workbench.mcp.functions import FunctionEntry, FunctionNames, function_of, server_slugs
from workbench.mcp.hub import McpHub
from workbench.mcp.pins import PinnedTool, destructive
from workbench.messages import MESSAGES

log = logging.getLogger("maas.workbench.tools")

MAX_ROUNDS = 8                  # rounds of tool calls in one answer; then the model answers without tools
CONFIRM_SECONDS = 300           # how long a destructive call waits for the reader's yes
MAX_FOR_MODEL = 20_000          # characters of one tool result the model reads (less when its window is small)


class ToolsError(WorkbenchError):
    """A chosen MCP server or tool the user may not use (``field`` "tools"); said from ``answer.<key>``."""


def said(code: str, **fields: object) -> Message:
    return MESSAGES.message(code, **fields)


def split(tool_id: str) -> tuple[str, str]:
    """``"<entry id>/<tool>"`` -> (entry id, tool); ``"<entry id>"`` -> (entry id, "")."""
    entry_id, _, tool = str(tool_id).partition("/")
    return entry_id, tool


def titles(entry: Entry) -> Words:
    """The entry's title in en and zh."""
    return Words(entry.listing("en").title, entry.listing("zh").title)


@dataclass(frozen=True)
class Choice:
    """One thing a conversation may offer the model: a whole server (``tool`` "") or one of its tools. ``value`` is
    what the conversation keeps; ``server`` the server's title in the reader's language."""

    value: str
    entry_id: str
    server: str
    tool: str = ""
    description: str = ""
    destructive: bool = False


@dataclass(frozen=True)
class Offer:
    """A tool offered to the model in one answer: its server, the tool as approved, and its function."""

    entry: Entry
    server: Words
    tool: PinnedTool
    function: FunctionEntry


class Confirmations:
    """Destructive calls waiting for their reader's yes or no, by token (good once, for their user only)."""

    def __init__(self) -> None:
        self._waiting: dict[str, tuple[str, asyncio.Future[bool]]] = {}
        self._lock = threading.Lock()

    def ask(self, user_id: str) -> tuple[str, asyncio.Future[bool]]:
        token, future = secrets.token_urlsafe(18), asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiting[token] = (user_id, future)
        return token, future

    def answer(self, user_id: str, token: str, allow: bool) -> bool:
        """Give the call waiting under ``token`` its answer; False when none waits there for this user."""
        with self._lock:
            held = self._waiting.get(str(token or ""))
            if held is None or held[0] != user_id:
                return False
            del self._waiting[token]
        future = held[1]
        try:
            future.get_loop().call_soon_threadsafe(lambda: future.done() or future.set_result(bool(allow)))
        except RuntimeError:                # its answer's loop is gone: nothing waits any more
            return False
        return True

    def forget(self, token: str) -> None:
        with self._lock:
            self._waiting.pop(token, None)


class ChatTools:
    """The chat's side of the MCP hub (see the module doc)."""

    def __init__(self, hub: McpHub, viewer_of: Callable[[str], Viewer], *, max_rounds: int = MAX_ROUNDS,
                 confirm_seconds: float = CONFIRM_SECONDS) -> None:
        self.hub, self.viewer_of = hub, viewer_of
        self.max_rounds, self.confirm_seconds = max_rounds, confirm_seconds
        self.confirmations = Confirmations()

    def _usable(self, entry_id: str, viewer: Viewer) -> tuple[Entry, list[PinnedTool]]:
        """The entry and its approved tools; ``WorkbenchError`` when the viewer may not use it (missing, hidden,
        disabled)."""
        tools = self.hub.usable_tools(entry_id, viewer)
        return self.hub.catalogue.get(entry_id, viewer), tools

    def choices(self, user_id: str, locale: str = "en") -> list[Choice]:
        """The servers with approved tools the user may use, each followed by its tools one by one."""
        viewer, out = self.viewer_of(user_id), []
        for entry in self.hub.catalogue.list(viewer):
            if not entry.enabled:
                continue
            try:
                _, tools = self._usable(entry.id, viewer)
            except WorkbenchError:
                continue
            if not tools:
                continue
            title = entry.listing(locale).title
            out.append(Choice(entry.id, entry.id, title, description=entry.listing(locale).description))
            out += [Choice(f"{entry.id}/{tool.name}", entry.id, title, tool.name, tool.title or tool.description,
                           destructive(tool)) for tool in tools]
        return out

    def check(self, user_id: str, tool_ids: Iterable[str]) -> None:
        """Refuse (``ToolsError``, field "tools") a chosen server the user may not use, or a tool of it that is not
        approved as it is now."""
        viewer = self.viewer_of(user_id)
        for tool_id in tool_ids:
            entry_id, tool = split(tool_id)
            try:
                entry, tools = self._usable(entry_id, viewer)
            except WorkbenchError:
                raise ToolsError("answer.tools_not_yours", "tools", id=str(tool_id)[:100]) from None
            if tool and tool not in {t.name for t in tools}:
                raise ToolsError("answer.tool_not_usable", "tools", tool=tool[:100], server=titles(entry))

    def toolbox(self, user_id: str, tool_ids: Sequence[str]) -> tuple[McpToolbox | None, list[Message]]:
        """The tools one answer offers from the conversation's ``tool_ids``, and notices for those left out."""
        viewer, notices = self.viewer_of(user_id), []
        wanted: dict[str, set[str] | None] = {}          # entry id -> its tools chosen one by one (None: all)
        for tool_id in tool_ids:
            entry_id, tool = split(tool_id)
            if tool and wanted.get(entry_id, set()) is not None:
                wanted.setdefault(entry_id, set()).add(tool)
            elif not tool:
                wanted[entry_id] = None
        chosen: list[tuple[Entry, PinnedTool]] = []
        for entry_id, tools in wanted.items():
            try:
                entry, usable = self._usable(entry_id, viewer)
            except WorkbenchError:
                notices.append(said("answer.tools_gone"))
                continue
            by_name = {tool.name: tool for tool in usable}
            for name in sorted(tools or ()):
                if name not in by_name:
                    notices.append(said("answer.tool_not_usable", tool=name, server=titles(entry)))
            picked = list(by_name.values()) if tools is None else [by_name[n] for n in sorted(tools) if n in by_name]
            if tools is None and not usable:
                notices.append(said("answer.server_no_tools", server=titles(entry)))
            chosen += [(entry, tool) for tool in picked]
        if not chosen:
            return None, notices
        return McpToolbox(self, user_id, viewer, offers_of(chosen)), notices

    def confirm(self, user_id: str, token: str, allow: bool) -> bool:
        """Answer a destructive call waiting for ``user_id`` (``ToolConfirm.token``); False when none waits."""
        return self.confirmations.answer(user_id, token, allow)


def untitled(schema: Any) -> Any:
    """A function's parameters (``function_of``'s, made of ``functions.KEPT`` keywords) without the ``title`` of any
    schema in it (a property NAMED "title" stays)."""
    if not isinstance(schema, Mapping):
        return schema
    out = {key: value for key, value in schema.items() if key != "title"}
    if isinstance(out.get("properties"), Mapping):
        out["properties"] = {name: untitled(sub) for name, sub in out["properties"].items()}
    for key in ("items", "additionalProperties"):
        if key in out:
            out[key] = untitled(out[key])
    if isinstance(out.get("anyOf"), list):
        out["anyOf"] = [untitled(sub) for sub in out["anyOf"]]
    return out


def offers_of(chosen: Sequence[tuple[Entry, PinnedTool]]) -> dict[str, Offer]:
    """Function name -> what it stands for, for the tools chosen (names unique together)."""
    slug = server_slugs(entry for entry, _ in chosen)
    names = FunctionNames([(slug[entry.id], tool.name) for entry, tool in chosen])
    out = {}
    for entry, tool in chosen:
        name = names.name(slug[entry.id], tool.name)
        out[name] = Offer(entry, titles(entry), tool, function_of(slug[entry.id], tool.name, tool.description,
                                                                     tool.input_schema, name=name))
    return out


class McpToolbox:
    """The tools of one answer (a ``workbench.chat.Toolbox``): their functions, and the calls run through the hub."""

    def __init__(self, tools: ChatTools, user_id: str, viewer: Viewer, offers: Mapping[str, Offer]) -> None:
        self.tools, self.user_id, self.viewer, self.offers = tools, user_id, viewer, dict(offers)
        self.max_rounds = tools.max_rounds

    def specs(self) -> list[dict[str, Any]]:
        return [{"type": "function", "function": {**offer.function["function"],
                                                  "parameters": untitled(offer.function["function"]["parameters"])}}
                for offer in self.offers.values()]

    def limit_step(self, rounds: int) -> Mapping[str, Any]:
        return Step.limit(rounds).saved()

    async def run(self, calls: Sequence[ToolCall], most_chars: int) -> AsyncIterator[Any]:
        """Each call in turn: its steps as they change (``ToolStep``, ``ToolConfirm``), then its ``ToolReply``."""
        for call in calls:
            async for item in self._one(call, min(most_chars, MAX_FOR_MODEL)):
                yield item

    async def _one(self, call: ToolCall, most_chars: int) -> AsyncIterator[Any]:
        offer = self.offers.get(call.name)
        try:
            given = json.loads(call.arguments or "{}")
            problem = None if isinstance(given, dict) else "not an object"
        except ValueError as error:
            given, problem = call.arguments, str(error)[:200]
        if offer is None:
            step = Step.call(call.id, server="", entry_id="", tool=call.name[:200], arguments=given).failed(
                said("answer.tool_unknown", name=call.name[:200]))
            yield ToolStep(step)
            yield ToolReply(call.id, prompts.TOOL_UNKNOWN.format(name=call.name[:200], names=", ".join(self.offers)),
                            step.saved())
            return
        tool = offer.tool.name
        arguments = offer.function.tool_arguments(given) if problem is None else given
        step = Step.call(call.id, server=offer.server, entry_id=offer.entry.id, tool=tool, arguments=arguments,
                         destructive=destructive(offer.tool))
        if problem is not None:
            step = step.failed(said("answer.tool_bad_json"))
            yield ToolStep(step)
            yield ToolReply(call.id, prompts.TOOL_BAD_JSON.format(tool=tool, reason=problem), step.saved())
            return
        if step.destructive:
            allowed, why = None, said("answer.tool_denied")
            token, future = self.tools.confirmations.ask(self.user_id)
            try:
                yield ToolConfirm(step.waiting(), token, self.tools.confirm_seconds)
                allowed = await asyncio.wait_for(future, self.tools.confirm_seconds)
            except TimeoutError:
                why = said("answer.tool_timeout", seconds=round(self.tools.confirm_seconds))
            finally:
                self.tools.confirmations.forget(token)
            if not allowed:
                step = step.denied(why)
                yield ToolStep(step)
                yield ToolReply(call.id, prompts.TOOL_DENIED.format(tool=tool, reason=why.text("en")), step.saved())
                return
            step = step.resumed()
        yield ToolStep(step)
        try:
            result = await self.tools.hub.call_tool(offer.entry.id, tool, arguments, self.viewer, source="chat")
        except WorkbenchError as refusal:
            step, content = step.failed(refusal), prompts.TOOL_REFUSED.format(tool=tool, reason=refusal.text("en"))
        except Exception:                     # not BaseException: a Stop (cancellation) ends the answer
            log.warning("the chat's call of %s on %s failed", tool, offer.entry.name, exc_info=True)
            step = step.failed(said("answer.tool_failed"))
            content = prompts.TOOL_FAILED.format(tool=tool, reason=said("answer.tool_failed").text("en"))
        else:
            step, content = step.answered(result), result.for_model(most_chars)
        yield ToolStep(step)
        yield ToolReply(call.id, content, step.saved())
