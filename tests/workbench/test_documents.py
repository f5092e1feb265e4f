"""Document parsing and chunking on real files built by tests.fakes.docs (hand-written PDFs, zipped DOCX)."""

from __future__ import annotations

import random
import re
import time

import pytest

from tests.fakes import docs
from workbench.documents import SUPPORTED_EXTENSIONS, Chunk, Document, DocumentError, Page, chunk, parse
from workbench.documents.pdf import clean

MB = 1024 * 1024
LIMIT = 20 * MB

PAGES = [
    "Deep learning for protein folding.\nThe first page introduces the problem.",
    "Methods: we trained a model (with care) on 1,024 structures.\n\nResults follow on the next page.",
    "Results: accuracy reached 92.5% on the held-out set.",
]


def refused(data: bytes, filename: str, *, max_bytes: int = LIMIT) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        parse(data, filename, max_bytes=max_bytes)
    return caught.value


# ---------------------------------------------------------------- PDF


def test_pdf_keeps_the_text_of_each_page():
    document = parse(docs.pdf_file(PAGES, title="Protein folding"), "paper.pdf", max_bytes=LIMIT)
    assert document.kind == "pdf"
    assert document.title == "Protein folding"
    assert [page.number for page in document.pages] == [1, 2, 3]
    assert [page.text for page in document.pages] == PAGES
    assert document.text == "\n\n".join(PAGES)
    assert document.chars == len(document.text)
    assert document.unreadable_pages == ()


def test_pdf_paragraph_gaps_stay_paragraphs():
    text = "First paragraph, line one.\nLine two.\n\nSecond paragraph.\nIts second line."
    document = parse(docs.pdf_file([text], compress=True), "p.pdf", max_bytes=LIMIT)
    assert document.pages[0].text == text


def test_pdf_words_split_across_lines_are_joined():
    text = "Structures man-\nagement, and the final en-\ncoding rules.\nX-\nRay stays."
    page = parse(docs.pdf_file([text]), "p.pdf", max_bytes=LIMIT).pages[0].text
    assert page == "Structures management,\nand the final encoding\nrules.\nX-\nRay stays."
    assert clean("\ufb01nal e\ufb00ort\x00") == "final effort"  # ligature glyphs spelled out


def test_chinese_pdf_text_per_page():
    pages = ["大型语言模型的研究进展。\n第一页第二行。", "第二页：实验结果表明，准确率为百分之九十。"]
    document = parse(docs.chinese_pdf_file(pages, title="中文论文"), "论文.pdf", max_bytes=LIMIT)
    assert [page.text for page in document.pages] == pages
    assert document.title == "中文论文"


def test_pdf_title_falls_back_to_the_file_name():
    assert parse(docs.pdf_file(["Body text."]), "folder/My Report.pdf", max_bytes=LIMIT).title == "My Report"
    generated = docs.pdf_file(["Body text."], title="Microsoft Word - draft7.docx")
    assert parse(generated, "final.pdf", max_bytes=LIMIT).title == "final"


def test_two_column_paper_reads_column_by_column():
    left = ["Abstract. We study how", "language models read", "two-column papers."]
    right = ["The right column starts", "a new section here."]
    document = parse(docs.two_column_pdf_file(left, right, heading="A Paper Title"), "paper.pdf", max_bytes=LIMIT)
    assert document.pages[0].text == "A Paper Title\n\n" + "\n".join(left + right)


def test_a_pdf_drawn_row_by_row_loses_no_text():
    """pypdf's known weakness: columns drawn line by line come out side by side — but nothing is lost."""
    left, right = ["left one", "left two"], ["right one", "right two"]
    text = parse(docs.two_column_pdf_file(left, right, row_by_row=True), "p.pdf", max_bytes=LIMIT).pages[0].text
    assert text.split("\n") == ["left one right one", "left two right two"]


def test_truncated_pdf_is_refused_clearly():
    data = docs.pdf_file(PAGES)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 40):
        error = refused(data[:cut], "broken.pdf")
        assert error.code == "corrupt"
        assert "The PDF “broken.pdf” could not be read: it may be damaged or encrypted." in error.message
        assert "无法读取 PDF“broken.pdf”：文件可能已损坏或被加密" in error.text("zh")
        assert error.text("zh-CN") == error.text("zh") and error.text("en") == error.message


def test_pdf_with_garbage_inside_is_refused_clearly():
    data = b"%PDF-1.7\n" + bytes(random.Random(4).randrange(256) for _ in range(5000)) + b"\n%%EOF\n"
    assert refused(data, "noise.pdf").code == "corrupt"


def test_password_protected_pdf_is_refused():
    error = refused(docs.encrypted_pdf_file(["Secret results."], user_password="s3cret"), "locked.pdf")
    assert error.code == "encrypted"
    assert error.message.startswith("The PDF “locked.pdf” is password-protected. Remove the password")
    assert error.text("zh").startswith("PDF“locked.pdf”设有密码保护。请先去掉密码")


def test_pdf_locked_only_against_editing_opens():
    data = docs.encrypted_pdf_file(["Printing is restricted, reading is not."], user_password="")
    assert parse(data, "restricted.pdf", max_bytes=LIMIT).pages[0].text == "Printing is restricted, reading is not."


def test_scanned_pdf_without_text_says_so():
    error = refused(docs.image_only_pdf_file(pages=2), "scan.pdf")
    assert error.code == "no_text"
    assert "has no text: it may be a scanned image; OCR is not supported" in error.message
    assert "没有文字：它可能是扫描的图片，目前不支持文字识别（OCR）" in error.text("zh")


def test_pdf_without_pages_is_refused_as_damaged():
    assert refused(docs.pdf_file([]), "blank.pdf").code == "corrupt"


def test_thirty_page_pdf_parses_and_chunks_every_page():
    pages = [f"Page {n} heading.\n" + " ".join(f"Sentence {n}.{i} says something about topic {i}." for i in range(40))
             for n in range(1, 31)]
    data = docs.pdf_file(pages, title="Thirty pages", compress=True)
    began = time.perf_counter()
    document = parse(data, "long.pdf", max_bytes=LIMIT)
    parsed = time.perf_counter() - began
    pieces = chunk(document, max_chars=1500, overlap_chars=150)
    print(f"\n30-page PDF ({len(data) // 1024} KB, {document.chars} chars): parsed in {parsed * 1000:.0f} ms, "
          f"chunked in {(time.perf_counter() - began - parsed) * 1000:.0f} ms into {len(pieces)} chunks")
    assert [page.text for page in document.pages] == pages
    assert {number for piece in pieces for number in piece.pages} == set(range(1, 31))
    for n in range(1, 31):  # every sentence of every page is in a chunk that names its page
        for i in (0, 39):
            sentence = f"Sentence {n}.{i} says something about topic {i}."
            assert any(sentence in piece.text and n in piece.pages for piece in pieces), sentence


# ---------------------------------------------------------------- DOCX

DOCX_BLOCKS = [
    ("title", "Annual Report 2026"),
    ("h", 1, "Introduction"),
    ("p", "The institute ran 40 projects.\tAll finished."),
    ("hz", 2, "研究方法"),
    ("p", "我们使用了大型语言模型。结果如下！"),
    ("li", "First item"),
    ("table", [["Model", "Score"], ["Qwen | small", "71.5"], ["模型", "80"]]),
    ("deleted", "This sentence was deleted with tracked changes."),
    ("p", "Line one\nline two"),
]


def test_docx_paragraphs_headings_tables_and_chinese():
    document = parse(docs.docx_file(DOCX_BLOCKS), "report.docx", max_bytes=LIMIT)
    assert document.kind == "docx"
    assert [page.number for page in document.pages] == [1]
    assert document.text == (
        "# Annual Report 2026\n\n"
        "# Introduction\n\n"
        "The institute ran 40 projects.\tAll finished.\n\n"
        "## 研究方法\n\n"
        "我们使用了大型语言模型。结果如下！\n\n"
        "- First item\n\n"
        "| Model | Score |\n| Qwen \\| small | 71.5 |\n| 模型 | 80 |\n\n"
        "Line one\nline two")
    assert document.title == "Annual Report 2026"


def test_docx_title_from_its_properties_then_first_heading():
    with_title = docs.docx_file([("p", "Body.")], title="Title From Properties")
    assert parse(with_title, "a.docx", max_bytes=LIMIT).title == "Title From Properties"
    assert parse(docs.docx_file([("p", "Body."), ("h", 2, "实验")]), "a.docx", max_bytes=LIMIT).title == "实验"
    assert parse(docs.docx_file([("p", "Body.")]), "notes.docx", max_bytes=LIMIT).title == "notes"


def test_docx_zip_bomb_is_refused():
    bomb = docs.zip_bomb_docx(65 * MB)
    assert len(bomb) < MB
    began = time.perf_counter()
    error = refused(bomb, "bomb.docx")
    print(f"\nzip bomb ({len(bomb) // 1024} KB -> 65 MB) refused in {(time.perf_counter() - began) * 1000:.0f} ms")
    assert error.code == "too_large_inside"
    assert "unpacks to more than 64 MB" in error.message and "解压后的内容超过 64 MB" in error.text("zh")


def test_damaged_docx_is_refused_clearly():
    data = docs.docx_file(DOCX_BLOCKS)
    error = refused(data[: len(data) // 2], "half.docx")
    assert error.code == "corrupt"
    assert error.message.startswith("The Word document “half.docx” could not be read: it may be damaged.")
    assert error.text("zh").startswith("无法读取 Word 文档“half.docx”：文件可能已损坏")
    bad_xml = docs.zip_file({"word/document.xml": '<!DOCTYPE x [<!ENTITY a "aaaa">]><w:document/>'})
    assert refused(bad_xml, "entity.docx").code == "corrupt"


def test_empty_docx_is_empty():
    assert refused(docs.docx_file([("p", "   ")]), "blank.docx").code == "empty"


# ---------------------------------------------------------------- text, Markdown, HTML

CHINESE = "第一章 引言\n深度学习改变了科学研究。本文讨论其影响。"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig", "utf-16", "utf-16-le"])
def test_text_files_in_chinese_encodings(encoding):
    document = parse(CHINESE.replace("\n", "\r\n").encode(encoding), "中文.txt", max_bytes=LIMIT)
    assert document.kind == "text"
    assert document.text == CHINESE
    assert document.title == "中文"


def test_western_text_that_is_not_utf8():
    assert parse("Café crème, naïve résumé.".encode("cp1252"), "menu.txt", max_bytes=LIMIT).text == \
        "Café crème, naïve résumé."


def test_markdown_keeps_its_text_and_finds_its_title():
    text = "Some intro.\n\n# Real Title\n\nBody with `code`.\n\n```python\nprint('x')\n```"
    document = parse(text.encode(), "notes.md", max_bytes=LIMIT)
    assert (document.kind, document.title, document.text) == ("markdown", "Real Title", text)
    front = "---\ntitle: \"From Front Matter\"\n---\n# Heading\n"
    assert parse(front.encode(), "n.markdown", max_bytes=LIMIT).title == "From Front Matter"
    assert parse(b"Title Line\n==========\nbody", "s.md", max_bytes=LIMIT).title == "Title Line"


HTML = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>研究 &amp; Notes</title>
<style>p { color: red }</style><script>document.write("<p>not text</p>")</script></head>
<body><h1>Main   heading</h1><p>First paragraph with <b>bold</b>
text.</p><script type="module">alert(1)</script><ul><li>one</li><li>two</li></ul>
<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><h2>中文小节</h2><p>中文段落。</p>
<noscript>Enable JavaScript</noscript></body></html>"""


def test_html_visible_text_without_scripts_or_styles():
    document = parse(HTML.encode("gb18030"), "page.html", max_bytes=LIMIT)
    assert document.kind == "html"
    assert document.title == "研究 & Notes"
    assert document.text == ("# Main heading\n\nFirst paragraph with bold text.\n\n- one\n- two\n\n"
                             "| A | B |\n| 1 | 2 |\n\n## 中文小节\n\n中文段落。")


def test_html_without_extension_is_sniffed():
    document = parse(b"<!doctype html><p>Hello there.</p>", "download", max_bytes=LIMIT)
    assert (document.kind, document.text, document.title) == ("html", "Hello there.", "download")


# ---------------------------------------------------------------- what a file really is


def test_program_renamed_pdf_is_refused():
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(500)
    error = refused(program, "invoice.pdf")
    assert error.code == "type_mismatch"
    assert error.message == ("“invoice.pdf” is named like a .pdf file but its content is a program or other binary "
                             "file. Upload the original document.")
    assert error.text("zh") == "“invoice.pdf”的扩展名是 .pdf，但内容是程序或其他二进制文件。请上传原始文档。"


@pytest.mark.parametrize("data,name", [
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.docx"),
    (b"Just some text.", "notes.pdf"),
    (docs.pdf_file(["A PDF."]), "renamed.docx"),
    (docs.pdf_file(["A PDF."]), "renamed.txt"),
    (docs.zip_file({"xl/workbook.xml": "<x/>"}), "sheet.docx"),
])
def test_content_that_disagrees_with_the_name_is_refused(data, name):
    assert refused(data, name).code == "type_mismatch"


def test_unsupported_type_lists_the_supported_ones():
    error = refused(b"a,b\n1,2\n", "data.xlsx")
    assert error.code == "unsupported_type"
    assert error.message == ("“data.xlsx” is not a supported document. Upload PDF, Word (.docx), Markdown (.md), "
                             "plain text (.txt) or HTML (.html).")
    assert error.text("zh") == ("不支持“data.xlsx”这种文件。"
                        "请上传 PDF、Word（.docx）、Markdown（.md）、纯文本（.txt）或 HTML（.html）。")
    assert set(SUPPORTED_EXTENSIONS) >= {".pdf", ".docx", ".md", ".txt", ".html"}


def test_old_word_files_are_explained():
    error = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "thesis.doc")
    assert error.code == "legacy_word"
    assert ".docx" in error.message and ".docx" in error.text("zh")


def test_pdf_without_extension_is_read_as_pdf():
    assert parse(docs.pdf_file(["No name."]), "upload", max_bytes=LIMIT).pages[0].text == "No name."


def test_too_big_names_the_limit():
    error = refused(b"x" * (2 * MB), "big.txt", max_bytes=MB)
    assert error.code == "too_large"
    assert error.message == "“big.txt” is 2 MB; the limit is 1 MB. Split it or upload a smaller file."
    assert error.text("zh") == "“big.txt”大小为 2 MB，超过了 1 MB 的上限。请拆分后再上传，或上传更小的文件。"


def test_empty_files_are_refused():
    for data, name in ((b"", "a.txt"), (b"  \n\t ", "b.md"), (b"<html><script>x()</script></html>", "c.html")):
        error = refused(data, name)
        assert error.code == "empty"
        assert error.message == f"“{name}” is empty: there is no text in it."
        assert error.text("zh") == f"“{name}”是空的：其中没有文字。"


def test_damaged_files_never_raise_anything_but_document_error():
    """Bytes flipped, cut or dropped anywhere in a PDF or DOCX: a Document or a DocumentError, nothing else."""
    rng = random.Random(20260)
    originals = {"x.pdf": docs.pdf_file(PAGES, title="T"), "y.pdf": docs.chinese_pdf_file(["中文。"]),
                 "z.docx": docs.docx_file(DOCX_BLOCKS)}
    for name, data in originals.items():
        for _ in range(40):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 12)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            if rng.random() < 0.3:
                start = rng.randrange(len(damaged))
                del damaged[start:start + rng.randint(1, 200)]
            try:
                result = parse(bytes(damaged), name, max_bytes=LIMIT)
            except DocumentError as error:
                assert error.message and error.text("zh")
            else:
                assert isinstance(result, Document)


# ---------------------------------------------------------------- chunking

SENTENCES = [f"Sentence number {i} talks about experiment {i} and its result of {i * 1.5:.1f} units." for i in
             range(1, 41)]


def overlap(before: Chunk, after: Chunk) -> str:
    """The longest start of ``after`` that ``before`` ends with."""
    return next((after.text[:k] for k in range(len(after.text), 0, -1) if before.text.endswith(after.text[:k])), "")


def _doc(*pages: str) -> Document:
    return Document("t.txt", "text", "t", tuple(Page(n, text) for n, text in enumerate(pages, start=1)))


def test_chunks_keep_english_sentences_whole_and_overlap():
    text = "\n\n".join(" ".join(SENTENCES[i:i + 5]) for i in range(0, 40, 5))
    pieces = chunk(_doc(text), max_chars=400, overlap_chars=120)
    assert len(pieces) > 5
    assert [piece.index for piece in pieces] == list(range(len(pieces)))
    for piece in pieces:
        assert len(piece.text) <= 400
        assert piece.text.endswith("units."), piece.text  # ends at a sentence end
        assert piece.text.startswith("Sentence number"), piece.text  # starts at a sentence start
    for sentence in SENTENCES:
        assert any(sentence in piece.text for piece in pieces), sentence
    for before, after in zip(pieces, pieces[1:], strict=False):  # the next chunk repeats the last sentence(s)
        repeated = overlap(before, after)
        assert 0 < len(repeated) <= 120
        assert repeated.startswith("Sentence number") and repeated.endswith("units.")


def test_chunks_prefer_paragraph_ends():
    paragraphs = [" ".join(SENTENCES[i:i + 3]) for i in range(0, 12, 3)]  # ~240 chars each
    pieces = chunk(_doc("\n\n".join(paragraphs)), max_chars=520, overlap_chars=0)
    assert [piece.text for piece in pieces] == ["\n\n".join(paragraphs[0:2]), "\n\n".join(paragraphs[2:4])]


CHINESE_SENTENCES = ["人工智能正在改变科学研究的方式。", "大型语言模型可以阅读论文、总结要点并回答问题！",
                     "研究人员需要可靠而且安全的工具；", "这些工具必须保护数据并记录每一次调用。",
                     "你准备好了吗？", "未来的实验室会是什么样子……"]


def test_chinese_without_spaces_splits_at_sentence_ends():
    text = "".join(CHINESE_SENTENCES * 6)
    pieces = chunk(_doc(text), max_chars=60, overlap_chars=25)
    assert len(pieces) > 4
    for piece in pieces:
        assert len(piece.text) <= 60
        assert piece.text[-1] in "。！？；…", piece.text
        assert any(piece.text.startswith(s) for s in CHINESE_SENTENCES), piece.text
    assert any(piece.text.endswith("人工智能正在改变科学研究的方式。") for piece in pieces)
    for before, after in zip(pieces, pieces[1:], strict=False):  # overlap: whole sentences, at most 25 chars
        repeated = overlap(before, after)
        assert 0 < len(repeated) <= 25
        assert any(repeated.startswith(s) for s in CHINESE_SENTENCES) and repeated[-1] in "。！？；…", repeated


def test_chunks_know_their_pages():
    pages = [" ".join(SENTENCES[i:i + 4]) for i in range(0, 12, 4)]  # ~320 chars a page
    document = parse(docs.pdf_file(pages), "p.pdf", max_bytes=LIMIT)
    pieces = chunk(document, max_chars=200, overlap_chars=0)
    for piece in pieces:
        assert len(piece.pages) == 1
        assert piece.text in document.pages[piece.page - 1].text
    assert [piece.page for piece in pieces] == sorted(piece.page for piece in pieces)
    spanning = chunk(document, max_chars=500, overlap_chars=0)
    assert spanning[0].pages == (1, 2)
    assert spanning[0].text.startswith(pages[0]) and SENTENCES[4] in spanning[0].text


def test_chunks_never_cut_a_word_or_number():
    words = "The constant 3.14159265 and the count 1,234,567 appear beside extraordinarily-long-hyphenated words"
    text = " ".join([words] * 30)
    tokens = set(words.split())
    for max_chars, overlap in ((50, 10), (73, 0), (120, 40)):
        pieces = chunk(_doc(text), max_chars=max_chars, overlap_chars=overlap)
        for piece in pieces:
            assert len(piece.text) <= max_chars
            assert set(piece.text.split()) <= tokens, piece.text


def test_mixed_chinese_and_english_never_cuts_latin_words():
    text = "我们在 ImageNet 数据集上训练了 ResNet50 模型，准确率达到 76.1%，耗时 3600 秒" * 8
    for piece in chunk(_doc(text), max_chars=30, overlap_chars=8):
        assert len(piece.text) <= 30
        for word in re.findall(r"[A-Za-z0-9.%]+", piece.text):
            assert word in {"ImageNet", "ResNet50", "76.1%", "3600"}, piece.text


def test_an_unbreakable_run_is_cut_and_nothing_is_lost():
    run = "A" * 250
    pieces = chunk(_doc(f"Short start. {run} end."), max_chars=100, overlap_chars=20)
    assert all(len(piece.text) <= 100 for piece in pieces)
    assert sum(piece.text.count("A") for piece in pieces) >= 250
    assert pieces[0].text == "Short start." and pieces[-1].text.endswith("end.")


def test_chunking_is_deterministic_and_checks_its_settings():
    document = _doc("".join(CHINESE_SENTENCES * 5), " ".join(SENTENCES))
    assert chunk(document, max_chars=300, overlap_chars=50) == chunk(document, max_chars=300, overlap_chars=50)
    assert all(isinstance(piece, Chunk) for piece in chunk(document, max_chars=300))
    assert chunk(_doc("   "), max_chars=10) == []
    with pytest.raises(ValueError, match="overlap_chars"):
        chunk(document, max_chars=100, overlap_chars=100)
    with pytest.raises(ValueError, match="max_chars"):
        chunk(document, max_chars=0)
