"""The MCP page's "Tool groups" tab on real services: a real opened gateway (accounts, settings), the workbench store,
the MCP hub as ``launch.open_mcp`` builds it (its tool groups too), the teams of ``workbench.kb``, and the real lab
MCP server on loopback (``tests.workbench.mcp_servers``) registered and approved by Alice from the page.

Handlers are called as Gradio calls them (the page language, a stub request with the signed-in username); their
outputs are read by name (``group_view.GROUP.outputs``) as the page shows them: the groups' table, the form's
marks, the endpoint's address and each client's configuration.
"""

from __future__ import annotations

import inspect
import json
from types import SimpleNamespace
from typing import Any

import pytest

from app.mcp.group_view import GROUP
from app.mcp.page import McpPage
from app.mcp.register import REGISTER
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.handler_outputs import marked
from tests.app.mcp_world import add_form_tools, choices, open_hub, text, value
from tests.app.pages import PASSWORD
from tests.workbench.mcp_servers import LabServer, serve
from workbench.mcp.client_config import KEY_PLACEHOLDER
from workbench.schema import open_store
from workbench.store import store_path

TOKEN = "sk-groups-lab-7e3b9d1c5a2f4068"
TITLE = "Alice's lab tools"
NO_GROUP = "No such tool group. Check its name in the address; a group is seen only by its owner (or its team)."


def req(username: str | None, locale: str = "en") -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": locale}, query_params={})


def call(site, name: str, username: str | None, *args: Any, lang: str = "en") -> Any:
    """A handler as Gradio calls it (the page's language and the request last)."""
    result = getattr(site.h, name)(*args, lang, req(username, lang))
    return aio.run(result) if inspect.iscoroutine(result) else result





@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mcp-groups-page")
    gw = opened_gateway(tmp / "gateway", MAAS_MCP_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    ids = {name: gw.accounts.create_user(name, PASSWORD).id for name in ("alice", "bob", "carol")}
    store = open_store(store_path(tmp / "workbench"))
    mcp = open_hub(gw, store)
    lab = LabServer()
    add_form_tools(lab)
    with serve(lab, token=TOKEN) as served:
        page = McpPage(gw, mcp)
        yield SimpleNamespace(gw=gw, ids=ids, store=store, mcp=mcp, h=page, url=served.url)
    aio.run(mcp.stop())
    store.close()
    gw.store.close()


def tab(out: tuple[Any, ...]) -> dict[str, Any]:
    """A group handler's outputs by name."""
    return dict(zip(GROUP.outputs, out, strict=True))


def group_call(site, name: str, username: str, *args: Any, lang: str = "en") -> dict[str, Any]:
    return tab(call(site, name, username, *args, lang=lang))


def save(site, username: str, members: list[str], *, slug: str = "lab-tools", name: str = "Lab tools",
         group_id: str = "", renames: str = "", visibility: str = "user", team_id: str | None = None,
         destructive: bool = False, search: bool = False, lang: str = "en") -> dict[str, Any]:
    return group_call(site, "save_group", username, group_id, slug, name, "Alice's bench", visibility, team_id,
                      members, renames, destructive, search, lang=lang)




def cursor_config(out: dict[str, Any]) -> dict[str, Any]:
    [server] = json.loads(out["group_config.cursor"])["mcpServers"].values()
    return server


@pytest.fixture(scope="module")
def lab_entry(site) -> str:
    """Alice's registration of the loopback lab, its tools listed and approved by her (from the page)."""
    args = [site.url, "streamable-http", TITLE, "", TOKEN, "", True, "user", None, None]
    out = dict(zip(REGISTER.outputs, call(site, "register", "alice", *args), strict=True))
    assert out["reg_notice"].startswith("✅"), out["reg_notice"]
    entry_id = value(out["entry_box"])
    assert "now" in text(call(site, "contents", "alice", entry_id).contents_html)
    review = call(site, "review", "alice", entry_id)
    call(site, "approve", "alice", entry_id, review.review_hashes, False)
    return entry_id


def test_the_tab_offers_the_callers_approved_tools_and_the_workbenchs_own(site, lab_entry) -> None:
    loaded = group_call(site, "groups_load", "alice")
    offered = dict(choices(loaded["group_members"]))
    assert offered[f"{TITLE}: all tools"] == lab_entry
    assert offered[f"{TITLE}: now"] == f"{lab_entry}/now" and offered[f"{TITLE}: plan"] == f"{lab_entry}/plan"
    assert offered["MaaS Workbench: all its tools"] == "workbench"
    assert offered["MaaS Workbench: kb_search · Search the knowledge bases"] == "workbench/kb_search"
    assert "workbench/kb_list" in offered.values()
    assert "workbench/web_search" not in offered.values()          # this workbench has no search engine
    assert "No tool groups yet" in text(loaded["group_list"])
    # with no group open, the endpoint shown is the workbench's own tools'
    base = site.gw.settings.base_url
    assert loaded["group_url"] == f"{base}/mcp/v1/workbench" and loaded["group_sse"] == f"{base}/mcp/v1/workbench/sse"
    assert "workbench's own tools" in loaded["group_endpoint"]
    assert cursor_config(loaded) == {"url": f"{base}/mcp/v1/workbench",
                                     "headers": {"Authorization": f"Bearer {KEY_PLACEHOLDER}"}}
    # bob has no approved server: only the workbench's own tools
    bobs = [v for _, v in choices(group_call(site, "groups_load", "bob")["group_members"])]
    assert bobs == ["workbench", "workbench/kb_search", "workbench/kb_list"]
    chinese = group_call(site, "groups_load", "alice", lang="zh")
    assert "MaaS 工作台：全部自带工具" in dict(choices(chinese["group_members"]))
    assert "账户" in chinese["group_key_note"] and KEY_PLACEHOLDER in chinese["group_key_note"]
    assert "~/.cursor/mcp.json" in chinese["group_where.cursor"] and "设置" in chinese["group_where.cursor"]


def test_showing_the_tab_again_lists_the_choices_anew_and_keeps_what_was_typed(site, lab_entry) -> None:
    refreshed = group_call(site, "refresh_groups", "alice", "")
    assert f"{lab_entry}/now" in [v for _, v in choices(refreshed["group_members"])]
    for name in ("group_members", "group_slug", "group_name", "group_renames"):
        assert "value" not in refreshed[name], name
    assert not isinstance(refreshed["group_url"], str) and "No tool groups yet" in text(refreshed["group_list"])


def test_a_bad_address_name_is_refused_at_its_field_and_what_was_typed_stays(site, lab_entry) -> None:
    out = save(site, "alice", [f"{lab_entry}/now"], slug="Lab Tools!")
    said = "“lab tools!” cannot be a group's address name: use 1 to 40 small letters, digits and “-”"
    assert said in out["group_notice"] and said in marked(out, "group_slug")
    assert not marked(out, "group_name") and not isinstance(out["group_list"], str)     # left as it was
    reserved = save(site, "alice", [f"{lab_entry}/now"], slug="workbench")
    assert "“workbench” is reserved by the workbench" in marked(reserved, "group_slug")
    empty = save(site, "alice", [], slug="lab-empty")
    assert "Add at least one server or tool to the group." in marked(empty, "group_members")
    unnamed = save(site, "alice", [f"{lab_entry}/now"], name=" ")
    assert "Give the group a name." in marked(unnamed, "group_name")
    chinese = save(site, "alice", [f"{lab_entry}/now"], slug="Lab Tools!", lang="zh")
    assert "不能用作工具组的地址名" in marked(chinese, "group_slug")
    assert all(not group.slug.startswith("lab") for group in site.mcp.groups.list_for(viewer(site, "alice")))


def test_renames_are_read_from_their_box_and_refused_there(site, lab_entry) -> None:
    bad_line = save(site, "alice", [f"{lab_entry}/now"], renames="now lab_time")
    assert "Line 1 is not a rename: write it as tool = new_name." in marked(bad_line, "group_renames")
    whole = save(site, "alice", [lab_entry], renames="now = lab_time")
    assert "“now” is not among the tools chosen one by one" in marked(whole, "group_renames")
    bad_name = save(site, "alice", [f"{lab_entry}/now"], renames="now = lab time!")
    assert "Line 1 is not a rename" in marked(bad_name, "group_renames")
    not_a_name = save(site, "alice", [f"{lab_entry}/now"], renames="now = lab!")
    assert "“lab!” cannot be a tool's name" in marked(not_a_name, "group_renames")
    twice = save(site, "alice", [f"{lab_entry}/now", f"{lab_entry}/plan"], renames="now = same\nplan = same")
    assert "Two tools of the group are renamed “same”" in marked(twice, "group_renames")


def viewer(site, username: str) -> Any:
    from workbench.mcp.catalogue import Viewer

    user_id = site.ids[username]
    return Viewer.of(user_id, False, site.mcp.teams.list_for(user_id))


def test_a_group_is_made_listed_and_shows_its_endpoint_and_client_configurations(site, lab_entry) -> None:
    members = [f"{lab_entry}/now", f"{lab_entry}/plan", "workbench/kb_search"]
    out = save(site, "alice", members, renames="now = lab_time", search=True)
    base = site.gw.settings.base_url
    url = f"{base}/mcp/v1/lab-tools"
    assert out["group_notice"] == f"✅ “Lab tools” is saved: its endpoint is {url}"
    assert out["group_box"] and out["group_url"] == url and out["group_sse"] == f"{url}/sse"
    assert out["group_endpoint"] == "### Endpoint of “Lab tools”"
    listed = text(out["group_list"])
    for words in ("Lab tools", "Alice's bench", "/mcp/v1/lab-tools", "Only me", f"{TITLE}: now → lab_time",
                  "MaaS Workbench: kb_search", "search_tools + call_tool"):
        assert words in listed, words
    assert choices(out["group_pick"]) == [("Lab tools · /mcp/v1/lab-tools", value(out["group_box"]))]
    # the configurations: the group's address, the key's placeholder, never a key
    assert cursor_config(out) == {"url": url, "headers": {"Authorization": f"Bearer {KEY_PLACEHOLDER}"}}
    [vscode] = json.loads(out["group_config.vscode"])["servers"].values()
    assert vscode["type"] == "http" and vscode["url"] == url
    [cherry] = json.loads(out["group_config.cherry_studio"])["mcpServers"].values()
    assert cherry["baseUrl"] == url and cherry["type"] == "streamableHttp"
    [claude] = json.loads(out["group_config.claude_desktop"])["mcpServers"].values()
    assert url in claude["args"] and claude["env"]["MAAS_AUTH_HEADER"] == f"Bearer {KEY_PLACEHOLDER}"
    compile(out["group_config.langchain_python"], "langchain_python", "exec")
    assert f'"url": "{url}"' in out["group_config.langchain_python"]
    assert f'url: "{url}"' in out["group_config.langchain_js"]
    assert "sk-" not in "".join(str(out[f"group_config.{c}"]) for c in ("cursor", "vscode", "claude_desktop"))
    assert f"{base}/mcp/v1/workbench" in out["group_workbench"]
    # stored as typed
    [group] = site.mcp.groups.list_for(viewer(site, "alice"))
    assert [(m.entry_id, m.tool, m.rename) for m in group.members] == [
        (lab_entry, "now", "lab_time"), (lab_entry, "plan", ""), ("workbench", "kb_search", "")]
    assert group.tool_search is True and group.allow_destructive is False
    # opened again: the form holds it as saved
    opened = group_call(site, "open_group", "alice", group.id)
    assert opened["group_slug"]["value"] == "lab-tools" and opened["group_name"]["value"] == "Lab tools"
    assert opened["group_members"]["value"] == members and opened["group_renames"]["value"] == "now = lab_time"
    assert opened["group_search"] is True and opened["group_destructive"] is False
    assert opened["group_visibility"]["value"] == "user"
    # changed: a new address, destructive tools allowed
    changed = save(site, "alice", members[:1], slug="lab-clock", name="Lab clock", group_id=group.id,
                   destructive=True)
    assert changed["group_url"] == f"{base}/mcp/v1/lab-clock" and "may change things" in text(changed["group_list"])
    assert [g.slug for g in site.mcp.groups.list_for(viewer(site, "alice"))] == ["lab-clock"]


def test_another_users_group_is_not_listed_opened_changed_or_deleted(site, lab_entry) -> None:
    [group] = [g for g in site.mcp.groups.list_for(viewer(site, "alice")) if g.slug == "lab-clock"]
    bobs = group_call(site, "groups_load", "bob")
    assert "lab-clock" not in text(bobs["group_list"]) and choices(bobs["group_pick"]) == []
    assert group_call(site, "open_group", "bob", group.id)["group_notice"] == f"⚠️ {NO_GROUP}"
    changed = save(site, "bob", ["workbench"], slug="bobs-now", group_id=group.id)
    assert changed["group_notice"] == f"⚠️ {NO_GROUP}"
    deleted = group_call(site, "delete_group", "bob", group.id, True)
    assert deleted["group_notice"] == f"⚠️ {NO_GROUP}"
    taken = save(site, "bob", ["workbench"], slug="lab-clock")
    assert "Another group already has the address name “lab-clock”" in marked(taken, "group_slug")
    # a server of alice's, named by its id: refused like one that does not exist, at the members
    hers = save(site, "bob", [f"{lab_entry}/now"], slug="bobs-lab")
    assert "No such MCP server among those you can see" in marked(hers, "group_members")
    assert site.mcp.groups.get(group.id, viewer(site, "alice")) == group
    assert site.mcp.groups.list_for(viewer(site, "bob")) == []


def test_a_teams_group_is_its_members_and_only_its_managers_change_it(site, lab_entry) -> None:
    teams = site.mcp.teams
    team = teams.create(site.ids["alice"], "Spectroscopy")
    teams.invite(site.ids["alice"], team.id, "carol", "member")
    loaded = group_call(site, "groups_load", "alice")
    assert ("A team I manage", "team") in choices(loaded["group_visibility"])
    assert ("Spectroscopy", team.id) in choices(loaded["group_team"])
    assert ("A team I manage", "team") not in choices(group_call(site, "groups_load", "carol")["group_visibility"])
    by_member = save(site, "carol", ["workbench"], slug="spectro-carol", visibility="team", team_id=team.id)
    assert "Only the team's owner and admins" in marked(by_member, "group_team")
    made = save(site, "alice", ["workbench/kb_search"], slug="spectro", name="Spectroscopy tools",
                visibility="team", team_id=team.id)
    assert made["group_notice"].startswith("✅")
    seen = group_call(site, "groups_load", "carol")
    assert "Spectroscopy tools" in text(seen["group_list"]) and "Team Spectroscopy" in text(seen["group_list"])
    group_id = value(made["group_box"])
    opened = group_call(site, "open_group", "carol", group_id)
    assert opened["group_url"].endswith("/mcp/v1/spectro") and opened["group_team"]["value"] == team.id
    refused = save(site, "carol", ["workbench"], slug="spectro", name="Carol's", group_id=group_id,
                   visibility="team", team_id=team.id)
    assert refused["group_notice"].startswith("⚠️")
    assert site.mcp.groups.get(group_id, viewer(site, "alice")).name == "Spectroscopy tools"
    assert "spectro" not in text(group_call(site, "groups_load", "bob")["group_list"])


def test_deleting_asks_for_the_box_first(site) -> None:
    [group] = [g for g in site.mcp.groups.list_for(viewer(site, "alice")) if g.slug == "lab-clock"]
    unticked = group_call(site, "delete_group", "alice", group.id, False)
    assert "Tick the box to confirm" in marked(unticked, "group_delete_confirm")
    assert group_call(site, "delete_group", "alice", "", True)["group_notice"] == "⚠️ Open a group first."
    deleted = group_call(site, "delete_group", "alice", group.id, True)
    assert deleted["group_notice"] == "✅ “Lab clock” is deleted; its address no longer answers."
    assert "lab-clock" not in text(deleted["group_list"]) and deleted["group_box"] == ""
    assert deleted["group_url"].endswith("/mcp/v1/workbench")
    assert [g.slug for g in site.mcp.groups.list_for(viewer(site, "alice"))] == ["spectro"]


def test_a_signed_out_caller_is_refused(site) -> None:
    import gradio as gr

    for name, args in (("groups_load", ()), ("open_group", ("x",)), ("new_group", ()),
                       ("delete_group", ("x", True))):
        with pytest.raises(gr.Error, match="sign in again"):
            call(site, name, None, *args)
