"""The gateway's hot path: a small ASGI app for /v1, /rerank and /health (the admin API, /admin/v1, is a router
of its own: ``gateway.http.admin_api``).

Hand-rolled on ASGI (no framework routing or validation layers) to keep the gateway's
own CPU per request well under a millisecond. This is where /v1's errors become
HTTP: every failure is the OpenAI envelope, never a traceback or upstream text.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable

import orjson

from gateway.errors import GatewayError, NotFound, ServerShutdown
from gateway.http.asgi import SSE, header, read_json, send_json, until_disconnect
from gateway.inference import shapes

log = logging.getLogger("maas.api")
GATEWAY_PREFIXES = ("/v1/", "/health", "/rerank")
RESERVED = "maas.reserved"      # in a request's scope: its key's limiter holds tokens for it until it ends

Handler = Callable[[dict, Callable, Callable, str], Awaitable[None]]


def is_gateway_path(path: str) -> bool:
    return path.startswith(GATEWAY_PREFIXES) or path == "/v1"


class GatewayApp:
    """ASGI application serving the gateway routes of one ``Gateway``."""

    def __init__(self, gateway) -> None:
        self.gw = gateway
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/health"): self.health,
            ("GET", "/health/ready"): self.ready,
            ("GET", "/health/models"): self.health_models,
            ("GET", "/v1/models"): self.list_models,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/v1/embeddings"): self.embeddings,
            ("POST", "/v1/rerank"): self.rerank,
            ("POST", "/rerank"): self.rerank,
            ("POST", "/v1/web-search"): self.web_search,
            ("POST", "/v1/ai-search"): self.ai_search,
        }
        self.paths = {path for _, path in self.routes}
        self._id_prefix = secrets.token_hex(4)          # request ids: a random prefix and a counter
        self._count = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        self._count += 1
        request_id = f"{self._id_prefix}{self._count:x}"
        method, path = scope["method"], scope["path"]
        started = [False]

        async def tracked_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started[0] = True
            await send(message)

        try:
            handler = self.routes.get((method, path))
            if handler is None:
                if method == "GET" and path.startswith("/v1/models/"):
                    handler = self.get_model
                elif path in self.paths:
                    await send_json(send, 405, {"error": {"message": f"Method {method} is not allowed on {path}.",
                                                          "type": "invalid_request_error", "param": None,
                                                          "code": "method_not_allowed"}}, request_id)
                    return
                else:
                    raise NotFound(f"Unknown route {method} {path}; see /v1/models, /v1/chat/completions, "
                                   "/v1/embeddings, /v1/rerank, /v1/web-search, /v1/ai-search.",
                                   code="unknown_route")
            await handler(scope, receive, tracked_send, request_id)
        except asyncio.CancelledError:
            return                                       # the client went away; nothing to answer
        except GatewayError as exc:
            if not started[0]:
                await send_json(send, exc.status, exc.envelope(), request_id, exc.headers)
        except Exception:
            log.exception("request %s %s failed", method, path)
            if not started[0]:
                await send_json(send, 500, {"error": {"message": "Internal error in the gateway; the request id is "
                                                      f"{request_id}.", "type": "server_error", "param": None,
                                                      "code": "internal_error"}}, request_id)
        finally:
            if scope.get(RESERVED):                      # settled by its ledger row, unless it left none
                self.gw.limiter.release(request_id)

    def _auth(self, scope: dict):
        """The request's principal."""
        return self.gw.keys.authenticate(header(scope, b"authorization"))

    async def _admit(self, scope: dict, receive: Callable, request_id: str, kind: str):
        """A model route's principal and body, once the key's limits admit the request (429 otherwise) with
        the most tokens it may use reserved (``gateway.limits``)."""
        principal = self._auth(scope)
        body = await self._body(scope, receive)
        if principal.limited:
            scope[RESERVED] = self.gw.limiter.admit(principal, kind, body, request_id)
        return principal, body

    async def health(self, scope, receive, send, request_id) -> None:
        await send_json(send, 200, {"status": "ok"}, request_id)

    async def ready(self, scope, receive, send, request_id) -> None:
        """Readiness for a load balancer: 200 once at least one deployment is healthy, else 503."""
        healthy = any(t.state == "healthy" for t in self.gw.router.all_targets())
        await send_json(send, 200 if healthy else 503, {"status": "ready" if healthy else "not ready"}, request_id)

    async def health_models(self, scope, receive, send, request_id) -> None:
        self._auth(scope)
        await send_json(send, 200, {"models": self.gw.router.status()}, request_id)

    def _model_card(self, model) -> dict:
        return shapes.model_card(model, self.gw.started_at)

    async def list_models(self, scope, receive, send, request_id) -> None:
        principal = self._auth(scope)
        data = [self._model_card(m) for m in self.gw.catalogue.models.values() if principal.allows(m.id)]
        await send_json(send, 200, {"object": "list", "data": data}, request_id)

    async def get_model(self, scope, receive, send, request_id) -> None:
        principal = self._auth(scope)
        model_id = scope["path"][len("/v1/models/"):]
        model = self.gw.catalogue.get(model_id)
        if model is None or not principal.allows(model_id):
            raise NotFound(f"The model '{model_id}' does not exist or your key may not use it.", param="model")
        await send_json(send, 200, self._model_card(model), request_id)

    async def _body(self, scope, receive) -> dict:
        return await read_json(scope, receive, self.gw.settings.max_body_bytes)

    async def chat(self, scope, receive, send, request_id) -> None:
        principal, body = await self._admit(scope, receive, request_id, "chat")
        drain = self.gw.chat.drain
        task = drain.track()             # a shutdown lets it finish (gateway.http.drain)
        try:
            if body.get("stream") is True:
                chunks = await until_disconnect(receive, self.gw.chat.open_stream(principal, body, request_id))
                await self._stream(receive, send, chunks, request_id)
            else:
                result = await until_disconnect(receive, self.gw.chat.complete(principal, body, request_id))
                await send_json(send, 200, result, request_id)
        finally:
            drain.untrack(task)

    async def _stream(self, receive, send, chunks, request_id: str) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*SSE, (b"x-request-id", request_id.encode())]})

        async def pump() -> None:
            async for data in chunks:
                await send({"type": "http.response.body", "body": data, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        drain = self.gw.chat.drain
        task = drain.track()
        try:
            await until_disconnect(receive, pump())
        except asyncio.CancelledError:
            if not drain.ending:
                raise                                    # the client went away
            task.uncancel()                              # the shutdown's grace ran out: end it with an error event
            await chunks.aclose()                        # its ledger row says server-ended (gateway.inference.chat)
            event = b"data: " + orjson.dumps(ServerShutdown().envelope()) + b"\n\n"
            await send({"type": "http.response.body", "body": event, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            drain.untrack(task)
            await chunks.aclose()

    async def embeddings(self, scope, receive, send, request_id) -> None:
        principal, body = await self._admit(scope, receive, request_id, "embeddings")
        result = await until_disconnect(receive, self.gw.vectors.embeddings(principal, body, request_id))
        await send_json(send, 200, result, request_id)

    async def rerank(self, scope, receive, send, request_id) -> None:
        principal, body = await self._admit(scope, receive, request_id, "rerank")
        result = await until_disconnect(receive, self.gw.vectors.rerank(principal, body, request_id))
        await send_json(send, 200, result, request_id)



    async def web_search(self, scope, receive, send, request_id) -> None:
        """Numbered web results with the pages' main text (``gateway.websearch``)."""
        principal, body = await self._admit(scope, receive, request_id, "web_search")
        result = await until_disconnect(receive, self.gw.search.web_search(principal, body, request_id))
        await send_json(send, 200, result, request_id)

    async def ai_search(self, scope, receive, send, request_id) -> None:
        """A chat model's answer from web results, citing them as [n]; ``sources`` lists them."""
        principal, body = await self._admit(scope, receive, request_id, "ai_search")
        if body.get("stream") is True:
            chunks = await until_disconnect(receive, self.gw.search.open_ai_stream(principal, body, request_id))
            await self._stream(receive, send, chunks, request_id)
        else:
            result = await until_disconnect(receive, self.gw.search.ai_search(principal, body, request_id))
            await send_json(send, 200, result, request_id)
