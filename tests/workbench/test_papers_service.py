"""The papers service on real parts (a gateway process in front of the scripted paper model, DuckDB, the parse
worker's child): upload -> parsed with progress -> a reading in the background, saved as it grows, kept per model
and language -> questions in a thread -> permissions."""

from __future__ import annotations

import pytest

from tests.aio import run
from tests.fakes import paper_pdfs
from tests.fakes.paper_model import MODEL
from tests.workbench.paper_world import paper_world
from workbench.kb.access import Access
from workbench.kb.teams import Teams
from workbench.papers.errors import PaperForbidden, PaperInvalid, PaperNotFound


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with paper_world(tmp_path_factory.mktemp("papers"), "alice", "bob") as built:
        yield built


@pytest.fixture(scope="module")
def paper(world):
    data, truth = paper_pdfs.two_column_paper()
    uploaded = world.papers.upload(world.uid("alice"), data, "attention.pdf")
    assert uploaded.status == "parsing"
    return world.ready(world.uid("alice"), uploaded.id), truth


def test_an_upload_is_parsed_in_the_background_with_its_pages_counted(world, paper):
    ready, truth = paper
    assert (ready.status, ready.title, ready.authors, ready.pages) == ("ready", truth.title, truth.authors,
                                                                       truth.pages)
    assert ready.progress == (truth.pages, truth.pages)
    structure = world.papers.library.structure(world.uid("alice"), ready.id)
    assert [s.title for s in structure.sections][:2] == [h.title for h in truth.headings][:2]


def test_a_reading_runs_in_the_background_and_is_kept_per_model_and_language(world, paper):
    ready, _ = paper
    alice = world.uid("alice")
    stored = world.read(alice, ready.id)
    assert stored.status == "done" and stored.steps_done == stored.steps_total > 0
    reading = stored.reading
    assert reading.statements and all(s.verified and s.quote for s in reading.statements)
    structure = world.papers.library.structure(alice, ready.id)
    assert all(s.quote.replace(" ", "") in structure.page(s.page).text.replace("\n", "").replace(" ", "")
               for s in reading.statements)
    calls = len(world.model.seen)
    again = world.papers.start_reading(alice, ready.id, model=MODEL, lang="zh")     # kept: no model call
    assert again.status == "done" and len(world.model.seen) == calls
    assert again.reading.statements == reading.statements


def test_questions_are_answered_in_a_thread_with_page_cited_evidence(world, paper):
    ready, _ = paper
    alice = world.uid("alice")
    first = run(world.papers.ask(alice, ready.id, "What are residual networks and pretrained encoders?", model=MODEL,
                                 lang="zh"))
    assert first.answer.found and first.answer.evidence and first.position == 0
    assert all(f"p. {q.page}" in first.answer.text for q in first.answer.evidence)
    follow = run(world.papers.ask(alice, ready.id, "And what does the sparse router change?", model=MODEL, lang="zh",
                                  thread_id=first.thread_id))
    assert (follow.thread_id, follow.position) == (first.thread_id, 1)
    thread = world.papers.readings.thread(ready.id, alice, first.thread_id)
    assert [a.question for a in thread] == [first.question, follow.question]
    with pytest.raises(PaperInvalid) as empty:
        run(world.papers.ask(alice, ready.id, "   ", model=MODEL, lang="zh"))
    assert empty.value.field == "question" and "问题" in empty.value.text("zh")


def test_another_user_cannot_tell_alices_paper_from_a_missing_one(world, paper):
    ready, _ = paper
    bob = world.uid("bob")
    for call in (lambda: world.papers.library.require(bob, ready.id),
                 lambda: world.papers.start_reading(bob, ready.id, model=MODEL, lang="zh"),
                 lambda: world.papers.reading(bob, ready.id, model=MODEL, lang="zh"),
                 lambda: run(world.papers.ask(bob, ready.id, "What is it about?", model=MODEL, lang="en")),
                 lambda: world.papers.pdf(bob, ready.id)):
        with pytest.raises(PaperNotFound) as refused:
            call()
        assert refused.value.code == "not_found" and refused.value.text("en").startswith("No such paper")
    assert [p.id for p in world.papers.library.list_for(bob)] == []


def test_a_bad_upload_is_refused_at_once_and_a_broken_pdf_fails_with_its_reason(world):
    alice = world.uid("alice")
    with pytest.raises(PaperInvalid) as not_pdf:
        world.papers.upload(alice, b"just some text, not a paper", "notes.txt")
    assert (not_pdf.value.code, not_pdf.value.field) == ("not_pdf", "file") and "PDF" in not_pdf.value.text("zh")
    broken = world.papers.upload(alice, b"%PDF-1.7\n" + b"x" * 300 + b"\n%%EOF", "broken.pdf")
    failed = world.ready(alice, broken.id)
    assert failed.status == "failed" and "broken.pdf" in failed.error["en"] and failed.error["zh"]
    with pytest.raises(PaperInvalid) as refused:
        world.papers.start_reading(alice, broken.id, model=MODEL, lang="zh")
    assert refused.value.code == "parse_failed"



def test_a_viewer_reads_a_team_paper_but_cannot_read_it_with_a_model(world, paper):
    ready, _ = paper
    alice, bob = world.uid("alice"), world.uid("bob")
    teams = Teams(world.store, Access(world.store), world.users)
    team = teams.create(alice, "reading-group")
    teams.invite(alice, team.id, "bob", "viewer")
    moved = world.papers.library.move(alice, ready.id, team.id)
    assert moved.team_id == team.id and world.papers.library.require(bob, ready.id).role == "viewer"
    assert world.papers.reading(bob, ready.id, model=MODEL, lang="zh").status == "done"     # reads alice's reading
    with pytest.raises(PaperForbidden) as refused:
        world.papers.start_reading(bob, ready.id, model=MODEL, lang="en")
    assert "member" in refused.value.text("en") and "成员" in refused.value.text("zh")
