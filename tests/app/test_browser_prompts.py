"""The prompt studio in a real browser against the real ``python launch.py`` whose only model is the prompt-aware fake
(``tests.fakes.prompt_model``, behind the gateway's ``/v1`` like any upstream model), then the prompt over the API.

Alice generates a prompt from a task (and writes her own system part over the model's), imports 10 test cases from a
CSV file, adds a JSON grader, runs the prompt, optimises it for 2 rounds, labels the optimiser's version production
from the page, and an app with her API key fetches ``GET /prompts/v1/cities?label=production``: the optimised
template. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.app.conftest import opened_gateway
from tests.browser import box, member_key, open_page, pick, screenshot
from tests.conftest import GatewayProcess
from tests.fakes.chat_server import models_yaml
from tests.fakes.prompt_model import CITIES, JSON_SENTENCE, MODEL, start_prompt_model
from tests.workbench.prompt_world import CITY_PROMPT

pytestmark = pytest.mark.browser

ALICE = ("alice", "Alice-pass-2026")


@pytest.fixture()
def server(tmp_path):
    model = start_prompt_model()
    data = tmp_path / "data"
    gateway = opened_gateway(data)
    ids = {ALICE[0]: gateway.accounts.create_user(*ALICE).id}
    gateway.store.close()
    gw = GatewayProcess(data, config=models_yaml(tmp_path, model.url, chat=[MODEL]))
    try:
        gw.start()
        gw.ids = ids
        yield gw
    finally:
        gw.stop()
        model.stop()


def api_key(server, username: str) -> str:
    """A key of ``username``'s, made by the admin through the admin API."""
    return member_key(server.url, server.ids[username], "prompt app")


def test_alice_generates_tests_optimises_and_ships_a_prompt(browser, server, request, tmp_path) -> None:
    from playwright.sync_api import expect

    cases = tmp_path / "cities.csv"
    cases.write_text("text,expected\n" + "".join(f'I live in {c},"{{""city"": ""{c}""}}"\n' for c in CITIES[:10]),
                     encoding="utf-8")
    with open_page(browser, request, f"{server.url}/prompts", user=ALICE) as page:
        expect(page.locator("#ps-list")).to_contain_text("No prompts yet", timeout=20_000)
        page.locator("#ps-new").click()
        box(page, "ps-new-name").fill("cities")
        box(page, "ps-gen-task").fill("Find the city a person lives in, from one sentence.")
        box(page, "ps-gen-variables").fill("text")
        page.locator("#ps-generate").click()
        expect(box(page, "ps-new-system")).to_have_value(re.compile("You are an assistant who finds cities"),
                                                          timeout=30_000)
        expect(box(page, "ps-new-user")).to_have_value(re.compile(r"\{\{text\}\}"))
        box(page, "ps-new-system").fill(CITY_PROMPT.system)           # her own words over the model's
        page.locator("#ps-create").click()
        expect(page.locator("#ps-lib-notice")).to_contain_text("Created “cities” with its version 1.")
        expect(page.locator("#ps-head")).to_contain_text("cities")
        assert "prompt=cities" in page.url

        page.get_by_role("tab", name="Test cases").click()
        page.locator("#ps-cases-file input[type=file]").set_input_files(str(cases))
        expect(page.locator("#ps-cases-notice")).to_contain_text("Added 10 cases from the file; the table has 10.")
        expect(page.locator("#ps-cases")).to_contain_text("I live in Nice")
        pick(page, "ps-grader-kind", "Same JSON as expected")
        page.locator("#ps-grader-add").click()
        expect(page.locator("#ps-graders-list")).to_contain_text("Same JSON as expected")

        page.get_by_role("tab", name="Run").click()
        page.locator("#ps-run").click()
        expect(page.locator("#ps-run-progress")).to_contain_text("Done: 10 answers graded.", timeout=30_000)
        expect(page.locator("#ps-run-summary")).to_contain_text("0/10")
        screenshot(page, request, "run")

        page.get_by_role("tab", name="Optimise").click()
        page.locator("#ps-opt-rounds input").fill("2")
        page.locator("#ps-optimise").click()
        expect(page.locator("#ps-opt-result")).to_contain_text("New version v2 saved.", timeout=60_000)
        expect(page.locator("#ps-opt-result")).to_contain_text("Held-out score 0.00 → 1.00")
        expect(page.locator("#ps-opt-rounds-table")).to_contain_text("starting point")
        expect(page.locator("#ps-opt-diff .ps-add").first).to_contain_text(JSON_SENTENCE)
        page.locator("#ps-opt-label").click()
        expect(page.locator("#ps-opt-notice")).to_contain_text("The label production is on version v2.")
        expect(page.locator("#ps-head")).to_contain_text("production=v2")
        expect(page.locator("#ps-list")).to_contain_text("production=v2")
        screenshot(page, request, "optimised")

    fetched = httpx.get(f"{server.url}/prompts/v1/cities", params={"label": "production"},
                        headers={"Authorization": f"Bearer {api_key(server, 'alice')}"}, timeout=30)
    assert fetched.status_code == 200, fetched.text
    body = fetched.json()
    assert body["version"] == 2 and body["labels"] == ["production"] and body["variables"] == ["text"]
    system = body["prompt"][0]
    assert system["role"] == "system" and JSON_SENTENCE in system["content"] and "at most 3 words" in system["content"]
    assert body["prompt"][1] == {"role": "user", "content": "{{text}}"}
