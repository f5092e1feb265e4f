"""Quirks of older or stricter model servers, seen from what reaches the fake upstream."""

from __future__ import annotations

from tests.gateway.conftest import chat_posts


def test_no_stream_options_quirk_never_sends_them_and_still_reports_usage(client, fakes):
    chunks = list(client.chat.completions.create(
        model="old-server", messages=[{"role": "user", "content": "hello there"}], stream=True,
        stream_options={"include_usage": True}))
    sent = chat_posts(fakes["plain"])[-1]["json"]
    assert "stream_options" not in sent
    final = chunks[-1]
    assert final.choices == [] and final.usage.completion_tokens > 0
    assert final.usage.model_extra.get("estimated") is True          # counted by the gateway, and says so


def test_deep_thinking_on_a_user_only_model_keeps_every_pass_user_only(client, fakes):
    resp = client.chat.completions.create(
        model="old-server", messages=[{"role": "system", "content": "Be brief."},
                                      {"role": "user", "content": "What is two plus two"}],
        extra_body={"thinking": {"type": "enabled", "budget_tokens": 64}})
    passes = chat_posts(fakes["plain"])[-2:]
    assert len(passes) == 2
    for sent in passes:
        roles = [m["role"] for m in sent["json"]["messages"]]
        assert "system" not in roles and roles[-1] == "assistant"     # prefilled think block / answer
        assert sent["json"]["messages"][0]["role"] == "user" and "Be brief." in sent["json"]["messages"][0]["content"]
    assert "think step by step" in passes[0]["json"]["messages"][0]["content"]      # the thinking instruction
    assert passes[0]["json"]["messages"][-1]["content"].startswith("<think>")
    assert "</think>" in passes[1]["json"]["messages"][-1]["content"]
    assert resp.choices[0].message.model_extra["reasoning_content"]
    assert resp.usage.completion_tokens_details.reasoning_tokens > 0


def test_deep_thinking_answers_even_when_the_model_first_ends_without_a_word(client, fakes):
    """Small models sometimes stop right after a budget-cut thought: the answer pass runs once more."""
    fakes["plain"].set_fault("empty_reply", count=2)           # the thinking pass and the first answer pass
    try:
        resp = client.chat.completions.create(
            model="old-server", messages=[{"role": "user", "content": "Is seven a prime number"}],
            extra_body={"thinking": {"type": "enabled", "budget_tokens": 32}})
    finally:
        fakes["plain"].set_fault(None)
    passes = chat_posts(fakes["plain"])[-3:]
    assert [p["fault"] for p in passes] == ["empty_reply", "empty_reply", None]
    assert passes[2]["json"]["messages"][-1]["content"].endswith("Answer: ")
    assert resp.choices[0].message.content.strip()                 # the user gets an answer, not nothing
    assert resp.choices[0].finish_reason == "stop"


def test_deep_thinking_without_a_budget_thinks_within_the_models_own_default(client, fakes):
    """No budget_tokens: the model's default (its catalogue ``thinking_budget``, 40 here), not 1,024 for all."""
    resp = client.chat.completions.create(
        model="plain", messages=[{"role": "user", "content": "Is seven a prime number"}],
        extra_body={"thinking": {"type": "enabled"}})
    thinking_pass = chat_posts(fakes["plain"])[-2]["json"]
    assert thinking_pass["messages"][-1]["content"].startswith("<think>") and thinking_pass["max_tokens"] == 40
    assert resp.choices[0].message.content.strip()
