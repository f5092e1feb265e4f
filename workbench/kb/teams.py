"""Teams and personal spaces: members with roles (owner/admin/member/viewer), invites by username or by link.

    teams = Teams(store, Access(store), users)
    space = teams.personal_space("u-alice")                     # made on first use: alice is its only member
    team = teams.create("u-alice", "蛋白质组", "Protein lab")      # alice owns it
    teams.invite("u-alice", team.id, "bob", "member")           # added at once (no acceptance step)
    invite, token = teams.invite_link("u-alice", team.id, "viewer", timedelta(days=7))   # token shown once
    teams.peek("u-carol", token)          # InviteOffer(team="蛋白质组", role="viewer", inviter="alice", expires_at=…)
    teams.join("u-carol", token)

Every public method takes the caller's user id first and checks through ``Access``: a team the caller is not
in is ``NotFound`` (the same words as a missing one). Admins manage members; only the owner makes or unmakes
admins, transfers ownership (the old owner stays as an admin) and deletes the team. A team always has exactly
one owner: the owner cannot leave, be removed or change role except by a transfer. A personal space has its
user as owner and nobody else; it cannot be left, deleted, given members or granted a KB as a team.
A team is deleted only when it has no knowledge bases left (delete them first: that drops their indexes).
Invite tokens are stored as sha256 only; an expired, revoked or unknown token gets one message.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from workbench.kb.access import (
    RANK,
    TEAM_COLUMNS,
    Access,
    clean_expiry,
    clean_text,
    forbidden,
    not_found,
    now,
    team_from_row,
)
from workbench.kb.errors import Forbidden, Invalid, NotFound
from workbench.kb.records import Member, Team, UserDirectory
from workbench.messages import MESSAGES
from workbench.store import Store

MAX_NAME = 80
MAX_DESCRIPTION = 500
INVITABLE = ("admin", "member", "viewer")


@dataclass(frozen=True)
class Invite:
    """An invite link (its token is shown once, when made); ``state``: active, expired or revoked."""

    id: str
    team_id: str
    role: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    uses: int
    state: str


class InviteOffer(NamedTuple):
    """What an invite link offers, before joining: the team's name, the role, who made the link (their
    username; None for an account gone since) and when it expires (None: never). ``member_role`` is the
    caller's role in that team already (None: not in it), so the page says so instead of offering to join."""

    team: str
    role: str
    inviter: str | None
    expires_at: datetime | None
    member_role: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _personal(team: Team) -> Forbidden:
    return Forbidden("personal_space", "team_id", name=team.name)


def _invite_gone() -> NotFound:
    return NotFound("invite_invalid", "token")


def _role(role: str) -> str:
    if role == "owner":
        raise Invalid("owner_by_transfer", "role")
    if role not in INVITABLE:
        raise Invalid("invalid.role", "role")
    return role


def _owner_only_for_admins(team: Team, *roles: str) -> None:
    if "admin" in roles and team.role != "owner":
        raise forbidden("owner", team.role, MESSAGES.message("doing.admins"))


class Teams:
    """Teams, personal spaces, members, roles and invites in the workbench store."""

    def __init__(self, store: Store, access: Access, users: UserDirectory) -> None:
        self._store, self._access, self._users = store, access, users

    # -- teams -------------------------------------------------------------------------------------------------
    def personal_space(self, user_id: str) -> Team:
        """The user's personal space, made on first use (named after them; they are its owner)."""
        if not user_id:
            raise not_found("team")
        with self._store.transaction() as cur:
            row = cur.execute(f"SELECT {TEAM_COLUMNS} FROM teams t WHERE t.personal_of = ?", [user_id]).fetchone()
            if row:
                return team_from_row(row, "owner")
            name = f"{self._users.name_of(user_id) or user_id}'s space"[:MAX_NAME]
            team = Team(uuid.uuid4().hex, name, "", user_id, user_id, now(), "owner")
            self._insert(cur, team)
        return team

    def _insert(self, cur, team: Team) -> None:
        cur.execute("INSERT INTO teams VALUES (?, ?, ?, ?, ?, ?)",
                    [team.id, team.name, team.description, team.personal_of, team.created_by, team.created_at])
        cur.execute("INSERT INTO team_members VALUES (?, ?, 'owner', ?, ?)",
                    [team.id, team.created_by, team.created_by, team.created_at])

    def _name(self, cur, user_id: str, name: object, skip_id: str = "") -> str:
        name = clean_text(name, "name", MESSAGES.message("label.team_name"), max_chars=MAX_NAME, required=True)
        taken = cur.execute("SELECT 1 FROM teams WHERE created_by = ? AND personal_of IS NULL AND id <> ? "
                            "AND lower(name) = lower(?)", [user_id, skip_id, name]).fetchone()
        if taken:
            raise Invalid("name_taken.team", "name", name=name)
        return name

    def create(self, user_id: str, name: str, description: str = "") -> Team:
        """A new team with the caller as owner; ``name`` 1–80 characters, unique among the caller's teams."""
        if not user_id:
            raise not_found("team")
        description = clean_text(description, "description", MESSAGES.message("label.description"),
                                 max_chars=MAX_DESCRIPTION, required=False, one_line=False)
        with self._store.transaction() as cur:
            team = Team(uuid.uuid4().hex, self._name(cur, user_id, name), description, None, user_id, now(), "owner")
            self._insert(cur, team)
        return team

    def get(self, user_id: str, team_id: str) -> Team:
        """The team with the caller's role (view: any member)."""
        return self._access.require_team(user_id, team_id, "view")

    def update(self, user_id: str, team_id: str, *, name: str | None = None,
               description: str | None = None) -> Team:
        """Rename or describe a team (admin+); a personal space keeps its name."""
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "manage")
            if team.personal_of and name is not None:
                raise _personal(team)
            new_name = team.name if name is None else self._name(cur, team.created_by, name, team.id)
            new_description = team.description if description is None else clean_text(
                description, "description", MESSAGES.message("label.description"), max_chars=MAX_DESCRIPTION,
                required=False, one_line=False)
            cur.execute("UPDATE teams SET name = ?, description = ? WHERE id = ?", [new_name, new_description, team.id])
        return Team(team.id, new_name, new_description, team.personal_of, team.created_by, team.created_at, team.role)

    def list_for(self, user_id: str) -> list[Team]:
        """The caller's teams with their role: the personal space first (made if needed), then by name."""
        self.personal_space(user_id)
        rows = self._store.cursor().execute(
            f"SELECT {TEAM_COLUMNS}, m.role FROM teams t JOIN team_members m ON m.team_id = t.id "
            "WHERE m.user_id = ? ORDER BY t.personal_of IS NULL, lower(t.name), t.created_at", [user_id]).fetchall()
        return [team_from_row(row, row[6]) for row in rows]

    def delete_team(self, user_id: str, team_id: str) -> None:
        """Delete a team (owner only) with its members, invites and the grants made to it. Refused while the
        team has knowledge bases: delete those first (that also drops their indexes and files)."""
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "own")
            if team.personal_of:
                raise _personal(team)
            kbs = cur.execute("SELECT count(*) FROM knowledge_bases WHERE team_id = ?", [team.id]).fetchone()[0]
            if kbs:
                raise Invalid("team_has_knowledge_bases", "team_id", name=team.name, kbs=kbs)
            cur.execute("DELETE FROM kb_grants WHERE grantee_kind = 'team' AND grantee_id = ?", [team.id])
            cur.execute("DELETE FROM team_invites WHERE team_id = ?", [team.id])
            cur.execute("DELETE FROM team_members WHERE team_id = ?", [team.id])
            cur.execute("DELETE FROM teams WHERE id = ?", [team.id])

    # -- members -----------------------------------------------------------------------------------------------
    def members(self, user_id: str, team_id: str) -> list[Member]:
        """The team's members (any member may look): owner first, then by role and joining time."""
        team = self._access.require_team(user_id, team_id, "view")
        rows = self._store.cursor().execute(
            "SELECT user_id, role, joined_at FROM team_members WHERE team_id = ? ORDER BY joined_at, user_id",
            [team.id]).fetchall()
        members = [Member(team.id, uid, self._users.name_of(uid), role, joined) for uid, role, joined in rows]
        return sorted(members, key=lambda m: -RANK[m.role])

    def _member(self, cur, team_id: str, member_id: str) -> str:
        row = cur.execute("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?",
                          [team_id, member_id]).fetchone()
        if row is None:
            raise not_found("member")
        return row[0]

    def _get_member(self, cur, team_id: str, member_id: str) -> Member:
        role, joined = cur.execute("SELECT role, joined_at FROM team_members WHERE team_id = ? AND user_id = ?",
                                   [team_id, member_id]).fetchone()
        return Member(team_id, member_id, self._users.name_of(member_id), role, joined)

    def invite(self, user_id: str, team_id: str, username: str, role: str = "member") -> Member:
        """Add the account ``username`` to the team (admin+; an admin role only by the owner)."""
        role = _role(role)
        name = (username or "").strip() if isinstance(username, str) else ""
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "manage")
            if team.personal_of:
                raise _personal(team)
            _owner_only_for_admins(team, role)
            invitee = self._users.id_of(name) if name else None
            if invitee is None:
                raise Invalid("unknown_user", "username", name=name)
            if cur.execute("SELECT 1 FROM team_members WHERE team_id = ? AND user_id = ?",
                           [team.id, invitee]).fetchone():
                raise Invalid("already_member", "username", name=name, team=team.name)
            cur.execute("INSERT INTO team_members VALUES (?, ?, ?, ?, ?)", [team.id, invitee, role, user_id, now()])
            return self._get_member(cur, team.id, invitee)

    def set_role(self, user_id: str, team_id: str, member_id: str, role: str) -> Member:
        """Change a member's role (admin+); only the owner makes or unmakes admins; the owner's role changes
        only by a transfer."""
        role = _role(role)
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "manage")
            current = self._member(cur, team.id, member_id)
            if current == "owner":
                raise Invalid("owner_by_transfer.role", "role")
            _owner_only_for_admins(team, current, role)
            cur.execute("UPDATE team_members SET role = ? WHERE team_id = ? AND user_id = ?",
                        [role, team.id, member_id])
            return self._get_member(cur, team.id, member_id)

    def remove_member(self, user_id: str, team_id: str, member_id: str) -> None:
        """Remove a member (admin+; an admin only by the owner; never the owner)."""
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "manage")
            current = self._member(cur, team.id, member_id)
            if current == "owner":
                raise Invalid("owner_stays.remove", "member")
            if member_id != user_id:
                _owner_only_for_admins(team, current)
            cur.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", [team.id, member_id])

    def leave(self, user_id: str, team_id: str) -> None:
        """Leave a team (any member but the owner, who transfers the ownership first)."""
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "view")
            if team.personal_of:
                raise _personal(team)
            if team.role == "owner":
                raise Invalid("owner_stays.leave", "team_id")
            cur.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", [team.id, user_id])

    def transfer(self, owner_id: str, team_id: str, to_user_id: str) -> Team:
        """Hand the team to another member (owner only); the old owner stays as an admin."""
        with self._store.transaction() as cur:
            team = self._access.require_team(owner_id, team_id, "own")
            if team.personal_of:
                raise _personal(team)
            if to_user_id == owner_id:
                raise Invalid("invalid.already_owner", "to_user_id")
            self._member(cur, team.id, to_user_id)
            cur.execute("UPDATE team_members SET role = 'admin' WHERE team_id = ? AND user_id = ?",
                        [team.id, owner_id])
            cur.execute("UPDATE team_members SET role = 'owner' WHERE team_id = ? AND user_id = ?",
                        [team.id, to_user_id])
        return Team(team.id, team.name, team.description, None, team.created_by, team.created_at, "admin")

    # -- invite links ------------------------------------------------------------------------------------------
    def invite_link(self, user_id: str, team_id: str, role: str = "member",
                    expires_in: timedelta | None = None) -> tuple[Invite, str]:
        """A link token that adds whoever opens it with ``role`` (admin+; an admin link only by the owner).
        The token is returned once and stored only as its sha256."""
        role = _role(role)
        expires_at = clean_expiry(expires_in)
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "manage")
            if team.personal_of:
                raise _personal(team)
            _owner_only_for_admins(team, role)
            token = new_token()
            invite = Invite(uuid.uuid4().hex, team.id, role, user_id, now(), expires_at, None, 0, "active")
            cur.execute("INSERT INTO team_invites VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0)",
                        [invite.id, team.id, token_hash(token), role, user_id, invite.created_at, expires_at])
        return invite, token

    def invites(self, user_id: str, team_id: str) -> list[Invite]:
        """The team's invite links, newest first, with their state (admin+)."""
        team = self._access.require_team(user_id, team_id, "manage")
        rows = self._store.cursor().execute(
            "SELECT id, team_id, role, created_by, created_at, expires_at, revoked_at, uses FROM team_invites "
            "WHERE team_id = ? ORDER BY created_at DESC", [team.id]).fetchall()
        at = now()
        return [Invite(*row, state="revoked" if row[6] else "expired" if row[5] and row[5] <= at else "active")
                for row in rows]

    def revoke_invite(self, user_id: str, invite_id: str) -> None:
        """Stop an invite link (admin+ of its team); people who already joined stay members."""
        with self._store.transaction() as cur:
            row = cur.execute("SELECT team_id FROM team_invites WHERE id = ?", [invite_id]).fetchone()
            if row is None or self._access.team_role(user_id, row[0]) is None:
                raise not_found("invite")
            self._access.require_team(user_id, row[0], "manage")
            cur.execute("UPDATE team_invites SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                        [now(), invite_id])

    def peek(self, user_id: str, token: str) -> InviteOffer:
        """What the invite link offers (team name, role, inviter, expiry), without joining; an expired, revoked or
        unknown token is the same ``NotFound`` as ``join`` gives. Only a signed-in user holding the token learns
        the team's name: the token is the invitation."""
        if not user_id or not isinstance(token, str) or not token.strip():
            raise _invite_gone()
        cur = self._store.cursor()
        row = cur.execute(
            "SELECT t.id, t.name, i.role, i.created_by, i.expires_at FROM team_invites i JOIN teams t "
            "ON t.id = i.team_id WHERE i.token_hash = ? AND i.revoked_at IS NULL "
            "AND (i.expires_at IS NULL OR i.expires_at > ?)", [token_hash(token), now()]).fetchone()
        if row is None:
            raise _invite_gone()
        team_id, name, role, created_by, expires_at = row
        current = cur.execute("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?",
                              [team_id, user_id]).fetchone()
        return InviteOffer(name, role, self._users.name_of(created_by), expires_at, current[0] if current else None)

    def join(self, user_id: str, token: str) -> Team:
        """Join the team of an invite link with its role; already a member: nothing changes."""
        if not user_id or not isinstance(token, str) or not token.strip():
            raise _invite_gone()
        with self._store.transaction() as cur:
            row = cur.execute(
                f"SELECT {TEAM_COLUMNS}, i.id, i.role FROM team_invites i JOIN teams t ON t.id = i.team_id "
                "WHERE i.token_hash = ? AND i.revoked_at IS NULL AND (i.expires_at IS NULL OR i.expires_at > ?)",
                [token_hash(token), now()]).fetchone()
            if row is None:
                raise _invite_gone()
            current = cur.execute("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?",
                                  [row[0], user_id]).fetchone()
            if current:
                return team_from_row(row, current[0])
            cur.execute("INSERT INTO team_members VALUES (?, ?, ?, ?, ?)", [row[0], user_id, row[7], row[4], now()])
            cur.execute("UPDATE team_invites SET uses = uses + 1 WHERE id = ?", [row[6]])
        return team_from_row(row, row[7])
