"""A KB document's row (``kb_documents``) as the upload queue and the ingestion worker both read and write it.

The queue IS ``kb_documents.status``: queued -> parsing -> embedding -> ready, or failed / cancelled. What both
sides share is here so that neither imports the other: the columns a ``KBDocument`` is read from, the states,
the clock the rows are stamped with, and taking a document out of both indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.kb.records import KBDocument, KnowledgeBase

if TYPE_CHECKING:
    from workbench.kb.keyword import KeywordIndex
    from workbench.kb.vectors import VectorStore

RUNNING = ("parsing", "embedding")
ACTIVE = ("queued", "parsing", "embedding", "ready")          # a document an identical upload would duplicate
COLUMNS = ("id, kb_id, name, kind, sha256, bytes, pages, chunks, status, done, total, error, error_zh, error_code, "
           "attempts, uploaded_by, created_at, updated_at")
KB_COLUMNS = ("k.id, k.team_id, k.name, k.description, k.embedding_model, k.chunk_tokens, k.chunk_overlap, "
              "k.public, k.created_by, k.created_at, k.updated_at")


def now() -> datetime:
    """The time a row is stamped with (UTC, naive: DuckDB's TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def document(row: Sequence[Any]) -> KBDocument:
    """A row of ``SELECT {COLUMNS}`` as a ``KBDocument``."""
    return KBDocument(*row)


def knowledge_base(row: Sequence[Any]) -> KnowledgeBase:
    """The first columns of a row of ``SELECT {KB_COLUMNS}, ...`` as a ``KnowledgeBase``."""
    return KnowledgeBase(*row[:7], public=bool(row[7]), created_by=row[8], created_at=row[9], updated_at=row[10])


def unindex(vectors: VectorStore, keyword: KeywordIndex, kb_id: str, document_id: str) -> None:
    """The document's entries out of both indexes (its kb_chunks rows are already deleted)."""
    vectors.delete_document(kb_id, document_id)
    keyword.delete_document(kb_id, document_id)
