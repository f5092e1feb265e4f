"""Sharing knowledge bases on a real DuckDB file: the KB square, share links (token shown once, hashed, expiry,
revocation that ends access at once for those who opened it) and grants to a user or a team."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest

from tests.workbench.kb_world import MODEL, make_world, refused
from workbench.kb.errors import Forbidden, Invalid, NotFound


@pytest.fixture()
def world(tmp_path):
    w = make_world(tmp_path, "alice", "bob", "carol", "dave", "erin")
    yield w
    w.store.close()


@pytest.fixture()
def kb(world):
    """A private KB of alice's team (bob is a viewer in it); carol, dave and erin are strangers to it."""
    team = world.teams.create(world.uid("alice"), "蛋白质实验室", "")
    world.teams.invite(world.uid("alice"), team.id, "bob", "viewer")
    return world.kbs.create(world.uid("alice"), team.id, "Lab notes", "实验记录与流程", MODEL)


# -- the square ----------------------------------------------------------------------------------------------
def test_publish_puts_a_kb_in_the_square_for_every_signed_in_user(world, kb):
    u = world.uid
    assert world.sharing.square(u("carol")) == []
    refused(NotFound, lambda: world.sharing.publish(u("carol"), kb.id))
    refused(Forbidden, lambda: world.sharing.publish(u("bob"), kb.id))
    assert world.sharing.publish(u("alice"), kb.id).public
    world.add_document(kb.id, "protocol.pdf", chunks=5)
    [entry] = world.sharing.square(u("carol"))
    assert (entry.kb.id, entry.team_name, entry.role, entry.kb.documents, entry.kb.chunks) == (
        kb.id, "蛋白质实验室", "reader", 1, 5)
    assert entry.kb.description == "实验记录与流程"
    assert world.sharing.square(u("alice"))[0].role == "owner"
    assert world.sharing.square("") == []                                          # not signed in
    assert world.kbs.get(u("carol"), kb.id).documents == 1
    assert [d.name for d in world.kbs.documents(u("carol"), kb.id)] == ["protocol.pdf"]
    error = refused(Forbidden, lambda: world.access.require_kb(u("carol"), kb.id, "upload"))
    assert "member role" in error.message
    refused(Forbidden, lambda: world.kbs.update(u("carol"), kb.id, name="Mine"))
    refused(Forbidden, lambda: world.kbs.delete(u("carol"), kb.id))
    refused(Forbidden, lambda: world.sharing.create_link(u("carol"), kb.id, None))
    assert world.kbs.list_visible(u("carol")) == []                               # the square is where it is
    world.sharing.unpublish(u("alice"), kb.id)
    assert world.sharing.square(u("carol")) == []
    refused(NotFound, lambda: world.kbs.get(u("carol"), kb.id))                    # at once


def test_the_square_is_searchable_in_english_and_chinese(world, kb):
    u = world.uid
    team = world.teams.create(u("dave"), "Climate group", "")
    rain = world.kbs.create(u("dave"), team.id, "Rainfall reconstruction", "Five centuries of tree rings", MODEL)
    world.kbs.create(u("dave"), team.id, "Drafts", "not published", MODEL)
    for published in (kb, rain):
        world.sharing.publish(world.uid("alice" if published is kb else "dave"), published.id)

    def found(query: str) -> list[str]:
        return sorted(e.kb.name for e in world.sharing.square(u("erin"), query))

    assert found("") == ["Lab notes", "Rainfall reconstruction"]
    assert found("实验") == ["Lab notes"]                                           # description, Chinese substring
    assert found("蛋白质") == ["Lab notes"]                                          # team name
    assert found("TREE rings") == ["Rainfall reconstruction"]                       # every word, any case
    assert found("tree 实验") == []
    assert found("drafts") == []                                                    # not published
    assert found("100%_") == []


# -- share links ---------------------------------------------------------------------------------------------
def test_a_share_link_grants_read_and_chat_until_revoked(world, kb):
    u = world.uid
    refused(Forbidden, lambda: world.sharing.create_link(u("bob"), kb.id, None))
    refused(NotFound, lambda: world.sharing.create_link(u("carol"), kb.id, None))
    link, token = world.sharing.create_link(u("alice"), kb.id, None)
    assert link.state == "active" and link.expires_at is None and link.users == 0
    assert world.store.cursor().execute("SELECT token_hash FROM kb_shares").fetchall() == [
        (hashlib.sha256(token.encode()).hexdigest(),)]
    assert token not in str(world.sharing.links(u("alice"), kb.id))
    refused(NotFound, lambda: world.kbs.get(u("carol"), kb.id))
    assert world.sharing.open_link(u("carol"), token).id == kb.id
    assert world.sharing.open_link(u("carol"), token).id == kb.id                  # twice: one grant
    world.sharing.open_link(u("dave"), token)
    assert world.kbs.get(u("carol"), kb.id).name == "Lab notes"
    assert [(v.kb.id, v.role) for v in world.kbs.list_visible(u("carol"))] == [(kb.id, "reader")]
    refused(Forbidden, lambda: world.access.require_kb(u("carol"), kb.id, "upload"))
    assert [(x.id, x.users, x.state) for x in world.sharing.links(u("alice"), kb.id)] == [(link.id, 2, "active")]
    grants = world.sharing.grants(u("alice"), kb.id)
    assert sorted((g.name, g.via_share) for g in grants) == [("carol", link.id), ("dave", link.id)]

    refused(Forbidden, lambda: world.sharing.revoke_link(u("bob"), link.id))
    assert refused(NotFound, lambda: world.sharing.revoke_link(u("erin"), link.id)).field == "share_link"
    world.sharing.revoke_link(u("alice"), link.id)
    for user in ("carol", "dave"):                                                 # at once, for those who opened it
        error = refused(NotFound, lambda n=user: world.kbs.get(u(n), kb.id))
        assert error.field == "knowledge_base"
        assert world.access.readable_kb_ids(u(user)) == set() and world.kbs.list_visible(u(user)) == []
    gone = refused(NotFound, lambda: world.sharing.open_link(u("erin"), token))
    assert gone.field == "token" and "revoked" in gone.message and "撤销" in gone.text("zh")
    assert world.sharing.links(u("alice"), kb.id)[0].state == "revoked"
    assert world.sharing.grants(u("alice"), kb.id) == []


def test_an_expired_link_stops_working_for_those_who_opened_it(world, kb):
    u = world.uid
    _, token = world.sharing.create_link(u("alice"), kb.id, timedelta(seconds=1))
    _, lasting = world.sharing.create_link(u("alice"), kb.id, timedelta(days=30))
    world.sharing.open_link(u("carol"), token)
    world.sharing.open_link(u("dave"), lasting)
    assert world.access.kb_role(u("carol"), kb.id) == "reader"
    time.sleep(1.2)
    refused(NotFound, lambda: world.kbs.documents(u("carol"), kb.id))              # checked when read, not joined
    assert world.access.kb_role(u("dave"), kb.id) == "reader"                      # the other link still lives
    messages = {(e.message, e.text("zh")) for e in (refused(NotFound, lambda t=t: world.sharing.open_link(u("erin"), t))
                                            for t in (token, "nonsense", " "))}
    assert len(messages) == 1
    assert [x.state for x in world.sharing.links(u("alice"), kb.id)] == ["active", "expired"]
    error = refused(Invalid, lambda: world.sharing.create_link(u("alice"), kb.id, timedelta(seconds=-5)))
    assert error.field == "expires_in"


def test_a_deleted_kb_takes_its_links_and_grants_along(world, kb):
    u = world.uid
    link, token = world.sharing.create_link(u("alice"), kb.id, None)
    world.sharing.open_link(u("carol"), token)
    world.kbs.delete(u("alice"), kb.id)
    refused(NotFound, lambda: world.sharing.open_link(u("dave"), token))
    refused(NotFound, lambda: world.kbs.get(u("carol"), kb.id))
    refused(NotFound, lambda: world.sharing.revoke_link(u("alice"), link.id))
    assert world.dropped == [kb.id]


# -- grants --------------------------------------------------------------------------------------------------
def test_grant_to_a_user_by_name(world, kb):
    u = world.uid
    error = refused(Invalid, lambda: world.sharing.grant_user(u("alice"), kb.id, "nobody"))
    assert error.field == "username" and "nobody" in error.message and "用户名" in error.text("zh")
    refused(Forbidden, lambda: world.sharing.grant_user(u("bob"), kb.id, "carol"))
    refused(NotFound, lambda: world.sharing.grant_user(u("carol"), kb.id, "carol"))
    grant = world.sharing.grant_user(u("alice"), kb.id, " carol ")
    assert (grant.kind, grant.grantee_id, grant.name, grant.via_share, grant.granted_by) == (
        "user", u("carol"), "carol", "", u("alice"))
    assert world.sharing.grant_user(u("alice"), kb.id, "carol") == grant            # again: the same grant
    assert world.kbs.get(u("carol"), kb.id).id == kb.id
    refused(Forbidden, lambda: world.sharing.grants(u("carol"), kb.id))
    world.sharing.revoke_grant(u("alice"), kb.id, "user", u("carol"))
    refused(NotFound, lambda: world.kbs.get(u("carol"), kb.id))
    assert refused(NotFound, lambda: world.sharing.revoke_grant(u("alice"), kb.id, "user", u("carol"))).field == "grant"


def test_revoking_a_users_grant_also_ends_their_link_grant(world, kb):
    u = world.uid
    _, token = world.sharing.create_link(u("alice"), kb.id, None)
    world.sharing.open_link(u("carol"), token)
    world.sharing.grant_user(u("alice"), kb.id, "carol")
    assert len(world.sharing.grants(u("alice"), kb.id)) == 2
    world.sharing.revoke_grant(u("alice"), kb.id, "user", u("carol"))
    assert world.access.kb_role(u("carol"), kb.id) is None
    world.sharing.open_link(u("carol"), token)                                     # the live link lets her back
    assert world.access.kb_role(u("carol"), kb.id) == "reader"


def test_grant_to_a_team_reaches_its_members_while_they_are_members(world, kb):
    u = world.uid
    readers = world.teams.create(u("dave"), "Reading club", "")
    world.teams.invite(u("dave"), readers.id, "carol", "viewer")
    assert refused(NotFound, lambda: world.sharing.grant_team(u("alice"), kb.id, readers.id)).field == "team"
    world.teams.invite(u("dave"), readers.id, "alice", "member")
    own = refused(Invalid, lambda: world.sharing.grant_team(u("alice"), kb.id, kb.team_id))
    assert own.field == "team_id" and own.code == "own_team"
    grant = world.sharing.grant_team(u("alice"), kb.id, readers.id)
    assert (grant.kind, grant.grantee_id, grant.name) == ("team", readers.id, "Reading club")
    for user in ("carol", "dave"):
        assert world.access.kb_role(u(user), kb.id) == "reader"
    world.teams.invite(u("dave"), readers.id, "erin", "member")
    assert world.kbs.get(u("erin"), kb.id).id == kb.id                               # joined later: reads too
    world.teams.remove_member(u("dave"), readers.id, u("carol"))
    refused(NotFound, lambda: world.kbs.get(u("carol"), kb.id))
    world.sharing.revoke_grant(u("alice"), kb.id, "team", readers.id)
    refused(NotFound, lambda: world.kbs.get(u("dave"), kb.id))
