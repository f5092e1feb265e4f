"""Sharing knowledge bases: the KB square (public KBs), share links and grants to a user or a team.

    sharing = Sharing(store, access, users)
    sharing.publish("u-alice", kb.id)                 # in the square: any signed-in user reads and chats
    sharing.square("u-bob", "实验")                    # [SquareEntry(kb (with counts), team_name, role)]
    link, token = sharing.create_link("u-alice", kb.id, timedelta(days=7))    # the token is shown once
    sharing.open_link("u-carol", token)               # a grant for carol, tied to the link
    sharing.grant_user("u-alice", kb.id, "dave"); sharing.grant_team("u-alice", kb.id, other_team.id)

Publishing, links and grants need the admin role in the KB's team (``manage``). A reader (public, grant, link)
may read and chat, never change anything. Opening a link records a grant for the user that lasts only as long
as the link: revoking it, or its expiry, ends every such grant at once (``Access`` checks on every call).
Link tokens are stored as sha256 only; a revoked, expired or unknown token gets one message. Granting to a
team needs the granter to be a member of that team (team ids are not listed to outsiders); a personal space
cannot receive a grant as a team.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from workbench.kb.access import LIVE_GRANT, Access, clean_expiry, kb_from_row, not_found, now
from workbench.kb.bases import counted
from workbench.kb.errors import Forbidden, Invalid, NotFound
from workbench.kb.records import KnowledgeBase, UserDirectory
from workbench.kb.teams import new_token, token_hash
from workbench.store import Store

SQUARE_LIMIT = 200


@dataclass(frozen=True)
class SquareEntry:
    """A public KB as the square lists it, with the asking user's role on it (``reader`` unless in its team)."""

    kb: KnowledgeBase
    team_name: str
    role: str
    person: str | None = None       # whose personal space its team is (a user id), None for a team


@dataclass(frozen=True)
class ShareLink:
    """A share link (its token is shown once, when made); ``users``: who opened it; ``state``: active, expired
    or revoked."""

    id: str
    kb_id: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    users: int
    state: str


@dataclass(frozen=True)
class Grant:
    """Read access given to a user or a team (``via_share``: the share link it came from, "" for a direct one)."""

    kb_id: str
    kind: str                       # user | team
    grantee_id: str
    name: str | None                # the username or team name
    via_share: str
    granted_by: str
    created_at: datetime


def _link_gone() -> NotFound:
    return NotFound("share_link_invalid", "token")


class Sharing:
    """The KB square, share links and grants, permission-checked through ``Access``."""

    def __init__(self, store: Store, access: Access, users: UserDirectory) -> None:
        self._store, self._access, self._users = store, access, users

    # -- the square --------------------------------------------------------------------------------------------
    def _set_public(self, user_id: str, kb_id: str, public: bool) -> KnowledgeBase:
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            cur.execute("UPDATE knowledge_bases SET public = ?, updated_at = ? WHERE id = ?", [public, now(), kb.id])
        return self._access.require_kb(user_id, kb.id, "manage")

    def publish(self, user_id: str, kb_id: str) -> KnowledgeBase:
        """List the KB in the square: any signed-in user may read and chat with it (admin+)."""
        return self._set_public(user_id, kb_id, True)

    def unpublish(self, user_id: str, kb_id: str) -> KnowledgeBase:
        """Take the KB out of the square (admin+); grants and share links stay."""
        return self._set_public(user_id, kb_id, False)

    def square(self, user_id: str, query: str = "") -> list[SquareEntry]:
        """Public KBs, most recently changed first; ``query``: every word must appear in the name, description or
        team name (any case; Chinese matches as substrings). Nothing for a caller who is not signed in."""
        if not user_id:
            return []
        terms = (query or "").lower().split() if isinstance(query, str) else []
        where = "".join(" AND contains(lower(k.name || ' ' || k.description || ' ' || t.name), ?)" for _ in terms)
        rows = self._store.cursor().execute(
            counted(", m.role", "LEFT JOIN team_members m ON m.team_id = k.team_id AND m.user_id = ?")
            + f" WHERE k.public{where} ORDER BY k.updated_at DESC, lower(k.name) LIMIT {SQUARE_LIMIT}",
            [user_id, *terms]).fetchall()
        return [SquareEntry(kb_from_row(row, row[11], row[12]), row[13], row[15] or "reader", row[14]) for row in rows]

    # -- share links -------------------------------------------------------------------------------------------
    def create_link(self, user_id: str, kb_id: str, expires_in: timedelta | None = None) -> tuple[ShareLink, str]:
        """A link token granting read and chat to whoever opens it, until revoked or expired (admin+).
        The token is returned once and stored only as its sha256."""
        expires_at = clean_expiry(expires_in)
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            token = new_token()
            link = ShareLink(uuid.uuid4().hex, kb.id, user_id, now(), expires_at, None, 0, "active")
            cur.execute("INSERT INTO kb_shares VALUES (?, ?, ?, ?, ?, ?, NULL)",
                        [link.id, kb.id, token_hash(token), user_id, link.created_at, expires_at])
        return link, token

    def links(self, user_id: str, kb_id: str) -> list[ShareLink]:
        """The KB's share links, newest first, with how many users opened each and its state (admin+)."""
        kb = self._access.require_kb(user_id, kb_id, "manage")
        rows = self._store.cursor().execute(
            "SELECT s.id, s.kb_id, s.created_by, s.created_at, s.expires_at, s.revoked_at, "
            "(SELECT count(*) FROM kb_grants g WHERE g.kb_id = s.kb_id AND g.via_share = s.id) "
            "FROM kb_shares s WHERE s.kb_id = ? ORDER BY s.created_at DESC", [kb.id]).fetchall()
        at = now()
        return [ShareLink(*row, state="revoked" if row[5] else "expired" if row[4] and row[4] <= at else "active")
                for row in rows]

    def revoke_link(self, user_id: str, link_id: str) -> None:
        """Stop a share link (admin+): everyone who opened it loses access at once."""
        with self._store.transaction() as cur:
            row = cur.execute("SELECT kb_id FROM kb_shares WHERE id = ?", [link_id]).fetchone()
            if row is None or self._access.kb_role(user_id, row[0]) is None:
                raise not_found("share_link")
            self._access.require_kb(user_id, row[0], "manage")
            cur.execute("UPDATE kb_shares SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now(), link_id])

    def open_link(self, user_id: str, token: str) -> KnowledgeBase:
        """The KB of a live share link; records a grant for the caller that lasts as long as the link."""
        if not user_id or not isinstance(token, str) or not token.strip():
            raise _link_gone()
        with self._store.transaction() as cur:
            row = cur.execute("SELECT id, kb_id, created_by FROM kb_shares WHERE token_hash = ? AND revoked_at IS NULL "
                              "AND (expires_at IS NULL OR expires_at > ?)", [token_hash(token), now()]).fetchone()
            if row is None:
                raise _link_gone()
            cur.execute("INSERT OR IGNORE INTO kb_grants VALUES (?, 'user', ?, ?, ?, ?)",
                        [row[1], user_id, row[0], row[2], now()])
        return self._access.require_kb(user_id, row[1], "read")

    # -- grants ------------------------------------------------------------------------------------------------
    def grant_user(self, user_id: str, kb_id: str, username: str) -> Grant:
        """Let the account ``username`` read and chat with the KB (admin+)."""
        name = username.strip() if isinstance(username, str) else ""
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            grantee = self._users.id_of(name) if name else None
            if grantee is None:
                raise Invalid("unknown_user", "username", name=name)
            return self._grant(cur, kb, "user", grantee, name, user_id)

    def grant_team(self, user_id: str, kb_id: str, team_id: str) -> Grant:
        """Let every member of ``team_id`` (a team the caller is in) read and chat with the KB (admin+)."""
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            team = self._access.require_team(user_id, team_id, "view")
            if team.personal_of:
                raise Forbidden("personal_space.grant", "team_id", name=team.name)
            if team.id == kb.team_id:
                raise Invalid("own_team", "team_id", name=team.name)
            return self._grant(cur, kb, "team", team.id, team.name, user_id)

    @staticmethod
    def _grant(cur, kb: KnowledgeBase, kind: str, grantee_id: str, name: str, by: str) -> Grant:
        at = now()
        cur.execute("INSERT OR IGNORE INTO kb_grants VALUES (?, ?, ?, '', ?, ?)", [kb.id, kind, grantee_id, by, at])
        row = cur.execute("SELECT granted_by, created_at FROM kb_grants WHERE kb_id = ? AND grantee_kind = ? AND "
                          "grantee_id = ? AND via_share = ''", [kb.id, kind, grantee_id]).fetchone()
        return Grant(kb.id, kind, grantee_id, name, "", row[0], row[1])

    def revoke_grant(self, user_id: str, kb_id: str, kind: str, grantee_id: str) -> None:
        """Take away every grant of that user or team on the KB, direct or from links (admin+). A user may get
        access again by opening a live link: revoke the link to stop that."""
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            found = cur.execute("SELECT count(*) FROM kb_grants WHERE kb_id = ? AND grantee_kind = ? "
                                "AND grantee_id = ?", [kb.id, kind, grantee_id]).fetchone()[0]
            if not found:
                raise not_found("grant")
            cur.execute("DELETE FROM kb_grants WHERE kb_id = ? AND grantee_kind = ? AND grantee_id = ?",
                        [kb.id, kind, grantee_id])

    def grants(self, user_id: str, kb_id: str) -> list[Grant]:
        """The KB's live grants (direct ones, and those from links still active), newest first (admin+)."""
        kb = self._access.require_kb(user_id, kb_id, "manage")
        rows = self._store.cursor().execute(
            "SELECT g.kb_id, g.grantee_kind, g.grantee_id, t.name, g.via_share, g.granted_by, g.created_at "
            "FROM kb_grants g LEFT JOIN teams t ON g.grantee_kind = 'team' AND t.id = g.grantee_id "
            f"WHERE g.kb_id = $kb AND {LIVE_GRANT} ORDER BY g.created_at DESC",
            {"kb": kb.id, "now": now()}).fetchall()
        return [Grant(kb_id_, kind, gid, team_name if kind == "team" else self._users.name_of(gid), via, by, at)
                for kb_id_, kind, gid, team_name, via, by, at in rows]
