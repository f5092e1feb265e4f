"""Tool groups: servers, or chosen tools of servers, combined under one name and served as one MCP endpoint at
``/mcp/v1/<slug>`` (``endpoint``), for a user or a team they manage.

    groups = Groups(store, catalogue)
    group = groups.create(GroupDraft("lab-tools", "Lab tools", members=(
        Member(time_entry.id),                                   # every approved tool of the time server
        Member(WORKBENCH, "kb_search", rename="search_notes"),   # one of the workbench's own tools, renamed
    )), alice)
    groups.by_slug("lab-tools", bob)        # NotFound: the same words as a group that does not exist
    groups.list_for(alice); groups.update(group.id, draft, alice); groups.remove(group.id, alice)

A group's ``slug`` is unique across the workbench (it is the endpoint's URL); ``workbench`` is the workbench's own
group, which every user has and no one makes. Who sees and changes a group is the catalogue's ``Viewer`` rule for
a user's or a team's entry: the owner; a team's members see it, its owners and admins change it. Members name
catalogue entries the maker may see; what a caller gets at the endpoint is still decided per call, with the
caller's own viewer (a server they may not see, or a tool not approved, is simply not there). A member with tool
``""`` stands for every approved tool of the server, as approved at the time of the call. Renames and replaced
descriptions change only what the endpoint lists: the tool called is the one pinned at approval.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from workbench.store import Store, utcnow

from .catalogue import Catalogue, Forbidden, NotFound, Viewer
from .errors import McpError
from .functions import MAX_DESCRIPTION, NAME
from .runs import Audit

WORKBENCH = "workbench"        # the slug of the workbench's own group, and the entry id its tools stand under
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
RESERVED = frozenset({WORKBENCH, "sse", "messages", "groups", "health"})
VISIBILITIES = ("user", "team")
MAX_MEMBERS = 100
MAX_NAME = 80
MAX_GROUP_DESCRIPTION = 500
MAX_TOOL = 200
_COLUMNS = ("id, slug, name, description, visibility, owner_id, allow_destructive, tool_search, created_by, "
            "created_at, updated_at")


class GroupError(McpError):
    """A group refused (words in ``workbench/messages/mcp_groups.py``); ``code`` is the part after ``mcp_group.``."""

    def __init__(self, key: str, field: str | None = None, **fields: object) -> None:
        super().__init__(key, field, code=key.split(".")[1], **fields)


@dataclass(frozen=True)
class Member:
    """A server of a group (``tool`` "" for all its approved tools) or one tool of it, maybe renamed (``rename``) or
    with its description replaced (``description``). ``entry_id`` is a catalogue entry or ``WORKBENCH``."""

    entry_id: str
    tool: str = ""
    rename: str = ""
    description: str = ""


@dataclass(frozen=True)
class GroupDraft:
    """What a user sends to make or change a group; ``team_id`` for a team's group (visibility ``team``)."""

    slug: str
    name: str
    description: str = ""
    visibility: str = "user"
    team_id: str = ""
    allow_destructive: bool = False
    tool_search: bool = False
    members: Sequence[Member] = ()


@dataclass(frozen=True)
class Group:
    """A stored group. ``allow_destructive``: tools that are destructive (or marked to ask first) may be called over
    its endpoint; ``tool_search``: the endpoint lists two tools that find and call the others."""

    id: str
    slug: str
    name: str
    description: str
    visibility: str
    owner_id: str
    allow_destructive: bool
    tool_search: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    members: tuple[Member, ...] = field(default=())
    enabled: bool = True              # (the catalogue's ``Viewer`` asks entries this)

    @property
    def builtin(self) -> bool:
        return self.id == WORKBENCH


def workbench_group(members: Iterable[Member] = ()) -> Group:
    """The workbench's own group: every user's, its tools the workbench's own (``own``)."""
    epoch = datetime(2026, 1, 1)
    return Group(WORKBENCH, WORKBENCH, "MaaS Workbench", "", "everyone", "", False, False, "", epoch, epoch,
                 tuple(members))


class Groups:
    """The ``mcp_groups`` and ``mcp_group_tools`` tables (see the module doc)."""

    def __init__(self, store: Store, catalogue: Catalogue, audit: Audit | None = None) -> None:
        self.store, self.catalogue = store, catalogue
        self.audit = audit or Audit(store)

    # -- reading -------------------------------------------------------------------------------------------------

    def list_for(self, viewer: Viewer) -> list[Group]:
        """The groups the viewer may use: their own and their teams', by name."""
        teams = sorted(viewer.team_ids)
        marks = ", ".join("?" * len(teams))
        team_clause = f" OR (visibility = 'team' AND owner_id IN ({marks}))" if teams else ""
        rows = self.store.cursor().execute(
            f"SELECT {_COLUMNS} FROM mcp_groups WHERE (visibility = 'user' AND owner_id = ?){team_clause} "
            "ORDER BY lower(name), slug", [viewer.user_id, *teams]).fetchall()
        return self._with_members(rows)

    def get(self, group_id: str, viewer: Viewer) -> Group:
        """A group by id, or ``NotFound`` when there is none the viewer may see."""
        return self._one("id", group_id, viewer)

    def by_slug(self, slug: str, viewer: Viewer) -> Group:
        """A group by its URL's slug, or ``NotFound`` (the same for another's group as for a missing one)."""
        return self._one("slug", str(slug).lower(), viewer)

    def changeable(self, group_id: str, viewer: Viewer) -> Group:
        group = self.get(group_id, viewer)
        if not viewer.may_change(group):
            raise Forbidden("catalogue.managers_only.change", "id")
        return group

    def _one(self, column: str, value: str, viewer: Viewer) -> Group:
        row = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM mcp_groups WHERE {column} = ?",
                                          [value]).fetchone()
        groups = self._with_members([row]) if row else []
        if not groups or not viewer.may_see(groups[0]):
            raise NotFound("mcp_group.not_found", "group")
        return groups[0]

    def _with_members(self, rows: list[tuple]) -> list[Group]:
        if not rows:
            return []
        ids = [row[0] for row in rows]
        members: dict[str, list[Member]] = {group_id: [] for group_id in ids}
        for group_id, entry_id, tool, rename, description in self.store.cursor().execute(
                f"SELECT group_id, entry_id, tool, rename, description FROM mcp_group_tools WHERE group_id IN "
                f"({', '.join('?' * len(ids))}) ORDER BY group_id, position", ids).fetchall():
            members[group_id].append(Member(entry_id, tool, rename, description))
        return [Group(*row, members=tuple(members[row[0]])) for row in rows]

    # -- changing ------------------------------------------------------------------------------------------------

    def create(self, draft: GroupDraft, viewer: Viewer) -> Group:
        """A new group of the viewer (or of a team they manage)."""
        slug, owner = self._checked(draft, viewer)
        group_id = uuid.uuid4().hex
        now = utcnow()
        with self.store.transaction() as cur:
            if cur.execute("SELECT 1 FROM mcp_groups WHERE slug = ?", [slug]).fetchone():
                raise GroupError("mcp_group.slug_taken", "slug", slug=slug)
            cur.execute(f"INSERT INTO mcp_groups ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [group_id, slug, draft.name.strip(), draft.description.strip(), draft.visibility, owner,
                         bool(draft.allow_destructive), bool(draft.tool_search), viewer.user_id, now, now])
            self._write_members(cur, group_id, draft.members)
            self.audit.record(cur, viewer.user_id, "group_create", group_id, slug, _detail(draft))
        return self.get(group_id, viewer)

    def update(self, group_id: str, draft: GroupDraft, viewer: Viewer) -> Group:
        """The group changed to ``draft`` (its slug too: the old URL stops answering); who may change it."""
        group = self.changeable(group_id, viewer)
        slug, owner = self._checked(draft, viewer)
        with self.store.transaction() as cur:
            if cur.execute("SELECT 1 FROM mcp_groups WHERE slug = ? AND id <> ?", [slug, group.id]).fetchone():
                raise GroupError("mcp_group.slug_taken", "slug", slug=slug)
            cur.execute("UPDATE mcp_groups SET slug = ?, name = ?, description = ?, visibility = ?, owner_id = ?, "
                        "allow_destructive = ?, tool_search = ?, updated_at = ? WHERE id = ?",
                        [slug, draft.name.strip(), draft.description.strip(), draft.visibility, owner,
                         bool(draft.allow_destructive), bool(draft.tool_search), utcnow(), group.id])
            cur.execute("DELETE FROM mcp_group_tools WHERE group_id = ?", [group.id])
            self._write_members(cur, group.id, draft.members)
            self.audit.record(cur, viewer.user_id, "group_update", group.id, slug, _detail(draft))
        return self.get(group.id, viewer)

    def remove(self, group_id: str, viewer: Viewer) -> None:
        group = self.changeable(group_id, viewer)
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM mcp_group_tools WHERE group_id = ?", [group.id])
            cur.execute("DELETE FROM mcp_groups WHERE id = ?", [group.id])
            self.audit.record(cur, viewer.user_id, "group_remove", group.id, group.slug, {})

    @staticmethod
    def _write_members(cur, group_id: str, members: Sequence[Member]) -> None:
        for position, member in enumerate(members):
            cur.execute("INSERT INTO mcp_group_tools (group_id, position, entry_id, tool, rename, description) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [group_id, position, member.entry_id, member.tool.strip(),
                                                      member.rename.strip(), member.description.strip()])

    def _checked(self, draft: GroupDraft, viewer: Viewer) -> tuple[str, str]:
        """The draft's slug and owner, or the first refusal naming its field."""
        slug = (draft.slug or "").strip().lower()
        if not SLUG.match(slug):
            raise GroupError("mcp_group.slug", "slug", slug=slug[:60])
        if slug in RESERVED:
            raise GroupError("mcp_group.slug_reserved", "slug", slug=slug)
        if not (draft.name or "").strip():
            raise GroupError("mcp_group.name", "name")
        if len(draft.name.strip()) > MAX_NAME:
            raise GroupError("mcp_group.too_long", "name", most=MAX_NAME)
        if len((draft.description or "").strip()) > MAX_GROUP_DESCRIPTION:
            raise GroupError("mcp_group.too_long", "description", most=MAX_GROUP_DESCRIPTION)
        if draft.visibility not in VISIBILITIES:
            raise GroupError("mcp_group.visibility", "visibility")
        owner = viewer.user_id
        if draft.visibility == "team":
            if draft.team_id not in viewer.team_ids:
                raise NotFound("mcp_group.no_team", "team_id")
            if draft.team_id not in viewer.managed_team_ids:
                raise Forbidden("mcp_group.team_managers", "team_id")
            owner = draft.team_id
        members = list(draft.members)
        if not members:
            raise GroupError("mcp_group.no_members", "members")
        if len(members) > MAX_MEMBERS:
            raise GroupError("mcp_group.too_many", "members", most=MAX_MEMBERS)
        renames: set[str] = set()
        for i, member in enumerate(members):
            if member.entry_id != WORKBENCH:
                try:
                    self.catalogue.get(member.entry_id, viewer)
                except NotFound:
                    raise NotFound("mcp_group.no_server", f"members[{i}].entry_id") from None
            tool, rename = member.tool.strip(), member.rename.strip()
            if len(tool) > MAX_TOOL:
                raise GroupError("mcp_group.too_long", f"members[{i}].tool", most=MAX_TOOL)
            if (rename or member.description.strip()) and not tool:
                raise GroupError("mcp_group.rename_needs_tool", f"members[{i}].tool")
            if rename and not NAME.match(rename):
                raise GroupError("mcp_group.rename", f"members[{i}].rename", name=rename[:80])
            if rename in renames:
                raise GroupError("mcp_group.rename_twice", f"members[{i}].rename", name=rename)
            if rename:
                renames.add(rename)
            if len(member.description.strip()) > MAX_DESCRIPTION:
                raise GroupError("mcp_group.too_long", f"members[{i}].description", most=MAX_DESCRIPTION)
        return slug, owner


def _detail(draft: GroupDraft) -> dict:
    return {"name": draft.name.strip(), "visibility": draft.visibility, "allow_destructive": draft.allow_destructive,
            "tool_search": draft.tool_search,
            "members": [{"entry_id": m.entry_id, "tool": m.tool, "rename": m.rename} for m in draft.members]}
