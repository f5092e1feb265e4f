"""A paper is read in the knowledge bases' parse worker (a child process with a time and memory bound): its
structure comes back whole, with a progress frame per page, and a refusal keeps its code, field and words."""

from __future__ import annotations

import threading

import pytest

from tests.fakes import paper_pdfs
from workbench.kb.parse_worker import ParseLimits, ParseWorker
from workbench.papers.errors import PaperInvalid
from workbench.papers.records import structure_from_json
from workbench.papers.structure import structure


@pytest.fixture(scope="module")
def worker():
    started = ParseWorker(ParseLimits(seconds=120, memory_mb=1024))
    yield started
    started.shut()
    started.close()


def test_a_paper_read_in_the_child_is_the_structure_read_here_with_progress_per_page(worker, tmp_path):
    data, truth = paper_pdfs.two_column_paper()
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    seen: list[tuple[str, int, int]] = []
    text = worker.paper(path, "paper.pdf", max_bytes=10 << 20, stop=threading.Event(),
                        progress=lambda *step: seen.append(step))
    assert structure_from_json(text) == structure(data, "paper.pdf")
    assert seen == [("pages", n, truth.pages) for n in range(1, truth.pages + 1)]


def test_a_file_that_is_not_a_pdf_is_refused_by_the_child_in_both_languages(worker, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nNot a paper.", encoding="utf-8")
    with pytest.raises(PaperInvalid) as refused:
        worker.paper(path, "notes.md", max_bytes=10 << 20, stop=threading.Event())
    assert (refused.value.code, refused.value.field) == ("not_pdf", "file")
    assert "“notes.md”" in refused.value.text("en") and "“notes.md”不是 PDF" in refused.value.text("zh")


def test_a_scanned_page_is_read_by_ocr_in_the_child_and_marked(worker, tmp_path):
    sentence = "The scanned appendix lists every hyperparameter we used."
    data, truth = paper_pdfs.two_column_paper(scanned=sentence)
    path = tmp_path / "scanned.pdf"
    path.write_bytes(data)
    seen: list[tuple[str, int, int]] = []
    paper = structure_from_json(worker.paper(path, "scanned.pdf", max_bytes=10 << 20, stop=threading.Event(),
                                             progress=lambda *step: seen.append(step)))
    last = paper.pages[-1]
    assert paper.ocr_pages == (last.number,) and last.ocr and sentence in last.text
    assert not any(page.ocr for page in paper.pages[:-1]) and seen[-1] == ("ocr", 1, 1)
    assert [s.title for s in paper.sections][:2] == [h.title for h in truth.headings][:2]
