"""Token usage: normalise the dialects to OpenAI's shape, and estimate when upstream is silent.

Sources recorded in the ledger: ``upstream`` (the model server counted), ``estimated``
(we counted: no usage came back, or the client aborted), ``none`` (no tokens, e.g. an error).
"""

from __future__ import annotations

import re

from gateway.inference.messages import text_of

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: one token per CJK character, one per ~4 other characters."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return cjk + -(-(len(text) - cjk) // 4)


def estimate_prompt_tokens(messages: list) -> int:
    """Estimate a chat prompt: content plus a few tokens of template per message."""
    total = 0
    for m in messages:
        if isinstance(m, dict):
            total += 4 + estimate_tokens(text_of(m.get("content")))
    return total + 2


MAX_TOKENS = 2**31 - 1          # the ledger's INTEGER columns


def tokens(value) -> int | None:
    """A token count an upstream reported, or None when it is not one (wrong type, negative, absurd)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TOKENS:
        return None
    return value


def normalise(usage: dict | None) -> dict | None:
    """OpenAI-shaped usage from any dialect (SGLang's top-level reasoning_tokens moved); None when the
    report is missing or unusable (the caller estimates instead)."""
    if not isinstance(usage, dict):
        return None
    prompt = tokens(usage.get("prompt_tokens") or 0)
    completion = tokens(usage.get("completion_tokens") or 0)
    if prompt is None or completion is None:
        return None
    total = tokens(usage.get("total_tokens")) or min(prompt + completion, MAX_TOKENS)
    out: dict = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
    details = usage.get("completion_tokens_details")
    details = dict(details) if isinstance(details, dict) else {}
    if usage.get("reasoning_tokens") is not None and details.get("reasoning_tokens") is None:
        details["reasoning_tokens"] = usage["reasoning_tokens"]
    if details:
        out["completion_tokens_details"] = details
    if isinstance(usage.get("prompt_tokens_details"), dict):
        out["prompt_tokens_details"] = usage["prompt_tokens_details"]
    return out


def make(prompt: int, completion: int, reasoning: int | None = None) -> dict:
    out: dict = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if reasoning is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return out


def reasoning_tokens(usage: dict | None) -> int | None:
    if not usage:
        return None
    details = usage.get("completion_tokens_details")
    return tokens(details.get("reasoning_tokens")) if isinstance(details, dict) else None


def add(a: dict, b: dict) -> dict:
    """Sum two usages (two upstream calls of one request, e.g. budget forcing)."""
    ra, rb = reasoning_tokens(a), reasoning_tokens(b)
    r = None if ra is None and rb is None else (ra or 0) + (rb or 0)
    return make(a["prompt_tokens"] + b["prompt_tokens"], a["completion_tokens"] + b["completion_tokens"], r)
