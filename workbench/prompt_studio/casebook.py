"""A prompt's test cases and graders, kept with the prompt (``prompt_cases``, ``prompts.graders``).

    book = Casebook(store, library)
    book.replace("u-alice", prompt.id, cases)            # the table as edited in the page (member+)
    book.add("u-alice", prompt.id, drafted)              # cases drafted by a model: ``drafted`` until accepted
    book.accept("u-alice", prompt.id, [case.id])         # a person read them
    book.set_graders("u-alice", prompt.id, [Grader("json_match")])

The permissions are the library's: whoever may read the prompt reads its cases; members and up change them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from workbench.store import Store

from .cases import MAX_CASES, Case, with_id
from .errors import PromptInvalid
from .graders import Grader, check_grader, graders_from_json, graders_to_json
from .library import Library

MAX_GRADERS = 10


class Casebook:
    """The cases and graders of the library's prompts."""

    def __init__(self, store: Store, library: Library) -> None:
        self._store, self._library = store, library

    def cases(self, user_id: str, prompt_id: str) -> list[Case]:
        """The prompt's cases in the table's order."""
        self._library.require(user_id, prompt_id)
        rows = self._store.cursor().execute(
            "SELECT variables, expected, criteria, drafted, id FROM prompt_cases WHERE prompt_id = ? ORDER BY position",
            [prompt_id]).fetchall()
        return [Case(json.loads(v), expected, criteria, bool(drafted), case_id)
                for v, expected, criteria, drafted, case_id in rows]

    def replace(self, user_id: str, prompt_id: str, cases: Sequence[Case]) -> list[Case]:
        """The whole table, as given (a case's id follows its content; the same case twice is kept once)."""
        self._library.require(user_id, prompt_id, "write")
        kept = list({case.id: case for case in map(with_id, cases)}.values())
        if len(kept) > MAX_CASES:
            raise PromptInvalid("prompt_case.too_many", "cases", most=MAX_CASES)
        with self._store.transaction() as cur:
            cur.execute("DELETE FROM prompt_cases WHERE prompt_id = ?", [prompt_id])
            for position, case in enumerate(kept):
                cur.execute("INSERT INTO prompt_cases VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [prompt_id, case.id, position, json.dumps(case.variables, ensure_ascii=False),
                             case.expected, case.criteria, case.drafted])
        return self.cases(user_id, prompt_id)

    def add(self, user_id: str, prompt_id: str, cases: Sequence[Case]) -> list[Case]:
        """The table with ``cases`` added at its end."""
        return self.replace(user_id, prompt_id, [*self.cases(user_id, prompt_id), *cases])

    def accept(self, user_id: str, prompt_id: str, case_ids: Sequence[str]) -> list[Case]:
        """Drafted cases a person accepted: no longer marked drafted."""
        self._library.require(user_id, prompt_id, "write")
        self._store.cursor().execute("UPDATE prompt_cases SET drafted = FALSE WHERE prompt_id = ? AND "
                                     "list_contains(?, id)", [prompt_id, list(case_ids)])
        return self.cases(user_id, prompt_id)

    def graders(self, user_id: str, prompt_id: str) -> list[Grader]:
        """How the prompt's outputs are graded."""
        self._library.require(user_id, prompt_id)
        row = self._store.cursor().execute("SELECT graders FROM prompts WHERE id = ?", [prompt_id]).fetchone()
        return graders_from_json(json.loads(row[0]))

    def set_graders(self, user_id: str, prompt_id: str, graders: Sequence[Grader]) -> list[Grader]:
        """Replace the graders (each checked: a bad one is refused naming ``graders[i]``)."""
        self._library.require(user_id, prompt_id, "write")
        if len(graders) > MAX_GRADERS:
            raise PromptInvalid("prompt_grader.too_many", "graders", most=MAX_GRADERS)
        checked = [check_grader(grader, f"graders[{index}]") for index, grader in enumerate(graders)]
        self._store.cursor().execute("UPDATE prompts SET graders = ? WHERE id = ?",
                                     [json.dumps(graders_to_json(checked), ensure_ascii=False), prompt_id])
        return checked
