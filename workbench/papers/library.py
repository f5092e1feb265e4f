"""The papers a user may see, in the workbench store, permission-checked on every call.

    library = Library(store, access, teams)
    paper = library.add("alice", "attention.pdf", sha256, size)       # in her personal space, status "parsing"
    library.require("bob", paper.id)                                  # PaperNotFound: not his team's

A paper belongs to a team or to its uploader's personal space, as a knowledge base does (``workbench.kb.access``):
its team's members read it and its readings (any role), members and up read it with a model, ask and compare,
admins and up move or delete it. Someone outside the team cannot tell it from a missing paper.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from workbench.errors import WorkbenchError
from workbench.kb.access import RANK, Access
from workbench.kb.teams import Teams
from workbench.messages import MESSAGES
from workbench.store import Store, utcnow

from .errors import PaperForbidden, PaperInvalid, PaperNotFound
from .model import Structure
from .records import Paper, structure_from_json, structure_json

ACTIONS = {"read": "reader", "write": "member", "manage": "admin"}
_PAPER = ("SELECT p.id, p.team_id, p.filename, p.sha256, p.bytes, p.title, p.authors, p.language, p.pages, "
          "p.ocr_pages, p.status, p.progress, p.error, p.created_by, p.created_at, p.updated_at, m.role "
          "FROM papers p LEFT JOIN team_members m ON m.team_id = p.team_id AND m.user_id = $user ")


def _paper(row: tuple) -> Paper:
    progress = json.loads(row[11] or "[0, 0]")
    return Paper(row[0], row[1], row[2], row[3], int(row[4]), row[5], tuple(json.loads(row[6])), row[7], int(row[8]),
                 tuple(json.loads(row[9])), row[10], (int(progress[0]), int(progress[1])), json.loads(row[12] or "{}"),
                 row[13], row[14], row[15], role=row[16], stage=progress[2] if len(progress) > 2 else "pages")


class Library:
    """Papers and their structures; who may see and do what."""

    def __init__(self, store: Store, access: Access, teams: Teams) -> None:
        self._store, self._access, self._teams = store, access, teams

    def _papers(self, user_id: str, where: str, **params: Any) -> list[Paper]:
        rows = self._store.cursor().execute(_PAPER + where, {"user": user_id, **params}).fetchall()
        return [_paper(row) for row in rows if row[16]]

    def require(self, user_id: str, paper_id: str, action: str = "read") -> Paper:
        """The paper if ``user_id`` may do ``action`` (read / write / manage) on it; PaperNotFound if they may not
        even read it, PaperForbidden naming the role needed if they may read but not do it."""
        found = self._papers(user_id, "WHERE p.id = $id", id=paper_id) if user_id and isinstance(paper_id, str) else []
        if not found:
            raise PaperNotFound("paper.not_found", "paper")
        paper = found[0]
        needed = ACTIONS[action]
        if RANK[paper.role] < RANK[needed]:
            raise PaperForbidden("paper.forbidden", "role", doing=MESSAGES.message(f"paper.doing.{action}"),
                                 needed=MESSAGES.message(f"role.{needed}"),
                                 you=MESSAGES.message("you.role", role=MESSAGES.message(f"role.{paper.role}")))
        return paper

    def list_for(self, user_id: str) -> list[Paper]:
        """The papers of the user's teams and personal space, the newest first."""
        return self._papers(user_id, "WHERE m.role IS NOT NULL ORDER BY p.created_at DESC") if user_id else []

    def teams_for(self, user_id: str) -> list[Any]:
        """The user's teams with their role (the personal space first): where their papers can be."""
        return self._teams.list_for(user_id) if user_id else []

    def space(self, user_id: str, team_id: str | None = None) -> Any:
        """The team a new paper goes to (member+), or the uploader's personal space; refused before anything is kept."""
        team = self._access.require_team(user_id, team_id, "view") if team_id else self._teams.personal_space(user_id)
        if team.role not in ("owner", "admin", "member"):
            raise PaperForbidden("paper.team_viewer", "team_id")
        return team

    def add(self, user_id: str, filename: str, sha256: str, size: int, *, team_id: str | None = None) -> Paper:
        """A new paper, being parsed, in the team (member+) or the uploader's personal space."""
        team = self.space(user_id, team_id)
        paper_id, now = uuid.uuid4().hex, utcnow()
        self._store.cursor().execute(
            "INSERT INTO papers (id, team_id, filename, sha256, bytes, title, status, created_by, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, 'parsing', ?, ?, ?)",
            [paper_id, team.id, filename, sha256, size, filename, user_id, now, now])
        return self.require(user_id, paper_id)

    def progress(self, paper_id: str, done: int, total: int, stage: str = "pages") -> None:
        """How far the parse of a paper is: ``done`` of ``total`` pages read ("pages") or recognised ("ocr")."""
        self._store.cursor().execute("UPDATE papers SET progress = ?, updated_at = ? WHERE id = ?",
                                     [json.dumps([done, total, stage]), utcnow(), paper_id])

    def ready(self, paper_id: str, paper: Structure) -> None:
        """The parse is done: the structure and what the list shows of it are stored."""
        self._store.cursor().execute(
            "UPDATE papers SET status = 'ready', structure = ?, title = ?, authors = ?, language = ?, pages = ?, "
            "ocr_pages = ?, progress = ?, error = '', updated_at = ? WHERE id = ?",
            [structure_json(paper), paper.title, json.dumps(list(paper.authors), ensure_ascii=False), paper.language,
             len(paper.pages), json.dumps(list(paper.ocr_pages)), json.dumps([len(paper.pages)] * 2), utcnow(),
             paper_id])

    def failed(self, paper_id: str, error: WorkbenchError) -> None:
        """The parse failed; ``error``'s code and fields are kept to be said in the reader's language."""
        saved = {"key": error.key, "fields": {k: str(v) for k, v in error.fields.items()},
                 "en": error.text("en"), "zh": error.text("zh")}
        self._store.cursor().execute("UPDATE papers SET status = 'failed', error = ?, updated_at = ? WHERE id = ?",
                                     [json.dumps(saved, ensure_ascii=False), utcnow(), paper_id])

    def structure(self, user_id: str, paper_id: str) -> Structure:
        """The parsed structure of a paper the user may read; PaperInvalid while it is being parsed or failed."""
        paper = self.require(user_id, paper_id)
        if paper.status == "failed":
            raise PaperInvalid("paper.parse_failed", "paper", title=paper.title,
                               reason=paper.error.get("en", ""))
        row = self._store.cursor().execute("SELECT structure FROM papers WHERE id = ?", [paper_id]).fetchone()
        if paper.status != "ready" or not row or not row[0]:
            raise PaperInvalid("paper.not_ready", "paper", title=paper.title, done=paper.progress[0],
                               total=paper.progress[1] or "?")
        return structure_from_json(row[0])

    def move(self, user_id: str, paper_id: str, team_id: str) -> Paper:
        """Share a paper with a team by moving it there (admin+ of the paper, member+ of the team)."""
        self.require(user_id, paper_id, "manage")
        team = self._access.require_team(user_id, team_id, "view")
        if team.role not in ("owner", "admin", "member"):
            raise PaperForbidden("paper.team_viewer", "team_id")
        self._store.cursor().execute("UPDATE papers SET team_id = ?, updated_at = ? WHERE id = ?",
                                     [team.id, utcnow(), paper_id])
        return self.require(user_id, paper_id)

    def delete(self, user_id: str, paper_id: str) -> str:
        """Delete a paper with its readings, questions and comparisons; its file's sha256 (for the caller to remove
        the file when no other paper has it)."""
        paper = self.require(user_id, paper_id, "manage")
        cur = self._store.cursor()
        for table, column in (("paper_readings", "paper_id"), ("paper_questions", "paper_id"), ("papers", "id")):
            cur.execute(f"DELETE FROM {table} WHERE {column} = ?", [paper_id])
        cur.execute("DELETE FROM paper_comparisons WHERE list_contains(from_json(paper_ids, '[\"VARCHAR\"]'), ?)",
                    [paper_id])
        return paper.sha256

    def file_in_use(self, sha256: str) -> bool:
        """Whether any paper still has the file ``sha256``."""
        cur = self._store.cursor()
        return bool(cur.execute("SELECT count(*) FROM papers WHERE sha256 = ?", [sha256]).fetchone()[0])

    def parsing(self, paper_id: str) -> tuple[str, str] | None:
        """(filename, sha256) of a paper waiting to be parsed; None when it is not (any more)."""
        return self._store.cursor().execute(
            "SELECT filename, sha256 FROM papers WHERE id = ? AND status = 'parsing'", [paper_id]).fetchone()

    def unfinished(self) -> list[tuple[str, str, str]]:
        """(id, filename, sha256) of papers left being parsed (by a stop or a crash): to parse again at start."""
        return self._store.cursor().execute(
            "SELECT id, filename, sha256 FROM papers WHERE status = 'parsing' ORDER BY created_at").fetchall()
