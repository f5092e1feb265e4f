"""The papers service on real parts (a gateway process in front of the scripted paper model, DuckDB, the parse
worker's child): upload -> parsed with progress -> a reading in the background, saved as it grows, kept per model
and language -> questions in a thread -> permissions."""

from __future__ import annotations

import io

import pytest

from tests.aio import run
from tests.fakes import paper_pdfs
from tests.fakes.paper_model import MODEL
from tests.workbench.paper_world import paper_world
from workbench.kb.access import Access
from workbench.kb.errors import NotFound
from workbench.kb.teams import Teams
from workbench.papers.errors import PaperForbidden, PaperInvalid, PaperNotFound
from workbench.papers.export import comparison_markdown


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


def test_two_papers_are_compared_cell_by_cell_from_their_readings(world, paper):
    ready, _ = paper
    alice = world.uid("alice")
    data, truth = paper_pdfs.author_year_paper()
    second = world.ready(alice, world.papers.upload(alice, data, "citations.pdf").id)
    table = run(world.papers.compare(alice, [ready.id, second.id], model=MODEL, lang="zh"))
    assert table.titles == (ready.title, truth.title)
    assert [row.key for row in table.rows] == ["problem", "method", "data", "metrics", "results", "limitations"]
    filled = [(paper_id, cell) for row in table.rows
              for paper_id, cell in zip((ready.id, second.id), row.cells, strict=True) if cell is not None]
    assert {paper_id for paper_id, _ in filled} == {ready.id, second.id} and table.rows[1].cells[0] is not None
    for paper_id, cell in filled:                       # each cell is a statement checked on its page
        page = world.papers.library.structure(alice, paper_id).page(cell.page).text
        assert cell.verified and cell.quote.replace(" ", "") in page.replace("\n", "").replace(" ", "")
    # the author-year paper's abstract names no method: its cell says so instead of guessing
    assert table.rows[1].cells[1] is None
    text = comparison_markdown(table, lang="zh")
    assert text.splitlines()[2] == f"| | {ready.title} | {truth.title} |"
    assert text.splitlines()[5].startswith("| **方法** | ") and text.splitlines()[5].endswith(" | 解读中未找到 |")
    with pytest.raises(PaperInvalid) as one:
        run(world.papers.compare(alice, [ready.id], model=MODEL, lang="zh"))
    assert one.value.field == "papers" and "2 到 5" in one.value.text("zh")
    with pytest.raises(PaperInvalid) as twice:
        run(world.papers.compare(alice, [ready.id, ready.id], model=MODEL, lang="zh"))
    assert twice.value.code == "compare_twice"


def test_the_reading_and_the_questions_export_as_markdown_with_pages_and_quotes(world, paper):
    ready, truth = paper
    alice = world.uid("alice")
    text = world.papers.markdown(alice, ready.id, model=MODEL, lang="zh")
    stored = world.papers.reading(alice, ready.id, model=MODEL, lang="zh")
    assert text.startswith(f"# {truth.title}\n") and "## 深度解读（paper-model，" in text
    assert "### 方法" in text and "## 问答" in text
    first = stored.reading.statements[0]
    assert f"- {first.point} (第 {first.page} 页)\n\n  > {first.quote}\n" in text


def test_a_statements_page_is_shown_with_its_quotes_lines_marked(world, paper):
    from PIL import Image

    ready, _ = paper
    alice = world.uid("alice")
    first = world.papers.reading(alice, ready.id, model=MODEL, lang="zh").reading.statements[0]
    plain = Image.open(io.BytesIO(world.papers.page_image(alice, ready.id, first.page))).convert("RGB")
    marked = Image.open(io.BytesIO(world.papers.page_image(alice, ready.id, first.page,
                                                           span=(first.start, first.end)))).convert("RGB")
    assert plain.size == marked.size and plain.size[0] > 900            # 1.6 x the page's 612 points
    changed = [(x, y) for x in range(0, plain.size[0], 4) for y in range(0, plain.size[1], 4)
               if plain.getpixel((x, y)) != marked.getpixel((x, y))]
    assert changed                                                      # the quote's lines, tinted yellow
    r, g, b = marked.getpixel(changed[len(changed) // 2])
    assert r > b and g > b
    with pytest.raises(PaperInvalid) as refused:
        world.papers.page_image(alice, ready.id, 99)
    assert refused.value.field == "page" and "1 到 4" in refused.value.text("zh")


def test_a_paper_goes_into_a_knowledge_base_and_an_outsider_cannot_send_it(world, paper, tmp_path):
    from workbench.kb.service import KnowledgeService

    ready, truth = paper
    alice, bob = world.uid("alice"), world.uid("bob")
    knowledge = KnowledgeService.open(world.store, world.users, data_dir=tmp_path, client_for=world.papers.client,
                                      embedding_models=lambda: ["bag-of-words"], max_bytes=10 << 20)
    try:
        space = knowledge.teams.personal_space(alice)
        kb = knowledge.bases.create(alice, space.id, "Reading list", "", "bag-of-words")
        document = world.papers.add_to_kb(knowledge, alice, ready.id, kb.id)
        assert (document.name, document.status) == (f"{truth.title}.pdf", "queued")
        assert [d.name for d in knowledge.documents(alice, kb.id)] == [f"{truth.title}.pdf"]
        with pytest.raises(PaperNotFound):                          # no such paper (or not one of his)
            world.papers.add_to_kb(knowledge, bob, "no-such-paper", kb.id)
        team = knowledge.teams.create(alice, "kb-readers")
        knowledge.teams.invite(alice, team.id, "bob", "viewer")
        shared = world.ready(alice, world.papers.upload(alice, paper_pdfs.author_year_paper()[0], "shared.pdf",
                                                        team_id=team.id).id)
        assert world.papers.library.require(bob, shared.id).role == "viewer"
        with pytest.raises(NotFound) as refused:                    # he reads the paper, but alice's KB is hers
            world.papers.add_to_kb(knowledge, bob, shared.id, kb.id)
        assert refused.value.field == "knowledge_base" and "knowledge base" in refused.value.text("en")
        assert len(knowledge.documents(alice, kb.id)) == 1
    finally:
        knowledge.vectors.close()


def test_an_upload_refused_for_its_team_leaves_no_file_behind(world):
    alice, bob = world.uid("alice"), world.uid("bob")
    teams = Teams(world.store, Access(world.store), world.users)
    team = teams.create(alice, "no-bob-here")
    before = sorted(world.papers.files_dir.iterdir())
    data, _ = paper_pdfs.chinese_paper()
    with pytest.raises(NotFound) as refused:                      # bob is not in alice's team
        world.papers.upload(bob, data, "zh.pdf", team_id=team.id)
    assert refused.value.code == "not_found"
    assert sorted(world.papers.files_dir.iterdir()) == before


def test_parse_progress_says_whether_pages_are_read_or_recognised(world, paper):
    ready, _ = paper
    alice = world.uid("alice")
    world.papers.library.progress(ready.id, 1, 2, "ocr")
    assert (world.papers.library.require(alice, ready.id).progress, world.papers.library.require(alice, ready.id)
            .stage) == ((1, 2), "ocr")
    world.papers.library.progress(ready.id, 4, 4)
    assert world.papers.library.require(alice, ready.id).stage == "pages"
