"""OpenAI's published chat completion response schemas, as JSON Schema (draft 2020-12), for tests.

Written from the OpenAI OpenAPI spec (github.com/openai/openai-openapi, ``openapi.yaml`` at commit
5780008 = API 2.3.0): ``CreateChatCompletionResponse``, ``ChatCompletionResponseMessage``,
``ChatCompletionTokenLogprob``, ``ChatCompletionMessageToolCall(Chunk)``, ``CompletionUsage``,
``CreateChatCompletionStreamResponse``, ``ChatCompletionStreamResponseDelta``; plus
``ChatCompletionResponseMessage.annotations`` (``url_citation``) from the later spec, which
conformance tools expect. OpenAPI 3.0's ``nullable: true`` is written as ``"type": [..., "null"]``.

``response_schema()`` / ``chunk_schema()`` are OpenAI's schema as published (extra fields allowed,
as there). With ``strict=True`` every object the gateway builds also refuses fields OpenAI does not
define, except the gateway's documented extensions (README): ``reasoning_content`` on a message or
delta, ``usage.estimated``.
"""

from __future__ import annotations

from typing import Any

FINISH_REASONS = ["stop", "length", "tool_calls", "content_filter", "function_call"]


def _obj(props: dict[str, Any], required: tuple[str, ...] = (), *, strict: bool, nullable: bool = False,
         extensions: dict[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["object", "null"] if nullable else "object",
                              "properties": dict(props), "required": list(required)}
    if strict:
        schema["properties"].update(extensions or {})
        schema["additionalProperties"] = False
    return schema


def _token_logprob() -> dict[str, Any]:
    """``ChatCompletionTokenLogprob`` (upstream data passed through: never strict)."""
    top = {"type": "object", "required": ["token", "logprob", "bytes"],
           "properties": {"token": {"type": "string"}, "logprob": {"type": "number"},
                          "bytes": {"type": ["array", "null"], "items": {"type": "integer"}}}}
    return {"type": "object", "required": ["token", "logprob", "bytes", "top_logprobs"],
            "properties": {"token": {"type": "string"}, "logprob": {"type": "number"},
                           "bytes": {"type": ["array", "null"], "items": {"type": "integer"}},
                           "top_logprobs": {"type": "array", "items": top}}}


def _logprobs(strict: bool) -> dict[str, Any]:
    items = {"type": ["array", "null"], "items": _token_logprob()}
    return _obj({"content": items, "refusal": items}, ("content", "refusal"), strict=strict, nullable=True)


def _function_call(strict: bool) -> dict[str, Any]:
    return _obj({"name": {"type": "string"}, "arguments": {"type": "string"}}, ("name", "arguments"), strict=strict)


def _usage(strict: bool) -> dict[str, Any]:
    integer = {"type": "integer"}
    completion_details = _obj({k: integer for k in ("accepted_prediction_tokens", "audio_tokens", "reasoning_tokens",
                                                    "rejected_prediction_tokens")}, strict=strict)
    prompt_details = _obj({"audio_tokens": integer, "cached_tokens": integer}, strict=strict)
    return _obj({"completion_tokens": integer, "prompt_tokens": integer, "total_tokens": integer,
                 "completion_tokens_details": completion_details, "prompt_tokens_details": prompt_details},
                ("completion_tokens", "prompt_tokens", "total_tokens"), strict=strict,
                extensions={"estimated": {"type": "boolean"}})


def response_schema(strict: bool = False) -> dict[str, Any]:
    """``CreateChatCompletionResponse``."""
    tool_call = _obj({"id": {"type": "string"}, "type": {"enum": ["function"]}, "function": _function_call(strict)},
                     ("id", "type", "function"), strict=strict)
    url_citation = _obj({"end_index": {"type": "integer"}, "start_index": {"type": "integer"},
                         "url": {"type": "string"}, "title": {"type": "string"}},
                        ("end_index", "start_index", "url", "title"), strict=strict)
    annotation = _obj({"type": {"enum": ["url_citation"]}, "url_citation": url_citation}, ("type", "url_citation"),
                      strict=strict)
    message = _obj({"content": {"type": ["string", "null"]}, "refusal": {"type": ["string", "null"]},
                    "tool_calls": {"type": "array", "items": tool_call},
                    "annotations": {"type": "array", "items": annotation},
                    "role": {"enum": ["assistant"]}, "function_call": _function_call(strict),
                    "audio": {"type": ["object", "null"]}},
                   ("role", "content", "refusal"), strict=strict,
                   extensions={"reasoning_content": {"type": ["string", "null"]}})
    choice = _obj({"finish_reason": {"enum": FINISH_REASONS}, "index": {"type": "integer"}, "message": message,
                   "logprobs": _logprobs(strict)},
                  ("finish_reason", "index", "message", "logprobs"), strict=strict)
    return _obj({"id": {"type": "string"}, "choices": {"type": "array", "items": choice},
                 "created": {"type": "integer"}, "model": {"type": "string"},
                 "service_tier": {"type": ["string", "null"]}, "system_fingerprint": {"type": "string"},
                 "object": {"enum": ["chat.completion"]}, "usage": _usage(strict)},
                ("choices", "created", "id", "model", "object"), strict=strict)


def chunk_schema(strict: bool = False) -> dict[str, Any]:
    """``CreateChatCompletionStreamResponse``."""
    tool_call_chunk = _obj({"index": {"type": "integer"}, "id": {"type": "string"}, "type": {"enum": ["function"]},
                            "function": _obj({"name": {"type": "string"}, "arguments": {"type": "string"}},
                                             strict=strict)},
                           ("index",), strict=strict)
    delta = _obj({"content": {"type": ["string", "null"]},
                  "function_call": _obj({"name": {"type": "string"}, "arguments": {"type": "string"}}, strict=strict),
                  "tool_calls": {"type": "array", "items": tool_call_chunk},
                  "role": {"enum": ["developer", "system", "user", "assistant", "tool"]},
                  "refusal": {"type": ["string", "null"]}},
                 strict=strict, extensions={"reasoning_content": {"type": ["string", "null"]}})
    choice = _obj({"delta": delta, "logprobs": _logprobs(strict), "finish_reason": {"enum": [*FINISH_REASONS, None]},
                   "index": {"type": "integer"}},
                  ("delta", "finish_reason", "index"), strict=strict)
    usage = _usage(strict)
    usage["type"] = ["object", "null"]
    return _obj({"id": {"type": "string"}, "choices": {"type": "array", "items": choice},
                 "created": {"type": "integer"}, "model": {"type": "string"},
                 "service_tier": {"type": ["string", "null"]}, "system_fingerprint": {"type": "string"},
                 "object": {"enum": ["chat.completion.chunk"]}, "usage": usage},
                ("choices", "created", "id", "model", "object"), strict=strict)
