"""Paper deep-reading in a real browser, in Chinese, against the real ``python launch.py`` whose only chat model is the
scripted paper model (``tests.fakes.paper_model``, behind the gateway's ``/v1`` like any upstream model; its
embeddings stand in for the embedded embedding model's id).

Alice uploads a two-column paper whose last page is only a scan, watches it being read page by page, reads it in
Chinese, clicks a statement's page and sees the page image with the quote marked, asks a question and sees an
answer citing its page, uploads a second paper, compares the two, and downloads the reading and the comparison as
Markdown. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import opened_gateway
from tests.app.paper_site import gateway_config
from tests.browser import open_page, screenshot
from tests.conftest import GatewayProcess
from tests.fakes import paper_pdfs
from tests.fakes.paper_model import start_paper_model

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
SCANNED = "The scanned page reports a final accuracy of 91 percent."


@pytest.fixture()
def server(tmp_path):
    model = start_paper_model()
    data = tmp_path / "data"
    gateway = opened_gateway(data)
    gateway.accounts.create_user(*ALICE)
    gateway.store.close()
    gw = GatewayProcess(data, config=gateway_config(tmp_path, model))
    try:
        gw.start()
        yield gw
    finally:
        gw.stop()
        model.stop()


def test_alice_reads_asks_about_and_compares_papers_in_chinese(browser, server, request, tmp_path) -> None:
    from playwright.sync_api import expect

    two_column, truth = paper_pdfs.two_column_paper(scanned=SCANNED)
    author_year, other = paper_pdfs.author_year_paper()
    (tmp_path / "sparse.pdf").write_bytes(two_column)
    (tmp_path / "year.pdf").write_bytes(author_year)
    with open_page(browser, request, f"{server.url}/papers", locale="zh-CN", user=ALICE) as page:
        listed = page.locator("#pp-list")
        expect(listed).to_contain_text("还没有论文")
        page.locator("#pp-upload input[type=file]").set_input_files(str(tmp_path / "sparse.pdf"))
        expect(page.locator("#pp-lib-notice")).to_contain_text("正在读取“sparse.pdf”的 PDF")
        expect(listed).to_contain_text(re.compile(r"正在读取 PDF：第 \d 页，共 5 页"), timeout=30_000)
        screenshot(page, request, "parsing")
        expect(listed.locator(".b-ready")).to_have_count(1, timeout=60_000)
        expect(listed).to_contain_text(truth.title)
        page.locator("#pp-pick input").click()
        page.get_by_role("option", name=truth.title, exact=True).click()
        expect(page.locator("#pp-head")).to_contain_text("共 5 页")

        page.get_by_role("tab", name="深度解读").click()
        page.locator("#pp-read").click()
        expect(page.locator("#pp-progress")).to_contain_text("已完成", timeout=30_000)
        reading = page.locator("#pp-reading")
        expect(reading).to_contain_text("方法")
        expect(reading).to_contain_text(re.compile(r"\d+ 条要点中有 \d+ 条已在所注页码核实"))
        expect(reading.locator(".pp-quote").first).to_be_visible()
        screenshot(page, request, "reading")
        chip = reading.locator(".pp-chip").first
        expect(chip).to_contain_text(re.compile(r"第 \d 页"))
        with page.context.expect_page() as opened:
            chip.click()
        image = opened.value
        image.wait_for_load_state()
        assert re.search(r"/papers/page/\w+/\d\.png\?start=\d+&end=\d+$", image.url), image.url
        assert image.evaluate("() => document.images.length === 1 && document.images[0].naturalWidth > 500")
        screenshot(image, request, "page-image")
        image.close()
        with page.expect_download() as saving:
            page.locator("#pp-export").click()
        assert saving.value.suggested_filename.endswith(".md")
        assert "### 方法" in open(saving.value.path(), encoding="utf-8").read()

        page.get_by_role("tab", name="提问").click()
        page.locator("#pp-question textarea").fill("What are residual networks and pretrained encoders?")
        page.locator("#pp-ask").click()
        answers = page.locator("#pp-answers")
        expect(answers).to_contain_text("根据论文", timeout=30_000)
        expect(answers.locator(".pp-answer .pp-chip").first).to_contain_text(re.compile(r"第 \d 页"))
        screenshot(page, request, "answer")

        page.get_by_role("tab", name="论文库").click()
        page.locator("#pp-upload input[type=file]").set_input_files(str(tmp_path / "year.pdf"))
        expect(listed.locator(".b-ready")).to_have_count(2, timeout=60_000)
        page.get_by_role("tab", name="比较").click()
        for title in (truth.title, other.title):
            page.locator("#pp-cmp-papers input").click()
            page.get_by_role("option", name=title, exact=True).click()
        page.locator("#pp-compare").click()
        table = page.locator("#pp-cmp")
        expect(table).to_contain_text("最佳结果", timeout=30_000)
        expect(table).to_contain_text(other.title)
        expect(table.locator(".pp-chip").first).to_be_visible()
        screenshot(page, request, "compare")
        with page.expect_download() as saving:
            page.locator("#pp-cmp-export").click()
        assert saving.value.suggested_filename == "papers-comparison.md"
        assert open(saving.value.path(), encoding="utf-8").read().startswith("## 论文比较")
