"""Tool groups as MCP endpoints under ``/mcp/v1``, for MCP clients (Claude Desktop, Cursor, Cherry Studio, VS Code,
langchain-mcp-adapters) and the user's own agents, by API key like ``/v1``.

    POST /mcp/v1/<group>                 streamable HTTP (stateless: every request carries the key; JSON answers)
    GET  /mcp/v1/<group>                 405: nothing is ever sent unasked, so no stream is offered to wait on (else
                                         each client of the TypeScript SDK would hold one open, idle, for its life)
    GET  /mcp/v1/<group>/sse             the older SSE transport: an event stream, then
    POST /mcp/v1/<group>/messages/?session_id=...     its messages (the same key as the stream's)

``<group>`` is a group's slug (``workbench.mcp.groups``) or ``workbench``: the workbench's own tools (``kb_search``,
``kb_list``, ``web_search``). ``Authorization: Bearer <key>`` is a user's gateway key (``auth.ApiKey``: 401 for a
missing, unknown, revoked or expired key, 403 for the master key); a group the key's owner may not see is 404 with
the same body as a missing one (the owner's role, teams and groups are looked up again after a few seconds, as the
keys are). Each tool call counts against the key's requests per minute (an MCP error past it)
and is recorded as the owner's run with source ``api`` and the key's id. Refusals before MCP starts are the OpenAI
error envelope, in Chinese when Accept-Language prefers it; inside MCP they are MCP errors or tool errors
(``workbench.mcp.endpoint``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError

from app.http.auth import ApiKey
from app.http.messages import said
from gateway.http.edge import ApiError, locale_of
from workbench.errors import WorkbenchError
from workbench.mcp.catalogue import Viewer
from workbench.mcp.endpoint import endpoint_server
from workbench.mcp.groups import WORKBENCH, Group, Groups, Member, workbench_group
from workbench.mcp.surface import EndpointCaller, Surfaces

PREFIX = "/mcp/v1"
SCOPE_KEY = "maas.mcp"                 # where a request's (group, caller) waits for the MCP handlers
RATE_LIMITED = -32029                  # a JSON-RPC error code of the implementation's range

log = logging.getLogger(__name__)


class McpEndpoints:
    """The ASGI app under ``PREFIX`` (see the module doc). ``viewer_of(user_id)`` is who a key's owner is to the hub
    (looked up again after ``ttl`` seconds: a demoted user loses rights within that, as with the keys' own cache);
    ``check_limits(principal)`` raises the gateway's ``RateLimited``."""

    def __init__(self, groups: Groups | None, surfaces: Surfaces, api_key: ApiKey, viewer_of: Callable[[str], Viewer],
                 check_limits: Callable[[Any], None] | None = None, version: str = "", ttl: float = 5.0) -> None:
        self.groups, self.surfaces, self.api_key, self.viewer_of = groups, surfaces, api_key, viewer_of
        self.ttl = ttl
        self._seen: dict[tuple[str, str], tuple[float, Viewer, Group]] = {}
        self.check_limits = check_limits
        self.server = endpoint_server(surfaces, _resolve, self._admit, version=version)
        self.manager = StreamableHTTPSessionManager(self.server, json_response=True, stateless=True)
        self.sse = SseServerTransport("/messages/")
        self._running: asyncio.Task | None = None
        self._started: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
        locale = locale_of(headers)
        slug, _, rest = scope["path"][len(PREFIX):].strip("/").partition("/")
        try:
            if not slug:
                raise ApiError(404, said("mcp.no_group_in_path"), code="not_found")
            key = await self.api_key.identify(headers.get("authorization"))
            viewer, group = await self._looked_up(key.user_id, slug)
            caller = EndpointCaller(viewer, key.key, key.key_id, locale, key.principal)
        except ApiError as refusal:
            await refusal.response(locale)(scope, receive, send)
            return
        scope = dict(scope)
        scope[SCOPE_KEY] = (group, caller)
        scope["user"] = AuthenticatedUser(AccessToken(token="-", client_id=key.key_id or key.user_id, scopes=[],
                                                      subject=key.user_id))
        mount = f"{PREFIX}/{group.slug}"
        if rest == "" and scope["method"] == "GET":
            await ApiError(405, said("route.method_not_allowed", method="GET", path=mount, allowed="POST"),
                           code="method_not_allowed", headers={"allow": "POST"}).response(locale)(scope, receive, send)
        elif rest == "":
            await self._ensure_running()
            await self.manager.handle_request(scope, receive, send)
        elif rest == "sse" and scope["method"] == "GET":
            await self._serve_sse(dict(scope, root_path=mount), receive, send)
        elif rest.rstrip("/") == "messages":
            await self.sse.handle_post_message(scope, receive, send)
        else:
            await ApiError(404, said("mcp.unknown_path"), code="not_found").response(locale)(scope, receive, send)

    async def _looked_up(self, user_id: str, slug: str) -> tuple[Viewer, Group]:
        """The key owner's viewer and the group, remembered for ``ttl`` seconds per user and address (an agent's
        calls come in bursts; each lookup is a few queries): a changed group, team or role applies within that."""
        now = time.monotonic()
        slug = slug.lower()
        hit = self._seen.get((user_id, slug))
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1], hit[2]
        viewer = await asyncio.to_thread(self.viewer_of, user_id)
        group = await asyncio.to_thread(self._group, slug, viewer)        # ApiError 404: not remembered
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[(user_id, slug)] = (now, viewer, group)
        return viewer, group

    def _group(self, slug: str, viewer: Viewer) -> Group:
        if slug.lower() == WORKBENCH:
            return workbench_group([Member(WORKBENCH)])
        if self.groups is None:
            raise ApiError(404, said("mcp.no_group_in_path"), code="not_found")
        try:
            return self.groups.by_slug(slug, viewer)
        except WorkbenchError as missing:
            raise ApiError.refusing(404, missing, "not_found") from None

    def _admit(self, caller: EndpointCaller) -> None:
        """One tool call against the key's requests per minute (and its quota), or an MCP error saying when."""
        if self.check_limits is None or caller.limits is None:
            return
        from gateway.errors import RateLimited

        try:
            self.check_limits(caller.limits)
        except RateLimited as limited:
            raise MCPError(RATE_LIMITED, str(limited)) from None

    async def _serve_sse(self, scope: dict, receive: Any, send: Any) -> None:
        with contextlib.suppress(ValueError):                 # the transport already answered a refused request
            async with self.sse.connect_sse(scope, receive, send) as (read, write):
                await self.server.run(read, write, self.server.create_initialization_options())

    async def _ensure_running(self) -> None:
        """The session manager's task group, started by the first request and kept until ``close``."""
        if self._started is not None:
            await self._started.wait()
            return
        self._started, self._stop = asyncio.Event(), asyncio.Event()
        self._running = asyncio.get_running_loop().create_task(self._run(), name="mcp-endpoints")
        await self._started.wait()

    async def _run(self) -> None:
        assert self._started is not None and self._stop is not None
        async with self.manager.run():
            self._started.set()
            await self._stop.wait()

    async def close(self) -> None:
        if self._running is not None and self._stop is not None:
            self._stop.set()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._running, 5)


def _resolve(ctx: Any) -> tuple[Group, EndpointCaller]:
    """The group and caller the HTTP edge checked for this request (``ctx.request``: the Starlette request)."""
    return ctx.request.scope[SCOPE_KEY]


def viewer_lookup(accounts: Any, teams: Any) -> Callable[[str], Viewer]:
    """``user_id -> Viewer``: an administrator or not (looked up now: a demoted or disabled user loses rights at
    once) and their teams (``workbench.kb`` teams; none without them)."""

    def viewer_of(user_id: str) -> Viewer:
        user = accounts.get(user_id)
        is_admin = bool(user is not None and user.is_admin and not user.disabled)
        return Viewer.of(user_id, is_admin, teams.list_for(user_id) if teams is not None else ())

    return viewer_of


def embedder(base_url: str, model: str) -> Callable[..., Any]:
    """``embed(texts, caller)``: vectors from this process's ``/v1/embeddings`` with the caller's own key (metered as
    theirs), for ``search_tools``."""
    from workbench.clients import UserClients

    clients = UserClients(base_url, key_for=lambda key: key, timeout=30)

    async def embed(texts: list[str], caller: EndpointCaller) -> list[list[float]]:
        answer = await clients(caller.key).embeddings.create(model=model, input=list(texts))
        return [item.embedding for item in sorted(answer.data, key=lambda d: d.index)]

    return embed
