"""The readings, question threads and comparisons of papers, in the workbench store (no permission checks here: the
service checks the paper first).

A reading is kept per paper, model and language, and saved as it grows (``save`` after each aspect), so a page
opened later — or after a restart — shows what was read so far; one left "running" by a stop or a crash is marked
"cancelled" at start (``settle``) and can be read again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from workbench.store import Store, utcnow

from .ask import Answer
from .reading import Reading
from .statements import Quote, Statement


@dataclass(frozen=True)
class StoredReading:
    """A reading as stored: its status (running | done | failed | cancelled), progress and what was read."""

    paper_id: str
    model: str
    lang: str
    status: str
    steps_done: int
    steps_total: int
    reading: Reading
    error: dict
    updated_at: datetime


@dataclass(frozen=True)
class Asked:
    """A question of a thread, with its answer as shown."""

    id: str
    thread_id: str
    position: int
    question: str
    answer: Answer
    model: str
    lang: str
    created_at: datetime


class Readings:
    """Readings, questions and comparisons."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- readings -------------------------------------------------------------------------------------------------
    def get(self, paper_id: str, model: str, lang: str) -> StoredReading | None:
        row = self._store.cursor().execute(
            "SELECT status, steps_done, steps_total, statements, quotes_found, quotes_asked, calls, seconds, error, "
            "updated_at FROM paper_readings WHERE paper_id = ? AND model = ? AND lang = ?",
            [paper_id, model, lang]).fetchone()
        if row is None:
            return None
        saved = json.loads(row[3])
        reading = Reading(lang, tuple(Statement.from_dict(s) for s in saved.get("statements", [])),
                          tuple(Statement.from_dict(s) for s in saved.get("questions", [])), row[4], row[5], row[6],
                          row[7], partial=row[0] != "done")
        return StoredReading(paper_id, model, lang, row[0], row[1], row[2], reading, json.loads(row[8] or "{}"),
                             row[9])

    def list_for(self, paper_id: str) -> list[tuple[str, str, str]]:
        """(model, lang, status) of a paper's readings, the latest first."""
        return self._store.cursor().execute(
            "SELECT model, lang, status FROM paper_readings WHERE paper_id = ? ORDER BY updated_at DESC",
            [paper_id]).fetchall()

    def save(self, paper_id: str, model: str, lang: str, user_id: str, status: str, done: int, total: int,
             reading: Reading | None, error: dict | None = None) -> None:
        """Write a reading's state (creating its row on the first call)."""
        reading = reading or Reading(lang, ())
        statements = json.dumps({"statements": [s.as_dict() for s in reading.statements],
                                 "questions": [s.as_dict() for s in reading.questions]}, ensure_ascii=False)
        now = utcnow()
        self._store.cursor().execute(
            "INSERT INTO paper_readings (paper_id, model, lang, status, steps_done, steps_total, statements, "
            "quotes_found, quotes_asked, calls, seconds, error, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (paper_id, model, lang) DO UPDATE SET "
            "status = excluded.status, steps_done = excluded.steps_done, steps_total = excluded.steps_total, "
            "statements = excluded.statements, quotes_found = excluded.quotes_found, "
            "quotes_asked = excluded.quotes_asked, calls = excluded.calls, seconds = excluded.seconds, "
            "error = excluded.error, updated_at = excluded.updated_at",
            [paper_id, model, lang, status, done, total, statements, reading.quotes_found, reading.quotes_asked,
             reading.calls, reading.seconds, json.dumps(error or {}, ensure_ascii=False), user_id, now, now])

    def settle(self) -> int:
        """Readings left running by a stop or a crash become cancelled; how many."""
        cur = self._store.cursor()
        count = cur.execute("SELECT count(*) FROM paper_readings WHERE status = 'running'").fetchone()[0]
        cur.execute("UPDATE paper_readings SET status = 'cancelled' WHERE status = 'running'")
        return int(count)

    # -- questions ------------------------------------------------------------------------------------------------
    def ask(self, paper_id: str, user_id: str, thread_id: str | None, answer: Answer, model: str, lang: str) -> Asked:
        """Keep a question and its answer at the end of its thread (a new thread when ``thread_id`` is None)."""
        thread_id = thread_id or uuid.uuid4().hex
        cur = self._store.cursor()
        position = cur.execute("SELECT count(*) FROM paper_questions WHERE thread_id = ?", [thread_id]).fetchone()[0]
        saved = {"text": answer.text, "found": answer.found, "searched": answer.searched, "calls": answer.calls,
                 "evidence": [q.__dict__ for q in answer.evidence]}
        asked = Asked(uuid.uuid4().hex, thread_id, int(position), answer.question, answer, model, lang, utcnow())
        cur.execute("INSERT INTO paper_questions (id, thread_id, paper_id, user_id, position, question, answer, model, "
                    "lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [asked.id, thread_id, paper_id, user_id, asked.position, answer.question,
                     json.dumps(saved, ensure_ascii=False), model, lang, asked.created_at])
        return asked

    def thread(self, paper_id: str, user_id: str, thread_id: str) -> list[Asked]:
        """A thread's questions in order (a user's threads are their own)."""
        rows = self._store.cursor().execute(
            "SELECT id, thread_id, position, question, answer, model, lang, created_at FROM paper_questions "
            "WHERE paper_id = ? AND user_id = ? AND thread_id = ? ORDER BY position",
            [paper_id, user_id, thread_id]).fetchall()
        return [Asked(r[0], r[1], r[2], r[3], _answer(r[3], r[4]), r[5], r[6], r[7]) for r in rows]

    def threads(self, paper_id: str, user_id: str) -> list[tuple[str, str, datetime]]:
        """(thread id, its first question, when) of the user's threads on a paper, the latest first."""
        return self._store.cursor().execute(
            "SELECT thread_id, arg_min(question, position), max(created_at) AS asked_at FROM paper_questions "
            "WHERE paper_id = ? AND user_id = ? GROUP BY thread_id ORDER BY asked_at DESC",
            [paper_id, user_id]).fetchall()

    # -- comparisons ----------------------------------------------------------------------------------------------
    def compared(self, user_id: str, paper_ids: Sequence[str], model: str, lang: str, cells: list) -> str:
        """Keep a comparison; its id."""
        comparison_id = uuid.uuid4().hex
        self._store.cursor().execute(
            "INSERT INTO paper_comparisons (id, user_id, paper_ids, model, lang, cells, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", [comparison_id, user_id, json.dumps(list(paper_ids)), model, lang,
                                             json.dumps(cells, ensure_ascii=False), utcnow()])
        return comparison_id


def _answer(question: str, text: str) -> Answer:
    saved = json.loads(text)
    return Answer(question, saved["text"], tuple(Quote(**q) for q in saved["evidence"]), saved["found"],
                  saved["searched"], saved["calls"])
