"""Keyword search per KB: jieba/English tokens, BM25 over ``kb_chunks.terms`` in a real DuckDB file, kept up to date
by add/delete without a rebuild, and scoring exactly the same after a restart rebuilds it from the database."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from collections import Counter

import pytest

from tests.conftest import ROOT
from tests.workbench.kb_world import put_chunks
from workbench.kb import keyword
from workbench.kb.keyword import KeywordIndex, tokenize
from workbench.schema import open_store
from workbench.store import store_path

QUANTUM = "量子纠缠是量子力学中的一种现象。1997年，潘建伟等人在实验中首次实现了量子隐形传态，验证了量子纠缠的非局域性。"
FILLER_ZH = ["长江是中国最长的河流，全长约六千三百公里，流经十一个省级行政区。",
             "唐诗是中国古典诗歌的高峰，李白和杜甫是其中最著名的诗人。",
             "熊猫主要生活在四川的山区，以竹子为主要食物。",
             "北京大学成立于一八九八年，是中国近代第一所国立综合性大学。",
             "光合作用是植物利用光能把二氧化碳和水转化为有机物的过程。",
             "人工智能的研究包括机器学习、自然语言处理和计算机视觉。",
             "茶叶起源于中国，绿茶、红茶和乌龙茶各有不同的制作工艺。",
             "量子计算机利用量子比特进行计算，有望解决某些经典计算机难以处理的问题。"]
FILLER_EN = ["The river delta floods every spring and farmers plant rice after the water recedes.",
             "Our institute's beehives produced 42 kilograms of honey sold at the winter fair.",
             "The cluster scheduler was reconfigured and queue waiting times fell to two hours.",
             "Students studied statistical programming for biologists in the graduate course.",
             "A recyclable polymer for food packaging degrades in industrial compost within eight weeks."]


def delete_rows(store, document_id: str) -> None:
    with store.transaction() as cur:
        cur.execute("DELETE FROM kb_chunks WHERE document_id = ?", [document_id])


@pytest.fixture()
def store(tmp_path):
    s = open_store(store_path(tmp_path / "data"))
    yield s
    s.close()


def text_of(store, chunk_id: str) -> str:
    return store.cursor().execute("SELECT text FROM kb_chunks WHERE id = ?", [chunk_id]).fetchone()[0]


# -- tokens ----------------------------------------------------------------------------------------------------------
def test_chinese_is_cut_into_words_with_stop_words_out():
    assert tokenize("量子纠缠的实验") == ["量子", "纠缠", "实验"]
    assert tokenize("请问什么是机器学习？") == ["机器", "学习"]
    assert {"量子", "力学", "量子力学"} <= set(tokenize("量子力学"))     # search mode: the long word and its parts
    assert tokenize("的了吗") == []


def test_english_words_are_lower_case_with_plurals_folded_and_numbers_kept():
    assert tokenize("The Studies of Boxes and Classes: 42 results in 2024!") == \
        ["study", "box", "class", "42", "result", "2024"]
    assert tokenize("GPT-4模型 v2.5") == ["gpt", "4", "模型", "v2", "5"]
    assert tokenize("a I x") == [] and tokenize("") == [] and tokenize("   ,。！") == []


def test_jieba_loads_quietly_from_its_package():
    code = ("import logging; logging.basicConfig(level=logging.DEBUG)\n"
            "from workbench.kb.keyword import tokenize\nprint(tokenize('量子纠缠的实验'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['量子', '纠缠', '实验']"
    assert "prefix dict" not in run.stderr and "jieba" not in run.stderr.lower()


# -- search ----------------------------------------------------------------------------------------------------------
def test_a_chinese_query_finds_its_chunk_among_many(store):
    kb = "kb-zh"
    put_chunks(store, kb, "filler", [f"{t}第{i}段。" for i in range(30) for t in FILLER_ZH] + FILLER_EN * 5)
    target = put_chunks(store, kb, "physics", [QUANTUM])[0]
    index = KeywordIndex(store)
    found = index.query(kb, "量子纠缠的实验", 5)
    assert found[0][0] == target.id and found[0][1] > 0
    assert found[0][1] > 2 * (found[1][1] if len(found) > 1 else 0)
    assert index.query(kb, "潘建伟", 3)[0][0] == target.id
    assert index.query(kb, "区块链", 3) == [] and index.query(kb, "的", 3) == []


def test_an_english_query_finds_its_chunk(store):
    kb = "kb-en"
    chunks = put_chunks(store, kb, "doc", FILLER_EN + FILLER_ZH)
    index = KeywordIndex(store)
    found = index.query(kb, "How much honey did the beehive produce?", 3)
    assert found[0][0] == chunks[1].id
    assert index.query(kb, "what was studied by biologists", 1)[0][0] == chunks[3].id


def test_scores_are_okapi_bm25(store):
    kb = "kb-bm25"
    texts = ["apple banana apple", "banana cherry", "cherry cherry cherry date", "apple"]
    chunks = put_chunks(store, kb, "doc", texts)
    docs = [Counter(t.split()) for t in texts]
    avgdl = sum(sum(d.values()) for d in docs) / len(docs)

    def bm25(query: list[str], d: Counter) -> float:
        total = 0.0
        for term in query:
            df = sum(1 for x in docs if term in x)
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf = d[term]
            total += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * sum(d.values()) / avgdl))
        return total

    found = dict(KeywordIndex(store).query(kb, "apple cherry", 10))
    expected = {c.id: bm25(["apple", "cherry"], d) for c, d in zip(chunks, docs, strict=True)}
    assert found == pytest.approx({cid: s for cid, s in expected.items() if s > 0}, rel=1e-9)


def test_kbs_are_separate_and_drop_forgets_one(store):
    index = KeywordIndex(store)
    a = put_chunks(store, "kb-a", "d1", ["solar panels on the roof"])[0]
    put_chunks(store, "kb-b", "d2", ["wind turbines offshore"])
    assert [cid for cid, _ in index.query("kb-a", "solar turbines", 5)] == [a.id]
    assert index.query("kb-b", "solar", 5) == []
    index.drop("kb-a")
    assert not index.loaded("kb-a") and index.loaded("kb-b")
    assert [cid for cid, _ in index.query("kb-a", "solar", 5)] == [a.id]     # the rows are still there: rebuilt


# -- kept up to date -------------------------------------------------------------------------------------------------
def test_new_chunks_are_added_without_a_rebuild(store):
    kb, index = "kb-inc", KeywordIndex(store)
    put_chunks(store, kb, "old", FILLER_EN)
    assert index.query(kb, "quantum", 5) == [] and index.loaded(kb)
    built = index._indexes[kb]
    new = put_chunks(store, kb, "new", ["Quantum entanglement was tested with photons.", QUANTUM])
    assert index.query(kb, "quantum entanglement", 5) == []             # rows alone are not indexed yet
    index.add(kb, new)
    index.add(kb, new)                                                   # again: no duplicates
    assert index._indexes[kb] is built                                  # the same index, grown
    found = index.query(kb, "quantum entanglement", 5)
    assert [cid for cid, _ in found] == [new[0].id]
    assert index.query(kb, "量子纠缠", 5)[0][0] == new[1].id
    assert len(built.ids) == len(FILLER_EN) + 2


def test_adding_to_an_index_not_yet_loaded_is_read_from_the_database(store):
    kb, index = "kb-lazy", KeywordIndex(store)
    new = put_chunks(store, kb, "doc", ["Glaciers retreat in the Alps."])
    index.add(kb, new)
    assert not index.loaded(kb)
    assert index.query(kb, "glacier", 3)[0][0] == new[0].id


def test_chunks_without_terms_are_tokenized_from_their_text(store):
    kb = "kb-noterms"
    chunk = put_chunks(store, kb, "doc", ["量子纠缠的实验记录"], with_terms=False)[0]
    assert KeywordIndex(store).query(kb, "纠缠实验", 3)[0][0] == chunk.id


def test_deleting_a_document_removes_its_chunks(store):
    kb, index = "kb-del", KeywordIndex(store)
    keep = put_chunks(store, kb, "keep", ["honey from rooftop beehives"])
    gone = put_chunks(store, kb, "gone", ["honey cake recipe", "more honey"])
    assert {cid for cid, _ in index.query(kb, "honey", 5)} == {c.id for c in keep + gone}
    delete_rows(store, "gone")
    index.delete_document(kb, "gone")
    assert [cid for cid, _ in index.query(kb, "honey", 5)] == [keep[0].id]
    assert index.query(kb, "cake recipe", 5) == []
    index.delete_document(kb, "gone")
    index.delete_document("kb-never-loaded", "gone")


def test_a_restart_rebuilds_the_same_scores_from_the_database(tmp_path):
    path = store_path(tmp_path / "data")
    store = open_store(path)
    kb, index = "kb-restart", KeywordIndex(store)
    put_chunks(store, kb, "first", FILLER_EN + FILLER_ZH)
    queries = ["honey beehive", "量子纠缠的实验", "river floods rice", "中国的诗人", "computer 计算机"]
    index.query(kb, "warm up", 1)                                        # loaded now: the rest is incremental
    steps = [put_chunks(store, kb, f"doc{i}", [QUANTUM, f"Honey batch {i} from beehive {i}", FILLER_ZH[i]])
             for i in range(4)]
    for i, chunks in enumerate(steps):
        index.add(kb, chunks)
        if i % 2:
            delete_rows(store, f"doc{i}")
            index.delete_document(kb, f"doc{i}")
    before = {q: dict(index.query(kb, q, 50)) for q in queries}
    store.close()

    store = open_store(path)                                             # a restart: a new process would do this
    after = {q: dict(KeywordIndex(store).query(kb, q, 50)) for q in queries}
    store.close()
    assert all(before[q] for q in queries)
    for q in queries:
        assert after[q] == pytest.approx(before[q], rel=1e-12), q


def test_mostly_deleted_kbs_are_rebuilt_from_the_database(store, monkeypatch):
    monkeypatch.setattr(keyword, "MIN_DEAD_TO_COMPACT", 10)
    kb, index = "kb-worn", KeywordIndex(store)
    keep = put_chunks(store, kb, "keep", ["the last honey jar"])
    put_chunks(store, kb, "gone", [f"honey note {i}" for i in range(30)])
    assert len(index.query(kb, "honey", 50)) == 31
    delete_rows(store, "gone")
    index.delete_document(kb, "gone")
    assert not index.loaded(kb)                                          # worn out: dropped, rebuilt on use
    assert [cid for cid, _ in index.query(kb, "honey", 50)] == [keep[0].id]
    assert len(index._indexes[kb].ids) == 1


def test_ingestion_adds_from_a_thread_while_queries_run(store):
    kb, index = "kb-threads", KeywordIndex(store)
    anchor = put_chunks(store, kb, "anchor", ["zebra crossing near the school"])[0]
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            for i in range(40):
                index.add(kb, put_chunks(store, kb, f"doc{i}", [f"note {i} about zebras", f"other text {i}"]))
                if i % 5 == 4:
                    delete_rows(store, f"doc{i - 2}")
                    index.delete_document(kb, f"doc{i - 2}")
        except BaseException as exc:                                     # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=ingest)
    worker.start()
    while worker.is_alive():
        found = index.query(kb, "zebra crossing", 3)
        assert found[0][0] == anchor.id
    worker.join()
    assert errors == []
    live = store.cursor().execute("SELECT count(*) FROM kb_chunks WHERE kb_id = ? AND text LIKE '%zebra%'",
                                  [kb]).fetchone()[0]
    assert len(index.query(kb, "zebra", 100)) == live == 1 + 40 - 8

