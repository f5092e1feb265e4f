"""The prompt studio's whole flow once with the embedded 0.5B model behind the real gateway: generate a prompt for a
Chinese extraction task, add cases, run the matrix, optimise for one round. What is asserted is the structure and
that the scores are measured and recorded, not the model's wording (a 0.5B model's). Drafting cases is seen with
the prompt-aware fake (tests/workbench/test_prompt_studio.py): here it would only add minutes of CI."""

from __future__ import annotations

import pytest

from tests.conftest import MASTER_KEY
from tests.workbench.kb_world import Directory
from workbench.prompt_studio.cases import Case, with_id
from workbench.prompt_studio.graders import Grader
from workbench.prompt_studio.optimise import Settings
from workbench.prompt_studio.service import PromptStudio
from workbench.schema import open_store

MODEL = "qwen2.5-coder:0.5b"
TASK = "从{{句子}}中抽取人名和城市，输出 JSON，键为 name 和 city。"
CASES = [with_id(Case({"句子": sentence}, expected)) for sentence, expected in (
    ("张伟住在北京。", '{"name": "张伟", "city": "北京"}'),
    ("李娜在上海工作。", '{"name": "李娜", "city": "上海"}'),
    ("王芳来自广州。", '{"name": "王芳", "city": "广州"}'))]


@pytest.fixture()
def studio(tmp_path, embedded_gateway):
    store = open_store(tmp_path / "workbench.duckdb")
    users = Directory("alice")
    yield PromptStudio.open(store, users, base_url=embedded_gateway.url + "/v1",
                            key_for=lambda user_id: MASTER_KEY), users.ids["alice"]
    store.close()


def test_generate_draft_run_and_optimise_with_the_embedded_model(studio):
    studio, alice = studio
    template = studio.generate(alice, TASK, model=MODEL)
    headings = [line for line in template.system.splitlines() if line.startswith("# ")]
    assert headings == ["# 角色", "# 背景", "# 指令", "# 约束", "# 输出格式"]
    assert template.user == "{{句子}}" and template.variables() == ["句子"]

    prompt = studio.library.create(alice, "人名城市抽取", template, description="中文抽取")
    studio.casebook.replace(alice, prompt.id, CASES)
    studio.casebook.set_graders(alice, prompt.id, [Grader("json_match")])

    cells = studio.run_matrix(alice, prompt.id, [1], [MODEL])
    assert len(cells) == 3 and all(0.0 <= cell.score <= 1.0 and cell.error is None for cell in cells)
    assert all(cell.prompt_tokens > 0 and cell.latency_ms > 0 and cell.feedback.zh for cell in cells)
    [score] = [s for s in studio.library.version(alice, prompt.id, 1).scores if s.part == "all"]
    assert (score.model, score.cases) == (MODEL, 3)
    assert score.score == pytest.approx(sum(cell.score for cell in cells) / 3, abs=1e-4)

    rounds = []
    outcome, version = studio.optimise(alice, prompt.id, 1, MODEL, on_round=rounds.append,
                                       settings=Settings(budget=10, rounds=1, minibatch=2))
    assert rounds[0].event == "seed" and len(rounds) >= 1 and rounds == outcome.rounds
    assert len(outcome.held_out_ids) == 1 and len(outcome.train_ids) == 2
    assert 0.0 <= outcome.best_held_out <= 1.0 and outcome.stopped in ("budget", "rounds", "perfect", "finished",
                                                                        "no_improvement")
    parts = {s.part for s in studio.library.version(alice, prompt.id, 1).scores}
    assert parts == {"all", "train", "held_out"}
    if version is not None:                       # the model's rewrite passed both checks and did better
        assert version.source == "optimised" and version.parent == 1 and "{{句子}}" in version.template.user
