"""A PDF page's lines in reading order: columns, spanning lines, fonts, hyphenation, CJK (documents.layout)."""

from __future__ import annotations

import io
import re

import pytest

from tests.fakes import docs, paper_pdfs
from workbench.documents.layout import pdf_layout, reading_order_errors


@pytest.fixture(scope="module")
def two_column():
    data, truth = paper_pdfs.two_column_paper()
    return pdf_layout(data), truth


def test_two_column_pages_read_the_left_column_then_the_right(two_column):
    pages, truth = two_column
    assert [page.columns for page in pages] == [2, 2, 2, 1]
    for page in pages:
        assert reading_order_errors(truth.markers[page.number], page.text) == 0, page.number
    assert reading_order_errors(truth.all_markers, "\n".join(page.text for page in pages)) == 0


def test_spanning_lines_keep_their_place(two_column):
    pages, truth = two_column
    first = [(line.text, line.column) for line in pages[0].lines[:5]]
    assert first == [("Sparse Attention Routing for Long-Document", 0), ("Machine Translation", 0),
                     ("Alice Zhang, Bob Smith and Carol Jones", 0),
                     ("Department of Computer Science, Example University", 0),
                     ("{alice, bob, carol}@example.edu", 0)]
    assert pages[0].lines[5].text == "Abstract" and pages[0].lines[5].column == 1
    wide = pages[1].lines[0]
    assert (wide.text, wide.column) == ("Figure 1: Overview of the routing model across both columns.", 0)
    assert pages[1].lines[1].column == 1


def test_lines_carry_their_font(two_column):
    pages, _ = two_column
    lines = {line.text: line for page in pages for line in page.lines}
    assert (lines["3 Method"].size, lines["3 Method"].bold) == (11.0, True)
    assert (lines["3.1 Sparse Routing"].size, lines["3.1 Sparse Routing"].bold) == (9.5, True)
    assert lines["Machine Translation"].size == 16.0
    body = next(line for line in pages[1].lines if line.text.startswith("Marker 9"))
    assert (body.size, body.bold) == (9.5, False)


def test_words_hyphenated_at_a_line_end_are_whole_and_ligatures_spelled_out(two_column):
    pages, truth = two_column
    text = "\n".join(page.text for page in pages)
    assert len(truth.hyphenated) >= 10
    for word in truth.hyphenated:
        assert re.search(rf"\b{word}\b", text), word
    assert not re.search(r"[a-z]-\n[a-z]", text)
    assert "efficient" in text and "\ufb03" not in text and "\ufb01" not in text


def test_a_page_drawn_row_by_row_reads_column_by_column_where_stream_order_interleaves():
    from pypdf import PdfReader

    from workbench.documents.pdf import page_text

    left = [f"Left sentence {i} reads here." for i in range(20)]
    right = [f"Right sentence {i} reads there." for i in range(20)]
    data = docs.two_column_pdf_file(left, right, heading="A Paper Title", row_by_row=True)
    page = pdf_layout(data)[0]
    assert page.columns == 2
    assert [line.text for line in page.lines] == ["A Paper Title", *left, *right]
    assert reading_order_errors(left + right, page.text) == 0
    assert reading_order_errors(left + right, page_text(PdfReader(io.BytesIO(data)).pages[0])) == 39


def test_chinese_lines_have_no_spaces_between_characters():
    data, truth = paper_pdfs.chinese_paper()
    pages = pdf_layout(data)
    affiliation = "（示例大学 计算机学院，北京 100000）"      # the one space written between characters stays
    assert [line.text for line in pages[0].lines[:3]] == [truth.title, "张三、李四、王五", affiliation]
    text = "\n".join(page.text for page in pages)
    assert not re.search("[\u4e00-\u9fff] [\u4e00-\u9fff]", text.replace(affiliation, ""))
    assert reading_order_errors(truth.all_markers, text) == 0
    assert "表 1 测试集上的结果" in text.split("\n")


def test_a_cjk_font_with_an_embedded_cmap_is_read():
    """fpdf2 embeds Noto Sans CJK with its own encoding CMap, which pdfminer alone reads as no text at all."""
    pages = pdf_layout(docs.radical_pdf_file(["防冻⼿套两副。", "第二页"]))
    assert [page.text for page in pages] == ["防冻手套两副。", "第二页"]


def test_reading_order_errors_counts_pairs_out_of_order_and_missing_sentences():
    expected = ["One a.", "Two b.", "Three c.", "Four d."]
    assert reading_order_errors(expected, "One a. Two\nb. Three c.\nFour d.") == 0
    assert reading_order_errors(expected, "One a. Three c. Two b. Four d.") == 3
    assert reading_order_errors(expected, "One a. Two b. Four d.") == 2     # missing, and 2 -> 4
