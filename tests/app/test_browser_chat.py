"""The chat page in a real browser against the real ``python launch.py`` with the embedded model.

A member signs in, sends a message and watches the answer stream in; turns deep thinking on and
opens and closes the thinking block; finds the conversation in the list; the server restarts (same
data dir) and the conversation is still there; a second member neither sees it in their list nor
opens it by its id. Answers are kept short (max_tokens) so the small embedded model is quick.
Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re
import time

import pytest

from gateway.routing.catalogue import EMBEDDED_THINKING_BUDGET
from tests.browser import add_members, answer_text, open_page, screenshot
from tests.conftest import GatewayProcess, seeded_data_dir

pytestmark = pytest.mark.browser

DORA = ("dora", "Dora-pass-2026")
EVE = ("eve", "Eve-pass-2026")
FIRST = "Name three primary colours."
SECOND = "Is 91 a prime number?"


@pytest.fixture()
def server(tmp_path, shared_models):
    """Our own gateway process (this test restarts it), with two members."""
    gw = GatewayProcess(seeded_data_dir(tmp_path / "data", shared_models)).start()
    try:
        add_members(gw.url, DORA, EVE)
        yield gw
    finally:
        gw.stop()


def watch_stream(page, done_title: str, timeout: float = 90) -> list[int]:
    """Lengths of the last answer, sampled while it streams, until the list shows the finished title."""
    lengths: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lengths.append(len(answer_text(page)))
        if done_title in page.locator("#chat-list").inner_text():
            return lengths + [len(answer_text(page))]
        time.sleep(0.15)
    raise AssertionError(f"the answer did not finish in {timeout} s: {lengths[-10:]}")


def test_chat_streams_thinks_survives_a_restart_and_stays_private(browser, server, request):
    from playwright.sync_api import expect

    # 1. dora sends a message and watches the answer stream in
    with open_page(browser, request, f"{server.url}/chat", user=DORA) as page:
        expect(page.locator(".maas-nav [id^=nav-]").first).to_have_id("nav-chat")           # first in the header
        expect(page.locator("#nav-chat")).to_have_text("Chat")
        expect(page.locator("#chat-list-note")).to_contain_text("No conversations yet")
        expect(page.locator("#chat-web")).to_contain_text("Web search is not configured on this server.")
        page.locator("#chat-advanced").click()
        page.locator("#chat-max-tokens input").fill("32")
        page.locator("#chat-input textarea").fill(FIRST)
        page.locator("#chat-input textarea").press("Enter")
        expect(page.locator("#chat-bot [data-testid=user]").first).to_have_text(FIRST)
        lengths = watch_stream(page, "Name three primary colours")
        grown = [n for n in lengths if n]
        assert len(set(grown)) >= 3 and grown == sorted(grown), lengths       # it grew, step by step
        assert answer_text(page).strip()
        expect(page.locator("#chat-input textarea")).to_have_value("")
        expect(page.locator("#chat-list-note")).not_to_contain_text("No conversations yet")   # gone with the first
        page.wait_for_url(re.compile(r"/chat\?c=[0-9a-f]{32}$"))            # the address names the conversation
        first_id = page.url.rsplit("=", 1)[1]
        screenshot(page, request, "streamed")

        # 2. deep thinking on, in a new chat: the thinking streams into its own block, then closes
        page.locator("#chat-new").click()
        expect(page.locator("#chat-bot [data-testid=user]")).to_have_count(0)
        expect(page.locator("#chat-max-tokens input")).to_have_value("")     # a new chat starts from the defaults
        budget = page.locator("#chat-budget input[type=number]")
        expect(budget).to_have_value(str(EMBEDDED_THINKING_BUDGET))         # the embedded model's own budget
        page.locator("#chat-max-tokens input").fill("32")
        page.locator("#chat-thinking input").check()
        page.locator("#chat-budget input[type=number]").fill("48")
        page.locator("#chat-budget input[type=number]").press("Enter")
        page.locator("#chat-input textarea").fill(SECOND)
        page.locator("#chat-send").click()
        thought = page.locator("#chat-bot .thought-group").first
        # while it thinks: the seconds so far and the budget left
        expect(thought.locator(".title")).to_have_text(re.compile(r"Thinking… \d+ s · about \d+ of 48 tokens left"))
        expect(thought.locator(".content")).to_be_visible()                 # open while it thinks
        screenshot(page, request, "thinking")
        watch_stream(page, "Is 91 a prime number")
        expect(thought.locator(".title")).to_have_text(re.compile(r"Thought for \d+ s"))
        expect(thought.locator(".content")).to_have_count(0)                # closed once the answer came
        thought.locator(".title").click()
        expect(thought.locator(".content")).to_be_visible()
        assert thought.locator(".content").inner_text().strip()
        screenshot(page, request, "thought-open")
        thought.locator(".title").click()
        expect(thought.locator(".content")).to_have_count(0)
        page.wait_for_url(re.compile(r"/chat\?c=[0-9a-f]{32}$"))
        second_id = page.url.rsplit("=", 1)[1]
        assert second_id != first_id

        # 3. both are in the list, newest first; picking one opens it
        labels = page.locator("#chat-list label")
        expect(labels).to_have_count(2)
        expect(labels.first).to_contain_text("Is 91 a prime number")
        labels.nth(1).click()
        expect(page.locator("#chat-bot [data-testid=user]").first).to_have_text(FIRST)
        page.wait_for_url(f"{server.url}/chat?c={first_id}")

    # 4. a restart on the same data dir loses nothing
    assert server.stop() == 0, server.output()[-3000:]                 # a clean stop closes both databases
    server.start()
    with open_page(browser, request, f"{server.url}/chat", user=DORA) as page:
        labels = page.locator("#chat-list label")
        expect(labels).to_have_count(2)
        labels.filter(has_text="Is 91 a prime number").click()
        expect(page.locator("#chat-bot [data-testid=user]").first).to_have_text(SECOND)
        expect(page.locator("#chat-bot .thought-group .title")).to_have_text(re.compile(r"Thought for \d+ s"))
        expect(page.locator("#chat-thinking input")).to_be_checked()          # its settings came back too
        screenshot(page, request, "after-restart")

    # 5. eve (in Chinese) sees none of it, and its id opens nothing
    with open_page(browser, request, f"{server.url}/chat", user=EVE, locale="zh-CN") as page:
        expect(page.locator("#nav-chat")).to_have_text("对话")
        expect(page.locator("#chat-list-note")).to_contain_text("还没有对话")
        expect(page.locator("#chat-list label")).to_have_count(0)
    with open_page(browser, request, f"{server.url}/chat?c={second_id}", user=EVE, locale="zh-CN") as page:
        expect(page.locator("#chat-notice")).to_contain_text("没有这个对话")
        expect(page.locator("#chat-bot [data-testid=user]")).to_have_count(0)
        assert SECOND not in page.locator("body").inner_text()
        expect(page.locator("#chat-list label")).to_have_count(0)
        screenshot(page, request, "other-member-refused")
