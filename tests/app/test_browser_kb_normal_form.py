"""On /kb in a real browser against the real ``python launch.py``: a Chinese PDF whose text layer holds radicals
("防冻⼿套", tests.fakes.docs ``radical_pdf_file``) is uploaded, and filtering its chunks by "手套" shows the chunk,
with "手套" marked, as the reader sees it.

The account, the team and the KB are written before the server starts (their pages have their own browser
tests). Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import opened_gateway
from tests.browser import box, document_row, open_page, pick, screenshot
from tests.conftest import GatewayProcess, seeded_data_dir
from tests.fakes.docs import KANGXI_HANDBOOK, radical_pdf_file
from tests.workbench.kb_world import MODEL, Directory
from workbench.kb.access import Access
from workbench.kb.bases import KnowledgeBases
from workbench.kb.teams import Teams
from workbench.schema import open_store
from workbench.store import store_path

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
NAME = "劳保用品发放规定.pdf"


@pytest.fixture()
def server(tmp_path, shared_models):
    data = seeded_data_dir(tmp_path / "data", shared_models)
    gateway = opened_gateway(data)
    alice = gateway.accounts.create_user(*ALICE).id
    gateway.store.close()
    store = open_store(store_path(data))
    access = Access(store)
    team = Teams(store, access, Directory(ids={"alice": alice})).create(alice, "Safety office", "")
    kb = KnowledgeBases(store, access, embedding_models=lambda: [MODEL], on_drop=lambda kb_id: None).create(
        alice, team.id, "Safety handbook", "", MODEL)
    store.close()
    gw = GatewayProcess(data).start()
    yield gw, kb.id
    gw.stop()


def test_the_chunk_filter_finds_what_the_pdf_shows(browser, server, request, tmp_path):
    from playwright.sync_api import expect

    gateway, kb_id = server
    pdf = tmp_path / NAME
    pdf.write_bytes(radical_pdf_file(KANGXI_HANDBOOK))
    with open_page(browser, request, f"{gateway.url}/kb?kb={kb_id}", user=ALICE) as page:
        expect(page.locator("#kb-head")).to_contain_text("Team: Safety office", timeout=60_000)
        page.locator("#kb-files input[type=file]").set_input_files([str(pdf)])
        expect(page.locator("#kb-doc-note")).to_contain_text("1 queued for ingestion", timeout=30_000)
        expect(document_row(page, NAME).locator("td").nth(1)).to_have_text("Ready", timeout=120_000)

        page.locator("#kb-chunks").get_by_text("Chunks of the chosen document").click()
        pick(page, "kb-doc-pick", f"{NAME} · Ready")
        expect(page.locator("#kb-chunk-note")).to_contain_text(f"Chunks 1–3 of 3 in “{NAME}”.", timeout=30_000)
        box(page, "kb-chunk-q").fill("手套")
        note = page.locator("#kb-chunk-note")
        expect(note).to_have_text(f"Chunks 1–1 of 1 containing “手套” in “{NAME}” (3 in all).", timeout=30_000)
        text = page.locator("#kb-chunks-table .kb-chunk-text")
        expect(text).to_have_count(1)
        expect(text).to_contain_text("冬季户外作业人员每人发放防冻手套两副、高筒雨靴一双。")
        expect(text.locator("mark")).to_have_count(3)                         # each 手套 of the chunk marked
        expect(text.locator("mark").first).to_have_text("手套")
        screenshot(page, request, "filtered")

        box(page, "kb-chunk-q").fill("棉衣")
        expect(note).to_have_text(f"No chunk of “{NAME}” contains “棉衣” (3 chunks in all).", timeout=30_000)
        box(page, "kb-chunk-q").fill("\u2f3f套")                               # typed as the PDF wrote it: the same
        expect(note).to_have_text(f"Chunks 1–1 of 1 containing “手套” in “{NAME}” (3 in all).", timeout=30_000)
