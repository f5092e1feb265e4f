"""Documents attached to conversations: stored in a real DuckDB file, owner-only, limited; retrieval through
the real gateway process (embedded USE v3 embeddings, the embedded chat model) with page citations.

The report below is a real 30-page PDF (tests.fakes.docs) with one fact on page 17: the rooftop beehives'
42 kilograms of honey. Questions about it are worded differently from the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Iterator

import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.fakes import docs
from tests.workbench.attachment_store import EMBEDDING, Setup, attach
from tests.workbench.documents import FACT, report_pdf
from workbench.attachments import AttachmentError, AttachmentNotFound, Limits, Progress, render
from workbench.chat import ChatEngine, ContentDelta, Done
from workbench.conversations import NotFound
from workbench.documents import DocumentError
from workbench.lexical import terms
from workbench.retrieval import Retriever, document_budget, lexical_scores, page_ranges
from workbench.store import store_path

EMBEDDED = "qwen2.5-coder:0.5b"
def on_page(text: str, number: int) -> str:
    """The text after the "[p. N]" marker up to the next marker ("" when the page is not there)."""
    found = re.search(rf"\[p\. {number}\]\n(.*?)(?=\n\n\[p\. \d+\]|\n\n\[…\]|\Z)", text, re.S)
    return found.group(1) if found else ""


def shown_on_page(found, number: int, name: str | None = None) -> str:
    """The text of the numbered passages on page ``number`` (of document ``name``), each checked against its
    document's block ("[n] p. N" and the same text); "" when the page is not there."""
    blocks = {b.title: b.text for b in found.blocks}
    out = []
    for s in found.sources:
        if s.first_page == number and (name is None or s.document == name):
            assert f"\n\n[{s.index}] p. {number}\n{s.text}" in blocks[s.document]
            out.append(s.text)
    return "\n".join(out)


@pytest.fixture()
def setup(tmp_path) -> Iterator[Setup]:
    s = Setup(store_path(tmp_path))
    yield s
    s.store.close()


def client(gw) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gw.url + "/v1", api_key=MASTER_KEY, max_retries=0, timeout=300)


# -- attaching (DuckDB only) ------------------------------------------------------------------------------
def test_a_pdf_is_attached_in_a_worker_thread_with_progress_and_keeps_its_pages(setup):
    conv = setup.convs.create("alice")
    events: list[tuple[Progress, str]] = []
    started = time.monotonic()

    async def go():
        return await asyncio.to_thread(attach, setup, "alice", conv.id, "C:\\Users\\a\\report.pdf", report_pdf(),
                                       progress=lambda p: events.append((p, threading.current_thread().name)))

    doc = run(go())
    print(f"attached 30 pages in {time.monotonic() - started:.2f} s")
    assert all(name != "MainThread" for _, name in events)             # the work ran off the caller's thread
    stages = [e.stage for e, _ in events]
    assert stages[0] == "reading" and stages[-1] == "saving"
    assert [s for i, s in enumerate(stages) if i == 0 or s != stages[i - 1]] == ["reading", "chunking", "saving"]
    for stage in ("reading", "chunking", "saving"):
        done = [e.done for e, _ in events if e.stage == stage]
        assert done == sorted(done) and done[-1] == events[[e.stage for e, _ in events].index(stage)][0].total
    assert (doc.name, doc.kind, doc.title, doc.pages, doc.language) == ("report.pdf", "pdf", "Annual report", 30, "en")
    assert doc.chunks == setup.count("attachment_chunks") > 5 and doc.unreadable_pages == ()
    assert [a.id for a in setup.attachments.list("alice", conv.id)] == [doc.id]
    text = setup.attachments.text(doc)
    assert FACT in on_page(text, 17) and FACT not in on_page(text, 16)
    assert [int(n) for n in re.findall(r"\[p\. (\d+)\]", text)] == list(range(1, 31))
    passages = setup.attachments.passages(doc)
    holder = next(p for p in passages if FACT in p.text)
    assert holder.first_page <= 17 <= holder.last_page and FACT in on_page(holder.text, 17)
    assert passages[0].first_page == 1 and passages[-1].last_page == 30


def test_word_and_markdown_documents_have_no_page_markers(setup):
    conv = setup.convs.create("alice")
    word = attach(setup, "alice", conv.id, "plan.docx", docs.docx_file([("h", 1, "Plan"), ("p", "Step one.")]))
    notes = attach(setup, "alice", conv.id, "笔记.md", "# 会议纪要\n\n今天讨论了预算。".encode())
    assert (word.kind, word.pages, word.paged) == ("docx", 1, False)
    assert (notes.kind, notes.language, notes.name) == ("markdown", "zh", "笔记.md")
    assert "[p." not in setup.attachments.text(word) and "Step one." in setup.attachments.text(word)
    assert [a.name for a in setup.attachments.list("alice", conv.id)] == ["plan.docx", "笔记.md"]


def test_render_marks_each_page_of_a_span():
    from workbench.attachments import PageText

    pages = [PageText(1, 0, "alpha beta"), PageText(2, None, ""), PageText(3, 11, "gamma delta")]
    assert render(pages) == "[p. 1]\nalpha beta\n\n[p. 3]\ngamma delta"
    assert render(pages, 6, 16) == "[p. 1]\nbeta\n\n[p. 3]\ngamma"
    assert render(pages, 6, 16, markers=False) == "beta\n\ngamma"


def test_another_user_gets_the_same_not_found_everywhere(setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())
    missing = pytest.raises(NotFound)
    with missing as own_missing:
        setup.attachments.list("alice", "no-such-conversation")
    for call in (lambda: attach(setup, "bob", conv.id, "x.txt", b"hello"),
                 lambda: setup.attachments.list("bob", conv.id),
                 lambda: setup.attachments.remove_all("bob", conv.id)):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.message == own_missing.value.message
        assert caught.value.text("zh") == own_missing.value.text("zh")
    for call in (lambda: setup.attachments.get("bob", doc.id), lambda: setup.attachments.delete("bob", doc.id),
                 lambda: setup.attachments.get("alice", "no-such-document")):
        with pytest.raises(AttachmentNotFound) as caught:
            call()
        assert caught.value.text("en") == "This document does not exist (it may have been removed)."
        assert caught.value.text("zh") == "该文档不存在（可能已被移除）。"
    assert [a.id for a in setup.attachments.list("alice", conv.id)] == [doc.id]    # untouched
    assert setup.count("attachments") == 1


def test_limits_on_count_and_total_size_are_readable_in_english_and_chinese(tmp_path):
    s = Setup(store_path(tmp_path), Limits(max_files=2, max_total_bytes=20_000))
    try:
        conv = s.convs.create("alice")
        attach(s, "alice", conv.id, "a.txt", b"first document")
        big = attach(s, "alice", conv.id, "report.pdf", report_pdf())
        assert big.bytes > 10_000
        with pytest.raises(AttachmentError) as caught:
            attach(s, "alice", conv.id, "c.txt", b"third document")
        e = caught.value
        assert e.code == "too_many_files"
        assert e.text("en") == ("This conversation already has 2 documents, the most it can hold. Remove one, or "
                                "start a new conversation for more documents.")
        assert e.text("zh-CN") == "该对话已有 2 个文档，达到上限。请先移除一个，或新建对话再上传。"
        s.attachments.delete("alice", s.attachments.list("alice", conv.id)[0].id)
        with pytest.raises(AttachmentError) as caught:
            attach(s, "alice", conv.id, "again.pdf", report_pdf())         # 2 x ~13 KB > 20,000 bytes together
        e = caught.value
        assert e.code == "total_too_large" and "“again.pdf”" in e.message and "19.5 KB together" in e.message
        assert "一个对话的文档合计不能超过 19.5 KB" in e.text("zh")
        with pytest.raises(DocumentError) as caught:                      # one file over the upload limit
            attach(s, "alice", conv.id, "c.txt", b"x" * 2000, max_bytes=1000)
        assert caught.value.code == "too_large" and "the limit is 1000 bytes" in caught.value.message
        assert "超过了 1000 bytes 的上限" in caught.value.text("zh")
        assert [a.name for a in s.attachments.list("alice", conv.id)] == ["report.pdf"]
        with pytest.raises(ValueError, match="attachments.max_files must be a whole number of at least 1"):
            Limits(max_files=0)
    finally:
        s.store.close()


def test_a_corrupt_pdf_raises_the_document_error_and_stores_nothing(setup):
    conv = setup.convs.create("alice")
    data = report_pdf()
    with pytest.raises(DocumentError) as caught:
        attach(setup, "alice", conv.id, "broken.pdf", data[: len(data) // 2])
    assert caught.value.code == "corrupt"
    assert caught.value.text("en").startswith("The PDF “broken.pdf” could not be read")
    assert caught.value.text("zh").startswith("无法读取 PDF“broken.pdf”")
    assert setup.attachments.list("alice", conv.id) == []
    assert [setup.count(t) for t in ("attachments", "attachment_pages", "attachment_chunks")] == [0, 0, 0]


def test_delete_remove_all_and_orphans_leave_no_rows(setup):
    conv, other = setup.convs.create("alice"), setup.convs.create("alice")
    a = attach(setup, "alice", conv.id, "a.pdf", report_pdf())
    attach(setup, "alice", conv.id, "b.txt", b"notes")
    attach(setup, "alice", other.id, "c.txt", b"more notes")
    setup.attachments.save_summary(a, "m", "en", "a summary", [])
    setup.attachments.delete("alice", a.id)
    assert [x.name for x in setup.attachments.list("alice", conv.id)] == ["b.txt"]
    assert setup.count("attachment_summaries") == 0
    assert setup.attachments.remove_all("alice", conv.id) == 1
    setup.convs.delete("alice", other.id)                  # deleted without remove_all: its document is orphaned
    assert setup.attachments.purge_orphans() == 1
    assert [setup.count(t) for t in ("attachments", "attachment_pages", "attachment_chunks")] == [0, 0, 0]


# -- retrieval: pure parts ---------------------------------------------------------------------------
def test_page_ranges_terms_and_lexical_scores():
    assert page_ranges([22, 3, 16, 17, 18, 17]) == "3, 16–18, 22"
    assert terms("Who looks after the beehives?") == {"look", "after", "beehive"}
    assert {"蜜蜂", "蜂蜜"} <= terms("屋顶上的蜜蜂产了多少蜂蜜？")
    scores = lexical_scores("Who looks after the beehives?", ["six beehives on the roof", "the library", "roof"])
    assert scores[0] > scores[2] >= scores[1] == 0
    assert document_budget(8192) == (8192 - 1024 - 32 - 409) // 2


# -- retrieval through the real gateway --------------------------------------------------------------------
def retrieve(gw, s: Setup, user: str, cid: str, question: str, budget: int, **kw):
    async def go():
        async with client(gw) as c:
            retriever = Retriever(s.attachments, c, EMBEDDING, **kw)
            found = await retriever.context(user, cid, question, budget_tokens=budget)
            print(f"{question!r}: best passages {retriever.last_scores[:4]}")
            return found, retriever.embedded
    return run(go())


@pytest.mark.parametrize(("question", "lexical"), [
    ("What did the insect colonies on the roof yield?", 0.3),    # no word in common with the page but "roof"
    ("What did the insect colonies on the roof yield?", 0.0),    # the embeddings alone
    ("屋顶上的蜜蜂产了多少蜂蜜？", 0.3),                            # Chinese question, English report: embeddings only
])
def test_a_question_gets_the_passage_of_page_17_cited_with_the_document_name(embedded_gateway, setup, question,
                                                                              lexical):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())
    attach(setup, "alice", conv.id, "menu.txt", b"Lunch menu: soup, bread and apples on Fridays.")
    started = time.monotonic()
    found, embedded = retrieve(embedded_gateway, setup, "alice", conv.id, question, budget=450,
                               lexical_weight=lexical)
    print(f"retrieval (embedding {embedded} chunks) took {time.monotonic() - started:.2f} s")
    assert found.mode == "excerpts" and embedded == doc.chunks + 1            # + the lunch menu's one chunk
    assert FACT in shown_on_page(found, 17, "report.pdf"), found.blocks
    report = next(b for b in found.blocks if b.title == "report.pdf")
    line = report.text.splitlines()[0]
    assert re.fullmatch(r"Passages of “report\.pdf” \(30 pages\) chosen for this question: pages? [\d–, ]+\. The "
                        r"rest of the document is not shown here\. Cite each passage you use as \[n\] right after "
                        r"the sentence it supports; cite only these numbers, never a page or a source of your own\.",
                        line), line
    shown = next(i for i in found.included if i.name == "report.pdf")
    assert 17 in shown.pages and len(shown.pages) < 10 and not shown.complete
    assert page_ranges(shown.pages) in line
    assert [s.index for s in found.sources] == list(range(1, len(found.sources) + 1))
    left_out = found.blocks[-1]                         # the lunch menu is attached but not shown: the model is told
    assert left_out.title == "Other attached documents" and "“menu.txt”" in left_out.text


CHINESE_PAGES = [
    "引言\n本报告介绍北方应用研究所一年来的工作，包括各研究组、设施、财务和公众活动。报告由所务办公室编写，经理事会审议通过。",
    "人员\n年底全所共有职工二百一十二人，其中博士研究生八十七人。招聘重点是数据科学和实验技术人员，新进人员均参加了入职培训。",
    "财务\n全年收入增至四千八百万欧元，主要来自竞争性科研经费。通过与合作高校联合采购，管理费用控制在百分之十一以下。",
    "计算\n计算集群新增四十个节点。调度器重新配置后，作业平均排队时间从九小时降到两小时，用户满意度明显提高。",
    "气候组\n气候组利用树木年轮和教堂档案，重建了本地区五百年来的降水记录。成果发表后被多家媒体报道。",
    "材料组\n材料组研制出一种可回收的食品包装聚合物，在工业堆肥条件下八周内即可降解，目前正与企业洽谈转化。",
    "校园\n职工志愿者在主楼屋顶上养了六箱蜜蜂，今年共收获四十二公斤蜂蜜，在冬季义卖会上售出，所得全部用于资助奖学金。",
    "开放日\n开放日共接待三千四百名来访者。中小学生可以动手做关于光和颜色的实验，许多家庭全家一起参加。",
    "设备\n一台新的电子显微镜安装在地下室，安装前对地面做了加固以减少振动。该设备向全所各组开放预约。",
    "展望\n明年研究所计划新建一个量子传感实验室，并翻修主报告厅。理事会已批准相关预算。",
]


def test_a_chinese_report_answers_a_chinese_question_from_page_7(embedded_gateway, setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "年报.pdf", docs.chinese_pdf_file(CHINESE_PAGES, title="年度报告"))
    assert (doc.language, doc.pages, doc.title) == ("zh", 10, "年度报告")
    found, _ = retrieve(embedded_gateway, setup, "alice", conv.id, "楼顶的蜂箱今年产出了多少？", budget=450)
    assert found.mode == "excerpts" and doc.tokens > 450 and len(found.included[0].pages) < 8
    assert "四十二公斤蜂蜜" in shown_on_page(found, 7), found.blocks
    assert found.blocks[0].text.startswith("Passages of “年报.pdf” (10 pages) chosen for this question: page")


def test_another_question_gets_another_page(embedded_gateway, setup):
    conv = setup.convs.create("alice")
    attach(setup, "alice", conv.id, "report.pdf", report_pdf())
    found, _ = retrieve(embedded_gateway, setup, "alice", conv.id, "Where was the new microscope put?", budget=400)
    assert "basement" in shown_on_page(found, 21) and FACT not in str(found.blocks)


def test_documents_that_fit_go_whole_and_too_small_a_budget_says_so(embedded_gateway, setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())
    found, embedded = retrieve(embedded_gateway, setup, "alice", conv.id, "Anything about bees?", budget=5000)
    assert found.mode == "full" and embedded == 0 and len(found.blocks) == 1
    assert found.blocks[0].text.startswith("The whole text of “report.pdf” (30 pages), in numbered passages. Cite "
                                           "each passage you use as [n]")
    assert FACT in shown_on_page(found, 17) and "Acknowledgements" in shown_on_page(found, 30)
    assert {s.first_page for s in found.sources} == set(range(1, 31))        # every page, each passage on one
    whole = "".join(s.text for s in found.sources)                           # the text once (no chunk overlap)
    assert whole.count("The institute employed 212 people") == 1
    assert found.included[0].complete and found.included[0].pages == tuple(range(1, 31))
    found, _ = retrieve(embedded_gateway, setup, "alice", conv.id, "Anything about bees?", budget=60)
    assert found.mode == "nothing_fits" and "“report.pdf”" in found.blocks[0].text and FACT not in found.blocks[0].text
    assert doc.tokens < 5000
    with pytest.raises(NotFound):
        retrieve(embedded_gateway, setup, "bob", conv.id, "Anything about bees?", budget=5000)


def test_the_embedded_model_answers_from_the_retrieved_page(embedded_gateway, setup):
    conv = setup.convs.create("alice", model=EMBEDDED, temperature=0, max_tokens=60)
    attach(setup, "alice", conv.id, "report.pdf", report_pdf())
    question = "How much honey did the rooftop bees make? Answer in one sentence."

    async def go():
        async with client(embedded_gateway) as c:
            found = await Retriever(setup.attachments, c, EMBEDDING).context(
                "alice", conv.id, question, budget_tokens=450)
            engine = ChatEngine(setup.convs, "", "", client=c)
            events = []
            async with contextlib.aclosing(engine.send("alice", conv.id, question, context=found.blocks)) as stream:
                async for event in stream:
                    events.append(event)
            return events

    events = run(go())
    answer = "".join(e.text for e in events if isinstance(e, ContentDelta))
    print("answer:", answer)
    assert isinstance(events[-1], Done) and "42" in answer


def test_a_restart_keeps_attachments_and_cached_vectors(embedded_gateway, tmp_path):
    path = store_path(tmp_path)
    first = Setup(path)
    conv = first.convs.create("alice")
    doc = attach(first, "alice", conv.id, "report.pdf", report_pdf())
    question = "What did the insect colonies on the roof yield?"
    before, embedded = retrieve(embedded_gateway, first, "alice", conv.id, question, budget=450)
    assert embedded == doc.chunks
    first.store.close()

    again = Setup(path)                                   # a new process would open the same file
    try:
        assert again.attachments.list("alice", conv.id)[0] == doc
        assert again.count("attachment_vectors") == doc.chunks
        after, embedded = retrieve(embedded_gateway, again, "alice", conv.id, question, budget=450)
        assert embedded == 0                              # only the question was embedded: the vectors were kept
        assert after == before
        assert len(again.attachments.vectors(doc, EMBEDDING)[0]) == 512
        assert again.attachments.vectors(doc, "another-model") == {}
    finally:
        again.store.close()
