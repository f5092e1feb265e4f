"""The KB ingestion queue on real parts: DuckDB (the queue is ``kb_documents.status``), Chroma, the BM25 keyword
index, and the real gateway process with the embedded USE v3 embedder (``embedded_gateway``).

Every test touching vectors runs twice (``vector_place``, tests/workbench/conftest.py): ``[persistent]`` on embedded
Chroma in tmp, ``[server]`` on the session's ``chroma run`` server on loopback.

The KB rows are inserted with SQL (``make_kb``): the bases service is tested on its own. Documents are real
files from tests.fakes.docs (hand-written PDFs, zipped DOCX). Timings are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time

import numpy as np
import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.fakes import docs
from tests.workbench.chroma_server import VectorPlace
from tests.workbench.ingest_world import (
    EMBEDDING,
    FACT,
    MB,
    WORDS,
    World,
    a_zip,
    by_name,
    make_kb,
    report_pages,
    settled,
    until,
    with_worker,
)
from workbench.embeddings import embed
from workbench.kb.errors import Invalid, NotFound
from workbench.kb.ingest import Ingestion
from workbench.kb.records import ChunkRecord, KnowledgeBase


@pytest.fixture()
def world(tmp_path, vector_place):
    w = World(tmp_path, None, vector_place)
    yield w
    w.close()


@pytest.fixture()
def embedded_world(tmp_path):
    """For tests that never reach the vectors (refused at submit): embedded Chroma only, no ``[server]`` twin."""
    w = World(tmp_path, None, VectorPlace("persistent"))
    yield w
    w.close()


@pytest.fixture()
def live(tmp_path, embedded_gateway, vector_place):
    w = World(tmp_path, embedded_gateway.url, vector_place)
    yield w
    w.close()


# ---------------------------------------------------------------- end to end on the embedded gateway


def test_a_pdf_is_ingested_with_progress_and_found_by_both_indexes(live):
    kb, ingestion = make_kb(live.store), live.ingestion(batch=8)
    seen: list[tuple[str, int, int]] = []

    async def body():
        started = time.monotonic()
        [doc] = ingestion.submit(kb, "u-alice", "annual-report.pdf", docs.pdf_file(report_pages(), title="Report"))
        assert (doc.status, doc.kind, doc.bytes, doc.uploaded_by) == ("queued", "pdf", doc.bytes, "u-alice")

        def watch() -> bool:
            d = ingestion.document(kb, doc.id)
            if not seen or seen[-1] != (d.status, d.done, d.total):
                seen.append((d.status, d.done, d.total))
            return d.status in ("ready", "failed")
        await until(watch, what="the report to be ingested")
        return time.monotonic() - started

    elapsed = with_worker(ingestion, body)
    doc = ingestion.documents(kb)[0]
    assert (doc.status, doc.pages, doc.error, doc.attempts) == ("ready", 30, None, 1), doc
    print(f"\n30-page PDF ingested in {elapsed:.2f} s ({30 / elapsed:.1f} pages/s, {doc.chunks} chunks); "
          f"progress seen: {seen}")
    embedding = [s for s in seen if s[0] == "embedding"]
    assert len({done for _, done, _ in embedding}) >= 3                    # done/total moved while embedding
    assert all(total == doc.chunks for _, _, total in embedding) and doc.chunks >= 60
    assert seen[-1] == ("ready", doc.chunks, doc.chunks)
    rows = live.rows(doc.id)
    assert [r[1] for r in rows] == list(range(doc.chunks)) and all(r[6] for r in rows)   # terms filled
    assert all(r[5] <= 300 for r in rows) and rows[0][2] == 1 and rows[-1][3] == 30
    assert live.vectors.count(kb.id) == doc.chunks and live.users == ["u-alice"]        # the uploader's client
    live.place.assert_holds(live.tmp, kb.id, doc.chunks)              # in the server, seen by another client
    texts = dict(live.store.cursor().execute("SELECT id, text FROM kb_chunks WHERE kb_id = ?", [kb.id]).fetchall())
    facts = [r for r in rows if FACT in texts[r[0]]]                 # one chunk, or two through the overlap
    assert facts and all(r[2] == 17 and r[4] == "17 Section 17" for r in facts)
    assert live.keyword.query(kb.id, "kilograms of honey", 3)[0][0] in {r[0] for r in facts}

    async def ask():
        async with openai.AsyncOpenAI(base_url=live.url + "/v1", api_key=MASTER_KEY, max_retries=0) as c:
            return await embed(c, EMBEDDING, ["How much honey did the rooftop bees make?"])
    found = live.vectors.query(kb, run(ask())[0], 3)
    assert {r[0] for r in facts} & {chunk_id for chunk_id, _ in found}
    name, path = ingestion.file(kb, doc.id)
    assert name == "annual-report.pdf" and path.read_bytes().startswith(b"%PDF-")


def test_two_workers_write_concurrently_and_every_document_is_indexed_once(live):
    """Two workers (each a pipeline: parse, embed, write) on four documents at once: concurrent writes to Chroma
    and the keyword index (embedded Chroma crashing on concurrent writers is a known complaint) lose nothing and
    duplicate nothing. Throughput is measured in bench/kb_ingest.py, not here."""
    kb, ingestion = make_kb(live.store), live.ingestion(workers=2, batch=16)
    pdfs = {f"report-{n}.pdf": docs.pdf_file(report_pages(pages=8, seed=20 + n)) for n in range(4)}

    async def body():
        for name, data in pdfs.items():
            ingestion.submit(kb, "u-alice", name, data)
        return await settled(ingestion, kb)
    found = with_worker(ingestion, body)
    assert {d.status for d in found.values()} == {"ready"} and all(d.attempts == 1 for d in found.values())
    total = 0
    for doc in found.values():
        rows = live.rows(doc.id)
        assert [r[1] for r in rows] == list(range(doc.chunks)) and doc.chunks > 1 and doc.pages == 8
        total += doc.chunks
    assert live.vectors.count(kb.id) == total
    assert ingestion.keyword.query(kb.id, "section", total)           # every chunk has a heading "n Section n"
    assert len(ingestion.keyword.query(kb.id, "section", 10 * total)) == total


def test_a_restart_mid_queue_resumes_without_duplicate_chunks(live):
    kb = make_kb(live.store)
    first = live.ingestion(batch=4)
    pdfs = {f"report-{n}.pdf": docs.pdf_file(report_pages(seed=n)) for n in range(3)}

    async def until_embedding():
        for name, data in pdfs.items():
            first.submit(kb, "u-alice", name, data)
        await until(lambda: any(d.status == "embedding" and d.done >= 8 for d in first.documents(kb)),
                    what="a document half embedded")
    with_worker(first, until_embedding)                 # stop() while the first document is being embedded
    states = by_name(first.documents(kb))
    interrupted = states["report-0.pdf"]
    assert interrupted.status == "embedding" and 0 < interrupted.done < interrupted.total
    assert states["report-1.pdf"].status == "parsing"       # the next one is parsed while the first is embedded
    assert states["report-2.pdf"].status == "queued"
    # a crash in the middle of writing would leave some chunks behind: put some there
    with live.store.transaction() as cur:
        cur.executemany("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, tokens) VALUES (?, ?, ?, ?, ?, ?)",
                        [(f"{interrupted.id}-{i}", kb.id, interrupted.id, i, "partial", 1) for i in range(3)])
    partial = [ChunkRecord(f"{interrupted.id}-{i}", kb.id, interrupted.id, i, "partial", None, None)
               for i in range(3)]
    live.vectors.add(kb, partial, np.eye(3, 512, dtype=np.float32))

    live.reopen()                                          # the restart: new objects on the same files
    second = live.ingestion(batch=64)
    found = with_worker(second, lambda: settled(second, kb))
    assert {d.status for d in found.values()} == {"ready"}
    assert [found[f"report-{n}.pdf"].attempts for n in range(3)] == [2, 2, 1]
    assert sorted(found, key=lambda name: found[name].updated_at) == list(pdfs)    # ready in queue order
    total = 0
    for doc in found.values():
        rows = live.rows(doc.id)
        assert [r[1] for r in rows] == list(range(doc.chunks)) and doc.chunks > 0
        assert all(r[5] > 1 for r in rows)                   # none of the planted partial rows is left
        total += doc.chunks
    ids = [r[0] for r in live.store.cursor().execute("SELECT id FROM kb_chunks WHERE kb_id = ?", [kb.id]).fetchall()]
    assert len(ids) == len(set(ids)) == total == live.vectors.count(kb.id)
    live.place.assert_holds(live.tmp, kb.id, total)


def test_cancel_stops_a_running_document_and_leaves_no_chunks_then_retry_finishes_it(live):
    kb, ingestion = make_kb(live.store), live.ingestion(batch=4)
    live.keyword.warm(kb.id)                              # the in-memory index is live, not built later from rows

    async def body():
        [doc] = ingestion.submit(kb, "u-alice", "report.pdf", docs.pdf_file(report_pages()))
        await until(lambda: ingestion.document(kb, doc.id).status == "embedding"
                    and ingestion.document(kb, doc.id).done >= 4, what="embedding to start")
        cancelled = ingestion.cancel(kb, doc.id)
        assert cancelled.status == "cancelled"              # at once, for the user
        await asyncio.sleep(1.0)                            # the worker reaches its next batch and stops
        assert ingestion.document(kb, doc.id).status == "cancelled"
        assert live.rows(doc.id) == [] and live.vectors.count(kb.id) == 0
        assert live.keyword.query(kb.id, "kilograms honey", 5) == []
        with pytest.raises(Invalid) as caught:
            ingestion.cancel(kb, doc.id)
        assert caught.value.code == "not_running" and "已取消" in caught.value.text("zh")
        assert ingestion.retry(kb, doc.id).status == "queued"
        return await settled(ingestion, kb)
    found = with_worker(ingestion, body)
    doc = found["report.pdf"]
    assert (doc.status, doc.attempts) == ("ready", 2)
    assert len(live.rows(doc.id)) == doc.chunks == live.vectors.count(kb.id)
    assert live.keyword.query(kb.id, "kilograms honey", 5)


def test_one_upload_of_many_files_each_fails_or_succeeds_alone(live):
    kb, ingestion = make_kb(live.store), live.ingestion(max_bytes=200_000)
    good = docs.pdf_file(["Quarterly notes.\nThe freezer in room 12 was replaced in March."])
    broken = docs.pdf_file(["This file is cut short."])[:-200]
    words = random.Random(4)                     # text that packs as text does (~7:1), not 1000:1 like a bomb
    huge = " ".join(words.choice(WORDS) for _ in range(30_000)).encode()
    archive = a_zip({
        "notes/good.pdf": good,
        "notes/broken.pdf": broken,
        "notes/huge.txt": huge,                                   # over max_bytes: fails alone
        "notes/photo.png": b"\x89PNG\r\n\x1a\n" + bytes(50),     # unsupported: reported by name
        "notes/inner.zip": a_zip({"a.txt": b"nested"}),
        "notes/readme.md": b"# Readme\n\nThe archive holds the lab's notes.",
        "notes/samples.csv": b"sample,mass\nA1,12\nA2,15\n",
        "__MACOSX/notes/._good.pdf": b"junk",                     # skipped silently
        "notes/.DS_Store": b"junk",
    })
    chinese = a_zip({"实验记录/第一周.txt": "第一周：完成了样品的制备。第二周开始测量。".encode()}, utf8_names=False)

    async def body():
        out = ingestion.submit(kb, "u-alice", "notes.zip", archive)
        out += ingestion.submit(kb, "u-alice", "big.pdf", docs.pdf_file(["x " * 200_000]))
        out += ingestion.submit(kb, "u-alice", "records.zip", chinese)
        assert [d.name for d in out] == ["notes/good.pdf", "notes/broken.pdf", "notes/huge.txt", "notes/photo.png",
                                         "notes/inner.zip", "notes/readme.md", "notes/samples.csv", "big.pdf",
                                         "实验记录/第一周.txt"]
        return await settled(ingestion, kb)
    found = with_worker(ingestion, body)
    for name in ("notes/good.pdf", "notes/readme.md", "notes/samples.csv", "实验记录/第一周.txt"):
        assert found[name].status == "ready" and found[name].chunks >= 1, found[name]
    broken_doc = found["notes/broken.pdf"]
    assert (broken_doc.status, broken_doc.error_code) == ("failed", "corrupt")
    assert broken_doc.error.startswith("The PDF “broken.pdf” could not be read")
    assert broken_doc.error_zh.startswith("无法读取 PDF“broken.pdf”")
    for name in ("notes/huge.txt", "big.pdf"):
        assert (found[name].status, found[name].error_code) == ("failed", "too_large")
        assert "the limit is 195.3 KB" in found[name].error and "195.3 KB 的上限" in found[name].error_zh
    for name in ("notes/photo.png", "notes/inner.zip"):
        assert (found[name].status, found[name].error_code) == ("failed", "unsupported_type")
        assert found[name].error.startswith(f"“{name}” is not a supported document")
        assert f"不支持“{name}”" in found[name].error_zh
    assert found["notes/samples.csv"].kind == "csv"
    csv_text = live.store.cursor().execute("SELECT text FROM kb_chunks WHERE document_id = ?",
                                           [found["notes/samples.csv"].id]).fetchone()[0]
    assert "sample: A2; mass: 15" in csv_text
    with pytest.raises(Invalid) as caught:               # nothing was kept of a file refused at upload
        ingestion.retry(kb, found["notes/huge.txt"].id)
    assert caught.value.code == "upload_again"
    with pytest.raises(NotFound):
        ingestion.file(kb, found["notes/huge.txt"].id)


def test_an_identical_file_is_not_ingested_twice(world):
    kb, ingestion = make_kb(world.store), world.ingestion()
    data = docs.pdf_file(["Same content."])
    [first] = ingestion.submit(kb, "u-alice", "a.pdf", data)
    [second] = ingestion.submit(kb, "u-bob", "copy of a.pdf", data)
    assert first.status == "queued" and first.sha256 == hashlib.sha256(data).hexdigest()
    assert (second.status, second.error_code) == ("failed", "duplicate")
    assert second.error == ("“copy of a.pdf” is identical to “a.pdf”, which is already in this knowledge base; "
                            "it was not added again.")
    assert second.error_zh == "“copy of a.pdf”与本知识库中已有的“a.pdf”内容完全相同，未重复添加。"
    twice = ingestion.submit(kb, "u-alice", "both.zip", a_zip({"x.txt": b"twin", "y.txt": b"twin"}))
    assert [(d.name, d.status, d.error_code) for d in twice] == [("x.txt", "queued", None),
                                                                 ("y.txt", "failed", "duplicate")]
    other_kb = make_kb(world.store)                         # another KB may hold the same file
    assert ingestion.submit(other_kb, "u-alice", "a.pdf", data)[0].status == "queued"
    ingestion.delete_document(kb, first.id)                 # once the first is gone, the file may come again
    assert ingestion.submit(kb, "u-alice", "a.pdf", data)[0].status == "queued"


def test_queued_documents_cancel_at_once_retry_and_delete(world):
    kb, ingestion = make_kb(world.store), world.ingestion()
    [doc] = ingestion.submit(kb, "u-alice", "notes.md", b"# Notes\n\nSome notes.")
    assert ingestion.cancel(kb, doc.id).status == "cancelled"
    assert ingestion.retry(kb, doc.id).status == "queued"
    with pytest.raises(Invalid) as caught:
        ingestion.retry(kb, doc.id)
    assert caught.value.code == "not_retryable" and caught.value.field == "document"
    name, path = ingestion.file(kb, doc.id)
    assert name == "notes.md" and path.read_bytes() == b"# Notes\n\nSome notes."
    other = make_kb(world.store)
    for call in (lambda: ingestion.cancel(other, doc.id), lambda: ingestion.file(other, doc.id),
                 lambda: ingestion.delete_document(other, "no-such-id")):
        with pytest.raises(NotFound):                       # another KB's document is not found through this one
            call()
    ingestion.delete_document(kb, doc.id)
    assert ingestion.documents(kb) == [] and not path.exists()
    with pytest.raises(NotFound):
        ingestion.document(kb, doc.id)


def test_a_failing_embedding_model_fails_the_document_with_its_words(live):
    kb = make_kb(live.store, model="no-such-embedding-model")
    ingestion = live.ingestion()
    found = with_worker(ingestion, lambda: _submit_and_settle(ingestion, kb, "a.md", b"# A\n\nText to embed."))
    doc = found["a.md"]
    assert (doc.status, doc.error_code) == ("failed", "model"), doc                   # EmbeddingError's words
    assert (doc.error, doc.error_zh) == ("You may not use this model, or it no longer exists. Pick another model.",
                                         "你无权使用该模型，或该模型已不存在。请选择其他模型。")
    assert live.rows(doc.id) == [] and live.vectors.count(kb.id) == 0


async def _submit_and_settle(ingestion: Ingestion, kb: KnowledgeBase, name: str, data: bytes):
    ingestion.submit(kb, "u-alice", name, data)
    return await settled(ingestion, kb, timeout=60)


def test_a_chinese_document_is_chunked_at_sentence_ends_and_found_by_keywords(live):
    kb, ingestion = make_kb(live.store, chunk_tokens=100, overlap=20), live.ingestion()
    text = "第一章 总则\n" + "".join(f"第{i}条：实验室第{i}号规定必须严格遵守。" for i in range(1, 30)) + \
        "\n第二章 蜂箱\n主楼屋顶上的蜂箱今年共收获四十二公斤蜂蜜。"
    found = with_worker(ingestion, lambda: _submit_and_settle(ingestion, kb, "规定.txt", text.encode("gb18030")))
    doc = found["规定.txt"]
    assert doc.status == "ready" and doc.chunks >= 5
    texts = [r[0] for r in live.store.cursor().execute(
        "SELECT text FROM kb_chunks WHERE document_id = ? ORDER BY idx", [doc.id]).fetchall()]
    assert all(t.endswith("。") for t in texts) and all(r[5] <= 100 for r in live.rows(doc.id))
    best = live.keyword.query(kb.id, "屋顶蜂箱收获了多少蜂蜜", 1)[0][0]
    assert live.store.cursor().execute("SELECT heading FROM kb_chunks WHERE id = ?", [best]).fetchone()[0] == \
        "第二章 蜂箱"


def test_a_zip_bomb_is_capped(embedded_world):
    world = embedded_world
    ingestion = world.ingestion(max_bytes=1 * MB, max_archive_bytes=3 * MB)
    kb = make_kb(world.store)
    bomb = a_zip({"zeros.txt": bytes(50 * MB)})                      # ~50 KB packed, 50 MB unpacked
    [doc] = ingestion.submit(kb, "u-alice", "bomb.zip", bomb)
    assert len(bomb) < MB and (doc.name, doc.status, doc.error_code) == ("bomb.zip", "failed", "archive_too_large")
    assert "unpacks to more than 3 MB" in doc.error and "解压后超过 3 MB" in doc.error_zh
    many = a_zip({f"f{i}.txt": bytes(900 * 1024) for i in range(5)})  # each under the cap, together over it
    assert [d.error_code for d in ingestion.submit(kb, "u-alice", "many.zip", many)] == ["archive_too_large"]
    words = random.Random(3)                                          # text that packs ~7:1, as text does
    big = " ".join(words.choice(WORDS) for _ in range(280_000)).encode()
    one = a_zip({"big.txt": big, "small.txt": b"small"})                # one member over max_bytes fails alone
    assert [(d.name, d.status, d.error_code) for d in ingestion.submit(kb, "u-alice", "one.zip", one)] == [
        ("big.txt", "failed", "too_large"), ("small.txt", "queued", None)]
    damaged = ingestion.submit(kb, "u-alice", "damaged.zip", b"PK\x03\x04 not really a zip")
    assert [(d.name, d.error_code) for d in damaged] == [("damaged.zip", "corrupt")]
    assert "无法打开 zip 压缩包" in damaged[0].error_zh


def test_delete_and_drop_remove_files_rows_vectors_and_keywords(live):
    kb, ingestion = make_kb(live.store, chunk_tokens=100), live.ingestion()

    async def body():
        ingestion.submit(kb, "u-alice", "a.md", b"# Alpha\n\nThe alpha protocol uses cold buffers.")
        ingestion.submit(kb, "u-alice", "b.md", b"# Beta\n\nThe beta protocol uses warm buffers.")
        return await settled(ingestion, kb, timeout=60)
    found = with_worker(ingestion, body)
    a, b = found["a.md"], found["b.md"]
    assert live.vectors.count(kb.id) == 2 and live.keyword.query(kb.id, "alpha", 5)
    ingestion.delete_document(kb, a.id)
    assert live.rows(a.id) == [] and live.vectors.count(kb.id) == 1 and live.keyword.query(kb.id, "alpha", 5) == []
    assert not (live.tmp / "files" / kb.id / a.id).exists() and [d.name for d in ingestion.documents(kb)] == ["b.md"]
    ingestion.drop(kb.id)
    assert live.rows(b.id) == [] and live.vectors.count(kb.id) == 0 and live.keyword.query(kb.id, "beta", 5) == []
    assert ingestion.documents(kb) == [] and not (live.tmp / "files" / kb.id).exists()


def test_the_worker_sleeps_until_a_submit_wakes_it(live):
    kb, ingestion = make_kb(live.store), live.ingestion()

    async def body():
        await asyncio.sleep(0.3)                            # an idle worker: waiting on its event, not polling
        cpu = time.process_time()
        await asyncio.sleep(0.5)
        idle_cpu = time.process_time() - cpu
        started = time.monotonic()
        await asyncio.to_thread(ingestion.submit, kb, "u-alice", "late.md",   # as a UI handler does, from a thread
                                b"# Late\n\nSubmitted while the worker slept.")
        await until(lambda: ingestion.documents(kb)[0].status == "ready", 60, "the late document")
        return idle_cpu, time.monotonic() - started
    idle_cpu, latency = with_worker(ingestion, body)
    print(f"\nidle worker CPU over 0.5 s: {idle_cpu * 1000:.1f} ms; submit to ready: {latency:.2f} s")
    assert idle_cpu < 0.05
