"""Upgrading a store made by the old code: its text is put in normal form once, and KB chunks are re-embedded.

The old store is made the way the code before normal form made it: the schema of migrations 1-3 only, a chat
document attached by ``Attachments.add`` with the parser that did not normalise, KB chunk rows written with the
old keyword tokenizer (no normal form) and vectors in embedded Chroma embedded from the old text through the real
gateway (embedded USE v3). Then it is opened with the new code: the migrations rewrite the text, and
``KnowledgeService.start`` re-embeds the rewritten chunks with the uploader's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import datetime

import numpy as np
import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.fakes import docs
from tests.workbench.kb_world import MODEL, Directory
from workbench import attachments as attachments_module
from workbench import schema as store_module
from workbench.attachments import Attachments
from workbench.conversations import Conversations
from workbench.documents.parser import _read
from workbench.embeddings import embed
from workbench.errors import WorkbenchError
from workbench.kb import keyword as keyword_module
from workbench.kb.chunking import chunk_document, with_heading
from workbench.kb.keyword import terms_text
from workbench.kb.records import ChunkRecord, KnowledgeBase
from workbench.kb.service import KnowledgeService
from workbench.kb.vectors import VectorStore
from workbench.schema import MIGRATIONS, open_store
from workbench.store import store_path

RADICALS = "\u2f3f\u2fbc\u2ed4\u2f64\u2f3e\u2eda"


def client(gateway) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gateway.url + "/v1", api_key=MASTER_KEY, max_retries=0, timeout=300)


def old_parse(data: bytes, filename: str, *, max_bytes: int):
    """``parse`` as it was: the reader's text as extracted."""
    return _read(data, filename, max_bytes)


@contextlib.contextmanager
def later_columns(store):
    """The columns later migrations add to conversations and messages (MCP tools, migration 10), there only while
    today's ``Conversations`` writes the old rows: the store is left with the old tables' shape."""
    cur = store.cursor()
    cur.execute("ALTER TABLE conversations ADD COLUMN tools VARCHAR")
    cur.execute("ALTER TABLE messages ADD COLUMN steps VARCHAR")
    yield
    cur.execute("ALTER TABLE conversations DROP COLUMN tools")
    cur.execute("ALTER TABLE messages DROP COLUMN steps")


def make_old_store(path, gateway, monkeypatch, uploaders: tuple[str, str] = ("u-alice", "u-gone")) -> dict:
    """A store (``path``/workbench.duckdb) and Chroma directory (``path``/chroma) as the old code left them: a
    chat document, and two copies of the handbook in a KB, uploaded by ``uploaders``; the ids of what is in it."""
    pdf = docs.radical_pdf_file(docs.KANGXI_HANDBOOK)
    with monkeypatch.context() as old:
        old.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:3])
        old.setattr(attachments_module, "parse", old_parse)
        old.setattr(keyword_module, "normal_form", lambda text: text)
        store = open_store(store_path(path))
        conversations = Conversations(store)
        with later_columns(store):
            conv = conversations.create("alice")
            attachment = Attachments(store, conversations).add("alice", conv.id, "劳保.pdf", pdf, max_bytes=10**7)
        store.cursor().execute("INSERT INTO attachment_vectors VALUES (?, 0, ?, ?)",
                               [attachment.id, MODEL, np.ones(4, "<f4").tobytes()])
        store.cursor().execute("INSERT INTO attachment_summaries VALUES (?, ?, 'zh', '摘要', '[]', ?)",
                               [attachment.id, MODEL, datetime(2026, 1, 1)])
        now = datetime(2026, 1, 1)
        kb = KnowledgeBase(uuid.uuid4().hex, "team-1", "Handbook", "", MODEL, 300, 40, False, "u-alice", now, now)
        cur = store.cursor()
        cur.execute("INSERT INTO teams VALUES ('team-1', 'Safety office', '', NULL, 'u-alice', ?)", [now])
        cur.execute("INSERT INTO team_members VALUES ('team-1', 'u-alice', 'owner', NULL, ?)", [now])
        cur.execute("INSERT INTO knowledge_bases VALUES (?, 'team-1', 'Handbook', '', ?, 300, 40, FALSE, 'u-alice', "
                    "?, ?)", [kb.id, MODEL, now, now])
        documents = {}
        for name, uploader in zip(("劳保.pdf", "gone.pdf"), uploaders, strict=True):
            doc_id = uuid.uuid4().hex
            chunks = chunk_document(old_parse(pdf, name, max_bytes=10**7), chunk_tokens=300, overlap_tokens=40)
            cur.execute("INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, pages, chunks, status, "
                        "uploaded_by, created_at, updated_at) VALUES (?, ?, ?, 'pdf', ?, ?, 3, ?, 'ready', ?, ?, ?)",
                        [doc_id, kb.id, name, uuid.uuid4().hex, len(pdf), len(chunks), uploader, now, now])
            cur.executemany("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, first_page, last_page, "
                            "heading, tokens, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(f"{doc_id}-{i}", kb.id, doc_id, i, c.text, c.first_page, c.last_page, c.heading,
                              c.tokens, terms_text(c.context)) for i, c in enumerate(chunks)])
            records = [ChunkRecord(f"{doc_id}-{i}", kb.id, doc_id, i, c.text, c.first_page, c.last_page, c.heading,
                                   c.tokens) for i, c in enumerate(chunks)]
            vectors = VectorStore.persistent(path / "chroma")
            rows = run(embed(client(gateway), MODEL, [c.context for c in chunks]))
            vectors.add(kb, records, rows)
            vectors.close()
            documents[name] = doc_id
        assert "\u2f3f" in cur.execute("SELECT text FROM kb_chunks WHERE idx = 1").fetchone()[0]
        assert max(v for (v,) in cur.execute("SELECT version FROM schema_version").fetchall()) == 3
        store.close()
    return {"kb": kb, "attachment": attachment.id, "conversation": conv.id, "documents": documents}


def stored_vector(service: KnowledgeService, kb_id: str, chunk_id: str) -> np.ndarray:
    found = service.vectors._collection(kb_id).get(ids=[chunk_id], include=["embeddings"])
    return np.asarray(found["embeddings"][0], dtype=np.float32)


def test_an_old_store_is_rewritten_once_and_its_chunks_re_embedded(embedded_gateway, tmp_path, monkeypatch, caplog):
    old = make_old_store(tmp_path, embedded_gateway, monkeypatch)
    kb, doc_id, gone_id = old["kb"], old["documents"]["劳保.pdf"], old["documents"]["gone.pdf"]

    caplog.set_level(logging.INFO, logger="maas.workbench.upgrade")
    store = open_store(store_path(tmp_path))                                 # the new code opens it
    cur = store.cursor()
    assert max(v for (v,) in cur.execute("SELECT version FROM schema_version").fetchall()) == len(MIGRATIONS)
    progress = [r.getMessage() for r in caplog.records if r.name == "maas.workbench.upgrade"]
    assert "normal-form upgrade: knowledge-base chunks 6 / 6 read, 4 rewritten" in progress, progress
    assert "normal-form upgrade: chat documents 1 / 1 read, 1 rewritten" in progress, progress

    # KB chunks: text, heading, terms and tokens rewritten in place; the changed ones listed for new vectors
    rows = cur.execute("SELECT id, text, heading, terms FROM kb_chunks ORDER BY document_id, idx").fetchall()
    assert not any(ch in text for _, text, _, _ in rows for ch in RADICALS)
    assert all(terms == terms_text(with_heading(heading, text)) for _, text, heading, terms in rows)
    listed = {r[0] for r in cur.execute("SELECT chunk_id FROM kb_vector_updates").fetchall()}
    assert listed == {f"{doc_id}-1", f"{doc_id}-2", f"{gone_id}-1", f"{gone_id}-2"}      # page 1 had no radical

    # the chat document: pages and chunks rewritten, the counts with them, the stale vectors dropped
    attachments = Attachments(store, Conversations(store))
    attachment = attachments.get("alice", old["attachment"])
    assert [p.text for p in attachments.pages(attachment)] == docs.KANGXI_HANDBOOK_READ
    assert "可凭旧手套到安全部门更换" in "".join(p.text for p in attachments.passages(attachment))
    assert attachment.chars == len("\n\n".join(docs.KANGXI_HANDBOOK_READ)) and attachment.chunks == 1
    assert attachments.vectors(attachment, MODEL) == {}
    assert attachments.cached_summary(attachment, MODEL, "zh") == ("摘要", [])

    def client_for(user_id: str) -> openai.AsyncOpenAI:
        if user_id == "u-gone":
            raise WorkbenchError("chat.key", code="no_key")         # the uploader has no key any more
        return client(embedded_gateway)

    service = KnowledgeService.open(store, Directory("alice"), data_dir=tmp_path, client_for=client_for,
                                    embedding_models=lambda: [MODEL], max_bytes=10**7, rerank_model=None)
    old_vector = stored_vector(service, kb.id, f"{doc_id}-1")

    async def started():
        await service.start()
        try:
            deadline = time.monotonic() + 120
            while not service._refreshing.done():
                assert time.monotonic() < deadline, "the chunks were not re-embedded"
                await asyncio.sleep(0.05)
            filtered = service.chunks("u-alice", kb.id, doc_id, query="手套")
            keyword = service.keyword.query(kb.id, "手套", 5)
            hits = await service.search("u-alice", [kb.id], "防冻手套每人发几副？", 3)
            new_context = cur.execute("SELECT heading, text FROM kb_chunks WHERE id = ?", [f"{doc_id}-1"]).fetchone()
            fresh = (await embed(client(embedded_gateway), MODEL, [with_heading(*new_context)]))[0]
            return filtered, keyword, hits, fresh, stored_vector(service, kb.id, f"{doc_id}-1")
        finally:
            await service.stop()

    filtered, keyword, hits, fresh, new_vector = run(started())
    print(f"cosine with the new text's embedding: stored {new_vector @ fresh:.4f}, "
          f"before the upgrade {old_vector @ fresh:.4f}")
    assert filtered.total == 1 and "防冻手套两副" in filtered.chunks[0].text
    assert {chunk_id for chunk_id, _ in keyword} == {f"{doc_id}-1", f"{gone_id}-1"}
    assert hits[0].chunk.text == filtered.chunks[0].text
    assert float(new_vector @ fresh) > 0.999 > float(old_vector @ fresh), (new_vector @ fresh, old_vector @ fresh)
    still = {r[0] for r in cur.execute("SELECT chunk_id FROM kb_vector_updates").fetchall()}
    assert still == {f"{gone_id}-1", f"{gone_id}-2"}                   # its uploader has no key: tried again later
    progress = [r.getMessage() for r in caplog.records if r.name == "maas.workbench.upgrade"]
    assert "normal-form upgrade: 2 / 4 chunk(s) re-embedded; the rest at the next start" in progress, progress
    refused = "keeps its old vectors for now (Your workbench key is no longer valid. Sign out and sign in again.)"
    assert any(refused in m for m in progress)
    store.close()

    caplog.clear()
    again = open_store(store_path(tmp_path))                                 # once: nothing is read again
    assert not [r for r in caplog.records if r.name == "maas.workbench.upgrade"]
    again.close()


@pytest.mark.parametrize("broken", ["attachments", "kb_chunks"])
def test_a_failing_rewrite_leaves_the_store_as_it_was(tmp_path, monkeypatch, broken):
    """The step runs in the migration's transaction: if it fails, nothing of it stays and the next start runs it."""
    with monkeypatch.context() as old:
        old.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:3])
        old.setattr(attachments_module, "parse", old_parse)
        store = open_store(store_path(tmp_path))
        conversations = Conversations(store)
        with later_columns(store):
            conv = conversations.create("alice")
            Attachments(store, conversations).add("alice", conv.id, "a.pdf", docs.radical_pdf_file(["防冻\u2f3f套"]),
                                                  max_bytes=10**7)
        store.close()

    import workbench.text_upgrade as upgrade

    def fail(cur, done):
        raise RuntimeError("disk full")
    monkeypatch.setattr(upgrade, "_attachments" if broken == "attachments" else "_kb_chunks", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        open_store(store_path(tmp_path))
    monkeypatch.undo()
    store = open_store(store_path(tmp_path))
    assert store.cursor().execute("SELECT text FROM attachment_pages").fetchone()[0] == "防冻手套"
    assert max(v for (v,) in store.cursor().execute("SELECT version FROM schema_version").fetchall()) == len(MIGRATIONS)
    store.close()


def test_launch_upgrades_an_old_data_dir_and_re_embeds_in_the_background(embedded_gateway, shared_models, tmp_path,
                                                                           monkeypatch):
    """The real ``python launch.py`` on an old data dir: the rewrite runs as it opens the store, the re-embedding
    after the server answers, with the uploader's workbench key; both logged."""
    from tests.app.conftest import opened_gateway
    from tests.conftest import GatewayProcess, seeded_data_dir

    data = seeded_data_dir(tmp_path / "data", shared_models)
    accounts = opened_gateway(data)
    alice = accounts.accounts.create_user("alice", "Alice-pass-2026").id
    accounts.store.close()
    old = make_old_store(data, embedded_gateway, monkeypatch, uploaders=(alice, alice))
    gateway = GatewayProcess(data).start(timeout=180)
    try:
        deadline = time.monotonic() + 120
        while "normal-form upgrade: 4 / 4 chunk(s) re-embedded" not in gateway.output():
            assert time.monotonic() < deadline and gateway.proc.poll() is None, gateway.output()[-3000:]
            time.sleep(0.2)
    finally:
        gateway.stop()
    log = gateway.output()
    assert "normal-form upgrade: knowledge-base chunks 6 / 6 read, 4 rewritten" in log
    assert "normal-form upgrade: chat documents 1 / 1 read, 1 rewritten" in log
    store = open_store(store_path(data))
    try:
        assert store.cursor().execute("SELECT count(*) FROM kb_vector_updates").fetchone()[0] == 0
        texts = [t for (t,) in store.cursor().execute("SELECT text FROM kb_chunks WHERE kb_id = ?",
                                                      [old["kb"].id]).fetchall()]
        assert sum("防冻手套两副" in t for t in texts) == 2 and not any(c in t for t in texts for c in RADICALS)
    finally:
        store.close()
