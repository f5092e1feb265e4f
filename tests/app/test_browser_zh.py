"""Every page in Chinese, in a real browser, as a member and as an administrator: no English left in the UI.

Chromium with the zh-CN locale (navigator.language and Accept-Language) opens each page of the real
``python launch.py``, clicks through every tab and opens every accordion, and reads what a user can see: the
visible text and the title / aria-label / alt / placeholder attributes (hover tooltips and labels), toasts
included. A Latin-letter word fails the test unless it is a model id, a product name or code — the allow-list
below. Not read: code blocks and editors, the chat's messages (the model's words, not the UI's), what users
typed, and the charts' SVG internals (Vega's descriptions for screen readers).
"""

from __future__ import annotations

import re

import pytest

from tests.browser import add_members, open_page, screenshot
from tests.conftest import GatewayProcess, seeded_data_dir

pytestmark = pytest.mark.browser

MEMBER = ("wang", "Wang-pass-2026")


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_models):
    """Its own ``python launch.py`` (embedded models): what other tests typed (English names) is not on its pages."""
    gw = GatewayProcess(seeded_data_dir(tmp_path_factory.mktemp("zh-gw"), shared_models)).start()
    add_members(gw.url, MEMBER)
    yield gw
    gw.stop()
PAGES = ("/", "/chat", "/kb", "/mcp", "/prompts", "/papers", "/teams", "/account", "/usage", "/api-docs", "/admin")

# Words that stay Latin on a Chinese page: names of products, protocols and models, code, units.
ALLOWED = {
    # the product, the protocols and formats it speaks, units
    "MaaS", "Workbench", "OpenAI", "openai", "Gradio", "Base", "token", "tokens", "Bearer", "Authorization", "curl",
    "Python", "httpx", "LangChain", "Markdown", "LaTeX", "Enter", "Shift", "Word", "zip", "multipart", "shell",
    "ms", "llama", "cpp", "ollama", "vllm", "sglang", "sk", "Qwen", "Coder", "Instruct", "Universal", "Sentence",
    "Encoder",
    # other products, and their own field names the connection guides quote (Open WebUI, Dify, RAGFlow)
    "Open", "WebUI", "Dify", "RAGFlow", "Docker", "SearXNG", "Key", "Url", "Endpoint", "endpoint", "External",
    "Text", "Embedding", "Rerank", "Compatible", "compatible",
    "Langfuse", "promptfoo", "ETag",          # the prompt library's API: the tools it matches, the HTTP header
    # the API's own words (fields, values, roles, kinds), quoted as the API spells them
    "chat", "embedding", "embeddings", "rerank", "prompt", "completion", "reasoning", "content", "stream", "true",
    "false", "null", "model", "messages", "thinking", "think", "budget", "format", "member", "admin", "limit",
    "since", "until", "query", "documents", "input", "id", "code", "kind", "system", "user", "assistant", "tool",
    "rpm", "tpm", "temperature",
    # the package registries MCP servers are installed from, by their own names; names of programs and functions in
    # the bundled MCP servers' Chinese descriptions (Git, Python's math module's sqrt, sin, log)
    "pypi", "npm", "Git", "math", "sqrt", "sin", "log",
    # MCP clients and the transport a tool group's page configures them for, by their own names
    "Cursor", "Code", "Cherry", "Studio", "Claude", "Desktop", "JavaScript", "Streamable",
    # the people of this test
    "wang",
}
# a chunk with any of these is code (a path, a field=value, a model id, a version, a key, an address)
CODE = re.compile(r"[\d_/{}=.@+<>\[\]#$`\\|]")
# what separates chunks: white space, and Chinese characters and punctuation
CHUNKS = re.compile(r"[\s\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef（），。：；、“”‘’《》【】·…—]+")


def latin_words(text: str) -> list[str]:
    """The Latin words of ``text`` that are not allowed (a chunk that looks like code is skipped whole)."""
    found = []
    for chunk in CHUNKS.split(text):
        if not chunk or CODE.search(chunk):
            continue
        found += [w for w in re.findall(r"[A-Za-z]+", chunk)
                  if w not in ALLOWED and not (w.isupper() and len(w) > 1) and len(w) > 1]
    return found


# The page as a user reads it: [kind, text] for each visible text node and each attribute a user is shown.
READ_JS = """() => {
  const skip = 'code, pre, .cm-editor, svg, textarea, input, [data-testid="bot"], [data-testid="user"]';
  const visible = (el) => { const s = getComputedStyle(el);
    return s.display !== 'none' && s.visibility !== 'hidden' && (el.offsetParent !== null || s.position === 'fixed'); };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement; const text = n.textContent.trim();
    if (text && el && visible(el) && !el.closest(skip)) { out.push(['text', text]); } }
  for (const el of document.querySelectorAll('[title], [aria-label], [alt], [placeholder]')) {
    if (!visible(el) || el.closest('svg')) { continue; }
    for (const a of ['title', 'aria-label', 'alt', 'placeholder']) {
      const v = el.getAttribute(a); if (v) { out.push([a, v]); } } }
  return out; }"""


def english(page, seen: dict[str, set[str]], where: str) -> None:
    """Record every Latin word on the page that is not allowed, with where it was seen."""
    for kind, text in page.evaluate(READ_JS):
        if latin_words(text):
            seen.setdefault(f"{kind}: {text[:120]}", set()).add(where)


def read_every_part(page, seen: dict[str, set[str]], where: str) -> None:
    """The page, then each tab and each accordion opened (what a user clicks through)."""
    page.wait_for_timeout(1500)                                   # the page's load events have answered
    english(page, seen, where)
    for _ in range(3):                                            # tabs inside accordions appear once opened
        for closed in page.locator("button.label-wrap:not(.open)").all():
            if closed.is_visible():
                closed.click()
        for tab in page.get_by_role("tab").all():
            if tab.is_visible() and tab.get_attribute("data-zh-read") is None:    # each tab read once
                tab.click()
                page.wait_for_timeout(150)
                english(page, seen, f"{where} › {tab.inner_text().strip()}")
                tab.evaluate("el => el.setAttribute('data-zh-read', '')")
    english(page, seen, where)


def chat_once(page) -> None:
    """One short question and its answer, so the messages' own buttons are there."""
    from playwright.sync_api import expect

    page.locator("#chat-advanced").click()
    page.locator("#chat-max-tokens input").fill("16")
    page.locator("#chat-input textarea").fill("你好")
    page.locator("#chat-input textarea").press("Enter")
    expect(page.locator("#chat-list")).to_contain_text("你好", timeout=120_000)      # titled: the answer is done
    expect(page.locator("#chat-bot [data-testid=bot]").last).to_be_visible()


def refusal_toast(page) -> None:
    """A refused form's toast (creating a knowledge base with no name), read while it shows."""
    from playwright.sync_api import expect

    page.wait_for_timeout(1500)                                   # the page's load events have answered
    page.locator("#kb-create").click()
    page.locator("#kb-c-create").click()
    expect(page.locator("[data-testid='toast-body']").first).to_be_visible()


@pytest.mark.parametrize("who", ["member", "admin"])
def test_every_page_in_chinese_has_no_english_left(browser, server, request, who):
    from playwright.sync_api import expect

    user = MEMBER if who == "member" else None
    seen: dict[str, set[str]] = {}
    signed_in: dict = {}          # the first page signs in; the next ones open in a fresh context with its cookies
    for path in PAGES:
        with open_page(browser, request, f"{server.url}{path}", locale="zh-CN", user=user, **signed_in) as page:
            signed_in = signed_in or {"storage_state": page.context.storage_state()}
            expect(page.locator("#nav-who")).to_contain_text("当前用户")
            if path == "/chat":
                chat_once(page)
                expect(page.locator("#chat-bot [aria-label='复制消息']").first).to_be_attached()
            if path == "/kb":                                        # a refusal's toast, with its title
                refusal_toast(page)
                english(page, seen, f"{path} (toast)")
            read_every_part(page, seen, path)
            if path == "/":                                          # the master key's note is for admins
                expect(page.locator("body")).to_contain_text("MAAS_MASTER_KEY" if who == "admin" else "API")
                assert ("MAAS_MASTER_KEY" in page.inner_text("body")) is (who == "admin")
            if path == "/teams":
                expect(page.locator("#teams-heading")).to_contain_text(f"{(user or ('admin',))[0]} 的个人空间")
            screenshot(page, request, path.strip("/") or "home")
    assert not seen, "English on Chinese pages:\n" + "\n".join(f"{k}  [{', '.join(sorted(v))}]"
                                                           for k, v in sorted(seen.items()))
