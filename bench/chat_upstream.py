"""A tiny OpenAI-compatible SSE chat upstream on loopback for the chat benchmarks.

``POST /v1/chat/completions`` (stream or not) answers ``words``, ``interval`` seconds apart.
Right before it writes the first *content* chunk it records ``time.time()`` in ``first_sent``
(one entry per streamed request, in arrival order; the first word of request ``i`` gets ``i``
appended), so a benchmark can compare it with when the browser showed that token (same machine
clock). ``GET /v1/models`` and ``GET /health`` answer too.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"


class ChatUpstream:
    """Serve the fake from a daemon thread; ``url`` (no /v1), ``first_sent``, ``stop()``."""

    def __init__(self, words: list[str], interval: float) -> None:
        self.words, self.interval = words, interval
        self.first_sent: list[float] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="chat-upstream", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:   # quiet
                pass

            def _json(self, obj: Any) -> None:
                body = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._json({"object": "list", "data": [{"id": MODEL, "object": "model"}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                words = owner.words
                if not body.get("stream"):
                    self._json({"id": "c1", "object": "chat.completion", "created": int(time.time()), "model": MODEL,
                                "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant", "content": " ".join(words)}}],
                                "usage": {"prompt_tokens": 10, "completion_tokens": len(words),
                                          "total_tokens": 10 + len(words)}})
                    return
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()

                def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> None:
                    obj = {"id": "c1", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    if usage is not None:
                        obj["usage"] = usage
                    self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
                    self.wfile.flush()

                try:
                    chunk({"role": "assistant", "content": ""})
                    for n, word in enumerate(words):
                        if n:
                            time.sleep(owner.interval)
                            chunk({"content": " " + word})
                        else:
                            with owner.lock:       # the first word carries the request's index: "Kestrel3"
                                text = f"{word}{len(owner.first_sent)}"
                                owner.first_sent.append(time.time())
                            chunk({"content": text})
                    chunk({}, "stop", {"prompt_tokens": 10, "completion_tokens": len(words),
                                       "total_tokens": 10 + len(words)})
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        return Handler


def write_config(path: Any, upstream_url: str, model_id: str) -> None:
    """A gateway config: embedded models off, one chat model served by ``upstream_url``."""
    path.write_text(
        "gateway:\n"
        "  embedded: {enabled: false}\n"
        "  health_interval_s: 600\n"
        "models:\n"
        f"  - id: {model_id}\n"
        "    kind: chat\n"
        "    capabilities: {context_length: 8192}\n"
        "    deployments:\n"
        f"      - {{backend: openai, base_url: '{upstream_url}/v1', model: {MODEL}}}\n", encoding="utf-8")
