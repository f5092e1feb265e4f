"""How much CPU the gateway's upstream HTTP client costs per request, in isolation.

    python bench/client_overhead.py [--seconds 3] [--clients gateway,httpx,httpx2,raw]

Runs in one process pinned to core 0 on uvloop (as the gateway does) and calls the fast fake
upstream (core 1) with: ``gateway`` (``gateway.backends.http1.Pool``, the gateway's own
client), ``httpx`` configured as the gateway configured it before it had its own client,
``httpx2`` (the maintained fork, same API, installed as a dependency of ``openai``), and
``raw`` (keep-alive sockets + httptools' response parser, written here: the floor).
Non-stream reads the JSON body and parses it with orjson; stream splits the SSE body into
lines and parses each ``data:`` line, as the gateway does. Reported: requests/s and CPU ms
per request (process utime+stime / requests), at concurrency 1, 16 and 64 on the zero-delay
fake and at 64 on a 25 ms fake.
Diagnostic only; run_gateway.py does not need it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

import httptools
import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from run_gateway import CLIENT_CORE, GATEWAY_CORE, start_fake  # noqa: E402

BODY = {"model": "fake-model", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 64}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ---------------------------------------------------------------- clients
class HttpxClient:
    def __init__(self, module, base_url: str) -> None:
        self.m = module
        self.c = module.AsyncClient(base_url=base_url, headers={"content-type": "application/json"}, trust_env=False,
                                    timeout=module.Timeout(connect=5, read=60, write=30, pool=5),
                                    limits=module.Limits(max_connections=2000, max_keepalive_connections=256))

    async def post(self, body: bytes) -> dict:
        r = await self.c.post("/chat/completions", content=body)
        return orjson.loads(r.content)

    async def stream(self, body: bytes) -> int:
        n = 0
        req = self.c.build_request("POST", "/chat/completions", content=body)
        resp = await self.c.send(req, stream=True)
        try:
            async for line in resp.aiter_lines():
                if line.startswith("data:"):
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    orjson.loads(data)
                    n += 1
        finally:
            await resp.aclose()
        return n

    async def close(self) -> None:
        await self.c.aclose()


class _RawConn(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport = None
        self.done: asyncio.Future | None = None
        self.body: list[bytes] = []
        self.on_chunk = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError("closed"))

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        if self.on_chunk is not None:
            self.on_chunk(body)
        else:
            self.body.append(body)

    def on_message_complete(self) -> None:
        self.done.set_result(self.parser.get_status_code())


class RawClient:
    """Keep-alive HTTP/1.1 connections, requests written as one buffer, httptools parsing."""

    def __init__(self, base_url: str) -> None:
        host_port = base_url.split("//", 1)[1].split("/", 1)[0]
        self.host, port = host_port.split(":")
        self.port = int(port)
        self.idle: list[_RawConn] = []
        self.head = (f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host_port}\r\n"
                     "content-type: application/json\r\ncontent-length: ").encode()

    async def _conn(self) -> _RawConn:
        while self.idle:
            c = self.idle.pop()
            if not c.closed:
                return c
        _, c = await asyncio.get_running_loop().create_connection(_RawConn, self.host, self.port)
        return c

    async def _request(self, body: bytes, on_chunk=None) -> _RawConn:
        c = await self._conn()
        c.done = asyncio.get_running_loop().create_future()
        c.body, c.on_chunk = [], on_chunk
        c.transport.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
        await c.done
        return c

    async def post(self, body: bytes) -> dict:
        c = await self._request(body)
        out = orjson.loads(b"".join(c.body))
        self.idle.append(c)
        return out

    async def stream(self, body: bytes) -> int:
        state = {"buf": b"", "n": 0}

        def on_chunk(data: bytes) -> None:
            buf = state["buf"] + data
            *lines, state["buf"] = buf.split(b"\n")
            for line in lines:
                if line.startswith(b"data:"):
                    payload = line[5:].strip()
                    if payload != b"[DONE]":
                        orjson.loads(payload)
                        state["n"] += 1

        c = await self._request(body, on_chunk)
        self.idle.append(c)
        return state["n"]

    async def close(self) -> None:
        for c in self.idle:
            c.transport.close()


class GatewayPoolClient:
    """The gateway's own upstream client (gateway/backends/http1.py), used as its backend uses it."""

    def __init__(self, base_url: str) -> None:
        from gateway.backends.http1 import Pool

        self.pool = Pool(base_url + "/v1", {"content-type": "application/json"}, connect_timeout=5)

    async def post(self, body: bytes) -> dict:
        resp = await self.pool.request("POST", "/chat/completions", body)
        return orjson.loads(await resp.read())

    async def stream(self, body: bytes) -> int:
        resp = await self.pool.request("POST", "/chat/completions", body)
        buf, n = b"", 0
        async for chunk in resp.chunks(60.0):
            *lines, buf = (buf + chunk).split(b"\n")
            for line in lines:
                if line.startswith(b"data:"):
                    payload = line[5:].strip()
                    if payload != b"[DONE]":
                        orjson.loads(payload)
                        n += 1
        return n

    async def close(self) -> None:
        self.pool.close()


def make_client(name: str, base_url: str):
    if name == "raw":
        return RawClient(base_url)
    if name == "gateway":
        return GatewayPoolClient(base_url)
    import importlib

    return HttpxClient(importlib.import_module(name), base_url + "/v1")


# ---------------------------------------------------------------- runner
async def run_one(name: str, base_url: str, stream: bool, conns: int, seconds: float) -> dict:
    client = make_client(name, base_url)
    payload = dict(BODY, stream=True, stream_options={"include_usage": True}) if stream else BODY
    body = orjson.dumps(payload)
    call = client.stream if stream else client.post
    count = 0
    stop_at = 0.0

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < stop_at:
            await call(body)
            count += 1

    stop_at = time.perf_counter() + 0.5                       # warm-up: connections, caches
    await asyncio.gather(*(worker() for _ in range(conns)))
    count = 0
    c0, t0 = cpu(), time.perf_counter()
    stop_at = t0 + seconds
    await asyncio.gather(*(worker() for _ in range(conns)))
    c1, t1 = cpu(), time.perf_counter()
    await client.close()
    return {"client": name, "mode": "stream" if stream else "non-stream", "concurrency": conns,
            "rps": count / (t1 - t0), "cpu_ms_per_req": (c1 - c0) * 1000 / max(1, count), "busy": (c1 - c0) / (t1 - t0)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--clients", default="gateway,httpx,httpx2,raw")
    p.add_argument("--json", help="also write the rows to this file")
    args = p.parse_args(argv)
    try:
        os.sched_setaffinity(0, {int(GATEWAY_CORE)})
    except (AttributeError, OSError):
        pass
    import uvloop

    fast, fast_url = start_fake()
    slow, slow_url = start_fake(25.0)
    rows = []
    try:
        plan = [(fast_url, "fast", s, c) for s in (False, True) for c in (1, 16, 64)]
        plan += [(slow_url, "slow-25ms", s, 64) for s in (False, True)]
        for url, scenario, stream, conns in plan:
            for name in args.clients.split(","):
                r = uvloop.run(run_one(name, url, stream, conns, args.seconds))
                r["upstream"] = scenario
                rows.append(r)
                print(f"{scenario:<9} {r['mode']:<10} c{conns:<3} {name:<7} {r['rps']:8.0f} req/s  "
                      f"{r['cpu_ms_per_req']:.3f} ms CPU/req  (core {GATEWAY_CORE} {r['busy']:.0%} busy)", flush=True)
    finally:
        fast.stop(signal.SIGTERM)
        slow.stop(signal.SIGTERM)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    assert CLIENT_CORE != GATEWAY_CORE
    sys.exit(main())
