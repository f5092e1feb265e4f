"""Model release notes: entries an admin writes when a model is added, updated or retired.

Shown newest first on the API docs page (``list``); each change is audited like any admin action.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gateway.accounts import audit
from gateway.errors import FormError
from gateway.routing.messages import MESSAGES
from gateway.store import Store

CHANGES = ("added", "updated", "retired")
MAX_TITLE, MAX_BODY = 120, 4000


class ReleaseNoteError(FormError):
    """A release note that cannot be saved as written (its words: ``gateway/routing/messages.py``)."""

    catalogue = MESSAGES


@dataclass(frozen=True, slots=True)
class ReleaseNote:
    id: str
    day: date
    change: str                 # added | updated | retired
    model_id: str
    title: str
    body: str
    author_id: str | None

    def snapshot(self) -> dict:
        return {"id": self.id, "day": self.day.isoformat(), "change": self.change, "model_id": self.model_id,
                "title": self.title, "body": self.body}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ReleaseNotes:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(self, limit: int = 200) -> list[ReleaseNote]:
        """Newest first (by day, then by when written)."""
        rows = self._store.cursor().execute(
            "SELECT id, day, change, model_id, title, body, author_id FROM release_notes"
            " ORDER BY day DESC, created_at DESC LIMIT ?", [int(limit)]).fetchall()
        return [ReleaseNote(*r) for r in rows]

    def add(self, actor_id: str, *, change: str, model_id: str, title: str, body: str = "",
            day: date | None = None) -> ReleaseNote:
        """Write a note (admins only: the caller checks the actor)."""
        if change not in CHANGES:
            raise ReleaseNoteError("release_note.change", "change", changes=", ".join(CHANGES))
        model_id, title, body = (model_id or "").strip(), (title or "").strip(), (body or "").strip()
        if not model_id or len(model_id) > 200:
            raise ReleaseNoteError("release_note.model", "model_id")
        if not 2 <= len(title) <= MAX_TITLE:
            raise ReleaseNoteError("release_note.title", "title", most=MAX_TITLE, now=len(title))
        if len(body) > MAX_BODY:
            raise ReleaseNoteError("release_note.body", "body", most=MAX_BODY, now=len(body))
        note = ReleaseNote(id="rn_" + secrets.token_hex(6), day=day or _now().date(), change=change,
                           model_id=model_id, title=title, body=body, author_id=actor_id)
        cur = self._store.cursor()
        cur.execute("BEGIN")
        try:
            cur.execute("INSERT INTO release_notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [note.id, note.day, note.change, note.model_id, note.title, note.body, actor_id, _now()])
            audit.record(cur, actor_id, "create", "release_note", note.id, None, note.snapshot())
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
        return note

    def delete(self, actor_id: str, note_id: str) -> None:
        cur = self._store.cursor()
        row = cur.execute("SELECT id, day, change, model_id, title, body, author_id FROM release_notes WHERE id = ?",
                          [note_id]).fetchone()
        if row is None:
            raise ReleaseNoteError("release_note.not_found", "id")
        cur.execute("BEGIN")
        try:
            cur.execute("DELETE FROM release_notes WHERE id = ?", [note_id])
            audit.record(cur, actor_id, "delete", "release_note", note_id, ReleaseNote(*row).snapshot(), None)
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
