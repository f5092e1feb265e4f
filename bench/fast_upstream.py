"""A minimal, fast OpenAI-compatible fake upstream for the gateway benchmark.

    python bench/fast_upstream.py --port 9001 [--chunks 20] [--delay-ms 0]

Raw asyncio protocol on uvloop with httptools' request parser; every answer is pre-built
bytes, so one core serves tens of thousands of requests per second and the fake is never
what a benchmark measures. It answers:

- ``POST /v1/chat/completions``: non-stream, a small fixed ``chat.completion`` with usage;
  ``"stream": true``, exactly ``--chunks`` content chunks (the first carries the role, the
  last the finish reason), one usage chunk when ``stream_options.include_usage`` is set,
  then ``data: [DONE]``, chunked transfer encoding, each chunk written separately (one
  chunk per TCP write, like a server emitting tokens);
- ``GET /v1/models`` and ``GET /health``.

``--delay-ms`` waits that long before answering (a fixed service time, to emulate an
upstream whose capacity is latency-bound rather than CPU-bound). ``--first-token-ms``
sends a stream's headers at once and its first chunk that much later, as vLLM and SGLang
do (headers, then the first token once the prompt is processed). Prints ``READY <url>``
once it listens. Nothing else: no auth, no validation, no logging.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys

import httptools
import orjson

MODEL = "fake-model"
CREATED = 1_700_000_000
CONTENT = "Hello! This is a short fixed answer from the benchmark upstream."
USAGE = {"prompt_tokens": 12, "completion_tokens": 20, "total_tokens": 32}


def _response(status: bytes, ctype: bytes, body: bytes) -> bytes:
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: " + ctype + b"\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


def build_answers(chunks: int) -> dict[str, object]:
    completion = orjson.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": CREATED, "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": CONTENT}, "finish_reason": "stop"}],
        "usage": USAGE})
    events = []
    for i in range(chunks):
        delta = {"role": "assistant", "content": f"tok{i} "} if i == 0 else {"content": f"tok{i} "}
        events.append(_chunked(b"data: " + orjson.dumps({
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": CREATED, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == chunks - 1 else None}]})
            + b"\n\n"))
    stream_usage = {**USAGE, "completion_tokens": chunks, "total_tokens": USAGE["prompt_tokens"] + chunks}
    usage_event = _chunked(b"data: " + orjson.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": CREATED, "model": MODEL,
        "choices": [], "usage": stream_usage}) + b"\n\n")
    return {
        "completion": _response(b"200 OK", b"application/json", completion),
        "stream_head": (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                        b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"),
        "events": events,
        "usage_event": usage_event,
        "stream_tail": _chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n",
        "models": _response(b"200 OK", b"application/json", orjson.dumps(
            {"object": "list", "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": "bench"}]})),
        "health": _response(b"200 OK", b"application/json", b'{"status":"ok"}'),
        "not_found": _response(b"404 Not Found", b"application/json",
                               b'{"error":{"message":"not found","type":"invalid_request_error"}}'),
    }


class FakeProtocol(asyncio.Protocol):
    __slots__ = ("answers", "delay", "first_token", "transport", "parser", "url", "body", "keep_alive", "loop")

    def __init__(self, answers: dict, delay: float, first_token: float = 0.0) -> None:
        self.answers, self.delay, self.first_token = answers, delay, first_token
        self.transport = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.body: list[bytes] = []
        self.loop = asyncio.get_event_loop()

    # transport callbacks
    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self.transport = None

    # parser callbacks
    def on_message_begin(self) -> None:
        self.url, self.body = b"", []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        keep_alive = self.parser.should_keep_alive()
        method = self.parser.get_method()
        path = self.url.split(b"?", 1)[0]
        if method == b"POST" and path == b"/v1/chat/completions":
            try:
                request = orjson.loads(b"".join(self.body))
            except orjson.JSONDecodeError:
                request = {}
            if request.get("stream") is True:
                include = bool((request.get("stream_options") or {}).get("include_usage"))
                self._later(self._stream, include, keep_alive)
            else:
                self._later(self._write, self.answers["completion"], keep_alive)
        elif method == b"GET" and path == b"/v1/models":
            self._write(self.answers["models"], keep_alive)
        elif method == b"GET" and path == b"/health":
            self._write(self.answers["health"], keep_alive)
        else:
            self._write(self.answers["not_found"], keep_alive)

    def _later(self, fn, *args) -> None:
        if self.delay:
            self.loop.call_later(self.delay, fn, *args)
        else:
            fn(*args)

    def _write(self, data: bytes, keep_alive: bool) -> None:
        t = self.transport
        if t is None:
            return
        t.write(data)
        if not keep_alive:
            t.close()

    def _stream(self, include_usage: bool, keep_alive: bool) -> None:
        t = self.transport
        if t is None:
            return
        t.write(self.answers["stream_head"])
        if self.first_token:
            self.loop.call_later(self.first_token, self._stream_body, include_usage, keep_alive)
        else:
            self._stream_body(include_usage, keep_alive)

    def _stream_body(self, include_usage: bool, keep_alive: bool) -> None:
        t = self.transport
        if t is None:
            return
        a = self.answers
        for event in a["events"]:
            t.write(event)
        if include_usage:
            t.write(a["usage_event"])
        t.write(a["stream_tail"])
        if not keep_alive:
            t.close()


async def serve(host: str, port: int, chunks: int, delay_ms: float, ready=None, first_token_ms: float = 0.0) -> None:
    loop = asyncio.get_running_loop()
    answers = build_answers(chunks)
    server = await loop.create_server(lambda: FakeProtocol(answers, delay_ms / 1000.0, first_token_ms / 1000.0),
                                      host, port,
                                      backlog=4096, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    print(f"READY http://{host}:{bound}", flush=True)
    if ready is not None:
        ready(bound)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--chunks", type=int, default=20, help="content chunks per stream (default 20)")
    p.add_argument("--delay-ms", type=float, default=0.0, help="service time before each chat answer")
    p.add_argument("--first-token-ms", type=float, default=0.0,
                   help="a stream's first chunk this long after its headers (vLLM/SGLang-like)")
    args = p.parse_args(argv)
    try:
        import uvloop
        run = uvloop.run
    except ImportError:            # works on the default loop too, just slower
        print("uvloop not installed; using the default asyncio loop", file=sys.stderr)
        run = asyncio.run
    try:
        run(serve(args.host, args.port, args.chunks, args.delay_ms, first_token_ms=args.first_token_ms))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
