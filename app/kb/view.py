"""Pure renderers of the Knowledge page: the KB lists, a KB's header, documents, a document's chunks, retrieval
hits, share links and grants, the upload report — all escaped HTML (``app.tables``), in the page's language."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from app.http.kb_files import file_url
from app.shell import tables
from app.shell.i18n import translate
from workbench.kb.records import KBDocument, KnowledgeBase, Reembedding

PENDING = ("queued", "parsing", "embedding")
STATE_KIND = {"queued": "pending", "parsing": "pending", "embedding": "pending", "ready": "active",
              "failed": "rejected", "cancelled": "revoked"}
SNIPPET_CHARS = 600
MAX_SHOWN = 200                # documents in the table (a KB may hold thousands; the rest: see the summary)
SHOWN_FIRST = {"parsing": 0, "embedding": 0, "failed": 1, "queued": 2, "cancelled": 3, "ready": 4}
CSS = tables.CSS + """
.kb-head h3 { margin: 0 0 4px 0; }
.kb-head .muted { margin-top: 2px; }
.kb-head .kb-chat { display: inline-block; margin-top: 6px; font-weight: 600; }
.kb-progress { display: inline-block; width: 90px; height: 6px; border-radius: 3px; margin-left: 6px;
               background: var(--border-color-primary); vertical-align: middle; overflow: hidden; }
.kb-progress > span { display: block; height: 100%; background: #2563eb; }
.kb-chunk { white-space: pre-wrap; max-width: 60ch; }
.kb-chunk-text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 18em; overflow-y: auto; }
.kb-chunk-text mark { padding: 0 1px; border-radius: 2px; }
.kb-error { color: #991b1b; }
.kb-notice ul { margin: 4px 0; padding-left: 20px; }
.b-public { background: #dbeafe; color: #1e40af; }
.b-private { background: #f3f4f6; color: #374151; }
"""


def t(locale: str, key: str, **fields: Any) -> str:
    return translate(key, locale, **fields)


def role_name(role: str | None, locale: str) -> str:
    return t(locale, f"kb.role_{role or 'reader'}")


def size_text(size: int | None) -> str:
    if size is None:
        return "—"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def pages_text(first: int | None, last: int | None, locale: str) -> str:
    """``p. 3`` / ``pp. 3–4`` (第 3 页 / 第 3–4 页), or an em dash for a text without pages."""
    if first is None:
        return "—"
    if last is None or last == first:
        return t(locale, "kb.page", page=first)
    return t(locale, "kb.pages", first=first, last=last)


def public_badge(public: bool, locale: str) -> str:
    return tables.badge(t(locale, "kb.public" if public else "kb.private"), "public" if public else "private")


def space_name(team_name: str, person: str | None, viewer: str, locale: str, name_of: Callable[[str], str]) -> str:
    """A KB's team as shown to ``viewer``: their own personal space as such, another user's in the page's language
    ("bob 的个人空间": the stored name is English, "bob's space"), a team by its name."""
    if person is None:
        return team_name
    if person == viewer:
        return t(locale, "kb.personal_space")
    return t(locale, "teams.personal_name", name=name_of(person))


def named_spaces(entries: Sequence[Any], viewer: str, locale: str, name_of: Callable[[str], str]) -> list[Any]:
    """``VisibleKB`` / ``SquareEntry`` rows with their ``team_name`` as ``space_name`` shows it."""
    return [replace(e, team_name=space_name(e.team_name, e.person, viewer, locale, name_of)) for e in entries]


# ---------------------------------------------------------------- the lists


def mine_html(visible: Sequence[Any], locale: str) -> str:
    """My KBs (``VisibleKB``s by ``named_spaces``): name and description, team, role, documents, chunks, public."""
    rows = []
    for v in visible:
        kb = v.kb
        name = f"<b>{tables.esc(kb.name)}</b>" + (f'<div class="muted">{tables.esc(kb.description)}</div>'
                                                   if kb.description else "")
        rows.append([name, tables.esc(v.team_name),
                     tables.esc(role_name(v.role, locale)), tables.number(kb.documents), tables.number(kb.chunks),
                     public_badge(kb.public, locale), f"<code>{tables.esc(kb.embedding_model)}</code>"])
    heads = [t(locale, f"kb.col_{c}") for c in ("name", "team", "role", "documents", "chunks", "public", "model")]
    return tables.table(heads, rows, t(locale, "kb.no_kbs"), raw_columns=range(7), row_ids=[v.kb.id for v in visible])


def mine_choices(visible: Sequence[Any], locale: str) -> list[tuple[str, str]]:
    return [(f"{v.kb.name} · {v.team_name}", v.kb.id) for v in visible]


def square_html(entries: Sequence[Any], locale: str, query: str = "") -> str:
    """Public KBs (``SquareEntry``): name and description, team, documents, chunks, my role."""
    rows = []
    for e in entries:
        kb = e.kb
        name = f"<b>{tables.esc(kb.name)}</b>" + (f'<div class="muted">{tables.esc(kb.description)}</div>'
                                                   if kb.description else "")
        rows.append([name, tables.esc(e.team_name), tables.number(kb.documents), tables.number(kb.chunks),
                     tables.esc(role_name(e.role, locale)), f"<code>{tables.esc(kb.embedding_model)}</code>"])
    heads = [t(locale, f"kb.col_{c}") for c in ("name", "team", "documents", "chunks", "role", "model")]
    empty = t(locale, "kb.square_no_match", query=query) if query.strip() else t(locale, "kb.square_empty")
    return tables.table(heads, rows, empty, raw_columns=range(6), row_ids=[e.kb.id for e in entries])


def square_choices(entries: Sequence[Any]) -> list[tuple[str, str]]:
    return [(f"{e.kb.name} · {e.team_name}", e.kb.id) for e in entries]


# ---------------------------------------------------------------- one KB


def header_html(kb: KnowledgeBase, role: str, team: str | None, locale: str) -> str:
    """The open KB: name, public or not, description, team, my role, model, chunking, counts."""
    moving = moving_to(kb)
    facts = [t(locale, "kb.head_team", team=team) if team else "",
             t(locale, "kb.head_role", role=role_name(role, locale)),
             t(locale, "kb.head_model_moving", model=kb.embedding_model, target=moving.model) if moving
             else t(locale, "kb.head_model", model=kb.embedding_model),
             t(locale, "kb.head_chunking", tokens=kb.chunk_tokens, overlap=kb.chunk_overlap),
             t(locale, "kb.head_counts", documents=tables.number(kb.documents), chunks=tables.number(kb.chunks))]
    description = f'<div>{tables.esc(kb.description)}</div>' if kb.description else ""
    chat = (f'<a class="kb-chat" id="kb-chat-link" href="/chat?kb={tables.esc(quote(kb.id, safe=""))}">'
            f'{tables.esc(t(locale, "kb.chat_with"))}</a>')
    return (f'<div class="kb-head"><h3>{tables.esc(kb.name)} {public_badge(kb.public, locale)}</h3>{description}'
            f'<div class="muted">{tables.esc(" · ".join(f for f in facts if f))}</div>{chat}</div>')


def moving_to(kb: KnowledgeBase) -> Reembedding | None:
    """The KB's re-embedding while it is under way (not a failed one)."""
    return kb.reembedding if kb.reembedding is not None and kb.reembedding.under_way else None


def reembedding_html(kb: KnowledgeBase, locale: str) -> str:
    """Above the documents: the KB's chunks being re-embedded with another model (a bar), or why that stopped."""
    moving = kb.reembedding
    if moving is None:
        return ""
    fields = {"model": moving.model, "current": kb.embedding_model}
    if moving.status == "failed":
        error = moving.error_zh if locale == "zh" and moving.error_zh else moving.error
        return (f'<div class="kb-notice" id="kb-reembed">⚠️ '
                f'{tables.esc(t(locale, "kb.reembed_failed", error=error or "", **fields))}</div>')
    label = t(locale, f"kb.reembed_{moving.status}", done=tables.number(moving.done),
              total=tables.number(moving.total), **fields)
    pct = max(0, min(100, round(100 * moving.done / moving.total))) if moving.total else 100
    return (f'<div class="muted" id="kb-reembed">{tables.esc(label)}'
            f'<span class="kb-progress"><span style="width:{pct}%"></span></span></div>')


def progress_html(doc: KBDocument, locale: str) -> str:
    """``pages 3 / 30`` while parsing, ``chunks 12 / 40`` while embedding, with a bar; the counts when ready."""
    if doc.status in ("parsing", "embedding") and doc.total:
        label = t(locale, f"kb.progress_{doc.status}", done=doc.done, total=doc.total)
        pct = max(0, min(100, round(100 * doc.done / doc.total)))
        return f'{tables.esc(label)}<span class="kb-progress"><span style="width:{pct}%"></span></span>'
    if doc.status == "ready":
        return tables.esc(f"{doc.total} / {doc.total}" if doc.total else "✓")
    return "—"


def shown_documents(docs: Sequence[KBDocument]) -> list[KBDocument]:
    """The documents the table shows: all of them in upload order up to ``MAX_SHOWN``; past that (a batch of
    thousands) the ones being ingested, failed and queued first (next up first), then cancelled, then the
    newest ready ones, cut at ``MAX_SHOWN`` — the table is redrawn every few seconds while anything is pending."""
    if len(docs) <= MAX_SHOWN:
        return list(docs)
    newest_first = sorted(docs, key=lambda d: d.created_at, reverse=True)
    ranked = sorted(newest_first, key=lambda d: SHOWN_FIRST[d.status])
    queued = [d for d in docs if d.status == "queued"]                    # oldest first: the next to be ingested
    ranked = [d for d in ranked if d.status != "queued"]
    at = next((i for i, d in enumerate(ranked) if SHOWN_FIRST[d.status] > SHOWN_FIRST["queued"]), len(ranked))
    return (ranked[:at] + queued + ranked[at:])[:MAX_SHOWN]


def documents_summary(docs: Sequence[KBDocument], locale: str) -> str:
    """ "1,200 ready · 2 being ingested · 780 queued · 19 failed" (the states there are), and when the table
    shows only some: which ones."""
    counts = {"ready": 0, "running": 0, "queued": 0, "failed": 0, "cancelled": 0}
    for d in docs:
        counts["running" if d.status in ("parsing", "embedding") else d.status] += 1
    parts = [t(locale, f"kb.docs_{state}", count=tables.number(n)) for state, n in counts.items() if n]
    line = " · ".join(parts)
    if len(docs) > MAX_SHOWN:
        line += " — " + t(locale, "kb.docs_capped", shown=tables.number(MAX_SHOWN), total=tables.number(len(docs)))
    return f'<div class="muted" id="kb-docs-summary">{tables.esc(line)}</div>' if line else ""


def documents_html(docs: Sequence[KBDocument], locale: str) -> str:
    """The summary line and the table of ``shown_documents``: name, status, progress, size, pages, chunks, the
    error in the reader's language, when uploaded."""
    rows = []
    shown = shown_documents(docs)
    for d in shown:
        error = d.error_zh if locale == "zh" and d.error_zh else d.error
        rows.append([tables.esc(d.name), tables.badge(t(locale, f"kb.status_{d.status}"), STATE_KIND[d.status]),
                     progress_html(d, locale), tables.esc(size_text(d.bytes)), tables.esc(tables.number(d.pages)),
                     tables.esc(tables.number(d.chunks) if d.status == "ready" else "—"),
                     f'<span class="kb-error">{tables.esc(error)}</span>' if error else "",
                     tables.esc(tables.when(d.created_at))])
    heads = [t(locale, f"kb.col_{c}") for c in ("document", "status", "progress", "size", "pages", "chunks", "error",
                                                 "uploaded")]
    return documents_summary(docs, locale) + tables.table(heads, rows, t(locale, "kb.no_documents"),
                                                          raw_columns=range(8), row_ids=[d.id for d in shown])


def document_choices(docs: Sequence[KBDocument], locale: str) -> list[tuple[str, str]]:
    return [(f"{d.name} · {t(locale, f'kb.status_{d.status}')}", d.id) for d in shown_documents(docs)]


def pending(docs: Sequence[KBDocument], kb: KnowledgeBase | None = None) -> bool:
    """Anything queued or being ingested, or the KB being re-embedded (the page keeps refreshing while so)."""
    return (kb is not None and moving_to(kb) is not None) or any(d.status in PENDING for d in docs)


def upload_report(docs: Sequence[KBDocument], locale: str) -> str:
    """One line per file: queued, or refused with the reason (a duplicate names the document it matches)."""
    lines = []
    for d in docs:
        if d.status == "failed":
            reason = d.error_zh if locale == "zh" and d.error_zh else d.error
            lines.append("⚠️ " + tables.esc(t(locale, "kb.upload_refused", name=d.name, reason=reason or "")))
        else:
            lines.append("✅ " + tables.esc(t(locale, "kb.upload_queued", name=d.name)))
    queued = sum(d.status != "failed" for d in docs)
    head = tables.esc(t(locale, "kb.upload_summary", queued=queued, refused=len(docs) - queued))
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f'<div class="kb-notice">{head}<ul>{items}</ul></div>'


def notice_html(text: str) -> str:
    return f'<div class="kb-notice">{tables.esc(text)}</div>' if text else ""


def marked(text: str, query: str) -> str:
    """``text`` escaped, each occurrence of ``query`` (any case) in a ``<mark>``."""
    if not query:
        return tables.esc(text)
    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    return "".join(f"<mark>{tables.esc(p)}</mark>" if i % 2 else tables.esc(p) for i, p in enumerate(parts))


def chunks_summary(page: Any, locale: str) -> str:
    """``Chunks 1–50 of 132 in “a.pdf”.`` (with a filter: how many contain it, of how many), or why there are none."""
    doc = page.document
    if not page.total:
        key = "kb.chunks_no_match" if page.query else "kb.chunks_none"
        return notice_html(t(locale, key, name=doc.name, query=page.query, all=tables.number(doc.chunks)))
    first = min(page.offset + 1, page.total)
    last = page.offset + len(page.chunks)
    key = "kb.chunks_range_filtered" if page.query else "kb.chunks_range"
    return notice_html(t(locale, key, first=tables.number(first), last=tables.number(max(first, last)),
                         total=tables.number(page.total), name=doc.name, query=page.query,
                         all=tables.number(doc.chunks)))


def chunks_html(page: Any, locale: str) -> str:
    """A page of a document's chunks (``workbench.kb.chunks.ChunkPage``): #, pages, heading, tokens, the whole
    text (escaped, line breaks kept, the filter's words marked; a long one scrolls inside its cell)."""
    rows = [[tables.esc(tables.number(c.idx + 1)), tables.esc(pages_text(c.first_page, c.last_page, locale)),
             tables.esc(c.heading or "—"), tables.esc(tables.number(c.tokens)),
             f'<div class="kb-chunk-text">{marked(c.text, page.query)}</div>'] for c in page.chunks]
    heads = [t(locale, f"kb.col_{c}") for c in ("rank", "chunk_pages", "heading", "tokens", "text")]
    return tables.table(heads, rows, t(locale, "kb.chunks_empty"), raw_columns=range(5),
                        row_ids=[c.id for c in page.chunks])


def _score(scores: dict[str, float], name: str, *more: str) -> str:
    """The first of the named scores the hit has (the rerank stage's own before the first lists'), else a dash."""
    value = next((scores[n] for n in (name, *more) if n in scores), None)
    return "—" if value is None else f"{value:.3f}"


def hits_html(hits: Sequence[Any], locale: str) -> str:
    """Retrieved chunks, best first: rank, score, vector / keyword / rerank scores, document, pages, text."""
    rows = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        text = chunk.text if len(chunk.text) <= SNIPPET_CHARS else chunk.text[:SNIPPET_CHARS].rstrip() + "…"
        shown = chunk.heading and not chunk.text.startswith(chunk.heading.rsplit(" > ", 1)[-1])
        heading = f'<div class="muted">{tables.esc(chunk.heading)}</div>' if shown else ""
        rows.append([str(rank), f"{hit.score:.3f}", _score(hit.scores, "cosine", "vector"),
                     _score(hit.scores, "bm25", "keyword"),
                     _score(hit.scores, "rerank"), document_link(chunk.kb_id, chunk.document_id,
                                                                 hit.document_name, chunk.first_page),
                     tables.esc(pages_text(chunk.first_page, chunk.last_page, locale)),
                     f'{heading}<div class="kb-chunk">{tables.esc(text)}</div>'])
    heads = [t(locale, f"kb.col_{c}") for c in ("rank", "score", "vector", "keyword", "rerank", "document", "pages",
                                                 "text")]
    return tables.table(heads, rows, t(locale, "kb.no_hits"), raw_columns=[5, 7])


def document_link(kb_id: str, document_id: str, name: str, page: int | None = None) -> str:
    """The document's name, opening it in a new tab (a PDF at ``page``); ``app.kb_files`` checks who asks."""
    return (f'<a href="{tables.esc(file_url(kb_id, document_id, page))}" target="_blank" rel="noopener">'
            f'{tables.esc(name)}</a>')


# ---------------------------------------------------------------- sharing


def link_state(state: str, locale: str) -> str:
    kind = {"active": "active", "expired": "expired", "revoked": "revoked"}.get(state, "revoked")
    return tables.badge(t(locale, f"kb.link_{state}"), kind)


def links_html(links: Sequence[Any], names: dict[str, str], locale: str) -> str:
    rows = [[tables.esc(tables.when(link.created_at)), tables.esc(names.get(link.created_by, "—")),
             tables.esc(tables.when(link.expires_at) if link.expires_at else t(locale, "kb.never")),
             link_state(link.state, locale), tables.esc(tables.number(link.users))] for link in links]
    heads = [t(locale, f"kb.col_{c}") for c in ("created", "by", "expires", "state", "opened_by")]
    return tables.table(heads, rows, t(locale, "kb.no_links"), raw_columns=range(5), row_ids=[lk.id for lk in links])


def link_choices(links: Sequence[Any], locale: str) -> list[tuple[str, str]]:
    return [(t(locale, "kb.link_choice", created=tables.when(lk.created_at),
               expires=tables.when(lk.expires_at) if lk.expires_at else t(locale, "kb.never")), lk.id)
            for lk in links if lk.state == "active"]


def grant_key(grant: Any) -> str:
    return f"{grant.kind}:{grant.grantee_id}"


def grants_html(grants: Sequence[Any], locale: str) -> str:
    rows = [[tables.esc(t(locale, f"kb.grant_{g.kind}")), tables.esc(g.name or g.grantee_id),
             tables.esc(t(locale, "kb.via_link") if g.via_share else t(locale, "kb.via_direct")),
             tables.esc(tables.when(g.created_at))] for g in grants]
    heads = [t(locale, f"kb.col_{c}") for c in ("grantee_kind", "grantee", "via", "granted")]
    return tables.table(heads, rows, t(locale, "kb.no_grants"), raw_columns=range(4))


def grant_choices(grants: Sequence[Any], locale: str) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for g in grants:
        seen.setdefault(grant_key(g), (f"{t(locale, f'kb.grant_{g.kind}')}: {g.name or g.grantee_id}", grant_key(g)))
    return list(seen.values())


def sharing_state_html(kb: KnowledgeBase, locale: str) -> str:
    return notice_html(t(locale, "kb.is_public" if kb.public else "kb.is_private"))
