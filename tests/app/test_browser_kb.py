"""The Knowledge page in a real browser against the real ``python launch.py`` with the embedded models.

1. Alice, admin of the team "Proteomics Lab", creates a KB in it (an empty name is refused by its field
   first), uploads a 3-page PDF twice (the copy is refused as a duplicate, by name) and watches the
   documents table until the PDF is ready; the retrieval test finds the fact on page 2 (``p. 2``); she
   moves the KB to USE v3 in its settings (re-embedded in place), publishes it to the square and creates a share
   link.
2. Bob, in Chinese, finds it in the square by a search, opens it as a reader (no upload, no sharing).
3. Carol opens the share link: the KB opens for her (the token leaves the address), and her retrieval test
   shows the page too.

The accounts and the team are written before the server starts (the Teams page has its own browser test).
Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import opened_gateway
from tests.browser import box, document_row, open_page, pick, screenshot
from tests.conftest import GatewayProcess, seeded_data_dir
from tests.fakes.docs import pdf_file
from tests.workbench.kb_world import Directory
from workbench.kb.access import Access
from workbench.kb.teams import Teams
from workbench.schema import open_store
from workbench.store import store_path

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
BOB = ("bob", "Bob-pass-2026")
CAROL = ("carol", "Carol-pass-2026")
HANDBOOK = [
    "1 Welcome\nWelcome to the proteomics laboratory. Read the safety rules before your first experiment.",
    "2 Fume hoods\nThe fume hood in room 214 beeps and shows the code FH-7731 when its airflow drops. Stop working, "
    "close the sash and call the facility team.",
    "3 Cold room\nThe cold room door must stay closed; the alarm panel shows CR-2290 when it warms up.",
]
# every text the documents table shows, recorded in the page as it changes
RECORDER = """() => {
  window.seen = [];
  new MutationObserver(() => {
    const text = document.querySelector('#kb-docs')?.innerText.trim();
    if (text && window.seen[window.seen.length - 1] !== text) window.seen.push(text);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture()
def server(tmp_path, shared_models):
    data = seeded_data_dir(tmp_path / "data", shared_models)
    gateway = opened_gateway(data)
    ids = {name: gateway.accounts.create_user(name, password).id for name, password in (ALICE, BOB, CAROL)}
    gateway.store.close()
    store = open_store(store_path(data))
    Teams(store, Access(store), Directory(ids=ids)).create(ids["alice"], "Proteomics Lab", "Mass spectrometry")
    store.close()
    gw = GatewayProcess(data).start()
    yield gw
    gw.stop()





def retrieval_test(page, question: str, tab: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name=tab).click()
    box(page, "kb-question").fill(question)
    page.locator("#kb-search").click()
    expect(page.locator("#kb-hits tbody tr").first).to_be_visible(timeout=60_000)


def test_a_team_kb_is_filled_searched_published_and_shared(browser, server, request, tmp_path):
    from playwright.sync_api import expect

    pdf = tmp_path / "handbook.pdf"
    pdf.write_bytes(pdf_file(HANDBOOK, title="Lab handbook"))
    copy = tmp_path / "handbook-copy.pdf"
    copy.write_bytes(pdf.read_bytes())

    # 1. alice: create in her team, upload, watch it become ready, retrieval test, another model, publish, link
    with open_page(browser, request, f"{server.url}/kb", user=ALICE) as alice:
        expect(alice.locator("#nav-kb")).to_have_text("Knowledge")
        expect(alice.locator("#kb-mine")).to_contain_text("No knowledge bases yet")
        alice.locator("#kb-create").click()
        pick(alice, "kb-c-team", "Proteomics Lab")
        expect(alice.locator("#kb-c-model input")).to_have_value("multilingual-e5-small")  # offered first
        alice.locator("#kb-c-create").click()
        expect(alice.get_by_text("Name: Enter a knowledge base name.")).to_be_visible()
        box(alice, "kb-c-name").fill("Lab handbook")
        box(alice, "kb-c-description").fill("Safety rules and alarms")
        alice.locator("#kb-c-create").click()
        expect(alice.locator("#kb-notice")).to_have_text("Created “Lab handbook”. Upload documents to it below.")
        expect(alice.locator("#kb-head")).to_contain_text("Team: Proteomics Lab · Your role: Owner")
        expect(alice.locator("#kb-mine")).to_contain_text("Lab handbook")
        alice.wait_for_url(re.compile(r"/kb\?kb=[0-9a-f]{32}$"))
        kb_id = alice.url.rsplit("=", 1)[1]

        alice.evaluate(RECORDER)
        alice.locator("#kb-files input[type=file]").set_input_files([str(pdf), str(copy)])
        note = alice.locator("#kb-doc-note")
        expect(note).to_contain_text("1 queued for ingestion, 1 refused.", timeout=30_000)
        expect(note).to_contain_text("handbook.pdf: queued")
        expect(note).to_contain_text("handbook-copy.pdf: “handbook-copy.pdf” is identical to “handbook.pdf”")
        row = document_row(alice, "handbook.pdf")
        expect(row.locator("td").nth(1)).to_have_text("Ready", timeout=120_000)    # the timer's refresh, no reload
        seen = alice.evaluate("window.seen")
        print(f"\ndocuments table as it changed: {seen}")
        assert any("Queued" in s or "Parsing" in s or "Embedding" in s for s in seen), seen
        expect(row.locator("td").nth(4)).to_have_text("3")                    # pages
        expect(alice.locator("#kb-head")).to_contain_text("Documents: 1 · chunks: 3")     # the copy: not counted
        mine = alice.locator("#kb-mine tbody tr").first
        expect(mine.locator("td").nth(4)).to_have_text("3")          # the list redrawn when the timer stopped
        screenshot(alice, request, "ready")

        retrieval_test(alice, "Which code does the fume hood show when its airflow drops?", "Retrieval test")
        first = alice.locator("#kb-hits tbody tr").first
        expect(first).to_contain_text("handbook.pdf")
        expect(first.locator("td").nth(6)).to_have_text("p. 2")
        expect(first).to_contain_text("FH-7731")
        expect(alice.locator("#kb-search-note")).to_contain_text("best first")
        screenshot(alice, request, "retrieval")

        alice.get_by_role("tab", name="Settings").click()                  # another model: re-embedded in place
        expect(alice.locator("#kb-s-model input")).to_have_value("multilingual-e5-small")
        pick(alice, "kb-s-model", "use-multilingual:v3")
        alice.locator("#kb-s-save").click()
        expect(alice.locator("#kb-settings-note")).to_have_text(
            "Saved the settings of “Lab handbook”. Its 3 chunks are being re-embedded with use-multilingual:v3 "
            "(progress above the documents).")
        expect(alice.locator("#kb-head")).to_contain_text("Embedding: use-multilingual:v3 ·", timeout=60_000)
        expect(alice.locator("#kb-reembed")).to_have_count(0)               # the timer's refresh, when it is done

        alice.get_by_role("tab", name="Sharing").click()
        alice.locator("#kb-publish").click()
        expect(alice.locator("#kb-share-note")).to_have_text("“Lab handbook” is in the square now.")
        expect(alice.locator("#kb-head")).to_contain_text("Public")
        expect(mine.locator("td").nth(5)).to_have_text("Public")
        expect(alice.locator("#kb-publish")).to_be_hidden()
        alice.locator("#kb-link-create").click()
        link_box = alice.locator("#kb-link").get_by_role("textbox")
        expect(link_box).to_have_value(re.compile(rf"^{re.escape(server.url)}/kb\?share=[\w-]{{40,}}$"))
        link = link_box.input_value()
        expect(alice.locator("#kb-links")).to_contain_text("Active")
        screenshot(alice, request, "shared")

    # 2. bob, in Chinese: the square, a search, the KB opened as a reader
    with open_page(browser, request, f"{server.url}/kb", user=BOB, locale="zh-CN") as bob:
        expect(bob.locator("#kb-mine")).to_contain_text("还没有知识库")
        bob.get_by_role("tab", name="知识库广场").click()
        box(bob, "kb-square-q").fill("no-such-words")            # a paste or autofill searches too, not only keys
        expect(bob.locator("#kb-square")).to_contain_text("没有与“no-such-words”匹配的公开知识库。")
        box(bob, "kb-square-q").fill("handbook")
        expect(bob.locator("#kb-square")).to_contain_text("Lab handbook")
        expect(bob.locator("#kb-square")).to_contain_text("读者")
        pick(bob, "kb-pick-square", "Lab handbook · Proteomics Lab")
        expect(bob.locator("#kb-head")).to_contain_text("您的角色：读者")
        expect(document_row(bob, "handbook.pdf").locator("td").nth(1)).to_have_text("就绪")
        expect(bob.locator("#kb-files")).to_be_hidden()
        expect(bob.get_by_role("tab", name="分享")).to_have_count(0)
        screenshot(bob, request, "square-zh")

    # 3. carol opens the share link: the KB, and a retrieval test with the page
    with open_page(browser, request, link, user=CAROL) as carol:
        expect(carol.locator("#kb-notice")).to_have_text("“Lab handbook” was shared with you: you may read it and "
                                                         "search it.")
        expect(carol.locator("#kb-head")).to_contain_text("Your role: Reader")
        carol.wait_for_url(re.compile(rf"/kb\?kb={kb_id}$"))                 # the token left the address
        expect(carol.locator("#kb-mine")).to_contain_text("Lab handbook")
        retrieval_test(carol, "cold room alarm code", "Retrieval test")
        hit = carol.locator("#kb-hits tbody tr", has_text="CR-2290").first
        expect(hit.locator("td").nth(6)).to_have_text("p. 3")
        screenshot(carol, request, "share-link")
