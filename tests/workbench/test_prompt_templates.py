"""Prompt templates: ``{{variables}}`` (Chinese names too), the refusals a writer sees, and the chat messages a
template renders to (system, few-shot pairs, user; values put in literally)."""

from __future__ import annotations

import pytest

from workbench.prompt_studio.errors import PromptInvalid
from workbench.prompt_studio.templates import MAX_CHARS, Example, Template, check_template, fill, render, variables


def refused(t: Template) -> PromptInvalid:
    with pytest.raises(PromptInvalid) as caught:
        check_template(t)
    return caught.value


def test_variables_in_order_of_first_appearance_with_and_without_spaces() -> None:
    assert variables("From {{ city }} to {{城市}}, then {{city}} and {{_x1}}") == ["city", "城市", "_x1"]
    t = Template(system="You answer about {{ 国家 }}.", user="{{城市}} is in {{国家}}? {{ question }}")
    assert t.variables() == ["国家", "城市", "question"]
    assert variables("{{ 1abc }} {{ a b }} {{x|upper}} { {y} }") == []


def test_render_gives_system_examples_then_user() -> None:
    t = Template(system="Answer in one word about {{country}}.", user="Capital of {{country}}?",
                 examples=(Example({"country": "France"}, "Paris"), Example({"country": "日本"}, "东京")))
    assert render(t, {"country": "中国", "unused": "ignored"}) == [
        {"role": "system", "content": "Answer in one word about 中国."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris"},
        {"role": "user", "content": "Capital of 日本?"},
        {"role": "assistant", "content": "东京"},
        {"role": "user", "content": "Capital of 中国?"},
    ]


def test_an_empty_system_part_is_left_out_and_values_are_not_expanded_again() -> None:
    t = Template(system="{{ persona }}", user="Say {{ a }} then {{b}}")
    messages = render(t, {"persona": "  ", "a": "{{b}}", "b": "{{ a }}"})
    assert messages == [{"role": "user", "content": "Say {{b}} then {{ a }}"}]


def test_a_missing_value_names_the_variable() -> None:
    t = Template(system="", user="天气如何：{{城市}}，{{日期}}")
    with pytest.raises(PromptInvalid) as caught:
        render(t, {"城市": "北京"})
    assert caught.value.field == "variables.日期"
    assert "“日期”" in caught.value.text("en") and "{{日期}}" in caught.value.text("en")
    assert "请为“日期”填写值" in caught.value.text("zh")
    assert fill("{{城市}}！", {"城市": "上海"}) == "上海！"


def test_the_user_part_is_required() -> None:
    error = refused(Template(system="You are helpful.", user="  \n"))
    assert error.field == "user"
    assert "Write the user message" in error.text("en") and "请填写用户消息" in error.text("zh")


def test_a_part_too_long_is_refused_naming_it() -> None:
    error = refused(Template(system="x" * (MAX_CHARS + 1), user="{{q}}"))
    assert error.field == "system"
    assert f"system prompt is too long: {MAX_CHARS + 1} characters" in error.text("en")
    assert error.text("zh").startswith("系统提示词太长")


def test_an_unclosed_brace_pair_is_refused_showing_it() -> None:
    error = refused(Template(system="", user="Weather in {{ city for tomorrow"))
    assert error.field == "user"
    assert "user message" in error.text("en") and "“{{ city for tomorrow”" in error.text("en")
    assert "用户消息中的“{{”没有闭合" in error.text("zh")


def test_a_bad_name_is_refused_showing_it() -> None:
    error = refused(Template(system="Translate {{ source text }} please", user="{{ok}}"))
    assert error.field == "system"
    assert "“{{ source text }}” in the system prompt is not a variable" in error.text("en")
    assert "系统提示词中的“{{ source text }}”不是合法变量" in error.text("zh")
    assert refused(Template(system="", user="{{ %s }}" % ("a" * 65))).field == "user"
    assert check_template(Template(system="", user="{{ %s }}" % ("名" * 64))).variables() == ["名" * 64]


def test_examples_must_give_exactly_the_templates_variables() -> None:
    t = Template(system="", user="{{城市}} {{天气}}", examples=(Example({"城市": "北京", "天气": "晴"}, "好"),
                                                           Example({"城市": "上海"}, "雨")))
    error = refused(t)
    assert error.field == "examples[2].variables.天气"
    assert "Example 2 has no value for “天气”" in error.text("en") and "示例 2 缺少“天气”的值" in error.text("zh")
    extra = refused(Template(system="", user="{{a}}", examples=(Example({"a": "1", "b": "2"}, "ok"),)))
    assert extra.field == "examples[1].variables.b" and "add {{b}} to the template" in extra.text("en")
    empty = refused(Template(system="", user="{{a}}", examples=(Example({"a": "1"}, " "),)))
    assert empty.field == "examples[1].output" and "示例 1 没有输出" in empty.text("zh")


def test_at_most_twelve_examples() -> None:
    many = tuple(Example({"a": str(i)}, "ok") for i in range(13))
    error = refused(Template(system="", user="{{a}}", examples=many))
    assert error.field == "examples"
    assert "13, at most 12" in error.text("en") and "共 13 个，最多 12 个" in error.text("zh")
    assert check_template(Template(system="", user="{{a}}", examples=many[:12])).examples == many[:12]
