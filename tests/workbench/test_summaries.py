"""Map-reduce summaries of attached documents through the real gateway process with the embedded 0.5B model:
a 30-page PDF completes with progress counting up to a planned total; cancelling stops it; owners only."""

from __future__ import annotations

import asyncio
import contextlib
import time

import openai
import pytest

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.workbench.attachment_store import Setup, attach
from tests.workbench.documents import report_pdf
from workbench.attachments import Passage, Progress
from workbench.chat import Error
from workbench.conversations import NotFound
from workbench.store import store_path
from workbench.summaries import (
    Part,
    Summarizer,
    Summary,
    compose,
    cut_unfinished,
    dedupe,
    group_passages,
    output_language,
    plan,
    repeats,
    wants_summary,
)

EMBEDDED = "qwen2.5-coder:0.5b"


# -- pure parts ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "Summarize this paper", "Can you summarise the attached report?", "give me a short summary", "TL;DR?",
    "What is this paper about?", "sum it up in three bullets", "What are the key points?",
    "总结一下这篇论文", "请概括文档的主要内容", "给我一个摘要", "这篇文章讲了什么？", "归纳要点",
])
def test_questions_that_ask_for_a_summary(question):
    assert wants_summary(question)


@pytest.mark.parametrize("question", [
    "How much honey did the bees produce?", "What is the sum of 3 and 4?", "Who wrote chapter 2?",
    "第17页说了蜂蜜的产量是多少？", "解释一下这个公式", "",
])
def test_questions_that_do_not(question):
    assert not wants_summary(question)


def passages(tokens: list[int]) -> list[Passage]:
    return [Passage("d", i, i * 10, i * 10 + 10, i + 1, i + 1, "x", t) for i, t in enumerate(tokens)]


def test_groups_are_consecutive_within_the_budget_and_even():
    groups = group_passages(passages([300] * 10), 1000)
    assert [len(g) for g in groups] == [2, 3, 2, 3]                   # greedy gives 3+3+3+1; evened out
    assert [p.index for g in groups for p in g] == list(range(10))
    assert all(sum(p.tokens for p in g) <= 1000 for g in groups)
    assert [len(g) for g in group_passages(passages([900, 200, 900]), 1000)] == [1, 1, 1]
    assert group_passages(passages([1500]), 1000)[0][0].tokens == 1500   # one oversized chunk stays whole
    assert group_passages([], 1000) == []


def test_the_plan_counts_every_call_including_repeated_reduces():
    one = plan(passages([100] * 5), group_tokens=1000, reduce_tokens=4000, partial_tokens=300)
    assert (len(one.groups), one.total) == (1, 1)                     # fits one call: no reduce
    two = plan(passages([500] * 4), group_tokens=1000, reduce_tokens=4000, partial_tokens=300)
    assert (len(two.groups), two.fan_in, two.total) == (2, 9, 3)
    deep = plan(passages([500] * 20), group_tokens=1000, reduce_tokens=1000, partial_tokens=300)
    assert (len(deep.groups), deep.fan_in, deep.total) == (10, 2, 10 + 5 + 2 + 1 + 1)     # 5 -> 2+2+1 -> 2+1 -> 2


def test_language_cutting_and_composing():
    assert [output_language(None, "zh"), output_language("", "en"), output_language("zh-CN", "en"),
            output_language("en", "zh")] == ["zh", "en", "zh", "en"]
    assert cut_unfinished("- one point.\n- two points.\n- three poi") == "- one point.\n- two points."
    assert cut_unfinished("第一点。第二点。第三") == "第一点。第二点。"
    parts = (Part(1, 15, "- a (p. 3)"), Part(16, 30, "- b"))
    assert compose("Overview.", parts, "en", True) == ("Overview.\n\n### By part\n\n**pp. 1–15**\n\n- a (p. 3)\n\n"
                                                       "**pp. 16–30**\n\n- b")
    assert "**第 16–30 页**" in compose("概述。", parts, "zh", True)
    assert compose("Overview.", parts[:1], "en", True) == "Overview."


def test_a_looping_answer_is_caught_and_its_repeats_dropped():
    looping = "- Staff grew to 212.\n- The library opened late.\n- Staff grew to 212.\n- staff grew to 212!\n- Sta"
    assert repeats(looping) == 2 and repeats("- Staff grew to 212.\n- The library opened late.") == 0
    assert dedupe(cut_unfinished(looping)) == "- Staff grew to 212.\n- The library opened late."
    assert dedupe("研究所有二百人。图书馆开放。研究所有二百人。") == "研究所有二百人。图书馆开放。"
    assert dedupe("A report. The staff grew. Staff grew. And more.") == "A report. The staff grew. And more."


@pytest.fixture()
def setup(tmp_path):
    s = Setup(store_path(tmp_path))
    yield s
    s.store.close()


class Scripted(Summarizer):
    """The real planning, concurrency and progress, with the model's answers scripted (no model needed)."""

    prompts: list[str]

    async def complete(self, model: str, prompt: str, lang: str, max_tokens: int) -> str:
        self.prompts.append(prompt)
        await asyncio.sleep(0.01)
        return f"- point {len(self.prompts)} (p. 1)"


def test_a_long_document_is_reduced_level_by_level_with_progress_to_the_planned_total(setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())
    s = Scripted(setup.attachments, None, group_tokens=400)
    s.prompts = []
    events = run(collect(s.summarize("alice", doc.id, model="m", context_length=1400)))
    progress, summary = events[:-1], events[-1]
    assert s.budgets(1400)[1] // (int(256 * 1.3) + 24) == 2            # two partials per reduce call
    assert len(summary.parts) == 5 and summary.parts[-1].last_page == 30       # 5 parts -> 2+2+1 -> 2+1 -> 2 -> 1
    assert [p.done for p in progress] == list(range(10)) and {p.total for p in progress} == {9}
    assert [p.stage for p in progress].count("map") == 6 and len(s.prompts) == 9 == summary.calls
    reduces = [p for p in s.prompts if p.startswith("Below are summaries")]
    assert len(reduces) == 4 and "Part 1 (pp. 1–" in reduces[0] and "Part 2 (pp. " in reduces[0]
    assert "Part 3" not in reduces[0] and "- point 9 (p. 1)" not in s.prompts[-1]
    assert summary.overview == "- point 9 (p. 1)" and "**pp. 1–" in summary.text


# -- through the real gateway ----------------------------------------------------------------------------


def summarizer(gw, s: Setup, **kw):
    client = openai.AsyncOpenAI(base_url=gw.url + "/v1", api_key=MASTER_KEY, max_retries=0, timeout=600)
    return client, Summarizer(s.attachments, client, **kw)


async def collect(events, stop_after: int | None = None) -> list:
    out = []
    async with contextlib.aclosing(events) as stream:
        async for event in stream:
            out.append(event)
            if stop_after is not None and len(out) >= stop_after:
                break
    return out


def test_a_30_page_pdf_is_summarised_map_reduce_with_progress(embedded_gateway, setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())

    async def go():
        # short answers (128 tokens a part, 192 the whole: the defaults are 256 and 384) keep CI's minutes down
        client, s = summarizer(embedded_gateway, setup, group_tokens=800, map_tokens=128, reduce_tokens=192)
        async with client:
            started = time.monotonic()
            events = await collect(s.summarize("alice", doc.id, model=EMBEDDED))
            seconds = time.monotonic() - started
            again = await collect(s.summarize("alice", doc.id, model=EMBEDDED))
            return events, seconds, again

    events, seconds, again = run(go())
    progress = [e for e in events if isinstance(e, Progress)]
    summary = events[-1]
    assert isinstance(summary, Summary), events
    print(f"\n30-page summary: {summary.calls} calls in {seconds:.1f} s\n{summary.text}\n")
    total = progress[0].total
    assert total == summary.calls == 3                                 # two parts, one reduce
    assert progress[0].done == 0 and progress[-1].done == total
    assert all(p.total == total for p in progress)
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    assert [p.stage for p in progress] == ["map", "map", "map", "reduce"]
    assert len(summary.overview.split()) >= 15
    assert [(p.first_page, p.last_page) for p in summary.parts][0][0] == 1 and summary.parts[-1].last_page == 30
    assert "### By part" in summary.text and "**pp. 1–" in summary.text and "–30**" in summary.text
    assert summary.block().title == "Summary of report.pdf" and "(30 pages)" in summary.block().text
    assert [type(e) for e in again] == [Progress, Summary] and again[0] == Progress("cached", 1, 1)
    assert again[1].text == summary.text and again[1].calls == 0      # kept in the DB: no second run


def test_closing_the_summary_stops_it_and_keeps_nothing(embedded_gateway, setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())

    async def go():
        client, s = summarizer(embedded_gateway, setup, group_tokens=400)
        async with client:
            stream = s.summarize("alice", doc.id, model=EMBEDDED, locale="zh")
            first = await collect(stream, stop_after=1)              # the plan: then closed while the calls run
            closed = time.monotonic()
            task = asyncio.ensure_future(collect(s.summarize("alice", doc.id, model=EMBEDDED, locale="zh")))
            await asyncio.sleep(3)
            task.cancel()                                            # cancelling the task works the same way
            with contextlib.suppress(asyncio.CancelledError):
                await task
            reply = await client.chat.completions.create(model=EMBEDDED, max_tokens=5,
                                                         messages=[{"role": "user", "content": "Say hi"}])
            return first, time.monotonic() - closed, reply

    first, after, reply = run(go())
    print(f"closed after {first}; the model answered the next request {after:.1f} s later")
    assert first == [Progress("map", 0, 6)]                          # 5 parts and a reduce were planned
    assert setup.attachments.cached_summary(doc, EMBEDDED, "zh") is None
    assert reply.choices[0].message.content


def test_summaries_are_for_the_owner_and_failures_are_readable(embedded_gateway, setup):
    conv = setup.convs.create("alice")
    doc = attach(setup, "alice", conv.id, "report.pdf", report_pdf())

    async def go():
        client, s = summarizer(embedded_gateway, setup)
        async with client:
            with pytest.raises(NotFound):
                await collect(s.summarize("bob", doc.id, model=EMBEDDED))
            unknown = await collect(s.summarize("alice", doc.id, model="no-such-model"))
            tiny = await collect(s.summarize("alice", doc.id, model=EMBEDDED, context_length=600))
            return unknown, tiny

    unknown, tiny = run(go())
    assert isinstance(unknown[-1], Error) and unknown[-1].code == "model"
    assert unknown[-1].text("zh") == "你无权使用该模型，或该模型已不存在。请选择其他模型。"
    assert tiny == [tiny[0]] and isinstance(tiny[0], Error) and tiny[0].code == "too_small"
    assert tiny[0].text("en").startswith("This model's context window is too small to summarise a document")
