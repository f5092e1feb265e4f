"""Questions about a paper against a scripted model on a real socket: the answer cites only pages of evidence the
code found, every sentence has a page, and a question the paper does not answer is said so by code."""

from __future__ import annotations

import openai
import pytest

from tests.aio import run
from tests.fakes.paper_model import MODEL, start_paper_model
from tests.fakes.sample_paper import PAGES, paper
from workbench.embeddings import embed
from workbench.papers.ask import Answer, Asker, passages


@pytest.fixture()
def model():
    served = start_paper_model()
    yield served
    served.stop()


def ask(model, question: str, history=()) -> Answer:
    client = openai.AsyncOpenAI(base_url=f"{model.url}/v1", api_key="sk-test", max_retries=0)

    async def complete(prompt: str, max_tokens: int) -> str:
        reply = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}],
                                                     max_tokens=max_tokens, temperature=0)
        return reply.choices[0].message.content or ""

    async def vectors(texts):
        return await embed(client, "bag-of-words", texts)

    return run(Asker(complete, vectors, passage_chars=300).ask(paper(), question, lang="zh", history=history))


def test_an_answer_cites_the_pages_of_its_evidence(model):
    answer = ask(model, "Which dataset and baselines are used in the evaluation?")
    assert answer.found and answer.searched == 4 and answer.calls == 5
    assert [(q.page, q.text) for q in answer.evidence] == [(4, "We evaluate on the MS MARCO dataset against BM25 "
                                                               "and DPR baselines, with MRR@10 as the metric.")]
    assert answer.text == ("根据论文，We evaluate on the MS MARCO dataset against BM25 and DPR baselines, with MRR@10 "
                           "as the metric.（p. 4）。")
    assert model.kinds().count("evidence") == 4 and model.kinds()[-1] == "answer"


def test_a_wrong_page_is_taken_out_and_a_sentence_without_one_gets_its_quotes_page(model):
    model.mode = "sloppy"
    answer = ask(model, "What does the query encoder of the method propose, and how fast is the encoder?")
    pages = [q.page for q in answer.evidence]
    assert len(pages) >= 2 and "p. 99" not in answer.text
    assert answer.text.count("(p. ") + answer.text.count("（p. ") == len(answer.evidence)
    assert all(f"p. {p}" in answer.text for p in pages)


def test_a_question_the_paper_does_not_answer_is_said_so_without_asking_the_model_to_answer(model):
    answer = ask(model, "Which hospital funded the clinical trial?")
    assert (answer.found, answer.text, answer.evidence) == (False, "", ())
    assert "answer" not in model.kinds() and answer.calls == 4


def test_a_passage_across_a_page_end_keeps_each_part_on_its_page():
    pieces = passages(paper(), 300)
    assert any(len(piece) == 2 for piece in pieces)
    assert all(text.strip() in PAGES[page] for piece in pieces for page, text in piece)
    assert {page for piece in pieces for page, _ in piece} == set(PAGES)
