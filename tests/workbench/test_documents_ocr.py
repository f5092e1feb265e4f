"""OCR of scanned PDF pages: which pages need it, and what RapidOCR reads on them (real engine, offline).

The PDF is made here with fpdf2: page 1 has a text layer, page 2 is a picture of three English sentences (DejaVu
Sans, 200 dpi, a page number stamped at the bottom), page 3 a picture of a Chinese sentence (Noto Sans CJK).
Each page takes ~2-4 s to read on two cores, so the module reads pages 2 and 3 once.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.scans import A4, DEJAVU, NOTO_CJK, char_accuracy, scan, scanned_pdf
from workbench.documents import ocr
from workbench.documents.layout import Line

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ["Scanned papers are read with optical character recognition.",
           "The model found 42 errors in 1,024 pages (about 4.1%).",
           "Each line keeps its position, so sections and captions can be found."]
CHINESE = ["扫描的论文页面通过文字识别读取，每一行都保留它在页面上的位置。"]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return scanned_pdf([scan(ENGLISH, DEJAVU, pt=12, footer="2"), scan(CHINESE, NOTO_CJK, pt=12)],
                       text_page="A page with a text layer, as a born-digital paper has.")


@pytest.fixture(scope="module")
def read(pdf: bytes) -> dict[int, list[Line]]:
    return ocr.recognise(pdf, [2, 3], name="scan.pdf")


def test_pages_without_a_text_layer_are_found(pdf):
    assert ocr.text_less_pages(pdf) == [2, 3]


def test_a_page_with_a_few_stamped_characters_still_needs_ocr_but_a_blank_page_does_not():
    from fpdf import FPDF

    document = FPDF(unit="pt", format="A4")
    document.set_font("helvetica", size=9)
    for stamp in ("- 17 -", "", "Twenty characters or more are text"):
        document.add_page()
        if stamp:
            document.text(280, 820, stamp)
    assert ocr.text_less_pages(bytes(document.output())) == [1]


def test_english_scan_is_read_exactly(read):
    assert [line.text for line in read[2]] == ENGLISH + ["2"]


def test_chinese_scan_is_read_exactly(read):
    assert [line.text for line in read[3]] == CHINESE


def test_lines_are_placed_on_the_page_in_points_top_down(read):
    width, height = A4
    for lines in read.values():
        assert all(0 <= line.x0 < line.x1 <= width and 0 <= line.top < height for line in lines)
        assert [line.top for line in lines] == sorted(line.top for line in lines)
        assert all(line.column == 0 and not line.bold for line in lines)
    first, second = read[2][:2]
    assert 68 <= first.x0 <= 76 and 66 <= first.top <= 74          # drawn one inch (72 pt) in, one inch down
    assert 19 <= second.top - first.top <= 24                        # 12 pt type, 1.8 leading: 21.6 pt
    assert all(10 <= line.size <= 15 for line in read[2][:3] + read[3])   # 12 pt type


def test_the_engine_is_made_once(pdf, read):
    engine = ocr.engine()
    again = ocr.recognise(pdf, [2], name="scan.pdf")
    assert ocr.engine() is engine and again[2] == read[2]


def test_a_page_that_cannot_be_rendered_has_no_lines_and_is_logged(pdf, caplog):
    with caplog.at_level(logging.WARNING, logger="workbench.documents.ocr"):
        assert ocr.recognise(pdf, [9], name="scan.pdf") == {9: []}
        assert ocr.recognise(b"%PDF-1.7 not a pdf at all", [1], name="bad.pdf") == {1: []}
    assert "page 9 could not be rendered: the PDF has 3 pages" in caplog.text
    assert "page 1 could not be rendered: the PDF does not open" in caplog.text
    assert ocr.recognise(pdf, []) == {}


def test_two_columns_read_left_then_right_between_spanning_lines():
    def line(text: str, top: float, x0: float, x1: float) -> Line:
        return Line(text, top=top, x0=x0, x1=x1, size=10)

    title = line("A two-column title", 60, 150, 450)
    left = [line(f"left {i}", 100 + 14 * i, 72, 290) for i in range(4)]
    right = [line(f"right {i}", 100 + 14 * i, 306, 523) for i in range(4)]
    caption = line("Figure 1: a wide figure's caption", 170, 72, 523)
    after = [line("left after", 190, 72, 290), line("right after", 190, 306, 523)]
    shuffled = [right[2], after[1], left[0], caption, title, right[0], left[3], after[0], left[1], right[1],
                left[2], right[3]]
    ordered = ocr.reading_order(shuffled, width=595)
    assert [x.text for x in ordered] == ([title.text] + [x.text for x in left] + [x.text for x in right]
                                         + [caption.text, "left after", "right after"])
    assert [x.column for x in ordered] == [0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 1, 2]
    one_column = [line("Header left", 40, 72, 200), line("page 3", 41, 480, 523)]
    one_column += [line(f"a full-width line {i}", 80 + 14 * i, 72, 523) for i in range(6)]
    assert [x.text for x in ocr.reading_order(one_column[::-1], width=595)] == [x.text for x in one_column]


def test_character_accuracy():
    assert char_accuracy("scanned", "scanned") == 1.0
    assert char_accuracy("scanned page", "scanned  pag") == pytest.approx(1 - 2 / 12)
    assert char_accuracy("abc", "") == 0.0 and char_accuracy("", "") == 1.0


def test_a_broken_install_is_a_clear_refusal_and_the_engine_needs_no_network():
    """In a fresh process: importing the module loads neither pypdfium2 nor RapidOCR; with RapidOCR not importable,
    recognise refuses in words; once it imports, the engine is made with every socket refused (nothing is
    downloaded: the models are in the wheel)."""
    code = """
import socket, sys
def refused(*args, **kwargs):
    raise AssertionError("network used")
socket.socket.connect = socket.getaddrinfo = socket.create_connection = refused
import workbench.documents.ocr as ocr
from workbench.documents import DocumentError
print("rapidocr_onnxruntime" in sys.modules, "pypdfium2" in sys.modules)
sys.modules["rapidocr_onnxruntime"] = None
try:
    ocr.recognise(b"", [1], name="scan.pdf")
except DocumentError as error:
    print(error.code); print(error.message); print(error.text("zh"))
del sys.modules["rapidocr_onnxruntime"]
print(type(ocr.engine()).__name__)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [
        "False False", "ocr_unavailable",
        "The scanned pages of “scan.pdf” could not be read: the OCR engine is not installed. Ask an admin to run "
        "pip install -r requirements.txt.",
        "无法读取“scan.pdf”中的扫描页：文字识别（OCR）引擎没有安装。请联系管理员运行 pip install -r requirements.txt。",
        "RapidOCR"]
