"""Knowledge-base chunking on real parsed documents (tests.fakes.docs PDFs and DOCX, Markdown, Chinese text):
structure first, Chinese-aware sentences, sizes in tokens (workbench.chat.estimate_tokens), overlap."""

from __future__ import annotations

import random
import re

import pytest

from tests.fakes import docs
from workbench.chat import estimate_tokens
from workbench.documents import Document, Page, parse
from workbench.kb.chunking import KBChunk, chunk_document

MB = 1024 * 1024


def text_document(text: str, kind: str = "markdown", name: str = "notes.md") -> Document:
    return Document(filename=name, kind=kind, title=name, pages=(Page(1, text),))


def within_limits(chunks: list[KBChunk], chunk_tokens: int) -> None:
    for c in chunks:
        assert c.tokens == estimate_tokens(c.context) <= chunk_tokens, (c.tokens, c.context[:80])
        assert c.text == c.text.strip() and c.text


HANDBOOK = """# Lab handbook

Welcome to the lab. Read this before your first day.

## Safety

### Chemicals

Store acids below eye level. Label every bottle with the date it was opened.

### Fire

The fire blanket hangs beside the door. The assembly point is the car park.

## Equipment

""" + " ".join(f"The centrifuge rule number {i} says to balance the tubes before starting." for i in range(30)) + """

## Booking

## Contacts

Ask the lab manager, room 214.
"""


def test_markdown_chunks_follow_the_headings_and_carry_their_path():
    chunks = chunk_document(text_document(HANDBOOK), chunk_tokens=120, overlap_tokens=20)
    within_limits(chunks, 120)
    headings = [c.heading for c in chunks]
    assert headings[0] == "Lab handbook" and chunks[0].text.startswith("# Lab handbook\n\nWelcome")
    # Chemicals and Fire are small: packed into one chunk under their common parent
    safety = [c for c in chunks if c.heading == "Lab handbook > Safety"]
    assert len(safety) == 1 and "Store acids" in safety[0].text and "fire blanket" in safety[0].text
    # the long section is split, each piece with its path; nothing of Safety or Booking mixed in
    equipment = [c for c in chunks if c.heading == "Lab handbook > Equipment"]
    assert len(equipment) >= 3
    assert all("acids" not in c.text and "lab manager" not in c.text for c in equipment)
    assert equipment[0].text.startswith("## Equipment")
    # "## Booking" has no text of its own and is no chunk; Contacts is one of its own
    assert not any("Booking" in c.text for c in chunks)
    assert chunks[-1].heading == "Lab handbook > Contacts"
    assert chunks[-1].text == "## Contacts\n\nAsk the lab manager, room 214."
    assert all(c.first_page is None and c.last_page is None for c in chunks)    # Markdown has no pages
    assert chunks == chunk_document(text_document(HANDBOOK), chunk_tokens=120, overlap_tokens=20)   # same input


def test_a_chunk_never_spans_two_top_sections_even_when_both_would_fit():
    text = "## Alpha\n\nShort alpha text.\n\n## Beta\n\nShort beta text.\n\n### Beta one\n\nMore beta."
    chunks = chunk_document(text_document(text), chunk_tokens=400, overlap_tokens=0)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Alpha", "## Alpha\n\nShort alpha text."),
        ("Beta", "## Beta\n\nShort beta text.\n\n### Beta one\n\nMore beta."),
    ]


def test_split_pieces_overlap_by_whole_sentences_within_the_overlap_budget():
    sentences = [f"Sentence {i} tells about sample {i * 7} in the cold room." for i in range(60)]
    chunks = chunk_document(text_document(" ".join(sentences), kind="text", name="a.txt"), chunk_tokens=100,
                            overlap_tokens=30)
    within_limits(chunks, 100)
    assert len(chunks) > 5
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.text.startswith("Sentence ") and before.text.endswith(".")
        shared = next(s for s in sentences if after.text.startswith(s))
        assert shared in before.text                                    # the next piece repeats a whole sentence
        overlap = before.text[before.text.index(shared):]
        assert after.text.startswith(overlap) and estimate_tokens(overlap) <= 30
    no_overlap = chunk_document(text_document(" ".join(sentences), kind="text", name="a.txt"), chunk_tokens=100,
                                overlap_tokens=0)
    assert " ".join(c.text for c in no_overlap) == " ".join(sentences)


CHINESE = ("第一章 总则\n" + "".join(f"第{i}条规定实验室的第{i}项安全要求，所有人员必须遵守。" for i in range(1, 9)) +
           "\n第二章 设备管理\n" + "".join(f"设备{i}使用前须登记；使用后须清洁并归位！" for i in range(1, 40)) +
           "\n第三章 附则\n本办法自发布之日起施行。")


def test_a_chinese_document_is_cut_at_sentence_ends_with_sizes_in_tokens():
    chunks = chunk_document(text_document(CHINESE, kind="text", name="办法.txt"), chunk_tokens=100, overlap_tokens=25)
    within_limits(chunks, 100)
    assert [c.heading for c in chunks][0] == "第一章 总则" and chunks[-1].heading == "第三章 附则"
    assert {c.heading for c in chunks} == {"第一章 总则", "第二章 设备管理", "第三章 附则"}
    middle = [c for c in chunks if c.heading == "第二章 设备管理"]
    assert len(middle) >= 4
    for c in middle:
        assert re.search(r"[。！？；]$", c.text), c.text[-10:]                # ends at 。！？；
    for before, after in zip(middle, middle[1:], strict=False):
        assert re.match(r"(设备\d+使用|使用后)", after.text), after.text[:12]   # starts at a sentence (or ；) start
        start = after.text[:8]
        assert start in before.text and estimate_tokens(before.text[before.text.rindex(start):]) <= 25
    assert max(c.tokens for c in middle) > 70                                # filled, not cut short


def test_chinese_pdf_keeps_pages_and_numbered_headings():
    pages = ["一、研究背景\n近年来，大型语言模型发展迅速。本文研究其在科研中的应用。",
             "二、研究方法\n我们收集了一千篇论文。每篇论文由两位专家标注。",
             "标注结果经过交叉核对。\n三、结论\n模型在摘要任务上表现良好。"]
    document = parse(docs.chinese_pdf_file(pages), "论文.pdf", max_bytes=20 * MB)
    chunks = chunk_document(document, chunk_tokens=200, overlap_tokens=20)
    assert [(c.heading, c.first_page, c.last_page) for c in chunks] == [
        ("一、研究背景", 1, 1), ("二、研究方法", 2, 3), ("三、结论", 3, 3)]
    assert chunks[1].text.endswith("标注结果经过交叉核对。")


def test_numbered_headings_in_a_pdf_but_not_lists_or_wrapped_lines():
    pages = ["1 Introduction\nWe study bees on roofs. The steps were:\n1. Count the hives\n2. Weigh the honey\n"
             "3. Report the result",
             "2 Methods\nEach hive was weighed in the morning, and\n3 Scales were used for each hive.\n"
             "2.1 Data\nThe data are public.",
             "3 Results\nThe colonies produced 42 kilograms of honey."]
    document = parse(docs.pdf_file(pages), "bees.pdf", max_bytes=20 * MB)
    chunks = chunk_document(document, chunk_tokens=60, overlap_tokens=0)
    assert [c.heading for c in chunks] == ["1 Introduction", "2 Methods", "3 Results"]
    assert "2. Weigh the honey" in chunks[0].text                # a numbered list stays in its section
    methods = next(c for c in chunks if c.heading == "2 Methods")
    assert "3 Scales were used" in methods.text                  # a wrapped line starting with a number
    assert methods.text.endswith("2.1 Data\nThe data are public.")   # a small subsection packed with its parent
    assert (methods.first_page, chunks[-1].first_page, chunks[-1].last_page) == (2, 3, 3)
    smaller = chunk_document(document, chunk_tokens=30, overlap_tokens=0)
    within_limits(smaller, 30)
    assert ("2 Methods > 2.1 Data", "2.1 Data\nThe data are public.") in [(c.heading, c.text) for c in smaller]


def test_docx_headings_become_the_path():
    data = docs.docx_file([("title", "Protocol"), ("p", "General notes."), ("h", 1, "Preparation"),
                           ("p", "Warm the buffer."), ("h", 2, "Reagents"), ("p", "Use fresh reagents."),
                           ("h", 1, "Cleanup"), ("p", "Wash everything.")])
    chunks = chunk_document(parse(data, "protocol.docx", max_bytes=20 * MB), chunk_tokens=300, overlap_tokens=30)
    assert [c.heading for c in chunks] == ["Protocol", "Preparation", "Cleanup"]
    assert "Use fresh reagents." in chunks[1].text and chunks[1].text.startswith("# Preparation")


def test_csv_rows_are_never_cut_and_keep_their_column_names():
    rows = "\n".join(f"S{i:03d},{'Lyon' if i % 2 else '北京'},{i * 1.5}" for i in range(200))
    document = parse(("sample,city,mass_g\n" + rows).encode(), "samples.csv", max_bytes=20 * MB)
    chunks = chunk_document(document, chunk_tokens=120, overlap_tokens=20)
    within_limits(chunks, 120)
    for c in chunks:
        for line in c.text.split("\n\n"):
            assert line.startswith("Columns:") or re.fullmatch(r"sample: S\d{3}; city: (Lyon|北京); mass_g: [\d.]+",
                                                               line), line
    assert sum(c.text.count("sample: S") for c in chunks) >= 200


def test_token_limits_hold_on_random_mixed_text():
    rng = random.Random(7)
    words = ["实验", "数据", "model", "results", "。", "，", ". ", "\n\n", "！", "GPU", "集群", "the", "sample", "; "]
    for _ in range(20):
        text = "".join(rng.choice(words) for _ in range(rng.randint(50, 3000))).strip() or "x"
        size = rng.choice([16, 50, 120, 400])
        chunks = chunk_document(text_document(text, kind="text", name="r.txt"), chunk_tokens=size,
                                overlap_tokens=rng.randint(0, size - 1))
        within_limits(chunks, size)


def test_one_unbroken_run_longer_than_a_chunk_is_cut_at_the_limit():
    chunks = chunk_document(text_document("x" * 2000, kind="text", name="x.txt"), chunk_tokens=100, overlap_tokens=0)
    assert [c.tokens for c in chunks][:3] == [100, 100, 100] and "".join(c.text for c in chunks) == "x" * 2000


@pytest.mark.parametrize(("chunk_tokens", "overlap_tokens"), [(10, 0), (100, 100), (100, -1), (True, 0)])
def test_bad_sizes_are_refused(chunk_tokens, overlap_tokens):
    with pytest.raises(ValueError):
        chunk_document(text_document("text"), chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens)
