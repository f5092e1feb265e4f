"""A refused form in a real browser (Chromium against the real ``python launch.py``), one test per kind of form:
the application for a key (many text fields and a checkbox group), the admin's "Create a user" (an accordion
form), and the team invite (a form inside a panel the handler redraws).

Each submits bad input and checks what a newcomer needs: the message is next to the bad field (and in one
notice), nothing is covered by an error badge, every field keeps what was typed and can be typed into, the
keyboard focus is on the first bad field; then the fix is typed into that same field, and the resubmitted form
succeeds with the new value. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import add_members, box, create_team, open_page, screenshot
from tests.conftest import GatewayProcess, seeded_data_dir

pytestmark = pytest.mark.browser

PURPOSE = "Reading and summarising climate-model papers for the group."


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_models):
    """Its own ``python launch.py``: the applications and users made here stay out of other tests' queues."""
    gw = GatewayProcess(seeded_data_dir(tmp_path_factory.mktemp("forms-gw"), shared_models)).start()
    yield gw
    gw.stop()


def focused_block(page) -> str | None:
    """The elem_id of the Gradio component holding the keyboard focus."""
    return page.evaluate("() => { const b = document.activeElement && document.activeElement.closest('.block[id]');"
                         " return b ? b.id : null; }")


def expect_marked(page, elem_id: str, message: str | re.Pattern) -> None:
    """``#elem_id`` shows ``message`` under its label, is marked invalid, and has no error badge over it."""
    from playwright.sync_api import expect

    block = page.locator(f"#{elem_id}")
    expect(block).to_have_class(re.compile(r"\bmaas-invalid\b"))
    expect(block.locator(".info-text")).to_contain_text(message)
    expect(block.locator("input, textarea").first).to_have_attribute("aria-invalid", "true")
    expect(block.locator("span.error")).to_have_count(0)              # Gradio's badge: "Error ×" over the field


def expect_clear(page, elem_id: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(f"#{elem_id}")).not_to_have_class(re.compile(r"\bmaas-invalid\b"))


def test_the_key_application_marks_every_bad_field_and_keeps_what_was_typed(browser, server, request):
    from playwright.sync_api import expect

    add_members(server.url, ("fiona", "Fiona-pass-2026"))
    with open_page(browser, request, f"{server.url}/account", user=("fiona", "Fiona-pass-2026")) as page:
        page.get_by_role("tab", name="Apply for a key").click()
        box(page, "apply-name").fill("climate-lab")
        box(page, "apply-email").fill("fiona.example.org")                     # no @
        box(page, "apply-organisation").fill("Institute of Atmospheric Physics")
        box(page, "apply-purpose").fill(PURPOSE)
        page.locator("#apply-models label").filter(has_text="qwen2.5-coder:0.5b").click()
        page.locator("#apply-submit").click()

        result = page.locator("#apply-result")
        expect(result).to_contain_text("Correct the 3 marked fields")           # one notice, every problem
        expect_marked(page, "apply-contact", "Contact name: required")
        expect_marked(page, "apply-email", "Email: does not look right")
        expect_marked(page, "apply-phone", "Phone: required")
        for fine in ("apply-name", "apply-organisation", "apply-purpose", "apply-models"):
            expect_clear(page, fine)
        assert focused_block(page) == "apply-contact"                           # the first bad field
        expect(box(page, "apply-purpose")).to_have_value(PURPOSE)               # nothing lost
        expect(page.locator("#apply-models input[name='qwen2.5-coder:0.5b']")).to_be_checked()
        screenshot(page, request, "refused")

        page.keyboard.type("Fiona Fang")                                        # typed straight into the focus
        box(page, "apply-email").fill("fiona@example.org")
        box(page, "apply-phone").fill("+86 10 8299 5000")
        page.locator("#apply-submit").click()
        expect(result).to_contain_text("Application climate-lab submitted")
        for field in ("apply-contact", "apply-email", "apply-phone"):
            expect_clear(page, field)
        expect(box(page, "apply-email")).to_have_value("")                      # a success empties the form
        page.get_by_role("tab", name="My applications").click()
        expect(page.locator("#account-applications")).to_contain_text("climate-lab")


def test_create_user_refuses_a_short_password_by_the_field_and_then_creates(browser, server, request):
    from playwright.sync_api import expect

    with open_page(browser, request, f"{server.url}/admin") as page:
        page.get_by_role("tab", name="Users").click()
        page.locator("#admin-create-user-box").get_by_text("Create a user").click()
        box(page, "admin-c-username").fill("greta")
        box(page, "admin-c-password").fill("short")
        box(page, "admin-c-email").fill("greta@example.org")
        page.locator("#admin-c-create").click()

        expect(page.locator("#admin-create-user-result")).to_contain_text("The password is too short")
        expect_marked(page, "admin-c-password", "too short")
        expect_clear(page, "admin-c-username")
        assert focused_block(page) == "admin-c-password"
        expect(box(page, "admin-c-username")).to_have_value("greta")
        expect(box(page, "admin-c-email")).to_have_value("greta@example.org")
        screenshot(page, request, "refused")

        box(page, "admin-c-password").fill("Greta-pass-2026")                    # the same field, fixed
        page.locator("#admin-c-create").click()
        expect(page.locator("#admin-create-user-result")).to_contain_text("Created user greta")
        expect_clear(page, "admin-c-password")
        expect(page.locator("#admin-users")).to_contain_text("greta@example.org")
    signed_in = server.signed_in("greta", "Greta-pass-2026")        # made with the fixed password
    signed_in.close()


def test_a_team_invite_of_an_unknown_user_keeps_the_team_panel(browser, server, request):
    from playwright.sync_api import expect

    add_members(server.url, ("hanna", "Hanna-pass-2026"))
    with open_page(browser, request, f"{server.url}/teams") as page:
        expect(page.locator("#teams-heading")).to_contain_text("admin's space")   # loaded: the personal space
        create_team(page, "Forms lab")
        members = page.locator("#teams-members")
        expect(members).to_contain_text("admin")
        box(page, "teams-invite-user").fill("hana")                               # a typo
        page.locator("#teams-invite").click()

        expect(page.locator("#teams-notice")).to_contain_text("There is no active account named “hana”")
        expect_marked(page, "teams-invite-user", "no active account named")
        assert focused_block(page) == "teams-invite-user"
        expect(members).to_be_visible()                                           # the panel is not replaced
        expect(page.locator("#teams-heading")).to_contain_text("Forms lab")
        expect(box(page, "teams-invite-user")).to_have_value("hana")
        screenshot(page, request, "refused")

        page.keyboard.press("ControlOrMeta+A")                                    # fixed where the focus is
        page.keyboard.type("hanna")
        page.locator("#teams-invite").click()
        expect(page.locator("#teams-notice")).to_contain_text("hanna joined Forms lab as member")
        expect_clear(page, "teams-invite-user")
        expect(members).to_contain_text("hanna")
        expect(box(page, "teams-invite-user")).to_have_value("")


def test_the_limit_boxes_labelled_empty_for_no_limit_are_empty(browser, server, request):
    """Approve and issue-a-key forms: "Requests per minute (empty: no limit)" showed 0 (Gradio's number box)."""
    from playwright.sync_api import expect

    with open_page(browser, request, f"{server.url}/admin") as page:
        expect(page.locator("#admin-approve-rpm")).to_contain_text("empty: no limit")
        for limit in ("rpm", "tpm", "quota", "days"):          # whatever kind of box: what it shows
            expect(page.locator(f"#admin-approve-{limit}").locator("input, textarea").first).to_have_value("")
        for _ in range(3):                  # a click before the page's load events have answered is lost
            page.get_by_role("tab", name="All keys").click()
            if page.locator("#admin-create-key-box").is_visible(timeout=5_000):
                break
            page.wait_for_timeout(1_000)
        page.locator("#admin-create-key-box").get_by_text("Issue a key to a user").click()
        for limit in ("rpm", "tpm", "quota", "days"):
            expect(page.locator(f"#admin-k-{limit}").locator("input, textarea").first).to_have_value("")


def test_sending_an_empty_chat_message_says_so_and_locks_nothing(browser, server, request):
    from playwright.sync_api import expect

    with open_page(browser, request, f"{server.url}/chat") as page:
        expect(page.locator("#chat-model input")).to_have_value(re.compile(".+"))  # the page's load answered
        page.locator("#chat-send").click()
        expect(page.locator("#chat-notice")).to_contain_text("Type a message first.")
        for part in ("chat-input", "chat-bot", "chat-list"):
            expect(page.locator(f"#{part} span.error")).to_have_count(0)        # no "Error ×" badge over it
        page.locator("#chat-input textarea").fill("Hello")                        # still usable
        expect(page.locator("#chat-input textarea")).to_have_value("Hello")
