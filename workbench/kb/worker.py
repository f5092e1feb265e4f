"""The ingestion worker: queued KB documents become chunks in the KB's vector and keyword indexes, in the background.

    worker = IngestionWorker(store, vectors, keyword, files_dir, client_for, max_bytes=50 * MB)
    await worker.start()          # unfinished documents are queued again; the parse processes and loops start
    worker.notify()               # a document was queued (``workbench.kb.queue`` calls it)
    worker.stop_parse(doc_id)     # it was cancelled or deleted: its parse is killed
    await worker.stop()

It takes its work from ``kb_documents.status`` (``workbench.kb.document_rows``), which survives a restart:
``start()`` cleans documents left in parsing or embedding (a crash, a stop) of any partial chunks and queues
them again.

A feeder claims queued documents into ``parse_slots`` parse slots, round-robin between uploaders (the uploader
served longest ago first, then their oldest document), at most one document per uploader at a time — so one
user's batch (or one slow document) never keeps another user's documents waiting. Each is parsed and chunked in
a warm child process (``workbench.kb.parse_worker``) that is killed when the document takes longer than
``parse_limits.seconds``, needs more than ``parse_limits.memory_mb``, or is cancelled or deleted: the document
fails with the reason (en + zh; codes "parse_timeout", "parse_memory") and can be retried. Parsed documents are
embedded in batches with the *uploader's* client (``client_for(user_id)``, so the tokens are metered as theirs;
progress: chunks) by ``workers`` embedding loops, then their ``kb_chunks`` rows, vectors and keyword entries are
written and they are marked ready. These steps overlap (the next document is parsed and the previous one written
while one is being embedded), so the embedder is kept busy; one uploader's documents become ready in the order
they were queued.

The documents of a KB being re-embedded with another model (``workbench.kb.reembed``) stay queued until it is done;
one whose vectors were made with the KB's old model after all (claimed just before) is queued again
(``model_changed``) and embedded with the new one.

A document cancelled or deleted while it is embedded stops at its next batch and leaves no chunks in either index
(its chunks are written only at the end, and a document cancelled or deleted while they were being written is
cleaned up right after). When the worker itself fails (the database, an index), the document it held is queued
again and the worker tries again after ``RETRY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from shared.aio import wake
from workbench.documents import errors as document_errors
from workbench.embeddings import BATCH, embed
from workbench.errors import WorkbenchError
from workbench.kb import refusals
from workbench.kb.chunking import KBChunk
from workbench.kb.document_rows import KB_COLUMNS, RUNNING, knowledge_base, now, unindex
from workbench.kb.keyword import tokenize
from workbench.kb.parse_worker import ParseLimits, ParseStopped, ParseWorker
from workbench.kb.records import REEMBED_UNDER_WAY, ChunkRecord, KnowledgeBase
from workbench.kb.unpack import STAGING
from workbench.store import Store

if TYPE_CHECKING:
    import openai

    from workbench.kb.keyword import KeywordIndex
    from workbench.kb.vectors import VectorStore

log = logging.getLogger(__name__)
PARSE_SLOTS = 2                    # documents parsed at once (each in its own process), one per uploader
# a KB being re-embedded (workbench.kb.reembed) keeps its new documents queued: they are embedded with the new model
NOT_MOVING = ("d.kb_id NOT IN (SELECT kb_id FROM kb_reembeds WHERE status IN "
              f"({', '.join(repr(s) for s in REEMBED_UNDER_WAY)}))")
RETRY_SECONDS = 5                  # after the worker itself failed (not a document): the database, an index


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


class IngestionWorker:
    """Recovers, claims queued documents in turns by uploader, parses, embeds, writes them; requeues on its own
    failure."""

    def __init__(self, store: Store, vectors: VectorStore, keyword: KeywordIndex, files_dir: Path,
                 client_for: Callable[[str], openai.AsyncOpenAI], *, max_bytes: int,
                 parse_limits: ParseLimits | None = None, parse_slots: int = PARSE_SLOTS, batch: int = BATCH,
                 workers: int = 1) -> None:
        if min(max_bytes, parse_slots, batch, workers) < 1:
            raise ValueError("max_bytes, parse_slots, batch and workers must be at least 1")
        self.store, self.vectors, self.keyword = store, vectors, keyword
        self.files_dir, self.client_for = Path(files_dir), client_for
        self.max_bytes = max_bytes
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

    # -- what the queue tells it -------------------------------------------------------------------------------------
    def notify(self) -> None:
        """Wake the feeder: a document was queued (from any thread)."""
        wake(self._loop, self._wake)

    def stop_parse(self, doc_id: str) -> None:
        """Stop the document's parse if one is running (its thread kills the child process within ``POLL``)."""
        stop = self._stops.get(doc_id)
        if stop is not None:
            stop.set()

    def stop_parses_of(self, kb_id: str) -> None:
        """Stop the parses of the KB's documents (the KB was deleted)."""
        for doc_id, (parsing_kb, _) in list(self._parsing.items()):
            if parsing_kb == kb_id:
                self.stop_parse(doc_id)

    # -- start, stop, recover ------------------------------------------------------------------------------------------
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
            unindex(self.vectors, self.keyword, kb_id, document_id)
        with self.store.transaction() as cur:
            resumed = cur.execute("UPDATE kb_documents SET status = 'queued', done = 0, total = 0 "   # keep their
                                  "WHERE status IN (?, ?)", list(RUNNING)).fetchall()[0][0]         # place in line
        if resumed:
            log.info("knowledge bases: %d unfinished document(s) queued again", resumed)
        return int(resumed)

    # -- the pipeline: claim, parse, embed, write ----------------------------------------------------------------------
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
                    raise refusals.missing_file(name)
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
                await self._thread(self._fail, doc_id, refusals.internal(name))
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
                    self.notify()
        finally:
            if writing is not None:
                writing.cancel()

    def _requeue(self, doc_id: str) -> None:
        """A claimed document the worker could not go on with (it failed itself) back in the queue."""
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_documents SET status = 'queued', done = 0, total = 0, updated_at = ? "
                        "WHERE id = ? AND status IN (?, ?)", [now(), doc_id, *RUNNING])

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
            await self._thread(self._fail, job.doc_id, refusals.internal(job.name))
        return None

    async def _finish(self, job: _Job, vectors: np.ndarray) -> None:
        try:
            await self._thread(self._write, job.kb, job.doc_id, job.chunks, vectors)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("knowledge bases: writing document %s failed", job.doc_id)
            await self._thread(self._fail, job.doc_id, refusals.internal(job.name))

    async def _thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    # -- the rows it moves: claimed, embedding, progress, failed, ready ------------------------------------------------
    def _claim(self, busy: set[str]) -> tuple[KnowledgeBase, str, str, str] | None:
        """The next document, now "parsing": (kb, document id, name, uploader). Round-robin between uploaders not
        in ``busy`` (who already have one being parsed): the one served longest ago (or never) first, then the
        one whose oldest queued document is oldest; that uploader's oldest queued document."""
        with self.store.transaction() as cur:
            waiting = cur.execute("SELECT d.uploaded_by, min(d.created_at) FROM kb_documents d JOIN knowledge_bases k "
                                  f"ON k.id = d.kb_id WHERE d.status = 'queued' AND {NOT_MOVING} "
                                  "GROUP BY d.uploaded_by").fetchall()
            waiting = [(self._served.get(user, 0), first, user) for user, first in waiting if user not in busy]
            if not waiting:
                return None
            uploader = min(waiting)[2]
            row = cur.execute(f"SELECT {KB_COLUMNS}, d.id, d.name, d.uploaded_by FROM kb_documents d "
                              "JOIN knowledge_bases k ON k.id = d.kb_id WHERE d.status = 'queued' AND "
                              f"{NOT_MOVING} AND d.uploaded_by = ? ORDER BY d.created_at, d.rowid LIMIT 1",
                              [uploader]).fetchone()
            if row is None:
                return None
            at = now()
            cur.execute("UPDATE kb_documents SET status = 'parsing', attempts = attempts + 1, done = 0, total = 0, "
                        "error = NULL, error_zh = NULL, error_code = NULL, started_at = ?, updated_at = ?, "
                        "finished_at = NULL WHERE id = ?", [at, at, row[11]])
        self._served[uploader] = next(self._turn)
        return knowledge_base(row), row[11], row[12], row[13]

    def _stage(self, doc_id: str, kind: str, pages: int, total: int) -> bool:
        """parsing -> embedding (False when the document was cancelled or deleted meanwhile)."""
        with self.store.transaction() as cur:
            return bool(cur.execute(
                "UPDATE kb_documents SET status = 'embedding', kind = ?, pages = ?, done = 0, total = ?, "
                "updated_at = ? WHERE id = ? AND status = 'parsing'",
                [kind, pages, total, now(), doc_id]).fetchall()[0][0])

    def _progress(self, doc_id: str, done: int) -> bool:
        with self.store.transaction() as cur:
            return bool(cur.execute("UPDATE kb_documents SET done = ?, updated_at = ? WHERE id = ? AND "
                                    "status = 'embedding'", [done, now(), doc_id]).fetchall()[0][0])

    def _fail(self, doc_id: str, error: WorkbenchError) -> None:
        at = now()
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_documents SET status = 'failed', error = ?, error_zh = ?, error_code = ?, "
                        "updated_at = ?, finished_at = ? WHERE id = ? AND status IN (?, ?)",
                        [error.message, error.text("zh"), error.code or "failed", at, at, doc_id, *RUNNING])

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
            if exc.code == "model_changed":      # re-embedded meanwhile: embedded again with the KB's new model
                self._requeue(doc_id)
                self.notify()
            else:
                self._fail(doc_id, exc)
            return
        except BaseException:
            self._remove_chunks(kb.id, doc_id)
            raise
        at = now()
        with self.store.transaction() as cur:
            done = cur.execute("UPDATE kb_documents SET status = 'ready', chunks = ?, done = ?, total = ?, "
                               "updated_at = ?, finished_at = ? WHERE id = ? AND status = 'embedding'",
                               [len(records), len(records), len(records), at, at, doc_id]).fetchall()[0][0]
        if not done:                                             # cancelled or deleted while the chunks were written
            self._remove_chunks(kb.id, doc_id)
            if not self.store.cursor().execute("SELECT count(*) FROM knowledge_bases WHERE id = ?",
                                               [kb.id]).fetchone()[0]:
                self.vectors.drop(kb.id)                         # the KB went too: no collection left behind
                self.keyword.drop(kb.id)

    def _remove_chunks(self, kb_id: str, doc_id: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [doc_id])
        unindex(self.vectors, self.keyword, kb_id, doc_id)
