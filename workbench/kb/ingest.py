"""The ingestion queue: uploaded files become chunks in a KB's vector and keyword indexes, in the background.

    ingestion = Ingestion(store, vectors, keyword, data_dir / "kb-files", client_for, max_bytes=50 * MB)
    await ingestion.start()                                  # the worker; unfinished documents are queued again
    docs = ingestion.submit(kb, user_id, "papers.zip", data) # one KBDocument per file (a zip gives several)
    ingestion.documents(kb)                                  # status, done/total of the current stage, error
    ingestion.cancel(kb, doc_id); ingestion.retry(kb, doc_id); ingestion.delete_document(kb, doc_id)
    await ingestion.stop()

The queue IS ``kb_documents.status``: queued -> parsing -> embedding -> ready, or failed / cancelled. It survives
a restart: ``start()`` cleans documents left in parsing or embedding (a crash, a stop) of any partial chunks and
queues them again. ``submit`` checks each file (a zip: each member) and streams it to ``files_dir/<kb id>/<document
id>`` (``workbench.kb.unpack``: a refused file writes nothing) and wakes the worker.

The worker: a feeder claims queued documents into ``parse_slots`` parse slots, round-robin between uploaders (the
uploader served longest ago first, then their oldest document), at most one document per uploader at a time —
so one user's batch (or one slow document) never keeps another user's documents waiting. Each is parsed and
chunked in a warm child process (``workbench.kb.parse_worker``) that is killed when the document takes longer
than ``parse_limits.seconds``, needs more than ``parse_limits.memory_mb``, or is cancelled or deleted: the
document fails with the reason (en + zh; codes "parse_timeout", "parse_memory") and can be retried. Parsed
documents are embedded in batches with the *uploader's* client (``client_for(user_id)``, so the tokens are
metered as theirs; progress: chunks) by ``workers`` embedding loops, then their ``kb_chunks`` rows, vectors and
keyword entries are written and they are marked ready. These steps overlap (the next document is parsed and the
previous one written while one is being embedded), so the embedder is kept busy; one uploader's documents
become ready in the order they were queued.

Per-file outcomes never raise: a file over ``max_bytes``, an unsupported type, content that cannot be what its
name says, a damaged zip or one that unpacks to more than its budget, or a file identical to one already in the
KB becomes a document with status "failed", its error in English and Chinese and a stable ``error_code``
("too_large", "unsupported_type", "type_mismatch", "duplicate", "archive_too_large", ...), returned by
``submit`` and listed by ``documents`` like any other, so the other files of the same upload go in. Such a file
is not kept: ``retry`` asks for it to be uploaded again. An identical file (same sha256 as a document queued, in
progress or ready in the KB) is not ingested twice: its row says "duplicate" and names the document it matches.

Cancel: a queued document is cancelled at once; a parsing one at once too (its child process is killed); an
embedding one stops at its next batch and leaves no chunks in either index (its chunks are written only at the
end, and a document cancelled or deleted while they were being written is cleaned up right after). Retry:
failed or cancelled -> queued.

Holding a ``KnowledgeBase`` means the caller checked the permission ("upload" to submit, cancel, retry and
delete; "read" to list and download): this module does not check again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.documents import DocumentError
from workbench.documents import errors as document_errors
from workbench.documents.filetype import extension_kind
from workbench.embeddings import BATCH, embed
from workbench.errors import WorkbenchError
from workbench.kb.chunking import KBChunk
from workbench.kb.errors import Invalid, NotFound
from workbench.kb.keyword import tokenize
from workbench.kb.parse_worker import ParseLimits, ParseStopped, ParseWorker
from workbench.kb.records import STATE_ZH, ChunkRecord, KBDocument, KnowledgeBase
from workbench.kb.unpack import STAGING, ArchiveLimits, Entry, clean_name, upload_entries
from workbench.store import Store

if TYPE_CHECKING:
    import openai

    from workbench.kb.keyword import KeywordIndex
    from workbench.kb.vectors import VectorStore

log = logging.getLogger(__name__)

MB = 1024 * 1024
PARSE_SLOTS = 2                    # documents parsed at once (each in its own process), one per uploader
RETRY_SECONDS = 5                  # after the worker itself failed (not a document): the database, an index
RUNNING = ("parsing", "embedding")
ACTIVE = ("queued", "parsing", "embedding", "ready")          # a document an identical upload would duplicate
_COLUMNS = ("id, kb_id, name, kind, sha256, bytes, pages, chunks, status, done, total, error, error_zh, error_code, "
            "attempts, uploaded_by, created_at, updated_at")
_KB_COLUMNS = ("k.id, k.team_id, k.name, k.description, k.embedding_model, k.chunk_tokens, k.chunk_overlap, "
               "k.public, k.created_by, k.created_at, k.updated_at")


@dataclass(frozen=True)
class _Job:
    """A claimed document, parsed and chunked, on its way through the embedder."""

    kb: KnowledgeBase
    doc_id: str
    name: str
    uploader: str
    kind: str
    pages: int
    chunks: list[KBChunk]


async def _settle(task: asyncio.Task | None) -> Any:
    """Wait for a pipeline step after the worker failed: its result, or None if it failed too (logged)."""
    if task is not None:
        with contextlib.suppress(Exception):
            return await task
    return None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _document(row: Sequence[Any]) -> KBDocument:
    return KBDocument(*row)


def _kb(row: Sequence[Any]) -> KnowledgeBase:
    return KnowledgeBase(*row[:7], public=bool(row[7]), created_by=row[8], created_at=row[9], updated_at=row[10])


# ---------------------------------------------------------------- per-file refusals (en + zh, code)


def duplicate(name: str, existing: str) -> WorkbenchError:
    return WorkbenchError(
        f"“{name}” is identical to “{existing}”, which is already in this knowledge base; it was not added again.",
        zh=f"“{name}”与本知识库中已有的“{existing}”内容完全相同，未重复添加。", code="duplicate")


def _missing_file(name: str) -> DocumentError:
    return DocumentError(
        f"The stored copy of “{name}” is gone. Delete this entry and upload the file again.",
        zh=f"“{name}”的存储副本已不存在。请删除此条目后重新上传该文件。", code="file_missing")


def _internal(name: str) -> WorkbenchError:
    return WorkbenchError(
        f"“{name}” could not be added because of an error in the workbench (it has been logged). Try again; if it "
        "fails again, tell the administrator.",
        zh=f"由于工作台内部错误，未能添加“{name}”（已记录日志）。请重试；如仍失败，请联系管理员。", code="internal")


# ---------------------------------------------------------------- the service


class Ingestion:
    """The KB documents' queue: submit, list, cancel, retry, delete; the worker that ingests them."""

    def __init__(self, store: Store, vectors: VectorStore, keyword: KeywordIndex, files_dir: Path,
                 client_for: Callable[[str], openai.AsyncOpenAI], *, max_bytes: int,
                 max_archive_bytes: int | None = None, max_archive_ratio: int = ArchiveLimits.max_ratio,
                 parse_limits: ParseLimits | None = None, parse_slots: int = PARSE_SLOTS, batch: int = BATCH,
                 workers: int = 1) -> None:
        if min(max_bytes, max_archive_ratio, parse_slots, batch, workers) < 1:
            raise ValueError("max_bytes, max_archive_ratio, parse_slots, batch and workers must be at least 1")
        self.store, self.vectors, self.keyword = store, vectors, keyword
        self.files_dir, self.client_for = Path(files_dir), client_for
        self.max_bytes = max_bytes
        self.archive = ArchiveLimits(max_archive_bytes or min(20 * max_bytes, ArchiveLimits.max_bytes),
                                     max_archive_ratio)
        self.max_archive_bytes = self.archive.max_bytes          # the largest zip (the KB page checks it first)
        self.parse_limits = parse_limits or ParseLimits()
        self.parse_slots, self.batch, self.workers = parse_slots, batch, workers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task] = []
        self._pool: ThreadPoolExecutor | None = None
        self._parsers: list[ParseWorker] = []              # the parse processes, one per slot
        self._idle: list[ParseWorker] = []                 # those not parsing now
        self._parsed: asyncio.Queue[_Job] | None = None    # parsed documents waiting for an embedding loop
        self._parsing: dict[str, tuple[str, str]] = {}     # document id -> (KB id, uploader): claimed, not embedding
        self._stops: dict[str, threading.Event] = {}       # document id -> set to stop its parse
        self._parses: set[asyncio.Task] = set()
        self._served: dict[str, int] = {}                  # uploader -> when last claimed (round-robin)
        self._turn = count(1)

    # -- submit ------------------------------------------------------------------------------------------------------
    def submit(self, kb: KnowledgeBase, user_id: str, name: str, data: bytes) -> list[KBDocument]:
        """Queue an uploaded file (a zip: each document in it); one ``KBDocument`` per file, failed ones included."""
        name = clean_name(PurePosixPath((name or "").replace("\\", "/")).name)     # a browser may send a path
        entries = upload_entries(name, data, self.files_dir / kb.id, max_bytes=self.max_bytes, archive=self.archive)
        ids = self._store_entries(kb, user_id, entries)
        self._notify()
        return [self.document(kb, doc_id) for doc_id in ids]

    def _store_entries(self, kb: KnowledgeBase, user_id: str, entries: Iterable[Entry]) -> list[str]:
        folder = self.files_dir / kb.id
        ids: list[str] = []
        for entry in entries:
            doc_id, now = uuid.uuid4().hex, _now()
            _, kind = extension_kind(entry.name)
            try:
                with self.store.transaction() as cur:       # the duplicate check and the insert: one transaction
                    error = entry.error
                    if error is None:
                        existing = cur.execute(
                            "SELECT name FROM kb_documents WHERE kb_id = ? AND sha256 = ? AND status IN (?, ?, ?, ?) "
                            "ORDER BY created_at LIMIT 1", [kb.id, entry.sha256, *ACTIVE]).fetchone()
                        if existing:
                            error = duplicate(entry.name, existing[0])
                    cur.execute(
                        "INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, status, error, error_zh, "
                        "error_code, uploaded_by, created_at, updated_at, finished_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc_id, kb.id, entry.name, kind, entry.sha256, entry.size, "failed" if error else "queued",
                         error.message if error else None, error.zh if error else None,
                         error.code if error else None, user_id, now, now, now if error else None])
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
        rows = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM kb_documents WHERE kb_id = ? "
                                           "ORDER BY created_at DESC, name", [kb.id]).fetchall()
        return [_document(r) for r in rows]

    def document(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """One document of the KB (``NotFound`` when it has no such document)."""
        row = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM kb_documents WHERE id = ? AND kb_id = ?",
                                          [str(document_id), kb.id]).fetchone()
        if row is None:
            raise _not_found()
        return _document(row)

    def file(self, kb: KnowledgeBase, document_id: str) -> tuple[str, Path]:
        """The document's name and its stored bytes (``NotFound`` for a file refused at upload)."""
        doc = self.document(kb, document_id)
        path = self.files_dir / kb.id / doc.id
        if not path.is_file():
            raise _not_found()
        return doc.name, path

    # -- cancel, retry, delete ---------------------------------------------------------------------------------------
    def cancel(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """Queued or parsing: cancelled now (a parse in progress is killed). Embedding: cancelled now; the worker
        stops at its next batch."""
        with self.store.transaction() as cur:
            doc = self._locked(cur, kb, document_id)
            if doc.status not in ("queued", *RUNNING):
                raise Invalid(f"“{doc.name}” is {doc.status}, not waiting or being added: there is nothing to cancel.",
                              "document", zh=f"“{doc.name}”的状态是{STATE_ZH[doc.status]}，并未在排队或处理中，"
                                             "无需取消。", code="not_running")
            now = _now()
            cur.execute("UPDATE kb_documents SET status = 'cancelled', updated_at = ?, finished_at = ? WHERE id = ?",
                        [now, now, doc.id])
        self._stop_parse(doc.id)
        return self.document(kb, doc.id)

    def retry(self, kb: KnowledgeBase, document_id: str) -> KBDocument:
        """A failed or cancelled document queued again (``Invalid`` when its file was never stored or it is now a
        duplicate of another document)."""
        with self.store.transaction() as cur:
            doc = self._locked(cur, kb, document_id)
            if doc.status not in ("failed", "cancelled"):
                raise Invalid(f"“{doc.name}” is {doc.status}; only a failed or cancelled document can be tried again.",
                              "document", zh=f"“{doc.name}”的状态是{STATE_ZH[doc.status]}；只有失败或已取消的文档"
                                             "才能重试。", code="not_retryable")
            if not (self.files_dir / kb.id / doc.id).is_file():
                raise Invalid(f"“{doc.name}” was not kept ({doc.error or 'refused at upload'}). Upload it again.",
                              "document", zh=f"未保存“{doc.name}”（{doc.error_zh or '上传时被拒绝'}）。请重新上传。",
                              code="upload_again")
            other = cur.execute("SELECT name FROM kb_documents WHERE kb_id = ? AND sha256 = ? AND id <> ? AND "
                                "status IN (?, ?, ?, ?) LIMIT 1", [kb.id, doc.sha256, doc.id, *ACTIVE]).fetchone()
            if other:
                error = duplicate(doc.name, other[0])
                raise Invalid(error.message, "document", zh=error.zh, code="duplicate")
            cur.execute("UPDATE kb_documents SET status = 'queued', done = 0, total = 0, error = NULL, "
                        "error_zh = NULL, error_code = NULL, updated_at = ?, finished_at = NULL WHERE id = ?",
                        [_now(), doc.id])
        self._notify()
        return self.document(kb, doc.id)

    def delete_document(self, kb: KnowledgeBase, document_id: str) -> None:
        """Remove the document: its stored file, rows, vectors and keyword entries (a running one stops)."""
        with self.store.transaction() as cur:
            doc = self._locked(cur, kb, document_id)
            cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [doc.id])
            cur.execute("DELETE FROM kb_documents WHERE id = ?", [doc.id])
        self._stop_parse(doc.id)
        self._unindex(kb.id, doc.id)
        (self.files_dir / kb.id / doc.id).unlink(missing_ok=True)

    def drop(self, kb_id: str) -> None:
        """Everything of a deleted KB: rows left, its vectors, keyword entries and stored files."""
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM kb_chunks WHERE kb_id = ?", [kb_id])
            cur.execute("DELETE FROM kb_documents WHERE kb_id = ?", [kb_id])
        for doc_id, (parsing_kb, _) in list(self._parsing.items()):
            if parsing_kb == kb_id:
                self._stop_parse(doc_id)
        self.vectors.drop(kb_id)
        self.keyword.drop(kb_id)
        shutil.rmtree(self.files_dir / kb_id, ignore_errors=True)

    def _locked(self, cur: Any, kb: KnowledgeBase, document_id: str) -> KBDocument:
        row = cur.execute(f"SELECT {_COLUMNS} FROM kb_documents WHERE id = ? AND kb_id = ?",
                          [str(document_id), kb.id]).fetchone()
        if row is None:
            raise _not_found()
        return _document(row)

    def _stop_parse(self, doc_id: str) -> None:
        """Stop the document's parse if one is running (its thread kills the child process within ``POLL``)."""
        stop = self._stops.get(doc_id)
        if stop is not None:
            stop.set()

    def _unindex(self, kb_id: str, document_id: str) -> None:
        """The document's entries out of both indexes (its kb_chunks rows are already deleted)."""
        self.vectors.delete_document(kb_id, document_id)
        self.keyword.delete_document(kb_id, document_id)

    # -- the worker --------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Queue again what a stop or crash left unfinished (cleaned of partial chunks), start the parse processes,
        the feeder and the embedding loops."""
        if self._tasks:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._parsed = asyncio.Queue()
        self._pool = ThreadPoolExecutor(max_workers=3 * self.workers + self.parse_slots + 2,   # parses, writes,
                                        thread_name_prefix="kb-ingest")                          # progress, claims
        await self._thread(self.recover)
        self._parsers = [ParseWorker(self.parse_limits) for _ in range(self.parse_slots)]
        self._idle = list(self._parsers)
        for parser in self._parsers:
            parser.start()                      # each imports the parsers in the background (~1 s)
        self._tasks = [asyncio.create_task(self._feed(), name="kb-ingest-feed")]
        self._tasks += [asyncio.create_task(self.run(), name=f"kb-ingest-{n}") for n in range(self.workers)]

    async def stop(self) -> None:
        """Stop the worker now; a document being ingested stays "parsing"/"embedding" and resumes on ``start``."""
        tasks, self._tasks = self._tasks, []
        parsers, self._parsers, self._idle = self._parsers, [], []
        for parser in parsers:
            parser.shut()                        # a parse being stopped starts no fresh process
        for stop in list(self._stops.values()):
            stop.set()                           # parses in progress end at their next look (<= POLL)
        tasks += list(self._parses)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        pool, self._pool = self._pool, None
        if pool is not None:          # wait for a parse or a write already running in a thread
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown, True)
        for parser in parsers:
            parser.close()
        self._parsing.clear()
        self._stops.clear()
        self._loop = self._wake = self._parsed = None

    def recover(self) -> int:
        """Documents left in parsing/embedding queued again, any chunks of unfinished documents removed, and any
        file an interrupted upload was writing deleted."""
        for staged in self.files_dir.glob(f"*/{STAGING}*"):
            staged.unlink(missing_ok=True)
        cur = self.store.cursor()
        stale = cur.execute("SELECT DISTINCT c.kb_id, c.document_id FROM kb_chunks c LEFT JOIN kb_documents d "
                            "ON d.id = c.document_id WHERE d.id IS NULL OR d.status <> 'ready' "
                            "UNION SELECT kb_id, id FROM kb_documents WHERE status IN (?, ?)", list(RUNNING)).fetchall()
        for kb_id, document_id in stale:
            with self.store.transaction() as cur:
                cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [document_id])
            self._unindex(kb_id, document_id)
        with self.store.transaction() as cur:
            resumed = cur.execute("UPDATE kb_documents SET status = 'queued', done = 0, total = 0 "   # keep their
                                  "WHERE status IN (?, ?)", list(RUNNING)).fetchall()[0][0]         # place in line
        if resumed:
            log.info("knowledge bases: %d unfinished document(s) queued again", resumed)
        return int(resumed)

    async def _feed(self) -> None:
        """Claim queued documents into the free parse slots (round-robin by uploader, one each) and parse them;
        sleep until a submit, a retry or a freed slot wakes it."""
        while True:
            try:
                self._wake.clear()               # before looking: a wake-up from now on is not lost
                while len(self._parsing) < self.parse_slots:
                    claimed = await self._thread(self._claim, {u for _, u in self._parsing.values()})
                    if claimed is None:
                        break
                    kb, doc_id, name, uploader = claimed
                    self._parsing[doc_id] = (kb.id, uploader)
                    self._stops[doc_id] = threading.Event()
                    task = asyncio.create_task(self._parse(kb, doc_id, name, uploader), name="kb-ingest-parse")
                    self._parses.add(task)
                    task.add_done_callback(self._parses.discard)
                await self._wake.wait()
            except asyncio.CancelledError:
                raise
            except Exception:                    # the database failing: log, try again in a while
                log.exception("knowledge bases: the ingestion feeder failed; it tries again in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    async def _parse(self, kb: KnowledgeBase, doc_id: str, name: str, uploader: str) -> None:
        """Parse and chunk a claimed document in a parse process; hand it to the embedding loops, or fail it with
        its reason. Its slot is freed when an embedding loop takes it (or now, when it failed)."""
        handed = False
        self._idle.sort(key=lambda p: p.warm)
        parser = self._idle.pop()               # one per slot: there is always one idle here (a warm one first)
        try:
            try:
                path = self.files_dir / kb.id / doc_id
                if not path.is_file():
                    raise _missing_file(name)
                parsed = await self._thread(functools.partial(
                    parser.parse, path, PurePosixPath(name).name, max_bytes=self.max_bytes,
                    chunk_tokens=kb.chunk_tokens, overlap_tokens=min(kb.chunk_overlap, kb.chunk_tokens // 2),
                    stop=self._stops[doc_id]))
                if not parsed.chunks:
                    raise document_errors.empty(PurePosixPath(name).name)
            except ParseStopped:
                return                                          # cancelled or deleted (or stopping): said already
            except WorkbenchError as exc:                       # DocumentError, a time or memory limit
                await self._thread(self._fail, doc_id, exc)
                return
            except Exception:
                log.exception("knowledge bases: parsing document %s failed", doc_id)
                await self._thread(self._fail, doc_id, _internal(name))
                return
            finally:
                self._idle.append(parser)
            self._parsed.put_nowait(_Job(kb, doc_id, name, uploader, parsed.kind, parsed.pages, parsed.chunks))
            handed = True
        finally:
            if not handed:
                self._release(doc_id)

    def _release(self, doc_id: str) -> None:
        """The document's parse slot free again: the feeder may claim another."""
        self._parsing.pop(doc_id, None)
        self._stops.pop(doc_id, None)
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """An embedding loop: embed parsed documents, one at a time, until cancelled.

        A pipeline so the embedder never waits for the rest: while one document is embedded, the feeder parses
        the next ones and the previous document's rows and indexes are written (a thread)."""
        writing: asyncio.Task | None = None       # the previous document: rows, vectors, keywords
        try:
            while True:
                job: _Job | None = None
                try:
                    if writing is not None and self._parsed.empty():
                        await writing             # nothing to embed meanwhile: finish the write first
                        writing = None
                    job = await self._parsed.get()
                    self._release(job.doc_id)
                    vectors = await self._embed(job)
                    if writing is not None:
                        await writing
                        writing = None
                    if vectors is not None:
                        writing = asyncio.create_task(self._finish(job, vectors), name="kb-ingest-write")
                except asyncio.CancelledError:
                    raise
                except Exception:              # the database or an index failing: log, try again in a while
                    log.exception("knowledge bases: the ingestion worker failed; it tries again in %s s",
                                  RETRY_SECONDS)
                    writing = await _settle(writing)
                    if job is not None:
                        with contextlib.suppress(Exception):
                            await self._thread(self._requeue, job.doc_id)
                    await asyncio.sleep(RETRY_SECONDS)
                    self._notify()
        finally:
            if writing is not None:
                writing.cancel()

    def _requeue(self, doc_id: str) -> None:
        """A claimed document the worker could not go on with (it failed itself) back in the queue."""
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_documents SET status = 'queued', done = 0, total = 0, updated_at = ? "
                        "WHERE id = ? AND status IN (?, ?)", [_now(), doc_id, *RUNNING])

    async def _embed(self, job: _Job) -> np.ndarray | None:
        """The job's chunks embedded in batches with the uploader's client (progress after each batch); None when
        the document was cancelled or deleted meanwhile, or failed (its reason saved)."""
        try:
            if not await self._thread(self._stage, job.doc_id, job.kind, job.pages, len(job.chunks)):
                return None                                      # cancelled or deleted while parsed or waiting
            client = self.client_for(job.uploader)
            vectors: list[np.ndarray] = []
            for at in range(0, len(job.chunks), self.batch):
                part = job.chunks[at: at + self.batch]
                vectors.append(await embed(client, job.kb.embedding_model, [c.context for c in part],
                                           batch=self.batch))
                if not await self._thread(self._progress, job.doc_id, at + len(part)):
                    return None                                  # cancelled or deleted: nothing written yet
            return np.vstack(vectors)
        except WorkbenchError as exc:                            # EmbeddingError, or no key for the uploader
            await self._thread(self._fail, job.doc_id, exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("knowledge bases: ingesting document %s failed", job.doc_id)
            await self._thread(self._fail, job.doc_id, _internal(job.name))
        return None

    async def _finish(self, job: _Job, vectors: np.ndarray) -> None:
        try:
            await self._thread(self._write, job.kb, job.doc_id, job.chunks, vectors)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("knowledge bases: writing document %s failed", job.doc_id)
            await self._thread(self._fail, job.doc_id, _internal(job.name))

    def _notify(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    async def _thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    def _claim(self, busy: set[str]) -> tuple[KnowledgeBase, str, str, str] | None:
        """The next document, now "parsing": (kb, document id, name, uploader). Round-robin between uploaders not
        in ``busy`` (who already have one being parsed): the one served longest ago (or never) first, then the
        one whose oldest queued document is oldest; that uploader's oldest queued document."""
        with self.store.transaction() as cur:
            waiting = cur.execute("SELECT d.uploaded_by, min(d.created_at) FROM kb_documents d JOIN knowledge_bases k "
                                  "ON k.id = d.kb_id WHERE d.status = 'queued' GROUP BY d.uploaded_by").fetchall()
            waiting = [(self._served.get(user, 0), first, user) for user, first in waiting if user not in busy]
            if not waiting:
                return None
            uploader = min(waiting)[2]
            row = cur.execute(f"SELECT {_KB_COLUMNS}, d.id, d.name, d.uploaded_by FROM kb_documents d "
                              "JOIN knowledge_bases k ON k.id = d.kb_id WHERE d.status = 'queued' AND "
                              "d.uploaded_by = ? ORDER BY d.created_at, d.rowid LIMIT 1", [uploader]).fetchone()
            if row is None:
                return None
            now = _now()
            cur.execute("UPDATE kb_documents SET status = 'parsing', attempts = attempts + 1, done = 0, total = 0, "
                        "error = NULL, error_zh = NULL, error_code = NULL, started_at = ?, updated_at = ?, "
                        "finished_at = NULL WHERE id = ?", [now, now, row[11]])
        self._served[uploader] = next(self._turn)
        return _kb(row), row[11], row[12], row[13]

    def _stage(self, doc_id: str, kind: str, pages: int, total: int) -> bool:
        """parsing -> embedding (False when the document was cancelled or deleted meanwhile)."""
        with self.store.transaction() as cur:
            return bool(cur.execute(
                "UPDATE kb_documents SET status = 'embedding', kind = ?, pages = ?, done = 0, total = ?, "
                "updated_at = ? WHERE id = ? AND status = 'parsing'",
                [kind, pages, total, _now(), doc_id]).fetchall()[0][0])

    def _progress(self, doc_id: str, done: int) -> bool:
        with self.store.transaction() as cur:
            return bool(cur.execute("UPDATE kb_documents SET done = ?, updated_at = ? WHERE id = ? AND "
                                    "status = 'embedding'", [done, _now(), doc_id]).fetchall()[0][0])

    def _fail(self, doc_id: str, error: WorkbenchError) -> None:
        now = _now()
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_documents SET status = 'failed', error = ?, error_zh = ?, error_code = ?, "
                        "updated_at = ?, finished_at = ? WHERE id = ? AND status IN (?, ?)",
                        [error.message, error.zh, error.code or "failed", now, now, doc_id, *RUNNING])

    def _write(self, kb: KnowledgeBase, doc_id: str, chunks: list[KBChunk], vectors: np.ndarray) -> None:
        """Rows, vectors and keyword entries, then "ready" — or all of it undone when the document was cancelled
        or deleted meanwhile (or an index refused)."""
        records = [ChunkRecord(f"{doc_id}-{i}", kb.id, doc_id, i, c.text, c.first_page, c.last_page, c.heading,
                               c.tokens) for i, c in enumerate(chunks)]
        with self.store.transaction() as cur:
            if not cur.execute("SELECT count(*) FROM kb_documents WHERE id = ? AND status = 'embedding'",
                               [doc_id]).fetchone()[0]:
                return
            cur.executemany("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, first_page, last_page, heading, "
                            "tokens, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(r.id, r.kb_id, r.document_id, r.idx, r.text, r.first_page, r.last_page, r.heading,
                              r.tokens, " ".join(tokenize(c.context))) for r, c in zip(records, chunks, strict=True)])
        try:
            self.vectors.add(kb, records, vectors)
            self.keyword.add(kb.id, records)
        except WorkbenchError as exc:
            self._remove_chunks(kb.id, doc_id)
            self._fail(doc_id, exc)
            return
        except BaseException:
            self._remove_chunks(kb.id, doc_id)
            raise
        now = _now()
        with self.store.transaction() as cur:
            done = cur.execute("UPDATE kb_documents SET status = 'ready', chunks = ?, done = ?, total = ?, "
                               "updated_at = ?, finished_at = ? WHERE id = ? AND status = 'embedding'",
                               [len(records), len(records), len(records), now, now, doc_id]).fetchall()[0][0]
        if not done:                                             # cancelled or deleted while the chunks were written
            self._remove_chunks(kb.id, doc_id)
            if not self.store.cursor().execute("SELECT count(*) FROM knowledge_bases WHERE id = ?",
                                               [kb.id]).fetchone()[0]:
                self.vectors.drop(kb.id)                         # the KB went too: no collection left behind
                self.keyword.drop(kb.id)

    def _remove_chunks(self, kb_id: str, doc_id: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [doc_id])
        self._unindex(kb_id, doc_id)




def _not_found() -> NotFound:
    return NotFound("This document does not exist (it may have been deleted).", "document",
                    zh="该文档不存在（可能已被删除）。", code="not_found")
