"""The one error envelope of every HTTP route that is not ``/v1``: ``{"error": {message, type, param, code}}``,
as OpenAI's API (and the gateway's ``/v1``) write it. The routes are FastAPI routers from ``edge_router``: the
gateway's ``/admin/v1`` (``gateway.http.admin_api``) and the workbench's (``app.http``). A route raises ``ApiError``
(or a ``GatewayError``); its router answers it, FastAPI's own bad-request refusals and any unexpected failure in
the envelope, the message in Chinese when the request's Accept-Language starts with zh (and the error has one).
An ``ApiError``'s words come from a table: a ``shared.messages.Message`` (e.g. ``app.http.messages.said(code)``)
or a ``MessageError``; a plain string is English only. ``install`` makes a whole FastAPI app answer ``ApiError``
that way."""

from __future__ import annotations

import itertools
import logging
import secrets
from typing import Any, Protocol

import orjson
from starlette.responses import Response

from gateway.errors import GatewayError
from gateway.http.messages import MESSAGES
from shared.locale import resolve

log = logging.getLogger("maas.edge")

TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
         404: "invalid_request_error", 405: "invalid_request_error", 409: "invalid_request_error",
         413: "invalid_request_error", 429: "rate_limit_error", 500: "server_error", 502: "upstream_error",
         503: "service_unavailable", 504: "upstream_error"}


class Said(Protocol):
    """Words in a table, said in a language: a ``shared.messages.Message``, ``Words`` or ``MessageError``."""

    def text(self, locale: str | None) -> str: ...


class ApiError(Exception):
    """A refusal at the edge: HTTP ``status``, what it says (``said``: a ``Message`` or ``MessageError``, in the
    caller's language; or English only), the ``param`` at fault. ``message`` is the English."""

    def __init__(self, status: int, said: str | Said, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        message = said if isinstance(said, str) else said.text("en")
        super().__init__(message)
        self.status, self.message, self.said, self.param = status, message, said, param
        self.code, self.headers = code, headers or {}

    @classmethod
    def refusing(cls, status: int, exc: Any, code: str) -> ApiError:
        """A service's refusal (a ``shared.messages.MessageError``, e.g. ``workbench.errors.WorkbenchError``:
        ``text(locale)``, field, code) with ``status``."""
        return cls(status, exc, param=exc.field, code=exc.code or code)

    def text(self, locale: str | None) -> str:
        """The message in ``locale`` (``shared.locale`` decides the language); English when it has only that."""
        return self.said if isinstance(self.said, str) else self.said.text(locale)

    def body(self, locale: str) -> dict[str, Any]:
        return {"error": {"message": self.text(locale),
                          "type": TYPES.get(self.status, "invalid_request_error"), "param": self.param,
                          "code": self.code}}

    def response(self, locale: str) -> Response:
        return json_response(self.body(locale), self.status, self.headers)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")


def locale_of(headers: Any) -> str:
    """'zh' when the request's Accept-Language prefers Chinese, else 'en' (the API's messages are English)."""
    return resolve(None, headers.get("accept-language"))


def install(app: Any) -> Any:
    """``app`` (FastAPI) answers ``ApiError`` in the envelope; returns ``app``."""
    async def refused(request, exc: ApiError) -> Response:
        return exc.response(locale_of(request.headers))

    app.add_exception_handler(ApiError, refused)
    return app


def edge_router(request_ids: str | None = None, **options: Any) -> Any:
    """An ``APIRouter`` whose routes answer ``ApiError`` and ``GatewayError`` (from a dependency too), FastAPI's own
    request validation errors and any unexpected failure (logged, never a traceback) in the envelope, whichever app
    includes them.
    ``request_ids``: every answer carries ``X-Request-Id``, this prefix and a counter."""
    from fastapi import APIRouter
    from fastapi.exceptions import RequestValidationError
    from fastapi.routing import APIRoute
    from starlette.requests import ClientDisconnect

    random, count = secrets.token_hex(4), itertools.count(1)

    class EnvelopeRoute(APIRoute):
        def get_route_handler(self) -> Any:
            handler = super().get_route_handler()

            async def enveloped(request) -> Response:
                request_id = f"{request_ids}{random}{next(count):x}" if request_ids is not None else None
                try:
                    response = await handler(request)
                except ApiError as exc:
                    response = exc.response(locale_of(request.headers))
                except GatewayError as exc:
                    response = json_response(exc.envelope(), exc.status, exc.headers)
                except RequestValidationError as exc:
                    first = (exc.errors() or [{}])[0]
                    where = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body", "header")]
                    response = ApiError(422, f"{'.'.join(where) or 'request'}: {first.get('msg', 'invalid')}.",
                                        param=where[-1] if where else None, code="invalid_value").response(
                                            locale_of(request.headers))
                except ClientDisconnect:
                    return Response(status_code=499)           # nobody is listening
                except Exception:
                    log.exception("request %s %s %s failed", request_id, request.method, request.url.path)
                    said = (MESSAGES.message("internal_error.request", request_id=request_id) if request_id
                            else MESSAGES.message("internal_error"))
                    response = ApiError(500, said, code="internal_error").response(locale_of(request.headers))
                if request_id is not None:
                    response.headers["x-request-id"] = request_id
                return response

            return enveloped

    return APIRouter(route_class=EnvelopeRoute, **options)
