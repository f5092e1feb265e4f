"""How an answer's citations and document sources are shown in the chat (pure functions of the saved answer).

- ``with_chips``: each [n] in the answer becomes a chip that opens its source (a web page; a knowledge-base document
  or an attached document at the cited page). Chips the answer got from ``workbench.citations`` (the model did not
  write them) are marked *added* (class ``cite-added``: a dashed outline); a model's [n] that the check found does
  not support its sentence is marked *doubtful* (``cite-doubtful``: struck through). Each says so on hover.
- ``doc_sources_block``: the attached documents' passages the answer cites: [n], the document (opening it at the
  page), the page and the quoted passage, as the knowledge bases' block shows theirs.
- ``md``/``safe_url``: untrusted text and addresses (web-page titles, file names, quotes) put into Markdown as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from app.http.chat_files import file_url as attachment_url
from app.http.kb_files import file_url
from app.shell.i18n import translate
from workbench.citations import MARK, offsets
from workbench.kb import answer as kb_answer
from workbench.retrieval import read_source

CSS = """
#chat-bot .cite { font-size: 0.8em; padding: 0 0.3em; margin: 0 0.1em; border-radius: 0.5em; text-decoration: none;
  background: var(--color-accent-soft); border: 1px solid transparent; white-space: nowrap; }
#chat-bot .cite-added { background: transparent; border: 1px dashed var(--color-accent); font-style: italic; }
#chat-bot .cite-doubtful { background: transparent; border: 1px solid var(--border-color-primary);
  text-decoration: line-through; opacity: 0.75; }
"""
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.S)
_CJK_BEFORE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")


def md(text: str) -> str:
    """Plain text shown inside Markdown: its marks (and LaTeX dollars, HTML brackets) kept literal."""
    return re.sub(r"([\\`*_\[\]()<>#|~$!])", r"\\\1", text)


def quoted(text: str, escape: Any = None) -> str:
    """A passage as a Markdown block quote's text: ``escape``d (``md``), and a leading "2." or "-" kept as text
    rather than starting a list."""
    text = (escape or md)(text)
    return re.sub(r"^(\s*)(\d+)([.)])", r"\1\2\\\3", re.sub(r"^(\s*)([-+*])", r"\1\\\2", text))


def safe_url(url: Any) -> str | None:
    """An http(s) address fit for a Markdown link (brackets, quotes and spaces escaped), else None."""
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe=":/?#[]@!$&*+,;=%~-._'")


def source_link(item: Mapping[str, Any]) -> str | None:
    """Where a saved source opens: a KB document or an attached document at its page, or a web page."""
    kb = kb_answer.read(item)
    if kb is not None:
        return file_url(kb.kb_id, kb.document_id, kb.first_page) if kb.kb_id and kb.document_id else None
    doc = read_source(item)
    if doc is not None:
        return attachment_url(doc.attachment_id, doc.first_page if doc.paged else None) if doc.attachment_id else None
    return safe_url(item.get("url"))


def source_label(item: Mapping[str, Any], locale: str) -> str:
    """ "report.pdf, p. 2" / "安全手册.pdf, 第 2 页" / a web page's title."""
    source = kb_answer.read(item) or read_source(item)
    if source is not None:
        pages = source.pages(locale)
        return source.document + (f", {pages}" if pages else "")
    return str(item.get("title") or item.get("url") or "")


def _chip(n: int, item: Mapping[str, Any] | None, kind: str, locale: str) -> str:
    if item is None:
        return f"[{n}]"
    title = translate(f"chat.cite_{kind}", locale, source=source_label(item, locale))
    cls = "cite" + {"added": " cite-added", "doubtful": " cite-doubtful"}.get(kind, "")
    href = source_link(item)
    attrs = f'class="{cls}" title="{html.escape(title)}"'
    if href:
        return f'<a {attrs} href="{html.escape(href)}" target="_blank" rel="noopener">[{n}]</a>'
    return f"<span {attrs}>[{n}]</span>"


def with_chips(content: str, sources: Sequence[Mapping[str, Any]], locale: str) -> str:
    """The answer with its citations as chips (see the module doc); code is left alone."""
    by_index: dict[int, Mapping[str, Any]] = {}
    for item in sources:
        try:
            by_index.setdefault(int(item.get("index") or 0), item)
        except (TypeError, ValueError):
            continue
    if not by_index or not content:
        return content
    doubtful = {(at, n) for n, item in by_index.items() for at in offsets(item.get("doubtful"))}
    edits: list[tuple[int, int, str]] = []              # (start, end, replacement): a mark replaced, a chip added
    code = [(m.start(), m.end()) for m in _CODE.finditer(content)]
    for found in MARK.finditer(content):
        if any(a <= found.start() < b for a, b in code):
            continue
        numbers = [int(x) for x in re.split(r"\s*[,，、]\s*", found.group(1))]
        if not any(n in by_index for n in numbers):
            continue                                     # not a citation of these sources (e.g. a list's [1])
        chips = "".join(_chip(n, by_index.get(n), "doubtful" if (found.start(), n) in doubtful else "model", locale)
                        for n in numbers)
        edits.append((found.start(), found.end(), chips))
    for n, item in by_index.items():
        for at in offsets(item.get("added")):
            if 0 < at <= len(content) and not any(a < at < b for a, b in code):
                space = "" if _CJK_BEFORE.search(content[:at]) else " "
                edits.append((at, at, space + _chip(n, item, "added", locale)))
    out, position = [], 0
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < position:
            continue
        out += [content[position:start], text]
        position = end
    return "".join(out) + content[position:]


def doc_sources_block(sources: Sequence[Mapping[str, Any]], locale: str) -> dict:
    """"Cited N passages of the documents": each [n] with its document (a link that opens it at the page), the
    page and the quoted passage (closed)."""
    parts = []
    for item in sources:
        s = read_source(item)
        if s is None:
            continue
        name = md(s.document)
        if s.attachment_id:
            name = f"[{name}]({attachment_url(s.attachment_id, s.first_page if s.paged else None)})"
        pages = s.pages(locale)
        head = f"**[{s.index}] {name}**" + (f" · {md(pages)}" if pages else "")
        parts.append(head + ("\n\n> " + quoted(s.text) if s.text else ""))
    return {"role": "assistant", "content": "\n\n".join(parts),
            "metadata": {"title": translate("chat.doc_passages", locale, count=len(parts)), "status": "done"}}
