"""OpenAI's response shapes for chat completions, whatever the upstream sent.

Every answer leaves the gateway as OpenAI's ``chat.completion`` / ``chat.completion.chunk``
(openai-openapi ``CreateChatCompletionResponse`` / ``CreateChatCompletionStreamResponse``):
the fields OpenAI requires are present (nullable ones as ``null``: ``choices[].logprobs``,
``message.refusal``; ``message.annotations`` as ``[]``), and an upstream's own fields are
dropped (llama.cpp's ``timings`` and ``system_fingerprint``, vLLM's ``stop_reason``,
``prompt_logprobs``, ``kv_transfer_params``, SGLang's ``matched_stop``, ...). The documented
extensions stay: ``reasoning_content`` on a message or delta, ``usage.estimated``.

These run once per chunk on the stream hot path: plain dict building, no copies of text.
"""

from __future__ import annotations

FINISH_REASONS = frozenset(("stop", "length", "tool_calls", "content_filter", "function_call"))
DELTA_ROLES = frozenset(("developer", "system", "user", "assistant", "tool"))
DELTA_KEYS = frozenset(("role", "content", "reasoning_content", "tool_calls", "refusal", "function_call"))
COMPLETION_DETAILS = ("accepted_prediction_tokens", "audio_tokens", "reasoning_tokens", "rejected_prediction_tokens")
PROMPT_DETAILS = ("audio_tokens", "cached_tokens")


def model_card(model, created: int) -> dict:
    """A catalogue model as ``GET /v1/models`` lists it (OpenAI's Model plus our kind/capabilities)."""
    caps = model.capabilities
    return {"id": model.id, "object": "model", "created": created, "owned_by": "maas", "kind": model.kind,
            "description": model.description,
            "capabilities": {"reasoning": caps.reasoning, "tools": caps.tools,
                             "context_length": caps.context_length, "vision": caps.vision}}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _finish(value: object, default: str | None) -> str | None:
    if value is None:
        return default
    return value if value in FINISH_REASONS else "stop"


def _logprobs(value: object) -> dict | None:
    if not isinstance(value, dict):
        return None
    return {"content": value.get("content"), "refusal": value.get("refusal")}


def _tool_call(call: dict, index: int) -> dict:
    fn = call.get("function") if isinstance(call.get("function"), dict) else {}
    args = fn.get("arguments")
    return {"id": call.get("id") or f"call_{index}", "type": "function",
            "function": {"name": fn.get("name") or "", "arguments": args if isinstance(args, str) else "{}"}}


def message(m: dict) -> dict:
    """An assistant message as OpenAI's ``ChatCompletionResponseMessage`` (+ ``reasoning_content``)."""
    out: dict = {"role": "assistant", "content": _text(m.get("content")), "refusal": _text(m.get("refusal")),
                 "annotations": m["annotations"] if isinstance(m.get("annotations"), list) else []}
    calls = m.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["tool_calls"] = [_tool_call(c, i) for i, c in enumerate(calls) if isinstance(c, dict)]
    call = m.get("function_call")
    if isinstance(call, dict) and isinstance(call.get("name"), str):
        out["function_call"] = {"name": call["name"], "arguments": _text(call.get("arguments")) or ""}
    if isinstance(m.get("reasoning_content"), str):
        out["reasoning_content"] = m["reasoning_content"]
    return out


def usage(u: dict) -> dict:
    """Usage with only OpenAI's token details (and our ``estimated`` flag)."""
    out = {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"],
           "total_tokens": u["total_tokens"]}
    for key, allowed in (("completion_tokens_details", COMPLETION_DETAILS), ("prompt_tokens_details", PROMPT_DETAILS)):
        details = u.get(key)
        if isinstance(details, dict):
            kept = {k: details[k] for k in allowed if isinstance(details.get(k), int)}
            if kept:
                out[key] = kept
    if u.get("estimated"):
        out["estimated"] = True
    return out


def completion(result: dict, model_id: str, choices: list[dict], u: dict, fallback_id: str, created: int) -> dict:
    """The ``chat.completion`` object: ``choices`` already shaped with ``choice``."""
    rid = result.get("id")
    when = result.get("created")
    return {"id": rid if isinstance(rid, str) and rid else fallback_id, "object": "chat.completion",
            "created": when if isinstance(when, int) and not isinstance(when, bool) else created,
            "model": model_id, "choices": choices, "usage": usage(u)}


def choice(raw: dict, shaped_message: dict, index: int) -> dict:
    finish = "tool_calls" if shaped_message.get("tool_calls") else "stop"
    i = raw.get("index")
    return {"index": i if isinstance(i, int) else index, "message": shaped_message,
            "logprobs": _logprobs(raw.get("logprobs")), "finish_reason": _finish(raw.get("finish_reason"), finish)}


def _delta(delta: dict) -> dict:
    """A delta with only OpenAI's keys (+ reasoning_content), a known role, tool call chunks indexed."""
    delta = {k: v for k, v in delta.items() if k in DELTA_KEYS}
    if delta.get("role") is not None and delta["role"] not in DELTA_ROLES:
        del delta["role"]
    calls = delta.get("tool_calls")
    if isinstance(calls, list):
        delta["tool_calls"] = [{"index": i, **c} if isinstance(c, dict) and "index" not in c else c
                               for i, c in enumerate(calls)]
    return delta


def chunk(raw: dict, model_id: str, fallback_id: str, created: int) -> dict:
    """A ``chat.completion.chunk`` from an upstream chunk whose choices were normalised in place.

    The hot path (a plain content delta) builds two small dicts and calls nothing else."""
    rid = raw.get("id")
    when = raw.get("created")
    choices = []
    for position, c in enumerate(raw.get("choices") or ()):
        if c.__class__ is not dict:
            continue
        delta = c.get("delta")
        if delta.__class__ is not dict:
            delta = {}
        elif not DELTA_KEYS.issuperset(delta) or "tool_calls" in delta or (
                "role" in delta and delta["role"] not in DELTA_ROLES):
            delta = _delta(delta)
        i = c.get("index")
        logprobs = c.get("logprobs")
        finish = c.get("finish_reason")
        choices.append({"index": i if i.__class__ is int else position, "delta": delta,
                        "logprobs": None if logprobs is None else _logprobs(logprobs),
                        "finish_reason": finish if finish is None or finish in FINISH_REASONS else "stop"})
    return {"id": rid if rid.__class__ is str and rid else fallback_id, "object": "chat.completion.chunk",
            "created": when if when.__class__ is int else created, "model": model_id, "choices": choices}
