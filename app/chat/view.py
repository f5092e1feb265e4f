"""How the chat page shows things: saved messages and streamed answers as chat rows (the thinking in a
collapsible block, "Found N web pages" with the sources, the knowledge bases' numbered passages, the documents'
cited passages, each MCP tool call as a collapsible step (tool, server, arguments, result, time, error), the answer's
[n] as chips (``app.chat.citations``), notices),
the conversation list's labels, exports as files, and the page's own CSS and address-bar script. Pure
functions of their inputs; no handlers here."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.chat.citations import CSS as CITATIONS_CSS
from app.chat.citations import doc_sources_block, md, quoted, safe_url, with_chips
from app.http.kb_files import file_url
from app.shell.i18n import translate
from workbench.answering.context import KB_PREFIX
from workbench.answering.steps import Step
from workbench.chat import error_text
from workbench.conversations import Message
from workbench.kb import answer as kb_answer
from workbench.retrieval import is_source as is_doc_source

LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False},
         {"left": "\\(", "right": "\\)", "display": False}, {"left": "\\[", "right": "\\]", "display": True}]
# the conversation list as a plain list of titles (a gr.Radio without its dots)
CSS = """
#chat-list .wrap { flex-direction: column; gap: 2px; }
#chat-list label { width: 100%; }
#chat-list input[type=radio] { display: none; }
#chat-list label.selected { font-weight: 600; background: var(--button-secondary-background-fill-hover); }
""" + CITATIONS_CSS
# keeps the open conversation in the address (?c=<id>), so a reload or a bookmark reopens it
URL_JS = ("(c) => { const u = new URL(window.location.href); if (c) { u.searchParams.set('c', c); } "
          "else { u.searchParams.delete('c'); } window.history.replaceState(null, '', u.toString()); return []; }")



def thought_block(reasoning: str, seconds: float | None, locale: str, *, pending: bool = False,
                  budget: int | None = None, used: int = 0) -> dict:
    """The thinking as a collapsible block: open with a spinner while it runs, closed when done. While it runs the
    title says the seconds so far and, when a ``budget`` applies, about how many of its tokens are left (``used``:
    the thought's streamed pieces, one token each from llama.cpp, vLLM, SGLang and Ollama)."""
    if pending:
        elapsed = int(seconds or 0)
        title = (translate("chat.thinking_left", locale, seconds=elapsed, left=max(0, budget - used), budget=budget)
                 if budget else translate("chat.thinking_for", locale, seconds=elapsed))
        meta = {"title": title, "status": "pending"}
    else:
        meta = {"title": translate("chat.thought_for", locale, seconds=max(1, round(seconds or 0))),
                "status": "done"}
    return {"role": "assistant", "content": reasoning, "metadata": meta}


def sources_block(sources: Sequence[dict], locale: str) -> dict:
    """"Found N web pages" with the numbered titles and links (closed); a page's title is text, never Markdown or
    HTML (it comes from the web), and only an http(s) address is a link."""
    lines = []
    for n, s in enumerate(sources, start=1):
        title, url = md(str(s.get("title") or s.get("url") or "")), safe_url(s.get("url"))
        lines.append(f"{_number(s.get('index'), n)}. " + (f"[{title}]({url})" if url else title))
    return {"role": "assistant", "content": "\n".join(lines),
            "metadata": {"title": translate("chat.found_pages", locale, count=len(sources)), "status": "done"}}


def _number(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def plain_md(text: str) -> str:
    """Plain text shown inside Markdown: its marks (and LaTeX dollars) kept literal."""
    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", text)


def kb_sources_block(sources: Sequence[dict], locale: str) -> dict:
    """"Found N passages in the knowledge bases": each [n] with its document (a link that opens it at the cited
    page), pages, knowledge base and the quoted passage (closed)."""
    parts = []
    for item in sources:
        s = kb_answer.read(item)
        if s is None:
            continue
        where = " · ".join(plain_md(x) for x in (s.pages(locale), s.kb_name) if x)
        name = plain_md(s.document)
        if s.kb_id and s.document_id:          # opens the document (a PDF at the cited page); access checked there
            name = f"[{name}]({file_url(s.kb_id, s.document_id, s.first_page)})"
        head = f"**[{s.index}] {name}**" + (f" · {where}" if where else "")
        parts.append(head + ("\n\n> " + quoted(s.text, plain_md) if s.text else ""))
    return {"role": "assistant", "content": "\n\n".join(parts),
            "metadata": {"title": translate("chat.found_passages", locale, count=len(parts)), "status": "done"}}


def sources_blocks(sources: Sequence[dict], locale: str) -> list[dict]:
    """The web pages' block, the knowledge bases' block and the documents' block, each when there is something to
    show."""
    kb = [s for s in sources if kb_answer.is_saved(s)]
    docs = [s for s in sources if is_doc_source(s)]
    web = [s for s in sources if not kb_answer.is_saved(s) and not is_doc_source(s)]
    return ([sources_block(web, locale)] if web else []) + ([kb_sources_block(kb, locale)] if kb else []) + \
        ([doc_sources_block(docs, locale)] if docs else [])


def fenced(text: str, language: str = "") -> str:
    """``text`` as a Markdown code block, whatever backticks it holds (a tool's output is shown, never rendered)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def step_row(step: Step, locale: str) -> dict:
    """One tool call as a collapsible block: its title says the tool, its server and how it went (a spinner while
    it runs or waits); inside, the arguments, the tool's output and why it failed or did not run."""
    if step.kind == "limit":
        return {"role": "assistant", "content": translate("chat.step_limit_text", locale),
                "metadata": {"title": "⚠️ " + translate("chat.step_limit", locale, rounds=step.rounds),
                             "status": "done"}}
    title = translate(f"chat.step_{step.status}", locale, tool=plain_md(step.tool),
                      server=plain_md(step.server_in(locale) or "?"))
    parts = [f"**{translate('chat.step_arguments', locale)}**",
             fenced(json.dumps(step.arguments, ensure_ascii=False, indent=2), "json")]
    if step.result:
        parts += [f"**{translate('chat.step_result', locale)}**", fenced(step.result)]
        if step.truncated:
            parts.append(f"*{translate('chat.step_cut', locale)}*")
    if step.error is not None:
        parts += [f"**{translate('chat.step_why', locale)}**", plain_md(step.error.text(locale))]
    meta: dict[str, Any] = {"title": ("🔧 " if step.status in ("ok", "running") else "⚠️ ") + title,
                            "status": "done" if step.done else "pending"}
    if step.done and step.elapsed_ms:
        meta["duration"] = round(step.elapsed_ms / 1000, 2)
    return {"role": "assistant", "content": "\n\n".join(parts), "metadata": meta}


def step_rows(steps: Sequence[Step | Mapping[str, Any]], locale: str) -> list[dict]:
    """An answer's tool calls (live ``Step``s, or as saved) as chat rows, in the order they ran."""
    return [step_row(s if isinstance(s, Step) else Step.read(s), locale) for s in steps]


def answer_rows(locale: str, *, reasoning: str = "", seconds: float | None = None, content: str = "",
                sources: Sequence[dict] = (), thinking: bool = False, stopped: bool = False,
                error: str | None = None, budget: int | None = None, used: int = 0,
                steps: Sequence[Step | Mapping[str, Any]] = ()) -> list[dict]:
    """An answer as chat messages: sources, thinking (``thinking``: still running, within ``budget`` tokens of
    which ``used`` are spent), its tool calls, the answer, notices."""
    rows = sources_blocks(sources, locale)
    if reasoning or thinking:
        rows.append(thought_block(reasoning, seconds, locale, pending=thinking, budget=budget, used=used))
    rows += step_rows(steps, locale)
    text = with_chips(content, sources, locale)
    if stopped:
        text = f"{text}\n\n*{translate('chat.stopped', locale)}*" if text else f"*{translate('chat.stopped', locale)}*"
    if error:
        text = f"{text}\n\n⚠️ {error}" if text else f"⚠️ {error}"
    if text:
        rows.append({"role": "assistant", "content": text})
    return rows


def question_rows(content: str, attachments: Sequence[dict], locale: str) -> list[dict]:
    """A question as the chat shows it: a line naming its documents (📎), one naming the knowledge bases asked
    (📚), then the question. The streams show a question being answered exactly so, so the saved conversation
    that replaces them at the end keeps every row in its place (a sources block opened meanwhile stays open)."""
    kbs = [a for a in attachments if str(a.get("id", "")).startswith(KB_PREFIX)]
    files = [a for a in attachments if a not in kbs]
    rows = []
    if files:
        names = ", ".join(a.get("name", "") for a in files)
        rows.append({"role": "user", "content": "📎 " + translate("chat.attachments", locale, names=names)})
    if kbs:
        names = ", ".join(plain_md(a.get("name", "")) for a in kbs)
        rows.append({"role": "user", "content": "📚 " + translate("chat.kb_asked", locale, names=names)})
    return [*rows, {"role": "user", "content": content}]


def message_rows(messages: Sequence[Message], locale: str) -> list[tuple[dict, str | None]]:
    """The saved messages as chat messages, each with the id of the question it shows (else None)."""
    out: list[tuple[dict, str | None]] = []
    for m in messages:
        if m.role == "user":
            rows = question_rows(m.content, m.attachments, locale)
            out += [(row, None) for row in rows[:-1]] + [(rows[-1], m.id)]
        else:
            out += [(row, None) for row in answer_rows(
                locale, reasoning=m.reasoning or "", seconds=m.reasoning_seconds, content=m.content,
                sources=m.sources, stopped=m.stopped, error=error_text(m.error, locale) if m.error else None,
                steps=m.steps)]
    return out


def chat_messages(messages: Sequence[Message], locale: str) -> list[dict]:
    return [row for row, _ in message_rows(messages, locale)]


def tool_label(choice: Any, locale: str) -> str:
    """A choice of the MCP tools picker (``workbench.answering.tools.Choice``): a whole server, or one of its tools
    (marked when it asks before it runs)."""
    if not choice.tool:
        return translate("chat.tools_all", locale, server=choice.server)
    key = "chat.tools_asks" if choice.destructive else "chat.tools_one"
    return translate(key, locale, server=choice.server, tool=choice.tool)


def list_choices(summaries: Sequence[Any], locale: str, query: str = "") -> list[tuple[str, str]]:
    """(label, id) for the conversation list; a search hit in the messages shows where it matched."""
    out = []
    for s in summaries:
        label = s.title or translate("chat.untitled", locale)
        if getattr(s, "snippet", None) and query.strip().lower() not in label.lower():
            label = f"{label} — {s.snippet}"
        out.append((label, s.id))
    return out


def edited_text(value: Any) -> str:
    """The text of an edited chat message (Gradio sends a string, or a list of text parts)."""
    if isinstance(value, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in value)
    return str(value or "")
