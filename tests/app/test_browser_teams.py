"""The teams page in a real browser against the real ``python launch.py`` (no models: teams need none).

Alice creates a team, invites bob by username and carol by an invite link; carol (in Chinese) opens the link,
joins with one click and sees the team; alice makes bob a viewer; bob sees the team with his role viewer and
none of the controls for managing it. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import add_members, create_team, open_page, pick, screenshot
from tests.conftest import GatewayProcess

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")
BOB = ("bob", "Bob-pass-2026")
CAROL = ("carol", "Carol-pass-2026")


@pytest.fixture()
def server(tmp_path):
    cfg = tmp_path / "models.yaml"
    cfg.write_text("gateway: {embedded: {enabled: false}}\n")
    gw = GatewayProcess(tmp_path / "data", config=cfg).start()
    try:
        add_members(gw.url, ALICE, BOB, CAROL)
        yield gw
    finally:
        gw.stop()



def test_a_team_is_made_joined_by_name_and_by_link_and_a_role_changes(browser, server, request):
    from playwright.sync_api import expect

    with open_page(browser, request, f"{server.url}/teams", user=ALICE) as alice:
        expect(alice.locator("#nav-teams")).to_have_text("Teams")
        expect(alice.locator("#teams-list")).to_contain_text("alice's space")
        expect(alice.locator("#teams-heading")).to_contain_text("Your personal space")
        # 1. alice creates a team: she owns it
        create_team(alice, "Protein lab")
        expect(alice.locator("#teams-list")).to_contain_text("Protein lab")
        alice.wait_for_url(re.compile(r"/teams\?team=[0-9a-f]{32}$"))
        # 2. bob by username, as a member
        alice.locator("#teams-invite-user input").fill("bob")
        alice.locator("#teams-invite").click()
        expect(alice.locator("#teams-notice")).to_have_text("bob joined Protein lab as member.")
        expect(alice.locator("#teams-members")).to_contain_text("bob")
        # 3. carol by a link (member, 7 days), shown once as <origin>/teams?invite=<token>
        alice.locator("#teams-links-box").click()
        alice.locator("#teams-link-create").click()
        expect(alice.locator("#teams-notice")).to_contain_text("Copy it now")
        box = alice.locator("#teams-link input, #teams-link textarea").first
        expect(box).to_have_value(re.compile(rf"^{re.escape(server.url)}/teams\?invite=[\w-]{{40,}}$"))
        link = box.input_value()
        expect(alice.locator("#teams-links")).to_contain_text("active")
        screenshot(alice, request, "owner")

        # 4. carol, in Chinese, opens the link (signing in on the way) and joins with one click
        with open_page(browser, request, link, user=CAROL, locale="zh-CN") as carol:
            expect(carol.locator("#teams-join")).to_contain_text("团队邀请链接")
            carol.locator("#teams-join-btn").click()
            expect(carol.locator("#teams-notice")).to_have_text("您已以成员身份加入 Protein lab。")
            expect(carol.locator("#teams-heading")).to_contain_text("Protein lab")
            expect(carol.locator("#teams-heading")).to_contain_text("您的角色：成员")
            expect(carol.locator("#teams-join")).to_be_hidden()
            expect(carol.locator("#teams-manage")).to_be_hidden()              # a member does not manage
            carol.wait_for_url(re.compile(r"/teams\?team=[0-9a-f]{32}$"))       # the invite left the address
            screenshot(carol, request, "joined-zh")

        # 5. alice makes bob a viewer; the link shows one use
        alice.locator("#teams-refresh").click()
        expect(alice.locator("#teams-members")).to_contain_text("carol")
        pick(alice, "teams-member", "bob (member)")
        pick(alice, "teams-member-role", "viewer")
        alice.locator("#teams-set-role").click()
        expect(alice.locator("#teams-notice")).to_have_text("bob is now viewer in Protein lab.")
        expect(alice.locator("#teams-links tbody td").nth(4)).to_have_text("1")

    # 6. bob sees the team with his role, viewer, and no controls he may not use
    with open_page(browser, request, f"{server.url}/teams", user=BOB) as bob:
        expect(bob.locator("#teams-list")).to_contain_text("Protein lab")
        pick(bob, "teams-pick", "Protein lab · viewer")
        expect(bob.locator("#teams-heading")).to_contain_text("Your role: viewer")
        expect(bob.locator("#teams-members")).to_contain_text("carol")
        for hidden in ("#teams-manage", "#teams-settings", "#teams-owner"):
            expect(bob.locator(hidden)).to_be_hidden()
        expect(bob.locator("#teams-leave-box")).to_be_visible()
        screenshot(bob, request, "viewer")
