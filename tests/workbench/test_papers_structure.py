"""A paper's structure from its PDF: title, authors, abstract, sections, captions, tables, references' lines."""

from __future__ import annotations

import pytest

from tests.fakes import docs, paper_pdfs
from workbench.documents import DocumentError
from workbench.documents.layout import Line, reading_order_errors
from workbench.papers.errors import PaperInvalid
from workbench.papers.structure import references_text, structure


@pytest.fixture(scope="module")
def two_column():
    data, truth = paper_pdfs.two_column_paper()
    return structure(data, "paper.pdf"), truth


@pytest.fixture(scope="module")
def chinese():
    data, truth = paper_pdfs.chinese_paper()
    return structure(data, "论文.pdf"), truth


def headings_of(paper):
    return [(s.number, s.title, s.level, s.page) for s in paper.sections]


def expected_headings(truth):
    return [(h.number, h.title, h.level, h.page) for h in truth.headings]


def captions_of(paper):
    return [(c.kind, c.label, c.text, c.page) for c in paper.captions]


def expected_captions(truth):
    return [(c.kind, c.label, c.text, c.page) for c in truth.captions]


def table_text(truth):
    return (truth.table_page, "\n".join(" | ".join(row) for row in truth.table_rows))


def test_two_column_paper_title_authors_abstract(two_column):
    paper, truth = two_column
    assert (paper.title, paper.authors, paper.language) == (truth.title, truth.authors, "en")
    assert paper.abstract.startswith(truth.abstract_start)
    assert "Introduction" not in paper.abstract and paper.abstract.endswith(".")


def test_two_column_paper_headings_captions_and_table(two_column):
    paper, truth = two_column
    assert headings_of(paper) == expected_headings(truth)
    assert captions_of(paper) == expected_captions(truth)
    assert paper.tables == (table_text(truth),)


def test_sections_hold_their_text_and_pages(two_column):
    paper, truth = two_column
    method = next(s for s in paper.sections if s.number == "3")
    assert "3.1 Sparse Routing" in method.text and "4 Experiments" not in method.text
    assert "L = -sum_i y_i log p_i (1)" in method.text.split("\n")
    routing = next(s for s in paper.sections if s.number == "3.1")
    assert "3.2 Training Objective" not in routing.text and "Marker 11 opens" in routing.text
    assert [(s.number, s.page, s.end_page) for s in paper.sections if s.number in ("2", "3", "4")] == [
        ("2", 1, 2), ("3", 2, 3), ("4", 3, 4)]


def test_two_column_pages_keep_their_reading_order(two_column):
    paper, truth = two_column
    assert [page.columns for page in paper.pages] == [2, 2, 2, 1]
    for page in paper.pages:
        assert reading_order_errors(truth.markers[page.number], page.text) == 0
    assert paper.ocr_pages == () and not any(page.ocr for page in paper.pages)


def test_references_text_gives_each_entry_line_by_line(two_column):
    paper, truth = two_column
    lines = references_text(paper)
    assert {page for page, _ in lines} == {4}
    entries: list[str] = []
    for _, line in lines:
        if line.startswith("["):
            entries.append(line)
        else:
            entries[-1] += " " + line
    assert entries == truth.references


def test_the_references_are_parsed_and_the_citations_linked_to_them(two_column):
    paper, truth = two_column
    assert [r.raw for r in paper.references] == truth.references
    first, second, third = paper.references[:3]
    assert (first.label, first.authors, first.title, first.year, first.venue) == (
        "1", ("Vaswani", "Shazeer", "Parmar"), "Attention is all you need", "2017", "Proc. NeurIPS")
    assert (second.doi, third.arxiv) == ("10.1109/CVPR.2016.90", "1810.04805")
    assert [(c.page, c.marker, c.references) for c in paper.citations] == [
        (1, "[1]", (1,)), (1, "[2, 3]", (2, 3)), (1, "[4]", (4,)), (2, "[5]", (5,))]


def test_author_year_paper():
    data, truth = paper_pdfs.author_year_paper()
    paper = structure(data, "paper.pdf")
    assert (paper.title, paper.authors, paper.language) == (truth.title, truth.authors, "en")
    assert paper.abstract.startswith(truth.abstract_start)
    assert headings_of(paper) == expected_headings(truth)
    assert captions_of(paper) == expected_captions(truth)
    assert paper.tables == (table_text(truth),)
    assert " ".join(line for _, line in references_text(paper)) == " ".join(truth.references)
    assert "(Smith et al., 2020)" in paper.page(1).text and "Lee and Kim (2019)" in paper.page(1).text
    assert [r.label for r in paper.references] == ["Brown, 2018", "Lee and Kim, 2019", "Smith et al., 2020"]
    assert [(c.marker, c.references) for c in paper.citations][:3] == [
        ("(Smith et al., 2020)", (3,)), ("Lee and Kim (2019)", (2,)), ("(Brown, 2018; Smith et al., 2020)", (1, 3))]


def test_chinese_paper(chinese):
    paper, truth = chinese
    assert (paper.title, paper.authors, paper.language) == (truth.title, truth.authors, "zh")
    assert paper.abstract.startswith(truth.abstract_start) and "引言" not in paper.abstract
    assert headings_of(paper) == expected_headings(truth)
    assert captions_of(paper) == expected_captions(truth)
    assert paper.tables == (table_text(truth),)
    assert "".join(line for _, line in references_text(paper)).replace(" ", "") == "".join(
        truth.references).replace(" ", "")
    assert reading_order_errors(truth.all_markers, "\n".join(page.text for page in paper.pages)) == 0


def test_a_scanned_page_is_read_by_the_ocr_given_and_marked():
    sentence = "This page was scanned from paper."
    data, truth = paper_pdfs.two_column_paper(scanned=sentence)
    asked: list[list[int]] = []

    def read(pdf: bytes, pages: list[int]) -> dict[int, list[Line]]:
        asked.append(pages)
        return {number: [Line(truth.scanned[number], 100.0, 80.0, 400.0, 14.0)] for number in pages}

    without = structure(data, "paper.pdf")
    assert (without.ocr_pages, without.page(5).lines) == ((), ())
    paper = structure(data, "paper.pdf", ocr=read)
    assert asked == [[5]]
    assert (paper.ocr_pages, paper.page(5).ocr, paper.page(5).text) == ((5,), True, sentence)
    assert headings_of(paper) == expected_headings(truth)


def test_a_pdf_without_text_needs_ocr():
    data = docs.image_only_pdf_file(pages=2)
    with pytest.raises(DocumentError) as refused:
        structure(data, "scan.pdf")
    assert refused.value.code == "no_text"
    paper = structure(data, "scan.pdf", ocr=lambda pdf, pages: {2: [Line("Second page.", 90.0, 72.0, 200.0, 12.0)]})
    assert (paper.ocr_pages, paper.page(2).text, paper.title) == ((2,), "Second page.", "scan")


@pytest.mark.parametrize(("data", "code"), [
    (docs.encrypted_pdf_file(["secret"], user_password="pw"), "encrypted"),
    (docs.pdf_file(["cut short"])[:-200], "corrupt"),
    (b"%PDF-1.7\n" + b"x" * 300, "corrupt"),
])
def test_bad_files_are_refused_as_uploads_are(data, code):
    with pytest.raises(DocumentError) as refused:
        structure(data, "paper.pdf")
    assert refused.value.code == code


def test_a_file_over_the_size_limit_is_refused():
    data, _ = paper_pdfs.author_year_paper()
    with pytest.raises(DocumentError) as refused:
        structure(data, "paper.pdf", max_bytes=1000)
    assert refused.value.code == "too_large"


def test_without_a_title_in_a_larger_font_the_metadata_title_is_used():
    paper = structure(docs.pdf_file(["Plain text in one size.\nAnother line."], title="A Paper Title"), "p.pdf")
    assert (paper.title, paper.authors, paper.sections) == ("A Paper Title", (), ())


def test_a_file_that_is_not_a_pdf_is_refused_saying_papers_are_pdfs():
    with pytest.raises(PaperInvalid) as refused:
        structure(b"# Notes\n\nNot a paper.", "notes.md")
    assert (refused.value.code, refused.value.field) == ("not_pdf", "file")
    assert "PDF" in refused.value.text("en") and "PDF" in refused.value.text("zh")


def test_progress_is_told_of_each_page_and_each_page_recognised():
    data, truth = paper_pdfs.author_year_paper(scanned="A scanned page says this.")
    seen: list[tuple[str, int, int]] = []
    structure(data, "paper.pdf", ocr=lambda pdf, pages: {pages[0]: [Line("A scanned page.", 90.0, 72.0, 200.0, 12.0)]},
              progress=lambda stage, done, total: seen.append((stage, done, total)))
    pages = truth.pages
    assert seen == [("pages", n, pages) for n in range(1, pages + 1)] + [("ocr", 1, 1)]
