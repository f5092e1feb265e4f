"""Who may do what with a knowledge base, at service level on a real DuckDB file: the permission matrix
(outsider, viewer, member, admin, owner, public reader, link user, granted user, team-granted user × every
action), NotFound for what the caller may not see (the same words as a missing id), Forbidden naming the role.

The helpers it shares with the other test_kb_* files (``Directory``, ``World``, ``refused``) are in kb_world.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.workbench.kb_world import MODEL, World, make_world, refused
from workbench.kb.errors import Forbidden, NotFound


def outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except NotFound:
        return "missing"
    except Forbidden:
        return "no"
    return "ok"


ACTORS = ("owner", "admin", "member", "viewer", "outsider", "granted", "team_granted", "link_user", "public_reader")


@pytest.fixture()
def world(tmp_path):
    w = make_world(tmp_path, *ACTORS, "friend_owner", "dave")
    yield w
    w.store.close()


@pytest.fixture()
def lab(world):
    """A team with every role, a private KB and a public one, shared every way there is."""
    u = world.uid
    team = world.teams.create(u("owner"), "Protein lab", "")
    for name, role in (("admin", "admin"), ("member", "member"), ("viewer", "viewer")):
        world.teams.invite(u("owner"), team.id, name, role)
    private = world.kbs.create(u("owner"), team.id, "Lab notes", "", MODEL)
    public = world.kbs.create(u("owner"), team.id, "Open protocols", "", MODEL)
    world.sharing.publish(u("owner"), public.id)
    friends = world.teams.create(u("friend_owner"), "Friends", "")
    world.teams.invite(u("friend_owner"), friends.id, "team_granted", "viewer")
    world.teams.invite(u("friend_owner"), friends.id, "owner", "member")     # to be able to grant to it
    world.sharing.grant_user(u("owner"), private.id, "granted")
    world.sharing.grant_team(u("owner"), private.id, friends.id)
    _, token = world.sharing.create_link(u("owner"), private.id, None)
    world.sharing.open_link(u("link_user"), token)
    return team, private, public, friends


EXPECTED_ROLES = {"owner": "owner", "admin": "admin", "member": "member", "viewer": "viewer", "outsider": None,
                  "granted": "reader", "team_granted": "reader", "link_user": "reader", "public_reader": None}


def test_roles_on_a_private_and_a_public_kb(world, lab):
    _, private, public, _ = lab
    assert {a: world.access.kb_role(world.uid(a), private.id) for a in ACTORS} == EXPECTED_ROLES
    on_public = {a: world.access.kb_role(world.uid(a), public.id) for a in ACTORS}
    assert on_public == {**EXPECTED_ROLES, "outsider": "reader", "public_reader": "reader", "granted": "reader",
                         "team_granted": "reader", "link_user": "reader"}
    assert world.access.kb_role("", public.id) is None                # not signed in: not even a public KB
    assert world.access.readable_kb_ids(world.uid("granted")) == {private.id, public.id}
    assert world.access.readable_kb_ids(world.uid("outsider")) == {public.id}


def kb_actions(world: World, kb_id: str, actor: str, public: bool = False) -> dict[str, Callable[[], Any]]:
    """Every KB action there is, as ``actor``; "publish" leaves the KB as it is (public or not)."""
    u = world.uid(actor)
    publish = world.sharing.publish if public else world.sharing.unpublish
    return {
        "read": lambda: world.access.require_kb(u, kb_id, "read"),
        "get": lambda: world.kbs.get(u, kb_id),
        "documents": lambda: world.kbs.documents(u, kb_id),
        "upload": lambda: world.access.require_kb(u, kb_id, "upload"),
        "manage": lambda: world.access.require_kb(u, kb_id, "manage"),
        "update": lambda: world.kbs.update(u, kb_id, description=""),
        "links": lambda: world.sharing.links(u, kb_id),
        "create_link": lambda: world.sharing.create_link(u, kb_id, None),
        "grants": lambda: world.sharing.grants(u, kb_id),
        "grant_user": lambda: world.sharing.grant_user(u, kb_id, "dave"),
        "revoke_grant": lambda: world.sharing.revoke_grant(u, kb_id, "user", world.uid("dave")),
        "publish": lambda: publish(u, kb_id),
    }


MANAGER = dict.fromkeys(("read", "get", "documents", "upload", "manage", "update", "links", "create_link", "grants",
                         "grant_user", "revoke_grant", "publish"), "ok")
UPLOADER = {**MANAGER, **dict.fromkeys(("manage", "update", "links", "create_link", "grants", "grant_user",
                                        "revoke_grant", "publish"), "no")}
READER = {**UPLOADER, "upload": "no"}
NOBODY = dict.fromkeys(MANAGER, "missing")


def run_matrix(world: World, kb_id: str, public: bool) -> dict[str, dict[str, str]]:
    table = {}
    for actor in ACTORS:
        row = {}
        for action, call in kb_actions(world, kb_id, actor, public).items():
            if action == "revoke_grant":        # a grant to revoke for the managers that may
                world.sharing.grant_user(world.uid("owner"), kb_id, "dave")
            row[action] = outcome(call)
        table[actor] = row
    return table


def test_permission_matrix_on_a_private_kb(world, lab):
    _, private, _, _ = lab
    assert run_matrix(world, private.id, False) == {
        "owner": MANAGER, "admin": MANAGER, "member": UPLOADER, "viewer": READER, "outsider": NOBODY,
        "granted": READER, "team_granted": READER, "link_user": READER, "public_reader": NOBODY}
    assert not world.access.require_kb(world.uid("owner"), private.id, "read").public   # nothing published it


def test_permission_matrix_on_a_public_kb(world, lab):
    _, _, public, _ = lab
    assert run_matrix(world, public.id, True) == {
        "owner": MANAGER, "admin": MANAGER, "member": UPLOADER, "viewer": READER, "outsider": READER,
        "granted": READER, "team_granted": READER, "link_user": READER, "public_reader": READER}


def test_team_actions_by_role(world, lab):
    team, _, _, _ = lab

    def actions(u: str) -> dict[str, Callable[[], Any]]:
        return {"view": lambda: world.access.require_team(u, team.id, "view"),
                "members": lambda: world.teams.members(u, team.id),
                "create_kb": lambda: world.kbs.create(u, team.id, f"KB of {u}", "", MODEL),
                "invite_link": lambda: world.teams.invite_link(u, team.id, "viewer", None),
                "invites": lambda: world.teams.invites(u, team.id),
                "own": lambda: world.access.require_team(u, team.id, "own")}

    table = {actor: {action: outcome(call) for action, call in actions(world.uid(actor)).items()}
             for actor in ("owner", "admin", "member", "viewer", "outsider", "granted")}
    everything = {"view": "ok", "members": "ok", "create_kb": "ok", "invite_link": "ok", "invites": "ok", "own": "ok"}
    looker = {**dict.fromkeys(everything, "no"), "view": "ok", "members": "ok"}
    assert table == {"owner": everything, "admin": {**everything, "own": "no"}, "member": looker, "viewer": looker,
                     "outsider": dict.fromkeys(everything, "missing"), "granted": dict.fromkeys(everything, "missing")}
    assert world.access.team_role(world.uid("viewer"), team.id) == "viewer"
    assert world.access.team_role(world.uid("granted"), team.id) is None


def test_an_outsider_cannot_tell_a_private_kb_from_a_missing_one(world, lab):
    _, private, _, _ = lab
    errors = set()
    for kb_id in (private.id, uuid.uuid4().hex):
        for action, call in kb_actions(world, kb_id, "outsider").items():
            error = refused(NotFound, call)
            errors.add((error.message, error.text("zh"), error.field, error.code))
            assert action and "knowledge base" in error.message
    assert len(errors) == 1
    assert private.id not in world.access.readable_kb_ids(world.uid("outsider"))
    assert [v.kb.id for v in world.kbs.list_visible(world.uid("outsider"))] == []
    assert all(e.kb.id != private.id for e in world.sharing.square(world.uid("outsider")))


def test_a_viewer_cannot_upload_and_is_told_the_member_role(world, lab):
    _, private, _, _ = lab
    error = refused(Forbidden, lambda: world.access.require_kb(world.uid("viewer"), private.id, "upload"))
    assert "member role" in error.message and "viewer" in error.message and error.field == "role"
    assert "成员" in error.text("zh") and "查看者" in error.text("zh")
    reader = refused(Forbidden, lambda: world.access.require_kb(world.uid("granted"), private.id, "upload"))
    assert "member role" in reader.message and "not in its team" in reader.message
    admin_needed = refused(Forbidden, lambda: world.kbs.update(world.uid("member"), private.id, name="x"))
    assert "admin role" in admin_needed.message and "管理员" in admin_needed.text("zh")


def test_removed_member_and_left_team_lose_access_at_once(world, lab):
    team, private, _, friends = lab
    world.teams.remove_member(world.uid("owner"), team.id, world.uid("member"))
    refused(NotFound, lambda: world.kbs.get(world.uid("member"), private.id))
    world.teams.leave(world.uid("team_granted"), friends.id)     # the team grant came through this team
    refused(NotFound, lambda: world.kbs.get(world.uid("team_granted"), private.id))
    assert world.access.readable_kb_ids(world.uid("team_granted")) == {lab[2].id}


def test_a_deleted_kb_is_missing_for_everyone(world, lab):
    _, private, _, _ = lab
    world.add_document(private.id, "a.txt", chunks=2)
    refused(Forbidden, lambda: world.kbs.delete(world.uid("member"), private.id))
    world.kbs.delete(world.uid("admin"), private.id)
    assert world.dropped == [private.id]
    for actor in ("owner", "granted", "link_user", "team_granted"):
        refused(NotFound, lambda a=actor: world.kbs.get(world.uid(a), private.id))
    cur = world.store.cursor()
    for table in ("kb_documents", "kb_chunks", "kb_grants", "kb_shares"):
        assert cur.execute(f"SELECT count(*) FROM {table} WHERE kb_id = ?", [private.id]).fetchone()[0] == 0

