"""Re-embedding a KB with another model (``workbench.kb.reembed``) on real parts: DuckDB, Chroma (embedded and the
``chroma run`` server: ``vector_place``), the ingestion worker, and the real gateway process with the embedded USE v3
and multilingual-e5-small embedders. The KB moves from USE v3 (512 dimensions) to e5 (384), so a vector of the wrong
model cannot pass unnoticed."""

from __future__ import annotations

import time

import numpy as np
import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.workbench.ingest_world import EMBEDDING, FACT, World, make_kb, report_pages, settled, until
from workbench.embeddings import embed
from workbench.kb import reembed
from workbench.kb.errors import KBError
from workbench.kb.records import ChunkRecord, KnowledgeBase
from workbench.kb.reembed import Reembedder
from workbench.kb.vectors import collection_name, model_of

E5 = "multilingual-e5-small"
REPORT = "\n\n".join(report_pages(pages=5, seed=9)).encode()          # ~12 chunks of 300 tokens, page 17's fact absent
NOTE = f"# Honey\n\n{FACT}, sold at the winter fair.".encode()


@pytest.fixture()
def live(tmp_path, embedded_gateway, vector_place):
    w = World(tmp_path, embedded_gateway.url, vector_place)
    yield w
    w.close()


def ask(live: World, kb: KnowledgeBase, model: str, text: str, prefix: str = "") -> list[str]:
    async def go():
        async with openai.AsyncOpenAI(base_url=live.url + "/v1", api_key=MASTER_KEY, max_retries=0) as c:
            return await embed(c, model, [prefix + text])
    return [cid for cid, _ in live.vectors.query(kb, run(go())[0], 3)]


def current(live: World, kb: KnowledgeBase) -> KnowledgeBase:
    row = live.store.cursor().execute("SELECT embedding_model FROM knowledge_bases WHERE id = ?", [kb.id]).fetchone()
    return KnowledgeBase(**{**kb.__dict__, "embedding_model": row[0]})


def ask_for(live: World, kb: KnowledgeBase, model: str, user: str = "u-admin") -> None:
    with live.store.transaction() as cur:
        assert reembed.request(cur, kb, model, user)


def row_of(live: World, kb: KnowledgeBase):
    return reembed.reembeddings(live.store.cursor(), [kb.id]).get(kb.id)


def collection_model(live: World, kb: KnowledgeBase) -> str | None:
    return model_of(live.vectors._client.get_collection(collection_name(kb.id)))


async def ingested(live: World, ingestion, kb: KnowledgeBase, *files: tuple[str, bytes]) -> dict:
    for name, data in files:
        ingestion.submit(kb, "u-alice", name, data)
    return await settled(ingestion, kb)


def test_a_kb_moves_to_e5_with_progress_while_new_documents_wait_and_search_keeps_working(live):
    kb = make_kb(live.store)                                     # USE v3
    ingestion = live.ingestion(batch=16)
    reembedder = Reembedder(live.store, live.vectors, live.client_for, on_swapped=ingestion.worker.notify, batch=4)
    seen: list[tuple[str, int, int]] = []
    found_meanwhile: list[list[str]] = []

    async def body():
        await ingestion.start()
        try:
            first = await ingested(live, ingestion, kb, ("report.md", REPORT), ("honey.md", NOTE))
            chunks = sum(d.chunks for d in first.values())
            ask_for(live, kb, E5)
            [late] = ingestion.submit(kb, "u-alice", "late.md", b"# Late\n\nThe late note about cold buffers.")
            started = time.monotonic()
            await reembedder.start()

            def watch() -> bool:
                row = row_of(live, kb)
                if row is None:
                    return True
                if not seen or seen[-1] != (row.status, row.done, row.total):
                    seen.append((row.status, row.done, row.total))
                    if row.status == "running" and 0 < row.done < row.total - 4:   # mid-way: the old vectors answer
                        found_meanwhile.append(ask(live, current(live, kb), EMBEDDING, "How much honey was made?"))
                        assert ingestion.document(kb, late.id).status == "queued"     # it waits for the new model
                return False
            await until(watch, 240, lambda: f"the re-embedding to finish: {seen[-3:]}")
            elapsed = time.monotonic() - started
            after = await settled(ingestion, kb)
            return chunks, first, after, elapsed
        finally:
            await reembedder.stop()
            await ingestion.stop()

    chunks, first, after, elapsed = run(body())
    moved = current(live, kb)
    assert moved.embedding_model == E5 and collection_model(live, kb) == E5
    print(f"\nre-embedded {chunks} chunks with e5 in {elapsed:.1f} s ({chunks / elapsed:.1f} chunks/s, searched "
          f"{len(found_meanwhile)} times meanwhile); progress seen: {seen}")
    running = [s for s in seen if s[0] == "running"]
    assert len({done for _, done, _ in running}) >= 3 and all(total == chunks for _, _, total in running)
    assert [done for _, done, _ in running] == sorted(done for _, done, _ in running)
    honey = first["honey.md"]
    honey_chunk = f"{honey.id}-0"
    assert found_meanwhile and all(honey_chunk in ids for ids in found_meanwhile)
    assert after["late.md"].status == "ready" and after["late.md"].attempts == 1      # ingested once, with e5
    assert live.vectors.count(kb.id) == chunks + after["late.md"].chunks
    vectors = live.vectors.vectors(kb.id, [honey_chunk, f"{after['late.md'].id}-0"], E5)
    assert {v.shape for v in vectors.values()} == {(384,)} and len(vectors) == 2
    assert ask(live, moved, E5, "How much honey was made?", "query: ")[0] == honey_chunk
    assert live.vectors.query(kb, np.ones(512, dtype=np.float32) / np.sqrt(512), 3) == []   # a stale USE reader
    assert row_of(live, kb) is None and "u-admin" in live.users                  # the requester's client embedded
    live.place.assert_holds(live.tmp, kb.id, live.vectors.count(kb.id))


def test_a_stop_mid_way_resumes_and_a_deleted_document_leaves_no_vectors(live):
    kb = make_kb(live.store)
    ingestion = live.ingestion(batch=16)

    async def first_half():
        await ingestion.start()
        try:
            found = await ingested(live, ingestion, kb, ("report.md", REPORT), ("honey.md", NOTE))
        finally:
            await ingestion.stop()
        ask_for(live, kb, E5)
        reembedder = Reembedder(live.store, live.vectors, live.client_for, batch=2)
        await reembedder.start()
        await until(lambda: (row_of(live, kb).done or 0) >= 4, 120, "a few batches")
        await reembedder.stop()
        return found
    found = run(first_half())
    stopped = row_of(live, kb)
    assert stopped.status == "running" and 4 <= stopped.done < stopped.total
    assert current(live, kb).embedding_model == EMBEDDING
    ingestion.delete_document(kb, found["honey.md"].id)            # meanwhile: out of both collections
    live.reopen()                                                  # a restart

    async def second_half():
        reembedder = Reembedder(live.store, live.vectors, live.client_for, batch=2)
        await reembedder.start()
        try:
            await until(lambda: row_of(live, kb) is None, 180, "the resumed re-embedding")
        finally:
            await reembedder.stop()
    run(second_half())
    report = found["report.md"]
    assert current(live, kb).embedding_model == E5 and live.vectors.count(kb.id) == report.chunks
    ids = [f"{report.id}-{i}" for i in range(report.chunks)]
    assert sorted(live.vectors.vectors(kb.id, ids, E5)) == sorted(ids)


def test_a_cancel_drops_the_new_vectors_and_a_failure_keeps_the_kb_as_it_was(live):
    kb = make_kb(live.store)
    ingestion = live.ingestion(batch=16)

    async def body():
        await ingestion.start()
        reembedder = Reembedder(live.store, live.vectors, live.client_for, on_swapped=ingestion.worker.notify,
                                batch=2)
        await reembedder.start()
        try:
            found = await ingested(live, ingestion, kb, ("report.md", REPORT))
            ask_for(live, kb, E5)
            reembedder.notify(kb.id)
            await until(lambda: (row_of(live, kb).done or 0) >= 2, 120, "a batch")
            with live.store.transaction() as cur:
                assert reembed.cancel(cur, kb.id)
            reembedder.notify(kb.id)
            await until(lambda: not live.vectors.next_ids(kb.id, E5), 60, "the next collection to go")
            ask_for(live, kb, "no-such-model")                     # the gateway refuses it
            [waiting] = ingestion.submit(kb, "u-alice", "honey.md", NOTE)
            reembedder.notify(kb.id)
            await until(lambda: row_of(live, kb).status == "failed", 60, "the failure")
            after = await settled(ingestion, kb)                   # a failed re-embedding holds nothing back
            return found, waiting, after
        finally:
            await reembedder.stop()
            await ingestion.stop()

    found, waiting, after = run(body())
    failed = row_of(live, kb)
    assert failed.error and failed.error_zh and failed.error != failed.error_zh and failed.error_code
    assert "model" in failed.error and "Traceback" not in failed.error and failed.model == "no-such-model"
    assert current(live, kb).embedding_model == EMBEDDING and collection_model(live, kb) == EMBEDDING
    assert after["honey.md"].status == "ready"
    assert live.vectors.count(kb.id) == found["report.md"].chunks + after["honey.md"].chunks
    assert ask(live, kb, EMBEDDING, "How much honey was made?")[0] == f"{waiting.id}-0"


def test_a_write_with_a_stale_model_is_refused_and_an_empty_collection_is_made_anew(live):
    kb = make_kb(live.store)
    record = ChunkRecord("c-1", kb.id, "d-1", 0, "text", 1, 1)
    live.vectors.add(kb, [record], np.eye(1, 512, dtype=np.float32))
    moved = KnowledgeBase(**{**kb.__dict__, "embedding_model": E5})
    with pytest.raises(KBError) as refused:
        live.vectors.add(moved, [record], np.eye(1, 384, dtype=np.float32))
    assert refused.value.code == "model_changed" and "new" in refused.value.message
    assert live.vectors.count(kb.id) == 1 and collection_model(live, kb) == EMBEDDING
    live.vectors.delete_document(kb.id, "d-1")                      # emptied, then the model changed
    live.vectors.add(moved, [record], np.eye(1, 384, dtype=np.float32))
    assert collection_model(live, kb) == E5 and live.vectors.count(kb.id) == 1


def test_a_document_in_flight_when_the_kb_moved_is_embedded_again_with_the_new_model(live):
    """The worker claimed a document with the KB's old model; the KB moved before its vectors were written: it is
    queued again and embedded with the new model, not failed and not written with the old one."""
    kb = make_kb(live.store)
    ingestion = live.ingestion(batch=16)

    async def body():
        await ingestion.start()
        try:
            await ingested(live, ingestion, kb, ("report.md", REPORT))
            moved = KnowledgeBase(**{**kb.__dict__, "embedding_model": E5})
            live.vectors.drop(kb.id)                                # as after a swap: the collection is e5's
            live.vectors.add(moved, [ChunkRecord("x-0", kb.id, "x", 0, "x", 1, 1)], np.eye(1, 384,
                                                                                          dtype=np.float32))
            with live.store.transaction() as cur:
                cur.execute("UPDATE knowledge_bases SET embedding_model = ? WHERE id = ?", [E5, kb.id])
            original, stale = ingestion.worker._claim, [True]

            def stale_claim(busy):                                  # the first claim read the KB before it moved
                claimed = original(busy)
                if claimed is None or not stale:
                    return claimed
                stale.clear()
                return (KnowledgeBase(**{**claimed[0].__dict__, "embedding_model": EMBEDDING}), *claimed[1:])
            ingestion.worker._claim = stale_claim
            [doc] = ingestion.submit(kb, "u-alice", "honey.md", NOTE)
            return doc, await settled(ingestion, kb)
        finally:
            await ingestion.stop()

    doc, after = run(body())
    assert after["honey.md"].status == "ready" and after["honey.md"].attempts == 2
    assert live.vectors.vectors(kb.id, [f"{doc.id}-0"], E5)[f"{doc.id}-0"].shape == (384,)
