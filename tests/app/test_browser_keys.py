"""The whole key journey in a real browser against the real ``python launch.py`` (embedded models):

the admin creates a member; the member applies for a key; the admin approves it (narrowing the
models); the member shows the key once, calls /v1/chat/completions with the ``openai`` SDK, and finds
the call on the usage dashboard — in English and in Chinese. Single sign-on through the loopback
OIDC provider, in the browser. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import open_page, screenshot

pytestmark = pytest.mark.browser

MEMBER = ("carol", "Carol-pass-2026")
PURPOSE = "Reading and summarising climate-model papers for the group."


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def message(page, text: str | re.Pattern):
    return page.get_by_text(text).first


def test_apply_approve_show_once_call_and_see_usage(browser, embedded_gateway, request):
    from openai import OpenAI
    from playwright.sync_api import expect

    url = embedded_gateway.url
    # 1. the admin creates the member on the admin page
    with open_page(browser, request, f"{url}/admin") as page:
        expect(page.locator("#nav-who")).to_contain_text("admin")
        tab(page, "Users")
        page.get_by_text("Create a user").click()
        page.get_by_label("Username").fill(MEMBER[0])
        page.get_by_label("Initial password").fill(MEMBER[1])
        page.get_by_role("button", name="Create a user", exact=True).click()
        expect(message(page, "Created user carol")).to_be_visible()
        expect(page.locator("#admin-users")).to_contain_text("carol")

    # 2. the member applies (a mistake first: the form keeps what was typed and names the field)
    with open_page(browser, request, f"{url}/account", user=MEMBER) as page:
        expect(page.locator("#nav-admin")).to_be_hidden()                   # members see no Admin link
        expect(page.locator("#account-keys")).to_contain_text("Workbench (chat and knowledge bases)")
        tab(page, "Apply for a key")
        page.locator("#apply-name textarea, #apply-name input").fill("climate-lab")
        page.locator("#apply-contact textarea, #apply-contact input").fill("Carol Chen")
        page.locator("#apply-email textarea, #apply-email input").fill("carol.example.org")
        page.locator("#apply-organisation textarea, #apply-organisation input").fill("Institute of Atmospheric Physics")
        page.locator("#apply-phone textarea, #apply-phone input").fill("+86 10 8299 5000")
        page.locator("#apply-purpose textarea").fill(PURPOSE)
        page.locator("#apply-models label").filter(has_text="qwen2.5-coder:0.5b").click()
        page.locator("#apply-models label").filter(has_text="use-multilingual:v3 ").click()
        page.locator("#apply-submit").click()
        expect(message(page, re.compile("Email: does not look right"))).to_be_visible()
        expect(page.locator("#apply-purpose textarea")).to_have_value(PURPOSE)   # nothing lost
        page.locator("#apply-email textarea, #apply-email input").fill("carol@example.org")
        page.locator("#apply-submit").click()
        expect(page.locator("#apply-result")).to_contain_text("climate-lab")
        tab(page, "My applications")
        expect(page.locator("#account-applications")).to_contain_text("pending review")
        screenshot(page, request, "applied")

    # 3. the admin approves only the chat model, with a rate limit
    with open_page(browser, request, f"{url}/admin") as page:
        queue = page.locator("#admin-queue")
        expect(queue).to_contain_text("climate-lab")
        expect(queue).to_contain_text("Institute of Atmospheric Physics")
        grant = page.locator("#admin-grant")
        embedding = grant.locator("label").filter(has_text="use-multilingual:v3")
        expect(embedding.locator("input")).to_be_checked()
        embedding.click()
        expect(embedding.locator("input")).not_to_be_checked()
        page.get_by_label("Requests per minute").first.fill("120")
        page.locator("#admin-approve").click()
        expect(page.locator("#admin-queue-result")).to_contain_text("Approved climate-lab")
        expect(queue).to_contain_text("No applications are waiting")
        screenshot(page, request, "approved")

    # 4. the member shows the key once
    with open_page(browser, request, f"{url}/account", user=MEMBER) as page:
        expect(page.locator("#account-ready")).to_contain_text("1 approved key")
        page.locator("#account-reveal").click()
        secret_box = page.locator("#account-secret textarea, #account-secret input")
        expect(secret_box).to_have_value(re.compile(r"^sk-maas-"))
        secret = secret_box.input_value()
        expect(page.locator("#account-keys")).to_contain_text("climate-lab")
        expect(page.locator("#account-keys")).to_contain_text(secret[:12])
        assert secret not in page.locator("#account-keys").inner_text()
        screenshot(page, request, "key-shown")
    with open_page(browser, request, f"{url}/account", user=MEMBER) as page:   # a reload: gone for good
        expect(page.locator("#account-keys")).to_contain_text("climate-lab")
        expect(page.locator("#account-ready")).not_to_contain_text("approved key")

    # 5. the key works with the openai SDK, for the granted model only
    client = OpenAI(base_url=f"{url}/v1", api_key=secret, max_retries=0)
    assert [m.id for m in client.models.list().data] == ["qwen2.5-coder:0.5b"]
    reply = client.chat.completions.create(model="qwen2.5-coder:0.5b", max_tokens=12,
                                           messages=[{"role": "user", "content": "Say hello."}])
    assert reply.choices[0].message.content and reply.usage.total_tokens > 0
    total = reply.usage.total_tokens

    # 6. the call is on the member's usage dashboard, in both languages
    for locale, heading in (("en-US", "Usage"), ("zh-CN", "用量")):
        with open_page(browser, request, f"{url}/usage", user=MEMBER, locale=locale) as page:
            expect(page.locator("#nav-usage")).to_have_text(heading)
            body = page.locator("body")
            expect(body).to_contain_text(f"{total:,}", timeout=15_000)
            expect(body).to_contain_text("climate-lab")
            screenshot(page, request, f"usage-{locale}")



def test_single_sign_on_round_trip_in_the_browser(browser, sso_gateway, request):
    from playwright.sync_api import expect

    gw, provider = sso_gateway
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{gw.url}/account")
        page.wait_for_url(re.compile(r"/login"))
        expect(page.locator("#sso")).to_have_text("使用单位统一身份认证登录")
        page.locator("#sso").click()                              # -> provider -> callback -> back where we were
        page.wait_for_url(f"{gw.url}/account")
        expect(page.locator("#nav-who")).to_contain_text(provider.user["preferred_username"])
        expect(page.locator("#nav-account")).to_have_text("我的账户")
        screenshot(page, request, "sso-signed-in")
        page.locator("#nav-sign-out").click()
        page.wait_for_url(re.compile(r"/login"))
        page.goto(f"{gw.url}/account")
        page.wait_for_url(re.compile(r"/login"))                  # signed out means signed out
    finally:
        context.close()
