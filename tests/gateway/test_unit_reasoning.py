"""Reasoning dialects and tag parsing, unit level (the streamed cases end to end are in test_dialects)."""

from __future__ import annotations

import pytest

from gateway.inference.reasoning import ThinkSplitter, normalise_message, split_think, strip_history
from gateway.inference.thinking import PrefixEcho
from gateway.inference.toolcalls import recover
from gateway.usage.tokens import estimate_tokens, normalise


def run(pieces, starts_open=False):
    s = ThinkSplitter(starts_open)
    out = [s.feed(p) for p in pieces] + [s.flush()]
    return "".join(r for r, _ in out), "".join(c for _, c in out)


@pytest.mark.parametrize("pieces", [
    ["<think>plan it</think>\n\nThe answer"],
    ["<thi", "nk>plan", " it</th", "ink>\n\nThe answer"],
    ["  ", "<", "think>plan it<", "/think>", "The answer"],
    list("<think>plan it</think>The answer"),
])
def test_tags_cut_anywhere_are_split(pieces):
    reasoning, content = run(pieces)
    assert reasoning == "plan it" and content.strip() == "The answer"


def test_unclosed_think_is_all_reasoning():
    assert run(["<think>still thinking when the budget ran out"]) == ("still thinking when the budget ran out", "")


def test_template_opened_think_with_quirk():
    assert run(["reason", "ing</think>answer"], starts_open=True) == ("reasoning", "answer")


def test_plain_text_with_angle_brackets_passes():
    assert run(["a < b and <b>bold</b>"]) == ("", "a < b and <b>bold</b>")


def test_message_dialects_become_reasoning_content():
    vllm = {"role": "assistant", "content": "4", "reasoning": "2+2"}
    normalise_message(vllm)
    assert vllm == {"role": "assistant", "content": "4", "reasoning_content": "2+2"}
    inline = {"role": "assistant", "content": "<think>2+2</think>4"}
    normalise_message(inline)
    assert inline["reasoning_content"] == "2+2" and inline["content"] == "4"
    assert split_think("no thinking here") == (None, "no thinking here")


def test_history_never_carries_thinking():
    history = [{"role": "user", "content": "q"},
               {"role": "assistant", "content": "<think>old</think>Old answer", "reasoning_content": "old"}]
    cleaned = strip_history(history)
    assert cleaned[1] == {"role": "assistant", "content": "Old answer"}
    assert history[1]["reasoning_content"] == "old"          # the caller's list is not modified


def test_prefix_echo_drops_an_echoed_prefill_only():
    e = PrefixEcho("<think>\n")
    assert e.feed("<thi") == "" and e.feed("nk>\nrest") == "rest"
    e = PrefixEcho("<think>\n")
    assert e.feed("<tea") == "<tea"


def test_sglang_top_level_reasoning_tokens_move_into_details():
    u = normalise({"prompt_tokens": 3, "completion_tokens": 10, "total_tokens": 13, "reasoning_tokens": 7})
    assert u["completion_tokens_details"] == {"reasoning_tokens": 7} and "reasoning_tokens" not in u


def test_token_estimate_counts_cjk_per_character():
    assert estimate_tokens("你好世界") == 4 and estimate_tokens("abcdefgh") == 2 and estimate_tokens("") == 0


def test_tool_call_recovered_from_text():
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    calls = recover('```json\n{"name": "get_weather", "arguments": {"city": "巴黎"}}\n```', tools)
    assert calls[0]["function"] == {"name": "get_weather", "arguments": '{"city": "巴黎"}'}
    assert recover('{"name": "other", "arguments": {}}', tools) is None
    assert recover("The weather is fine.", tools) is None
