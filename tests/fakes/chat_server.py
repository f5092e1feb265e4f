"""An OpenAI-compatible chat server on a real loopback socket whose answers a test's function writes: the scripted
models of the prompt studio's and the papers' tests speak the protocol through this one piece.

    url, server, thread = serve_chat(answer, "paper-model", seen)   # answer(messages) -> text; seen: request bodies
    model = start_scripted(PaperModel, "paper-model")               # PaperModel(url, server, thread, seen=seen)
    models_yaml(data_dir, model.url, chat=["paper-model"], embeddings=["use-multilingual:v3"])   # for a gateway

``/v1/chat/completions`` (JSON, or SSE with one content chunk, the finish, the usage and [DONE] when ``stream``),
``/v1/embeddings`` (a bag of words hashed into 64 dimensions: texts sharing words are near, deterministic),
``/v1/models`` and ``/health``. Usage counts words, so a test can see tokens recorded.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.upstream import serve_in_thread

Answer = Callable[[list[dict[str, Any]]], str]
T = TypeVar("T")


def content(message: dict[str, Any]) -> str:
    """A chat message's text ("" for other content)."""
    value = message.get("content")
    return value if isinstance(value, str) else ""


def serve_chat(answer: Answer, model_id: str, seen: list[dict[str, Any]]) -> tuple[str, Any, threading.Thread]:
    """Serve ``answer`` as model ``model_id`` on a free loopback port: (base URL, uvicorn server, its thread)."""

    async def chat(request: Request) -> Response:
        body = await request.json()
        seen.append(body)
        text = answer(body.get("messages") or [])
        prompt_tokens = sum(len(content(m).split()) for m in body.get("messages") or [])
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                 "total_tokens": prompt_tokens + len(text.split())}
        if body.get("stream"):
            base = {"id": f"chatcmpl-{len(seen)}", "object": "chat.completion.chunk", "created": 0, "model": model_id}
            events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text},
                                            "finish_reason": None}]},
                      {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                      {**base, "choices": [], "usage": usage}]
            lines = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
            return Response(lines, media_type="text/event-stream")
        return JSONResponse({"id": f"chatcmpl-{len(seen)}", "object": "chat.completion", "created": 0,
                             "model": model_id, "choices": [{"index": 0, "finish_reason": "stop",
                                                             "message": {"role": "assistant", "content": text}}],
                             "usage": usage})

    async def embeddings(request: Request) -> JSONResponse:
        body = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": bag_of_words(t)} for i, t in enumerate(texts)]
        return JSONResponse({"object": "list", "data": data, "model": body.get("model", model_id),
                             "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)}})

    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": model_id, "object": "model", "owned_by": "test"}]})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                            Route("/v1/embeddings", embeddings, methods=["POST"]),
                            Route("/v1/models", models), Route("/health", health)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server, thread = serve_in_thread(app, sock, f"{model_id}-{port}")
    return f"http://127.0.0.1:{port}", server, thread


def bag_of_words(text: str, dims: int = 64) -> list[float]:
    """Lower-case words (and single CJK characters) hashed into ``dims`` counts, scaled to unit length."""
    vector = [0.0] * dims
    for word in re.findall(r"[a-z0-9]{3,}|[\u3400-\u9fff]", text.lower()):
        vector[int(hashlib.sha1(word.encode()).hexdigest(), 16) % dims] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def start_scripted(make: Callable[..., T], model_id: str) -> T:
    """A scripted model object made by ``make(url, server, thread, seen=seen)``, its ``answer(messages)`` served."""
    seen: list[dict[str, Any]] = []
    holder: dict[str, Any] = {}
    url, server, thread = serve_chat(lambda messages: holder["model"].answer(messages), model_id, seen)
    holder["model"] = make(url, server, thread, seen=seen)
    return holder["model"]


def models_yaml(data: Path, url: str, *, chat: Sequence[str], embeddings: Sequence[str] = ()) -> Path:
    """A gateway's models.yaml (in ``data``) serving the scripted server at ``url`` as these chat and embedding
    models, the embedded models off."""
    models = [{"id": name, "capabilities": {"context_length": 8192},
               "deployments": [{"backend": "openai", "base_url": f"{url}/v1", "model": name}]} for name in chat]
    models += [{"id": name, "kind": "embedding",
                "deployments": [{"backend": "openai", "base_url": f"{url}/v1", "model": name}]} for name in embeddings]
    path = data / "models.yaml"
    path.write_text(yaml.safe_dump({"gateway": {"embedded": {"enabled": False}, "health_interval_s": 600},
                                    "models": models}), encoding="utf-8")
    return path
