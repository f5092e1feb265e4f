"""Search finds what the reader sees. A real PDF whose text layer holds radicals ("防冻⼿套", tests.fakes.docs
``radical_pdf_file``: fpdf2 with Noto Sans CJK SC embedded), put in a knowledge base and attached to a chat, is
found by "手套" — and by "⼿套" typed the other way — in the chunk filter, the keyword index (BM25), hybrid
retrieval and the chat documents' passage search.

Real parts: the real gateway process with the embedded USE v3 embedder (``embedded_gateway``), DuckDB, embedded
Chroma, jieba; the KB through ``KnowledgeService`` with its ingestion worker running.
"""

from __future__ import annotations

import asyncio
import time

import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.fakes import docs
from tests.workbench.kb_world import MODEL, Directory
from workbench.attachments import Attachments
from workbench.conversations import Conversations
from workbench.kb.service import KnowledgeService
from workbench.retrieval import Retriever
from workbench.schema import open_store
from workbench.store import store_path

# pages of inspection records around the handbook's pages, so a question gets excerpts, not the whole document (few
# distinct characters: pypdf misreads fpdf2's embedded encoding CMap for a font subset of more than 255 glyphs)
FILLER = [f"附录{n}\n第{n}号设备巡检记录：设备运行正常，巡检人员已签字确认，下次巡检在一个月后进行。"
          for n in range(1, 17)]


def client(gateway) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gateway.url + "/v1", api_key=MASTER_KEY, max_retries=0, timeout=300)


@pytest.fixture()
def store(tmp_path):
    s = open_store(store_path(tmp_path / "wb"))
    yield s
    s.close()


def test_a_knowledge_base_finds_the_gloves_by_filter_keywords_and_retrieval(embedded_gateway, store, tmp_path):
    service = KnowledgeService.open(store, Directory("alice"), data_dir=tmp_path / "data",
                                    client_for=lambda user_id: client(embedded_gateway),
                                    embedding_models=lambda: [MODEL], max_bytes=10**7, rerank_model=None)
    team = service.teams.create("u-alice", "Safety office")
    kb = service.bases.create("u-alice", team.id, "Handbook", "", MODEL)
    pdf = docs.radical_pdf_file(docs.KANGXI_HANDBOOK)

    async def go():
        await service.start()
        try:
            (doc,) = service.upload("u-alice", kb.id, [("劳保用品发放规定.pdf", pdf)])
            deadline = time.monotonic() + 180
            while service.document("u-alice", kb.id, doc.id).status not in ("ready", "failed"):
                assert time.monotonic() < deadline, "the document did not become ready"
                await asyncio.sleep(0.05)
            done = service.document("u-alice", kb.id, doc.id)
            assert done.status == "ready", (done.error_code, done.error)
            filtered = {q: service.chunks("u-alice", kb.id, doc.id, query=q) for q in ("手套", "\u2f3f套", "部门")}
            by_keyword = {q: service.keyword.query(kb.id, q, 3) for q in ("手套", "\u2f3f套", "用户须知")}
            hits = await service.search("u-alice", [kb.id], "防冻手套每人发几副？", 3)
            return filtered, by_keyword, hits
        finally:
            await service.stop()

    filtered, by_keyword, hits = run(go())
    for query, page in filtered.items():
        assert page.total == 1 if query != "部门" else page.total == 2, (query, page)
    gloves = filtered["手套"].chunks[0]
    assert "冬季户外作业人员每人发放防冻手套两副、高筒雨靴一双。" in gloves.text and gloves.first_page == 2
    assert filtered["\u2f3f套"].query == "手套"                          # the filter shown (and marked) as searched
    assert by_keyword["手套"][0][0] == by_keyword["\u2f3f套"][0][0] == gloves.id
    assert "用户须知见第 2 页" in store.cursor().execute("SELECT text FROM kb_chunks WHERE id = ?",
                                                      [by_keyword["用户须知"][0][0]]).fetchone()[0]
    assert hits[0].chunk.id == gloves.id and hits[0].scores.get("keyword"), hits


def test_the_chat_documents_passage_search_finds_the_gloves(embedded_gateway, store):
    conversations = Conversations(store)
    attachments = Attachments(store, conversations)
    conv = conversations.create("alice")
    pdf = docs.radical_pdf_file(FILLER[:8] + docs.KANGXI_HANDBOOK + FILLER[8:])     # the gloves: page 10
    doc = attachments.add("alice", conv.id, "巡检记录与劳保规定.pdf", pdf, max_bytes=10**7)
    assert doc.pages == 19 and doc.language == "zh" and doc.tokens > 700         # more than the budget below
    stored = "\n".join(p.text for p in attachments.passages(doc))
    assert "可凭旧手套到安全部门更换" in stored and "\u2f3f" not in stored

    async def ask(question: str):
        async with client(embedded_gateway) as c:
            retriever = Retriever(attachments, c, MODEL)
            found = await retriever.context("alice", conv.id, question, budget_tokens=600)
            print(f"{question!r}: best passages {retriever.last_scores[:3]}")
            return found
    for question in ("旧手套破损了到哪里更换？", "旧\u2f3f套破损了到哪里更换？"):
        found = run(ask(question))
        assert found.mode == "excerpts" and 10 in found.included[0].pages, found.included
        assert len(found.included[0].pages) < 19
        assert "手套破损的，可凭旧手套到安全部门更换。" in found.blocks[0].text, found.blocks[0].text
