"""The home page in a real browser, against the real ``python launch.py`` (embedded models).

What a user sees: the models table with health states, the API examples pointing at this
server, both languages (Gradio follows the browser language), and that the curl example shown
on the page really returns a chat completion. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from app.shell.i18n import EN, ZH
from tests.browser import open_page, screenshot

pytestmark = pytest.mark.browser

MODEL_IDS = ("qwen2.5-coder:0.5b", "use-multilingual:v3", "multilingual-e5-small", "use-multilingual-rerank:v3")
KEY_PLACEHOLDER = "$MAAS_API_KEY"
HEADING_KEYS = ("home.title", "home.models_heading", "home.api_heading")
TAB_KEYS = ("home.tab_chat", "home.tab_embeddings", "home.tab_rerank", "home.tab_thinking")


def plain(markdown: str) -> str:
    """A Markdown heading's text as the browser shows it: ``## Models`` -> ``Models``."""
    return markdown.lstrip("#").strip()


def wait_for_table(page):
    """The models table, once the page's load handler has filled it in."""
    table = page.locator("#home-models table")
    table.wait_for()
    return table


def model_row(page, model_id: str):
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=model_id, exact=True))


def code_block(page, label: str):
    """The visible gr.Code block whose label is exactly ``label`` (the active tab's)."""
    label_el = page.get_by_test_id("block-label").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.locator(".block").filter(has=label_el).filter(visible=True)


def code_text(block) -> str:
    """The code as displayed, line by line (CodeMirror renders one .cm-line per line)."""
    return "\n".join(block.locator(".cm-line").all_inner_texts())


def test_home_page_in_english_shows_models_health_and_api_examples(browser, embedded_gateway, request):
    from playwright.sync_api import expect

    url = embedded_gateway.url
    with open_page(browser, request, url, locale="en-US") as page:
        wait_for_table(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("MaaS Workbench")
        for model_id in MODEL_IDS:
            row = model_row(page, model_id)
            expect(row).to_have_count(1)
            expect(row.locator(".state")).to_have_text("healthy")

        base = page.locator(".block").filter(has=page.get_by_text("Base URL", exact=True)).get_by_role("textbox")
        expect(base).to_have_value(f"{url}/v1")
        curl, python = code_block(page, "curl"), code_block(page, "Python (openai SDK)")
        expect(curl).to_contain_text(f"curl -N {url}/v1/chat/completions")
        expect(python).to_contain_text(f'OpenAI(base_url="{url}/v1"')
        expect(curl).to_contain_text('"model": "qwen2.5-coder:0.5b"')

        # Refresh re-reads the status: the "updated at HH:MM:SS" line moves on, the table stays.
        notice = page.get_by_text(re.compile(r"^Models: 4 · updated at"))
        before = notice.inner_text()
        page.wait_for_timeout(1_100)   # the notice has one-second resolution
        with page.expect_request(lambda r: "/queue/join" in r.url and r.method == "POST"):
            page.get_by_role("button", name="Refresh").click()
        expect(notice).not_to_have_text(before)
        for model_id in MODEL_IDS:
            expect(model_row(page, model_id).locator(".state")).to_have_text("healthy")
        screenshot(page, request)


def test_home_page_in_chinese_follows_the_browser_language(browser, embedded_gateway, request):
    from playwright.sync_api import expect

    with open_page(browser, request, embedded_gateway.url, locale="zh-CN") as page:
        table = wait_for_table(page)
        headings = page.get_by_role("heading")
        expect(headings).to_have_text([plain(ZH[k]) for k in HEADING_KEYS])   # 「MaaS 工作台」「模型」「如何调用 API」
        expect(page.get_by_role("tab")).to_have_text([ZH[k] for k in TAB_KEYS])
        expect(page.get_by_role("button", name=ZH["home.refresh"], exact=True)).to_be_visible()
        # server-rendered parts follow the page's language too
        expect(table.get_by_role("columnheader")).to_have_text(
            [ZH[k] for k in ("home.col_model", "home.col_kind", "home.col_capabilities", "home.col_deployments")])
        expect(model_row(page, MODEL_IDS[0]).locator(".state")).to_have_text(ZH["state.healthy"])
        expect(page.get_by_text(re.compile(r"^模型：4 个 · 更新于"))).to_be_visible()

        for key in (*HEADING_KEYS, *TAB_KEYS):
            expect(page.get_by_text(plain(EN[key]), exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name=EN["home.refresh"], exact=True)).to_have_count(0)
        screenshot(page, request)


def test_curl_example_on_the_page_returns_a_chat_completion(browser, embedded_gateway, request):
    """Copy the curl example as a user would (its Copy button), put the key in, run it."""
    from playwright.sync_api import expect

    url = embedded_gateway.url
    with open_page(browser, request, url, locale="en-US",
                   permissions=["clipboard-read", "clipboard-write"]) as page:
        wait_for_table(page)
        curl = code_block(page, "curl")
        expect(curl).to_contain_text(f"{url}/v1/chat/completions")
        curl.get_by_role("button", name="Copy").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.rstrip("\n") == code_text(curl), "the Copy button copies something else than is shown"

    assert copied.count(KEY_PLACEHOLDER) == 1, copied
    command = copied.replace(KEY_PLACEHOLDER, embedded_gateway.master_key)
    env = {**os.environ, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr[-2000:]

    events = [line.removeprefix("data: ") for line in done.stdout.splitlines() if line.startswith("data: ")]
    assert events and events[-1] == "[DONE]", done.stdout[-2000:]
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == MODEL_IDS[0] for c in chunks)
    answer = "".join(ch["delta"].get("content") or "" for c in chunks for ch in c["choices"])
    assert answer.strip(), done.stdout[-2000:]
    assert any(ch.get("finish_reason") == "stop" for c in chunks for ch in c["choices"])
    assert chunks[-1]["usage"]["completion_tokens"] > 0   # stream_options.include_usage, as the page says
