"""Citations checked and added after an answer (workbench.citations): sentences cut in English and Chinese, the
decision rules on a score matrix, and the alignment end to end through the real gateway's embedder (USE v3), on
the passages a real 4-page PDF gives the chat (``Retriever.context``)."""

from __future__ import annotations

import numpy as np
import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.fakes import docs
from tests.workbench.attachment_store import EMBEDDING, Setup, attach
from tests.workbench.documents import WATER
from workbench.citations import (
    Alignment,
    Cited,
    Citer,
    Sentence,
    clauses,
    decide,
    offsets,
    rare_word_scores,
    sentences,
    substantive,
)
from workbench.embeddings import embed
from workbench.retrieval import Retriever, read_source
from workbench.store import store_path


def test_sentences_are_cut_in_english_and_chinese_and_a_mark_belongs_to_its_sentence():
    text = ("The station delivered 1,850 litres per minute [2]. It was overhauled, e.g. in March, on p. 2. [2][4]\n"
            "- A list item about 0.3 NTU turbidity\n"
            "蜂蜜共四十二公斤。这些蜂蜜在冬季义卖会上售出[1]。\n"
            "```\ncode. Not. Sentences.\n```\n| a | b |\n## A heading\nThe end without a stop")
    found = sentences(text)
    assert [text[s.start:s.end] for s in found] == [
        "The station delivered 1,850 litres per minute [2].", "It was overhauled, e.g. in March, on p. 2. [2][4]",
        "A list item about 0.3 NTU turbidity", "蜂蜜共四十二公斤。", "这些蜂蜜在冬季义卖会上售出[1]。",
        "The end without a stop"]
    assert [s.cited for s in found] == [(2,), (2, 4), (), (), (1,), ()]
    assert found[0].text == "The station delivered 1,850 litres per minute ."           # marks out of the text
    assert text[found[1].marks[1][0]:].startswith("[4]")                                # where each mark starts
    assert [substantive(s) for s in ("Yes.", "1,850", "It is here today.", "对。", "六座")] == \
        [False, True, True, False, True]
    [alone] = sentences("The pumps were overhauled in March.\n[3]")
    assert alone.cited == (3,) and alone.end == len("The pumps were overhauled in March.")


def test_rare_words_weigh_more_than_words_every_passage_has():
    passages = ["the pump station delivered 1,850 litres", "the backup pump delivered 600 litres",
                "the treatment plant added a line"]
    scores = rare_word_scores(["The backup pump delivered water."], passages)[0]
    assert scores[1] > scores[0] > scores[2] == 0   # "backup" is in one passage, "pump" in two: it weighs more
    assert list(rare_word_scores(["The pump delivered 1,850 litres."], passages)[0]) == [1, 0, 0]   # its number
    chinese = ["全年借出图书八万六千册次，比上年增长百分之十二。", "太阳能板全年节省电费百分之十八。"]
    scores = rare_word_scores(["借阅量增长了12%。", "共借出86000册次。"], chinese)      # numbers as digits too
    assert scores[0][0] > scores[0][1] and scores[1][0] > 0.5 > scores[1][1]
    wrong = rare_word_scores(["The pump delivered 300 litres per minute."], passages)[0]
    assert list(wrong) == [0, 0, 0]                 # a number no passage holds: not supported, whatever is shared


def test_a_short_answer_is_cited_only_when_the_passage_holds_its_words():
    found = [Sentence(0, 4, "2,300"), Sentence(5, 20, "The mayor is John Smith."), Sentence(21, 25, "18场")]
    scores = np.array([[0.5, 0.1], [0.56, 0.2], [0.55, 0.1]], dtype=np.float32)
    lexical = np.array([[1.0, 0.0], [0.38, 0.0], [0.5, 0.0]], dtype=np.float32)
    links = decide(found, [0, 1, 2], scores, [1, 2], threshold=0.5, min_shared=0.5, lexical=lexical)
    assert [(x.sentence, x.index) for x in links] == [(0, 1), (2, 1)]      # the hallucinated mayor is not cited


def test_decide_adds_the_best_passage_flags_a_mark_without_support_and_keeps_a_good_one():
    found = [Sentence(0, 10, "a", ()), Sentence(11, 20, "b", ((15, 4),)), Sentence(21, 30, "c", ((25, 2),)),
             Sentence(31, 40, "d", ()), Sentence(41, 50, "e", ((45, 9),))]
    scores = np.array([[0.2, 0.9, 0.1],          # no mark, passage 2 clearly: added
                       [0.1, 0.8, 0.05],         # [4] scores 0.05: doubtful, and passage 2 added
                       [0.3, 0.35, 0.2],         # [2] is the best (though weak): kept as the model's
                       [0.2, 0.3, 0.25],         # nothing passes the threshold: no citation
                       [0.1, 0.7, 0.1]])         # [9] names no passage: ignored, passage 2 added
    links = decide(found, [0, 1, 2, 3, 4], scores, [1, 2, 4], threshold=0.55, doubt=0.3)
    assert [(x.sentence, x.index, x.kind) for x in links] == [
        (0, 2, "added"), (1, 4, "doubtful"), (1, 2, "added"), (2, 2, "model"), (4, 2, "added")]


def test_a_sentence_joining_two_statements_cites_the_passage_of_each():
    assert clauses("The fume hood shows the alarm code FH-7731, and a microscope session lasts four hours.") == [
        "The fume hood shows the alarm code FH-7731", "a microscope session lasts four hours."]
    assert clauses("全年借出图书八万六千册次，比上年增长百分之十二。") == [
        "全年借出图书八万六千册次", "比上年增长百分之十二。"]
    assert clauses("Salt and pepper were sold.") == []
    found = [Sentence(0, 10, "x", ()), Sentence(11, 20, "y", ((15, 1),))]
    scores = np.array([[0.6, 0.5], [0.3, 0.7]], dtype=np.float32)
    halves = np.array([[0.9, 0.1], [0.1, 0.8], [0.2, 0.5], [0.8, 0.1]], dtype=np.float32)
    links = decide(found, [0, 1], scores, [1, 2], threshold=0.55, doubt=0.3, clause_of=[0, 0, 1, 1],
                   clause_scores=halves)
    assert [(x.sentence, x.index, x.kind) for x in links] == [(0, 1, "added"), (0, 2, "added"), (1, 1, "model")]


def test_without_alignment_only_what_the_model_cited_of_a_document_is_kept():
    cited = [Cited(1, "web page", {"index": 1, "title": "Web", "url": "https://example.org/"}),
             Cited(2, "page two", {"index": 2, "title": "a.pdf", "kind": "doc"}, always=False),
             Cited(3, "page three", {"index": 3, "title": "a.pdf", "kind": "doc"}, always=False)]
    kept = Citer(cited).saved(None, "From the document [3].")
    assert [s["index"] for s in kept] == [1, 3] and "added" not in kept[1]
    short = "Yes [3]."                                   # too short to check: the model's [3] is kept as it is
    alignment = Alignment(sentences(short), [], np.zeros((1, 3), dtype=np.float32), [], [1, 2, 3])
    assert [s["index"] for s in Citer(cited).saved(alignment, short)] == [1, 3]
    assert offsets("143,9,x, 7") == [143, 9, 7] and offsets(None) == []


@pytest.fixture()
def setup(tmp_path):
    s = Setup(store_path(tmp_path))
    yield s
    s.store.close()


def test_an_answer_gets_the_page_2_passage_it_came_from_and_a_wrong_mark_is_flagged(embedded_gateway, setup):
    """The issue's case: an answer about page 2 that cites page 4 (the small model's mistake) or nothing."""
    conv = setup.convs.create("alice")
    attach(setup, "alice", conv.id, "water.pdf", docs.pdf_file(WATER, title="Water note"))
    answer = ("The Lake Vernon station pumped 1,850 litres a minute on average [4]. Its pumps were overhauled in "
              "March and now use nine percent less energy. I hope this helps!")

    async def go():
        async with openai.AsyncOpenAI(base_url=embedded_gateway.url + "/v1", api_key=MASTER_KEY,
                                      max_retries=0) as client:
            found = await Retriever(setup.attachments, client, EMBEDDING).context("alice", conv.id, "pump rate?",
                                                                                   budget_tokens=3000)
            cited = [Cited(d.index, d.text, d.saved(), always=False, vector=found.vectors.get(d.index))
                     for d in found.sources]
            citer = Citer(cited, embed=lambda texts: embed(client, EMBEDDING, texts))
            return found, await citer.align(answer), await citer.aligned(answer)

    found, alignment, kept = run(go())
    page = {s.index: s.first_page for s in found.sources}
    assert found.mode == "full" and page[4] == 4 and sorted(set(page.values())) == [1, 2, 3, 4]
    print("scores:", np.round(alignment.scores, 2).tolist())
    links = [(x.sentence, page[x.index], x.kind) for x in alignment.links]
    assert links == [(0, 4, "doubtful"), (0, 2, "added"), (1, 2, "added")], links     # "I hope..." gets nothing
    source, wrong = kept                    # only the cited passages of the document are kept, in their order
    assert read_source(source).first_page == 2 and "1,850 litres per minute" in source["quote"]
    first, second = alignment.sentences[0], alignment.sentences[1]
    assert offsets(source["added"]) == [first.end, second.end] and "doubtful" not in source
    assert source["detail"] == "p. 2" and source["kind"] == "doc"
    assert read_source(wrong).first_page == 4 and offsets(wrong["doubtful"]) == [answer.index("[4]")]
    assert "added" not in wrong
