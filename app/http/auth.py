"""Who is calling, for every HTTP route that is not ``/v1``: one dependency for a signed-in user (the session
cookie) and one for an API key (``Authorization: Bearer``, the gateway's keys: unknown, revoked and expired keys are
refused), and the guard that keeps the Gradio pages for signed-in users. A refusal is ``ApiError`` (the one error
envelope, ``gateway.http.edge``).

    router = edge_router()
    @router.get("/thing")
    def thing(user=Depends(signed_in)): ...             # signed_in = SignedIn(SessionUsers(gateway))
"""

# no `from __future__ import annotations`: FastAPI must see the dependencies' real types
import asyncio
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from app.http.messages import said
from gateway.http.edge import ApiError, locale_of

SESSION_COOKIE = "maas_session"
PUBLIC = ("/login", "/logout", "/login/", "/logout/", "/favicon.ico")
SIGN_IN_FIRST = ApiError(401, said("auth.sign_in_first"), code="sign_in_required")


def session_token(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # noqa: BLE001 - a malformed cookie header is simply no session
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel else None


class SessionUsers:
    """Who a request's session cookie belongs to, remembered for a few seconds per token.

    A page load sends dozens of requests (assets, config, queue); without this each one would
    query the store twice. Sign-out forgets the token at once; a disabled account or revoked
    session elsewhere takes effect within ``ttl`` seconds (like API keys' cache).
    """

    def __init__(self, gateway, ttl: float = 5.0) -> None:
        self.gateway, self.ttl = gateway, ttl
        self._seen: dict[str, tuple[float, object]] = {}

    def user(self, cookie_header: str | None):
        """The signed-in, enabled user for a Cookie header, or None."""
        token = session_token(cookie_header)
        if not token:
            return None
        now = time.monotonic()
        hit = self._seen.get(token)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        user_id = self.gateway.sessions.resolve(token)
        user = self.gateway.accounts.get(user_id) if user_id else None
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[token] = (now, user)
        return user

    def forget(self, token: str) -> None:
        self._seen.pop(token, None)


class SignedIn:
    """The dependency "a signed-in user": the session's enabled user, else 401 ``sign_in_required``."""

    def __init__(self, users: SessionUsers) -> None:
        self.users = users

    def __call__(self, request: Request) -> Any:
        user = self.users.user(request.headers.get("cookie"))
        if user is None:
            raise SIGN_IN_FIRST
        return user


@dataclass(frozen=True)
class KeyUser:
    """An API request's caller: the user who owns the key, and the key itself (to call ``/v1`` as them); its id and
    the gateway's ``Principal`` (its rate limits) when the key store gave them."""

    user_id: str
    key: str
    key_id: str = ""
    principal: Any = field(default=None, compare=False, repr=False)


class ApiKey:
    """The dependency "an API key of a user": 401 without a valid key (missing, malformed, unknown, revoked,
    expired), 403 for the master key, which belongs to no user. ``authenticate`` is the gateway's
    ``KeyStore.authenticate`` (raises ``GatewayError`` for a bad key)."""

    def __init__(self, authenticate: Any) -> None:
        self.authenticate = authenticate

    async def __call__(self, request: Request) -> KeyUser:
        return await self.identify(request.headers.get("authorization"))

    async def identify(self, header: str | None) -> KeyUser:
        if not header:
            raise ApiError(401, said("auth.missing_key"), code="missing_api_key")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, said("auth.malformed_header"), code="invalid_api_key")
        principal = await asyncio.to_thread(self._principal, token)      # the key store queries DuckDB
        if principal is None:
            raise ApiError(401, said("auth.invalid_key"), code="invalid_api_key")
        if principal.user_id is None:
            raise ApiError(403, said("auth.master_key"), code="use_a_user_key")
        return KeyUser(principal.user_id, token, getattr(principal, "key_id", ""), principal)

    def _principal(self, token: str) -> Any:
        from gateway.errors import GatewayError

        try:
            return self.authenticate(f"Bearer {token}")
        except GatewayError:
            return None


def is_public(path: str) -> bool:
    """Paths open without a session: sign-in, sign-out, single sign-on, the icon."""
    return path in PUBLIC or path.startswith("/auth/oidc/")


def login_redirect(path: str, query: bytes) -> str:
    target = path + ("?" + query.decode("latin-1") if query else "")
    return "/login?next=" + quote(target, safe="/")


class SessionGuard:
    """ASGI middleware: every path but the public ones and ``open_prefixes`` (routes with their own key check)
    needs a session; a page (GET for HTML) redirects to /login, anything else is 401 ``sign_in_required``."""

    def __init__(self, app: Any, users: SessionUsers, open_prefixes: tuple[str, ...] = ()) -> None:
        self.app, self.users, self.open_prefixes = app, users, open_prefixes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._open(scope["path"]):
            request = Request(scope)
            if self.users.user(request.headers.get("cookie")) is None:
                if scope["method"] == "GET" and "text/html" in request.headers.get("accept", ""):
                    location = login_redirect(scope["path"], scope.get("query_string", b""))
                    response = Response(status_code=303, headers={"location": location})
                else:
                    response = SIGN_IN_FIRST.response(locale_of(request.headers))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _open(self, path: str) -> bool:
        return is_public(path) or any(path == p or path.startswith(p + "/") for p in self.open_prefixes)
