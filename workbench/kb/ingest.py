"""The ingestion: uploaded files become chunks in a KB's vector and keyword indexes, in the background.

    ingestion = Ingestion(store, vectors, keyword, data_dir / "kb-files", client_for, max_bytes=50 * MB)
    await ingestion.start()                                  # the worker; unfinished documents are queued again
    docs = ingestion.submit(kb, user_id, "papers.zip", data) # one KBDocument per file (a zip gives several)
    ingestion.documents(kb)                                  # status, done/total of the current stage, error
    ingestion.cancel(kb, doc_id); ingestion.retry(kb, doc_id); ingestion.delete_document(kb, doc_id)
    await ingestion.stop()

One object over its two parts, each in its own module:
    queue          ``DocumentQueue``: submit, list, download, cancel, retry, delete (what the service calls)
    worker         ``IngestionWorker``: recover, claim in turns by uploader, parse, embed, write, requeue
    refusals       why a file is refused or a document failed (en + zh, a stable code)
    document_rows  the ``kb_documents`` row both read and write (the queue IS its ``status``)
    unpack         a zip's members streamed to disk;  parse_worker  the parse process (time and memory limits)

Holding a ``KnowledgeBase`` means the caller checked the permission ("upload" to submit, cancel, retry and
delete; "read" to list and download): this module does not check again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.embeddings import BATCH
from workbench.kb.parse_worker import ParseLimits
from workbench.kb.queue import DocumentQueue
from workbench.kb.records import KBDocument, KnowledgeBase
from workbench.kb.unpack import ArchiveLimits
from workbench.kb.worker import PARSE_SLOTS, IngestionWorker
from workbench.store import Store

if TYPE_CHECKING:
    import openai

    from workbench.kb.keyword import KeywordIndex
    from workbench.kb.vectors import VectorStore

MB = 1024 * 1024


class Ingestion:
    """The KB documents' queue (submit, list, cancel, retry, delete) and the worker that ingests them."""

    def __init__(self, store: Store, vectors: VectorStore, keyword: KeywordIndex, files_dir: Path,
                 client_for: Callable[[str], openai.AsyncOpenAI], *, max_bytes: int,
                 max_archive_bytes: int | None = None, max_archive_ratio: int = ArchiveLimits.max_ratio,
                 parse_limits: ParseLimits | None = None, parse_slots: int = PARSE_SLOTS, batch: int = BATCH,
                 workers: int = 1) -> None:
        if min(max_bytes, max_archive_ratio, parse_slots, batch, workers) < 1:
            raise ValueError("max_bytes, max_archive_ratio, parse_slots, batch and workers must be at least 1")
        self.store, self.vectors, self.keyword, self.files_dir = store, vectors, keyword, Path(files_dir)
        self.max_bytes = max_bytes
        self.archive = ArchiveLimits(max_archive_bytes or min(20 * max_bytes, ArchiveLimits.max_bytes),
                                     max_archive_ratio)
        self.max_archive_bytes = self.archive.max_bytes          # the largest zip (the KB page checks it first)
        self.worker = IngestionWorker(store, vectors, keyword, self.files_dir, client_for, max_bytes=max_bytes,
                                      parse_limits=parse_limits, parse_slots=parse_slots, batch=batch,
                                      workers=workers)
        self.queue = DocumentQueue(store, vectors, keyword, self.files_dir, self.worker, max_bytes=max_bytes,
                                   archive=self.archive)

    # -- the queue ---------------------------------------------------------------------------------------------------
    def submit(self, kb: KnowledgeBase, user_id: str, name: str, data: bytes) -> list[KBDocument]:
        """Queue an uploaded file (a zip: each document in it); one ``KBDocument`` per file, failed ones included."""
        return self.queue.submit(kb, user_id, name, data)

    def documents(self, kb: KnowledgeBase) -> list[KBDocument]:
        """The KB's documents, newest first, each with its status, progress (done of total) and error."""
        return self.queue.documents(kb)

    def document(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """One document of the KB (``NotFound`` when it has no such document)."""
        return self.queue.document(kb, document_id)

    def file(self, kb: KnowledgeBase, document_id: str) -> tuple[str, Path]:
        """The document's name and its stored bytes (``NotFound`` for a file refused at upload)."""
        return self.queue.file(kb, document_id)

    def cancel(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """Queued, parsing or embedding: cancelled now (a parse is killed, an embedding stops at its next batch)."""
        return self.queue.cancel(kb, document_id)

    def retry(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """A failed or cancelled document queued again."""
        return self.queue.retry(kb, document_id)

    def delete_document(self, kb: KnowledgeBase, document_id: str) -> None:
        """Remove the document: its stored file, rows, vectors and keyword entries (a running one stops)."""
        self.queue.delete_document(kb, document_id)

    def drop(self, kb_id: str) -> None:
        """Everything of a deleted KB: rows left, its vectors, keyword entries and stored files."""
        self.queue.drop(kb_id)

    # -- the worker --------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Queue again what a stop or crash left unfinished, start the parse processes and the loops."""
        await self.worker.start()

    async def stop(self) -> None:
        """Stop the worker now; a document being ingested resumes on ``start``."""
        await self.worker.stop()

    def recover(self) -> int:
        """Documents left in parsing/embedding queued again (their partial chunks removed); how many."""
        return self.worker.recover()
