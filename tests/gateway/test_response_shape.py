"""Every chat answer has OpenAI's published shape (tests/gateway/openai_schema.py), for every backend.

What an outside conformance tool checks: the required nullable fields are there
(``choices[].logprobs``, ``message.refusal``; ``message.annotations`` as ``[]``), and an upstream's
own fields never pass through (llama.cpp's ``timings`` and ``system_fingerprint: "b0-unknown"``,
vLLM's ``stop_reason`` / ``prompt_logprobs`` / ``kv_transfer_params``, SGLang's ``matched_stop`` /
``metadata``, Ollama's ``fp_ollama``). Checked on the raw JSON a client receives.
"""

from __future__ import annotations

import httpx
import jsonschema
import orjson
import pytest

from tests.gateway.conftest import auth
from tests.gateway.openai_schema import chunk_schema, response_schema

MESSAGES = [{"role": "user", "content": "hello there"}]
WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
# one model per upstream dialect (tests/gateway/conftest.py)
MODELS = {"vllm": "qwen3:235b", "sglang": "deepseek-r1:32b", "ollama": "llama3:8b", "llama.cpp-like": "plain",
          "inline": "r1-inline", "inline-open": "r1-open", "no-stream-options": "old-server"}
UPSTREAM_ONLY = ("timings", "system_fingerprint", "stop_reason", "prompt_logprobs", "prompt_token_ids",
                 "kv_transfer_params", "matched_stop", "metadata", "service_tier", "reasoning")
VALIDATORS = {name: jsonschema.Draft202012Validator(schema) for name, schema in {
    "response": response_schema(), "response-strict": response_schema(strict=True),
    "chunk": chunk_schema(), "chunk-strict": chunk_schema(strict=True)}.items()}


def conforms(kind: str, obj: dict) -> None:
    """``obj`` validates against OpenAI's schema and against the strict one (no undocumented fields)."""
    for name in (kind, f"{kind}-strict"):
        errors = sorted(VALIDATORS[name].iter_errors(obj), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def no_upstream_fields(raw: str) -> None:
    for key in UPSTREAM_ONLY:
        assert f'"{key}"' not in raw, f"upstream field {key!r} passed through: {raw[:600]}"


def post(gw, body: dict) -> httpx.Response:
    return httpx.post(gw.url + "/v1/chat/completions", json=body, headers=auth(gw), timeout=60)


def stream_events(gw, body: dict) -> list[dict]:
    with httpx.stream("POST", gw.url + "/v1/chat/completions", json={**body, "stream": True}, headers=auth(gw),
                      timeout=60) as resp:
        assert resp.status_code == 200
        lines = [line[6:] for line in resp.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    for line in lines[:-1]:
        no_upstream_fields(line)
    return [orjson.loads(line) for line in lines[:-1]]


@pytest.mark.parametrize("dialect", list(MODELS))
def test_non_stream_answer_has_openai_shape(gw, fakes, dialect):
    resp = post(gw, {"model": MODELS[dialect], "messages": MESSAGES})
    assert resp.status_code == 200
    no_upstream_fields(resp.text)
    body = resp.json()
    conforms("response", body)
    choice = body["choices"][0]
    assert choice["logprobs"] is None and choice["finish_reason"] == "stop"
    message = choice["message"]
    assert message["refusal"] is None and message["annotations"] == [] and message["content"] == "Echo: hello there"


@pytest.mark.parametrize("dialect", list(MODELS))
def test_stream_chunks_have_openai_shape(gw, fakes, dialect):
    events = stream_events(gw, {"model": MODELS[dialect], "messages": MESSAGES,
                                "stream_options": {"include_usage": True}})
    for event in events:
        conforms("chunk", event)
    assert len({e["id"] for e in events}) == 1 and len({e["created"] for e in events}) == 1
    assert events[-1]["choices"] == [] and events[-1]["usage"]["total_tokens"] > 0
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"]) == "Echo: hello there"


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_answer_has_openai_shape(gw, fakes, stream):
    body = {"model": "qwen3:235b", "messages": WEATHER, "tools": TOOLS}
    if stream:
        events = stream_events(gw, body)
        for event in events:
            conforms("chunk", event)
        calls = [c for e in events for c in (e["choices"][0]["delta"].get("tool_calls") or []) if e["choices"]]
        assert "".join(c["function"].get("arguments") or "" for c in calls) == '{"city": "Paris"}'
        assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"
    else:
        resp = post(gw, body)
        no_upstream_fields(resp.text)
        conforms("response", resp.json())
        choice = resp.json()["choices"][0]
        assert choice["finish_reason"] == "tool_calls"
        assert choice["message"]["tool_calls"][0]["function"] == {"name": "get_weather",
                                                                  "arguments": '{"city": "Paris"}'}


def test_deep_thinking_answer_has_openai_shape(gw, fakes):
    """Budget forcing builds its answer itself: the same shape."""
    body = {"model": "plain", "messages": MESSAGES, "thinking": {"type": "enabled", "budget_tokens": 64}}
    resp = post(gw, body)
    no_upstream_fields(resp.text)
    conforms("response", resp.json())
    for event in stream_events(gw, {**body, "stream_options": {"include_usage": True}}):
        conforms("chunk", event)


def test_embedded_llama_cpp_answers_have_openai_shape(embedded_gateway):
    """The embedded model's llama.cpp server adds ``timings`` and ``system_fingerprint``: not passed on.
    Log probabilities the client asked for come through in OpenAI's shape."""
    body = {"model": "qwen2.5-coder:0.5b", "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 4,
            "temperature": 0, "logprobs": True, "top_logprobs": 2}
    resp = post(embedded_gateway, body)
    assert resp.status_code == 200, resp.text
    no_upstream_fields(resp.text)
    conforms("response", resp.json())
    logprobs = resp.json()["choices"][0]["logprobs"]
    assert logprobs["refusal"] is None and logprobs["content"] and "logprob" in logprobs["content"][0]
    plain = {k: v for k, v in body.items() if k not in ("logprobs", "top_logprobs")}
    events = stream_events(embedded_gateway, {**plain, "stream_options": {"include_usage": True}})
    for event in events:
        conforms("chunk", event)
