"""Graders score an output for a test case in [0, 1] with feedback a person can act on, en and zh; bad graders are
refused naming their field; the judge's answer is read however a small model writes it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests import aio
from workbench.prompt_studio.errors import PromptInvalid
from workbench.prompt_studio.graders import (
    Grader,
    check_grader,
    grade,
    grade_all,
    graders_from_json,
    graders_to_json,
    judge,
)
from workbench.prompt_studio.instructions import instruction


@dataclass(frozen=True)
class Case:
    expected: str = ""
    criteria: str = ""


SCHEMA = json.dumps({"type": "object", "required": ["city", "temp"],
                     "properties": {"city": {"type": "string"}, "temp": {"type": "number"}}})

# (grader, output, expected, score, passed, words in the English feedback, words in the Chinese feedback)
ROWS = [
    (Grader("exact"), "  Paris \n", "Paris", 1.0, True, "equals", "完全一致"),
    (Grader("exact"), "paris", "Paris", 0.0, False, "Expected exactly “Paris”, but the output was “paris”", "paris"),
    (Grader("exact", ignore_case=True), "PARIS", "Paris", 1.0, True, "equals", "一致"),
    (Grader("exact"), "北京１２３", "北京123", 1.0, True, "equals", "一致"),
    (Grader("exact"), "anything", "", 0.0, False, "has none", "没有期望输出"),
    (Grader("contains", "北京"), "答案：北京市", "", 1.0, True, "contains “北京”", "包含“北京”"),
    (Grader("contains"), "The capital is Paris.", "Paris", 1.0, True, "contains “Paris”", "Paris"),
    (Grader("contains", "上海"), "答案：北京市", "", 0.0, False, "should contain “上海”", "应包含“上海”"),
    (Grader("regex", r"^\d{4}-\d{2}-\d{2}$"), "2024-05-01", "", 1.0, True, "found “2024-05-01”", "匹配到"),
    (Grader("regex", r"^\d{4}-\d{2}-\d{2}$"), "May 1st", "", 0.0, False, "does not match", "不匹配"),
    (Grader("regex", "yes", ignore_case=True), "YES.", "", 1.0, True, "matches", "匹配"),
    (Grader("json_schema", SCHEMA), 'Sure!\n```json\n{"city": "北京", "temp": 3.5}\n```', "", 1.0, True,
     "matches the schema", "符合 Schema"),
    (Grader("json_schema", SCHEMA), '结果：{"city": "北京", "temp": "warm"} 完', "", 0.0, False,
     "at $.temp: 'warm' is not of type 'number'", "在 $.temp 处不符合"),
    (Grader("json_schema", SCHEMA), '{"city": "Oslo"}', "", 0.0, False, "'temp' is a required property", "$"),
    (Grader("json_schema", SCHEMA), "It is warm in Oslo.", "", 0.0, False, "No JSON found", "找不到 JSON"),
    (Grader("json_match"), '{"城市": "北京 ", "n": 2, "ok": true}', '{"城市": "北京", "n": 2.0, "ok": true}', 1.0, True,
     "all 3 keys", "3 个键"),
    (Grader("json_match"), '{"城市": "上海", "n": 2}', '{"城市": "北京", "n": 2}', 0.5, False,
     "1 of 2 expected keys", "错误或缺失的键：城市"),
    (Grader("json_match"), '{"ok": 1}', '{"ok": true}', 0.0, False, "wrong or missing: ok", "ok"),
    (Grader("json_match"), "[1, 2, 3]", "[1, 2, 3]", 1.0, True, "equals the expected JSON", "相同"),
    (Grader("json_match"), "[3, 2, 1]", "[1, 2, 3]", 0.0, False, "[3,2,1] differs from the expected [1,2,3]", "不同"),
    (Grader("numeric", tolerance=0.1), "约 3.25 公斤", "3.2", 1.0, True, "Found 3.25, within 0.1", "找到 3.25"),
    (Grader("numeric", "1234.5"), "Total: 1,234.5 USD", "", 1.0, True, "Found 1234.5", "1234.5"),
    (Grader("numeric"), "温度是 -3 度", "-3", 1.0, True, "Found -3", "-3"),
    (Grader("numeric"), "about 3.2e5 people", "320000", 1.0, True, "Found 320000", "320000"),
    (Grader("numeric"), "答案是１２０", "120", 1.0, True, "Found 120", "120"),
    (Grader("numeric", tolerance=0.5), "I think 12", "10", 0.0, False, "Found 12, but expected 10 (± 0.5): off by 2",
     "相差 2"),
    (Grader("numeric"), "没有数字", "7 kg", 0.0, False, "No number in the output (expected 7)", "没有数字"),
    (Grader("numeric"), "42", "forty-two", 0.0, False, "has no number", "没有可供数值评分器比较的数字"),
]


@pytest.mark.parametrize(("grader", "output", "expected", "score", "passed", "en", "zh"), ROWS)
def test_every_code_grader_scores_and_says_why(grader, output, expected, score, passed, en, zh) -> None:
    result = grade(check_grader(grader, "graders[0]"), output, Case(expected))
    assert (result.score, result.passed) == (pytest.approx(score), passed)
    assert en in result.feedback.text("en") and zh in result.feedback.text("zh")


def test_feedback_quotes_a_long_output_short_and_on_one_line() -> None:
    said = grade(Grader("exact"), "line\n" * 2000, Case("x")).feedback.text("en")
    assert len(said) < 400 and "\n" not in said and "…" in said


def test_only_the_first_20000_characters_of_an_output_are_read() -> None:
    assert grade(Grader("contains", "END"), "a" * 20_000 + "END", Case()).score == 0.0
    assert grade(Grader("contains", "END"), "a" * 19_990 + "END", Case()).score == 1.0


def test_a_schema_that_refers_to_a_url_is_not_fetched() -> None:
    g = check_grader(Grader("json_schema", '{"$ref": "https://example.com/s.json"}'), "graders[0]")
    result = grade(g, "{}", Case())
    assert result.score == 0.0 and "https://example.com/s.json" in result.feedback.text("en")
    assert "$defs" in result.feedback.text("zh")


REFUSALS = [
    (Grader("fuzzy"), "graders[2].kind", "“fuzzy” is not a kind of grader", "没有“fuzzy”这种评分器"),
    (Grader("regex", "(unclosed"), "graders[2].value", "does not compile", "无法编译"),
    (Grader("regex", "a" * 501), "graders[2].value", "at most 500 characters", "最多 500 个字符"),
    (Grader("regex", r"(\w+\s?)+$"), "graders[2].value", "can take very long", "运行极久"),
    (Grader("regex", r".*.*=x"), "graders[2].value", "can take very long", "运行极久"),
    (Grader("regex", ""), "graders[2].value", "needs a value: write a regular expression", "正则表达式"),
    (Grader("json_schema", "{type: object}"), "graders[2].value", "not valid JSON", "不是有效的 JSON"),
    (Grader("json_schema", '{"type": "objekt"}'), "graders[2].value", "Not a valid JSON Schema",
     "不是有效的 JSON Schema"),
    (Grader("json_schema", '{"minLength": -1}'), "graders[2].value", "(at /minLength)", "位置：/minLength"),
    (Grader("json_match", "{'a': 1}"), "graders[2].value", "not valid JSON", "不是有效的 JSON"),
    (Grader("numeric", "about three"), "graders[2].value", "“about three” is not a number", "不是数字"),
    (Grader("numeric", tolerance=-0.1), "graders[2].tolerance", "0 or more", "大于或等于 0"),
    (Grader("numeric", tolerance=float("nan")), "graders[2].tolerance", "0 or more", "容差"),
    (Grader("exact", weight=0), "graders[2].weight", "above 0 and at most 100", "大于 0、不超过 100"),
    (Grader("exact", weight=101), "graders[2].weight", "at most 100", "权重"),
]


@pytest.mark.parametrize(("grader", "field", "en", "zh"), REFUSALS)
def test_a_bad_grader_is_refused_naming_its_field(grader, field, en, zh) -> None:
    with pytest.raises(PromptInvalid) as refused:
        check_grader(grader, "graders[2]")
    assert refused.value.field == field
    assert en in refused.value.text("en") and zh in refused.value.text("zh")


def test_sound_graders_pass_the_check_and_a_judge_needs_no_rubric() -> None:
    assert check_grader(Grader(" Judge "), "graders[0]") == Grader("judge")
    assert check_grader(Grader("regex", r"(\d+,)*\d+"), "g").value == r"(\d+,)*\d+"
    assert check_grader(Grader("numeric", "１,２００"), "g").kind == "numeric"


def test_graders_go_to_json_and_back_and_bad_entries_are_refused() -> None:
    graders = [Grader("numeric", "3.2", tolerance=0.1, weight=2), Grader("judge", "礼貌，并给出城市名")]
    assert graders_from_json(json.loads(json.dumps(graders_to_json(graders)))) == graders
    for data, field in (([{"value": "x"}], "graders[0]"), ([{"kind": "exact", "weight": "2"}], "graders[0].weight"),
                        ([{"kind": "exact"}, {"kind": "exact", "colour": 1}], "graders[1].colour"),
                        ([{"kind": "exact", "ignore_case": 1}], "graders[0].ignore_case"),
                        ([{"kind": "regex", "value": "("}], "graders[0].value")):
        with pytest.raises(PromptInvalid) as refused:
            graders_from_json(data)
        assert refused.value.field == field


def canned(answer: str, seen: list | None = None):
    async def ask(messages: list[dict[str, str]]) -> str:
        if seen is not None:
            seen.append(messages)
        return answer
    return ask


@pytest.mark.parametrize(("answer", "score", "passed", "feedback"), [
    ('{"score": 8, "feedback": "Names the city but not the unit."}', 0.8, True, "Names the city but not the unit."),
    ('Here is my grade:\n```json\n{"score": 6, "feedback": "缺少单位"}\n```', 0.6, False, "缺少单位"),
    ("{'score': '9/10', 'reason': 'good'}", 0.9, True, "good"),
    ("Score: 7/10\nThe answer is mostly right.", 0.7, True, "mostly right"),
    ("评分：5 分（满分 10）。回答不完整。", 0.5, False, "回答不完整"),
    ("I'd give it 85/100.", 0.85, True, "85/100"),
    ('{"score": 14}', 1.0, True, "14"),
])
def test_the_judges_answer_is_read_however_it_is_written(answer, score, passed, feedback) -> None:
    result = aio.run(judge(Grader("judge"), "out", Case(), "q", canned(answer)))
    assert (result.score, result.passed) == (pytest.approx(score), passed)
    assert feedback in result.feedback.text("en") and "评审模型打了" in result.feedback.text("zh")


def test_an_unreadable_judge_answer_scores_zero_and_says_so() -> None:
    result = aio.run(judge(Grader("judge"), "out", Case(), "q", canned("The answer looks fine to me overall.")))
    assert result.score == 0.0 and not result.passed
    assert "could not be read" in result.feedback.text("en") and "The answer looks fine" in result.feedback.text("en")
    assert "无法读懂" in result.feedback.text("zh")


def test_the_judge_is_sent_the_rubric_criteria_reference_and_output() -> None:
    seen: list = []
    case = Case(expected="北京", criteria="Names the capital city.")
    question = "中国的首都是哪里？"
    aio.run(judge(Grader("judge", "Be polite."), "It is Beijing.", case, question, canned('{"score": 9}', seen)))
    system, user = seen[0]
    assert system == {"role": "system", "content": instruction("judge")} and '"score"' in system["content"]
    for part in ("Be polite.", "Names the capital city.", "北京", "It is Beijing.", "中国的首都是哪里？"):
        assert part in user["content"]


def test_grade_all_weights_scores_and_lists_each_graders_feedback() -> None:
    graders = [Grader("contains", "Paris", weight=3), Grader("numeric", "5"), Grader("judge", "Friendly.")]
    result = aio.run(grade_all(graders, "Paris, 2 days", Case(), "q", canned('{"score": 10, "feedback": "ok"}')))
    assert result.score == pytest.approx((3 * 1 + 0 + 1) / 5) and not result.passed
    en, zh = result.feedback.text("en"), result.feedback.text("zh")
    assert en.startswith("2 of 3 graders passed (score 0.80)") and "✗ Found 2, but expected 5" in en
    assert zh.startswith("3 个评分器中有 2 个通过") and "✓ 输出中包含“Paris”" in zh
    with pytest.raises(PromptInvalid) as refused:
        aio.run(grade_all([], "x", Case(), "q", canned("")))
    assert refused.value.field == "graders" and "至少添加一个评分器" in refused.value.text("zh")
