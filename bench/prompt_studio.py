"""The prompt studio on the embedded model: a hand-written prompt, a generated one and an optimised one, scored on the
same held-out cases, side by side in one run.

    python bench/prompt_studio.py                              # every task of bench/data/prompt_tasks.json
    python bench/prompt_studio.py --tasks 2 --budget 12 --rounds 1 --no-write        # a smoke run
    python bench/prompt_studio.py --optimise 10 --budget 30     # A/B on every task, optimisation on the first 10
    python bench/prompt_studio.py --url http://127.0.0.1:7860   # a gateway already running (MAAS_MASTER_KEY)

Starts ``python launch.py`` with the embedded models on a fresh data dir (bench/kb_common.py) unless ``--url``. Per
task, through ``PromptStudio`` with a DuckDB store of its own and the gateway's ``/v1`` (the master key):
* the cases are split once (``splits.split``, ``--held-out`` of them, seed ``--seed``), exactly as the optimiser
  splits them, so all three prompts are scored on the same held-out cases;
* (a) baseline: the task's hand-written template; (b) generated: ``PromptStudio.generate`` from the task's
  description (and its variable names); both scored on the held-out cases with the task's code graders
  (``matrix.run_matrix``, temperature 0, the matrix's default 512-token cap);
* (c) optimised: ``PromptStudio.optimise`` from the baseline (stored as a library prompt with all the cases and the
  graders), ``Settings(budget, rounds, held_out, seed)``; its ``Outcome.best_held_out``, ``calls`` and wall time.
  The baseline's held-out answers are already in the store's cache, so the optimiser's seed held-out score costs no
  call (a user who ran the matrix first gets the same).
First all tasks for (a) and (b), then (c) on the first ``--optimise`` tasks (default: all) while ``--minutes`` last.
Writes bench/results/prompt_studio.json after every task and the table of bench/README.md's "Prompt studio" section.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.kb_common import CHAT, USER, Directory, machine  # noqa: E402
from bench.run_gateway import MASTER_KEY  # noqa: E402
from workbench.prompt_studio.cases import Case, with_id  # noqa: E402
from workbench.prompt_studio.graders import Grader, check_grader  # noqa: E402
from workbench.prompt_studio.matrix import Column, Evaluator, run_matrix, summarise  # noqa: E402
from workbench.prompt_studio.optimise import Settings  # noqa: E402
from workbench.prompt_studio.service import PromptStudio  # noqa: E402
from workbench.prompt_studio.splits import split  # noqa: E402
from workbench.prompt_studio.templates import Template  # noqa: E402
from workbench.schema import open_store  # noqa: E402

TASKS = BENCH / "data" / "prompt_tasks.json"
RESULT = BENCH / "results" / "prompt_studio.json"
README = BENCH / "README.md"
BEGIN, END = "<!-- prompt_studio:begin -->", "<!-- prompt_studio:end -->"


def load(path: Path) -> list[dict]:
    """The tasks, each with its cases (``Case`` with ids) and checked graders."""
    tasks = json.loads(path.read_text(encoding="utf-8"))["tasks"]
    for t in tasks:
        t["case_objs"] = [with_id(Case(c["vars"], c["expected"])) for c in t["cases"]]
        t["grader_objs"] = [check_grader(Grader(**g), f"{t['name']}.graders[{i}]") for i, g in enumerate(t["graders"])]
    return tasks


def held_out_score(studio: PromptStudio, store, task: dict, template: Template, held: list[Case], key: str,
                   model: str) -> tuple[float, int, float, str]:
    """(mean score, passed, seconds, the first failed answer) of ``template`` on the held-out cases."""
    evaluator = Evaluator(store, studio.chat(USER), task["grader_objs"])
    started = time.perf_counter()
    cells = run_matrix(evaluator, [Column(key, template)], held, [model], parallel=2)
    [summary] = summarise(cells)
    failed = next((cell.output[:160] for cell in cells if not cell.passed), "")
    return summary.score, summary.passed, round(time.perf_counter() - started, 1), failed


def compare(studio: PromptStudio, store, task: dict, args: argparse.Namespace) -> dict:
    """(a) the baseline and (b) the generated prompt on the held-out cases."""
    held = split(task["case_objs"], args.held_out, seed=str(args.seed)).held_out
    baseline = Template(task["baseline"]["system"], task["baseline"]["user"])
    names = baseline.variables()
    started = time.perf_counter()
    try:
        generated = studio.generate(USER, task["task"], model=args.model, variables=names)
        gen_error = ""
    except Exception as failed:            # noqa: BLE001 - a refusal is a result here
        generated, gen_error = None, getattr(failed, "message", None) or repr(failed)
    gen_s = round(time.perf_counter() - started, 1)
    base_score, base_passed, base_s, base_failed = held_out_score(studio, store, task, baseline, held, "baseline",
                                                                  args.model)
    row = {"task": task["name"], "lang": task["lang"], "held_out": len(held), "baseline": base_score,
           "baseline_passed": base_passed, "baseline_s": base_s, "baseline_failed_answer": base_failed,
           "generate_s": gen_s}
    if generated is None:
        row.update(generated=0.0, generated_passed=0, generated_error=str(gen_error))
    else:
        score, passed, seconds, failed = held_out_score(studio, store, task, generated, held, "generated",
                                                        args.model)
        row.update(generated=score, generated_passed=passed, generated_s=seconds, generated_failed_answer=failed,
                   generated_prompt={"system": generated.system, "user": generated.user})
    return row


def optimise(studio: PromptStudio, task: dict, args: argparse.Namespace) -> dict:
    """(c) the optimiser from the baseline: its held-out scores, calls and seconds."""
    baseline = Template(task["baseline"]["system"], task["baseline"]["user"])
    prompt = studio.library.create(USER, task["name"], baseline, description=task["task"])
    studio.casebook.replace(USER, prompt.id, task["case_objs"])
    studio.casebook.set_graders(USER, prompt.id, task["grader_objs"])
    settings = Settings(budget=args.budget, rounds=args.rounds, held_out=args.held_out, seed=args.seed)
    started = time.perf_counter()
    outcome, version = studio.optimise(USER, prompt.id, 1, args.model, settings=settings)
    seconds = round(time.perf_counter() - started, 1)
    events = [r.event for r in outcome.rounds[1:]]
    return {"optimised": outcome.best_held_out, "seed_held_out": outcome.seed_held_out,
            "seed_train": outcome.seed_train, "best_train": outcome.best_train, "calls": outcome.calls,
            "optimise_s": seconds, "rounds": len(outcome.rounds) - 1, "events": events, "stopped": outcome.stopped,
            "changed": version is not None,
            "optimised_prompt": {"system": outcome.best.system, "user": outcome.best.user,
                                 "examples": len(outcome.best.examples)}}


def mean(values: list[float]) -> float | None:
    return round(statistics.mean(values), 3) if values else None


def summary(rows: list[dict]) -> dict:
    opt = [r for r in rows if "optimised" in r]
    return {"tasks": len(rows), "baseline_mean": mean([r["baseline"] for r in rows]),
            "generated_mean": mean([r["generated"] for r in rows]),
            "optimised_tasks": len(opt), "baseline_mean_on_optimised": mean([r["baseline"] for r in opt]),
            "generated_mean_on_optimised": mean([r["generated"] for r in opt]),
            "optimised_mean": mean([r["optimised"] for r in opt]),
            "calls_mean": mean([r["calls"] for r in opt]), "optimise_s_mean": mean([r["optimise_s"] for r in opt]),
            "optimised_better": sum(r["optimised"] > r["baseline"] for r in opt),
            "optimised_worse": sum(r["optimised"] < r["baseline"] for r in opt),
            "generated_errors": sum("generated_error" in r for r in rows),
            "generated_better": sum(r["generated"] > r["baseline"] for r in rows),
            "generated_worse": sum(r["generated"] < r["baseline"] for r in rows)}


def table(result: dict) -> str:
    """The README's figures table."""
    s = result["summary"]
    lines = ["| task | lang | held-out | baseline | generated | optimised | calls | seconds |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in result["rows"]:
        opt = r.get("optimised")
        made = f"{r['generated']:.2f}" + (" (error)" if "generated_error" in r else "")
        lines.append(f"| {r['task']} | {r['lang']} | {r['held_out']} | {r['baseline']:.2f} | {made} | "
                     + (f"{opt:.2f} | {r['calls']} | {r['optimise_s']:.0f} |" if opt is not None else "– | – | – |"))
    lines.append(f"| **mean, {s['tasks']} tasks** | | | **{s['baseline_mean']:.3f}** | **{s['generated_mean']:.3f}** "
                 "| | | |")
    if s["optimised_tasks"]:
        lines.append(f"| **mean, the {s['optimised_tasks']} optimised tasks** | | | "
                     f"**{s['baseline_mean_on_optimised']:.3f}** | **{s['generated_mean_on_optimised']:.3f}** | "
                     f"**{s['optimised_mean']:.3f}** | {s['calls_mean']:.1f} | {s['optimise_s_mean']:.0f} |")
    return "\n".join(lines)


def write(result: dict, args: argparse.Namespace) -> None:
    rows = result.pop("earlier", []) + result["rows"]
    order = {t["name"]: i for i, t in enumerate(json.loads(args.data.read_text(encoding="utf-8"))["tasks"])}
    result["rows"] = sorted(rows, key=lambda r: order.get(r["task"], len(order)))
    result["summary"] = summary(result["rows"])
    if args.no_write:
        return
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        README.write_text(f"{head}{BEGIN}\n{table(result)}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def run(url: str, args: argparse.Namespace) -> dict:
    models = httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=60).json()
    tasks = load(args.data)[args.skip:][: args.tasks or None]
    if args.only:
        tasks = [t for t in tasks if t["name"] in args.only.split(",")]
    result = {"machine": machine(), "model": args.model, "models_served": [m["id"] for m in models["data"]],
              "settings": {"held_out": args.held_out, "seed": args.seed, "budget": args.budget,
                           "rounds": args.rounds},
              "commands": ["python bench/prompt_studio.py " + " ".join(sys.argv[1:])], "rows": []}
    if args.append and RESULT.exists():                 # a run over other tasks: its rows kept, in task order
        before = json.loads(RESULT.read_text(encoding="utf-8"))
        result["commands"] = (before.get("commands") or [before.get("command", "")]) + result["commands"]
        result["earlier"] = [r for r in before["rows"] if r["task"] not in {t["name"] for t in tasks}]
    print("models:", result["models_served"], flush=True)
    with tempfile.TemporaryDirectory(prefix="prompt-studio-bench-") as tmp:
        store = open_store(Path(tmp) / "workbench.duckdb")
        try:
            studio = PromptStudio.open(store, Directory(), base_url=f"{url}/v1", key_for=lambda _user: MASTER_KEY)
            for task in tasks:
                row = compare(studio, store, task, args)
                result["rows"].append(row)
                print(json.dumps({k: v for k, v in row.items() if not k.endswith("_prompt")}, ensure_ascii=False),
                      flush=True)
                write(result, args)
            deadline = time.monotonic() + args.minutes * 60
            count = len(tasks) if args.optimise is None else args.optimise
            by_name = {r["task"]: r for r in result["rows"]}
            for task in tasks[:count]:
                row = by_name[task["name"]]
                if time.monotonic() > deadline:
                    print("time is up: optimisation stops here", flush=True)
                    break
                row.update(optimise(studio, task, args))
                print(json.dumps({k: row[k] for k in ("task", "baseline", "seed_held_out", "optimised", "calls",
                                                      "optimise_s", "events", "stopped")}, ensure_ascii=False),
                      flush=True)
                write(result, args)
        finally:
            store.close()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", type=int, default=0, help="only the first N tasks (default: all)")
    p.add_argument("--skip", type=int, default=0, help="leave out the first N tasks (with --append: a later run)")
    p.add_argument("--only", help="only these tasks (names, comma-separated)")
    p.add_argument("--append", action="store_true", help="keep the other tasks' rows of the last results file")
    p.add_argument("--optimise", type=int, help="optimise only the first N tasks (default: all; 0: none)")
    p.add_argument("--minutes", type=float, default=600, help="start no optimisation after this many minutes of it")
    p.add_argument("--budget", type=int, default=30, help="model calls per optimisation (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=6, help="optimiser rounds at most (default: %(default)s)")
    p.add_argument("--held-out", type=float, default=0.3, help="share of the cases held out (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="the split's and the optimiser's seed")
    p.add_argument("--model", default=CHAT)
    p.add_argument("--data", type=Path, default=TASKS)
    p.add_argument("--url", help="a gateway already running (its master key is MAAS_MASTER_KEY's bench default)")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--render", action="store_true", help="only rewrite the summary and README table of the last "
                   "results")
    args = p.parse_args(argv)
    if args.render:
        result = json.loads(RESULT.read_text(encoding="utf-8"))
        write(result, args)
    elif args.url:
        result = run(args.url.rstrip("/"), args)
    else:
        from bench.kb_common import start_embedded_gateway

        with tempfile.TemporaryDirectory(prefix="maas-bench-prompt-") as tmp:
            gw, url = start_embedded_gateway(Path(tmp))
            try:
                result = run(url, args)
            finally:
                gw.stop()
    print(json.dumps(result["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
