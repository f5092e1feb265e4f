"""The prompt page's run and optimise tabs: long work in a thread, its progress streamed to the page.

Run: the chosen versions x the cases x the chosen models (``PromptStudio.run_matrix``), "12 / 30" as the cells come,
then a summary per version and model, a bar chart of the scores and every cell (output, score, feedback in the
page's language, tokens, latency, cached). Optimise (``PromptStudio.optimise``): each round as it ends (a line
chart of the training and held-out scores, the rounds' table), then the held-out score before -> after, the
winner's diff, the new version and a button to label it production.

Both handlers are async generators: the work runs in a worker thread and reports through a queue; when the page
goes away Gradio closes the generator, which tells the work to stop (``cancelled``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import gradio as gr

from app.prompts import view
from app.prompts.context import PromptsContext, number_of, t
from app.shell.forms import Refusal, literal
from workbench.errors import WorkbenchError
from workbench.prompt_studio.improve import review
from workbench.prompt_studio.matrix import summarise
from workbench.prompt_studio.optimise import Settings

BUDGET, ROUNDS, HELD_OUT = Settings().budget, Settings().rounds, Settings().held_out     # the optimiser's defaults
MOST_BUDGET, MOST_ROUNDS = 1000, 30


async def working(work: Callable[[Callable[[Any], None], Callable[[], bool]], Any]) -> AsyncIterator[tuple[str, Any]]:
    """``work(emit, cancelled)`` in a thread: ("event", what it emitted) as it comes, then ("done", its result) or
    ("error", what it raised). Closing the iterator asks the work to stop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()

    def put(kind: str, item: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, item))

    def target() -> None:
        try:
            put("done", work(lambda item: put("event", item), stop.is_set))
        except BaseException as exc:              # handed to the page's loop, which shows it
            put("error", exc)

    thread = threading.Thread(target=target, name="prompt-work", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = await queue.get()
            yield kind, item
            if kind != "event":
                return
    finally:
        stop.set()


def _int(value: Any, default: int) -> int:
    return default if value in (None, "") else int(value)


class RunHandlers:
    """The run and optimise tabs (see the module doc)."""

    ctx: PromptsContext

    async def run(self, prompt_id: str | None, versions: Any, models: Any, judge: str | None, lang: str,
                  request: gr.Request) -> AsyncIterator[tuple[Any, ...]]:
        """Run the matrix: progress as the cells come, then the summary, the chart and the cells."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            numbers = [n for n in (number_of(v) for v in versions or ()) if n is not None]
            if not numbers:
                raise Refusal("run_versions", t(caller.locale, "prompts.choose_versions"))
            chosen = [str(m) for m in models or () if m]
            if not chosen:
                raise Refusal("run_models", t(caller.locale, "prompts.choose_models"))
        except (WorkbenchError, Refusal) as exc:
            yield self.ctx.refused("run", caller, exc)
            return
        yield self.ctx.accepted("run", caller, run_notice="", run_progress=t(caller.locale, "prompts.starting"),
                                run_summary="", run_cells="", run_plot=None)

        def work(emit: Callable[[Any], None], cancelled: Callable[[], bool]) -> Any:
            return self.ctx.ps.run_matrix(caller.user_id, prompt.id, numbers, chosen, judge_model=judge or "",
                                          on_cell=lambda p: emit((p.done, p.total)), cancelled=cancelled)

        async for kind, item in working(work):
            if kind == "event":
                yield self.ctx.accepted("run", caller, run_progress=t(caller.locale, "prompts.progress",
                                                                      done=item[0], total=item[1]))
            elif kind == "error":
                yield self._failed("run", caller, item)
            else:
                cases = self.ctx.ps.casebook.cases(caller.user_id, prompt.id)
                numbers_of = {case.id: i + 1 for i, case in enumerate(cases)}
                summaries = summarise(item)
                yield self.ctx.accepted(
                    "run", caller, run_notice="", run_summary=view.summary_html(summaries, caller.locale),
                    run_progress=t(caller.locale, "prompts.run_done", count=len(item)),
                    run_plot=view.scores_frame(summaries), run_cells=view.cells_html(item, numbers_of, caller.locale),
                    **self._versions(caller, prompt.id))

    def _versions(self, caller: Any, prompt_id: str) -> dict[str, Any]:
        """The version choices again (their labels carry the scores just measured), the choices kept."""
        choices = view.version_choices(self.ctx.ps.library.versions(caller.user_id, prompt_id), caller.locale)
        return {name: gr.update(choices=choices) for name in ("edit_version", "label_version", "cmp_a", "cmp_b",
                                                              "run_versions", "opt_version")}

    def _failed(self, part: str, caller: Any, exc: BaseException) -> tuple[Any, ...]:
        if isinstance(exc, WorkbenchError | Refusal):
            return self.ctx.refused(part, caller, exc)
        return self.ctx.refused(part, caller, Refusal(None, t(caller.locale, "prompts.work_failed")))

    async def optimise(self, prompt_id: str | None, version: Any, model: str | None, budget: Any, rounds: Any,
                       held_out: Any, lang: str, request: gr.Request) -> AsyncIterator[tuple[Any, ...]]:
        """Optimise a version on the cases: each round as it ends, then the outcome and the new version."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            seed = number_of(version)
            if seed is None:
                raise Refusal("opt_version", t(caller.locale, "prompts.choose_version"))
            settings = self._settings(caller, budget, rounds, held_out)
            model = self.ctx.model_or_default(model)
        except (WorkbenchError, Refusal) as exc:
            yield self.ctx.refused("optimise", caller, exc)
            return
        seen: list[Any] = []
        yield self.ctx.accepted("optimise", caller, opt_notice="", opt_progress=t(caller.locale, "prompts.starting"),
                                opt_plot=None, opt_rounds_table="", opt_result="", opt_diff="",
                                opt_new_version="", opt_label_btn=gr.update(visible=False))

        def work(emit: Callable[[Any], None], cancelled: Callable[[], bool]) -> Any:
            return self.ctx.ps.optimise(caller.user_id, prompt.id, seed, model, settings=settings, on_round=emit,
                                        cancelled=cancelled)

        async for kind, item in working(work):
            if kind == "event":
                seen.append(item)
                yield self.ctx.accepted(
                    "optimise", caller, opt_plot=view.rounds_frame(seen, caller.locale),
                    opt_rounds_table=view.rounds_html(seen, caller.locale),
                    opt_progress=t(caller.locale, "prompts.round_progress", round=item.number, calls=item.calls,
                                   budget=settings.budget))
            elif kind == "error":
                yield self._failed("optimise", caller, item)
            else:
                yield self._outcome(caller, prompt.id, *item)

    def _settings(self, caller: Any, budget: Any, rounds: Any, held_out: Any) -> Settings:
        try:
            spend, most = _int(budget, BUDGET), _int(rounds, ROUNDS)
        except (TypeError, ValueError):
            raise Refusal("opt_budget", t(caller.locale, "prompts.bad_budget", most=MOST_BUDGET)) from None
        if not 1 <= spend <= MOST_BUDGET:
            raise Refusal("opt_budget", t(caller.locale, "prompts.bad_budget", most=MOST_BUDGET))
        if not 1 <= most <= MOST_ROUNDS:
            raise Refusal("opt_rounds", t(caller.locale, "prompts.bad_rounds", most=MOST_ROUNDS))
        share = HELD_OUT if held_out in (None, "") else float(held_out)
        return Settings(budget=spend, rounds=most, held_out=share)

    def _outcome(self, caller: Any, prompt_id: str, outcome: Any, made: Any) -> tuple[Any, ...]:
        locale = caller.locale
        before, after = outcome.seed_held_out, outcome.best_held_out
        result = t(locale, "prompts.opt_score", before=f"{before:.2f}", after=f"{after:.2f}", calls=outcome.calls,
                   stopped=view.word(locale, "stopped", outcome.stopped))
        if made is not None:
            result += "\n\n" + t(locale, "prompts.opt_saved", version=made.number)
        else:
            result += "\n\n" + t(locale, "prompts.opt_nothing")
        prompt = self.ctx.prompt(caller, prompt_id)
        opened = self.ctx.opened(caller, prompt, made.number if made is not None else None)
        return self.ctx.accepted(
            "optimise", caller, opt_notice="", opt_progress=t(locale, "prompts.opt_done"), opt_result=result,
            opt_diff=view.diff_html(review(outcome.seed, outcome.best).diff) if made is not None else "",
            **{**self.ctx.lists(caller), **opened, "opt_new_version": str(made.number) if made is not None else "",
               "opt_label_btn": gr.update(visible=made is not None)})

    def label_optimised(self, prompt_id: str | None, version: str | None, lang: str,
                        request: gr.Request) -> tuple[Any, ...]:
        """The optimiser's new version labelled production."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id)
            number = number_of(version)
            if number is None:
                raise Refusal("opt_version", t(caller.locale, "prompts.choose_version"))
            prompt = self.ctx.ps.library.set_label(caller.user_id, prompt.id, "production", number)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("optimise", caller, exc)
        said = t(caller.locale, "prompts.label_set", label="production", version=number)
        return self.ctx.accepted("optimise", caller, opt_notice=f"✅ {literal(said)}", **self.ctx.lists(caller),
                                 **self.ctx.opened(caller, prompt, number))
