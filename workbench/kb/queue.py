"""The KB documents' upload queue: what the service and the HTTP routes call to add, list, cancel, retry and
delete a knowledge base's documents.

    queue = DocumentQueue(store, vectors, keyword, files_dir, worker, max_bytes=50 * MB, archive=ArchiveLimits())
    docs = queue.submit(kb, user_id, "papers.zip", data)     # one KBDocument per file (a zip gives several)
    queue.documents(kb)                                      # status, done/total of the current stage, error
    queue.cancel(kb, doc_id); queue.retry(kb, doc_id); queue.delete_document(kb, doc_id); queue.drop(kb.id)

The queue IS ``kb_documents.status`` (``workbench.kb.document_rows``); the ingestion worker
(``workbench.kb.worker``) takes queued documents from it. ``submit`` checks each file (a zip: each member) and
streams it to ``files_dir/<kb id>/<document id>`` (``workbench.kb.unpack``: a refused file writes nothing), and
wakes the worker.

Per-file outcomes never raise: a file over ``max_bytes``, an unsupported type, content that cannot be what its
name says, a damaged zip or one that unpacks to more than its budget, or a file identical to one already in the
KB becomes a document with status "failed", its error in English and Chinese and a stable ``error_code``
(``workbench.kb.refusals``), returned by ``submit`` and listed by ``documents`` like any other, so the other
files of the same upload go in. Such a file is not kept: ``retry`` asks for it to be uploaded again. An
identical file (same sha256 as a document queued, in progress or ready in the KB) is not ingested twice: its row
says "duplicate" and names the document it matches.

Cancel: a queued document is cancelled at once; a parsing one at once too (the worker kills its parse); an
embedding one stops at the worker's next batch and leaves no chunks in either index. Retry: failed or cancelled
-> queued. Delete: its file, rows, vectors and keyword entries (a running one stops).

Holding a ``KnowledgeBase`` means the caller checked the permission ("upload" to submit, cancel, retry and
delete; "read" to list and download): this module does not check again.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from workbench.documents.filetype import extension_kind
from workbench.kb import refusals
from workbench.kb.document_rows import ACTIVE, COLUMNS, RUNNING, document, now, unindex
from workbench.kb.records import KBDocument, KnowledgeBase
from workbench.kb.unpack import ArchiveLimits, Entry, clean_name, upload_entries
from workbench.store import Store

if TYPE_CHECKING:
    from workbench.kb.keyword import KeywordIndex
    from workbench.kb.vectors import VectorStore
    from workbench.kb.worker import IngestionWorker


class DocumentQueue:
    """The KB documents' queue: submit, list, cancel, retry, delete; the worker is woken and told what stops."""

    def __init__(self, store: Store, vectors: VectorStore, keyword: KeywordIndex, files_dir: Path,
                 worker: IngestionWorker, *, max_bytes: int, archive: ArchiveLimits) -> None:
        self.store, self.vectors, self.keyword = store, vectors, keyword
        self.files_dir, self.worker = Path(files_dir), worker
        self.max_bytes, self.archive = max_bytes, archive

    # -- submit ------------------------------------------------------------------------------------------------------
    def submit(self, kb: KnowledgeBase, user_id: str, name: str, data: bytes) -> list[KBDocument]:
        """Queue an uploaded file (a zip: each document in it); one ``KBDocument`` per file, failed ones included."""
        name = clean_name(PurePosixPath((name or "").replace("\\", "/")).name)     # a browser may send a path
        entries = upload_entries(name, data, self.files_dir / kb.id, max_bytes=self.max_bytes, archive=self.archive)
        ids = self._store_entries(kb, user_id, entries)
        self.worker.notify()
        return [self.document(kb, doc_id) for doc_id in ids]

    def _store_entries(self, kb: KnowledgeBase, user_id: str, entries: Iterable[Entry]) -> list[str]:
        folder = self.files_dir / kb.id
        ids: list[str] = []
        for entry in entries:
            doc_id, at = uuid.uuid4().hex, now()
            _, kind = extension_kind(entry.name)
            try:
                with self.store.transaction() as cur:       # the duplicate check and the insert: one transaction
                    error = entry.error
                    if error is None:
                        existing = cur.execute(
                            "SELECT name FROM kb_documents WHERE kb_id = ? AND sha256 = ? AND status IN (?, ?, ?, ?) "
                            "ORDER BY created_at LIMIT 1", [kb.id, entry.sha256, *ACTIVE]).fetchone()
                        if existing:
                            error = refusals.duplicate(entry.name, existing[0])
                    cur.execute(
                        "INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, status, error, error_zh, "
                        "error_code, uploaded_by, created_at, updated_at, finished_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc_id, kb.id, entry.name, kind, entry.sha256, entry.size, "failed" if error else "queued",
                         error.message if error else None, error.text("zh") if error else None,
                         error.code if error else None, user_id, at, at, at if error else None])
                    if error is None and entry.staged is not None:
                        entry.staged.replace(folder / doc_id)
            except BaseException:
                (folder / doc_id).unlink(missing_ok=True)
                raise
            finally:
                if entry.staged is not None:
                    entry.staged.unlink(missing_ok=True)   # a duplicate (or a failed insert): nothing kept
            ids.append(doc_id)
        return ids

    # -- read --------------------------------------------------------------------------------------------------------
    def documents(self, kb: KnowledgeBase) -> list[KBDocument]:
        """The KB's documents, newest first, each with its status, progress (done of total) and error."""
        rows = self.store.cursor().execute(f"SELECT {COLUMNS} FROM kb_documents WHERE kb_id = ? "
                                           "ORDER BY created_at DESC, name", [kb.id]).fetchall()
        return [document(r) for r in rows]

    def document(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """One document of the KB (``NotFound`` when it has no such document)."""
        row = self.store.cursor().execute(f"SELECT {COLUMNS} FROM kb_documents WHERE id = ? AND kb_id = ?",
                                          [str(document_id), kb.id]).fetchone()
        if row is None:
            raise refusals.not_found()
        return document(row)

    def file(self, kb: KnowledgeBase, document_id: str) -> tuple[str, Path]:
        """The document's name and its stored bytes (``NotFound`` for a file refused at upload)."""
        doc = self.document(kb, document_id)
        path = self.files_dir / kb.id / doc.id
        if not path.is_file():
            raise refusals.not_found()
        return doc.name, path

    # -- cancel, retry, delete ---------------------------------------------------------------------------------------
    def cancel(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """Queued or parsing: cancelled now (a parse in progress is killed). Embedding: cancelled now; the worker
        stops at its next batch."""
        with self.store.transaction() as cur:
            doc = self._locked(cur, kb, document_id)
            if doc.status not in ("queued", *RUNNING):
                raise refusals.not_running(doc)
            at = now()
            cur.execute("UPDATE kb_documents SET status = 'cancelled', updated_at = ?, finished_at = ? WHERE id = ?",
                        [at, at, doc.id])
        self.worker.stop_parse(doc.id)
        return self.document(kb, doc.id)

    def retry(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """A failed or cancelled document queued again (``Invalid`` when its file was never stored or it is now a
        duplicate of another document)."""
        with self.store.transaction() as cur:
            doc = self._locked(cur, kb, document_id)
            if doc.status not in ("failed", "cancelled"):
                raise refusals.not_retryable(doc)
            if not (self.files_dir / kb.id / doc.id).is_file():
                raise refusals.upload_again(doc)
            other = cur.execute("SELECT name FROM kb_documents WHERE kb_id = ? AND sha256 = ? AND id <> ? AND "
                                "status IN (?, ?, ?, ?) LIMIT 1", [kb.id, doc.sha256, doc.id, *ACTIVE]).fetchone()
            if other:
                raise refusals.duplicate_retry(doc, other[0])
            cur.execute("UPDATE kb_documents SET status = 'queued', done = 0, total = 0, error = NULL, "
                        "error_zh = NULL, error_code = NULL, updated_at = ?, finished_at = NULL WHERE id = ?",
                        [now(), doc.id])
        self.worker.notify()
        return self.document(kb, doc.id)

    def delete_document(self, kb: KnowledgeBase, document_id: str) -> None:
        """Remove the document: its stored file, rows, vectors and keyword entries (a running one stops)."""
        with self.store.transaction() as cur:
            doc = self._locked(cur, kb, document_id)
            cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [doc.id])
            cur.execute("DELETE FROM kb_documents WHERE id = ?", [doc.id])
        self.worker.stop_parse(doc.id)
        unindex(self.vectors, self.keyword, kb.id, doc.id)
        (self.files_dir / kb.id / doc.id).unlink(missing_ok=True)

    def drop(self, kb_id: str) -> None:
        """Everything of a deleted KB: rows left, its vectors, keyword entries and stored files."""
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM kb_chunks WHERE kb_id = ?", [kb_id])
            cur.execute("DELETE FROM kb_documents WHERE kb_id = ?", [kb_id])
        self.worker.stop_parses_of(kb_id)
        self.vectors.drop(kb_id)
        self.keyword.drop(kb_id)
        shutil.rmtree(self.files_dir / kb_id, ignore_errors=True)

    def _locked(self, cur: Any, kb: KnowledgeBase, document_id: str) -> KBDocument:
        row = cur.execute(f"SELECT {COLUMNS} FROM kb_documents WHERE id = ? AND kb_id = ?",
                          [str(document_id), kb.id]).fetchone()
        if row is None:
            raise refusals.not_found()
        return document(row)
