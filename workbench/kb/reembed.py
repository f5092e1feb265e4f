"""A KB's vectors made again with another embedding model, in the background, with progress; then swapped in.

    request(cur, kb, "multilingual-e5-small", "u-alice")     # KnowledgeBases.update does it when chunks exist
    reembedder = Reembedder(store, vectors, client_for, on_swapped=worker.notify)
    await reembedder.start(); reembedder.notify(kb.id); await reembedder.stop()

One row per KB in ``kb_reembeds`` says what is wanted: the model, ``running`` (with ``done`` / ``total`` chunks),
``swapping`` or ``failed`` (with the reason, en and zh). While it runs, the KB keeps its model: it is searched with
its old vectors and its new documents wait in the queue (the ingestion worker does not claim them), so nothing is
embedded twice and nobody waits on a half-built index. The ready documents' chunks (their heading and text, as
ingestion embeds them) are embedded with the *requester's* client (metered as theirs) in batches into the KB's
*next* Chroma collection (``VectorStore.add_next``). When every ready chunk is there and no document of the KB is
being ingested, the swap: one transaction sets the KB's model (and the row to ``swapping``), then the next
collection replaces the old one (``VectorStore.swap``), then the row goes and the waiting documents are ingested
with the new model.

It survives a stop or a crash: a ``running`` row resumes with the chunks the next collection lacks, a ``swapping``
row finishes its swap. A document deleted meanwhile leaves the next collection too. Choosing the KB's current model
again deletes the row (a cancel): the next collection is dropped at the next batch or wake-up. A failure (the
model refused, the requester has no key, the vector store failing) marks the row ``failed``: the KB goes on as
before (its documents are ingested again) and choosing the new model again resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from shared.aio import wake
from workbench.embeddings import embed
from workbench.errors import WorkbenchError
from workbench.kb.chunking import with_heading
from workbench.kb.document_rows import RUNNING, now
from workbench.kb.errors import KBError
from workbench.kb.records import REEMBED_UNDER_WAY, ChunkRecord, KnowledgeBase, Reembedding
from workbench.store import Store

if TYPE_CHECKING:
    import openai

    from workbench.kb.vectors import VectorStore

log = logging.getLogger(__name__)
COLUMNS = ("kb_id, model, from_model, status, done, total, error, error_zh, error_code, requested_by, created_at, "
           "updated_at")
BATCH = 32                 # chunks per call: progress every few seconds with e5 on 2 cores (~4 chunks/s)
WAIT_SECONDS = 1.0         # between looks while the KB's documents being ingested finish
STOP_SECONDS = 10          # what a stop waits for the batch in hand


# -- the rows (KnowledgeBases reads and writes them in its own transactions) ---------------------------------------
def reembeddings(cur: Any, kb_ids: Sequence[str]) -> dict[str, Reembedding]:
    """The re-embeddings of these KBs (those that have one)."""
    if not kb_ids:
        return {}
    rows = cur.execute(f"SELECT {COLUMNS} FROM kb_reembeds WHERE list_contains(?, kb_id)", [list(kb_ids)]).fetchall()
    return {row[0]: Reembedding(*row) for row in rows}


def ready_chunks(cur: Any, kb_id: str) -> int:
    return int(cur.execute("SELECT count(*) FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id "
                           "WHERE c.kb_id = ? AND d.status = 'ready'", [kb_id]).fetchone()[0])


def busy(cur: Any, kb_id: str) -> bool:
    """A document of the KB is being ingested (parsed or embedded with the KB's model as it was claimed)."""
    return bool(cur.execute("SELECT count(*) FROM kb_documents WHERE kb_id = ? AND status IN (?, ?)",
                            [kb_id, *RUNNING]).fetchone()[0])


def request(cur: Any, kb: KnowledgeBase, model: str, user_id: str) -> bool:
    """Ask for the KB's vectors to be made with ``model`` (a running one for it goes on: False; a failed one
    resumes; one for another model is replaced)."""
    found = reembeddings(cur, [kb.id]).get(kb.id)
    if found is not None and found.model == model and found.under_way:
        return False
    at = now()
    cur.execute("DELETE FROM kb_reembeds WHERE kb_id = ?", [kb.id])
    cur.execute(f"INSERT INTO kb_reembeds ({COLUMNS}) VALUES (?, ?, ?, 'running', 0, ?, NULL, NULL, NULL, ?, ?, ?)",
                [kb.id, model, kb.embedding_model, ready_chunks(cur, kb.id), user_id, at, at])
    return True


def cancel(cur: Any, kb_id: str) -> bool:
    """No re-embedding of the KB any more (its next collection goes at the re-embedder's next look)."""
    return bool(cur.execute("DELETE FROM kb_reembeds WHERE kb_id = ?", [kb_id]).fetchall()[0][0])


# -- the background work ---------------------------------------------------------------------------------------------
class Reembedder:
    """Works through ``kb_reembeds``, one KB at a time, oldest request first (see the module doc)."""

    def __init__(self, store: Store, vectors: VectorStore, client_for: Callable[[str], openai.AsyncOpenAI], *,
                 on_swapped: Callable[[], None] = lambda: None, batch: int = BATCH) -> None:
        self.store, self.vectors, self.client_for = store, vectors, client_for
        self.on_swapped, self.batch = on_swapped, batch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._touched: set[str] = set()          # KBs notified: a cancelled one's next collection is dropped
        self._lock = threading.Lock()
        self._stopping = False

    async def start(self) -> None:
        if self._task is not None:
            return
        self._loop, self._wake, self._stopping = asyncio.get_running_loop(), asyncio.Event(), False
        self._task = asyncio.create_task(self._run(), name="kb-reembed")

    def notify(self, kb_id: str | None = None) -> None:
        """A KB's re-embedding was asked for, changed or cancelled (from any thread)."""
        if kb_id is not None:
            with self._lock:
                self._touched.add(kb_id)
        wake(self._loop, self._wake)

    async def stop(self) -> None:
        """Stop after the batch in hand (at most ``STOP_SECONDS``); what is embedded stays for the next start."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.notify()
        await asyncio.wait({task}, timeout=STOP_SECONDS)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        self._loop = self._wake = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()                   # before looking: a notify from now on is not lost
            waiting = False
            try:
                await asyncio.to_thread(self._tidy)
                for kb_id in await asyncio.to_thread(self._pending):
                    if self._stopping:
                        return
                    waiting |= await self._one(kb_id) == "waiting"
            except asyncio.CancelledError:
                raise
            except Exception:                    # the database failing: try again in a while
                log.exception("knowledge bases: re-embedding failed; it tries again in %s s", 5)
                waiting = True
                await asyncio.sleep(5)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), WAIT_SECONDS if waiting else None)

    # -- one KB --------------------------------------------------------------------------------------------------------
    async def _one(self, kb_id: str) -> str:
        """Embed what the KB's next collection lacks, then swap: "done", "waiting" (documents being ingested),
        "stopped" (cancelled, replaced, stopping) or "failed"."""
        wanted = await asyncio.to_thread(self._row, kb_id)
        if wanted is None:
            return "stopped"
        if wanted.status == "swapping":
            await asyncio.to_thread(self._finish, wanted)
            return "done"
        try:
            client = self.client_for(wanted.requested_by)
            while True:
                missing, total = await asyncio.to_thread(self._missing, wanted)
                if not missing:
                    return await asyncio.to_thread(self._swap, wanted, total)
                for at in range(0, len(missing), self.batch):
                    if self._stopping or not await asyncio.to_thread(self._still, wanted):
                        return "stopped"
                    part = await asyncio.to_thread(self._records, missing[at: at + self.batch])
                    if part:
                        rows = await embed(client, wanted.model, [context for _, context in part], batch=self.batch)
                        await asyncio.to_thread(self.vectors.add_next, kb_id, wanted.model,
                                                [record for record, _ in part], rows)
                    await asyncio.to_thread(self._embedded, wanted, missing[at: at + self.batch])
        except asyncio.CancelledError:
            raise
        except WorkbenchError as exc:            # the model refused, no key for the requester, the vector store
            await asyncio.to_thread(self._fail, wanted, exc)
        except Exception:
            log.exception("knowledge bases: re-embedding %s with %s failed", kb_id, wanted.model)
            await asyncio.to_thread(self._fail, wanted, KBError("reembed_internal"))
        return "failed"

    def _row(self, kb_id: str) -> Reembedding | None:
        return reembeddings(self.store.cursor(), [kb_id]).get(kb_id)

    def _pending(self) -> list[str]:
        return [r[0] for r in self.store.cursor().execute(
            "SELECT kb_id FROM kb_reembeds WHERE status IN (?, ?) ORDER BY created_at",
            list(REEMBED_UNDER_WAY)).fetchall()]

    def _tidy(self) -> None:
        """The next collections of notified KBs that have no re-embedding any more (cancelled, KB deleted)."""
        with self._lock:
            touched, self._touched = self._touched, set()
        for kb_id in touched:
            if self._row(kb_id) is None:
                self.vectors.delete_next(kb_id)

    def _still(self, wanted: Reembedding) -> bool:
        """The row still asks for this (not cancelled, replaced or failed); the next collection goes when it is
        cancelled."""
        row = self._row(wanted.kb_id)
        if row is None:
            self.vectors.delete_next(wanted.kb_id)
        return row is not None and row.model == wanted.model and row.status == "running"

    def _missing(self, wanted: Reembedding) -> tuple[list[str], int]:
        """The ready chunks the next collection lacks (in document order) and how many ready chunks there are;
        the progress saved."""
        ids = [r[0] for r in self.store.cursor().execute(
            "SELECT c.id FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id WHERE c.kb_id = ? AND "
            "d.status = 'ready' ORDER BY d.created_at, c.document_id, c.idx", [wanted.kb_id]).fetchall()]
        have = self.vectors.next_ids(wanted.kb_id, wanted.model)
        missing = [i for i in ids if i not in have]
        self._progress(wanted, len(ids) - len(missing), len(ids))
        return missing, len(ids)

    def _records(self, chunk_ids: Sequence[str]) -> list[tuple[ChunkRecord, str]]:
        """The chunks that still exist, with what is embedded of each (its heading path and text)."""
        rows = self.store.cursor().execute(
            "SELECT id, kb_id, document_id, idx, text, first_page, last_page, heading, tokens FROM kb_chunks "
            "WHERE list_contains(?, id)", [list(chunk_ids)]).fetchall()
        order = {cid: n for n, cid in enumerate(chunk_ids)}
        rows.sort(key=lambda r: order[r[0]])
        return [(ChunkRecord(*r), with_heading(r[7], r[4])) for r in rows]

    def _embedded(self, wanted: Reembedding, chunk_ids: Sequence[str]) -> None:
        """After a batch: the vectors of chunks deleted meanwhile out again, the progress saved."""
        cur = self.store.cursor()
        kept = {r[0] for r in cur.execute("SELECT id FROM kb_chunks WHERE list_contains(?, id)",
                                          [list(chunk_ids)]).fetchall()}
        gone = [c for c in chunk_ids if c not in kept]
        if gone:
            self.vectors.delete_next(wanted.kb_id, gone)
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_reembeds SET done = least(done + ?, total), updated_at = ? WHERE kb_id = ? AND "
                        "model = ? AND status = 'running'", [len(kept), now(), wanted.kb_id, wanted.model])

    def _progress(self, wanted: Reembedding, done: int, total: int) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_reembeds SET done = ?, total = ?, updated_at = ? WHERE kb_id = ? AND model = ? "
                        "AND status = 'running'", [done, total, now(), wanted.kb_id, wanted.model])

    def _swap(self, wanted: Reembedding, total: int) -> str:
        """Every ready chunk is in the next collection: the KB takes the model, the next collection its place —
        unless a document is being ingested (with the old model) or the chunks changed since they were counted."""
        with self.store.transaction() as cur:
            row = reembeddings(cur, [wanted.kb_id]).get(wanted.kb_id)
            if row is None or row.model != wanted.model or row.status != "running":
                return "stopped"
            if busy(cur, wanted.kb_id) or ready_chunks(cur, wanted.kb_id) != total:
                return "waiting"
            at = now()
            cur.execute("UPDATE knowledge_bases SET embedding_model = ?, updated_at = ? WHERE id = ?",
                        [wanted.model, at, wanted.kb_id])
            cur.execute("UPDATE kb_reembeds SET status = 'swapping', done = total, updated_at = ? WHERE kb_id = ?",
                        [at, wanted.kb_id])
        self._finish(wanted)
        return "done"

    def _finish(self, wanted: Reembedding) -> None:
        """The swap's second half (again after a crash): the next collection in place, the row gone, the KB's
        waiting documents ingested."""
        self.vectors.swap(wanted.kb_id)
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM kb_reembeds WHERE kb_id = ? AND status = 'swapping'", [wanted.kb_id])
        log.info("knowledge bases: %s now uses %s (was %s)", wanted.kb_id, wanted.model, wanted.from_model)
        self.on_swapped()

    def _fail(self, wanted: Reembedding, error: WorkbenchError) -> None:
        log.warning("knowledge bases: re-embedding %s with %s stopped: %s", wanted.kb_id, wanted.model, error.message)
        with self.store.transaction() as cur:
            cur.execute("UPDATE kb_reembeds SET status = 'failed', error = ?, error_zh = ?, error_code = ?, "
                        "updated_at = ? WHERE kb_id = ? AND model = ? AND status = 'running'",
                        [error.message, error.text("zh"), error.code or "failed", now(), wanted.kb_id, wanted.model])
        self.on_swapped()                        # its documents waited: they are ingested with the old model now
