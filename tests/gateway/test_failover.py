"""Failover, upstream faults and client disconnects, as an SDK client sees them.

Upstream failures become the OpenAI error envelope with the gateway's own words (never a
traceback or a path); a client that goes away cancels the upstream generation and still
leaves its row in the usage ledger.
"""

from __future__ import annotations

import time
from itertools import islice

import duckdb
import httpx
import openai
import orjson
import pytest

from tests.conftest import GatewayProcess
from tests.gateway.conftest import COOLDOWN_S, FIRST_BYTE_S, assert_no_internals, auth, chat_posts, error_of, sdk_error

MESSAGES = [{"role": "user", "content": "hello there"}]
ANSWER = "Echo: hello there"


def health_models(gw: GatewayProcess) -> dict[str, dict]:
    resp = httpx.get(gw.url + "/health/models", headers=auth(gw), timeout=10)
    assert resp.status_code == 200
    assert_no_internals(resp.text)
    return {m["id"]: {dep["name"]: dep for dep in m["deployments"]} for m in resp.json()["models"]}


def past_cooldown() -> None:
    """Let earlier failures' cooldowns run out, so deployments are tried in their configured order."""
    time.sleep(COOLDOWN_S + 0.1)


def stream_text(stream) -> str:
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def wait_for(predicate, timeout: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# -- 6. failover ----------------------------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_refused_first_deployment_fails_over(client, gw, fakes, stream):
    past_cooldown()
    resp = client.chat.completions.create(model="failover-model", messages=MESSAGES, stream=stream)
    text = stream_text(resp) if stream else resp.choices[0].message.content
    assert text == ANSWER
    assert len(chat_posts(fakes["failover"])) == 1
    deps = health_models(gw)["failover-model"]
    # the refused deployment was tried by this request (not only by the start-up health check)
    assert deps["refused"]["state"] == "cooling"
    assert "cannot connect" in deps["refused"]["last_error"]
    assert deps["failover-ok"]["state"] == "healthy"


@pytest.mark.parametrize("mode", ["500", "503"])
@pytest.mark.parametrize("stream", [False, True])
def test_upstream_5xx_fails_over_and_cools_the_deployment(client, gw, fakes, mode, stream):
    past_cooldown()
    fakes["two-a"].set_fault(mode, count=1)
    resp = client.chat.completions.create(model="two-fakes", messages=MESSAGES, stream=stream)
    assert (stream_text(resp) if stream else resp.choices[0].message.content) == ANSWER
    assert [r["fault"] for r in chat_posts(fakes["two-a"])] == [mode]
    assert [r["completed"] for r in chat_posts(fakes["two-b"])] == [True]
    # while it cools down, the failed deployment is skipped
    assert client.chat.completions.create(model="two-fakes", messages=MESSAGES).choices[0].message.content == ANSWER
    assert len(chat_posts(fakes["two-a"])) == 1 and len(chat_posts(fakes["two-b"])) == 2
    deps = health_models(gw)["two-fakes"]
    assert deps["two-a"]["state"] == "cooling"
    assert f"HTTP {mode}" in deps["two-a"]["last_error"]
    assert deps["two-b"]["state"] == "healthy" and deps["two-b"]["last_error"] is None


def test_every_deployment_failing_is_a_502(client, fakes):
    fakes["two-a"].set_fault("500", count=1)
    fakes["two-b"].set_fault("500", count=1)
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="two-fakes", messages=MESSAGES)
    assert info.value.status_code == 502 and sdk_error(info.value)["code"] == "upstream_error"
    assert len(chat_posts(fakes["two-a"])) == len(chat_posts(fakes["two-b"])) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_slow_first_byte_fails_over(client, fakes, stream):
    past_cooldown()
    fakes["two-a"].set_fault("slow_first_byte", count=1, delay=4)
    started = time.monotonic()
    resp = client.chat.completions.create(model="two-fakes-slow", messages=MESSAGES, stream=stream)
    assert (stream_text(resp) if stream else resp.choices[0].message.content) == ANSWER
    assert FIRST_BYTE_S <= time.monotonic() - started < 3.5
    assert [r["fault"] for r in chat_posts(fakes["two-a"])] == ["slow_first_byte"]
    assert [r["completed"] for r in chat_posts(fakes["two-b"])] == [True]
    # the gateway gave up on the slow request: the fake saw its client go away
    assert wait_for(lambda: chat_posts(fakes["two-a"])[0]["cancelled"])


def sse_data(gw: GatewayProcess, body: dict) -> tuple[int, list[str]]:
    """Status and the ``data:`` payloads of a raw stream request."""
    with httpx.stream("POST", gw.url + "/v1/chat/completions", json={**body, "stream": True}, headers=auth(gw),
                      timeout=15) as resp:
        if resp.status_code != 200:
            resp.read()
            return resp.status_code, [resp.text]
        return 200, [line[6:] for line in resp.iter_lines() if line.startswith("data: ")]


@pytest.mark.parametrize("fault", ["stall_stream", "error_event"])
def test_stream_failing_before_its_first_chunk_fails_over(gw, fakes, fault):
    """vLLM and SGLang send headers before the first token: a stuck engine (headers, then nothing) or an
    error event before any chunk is retried on the other deployment; the client sees one clean answer."""
    past_cooldown()
    fakes["two-a"].set_fault(fault, count=1)
    started = time.monotonic()
    status, events = sse_data(gw, {"model": "two-fakes-slow", "messages": MESSAGES})
    elapsed = time.monotonic() - started
    assert status == 200 and events[-1] == "[DONE]", events
    chunks = [orjson.loads(e) for e in events[:-1]]
    assert not [c for c in chunks if "error" in c], chunks
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == ANSWER
    assert elapsed < 3.5                                  # the first-byte timeout (1 s) bounds the wait, not 5 s
    if fault == "stall_stream":
        assert elapsed >= FIRST_BYTE_S
        assert wait_for(lambda: chat_posts(fakes["two-a"])[0]["cancelled"])   # the stuck request was dropped
    assert [r["fault"] for r in chat_posts(fakes["two-a"])] == [fault]
    assert [r["completed"] for r in chat_posts(fakes["two-b"])] == [True]
    assert health_models(gw)["two-fakes-slow"]["slow-a"]["state"] == "cooling"


def test_stream_stuck_before_its_first_chunk_is_a_504(client, fakes):
    """With no other deployment, the client gets a plain 504 error, not a 200 and a late error event."""
    fakes["single"].set_fault("stall_stream", count=1)
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as info:
        list(client.chat.completions.create(model="single", messages=MESSAGES, stream=True))
    assert FIRST_BYTE_S <= time.monotonic() - started < 3.5
    assert info.value.status_code == 504 and sdk_error(info.value)["code"] == "upstream_timeout"


def test_stream_refused_in_its_first_event_is_a_400_and_not_retried(gw, fakes):
    """An error event with a 4xx code before any chunk is the request's fault: 400, like a non-stream answer."""
    past_cooldown()
    fakes["two-a"].set_fault("error_event", count=1, status=400)
    status, payload = sse_data(gw, {"model": "two-fakes", "messages": MESSAGES})
    assert status == 400, payload
    assert_no_internals(payload[0])
    assert error_of(orjson.loads(payload[0]))["code"] == "upstream_rejected"
    assert len(chat_posts(fakes["two-a"])) == 1 and chat_posts(fakes["two-b"]) == []


# -- 7. fault envelopes on a model with one deployment ------------------------------------------
@pytest.mark.parametrize("mode", ["500", "503"])
@pytest.mark.parametrize("stream", [False, True])
def test_upstream_5xx_is_a_502_envelope_without_internals(client, fakes, mode, stream):
    fakes["single"].set_fault(mode, count=1)
    with pytest.raises(openai.APIStatusError) as info:
        resp = client.chat.completions.create(model="single", messages=MESSAGES, stream=stream)
        if stream:
            list(resp)
    assert info.value.status_code == 502
    err = sdk_error(info.value)
    assert err["type"] == "upstream_error" and err["code"] == "upstream_error"
    assert "single" in err["message"] and "try again" in err["message"]
    assert chat_posts(fakes["single"])[0]["fault"] == mode


@pytest.mark.parametrize("model,fake", [("deepseek-r1:32b", "sglang"), ("single", "single")])
@pytest.mark.parametrize("stream", [False, True])
def test_upstream_400_is_a_400_envelope(client, fakes, model, fake, stream):
    """SGLang's flat error body and vLLM's nested one both come back as our envelope."""
    fakes[fake].set_fault("400", count=1)
    with pytest.raises(openai.BadRequestError) as info:
        resp = client.chat.completions.create(model=model, messages=MESSAGES, stream=stream)
        if stream:
            list(resp)
    err = sdk_error(info.value)
    assert err["type"] == "invalid_request_error" and err["code"] == "upstream_rejected"
    assert err["message"] == f"The model server rejected the request for '{model}': bad request from upstream"
    assert len(chat_posts(fakes[fake])) == 1             # a 4xx is the request's fault: not retried


@pytest.mark.parametrize("stream", [False, True])
def test_slow_first_byte_is_504(client, fakes, stream):
    fakes["single"].set_fault("slow_first_byte", count=1, delay=4)
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as info:
        resp = client.chat.completions.create(model="single", messages=MESSAGES, stream=stream)
        if stream:
            list(resp)
    assert FIRST_BYTE_S <= time.monotonic() - started < 3.5
    assert info.value.status_code == 504
    err = sdk_error(info.value)
    assert err["code"] == "upstream_timeout" and err["type"] == "upstream_error"


def test_stream_cut_midway_raises_in_the_sdk_and_gateway_keeps_serving(client, fakes):
    # events: role, 4 reasoning pieces, "Echo:", " hello", " there", finish; cut after "Echo:"
    fakes["single"].set_fault("cut_stream", count=1, after=5)
    content, reasoning = [], []
    with pytest.raises(openai.APIError) as info:
        for chunk in client.chat.completions.create(model="single", messages=MESSAGES, stream=True):
            if chunk.choices:
                content.append(chunk.choices[0].delta.content or "")
                reasoning.append((chunk.choices[0].delta.model_extra or {}).get("reasoning_content") or "")
    assert "".join(reasoning) == "Thinking about: hello there"
    assert "".join(content) == "Echo:"                        # the answer so far came first, then the error
    assert "broke off" in info.value.message and "try again" in info.value.message
    assert_no_internals(str(info.value.body))
    assert chat_posts(fakes["single"])[0]["fault"] == "cut_stream"
    # the next request is served normally
    resp = client.chat.completions.create(model="single", messages=MESSAGES, stream=True)
    assert stream_text(resp) == ANSWER


def test_stream_cut_midway_ends_with_an_error_event(gw, fakes):
    """On the wire: the chunks so far, then one `data: {"error": ...}` event, and no [DONE]."""
    fakes["single"].set_fault("cut_stream", count=1, after=5)
    body = {"model": "single", "messages": MESSAGES, "stream": True}
    with httpx.stream("POST", gw.url + "/v1/chat/completions", json=body, headers=auth(gw), timeout=10) as resp:
        assert resp.status_code == 200
        events = [line[6:] for line in resp.iter_lines() if line.startswith("data: ")]
    assert "[DONE]" not in events
    assert_no_internals("\n".join(events))
    err = error_of(orjson.loads(events[-1]))
    assert err["code"] == "upstream_error"
    assert all("choices" in orjson.loads(e) for e in events[:-1]) and len(events) > 5


def test_malformed_chunk_is_skipped(client, fakes):
    fakes["single"].set_fault("malformed_chunk", count=1)
    chunks = list(client.chat.completions.create(model="single", messages=MESSAGES, stream=True,
                                                 stream_options={"include_usage": True}))
    assert chat_posts(fakes["single"])[0]["fault"] == "malformed_chunk"
    assert stream_text(chunks) == ANSWER
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (2, 7)   # the fake's counts


# -- 8. a client that goes away ---------------------------------------------------------------------
def test_disconnect_cancels_the_upstream_generation(client, fakes):
    """`slow-stream` sends 200 chunks 50 ms apart; the client reads 3 and leaves."""
    stream = client.chat.completions.create(model="slow-stream", messages=MESSAGES, stream=True)
    got = list(islice(stream, 3))
    assert len(got) == 3
    stream.close()                                           # closes the connection mid-stream
    started = time.monotonic()
    cancelled = wait_for(lambda: [r for r in chat_posts(fakes["slow"]) if r["cancelled"]], timeout=2.0)
    assert cancelled, chat_posts(fakes["slow"])
    assert time.monotonic() - started < 2.0
    assert cancelled[0]["completed"] is False
    # the gateway keeps serving
    assert client.chat.completions.create(model="slow-stream", messages=MESSAGES).choices[0].message.content


def test_non_stream_disconnect_cancels_the_upstream_call(gw, fakes):
    fakes["vllm"].set_fault("slow_first_byte", count=1, delay=3)
    with gw.client(timeout=0.5) as client, pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="qwen3:235b", messages=MESSAGES)
    cancelled = wait_for(lambda: [r for r in chat_posts(fakes["vllm"]) if r["cancelled"]], timeout=2.0)
    assert cancelled and cancelled[0]["completed"] is False


def test_ledger_has_every_request_after_clean_shutdown(fake_config, fakes, tmp_path):
    gateway = GatewayProcess(tmp_path / "data", config=fake_config).start()
    ids: dict[str, str] = {}
    try:
        with gateway.client(timeout=15) as client:
            raw = client.chat.completions.with_raw_response.create(model="qwen3:235b", messages=MESSAGES)
            ids["chat"] = raw.headers["x-request-id"]
            raw = client.chat.completions.with_raw_response.create(
                model="deepseek-r1:32b", messages=MESSAGES, stream=True, stream_options={"include_usage": True})
            ids["stream"] = raw.headers["x-request-id"]
            assert stream_text(raw.parse()) == ANSWER
            with pytest.raises(openai.NotFoundError) as info:
                client.chat.completions.create(model="no-such:model", messages=MESSAGES)
            ids["unknown"] = info.value.response.headers["x-request-id"]
            with pytest.raises(openai.BadRequestError) as info:
                client.chat.completions.create(model="qwen3:235b", messages=MESSAGES, temperature=9)
            ids["bad_param"] = info.value.response.headers["x-request-id"]
            with pytest.raises(openai.BadRequestError) as info:
                client.embeddings.create(model="bge-large-zh", input=[])
            ids["bad_embedding"] = info.value.response.headers["x-request-id"]
            fakes["single"].set_fault("500", count=1)
            with pytest.raises(openai.APIStatusError) as info:
                client.chat.completions.create(model="single", messages=MESSAGES)
            ids["upstream_500"] = info.value.response.headers["x-request-id"]
            raw = client.embeddings.with_raw_response.create(model="bge-large-zh", input="hello")
            ids["embeddings"] = raw.headers["x-request-id"]

            raw = client.chat.completions.with_raw_response.create(
                model="slow-stream", messages=MESSAGES, stream=True)
            ids["aborted"] = raw.headers["x-request-id"]
            stream = raw.parse()
            assert len(list(islice(stream, 3))) == 3
            stream.close()
            assert wait_for(lambda: any(r["cancelled"] for r in chat_posts(fakes["slow"])))
        fakes["vllm"].set_fault("slow_first_byte", count=1, delay=3)   # a non-stream client that gives up
        with gateway.client(timeout=0.5) as impatient, pytest.raises(openai.APITimeoutError):
            impatient.chat.completions.create(model="qwen3:235b", messages=MESSAGES)
        assert wait_for(lambda: any(r["cancelled"] for r in chat_posts(fakes["vllm"])))
    finally:
        code = gateway.stop()
    assert code == 0, gateway.output()[-2000:]

    con = duckdb.connect(str(tmp_path / "data" / "maas.duckdb"), read_only=True)
    try:
        cols = ["request_id", "endpoint", "model", "status", "client_aborted", "usage_source", "prompt_tokens",
                "completion_tokens", "reasoning_tokens", "error_code", "stream"]
        table = con.execute(f"SELECT {', '.join(cols)} FROM usage_ledger").fetchall()
        rows = {r[0]: dict(zip(cols, r, strict=True)) for r in table}
    finally:
        con.close()
    assert set(ids.values()) <= set(rows), (ids, rows)
    (gave_up,) = [r for rid, r in rows.items() if rid not in ids.values()]     # its id never reached the client
    assert (gave_up["status"], gave_up["client_aborted"], gave_up["stream"]) == (499, True, False)
    assert gave_up["model"] == "qwen3:235b" and gave_up["prompt_tokens"] > 0

    aborted = rows[ids["aborted"]]
    assert aborted["status"] == 499 and aborted["client_aborted"] is True
    assert aborted["usage_source"] == "estimated" and aborted["completion_tokens"] > 0
    assert aborted["stream"] is True

    chat, stream = rows[ids["chat"]], rows[ids["stream"]]
    assert (chat["status"], chat["usage_source"], chat["prompt_tokens"], chat["completion_tokens"]) == (
        200, "upstream", 2, 7)
    assert chat["reasoning_tokens"] == 4 and chat["client_aborted"] is False
    assert (stream["status"], stream["usage_source"], stream["reasoning_tokens"], stream["stream"]) == (
        200, "upstream", 4, True)
    assert (rows[ids["unknown"]]["status"], rows[ids["unknown"]]["error_code"]) == (404, "model_not_found")
    assert (rows[ids["bad_param"]]["status"], rows[ids["bad_param"]]["model"]) == (400, "qwen3:235b")
    assert (rows[ids["bad_embedding"]]["status"], rows[ids["bad_embedding"]]["endpoint"]) == (400, "embeddings")
    assert (rows[ids["upstream_500"]]["status"], rows[ids["upstream_500"]]["error_code"]) == (502, "upstream_error")
    assert rows[ids["embeddings"]]["endpoint"] == "embeddings" and rows[ids["embeddings"]]["status"] == 200
