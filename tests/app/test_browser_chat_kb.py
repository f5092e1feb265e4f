"""Chat over two knowledge bases in a real browser against the real ``python launch.py``.

The data dir is prepared before the server starts, through the real services: the accounts (the gateway's store),
alice's personal KB "Lab safety" and her team's KB "Equipment", each with a PDF uploaded through
``knowledge.upload`` and ingested by the ingestion worker, embedded by the session's embedded gateway (the same
USE v3 model the server uses). Then, in Chinese, alice picks both KBs in the chat, asks a question that needs
both, and sees the answer and "在知识库中找到 N 个段落" with each [n] → document, page ("第 2 页"), knowledge base
and the quoted passage; reloading the conversation keeps the picked KBs and the sources. bob, an outsider, is
offered neither KB. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.app.chat_kbs import BOTH, two_kbs
from tests.app.conftest import opened_gateway
from tests.browser import ARTIFACTS, answer_text, artifact_name, ask, open_page, pick, short_answers
from tests.conftest import GatewayProcess, seeded_data_dir
from workbench.schema import open_store
from workbench.store import store_path

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
BOB = ("bob", "Bob-pass-2026")


def prepare(data, embeddings_url: str) -> None:
    """Accounts and two ingested KBs in ``data``, as the server will find them."""
    gateway = opened_gateway(data)
    ids = {name: gateway.accounts.create_user(name, password).id for name, password in (ALICE, BOB)}
    store = open_store(store_path(data))
    knowledge = two_kbs(store, gateway, data, embeddings_url, ids["alice"])[0]
    knowledge.vectors.close()
    store.close()
    gateway.store.close()


@pytest.fixture()
def server(tmp_path, shared_models, embedded_gateway):
    data = seeded_data_dir(tmp_path / "data", shared_models)
    prepare(data, embedded_gateway.url + "/v1")
    gw = GatewayProcess(data).start()
    yield gw
    gw.stop()


def screenshot(page, request, label: str) -> None:
    """The viewport only: a full-page shot re-lays the chat out, which closes its opened sources block."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{artifact_name(request, label)}.png"))



def test_two_knowledge_bases_answer_with_sources_and_pages(browser, server, request):
    from playwright.sync_api import expect

    with open_page(browser, request, f"{server.url}/chat", user=ALICE, locale="zh-CN") as page:
        picker = page.locator("#chat-kbs")
        expect(picker).to_contain_text("知识库")
        expect(picker).to_contain_text("基于所选知识库回答")
        pick(page, "chat-kbs", "Lab safety · 个人空间")
        pick(page, "chat-kbs", "Equipment · Proteomics")
        page.locator("#chat-bot").click()                      # closes the options
        short_answers(page, 48)
        ask(page, BOTH, timeout=180)
        block = page.locator("#chat-bot .thought-group").filter(has_text="在知识库中找到")
        expect(block.locator(".title")).to_have_text(re.compile(r"在知识库中找到 \d 个段落"))
        block.locator(".title").click()
        content = block.locator(".content")
        expect(content).to_contain_text("safety.pdf · 第 2 页 · Lab safety")
        expect(content).to_contain_text("equipment.pdf · 第 1 页 · Equipment")
        expect(content).to_contain_text("alarm code FH-7731")
        expect(content).to_contain_text("lasts at most four hours")
        expect(content.locator("blockquote").first).to_be_visible()        # the quoted passage
        assert answer_text(page).strip()
        expect(page.locator("#chat-bot")).to_contain_text("📚 知识库：Lab safety, Equipment")
        page.wait_for_timeout(500)
        if not content.count():                                 # the saved conversation replaced the streamed rows
            block.locator(".title").click()
        expect(content).to_contain_text("FH-7731")
        screenshot(page, request, "answer")
        # the conversation keeps its knowledge bases and sources
        expect(page).to_have_url(re.compile(r"\?c=\w+"))
        page.reload()
        expect(picker).to_contain_text("Lab safety · 个人空间")
        expect(picker).to_contain_text("Equipment · Proteomics")
        block = page.locator("#chat-bot .thought-group").filter(has_text="在知识库中找到")
        block.locator(".title").click()
        expect(block.locator(".content")).to_contain_text("safety.pdf · 第 2 页 · Lab safety")
        screenshot(page, request, "reopened")

    with open_page(browser, request, f"{server.url}/chat", user=BOB) as page:
        expect(page.locator("#chat-kbs")).to_contain_text("No knowledge base to choose yet")
        page.locator("#chat-kbs input").click()
        expect(page.get_by_role("option")).to_have_count(0)
