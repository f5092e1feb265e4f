"""The upstream HTTP/1.1 client against a raw asyncio server on loopback."""

from __future__ import annotations

import asyncio

import pytest

from gateway.backends.http1 import HTTPError, Pool
from tests.aio import run


class Server:
    """Answers each request per ``mode``; counts connections and notices when clients hang up."""

    def __init__(self, mode: str = "keepalive") -> None:
        self.mode, self.connections, self.hangups = mode, 0, 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                if self.mode == "stream":
                    writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                    for i in range(50):
                        data = f"data: {i}\n\n".encode()
                        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        await writer.drain()
                        await asyncio.sleep(0.02 if i < 3 else 0.5)
                    writer.write(b"0\r\n\r\n")
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    await writer.drain()
                    if self.mode == "close-after":
                        writer.close()                       # closes an idle keep-alive connection
                        return
        except (asyncio.IncompleteReadError, ConnectionError):
            self.hangups += 1
        finally:
            writer.close()


async def serve(mode: str):
    server = Server(mode)
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    return server, srv, srv.sockets[0].getsockname()[1]


def test_keep_alive_reuses_one_connection():
    async def main():
        server, srv, port = await serve("keepalive")
        pool = Pool(f"http://127.0.0.1:{port}/v1", {}, connect_timeout=2)
        for _ in range(3):
            resp = await pool.request("POST", "/x", b"{}")
            assert resp.status == 200 and await resp.read() == b"ok"
        assert server.connections == 1
        pool.close()
        srv.close()
    run(main())


def test_a_connection_the_server_closed_is_replayed_on_a_fresh_one():
    async def main():
        server, srv, port = await serve("close-after")
        pool = Pool(f"http://127.0.0.1:{port}", {}, connect_timeout=2)
        for _ in range(3):
            resp = await pool.request("POST", "/x", b"{}")
            assert await resp.read() == b"ok"
            await asyncio.sleep(0.05)
        assert server.connections == 3
        srv.close()
    run(main())


def test_between_chunk_timeout_and_abandoning_a_stream_hangs_up():
    async def main():
        server, srv, port = await serve("stream")
        pool = Pool(f"http://127.0.0.1:{port}", {}, connect_timeout=2)
        resp = await pool.request("POST", "/x", b"{}")
        got = []
        with pytest.raises(HTTPError) as err:
            async for chunk in resp.chunks(0.2):
                got.append(chunk)
        assert err.value.timeout and len(got) >= 3
        for _ in range(30):
            if server.hangups:
                break
            await asyncio.sleep(0.1)
        assert server.hangups == 1                # the server saw the client go: generation is cancelled
        srv.close()
    run(main())


def test_refused_connection_is_a_connect_error():
    async def main():
        srv = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        srv.close()
        await srv.wait_closed()
        with pytest.raises(HTTPError) as err:
            await Pool(f"http://127.0.0.1:{port}", {}, connect_timeout=2).request("GET", "/")
        assert err.value.connect
    run(main())
