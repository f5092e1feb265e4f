"""The prompt studio as the pages, the API and the MCP tools use it: one object per process.

    studio = PromptStudio.open(store, users, base_url="http://127.0.0.1:7860/v1", key_for=workbench_key)
    template = studio.generate("u-alice", "从合同中抽取甲方和金额，输出 JSON", model="qwen2.5-0.5b")
    prompt = studio.library.create("u-alice", "contract-parties", template)
    cells = studio.run_matrix("u-alice", prompt.id, [1], ["qwen2.5-0.5b"], on_cell=show)
    outcome, version = studio.optimise("u-alice", prompt.id, 1, "qwen2.5-0.5b", on_round=show)

Every model call goes through this process's ``/v1`` with the user's own workbench key (``key_for``), so it is
metered, limited and restricted to their models like any of their calls. The matrix's and the optimiser's scores
are kept with the versions they measured (``Library.record_score``); an optimisation is recorded as it goes
(``prompt_optimisations``: its rounds, its outcome) and its winner becomes a new version (source ``optimised``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict

from workbench.kb.access import Access
from workbench.kb.records import UserDirectory
from workbench.kb.teams import Teams
from workbench.store import Store, utcnow

from .casebook import Casebook
from .cases import Case
from .errors import PromptError, PromptInvalid
from .generate import draft_cases, generate
from .improve import Proposal, accept, improve, review
from .library import Library
from .matrix import Cell, Column, Evaluator, Progress, case_set, run_matrix, summarise
from .optimise import Optimiser, Outcome, Round, Settings
from .records import Params, Score, Version
from .runner import GatewayChat
from .templates import Template, check_template

MAX_VERSIONS_PER_RUN = 5
MAX_MODELS_PER_RUN = 3


class PromptStudio:
    """The library, the cases, and the work that calls models, for signed-in users."""

    def __init__(self, store: Store, library: Library, casebook: Casebook, *, base_url: str,
                 key_for: Callable[[str], str]) -> None:
        self.store, self.library, self.casebook = store, library, casebook
        self.base_url, self.key_for = base_url, key_for

    @classmethod
    def open(cls, store: Store, users: UserDirectory, *, base_url: str,
             key_for: Callable[[str], str]) -> PromptStudio:
        """The studio over the workbench store (its teams are the knowledge bases' teams)."""
        access = Access(store)
        library = Library(store, access, Teams(store, access, users))
        return cls(store, library, Casebook(store, library), base_url=base_url, key_for=key_for)

    def chat(self, user_id: str) -> GatewayChat:
        """A ``Chat`` with the user's own key."""
        return GatewayChat(self.base_url, self.key_for(user_id))

    # -- writing prompts --------------------------------------------------------------------------------------
    def generate(self, user_id: str, task: str, *, model: str, variables: Sequence[str] = ()) -> Template:
        """A structured template for ``task`` (not stored: the page shows it first)."""
        return generate(self.chat(user_id), model, task, variables=variables)

    def draft_cases(self, user_id: str, prompt_id: str, task: str, *, model: str, count: int = 5) -> list[Case]:
        """Cases drafted by the model for the prompt's latest version, added to its table marked ``drafted``."""
        prompt = self.library.require(user_id, prompt_id, "write")
        template = self.library.version(user_id, prompt_id, prompt.latest).template
        drafted = draft_cases(self.chat(user_id), model, task, template, count=count)
        self.casebook.add(user_id, prompt_id, drafted)
        return drafted

    def improve(self, user_id: str, prompt_id: str, version: int, *, model: str, feedback: str = "") -> Proposal:
        """The model's critique and rewrite of a version, with its diff and requirement checklist."""
        chosen = self.library.version(user_id, prompt_id, version)
        return improve(self.chat(user_id), model, chosen.template, feedback=feedback)

    def keep(self, user_id: str, prompt_id: str, proposal: Proposal, *, parent: int, override: bool = False,
             source: str = "improved", params: Params | None = None) -> Version:
        """A rewrite as a new version, unless it drops a requirement of the original (and the user did not
        override); ``params`` None: the parent's."""
        return self.library.add_version(user_id, prompt_id, accept(proposal, override=override), source=source,
                                        parent=parent, params=params)

    def edit(self, user_id: str, prompt_id: str, parent: int, template: Template, *,
             override: bool = False, params: Params | None = None) -> Version:
        """A person's edit (and its model parameters) as a new version; the same requirement check as a model's
        rewrite."""
        original = self.library.version(user_id, prompt_id, parent).template
        return self.keep(user_id, prompt_id, review(original, check_template(template)), parent=parent,
                         override=override, source="written", params=params)

    # -- measuring --------------------------------------------------------------------------------------------
    def _evaluator(self, user_id: str, prompt_id: str, judge_model: str) -> Evaluator:
        graders = self.casebook.graders(user_id, prompt_id)
        if not graders:
            raise PromptInvalid("prompt_run.no_graders", "graders")
        chat = self.chat(user_id)
        return Evaluator(self.store, chat, graders, judge=chat, judge_model=judge_model)

    def _cases(self, user_id: str, prompt_id: str) -> list[Case]:
        cases = self.casebook.cases(user_id, prompt_id)
        if not cases:
            raise PromptInvalid("prompt_run.no_cases", "cases")
        return cases

    def run_matrix(self, user_id: str, prompt_id: str, versions: Sequence[int], models: Sequence[str], *,
                   judge_model: str = "", on_cell: Callable[[Progress], None] | None = None,
                   cancelled: Callable[[], bool] | None = None, parallel: int = 2) -> list[Cell]:
        """Every version x case x model, graded; each version's score on each model kept with the version."""
        self.library.require(user_id, prompt_id, "write")
        if not versions or len(versions) > MAX_VERSIONS_PER_RUN:
            raise PromptInvalid("prompt_run.versions", "versions", most=MAX_VERSIONS_PER_RUN)
        if not models or len(models) > MAX_MODELS_PER_RUN:
            raise PromptInvalid("prompt_run.models", "models", most=MAX_MODELS_PER_RUN)
        cases = self._cases(user_id, prompt_id)
        chosen = [self.library.version(user_id, prompt_id, number) for number in versions]
        evaluator = self._evaluator(user_id, prompt_id, judge_model or models[0])
        columns = [Column(f"v{v.number}", v.template, v.params) for v in chosen]
        cells = run_matrix(evaluator, columns, cases, list(models), parallel=parallel, on_cell=on_cell,
                           cancelled=cancelled)
        measured = case_set(cases, evaluator.graders)
        for summary in summarise(cells):
            if summary.cases == len(cases):          # a whole column: a score worth keeping
                self.library.record_score(user_id, prompt_id, int(summary.column[1:]), Score(
                    summary.model, measured, "all", summary.score, summary.cases, summary.passed, utcnow()))
        return cells

    def optimise(self, user_id: str, prompt_id: str, version: int, model: str, *, settings: Settings = Settings(),
                 reflect_model: str = "", judge_model: str = "", on_round: Callable[[Round], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> tuple[Outcome, Version | None]:
        """The optimiser from ``version`` on the prompt's cases; its winner a new version when it differs."""
        self.library.require(user_id, prompt_id, "write")
        seed = self.library.version(user_id, prompt_id, version)
        cases = self._cases(user_id, prompt_id)
        evaluator = self._evaluator(user_id, prompt_id, judge_model or model)
        run_id = uuid.uuid4().hex
        with self.store.transaction() as cur:
            cur.execute("INSERT INTO prompt_optimisations (id, prompt_id, version, model, status, budget, created_by, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)",
                        [run_id, prompt_id, version, model, settings.budget, user_id, utcnow(), utcnow()])
        rounds: list[dict] = []

        def heard(one: Round) -> None:
            rounds.append(asdict(one))
            self.store.cursor().execute("UPDATE prompt_optimisations SET rounds = ?, calls = ?, updated_at = ? "
                                        "WHERE id = ?", [json.dumps(rounds, ensure_ascii=False), one.calls,
                                                         utcnow(), run_id])
            if on_round:
                on_round(one)

        optimiser = Optimiser(evaluator, self.chat(user_id), model=model, reflect_model=reflect_model,
                              settings=settings)
        try:
            outcome = optimiser.run(seed.template, seed.params, cases, on_round=heard, cancelled=cancelled)
        except PromptError as failed:
            self._finish(run_id, "failed", None, None, failed)
            raise
        except Exception as failed:
            self._finish(run_id, "failed", None, None, PromptInvalid("prompt_optimise.failed", "model"))
            raise PromptInvalid("prompt_optimise.failed", "model") from failed
        measured = case_set(cases, evaluator.graders)
        self._scores(user_id, prompt_id, version, model, measured, outcome.seed_train, outcome.seed_held_out,
                     outcome)
        made = None
        if outcome.best != seed.template:
            note = f"held-out {outcome.seed_held_out:.2f} -> {outcome.best_held_out:.2f}, {outcome.calls} calls"
            made = self.library.add_version(user_id, prompt_id, outcome.best, source="optimised", parent=version,
                                            note=note)
            self._scores(user_id, prompt_id, made.number, model, measured, outcome.best_train,
                         outcome.best_held_out, outcome)
            made = self.library.version(user_id, prompt_id, made.number)
        self._finish(run_id, "cancelled" if outcome.stopped == "cancelled" else "finished", outcome,
                     made.number if made else None, None)
        return outcome, made

    def _scores(self, user_id: str, prompt_id: str, version: int, model: str, measured: str, train: float,
                held: float, outcome: Outcome) -> None:
        now = utcnow()
        for part, score, count in (("train", train, len(outcome.train_ids)),
                                   ("held_out", held, len(outcome.held_out_ids))):
            self.library.record_score(user_id, prompt_id, version, Score(model, measured, part, score, count,
                                                                         round(score * count), now))

    def _finish(self, run_id: str, status: str, outcome: Outcome | None, result_version: int | None,
                error: PromptError | None) -> None:
        best = None
        if outcome is not None:
            best = json.dumps({"system": outcome.best.system, "user": outcome.best.user,
                               "examples": len(outcome.best.examples), "stopped": outcome.stopped,
                               "seed_held_out": outcome.seed_held_out, "best_held_out": outcome.best_held_out},
                              ensure_ascii=False)
        self.store.cursor().execute(
            "UPDATE prompt_optimisations SET status = ?, best = ?, result_version = ?, error = ?, error_zh = ?, "
            "updated_at = ? WHERE id = ?",
            [status, best, result_version, error.text("en") if error else None, error.text("zh") if error else None,
             utcnow(), run_id])
