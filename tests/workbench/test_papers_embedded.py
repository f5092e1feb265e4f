"""Paper reading once with the embedded 0.5B model behind the real gateway: a two-column paper with a scanned page is
parsed (OCR in the parse worker), read in Chinese, asked a question. What is asserted is what the code guarantees,
not the model's wording: every statement's quote is on its page (checked again here), the counts of verified
statements and of quotes found are recorded and consistent, progress reached its planned total, and the answer cites
only pages of its evidence (or says the paper does not answer)."""

from __future__ import annotations

import re
import time

import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.fakes.real_papers import lightretriever
from tests.workbench.kb_world import Directory
from workbench.papers.service import Papers
from workbench.schema import open_store

MODEL = "qwen2.5-coder:0.5b"
SCANNED = "This appendix page was scanned from the printed copy of the paper."


@pytest.fixture()
def papers(tmp_path, embedded_gateway):
    store = open_store(tmp_path / "workbench.duckdb")
    users = Directory("alice")
    service = Papers.open(store, users, tmp_path / "papers", base_url=embedded_gateway.url + "/v1",
                          key_for=lambda user_id: MASTER_KEY, embedding_model="use-multilingual:v3")
    service.start()
    yield service, users.ids["alice"]
    service.stop()
    store.close()


def wait(check, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def squash(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text).lower()


def test_a_paper_is_read_in_chinese_with_every_quote_on_its_page(papers):
    service, alice = papers
    data, truth = lightretriever(scanned=SCANNED)
    paper = service.upload(alice, data, "lightretriever.pdf")
    ready = wait(lambda: (p if (p := service.library.require(alice, paper.id)).status != "parsing" else None), 120)
    assert ready.status == "ready" and ready.ocr_pages == (truth.pages,)
    structure = service.library.structure(alice, paper.id)
    assert squash(SCANNED) in squash(structure.page(truth.pages).text)

    service.start_reading(alice, paper.id, model=MODEL, lang="zh")
    stored = wait(lambda: (r if (r := service.reading(alice, paper.id, model=MODEL, lang="zh")).status != "running"
                           else None), 900)
    assert stored is not None and stored.status == "done", stored
    reading = stored.reading
    assert stored.steps_done == stored.steps_total > 0 and reading.calls == stored.steps_total
    print(f"{len(reading.statements)} statements, {reading.verified} of {reading.shown} verified, quotes found "
          f"{reading.quotes_found} of {reading.quotes_asked}, {reading.calls} calls in {reading.seconds} s")
    assert reading.statements and 0 < reading.quotes_found <= reading.quotes_asked
    for s in reading.statements:
        assert 1 <= s.page <= truth.pages and squash(s.quote) in squash(structure.page(s.page).text)
        assert s.point.strip()
    assert reading.verified == sum(s.verified for s in (*reading.statements, *reading.questions))

    asked = run(service.ask(alice, paper.id, "How fast is the query encoder on a CPU?", model=MODEL, lang="zh"))
    answer = asked.answer
    if answer.found:
        cited = {int(n) for n in re.findall(r"p\. (\d+)", answer.text)}
        assert cited and cited <= {q.page for q in answer.evidence}
        assert all(squash(q.text) in squash(structure.page(q.page).text) for q in answer.evidence)
    else:
        assert answer.text == "" and not answer.evidence
