"""The KB page's *Download* and the chat's *Export* still save the file in one click, in Chromium, now that they go
through our own checked routes (/kb/file/..., /chat/export/...) instead of Gradio's file cache; and no copy of
either lands in that cache. (Who may fetch what: tests/app/test_download_routes.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.download_seed import CHAT, KEPT, MARKERS, PASSWORD, seed
from tests.browser import open_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    seeded = seed(tmp_path_factory.mktemp("browser-downloads"))
    yield seeded
    seeded["gw"].stop()


def test_download_and_export_save_the_file_in_one_click(browser, world, request):
    from playwright.sync_api import expect

    url, alice = world["gw"].url, ("alice", PASSWORD)
    with open_page(browser, request, f"{url}/kb?kb={world['kb']}", user=alice) as page:
        page.locator("#kb-doc-pick input").click()
        page.get_by_role("option", name=re.compile(r"^kept\.md")).click()
        with page.expect_download() as saving:
            page.locator("#kb-download").click()
        saved = saving.value
        assert saved.suggested_filename == "kept.md" and KEPT in Path(saved.path()).read_bytes()
        expect(page).to_have_url(re.compile(r"/kb\?kb="))                   # still on the page

        page.goto(f"{url}/chat?c={world['conv']}")
        expect(page.locator("#chat-bot")).to_contain_text(CHAT)
        page.locator("#chat-manage").get_by_text("This conversation").first.click()     # the accordion
        with page.expect_download() as saving:
            page.locator("#chat-export-md").click()
        saved = saving.value
        assert saved.suggested_filename.endswith(".md") and CHAT.encode() in Path(saved.path()).read_bytes()
        with page.expect_download() as saving:
            page.locator("#chat-export-json").click()
        assert saving.value.suggested_filename.endswith(".json")
    cached = [p for p in Path(world["cache"]).rglob("*") if p.is_file()]
    assert not [p for p in cached if any(m in p.read_bytes() for m in MARKERS)], "a copy in Gradio's cache"
