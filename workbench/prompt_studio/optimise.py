"""Optimise a prompt against test cases: gepa's reflective search with a held-out score it never sees.

    optimiser = Optimiser(evaluator, reflect=chat, model="qwen2.5-0.5b", reflect_model="qwen2.5-0.5b")
    outcome = optimiser.run(template, params, cases, on_round=show)   # Outcome: rounds, best, held-out before/after

The cases are split (``splits.split``, 30 % held out by default). gepa (``gepa.optimize``, its core only) searches
over three parts of the template — the system text, the user text and the choice of few-shot examples (ids of
training cases) — on the training part: it runs a candidate on a few training cases, reads the failures and the
graders' feedback, has the reflection model propose a new text for one part, keeps it when it does better on
those cases, scores it on the whole training part and keeps the Pareto-best per case. The held-out part is scored
only by this module, for the best candidate of each round, and is never in anything the reflection model reads.

Every proposed text passes two checks by code before gepa may even try it:
- the anti-copy check (``copycheck.find_copy``): no expected output of any case (or a long n-gram of one) pasted
  into the instructions (the declared few-shot examples are the only place answers may appear);
- the requirement check (``requirements.check``): every requirement of the original prompt (its variables, formats,
  constraints, facts) is still there.
A refused proposal leaves the part as it was (its round says why). The search stops at the budget of model calls
(the task model, the reflection model and the judge together), at ``rounds``, when the held-out score has not
improved for ``patience`` rounds that found a new best, or when cancelled.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .cases import Case
from .copycheck import find_copy
from .errors import PromptInvalid
from .instructions import instruction
from .matrix import Column, Evaluator
from .records import Params
from .requirements import check, dropped, requirements
from .runner import Chat
from .splits import split
from .templates import Example, Template, check_template

PARTS = ("system", "user", "examples")
MAX_EXAMPLES = 3
REFLECT_TOKENS = 500           # one part of a prompt, rewritten
FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)


@dataclass(frozen=True)
class Settings:
    """How long and how the search runs; the defaults fit the 0.5B model on two cores."""

    budget: int = 80            # model calls in all (task, reflection, judge)
    rounds: int = 6
    patience: int = 2           # rounds with a new best whose held-out score did not improve
    held_out: float = 0.3
    minibatch: int = 3
    parallel: int = 2
    seed: int = 0


@dataclass(frozen=True)
class Round:
    """One round of the search: the best candidate's training and held-out scores after it, and what happened
    (``seed``, ``accepted``, ``rejected``, ``perfect``, ``refused_copy``, ``refused_requirement``, ``no_change``)."""

    number: int
    train: float
    held_out: float
    calls: int
    event: str
    part: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the search found: the seed and the best template with their scores, the rounds, why it stopped."""

    seed: Template
    best: Template
    seed_train: float
    best_train: float
    seed_held_out: float
    best_held_out: float
    rounds: list[Round]
    calls: int
    stopped: str                # budget | rounds | no_improvement | perfect | cancelled | finished
    train_ids: list[str] = field(default_factory=list)
    held_out_ids: list[str] = field(default_factory=list)


def candidate_of(template: Template, train: Mapping[str, Case]) -> dict[str, str]:
    """gepa's view of a template: its parts as texts (the examples as the ids of training cases)."""
    ids = [case_id for case_id, case in train.items()
           if any(e.variables == case.variables and e.output == case.expected for e in template.examples)]
    return {"system": template.system, "user": template.user, "examples": json.dumps(ids)}


def template_of(candidate: Mapping[str, str], train: Mapping[str, Case]) -> Template:
    """The template a gepa candidate stands for."""
    ids = [case_id for case_id in json.loads(candidate.get("examples") or "[]") if case_id in train]
    return Template(candidate["system"], candidate["user"],
                    tuple(Example(dict(train[i].variables), train[i].expected) for i in ids))


class _Search:
    """gepa's adapter (evaluate, reflective dataset, proposals) and its callback and stopper, for one run."""

    def __init__(self, owner: Optimiser, seed: Template, params: Params, train: list[Case], held: list[Case],
                 on_round: Callable[[Round], None] | None, cancelled: Callable[[], bool] | None) -> None:
        self.owner, self.seed, self.params = owner, seed, params
        self.train = {case.id: case for case in train}
        self.held = held
        self.on_round, self.cancelled = on_round, cancelled
        self.requirements = requirements(f"{seed.system}\n{seed.user}")
        self.expected = [case.expected for case in [*train, *held] if case.expected]
        self.allowed = f"{seed.system}\n{seed.user}\n" + "\n".join(e.output for e in seed.examples)
        self.rounds: list[Round] = []
        self.best_key = ""
        self.best_held = self.peak_held = 0.0
        self.stale = 0
        self.reflect_calls = 0
        self.note: tuple[str, str, str] | None = None      # this round's refusal: event, part, detail
        self.stopped = ""
        self._lock = threading.Lock()
        self.propose_new_texts = self._propose

    # -- scoring ----------------------------------------------------------------------------------------------
    def calls(self) -> int:
        return self.owner.evaluator.calls + self.reflect_calls

    def _cells(self, template: Template, cases: Sequence[Case]) -> list[Any]:
        column = Column("candidate", template, self.params)
        with ThreadPoolExecutor(max_workers=self.owner.settings.parallel) as pool:
            return list(pool.map(lambda case: self.owner.evaluator.cell(column, case, self.owner.model), cases))

    def score(self, template: Template, cases: Sequence[Case]) -> float:
        cells = self._cells(template, cases)
        return round(sum(cell.score for cell in cells) / len(cells), 4) if cells else 0.0

    def evaluate(self, batch: list[Case], candidate: dict[str, str], capture_traces: bool = False) -> Any:
        from gepa import EvaluationBatch

        cells = self._cells(template_of(candidate, self.train), batch)
        if cells and all(cell.error is not None for cell in cells):
            raise PromptInvalid("prompt_optimise.model_failed", "model", reason=cells[0].error.text("en"))
        traces = [{"case": case, "output": cell.output, "feedback": cell.feedback.en, "score": cell.score}
                  for case, cell in zip(batch, cells, strict=True)] if capture_traces else None
        return EvaluationBatch(outputs=[cell.output for cell in cells], scores=[cell.score for cell in cells],
                               trajectories=traces)

    def make_reflective_dataset(self, candidate: dict[str, str], eval_batch: Any,
                                components_to_update: list[str]) -> dict[str, list[dict[str, Any]]]:
        records = [{"Inputs": trace["case"].variables, "Generated Outputs": trace["output"][:800],
                    "Feedback": trace["feedback"][:600], "Score": trace["score"], "Case": trace["case"].id}
                   for trace in eval_batch.trajectories or []]
        return {part: records for part in components_to_update}

    # -- proposals --------------------------------------------------------------------------------------------
    def _propose(self, candidate: dict[str, str], reflective_dataset: Mapping[str, Sequence[Mapping[str, Any]]],
                 components_to_update: list[str]) -> dict[str, str]:
        proposed = dict(candidate)
        for part in components_to_update:
            records = list(reflective_dataset.get(part, ()))
            if part == "examples":
                proposed[part] = self._examples(candidate[part], records)
                continue
            text = self._rewrite(part, candidate[part], records)
            if text is None:
                continue
            trial = dict(proposed, **{part: text})
            refusal = self._refusal(trial)
            if refusal:
                self.note = (refusal[0], part, refusal[1])
                continue
            proposed[part] = text
        if proposed == candidate and self.note is None:
            self.note = ("no_change", ",".join(components_to_update), "")
        return {part: proposed[part] for part in components_to_update}

    def _examples(self, current: str, records: Sequence[Mapping[str, Any]]) -> str:
        """Few-shot examples chosen by code: the training cases just failed first, then those already chosen."""
        failed = [r["Case"] for r in sorted(records, key=lambda r: r["Score"]) if r["Score"] < 1 and
                  r["Case"] in self.train and self.train[r["Case"]].expected]
        chosen = list(dict.fromkeys([*failed, *json.loads(current or "[]")]))[:MAX_EXAMPLES]
        return json.dumps(chosen)

    def _rewrite(self, part: str, current: str, records: Sequence[Mapping[str, Any]]) -> str | None:
        lines = [f"- Inputs: {json.dumps(r['Inputs'], ensure_ascii=False)}\n  Answer: {r['Generated Outputs']}\n"
                 f"  Feedback: {r['Feedback']}" for r in records if r["Score"] < 1]
        if not lines:
            return None
        asked = (instruction("reflect").replace("<<PART>>", part).replace("<<CURRENT>>", current)
                 .replace("<<RECORDS>>", "\n".join(lines)))
        with self._lock:
            self.reflect_calls += 1
        reply = self.owner.reflect([{"role": "user", "content": asked}], self.owner.reflect_model,
                                   {"temperature": 0.7, "max_tokens": REFLECT_TOKENS,
                                    "seed": self.owner.settings.seed + len(self.rounds)})
        if reply.error is not None:
            return None
        fenced = FENCE.search(reply.text)
        text = (fenced.group(1) if fenced else reply.text).strip()
        return text or None

    def _refusal(self, candidate: Mapping[str, str]) -> tuple[str, str] | None:
        template = template_of(candidate, self.train)
        try:
            check_template(template)
        except PromptInvalid as exc:
            return "refused_template", exc.message
        text = f"{template.system}\n{template.user}"
        copy = find_copy(text, self.expected, allowed=self.allowed)
        if copy is not None:
            return "refused_copy", copy.excerpt
        lost = dropped(check(self.requirements, text))
        if lost:
            return "refused_requirement", "; ".join(item.requirement.text for item in lost)[:300]
        return None

    # -- rounds -----------------------------------------------------------------------------------------------
    def on_evaluation_skipped(self, event: Mapping[str, Any]) -> None:
        if event.get("reason") == "all_scores_perfect" and self.note is None:
            self.note = ("perfect", "", "")

    def on_iteration_end(self, event: Mapping[str, Any]) -> None:
        state = event["state"]
        scores = list(state.program_full_scores_val_set)
        best = max(range(len(scores)), key=scores.__getitem__)
        key = json.dumps(state.program_candidates[best], sort_keys=True)
        event_name = "accepted" if event.get("proposal_accepted") else "rejected"
        part, detail = "", ""
        if self.note:
            event_name, part, detail = self.note
        self.note = None
        if key != self.best_key:
            held = self.score(template_of(state.program_candidates[best], self.train), self.held)
            self.stale = 0 if held > self.peak_held else self.stale + 1
            self.best_key, self.best_held, self.peak_held = key, held, max(held, self.peak_held)
        self._round(Round(len(self.rounds), round(scores[best], 4), self.best_held, self.calls(), event_name, part,
                          detail))

    def _round(self, one: Round) -> None:
        self.rounds.append(one)
        if self.on_round:
            self.on_round(one)

    def __call__(self, gepa_state: Any) -> bool:
        """gepa's stopper: True to stop."""
        settings = self.owner.settings
        if self.cancelled and self.cancelled():
            self.stopped = "cancelled"
        elif self.calls() >= settings.budget:
            self.stopped = "budget"
        elif len(self.rounds) > settings.rounds:
            self.stopped = "rounds"
        elif self.stale >= settings.patience:
            self.stopped = "no_improvement"
        elif self.rounds and self.rounds[-1].train >= 1.0:
            self.stopped = "perfect"
        return bool(self.stopped)


class Optimiser:
    """Runs the search for one prompt, model and case set (see the module's doc)."""

    def __init__(self, evaluator: Evaluator, reflect: Chat, *, model: str, reflect_model: str = "",
                 settings: Settings = Settings()) -> None:
        self.evaluator, self.reflect, self.model = evaluator, reflect, model
        self.reflect_model = reflect_model or model
        self.settings = settings

    def run(self, template: Template, params: Params, cases: Sequence[Case], *,
            on_round: Callable[[Round], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> Outcome:
        """Search from ``template``; ``on_round`` hears of each round as it ends (round 0: the seed)."""
        import gepa

        template = check_template(template)
        parts = split(list(cases), self.settings.held_out, seed=str(self.settings.seed))
        search = _Search(self, template, params, parts.train, parts.held_out, on_round, cancelled)
        seed_train = search.score(template, parts.train)
        seed_held = search.score(template, parts.held_out)
        search.best_key = json.dumps(candidate_of(template, search.train), sort_keys=True)
        search.best_held = search.peak_held = seed_held
        search._round(Round(0, seed_train, seed_held, search.calls(), "seed"))
        result = gepa.optimize(seed_candidate=candidate_of(template, search.train), trainset=parts.train,
                               valset=parts.train, adapter=search, reflection_lm=None, callbacks=[search],
                               stop_callbacks=[search], reflection_minibatch_size=self.settings.minibatch,
                               module_selector="round_robin", logger=_Quiet(), run_dir=None,
                               display_progress_bar=False, seed=self.settings.seed, raise_on_exception=True,
                               skip_perfect_score=True)
        best = template_of(result.best_candidate, search.train)
        best_train = result.val_aggregate_scores[result.best_idx]
        best_held = search.score(best, parts.held_out)
        return Outcome(template, best, seed_train, round(best_train, 4), seed_held, best_held, search.rounds,
                       search.calls(), search.stopped or "finished", [c.id for c in parts.train],
                       [c.id for c in parts.held_out])


class _Quiet:
    """gepa's logger: its lines are not ours to print."""

    def log(self, message: str) -> None:
        """Dropped."""

