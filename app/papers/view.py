"""The papers page's pure renderers: the library's table, the open paper's heading, a reading (progress, the share
verified, statements by aspect), a question thread, and the comparison table.

Every statement keeps what makes it checkable: a page chip (a link to ``/papers/page/<id>/<n>.png`` with the
quote's lines marked, opened in a new tab) and the quote itself, verbatim, in a quote block; a statement the code
could not verify says so and why. Every word of a paper or a model is escaped (``tables.esc``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.http.papers_files import file_url, page_url
from app.shell import tables
from app.shell.i18n import translate
from app.shell.tables import badge, esc
from workbench.papers.aspects import aspects, label

CSS = tables.CSS + """
.pp-aspect { margin: 14px 0 4px; font-size: 1.05em; }
.pp-list { list-style: disc; padding-left: 22px; margin: 0; }
.pp-list li { margin: 6px 0 10px; }
.pp-chip { display: inline-block; padding: 0 7px; margin-left: 4px; border-radius: 9px; font-size: 0.85em;
  background: #e0e7ff; color: #3730a3; text-decoration: none; white-space: nowrap; }
.pp-chip:hover { background: #c7d2fe; }
.pp-quote { margin: 2px 0 0 !important; padding: 2px 10px; border-left: 3px solid var(--border-color-primary);
  color: var(--body-text-color-subdued); font-style: italic; }
.pp-ok { color: #166534; font-weight: 600; margin-left: 4px; }
.pp-bad { color: #991b1b; font-weight: 600; margin-left: 4px; font-size: 0.9em; }
.pp-note { color: var(--body-text-color-subdued); font-size: 0.85em; margin-left: 4px; }
.pp-share { margin: 4px 0 10px; }
.pp-qa { border-bottom: 1px solid var(--border-color-primary); padding: 8px 0; }
.pp-q { font-weight: 600; }
.pp-cell .pp-quote { font-size: 0.9em; }
.b-ready { background: #dcfce7; color: #166534; } .b-parsing { background: #fef9c3; color: #854d0e; }
.b-failed { background: #fee2e2; color: #991b1b; }
"""
_MARK = re.compile(r"[(（]\s*p\.\s*(\d{1,4})\s*[)）]")


def t(locale: str, key: str, **fields: Any) -> str:
    return translate(key, locale, **fields)


# ---------------------------------------------------------------- the library


def status_html(paper: Any, locale: str) -> str:
    """A paper's status: ready, failed (and why, in the reader's language), or its parse progress."""
    if paper.status == "ready":
        return badge(t(locale, "papers.status_ready"), "ready")
    if paper.status == "failed":
        why = paper.error.get(locale) or paper.error.get("en") or ""
        return badge(t(locale, "papers.status_failed"), "failed") + (f'<div class="muted">{esc(why)}</div>'
                                                                      if why else "")
    done, total = paper.progress
    key = "papers.status_ocr" if getattr(paper, "stage", "pages") == "ocr" else "papers.status_parsing"
    words = t(locale, key, done=done, total=total) if total else t(locale, "papers.status_queued")
    return badge(words, "parsing")


def papers_html(papers: Sequence[Any], team_names: Mapping[str, str], locale: str) -> str:
    """The caller's papers: title and authors, pages, pages read by OCR, status, team, when added."""
    rows = []
    for p in papers:
        title = f"<b>{esc(p.title or p.filename)}</b>"
        if p.authors:
            title += f'<div class="muted">{esc(", ".join(p.authors))}</div>'
        ocr = ", ".join(str(n) for n in p.ocr_pages) or "—"
        rows.append([title, esc(p.pages or "—"), esc(ocr), status_html(p, locale),
                     esc(team_names.get(p.team_id, "—")), esc(tables.when(p.created_at))])
    heads = [t(locale, f"papers.col_{c}") for c in ("title", "pages", "ocr", "status", "team", "added")]
    return tables.table(heads, rows, t(locale, "papers.none"), raw_columns=range(6), row_ids=[p.id for p in papers])


def paper_choices(papers: Sequence[Any]) -> list[tuple[str, str]]:
    return [(p.title or p.filename, p.id) for p in papers]


def head_html(paper: Any | None, team_name: str, locale: str) -> str:
    """The open paper's heading: title, authors, pages, team, its status and a link to its PDF."""
    if paper is None:
        return f'<div class="muted">{esc(t(locale, "papers.no_paper"))}</div>'
    info = t(locale, "papers.head_info", authors=", ".join(paper.authors) or "—", pages=paper.pages or "?",
             team=team_name)
    pdf = f'<a href="{esc(file_url(paper.id))}" target="_blank">{esc(t(locale, "papers.open_pdf"))}</a>'
    return (f'<h3 class="pp-title">{esc(paper.title or paper.filename)}</h3>'
            f'<div class="muted">{esc(info)} · {status_html(paper, locale)} · {pdf}</div>')


# ---------------------------------------------------------------- statements and readings


def chip(paper_id: str, page: int, span: tuple[int, int] | None, locale: str) -> str:
    """A page chip: the page, the quote's lines marked, in a new tab."""
    href = page_url(paper_id, page, span) if page else "#"
    return (f'<a class="pp-chip" href="{esc(href)}" target="_blank" rel="noopener" '
            f'title="{esc(t(locale, "papers.page_chip_title", page=page))}">'
            f'{esc(t(locale, "papers.page_chip", page=page))}</a>')


def statement_html(paper_id: str, s: Any, locale: str) -> str:
    """One statement: its point, its page chip, ✓ or why it is not verified, and its quote."""
    marks = [chip(paper_id, s.page, (s.start, s.end), locale)]
    if s.verified:
        marks.append(f'<span class="pp-ok" title="{esc(t(locale, "papers.verified"))}">✓</span>')
    else:
        why = t(locale, "papers.why_numbers" if s.note == "numbers" else "papers.why_other")
        marks.append(f'<span class="pp-bad">{esc(t(locale, "papers.not_verified", why=why))}</span>')
    if s.note == "page_corrected" and s.cited_page:
        marks.append(f'<span class="pp-note">{esc(t(locale, "papers.page_corrected", cited=s.cited_page))}</span>')
    return (f'<li class="pp-statement"><span class="pp-point">{esc(s.point)}</span>{"".join(marks)}'
            f'<blockquote class="pp-quote">{esc(s.quote)}</blockquote></li>')


def progress_text(stored: Any | None, locale: str) -> str:
    """How far a reading is: step i of n, done, stopped or failed (and why)."""
    if stored is None:
        return t(locale, "papers.no_reading")
    done, total = stored.steps_done, stored.steps_total
    if stored.status == "running":
        return t(locale, "papers.progress_running", done=done, total=total) if total else t(
            locale, "papers.progress_starting")
    if stored.status == "done":
        return "✅ " + t(locale, "papers.progress_done", total=total)
    if stored.status == "cancelled":
        return "⏹️ " + t(locale, "papers.progress_cancelled", done=done, total=total or "?")
    reason = stored.error.get(locale) or stored.error.get("en") or ""
    return "⚠️ " + t(locale, "papers.progress_failed", done=done, total=total or "?", reason=reason)


def reading_html(paper_id: str, stored: Any | None, locale: str) -> str:
    """The statements so far, by aspect (in the UI's language), the share verified, then the reviewer's
    questions."""
    if stored is None or not (stored.reading.statements or stored.reading.questions):
        return ""
    reading = stored.reading
    share = [t(locale, "papers.verified_share", verified=reading.verified, shown=reading.shown)]
    if reading.quotes_asked:
        share.append(t(locale, "papers.quotes_share", found=reading.quotes_found, asked=reading.quotes_asked))
    out = [f'<div class="pp-share">{esc(" · ".join(share))}</div>']
    groups = [(label(a.key, locale), [s for s in reading.statements if s.aspect == a.key]) for a in aspects()]
    groups.append((t(locale, "papers.reviewer_questions"), list(reading.questions)))
    for title, found in groups:
        if found:
            items = "".join(statement_html(paper_id, s, locale) for s in found)
            out.append(f'<h4 class="pp-aspect">{esc(title)}</h4><ul class="pp-list">{items}</ul>')
    return "".join(out)


# ---------------------------------------------------------------- questions


def answer_text_html(paper_id: str, text: str, evidence: Sequence[Any], locale: str) -> str:
    """An answer's words, each "(p. N)" mark made a page chip (the quote of that page marked)."""
    spans = {}
    for q in evidence:
        spans.setdefault(q.page, (q.start, q.end))
    out, last = [], 0
    for match in _MARK.finditer(text):
        page = int(match.group(1))
        out += [esc(text[last:match.start()]), chip(paper_id, page, spans.get(page), locale)]
        last = match.end()
    return "".join([*out, esc(text[last:])])


def thread_html(paper_id: str, thread: Sequence[Any], locale: str) -> str:
    """A question thread: each question, its answer with page chips (or that the paper does not answer it), and
    its evidence (page chip and quote)."""
    if not thread:
        return f'<div class="empty">{esc(t(locale, "papers.no_answers"))}</div>'
    out = []
    for asked in thread:
        answer = asked.answer
        said = (answer_text_html(paper_id, answer.text, answer.evidence, locale) if answer.found
                else esc(t(locale, "papers.not_answered", searched=answer.searched)))
        part = [f'<div class="pp-q">{esc(t(locale, "papers.question_label", question=asked.question))}</div>',
                f'<div class="pp-answer">{said}</div>']
        if answer.evidence:
            items = "".join(f'<li class="pp-statement">{chip(paper_id, q.page, (q.start, q.end), locale)}'
                            f'<blockquote class="pp-quote">{esc(q.text)}</blockquote></li>' for q in answer.evidence)
            part.append(f'<div class="muted">{esc(t(locale, "papers.evidence"))}</div><ul class="pp-list">{items}</ul>')
        out.append(f'<div class="pp-qa">{"".join(part)}</div>')
    return "".join(out)


# ---------------------------------------------------------------- comparison


def table_html(table: Any, paper_ids: Sequence[str], locale: str) -> str:
    """The comparison: a row per aspect, a column per paper; each cell its point, page chip and quote."""
    if table is None:
        return ""
    rows = []
    for row in table.rows:
        cells = []
        for paper_id, cell in zip(paper_ids, row.cells, strict=True):
            if cell is None:
                cells.append(f'<span class="muted">{esc(t(locale, "papers.cell_empty"))}</span>')
                continue
            mark = ('<span class="pp-ok">✓</span>' if cell.verified
                    else f'<span class="pp-bad">{esc(t(locale, "papers.cell_unverified"))}</span>')
            cells.append(f'<div class="pp-cell">{esc(cell.point)}{chip(paper_id, cell.page, None, locale)}{mark}'
                         f'<blockquote class="pp-quote">{esc(cell.quote)}</blockquote></div>')
        rows.append([f"<b>{esc(t(locale, f'papers.row_{row.key}'))}</b>", *cells])
    return tables.table(["", *table.titles], rows, t(locale, "papers.no_comparison"),
                        raw_columns=range(len(table.titles) + 1))
