"""The prompt page's handlers on real services: a real opened gateway (accounts; its catalogue's only chat model is
the prompt-aware fake), the workbench store, the prompt studio calling a real gateway process (``python launch.py``)
in front of that fake model (``tests.fakes.prompt_model``) — so generating, improving, running and optimising are
seen to work, deterministically.

Handlers are called as Gradio calls them (their inputs, the page language, a stub request with the signed-in user);
their outputs are read by name (``app.prompts.states.OUTPUTS``) as the page shows them.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import pytest

from app.prompts.page import PromptsPage
from app.prompts.states import named
from launch import AccountDirectory
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.handler_outputs import choices, marked, value
from tests.app.pages import PASSWORD
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.chat_server import models_yaml
from tests.fakes.prompt_model import CITIES, JSON_SENTENCE, MODEL, start_prompt_model
from tests.workbench.prompt_world import CITY_PROMPT
from workbench.kb.access import Access
from workbench.kb.teams import Teams
from workbench.prompt_studio.service import PromptStudio
from workbench.schema import open_store
from workbench.store import store_path

NOT_FOUND = "No such prompt, or it is not shared with you."


def req(username: str | None, locale: str = "en", query: dict[str, str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": locale}, query_params=query or {})


def call(site, name: str, username: str, *args: Any, lang: str = "en", query: dict | None = None) -> Any:
    """A handler as Gradio calls it: its outputs by name (a stream: each step's, in order)."""
    result = getattr(site.page, name)(*args, lang, req(username, lang, query))
    if inspect.isasyncgen(result):
        async def drain() -> list:
            return [named(step) async for step in result]
        return aio.run(drain())
    return named(result)








@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prompts-page")
    model = start_prompt_model()
    (tmp / "proc").mkdir()
    config = models_yaml(tmp / "proc", model.url, chat=[MODEL])
    process = GatewayProcess(tmp / "proc", config=config)
    gw = opened_gateway(tmp / "gateway", MAAS_CONFIG=str(config))
    ids = {name: gw.accounts.create_user(name, PASSWORD).id for name in ("alice", "bob")}
    store = open_store(store_path(tmp / "workbench"))
    users = AccountDirectory(gw.accounts)
    try:
        process.start()
        studio = PromptStudio.open(store, users, base_url=process.url + "/v1", key_for=lambda user_id: MASTER_KEY)
        team = Teams(store, Access(store), users).create(ids["alice"], "City Lab")
        yield SimpleNamespace(gw=gw, ids=ids, store=store, studio=studio, model=model, team=team,
                              page=PromptsPage(gw, studio))
    finally:
        process.stop()
        model.stop()
        store.close()
        gw.store.close()


def csv_file(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_alice_writes_tests_runs_optimises_and_labels_a_prompt(site, tmp_path) -> None:
    site.model.mode = "good"
    loaded = call(site, "load", "alice")
    assert "No prompts yet" in loaded["lib_table"]
    assert value(loaded["gen_model"]) == MODEL and choices(loaded["gen_model"]) == [(MODEL, MODEL)]
    assert choices(loaded["new_team"]) == [("Personal space", ""), ("City Lab", site.team.id)]
    assert loaded["open_tabs"]["visible"] is False

    # generate: the model fills the system and user boxes; alice writes her own system part before creating
    generated = call(site, "generate", "alice", "Find the city a person lives in, from a sentence, as JSON.", "text",
                     MODEL)
    assert generated["lib_notice"].startswith("✅")
    assert "JSON" in value(generated["new_system"]) and "{{text}}" in value(generated["new_user"])
    refused = call(site, "create", "alice", "cities!", "", "", CITY_PROMPT.system, "{{text}}", "")
    assert "cannot be a prompt's name" in marked(refused, "new_name") and refused["lib_notice"].startswith("⚠️")
    created = call(site, "create", "alice", "cities", "", "Finds a city", CITY_PROMPT.system, "{{text}}", "")
    assert "Created “cities” with its version 1." in created["lib_notice"]
    prompt_id = created["prompt_box"]
    assert created["prompt_name"] == "cities" and "cities" in created["lib_table"]
    assert value(created["edit_system"]) == CITY_PROMPT.system and created["open_tabs"]["visible"] is True
    assert [label for label, _ in choices(created["edit_version"])] == ["v1 · written"]

    # edit: a version that drops "at most 3 words" is refused with the checklist, until "save anyway"
    dropped = call(site, "save_version", "alice", prompt_id, "1", "Find the city the person lives in.", "{{text}}",
                   "", None, None, False)
    assert "drops 1 requirement" in marked(dropped, "edit_override")
    assert "✗" in dropped["edit_checklist"] and "at most 3 words" in dropped["edit_checklist"]
    saved = call(site, "save_version", "alice", prompt_id, "1", CITY_PROMPT.system + " Be brief.", "{{text}}",
                 MODEL, 0.2, 64, False)
    assert "Saved as version v2." in saved["edit_notice"] and value(saved["edit_version"]) == "2"
    v2 = site.studio.library.version(site.ids["alice"], prompt_id, 2)
    assert (v2.params.temperature, v2.params.max_tokens, v2.params.model) == (0.2, 64, MODEL)

    # improve: a rewrite that drops a requirement is blocked until "accept anyway"
    site.model.mode = "drop"
    improved = call(site, "improve", "alice", prompt_id, "1", "Say the output format", MODEL)
    site.model.mode = "good"
    assert "drops 1 requirement" in improved["imp_notice"] and "output format" in improved["imp_critique"]
    assert '<div class="ps-add">+' in improved["imp_diff"] and JSON_SENTENCE in improved["imp_diff"]
    assert '<div class="ps-del">-' in improved["imp_diff"]
    assert "✗ Dropped: the constraint" in improved["imp_checklist"] and "✓ Kept" in improved["imp_checklist"]
    state = improved["imp_state"]
    blocked = call(site, "accept", "alice", prompt_id, state, False)
    assert "The rewrite drops 1 requirement" in marked(blocked, "imp_override")
    accepted = call(site, "accept", "alice", prompt_id, state, True)
    assert "Saved as version v3." in accepted["imp_notice"]
    assert choices(accepted["edit_version"])[0][0] == "v3 · improved"

    # cases: a file without the template's variable is refused naming the row and the column, then 10 cities
    bad = call(site, "import_cases", "alice", prompt_id,
               csv_file(tmp_path, "bad.csv", "sentence,expected\nI live in Paris,Paris\n"))
    assert "Case 1 has no value for “text”" in marked(bad, "cases_table") and bad["cases_notice"].startswith("⚠️")
    rows = "".join(f'I live in {city},"{{""city"": ""{city}""}}"\n' for city in CITIES[:10])
    imported = call(site, "import_cases", "alice", prompt_id,
                    csv_file(tmp_path, "cities.csv", "text,expected\n" + rows))
    assert "Added 10 cases from the file; the table has 10." in imported["cases_notice"]
    table = value(imported["cases_table"])
    assert list(table.columns) == ["text", "Expected answer", "Criteria", "Drafted"] and len(table) == 10
    assert table.iloc[0].tolist() == ["I live in Paris", '{"city": "Paris"}', "", ""]
    exported = call(site, "export_csv", "alice", prompt_id)["download"]
    assert '"name": "cities-cases.csv"' in exported and "data:text/csv;base64," in exported

    # graders: a bad one is refused naming its field; json_match is added
    bad_grader = call(site, "add_grader", "alice", prompt_id, "regex", "(", 0, False, 1)
    assert "regular expression does not compile" in marked(bad_grader, "grader_value")
    graded = call(site, "add_grader", "alice", prompt_id, "json_match", "", 0, False, 1)
    assert "Same JSON as expected" in graded["graders_html"] and graded["graders_notice"] == "✅ Grader added."

    # run: v1 (no JSON asked) against v3 (the improved one), with progress as the cells come
    steps = call(site, "run", "alice", prompt_id, ["1", "3"], [MODEL], MODEL)
    progress = [s["run_progress"] for s in steps if isinstance(s["run_progress"], str)]
    assert "1 / 20 answers" in progress and "20 / 20 answers" in progress
    last = steps[-1]
    assert last["run_progress"] == "Done: 20 answers graded."
    assert last["run_plot"].to_dict("records") == [{"version": f"v1 · {MODEL}", "score": 0.0},
                                                   {"version": f"v3 · {MODEL}", "score": 1.0}]
    assert "10/10" in last["run_summary"] and "0/10" in last["run_summary"]
    assert "I live in" not in last["run_cells"] and "Paris" in last["run_cells"]
    assert "expected" in last["run_cells"].lower()          # the graders' feedback, in the page's language

    # optimise v1: each round as it ends, then the outcome, the diff and the new version, labelled production
    steps = call(site, "optimise", "alice", prompt_id, "1", MODEL, 60, 2, 0.3)
    rounds = [s for s in steps if isinstance(s["opt_rounds_table"], str) and "starting point" in s["opt_rounds_table"]]
    assert rounds and set(rounds[-1]["opt_plot"]["series"]) == {"Training", "Held-out"}
    last = steps[-1]
    assert "Held-out score 0.00 → 1.00" in last["opt_result"] and "New version **v4** saved." in last["opt_result"]
    assert JSON_SENTENCE in last["opt_diff"] and 'class="ps-add"' in last["opt_diff"]
    assert last["opt_new_version"] == "4" and last["opt_label_btn"]["visible"] is True
    labelled = call(site, "label_optimised", "alice", prompt_id, "4")
    assert "The label production is on version v4." in labelled["opt_notice"]
    assert "production=v4" in labelled["head"]
    _, version = site.studio.library.resolve(site.ids["alice"], "cities", label="production")
    assert JSON_SENTENCE in version.template.system and "Use at most 3 words." in version.template.system

    # a reload with ?prompt=cities opens it again
    again = call(site, "load", "alice", query={"prompt": "cities"})
    assert again["prompt_box"] == prompt_id and "production=v4" in again["head"]
    assert "production=v4" in again["lib_table"]

    # cases drafted by the model are marked until accepted; the table saved as edited
    drafted = call(site, "draft", "alice", prompt_id, "People say where they live", 5, MODEL)
    assert "The model drafted 5 cases" in drafted["cases_notice"]
    table = value(drafted["cases_table"])
    assert len(table) == 10 and table["Drafted"].tolist().count("yes") == 5     # the same cities, now drafted
    accepted = value(call(site, "accept_drafted", "alice", prompt_id)["cases_table"])
    assert accepted["Drafted"].tolist().count("yes") == 0
    edited = accepted.iloc[:3].copy()
    edited.iloc[0, 1] = '{"city": "Paris, France"}'
    saved = call(site, "save_cases", "alice", prompt_id, edited)
    assert saved["cases_notice"] == "✅ Saved: 3 cases."
    assert site.studio.casebook.cases(site.ids["alice"], prompt_id)[0].expected == '{"city": "Paris, France"}'


def test_bob_sees_nothing_of_alices_private_prompt(site) -> None:
    alice, bob = site.ids["alice"], site.ids["bob"]
    secret = site.studio.library.create(alice, "合同抽取", CITY_PROMPT, description="从合同中抽取城市和金额")
    assert "合同抽取" in call(site, "search", "alice", "城市")["lib_table"]        # Chinese search works for her
    assert "合同抽取" not in call(site, "search", "bob", "城市")["lib_table"]
    loaded = call(site, "load", "bob", query={"prompt": "合同抽取"})
    assert "合同抽取" not in loaded["lib_table"] + loaded["square_table"] + str(loaded["lib_pick"])
    assert NOT_FOUND in loaded["lib_notice"] and loaded["prompt_box"] == ""
    opened = call(site, "open_prompt", "bob", secret.id)
    assert NOT_FOUND in opened["lib_notice"] and "从合同" not in str(opened)
    steps = call(site, "run", "bob", secret.id, ["1"], [MODEL], MODEL)
    assert len(steps) == 1 and NOT_FOUND in steps[0]["run_notice"]
    assert NOT_FOUND in call(site, "delete", "bob", secret.id, True)["manage_notice"]
    assert site.studio.library.get(alice, secret.id).name == "合同抽取"
    # published, the square shows it to bob, who may fork it but not change it
    call(site, "publish", "alice", secret.id)
    square = call(site, "load", "bob")["square_table"]
    assert "合同抽取" in square
    forked = call(site, "fork_square", "bob", secret.id, "我的合同抽取")
    assert "“我的合同抽取” is your copy" in forked["square_notice"]
    assert site.studio.library.by_name(bob, "我的合同抽取").role == "owner"
    assert "You cannot" in call(site, "save_version", "bob", secret.id, "1", "x", "{{text}}", "", None, None,
                                False)["edit_notice"]


def test_the_page_speaks_chinese(site) -> None:
    loaded = call(site, "load", "alice", lang="zh-CN")
    assert choices(loaded["new_team"])[0] == ("个人空间", "")
    refused = call(site, "create", "alice", "  ", "", "", "", "", "", lang="zh-CN")
    assert "不能作为提示词名称" in marked(refused, "new_name")
    run = call(site, "run", "alice", "", ["1"], [MODEL], MODEL, lang="zh-CN")
    assert "没有这个提示词" in run[0]["run_notice"]


def test_a_prompt_goes_to_promptfoo_and_back_and_is_one_click_from_a_chat(site, tmp_path) -> None:
    import base64
    import json

    alice = site.ids["alice"]
    prompt = site.studio.library.create(alice, "cities-yaml", CITY_PROMPT)
    site.studio.casebook.replace(alice, prompt.id, [])
    opened = call(site, "open_prompt", "alice", prompt.id)
    assert '<a class="ps-use-chat" href="/chat?prompt=cities-yaml"' in opened["head"] and "Use in a chat" in \
        opened["head"]
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text("""
prompts:
  - '[{"role": "system", "content": "Say the city as JSON."}, {"role": "user", "content": "{{text}}"}]'
tests:
  - vars: {text: I live in Paris}
    assert: [{type: equals, value: '{"city": "Paris"}'}, {type: javascript, value: output.length < 99}]
  - vars: {text: I live in Lyon}
    assert: [{type: equals, value: '{"city": "Lyon"}'}]
""", encoding="utf-8")
    imported = call(site, "import_cases", "alice", prompt.id, str(config))
    notice = imported["cases_notice"]
    assert "1 prompt(s) added as new versions, 2 cases added (the table has 2), 1 grader(s)" in notice
    assert "Not imported: tests[0].assert[1]: assert type javascript has no grader here" in notice
    assert [label for label, _ in choices(imported["edit_version"])][0] == "v2 · imported · promptfoo"
    assert value(imported["cases_table"])["Expected answer"].tolist() == ['{"city": "Paris"}', '{"city": "Lyon"}']
    exported = json.loads(call(site, "export_yaml", "alice", prompt.id)["download"])
    assert exported["name"] == "cities-yaml-promptfooconfig.yaml"
    text = base64.b64decode(exported["url"].split(",", 1)[1]).decode()
    assert "cities-yaml@v1" in text and "cities-yaml@v2" in text and "type: equals" in text
    assert NOT_FOUND in call(site, "export_yaml", "bob", prompt.id)["cases_notice"]
