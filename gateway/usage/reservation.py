"""How many tokens a request may use at most, reserved against its key's tpm and quota when it is admitted.

Estimated from the raw body before validation (a malformed field counts as nothing, never raises):
the prompt (tokenizer-free, as ``usage.estimate_tokens``) plus what the model may generate —
``max_tokens`` / ``max_completion_tokens``, else ``DEFAULT_COMPLETION``, plus a thinking budget.
The reservation is replaced by the request's real usage when its ledger row is recorded.
"""

from __future__ import annotations

from gateway.usage import tokens as usage

DEFAULT_COMPLETION = 1024      # tokens reserved for the answer of a request that sets no max_tokens
SEARCH_SOURCES = 1024          # the web pages an AI search puts into its prompt


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _texts(value) -> int:
    """Tokens of a string, or of a list of strings / {"text": ...} objects / token ids."""
    if isinstance(value, str):
        return usage.estimate_tokens(value)
    if not isinstance(value, list):
        return 0
    total = 0
    for item in value:
        if isinstance(item, dict):
            item = item.get("text")
        if isinstance(item, str):
            total += usage.estimate_tokens(item)
        elif isinstance(item, int):
            total += 1                                  # a token id
        elif isinstance(item, list):
            total += len(item)                          # a list of token ids
    return total


def _completion(body: dict) -> int:
    limit = _count(body.get("max_tokens")) or _count(body.get("max_completion_tokens")) or DEFAULT_COMPLETION
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        limit += _count(thinking.get("budget_tokens")) or 1024
    return limit


def estimate(kind: str, body: dict) -> int:
    """The most tokens a ``kind`` request (chat | ai_search | embeddings | rerank | web_search) may use."""
    if kind == "chat":
        messages = body.get("messages")
        prompt = usage.estimate_prompt_tokens(messages) if isinstance(messages, list) else 0
        return prompt + _completion(body)
    if kind == "ai_search":
        return _texts(body.get("query")) + SEARCH_SOURCES + _completion(body)
    if kind == "embeddings":
        return _texts(body.get("input"))
    if kind == "rerank":
        return _texts(body.get("query")) + _texts(body.get("documents"))
    return 0
