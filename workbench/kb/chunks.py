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
from workbench.kb.records import STATE_ZH, ChunkRecord, KBDocument
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
        raise Invalid("The offset must be a whole number of 0 or more (how many chunks to skip).", "offset",
                      zh="offset 须为不小于 0 的整数（要跳过的分块数）。", code="invalid_value")
    if size is None or not 1 <= size <= MAX_LIMIT:
        raise Invalid(f"The limit must be a whole number from 1 to {MAX_LIMIT} (chunks per page).", "limit",
                      zh=f"limit 须为 1 到 {MAX_LIMIT} 之间的整数（每页的分块数）。", code="invalid_value")
    if query is None:
        query = ""
    if not isinstance(query, str):
        raise Invalid("The filter must be text.", "query", zh="筛选条件须为文本。", code="invalid_value")
    if len(query) > MAX_QUERY_CHARS:
        raise Invalid(f"The filter is too long: at most {MAX_QUERY_CHARS} characters.", "query",
                      zh=f"筛选文字过长：最多 {MAX_QUERY_CHARS} 个字符。", code="too_long")
    return start, size, normal_form(query.strip())


def not_ready(document: KBDocument) -> Invalid:
    """A document that is not ready has no chunks to show yet (or none at all: failed, cancelled)."""
    status, zh = document.status, STATE_ZH.get(document.status, document.status)
    if status in PENDING:
        then, then_zh = "Its chunks can be read once it is ready.", "就绪后即可查看其分块。"
    else:
        then, then_zh = "Retry it to add its chunks.", "重试后才会生成分块。"
    return Invalid(f"“{document.name}” is not ready yet: {status}. {then}", "document",
                   zh=f"“{document.name}”尚未就绪：{zh}。{then_zh}", code="document_not_ready")


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
