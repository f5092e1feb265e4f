"""Quick self-checks for tests/fakes/upstream.py: dialect shapes, faults, cancellation."""

from __future__ import annotations

import base64
import struct
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.fakes.dialects import DIALECTS, embedding
from tests.fakes.upstream import FakeUpstream, start_fake

HELLO = [{"role": "user", "content": "hello there"}]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FakeUpstream]]:
    fakes = {name: start_fake(name) for name in DIALECTS}
    yield fakes
    for fake in fakes.values():
        fake.stop()


@pytest.fixture
def fake(servers: dict[str, FakeUpstream]):
    def get(dialect: str) -> FakeUpstream:
        servers[dialect].reset()
        return servers[dialect]

    return get


def client(up: FakeUpstream, **kw: Any) -> httpx.Client:
    return httpx.Client(base_url=up.url, trust_env=False, timeout=kw.pop("timeout", 5), **kw)


def sse(up: FakeUpstream, body: dict[str, Any], headers: dict[str, str] | None = None) -> list[Any]:
    """Stream a chat completion; return parsed events ('[DONE]' and unparsable lines kept as str)."""
    out: list[Any] = []
    with client(up) as c, c.stream("POST", "/v1/chat/completions", json={**body, "stream": True}, headers=headers) as r:
        for line in r.iter_lines():
            if line.startswith("data: "):
                data = line[6:]
                try:
                    out.append(orjson.loads(data))
                except orjson.JSONDecodeError:
                    out.append(data)
    return out


def deltas(events: list[Any], key: str) -> list[str]:
    return [e["choices"][0]["delta"][key] for e in events
            if isinstance(e, dict) and e["choices"] and e["choices"][0]["delta"].get(key)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_non_stream_shapes(fake, dialect: str) -> None:
    up = fake(dialect)
    with client(up) as c:
        assert c.get("/v1/models").json()["data"][0]["id"] == "fake-model"
        body = c.post("/v1/chat/completions", json={"model": "fake-model", "messages": HELLO}).json()
    msg, usage = body["choices"][0]["message"], body["usage"]
    content = {"inline": "<think>Thinking about: hello there</think>Echo: hello there",
               "inline-open": "Thinking about: hello there</think>Echo: hello there"}
    assert msg["content"] == content.get(dialect, "Echo: hello there")
    field = {"vllm": "reasoning", "ollama": "reasoning", "sglang": "reasoning_content"}.get(dialect)
    if field:
        assert msg[field] == "Thinking about: hello there"
    assert usage["prompt_tokens"] == 2
    assert usage["completion_tokens"] == (3 if dialect == "plain" else 7)
    if dialect == "sglang":
        assert usage["reasoning_tokens"] == 4 and "completion_tokens_details" not in usage
    elif dialect != "plain":
        assert usage["completion_tokens_details"]["reasoning_tokens"] == 4
    assert up.requests()[-1]["json"]["messages"] == HELLO


@pytest.mark.parametrize("dialect", ["vllm", "sglang", "plain"])
def test_stream_usage_only_when_asked(fake, dialect: str) -> None:
    up = fake(dialect)
    plain = sse(up, {"messages": HELLO})
    assert plain[-1] == "[DONE]" and not any("usage" in e for e in plain if isinstance(e, dict))
    assert plain[0]["choices"][0]["delta"]["role"] == "assistant"
    assert plain[-2]["choices"][0]["finish_reason"] == "stop"
    withu = sse(up, {"messages": HELLO, "stream_options": {"include_usage": True}})
    assert withu[-2]["choices"] == [] and withu[-2]["usage"]["total_tokens"] > 0
    if dialect == "sglang":
        assert withu[-2]["usage"]["reasoning_tokens"] == 4
    assert "".join(deltas(withu, "content")) == ("Echo: hello there")
    assert all(r["completed"] and not r["cancelled"] for r in up.requests())


def test_inline_tags_split_across_chunks(fake) -> None:
    pieces = deltas(sse(fake("inline"), {"messages": HELLO}), "content")
    assert "".join(pieces) == "<think>Thinking about: hello there</think>Echo: hello there"
    assert not any("<think>" in p or "</think>" in p for p in pieces)
    open_pieces = deltas(sse(fake("inline-open"), {"messages": HELLO}), "content")
    assert "".join(open_pieces).startswith("Thinking about:") and "<think>" not in "".join(open_pieces)


def test_error_shapes(fake) -> None:
    with client(fake("sglang")) as c:
        r = c.post("/v1/chat/completions", json={"model": "fake-model"})
    assert r.status_code == 400
    assert r.json() == {"object": "error", "message": r.json()["message"], "type": "BadRequestError",
                        "param": None, "code": 400}
    with client(fake("vllm")) as c:
        r = c.post("/v1/chat/completions", json={"model": "other", "messages": HELLO})
    assert r.status_code == 404 and r.json()["error"]["code"] == 404


def test_fault_500_is_consumed(fake) -> None:
    up = fake("vllm")
    up.set_fault("500", count=1)
    with client(up) as c:
        first = c.post("/v1/chat/completions", json={"messages": HELLO})
        second = c.post("/v1/chat/completions", json={"messages": HELLO})
    assert first.status_code == 500 and "secret_path.py" in first.json()["error"]["message"]
    assert second.status_code == 200
    assert [r["fault"] for r in up.requests()] == ["500", None]


def test_fault_cut_stream(fake) -> None:
    up = fake("plain")
    up.set_fault("cut_stream")
    got: list[str] = []
    body = {"messages": HELLO, "stream": True}
    with pytest.raises(httpx.RemoteProtocolError), client(up) as c, \
            c.stream("POST", "/v1/chat/completions", json=body) as r:
        got.extend(line for line in r.iter_lines() if line)
    assert len(got) == 3 and "[DONE]" not in got[-1]  # role chunk + 2 deltas
    rec = up.requests()[-1]
    assert not rec["completed"] and rec["fault"] == "cut_stream"


def test_fault_malformed_and_no_usage(fake) -> None:
    up = fake("vllm")
    up.set_fault("malformed_chunk", count=1)
    events = sse(up, {"messages": HELLO})
    assert events[1] == "{not json" and events[-1] == "[DONE]"
    up.set_fault("no_usage", count=1)
    assert not any("usage" in e for e in sse(up, {"messages": HELLO, "stream_options": {"include_usage": True}})
                   if isinstance(e, dict))


def test_client_disconnect_recorded(fake) -> None:
    up = fake("vllm")
    with client(up) as c, c.stream("POST", "/v1/chat/completions", json={"messages": HELLO, "stream": True},
                                   headers={"x-fake-long": "1", "x-fake-delay": "0.01"}) as r:
        for i, _ in enumerate(r.iter_lines()):
            if i > 5:
                break
    for _ in range(100):
        rec = up.requests()[-1]
        if rec["cancelled"]:
            break
        time.sleep(0.02)
    assert rec["cancelled"] and not rec["completed"]


def test_slow_first_byte_timeout_is_cancel(fake) -> None:
    up = fake("ollama")
    up.set_fault("slow_first_byte", delay=2)
    with client(up, timeout=0.2) as c, pytest.raises(httpx.ReadTimeout):
        c.post("/v1/chat/completions", json={"messages": HELLO})
    time.sleep(0.1)
    assert up.requests()[-1]["cancelled"]


def test_tools_prefill_truncation(fake) -> None:
    up = fake("vllm")
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    ask = [{"role": "user", "content": "what is the weather in Paris?"}]
    with client(up) as c:
        body = c.post("/v1/chat/completions", json={"messages": ask, "tools": tools}).json()
        prefilled = [*HELLO, {"role": "assistant", "content": "<think>\n"}]
        prefill = c.post("/v1/chat/completions", json={"messages": prefilled, "stop": ["</think>"]}).json()
        short = c.post("/v1/chat/completions", json={"messages": HELLO, "max_tokens": 1}).json()
    call = body["choices"][0]["message"]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    events = sse(up, {"messages": ask, "tools": tools})
    args = [tc["function"]["arguments"] for e in events if isinstance(e, dict) and e["choices"]
            for tc in e["choices"][0]["delta"].get("tool_calls", [])]
    assert "".join(args) == '{"city": "Paris"}'
    assert prefill["choices"][0]["message"]["content"] == "continuing thought"
    assert (short["choices"][0]["index"], short["choices"][0]["finish_reason"]) == (0, "length")
    assert short["choices"][0]["message"]["content"] == "Echo:"


def test_embeddings_and_rerank(fake) -> None:
    with client(fake("vllm")) as c:
        floats = c.post("/v1/embeddings", json={"input": ["a", "b"]}).json()
        b64 = c.post("/v1/embeddings", json={"input": "a", "encoding_format": "base64"}).json()
        rr = c.post("/v1/rerank", json={"query": "red apple", "documents": ["blue sky", "red apple pie", "red"],
                                        "top_n": 2}).json()
    assert floats["data"][0]["embedding"] == embedding("a") and len(floats["data"]) == 2
    assert list(struct.unpack("<8f", base64.b64decode(b64["data"][0]["embedding"]))) == embedding("a")
    assert [(x["index"], x["relevance_score"]) for x in rr["results"]] == [(1, 1.0), (2, 0.5)]
    with client(fake("sglang")) as c:
        bare = c.post("/v1/rerank", json={"query": "red apple", "documents": ["blue sky", "red apple"]}).json()
    assert bare[0] == {"score": 1.0, "document": "red apple", "index": 1}
    with client(fake("ollama")) as c:
        assert c.post("/v1/rerank", json={"query": "q", "documents": ["d"]}).status_code == 404
        assert c.get("/api/tags").json()["models"][0]["name"] == "fake-model"
