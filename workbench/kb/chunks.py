"""A document's chunks as the knowledge base indexed them: read-only, in order, a page at a time, optionally filtered.

    page = chunk_page(store, document, offset=0, limit=50, query="量子")   # the caller checked "read" on its KB
    page.total, [c.idx for c in page.chunks]

What a user reads to see what ingestion did (like RAGFlow's, Dify's and FastGPT's chunk lists): each chunk's
position, pages, heading, size in tokens and text. Only a ready document's chunks are shown (a document being
added has none yet, or only some); ``KnowledgeService.chunks`` checks the permission before it gets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.documents.normal_form import normal_form
from workbench.kb.errors import Invalid
from workbench.kb.records import ChunkRecord, KBDocument
from workbench.kb.refusals import state
from workbench.messages import MESSAGES
from workbench.store import Store

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_QUERY_CHARS = 200
PENDING = ("queued", "parsing", "embedding")
_COLUMNS = "id, kb_id, document_id, idx, text, first_page, last_page, heading, tokens"


@dataclass(frozen=True)
class ChunkPage:
    """One page of a document's chunks (by ``idx``); ``total``: how many match ``query`` (all of them without one)."""

    document: KBDocument
    total: int
    offset: int
    limit: int
    query: str
    chunks: list[ChunkRecord]


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def bounds(offset: Any, limit: Any, query: Any) -> tuple[int, int, str]:
    """(offset, limit, query) checked: offset >= 0, limit 1..MAX_LIMIT, query text of at most MAX_QUERY_CHARS
    (surrounding spaces dropped, in the parser's normal form like the chunks' text); ``Invalid`` naming the field
    otherwise."""
    start, size = _whole(offset), _whole(limit)
    if start is None or start < 0:
        raise Invalid("invalid_value.offset", "offset")
    if size is None or not 1 <= size <= MAX_LIMIT:
        raise Invalid("invalid_value.limit", "limit", most=MAX_LIMIT)
    if query is None:
        query = ""
    if not isinstance(query, str):
        raise Invalid("invalid_value.filter", "query")
    if len(query) > MAX_QUERY_CHARS:
        raise Invalid("too_long.filter", "query", most=MAX_QUERY_CHARS)
    return start, size, normal_form(query.strip())


def not_ready(document: KBDocument) -> Invalid:
    """A document that is not ready has no chunks to show yet (or none at all: failed, cancelled)."""
    then = MESSAGES.message("then.pending" if document.status in PENDING else "then.retry")
    return Invalid("document_not_ready", "document", name=document.name, status=state(document.status), then=then)


def chunk_page(store: Store, document: KBDocument, *, offset: Any = 0, limit: Any = DEFAULT_LIMIT,
               query: Any = "") -> ChunkPage:
    """The ready ``document``'s chunks ``offset`` .. ``offset + limit`` in order; with ``query``, only those whose
    text holds it (case-insensitive substring; the query in normal form, as the text is: "手套" finds a chunk whose
    PDF wrote "防冻⼿套")."""
    start, size, text = bounds(offset, limit, query)
    if document.status != "ready":
        raise not_ready(document)
    where, args = "kb_id = ? AND document_id = ?", [document.kb_id, document.id]
    if text:
        where += " AND strpos(lower(text), lower(?)) > 0"
        args.append(text)
    cur = store.cursor()
    (total,) = cur.execute(f"SELECT count(*) FROM kb_chunks WHERE {where}", args).fetchone()
    rows = cur.execute(f"SELECT {_COLUMNS} FROM kb_chunks WHERE {where} ORDER BY idx LIMIT ? OFFSET ?",
                       [*args, size, start]).fetchall()
    chunks = [ChunkRecord(id=r[0], kb_id=r[1], document_id=r[2], idx=r[3], text=r[4], first_page=r[5],
                          last_page=r[6], heading=r[7], tokens=r[8]) for r in rows]
    return ChunkPage(document, int(total), start, size, text, chunks)
