"""What a small model writes for a generated prompt's sections, checked by code: the lines kept and those dropped
are the ones a reader of the prompt would keep and drop (echoes of the instruction, empty rules, invented formats)."""

from __future__ import annotations

import pytest

from workbench.prompt_studio.instructions import instruction
from workbench.prompt_studio.section_checks import format_of, kept

ASKED = instruction("generate").replace("<<TASK>>", "").replace("<<EXAMPLES>>", "")
MILES = ("Convert the distance {{distance}} (in kilometres) to miles. Answer with the number of miles only, rounded "
         "to two decimals.")


@pytest.mark.parametrize(("key", "written", "expected"), [
    ("role", "Language model", ""),                                             # not a role
    ("role", "The model is an AI language model created by Alibaba Cloud.", ""),  # does not address the model
    ("role", "who the model is, in one sentence.", ""),                           # the instruction echoed
    ("role", "You are an assistant who converts distances.", "You are an assistant who converts distances."),
    ("context", "what the task is about and who the answer is for, in one or two sentences.", ""),
    ("context", "Convert the distance {{distance}} (in kilometres) to miles.", ""),   # the task again
    ("context", "Runners log their training in kilometres.", "Runners log their training in kilometres."),
    ("constraints", "- The answer must keep.\n- The answer must be for the task.\n- Round to two decimals.",
     "- Round to two decimals."),
    ("output_format", '{"distance": "2.00"}', ""),                                # a format nobody asked for
    ("output_format", "Return a JSON object.", ""),
    ("instructions", "- Convert the distance {{distance}} to miles.\n- Use 1 km = 0.621371 miles.",
     "- Convert the distance {{distance}} to miles.\n- Use 1 km = 0.621371 miles."),
])
def test_each_section_keeps_only_lines_of_its_own(key, written, expected):
    assert kept(key, written, task=MILES, asked=ASKED) == expected


def test_a_format_the_task_asks_for_is_kept_in_both_languages():
    asks_json = "找出{{句子}}中提到的城市，输出 JSON。"
    assert kept("output_format", '{"城市": "北京"}', task=asks_json, asked=ASKED) == '{"城市": "北京"}'
    assert kept("role", "你是一名地理信息抽取助手。", task=asks_json, asked=ASKED) == "你是一名地理信息抽取助手。"


def test_the_tasks_own_format_sentences_stand_in_for_a_dropped_format():
    assert format_of(MILES) == "Answer with the number of miles only, rounded to two decimals."
    assert format_of("把温度换算成华氏度。只回答数值，保留一位小数。") == "只回答数值，保留一位小数。"
    assert format_of("Find the city a person lives in.") == ""
