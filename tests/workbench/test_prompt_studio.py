"""The prompt studio's model work through a real gateway process in front of a prompt-aware fake model (real
sockets): generating, drafting cases, improving with the requirement checklist, the matrix and its cache, and the
optimiser — the held-out score rises, a candidate that pastes an expected answer or drops a constraint is refused,
and the held-out cases never reach the reflection model."""

from __future__ import annotations

import json

import pytest

from tests.fakes.prompt_model import CITIES, JSON_SENTENCE, MODEL
from tests.workbench.prompt_world import CITY_PROMPT, city_cases, prompt_world
from workbench.prompt_studio.errors import PromptInvalid
from workbench.prompt_studio.graders import Grader
from workbench.prompt_studio.optimise import Settings
from workbench.prompt_studio.splits import split

SEED = Settings().seed


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with prompt_world(tmp_path_factory.mktemp("prompt-studio"), "alice", "bob") as built:
        yield built


def made(world, name, cases=None, graders=(Grader("json_match"),)):
    alice = world.uid("alice")
    prompt = world.studio.library.create(alice, name, CITY_PROMPT)
    world.studio.casebook.replace(alice, prompt.id, cases if cases is not None else city_cases(CITIES[:10]))
    world.studio.casebook.set_graders(alice, prompt.id, list(graders))
    return alice, prompt


def test_the_optimiser_raises_the_held_out_score_without_showing_it_the_held_out_cases(world):
    alice, prompt = made(world, "cities")
    world.model.mode = "good"
    world.model.seen.clear()
    rounds = []
    outcome, version = world.studio.optimise(alice, prompt.id, 1, MODEL, settings=Settings(budget=60, rounds=3),
                                             on_round=rounds.append)

    assert (outcome.seed_held_out, outcome.best_held_out) == (0.0, 1.0)
    assert (outcome.seed_train, outcome.best_train) == (0.0, 1.0)
    assert len(outcome.held_out_ids) == 3 and len(outcome.train_ids) == 7
    assert not set(outcome.held_out_ids) & set(outcome.train_ids)
    assert [r.event for r in rounds][:2] == ["seed", "accepted"] and rounds == outcome.rounds
    assert [r.number for r in rounds] == list(range(len(rounds)))
    assert outcome.stopped == "perfect"
    # the winner keeps what the original asked and adds what fixed the failures
    assert JSON_SENTENCE in version.template.system and "Use at most 3 words." in version.template.system
    assert (version.source, version.parent, version.template.user) == ("optimised", 1, "{{text}}")
    # every model call was counted, and the held-out cases were never shown to the reflection model
    assert outcome.calls == len(world.model.requests())
    held_texts = [case.variables["text"] for case in world.studio.casebook.cases(alice, prompt.id)
                  if case.id in outcome.held_out_ids]
    reflections = [json.dumps(body["messages"]) for body, kind in zip(world.model.requests(), world.model.kinds(),
                                                                      strict=True) if kind == "reflect"]
    assert reflections and not any(text in r for text in held_texts for r in reflections)
    # the scores are kept with both versions, on which model and case set
    scores = {(v.number, s.part): s.score for v in world.studio.library.versions(alice, prompt.id) for s in v.scores}
    assert scores == {(2, "train"): 1.0, (2, "held_out"): 1.0, (1, "train"): 0.0, (1, "held_out"): 0.0}
    row = world.store.cursor().execute("SELECT status, result_version, rounds, calls FROM prompt_optimisations "
                                       "WHERE prompt_id = ?", [prompt.id]).fetchone()
    assert row[:2] == ("finished", 2) and len(json.loads(row[2])) == len(rounds) and row[3] == outcome.calls


def test_a_candidate_that_pastes_an_expected_answer_is_refused(world):
    cases = city_cases(CITIES[:10])
    held = split(cases, 0.3, seed=str(SEED)).held_out[0]
    alice, prompt = made(world, "cities-copy", cases)
    world.model.mode, world.model.paste = "copy", held.expected
    outcome, version = world.studio.optimise(alice, prompt.id, 1, MODEL, settings=Settings(budget=40, rounds=2))
    refused = [r for r in outcome.rounds if r.event == "refused_copy"]
    assert refused and refused[0].part == "system" and '"city"' in refused[0].detail
    assert version is None and outcome.best == CITY_PROMPT
    assert outcome.best_held_out == outcome.seed_held_out == 0.0


def test_a_rewrite_that_drops_a_constraint_is_refused(world):
    alice, prompt = made(world, "cities-drop")
    world.model.mode = "drop"
    outcome, version = world.studio.optimise(alice, prompt.id, 1, MODEL, settings=Settings(budget=40, rounds=2))
    refused = [r for r in outcome.rounds if r.event == "refused_requirement"]
    assert refused and "at most 3 words" in refused[0].detail
    assert version is None and outcome.best == CITY_PROMPT


def test_improving_shows_a_diff_and_a_checklist_and_a_dropped_requirement_blocks_accepting(world):
    alice, prompt = made(world, "cities-improve")
    world.model.mode = "good"
    proposal = world.studio.improve(alice, prompt.id, 1, model=MODEL)
    assert proposal.critique.startswith("- The output format")
    assert f"+{CITY_PROMPT.system} {JSON_SENTENCE}" in proposal.diff.splitlines()
    assert proposal.checks and proposal.dropped == []
    kept = world.studio.keep(alice, prompt.id, proposal, parent=1)
    assert (kept.number, kept.source, kept.parent) == (2, "improved", 1)

    world.model.mode = "drop"
    worse = world.studio.improve(alice, prompt.id, 2, model=MODEL)
    assert [c.requirement.text for c in worse.dropped] == ["Use at most 3 words."]
    with pytest.raises(PromptInvalid) as blocked:
        world.studio.keep(alice, prompt.id, worse, parent=2)
    assert blocked.value.field == "rewrite" and "at most 3 words" in blocked.value.text("en")
    assert "检查清单" in blocked.value.text("zh")
    assert [v.number for v in world.studio.library.versions(alice, prompt.id)] == [2, 1]
    forced = world.studio.keep(alice, prompt.id, worse, parent=2, override=True)
    assert "at most" not in forced.template.system


def test_generating_a_prompt_and_drafting_cases(world):
    alice = world.uid("alice")
    template = world.studio.generate(alice, "Find the city a person lives in.", model=MODEL)
    headings = [line for line in template.system.splitlines() if line.startswith("# ")]
    assert headings == ["# Role", "# Context", "# Instructions", "# Constraints", "# Output format"]
    # the fake model invents a JSON format the task never asked for: the code drops it for the plain default
    assert "JSON" not in template.system and template.user == "{{input}}"
    assert template.system.endswith("# Output format\nOnly the answer, without explanations.")
    assert "# Context\nFind the city a person lives in.\nPeople say where they live." in template.system
    zh = world.studio.generate(alice, "找出{{句子}}中提到的城市，输出 JSON。", model=MODEL)
    assert [line for line in zh.system.splitlines() if line.startswith("# ")][0] == "# 角色"
    assert zh.user == "{{句子}}"
    assert "# 背景\n找出`句子`中提到的城市，输出 JSON。\n" in zh.system           # the task as written, by name
    assert zh.system.endswith("# 输出格式\nA JSON object with the key city.")    # asked for, so kept

    prompt = world.studio.library.create(alice, "cities-drafted", template)
    drafted = world.studio.draft_cases(alice, prompt.id, "Find the city a person lives in.", model=MODEL)
    assert len(drafted) == 5 and all(case.drafted for case in drafted)
    assert drafted[0].variables == {"input": "I live in Paris"} and drafted[0].expected == '{"city": "Paris"}'
    stored = world.studio.casebook.cases(alice, prompt.id)
    assert [c.id for c in stored] == [c.id for c in drafted]
    accepted = world.studio.casebook.accept(alice, prompt.id, [drafted[0].id])
    assert [c.drafted for c in accepted] == [False, True, True, True, True]


def test_the_matrix_grades_every_cell_and_runs_again_only_what_changed(world):
    judge = Grader("judge", "The answer is a JSON object with the city.")
    fresh = ("Caen", "Pau", "Arles", "Albi")              # not asked before in this store: nothing cached yet
    alice, prompt = made(world, "cities-matrix", city_cases(fresh), graders=(Grader("json_match"), judge))
    world.studio.library.add_version(alice, prompt.id, CITY_PROMPT.__class__(
        CITY_PROMPT.system + " " + JSON_SENTENCE, CITY_PROMPT.user))
    world.model.mode = "good"
    world.model.seen.clear()
    seen = []
    cells = world.studio.run_matrix(alice, prompt.id, [1, 2], [MODEL], on_cell=lambda p: seen.append(p.done))
    assert sorted(seen) == list(range(1, 9)) and len(cells) == 8
    by_column = {column: [c for c in cells if c.column == column] for column in ("v1", "v2")}
    assert all(c.score < 0.5 and not c.passed for c in by_column["v1"])
    assert all(c.score == pytest.approx(0.95) and c.passed for c in by_column["v2"])
    assert by_column["v2"][0].output == '{"city": "Caen"}' and by_column["v2"][0].completion_tokens > 0
    feedback = by_column["v1"][0].feedback
    assert "JSON" in feedback.en and feedback.zh != feedback.en
    assert world.model.kinds().count("task") == 8 and world.model.kinds().count("judge") == 8

    world.model.seen.clear()
    again = world.studio.run_matrix(alice, prompt.id, [1, 2], [MODEL])
    assert world.model.requests() == [] and all(c.cached for c in again)
    assert [(c.column, c.case_id, c.score) for c in again] == [(c.column, c.case_id, c.score) for c in cells]
    world.studio.casebook.add(alice, prompt.id, city_cases(("Bordeaux",)))
    world.studio.run_matrix(alice, prompt.id, [1, 2], [MODEL])
    assert sorted(world.model.kinds()) == ["judge", "judge", "task", "task"]   # the new case's two cells only
    scores = {v.number: [s.score for s in v.scores if s.part == "all"]
              for v in world.studio.library.versions(alice, prompt.id)}
    assert scores[2] and scores[2][0] == pytest.approx(0.95)

    with pytest.raises(PromptInvalid) as refused:
        world.studio.run_matrix(world.uid("alice"), prompt.id, [], [MODEL])
    assert refused.value.field == "versions"
    world.studio.casebook.set_graders(alice, prompt.id, [])
    with pytest.raises(PromptInvalid) as ungraded:
        world.studio.run_matrix(alice, prompt.id, [1], [MODEL])
    assert ungraded.value.field == "graders" and "评分" in ungraded.value.text("zh")


def test_a_model_that_does_not_answer_is_said_plainly_and_ends_an_optimisation(world):
    alice, prompt = made(world, "cities-no-model", city_cases(("Agen", "Auch", "Albi")))
    cells = world.studio.run_matrix(alice, prompt.id, [1], ["no-such-model"])
    assert len(cells) == 3 and all(c.error is not None and c.score == 0 and not c.passed for c in cells)
    said = cells[0].error.text("en")
    assert said.startswith("The model did not answer (HTTP 404)") and "no-such-model" in said
    assert "Traceback" not in said and cells[0].feedback.zh.startswith("模型没有回答")
    with pytest.raises(PromptInvalid) as stopped:
        world.studio.optimise(alice, prompt.id, 1, "no-such-model", settings=Settings(budget=10, rounds=1))
    assert stopped.value.field == "model" and "did not answer any case" in stopped.value.text("en")
    status = world.store.cursor().execute("SELECT status, error_zh FROM prompt_optimisations WHERE prompt_id = ?",
                                          [prompt.id]).fetchone()
    assert status[0] == "failed" and "优化已停止" in status[1]


def test_cache_rows_written_by_cells_side_by_side_are_kept_not_errors(tmp_path):
    """Three cells writing the same grades at once: DuckDB refuses some of the writes as conflicts (6 of 900 when
    measured with plain inserts); ``keep`` keeps the row another cell wrote, and nothing fails."""
    import threading

    from workbench.prompt_studio.matrix import keep
    from workbench.schema import open_store

    store = open_store(tmp_path / "race.duckdb")
    failed: list[str] = []

    def cell() -> None:
        cur = store.cursor()
        for i in range(300):
            try:
                keep(cur, "INSERT OR REPLACE INTO prompt_grades VALUES (?, ?, ?, ?, ?)", [f"out-{i % 7}", "grader",
                                                                                        1.0, True, "{}"])
            except Exception as exc:  # noqa: BLE001 - what the user would have seen: the optimisation stopping
                failed.append(type(exc).__name__)

    try:
        threads = [threading.Thread(target=cell) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failed == []
        assert store.cursor().execute("SELECT count(*) FROM prompt_grades").fetchone() == (7,)
    finally:
        store.close()
