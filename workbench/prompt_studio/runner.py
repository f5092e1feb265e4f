"""How the prompt studio reaches models: one chat call through our ``/v1`` with the user's own key, as data.

    chat = GatewayChat("http://127.0.0.1:7860/v1", key)       # the user's workbench key: metered as theirs
    reply = chat([{"role": "user", "content": "..."}], "qwen2.5-0.5b", {"temperature": 0})
    reply.text, reply.prompt_tokens, reply.latency_ms, reply.error   # error: a Message, "" text

Synchronous on purpose: the studio's long work (a matrix, an optimisation) runs in a worker thread, and gepa's
engine calls its adapter synchronously. Streamed, so that a long answer of a slow model is bounded by the gateway's
time between chunks, not by its time to a whole answer. A failed call is a ``Reply`` with ``error`` set (never an
exception), so one bad cell does not end a matrix; the error's words are the gateway's own (our OpenAI envelope),
never a traceback.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

import openai

from shared.messages import Message
from workbench.messages import MESSAGES

THINK = re.compile(r"<think>.*?</think>\s*", re.S)
MAX_OUTPUT_CHARS = 20_000


@dataclass(frozen=True)
class Reply:
    """A model's answer (``text`` without any ``<think>`` part), its tokens and time, or why there is none."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    error: Message | None = None


class Chat(Protocol):
    """One chat completion: OpenAI messages, a model, sampling parameters -> a ``Reply``."""

    def __call__(self, messages: list[dict[str, str]], model: str, params: dict[str, Any]) -> Reply:
        """Ask ``model``; never raises for the model's or the gateway's failures."""


class GatewayChat:
    """``Chat`` over an OpenAI-compatible ``/v1`` (ours) with one key."""

    def __init__(self, base_url: str, key: str, *, timeout: float = 300) -> None:
        self._client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=timeout)

    def __call__(self, messages: list[dict[str, str]], model: str, params: dict[str, Any]) -> Reply:
        started = time.perf_counter()
        sampling = {name: params[name] for name in ("temperature", "top_p", "max_tokens", "seed") if name in params}
        pieces: list[str] = []
        usage = None
        try:
            stream = self._client.chat.completions.create(model=model, messages=messages, stream=True,
                                                          stream_options={"include_usage": True}, **sampling)
            with stream:
                for chunk in stream:
                    usage = chunk.usage or usage
                    if chunk.choices and chunk.choices[0].delta.content:
                        pieces.append(chunk.choices[0].delta.content)
        except openai.APIStatusError as exc:
            return Reply("", latency_ms=_ms(started), error=_failed(exc))
        except openai.APIError:
            return Reply("", latency_ms=_ms(started), error=MESSAGES.message("prompt_run.unreachable"))
        text = THINK.sub("", "".join(pieces)).strip()[:MAX_OUTPUT_CHARS]
        return Reply(text, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0,
                     _ms(started))

    def close(self) -> None:
        """Let go of the connection pool."""
        self._client.close()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _failed(exc: openai.APIStatusError) -> Message:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    said = error.get("message") if isinstance(error, dict) else None
    return MESSAGES.message("prompt_run.model_error", status=exc.status_code,
                            reason=str(said)[:300] if said else "")
