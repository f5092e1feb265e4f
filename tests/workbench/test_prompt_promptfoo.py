"""promptfoo-style YAML: a prompt's versions, cases and graders go out as a promptfoo config and come back the same;
a config written for promptfoo by hand comes in with what has no counterpart listed, never silently dropped."""

from __future__ import annotations

import json

import pytest
import yaml

from workbench.prompt_studio.cases import Case, with_id
from workbench.prompt_studio.errors import PromptInvalid
from workbench.prompt_studio.graders import Grader
from workbench.prompt_studio.promptfoo import export_yaml, import_yaml
from workbench.prompt_studio.records import Params
from workbench.prompt_studio.templates import Template

V1 = Template("把句子中的城市抽出来，输出 JSON。", "句子：{{句子}}")
V2 = Template("Extract the city as JSON: {\"city\": ...}.", "Sentence: {{句子}}")
CASES = [with_id(Case({"句子": "我住在成都"}, '{"city": "成都"}', "只给出城市")),
         with_id(Case({"句子": "I live in Lyon"}, '{"city": "Lyon"}'))]
GRADERS = [Grader("json_match"), Grader("regex", r"\{.*\}", weight=2.0), Grader("judge", "The answer names the city."),
           Grader("json_schema", json.dumps({"type": "object", "required": ["city"]}))]


def test_a_prompt_goes_out_as_promptfoo_yaml_and_comes_back_the_same():
    text = export_yaml("城市抽取", [(1, V1), (2, V2)], CASES, GRADERS, model="qwen2.5-0.5b",
                       params=Params(temperature=0.0, max_tokens=64))
    config = yaml.safe_load(text)
    assert [p["id"] for p in config["prompts"]] == ["城市抽取@v1", "城市抽取@v2"]
    assert json.loads(config["prompts"][0]["raw"]) == [{"role": "system", "content": V1.system},
                                                       {"role": "user", "content": "句子：{{句子}}"}]
    assert config["providers"] == [{"id": "openai:chat:qwen2.5-0.5b", "config": {"temperature": 0.0,
                                                                                  "max_tokens": 64}}]
    assert [a["type"] for a in config["defaultTest"]["assert"]] == ["regex", "is-json"]
    assert config["defaultTest"]["assert"][0]["weight"] == 2.0
    first = config["tests"][0]
    assert first["vars"] == {"句子": "我住在成都"}
    assert [(a["type"], a.get("metric")) for a in first["assert"]] == [("javascript", "json_match"),
                                                                       ("llm-rubric", None)]
    assert first["assert"][1]["value"] == "The answer names the city.\n只给出城市"
    assert "城市抽取" in text and "\\u" not in text                          # Chinese written as Chinese

    back = import_yaml(text)
    assert back.templates == [V1, V2] and back.skipped == []
    assert [(c.variables, c.expected) for c in back.cases] == [(c.variables, c.expected) for c in CASES]
    assert back.cases[0].criteria == "The answer names the city.\n只给出城市"
    assert sorted(g.kind for g in back.graders) == ["json_match", "json_schema", "judge", "regex"]
    assert next(g for g in back.graders if g.kind == "regex").weight == 2.0


def test_a_hand_written_promptfoo_config_comes_in_and_what_has_no_place_is_listed():
    text = """
description: Translation checks
prompts:
  - "Translate to French: {{text}}"
  - file://prompts/other.txt
providers: [openai:gpt-4o-mini]
tests:
  - vars: {text: Hello}
    assert:
      - type: icontains
        value: bonjour
      - type: javascript
        value: output.length < 100
  - vars:
      text: Good night
      extra: {nested: true}
    assert:
      - type: equals
        value: Bonne nuit
"""
    found = import_yaml(text)
    assert found.description == "Translation checks"
    assert found.templates == [Template("", "Translate to French: {{text}}")]
    assert [(c.variables, c.expected) for c in found.cases] == [
        ({"text": "Hello"}, "bonjour"), ({"text": "Good night", "extra": '{"nested": true}'}, "Bonne nuit")]
    assert sorted((g.kind, g.ignore_case) for g in found.graders) == [("contains", True), ("exact", False)]
    assert any(s.startswith("prompts[1]: a file reference") for s in found.skipped)
    assert "tests[0].assert[1]: assert type javascript has no grader here" in found.skipped


@pytest.mark.parametrize(("text", "field", "word"), [
    ("prompts: [unclosed", "file", "line 1"), ("- just a list", "file", "promptfoo"),
    ("tests:\n  - vars: [1, 2]", "tests[0].vars", "vars")])
def test_a_broken_config_is_refused_naming_where(text, field, word):
    with pytest.raises(PromptInvalid) as refused:
        import_yaml(text)
    assert refused.value.field == field and word in refused.value.text("en") and refused.value.text("zh")
