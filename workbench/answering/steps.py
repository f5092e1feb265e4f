"""An answer's tool calls as its reader sees them, live and when the conversation is opened again.

    step = Step.call("call_1", server="Time", entry_id=entry.id, tool="get_current_time",
                     arguments={"timezone": "Asia/Shanghai"})            # status "running"
    step = step.answered(result)              # ok, or error when the tool said so: its output as text (capped)
    step = step.failed(refusal)               # refused before it ran, or failed: why, in en and zh
    saved = step.saved()                      # plain JSON data, kept with the answer (``Message.steps``)
    Step.read(saved)                          # back, to show a saved answer

A step's ``status``: ``running``, ``waiting`` (a destructive tool waits for the user's yes), then ``ok``, ``error``
or ``denied``. A ``limit`` step says the answer used its most rounds of tool calls. What a tool answered is shown
as text: its text parts, the other parts named (``[image image/png, 2048 bytes]``), its structured content as JSON
when it gave no text, at most ``MAX_SHOWN`` characters. It is the tool's data, shown as such (a page puts it in a
code block), never taken as instructions or markup.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from shared.locale import in_locale
from shared.messages import Words
from workbench.mcp.results import TextPart, ToolResult, part_text

STATUSES = ("running", "waiting", "ok", "error", "denied")
KINDS = ("call", "limit")
MAX_SHOWN = 4000                # characters of a tool's output kept to show (the model gets more: ``for_model``)


def _said(words: Any) -> Words:
    """Something that is said in en and zh (a ``WorkbenchError``, a ``Message``, ``Words``) as ``Words``."""
    return words if isinstance(words, Words) else Words(words.text("en"), words.text("zh"))


@dataclass(frozen=True)
class Step:
    """One tool call of an answer (``kind`` "call"), or the note that the rounds were used up (``kind`` "limit",
    ``rounds``). ``arguments``: as the model gave them (a JSON value, or the text when it was not JSON)."""

    kind: str = "call"
    call_id: str = ""
    server: str = ""
    entry_id: str = ""
    tool: str = ""
    arguments: Any = None
    status: str = "running"
    result: str = ""
    truncated: bool = False
    error: Words | None = None
    elapsed_ms: float = 0.0
    started_at: str = ""
    destructive: bool = False
    rounds: int = 0
    zh_title: str = ""              # the server's title in Chinese ("" when saved before it was kept, or the same)
    started: float = 0.0            # the monotonic clock at the start (not saved): for ``elapsed_ms``

    @classmethod
    def call(cls, call_id: str, *, server: str | Words, entry_id: str, tool: str, arguments: Any,
             destructive: bool = False) -> Step:
        """``server``: its title, or its titles in en and zh (``Words``)."""
        en, zh = (server.en, server.zh) if isinstance(server, Words) else (str(server), "")
        return cls("call", call_id, en, entry_id, tool, arguments, "running", destructive=destructive,
                   zh_title="" if zh == en else zh,
                   started_at=datetime.now(UTC).isoformat(timespec="seconds"), started=time.monotonic())

    @classmethod
    def limit(cls, rounds: int) -> Step:
        return cls("limit", status="ok", rounds=rounds)

    def server_in(self, locale: str) -> str:
        """The server's title in ``locale`` (English when there is no other)."""
        return in_locale(self.server, self.zh_title, locale)

    @property
    def done(self) -> bool:
        return self.status in ("ok", "error", "denied")

    def _ended(self, **changes: Any) -> Step:
        elapsed = round((time.monotonic() - self.started) * 1000, 1) if self.started else self.elapsed_ms
        return replace(self, elapsed_ms=elapsed, **changes)

    def waiting(self) -> Step:
        return replace(self, status="waiting")

    def resumed(self) -> Step:
        """Running again after the user said yes (its time counted from now)."""
        return replace(self, status="running", started=time.monotonic())

    def answered(self, result: ToolResult) -> Step:
        """The tool's answer: ``ok``, or ``error`` when the tool reported one (its words are its output)."""
        text, cut = shown_text(result)
        return self._ended(status="error" if result.is_error else "ok", result=text,
                           truncated=cut or result.truncated)

    def failed(self, why: Any) -> Step:
        """Refused before it ran (bad arguments, no such tool, a server not available) or failed on the way."""
        return self._ended(status="error", error=_said(why))

    def denied(self, why: Any) -> Step:
        """Not run: the user said no, or did not answer in time."""
        return self._ended(status="denied", error=_said(why))

    def saved(self) -> dict[str, Any]:
        """The step as plain JSON data (what ``Conversations.add_message(steps=...)`` keeps)."""
        if self.kind == "limit":
            return {"kind": "limit", "rounds": self.rounds}
        error = {"en": self.error.en, "zh": self.error.zh} if self.error else None
        return {"kind": "call", "call_id": self.call_id, "server": self.server, "entry_id": self.entry_id,
                "tool": self.tool, "arguments": self.arguments, "status": self.status, "result": self.result,
                "truncated": self.truncated, "error": error, "elapsed_ms": self.elapsed_ms,
                "started_at": self.started_at, "destructive": self.destructive,
                **({"server_zh": self.zh_title} if self.zh_title else {})}

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> Step:
        """A saved step (``saved``); unknown or missing values read as empty ones."""
        if data.get("kind") == "limit":
            return cls.limit(_int(data.get("rounds")))
        error = data.get("error")
        words = Words(str(error.get("en") or ""), str(error.get("zh") or "")) if isinstance(error, Mapping) else None
        status = data.get("status") if data.get("status") in STATUSES else "error"
        return cls("call", str(data.get("call_id") or ""), str(data.get("server") or ""),
                   str(data.get("entry_id") or ""), str(data.get("tool") or ""), data.get("arguments"), status,
                   str(data.get("result") or ""), bool(data.get("truncated")), words,
                   _float(data.get("elapsed_ms")), str(data.get("started_at") or ""), bool(data.get("destructive")),
                   zh_title=str(data.get("server_zh") or ""))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def shown_text(result: ToolResult, most: int = MAX_SHOWN) -> tuple[str, bool]:
    """What a tool answered as text to show (see the module doc), and whether it was cut."""
    lines = [part_text(part) for part in result.parts]
    if result.structured is not None and not any(isinstance(part, TextPart) for part in result.parts):
        lines.append(json.dumps(result.structured, ensure_ascii=False, indent=1))
    text = "\n".join(line for line in lines if line)
    return (text[:most], True) if len(text) > most else (text, False)
