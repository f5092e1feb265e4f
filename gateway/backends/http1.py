"""A lean HTTP/1.1 client for the upstream hot path: keep-alive pool, httptools parser.

Why not httpx here: under load its connection pool scans every connection on every
request (httpcore), which cost ~80% of the gateway's CPU at concurrency 64 (bench/). This
client does only what talking to a model server needs: POST/GET a body, read the status
and headers, then the body whole or chunk by chunk, with connect / first-byte /
between-chunk timeouts. A response that is not read to the end closes its connection —
that is how an abandoned stream cancels the generation upstream.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from urllib.parse import urlsplit

import httptools


class HTTPError(Exception):
    """Transport-level failure. ``sent``: the request may have reached the server."""

    def __init__(self, message: str, *, connect: bool = False, timeout: bool = False) -> None:
        super().__init__(message)
        self.connect, self.timeout = connect, timeout


class _Conn(asyncio.Protocol):
    """One keep-alive connection; at most one response in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.used = False
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.chunks: deque[bytes] = deque()
        self.complete = False
        self.keep_alive = False
        self.error: Exception | None = None
        self.headers_done: asyncio.Future | None = None
        self.waiter: asyncio.Future | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.complete:
            self._fail(HTTPError("connection closed by the server"))

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HTTPError(f"malformed HTTP response: {exc}"))
            self.transport.close()

    # -- httptools callbacks -------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()       # read here: llhttp resets it at message end
        if self.headers_done is not None and not self.headers_done.done():
            self.headers_done.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self._wake()

    # -- plumbing ------------------------------------------------------------------------
    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        self.error = exc
        if self.headers_done is not None and not self.headers_done.done():
            self.headers_done.set_exception(exc)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def reusable(self) -> bool:
        return not self.closed and self.complete and self.error is None and self.keep_alive


class Response:
    """Status and headers are read; the body is read with ``read`` or ``chunks``."""

    def __init__(self, pool: Pool, conn: _Conn) -> None:
        self._pool, self._conn = pool, conn
        self.status = conn.status
        self.headers = conn.headers
        self.deadline: float | None = None      # loop time: while set, waits end then instead of after ``timeout``
        self._released = False

    async def read(self) -> bytes:
        parts = []
        async for chunk in self.chunks(None):
            parts.append(chunk)
        return b"".join(parts)

    async def chunks(self, timeout: float | None):
        """Body pieces as they arrive; HTTPError(timeout) when none comes within ``timeout`` (or by ``deadline``)."""
        conn = self._conn
        loop = asyncio.get_running_loop()
        try:
            while True:
                while conn.chunks:
                    yield conn.chunks.popleft()
                if conn.complete:
                    return
                if conn.error is not None:
                    raise conn.error
                conn.waiter = loop.create_future()
                if self.deadline is not None:
                    handle = loop.call_at(self.deadline, _expire, conn.waiter)
                else:
                    handle = loop.call_later(timeout, _expire, conn.waiter) if timeout else None
                try:
                    await conn.waiter
                finally:
                    conn.waiter = None
                    if handle is not None:
                        handle.cancel()
        finally:
            self.close()

    def close(self) -> None:
        """Return the connection to the pool if the body was read to the end, else drop it."""
        if not self._released:
            self._released = True
            self._pool.release(self._conn)


def _expire(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_exception(HTTPError("no data within the timeout", timeout=True))


class Pool:
    """Keep-alive connections to one upstream origin."""

    def __init__(self, base_url: str, headers: dict[str, str], *, connect_timeout: float,
                 max_idle: int = 256) -> None:
        url = urlsplit(base_url)
        self.host = url.hostname or "localhost"
        self.tls = url.scheme == "https"
        self.port = url.port or (443 if self.tls else 80)
        self.prefix = url.path.rstrip("/")
        host_header = url.netloc.rsplit("@", 1)[-1]
        self._head = "".join(f"{k}: {v}\r\n" for k, v in {"host": host_header, **headers}.items())
        self.connect_timeout = connect_timeout
        self.max_idle = max_idle
        self._idle: deque[_Conn] = deque()
        self._ssl = ssl.create_default_context() if self.tls else None

    async def _connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(_Conn, self.host, self.port, ssl=self._ssl,
                                                       server_hostname=self.host if self.tls else None)
        except TimeoutError:
            raise HTTPError(f"no connection within {self.connect_timeout:g} s", connect=True, timeout=True) from None
        except OSError as exc:
            raise HTTPError(f"cannot connect: {type(exc).__name__}", connect=True) from None
        return conn

    def _acquire_idle(self) -> _Conn | None:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        return None

    def release(self, conn: _Conn) -> None:
        if conn.reusable() and len(self._idle) < self.max_idle:
            conn._reset()
            self._idle.append(conn)
        elif not conn.closed and conn.transport is not None:
            conn.closed = True
            conn.transport.close()

    async def request(self, method: str, path: str, body: bytes = b"") -> Response:
        """Send a request and wait for the status line and headers (not the body)."""
        head = (f"{method} {self.prefix}{path} HTTP/1.1\r\n{self._head}"
                f"content-length: {len(body)}\r\n\r\n").encode("latin-1")
        conn = self._acquire_idle()
        if conn is not None:
            try:
                return await self._exchange(conn, head, body)
            except HTTPError as exc:
                if conn.status or exc.timeout:          # the server answered or we gave up: no replay
                    raise
                # a kept-alive connection the server had closed: replay once on a fresh one
        return await self._exchange(await self._connect(), head, body)

    async def _exchange(self, conn: _Conn, head: bytes, body: bytes) -> Response:
        conn.headers_done = asyncio.get_running_loop().create_future()
        conn.transport.write(head + body)
        try:
            await conn.headers_done
        except BaseException:
            conn.complete = False
            self.release(conn)                           # incomplete: the connection is dropped
            raise
        return Response(self, conn)

    def close(self) -> None:
        while self._idle:
            conn = self._idle.pop()
            if conn.transport is not None:
                conn.transport.close()
