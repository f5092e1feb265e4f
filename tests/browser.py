"""Shared helpers for the browser tests: Debian's Chromium driven by Playwright, and screenshots.

``playwright install`` downloads a browser and cannot work offline, so the tests launch the
system's ``/usr/bin/chromium`` (Debian package, see tests/apt-packages.txt) with flags that keep
it off the network. Screenshots go to ``test-artifacts/`` at the repository root (git-ignored),
named after the test, so a reviewer (or CI) can look at what the browser saw.

Importing this module does not import Playwright; only the functions need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest
    from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    # without these Chromium reaches out to Google services at start (the network is closed)
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
)
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000   # Playwright's default is 30 s; a page here loads in ~3 s even on 2 cores


def chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless and offline, launched through ``playwright``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))


def artifact_name(request: pytest.FixtureRequest, label: str = "") -> str:
    """``test_name[-label]`` made safe for a file name (parametrised ids included)."""
    name = request.node.name + (f"-{label}" if label else "")
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


def screenshot(page: Page, request: pytest.FixtureRequest, label: str = "") -> Path:
    """A full-page PNG of ``page`` in test-artifacts/, named after the running test."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{artifact_name(request, label)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def open_page(browser: Browser, request: pytest.FixtureRequest, url: str, *, locale: str = "en-US",
              user: tuple[str, str] | None = None, **context_options: Any) -> Iterator[Page]:
    """``url`` in a fresh context (``locale`` sets navigator.language and Accept-Language).

    On the way out the page must have thrown no uncaught JavaScript error; if the test failed,
    a screenshot ``<test>-failed.png`` is kept for diagnosis. ``context_options`` go to
    ``browser.new_context`` (e.g. ``permissions=["clipboard-read"]``). ``user`` is who signs in
    when the page asks (username, password); the test admin by default.
    """
    context = browser.new_context(locale=locale, viewport=VIEWPORT, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(url)
        if "/login" in page.url:                 # the workbench asks for sign-in first
            from tests.conftest import ADMIN_PASSWORD, ADMIN_USER

            username, password = user or (ADMIN_USER, ADMIN_PASSWORD)
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/login" not in u)
        yield page
    except Exception:   # assertion or timeout: keep what the browser showed
        try:
            screenshot(page, request, "failed")
        except Exception:  # noqa: BLE001 - the test's own failure is the one to report
            pass
        raise
    finally:
        context.close()
    assert not errors, f"uncaught JavaScript errors on {url}: {errors}"


def add_members(gateway_url: str, *users: tuple[str, str]) -> dict[str, str]:
    """Create member accounts (username, password) through the admin API with the tests' master key; their ids
    by username."""
    import httpx

    from tests.conftest import MASTER_KEY

    ids = {}
    for username, password in users:
        resp = httpx.post(f"{gateway_url}/admin/v1/users", json={"username": username, "password": password},
                          headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=30)
        assert resp.status_code == 201, resp.text
        ids[username] = resp.json()["id"]
    return ids


def member_key(gateway_url: str, user_id: str, name: str) -> str:
    """An API key for the user, issued by the admin through the admin API (the tests' master key); its secret."""
    import httpx

    from tests.conftest import MASTER_KEY

    resp = httpx.post(f"{gateway_url}/admin/v1/keys", json={"user_id": user_id, "name": name},
                      headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=30)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()["secret"]


def answer_text(page: Page) -> str:
    """The text of the chat's last answer ("" before the first)."""
    bots = page.locator("#chat-bot [data-testid=bot]")
    return bots.last.inner_text() if bots.count() else ""


def pick(page: Page, dropdown: str, option: str) -> None:
    """Choose ``option`` in the Gradio dropdown ``#dropdown``."""
    page.locator(f"#{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def box(page: Page, elem_id: str) -> Any:
    """The text box inside the Gradio component ``#elem_id``."""
    return page.locator(f"#{elem_id}").get_by_role("textbox")


def document_row(page: Page, name: str) -> Any:
    """The /kb documents table's row of ``name`` (its first cell, exactly)."""
    return page.locator("#kb-docs tbody tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(rf"^{re.escape(name)}$")))


def create_team(page: Page, name: str) -> None:
    """On /teams: create the team ``name`` and see that the page made the user its owner."""
    from playwright.sync_api import expect

    page.locator("#teams-create-box").click()
    page.locator("#teams-new-name input").fill(name)
    page.locator("#teams-create").click()
    expect(page.locator("#teams-notice")).to_contain_text(f"Created {name}")
    expect(page.locator("#teams-heading")).to_contain_text("Your role: owner")


def ask(page, question: str, timeout: float = 120) -> None:
    """Send ``question`` and wait until the answer is done (the status tracker on the chat shows, then hides)."""
    from playwright.sync_api import expect

    page.locator("#chat-input textarea").fill(question)
    page.locator("#chat-input textarea").press("Enter")
    tracker = page.locator("#chat-bot [data-testid=status-tracker]").first
    expect(tracker).not_to_have_class(re.compile(r"\bhide\b"), timeout=10_000)
    expect(tracker).to_have_class(re.compile(r"\bhide\b"), timeout=timeout * 1000)
    expect(page.locator("#chat-input textarea")).to_have_value("")


def short_answers(page, max_tokens: int) -> None:
    """The advanced panel: a short answer at temperature 0 (the small model is quick and steady)."""
    page.locator("#chat-advanced").click()
    page.locator("#chat-max-tokens input").fill(str(max_tokens))
    page.locator("#chat-temperature input").fill("0")
    page.locator("#chat-temperature input").blur()
