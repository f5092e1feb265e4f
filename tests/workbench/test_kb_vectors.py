"""The KB vector store on real Chroma, both ways: embedded (PersistentClient in tmp) and a ``chroma run`` server on
loopback. Chroma never embeds text itself (proved offline under the network guard)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import uuid
from datetime import datetime

import numpy as np
import pytest

from tests.conftest import ROOT, free_port
from tests.workbench.chroma_server import chroma_server  # noqa: F401  (the fixture)
from workbench.kb.errors import Invalid, KBError
from workbench.kb.records import ChunkRecord, KnowledgeBase
from workbench.kb.vectors import VectorStore, collection_name

DIM = 16


def make_kb(kb_id: str | None = None, model: str = "use-multilingual:v3") -> KnowledgeBase:
    now = datetime(2026, 1, 1)
    return KnowledgeBase(id=kb_id or uuid.uuid4().hex, team_id="t1", name="Lab notes", description="",
                         embedding_model=model, chunk_tokens=300, chunk_overlap=30, public=False, created_by="u1",
                         created_at=now, updated_at=now)


def chunks_of(kb: KnowledgeBase, document_id: str, n: int, first_page: int | None = 1) -> list[ChunkRecord]:
    return [ChunkRecord(id=f"{document_id}-{i}", kb_id=kb.id, document_id=document_id, idx=i, text=f"chunk {i}",
                        first_page=None if first_page is None else first_page + i,
                        last_page=None if first_page is None else first_page + i) for i in range(n)]


def unit_rows(n: int, seed: int, dim: int = DIM) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(params=["persistent", "server"])
def open_vectors(request, tmp_path):
    """``open_vectors()`` -> a VectorStore (embedded in tmp, or a client of the session's ``chroma run`` server:
    each test has KBs of its own); each call opens a new client on the same data; ``open_vectors.restart()``
    restarts the server process on its data (nothing for the embedded store)."""
    opened: list[VectorStore] = []
    server = request.getfixturevalue("chroma_server") if request.param == "server" else None

    def open_() -> VectorStore:
        store = (VectorStore.persistent(tmp_path / "chroma") if server is None else VectorStore.remote(server.url))
        opened.append(store)
        return store

    def restart() -> None:
        if server is not None:
            server.stop()
            server.start()

    open_.restart = restart
    open_.kind = request.param
    yield open_
    for store in opened:
        store.close()


def test_add_then_query_gives_cosine_similarity_best_first(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    rows = unit_rows(20, seed=1)
    vectors.add(kb, chunks_of(kb, "doc1", 20), rows)
    assert vectors.count(kb.id) == 20
    query = rows[3] + 0.1 * rows[7]
    query /= np.linalg.norm(query)
    found = vectors.query(kb, query, 5)
    expected = np.argsort(-(rows @ query))[:5]
    assert [cid for cid, _ in found] == [f"doc1-{i}" for i in expected]
    assert [s for _, s in found] == pytest.approx((rows @ query)[expected].tolist(), abs=1e-4)
    assert found[0][0] == "doc1-3" and found[0][1] > found[1][1]
    assert len(vectors.query(kb, query, 50)) == 20                # k larger than the KB: all of it
    assert vectors.query(kb, query, 0) == []


def test_kbs_do_not_see_each_others_vectors(open_vectors):
    vectors, a, b = open_vectors(), make_kb(), make_kb()
    rows = unit_rows(6, seed=2)
    vectors.add(a, chunks_of(a, "docA", 3), rows[:3])
    vectors.add(b, chunks_of(b, "docB", 3), rows[3:])
    assert {cid for cid, _ in vectors.query(a, rows[4], 10)} == {"docA-0", "docA-1", "docA-2"}
    assert {cid for cid, _ in vectors.query(b, rows[0], 10)} == {"docB-0", "docB-1", "docB-2"}
    assert vectors.query(make_kb(), rows[0], 10) == [] and vectors.count("no-such-kb") == 0


def test_delete_document_removes_only_its_vectors(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    rows = unit_rows(10, seed=3)
    vectors.add(kb, chunks_of(kb, "keep", 4), rows[:4])
    vectors.add(kb, chunks_of(kb, "gone", 6, first_page=None), rows[4:])
    vectors.delete_document(kb.id, "gone")
    assert vectors.count(kb.id) == 4
    assert {cid for cid, _ in vectors.query(kb, rows[5], 10)} == {f"keep-{i}" for i in range(4)}
    vectors.delete_document(kb.id, "gone")                          # again: nothing left, no error
    vectors.delete_document("no-such-kb", "gone")
    assert vectors.count(kb.id) == 4


def test_adding_a_chunk_again_replaces_its_vector(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    rows = unit_rows(4, seed=4)
    chunks = chunks_of(kb, "doc", 2)
    vectors.add(kb, chunks, rows[:2])
    vectors.add(kb, chunks, rows[2:])                               # a retried ingestion
    assert vectors.count(kb.id) == 2
    assert vectors.query(kb, rows[3], 1)[0] == ("doc-1", pytest.approx(1.0, abs=1e-4))


def test_drop_removes_the_kb_and_a_new_add_starts_over(open_vectors):
    vectors, kb, other = open_vectors(), make_kb(), make_kb()
    rows = unit_rows(5, seed=5)
    vectors.add(kb, chunks_of(kb, "doc", 5), rows)
    vectors.add(other, chunks_of(other, "doc", 1), rows[:1])
    vectors.drop(kb.id)
    assert vectors.count(kb.id) == 0 and vectors.query(kb, rows[0], 3) == []
    assert vectors.count(other.id) == 1
    vectors.drop(kb.id)                                             # dropping what is gone is fine
    vectors.add(kb, chunks_of(kb, "new", 1), rows[1:2])
    assert vectors.query(kb, rows[1], 3) == [("new-0", pytest.approx(1.0, abs=1e-4))]


def test_a_kb_dropped_by_another_worker_is_recreated_on_the_next_add(open_vectors):
    mine, theirs, kb = open_vectors(), open_vectors(), make_kb()
    rows = unit_rows(3, seed=11)
    mine.add(kb, chunks_of(kb, "old", 1), rows[:1])
    assert mine.count(kb.id) == 1                                   # its handle is cached now
    theirs.drop(kb.id)
    mine.add(kb, chunks_of(kb, "new", 2), rows[1:])                  # through its stale handle first
    assert theirs.count(kb.id) == 2 and mine.query(kb, rows[2], 1)[0][0] == "new-1"
    theirs.drop(kb.id)
    assert mine.count(kb.id) == 0 and mine.query(kb, rows[0], 3) == []


def test_vectors_persist_across_reopen(open_vectors):
    first, kb = open_vectors(), make_kb()
    rows = unit_rows(8, seed=6)
    first.add(kb, chunks_of(kb, "doc", 8), rows)
    first.delete_document(kb.id, "nothing")
    first.close()
    open_vectors.restart()                                          # the server process itself, for "server"
    again = open_vectors()
    assert again.count(kb.id) == 8
    assert again.query(kb, rows[6], 1)[0] == ("doc-6", pytest.approx(1.0, abs=1e-4))
    again.delete_document(kb.id, "doc")
    assert again.count(kb.id) == 0


def test_more_chunks_than_one_chroma_batch(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    n = vectors._client.get_max_batch_size() + 50
    rows = unit_rows(n, seed=7, dim=4)
    vectors.add(kb, chunks_of(kb, "big", n), rows)
    assert vectors.count(kb.id) == n
    assert vectors.query(kb, rows[n - 1], 1)[0][0] == f"big-{n - 1}"


def test_ingestion_adds_from_a_thread_while_queries_run(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    rows = unit_rows(400, seed=8)
    vectors.add(kb, chunks_of(kb, "seed", 1), rows[:1])
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            for at in range(1, 400, 21):
                part = rows[at: at + 21]
                vectors.add(kb, chunks_of(kb, f"doc{at}", len(part)), part)
        except BaseException as exc:                                # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=ingest)
    worker.start()
    queries = 0
    while worker.is_alive() or queries < 20:
        found = vectors.query(kb, rows[0], 5)
        assert found[0][0] == "seed-0"
        queries += 1
    worker.join()
    assert errors == [] and vectors.count(kb.id) == 400


def test_bad_vectors_are_refused_naming_the_field(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    with pytest.raises(Invalid) as exc:
        vectors.add(kb, chunks_of(kb, "doc", 3), unit_rows(2, seed=9))
    assert exc.value.field == "vectors" and exc.value.text("zh")
    vectors.add(kb, chunks_of(kb, "doc", 2), unit_rows(2, seed=9))
    with pytest.raises(KBError) as exc:                             # another dimension in the same KB
        vectors.add(kb, chunks_of(kb, "other", 1), unit_rows(1, seed=9, dim=DIM * 2))
    assert exc.value.code == "vector_dimension" and "embedding model" in exc.value.message and exc.value.text("zh")
    assert vectors.count(kb.id) == 2


def test_chroma_is_never_asked_to_embed(open_vectors):
    vectors, kb = open_vectors(), make_kb()
    vectors.add(kb, chunks_of(kb, "doc", 1), unit_rows(1, seed=10))
    collection = vectors._collection(kb.id)
    for call in (lambda: collection.add(ids=["x"], documents=["embed me"]),
                 lambda: collection.query(query_texts=["embed me"], n_results=1)):
        with pytest.raises(KBError) as exc:
            call()
        assert exc.value.code == "embedding_refused"
    assert collection.configuration_json["embedding_function"]["name"] == "maas-workbench-given"
    assert collection.configuration_json["hnsw"]["space"] == "cosine"


def test_collection_names_follow_chromas_rules():
    assert collection_name("0123456789abcdef0123456789abcdef") == "kb-0123456789abcdef0123456789abcdef"
    for odd in ("a b", "ü", "x" * 600, "-x", "a..b", ""):
        name = collection_name(odd)
        assert name.startswith("kb-h") and len(name) == 68 and name.isascii() and name.replace("-", "").isalnum()
    assert collection_name("a b") != collection_name("a_b")


def test_a_server_url_is_checked_and_an_absent_server_is_said_plainly():
    for bad in ("chroma:8000", "ftp://host:1", "http://host:port", "http://host:8000/api/v2"):
        with pytest.raises(Invalid) as exc:
            VectorStore.remote(bad)
        assert exc.value.field == "url" and "http://chroma-host:8000" in exc.value.message and exc.value.text("zh")
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(KBError) as exc:
        VectorStore.remote(url)
    assert exc.value.code == "vectors_unavailable" and "cannot be reached" in exc.value.message and exc.value.text("zh")
    assert "Traceback" not in exc.value.message and "tenant" not in exc.value.message   # no Chroma internals


OFFLINE_SCRIPT = """
import numpy as np, sys, uuid
from datetime import datetime
from pathlib import Path
from workbench.kb.errors import KBError
from workbench.kb.records import ChunkRecord, KnowledgeBase
from workbench.kb.vectors import VectorStore

now = datetime(2026, 1, 1)
kb = KnowledgeBase(id=uuid.uuid4().hex, team_id="t", name="n", description="", embedding_model="m",
                   chunk_tokens=300, chunk_overlap=0, public=False, created_by="u", created_at=now, updated_at=now)
store = VectorStore.persistent(Path(sys.argv[1])) if sys.argv[2] == "-" else VectorStore.remote(sys.argv[2])
rows = np.eye(4, dtype=np.float32)
store.add(kb, [ChunkRecord(f"c{i}", kb.id, "d", i, "t", 1, 1) for i in range(4)], rows)
assert store.query(kb, rows[2], 1)[0][0] == "c2"
collection = store._collection(kb.id)
try:
    collection.add(ids=["x"], documents=["embed this, Chroma"])
except KBError as exc:
    print("refused", exc.code)
store.delete_document(kb.id, "d")
store.drop(kb.id)
store.close()
"""


@pytest.mark.parametrize("kind", ["persistent", "server"])
def test_offline_nothing_leaves_loopback_and_no_model_is_fetched(tmp_path, kind, chroma_server):  # noqa: F811
    """Under the network guard (tests/netguard) with an empty HOME: the store works, Chroma's embedding is
    refused, no connection leaves loopback and no model cache appears."""
    log, home = tmp_path / "outbound.log", tmp_path / "home"
    home.mkdir()
    env = {"PYTHONPATH": f"{ROOT / 'tests' / 'netguard'}:{ROOT}", "MAAS_NETGUARD_LOG": str(log), "HOME": str(home),
           "PATH": "/usr/bin:/bin"}
    where = "-" if kind == "persistent" else chroma_server.url
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(OFFLINE_SCRIPT), str(tmp_path / "chroma"), where],
                         capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "refused embedding_refused"
    assert not log.exists() or log.read_text() == "", log.read_text()
    assert list(home.rglob("*")) == []                              # no ~/.cache/chroma/onnx_models, nothing
