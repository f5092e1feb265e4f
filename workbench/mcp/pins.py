"""Tool pinning: each tool of a server as it was approved, compared with every later tools/list ("rug pulls").

    pins = Pins(store)
    states, news = pins.observe(entry_id, [snapshot_of(tool) for tool in listing.tools])   # after every tools/list
    review = pins.review(entry_id)                     # each tool: state, what changed since approval, flags
    pins.approve(entry_id, "u-admin", review.hashes)   # pins exactly what was reviewed
    pins.usable(entry_id)                              # the approved tools whose server still lists them unchanged
    pins.require(entry_id, "get_current_time")         # the approved tool, or HubError tool_not_approved / tool_changed
    pins.mark_asking(entry_id, {"delete_file"}, server)  # these tools ask the user before each call in the chat

A tool's pinned fields (``PINNED``: its name, title, description, input schema and annotations, by their MCP names)
are hashed as canonical JSON (keys sorted, no spaces, UTF-8) with SHA-256. Both the approved version and the last
one listed are kept. A tool is offered to calls and the chat only while the two are the same (state
``approved``); a tool listed since that was never approved is ``new``, one listed otherwise than approved is
``changed``, one no longer listed is ``removed``: none of these can be called until approved again. What changed is
kept readable (``Change``): the description as a word diff, the rest by JSON path (``inputSchema.properties.tz``).
The chat and the form are given the APPROVED version (description and schema), never the one last listed.

Who approves is the hub's business (``McpHub.approve``: who may change the entry); this module keeps the rows.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.store import Store, utcnow

from .errors import HubError
from .flags import Flag, flags_of
from .schemas import json_path

PINNED = ("name", "title", "description", "inputSchema", "annotations")
STATES = ("approved", "new", "changed", "removed")
_WORDS = re.compile(r"\s+|\S+")


def snapshot_of(tool: Any) -> dict[str, Any]:
    """A tool's pinned fields as plain JSON (MCP's names; absent ones left out): an ``mcp_types.Tool`` or a dict."""
    data = tool.model_dump(mode="json", by_alias=True, exclude_none=True) if hasattr(tool, "model_dump") \
        else dict(tool)
    return {key: data[key] for key in PINNED if data.get(key) is not None}


def canonical(snapshot: Mapping[str, Any]) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hash_of(snapshot: Mapping[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON, hex."""
    return hashlib.sha256(canonical(snapshot).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PathChange:
    """One difference outside the description: ``path`` (``inputSchema.properties.tz.type``), ``kind`` (added |
    removed | changed), the value ``before`` and ``after`` (None when absent)."""

    path: str
    kind: str
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class Change:
    """What differs between the approved tool and the one listed: ``description`` as word-level pieces ("=" kept,
    "-" removed, "+" added; "=" and "+" joined give the new text) and the other fields by JSON path."""

    description: tuple[tuple[str, str], ...]
    paths: tuple[PathChange, ...]

    @property
    def description_changed(self) -> bool:
        return any(op != "=" for op, _ in self.description)


@dataclass(frozen=True)
class ToolState:
    """A tool of a server as the hub knows it: ``state`` (``STATES``), the version last listed (``seen``, its
    ``hash``) and the approved one (None when never approved), what changed, and the flags of the listed version."""

    name: str
    state: str
    seen: Mapping[str, Any]
    hash: str
    approved: Mapping[str, Any] | None = None
    change: Change | None = None
    flags: tuple[Flag, ...] = ()
    asks: bool = False                   # marked to ask the user before each call

    @property
    def usable(self) -> bool:
        return self.state == "approved"

    @property
    def destructive(self) -> bool:
        """The tool as listed says it is destructive (``annotations.destructiveHint``)."""
        return (self.seen.get("annotations") or {}).get("destructiveHint") is True


@dataclass(frozen=True)
class PinnedTool:
    """An approved tool as it is offered to a form or the chat (the approved version's words and schema)."""

    name: str
    title: str
    description: str
    input_schema: Mapping[str, Any]
    annotations: Mapping[str, Any]
    hash: str
    asks: bool = False                   # marked to ask the user before each call (besides a destructive hint)


def destructive(tool: PinnedTool) -> bool:
    """Whether the reader must say yes to each call: the tool's annotations say ``destructiveHint: true``, or who
    may change its server marked it so (``McpHub.mark_asking``)."""
    return tool.asks or tool.annotations.get("destructiveHint") is True


@dataclass(frozen=True)
class Review:
    """A server's tools for an approver: ``approved`` (any tool ever approved), ``tools`` (listed ones first), and
    ``hashes`` (name -> hash of each tool listed last: what ``approve`` pins)."""

    entry_id: str
    approved: bool
    tools: tuple[ToolState, ...]

    @property
    def hashes(self) -> dict[str, str]:
        return {tool.name: tool.hash for tool in self.tools if tool.state != "removed"}

    @property
    def pending(self) -> tuple[ToolState, ...]:
        """The tools listed that cannot be used until approved (new or changed)."""
        return tuple(tool for tool in self.tools if tool.state in ("new", "changed"))


@dataclass(frozen=True)
class _Row:
    tool: str
    approved_hash: str | None
    approved_json: str | None
    seen_hash: str
    seen_json: str
    listed: bool
    asks: bool | None = False

    def state(self) -> ToolState:
        seen = json.loads(self.seen_json)
        approved = json.loads(self.approved_json) if self.approved_json else None
        if not self.listed:
            state = "removed"
        elif self.approved_hash is None:
            state = "new"
        else:
            state = "approved" if self.approved_hash == self.seen_hash else "changed"
        change = diff(approved, seen) if state == "changed" and approved is not None else None
        return ToolState(self.tool, state, seen, self.seen_hash, approved, change,
                         flags_of(seen) if state in ("new", "changed") else (), bool(self.asks))


class Pins:
    """The approved and last-listed version of each tool, per catalogue entry, in the workbench store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, cur, entry_id: str) -> dict[str, _Row]:
        rows = cur.execute("SELECT tool, approved_hash, approved_json, seen_hash, seen_json, listed, asks "
                           "FROM mcp_tool_pins WHERE entry_id = ? ORDER BY tool", [entry_id]).fetchall()
        return {row[0]: _Row(*row) for row in rows}

    def observe(self, entry_id: str, snapshots: Iterable[Mapping[str, Any]]) -> tuple[list[ToolState], list[str]]:
        """Record a tools/list of the entry's server: each tool's state, and the names of tools that became new or
        changed with this listing (to audit: a tool that changed once is reported once)."""
        now, news = utcnow(), []
        listed = {str(snapshot["name"]): dict(snapshot) for snapshot in snapshots}
        with self.store.transaction() as cur:
            rows = self._rows(cur, entry_id)
            for name, snapshot in listed.items():
                # hashed in canonical form; kept in the server's own order (a form lists the fields as the tool does)
                digest, text = hash_of(snapshot), json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))
                row = rows.get(name)
                if row is None:
                    cur.execute("INSERT INTO mcp_tool_pins (entry_id, tool, seen_hash, seen_json, seen_at, listed) "
                                "VALUES (?, ?, ?, ?, ?, TRUE)", [entry_id, name, digest, text, now])
                    news += [name] if any(r.approved_hash for r in rows.values()) else []
                elif row.seen_hash != digest or not row.listed:
                    cur.execute("UPDATE mcp_tool_pins SET seen_hash = ?, seen_json = ?, seen_at = ?, listed = TRUE "
                                "WHERE entry_id = ? AND tool = ?", [digest, text, now, entry_id, name])
                    news += [name] if row.approved_hash not in (None, digest) else []
            gone = [name for name, row in rows.items() if row.listed and name not in listed]
            for name in gone:
                cur.execute("UPDATE mcp_tool_pins SET listed = FALSE, seen_at = ? WHERE entry_id = ? AND tool = ?",
                            [now, entry_id, name])
            states = [row.state() for row in self._rows(cur, entry_id).values()]
        return states, news

    def review(self, entry_id: str) -> Review:
        """The entry's tools as last listed, with their states, changes and flags (listed ones first, by name)."""
        rows = self._rows(self.store.cursor(), entry_id)
        states = sorted((row.state() for row in rows.values()), key=lambda t: (t.state == "removed", t.name))
        return Review(entry_id, any(row.approved_hash for row in rows.values()), tuple(states))

    def approve(self, entry_id: str, actor: str, hashes: Mapping[str, str] | None = None, *,
                allow_flagged: bool = False) -> list[ToolState]:
        """Pin the listed version of the tools named in ``hashes`` (name -> the hash that was reviewed; all listed
        tools when None) as approved by ``actor``. A tool listed otherwise since its review is refused
        (``changed_while_reviewing``), one with flags unless ``allow_flagged`` (``flagged``); nothing is pinned then.
        The states of the tools approved."""
        now = utcnow()
        with self.store.transaction() as cur:
            rows = {name: row for name, row in self._rows(cur, entry_id).items() if row.listed}
            if not rows:
                raise HubError("mcp_hub.not_reviewed", None)
            wanted = dict(hashes) if hashes is not None else {name: row.seen_hash for name, row in rows.items()}
            chosen = []
            for name, digest in sorted(wanted.items()):
                row = rows.get(name)
                if row is None or row.seen_hash != digest:
                    raise HubError("mcp_hub.changed_while_reviewing", "tools", tool=name)
                state = row.state()
                if state.flags and not allow_flagged:
                    raise HubError("mcp_hub.flagged", "tools", tool=name,
                                   rules=", ".join(dict.fromkeys(flag.rule for flag in state.flags)))
                chosen.append(state)
            for state in chosen:
                cur.execute("UPDATE mcp_tool_pins SET approved_hash = seen_hash, approved_json = seen_json, "
                            "approved_by = ?, approved_at = ? WHERE entry_id = ? AND tool = ?",
                            [actor, now, entry_id, state.name])
        return chosen

    def usable(self, entry_id: str) -> list[PinnedTool]:
        """The tools that may be called: approved, and listed last exactly as approved; the approved version."""
        rows = self.store.cursor().execute(
            "SELECT tool, approved_json, approved_hash, asks FROM mcp_tool_pins WHERE entry_id = ? AND listed "
            "AND approved_hash = seen_hash ORDER BY tool", [entry_id]).fetchall()
        return [_pinned(json.loads(text), digest, bool(asks)) for _, text, digest, asks in rows]

    def require(self, entry_id: str, tool: str, server: str) -> PinnedTool:
        """The approved version of ``tool``, or ``HubError``: ``no_tool`` (never listed), ``tool_changed`` (listed
        otherwise than approved, or no longer listed), ``tool_not_approved``."""
        row = self._rows(self.store.cursor(), entry_id).get(tool)
        if row is None:
            raise HubError("mcp_hub.no_tool", "tool", server=server, tool=tool)
        state = row.state()
        if state.state == "approved" and row.approved_json:
            return _pinned(json.loads(row.approved_json), row.approved_hash or "", bool(row.asks))
        key = "mcp_hub.tool_not_approved" if row.approved_hash is None else "mcp_hub.tool_changed"
        raise HubError(key, "tool", server=server, tool=tool)

    def mark_asking(self, entry_id: str, tools: Iterable[str], server: Any = "") -> list[str]:
        """Mark exactly ``tools`` (names the server listed) to ask the user before each call in the chat; the others
        are unmarked (a destructive hint still asks). A name never listed is refused (``no_tool``). The marked."""
        wanted = {str(name) for name in tools}
        with self.store.transaction() as cur:
            rows = self._rows(cur, entry_id)
            unknown = sorted(wanted - set(rows))
            if unknown:
                raise HubError("mcp_hub.no_tool", "tools", server=server or entry_id, tool=unknown[0])
            for name in rows:
                cur.execute("UPDATE mcp_tool_pins SET asks = ? WHERE entry_id = ? AND tool = ?",
                            [name in wanted, entry_id, name])
        return sorted(wanted)

    def forget(self, cur, entry_id: str) -> None:
        """Drop an entry's pins (the entry is being removed), with the caller's cursor."""
        cur.execute("DELETE FROM mcp_tool_pins WHERE entry_id = ?", [entry_id])


def _pinned(snapshot: Mapping[str, Any], digest: str, asks: bool = False) -> PinnedTool:
    return PinnedTool(name=str(snapshot["name"]), title=str(snapshot.get("title") or ""),
                      description=str(snapshot.get("description") or ""),
                      input_schema=snapshot.get("inputSchema") or {"type": "object"},
                      annotations=snapshot.get("annotations") or {}, hash=digest, asks=asks)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Change:
    """What differs from ``before`` to ``after`` (two snapshots)."""
    old, new = str(before.get("description") or ""), str(after.get("description") or "")
    rest_before = {k: v for k, v in before.items() if k != "description"}
    rest_after = {k: v for k, v in after.items() if k != "description"}
    return Change(text_diff(old, new), tuple(json_changes(rest_before, rest_after)))


def text_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Word-level pieces from ``old`` to ``new``: ("=", kept), ("-", removed), ("+", added)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # a run of spaces kept between two changes reads better as part of both
    merged: list[list[Any]] = []
    for op, i1, i2, j1, j2 in opcodes:
        if merged and op != "equal" and merged[-1][0] != "equal":
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
        elif (merged and op == "equal" and merged[-1][0] != "equal" and not "".join(a[i1:i2]).strip()
              and (i2, j2) != (len(a), len(b))):
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
        else:
            merged.append([op, i1, i2, j1, j2])
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in merged:
        if op == "equal":
            pieces.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("+", "".join(b[j1:j2])))
    return tuple(pieces)


def json_changes(before: Any, after: Any, path: str = "") -> list[PathChange]:
    """The differences between two JSON values by path: keys added, removed or changed; lists of one length item by
    item, else as a whole."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[PathChange] = []
        for key in sorted(set(before) | set(after)):
            where = json_path(path, str(key))
            if key not in after:
                found.append(PathChange(where, "removed", before[key], None))
            elif key not in before:
                found.append(PathChange(where, "added", None, after[key]))
            else:
                found += json_changes(before[key], after[key], where)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [change for i, (b, a) in enumerate(zip(before, after, strict=True))
                for change in json_changes(b, a, json_path(path, i))]
    if before != after or type(before) is not type(after):
        return [PathChange(path, "changed", before, after)]
    return []
