"""Real MCP servers for the hub's tests: the SDK's own ``MCPServer``, in memory or over HTTP on 127.0.0.1.

    lab = LabServer()                              # tools add, echo, contents, fail, slow; a resource; a prompt
    lab.mcp                                        # the MCPServer, for Client(lab.mcp) / InProcessConnector
    with serve(lab, token="sk-…") as site:          # streamable HTTP (site.url) and SSE (site.sse_url), uvicorn in a
        ...                                         # thread; a request without "Authorization: Bearer sk-…" gets 401
    lab.rewrite("add", description="…")            # the tool changes under the same name (a "rug pull")
    site.announce()                                # ... and the server says so (a subscriptions/listen event)
    lab.calls                                      # the tool calls that reached the server, in order
    site.requests                                  # every HTTP request it received (method, path)
    site.methods                                   # the MCP method of each (its Mcp-Method header, 2026-07-28)
    with serve_nonsense() as url: ...              # a broken server: JSON-RPC answers that are not MCP

The server is the real thing (the SDK's streamable HTTP and SSE apps); only the tools are ours.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from mcp.server.mcpserver import Audio, Image, MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus, ToolsListChanged
from mcp_types import EmbeddedResource, ResourceLink, TextResourceContents
from pydantic import Field
from starlette.responses import PlainTextResponse

# a 1x1 red PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")
WAV = b"RIFF$\x00\x00\x00WAVEfmt " + bytes(28)


class LabServer:
    """An MCP server whose tools a test may change between calls (see the module doc)."""

    def __init__(self, name: str = "lab") -> None:
        self.bus = InMemorySubscriptionBus()          # what subscriptions/listen streams hear (``Site.announce``)
        self.mcp = MCPServer(name, instructions="A lab server for tests.", subscriptions=self.bus)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._add_tools()

        @self.mcp.resource("lab://notes", name="notes", description="The lab's notes", mime_type="text/plain")
        def notes() -> str:
            return "Buffer pH 7.4; store at 4 °C."

        @self.mcp.prompt(description="Greets a colleague")
        def greet(name: str, tone: str = "warm") -> str:
            return f"Say hello to {name}, {tone}ly."

    def _add_tools(self) -> None:
        calls = self.calls

        def add(a: int, b: int) -> int:
            """Add two whole numbers."""
            calls.append(("add", {"a": a, "b": b}))
            return a + b

        def echo(text: str = Field(description="What to say back")) -> str:
            """Say the text back."""
            calls.append(("echo", {"text": text}))
            return text

        def contents() -> list[Any]:
            """Answer with one of each kind of content."""
            calls.append(("contents", {}))
            return ["A red pixel:", Image(data=PNG, format="png"), Audio(data=WAV, format="wav"),
                    EmbeddedResource(type="resource", resource=TextResourceContents(
                        uri="lab://notes", mime_type="text/plain", text="Buffer pH 7.4")),
                    ResourceLink(type="resource_link", uri="lab://notes", name="notes", mime_type="text/plain")]

        def fail() -> str:
            """Always fails."""
            calls.append(("fail", {}))
            raise ValueError("the lab's instrument is offline")

        async def slow(seconds: float) -> str:
            """Wait, then answer."""
            import asyncio

            calls.append(("slow", {"seconds": seconds}))
            await asyncio.sleep(seconds)
            return "done"

        for tool in (add, echo, fail, slow):
            self.mcp.add_tool(tool)
        self.mcp.add_tool(contents, structured_output=False)

    def rewrite(self, name: str, fn: Any = None, *, description: str | None = None) -> None:
        """Replace tool ``name``: by ``fn`` (a new signature), or the same function with another description."""
        old = self.mcp._tool_manager.get_tool(name)
        self.mcp.remove_tool(name)
        self.mcp.add_tool(fn or old.fn, name=name, description=description if description is not None
                          else old.description)

    def add(self, fn: Any, name: str | None = None) -> None:
        self.mcp.add_tool(fn, name=name)


@dataclass
class Site:
    port: int
    sse_port: int
    requests: list[tuple[str, str]] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    lab: LabServer | None = None
    bearer: _Bearer | None = None

    def announce(self) -> None:
        """Tell the listening clients that the tools changed (on the server's own loop, as a tool would)."""
        assert self.lab is not None and self.bearer is not None and self.bearer.loop is not None
        asyncio.run_coroutine_threadsafe(self.lab.bus.publish(ToolsListChanged()), self.bearer.loop).result(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def sse_url(self) -> str:
        return f"http://127.0.0.1:{self.sse_port}/sse"


class _Bearer:
    """ASGI middleware: 401 unless the request carries the token; every request noted (and its MCP method)."""

    def __init__(self, app: Any, token: str | None, requests: list[tuple[str, str]],
                 methods: list[str] | None = None) -> None:
        self.app, self.token, self.requests, self.methods = app, token, requests, methods
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.loop = asyncio.get_running_loop()
            self.requests.append((scope["method"], scope["path"]))
            method = dict(scope["headers"]).get(b"mcp-method")
            if method is not None and self.methods is not None:
                self.methods.append(method.decode())
            if self.token and dict(scope["headers"]).get(b"authorization") != f"Bearer {self.token}".encode():
                await PlainTextResponse("unauthorized", status_code=401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _start(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    # IPPROTO_TCP named, so asyncio turns Nagle off on each accepted connection (it does so only for sockets whose
    # proto says TCP): else a response's headers and body, written apart, wait 40 ms for the client's delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, loop="asyncio", log_level="warning", lifespan="on", log_config=None,
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the MCP test server did not start")
        time.sleep(0.01)
    return server, thread, sock.getsockname()[1]


@contextmanager
def serve(lab: LabServer, token: str | None = None) -> Iterator[Site]:
    """``lab`` over streamable HTTP and SSE on loopback ports, each behind the bearer check when ``token`` is given."""
    requests: list[tuple[str, str]] = []
    methods: list[str] = []
    bearer = _Bearer(lab.mcp.streamable_http_app(), token, requests, methods)
    http, http_thread, port = _start(bearer)
    sse, sse_thread, sse_port = _start(_Bearer(lab.mcp.sse_app(), token, requests))
    try:
        yield Site(port, sse_port, requests, methods, lab, bearer)
    finally:
        for server, thread in ((http, http_thread), (sse, sse_thread)):
            server.should_exit = True
            thread.join(5)


@contextmanager
def serve_nonsense() -> Iterator[str]:
    """A server that answers every MCP request with JSON-RPC whose result is not what MCP says (a broken server);
    its URL."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def answer(request: Request) -> JSONResponse:
        body = await request.json() if request.method == "POST" else {}
        return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": {"protocolVersion": 12}})

    server, thread, port = _start(Starlette(routes=[Route("/mcp", answer, methods=["GET", "POST", "DELETE"])]))
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        thread.join(5)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
