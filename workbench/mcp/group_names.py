"""The names a group's tools are listed under at its endpoint: each tool under its own name (or the name the group
gave it), and, where two servers' tools would share a name, each of those prefixed with its server's slug and
``SEPARATOR`` (``time__convert``, ``clock__convert``), as the chat's function names are (``functions.function_name``).

    names = GroupNames([Wanted("time", "e-time", "get_current_time"), Wanted("workbench", "workbench", "kb_search")])
    names.listed                       # (Listed("get_current_time", "time", "e-time", "get_current_time"), ...)
    names.find("get_current_time")     # the Listed a client's call stands for; None for a name that is none of ours

A name clients see always matches ``^[a-zA-Z0-9_-]{1,64}$`` (a server's own name that does not is made to, with a
hash of it at the end), and the same group gives the same names every time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .functions import NAME, FunctionNames, function_name

SEPARATOR = "__"


@dataclass(frozen=True)
class Wanted:
    """A tool a group lists: its server's slug, the catalogue entry (or ``workbench``), the server's own tool name,
    and the name the group gave it ("" for the tool's own)."""

    server: str
    entry_id: str
    tool: str
    rename: str = ""

    @property
    def name(self) -> str:
        return self.rename or self.tool


@dataclass(frozen=True)
class Listed:
    """A tool under the name clients see (``name``), and what it stands for."""

    name: str
    server: str
    entry_id: str
    tool: str


class GroupNames:
    """Unique names for a group's tools (see the module doc); the first of two identical ``Wanted`` is kept."""

    def __init__(self, tools: Iterable[Wanted]) -> None:
        wanted = list(dict.fromkeys(tools))
        counts = Counter(w.name for w in wanted)
        clashing = [w for w in wanted if counts[w.name] > 1 or not NAME.match(w.name)]
        prefixed = FunctionNames([(w.server, w.name) for w in clashing])
        plain = {w.name for w in wanted if w not in clashing}
        listed: list[Listed] = []
        for w in wanted:
            name = prefixed.name(w.server, w.name) if w in clashing else w.name
            if w in clashing and name in plain:          # a server's own tool already has the prefixed name
                name = function_name(w.server + SEPARATOR + w.entry_id[:8], w.name)
            listed.append(Listed(name, w.server, w.entry_id, w.tool))
        self.listed = tuple(listed)
        self._by_name = {item.name: item for item in self.listed}

    def find(self, name: str) -> Listed | None:
        return self._by_name.get(name)

    def __len__(self) -> int:
        return len(self.listed)
