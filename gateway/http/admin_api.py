"""The admin HTTP API under /admin/v1: users, keys, key applications, usage and the audit log, for automation.

A FastAPI router (``AdminAPI.router()``, from ``gateway.http.edge.edge_router``: the one error envelope) that
launch.py mounts with the workbench's routes; ``/v1`` (``gateway.http.api``) never sees these paths. Who may do
what is decided by ``gateway.console`` and ``gateway.applications``, which also write the audit log; this module
authenticates the key, checks the request's shape, makes one service call and turns the result, or the refusal,
into HTTP:

- ``Authorization: Bearer <key>`` (the ``AdminKey`` dependency): the master key, or a key whose owner is an active
  admin; no key or a bad one is 401, any other key 403 (``admin_only``);
- ``FormError`` -> 400 naming the field (``param``; in Chinese with ``Accept-Language: zh``), ``PermissionError``
  -> 403, an unknown id in the path -> 404, a wrong method on a known path -> 405, an unknown path -> 404.

Admin calls are not counted against the key's rate limits and write no usage-ledger rows. The
services query DuckDB synchronously (and hash passwords), so each call runs in a worker thread.
"""

# no `from __future__ import annotations`: FastAPI must see the endpoints' and dependencies' real types
import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from gateway.accounts.applications import STATUSES, Application, ApplicationError
from gateway.accounts.audit import AuditEntry
from gateway.accounts.console import Actor
from gateway.accounts.keys import KeyInfo
from gateway.accounts.passwords import check_strength
from gateway.accounts.users import ROLES, User
from gateway.errors import FormError
from gateway.http.asgi import read_json
from gateway.http.edge import ApiError, Said, edge_router, json_response
from gateway.http.messages import MESSAGES
from gateway.usage import stats as usage_stats

PREFIX = "/admin/v1"
MAX_USAGE_DAYS = 3660           # a usage window of at most ten years
MAX_AUDIT_LIMIT = 1000
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]     # for 404 / 405


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler's answer: JSON ``body`` (or ``text`` with its ``content_type``)."""
    body: Any = None
    status: int = 200
    text: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        if self.text is None:
            return json_response(self.body, self.status, self.headers)
        return Response(self.text, self.status, headers=self.headers, media_type=self.content_type)


@dataclass(frozen=True, slots=True)
class Call:
    """One admin request, as a handler sees it."""
    actor: Actor
    id: str | None                   # the id in the path, if the route has one
    query: dict[str, str]            # the first value of each query parameter
    body: dict[str, Any]


class AdminKey:
    """The dependency "an administrator's key": the ``Actor`` behind ``Authorization: Bearer``, the master key or
    an active admin's key; 401 without a valid key (missing, malformed, unknown, revoked, expired: the gateway's
    ``KeyStore.authenticate``), 403 ``admin_only`` for any other key. The key store queries DuckDB: a worker thread."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    async def __call__(self, request: Request) -> Actor:
        return await asyncio.to_thread(self.actor, request.headers.get("authorization"))

    def actor(self, authorization: str | None) -> Actor:
        principal = self.gateway.keys.authenticate(authorization)
        actor = self.gateway.console.actor_for_key(principal)
        if actor is None or not actor.is_admin:
            raise ApiError(403, say("admin.member_key"), code="admin_only")
        return actor


say = MESSAGES.message          # an edge sentence by its code (gateway/http/messages.py), said in the caller's language


# --- what is shown ------------------------------------------------------------------------------

def _iso(value: datetime | date | None) -> str | None:
    """Stored times are naive UTC: shown as ISO 8601 with the offset (dates as YYYY-MM-DD)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat()


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, decimals as numbers, tuples as lists, recursively."""
    if isinstance(value, datetime | date):
        return _iso(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def user_json(user: User) -> dict[str, Any]:
    """A user as the API shows it (never a password hash)."""
    return {"id": user.id, "object": "user", "username": user.username, "display_name": user.display_name,
            "email": user.email, "organisation": user.organisation, "role": user.role, "disabled": user.disabled,
            "has_password": user.has_password, "sso": user.oidc_subject is not None}


def key_json(key: KeyInfo) -> dict[str, Any]:
    """A key as the API shows it (never its secret or hash)."""
    return {"id": key.id, "object": "api_key", "name": key.name, "prefix": key.prefix, "user_id": key.user_id,
            "username": key.username, "purpose": key.purpose,
            "models": list(key.models) if key.models is not None else None, "created_at": _iso(key.created_at),
            "expires_at": _iso(key.expires_at), "revoked_at": _iso(key.revoked_at),
            "last_used_at": _iso(key.last_used_at), "state": key.state(), "rpm": key.rpm, "tpm": key.tpm,
            "quota_tokens": key.quota_tokens, "quota_period": key.quota_period}


def application_json(app: Application) -> dict[str, Any]:
    return {"id": app.id, "object": "key_application", "kind": app.kind, "user_id": app.user_id,
            "key_id": app.key_id, "name": app.name, "contact_name": app.contact_name, "email": app.email,
            "organisation": app.organisation, "phone": app.phone, "purpose": app.purpose, "models": list(app.models),
            "status": app.status, "reason": app.reason, "decided_by": app.decided_by,
            "decided_at": _iso(app.decided_at), "created_at": _iso(app.created_at),
            "granted_models": list(app.granted_models) if app.granted_models is not None else None,
            "limits": app.limits}


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "object": "audit_entry", "ts": _iso(entry.ts), "actor_user_id": entry.actor_user_id,
            "action": entry.action, "target_type": entry.target_type, "target_id": entry.target_id,
            "before": entry.before, "after": entry.after}


def _list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": items}


# --- reading the request ------------------------------------------------------------------------

def _bad(message: str | Said, param: str | None, code: str = "invalid_value") -> ApiError:
    return ApiError(400, message, param=param, code=code)


def _only(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [k for k in body if k not in allowed]
    if unknown:
        said = (say("admin.unknown_field", field=unknown[0], fields=", ".join(allowed)) if allowed
                else say("admin.unknown_field.none", field=unknown[0]))
        raise _bad(said, unknown[0], "unknown_field")


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise _bad(say("admin.required", name=name), name, "missing_field")
        return None
    if not isinstance(value, str):
        raise _bad(say("admin.text", name=name), name)
    return value


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise _bad(say("admin.flag", name=name), name)
    return value


def _whole(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:      # 0 would refuse every request
        raise _bad(say("admin.whole", name=name), name)
    return value


def _models(body: dict[str, Any]) -> list[str] | None:
    value = body.get("models")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise _bad(say("admin.models"), "models")
    return value


def _when(body: dict[str, Any], name: str) -> datetime | None:
    """An ISO 8601 date or date-time (UTC unless it says otherwise), as naive UTC like the stored times."""
    value = body.get(name)
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        raise _bad(say("admin.when", name=name), name)
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _day(query: dict[str, str], name: str, default: date) -> date:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(say("admin.day", name=name), name) from None


def _count(query: dict[str, str], name: str, default: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > high:
        raise _bad(say("admin.count", name=name, high=high), name)
    return int(raw)


# --- the routes -------------------------------------------------------------------------------

class AdminAPI:
    """The /admin/v1 routes of one ``Gateway``: ``router()``."""

    def __init__(self, gateway) -> None:
        self.gw = gateway
        self.key = AdminKey(gateway)
        self.table: list[tuple[str, str, Callable[[Call], Reply], bool]] = [
            # method, path, handler, takes a JSON body
            ("GET", "/users", self.list_users, False),
            ("POST", "/users", self.create_user, True),
            ("PATCH", "/users/{id}", self.update_user, True),
            ("GET", "/keys", self.list_keys, False),
            ("POST", "/keys", self.create_key, True),
            ("POST", "/keys/{id}/revoke", self.revoke_key, False),
            ("GET", "/applications", self.list_applications, False),
            ("POST", "/applications/{id}/approve", self.approve, True),
            ("POST", "/applications/{id}/reject", self.reject, True),
            ("GET", "/usage", self.usage, False),
            ("GET", "/audit", self.audit, False),
        ]

    def router(self) -> APIRouter:
        """The ``/admin/v1`` routes (``APIRouter``): each needs an admin's key (checked before anything else); an
        unknown path under the prefix is 404 and a wrong method on a known one 405, in the envelope."""
        router = edge_router(request_ids="adm-")
        for method, path, handler, takes_body in self.table:
            router.add_api_route(PREFIX + path, self._endpoint(handler, takes_body), methods=[method],
                                 name=f"admin.{handler.__name__}")
        known = list(router.routes)

        async def unknown(request: Request, actor: Actor = Depends(self.key)) -> Response:
            method, path = request.method, request.scope["path"]
            allowed = [m for route in known if route.path_regex.match(path) for m in route.methods]
            if allowed:
                raise ApiError(405, say("admin.method", method=method, path=path, allowed=", ".join(allowed)),
                               code="method_not_allowed", headers={"allow": ", ".join(allowed)})
            raise ApiError(404, say("admin.unknown_route", method=method, path=path, prefix=PREFIX),
                           code="unknown_route")

        for path in (PREFIX, PREFIX + "/{rest:path}"):
            router.add_api_route(path, unknown, methods=METHODS, include_in_schema=False)
        return router

    def _endpoint(self, handler: Callable[[Call], Reply], takes_body: bool) -> Callable:
        async def endpoint(request: Request, actor: Actor = Depends(self.key)) -> Response:
            body: dict[str, Any] = {}
            if takes_body and request.headers.get("content-length") != "0":
                body = await read_json(request.scope, _hang_up_is_disconnect(request.receive),
                                       self.gw.settings.max_body_bytes)
            query = {k: v[0] for k, v in parse_qs(request.scope.get("query_string", b"").decode("latin-1"),
                                                  keep_blank_values=True).items()}
            call = Call(actor, request.path_params.get("id"), query, body)
            return (await asyncio.to_thread(self._run, handler, call)).response()

        return endpoint

    @staticmethod
    def _run(handler: Callable[[Call], Reply], call: Call) -> Reply:
        """One handler; the services' refusals become HTTP errors."""
        try:
            return handler(call)
        except FormError as exc:
            raise _bad(exc, exc.field) from None
        except PermissionError as exc:
            raise ApiError(403, str(exc) or say("admin.admins_only"), code="admin_only") from None

    # --- users ----------------------------------------------------------------------------------

    def _user(self, user_id: str) -> User:
        user = self.gw.accounts.get(user_id)
        if user is None:
            raise ApiError(404, say("admin.no_user", id=user_id, prefix=PREFIX), param="id", code="user_not_found")
        return user

    def list_users(self, req: Call) -> Reply:
        return Reply(_list([user_json(u) for u in self.gw.console.users(req.actor)]))

    def create_user(self, req: Call) -> Reply:
        fields = ("username", "password", "role", "email", "organisation", "display_name")
        _only(req.body, fields)
        values = {name: _text(req.body, name, required=name == "username") for name in fields}
        user = self.gw.console.create_user(req.actor, values.pop("username"), values.pop("password"),
                                           role=values.pop("role") or "member", **values)
        return Reply(user_json(user), status=201)

    def update_user(self, req: Call) -> Reply:
        """``role``, ``disabled`` and ``password`` (an admin's reset), checked before anything changes."""
        _only(req.body, ("role", "disabled", "password"))
        role, disabled, password = _text(req.body, "role"), _flag(req.body, "disabled"), _text(req.body, "password")
        if role is None and disabled is None and password is None:
            raise _bad(say("admin.nothing_sent"), None, "missing_field")
        user = self._user(req.id)
        if role is not None and role not in ROLES:
            raise _bad(say("admin.role", roles=", ".join(ROLES)), "role")
        if password is not None and (problem := check_strength(password)) is not None:
            raise _bad(problem, "password")
        if disabled and user.id == req.actor.user_id:
            raise _bad(say("admin.disable_self"), "disabled")
        console = self.gw.console
        if role is not None:
            console.set_role(req.actor, user.id, role)
        if disabled is not None:
            console.set_disabled(req.actor, user.id, disabled)
        if password is not None:
            console.reset_password(req.actor, user.id, password)
        return Reply(user_json(self._user(user.id)))

    # --- keys -----------------------------------------------------------------------------------

    def list_keys(self, req: Call) -> Reply:
        user_id = req.query.get("user_id") or None
        if user_id is not None:
            self._user(user_id)
        return Reply(_list([key_json(k) for k in self.gw.console.all_keys(req.actor, user_id)]))

    def create_key(self, req: Call) -> Reply:
        _only(req.body, ("user_id", "name", "models", "rpm", "tpm", "quota_tokens", "quota_period", "expires_at"))
        user_id, name = _text(req.body, "user_id", required=True), _text(req.body, "name", required=True)
        key, secret = self.gw.console.create_key(
            req.actor, user_id, name, _models(req.body), rpm=_whole(req.body, "rpm"), tpm=_whole(req.body, "tpm"),
            quota_tokens=_whole(req.body, "quota_tokens"), quota_period=_text(req.body, "quota_period"),
            expires_at=_when(req.body, "expires_at"))
        return Reply({**key_json(key), "secret": secret}, status=201, headers={"cache-control": "no-store"})

    def revoke_key(self, req: Call) -> Reply:
        key = self.gw.keys.get(req.id)
        if key is None or req.id == "master":
            raise ApiError(404, say("admin.no_key", id=req.id, prefix=PREFIX), param="id", code="key_not_found")
        return Reply(key_json(self.gw.console.revoke_key(req.actor, req.id)))

    # --- key applications -----------------------------------------------------------------------

    def _application(self, req: Call) -> Application:
        try:
            return self.gw.applications.get(req.id, viewer_id=req.actor.user_id, viewer_is_admin=True)
        except ApplicationError:
            raise ApiError(404, say("admin.no_application", id=req.id, prefix=PREFIX), param="id",
                           code="application_not_found") from None

    def list_applications(self, req: Call) -> Reply:
        status = req.query.get("status") or None
        if status is not None and status not in STATUSES:
            raise _bad(say("admin.status", statuses=", ".join(STATUSES)), "status")
        if not req.actor.is_admin:          # list_for would fall back to the actor's own applications
            raise PermissionError("Only administrators can review key applications.")
        apps = self.gw.applications.list_for(req.actor.user_id)
        return Reply(_list([application_json(a) for a in apps if status is None or a.status == status]))

    def approve(self, req: Call) -> Reply:
        """Approve; a new key's secret is not returned: the applicant reveals it once in the workbench."""
        _only(req.body, ("models", "rpm", "tpm", "quota_tokens", "quota_period", "expires_at"))
        terms = {"models": _models(req.body), "rpm": _whole(req.body, "rpm"), "tpm": _whole(req.body, "tpm"),
                 "quota_tokens": _whole(req.body, "quota_tokens"), "quota_period": _text(req.body, "quota_period"),
                 "expires_at": _when(req.body, "expires_at")}
        app = self._application(req)
        return Reply(application_json(self.gw.applications.approve(app.id, req.actor.user_id, **terms)))

    def reject(self, req: Call) -> Reply:
        _only(req.body, ("reason",))
        reason = _text(req.body, "reason", required=True)
        app = self._application(req)
        return Reply(application_json(self.gw.applications.reject(app.id, req.actor.user_id, reason)))

    # --- usage and audit ------------------------------------------------------------------------

    def usage(self, req: Call) -> Reply:
        """The usage dashboard (default: the 30 days ending today, UTC); ``format=csv``: tokens per day."""
        fmt = req.query.get("format") or "json"
        if fmt not in ("json", "csv"):
            raise _bad(say("admin.format"), "format")
        today = datetime.now(UTC).date()
        until = _day(req.query, "until", today)
        since = _day(req.query, "since", until - timedelta(days=29))
        if since <= until and (until - since).days >= MAX_USAGE_DAYS:
            raise _bad(say("admin.window", days=MAX_USAGE_DAYS), "since")
        panels = self.gw.console.usage(req.actor, since, until)
        if fmt == "csv":
            text = usage_stats.to_csv(panels["per_day"], ["day", *usage_stats.SUMS])
            return Reply(text=text, content_type="text/csv; charset=utf-8",
                         headers={"content-disposition": f'attachment; filename="usage-{since}-{until}.csv"'})
        return Reply({"object": "usage", "since": since.isoformat(), "until": until.isoformat(), **_plain(panels)})

    def audit(self, req: Call) -> Reply:
        limit = _count(req.query, "limit", 100, MAX_AUDIT_LIMIT)
        offset = _count(req.query, "offset", 0, 10**9)
        return Reply(_list([audit_json(e) for e in self.gw.console.audit_log(req.actor, limit, offset)]))



def _hang_up_is_disconnect(receive: Callable) -> Callable:
    """``receive`` for ``read_json`` (the ``/v1`` helper): the client hanging up is Starlette's ``ClientDisconnect``
    (answered by nobody, as ``edge_router`` does), not a cancellation of the request's task."""
    async def wrapped() -> dict:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        return message
    return wrapped
