"""A chat model that calls tools on cue, deterministically: an OpenAI-compatible server on a real socket.

    model = start_tool_model()               # uvicorn in a thread, a free loopback port; model id "tool-model"
    ... a gateway's deployment (or an openai client) at model.url + "/v1" ...
    model.requests()                         # the JSON bodies of the chat requests it received, in order
    model.reset(); model.stop()

It speaks OpenAI's chat completions (streamed: a role chunk, tool calls as a head chunk and their arguments in two
pieces, or the text word by word, the finish chunk, a usage chunk when asked; or whole), /v1/models and /health.
Its cue is the last user message that is not the caller's "answer now" note (one that says "without calling any
tool"); one cue per line:

    call <suffix> <json>     ask for the offered function named "<server>__<suffix>" (or "<suffix>" itself when none
                             is offered) with <json> as written; several such lines: several calls in one reply.
                             Once tool messages follow the cue, answer "Tool said: <their contents, joined>"
    always <suffix>          ask for it whenever tools are offered, with {"text": "round N"} (N: the tool messages
                             so far + 1)
    repeat <suffix>          ask for it whenever tools are offered, always with {"text": "again"}
    anything else            "Echo: <the cue>"

``start_tool_model(cues={"现在北京什么时间": 'call get_current_time {"timezone": "Asia/Shanghai"}'})``: a user
message that is exactly a key is read as its cue (a question a person types, asking for a call).

A request without tools after tool messages (the caller asked for the answer without tools) is answered "Final
answer. Tool said: <the last tool message's content>".
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.upstream import serve_in_thread

MODEL = "tool-model"
ANSWER_NOW = "without calling any tool"


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


@dataclass
class Plan:
    """What to answer: tool calls (name, arguments as text), else text."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""


def plan(body: dict[str, Any], cues: dict[str, str] | None = None) -> Plan:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    names = [t.get("function", {}).get("name", "") for t in body.get("tools") or [] if isinstance(t, dict)]
    cue_at = max((i for i, m in enumerate(messages) if m.get("role") == "user"
                  and ANSWER_NOW not in _text(m.get("content"))), default=-1)
    cue = _text(messages[cue_at].get("content")) if cue_at >= 0 else ""
    cue = (cues or {}).get(cue.strip(), cue)
    results = [_text(m.get("content")) for m in messages[cue_at + 1:] if m.get("role") == "tool"]
    if not names:
        return Plan(text=f"Final answer. Tool said: {results[-1]}" if results else f"Echo: {cue}")

    def function(suffix: str) -> str:
        return next((n for n in names if n.endswith(f"__{suffix}")), suffix)

    calls = []
    for line in cue.splitlines():
        words = line.strip().split(" ", 2)
        if words[0] == "always" and len(words) > 1:
            return Plan([(function(words[1]), json.dumps({"text": f"round {len(results) + 1}"}))])
        if words[0] == "repeat" and len(words) > 1:
            return Plan([(function(words[1]), json.dumps({"text": "again"}))])
        if words[0] == "call" and len(words) > 1:
            calls.append((function(words[1]), words[2] if len(words) > 2 else "{}"))
    if calls and not results:
        return Plan(calls)
    if results:
        return Plan(text="Tool said: " + " | ".join(results))
    return Plan(text=f"Echo: {cue}")


class _ToolModel:
    def __init__(self, cues: dict[str, str] | None = None) -> None:
        self.cues = dict(cues or {})
        self.log: list[dict[str, Any]] = []
        self.seq = itertools.count(1)

    async def models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0,
                                                         "owned_by": "fake"}]})

    async def health(self, request: Request) -> Response:
        return JSONResponse({})

    async def chat(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        self.log.append(body)
        answer, rid, n = plan(body, self.cues), f"chatcmpl-tools{next(self.seq)}", next(self.seq)
        calls = [{"id": f"call_{n}_{i}", "type": "function", "function": {"name": name, "arguments": arguments}}
                 for i, (name, arguments) in enumerate(answer.calls)]
        finish = "tool_calls" if calls else "stop"
        words = len(answer.text.split()) + sum(len(a.split()) for _, a in answer.calls)
        usage = {"prompt_tokens": 10, "completion_tokens": words, "total_tokens": 10 + words}
        base = {"id": rid, "created": int(time.time()), "model": MODEL}
        if not body.get("stream"):
            message = {"role": "assistant", "content": answer.text or None, **({"tool_calls": calls} if calls else {})}
            return JSONResponse({**base, "object": "chat.completion", "usage": usage,
                                 "choices": [{"index": 0, "message": message, "finish_reason": finish}]})

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            data = {**base, "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
            return b"data: " + json.dumps(data).encode() + b"\n\n"

        def events():
            yield chunk({"role": "assistant", "content": ""})
            for i, call in enumerate(calls):
                head = {"index": i, "id": call["id"], "type": "function",
                        "function": {"name": call["function"]["name"], "arguments": ""}}
                yield chunk({"tool_calls": [head]})
                text = call["function"]["arguments"]
                for piece in (text[: len(text) // 2], text[len(text) // 2:]):
                    yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
            for i, word in enumerate(answer.text.split(" ") if answer.text else []):
                yield chunk({"content": word if i == 0 else " " + word})
            yield chunk({}, finish)
            if (body.get("stream_options") or {}).get("include_usage"):
                yield b"data: " + json.dumps({**base, "object": "chat.completion.chunk", "choices": [],
                                              "usage": usage}).encode() + b"\n\n"
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def requests(self, request: Request) -> Response:
        return JSONResponse(self.log)

    async def reset(self, request: Request) -> Response:
        self.log.clear()
        return JSONResponse({"ok": True})

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/models", self.models), Route("/health", self.health),
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/_control/requests", self.requests), Route("/_control/reset", self.reset, methods=["POST"])])


@dataclass
class ToolModel:
    url: str                         # http://127.0.0.1:PORT, no trailing slash
    _server: Any = None
    _thread: Any = None

    def requests(self) -> list[dict[str, Any]]:
        return httpx.get(self.url + "/_control/requests", timeout=10, trust_env=False).json()

    def reset(self) -> None:
        httpx.post(self.url + "/_control/reset", timeout=10, trust_env=False).raise_for_status()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            self._server = self._thread = None


def start_tool_model(cues: dict[str, str] | None = None) -> ToolModel:
    """Serve the tool-calling model from a background thread on 127.0.0.1 (a free port); ``cues``: see the module
    doc."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server, thread = serve_in_thread(_ToolModel(cues).app(), sock, f"fake-tool-model-{port}")
    return ToolModel(f"http://127.0.0.1:{port}", server, thread)
