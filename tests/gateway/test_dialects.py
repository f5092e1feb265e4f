"""Every upstream dialect looks like OpenAI (+ DeepSeek's reasoning_content) to an SDK client.

The gateway runs as a real process over fake vLLM / SGLang / Ollama / inline-<think> servers
(tests/gateway/conftest.py); the client is the official openai SDK.
"""

from __future__ import annotations

import base64
import struct

import httpx
import openai
import pytest

from tests.fakes import dialects as d
from tests.gateway.conftest import FAKE_OF, REASONING_MODELS, auth, catalogue, chat_posts, error_of

QUESTION = "hello there"
MESSAGES = [{"role": "user", "content": QUESTION}]
REASONING = "Thinking about: " + QUESTION      # what every reasoning fake thinks
ANSWER = "Echo: " + QUESTION                   # what every fake answers


def reasoning_of(obj) -> str | None:
    """``reasoning_content`` of an SDK message or delta (an extra field the SDK keeps)."""
    return (obj.model_extra or {}).get("reasoning_content")


def expected_usage(dialect: str, messages: list[dict]) -> dict:
    """The counts the fake reports for this prompt, in OpenAI's shape."""
    u = d.usage(dialect, d.plan_reply(dialect, {"messages": messages}))
    reasoning = u.pop("reasoning_tokens", None) or (u.get("completion_tokens_details") or {}).get("reasoning_tokens")
    return {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"],
            "total_tokens": u["total_tokens"], "reasoning_tokens": reasoning}


def stream_all(client: openai.OpenAI, model: str, **kw):
    chunks = list(client.chat.completions.create(model=model, messages=MESSAGES, stream=True, **kw))
    reasoning = "".join(reasoning_of(c.choices[0].delta) or "" for c in chunks if c.choices)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return chunks, reasoning, content


# -- 1. reasoning becomes reasoning_content --------------------------------------------------
@pytest.mark.parametrize("dialect", list(REASONING_MODELS))
def test_reasoning_non_stream(client, dialect):
    resp = client.chat.completions.create(model=REASONING_MODELS[dialect], messages=MESSAGES)
    message = resp.choices[0].message
    assert reasoning_of(message) == REASONING
    assert message.content == ANSWER
    assert "reasoning" not in (message.model_extra or {})        # vLLM/Ollama's own field is not passed on
    assert resp.model == REASONING_MODELS[dialect]
    assert resp.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("dialect", list(REASONING_MODELS))
def test_reasoning_stream(client, dialect):
    chunks, reasoning, content = stream_all(client, REASONING_MODELS[dialect])
    assert reasoning == REASONING
    assert content == ANSWER
    assert "<think>" not in content + reasoning and "</think>" not in content + reasoning
    assert all(c.model == REASONING_MODELS[dialect] for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert all("reasoning" not in (c.choices[0].delta.model_extra or {}) for c in chunks if c.choices)


@pytest.mark.parametrize("dialect", ["inline", "inline-open"])
def test_inline_tags_cut_across_chunks_never_leak(client, fakes, dialect):
    """The fake splits '<think>' and '</think>' in half across chunks; no fragment reaches the client."""
    chunks, reasoning, content = stream_all(client, REASONING_MODELS[dialect])
    assert (reasoning, content) == (REASONING, ANSWER)
    for c in chunks:
        if c.choices:
            delta = c.choices[0].delta
            for text in (delta.content or "", reasoning_of(delta) or ""):
                assert "<" not in text and ">" not in text, text
    # the upstream really did cut the tags (so this test keeps meaning what it says)
    upstream = d.cut_tags(d.pieces(d.content_text(dialect, d.Reply(REASONING, ANSWER, "stop", 2))))
    assert any(p.endswith("</th") for p in upstream)


def test_plain_model_has_no_reasoning(client):
    message = client.chat.completions.create(model="plain", messages=MESSAGES).choices[0].message
    assert message.content == ANSWER and reasoning_of(message) is None
    _, reasoning, content = stream_all(client, "plain")
    assert (reasoning, content) == ("", ANSWER)


# -- 2. usage ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dialect", [*REASONING_MODELS, "plain"])
def test_non_stream_usage_matches_upstream_counts(client, dialect):
    model = REASONING_MODELS.get(dialect, "plain")
    u = client.chat.completions.create(model=model, messages=MESSAGES).usage
    want = expected_usage(dialect, MESSAGES)
    assert (u.prompt_tokens, u.completion_tokens, u.total_tokens) == (
        want["prompt_tokens"], want["completion_tokens"], want["total_tokens"])
    assert not (u.model_extra or {}).get("estimated")
    if want["reasoning_tokens"]:
        assert u.completion_tokens_details.reasoning_tokens == want["reasoning_tokens"]


def test_sglang_top_level_reasoning_tokens_move_to_details(client, fakes):
    resp = client.chat.completions.create(model="deepseek-r1:32b", messages=MESSAGES)
    raw = chat_posts(fakes["sglang"])
    assert len(raw) == 1
    assert resp.usage.completion_tokens_details.reasoning_tokens == len(REASONING.split()) == 4
    assert "reasoning_tokens" not in (resp.usage.model_extra or {})     # not left at the top level


@pytest.mark.parametrize("dialect", ["vllm", "sglang", "ollama", "inline"])
def test_stream_usage_chunk_when_asked(client, fakes, dialect):
    chunks, _, content = stream_all(client, REASONING_MODELS[dialect], stream_options={"include_usage": True})
    assert content == ANSWER
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    want = expected_usage(dialect, MESSAGES)
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (
        want["prompt_tokens"], want["completion_tokens"], want["total_tokens"])
    assert last.usage.completion_tokens_details.reasoning_tokens == want["reasoning_tokens"]
    assert not (last.usage.model_extra or {}).get("estimated")
    assert all(c.usage is None and c.choices for c in chunks[:-1])
    (sent,) = chat_posts(fakes[FAKE_OF[REASONING_MODELS[dialect]]])
    assert sent["json"]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("dialect", ["vllm", "sglang", "ollama"])
def test_stream_without_include_usage_has_no_usage_chunk(client, fakes, dialect):
    chunks, _, content = stream_all(client, REASONING_MODELS[dialect])
    assert content == ANSWER
    assert all(c.usage is None for c in chunks)
    assert all(c.choices for c in chunks)
    # the gateway still asked upstream for usage (to meter the request)
    (sent,) = chat_posts(fakes[FAKE_OF[REASONING_MODELS[dialect]]])
    assert sent["json"]["stream"] is True
    assert sent["json"]["stream_options"] == {"include_usage": True}


def test_missing_upstream_usage_is_estimated_non_stream(client, fakes):
    fakes["vllm"].set_fault("no_usage", count=1)
    resp = client.chat.completions.create(model="qwen3:235b", messages=MESSAGES)
    assert chat_posts(fakes["vllm"])[0]["fault"] == "no_usage"
    u = resp.usage
    assert u is not None and u.model_extra.get("estimated") is True
    assert u.prompt_tokens > 0 and u.completion_tokens > 0
    assert u.total_tokens == u.prompt_tokens + u.completion_tokens
    assert resp.choices[0].message.content == ANSWER


def test_missing_upstream_usage_is_estimated_stream(client, fakes):
    fakes["vllm"].set_fault("no_usage", count=1)
    chunks, reasoning, content = stream_all(client, "qwen3:235b", stream_options={"include_usage": True})
    assert chat_posts(fakes["vllm"])[0]["fault"] == "no_usage"
    assert (reasoning, content) == (REASONING, ANSWER)
    u = chunks[-1].usage
    assert chunks[-1].choices == [] and u is not None and u.model_extra.get("estimated") is True
    assert u.prompt_tokens > 0 and u.completion_tokens > 0
    assert u.total_tokens == u.prompt_tokens + u.completion_tokens


# -- 3. user-only models: system merged into the first user message ------------------------------
def test_system_merged_into_first_user_message(client, fakes):
    messages = [{"role": "system", "content": "Answer in French."},
                {"role": "user", "content": "first question"},
                {"role": "assistant", "content": "first answer"},
                {"role": "user", "content": "second question"}]
    resp = client.chat.completions.create(model="deepseek-r1:32b", messages=messages)
    assert resp.choices[0].message.content == "Echo: second question"
    (sent,) = chat_posts(fakes["sglang"])
    roles = [m["role"] for m in sent["json"]["messages"]]
    assert roles == ["user", "assistant", "user"]
    first = sent["json"]["messages"][0]["content"]
    assert first.startswith("Answer in French.") and first.endswith("first question")
    assert sent["json"]["messages"][2]["content"] == "second question"


def test_system_merged_in_stream_too(client, fakes):
    list(client.chat.completions.create(
        model="deepseek-r1:32b", stream=True,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]))
    (sent,) = chat_posts(fakes["sglang"])
    assert [m["role"] for m in sent["json"]["messages"]] == ["user"]
    assert sent["json"]["messages"][0]["content"].startswith("Be brief.")


def test_system_given_as_content_parts_is_merged_not_dropped(client, fakes):
    messages = [{"role": "system", "content": [{"type": "text", "text": "Answer in French."}]},
                {"role": "user", "content": "first question"}]
    client.chat.completions.create(model="deepseek-r1:32b", messages=messages)
    (sent,) = chat_posts(fakes["sglang"])
    assert [m["role"] for m in sent["json"]["messages"]] == ["user"]
    assert d.as_text(sent["json"]["messages"][0]["content"]).startswith("Answer in French.")
    assert d.as_text(sent["json"]["messages"][0]["content"]).endswith("first question")


def test_system_kept_for_models_without_the_quirk(client, fakes):
    client.chat.completions.create(model="qwen3:235b", messages=[{"role": "system", "content": "Be brief."},
                                                                 *MESSAGES])
    (sent,) = chat_posts(fakes["vllm"])
    assert sent["json"]["messages"] == [{"role": "system", "content": "Be brief."}, *MESSAGES]


# -- 4. earlier thinking is never sent back upstream ---------------------------------------------
@pytest.mark.parametrize("model", ["qwen3:235b", "deepseek-r1:32b", "r1-inline"])
@pytest.mark.parametrize("stream", [False, True])
def test_thinking_never_echoed_upstream(client, fakes, model, stream):
    history = [{"role": "user", "content": "old question"},
               {"role": "assistant", "content": "<think>old thoughts</think>Old answer",
                "reasoning_content": "old thoughts", "reasoning": "old thoughts"},
               {"role": "user", "content": "new question"}]
    resp = client.chat.completions.create(model=model, messages=history, stream=stream)
    if stream:
        list(resp)
    (sent,) = chat_posts(fakes[FAKE_OF[model]])
    assistant = [m for m in sent["json"]["messages"] if m["role"] == "assistant"]
    assert assistant == [{"role": "assistant", "content": "Old answer"}]
    assert "old thoughts" not in str(sent["json"])
    assert "model" in sent["json"] and sent["json"]["model"] == "fake-model"   # the upstream's name, not ours


def test_thinking_in_content_parts_never_echoed_upstream(client, fakes):
    history = [{"role": "user", "content": "old question"},
               {"role": "assistant", "content": [{"type": "text", "text": "<think>old thoughts</think>Old answer"}]},
               {"role": "user", "content": "new question"}]
    client.chat.completions.create(model="qwen3:235b", messages=history)
    (sent,) = chat_posts(fakes["vllm"])
    (assistant,) = [m for m in sent["json"]["messages"] if m["role"] == "assistant"]
    assert d.as_text(assistant["content"]) == "Old answer"
    assert "old thoughts" not in str(sent["json"])


def test_client_key_never_reaches_the_model_server(client, gw, fakes):
    client.chat.completions.create(model="qwen3:235b", messages=MESSAGES)
    (sent,) = chat_posts(fakes["vllm"])
    assert gw.master_key not in str(sent["headers"])


# -- 5. model ids ---------------------------------------------------------------------------------
def test_models_lists_every_configured_id(client, fakes):
    configured = {m["id"] for m in catalogue(fakes, 1)["models"]}
    listed = client.models.list().data
    assert {m.id for m in listed} == configured            # the embedded models are switched off
    kinds = {m.id: m.model_extra["kind"] for m in listed}
    assert kinds["bge-large-zh"] == "embedding" and kinds["bge-reranker"] == "rerank"
    assert kinds["deepseek-r1:32b"] == "chat"


@pytest.mark.parametrize("model_id", ["deepseek-r1:32b", "qwen3:235b", "llama3:8b"])
def test_model_with_colon_retrieve_and_chat(client, model_id):
    card = client.models.retrieve(model_id)
    assert card.id == model_id and card.model_extra["kind"] == "chat"
    assert card.model_extra["capabilities"]["reasoning"] is True
    resp = client.chat.completions.create(model=model_id, messages=MESSAGES)
    assert resp.model == model_id and resp.choices[0].message.content == ANSWER


def test_retrieve_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("no-such:model")
    err = error_of(info.value.response.json())
    assert err["code"] == "model_not_found" and err["param"] == "model"


# -- 9. rerank and embeddings --------------------------------------------------------------------
DOCS = ["Paris is the capital of France.", "Bananas are yellow.", "The capital of Japan is Tokyo.",
        "France borders Spain."]
QUERY = "capital of France"


def rerank(client: openai.OpenAI, **body):
    return client.post("/rerank", body=body, cast_to=object)


@pytest.mark.parametrize("model,fake", [("bge-reranker", "vllm"), ("sglang-reranker", "sglang")])
def test_rerank_dialects_become_one_shape(client, fakes, model, fake):
    out = rerank(client, model=model, query=QUERY, documents=DOCS)
    assert out["model"] == model
    results = out["results"]
    assert [set(r) for r in results] == [{"index", "relevance_score", "document"}] * len(DOCS)
    scores = [r["relevance_score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert results[0]["index"] == 0 and results[0]["document"] == {"text": DOCS[0]}
    for r in results:
        assert r["document"] == {"text": DOCS[r["index"]]}
        assert r["relevance_score"] == pytest.approx(d.overlap(QUERY, DOCS[r["index"]]))
    assert out["usage"]["total_tokens"] > 0
    assert [r["path"] for r in fakes[fake].requests() if r["method"] == "POST"] == ["/v1/rerank"]


@pytest.mark.parametrize("model", ["bge-reranker", "sglang-reranker"])
def test_rerank_top_n_and_no_documents(client, model):
    out = rerank(client, model=model, query=QUERY, documents=DOCS, top_n=2, return_documents=False)
    assert len(out["results"]) == 2
    assert all(set(r) == {"index", "relevance_score"} for r in out["results"])
    assert out["results"][0]["index"] == 0
    assert out["results"][0]["relevance_score"] >= out["results"][1]["relevance_score"]


def test_rerank_without_v1_prefix(gw, fakes):
    body = {"model": "bge-reranker", "query": QUERY, "documents": [{"text": t} for t in DOCS], "top_n": 1}
    resp = httpx.post(gw.url + "/rerank", json=body, headers=auth(gw), timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"] == [{"index": 0, "relevance_score": pytest.approx(1.0),
                                       "document": {"text": DOCS[0]}}]


def test_embeddings_float(client):
    resp = client.embeddings.create(model="bge-large-zh", input=["你好", "hello world"], encoding_format="float")
    assert resp.model == "bge-large-zh"
    assert [e.index for e in resp.data] == [0, 1]
    assert resp.data[0].embedding == pytest.approx(d.embedding("你好"))
    assert resp.data[1].embedding == pytest.approx(d.embedding("hello world"))
    assert resp.usage.prompt_tokens == resp.usage.total_tokens == 3


def test_embeddings_base64(client, fakes):
    resp = client.embeddings.create(model="bge-large-zh", input="hello world", encoding_format="base64")
    raw = base64.b64decode(resp.data[0].embedding)
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == pytest.approx(d.embedding("hello world"))
    # the SDK's default asks for base64 and decodes it itself
    default = client.embeddings.create(model="bge-large-zh", input="hello world")
    assert default.data[0].embedding == pytest.approx(d.embedding("hello world"))
    sent = [r["json"] for r in fakes["vllm"].requests() if r["path"] == "/v1/embeddings"]
    assert [s["encoding_format"] for s in sent] == ["base64", "base64"]
    assert all(s["model"] == "fake-model" for s in sent)
