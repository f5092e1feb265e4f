"""Citations of a chat answer over an attached PDF, in a real browser against the real ``python launch.py``.

A member attaches a 4-page PDF in the chat and asks about page 2. The answer (the embedded 0.5B model, which writes
no [n] itself) gets the documents' source block — the document, "p. 2", the quoted passage — and an added [n] chip
after its sentence, drawn apart from a model's own (a dashed outline) and opening the PDF at page 2 through the
owner-checked ``/chat/file/<id>`` route. Editing the question to one about page 4 answers it again with page 4
cited; reloading the conversation keeps the block and the chip. Another member cannot open the file.
Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser import add_members, answer_text, ask, open_page, screenshot, short_answers
from tests.conftest import GatewayProcess, seeded_data_dir
from tests.fakes.docs import pdf_file
from tests.workbench.documents import WATER

pytestmark = pytest.mark.browser

DORA = ("dora", "Dora-pass-2026")
EVE = ("eve", "Eve-pass-2026")
PAGE_2 = "How many litres per minute did the Lake Vernon pump station deliver? Answer in one sentence."
PAGE_4 = "How many litres per minute did the backup pump at Millbrook deliver? Answer in one sentence."


@pytest.fixture()
def server(tmp_path, shared_models):
    gw = GatewayProcess(seeded_data_dir(tmp_path / "data", shared_models)).start()
    try:
        add_members(gw.url, DORA, EVE)
        yield gw
    finally:
        gw.stop()


def sources(page, title: str):
    """The chat's block titled ``title``, opened."""
    from playwright.sync_api import expect

    block = page.locator("#chat-bot .thought-group").filter(has_text=title).last
    expect(block.locator(".title")).to_have_text(title)
    if not block.locator(".content").count():
        block.locator(".title").click()
    return block.locator(".content")


def popup_of(page, link):
    """The tab a click on ``link`` opens. Clicked a second time when no tab came within 15 s: once, in a full CI run
    under load, a click opened nothing although the page looked right (the screenshot); the cause was not found."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        with page.context.expect_page(timeout=15_000) as opened:
            link.click()
    except PlaywrightTimeout:
        with page.context.expect_page(timeout=30_000) as opened:
            link.click()
    return opened.value


def test_a_pdf_answer_cites_page_2_with_a_chip_that_opens_it_and_keeps_it_when_reopened(browser, server, request,
                                                                                         tmp_path):
    from playwright.sync_api import expect

    pdf = tmp_path / "water.pdf"
    pdf.write_bytes(pdf_file(WATER, title="Water note"))
    with open_page(browser, request, f"{server.url}/chat", user=DORA) as page:
        # the page's load fills the settings too: wait for it, or it may empty them after short_answers
        expect(page.locator("#chat-list-note")).to_contain_text("No conversations yet")
        short_answers(page, 60)
        page.locator("#chat-files input[type=file]").set_input_files(str(pdf))
        expect(page.locator("#chat-notice")).to_have_text("Attached: water.pdf. Ask about them, or ask for a summary.",
                                                          timeout=60_000)
        ask(page, PAGE_2, timeout=240)
        print(f"\npage-2 answer: {answer_text(page)!r}")
        assert "1,850" in answer_text(page)
        content = sources(page, "Cited 1 passages of the documents")
        expect(content).to_contain_text("[2] water.pdf · p. 2")
        expect(content.locator("blockquote")).to_contain_text("The Lake Vernon pump station delivered 1,850 litres "
                                                              "per minute on average.")
        link = content.locator("a", has_text="water.pdf")
        expect(link).to_have_attribute("href", re.compile(r"^/chat/file/[0-9a-f]{32}#page=2$"))
        href = link.get_attribute("href")
        chip = page.locator("#chat-bot [data-testid=bot]").last.locator("a.cite")
        expect(chip).to_have_text("[2]")
        expect(chip).to_have_class("cite cite-added")
        expect(chip).to_have_attribute("href", href)
        expect(chip).to_have_attribute("title", "Added by matching this sentence with water.pdf, p. 2 (the model did "
                                                 "not cite it)")
        assert chip.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"      # apart from a model's [n]
        screenshot(page, request, "page-2")

        viewer = popup_of(page, chip)                                # the chip opens the PDF at page 2
        viewer.wait_for_load_state()
        assert viewer.url == f"{server.url}{href}"
        viewer.close()
        got = page.request.get(f"{server.url}{href.split('#')[0]}")  # with dora's session: her file
        assert got.status == 200 and got.headers["content-type"] == "application/pdf" and got.body() == pdf.read_bytes()
        with httpx.Client(base_url=server.url) as eve:               # another member: as if it did not exist
            eve.post("/login", data={"username": EVE[0], "password": EVE[1], "next": "/"})
            assert eve.get(href.split("#")[0]).status_code == 404

        # the question edited to one about page 4: answered again, page 4 cited
        question = page.locator("#chat-bot [data-testid=user]").last
        question.hover()
        page.locator("#chat-bot button[aria-label='Edit']").last.click()
        editor = page.locator("#chat-bot textarea").last
        editor.fill(PAGE_4)
        page.locator("#chat-bot button[aria-label='Submit']").click()
        expect(page.locator("#chat-bot [data-testid=user]").last).to_have_text(PAGE_4, timeout=30_000)
        expect(page.locator("#chat-bot [data-testid=bot]").last.locator("a.cite")).to_have_attribute(
            "href", href.replace("#page=2", "#page=4"), timeout=240_000)
        print(f"page-4 answer: {answer_text(page)!r}")
        assert "600" in answer_text(page)
        expect(sources(page, "Cited 1 passages of the documents")).to_contain_text("[4] water.pdf · p. 4")

        page.reload()                                                # the conversation reopens with both kept
        expect(page).to_have_url(re.compile(r"\?c=[0-9a-f]{32}$"))
        content = sources(page, "Cited 1 passages of the documents")
        expect(content).to_contain_text("[4] water.pdf · p. 4")
        expect(content.locator("blockquote")).to_contain_text("the backup pump at Millbrook delivered 600 litres")
        expect(page.locator("#chat-bot [data-testid=bot]").last.locator("a.cite-added")).to_have_attribute(
            "href", href.replace("#page=2", "#page=4"))
        screenshot(page, request, "reopened")
