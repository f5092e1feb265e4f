"""Text stored before the parser put it in normal form, rewritten once: a step of the store's migrations.

    rewrite_text(cur)       # inside the migration's transaction (workbench.store.MIGRATIONS)

Up to store version 4 a PDF's text was stored as extracted, Kangxi radicals and all ("防冻⼿套"), so the chunk
filter, the keyword index and the embeddings missed "手套" (``workbench.documents.normal_form`` says why). This
step puts what was stored in the same form new documents get:

- chat documents (``attachments``) whose title or pages change: the pages, and the chunks cut again from the new
  text exactly as ``Attachments.add`` cuts them (their spans shift where a character became two: ﬁ -> fi), with
  the counts (characters, tokens, chunks, language). Their cached vectors are dropped: the next question embeds
  the new chunks through the same path as a new document's. Summaries are kept (the model's words, with pages).
- knowledge-base chunks whose text or heading change, in place (same id, position and pages, so citations in
  past answers still open them): text, heading, keyword terms and token count; each is listed in
  ``kb_vector_updates`` and ``workbench.kb.refresh`` re-embeds it at start, as ingestion embeds
  (the uploader's client, the KB's model). The keyword index is built from the new terms.

Progress is logged every few seconds and at the end. Rows already in normal form are only read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from workbench.attachments import language_of, layout, passages_of, render
from workbench.chat import estimate_tokens
from workbench.documents import Document, Page
from workbench.documents.normal_form import normal_form
from workbench.kb.chunking import with_heading
from workbench.kb.keyword import terms_text

log = logging.getLogger("maas.workbench.upgrade")
BATCH = 2000
VALUES_BATCH = 500          # rows per multi-row INSERT (DuckDB's executemany costs milliseconds per row)
PROGRESS_SECONDS = 5.0


@dataclass
class Rewritten:
    """What the step changed: chat documents and KB chunks (of how many read)."""

    attachments: int = 0
    attachments_read: int = 0
    chunks: int = 0
    chunks_read: int = 0


class _Progress:
    def __init__(self, what: str, total: int) -> None:
        self.what, self.total, self.last = what, total, time.monotonic()

    def tick(self, read: int, changed: int, *, force: bool = False) -> None:
        if force or time.monotonic() - self.last >= PROGRESS_SECONDS:
            self.last = time.monotonic()
            log.info("normal-form upgrade: %s %d / %d read, %d rewritten", self.what, read, self.total, changed)


def insert_rows(cur: Any, into: str, rows: list[tuple]) -> None:
    """``INSERT INTO <into> VALUES (...), (...)`` in statements of ``VALUES_BATCH`` rows."""
    for at in range(0, len(rows), VALUES_BATCH):
        part = rows[at: at + VALUES_BATCH]
        row = "(" + ", ".join("?" * len(part[0])) + ")"
        cur.execute(f"INSERT INTO {into} VALUES {', '.join([row] * len(part))}", [v for r in part for v in r])


def rewrite_text(cur: Any) -> Rewritten:
    """Rewrite every stored text that is not in normal form (``cur``: a cursor in the migration's transaction)."""
    done = Rewritten()
    _attachments(cur, done)
    _kb_chunks(cur, done)
    if done.attachments or done.chunks:
        log.info("normal-form upgrade: %d chat document(s) and %d knowledge-base chunk(s) rewritten (%d chunk(s) "
                 "to re-embed at start)", done.attachments, done.chunks, done.chunks)
    return done


def _attachments(cur: Any, done: Rewritten) -> None:
    rows = cur.execute("SELECT id, name, kind, title FROM attachments ORDER BY id").fetchall()
    progress = _Progress("chat documents", len(rows))
    for attachment_id, name, kind, title in rows:
        done.attachments_read += 1
        pages = cur.execute("SELECT number, text FROM attachment_pages WHERE attachment_id = ? ORDER BY number",
                            [attachment_id]).fetchall()
        fresh = [(number, normal_form(text)) for number, text in pages]
        if normal_form(title) == title and all(new == old for (_, new), (_, old) in zip(fresh, pages, strict=True)):
            progress.tick(done.attachments_read, done.attachments)
            continue
        _rewrite_attachment(cur, attachment_id, Document(filename=name, kind=kind, title=normal_form(title),
                                                         pages=tuple(Page(n, t) for n, t in fresh)))
        done.attachments += 1
        progress.tick(done.attachments_read, done.attachments)
    if rows:
        progress.tick(done.attachments_read, done.attachments, force=True)


def _rewrite_attachment(cur: Any, attachment_id: str, document: Document) -> None:
    """As ``Attachments.add`` stores a document: pages with their offsets, chunks with their spans, the counts."""
    language = language_of(document.text)
    pages = layout(document)
    markers = document.kind == "pdf"
    passages = passages_of(document, pages, language, attachment_id, markers=markers)
    for table in ("attachment_vectors", "attachment_chunks", "attachment_pages"):
        cur.execute(f"DELETE FROM {table} WHERE attachment_id = ?", [attachment_id])
    insert_rows(cur, "attachment_pages", [(attachment_id, p.number, p.start, p.text) for p in pages])
    if passages:
        insert_rows(cur, "attachment_chunks", [(attachment_id, p.index, p.start, p.end, p.first_page, p.last_page,
                                                p.text, p.tokens) for p in passages])
    cur.execute("UPDATE attachments SET title = ?, language = ?, chars = ?, tokens = ?, chunks = ? WHERE id = ?",
                [document.title, language, document.chars, estimate_tokens(render(pages, markers=markers)),
                 len(passages), attachment_id])


def _kb_chunks(cur: Any, done: Rewritten) -> None:
    (total,) = cur.execute("SELECT count(*) FROM kb_chunks").fetchone()
    progress, after = _Progress("knowledge-base chunks", total), ""
    cur.execute("CREATE TEMP TABLE rewritten_chunks (id VARCHAR, kb_id VARCHAR, document_id VARCHAR, text VARCHAR, "
                "heading VARCHAR, terms VARCHAR, tokens INTEGER)")
    while rows := cur.execute("SELECT id, kb_id, document_id, text, heading FROM kb_chunks WHERE id > ? "
                              "ORDER BY id LIMIT ?", [after, BATCH]).fetchall():
        after = rows[-1][0]
        updates = []
        for chunk_id, kb_id, document_id, text, heading in rows:
            new_text, new_heading = normal_form(text), normal_form(heading) if heading else heading
            if new_text == text and new_heading == heading:
                continue
            context = with_heading(new_heading, new_text)
            updates.append((chunk_id, kb_id, document_id, new_text, new_heading, terms_text(context),
                            estimate_tokens(context)))
        if updates:
            insert_rows(cur, "rewritten_chunks", updates)
            cur.execute("UPDATE kb_chunks SET text = r.text, heading = r.heading, terms = r.terms, tokens = r.tokens "
                        "FROM rewritten_chunks r WHERE kb_chunks.id = r.id")
            cur.execute("INSERT OR IGNORE INTO kb_vector_updates SELECT id, kb_id, document_id FROM rewritten_chunks")
            cur.execute("DELETE FROM rewritten_chunks")
        done.chunks_read += len(rows)
        done.chunks += len(updates)
        progress.tick(done.chunks_read, done.chunks)
    cur.execute("DROP TABLE rewritten_chunks")
    if total:
        progress.tick(done.chunks_read, done.chunks, force=True)
