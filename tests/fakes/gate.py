"""A forwarding HTTP proxy on a real socket that can hold requests: a test sees a long job half done.

    gate = start_gate("http://127.0.0.1:8000")       # forwards everything to the real server
    gate.hold("/v1/embeddings", after=1)             # the first passes; the next ones wait ...
    ... point the client at gate.url, watch the job stop after its first batch ...
    gate.release()                                   # ... until released (all of them, and later ones pass)
    gate.stop()

    gate = start_gate(url, headers={"Authorization": "Bearer sk-..."}, keep_host=True)   # a client that cannot
                                                     # send a key (a conformance harness) reaches a keyed endpoint

Requests are forwarded as they came (method, path, query, headers, body; ``headers`` added, replacing the
client's; the client's Host header kept with ``keep_host``, else the target's) and answered with the real
server's status, headers and body; a held request waits without a timeout of its own (the client's applies).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .upstream import _listen, serve_in_thread

_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass
class Gate:
    url: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    keep_host: bool = False
    _path: str | None = None
    _after: int = 0
    _seen: int = 0
    _open: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def hold(self, path: str, *, after: int = 0) -> None:
        """Hold every request to ``path`` after the first ``after`` ones (counted from now)."""
        with self._lock:
            self._path, self._after, self._seen = path, after, 0
            self._open.clear()

    def release(self) -> None:
        self._open.set()

    def _waits(self, path: str) -> bool:
        with self._lock:
            if path != self._path or self._open.is_set():
                return False
            self._seen += 1
            return self._seen > self._after

    async def _forward(self, request: Request) -> Response:
        if self._waits(request.url.path):
            await asyncio.to_thread(self._open.wait)
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in _HOP or (self.keep_host and k.lower() == "host")}
        added = {k.lower() for k in self.headers}
        headers = {k: v for k, v in headers.items() if k.lower() not in added} | self.headers
        async with httpx.AsyncClient(trust_env=False, timeout=None) as client:
            answer = await client.request(request.method, self.target + request.url.path, params=request.query_params,
                                          headers=headers, content=await request.body())
        return Response(answer.content, answer.status_code,
                        {k: v for k, v in answer.headers.items() if k.lower() not in _HOP | {"content-encoding"}})

    def stop(self) -> None:
        self.release()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)


def start_gate(target: str, headers: dict[str, str] | None = None, *, keep_host: bool = False) -> Gate:
    sock = _listen(0)
    gate = Gate(url=f"http://127.0.0.1:{sock.getsockname()[1]}", target=target.rstrip("/"),
                headers=dict(headers or {}), keep_host=keep_host)
    gate.release()
    app = Starlette(routes=[Route("/{path:path}", gate._forward,
                                  methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])])
    gate._server, gate._thread = serve_in_thread(app, sock, "gate")
    return gate
