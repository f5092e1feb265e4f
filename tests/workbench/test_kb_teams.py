"""Teams, personal spaces, members and invites, and the knowledge bases of a team, on a real DuckDB file."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest

from tests.workbench.kb_world import MODEL, make_world, refused
from workbench.kb.errors import Forbidden, Invalid, NotFound


@pytest.fixture()
def world(tmp_path):
    w = make_world(tmp_path, "alice", "bob", "carol", "dave", "王芳")
    yield w
    w.store.close()


@pytest.fixture()
def team(world):
    """alice owns it; bob is an admin, carol a member."""
    team = world.teams.create(world.uid("alice"), "Protein lab", "Folding and design")
    world.teams.invite(world.uid("alice"), team.id, "bob", "admin")
    world.teams.invite(world.uid("alice"), team.id, "carol", "member")
    return team


def roles(world, team_id: str) -> dict[str, str]:
    return {m.username: m.role for m in world.teams.members(world.uid("alice"), team_id)}


# -- personal spaces -----------------------------------------------------------------------------------------
def test_a_personal_space_is_made_on_first_use_and_is_the_users_alone(world):
    u = world.uid
    space = world.teams.personal_space(u("alice"))
    assert space.name == "alice's space" and space.personal_of == u("alice") and space.role == "owner"
    assert world.teams.personal_space(u("alice")) == space                      # the same one, not a second
    listed = world.teams.list_for(u("alice"))
    assert [(t.id, t.role) for t in listed] == [(space.id, "owner")]
    assert world.teams.list_for(u("bob"))[0].name == "bob's space"              # listing makes one too
    calls = [lambda: world.teams.invite(u("alice"), space.id, "bob", "member"),
             lambda: world.teams.invite_link(u("alice"), space.id, "viewer", None),
             lambda: world.teams.leave(u("alice"), space.id),
             lambda: world.teams.delete_team(u("alice"), space.id),
             lambda: world.teams.transfer(u("alice"), space.id, u("bob")),
             lambda: world.teams.update(u("alice"), space.id, name="Shared now")]
    for call in calls:
        error = refused(Forbidden, call)
        assert error.code == "personal_space" and "personal space" in error.message and "个人空间" in error.text("zh")
    assert roles(world, space.id) == {"alice": "owner"}
    refused(NotFound, lambda: world.teams.members(u("bob"), space.id))          # nobody else sees into it
    kb = world.kbs.create(u("alice"), space.id, "My notes", "", MODEL)          # its owner manages its KBs
    assert world.kbs.list_visible(u("alice"))[0].kb.id == kb.id


def test_a_personal_space_cannot_receive_a_team_grant(world, team):
    u = world.uid
    kb = world.kbs.create(u("alice"), team.id, "Lab notes", "", MODEL)
    space = world.teams.personal_space(u("alice"))
    error = refused(Forbidden, lambda: world.sharing.grant_team(u("alice"), kb.id, space.id))
    assert error.code == "personal_space"


# -- creating teams ------------------------------------------------------------------------------------------
def test_team_names_count_chinese_characters_and_are_unique_per_creator(world):
    u = world.uid
    long_name = "蛋白质结构预测研究小组" * 8                                      # 88 characters
    assert len(world.teams.create(u("alice"), long_name[:80], "").name) == 80
    error = refused(Invalid, lambda: world.teams.create(u("alice"), long_name, ""))
    assert error.field == "name" and "88" in error.message and "80" in error.message and "88 个字符" in error.text("zh")
    error = refused(Invalid, lambda: world.teams.create(u("alice"), "   ", ""))
    assert error.field == "name" and error.code == "required" and "团队名称" in error.text("zh")
    team = world.teams.create(u("alice"), "  Protein   lab ", "折叠与设计")
    assert team.name == "Protein lab" and team.description == "折叠与设计" and team.role == "owner"
    error = refused(Invalid, lambda: world.teams.create(u("alice"), "protein LAB", ""))
    assert error.field == "name" and error.code == "name_taken" and "protein LAB" in error.message
    assert world.teams.create(u("bob"), "Protein lab", "").name == "Protein lab"   # another creator may
    error = refused(Invalid, lambda: world.teams.create(u("alice"), "x", "说明" * 251))
    assert error.field == "description"
    names = [t.name for t in world.teams.list_for(u("alice"))]
    assert names[0] == "alice's space" and set(names[1:]) == {long_name[:80], "Protein lab"}


def test_rename_needs_an_admin_and_keeps_names_unique(world, team):
    u = world.uid
    world.teams.create(u("alice"), "Other", "")
    assert world.teams.update(u("bob"), team.id, name="蛋白质实验室").name == "蛋白质实验室"
    refused(Forbidden, lambda: world.teams.update(u("carol"), team.id, name="Mine"))
    refused(NotFound, lambda: world.teams.update(u("dave"), team.id, name="Mine"))
    assert refused(Invalid, lambda: world.teams.update(u("alice"), team.id, name="other")).code == "name_taken"
    assert world.teams.get(u("carol"), team.id).name == "蛋白质实验室"


# -- members -------------------------------------------------------------------------------------------------
def test_invite_by_username(world, team):
    u = world.uid
    assert roles(world, team.id) == {"alice": "owner", "bob": "admin", "carol": "member"}
    member = world.teams.invite(u("bob"), team.id, "王芳", "viewer")              # an admin invites
    assert (member.username, member.role) == ("王芳", "viewer")
    error = refused(Invalid, lambda: world.teams.invite(u("bob"), team.id, "nobody", "member"))
    assert error.field == "username" and "nobody" in error.message and error.code == "unknown_user"
    world.users.disabled.add("dave")
    assert refused(Invalid, lambda: world.teams.invite(u("bob"), team.id, "dave", "member")).field == "username"
    error = refused(Invalid, lambda: world.teams.invite(u("bob"), team.id, "carol", "viewer"))
    assert error.code == "already_member" and error.field == "username"
    error = refused(Forbidden, lambda: world.teams.invite(u("bob"), team.id, "dave", "admin"))
    assert "Only the team's owner" in error.message                                          # admins only by the owner
    error = refused(Forbidden, lambda: world.teams.invite(u("carol"), team.id, "dave", "member"))
    assert "admin role" in error.message and "member" in error.message
    assert refused(Invalid, lambda: world.teams.invite(u("alice"), team.id, "dave", "owner")).field == "role"
    assert refused(Invalid, lambda: world.teams.invite(u("alice"), team.id, "dave", "boss")).field == "role"
    refused(NotFound, lambda: world.teams.invite(u("dave"), team.id, "dave", "member"))
    assert [t.name for t in world.teams.list_for(u("王芳"))] == ["王芳's space", "Protein lab"]


def test_roles_change_by_admins_and_admins_by_the_owner_only(world, team):
    u = world.uid
    world.teams.invite(u("alice"), team.id, "dave", "member")
    assert world.teams.set_role(u("bob"), team.id, u("dave"), "viewer").role == "viewer"
    error = refused(Forbidden, lambda: world.teams.set_role(u("bob"), team.id, u("dave"), "admin"))
    assert "Only the team's owner" in error.message and "所有者" in error.text("zh")
    assert world.teams.set_role(u("alice"), team.id, u("dave"), "admin").role == "admin"
    refused(Forbidden, lambda: world.teams.set_role(u("bob"), team.id, u("dave"), "member"))   # unmaking: owner
    assert world.teams.set_role(u("alice"), team.id, u("dave"), "member").role == "member"
    refused(Forbidden, lambda: world.teams.set_role(u("carol"), team.id, u("dave"), "viewer"))
    error = refused(Invalid, lambda: world.teams.set_role(u("alice"), team.id, u("alice"), "admin"))
    assert error.code == "owner_by_transfer" and "transfer" in error.message
    assert refused(Invalid, lambda: world.teams.set_role(u("alice"), team.id, u("bob"), "owner")).field == "role"
    assert refused(NotFound, lambda: world.teams.set_role(u("alice"), team.id, "u-nobody", "viewer")).field == "member"
    assert roles(world, team.id) == {"alice": "owner", "bob": "admin", "carol": "member", "dave": "member"}


def test_remove_leave_and_the_owner_stays(world, team):
    u = world.uid
    world.teams.invite(u("alice"), team.id, "dave", "viewer")
    world.teams.remove_member(u("bob"), team.id, u("dave"))                       # an admin removes a viewer
    refused(NotFound, lambda: world.teams.members(u("dave"), team.id))
    refused(Forbidden, lambda: world.teams.remove_member(u("carol"), team.id, u("bob")))   # a member removes nobody
    error = refused(Forbidden, lambda: world.teams.set_role(u("bob"), team.id, u("bob"), "member"))
    assert "Only the team's owner" in error.message                # unmaking an admin: the owner
    for remover in ("alice", "bob"):
        error = refused(Invalid, lambda r=remover: world.teams.remove_member(u(r), team.id, u("alice")))
        assert error.code == "owner_stays" and "所有者" in error.text("zh")
    error = refused(Invalid, lambda: world.teams.leave(u("alice"), team.id))
    assert error.code == "owner_stays" and "transfer" in error.message
    world.teams.leave(u("carol"), team.id)
    refused(NotFound, lambda: world.teams.get(u("carol"), team.id))
    refused(NotFound, lambda: world.teams.leave(u("carol"), team.id))
    world.teams.remove_member(u("alice"), team.id, u("bob"))                      # the owner removes an admin
    assert roles(world, team.id) == {"alice": "owner"}


def test_an_admin_cannot_remove_another_admin(world, team):
    u = world.uid
    world.teams.invite(u("alice"), team.id, "dave", "admin")
    error = refused(Forbidden, lambda: world.teams.remove_member(u("bob"), team.id, u("dave")))
    assert "Only the team's owner" in error.message
    world.teams.remove_member(u("bob"), team.id, u("bob"))                         # but may remove themself


def test_transfer_ownership(world, team):
    u = world.uid
    refused(Forbidden, lambda: world.teams.transfer(u("bob"), team.id, u("carol")))   # only the owner
    assert refused(NotFound, lambda: world.teams.transfer(u("alice"), team.id, u("dave"))).field == "member"
    assert refused(Invalid, lambda: world.teams.transfer(u("alice"), team.id, u("alice"))).field == "to_user_id"
    assert world.teams.transfer(u("alice"), team.id, u("carol")).role == "admin"
    assert roles(world, team.id) == {"carol": "owner", "alice": "admin", "bob": "admin"}
    assert sum(m.role == "owner" for m in world.teams.members(u("bob"), team.id)) == 1
    world.teams.leave(u("alice"), team.id)                                         # no longer the owner: may leave
    refused(Forbidden, lambda: world.teams.delete_team(u("bob"), team.id))
    refused(Invalid, lambda: world.teams.leave(u("carol"), team.id))
    world.teams.delete_team(u("carol"), team.id)
    refused(NotFound, lambda: world.teams.get(u("bob"), team.id))


def test_delete_team_refuses_while_it_has_knowledge_bases(world, team):
    u = world.uid
    kb = world.kbs.create(u("alice"), team.id, "Lab notes", "", MODEL)
    world.teams.invite(u("alice"), team.id, "王芳", "viewer")
    error = refused(Invalid, lambda: world.teams.delete_team(u("alice"), team.id))
    assert error.code == "team_has_knowledge_bases" and "1" in error.message and "知识库" in error.text("zh")
    world.kbs.delete(u("alice"), kb.id)
    world.teams.delete_team(u("alice"), team.id)
    assert [t.name for t in world.teams.list_for(u("王芳"))] == ["王芳's space"]
    cur = world.store.cursor()
    assert cur.execute("SELECT count(*) FROM team_members WHERE team_id = ?", [team.id]).fetchone()[0] == 0


def test_deleting_a_team_drops_the_grants_made_to_it(world, team):
    u = world.uid
    readers = world.teams.create(u("dave"), "Readers", "")
    world.teams.invite(u("dave"), readers.id, "alice", "member")
    kb = world.kbs.create(u("alice"), team.id, "Lab notes", "", MODEL)
    world.sharing.grant_team(u("alice"), kb.id, readers.id)
    assert world.access.kb_role(u("dave"), kb.id) == "reader"
    world.teams.delete_team(u("dave"), readers.id)
    assert world.access.kb_role(u("dave"), kb.id) is None
    assert world.sharing.grants(u("alice"), kb.id) == []


# -- invite links --------------------------------------------------------------------------------------------
def test_invite_links_join_once_shown_token_hashed(world, team):
    u = world.uid
    invite, token = world.teams.invite_link(u("bob"), team.id, "viewer", timedelta(days=7))
    assert invite.role == "viewer" and invite.state == "active" and invite.expires_at > invite.created_at
    stored = world.store.cursor().execute("SELECT token_hash FROM team_invites").fetchall()
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token not in str(world.teams.invites(u("bob"), team.id))
    joined = world.teams.join(u("dave"), f"  {token} ")
    assert (joined.id, joined.role) == (team.id, "viewer")
    assert world.teams.join(u("dave"), token).role == "viewer"                     # again: nothing changes
    assert world.teams.join(u("carol"), token).role == "member"                    # a member keeps their role
    assert world.teams.invites(u("alice"), team.id)[0].uses == 1
    refused(Forbidden, lambda: world.teams.invites(u("carol"), team.id))
    refused(Forbidden, lambda: world.teams.invite_link(u("bob"), team.id, "admin", None))
    assert world.teams.invite_link(u("alice"), team.id, "admin", None)[0].role == "admin"
    for bad in (timedelta(0), timedelta(days=-1), timedelta(days=4000)):
        error = refused(Invalid, lambda b=bad: world.teams.invite_link(u("alice"), team.id, "viewer", b))
        assert error.field == "expires_in" and "有效期" in error.text("zh")


def test_an_invite_link_is_peeked_at_without_joining(world, team):
    u = world.uid
    invite, token = world.teams.invite_link(u("bob"), team.id, "viewer", timedelta(days=7))
    offer = world.teams.peek(u("dave"), f" {token} ")
    assert offer == ("Protein lab", "viewer", "bob", invite.expires_at, None)
    name, role, inviter, expires_at, *_ = offer
    assert (name, role, inviter, expires_at) == (offer.team, offer.role, offer.inviter, offer.expires_at)
    assert "dave" not in roles(world, team.id) and world.teams.invites(u("alice"), team.id)[0].uses == 0
    assert world.teams.peek(u("carol"), token).member_role == "member"          # already in: says so
    world.teams.join(u("dave"), token)
    assert world.teams.peek(u("dave"), token).member_role == "viewer"
    _, forever = world.teams.invite_link(u("alice"), team.id, "member", None)
    assert world.teams.peek(u("王芳"), forever) == ("Protein lab", "member", "alice", None, None)


def test_revoked_expired_and_unknown_invites_get_one_message(world, team):
    u = world.uid
    revoked, revoked_token = world.teams.invite_link(u("alice"), team.id, "member", None)
    refused(Forbidden, lambda: world.teams.revoke_invite(u("carol"), revoked.id))
    assert refused(NotFound, lambda: world.teams.revoke_invite(u("dave"), revoked.id)).field == "invite"
    world.teams.revoke_invite(u("bob"), revoked.id)
    _, expiring_token = world.teams.invite_link(u("alice"), team.id, "member", timedelta(seconds=1))
    time.sleep(1.2)
    messages = set()
    for token in (revoked_token, expiring_token, "no-such-token", ""):
        for call in (world.teams.join, world.teams.peek):                      # peeking: the same refusal
            error = refused(NotFound, lambda t=token, c=call: c(u("dave"), t))
            messages.add((error.message, error.text("zh"), error.code))
    assert len(messages) == 1 and "expired or been revoked" in next(iter(messages))[0]
    assert {i.state for i in world.teams.invites(u("alice"), team.id)} == {"revoked", "expired"}
    refused(NotFound, lambda: world.teams.get(u("dave"), team.id))
    assert refused(NotFound, lambda: world.teams.revoke_invite(u("alice"), "0" * 32)).field == "invite"


# -- knowledge bases of a team -------------------------------------------------------------------------------
def test_create_kb_validates_each_field_in_both_languages(world, team):
    u = world.uid
    kb = world.kbs.create(u("bob"), team.id, "实验手册", "各种实验流程", MODEL, chunk_tokens="500", chunk_overlap=250.0)
    assert (kb.name, kb.chunk_tokens, kb.chunk_overlap, kb.public, kb.team_id) == ("实验手册", 500, 250, False, team.id)
    cases = [({"name": ""}, "name"), ({"name": "知" * 81}, "name"), ({"name": "实验手册"}, "name"),
             ({"embedding_model": "text-embedding-3-large"}, "embedding_model"),
             ({"chunk_tokens": 99}, "chunk_tokens"), ({"chunk_tokens": 2001}, "chunk_tokens"),
             ({"chunk_tokens": "many"}, "chunk_tokens"), ({"chunk_tokens": True}, "chunk_tokens"),
             ({"chunk_tokens": 300, "chunk_overlap": 151}, "chunk_overlap"),
             ({"chunk_overlap": -1}, "chunk_overlap"), ({"description": "d" * 2001}, "description")]
    for change, field in cases:
        args = {"name": "New", "description": "", "embedding_model": MODEL, "chunk_tokens": 300, "chunk_overlap": 0,
                **change}
        error = refused(Invalid, lambda a=args: world.kbs.create(u("alice"), team.id, **a))
        assert error.field == field, (change, error.field)
    error = refused(Invalid, lambda: world.kbs.create(u("alice"), team.id, "New", "", "nope"))
    assert MODEL in error.message and "bge-m3" in error.text("zh")
    refused(Forbidden, lambda: world.kbs.create(u("carol"), team.id, "Mine", "", MODEL))
    refused(NotFound, lambda: world.kbs.create(u("dave"), team.id, "Mine", "", MODEL))
    other = world.teams.create(u("alice"), "Other", "")
    assert world.kbs.create(u("alice"), other.id, "实验手册", "", MODEL).name == "实验手册"   # unique per team only


def test_update_kb_settings_and_a_new_model_at_once_while_empty_else_by_reembedding(world, team):
    u = world.uid
    kb = world.kbs.create(u("alice"), team.id, "Notes", "", MODEL)
    changed = world.kbs.update(u("bob"), kb.id, name="笔记", description="第二版", embedding_model="bge-m3",
                               chunk_tokens=800, chunk_overlap=100)
    assert (changed.name, changed.description, changed.embedding_model, changed.chunk_tokens,
            changed.chunk_overlap, changed.reembedding) == ("笔记", "第二版", "bge-m3", 800, 100, None)
    assert changed.updated_at >= kb.updated_at and world.reembeds == []
    world.add_document(kb.id, "a.txt", chunks=3)
    world.add_document(kb.id, "queued.txt", chunks=0, status="queued")
    moving = world.kbs.update(u("alice"), kb.id, embedding_model=f" {MODEL} ")
    assert moving.embedding_model == "bge-m3"                   # searched with its old vectors until the swap
    assert moving.reembedding is not None and world.reembeds == [kb.id]
    assert (moving.reembedding.model, moving.reembedding.from_model, moving.reembedding.status,
            moving.reembedding.done, moving.reembedding.total, moving.reembedding.requested_by) == (
        MODEL, "bge-m3", "running", 0, 3, u("alice"))
    listed = {v.kb.id: v.kb for v in world.kbs.list_visible(u("carol"))}
    assert listed[kb.id].reembedding == moving.reembedding       # a member sees it too
    again = world.kbs.update(u("alice"), kb.id, name="Notes 2", embedding_model=MODEL)    # the same target: no restart
    assert again.reembedding == moving.reembedding and again.name == "Notes 2"
    error = refused(Invalid, lambda: world.kbs.update(u("alice"), kb.id, embedding_model="nope"))
    assert error.field == "embedding_model" and "bge-m3" in error.message
    assert world.kbs.get(u("alice"), kb.id).reembedding == moving.reembedding             # a refusal changes nothing
    cancelled = world.kbs.update(u("bob"), kb.id, embedding_model="bge-m3")               # its own model: a cancel
    assert (cancelled.embedding_model, cancelled.reembedding) == ("bge-m3", None)
    assert world.reembeds == [kb.id, kb.id]
    assert refused(Invalid, lambda: world.kbs.update(u("alice"), kb.id, chunk_overlap=500)).field == "chunk_overlap"
    refused(Forbidden, lambda: world.kbs.update(u("carol"), kb.id, embedding_model=MODEL))
    assert world.kbs.get(u("alice"), kb.id).reembedding is None
    world.kbs.update(u("alice"), kb.id, embedding_model=MODEL)
    world.kbs.delete(u("alice"), kb.id)                            # its re-embedding goes with it
    assert not world.store.cursor().execute("SELECT count(*) FROM kb_reembeds").fetchone()[0]


def test_list_visible_with_counts_roles_and_documents(world, team):
    u = world.uid
    lab = world.kbs.create(u("alice"), team.id, "Lab notes", "", MODEL)
    mine = world.kbs.create(u("carol"), world.teams.personal_space(u("carol")).id, "Diary", "", MODEL)
    world.add_document(lab.id, "old.pdf", chunks=4)
    newest = world.add_document(lab.id, "new.md", chunks=0, status="queued")
    world.store.cursor().execute("UPDATE kb_documents SET created_at = '2026-02-01' WHERE id = ?", [newest])
    listed = world.kbs.list_visible(u("carol"))
    assert [(v.kb.name, v.role, v.team_name, v.personal) for v in listed] == [
        ("Diary", "owner", "carol's space", True), ("Lab notes", "member", "Protein lab", False)]
    assert (listed[1].kb.documents, listed[1].kb.chunks) == (2, 4)
    assert [d.name for d in world.kbs.documents(u("carol"), lab.id)] == ["new.md", "old.pdf"]
    assert world.kbs.documents(u("carol"), lab.id)[0].status == "queued"
    assert world.kbs.get(u("bob"), lab.id).chunks == 4
    assert [v.kb.id for v in world.kbs.list_visible(u("alice"))] == [lab.id]      # not carol's personal KB
    refused(NotFound, lambda: world.kbs.documents(u("alice"), mine.id))
    # an identical upload's refused row is not a document; a document that failed otherwise is (to be fixed)
    for name, code in (("copy of old.pdf", "duplicate"), ("broken.pdf", "corrupt")):
        doc_id = world.add_document(lab.id, name, status="failed")
        world.store.cursor().execute("UPDATE kb_documents SET error_code = ? WHERE id = ?", [code, doc_id])
    assert world.kbs.get(u("carol"), lab.id).documents == 3
    assert world.kbs.list_visible(u("carol"))[1].kb.documents == 3
    assert len(world.kbs.documents(u("carol"), lab.id)) == 4                      # the list shows every row
