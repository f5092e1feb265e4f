"""Pure, deterministic payload builders for the fake upstreams (no I/O).

Each dialect differs only in where reasoning goes, how usage counts it, and the error shape:
  vllm / ollama  -> message.reasoning, usage.completion_tokens_details.reasoning_tokens
  sglang         -> message.reasoning_content, usage.reasoning_tokens (top level), FLAT errors
  inline         -> content "<think>R</think>A"   (tags cut across stream chunks)
  inline-open    -> content "R</think>A"          (no opening tag, DeepSeek-R1 style)
  plain          -> no reasoning at all
Token counts are whitespace-separated words.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
import time
from dataclasses import dataclass
from typing import Any

DIALECTS = ("vllm", "sglang", "ollama", "inline", "inline-open", "plain")
REASONING_FIELD = {"vllm": "reasoning", "ollama": "reasoning", "sglang": "reasoning_content"}
INTERNAL_DETAIL = (
    'Traceback (most recent call last):\n  File "/opt/vllm/secret_path.py", line 42, in generate\n'
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB on GPU 0"
)
TOOL_ARGS_PIECES = ('{"city": ', '"Paris"}')
_ERROR_TYPES = {400: "BadRequestError", 404: "NotFoundError", 500: "InternalServerError",
                503: "ServiceUnavailableError"}
_TAGS = ("<think>", "</think>")


def words(text: str) -> list[str]:
    return text.split()


def as_text(content: Any) -> str:
    """Message content (str, list of parts, or None) as plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def error_body(dialect: str, status: int, message: str) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "APIError")
    if dialect == "sglang":
        return {"object": "error", "message": message, "type": kind, "param": None, "code": status}
    return {"error": {"message": message, "type": kind, "param": None, "code": status}}


@dataclass
class Reply:
    reasoning: str
    answer: str
    finish: str  # "stop" | "length" | "tool_calls"
    prompt_tokens: int
    tool_call: dict[str, Any] | None = None

    @property
    def completion_tokens(self) -> int:
        tool = sum(len(words(p)) for p in TOOL_ARGS_PIECES) if self.tool_call else 0
        return len(words(self.reasoning)) + len(words(self.answer)) + tool


def plan_reply(dialect: str, body: dict[str, Any], n_chunks: int | None = None) -> Reply:
    """Decide what the model 'says' for a chat request."""
    msgs = body["messages"]
    prompt_tokens = sum(len(words(as_text(m.get("content")))) for m in msgs if isinstance(m, dict))
    last = msgs[-1] if isinstance(msgs[-1], dict) else {}
    if last.get("role") == "assistant":  # prefill: continue the assistant message, raw text only
        prefix = as_text(last.get("content"))
        inside_think = prefix.rfind("<think>") > prefix.rfind("</think>")
        text = "continuing thought</think>continued" if inside_think else "continued"
        stop = body.get("stop") or []
        for s in [stop] if isinstance(stop, str) else stop:
            if s and s in text:
                text = text[: text.index(s)]
        return Reply("", text, "stop", prompt_tokens)

    user = next((as_text(m.get("content")) for m in reversed(msgs) if m.get("role") == "user"), "")
    reasoning = "" if dialect == "plain" else "Thinking about: " + user
    tools = body.get("tools") or []
    if tools and "weather" in user.lower():
        name = tools[0].get("function", {}).get("name", "tool")
        call = {"id": "call_fake0", "type": "function",
                "function": {"name": name, "arguments": "".join(TOOL_ARGS_PIECES)}}
        return Reply(reasoning, "", "tool_calls", prompt_tokens, call)
    if n_chunks:
        return Reply(reasoning, " ".join(["tok"] * n_chunks), "stop", prompt_tokens)
    answer = words("Echo: " + user)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    finish = "stop"
    if isinstance(limit, int) and len(answer) > limit:
        answer, finish = answer[:limit], "length"
    return Reply(reasoning, " ".join(answer), finish, prompt_tokens)


def content_text(dialect: str, r: Reply) -> str:
    if dialect == "inline" and r.reasoning:
        return f"<think>{r.reasoning}</think>{r.answer}"
    if dialect == "inline-open" and r.reasoning:
        return f"{r.reasoning}</think>{r.answer}"
    return r.answer


def usage(dialect: str, r: Reply) -> dict[str, Any]:
    rt = len(words(r.reasoning))
    out: dict[str, Any] = {
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.prompt_tokens + r.completion_tokens,
    }
    if dialect == "sglang":
        out["reasoning_tokens"] = rt
    elif rt:
        out["completion_tokens_details"] = {"reasoning_tokens": rt}
    return out


# What each server adds of its own (as seen from vLLM 0.11, SGLang 0.5, Ollama 0.12, llama.cpp's server);
# the gateway must not pass these on (OpenAI's shape, gateway.inference.shapes).
TOP_EXTRAS: dict[str, dict[str, Any]] = {
    "vllm": {"service_tier": None, "system_fingerprint": None, "prompt_logprobs": None, "prompt_token_ids": None,
             "kv_transfer_params": None},
    "sglang": {"metadata": {"weight_version": "default"}},
    "ollama": {"system_fingerprint": "fp_ollama"},
    "plain": {"system_fingerprint": "b0-unknown"},          # llama.cpp's server
    "inline": {"system_fingerprint": "b0-unknown"},
}
CHOICE_EXTRAS: dict[str, dict[str, Any]] = {
    "vllm": {"logprobs": None, "stop_reason": None},
    "sglang": {"logprobs": None, "matched_stop": None},
}
MESSAGE_EXTRAS: dict[str, dict[str, Any]] = {
    "vllm": {"refusal": None, "annotations": None, "audio": None, "function_call": None},
    "sglang": {"tool_calls": None},
}
LLAMA_TIMINGS = {"prompt_n": 2, "prompt_ms": 12.5, "predicted_n": 3, "predicted_ms": 40.1}


def completion(dialect: str, model: str, r: Reply, rid: str, *, with_usage: bool = True) -> dict[str, Any]:
    text = content_text(dialect, r)
    msg: dict[str, Any] = {"role": "assistant", "content": text if text or not r.tool_call else None,
                           **MESSAGE_EXTRAS.get(dialect, {})}
    if fld := REASONING_FIELD.get(dialect):
        msg[fld] = r.reasoning or None
    if r.tool_call:
        msg["tool_calls"] = [r.tool_call]
    elif dialect == "vllm":
        msg["tool_calls"] = []
    out: dict[str, Any] = {
        "id": rid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": msg, "finish_reason": r.finish, **CHOICE_EXTRAS.get(dialect, {})}],
        **TOP_EXTRAS.get(dialect, {}),
    }
    if with_usage:
        out["usage"] = usage(dialect, r)
    if dialect in ("plain", "inline"):
        out["timings"] = LLAMA_TIMINGS
    return out


def pieces(text: str) -> list[str]:
    """Word-chunks, each keeping its leading whitespace: 'a b' -> ['a', ' b']."""
    return re.findall(r"\s*\S+", text)


def cut_tags(parts: list[str]) -> list[str]:
    """Split every <think>/</think> in half across two chunks ('<th' | 'ink>...')."""
    out: list[str] = []
    for part in parts:
        while hits := [(part.index(t), t) for t in _TAGS if t in part]:
            at, tag = min(hits)
            cut = at + len(tag) // 2
            out.append(part[:cut])
            part = part[cut:]
        if part:
            out.append(part)
    return out


def stream_chunks(dialect: str, model: str, r: Reply, rid: str, *, include_usage: bool) -> list[dict[str, Any]]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, **CHOICE_EXTRAS.get(dialect, {})}
        return {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice],
                **TOP_EXTRAS.get(dialect, {})}

    out = [chunk({"role": "assistant", "content": ""})]
    if fld := REASONING_FIELD.get(dialect):
        out += [chunk({fld: p}) for p in pieces(r.reasoning)]
    out += [chunk({"content": p}) for p in cut_tags(pieces(content_text(dialect, r)))]
    if r.tool_call:
        head = {"index": 0, "id": r.tool_call["id"], "type": "function",
                "function": {"name": r.tool_call["function"]["name"], "arguments": ""}}
        out.append(chunk({"tool_calls": [head]}))
        out += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": a}}]}) for a in TOOL_ARGS_PIECES]
    out.append(chunk({}, r.finish))
    if dialect in ("plain", "inline"):
        out[-1]["timings"] = LLAMA_TIMINGS                   # llama.cpp: on the last chunk
    if include_usage:
        out.append({"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
                    "choices": [], "usage": usage(dialect, r)})
    return out


def embedding(text: str) -> list[float]:
    """8 deterministic unit-norm floats from sha256(text), already rounded to float32."""
    h = hashlib.sha256(text.encode()).digest()
    raw = [int.from_bytes(h[i : i + 4], "little") / 2**31 - 1 for i in range(0, 32, 4)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return list(struct.unpack("<8f", struct.pack("<8f", *(x / norm for x in raw))))


def embedding_b64(vec: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()


def _wordset(text: str) -> set[str]:
    return {w.strip(".,;:!?\"'()").lower() for w in text.split()} - {""}


def overlap(query: str, doc: str) -> float:
    q = _wordset(query)
    return len(q & _wordset(doc)) / len(q) if q else 0.0


def rerank(dialect: str, model: str, query: str, docs: list[str], top_n: int | None, rid: str) -> Any:
    scored = sorted(((overlap(query, d), i, d) for i, d in enumerate(docs)), key=lambda t: (-t[0], t[1]))
    if top_n:
        scored = scored[:top_n]
    if dialect == "sglang":  # SGLang returns a bare list
        return [{"score": s, "document": d, "index": i} for s, i, d in scored]
    return {
        "id": rid,
        "model": model,
        "results": [{"index": i, "relevance_score": s, "document": {"text": d}} for s, i, d in scored],
        "usage": {"total_tokens": len(words(query)) + sum(len(words(d)) for d in docs)},
    }
