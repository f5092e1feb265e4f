"""Web search and documents in the chat, in a real browser against the real ``python launch.py``.

One gateway process with the embedded model and a ``search:`` block pointing at the SearXNG-compatible
fake on loopback (its pages allowed explicitly; the network guard records any attempt to leave loopback).

1. A member, in Chinese, ticks web search, asks about the lighthouse page the fake serves, and sees
   "找到 2 个网页" with the numbered titles linking to the fake's pages, and the answer stream in.
2. In English she uploads a 30-page PDF (the parse progress, then the document listed with its page
   count), asks "Summarize this paper" (the map-reduce progress in the chat, then the summary by part
   as the answer) and asks about the fact on page 17.
3. The server restarts on the same data dir: both conversations are listed and open with their sources
   and their summary.
4. A second member sees neither in their list and opens neither by its id.

The PDF is the 30-page annual report of tests/workbench/test_attachments.py with a paragraph more on each
page: the report alone is ~1,300 tokens, which the embedded model's 8K window takes whole (answered in one
call, no summary steps); a real 30-page paper is longer than the prompt, and this one is (~4,200 tokens),
so the chat summarises it map-reduce: 2 parts and a reduce. Answers are kept short (max_tokens, temperature
0) so the small embedded model is quick. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re
import time

import pytest
import yaml

from tests.browser import add_members, answer_text, ask, open_page, screenshot, short_answers
from tests.conftest import ROOT, GatewayProcess, seeded_data_dir
from tests.fakes.docs import pdf_file
from tests.fakes.searxng import start_search_fake
from tests.workbench.documents import report_pages

pytestmark = pytest.mark.browser

DORA = ("dora", "Dora-pass-2026")
EVE = ("eve", "Eve-pass-2026")
WEB_QUESTION = "灯塔看守人每天晚上要爬多少级台阶才能到达灯室？"
SUMMARY_QUESTION = "Summarize this paper"
HONEY_QUESTION = "How much honey did the rooftop bees make? Answer in one sentence."
DETAIL = ("In the {q} quarter the team behind this section reported {a} ongoing projects, {b} finished milestones "
          "and {c} open positions to the board, and asked for {d} thousand euros for equipment and travel. "
          "Its members presented posters at {e} conferences and hosted {f} visiting students at the summer school. "
          "It also wrote a short guide for newcomers.")
QUARTERS = ("first", "second", "third", "fourth")
# every text #chat-notice and the chat's block titles show, recorded in the page as they change
RECORDER = """() => {
  window.seen = {notice: [], titles: [], answer: []};
  const add = (list, text) => { if (text && list[list.length - 1] !== text) list.push(text); };
  new MutationObserver(() => {
    add(window.seen.notice, document.querySelector('#chat-notice')?.innerText.trim());
    document.querySelectorAll('#chat-bot .thought-group .title').forEach(t => add(window.seen.titles, t.innerText));
    const bots = document.querySelectorAll('#chat-bot [data-testid=bot]');
    if (bots.length) add(window.seen.answer, bots[bots.length - 1].innerText);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def paper_pdf() -> bytes:
    """30 pages of ~140 tokens each, page 17 with the honey fact: longer than the embedded model's prompt."""
    return pdf_file([f"{text}\n" + DETAIL.format(q=QUARTERS[n % 4], a=3 + n % 7, b=2 + n % 5, c=1 + n % 4,
                                                 d=20 + 5 * n, e=2 + n % 6, f=4 + n % 9)
                     for n, text in enumerate(report_pages())], title="Annual report")


@pytest.fixture()
def web():
    fake = start_search_fake()
    fake.serve("/pages/article.html", "/pages/chinese-gbk.html")
    yield fake
    fake.stop()


@pytest.fixture()
def server(tmp_path, shared_models, web):
    """Our own gateway process (this test restarts it): the embedded model, web search through the fake
    SearXNG, the network guard, and two members."""
    data = seeded_data_dir(tmp_path / "data", shared_models)
    config = data / "models.yaml"
    config.write_text(yaml.safe_dump({"search": {
        "provider": "searxng", "base_url": web.url, "timeout_s": 10, "page_timeout_s": 5, "fetch_pages": 2,
        "allow_private_hosts": ["127.0.0.1"]}}), encoding="utf-8")
    gw = GatewayProcess(data, config=config, env={"PYTHONPATH": str(ROOT / "tests" / "netguard"),
                                                  "MAAS_NETGUARD_LOG": str(data / "outbound.log")})
    gw.guard_log = data / "outbound.log"
    gw.start()
    try:
        add_members(gw.url, DORA, EVE)
        yield gw
    finally:
        gw.stop()


def seen(page, what: str) -> list[str]:
    return page.evaluate(f"window.seen.{what}")


def test_web_search_and_a_summarised_pdf_survive_a_restart_and_stay_private(browser, server, web, request,
                                                                            tmp_path):
    from playwright.sync_api import expect

    started = time.monotonic()
    # 1. web search, in Chinese: "found 2 web pages", numbered titles linking to the pages, the answer
    with open_page(browser, request, f"{server.url}/chat", user=DORA, locale="zh-CN") as page:
        expect(page.locator("#chat-web")).to_contain_text("联网搜索")
        expect(page.locator("#chat-web")).to_contain_text("搜索网页，并在回答中标注引用的网页。")
        expect(page.locator("#chat-web input")).to_be_enabled()
        page.locator("#chat-web input").check()
        short_answers(page, 48)
        page.evaluate(RECORDER)
        ask(page, WEB_QUESTION)
        assert web.searches[-1]["q"] == WEB_QUESTION and web.searches[-1]["language"].startswith("zh")
        block = page.locator("#chat-bot .thought-group").first
        expect(block.locator(".title")).to_have_text("找到 2 个网页")
        expect(block.locator(".content")).to_have_count(0)                     # closed until opened
        block.locator(".title").click()
        items = block.locator(".content ol li")
        expect(items).to_have_count(2)                                       # numbered 1., 2.
        expect(items.nth(0).locator("a")).to_have_text("Lighthouse Journal")
        expect(items.nth(0).locator("a")).to_have_attribute("href", f"{web.url}/pages/article.html")
        expect(items.nth(1).locator("a")).to_have_text("中文测试页面")
        expect(items.nth(1).locator("a")).to_have_attribute("href", f"{web.url}/pages/chinese-gbk.html")
        answer = answer_text(page)
        print(f"\nweb answer: {answer!r}")
        assert answer.strip() and "找到" not in answer
        grew = [len(a) for a in seen(page, "answer") if "找到" not in a]
        assert len(grew) >= 3 and grew == sorted(grew), grew                   # it streamed in, step by step
        assert "1,204" in answer or "1204" in answer                           # read from the fetched page
        screenshot(page, request, "web-sources")
        page.wait_for_url(re.compile(r"/chat\?c=[0-9a-f]{32}$"))
        web_id = page.url.rsplit("=", 1)[1]
    print(f"web search done at {time.monotonic() - started:.0f} s")

    # 2. documents, in English: upload with progress, listed with its pages; a summary with progress; a question
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(paper_pdf())
    with open_page(browser, request, f"{server.url}/chat", user=DORA) as page:
        expect(page.locator("#chat-list label")).to_have_count(1)
        expect(page.locator("#chat-web input")).not_to_be_checked()
        short_answers(page, 48)
        page.evaluate(RECORDER)
        page.locator("#chat-files input[type=file]").set_input_files(str(pdf))
        notice = page.locator("#chat-notice")
        expect(notice).to_have_text("Attached: report.pdf. Ask about them, or ask for a summary.", timeout=60_000)
        assert any(n.startswith("Reading “report.pdf”: extracting the text") for n in seen(page, "notice")), \
            seen(page, "notice")
        expect(page.locator("#chat-docs label")).to_have_text(["📄 report.pdf · 30 p."])
        page.wait_for_url(re.compile(r"/chat\?c=[0-9a-f]{32}$"))               # the upload opened a conversation
        docs_id = page.url.rsplit("=", 1)[1]
        expect(page.locator("#chat-list label")).to_have_count(2)
        screenshot(page, request, "doc-attached")

        clock = time.monotonic()
        ask(page, SUMMARY_QUESTION, timeout=420)              # ~50 s on idle cores, ~4 min on busy ones
        print(f"summary in {time.monotonic() - clock:.0f} s; steps: {seen(page, 'titles')}")
        steps = [t for t in seen(page, "titles") if t.startswith("Summarising “report.pdf”")]
        assert steps[0] == "Summarising “report.pdf”: step 0 of 3…" and len(steps) >= 3, steps
        assert "Summarising “report.pdf”: step 2 of 3…" in steps, steps
        expect(notice).to_have_text("Summarised all of “report.pdf”, part by part (model calls: 3).")
        expect(page.locator("#chat-bot .thought-group")).to_have_count(0)        # the progress block is gone
        expect(page.locator("#chat-bot [data-testid=user]")).to_have_text(
            ["📎 Attachments: report.pdf", SUMMARY_QUESTION])
        summary = answer_text(page)
        print(f"summary:\n{summary}")
        assert "By part" in summary and "pp. 1–" in summary and "–30" in summary
        assert len(summary.split("By part")[0].split()) >= 10                   # an overview before the parts
        screenshot(page, request, "summary")

        clock = time.monotonic()
        ask(page, HONEY_QUESTION)
        answer = answer_text(page)
        print(f"page-17 answer in {time.monotonic() - clock:.0f} s: {answer!r}")
        assert "42" in answer and "honey" in answer.lower()
        expect(page.locator("#chat-bot [data-testid=user]").last).to_have_text(HONEY_QUESTION)
        screenshot(page, request, "page-17")
    print(f"documents done at {time.monotonic() - started:.0f} s")

    # 3. a restart on the same data dir loses nothing
    assert server.stop() == 0, server.output()[-3000:]
    server.start()
    with open_page(browser, request, f"{server.url}/chat", user=DORA) as page:
        labels = page.locator("#chat-list label")
        expect(labels).to_have_count(2)
        labels.filter(has_text="灯塔").click()
        page.wait_for_url(f"{server.url}/chat?c={web_id}")
        expect(page.locator("#chat-bot [data-testid=user]")).to_have_text([WEB_QUESTION])
        block = page.locator("#chat-bot .thought-group").first
        expect(block.locator(".title")).to_have_text("Found 2 web pages")        # shown in the reader's language
        block.locator(".title").click()
        expect(block.locator(".content a")).to_have_text(["Lighthouse Journal", "中文测试页面"])
        screenshot(page, request, "after-restart-web")
        labels.filter(has_text=SUMMARY_QUESTION).click()
        page.wait_for_url(f"{server.url}/chat?c={docs_id}")
        expect(page.locator("#chat-bot [data-testid=user]")).to_have_text(
            ["📎 Attachments: report.pdf", SUMMARY_QUESTION, HONEY_QUESTION])
        expect(page.locator("#chat-bot [data-testid=bot]").first).to_contain_text("By part")
        expect(page.locator("#chat-bot [data-testid=bot]").first).to_contain_text("pp. 1–")
        expect(page.locator("#chat-docs label")).to_have_text(["📄 report.pdf · 30 p."])
        screenshot(page, request, "after-restart-docs")

    # 4. eve (in Chinese) sees neither, and their ids open nothing
    with open_page(browser, request, f"{server.url}/chat", user=EVE, locale="zh-CN") as page:
        expect(page.locator("#chat-list-note")).to_contain_text("还没有对话")
        expect(page.locator("#chat-list label")).to_have_count(0)
    for conv_id in (web_id, docs_id):
        with open_page(browser, request, f"{server.url}/chat?c={conv_id}", user=EVE, locale="zh-CN") as page:
            expect(page.locator("#chat-notice")).to_contain_text("没有这个对话")
            expect(page.locator("#chat-list label")).to_have_count(0)
            expect(page.locator("#chat-bot [data-testid=user]")).to_have_count(0)
            expect(page.locator("#chat-docs label")).to_have_count(0)
            body = page.locator("body").inner_text()
            assert "灯塔" not in body and "report.pdf" not in body and "Lighthouse" not in body
            screenshot(page, request, "other-member-refused")
    assert not server.guard_log.exists(), server.guard_log.read_text()       # nothing left loopback
    print(f"all done in {time.monotonic() - started:.0f} s")
