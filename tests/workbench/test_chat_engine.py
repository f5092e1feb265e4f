"""The chat engine against the real gateway process: the embedded model, and fake upstreams
(a reasoning SGLang server, one that refuses a too-long prompt, a slow one to stop midway).

Conversations live in a real DuckDB file in tmp; the engine talks HTTP to ``python launch.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import orjson
import pytest
import yaml

from tests.aio import run
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.upstream import FakeUpstream, create_app, serve_in_thread, start_fake
from workbench.chat import (
    ChatEngine,
    ContentDelta,
    ContextBlock,
    Done,
    Error,
    ModelTitler,
    ReasoningDelta,
    estimate_messages,
    estimate_tokens,
    history,
    prompt_budget,
    trim,
)
from workbench.conversations import ConversationError, Conversations, Message, Settings
from workbench.schema import open_store
from workbench.store import store_path

EMBEDDED = "qwen2.5-coder:0.5b"
CONTEXT_REFUSAL = ("This model's maximum context length is 4096 tokens. However, you requested 20000 tokens "
                   "(19000 in the messages, 1000 in the completion). Please reduce the length of the messages.")


@pytest.fixture()
def convs(tmp_path) -> Iterator[Conversations]:
    store = open_store(store_path(tmp_path))
    yield Conversations(store)
    store.close()


async def collect(events) -> list:
    out = []
    async with contextlib.aclosing(events) as stream:
        async for event in stream:
            out.append(event)
    return out


def text_of(events: list, kind: type) -> str:
    return "".join(e.text for e in events if isinstance(e, kind))


# -- trimming (unit) -----------------------------------------------------------------------------
def turn(n: int, words: int = 100) -> list[dict]:
    return [{"role": "user", "content": f"question {n} " + "word " * words},
            {"role": "assistant", "content": f"answer {n} " + "word " * words}]


def test_estimate_counts_cjk_characters_as_tokens_and_other_text_by_length():
    assert estimate_tokens("") == 0
    assert estimate_tokens("你好世界") == 4
    assert estimate_tokens("a" * 35) == 10
    assert estimate_tokens("量子" + "b" * 7) == 4
    assert estimate_tokens("。，！？") == 4                       # full-width punctuation counts like CJK
    assert estimate_messages([{"role": "user", "content": "你好"}]) > 2     # plus per-message overhead


def test_trim_keeps_the_system_prompt_and_the_question_and_drops_the_oldest_turns():
    system = {"role": "system", "content": "You are terse."}
    question = {"role": "user", "content": "latest question"}
    messages = [system, *turn(1), *turn(2), *turn(3), question]
    kept, dropped = trim(messages, estimate_messages(messages))
    assert kept == messages and dropped == 0
    budget = estimate_messages([system, *turn(3), question])
    kept, dropped = trim(messages, budget)
    assert kept == [system, *turn(3), question] and dropped == 4
    kept, dropped = trim(messages, 10)                               # nothing fits: the question still goes
    assert kept == [system, question] and dropped == 6


def test_trim_counts_chinese_conservatively():
    chinese = [{"role": "user", "content": "问" * 600}, {"role": "assistant", "content": "答" * 600},
               {"role": "user", "content": "新问题"}]
    kept, dropped = trim(chinese, 1000)                              # 1200 CJK characters are ~1200 tokens
    assert dropped == 2 and kept[-1]["content"] == "新问题"


def test_budget_leaves_room_for_the_answer_and_the_thinking():
    assert prompt_budget(8192, 512) < 8192 - 512
    assert prompt_budget(8192, 512, 1024) == prompt_budget(8192, 512) - 1024
    assert prompt_budget(8192, None) == prompt_budget(8192, 1024)


def test_history_never_sends_reasoning_and_skips_unanswered_questions():
    now = __import__("datetime").datetime.now()
    msgs = [Message("1", "user", "q1", now), Message("2", "assistant", "a1", now, reasoning="secret thought"),
            Message("3", "user", "q2 failed", now),
            Message("4", "user", "q3", now), Message("5", "assistant", "", now, stopped=True),
            Message("6", "user", "q4", now)]
    out = history(Settings(system_prompt="Be kind."), msgs, [ContextBlock("paper.pdf", "page one text")])
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in out)
    assert "secret thought" not in json.dumps(out) and "q2 failed" not in json.dumps(out)
    assert out[-1]["content"].endswith("Question: q4") and "page one text" in out[-1]["content"]


# -- the embedded model through the real gateway ----------------------------------------------------
def embedded_conv(convs: Conversations, **settings):
    return convs.create("alice", model=EMBEDDED, temperature=0, **settings)


def test_embedded_model_streams_an_answer_and_it_is_saved(embedded_gateway, convs):
    conv = embedded_conv(convs, max_tokens=12, system_prompt="Answer in one short sentence.")

    async def go():
        engine = ChatEngine(convs, embedded_gateway.url + "/v1", MASTER_KEY)
        try:
            window = await engine.context_length(EMBEDDED)
            return window, await collect(engine.send("alice", conv.id, "What is the capital of France?"))
        finally:
            await engine.aclose()

    window, events = run(go())
    assert window == 8192                                            # from GET /v1/models capabilities
    assert not [e for e in events if isinstance(e, Error)], events
    deltas = [e for e in events if isinstance(e, ContentDelta)]
    assert len(deltas) >= 2 and isinstance(events[-1], Done)
    done = events[-1]
    assert done.usage["prompt_tokens"] > 0 and 0 < done.usage["completion_tokens"] <= 12
    assert done.finish_reason in ("stop", "length") and done.reasoning_seconds is None
    saved = convs.get("alice", conv.id)
    assert [m.role for m in saved.messages] == ["user", "assistant"]
    answer = saved.messages[1]
    assert answer.id == done.message_id and answer.content == text_of(events, ContentDelta)
    assert answer.usage == done.usage and answer.model == EMBEDDED and not answer.stopped
    assert saved.title == "What is the capital of France"


def test_embedded_deep_thinking_streams_reasoning_then_the_answer(embedded_gateway, convs):
    conv = embedded_conv(convs, max_tokens=12, thinking=True, thinking_budget=24)

    async def go():
        engine = ChatEngine(convs, embedded_gateway.url + "/v1", MASTER_KEY)
        try:
            return await collect(engine.send("alice", conv.id, "Is 17 a prime number?", context_length=8192))
        finally:
            await engine.aclose()

    events = run(go())
    kinds = [type(e) for e in events]
    assert ReasoningDelta in kinds and ContentDelta in kinds, events
    assert kinds.index(ContentDelta) > kinds.index(ReasoningDelta)
    assert max(i for i, k in enumerate(kinds) if k is ReasoningDelta) < kinds.index(ContentDelta)
    done = events[-1]
    assert isinstance(done, Done) and done.reasoning_seconds > 0
    assert done.usage["completion_tokens_details"]["reasoning_tokens"] > 0
    answer = convs.get("alice", conv.id).messages[-1]
    assert answer.reasoning == text_of(events, ReasoningDelta) and answer.content == text_of(events, ContentDelta)
    assert "<think>" not in answer.content and answer.reasoning_seconds == done.reasoning_seconds


def test_a_model_made_title_replaces_the_automatic_one_but_never_the_users(embedded_gateway, convs):
    conv = embedded_conv(convs)
    convs.add_message("alice", conv.id, "user", "how do I reverse a list in python please")
    convs.add_message("alice", conv.id, "assistant", "Use my_list[::-1] or my_list.reverse().")
    renamed = embedded_conv(convs)
    convs.add_message("alice", renamed.id, "user", "question")
    convs.add_message("alice", renamed.id, "assistant", "answer")
    convs.rename("alice", renamed.id, "Mine")

    async def go():
        engine = ChatEngine(convs, embedded_gateway.url + "/v1", MASTER_KEY)
        try:
            titler = ModelTitler(engine.client, EMBEDDED, max_tokens=16)
            return await engine.retitle("alice", conv.id, titler), await engine.retitle("alice", renamed.id, titler)
        finally:
            await engine.aclose()

    made, untouched = run(go())
    saved = convs.get("alice", conv.id)
    assert made and saved.title == made and saved.title_source == "model" and len(made) <= 120
    assert untouched is None and convs.get("alice", renamed.id).title == "Mine"


# -- fake upstreams behind the real gateway ------------------------------------------------------
class RefuseLongPrompts:
    """Wraps a fake upstream: the next ``armed`` chat requests get vLLM's context-length error (400)."""

    def __init__(self, app) -> None:
        self.app, self.armed, self.refused, self.message = app, 0, [], CONTEXT_REFUSAL

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/chat/completions")
                and self.armed > 0):
            self.armed -= 1
            body, more = b"", True
            while more:
                message = await receive()
                body, more = body + message.get("body", b""), message.get("more_body", False)
            self.refused.append(orjson.loads(body))
            payload = orjson.dumps({"object": "error", "message": self.message, "type": "BadRequestError",
                                    "param": None, "code": 400})
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        await self.app(scope, receive, send)


def start_refusing() -> tuple[FakeUpstream, RefuseLongPrompts]:
    app = RefuseLongPrompts(create_app("plain"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server, thread = serve_in_thread(app, sock, f"fake-refusing-{port}")
    return FakeUpstream(url=f"http://127.0.0.1:{port}", port=port, _server=server, _thread=thread), app


@pytest.fixture(scope="module")
def fake_gw(tmp_path_factory) -> Iterator[tuple[GatewayProcess, dict]]:
    r1, slow = start_fake("sglang"), start_fake("vllm", chunk_delay=0.05, chunks=200)
    refusing, refuser = start_refusing()

    def deployment(fake: FakeUpstream) -> list[dict]:
        return [{"backend": "openai", "base_url": f"{fake.url}/v1", "model": "fake-model"}]

    config = {"gateway": {"embedded": {"enabled": False}, "health_interval_s": 600, "cooldown_s": 0.5},
              "models": [
                  {"id": "r1", "capabilities": {"reasoning": True, "context_length": 4096},
                   "deployments": deployment(r1)},
                  {"id": "long-talk", "capabilities": {"context_length": 32768}, "deployments": deployment(refusing)},
                  {"id": "slow", "deployments": deployment(slow)}]}
    path: Path = tmp_path_factory.mktemp("chat-fakes") / "models.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    gateway = GatewayProcess(tmp_path_factory.mktemp("chat-gw"), config=path).start()
    fakes = {"r1": r1, "slow": slow, "refusing": refusing, "refuser": refuser}
    yield gateway, fakes
    gateway.stop()
    for fake in (r1, slow, refusing):
        fake.stop()


def chat_posts(fake: FakeUpstream) -> list[dict]:
    return [r["json"] for r in fake.requests() if r["method"] == "POST" and r["path"].endswith("/chat/completions")]


def recording_engine(convs: Conversations, gateway: GatewayProcess, sent: list[dict]) -> ChatEngine:
    """An engine whose HTTP client notes every request body it sends to the gateway."""
    async def note(request: httpx2.Request) -> None:
        if request.url.path.endswith("/chat/completions"):
            sent.append(json.loads(request.content))

    client = openai.AsyncOpenAI(base_url=gateway.url + "/v1", api_key=MASTER_KEY, max_retries=0,
                                http_client=httpx2.AsyncClient(event_hooks={"request": [note]}, timeout=30))
    return ChatEngine(convs, gateway.url + "/v1", MASTER_KEY, client=client)


def test_reasoning_is_separated_saved_and_never_sent_back(fake_gw, convs):
    gateway, fakes = fake_gw
    fakes["r1"].reset()
    conv = convs.create("alice", model="r1", system_prompt="You are a careful physicist.")
    sent: list[dict] = []

    async def go():
        engine = recording_engine(convs, gateway, sent)
        try:
            first = await collect(engine.send("alice", conv.id, "why is the sky blue"))
            second = await collect(engine.send("alice", conv.id, "and at sunset"))
            return first, second
        finally:
            await engine.aclose()

    first, second = run(go())
    assert text_of(first, ReasoningDelta) == "Thinking about: why is the sky blue"
    assert text_of(first, ContentDelta) == "Echo: why is the sky blue"
    kinds = [type(e) for e in first]
    assert max(i for i, k in enumerate(kinds) if k is ReasoningDelta) < kinds.index(ContentDelta)
    assert isinstance(first[-1], Done) and first[-1].usage["total_tokens"] > 0
    assert first[-1].reasoning_seconds is not None and isinstance(second[-1], Done)

    saved = convs.get("alice", conv.id).messages
    assert saved[1].reasoning == "Thinking about: why is the sky blue"
    assert saved[1].content == "Echo: why is the sky blue"
    # what the engine sent on the second turn, and what reached the model server
    expected = [{"role": "system", "content": "You are a careful physicist."},
                {"role": "user", "content": "why is the sky blue"},
                {"role": "assistant", "content": "Echo: why is the sky blue"},
                {"role": "user", "content": "and at sunset"}]
    assert sent[-1]["messages"] == expected and sent[-1]["stream"] is True
    upstream = chat_posts(fakes["r1"])[-1]["messages"]
    assert [m["role"] for m in upstream] == ["system", "user", "assistant", "user"]
    assert "Thinking about" not in json.dumps(upstream, ensure_ascii=False)


def test_deep_thinking_setting_reaches_the_gateway(fake_gw, convs):
    gateway, fakes = fake_gw
    conv = convs.create("alice", model="r1", thinking=True, thinking_budget=300, max_tokens=200, temperature=0.3)
    sent: list[dict] = []

    async def go():
        engine = recording_engine(convs, gateway, sent)
        try:
            return await collect(engine.send("alice", conv.id, "hello"))
        finally:
            await engine.aclose()

    events = run(go())
    assert isinstance(events[-1], Done)
    assert sent[-1]["thinking"] == {"type": "enabled", "budget_tokens": 300}
    assert (sent[-1]["max_tokens"], sent[-1]["temperature"]) == (200, 0.3)
    assert sent[-1]["stream_options"] == {"include_usage": True}


def long_history(convs: Conversations, cid: str, turns: int = 5) -> None:
    for n in range(turns):
        convs.add_message("alice", cid, "user", f"old question {n} " + "lorem ipsum " * 300)
        convs.add_message("alice", cid, "assistant", f"old answer {n} " + "dolor sit amet " * 700)


def test_a_context_length_error_is_answered_by_a_trimmed_retry(fake_gw, convs):
    gateway, fakes = fake_gw
    fakes["refusing"].reset()
    fakes["refuser"].armed, fakes["refuser"].refused = 1, []
    conv = convs.create("alice", model="long-talk", system_prompt="Keep it short.")
    long_history(convs, conv.id)

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        try:
            first = await collect(engine.send("alice", conv.id, "the newest question"))   # window from /v1/models
            await collect(engine.send("alice", conv.id, "and one more"))
            return first
        finally:
            await engine.aclose()

    events = run(go())
    assert not [e for e in events if isinstance(e, Error)], events
    assert text_of(events, ContentDelta) == "Echo: the newest question"
    refused, = fakes["refuser"].refused
    retried, following = chat_posts(fakes["refusing"])
    assert len(refused["messages"]) == 12                           # everything fitted the advertised window
    assert len(retried["messages"]) < len(refused["messages"])      # older turns left out on the retry
    assert retried["messages"][0] == {"role": "system", "content": "Keep it short."}
    assert retried["messages"][-1] == {"role": "user", "content": "the newest question"}
    assert len(retried["messages"]) == 2                            # the refusal named a 4096-token window
    assert events[-1].trimmed == len(refused["messages"]) - len(retried["messages"])
    # the next question goes straight to the window the server named: no refused request first
    assert len(fakes["refuser"].refused) == 1 and [m["content"] for m in following["messages"][1:]] == \
        ["the newest question", "Echo: the newest question", "and one more"]
    assert len(convs.get("alice", conv.id).messages) == 14          # the saved conversation is never trimmed


def test_a_refusal_naming_no_window_halves_the_budget(fake_gw, convs, monkeypatch):
    gateway, fakes = fake_gw
    fakes["refusing"].reset()
    fakes["refuser"].armed, fakes["refuser"].refused = 1, []
    llama_cpp = "the request exceeds the available context size, try increasing it"     # names no number
    monkeypatch.setattr(fakes["refuser"], "message", llama_cpp)
    conv = convs.create("alice", model="long-talk")
    long_history(convs, conv.id)

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        try:
            return await collect(engine.send("alice", conv.id, "the newest question", context_length=32768))
        finally:
            await engine.aclose()

    events = run(go())
    assert isinstance(events[-1], Done) and events[-1].trimmed > 0
    refused, = fakes["refuser"].refused
    retried, = chat_posts(fakes["refusing"])
    assert estimate_messages(refused["messages"]) > prompt_budget(32768, None) // 2      # it had to trim ...
    assert estimate_messages(retried["messages"]) <= prompt_budget(32768, None) // 2     # ... to half the budget
    assert len(retried["messages"]) > 1 and retried["messages"][-1]["content"] == "the newest question"


def test_a_context_length_error_twice_reads_plainly(fake_gw, convs):
    gateway, fakes = fake_gw
    fakes["refuser"].armed, fakes["refuser"].refused = 2, []
    conv = convs.create("alice", model="long-talk")
    long_history(convs, conv.id, 2)

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        try:
            return await collect(engine.send("alice", conv.id, "again"))
        finally:
            await engine.aclose()

    events = run(go())
    assert len(fakes["refuser"].refused) == 2 and len(events) == 1
    err = events[0]
    assert isinstance(err, Error) and err.code == "too_long"
    assert "context window" in err.message and "上下文" in err.text("zh") and "4096" not in err.message + err.text("zh")
    assert convs.get("alice", conv.id).messages[-1].content == "again"      # the question stays, unanswered


def test_a_message_too_long_for_the_window_is_refused_before_sending(fake_gw, convs):
    gateway, fakes = fake_gw
    fakes["r1"].reset()
    conv = convs.create("alice", model="r1")

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        try:
            return await collect(engine.send("alice", conv.id, "长" * 5000))         # r1's window is 4096
        finally:
            await engine.aclose()

    events = run(go())
    assert [e.code for e in events] == ["too_long"] and chat_posts(fakes["r1"]) == []


def test_stop_saves_the_partial_answer_and_cancels_the_model(fake_gw, convs):
    gateway, fakes = fake_gw
    fakes["slow"].reset()
    conv = convs.create("alice", model="slow")

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        got: list = []
        try:
            events = engine.send("alice", conv.id, "tell me a long story")
            async for event in events:
                got.append(event)
                if len([e for e in got if isinstance(e, ContentDelta)]) == 3:
                    break
            await events.aclose()                                   # what a stop button does
            return got
        finally:
            await engine.aclose()

    started = time.monotonic()
    got = run(go())
    assert time.monotonic() - started < 8                           # 200 chunks x 50 ms were not waited for
    answer = convs.get("alice", conv.id).messages[-1]
    assert answer.role == "assistant" and answer.stopped and answer.error is None
    assert answer.content == text_of(got, ContentDelta) and answer.content.count("tok") >= 2
    deadline = time.monotonic() + 5
    while not fakes["slow"].requests()[-1]["cancelled"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fakes["slow"].requests()[-1]["cancelled"]               # the gateway stopped the model server too


def test_a_task_cancelled_midway_also_saves_what_arrived(fake_gw, convs):
    gateway, _ = fake_gw
    conv = convs.create("alice", model="slow")

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        seen: list = []

        async def consume():
            async for event in engine.send("alice", conv.id, "another long story"):
                seen.append(event)

        task = asyncio.create_task(consume())
        while len(seen) < 4:
            await asyncio.sleep(0.02)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await engine.aclose()
        return seen

    seen = run(go())
    answer = convs.get("alice", conv.id).messages[-1]
    assert answer.role == "assistant" and answer.stopped
    assert answer.content.startswith(text_of(seen, ContentDelta))


def test_a_stream_that_breaks_keeps_what_arrived_and_says_so(fake_gw, convs):
    gateway, fakes = fake_gw
    fakes["r1"].reset()
    fakes["r1"].set_fault("cut_stream", count=1, after=3)
    conv = convs.create("alice", model="r1")

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        try:
            return await collect(engine.send("alice", conv.id, "one two three four five"))
        finally:
            await engine.aclose()

    events = run(go())
    fakes["r1"].set_fault(None)
    err = events[-1]
    assert isinstance(err, Error) and err.code == "broken" and "regenerate" in err.message
    assert "Traceback" not in err.message and not [e for e in events if isinstance(e, Done)]
    answer = convs.get("alice", conv.id).messages[-1]
    assert answer.role == "assistant" and answer.error == "broken" and not answer.stopped
    assert answer.reasoning == text_of(events, ReasoningDelta) != ""


def test_regenerate_and_edit_and_resend(fake_gw, convs):
    gateway, fakes = fake_gw
    conv = convs.create("alice", model="r1")

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        try:
            await collect(engine.send("alice", conv.id, "first question"))
            await collect(engine.send("alice", conv.id, "second question"))
            await collect(engine.regenerate("alice", conv.id))
            first = convs.get("alice", conv.id).messages[0]
            await collect(engine.resend("alice", conv.id, first.id, "first question, edited"))
        finally:
            await engine.aclose()

    run(go())
    assert [(m.role, m.content) for m in convs.get("alice", conv.id).messages] == [
        ("user", "first question, edited"), ("assistant", "Echo: first question, edited")]


def test_a_fixed_reply_is_saved_without_calling_the_model_on_all_three_paths(fake_gw, convs):
    gateway, fakes = fake_gw
    conv = convs.create("alice", model="r1")
    sent: list[dict] = []
    fixed = "Nothing about this in the knowledge bases."

    async def go():
        engine = recording_engine(convs, gateway, sent)
        try:
            events = await collect(engine.send("alice", conv.id, "unrelated question", reply=fixed))
            await collect(engine.regenerate("alice", conv.id, reply=fixed + " (again)"))
            first = convs.get("alice", conv.id).messages[0]
            await collect(engine.resend("alice", conv.id, first.id, "edited question", reply=fixed + " (edited)"))
            return events
        finally:
            await engine.aclose()

    events = run(go())
    assert text_of(events, ContentDelta) == fixed and isinstance(events[-1], Done) and events[-1].usage is None
    assert sent == []                                               # the gateway was never asked
    kept = convs.get("alice", conv.id).messages
    assert [(m.role, m.content, m.model) for m in kept] == [("user", "edited question", None),
                                                            ("assistant", fixed + " (edited)", None)]
    assert events[-1].message_id                                    # the answer was saved (the first one)


def test_readable_errors_and_refusals(fake_gw, convs):
    gateway, _ = fake_gw
    unknown = convs.create("alice", model="no-such-model")
    no_model = convs.create("alice")

    async def go():
        engine = ChatEngine(convs, gateway.url + "/v1", MASTER_KEY)
        bad_key = ChatEngine(convs, gateway.url + "/v1", "sk-wrong")
        try:
            missing = await collect(engine.send("alice", unknown.id, "hi"))
            wrong_key = await collect(bad_key.send("alice", unknown.id, "hi"))
            with pytest.raises(ConversationError) as exc:
                await collect(engine.send("alice", no_model.id, "hi"))
            with pytest.raises(ConversationError):
                await collect(engine.send("bob", unknown.id, "hi"))          # not bob's conversation
            return missing, wrong_key, exc.value
        finally:
            await engine.aclose()
            await bad_key.aclose()

    missing, wrong_key, refusal = run(go())
    assert [e.code for e in missing] == ["model"] and "Pick another model" in missing[0].message
    assert [e.code for e in wrong_key] == ["key"] and "重新登录" in wrong_key[0].text("zh")
    assert refusal.field == "model" and "请先为该对话选择模型" in refusal.text("zh")
    assert [m.content for m in convs.get("alice", unknown.id).messages] == ["hi", "hi"]
