"""Prompt versions x test cases x models: every cell's output, score, feedback, tokens and latency, cached.

    evaluator = Evaluator(store, chat, graders, judge=judge_chat, judge_model="qwen2.5-1.5b")
    cells = run_matrix(evaluator, [Column("v1", template, params)], cases, ["qwen2.5-0.5b"], on_cell=show)
    summarise(cells)          # per column and model: mean score, passed, errors, tokens, mean latency

A cell asks the model only when its rendered messages, model and sampling have not been asked before
(``prompt_outputs``), and grades only when that output has not been graded by the same graders for the same case
(``prompt_grades``): running the matrix again after changing one version or adding a case re-runs only those
cells. Unset sampling means temperature 0 (so a score can be measured again) and at most 512 tokens.
``Evaluator.calls`` counts the model calls really made (the budget an optimisation spends).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb

from shared.messages import Message, Words
from workbench.store import Store, utcnow

from .cases import Case
from .graders import Grader, grade_all, graders_to_json
from .records import Params
from .runner import Chat, Reply
from .templates import Template, render

RUN_TOKENS = 512               # an answer, when the version sets no max_tokens (a small model may not stop)
JUDGE_TOKENS = 200             # the judge's score and feedback


@dataclass(frozen=True)
class Column:
    """A prompt as a matrix column: ``key`` names it on the page ("v3", "candidate 2")."""

    key: str
    template: Template
    params: Params = Params()


@dataclass(frozen=True)
class Cell:
    """One case's answer by one model under one column, graded."""

    column: str
    case_id: str
    model: str
    output: str
    score: float
    passed: bool
    feedback: Words
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    error: Message | None = None
    cached: bool = False


@dataclass(frozen=True)
class Summary:
    """A column's results on one model."""

    column: str
    model: str
    score: float
    passed: int
    cases: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float


def sampling(params: Params) -> dict[str, Any]:
    """The sampling a version is run with: its own; temperature 0 and 512 tokens when it sets none."""
    values = params.as_dict()
    values.pop("model", None)
    values.setdefault("temperature", 0.0)
    values.setdefault("max_tokens", RUN_TOKENS)
    return values


def _hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def case_set(cases: Sequence[Case], graders: Sequence[Grader]) -> str:
    """What a score was measured on: the cases (their ids) and the graders, as a short hash."""
    return _hash({"cases": sorted(case.id for case in cases), "graders": graders_to_json(graders)})[:16]


def keep(cur: Any, sql: str, params: list[Any]) -> None:
    """Write a cache row; when a cell running beside this one wrote the same key first (the same output graded, the
    same messages asked: the same value), DuckDB refuses the second write as a conflict: the row is there, so that is
    kept. (An optimisation stopped on this, grading one output for two candidates at once.)"""
    try:
        cur.execute(sql, params)
    except (duckdb.ConstraintException, duckdb.TransactionException):
        pass


class Evaluator:
    """Runs and grades cells, through the store's caches; thread-safe (one cursor per thread)."""

    def __init__(self, store: Store, chat: Chat, graders: Sequence[Grader], *, judge: Chat | None = None,
                 judge_model: str = "") -> None:
        self._store, self._chat, self.graders = store, chat, list(graders)
        self._judge, self._judge_model = judge or chat, judge_model
        self._lock = threading.Lock()
        self.calls = 0

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

    def ask(self, messages: list[dict[str, str]], model: str, params: dict[str, Any]) -> tuple[Reply, bool]:
        """The model's reply to ``messages`` (cached when it answered before): (reply, from the cache)."""
        key = _hash({"messages": messages, "model": model, "params": params})
        cur = self._store.cursor()
        row = cur.execute("SELECT output, prompt_tokens, completion_tokens, latency_ms FROM prompt_outputs "
                          "WHERE key = ?", [key]).fetchone()
        if row:
            return Reply(*row), True
        self._count()
        reply = self._chat(messages, model, params)
        if reply.error is None:
            keep(cur, "INSERT OR REPLACE INTO prompt_outputs VALUES (?, ?, '', ?, ?, ?, ?)",
                 [key, reply.text, reply.prompt_tokens, reply.completion_tokens, reply.latency_ms, utcnow()])
        return reply, False

    def cell(self, column: Column, case: Case, model: str) -> Cell:
        """One case under one column on one model, graded."""
        messages = render(column.template, case.variables)
        reply, cached = self.ask(messages, model, sampling(column.params))
        if reply.error is not None:
            return Cell(column.key, case.id, model, "", 0.0, False, Words(reply.error.text("en"),
                        reply.error.text("zh")), latency_ms=reply.latency_ms, error=reply.error)
        score, passed, feedback = self._grade(reply.text, case, messages[-1]["content"])
        return Cell(column.key, case.id, model, reply.text, score, passed, feedback, reply.prompt_tokens,
                    reply.completion_tokens, reply.latency_ms, cached=cached)

    def _grade(self, output: str, case: Case, question: str) -> tuple[float, bool, Words]:
        output_key = _hash(output)
        grader_key = _hash({"graders": graders_to_json(self.graders), "expected": case.expected,
                            "criteria": case.criteria, "judge": self._judge_model, "question": question})
        cur = self._store.cursor()
        row = cur.execute("SELECT score, passed, feedback FROM prompt_grades WHERE output_key = ? AND grader_key = ?",
                          [output_key, grader_key]).fetchone()
        if row:
            said = json.loads(row[2])
            return row[0], row[1], Words(said["en"], said["zh"])
        grade = _run(grade_all(self.graders, output, case, question, self._judge_ask))
        feedback = Words(grade.feedback.text("en"), grade.feedback.text("zh"))
        keep(cur, "INSERT OR REPLACE INTO prompt_grades VALUES (?, ?, ?, ?, ?)",
             [output_key, grader_key, float(grade.score), bool(grade.passed),
              json.dumps({"en": feedback.en, "zh": feedback.zh}, ensure_ascii=False)])
        return grade.score, grade.passed, feedback

    async def _judge_ask(self, messages: list[dict[str, str]]) -> str:
        sampling = {"temperature": 0.0, "max_tokens": JUDGE_TOKENS}
        reply, _ = await asyncio.to_thread(self.ask, messages, self._judge_model, sampling)
        return reply.text


def _run(coro: Any) -> Any:
    """``asyncio.run`` here, or in a thread of its own when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class Progress:
    """How far a matrix is: cells done of all, and the cells as they came."""

    total: int
    done: int = 0
    cells: list[Cell] = field(default_factory=list)


def run_matrix(evaluator: Evaluator, columns: Sequence[Column], cases: Sequence[Case], models: Sequence[str], *,
               parallel: int = 2, on_cell: Callable[[Progress], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> list[Cell]:
    """Every (column, case, model) cell, ``parallel`` at a time; ``on_cell`` hears of each as it finishes;
    ``cancelled`` stops the cells not yet started. Cells come back in column, case, model order."""
    jobs = [(column, case, model) for column in columns for case in cases for model in models]
    progress = Progress(len(jobs))
    lock = threading.Lock()

    def one(job: tuple[Column, Case, str]) -> Cell | None:
        if cancelled and cancelled():
            return None
        result = evaluator.cell(*job)
        with lock:
            progress.done += 1
            progress.cells.append(result)
            if on_cell:
                on_cell(progress)
        return result

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="prompt-matrix") as pool:
        results = list(pool.map(one, jobs))
    return [cell for cell in results if cell is not None]


def summarise(cells: Sequence[Cell]) -> list[Summary]:
    """Per column and model, in the order they first appear."""
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.column, cell.model), []).append(cell)
    return [Summary(column, model, round(sum(c.score for c in group) / len(group), 4),
                    sum(c.passed for c in group), len(group), sum(c.error is not None for c in group),
                    sum(c.prompt_tokens for c in group), sum(c.completion_tokens for c in group),
                    round(sum(c.latency_ms for c in group) / len(group), 1))
            for (column, model), group in groups.items()]
