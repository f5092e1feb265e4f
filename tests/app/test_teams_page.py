"""The teams page's handlers, called as the browser would, on real services: an opened gateway (accounts in
DuckDB), the workbench store, and the KnowledgeService that ``launch.open_knowledge`` builds (Chroma under the
data dir; no models: teams need none).

Alice builds a team (invites by username and by link, changes roles, revokes the link); everyone sees only
what their role allows; refusals are readable in English and Chinese; an outsider handed alice's ids gets
nothing and changes nothing.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import gradio as gr
import openai
import pytest

from app.shell.forms import Form
from app.teams import page as teams
from launch import AccountDirectory
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD, handlers
from workbench.kb.service import KnowledgeService
from workbench.schema import open_store
from workbench.store import store_path

PAGE = "http://wb.example:7860/teams"


def req(username: str | None, lang: str = "en", **query: str) -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": lang}, query_params=query)


def named(result: tuple, form: Form) -> SimpleNamespace:
    """A form's outputs by its names (``notice``, its own fields, then the page's ``TeamsView`` fields)."""
    return SimpleNamespace(**dict(zip(form.outputs, result, strict=True)))


def refused(call, *args, **kwargs) -> str:
    """The refusal a handler answers with: a form's notice (the page kept as it is), or a page-wide toast."""
    try:
        result = call(*args, **kwargs)
    except gr.Error as err:
        return err.message
    assert isinstance(result[0], str) and result[0].startswith("⚠️"), result[0]
    return result[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    gw = opened_gateway(tmp_path_factory.mktemp("teams-page"))
    users = {name: gw.accounts.create_user(name, PASSWORD).id for name in ("alice", "bob", "carol", "dave", "eve")}
    wb = open_store(store_path(gw.settings.data_dir))
    # as launch.open_knowledge builds it: the gateway's accounts, Chroma under the data dir, the catalogue's
    # embedding models; model calls would go nowhere (teams make none)
    knowledge = KnowledgeService.open(
        wb, AccountDirectory(gw.accounts), data_dir=gw.settings.data_dir, chroma_url=gw.settings.chroma_url,
        client_for=lambda user_id: openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="unused"),
        embedding_models=lambda: [m.id for m in gw.catalogue.models.values() if m.kind == "embedding"],
        max_bytes=gw.settings.kb_max_upload_mb * 2**20)
    yield SimpleNamespace(gw=gw, kb=knowledge, h=teams.TeamsPage(gw, knowledge), uid=users)
    aio.run(knowledge.stop())
    wb.close()
    gw.store.close()


def load(site, user: str, lang: str = "en", **query: str) -> teams.LoadedView:
    return site.h.load(lang, req(user, lang, **query))


def roles(site, team_id: str) -> dict[str, str]:
    return {m.username: m.role for m in site.kb.teams.members(site.uid["alice"], team_id)}


def test_a_team_is_built_invited_into_by_name_and_by_link_and_roles_change(site) -> None:
    h = site.h
    first = load(site, "alice")
    assert "alice&#x27;s space" in first.listing and "Personal space" in first.listing
    assert first.heading.startswith("### alice") and "personal space" in first.heading
    assert first.manage["visible"] is False and first.join_box["visible"] is False

    made = named(h.create("Protein lab", "Folding <b>and</b> design", "en", req("alice")), teams.CREATE)
    team_id = made.team["value"]
    assert "Created **Protein lab**" in made.notice
    assert (made.new_name["value"], made.new_description["value"]) == ("", "")
    assert "Protein lab" in made.listing and "Folding &lt;b&gt;and&lt;/b&gt; design" in made.listing
    assert ("Protein lab · owner", team_id) in made.team["choices"]
    assert made.manage["visible"] and made.owner["visible"] and not made.leave_box["visible"]
    assert [v for _, v in made.member_role["choices"]] == ["admin", "member", "viewer"]

    invited = named(h.invite(team_id, "bob", "member", "en", req("alice")), teams.INVITE)
    assert invited.notice == "bob joined Protein lab as member." and invited.invite_user["value"] == ""
    assert "bob" in invited.members and ("bob (member)", site.uid["bob"]) in invited.member["choices"]

    linked = named(h.create_link(team_id, "viewer", "7", PAGE, "en", req("alice")), teams.LINK)
    url = linked.link["value"]
    assert linked.link["visible"] and url.startswith(f"{PAGE}?invite=") and len(url) > len(PAGE) + 40
    assert "joins Protein lab as viewer" in linked.notice and "shown again" in linked.notice
    assert "active" in linked.links and "alice" in linked.links
    token = url.split("?invite=", 1)[1]
    again = h.select(team_id, "en", req("alice"))
    assert again.link["visible"] is False and token not in str(again)       # shown once

    offered = load(site, "carol", invite=token)
    assert offered.join_box["visible"] and offered.token == token and offered.notice == ""
    assert offered.join_text.startswith("#### Join **Protein lab** as viewer (invited by alice)\n\n")
    assert "This team invite link works until " in offered.join_text and "carol" not in roles(site, team_id)
    zh = load(site, "carol", "zh-CN", invite=token)
    assert zh.join_text.startswith("#### 加入 **Protein lab**，角色：查看者（邀请人：alice）\n\n"
                                   "此团队邀请链接有效期至 ")
    joined = h.join(token, "en", req("carol"))
    assert joined.notice == "You joined **Protein lab** as viewer."
    assert joined.team["value"] == team_id and not joined.join_box["visible"]
    assert "Your role: **viewer**" in joined.heading and not joined.manage["visible"]
    assert joined.leave_box["visible"] and not joined.owner["visible"] and not joined.settings["visible"]
    assert "already in **Protein lab**" in h.join(token, "en", req("carol")).notice
    assert roles(site, team_id) == {"alice": "owner", "bob": "member", "carol": "viewer"}

    changed = named(h.set_role(team_id, site.uid["bob"], "viewer", "en", req("alice")), teams.SET_ROLE)
    assert changed.notice == "bob is now viewer in Protein lab."
    as_bob = load(site, "bob", team=team_id)
    assert as_bob.team["value"] == team_id and "Your role: **viewer**" in as_bob.heading
    assert ("Protein lab · viewer", team_id) in as_bob.team["choices"]

    uses = h.select(team_id, "en", req("alice"))
    invite_id = uses.link_pick["choices"][0][1]
    revoked = named(h.revoke_link(team_id, invite_id, "en", req("alice")), teams.REVOKE_LINK)
    assert "revoked" in revoked.notice and "revoked" in revoked.links and revoked.link_pick["choices"] == []
    assert "not valid" in refused(h.join, token, "en", req("dave"))
    assert "无效" in refused(h.join, token, "zh-CN", req("dave", "zh-CN"))
    assert "dave" not in roles(site, team_id)


def test_an_invite_link_offers_its_team_and_a_bad_one_says_why(site) -> None:
    u = site.uid
    team = site.kb.teams.create(u["dave"], "Offer <lab>")
    _, token = site.kb.teams.invite_link(u["dave"], team.id, "member", None)
    offered = load(site, "eve", invite=token)
    assert offered.join_text == ("#### Join **Offer \\<lab\\>** as member (invited by dave)\n\n"
                                 "This team invite link does not expire. Once you join, you see its members and its "
                                 "knowledge bases.")
    assert offered.join_box["visible"] and offered.token == token
    member = load(site, "dave", invite=token)                   # already in it: said, no offer
    assert member.notice == "You are already in **Offer \\<lab\\>** (your role: owner)."
    assert not member.join_box["visible"] and member.token == "" and member.join_text == ""
    for bad in (token[:-2], "nonsense"):
        gone = load(site, "eve", invite=bad)
        assert gone.notice == ("This invite link is not valid: it may have expired or been revoked. Ask the team "
                               "for a new one.")
        assert not gone.join_box["visible"] and gone.token == "" and gone.join_text == ""
        assert "Offer" not in str(gone)
    zh = load(site, "eve", "zh-CN", invite="nonsense", team="0" * 32)
    assert zh.notice == ("此邀请链接无效：可能已过期或已被撤销。请向团队索取新的链接。\n\n"
                         "该团队不存在或您已不在其中；下面是您当前的团队。")
    assert "eve" not in {m.username for m in site.kb.teams.members(u["dave"], team.id)}


def test_each_role_sees_only_the_controls_it_may_use(site) -> None:
    h, u = site.h, site.uid
    team = site.kb.teams.create(u["alice"], "Role lab")
    site.kb.teams.invite(u["alice"], team.id, "bob", "admin")
    site.kb.teams.invite(u["alice"], team.id, "carol", "member")
    site.kb.teams.invite(u["alice"], team.id, "dave", "admin")
    admin = h.select(team.id, "en", req("bob"))
    assert admin.manage["visible"] and admin.settings["visible"] and not admin.owner["visible"]
    assert [v for _, v in admin.member_role["choices"]] == ["member", "viewer"]         # no admins made
    assert [v for _, v in admin.member["choices"]] == [u["carol"]]                      # not owner, self, admins
    assert "admin" in refused(h.set_role, team.id, u["dave"], "viewer", "en", req("bob"))  # the service says no too
    assert "owner" in refused(h.set_role, team.id, u["carol"], "admin", "en", req("bob"))
    assert "owner" in refused(h.transfer, team.id, u["bob"], "en", req("bob"))
    member = h.select(team.id, "en", req("carol"))
    assert not member.manage["visible"] and not member.settings["visible"] and member.leave_box["visible"]
    assert "admin role or higher" in refused(h.invite, team.id, "eve", "viewer", "en", req("carol"))
    assert "管理员" in refused(h.create_link, team.id, "viewer", "7", PAGE, "zh-CN", req("carol", "zh-CN"))
    personal = load(site, "carol")
    assert "personal space" in personal.heading and not personal.manage["visible"]
    assert personal.settings["visible"] and personal.rename["visible"] is False
    assert not personal.leave_box["visible"] and not personal.owner["visible"]


def test_transfer_leave_rename_and_delete(site) -> None:
    h, u = site.h, site.uid
    team = site.kb.teams.create(u["alice"], "Short-lived")
    site.kb.teams.invite(u["alice"], team.id, "bob", "member")
    moved = named(h.transfer(team.id, u["bob"], "en", req("alice")), teams.TRANSFER)
    assert moved.notice == "bob now owns Short-lived; you stay in it as an admin."
    assert "Your role: **admin**" in moved.heading and moved.leave_box["visible"]
    left = named(h.leave(team.id, "en", req("alice")), teams.LEAVE)
    assert left.notice == "You left Short-lived." and "Short-lived" not in left.listing
    assert "personal space" in left.heading
    renamed = named(h.save(team.id, "Long-lived", "now with a description", "en", req("bob")), teams.SAVE)
    assert "Long-lived" in renamed.listing and renamed.rename["value"] == "Long-lived"
    assert "type its name exactly" in refused(h.delete, team.id, "Short-lived", "en", req("bob"))
    kb = site.kb.bases.create(u["bob"], team.id, "Papers", "", "use-multilingual:v3")
    assert "Delete them first" in refused(h.delete, team.id, "Long-lived", "en", req("bob"))
    site.kb.bases.delete(u["bob"], kb.id)
    gone = named(h.delete(team.id, " Long-lived ", "en", req("bob")), teams.DELETE)
    assert gone.notice == "Long-lived was deleted." and "Long-lived" not in gone.listing
    lost = h.select(team.id, "en", req("bob"))
    assert "no longer in it" in lost.notice and lost.team["value"] != team.id


def test_refusals_are_readable_and_name_what_to_fix(site) -> None:
    h = site.h
    assert "Enter a team name" in refused(h.create, "  ", "", "en", req("eve"))
    assert "请输入团队名称" in refused(h.create, "", "", "zh-CN", req("eve", "zh-CN"))
    team_id = named(h.create("Eve lab", "", "zh-CN", req("eve", "zh-CN")), teams.CREATE).team["value"]
    assert "已有名为“eve LAB”的团队" in refused(h.create, "eve LAB", "", "zh-CN", req("eve", "zh-CN"))
    assert "no active account named “nobody”" in refused(h.invite, team_id, "nobody", "member", "en", req("eve"))
    assert "Choose a role" in refused(h.invite, team_id, "bob", None, "en", req("eve"))
    assert "Choose a team first" in refused(h.invite, None, "bob", "member", "en", req("eve"))
    assert "请先选择一位成员" in refused(h.set_role, team_id, None, "viewer", "zh-CN", req("eve", "zh-CN"))
    assert "how long" in refused(h.create_link, team_id, "viewer", "forever", PAGE, "en", req("eve"))
    assert "transfer the ownership" in refused(h.leave, team_id, "en", req("eve"))
    marked = named(h.create("<b>Bold</b> & co", "", "en", req("eve")), teams.CREATE)
    assert r"\<b\>Bold\</b\> & co" in marked.notice and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in marked.listing
    assert r"“\<b\>bold\</b\> & CO”" in refused(h.create, "<b>bold</b> & CO", "", "en", req("eve"))
    zh = h.select(team_id, "zh-CN", req("eve", "zh-CN"))
    assert "您的角色：**所有者**" in zh.heading and "所有者" in zh.members and "创建时间" in zh.listing
    made = named(h.create_link(team_id, "member", "never", "", "zh-CN", req("eve", "zh-CN")), teams.LINK)
    assert made.link["value"].startswith("/teams?invite=") and "永不过期" in made.notice


def test_an_outsider_gets_nothing_and_changes_nothing(site) -> None:
    h, u = site.h, site.uid
    team = site.kb.teams.create(u["alice"], "Alice Secret Lab", "SECRET-PLANS")
    site.kb.teams.invite(u["alice"], team.id, "bob", "member")
    invite, token = site.kb.teams.invite_link(u["alice"], team.id, "viewer")
    before = (roles(site, team.id), site.kb.teams.invites(u["alice"], team.id), site.kb.teams.get(u["alice"], team.id))
    ids = {"team_id": team.id, "member_id": u["bob"], "new_owner_id": u["bob"], "invite_id": invite.id,
           "role": "admin", "username": "dave", "name": "Taken over", "description": "x", "confirm": team.name,
           "expiry": "7", "page_url": PAGE, "token": None}
    for name, fn in handlers(h).items():
        params = inspect.signature(fn).parameters
        args = {p: ids.get(p) for p in params}
        args.update(lang="en", request=req("dave", team=team.id))
        try:
            text = str(fn(**args))
        except gr.Error as err:
            text = err.message
            assert "does not exist or is not shared with you" in text or "Choose" in text or "not valid" in text, \
                (name, text)
        assert "Alice Secret Lab" not in text and "SECRET-PLANS" not in text, name
    assert (roles(site, team.id), site.kb.teams.invites(u["alice"], team.id),
            site.kb.teams.get(u["alice"], team.id)) == before
    assert "no longer in it" in load(site, "dave", team=team.id).notice
    assert "Alice Secret Lab" in str(h.select(team.id, "en", req("bob")))         # not vacuous: a member sees it
    assert token not in str(before)


def test_signed_out_and_switched_off(site, tmp_path) -> None:
    for name, fn in handlers(site.h).items():
        args = {p: None for p in inspect.signature(fn).parameters}
        args.update(lang="en", request=req(None))
        assert "sign in again" in refused(fn, **args), name
    off = teams.TeamsPage(site.gw, None)
    assert "not available" in load(SimpleNamespace(h=off), "alice").notice
    assert "not available" in refused(off.create, "A team", "", "en", req("alice"))
