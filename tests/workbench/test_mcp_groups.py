"""Tool groups and what their endpoints offer, on real parts: a real DuckDB store, the hub, and two real MCP servers
on loopback (``tests.workbench.mcp_servers.LabServer`` over streamable HTTP) that share tool names, registered and
approved by Alice. Bob is in Alice's team "Greenhouse" (a member); Carol is in no team.

The HTTP endpoint itself (keys, 404, rate limits, the SDK's client) is tests/app/test_mcp_endpoint.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import aio
from tests.workbench.chat_tools_world import make_hub, with_destructive_tool
from tests.workbench.mcp_servers import LabServer, serve
from workbench.errors import WorkbenchError
from workbench.mcp.catalogue import Entry, NotFound, Viewer
from workbench.mcp.group_names import GroupNames, Wanted
from workbench.mcp.groups import WORKBENCH, GroupDraft, Groups, Member
from workbench.mcp.hub import McpHub
from workbench.mcp.own import OwnTools
from workbench.mcp.remotes import Registration
from workbench.mcp.surface import CALL_TOOL, SEARCH_TOOLS, EndpointCaller, Surfaces
from workbench.schema import open_store

TEAM = "t-greenhouse"
ALICE = Viewer("u-alice", team_ids=frozenset({TEAM}), managed_team_ids=frozenset({TEAM}))
BOB = Viewer("u-bob", team_ids=frozenset({TEAM}))
CAROL = Viewer("u-carol")


@dataclass
class World:
    hub: McpHub
    groups: Groups
    surfaces: Surfaces
    lab: Entry
    lab2: Entry
    labs: tuple[LabServer, LabServer]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp("groups")
    store = open_store(tmp / "workbench.duckdb")
    first, second = LabServer("lab"), LabServer("lab")
    with_destructive_tool(first)
    try:
        with serve(first) as site, serve(second) as site2:
            hub = make_hub(store, tmp)
            lab = aio.run(hub.register(Registration(site.url, title="Lab"), ALICE))
            lab2 = aio.run(hub.register(Registration(site2.url, title="Lab"), ALICE))
            for entry in (lab, lab2):
                aio.run(hub.approve(entry.id, ALICE))
            yield World(hub, Groups(store, hub.catalogue), Surfaces(hub), lab, lab2, (first, second))
            aio.run(hub.close())
    finally:
        store.close()


def caller(viewer: Viewer, key_id: str = "k-alice", locale: str = "en") -> EndpointCaller:
    return EndpointCaller(viewer, "sk-not-used", key_id, locale)


def make(world: World, slug: str, *members: Member, viewer: Viewer = ALICE, **draft) -> object:
    return world.groups.create(GroupDraft(slug, draft.pop("name", slug.title()), members=members, **draft), viewer)


def text_of(result) -> str:
    return "".join(getattr(part, "text", "") or "" for part in result.parts)


def test_names_that_clash_are_prefixed_with_their_servers_slug_and_the_rest_stay_as_they_are() -> None:
    names = GroupNames([Wanted("time", "e1", "convert"), Wanted("clock", "e2", "convert"),
                        Wanted("time", "e1", "get_current_time"), Wanted("workbench", WORKBENCH, "kb_search", "notes"),
                        Wanted("odd", "e3", "has space")])
    assert [item.name for item in names.listed] == ["time__convert", "clock__convert", "get_current_time", "notes",
                                                    names.listed[4].name]
    assert names.listed[4].name.startswith("odd__has_space_")           # made valid, with a hash of both names
    assert names.find("clock__convert").entry_id == "e2" and names.find("convert") is None
    again = GroupNames([Wanted("time", "e1", "convert"), Wanted("clock", "e2", "convert")])
    assert [i.name for i in again.listed] == ["time__convert", "clock__convert"]       # stable


def test_a_group_is_seen_by_its_owner_and_team_and_refused_to_others_like_a_missing_one(world: World) -> None:
    own = make(world, "alice-tools", Member(world.lab.id, "add"), Member(WORKBENCH, "kb_search"))
    team = make(world, "greenhouse-tools", Member(world.lab.id), visibility="team", team_id=TEAM)
    assert [g.slug for g in world.groups.list_for(ALICE)] == ["alice-tools", "greenhouse-tools"]
    assert [g.slug for g in world.groups.list_for(BOB)] == ["greenhouse-tools"]
    assert world.groups.list_for(CAROL) == []
    assert world.groups.by_slug("ALICE-TOOLS", ALICE).id == own.id
    with pytest.raises(NotFound) as other:
        world.groups.by_slug("alice-tools", BOB)
    with pytest.raises(NotFound) as missing:
        world.groups.by_slug("no-such-group", BOB)
    assert other.value.text("zh") == missing.value.text("zh") and other.value.field == missing.value.field
    with pytest.raises(WorkbenchError) as member_changes:
        world.groups.update(team.id, GroupDraft("greenhouse-tools", "Mine now", members=[Member(world.lab.id)],
                                                visibility="team", team_id=TEAM), BOB)
    assert "owner and admins" in member_changes.value.text("en") or "admins" in member_changes.value.text("en")
    world.groups.remove(own.id, ALICE)
    world.groups.remove(team.id, ALICE)


@pytest.mark.parametrize(("draft", "field", "words"), [
    (GroupDraft("Lab Tools!", "Lab", members=[Member("x")]), "slug", "small letters"),
    (GroupDraft("workbench", "Lab", members=[Member("x")]), "slug", "reserved"),
    (GroupDraft("lab-x", "  ", members=[Member("x")]), "name", "name"),
    (GroupDraft("lab-x", "Lab", members=[]), "members", "at least one"),
    (GroupDraft("lab-x", "Lab", members=[Member(WORKBENCH, rename="x")]), "members[0].tool", "choose the tool"),
    (GroupDraft("lab-x", "Lab", members=[Member(WORKBENCH, "kb_search", rename="kb search")]), "members[0].rename",
     "letters, digits"),
    (GroupDraft("lab-x", "Lab", visibility="team", team_id="t-other", members=[Member(WORKBENCH)]), "team_id",
     "No such team"),
])
def test_a_bad_group_is_refused_naming_the_field(world: World, draft: GroupDraft, field: str, words: str) -> None:
    with pytest.raises(WorkbenchError) as refused:
        world.groups.create(draft, ALICE)
    assert refused.value.field == field
    assert words in refused.value.text("en")
    assert refused.value.text("zh") != refused.value.text("en")


def test_a_server_the_maker_may_not_see_cannot_be_added_and_a_taken_slug_is_refused(world: World) -> None:
    with pytest.raises(NotFound) as hidden:
        world.groups.create(GroupDraft("carols", "Carol's", members=[Member(world.lab.id)]), CAROL)
    assert hidden.value.field == "members[0].entry_id"
    group = make(world, "taken", Member(WORKBENCH))
    with pytest.raises(WorkbenchError) as taken:
        world.groups.create(GroupDraft("taken", "Again", members=[Member(WORKBENCH)]), CAROL)
    assert (taken.value.field, taken.value.code) == ("slug", "slug_taken")
    world.groups.remove(group.id, ALICE)


def test_two_servers_with_the_same_tools_are_listed_prefixed_and_each_call_reaches_its_own(world: World) -> None:
    group = make(world, "two-labs", Member(world.lab.id), Member(world.lab2.id, "echo"),
                 Member(world.lab2.id, "add", rename="add_again", description="Adds on the second bench."))
    offered = {t.name: t for t in aio.run(world.surfaces.tools(group, caller(ALICE)))}
    assert {"lab__echo", "lab-2__echo", "add", "add_again", "delete_sample"} <= set(offered)
    assert offered["add_again"].description == "Adds on the second bench."
    assert offered["add"].description == "Add two whole numbers."            # the approved words otherwise
    first, second = world.labs
    before = (len(first.calls), len(second.calls))
    result = aio.run(world.surfaces.call(group, "lab-2__echo", {"text": "bench two"}, caller(ALICE, "k-7")))
    assert text_of(result) == "bench two" and not result.is_error
    result = aio.run(world.surfaces.call(group, "add_again", {"a": 2, "b": 40}, caller(ALICE, "k-7")))
    assert text_of(result) == "42"
    assert (len(first.calls), len(second.calls)) == (before[0], before[1] + 2)
    runs = world.hub.runs(ALICE, limit=2)
    assert [(r.tool, r.source, r.key_id, r.entry_id) for r in runs] == [
        ("add", "api", "k-7", world.lab2.id), ("echo", "api", "k-7", world.lab2.id)]
    with pytest.raises(WorkbenchError) as bad:
        aio.run(world.surfaces.call(group, "add", {"a": "two", "b": 1}, caller(ALICE)))
    assert bad.value.field == "a"                                           # checked against the approved schema
    with pytest.raises(WorkbenchError) as unknown:
        aio.run(world.surfaces.call(group, "echo", {"text": "x"}, caller(ALICE)))     # only the prefixed names
    assert unknown.value.code == "unknown_tool"


def test_a_destructive_tool_runs_over_the_endpoint_only_when_the_group_allows_it(world: World) -> None:
    careful = make(world, "careful", Member(world.lab.id, "delete_sample"))
    daring = make(world, "daring", Member(world.lab.id, "delete_sample"), allow_destructive=True)
    with pytest.raises(WorkbenchError) as refused:
        aio.run(world.surfaces.call(careful, "delete_sample", {"name": "S-1"}, caller(ALICE, locale="zh")))
    assert refused.value.code == "destructive" and "删除" in refused.value.text("zh")
    assert ("delete_sample", {"name": "S-1"}) not in world.labs[0].calls
    result = aio.run(world.surfaces.call(daring, "delete_sample", {"name": "S-2"}, caller(ALICE)))
    assert text_of(result) == "deleted S-2"


def test_a_team_member_gets_only_the_tools_of_servers_they_may_see(world: World) -> None:
    """Alice's servers are her own: in her team's group, Bob (a member) sees the workbench's tools only (here
    web search: this world has no knowledge bases)."""
    group = make(world, "shared-bench", Member(world.lab.id), Member(WORKBENCH), visibility="team", team_id=TEAM)
    surfaces = Surfaces(world.hub, own=OwnTools(None, "http://127.0.0.1:9/v1", web_search=True))
    assert {t.name for t in aio.run(surfaces.tools(group, caller(ALICE)))} >= {"add", "echo", "web_search"}
    assert [t.name for t in aio.run(surfaces.tools(group, caller(BOB)))] == ["web_search"]
    with pytest.raises(WorkbenchError) as refused:
        aio.run(surfaces.call(group, "add", {"a": 1, "b": 2}, caller(BOB)))
    assert refused.value.code == "unknown_tool"


def test_a_big_group_lists_two_tools_that_find_and_call_the_others(world: World) -> None:
    group = make(world, "finder", Member(world.lab.id), Member(world.lab2.id), tool_search=True)
    listed = aio.run(world.surfaces.listed(group, caller(ALICE)))
    assert [t.name for t in listed] == [SEARCH_TOOLS, CALL_TOOL]
    found = aio.run(world.surfaces.call(group, SEARCH_TOOLS, {"query": "say the text back"}, caller(ALICE)))
    names = [tool["name"] for tool in found.structured["tools"]]
    assert names[0] in ("lab__echo", "lab-2__echo"), names
    result = aio.run(world.surfaces.call(group, CALL_TOOL, {"name": names[0], "arguments": {"text": "hi"}},
                                         caller(ALICE)))
    assert text_of(result) == "hi"
    with pytest.raises(WorkbenchError) as bad:
        aio.run(world.surfaces.call(group, CALL_TOOL, {"name": names[0], "arguments": "hi"}, caller(ALICE)))
    assert bad.value.field == "arguments"


def test_resources_and_prompts_of_whole_servers_are_offered_with_clashing_prompts_prefixed(world: World) -> None:
    group = make(world, "readers", Member(world.lab.id), Member(world.lab2.id))
    resources = aio.run(world.surfaces.resources(group, caller(ALICE)))
    assert [r.resource.uri for r in resources] == ["lab://notes"]
    read = aio.run(world.surfaces.read(group, "lab://notes", caller(ALICE)))
    assert "Buffer pH 7.4" in "".join(getattr(p, "text", "") or "" for p in read.parts)
    prompts = [p.listed.name for p in aio.run(world.surfaces.prompts(group, caller(ALICE)))]
    assert prompts == ["lab__greet", "lab-2__greet"]
    rendered = aio.run(world.surfaces.prompt(group, "lab-2__greet", {"name": "Ada"}, caller(ALICE)))
    assert "Ada" in rendered.messages[0].part.text
    with pytest.raises(WorkbenchError):
        aio.run(world.surfaces.read(group, "lab://secret", caller(ALICE)))
