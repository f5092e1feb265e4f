"""Chat conversations saved per user in the workbench's DuckDB file.

Every method takes the caller's ``user_id`` and touches only that user's conversations: another
user's id answers exactly like a missing one (``NotFound``), so ids cannot be probed. A message
keeps its reasoning (shown in the UI, never sent back to a model), usage, web sources and
attachments. Errors carry a ``code`` (their words, en and zh, are in ``workbench/messages/conversations.py``) and the
``field`` at fault; ``text(locale)`` says them, ``message`` is the English (the shape of ``gateway.errors.FormError``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from workbench.errors import WorkbenchError
from workbench.store import Store

MAX_TITLE = 120
MAX_SYSTEM_PROMPT = 20_000
DEFAULT_TITLE = {"en": "New chat", "zh": "新对话"}
THINKING_BUDGET = (16, 32768)          # what the gateway accepts for thinking.budget_tokens
EXPORT_FORMAT = "maas-workbench.conversation/1"
EXTRA_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")     # extra fields a saved source may carry
MAX_EXTRA_CHARS = 2000
MAX_TOOLS = 50                          # servers and single tools a conversation may offer the model
MAX_TOOL_ID = 300                       # "<entry id>" or "<entry id>/<tool>"
MAX_STEPS_CHARS = 400_000               # an answer's tool steps as JSON (each step's result is capped before)


class ConversationError(WorkbenchError):
    """A request about conversations that cannot be done; ``message`` says what to do, ``field`` which input."""


class NotFound(ConversationError):
    """No such conversation or message for this user (also when it belongs to someone else)."""

    def __init__(self, what: str = "conversation", key: str | None = None) -> None:
        super().__init__(key or f"not_found.{what}", what)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _aware(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


@dataclass(frozen=True)
class Settings:
    """Per-conversation settings; ``None`` means the model's default."""

    model: str | None = None
    system_prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    thinking: bool = False
    thinking_budget: int | None = None
    tools: tuple[str, ...] = ()        # MCP servers ("<entry id>") and single tools ("<entry id>/<tool>") offered


SETTING_NAMES = tuple(f.name for f in fields(Settings))


@dataclass
class Message:
    id: str
    role: str                                   # user | assistant
    content: str
    created_at: datetime
    reasoning: str | None = None
    reasoning_seconds: float | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)       # [{index, title, url, ...extra fields}]
    attachments: list[dict[str, Any]] = field(default_factory=list)   # [{id, name}]
    stopped: bool = False
    error: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)         # an answer's tool calls, as shown (JSON)


@dataclass
class Summary:
    """A row of the conversation list (``snippet``: where a search matched in the messages)."""

    id: str
    title: str
    model: str | None
    created_at: datetime
    updated_at: datetime
    snippet: str | None = None


@dataclass
class Conversation:
    id: str
    user_id: str
    title: str                                  # "" until the first question; show DEFAULT_TITLE then
    title_source: str                           # auto | model | user
    settings: Settings
    created_at: datetime
    updated_at: datetime
    messages: list[Message] = field(default_factory=list)


# -- validation --------------------------------------------------------------------------------
def _number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (low < number <= high if low_open else low <= number <= high):
        bracket = "(" if low_open else "["
        raise ConversationError("invalid_setting.number", name, name=name, bracket=bracket, low=low, high=high)
    return number


def _integer(name: str, value: Any, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConversationError("invalid_setting.whole", name, name=name, low=low, high=high)
    return value


def validate_settings(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Checked values of the settings in ``changes``; a bad value raises naming its field."""
    unknown = set(changes) - set(SETTING_NAMES)
    if unknown:
        name = sorted(unknown)[0]
        raise ConversationError("unknown_setting", name, name=name, names=", ".join(SETTING_NAMES))
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "model":
            value = (str(value).strip() or None) if value is not None else None
            if value is not None and len(value) > 200:
                raise ConversationError("too_long.model", "model")
        elif name == "system_prompt":
            value = str(value) if value is not None else None
            if value is not None and len(value) > MAX_SYSTEM_PROMPT:
                raise ConversationError("too_long.system_prompt", "system_prompt", most=MAX_SYSTEM_PROMPT)
            value = value if value and value.strip() else None
        elif name == "temperature":
            value = _number("temperature", value, 0, 2)
        elif name == "top_p":
            value = _number("top_p", value, 0, 1, low_open=True)
        elif name == "max_tokens":
            value = _integer("max_tokens", value, 1, 1_000_000)
        elif name == "thinking":
            value = bool(value)
        elif name == "thinking_budget":
            value = _integer("thinking_budget", value, *THINKING_BUDGET)
        elif name == "tools":
            value = _tools(value)
        out[name] = value
    return out


def _tools(value: Any) -> tuple[str, ...]:
    """The tools a conversation offers: a list of ids (``"<entry id>"``, ``"<entry id>/<tool>"``), each once."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConversationError("invalid_setting.tools", "tools", most=MAX_TOOLS)
    ids = [item.strip() if isinstance(item, str) else None for item in value]
    if any(not item or len(item) > MAX_TOOL_ID for item in ids) or len(set(ids)) > MAX_TOOLS:
        raise ConversationError("invalid_setting.tools", "tools", most=MAX_TOOLS)
    return tuple(dict.fromkeys(ids))


def _stored(name: str, value: Any) -> Any:
    """A setting as its column holds it (the tools as a JSON list)."""
    return json.dumps(list(value)) if name == "tools" else value


def _steps(items: Iterable[Any]) -> str | None:
    """An answer's tool steps as JSON (plain data, as ``workbench.answering.tools.Step.saved`` makes them)."""
    steps = [dict(item) for item in items if isinstance(item, Mapping)]
    if not steps:
        return None
    text = json.dumps(steps, ensure_ascii=False, default=str)
    if len(text) > MAX_STEPS_CHARS:            # never expected (each result is capped): keep what the steps were
        text = json.dumps([{k: v for k, v in step.items() if k != "result"} for step in steps], ensure_ascii=False,
                          default=str)
    return text


def _sources(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Each source as ``{index, title, url}`` plus the extra fields it came with (a knowledge-base passage: its
    KB, document, pages, quote; see ``workbench.kb.answer.Source.saved``): plain values only (text, numbers,
    true/false, null), names of ``EXTRA_KEY`` form, texts cut at ``MAX_EXTRA_CHARS``."""
    out = []
    for n, item in enumerate(items, start=1):
        get = item.get if isinstance(item, Mapping) else (lambda k, o=item: getattr(o, k, None))
        source = {"index": int(get("index") or n), "title": str(get("title") or ""), "url": str(get("url") or "")}
        extra = item.items() if isinstance(item, Mapping) else ()
        for key, value in extra:
            if key in source or not (isinstance(key, str) and EXTRA_KEY.fullmatch(key)):
                continue
            if isinstance(value, str):
                source[key] = value[:MAX_EXTRA_CHARS]
            elif value is None or isinstance(value, bool | int | float):
                source[key] = value
        out.append(source)
    return out


def _attachments(items: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        get = item.get if isinstance(item, Mapping) else (lambda k, o=item: getattr(o, k, None))
        out.append({"id": str(get("id") or ""), "name": str(get("name") or "")})
    return out


def heuristic_title(question: str, limit: int | None = None) -> str:
    """A short title from the first question: its first meaningful line, Markdown marks removed, cut at
    ``limit`` characters (default 20 for Chinese, Japanese or Korean text, 50 for other text)."""
    text = re.sub(r"```.*?(```|$)", " ", question, flags=re.S)           # code blocks say little
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "") or question.strip()
    line = re.sub(r"[*`~]+", "", re.sub(r"^[#>\s]+|^[-+]\s+|^\d+[.)]\s+", "", line))
    line = re.sub(r"\s+", " ", line).strip(" ,.;:!?，。；：！？、")
    cjk = re.search(r"[\u3000-\u9fff\uac00-\ud7af]", line)
    limit = limit or (20 if cjk else 50)
    if len(line) <= limit:
        return line
    cut = line[:limit]
    if " " in cut and not cjk:                                          # end on a whole word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:，。；：") + "…"


# -- the service -------------------------------------------------------------------------------
_CONV_COLS = ("id, user_id, title, title_source, model, system_prompt, temperature, top_p, max_tokens, thinking, "
              "thinking_budget, tools, created_at, updated_at")
_MSG_COLS = ("id, role, content, created_at, reasoning, reasoning_seconds, model, usage, sources, attachments, "
             "stopped, error, steps")


def _message(row: tuple) -> Message:
    (mid, role, content, created, reasoning, seconds, model, usage, sources, attachments, stopped, error, steps) = row
    return Message(id=mid, role=role, content=content, created_at=_aware(created), reasoning=reasoning,
                   reasoning_seconds=seconds, model=model, usage=json.loads(usage) if usage else None,
                   sources=json.loads(sources) if sources else [],
                   attachments=json.loads(attachments) if attachments else [], stopped=bool(stopped), error=error,
                   steps=json.loads(steps) if steps else [])


class Conversations:
    """Create, list, read, search, edit and export one user's conversations."""

    def __init__(self, store: Store) -> None:
        self.store = store


    # -- conversations ---------------------------------------------------------------------
    def create(self, user_id: str, **settings: Any) -> Conversation:
        """A new, empty conversation with ``settings`` (model, system_prompt, temperature, ...)."""
        values = {**asdict(Settings()), **validate_settings(settings)}
        cid, now = uuid.uuid4().hex, _now()
        with self.store.transaction() as cur:
            cur.execute(f"INSERT INTO conversations ({_CONV_COLS}) "
                        "VALUES (?, ?, '', 'auto', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [cid, user_id, *(_stored(n, values[n]) for n in SETTING_NAMES), now, now])
        return self.get(user_id, cid)

    def list(self, user_id: str, limit: int = 200) -> list[Summary]:
        """The user's conversations, the most recently updated first."""
        rows = self.store.cursor().execute(
            "SELECT id, title, model, created_at, updated_at FROM conversations WHERE user_id = ? "
            "ORDER BY updated_at DESC, id LIMIT ?", [user_id, limit]).fetchall()
        return [Summary(r[0], r[1], r[2], _aware(r[3]), _aware(r[4])) for r in rows]

    def get(self, user_id: str, conversation_id: str) -> Conversation:
        """The conversation with all its messages; ``NotFound`` unless ``user_id`` owns it."""
        cur = self.store.cursor()
        row = cur.execute(f"SELECT {_CONV_COLS} FROM conversations WHERE id = ? AND user_id = ?",
                          [str(conversation_id), user_id]).fetchone()
        if row is None:
            raise NotFound()
        settings = Settings(*row[4:11], tools=tuple(json.loads(row[11])) if row[11] else ())
        rows = cur.execute(f"SELECT {_MSG_COLS} FROM messages WHERE conversation_id = ? ORDER BY seq",
                           [row[0]]).fetchall()
        return Conversation(id=row[0], user_id=row[1], title=row[2], title_source=row[3], settings=settings,
                            created_at=_aware(row[12]), updated_at=_aware(row[13]),
                            messages=[_message(r) for r in rows])

    def _owned(self, cur, user_id: str, conversation_id: str) -> tuple[str, str]:
        row = cur.execute("SELECT id, title_source FROM conversations WHERE id = ? AND user_id = ?",
                          [str(conversation_id), user_id]).fetchone()
        if row is None:
            raise NotFound()
        return row[0], row[1]

    def rename(self, user_id: str, conversation_id: str, title: str) -> None:
        """Give the conversation the user's own title (automatic titles never replace it)."""
        title = re.sub(r"\s+", " ", str(title or "")).strip()
        if not title:
            raise ConversationError("required.title", "title")
        if len(title) > MAX_TITLE:
            raise ConversationError("too_long.title", "title", most=MAX_TITLE)
        with self.store.transaction() as cur:
            cid, _ = self._owned(cur, user_id, conversation_id)
            cur.execute("UPDATE conversations SET title = ?, title_source = 'user' WHERE id = ?", [title, cid])

    def set_model_title(self, user_id: str, conversation_id: str, title: str) -> bool:
        """A model-made title; applied only while the title is still automatic. True if applied."""
        title = heuristic_title(title, MAX_TITLE) if title else ""
        with self.store.transaction() as cur:
            cid, source = self._owned(cur, user_id, conversation_id)
            if not title or source != "auto":
                return False
            cur.execute("UPDATE conversations SET title = ?, title_source = 'model' WHERE id = ?", [title, cid])
        return True

    def delete(self, user_id: str, conversation_id: str) -> None:
        with self.store.transaction() as cur:
            cid, _ = self._owned(cur, user_id, conversation_id)
            cur.execute("DELETE FROM messages WHERE conversation_id = ?", [cid])
            cur.execute("DELETE FROM conversations WHERE id = ?", [cid])

    def update_settings(self, user_id: str, conversation_id: str, **changes: Any) -> Settings:
        """Change some settings (checked; a bad value raises naming its field); returns them all."""
        values = validate_settings(changes)
        with self.store.transaction() as cur:
            cid, _ = self._owned(cur, user_id, conversation_id)
            if values:
                assignments = ", ".join(f"{name} = ?" for name in values)
                cur.execute(f"UPDATE conversations SET {assignments} WHERE id = ?",
                            [*(_stored(name, value) for name, value in values.items()), cid])
        return self.get(user_id, cid).settings

    def search(self, user_id: str, query: str, limit: int = 50) -> list[Summary]:
        """The user's conversations whose title or messages contain ``query`` (any case), newest first."""
        needle = str(query or "").strip()
        if not needle:
            return self.list(user_id, limit)
        rows = self.store.cursor().execute(
            """
            WITH hits AS (
                SELECT m.conversation_id, min(m.seq) AS seq FROM messages m
                JOIN conversations c ON c.id = m.conversation_id
                WHERE c.user_id = ? AND strpos(lower(m.content), lower(?)) > 0 GROUP BY m.conversation_id)
            SELECT c.id, c.title, c.model, c.created_at, c.updated_at, m.content
            FROM conversations c
            LEFT JOIN hits h ON h.conversation_id = c.id
            LEFT JOIN messages m ON m.conversation_id = h.conversation_id AND m.seq = h.seq
            WHERE c.user_id = ? AND (strpos(lower(c.title), lower(?)) > 0 OR h.seq IS NOT NULL)
            ORDER BY c.updated_at DESC, c.id LIMIT ?
            """, [user_id, needle, user_id, needle, limit]).fetchall()
        return [Summary(r[0], r[1], r[2], _aware(r[3]), _aware(r[4]), _snippet(r[5], needle) if r[5] else None)
                for r in rows]

    # -- messages --------------------------------------------------------------------------
    def add_message(self, user_id: str, conversation_id: str, role: str, content: str, *,
                    reasoning: str | None = None, reasoning_seconds: float | None = None, model: str | None = None,
                    usage: Mapping[str, Any] | None = None, sources: Iterable[Any] = (),
                    attachments: Iterable[Any] = (), stopped: bool = False, error: str | None = None,
                    steps: Iterable[Any] = ()) -> Message:
        """Append a message; the first question also gives an automatic conversation a title. ``steps``: an
        answer's tool calls as shown (plain data, ``workbench.answering.tools.Step.saved``)."""
        if role not in ("user", "assistant"):
            raise ConversationError("invalid_role", "role")
        content = str(content or "")
        if role == "user" and not content.strip():
            raise ConversationError("required.content", "content")
        mid, now = uuid.uuid4().hex, _now()
        steps_json = _steps(steps)
        with self.store.transaction() as cur:
            cid, source = self._owned(cur, user_id, conversation_id)
            seq, users = cur.execute("SELECT coalesce(max(seq), 0) + 1, count(*) FILTER (WHERE role = 'user') "
                                     "FROM messages WHERE conversation_id = ?", [cid]).fetchone()
            cur.execute(f"INSERT INTO messages (seq, conversation_id, {_MSG_COLS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [seq, cid, mid, role, content, now, reasoning or None, reasoning_seconds, model,
                         json.dumps(dict(usage)) if usage else None, json.dumps(_sources(sources)),
                         json.dumps(_attachments(attachments)), stopped, error, steps_json])
            cur.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", [now, cid])
            if role == "user" and users == 0 and source == "auto":
                cur.execute("UPDATE conversations SET title = ? WHERE id = ?", [heuristic_title(content), cid])
        return Message(id=mid, role=role, content=content, created_at=_aware(now), reasoning=reasoning or None,
                       reasoning_seconds=reasoning_seconds, model=model, usage=dict(usage) if usage else None,
                       sources=_sources(sources), attachments=_attachments(attachments), stopped=stopped, error=error,
                       steps=json.loads(steps_json) if steps_json else [])

    def edit_question(self, user_id: str, conversation_id: str, message_id: str, content: str) -> Message:
        """Change a question and drop everything after it (to be answered again)."""
        content = str(content or "")
        if not content.strip():
            raise ConversationError("required.content", "content")
        with self.store.transaction() as cur:
            cid, source = self._owned(cur, user_id, conversation_id)
            row = cur.execute("SELECT seq, role FROM messages WHERE id = ? AND conversation_id = ?",
                              [str(message_id), cid]).fetchone()
            if row is None:
                raise NotFound("message")
            if row[1] != "user":
                raise ConversationError("not_a_question", "message")
            first = cur.execute("SELECT min(seq) FROM messages WHERE conversation_id = ? AND role = 'user'",
                                [cid]).fetchone()[0]
            cur.execute("DELETE FROM messages WHERE conversation_id = ? AND seq > ?", [cid, row[0]])
            cur.execute("UPDATE messages SET content = ? WHERE id = ?", [content, message_id])
            cur.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", [_now(), cid])
            if row[0] == first and source == "auto":
                cur.execute("UPDATE conversations SET title = ? WHERE id = ?", [heuristic_title(content), cid])
        return next(m for m in self.get(user_id, cid).messages if m.id == message_id)

    def drop_last_answer(self, user_id: str, conversation_id: str) -> Message:
        """Remove the answer(s) after the last question (to regenerate it); returns that question."""
        with self.store.transaction() as cur:
            cid, _ = self._owned(cur, user_id, conversation_id)
            row = cur.execute("SELECT max(seq) FROM messages WHERE conversation_id = ? AND role = 'user'",
                              [cid]).fetchone()
            if row[0] is None:
                raise ConversationError("no_question", "message")
            cur.execute("DELETE FROM messages WHERE conversation_id = ? AND seq > ?", [cid, row[0]])
        return self.get(user_id, cid).messages[-1]

    # -- export ----------------------------------------------------------------------------
    def export_json(self, user_id: str, conversation_id: str) -> str:
        """The whole conversation (settings, messages with reasoning, usage, sources) as JSON text."""
        conv = self.get(user_id, conversation_id)
        doc = {"format": EXPORT_FORMAT, "id": conv.id, "title": conv.title, "created_at": conv.created_at.isoformat(),
               "updated_at": conv.updated_at.isoformat(), "settings": asdict(conv.settings),
               "messages": [{**asdict(m), "created_at": m.created_at.isoformat()} for m in conv.messages]}
        return json.dumps(doc, ensure_ascii=False, indent=2)

    def export_markdown(self, user_id: str, conversation_id: str, locale: str = "en") -> str:
        """The conversation as a Markdown document (labels in ``locale``)."""
        from workbench.prompts import export_labels

        conv, lab = self.get(user_id, conversation_id), export_labels(locale)
        out = [f"# {conv.title or lab['untitled']}", ""]
        if conv.settings.model:
            out.append(f"- {lab['model']}: `{conv.settings.model}`")
        out += [f"- {lab['created']}: {conv.created_at:%Y-%m-%d %H:%M} UTC", ""]
        if conv.settings.system_prompt:
            out += [f"**{lab['system']}**", "", *_quote(conv.settings.system_prompt), ""]
        for m in conv.messages:
            who = lab["user"] if m.role == "user" else lab["assistant"]
            out += ["---", "", f"### {who}" + (f" · `{m.model}`" if m.model and m.role == "assistant" else ""), ""]
            if m.attachments:
                out += [f"{lab['attachments']}: " + ", ".join(a["name"] for a in m.attachments), ""]
            if m.reasoning:
                seconds = lab["thought_for"].format(seconds=round(m.reasoning_seconds or 0))
                out += ["<details>", f"<summary>{seconds}</summary>", "", *_quote(m.reasoning), "", "</details>", ""]
            if m.steps:
                out += [f"**{lab['tools']}**", ""] + [_step_line(s, lab) for s in m.steps] + [""]
            out += [m.content, ""]
            if m.stopped:
                out += [f"*{lab['stopped']}*", ""]
            if m.sources:
                out += [f"**{lab['sources']}**", ""] + [_source_line(s) for s in m.sources] + [""]
        return "\n".join(out).rstrip() + "\n"


def _source_line(source: Mapping[str, Any]) -> str:
    """ "1. [title](url)", or for a source without an address (a knowledge-base passage) "1. title — detail"."""
    title, url, detail = source.get("title") or "", source.get("url") or "", source.get("detail") or ""
    line = f"{source['index']}. " + (f"[{title or url}]({url})" if url else title)
    return line + (f" — {detail}" if detail else "")


def _step_line(step: Mapping[str, Any], lab: Mapping[str, str]) -> str:
    """ "- `get_current_time` (Time) {"timezone": "Asia/Shanghai"} → ok": one tool call of an answer."""
    if step.get("kind") != "call":
        return "- " + lab["tool_limit"].format(rounds=step.get("rounds", ""))
    arguments = json.dumps(step.get("arguments"), ensure_ascii=False)
    return f"- `{step.get('tool', '')}` ({step.get('server', '')}) `{arguments[:500]}` → {step.get('status', '')}"


def _quote(text: str) -> list[str]:
    return [("> " + line).rstrip() for line in text.splitlines()] or [">"]


def _snippet(content: str, needle: str, width: int = 40) -> str:
    at = content.lower().find(needle.lower())
    if at < 0:
        return content[: 2 * width]
    start, end = max(0, at - width), min(len(content), at + len(needle) + width)
    text = re.sub(r"\s+", " ", content[start:end]).strip()
    return ("…" if start else "") + text + ("…" if end < len(content) else "")
