"""A deep reading against a scripted model on a real socket: every statement carries a page and a quote the code found
there, a sentence the model changed is dropped and counted, a wrong page is corrected, a point with an invented
number is marked, progress counts to a planned total, and the reading grows aspect by aspect."""

from __future__ import annotations

import openai
import pytest

from tests.aio import run
from tests.fakes.paper_model import MODEL, start_paper_model
from tests.fakes.sample_paper import PAGES, paper
from workbench.papers.reading import Progress, Reader, Reading


@pytest.fixture()
def model():
    served = start_paper_model()
    yield served
    served.stop()


def read(model, lang: str = "zh") -> list[Progress | Reading]:
    client = openai.AsyncOpenAI(base_url=f"{model.url}/v1", api_key="sk-test", max_retries=0)

    async def complete(prompt: str, max_tokens: int) -> str:
        reply = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}],
                                                     max_tokens=max_tokens, temperature=0)
        return reply.choices[0].message.content or ""

    async def events() -> list[Progress | Reading]:
        return [event async for event in Reader(complete, window=8192).read(paper(), lang=lang)]

    return run(events())


def test_every_statement_has_its_page_and_a_quote_found_there(model):
    events = read(model)
    reading = events[-1]
    assert isinstance(reading, Reading) and not reading.partial
    by_aspect = {s.aspect for s in reading.statements}
    assert by_aspect == {"problem", "method", "experiments", "results", "contributions", "limitations",
                         "future_work"}
    for s in reading.statements:
        assert s.quote in PAGES[s.page] and s.verified and s.point.startswith("要点：")
        assert PAGES[s.page].replace("\n", " ")[s.start:s.end] in s.quote + "."
    results = [s for s in reading.statements if s.aspect == "results"]
    assert [(s.page, s.quote) for s in results][0] == (1, "It improves recall by 4.2% on MS MARCO.")
    assert reading.quotes_found == reading.quotes_asked and reading.verified == reading.shown
    # each question is about a statement: its page and quote are that statement's, attached by code
    assert [q.point for q in reading.questions] == [f"作者如何验证第 {n} 条？" for n in (1, 2, 3)]
    assert [(q.page, q.quote) for q in reading.questions] == [(s.page, s.quote) for s in reading.statements[:3]]


def test_progress_counts_to_the_planned_total_and_the_reading_grows_by_aspect(model):
    events = read(model)
    progress = [e for e in events if isinstance(e, Progress)]
    totals = {p.total for p in progress}
    assert len(totals) == 1 and progress[-1].done == progress[-1].total == totals.pop()
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    partial = [e for e in events if isinstance(e, Reading) and e.partial]
    assert [len(r.statements) for r in partial] == sorted(len(r.statements) for r in partial)
    assert len(partial) == 7 and partial[0].statements[0].aspect == "problem"
    assert model.kinds().count("explain") == 7 and model.kinds()[-1] == "questions"


def test_a_changed_quote_is_dropped_a_wrong_page_corrected_and_an_invented_number_marked(model):
    model.mode = "sloppy"
    sloppy = read(model)[-1]
    assert sloppy.quotes_found < sloppy.quotes_asked                # the changed sentences are on no page
    assert all(s.quote in PAGES[s.page] for s in sloppy.statements)
    corrected = [s for s in sloppy.statements if s.note == "page_corrected"]
    assert corrected and all(s.cited_page == s.page + 1 for s in corrected)
    model.mode = "inventive"
    inventive = read(model)[-1]
    marked = [s for s in inventive.statements if not s.verified]
    assert marked and all(s.note == "numbers" and "99" in s.point for s in marked)
    assert inventive.verified == inventive.shown - len(marked) - sum(
        q.quote in {s.quote for s in marked} for q in inventive.questions)
