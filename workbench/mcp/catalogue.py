"""The MCP hub's catalogue: server.json entries in the workbench store, bundled, imported by admins, searched.

    catalogue = Catalogue(store)                       # store: workbench.schema.open_store(...)
    catalogue.seed_bundled()                           # at start: the entries in bundled/ added or brought up to date
    admin = Viewer("u-admin", is_admin=True)
    entry = catalogue.import_json(text, admin)         # Invalid names the field: packages[0].version
    alice = Viewer("u-alice", team_ids=frozenset({"t-lab"}))
    catalogue.list(alice, query="时间")                 # [Entry(name="io.github.modelcontextprotocol/server-time")]
    catalogue.get(entry.id, alice).server.packages[0]  # the parsed server.json (workbench.mcp.server_json)
    catalogue.set_enabled(entry.id, False, admin); catalogue.remove(entry.id, admin)

Who sees what: an entry's ``visibility`` is ``everyone`` (bundled and imported entries, published by admins),
``team`` (the team ``owner_id``) or ``user`` (the user ``owner_id``: a remote server a user registers, issue 14
item 4, to come). ``Viewer`` carries who asks — the app layer fills it from the session, the teams from
``workbench.kb`` — and decides in ``may_see`` / ``may_change``: one place to widen when users register their own.
A disabled entry is hidden from non-admins (in the everyone scope). What a viewer may not see is ``NotFound``, with
the same words as a missing one. Only admins import, disable and remove; a bundled entry is disabled, not removed
(the next start would bring it back). An import whose name is already in the everyone scope replaces that entry
in place (same id), also a bundled one, which later starts then leave alone.

Search (``list(viewer, query)``): the query's words are looked for in an entry's name (without its namespace:
every name has "io.github") and titles (weight 3), tags, package names and kinds ("pypi", "npm", "stdio", "sse")
(2) and descriptions (1), English and Chinese, NFKC-folded and case-folded. A latin word (2+ letters) matches where
a word begins ("calc" finds "calculator", "git" does not find "digits"); a run of Chinese characters matches as a
substring, itself when short, else by its character pairs ("北京时间" -> 北京, 京时, 时间). An entry holding none is
left out, the rest ranked by the sum, the whole query found as it is adding 5. Nothing is indexed: a catalogue holds
tens to hundreds of entries, each text parsed once (cached).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.mcp.server_json import CatalogueError, Invalid, Listing, ServerJson, parse_server_json
from workbench.store import Store

BUNDLED_DIR = Path(__file__).with_name("bundled")
SOURCES = ("bundled", "imported", "registered")
VISIBILITIES = ("everyone", "team", "user")
_COLUMNS = "id, name, version, server_json, source, visibility, owner_id, enabled, added_by, created_at, updated_at"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_QUERY_WORD = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")

log = logging.getLogger(__name__)


class NotFound(CatalogueError):
    """No such entry, or not one the viewer may see (the same words either way)."""


class Forbidden(CatalogueError):
    """The viewer sees the entry but may not do this to it."""


@dataclass(frozen=True)
class Viewer:
    """Who asks. ``team_ids``: the teams the user is in (visibility ``team``)."""

    user_id: str
    is_admin: bool = False
    team_ids: frozenset[str] = frozenset()

    def may_see(self, entry: Entry) -> bool:
        if entry.visibility == "everyone":
            return entry.enabled or self.is_admin
        if entry.visibility == "user":
            return entry.owner_id == self.user_id
        return entry.owner_id in self.team_ids

    def may_change(self, entry: Entry) -> bool:
        """Disable or remove it: admins, for everyone's entries (their owners too, when users register their own)."""
        return self.is_admin and entry.visibility == "everyone"


@dataclass(frozen=True)
class Entry:
    """A catalogue row: where it came from, who sees it, and its server.json (``raw`` as given, ``server`` read)."""

    id: str
    name: str
    version: str
    source: str                # bundled | imported | registered
    visibility: str            # everyone | team | user
    owner_id: str              # the team or user for team/user visibility; "" for everyone
    enabled: bool
    added_by: str              # a user id; "" for a bundled entry
    created_at: datetime
    updated_at: datetime
    raw: str
    server: ServerJson

    def listing(self, locale: str | None = None) -> Listing:
        """Title, description and tags in ``locale`` (``ServerJson.listing``)."""
        return self.server.listing(locale)


class Catalogue:
    """The catalogue's rows in the workbench store (see the module doc)."""

    def __init__(self, store: Store, bundled_dir: Path = BUNDLED_DIR) -> None:
        self.store = store
        self.bundled_dir = bundled_dir

    def seed_bundled(self) -> list[str]:
        """Add the bundled entries that are missing and bring changed ones up to date (a new version replaces the
        old text in place, keeping its id and whether it is enabled); the names added or changed. Idempotent.
        An entry an admin imported under a bundled name is left alone."""
        changed = []
        files = sorted(self.bundled_dir.glob("*.json"))
        with self.store.transaction() as cur:
            for path in files:
                raw = path.read_text(encoding="utf-8")
                server = parse_server_json(raw)          # a bundled file that does not parse is a bug: raise
                row = cur.execute("SELECT id, source, server_json FROM mcp_catalogue "
                                  "WHERE visibility = 'everyone' AND name = ?", [server.name]).fetchone()
                if row is None:
                    self._insert(cur, server, raw, source="bundled", actor="")
                elif row[1] == "bundled" and row[2] != raw:
                    cur.execute("UPDATE mcp_catalogue SET version = ?, server_json = ?, updated_at = ? WHERE id = ?",
                                [server.version, raw, _now(), row[0]])
                else:
                    continue
                changed.append(server.name)
        return changed

    def list(self, viewer: Viewer, query: str = "") -> list[Entry]:
        """The entries ``viewer`` may see, matching ``query`` best first (all, by title, for an empty query)."""
        rows = self.store.cursor().execute(
            f"SELECT {_COLUMNS} FROM mcp_catalogue WHERE visibility = 'everyone' "
            "OR (visibility = 'user' AND owner_id = ?) OR (visibility = 'team' AND list_contains(?, owner_id))",
            [viewer.user_id, sorted(viewer.team_ids)]).fetchall()
        entries = [entry for entry in map(_readable, rows) if entry is not None and viewer.may_see(entry)]
        terms = query_terms(query)
        if not terms:
            return sorted(entries, key=lambda e: (e.listing().title.casefold(), e.id))
        phrase, matchers = _fold(query).strip(), [_matcher(term) for term in terms]
        scored = [(score, entry) for entry in entries if (score := _score(entry.raw, matchers, phrase)) > 0]
        return [entry for _, entry in sorted(scored, key=lambda s: (-s[0], s[1].listing().title.casefold(), s[1].id))]

    def get(self, entry_id: str, viewer: Viewer) -> Entry:
        """The entry, or ``NotFound`` when there is none the viewer may see."""
        row = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM mcp_catalogue WHERE id = ?",
                                          [entry_id]).fetchone()
        entry = _entry(row) if row else None
        if entry is None or not viewer.may_see(entry):
            raise NotFound("catalogue.not_found", "id")
        return entry

    def import_json(self, text: str | bytes, viewer: Viewer) -> Entry:
        """An admin's server.json (``Invalid`` names the field) published to everyone; it replaces an entry of the
        same name in place."""
        if not viewer.is_admin:
            raise Forbidden("catalogue.admins_only.import", None)
        server = parse_server_json(text)
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
        with self.store.transaction() as cur:
            row = cur.execute("SELECT id FROM mcp_catalogue WHERE visibility = 'everyone' AND name = ?",
                              [server.name]).fetchone()
            if row is None:
                entry_id = self._insert(cur, server, raw, source="imported", actor=viewer.user_id)
            else:
                entry_id = row[0]
                cur.execute("UPDATE mcp_catalogue SET version = ?, server_json = ?, source = 'imported', "
                            "added_by = ?, updated_at = ? WHERE id = ?",
                            [server.version, raw, viewer.user_id, _now(), entry_id])
        return self.get(entry_id, viewer)

    def set_enabled(self, entry_id: str, enabled: bool, viewer: Viewer) -> Entry:
        """Show (``True``) or hide an entry from users who are not admins."""
        entry = self._changeable(entry_id, viewer)
        with self.store.transaction() as cur:
            cur.execute("UPDATE mcp_catalogue SET enabled = ?, updated_at = ? WHERE id = ?",
                        [enabled, _now(), entry.id])
        return self.get(entry.id, viewer)

    def remove(self, entry_id: str, viewer: Viewer) -> None:
        """Delete an entry (not a bundled one: disable that)."""
        entry = self._changeable(entry_id, viewer)
        if entry.source == "bundled":
            raise Forbidden("catalogue.bundled_remove", "id", name=entry.listing().title)
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM mcp_catalogue WHERE id = ?", [entry.id])

    def _changeable(self, entry_id: str, viewer: Viewer) -> Entry:
        entry = self.get(entry_id, viewer)
        if not viewer.may_change(entry):
            raise Forbidden("catalogue.admins_only.change", "id")
        return entry

    @staticmethod
    def _insert(cur, server: ServerJson, raw: str, *, source: str, actor: str, visibility: str = "everyone",
                owner_id: str = "") -> str:
        entry_id = uuid.uuid4().hex
        now = _now()
        cur.execute(f"INSERT INTO mcp_catalogue ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?)",
                    [entry_id, server.name, server.version, raw, source, visibility, owner_id, actor, now, now])
        return entry_id


def query_terms(query: str) -> list[str]:
    """What a search looks for (see the module doc): "Time zone 北京时间" -> time, zone, 北京, 京时, 时间."""
    terms: list[str] = []
    for run in _QUERY_WORD.findall(_fold(query)):
        if _is_cjk(run):
            terms += [run] if len(run) <= 2 else [run[i: i + 2] for i in range(len(run) - 1)]
        elif len(run) >= 2:
            terms.append(run)
    if not terms and query.strip():
        terms.append(_fold(query).strip())         # one latin letter, or only punctuation: as it is
    return list(dict.fromkeys(terms))


def _matcher(term: str) -> re.Pattern[str]:
    """A Chinese term anywhere; a latin one where a word begins."""
    return re.compile(re.escape(term) if _is_cjk(term) else f"(?<![^\\W_{_CJK}])" + re.escape(term))


def _is_cjk(text: str) -> bool:
    return bool(re.match(f"[{_CJK}]", text))


def _score(raw: str, matchers: list[re.Pattern[str]], phrase: str) -> int:
    fields = _search_fields(raw)
    score = sum(max((weight for weight, text in fields if m.search(text)), default=0) for m in matchers)
    if score and any(phrase in text for _, text in fields):
        score += 5
    return score


@functools.lru_cache(maxsize=1024)
def _search_fields(raw: str) -> tuple[tuple[int, str], ...]:
    """(weight, folded text) of a stored entry's names and titles, tags and packages, descriptions."""
    server = _parsed(raw)
    names = " ".join([server.name.split("/", 1)[1], server.title or "", server.chinese.title])
    kinds = {p.registry_type for p in server.packages} | {t.type for t in server.remotes}
    kinds |= {p.transport.type for p in server.packages} | ({"remote"} if server.remotes else set())
    tags = " ".join([*server.tags, *server.chinese.tags, *(p.identifier for p in server.packages), *sorted(kinds)])
    return (3, _fold(names)), (2, _fold(tags)), (1, _fold(f"{server.description} {server.chinese.description}"))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@functools.lru_cache(maxsize=1024)
def _parsed(raw: str) -> ServerJson:
    return parse_server_json(raw)


def _entry(row: tuple) -> Entry:
    (entry_id, name, version, raw, source, visibility, owner_id, enabled, added_by, created_at, updated_at) = row
    return Entry(entry_id, name, version, source, visibility, owner_id, enabled, added_by, created_at, updated_at,
                 raw, _parsed(raw))


def _readable(row: tuple) -> Entry | None:
    """The row's entry, or None (logged) when its stored text no longer passes the checks of this version."""
    try:
        return _entry(row)
    except Invalid as exc:
        log.warning("MCP catalogue entry %s (%s) is left out: %s", row[0], row[1], exc.message)
        return None


def _now() -> datetime:
    """Naive UTC, as the store keeps timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)
