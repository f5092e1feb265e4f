"""Single sign-on through an institution's OpenID Connect provider: authorization-code flow with PKCE.

    client = OIDCClient(OIDCConfig(issuer, client_id, client_secret, redirect_uri))
    pending = PendingLogins()                          # server-side, one per process
    url = await client.login_url(pending)              # = discover() + start() + pending.add(); redirect the browser
    ... the provider redirects back to redirect_uri?code=...&state=... ...
    identity = await client.finish(dict(request.query_params), pending)   # -> Identity, or OIDCError

Every failure is an ``OIDCError`` whose message can be shown to the user: it never carries a token, a code
or the client secret. Only the configured issuer's origin (scheme, host, port) is ever fetched, without
following redirects; https is required except on loopback. ID tokens must be RS256 or ES256 (never
``none`` or HS*), signed by a key from the provider's JWKS (fetched again once on an unknown ``kid``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import import_key

ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}  # alg -> the JWK key type it needs
LEEWAY = 60  # seconds of clock skew allowed on exp / iat
LOGIN_TTL = 600  # a started sign-in must finish within ten minutes
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_BODY = 1_000_000  # discovery, JWKS and token responses are small


class OIDCError(Exception):
    """A sign-in failed; ``str(err)`` is a message for the user, free of tokens and secrets."""


@dataclass(frozen=True)
class OIDCConfig:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...] = ("openid", "profile", "email")


@dataclass(frozen=True)
class LoginState:
    """What the server keeps between ``start`` and ``finish`` (never shown to the browser except ``state``)."""

    state: str
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    created_at: float


@dataclass(frozen=True)
class Identity:
    """Who signed in: (issuer, subject) is the stable key for the account; the rest are hints."""

    issuer: str
    subject: str
    username_hint: str | None
    email: str | None
    name: str | None
    email_verified: bool = False


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]


class PendingLogins:
    """Started sign-ins by ``state``: in memory, expire after ``ttl`` seconds, each usable once."""

    def __init__(self, ttl: float = LOGIN_TTL, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._items: dict[str, LoginState] = {}
        self._lock = threading.Lock()

    def add(self, login: LoginState) -> None:
        with self._lock:
            self._purge()
            while len(self._items) >= self.max_entries:  # oldest first: dicts keep insertion order
                self._items.pop(next(iter(self._items)))
            self._items[login.state] = login

    def pop(self, state: str) -> LoginState | None:
        """The login for ``state`` if it is known and fresh; it is forgotten either way."""
        with self._lock:
            login = self._items.pop(state, None)
            self._purge()
        if login is None or self.clock() - login.created_at > self.ttl:
            return None
        return login

    def __len__(self) -> int:
        with self._lock:
            self._purge()
            return len(self._items)

    def _purge(self) -> None:
        now = self.clock()
        for key in [k for k, v in self._items.items() if now - v.created_at > self.ttl]:
            del self._items[key]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge for a PKCE code verifier (RFC 7636)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, host, port


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _short(value: Any, limit: int = 200) -> str:
    """A provider-supplied error text, made safe to show: printable, one line, bounded."""
    text = "".join(c for c in str(value) if c.isprintable())
    return text[:limit] + ("…" if len(text) > limit else "")


class OIDCClient:
    """An OpenID Connect relying party for one provider; ``http`` is owned by the caller if given."""

    def __init__(self, config: OIDCConfig, *, http: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config, self.clock = config, clock
        self._http, self._own_http = http, http is None
        self._discovery: Discovery | None = None
        self._jwks: list[dict[str, Any]] = []
        scheme, host, _ = self._issuer_origin = _origin(config.issuer)
        if scheme not in ("https", "http") or not host:
            raise OIDCError("The single sign-on issuer must be an https URL.")
        if scheme == "http" and not _is_loopback(host):
            raise OIDCError("The single sign-on issuer must use https.")

    async def __aenter__(self) -> OIDCClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    @property
    def discovery(self) -> Discovery | None:
        return self._discovery

    # --- fetching ----------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        return self._http

    def _check_url(self, url: Any, what: str) -> str:
        if not isinstance(url, str) or _origin(url) != self._issuer_origin:
            raise OIDCError(f"The identity provider's {what} is not on the issuer's host; refusing to use it.")
        return url

    async def _request(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        url = self._check_url(url, what)
        try:
            resp = await self._client().request(method, url, timeout=TIMEOUT, follow_redirects=False, **kwargs)
        except httpx.TimeoutException:
            raise OIDCError(f"The identity provider did not answer in time ({what}).") from None
        except httpx.HTTPError:
            raise OIDCError(f"Could not reach the identity provider ({what}).") from None
        if resp.is_redirect:
            raise OIDCError(f"The identity provider redirected the {what} request; refusing to follow.")
        if len(resp.content) > MAX_BODY:
            raise OIDCError(f"The identity provider's {what} answer is too large.")
        return resp

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        resp = await self._request("GET", url, what, headers={"accept": "application/json"})
        if resp.status_code != 200:
            raise OIDCError(f"The identity provider's {what} answered HTTP {resp.status_code}.")
        return _json_object(resp, what)

    # --- discovery ---------------------------------------------------------------------------

    async def discover(self, *, refresh: bool = False) -> Discovery:
        """Fetch and check the discovery document and the JWKS (cached; ``refresh`` fetches again)."""
        if self._discovery is not None and not refresh:
            return self._discovery
        doc = await self._get_json(self.config.issuer.rstrip("/") + "/.well-known/openid-configuration",
                                   "discovery document")
        if doc.get("issuer") != self.config.issuer:
            raise OIDCError(f"The identity provider calls itself {_short(doc.get('issuer'))!r}, "
                            f"not the configured issuer {self.config.issuer!r}; check the issuer URL.")
        auth = doc.get("authorization_endpoint")
        if not isinstance(auth, str) or urlsplit(auth).scheme not in ("https", "http"):
            raise OIDCError("The identity provider's discovery document has no usable authorization endpoint.")
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        discovery = Discovery(
            issuer=doc["issuer"], authorization_endpoint=auth,
            token_endpoint=self._check_url(doc.get("token_endpoint"), "token endpoint"),
            jwks_uri=self._check_url(doc.get("jwks_uri"), "key set (jwks_uri)"),
            token_auth_methods=tuple(m for m in methods if isinstance(m, str)))
        self._jwks = await self._fetch_jwks(discovery.jwks_uri)
        self._discovery = discovery
        return discovery

    async def _fetch_jwks(self, uri: str) -> list[dict[str, Any]]:
        keys = (await self._get_json(uri, "key set")).get("keys")
        if not isinstance(keys, list):
            raise OIDCError("The identity provider's key set is malformed.")
        return [k for k in keys if isinstance(k, dict)]

    # --- the flow ----------------------------------------------------------------------------

    def start(self) -> tuple[str, LoginState]:
        """The authorization URL to send the browser to, and the state to keep server-side until ``finish``."""
        if self._discovery is None:
            raise OIDCError("Single sign-on is not ready yet (the identity provider was not discovered).")
        login = LoginState(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                           code_verifier=secrets.token_urlsafe(64), created_at=self.clock())  # 86 chars
        query = urlencode({
            "response_type": "code", "client_id": self.config.client_id, "redirect_uri": self.config.redirect_uri,
            "scope": " ".join(self.config.scopes), "state": login.state, "nonce": login.nonce,
            "code_challenge": pkce_challenge(login.code_verifier), "code_challenge_method": "S256"})
        endpoint = self._discovery.authorization_endpoint
        return f"{endpoint}{'&' if urlsplit(endpoint).query else '?'}{query}", login

    async def login_url(self, pending: PendingLogins) -> str:
        """discover() + start(), remembering the login in ``pending``: the URL to redirect the browser to."""
        await self.discover()
        url, login = self.start()
        pending.add(login)
        return url

    async def finish(self, params: Mapping[str, Any], pending: PendingLogins) -> Identity:
        """Complete a sign-in from the redirect's query parameters; the state is used up whatever happens."""
        state = params.get("state")
        if not isinstance(state, str) or not state:
            raise OIDCError("The sign-in answer carries no state; please start the sign-in again.")
        login = pending.pop(state)
        if login is None:
            raise OIDCError("This sign-in has expired or was already used; please start again.")
        if params.get("error"):
            detail = f" ({_short(params['error_description'])})" if params.get("error_description") else ""
            raise OIDCError(f"The identity provider did not sign you in: {_short(params['error'], 80)}{detail}.")
        code = params.get("code")
        if not isinstance(code, str) or not code:
            raise OIDCError("The sign-in answer carries no authorization code; please start again.")
        discovery = await self.discover()
        tokens = await self._exchange(discovery, code, login)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OIDCError("The identity provider returned no ID token.")
        return await self._verify(id_token, login)

    async def _exchange(self, discovery: Discovery, code: str, login: LoginState) -> dict[str, Any]:
        cfg = self.config
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": cfg.redirect_uri,
                "code_verifier": login.code_verifier}
        headers = {"accept": "application/json"}
        if "client_secret_basic" in discovery.token_auth_methods:
            pair = f"{_form(cfg.client_id)}:{_form(cfg.client_secret)}"  # RFC 6749 2.3.1: form-encode first
            headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        elif "client_secret_post" in discovery.token_auth_methods:
            data.update(client_id=cfg.client_id, client_secret=cfg.client_secret)
        else:
            raise OIDCError("The identity provider supports neither client_secret_basic nor client_secret_post.")
        resp = await self._request("POST", discovery.token_endpoint, "token endpoint", data=data, headers=headers)
        if resp.status_code != 200:
            try:
                err = resp.json()
            except ValueError:
                err = {}
            reason = err.get("error") if isinstance(err, dict) else None
            if reason:
                desc = err.get("error_description")
                detail = f" ({_short(desc)})" if desc else ""
                raise OIDCError(f"The identity provider refused the sign-in code: {_short(reason, 80)}{detail}.")
            raise OIDCError(f"The identity provider's token endpoint answered HTTP {resp.status_code}.")
        return _json_object(resp, "token endpoint")

    # --- the ID token ------------------------------------------------------------------------

    async def _verify(self, id_token: str, login: LoginState) -> Identity:
        header = _header(id_token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OIDCError(f"The ID token is signed with {_short(alg, 20)!r}; only RS256 and ES256 are accepted.")
        kid = header.get("kid")
        key = self._pick_key(alg, kid)
        if key is None:  # maybe the provider rotated its keys: fetch the set once more
            assert self._discovery is not None
            self._jwks = await self._fetch_jwks(self._discovery.jwks_uri)
            key = self._pick_key(alg, kid)
        if key is None:
            raise OIDCError("The ID token is signed with a key the identity provider does not publish.")
        try:
            claims = jwt.decode(id_token, key, algorithms=[alg]).claims
        except BadSignatureError:
            raise OIDCError("The ID token's signature does not verify.") from None
        except (JoseError, ValueError, TypeError):
            raise OIDCError("The ID token is malformed.") from None
        return self._check_claims(claims, login)

    def _pick_key(self, alg: str, kid: Any) -> Any:
        kty = ALGORITHMS[alg]
        found = [k for k in self._jwks if k.get("kty") == kty and k.get("use", "sig") == "sig"
                 and k.get("alg", alg) == alg and (kid is None or k.get("kid") == kid)]
        if len(found) != 1 and kid is None:
            return None  # without a kid, only an unambiguous key will do
        for jwk in found:
            try:
                return import_key(jwk, kty)
            except (JoseError, ValueError, TypeError, KeyError):
                continue
        return None

    def _check_claims(self, claims: dict[str, Any], login: LoginState) -> Identity:
        cfg, now = self.config, self.clock()
        if claims.get("iss") != cfg.issuer:
            raise OIDCError("The ID token was issued by another issuer than the configured one.")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if cfg.client_id not in audiences:
            raise OIDCError("The ID token is meant for another application (audience mismatch).")
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != cfg.client_id:
            raise OIDCError("The ID token was issued to another application (authorized party mismatch).")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not _number(exp) or not _number(iat):
            raise OIDCError("The ID token lacks its expiry or issue time.")
        if now > exp + LEEWAY:
            raise OIDCError("The ID token has expired; please sign in again (or check the server's clock).")
        if iat > now + LEEWAY:
            raise OIDCError("The ID token is issued in the future; check the server's clock.")
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), login.nonce.encode()):
            raise OIDCError("The ID token does not belong to this sign-in (nonce mismatch); please start again.")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise OIDCError("The ID token names no subject.")
        return Identity(issuer=cfg.issuer, subject=sub, username_hint=_text(claims.get("preferred_username")),
                        email=_text(claims.get("email")), name=_text(claims.get("name")),
                        email_verified=claims.get("email_verified") is True)


def _form(value: str) -> str:
    return urlencode({"": value})[1:]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _json_object(resp: httpx.Response, what: str) -> dict[str, Any]:
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise OIDCError(f"The identity provider's {what} answer is not a JSON object.")
    return doc


def _header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError
        header = json.loads(_b64url_decode(parts[0]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise OIDCError("The ID token is malformed.") from None
    if not isinstance(header, dict):
        raise OIDCError("The ID token is malformed.")
    return header
