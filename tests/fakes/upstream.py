"""Fake model servers (vLLM, SGLang, Ollama, inline <think>, plain) on real sockets, with fault injection.

    fake = start_fake("vllm")                  # uvicorn in a background thread, free port
    fake.set_fault("cut_stream", count=1)      # works across processes (HTTP /_control/*)
    ... point the gateway at fake.url ...
    fake.requests()                            # what the gateway sent upstream
    fake.stop()

CLI (separate process, e.g. for benchmarks; prints the URL, serves until killed):
    python -m tests.fakes.upstream --dialect vllm --port 9001 [--chunk-delay 0.01] [--chunks 20]

Control endpoints: POST /_control/fault {"mode", "count", **opts}, GET /_control/fault,
GET /_control/requests, POST /_control/reset. Request headers: x-fake-delay (seconds between
stream chunks), x-fake-long: 1 (200 answer chunks, so a client can disconnect midway).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import dialects as d

FAULT_MODES = ("500", "503", "400", "slow_first_byte", "cut_stream", "malformed_chunk", "no_usage",
               "empty_reply",   # empty_reply: the model ends at once, without a word (small models do)
               "stall_stream",  # headers, then `after` events (default 0), then nothing: a stuck vLLM/SGLang engine
               "error_event")   # headers, then one error event with code `status` (default 500), as vLLM does
_ERROR_MODES = ("400", "500", "503")
_STREAM_ONLY = ("cut_stream", "malformed_chunk", "stall_stream", "error_event")
LONG_CHUNKS = 200


class _Cut(Exception):
    """Raised mid-stream: uvicorn then closes the socket, so the client sees an incomplete chunked body."""


class _HideCuts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _Cut))


logging.getLogger("uvicorn.error").addFilter(_HideCuts())


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class _Reply:
    """Raw ASGI response: optional first-byte delay, then a JSON/text body or an SSE stream.

    Races the sending against http.disconnect so the request record learns whether the client left
    (uvicorn's send() silently drops data after a disconnect, so we cannot rely on send errors).
    """

    def __init__(self, rec: dict[str, Any], *, status: int = 200, body: Any = None,
                 events: list[dict[str, Any]] | None = None, delay: float = 0.0, chunk_delay: float = 0.0,
                 cut_after: int | None = None, malformed: bool = False, stall_after: int | None = None) -> None:
        self.rec, self.status, self.body, self.events = rec, status, body, events
        self.delay, self.chunk_delay, self.cut_after, self.malformed = delay, chunk_delay, cut_after, malformed
        self.stall_after = stall_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        work = asyncio.ensure_future(self._send(send))
        gone = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not work.done() or (gone.done() and not self.rec["completed"]):
                self.rec["cancelled"] = True
                work.cancel()
            gone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work  # re-raises _Cut

    async def _send(self, send: Send) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.events is None:
            if isinstance(self.body, str):
                payload, ctype = self.body.encode(), b"text/plain; charset=utf-8"
            else:
                payload, ctype = orjson.dumps(self.body), b"application/json"
            headers = [(b"content-type", ctype), (b"content-length", str(len(payload)).encode())]
            await send({"type": "http.response.start", "status": self.status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            self.rec["completed"] = True
            return

        async def emit(data: bytes, more: bool = True) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": more})

        headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, event in enumerate(self.events):
            if i == self.stall_after:
                await asyncio.sleep(3600)        # until the client goes away
            if i and self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            if self.cut_after is not None and i > self.cut_after:
                raise _Cut
            await emit(b"data: " + orjson.dumps(event) + b"\n\n")
            if self.malformed and i == 0:
                await emit(b"data: {not json\n\n")
        if self.cut_after is not None:
            raise _Cut
        await emit(b"data: [DONE]\n\n")
        await emit(b"", more=False)
        self.rec["completed"] = True


@dataclass
class _Fault:
    mode: str | None = None
    count: int = 0
    opts: dict[str, Any] = field(default_factory=dict)


class _FakeServer:
    def __init__(self, dialect: str, model: str, chunk_delay: float, chunks: int | None) -> None:
        if dialect not in d.DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; expected one of {d.DIALECTS}")
        self.dialect, self.model, self.chunk_delay, self.chunks = dialect, model, chunk_delay, chunks
        self.log: list[dict[str, Any]] = []
        self.fault = _Fault()
        self.seq = itertools.count(1)

    # -- plumbing ----------------------------------------------------------------------------
    async def _begin(self, request: Request) -> tuple[dict[str, Any], Any]:
        body = None
        if request.method == "POST":
            with contextlib.suppress(orjson.JSONDecodeError):
                body = orjson.loads(await request.body() or b"null")
        rec = {"method": request.method, "path": request.url.path, "json": body, "headers": dict(request.headers),
               "cancelled": False, "completed": False, "fault": None, "time": time.time()}
        self.log.append(rec)
        return rec, body

    def _take_fault(self, rec: dict[str, Any], *, stream: bool = False, chat: bool = False) -> tuple[str | None, dict]:
        """Consume one count of the active fault if it applies to this request.

        By default faults hit POST (inference) endpoints only, so health polls don't eat them;
        opts["paths"] = [...] targets exactly those paths instead (e.g. ["/v1/models"]).
        """
        f = self.fault
        if not f.mode or f.count <= 0:
            return None, {}
        paths = f.opts.get("paths")
        if (rec["path"] not in paths) if paths is not None else rec["method"] != "POST":
            return None, {}
        if (f.mode in _STREAM_ONLY and not stream) or (f.mode == "no_usage" and not chat):
            return None, {}
        f.count -= 1
        rec["fault"] = f.mode
        return f.mode, f.opts

    def _error(self, rec: dict[str, Any], status: int, message: str, delay: float = 0.0) -> _Reply:
        return _Reply(rec, status=status, body=d.error_body(self.dialect, status, message), delay=delay)

    def _faulted(self, rec: dict[str, Any], mode: str | None, opts: dict) -> tuple[_Reply | None, float]:
        """(error reply if the fault is an error mode, first-byte delay)."""
        delay = float(opts.get("delay", 5)) if mode == "slow_first_byte" else 0.0
        if mode in _ERROR_MODES:
            msg = "bad request from upstream" if mode == "400" else d.INTERNAL_DETAIL
            return self._error(rec, int(mode), msg, delay), delay
        return None, delay

    def _invalid(self, rec: dict[str, Any], body: Any, *keys: str, delay: float = 0.0) -> _Reply | None:
        if not isinstance(body, dict):
            return self._error(rec, 400, "request body must be a JSON object", delay)
        for key in keys:
            if body.get(key) in (None, "", []):
                return self._error(rec, 400, f"'{key}' is a required property", delay)
        if body.get("model") not in (None, self.model):
            return self._error(rec, 404, f"The model `{body['model']}` does not exist.", delay)
        return None

    async def _simple(self, request: Request, payload: Any) -> _Reply:
        rec, _ = await self._begin(request)
        err, delay = self._faulted(rec, *self._take_fault(rec))
        return err or _Reply(rec, body=payload, delay=delay)

    # -- endpoints -----------------------------------------------------------------------------
    async def models(self, request: Request) -> _Reply:
        card = {"id": self.model, "object": "model", "created": 0, "owned_by": self.dialect}
        return await self._simple(request, {"object": "list", "data": [card]})

    async def ollama_tags(self, request: Request) -> _Reply:
        return await self._simple(request, {"models": [{"name": self.model, "model": self.model}]})

    async def ollama_root(self, request: Request) -> _Reply:
        return await self._simple(request, "Ollama is running")

    async def health(self, request: Request) -> _Reply:
        return await self._simple(request, {})

    async def chat(self, request: Request) -> _Reply:
        rec, body = await self._begin(request)
        stream = isinstance(body, dict) and bool(body.get("stream"))
        mode, opts = self._take_fault(rec, stream=stream, chat=True)
        err, delay = self._faulted(rec, mode, opts)
        if err or (err := self._invalid(rec, body, "messages", delay=delay)):
            return err
        msgs = body["messages"]
        if not isinstance(msgs, list) or not all(isinstance(m, dict) for m in msgs):
            return self._error(rec, 400, "'messages' must be a list of objects", delay)
        long = request.headers.get("x-fake-long") == "1"
        reply = d.plan_reply(self.dialect, body, LONG_CHUNKS if long else self.chunks)
        if mode == "empty_reply":
            reply = d.Reply("", "", "stop", reply.prompt_tokens)
        rid = f"chatcmpl-fake{next(self.seq)}"
        if not stream:
            out = d.completion(self.dialect, self.model, reply, rid, with_usage=mode != "no_usage")
            return _Reply(rec, body=out, delay=delay)
        include = bool((body.get("stream_options") or {}).get("include_usage")) and mode != "no_usage"
        events = d.stream_chunks(self.dialect, self.model, reply, rid, include_usage=include)
        if mode == "error_event":
            events = [d.error_body(self.dialect, int(opts.get("status", 500)), d.INTERNAL_DETAIL)]
        return _Reply(
            rec,
            events=events,
            delay=delay,
            chunk_delay=float(request.headers.get("x-fake-delay", self.chunk_delay)),
            cut_after=int(opts.get("after", 2)) if mode == "cut_stream" else None,
            malformed=mode == "malformed_chunk",
            stall_after=int(opts.get("after", 0)) if mode == "stall_stream" else None,
        )

    async def embeddings(self, request: Request) -> _Reply:
        rec, body = await self._begin(request)
        err, delay = self._faulted(rec, *self._take_fault(rec))
        if err or (err := self._invalid(rec, body, "input", delay=delay)):
            return err
        texts = [str(t) for t in (body["input"] if isinstance(body["input"], list) else [body["input"]])]
        b64 = body.get("encoding_format") == "base64"
        vecs = [d.embedding(t) for t in texts]
        tokens = sum(len(d.words(t)) for t in texts)
        return _Reply(rec, delay=delay, body={
            "object": "list",
            "model": self.model,
            "data": [{"object": "embedding", "index": i, "embedding": d.embedding_b64(v) if b64 else v}
                     for i, v in enumerate(vecs)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        })

    async def rerank(self, request: Request) -> _Reply:
        rec, body = await self._begin(request)
        err, delay = self._faulted(rec, *self._take_fault(rec))
        if err or (err := self._invalid(rec, body, "query", "documents", delay=delay)):
            return err
        docs = [doc.get("text", "") if isinstance(doc, dict) else str(doc) for doc in body["documents"]]
        out = d.rerank(self.dialect, self.model, str(body["query"]), docs, body.get("top_n"),
                       f"rerank-fake{next(self.seq)}")
        return _Reply(rec, body=out, delay=delay)

    # -- control -------------------------------------------------------------------------------
    async def control_fault(self, request: Request) -> Response:
        if request.method == "GET":
            return _json({"mode": self.fault.mode, "count": self.fault.count, "opts": self.fault.opts})
        spec = orjson.loads(await request.body() or b"{}")
        mode, count = spec.pop("mode", None), int(spec.pop("count", 1_000_000))
        if mode is not None and mode not in FAULT_MODES:
            return _json({"error": f"unknown fault mode {mode!r}; expected one of {FAULT_MODES}"}, 400)
        self.fault = _Fault(mode, count if mode else 0, spec)
        return _json({"ok": True})

    async def control_requests(self, request: Request) -> Response:
        return _json(self.log)

    async def control_reset(self, request: Request) -> Response:
        self.fault, self.log = _Fault(), []
        return _json({"ok": True})

    def app(self) -> Starlette:
        routes = [
            Route("/v1/models", self.models),
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            Route("/_control/fault", self.control_fault, methods=["GET", "POST"]),
            Route("/_control/requests", self.control_requests),
            Route("/_control/reset", self.control_reset, methods=["POST"]),
        ]
        if self.dialect == "ollama":
            routes += [Route("/api/tags", self.ollama_tags), Route("/", self.ollama_root)]
        else:
            routes.append(Route("/health", self.health))
        if self.dialect == "vllm":
            routes += [Route(p, self.rerank, methods=["POST"]) for p in ("/v1/rerank", "/rerank")]
        elif self.dialect == "sglang":
            routes.append(Route("/v1/rerank", self.rerank, methods=["POST"]))
        return Starlette(routes=routes)


def create_app(dialect: str, *, model: str = "fake-model", chunk_delay: float = 0.0,
               chunks: int | None = None) -> Starlette:
    """The ASGI app for one fake upstream (each app has its own fault state and request log)."""
    return _FakeServer(dialect, model, chunk_delay, chunks).app()


# -- runner ------------------------------------------------------------------------------------
@dataclass
class FakeUpstream:
    url: str  # "http://127.0.0.1:PORT", no trailing slash
    port: int
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _client: httpx.Client | None = field(default=None, repr=False)

    @classmethod
    def attach(cls, url: str) -> FakeUpstream:
        """Control a fake running elsewhere (e.g. started with the CLI); stop() is then a no-op."""
        url = url.rstrip("/")
        return cls(url=url, port=httpx.URL(url).port or 80)

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        if self._client is None:  # one pooled client: a fresh httpx.Client costs ~50 ms (CA bundle)
            self._client = httpx.Client(trust_env=False, timeout=10)
        resp = self._client.request(method, self.url + path, json=payload)
        resp.raise_for_status()
        return resp.json()

    def set_fault(self, mode: str | None, count: int = 1_000_000, **opts: Any) -> None:
        """Arm a fault for the next `count` matching requests; mode=None clears it."""
        self._call("POST", "/_control/fault", {"mode": mode, "count": count, **opts})

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "/_control/requests")

    def reset(self) -> None:
        self._call("POST", "/_control/reset")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            self._server = self._thread = None
        if self._client is not None:
            self._client.close()
            self._client = None


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)  # connections queue up even before uvicorn starts accepting
    return sock


def _config(app: Starlette, *, own_logging: bool) -> uvicorn.Config:
    kwargs: dict[str, Any] = {} if own_logging else {"log_config": None}  # don't reconfigure a host process's logging
    return uvicorn.Config(app, loop="asyncio", log_level="warning", lifespan="off",
                          timeout_graceful_shutdown=1, **kwargs)


def serve_in_thread(app: Any, sock: socket.socket, name: str) -> tuple[uvicorn.Server, threading.Thread]:
    """Run ``app`` with uvicorn on ``sock`` in a daemon thread; return once it accepts connections."""
    server = uvicorn.Server(_config(app, own_logging=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} failed to start")
        time.sleep(0.005)
    return server, thread


def start_fake(dialect: str, *, port: int = 0, model: str = "fake-model", chunk_delay: float = 0.0,
               chunks: int | None = None) -> FakeUpstream:
    """Serve a fake upstream from a background thread on 127.0.0.1 (port 0 = a free port)."""
    sock = _listen(port)
    port = sock.getsockname()[1]
    app = create_app(dialect, model=model, chunk_delay=chunk_delay, chunks=chunks)
    server, thread = serve_in_thread(app, sock, f"fake-{dialect}-{port}")
    return FakeUpstream(url=f"http://127.0.0.1:{port}", port=port, _server=server, _thread=thread)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake model server until killed.")
    parser.add_argument("--dialect", choices=d.DIALECTS, default="vllm")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model", default="fake-model")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--chunks", type=int, default=None)
    args = parser.parse_args(argv)
    sock = _listen(args.port)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    app = create_app(args.dialect, model=args.model, chunk_delay=args.chunk_delay, chunks=args.chunks)
    uvicorn.Server(_config(app, own_logging=True)).run(sockets=[sock])


if __name__ == "__main__":
    main()
