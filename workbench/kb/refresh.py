"""New vectors for KB chunks whose text an upgrade rewrote, embedded at start the way ingestion embeds them.

    refreshed = await refresh_vectors(store, vectors, client_for)     # KnowledgeService.start runs it in the background

``kb_vector_updates`` lists the chunks (the store migration that put old text in normal form fills it,
``workbench.text_upgrade``). Per document, in batches: the chunks' context (heading path and text) is embedded with
the *uploader's* client and the KB's embedding model (``workbench.embeddings.embed``, as ingestion does, so the
tokens are metered as theirs), the vectors replace the old ones in the KB's collection (``VectorStore.add``
upserts by chunk id), and the chunks leave the list. Until then a chunk is found by its old vector (and by the
chunk filter and keywords with its new text already). A chunk whose row is gone (document deleted) just leaves the
list. A document that cannot be embedded now (its uploader has no key any more, the model is not served) keeps
its old vectors and stays listed: logged, tried again at the next start. Progress is logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.embeddings import BATCH, embed
from workbench.errors import WorkbenchError
from workbench.kb.access import KB_COLUMNS, kb_from_row
from workbench.kb.chunking import with_heading
from workbench.kb.records import ChunkRecord, KnowledgeBase
from workbench.store import Store

if TYPE_CHECKING:
    import openai

    from workbench.kb.vectors import VectorStore

log = logging.getLogger("maas.workbench.upgrade")
PROGRESS_SECONDS = 5.0


def pending(store: Store) -> int:
    """How many chunks wait for new vectors."""
    return int(store.cursor().execute("SELECT count(*) FROM kb_vector_updates").fetchone()[0])


def _documents(store: Store) -> list[tuple[str, str]]:
    return store.cursor().execute("SELECT DISTINCT kb_id, document_id FROM kb_vector_updates "
                                  "ORDER BY kb_id, document_id").fetchall()


def _owner(store: Store, kb_id: str, document_id: str) -> tuple[KnowledgeBase, str] | None:
    """The KB and the document's uploader, or None when either is gone."""
    row = store.cursor().execute(f"SELECT {KB_COLUMNS}, d.uploaded_by FROM knowledge_bases k JOIN kb_documents d "
                                 "ON d.kb_id = k.id WHERE k.id = ? AND d.id = ?", [kb_id, document_id]).fetchone()
    return (kb_from_row(row), row[-1]) if row else None


def _chunks(store: Store, document_id: str) -> list[tuple[ChunkRecord, str]]:
    """The document's listed chunks that still exist, in order, with their context (what is embedded)."""
    rows = store.cursor().execute(
        "SELECT c.id, c.kb_id, c.document_id, c.idx, c.text, c.first_page, c.last_page, c.heading, c.tokens "
        "FROM kb_chunks c JOIN kb_vector_updates u ON u.chunk_id = c.id WHERE u.document_id = ? ORDER BY c.idx",
        [document_id]).fetchall()
    return [(ChunkRecord(*r), with_heading(r[7], r[4])) for r in rows]


def _forget(store: Store, chunk_ids: list[str] | None = None, document_id: str | None = None) -> None:
    with store.transaction() as cur:
        if chunk_ids is not None:
            cur.executemany("DELETE FROM kb_vector_updates WHERE chunk_id = ?", [[c] for c in chunk_ids])
        if document_id is not None:
            cur.execute("DELETE FROM kb_vector_updates WHERE document_id = ?", [document_id])


def _gone(store: Store, document_id: str) -> bool:
    return not store.cursor().execute("SELECT count(*) FROM kb_chunks WHERE document_id = ?",
                                      [document_id]).fetchone()[0]


async def refresh_vectors(store: Store, vectors: VectorStore, client_for: Callable[[str], openai.AsyncOpenAI], *,
                          batch: int = BATCH, stopping: Callable[[], bool] = lambda: False) -> int:
    """Embed every listed chunk again and store its vector (see the module doc); how many were refreshed."""
    total = await asyncio.to_thread(pending, store)
    if not total:
        return 0
    log.info("normal-form upgrade: re-embedding %d knowledge-base chunk(s) whose text was rewritten", total)
    done, last = 0, time.monotonic()
    for kb_id, document_id in await asyncio.to_thread(_documents, store):
        if stopping():
            break
        owner = await asyncio.to_thread(_owner, store, kb_id, document_id)
        chunks = await asyncio.to_thread(_chunks, store, document_id) if owner else []
        if not chunks:                                       # the KB, the document or its chunks are gone
            await asyncio.to_thread(_forget, store, None, document_id)
            continue
        kb, uploader = owner
        try:
            done += await _document(store, vectors, client_for(uploader), kb, document_id, chunks, batch, stopping)
        except WorkbenchError as exc:                        # EmbeddingError, or no key for the uploader any more
            log.warning("normal-form upgrade: document %s of knowledge base %s keeps its old vectors for now (%s); "
                        "tried again at the next start", document_id, kb_id, exc.message)
        except Exception:                                    # the vector store failing: the next document may work
            log.warning("normal-form upgrade: document %s of knowledge base %s keeps its old vectors for now; "
                        "tried again at the next start", document_id, kb_id, exc_info=True)
        if time.monotonic() - last >= PROGRESS_SECONDS:
            last = time.monotonic()
            log.info("normal-form upgrade: %d / %d chunk(s) re-embedded", done, total)
    log.info("normal-form upgrade: %d / %d chunk(s) re-embedded%s", done, total,
             "" if done == total else "; the rest at the next start")
    return done


async def _document(store: Store, vectors: Any, client: Any, kb: KnowledgeBase, document_id: str,
                    chunks: list[tuple[ChunkRecord, str]], batch: int, stopping: Callable[[], bool]) -> int:
    done = 0
    for at in range(0, len(chunks), batch):
        if stopping():
            break
        part = chunks[at: at + batch]
        rows = await embed(client, kb.embedding_model, [context for _, context in part], batch=batch)
        await asyncio.to_thread(vectors.add, kb, [record for record, _ in part], rows)
        if await asyncio.to_thread(_gone, store, document_id):    # deleted meanwhile: no vectors left behind
            await asyncio.to_thread(vectors.delete_document, kb.id, document_id)
            await asyncio.to_thread(_forget, store, None, document_id)
            return done
        await asyncio.to_thread(_forget, store, [record.id for record, _ in part])
        done += len(part)
    return done
