"""THE permission check for teams and knowledge bases: one small SQL query per check.

    access = Access(store)
    kb = access.require_kb("alice", kb_id, "upload")     # KnowledgeBase, or NotFound / Forbidden
    team = access.require_team("alice", team_id, "manage")

Roles in a team (``team_members``): owner > admin > member > viewer. A KB's team members have their team
role on it; anyone else who may read it is a ``reader``: any signed-in user when the KB is public, a user
with a grant (direct, or from opening a share link) and the members of a team with a grant. A grant that
came from a share link (``kb_grants.via_share``) ends when that link is revoked or expires: checked here, on
every call, not only when the link was opened.

Actions on a KB: ``read`` (list documents, retrieve, chat, cite, download): any role; ``upload`` (add, cancel,
retry, delete documents): member+; ``manage`` (settings, delete, publish, share, grant): admin+. On a team:
``view`` (any member), ``manage`` (admin+), ``own`` (owner). Who may not even read (or view) gets ``NotFound``
with the same words as a missing id; who may read but not do the action gets ``Forbidden`` naming the role.

The refusals the kb services share (``not_found``, ``forbidden``, ``clean_text``) live here too; their words, en
and zh, are in ``workbench/messages/access.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.messages import Message
from workbench.kb.errors import Forbidden, Invalid, NotFound
from workbench.kb.records import KnowledgeBase, Team
from workbench.messages import MESSAGES
from workbench.store import Store

RANK = {"owner": 4, "admin": 3, "member": 2, "viewer": 1, "reader": 0}
KB_ACTIONS = {"read": "reader", "upload": "member", "manage": "admin"}
TEAM_ACTIONS = {"view": "viewer", "manage": "admin", "own": "owner"}
MAX_EXPIRY = timedelta(days=3650)

KB_COLUMNS = ("k.id, k.team_id, k.name, k.description, k.embedding_model, k.chunk_tokens, k.chunk_overlap, "
              "k.public, k.created_by, k.created_at, k.updated_at")
TEAM_COLUMNS = "t.id, t.name, t.description, t.personal_of, t.created_by, t.created_at"

# A share-link grant counts only while its link is neither revoked nor expired ($now: naive UTC).
LIVE_GRANT = """(g.via_share = '' OR EXISTS (SELECT 1 FROM kb_shares s WHERE s.id = g.via_share AND s.kb_id = g.kb_id
                  AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > $now)))"""
_MINE = """((g.grantee_kind = 'user' AND g.grantee_id = $user)
           OR (g.grantee_kind = 'team' AND g.grantee_id IN (SELECT team_id FROM team_members WHERE user_id = $user)))"""

# One check is one query of four small filtered scans (no joins: DuckDB plans and runs a join-heavy query of
# this shape several times slower): the KB, the caller's team memberships, the KB's grants that may be theirs,
# the KB's live share links. ``Access._kb`` puts them together.
_NULLS = ", NULL" * 11
_KB_CHECK = f"""
SELECT 0, NULL, NULL, NULL, {KB_COLUMNS} FROM knowledge_bases k WHERE k.id = $kb
UNION ALL SELECT 1, team_id, role, NULL{_NULLS} FROM team_members WHERE user_id = $user
UNION ALL SELECT 2, grantee_kind, grantee_id, via_share{_NULLS} FROM kb_grants
          WHERE kb_id = $kb AND (grantee_id = $user OR grantee_kind = 'team')
UNION ALL SELECT 3, id, NULL, NULL{_NULLS} FROM kb_shares
          WHERE kb_id = $kb AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $now)
"""

_KB_ROLES = f"""
WITH granted AS (SELECT DISTINCT g.kb_id FROM kb_grants g WHERE {_MINE} AND {LIVE_GRANT})
SELECT k.id, m.role, k.id IN (SELECT kb_id FROM granted) AS granted, k.public
FROM knowledge_bases k LEFT JOIN team_members m ON m.team_id = k.team_id AND m.user_id = $user
WHERE m.role IS NOT NULL OR k.id IN (SELECT kb_id FROM granted) OR ($public AND k.public)
"""

_TEAM_CHECK = f"""
SELECT {TEAM_COLUMNS}, m.role
FROM teams t JOIN team_members m ON m.team_id = t.id AND m.user_id = $user
WHERE t.id = $team
"""


def now() -> datetime:
    """Naive UTC, as the store keeps timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


# -- refusals shared by the kb services (their words: workbench/messages/access.py) ------------------------------
def not_found(what: str) -> NotFound:
    """The refusal for a missing ``what`` (team, knowledge_base, member, invite, share_link, grant, document) — and
    for one the caller may not see (the same words either way)."""
    return NotFound("not_found.shared", what, thing=MESSAGES.message(f"thing.{what}"))


def forbidden(needed: str, role: str | None, doing: Message) -> Forbidden:
    """The caller sees it but their role is too weak to do ``doing``: names the role ``needed`` (and theirs)."""
    yours = role or "reader"
    you = (MESSAGES.message("you.reader") if yours == "reader"
           else MESSAGES.message("you.role", role=MESSAGES.message(f"role.{yours}")))
    if needed == "owner":
        return Forbidden("forbidden.owner", "role", doing=doing, you=you)
    return Forbidden("forbidden", "role", doing=doing, needed=MESSAGES.message(f"role.{needed}"), you=you)


def clean_text(value: Any, field: str, what: Message, *, max_chars: int, required: bool,
               one_line: bool = True) -> str:
    """``value`` stripped (``one_line``: runs of spaces and line ends made one space), 1 (or 0 when not
    ``required``) to ``max_chars`` characters (a Chinese character is one); ``what`` names it in a refusal."""
    text = "" if value is None else value
    if not isinstance(text, str):
        raise Invalid("invalid.text", field, what=what)
    text = " ".join(text.split()) if one_line else text.strip()
    if required and not text:
        raise Invalid("required.text", field, what=what)
    if len(text) > max_chars:
        raise Invalid("too_long.text", field, what=what, length=len(text), limit=max_chars)
    return text


def clean_expiry(expires_in: timedelta | None, field: str = "expires_in") -> datetime | None:
    """When a link made now with ``expires_in`` ends (None: never); refuses a non-positive or absurd span."""
    if expires_in is None:
        return None
    if not isinstance(expires_in, timedelta) or expires_in <= timedelta(0) or expires_in > MAX_EXPIRY:
        raise Invalid("invalid.expiry", field)
    return now() + expires_in


def kb_from_row(row: Sequence[Any], documents: int = 0, chunks: int = 0) -> KnowledgeBase:
    """A ``KnowledgeBase`` from the first 11 columns of a ``KB_COLUMNS`` select."""
    return KnowledgeBase(id=row[0], team_id=row[1], name=row[2], description=row[3], embedding_model=row[4],
                         chunk_tokens=row[5], chunk_overlap=row[6], public=bool(row[7]), created_by=row[8],
                         created_at=row[9], updated_at=row[10], documents=int(documents or 0),
                         chunks=int(chunks or 0))


def team_from_row(row: Sequence[Any], role: str | None = None) -> Team:
    """A ``Team`` from the first 6 columns of a ``TEAM_COLUMNS`` select."""
    return Team(id=row[0], name=row[1], description=row[2], personal_of=row[3], created_by=row[4],
                created_at=row[5], role=role)


class Access:
    """Who may do what with a team or a knowledge base (reads ``team_members``, ``knowledge_bases``, grants)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def team_role(self, user_id: str, team_id: str) -> str | None:
        """owner/admin/member/viewer, or None for a non-member (or a missing team)."""
        if not user_id:
            return None
        row = self._store.cursor().execute("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?",
                                           [team_id, user_id]).fetchone()
        return row[0] if row else None

    def _kb(self, user_id: str, kb_id: str) -> tuple[KnowledgeBase, str] | None:
        if not user_id or not isinstance(kb_id, str):
            return None
        rows = self._store.cursor().execute(_KB_CHECK, {"user": user_id, "kb": kb_id, "now": now()}).fetchall()
        kb = next((kb_from_row(row[4:]) for row in rows if row[0] == 0), None)
        if kb is None:
            return None
        teams = {row[1]: row[2] for row in rows if row[0] == 1}
        role = teams.get(kb.team_id)
        if role is None:
            live = {row[1] for row in rows if row[0] == 3}
            granted = any((kind == "user" and grantee == user_id or kind == "team" and grantee in teams)
                          and (via == "" or via in live) for what, kind, grantee, via, *_ in rows if what == 2)
            role = "reader" if kb.public or granted else None
        return (kb, role) if role else None

    def kb_role(self, user_id: str, kb_id: str) -> str | None:
        """The team role of a member of the KB's team, "reader" (public, grant, share link), or None."""
        found = self._kb(user_id, kb_id)
        return found[1] if found else None

    def require_kb(self, user_id: str, kb_id: str, action: str) -> KnowledgeBase:
        """The KB if ``user_id`` may do ``action`` (read/upload/manage) on it; NotFound if they may not even read."""
        needed = KB_ACTIONS[action]
        found = self._kb(user_id, kb_id)
        if found is None:
            raise not_found("knowledge_base")
        kb, role = found
        if RANK[role] < RANK[needed]:
            raise forbidden(needed, role, MESSAGES.message(f"doing.kb.{action}"))
        return kb

    def require_team(self, user_id: str, team_id: str, action: str) -> Team:
        """The team (with the caller's role) if ``user_id`` may do ``action`` (view/manage/own); NotFound for
        a non-member."""
        needed = TEAM_ACTIONS[action]
        row = None
        if user_id and isinstance(team_id, str):
            row = self._store.cursor().execute(_TEAM_CHECK, {"user": user_id, "team": team_id}).fetchone()
        if row is None:
            raise not_found("team")
        if RANK[row[6]] < RANK[needed]:
            raise forbidden(needed, row[6], MESSAGES.message(f"doing.team.{action}"))
        return team_from_row(row, row[6])

    def kb_roles(self, user_id: str, *, public: bool = True) -> dict[str, str]:
        """{kb id: the caller's role} for every KB they may read; ``public=False`` leaves out the KBs they may
        read only because they are public (the square has those)."""
        if not user_id:
            return {}
        rows = self._store.cursor().execute(_KB_ROLES, {"user": user_id, "now": now(), "public": public}).fetchall()
        return {kb_id: role or "reader" for kb_id, role, _granted, _public in rows}

    def readable_kb_ids(self, user_id: str) -> set[str]:
        """Every KB the caller may read (their teams', granted, shared with them, public)."""
        return set(self.kb_roles(user_id))
