"""A small OpenID Connect provider on loopback, for single sign-on tests.

    idp = start_oidc_provider()            # uvicorn in a background thread, free port
    idp.issuer                             # http://127.0.0.1:PORT, serves /.well-known/openid-configuration
    idp.fault = "expired"                  # see FAULTS; None = behave
    idp.token_requests                     # what relying parties sent to /token
    idp.stop()

/authorize auto-approves ``idp.user`` (no login page): it redirects to redirect_uri with code and state.
/token checks the client credentials (``idp.auth_methods``), the code (single use), redirect_uri and the
PKCE code_verifier against the S256 challenge, and returns an ID token signed with the provider's RSA key
(or its EC key when ``idp.alg == "ES256"``). Keys are generated with ``cryptography`` at start and the
signing is done here by hand, independently of the JOSE library the gateway verifies with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

import uvicorn
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .upstream import _listen, serve_in_thread

FAULTS = (
    "wrong_issuer",          # ID token iss is another issuer
    "wrong_audience",        # ID token aud is another client
    "multi_audience",        # aud = [client, other] without azp
    "expired",               # exp an hour ago
    "bad_signature",         # signed with a key that is not published, under the published kid
    "nonce_mismatch",        # another nonce
    "access_denied",         # /authorize redirects back with error=access_denied
    "rotate",                # a new key (new kid) is made and published before signing
    "unknown_kid",           # signed with an unpublished key under an unpublished kid
    "alg_none",              # unsigned token, alg "none"
    "hs256",                 # HMAC-signed with the client secret
    "discovery_wrong_issuer",  # discovery document names another issuer
    "foreign_token_endpoint",  # discovery points the token endpoint at another host
    "no_id_token",           # token answer without id_token
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_bytes(n: int, size: int | None = None) -> bytes:
    return n.to_bytes(size or (n.bit_length() + 7) // 8, "big")


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    @classmethod
    def rsa(cls) -> SigningKey:
        return cls(secrets.token_hex(8), "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def ec(cls) -> SigningKey:
        return cls(secrets.token_hex(8), "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        pub = self.private.public_key().public_numbers()
        if self.alg == "RS256":
            return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                    "n": b64url(_int_bytes(pub.n)), "e": b64url(_int_bytes(pub.e))}
        return {"kty": "EC", "use": "sig", "alg": "ES256", "kid": self.kid, "crv": "P-256",
                "x": b64url(_int_bytes(pub.x, 32)), "y": b64url(_int_bytes(pub.y, 32))}

    def sign(self, data: bytes) -> bytes:
        if self.alg == "RS256":
            return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return _int_bytes(r, 32) + _int_bytes(s, 32)


def make_jwt(header: dict[str, Any], claims: dict[str, Any], sign) -> str:
    head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    return head + "." + b64url(sign(head.encode()))


@dataclass
class FakeOIDCProvider:
    client_id: str = "maas-workbench"
    client_secret: str = "s3cret-client-secret-do-not-show"
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1:7860/auth/callback",)
    auth_methods: tuple[str, ...] = ("client_secret_basic", "client_secret_post")
    user: dict[str, Any] = field(default_factory=lambda: {
        "sub": "u-12345", "preferred_username": "ada", "email": "ada@example.edu", "email_verified": True,
        "name": "Ada Lovelace"})
    alg: str = "RS256"
    fault: str | None = None
    issuer: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)
    jwks_fetches: int = 0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.keys = [SigningKey.rsa(), SigningKey.ec()]

    def reset(self) -> None:
        self.fault, self.alg = None, "RS256"
        self.auth_methods = ("client_secret_basic", "client_secret_post")
        self.codes.clear()
        self.token_requests.clear()
        self.issued_tokens.clear()
        self.jwks_fetches = 0

    # --- endpoints ---------------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        token_endpoint = self.issuer + "/token"
        if self.fault == "foreign_token_endpoint":
            token_endpoint = token_endpoint.replace("127.0.0.1", "localhost")
        return JSONResponse({
            "issuer": "https://evil.example.org" if self.fault == "discovery_wrong_issuer" else self.issuer,
            "authorization_endpoint": self.issuer + "/authorize", "token_endpoint": token_endpoint,
            "jwks_uri": self.issuer + "/jwks", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": list(self.auth_methods)})

    async def jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        return JSONResponse({"keys": [k.jwk() for k in self.keys]})

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("redirect_uri") not in self.redirect_uris:
            return JSONResponse({"error": "invalid_request", "error_description": "unknown client"}, 400)
        redirect = q["redirect_uri"]
        if self.fault == "access_denied":
            query = {"error": "access_denied", "error_description": "The user declined", "state": q.get("state", "")}
            return RedirectResponse(redirect + "?" + urlencode(query), 302)
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" \
                or not q.get("code_challenge") or "openid" not in q.get("scope", "").split():
            return RedirectResponse(redirect + "?" + urlencode({"error": "invalid_request",
                                                                "state": q.get("state", "")}), 302)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"client_id": self.client_id, "redirect_uri": redirect, "nonce": q.get("nonce"),
                            "challenge": q["code_challenge"], "at": time.time()}
        return RedirectResponse(redirect + "?" + urlencode({"code": code, "state": q.get("state", "")}), 302)

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        method, client_id, secret = self._client_auth(request, form)
        self.token_requests.append({"auth_method": method, **{k: v for k, v in form.items() if k != "client_secret"}})
        if method not in self.auth_methods or client_id != self.client_id \
                or not secrets.compare_digest(secret or "", self.client_secret):
            return JSONResponse({"error": "invalid_client"}, 401)
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return JSONResponse({"error": "invalid_grant", "error_description": "unknown or used code"}, 400)
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant", "error_description": "redirect_uri mismatch"}, 400)
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400)
        body: dict[str, Any] = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300}
        if self.fault != "no_id_token":
            body["id_token"] = self.id_token(grant["nonce"])
            self.issued_tokens.append(body["id_token"])
        return JSONResponse(body, headers={"cache-control": "no-store"})

    def _client_auth(self, request: Request, form: dict[str, Any]) -> tuple[str, str | None, str | None]:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            return "client_secret_basic", unquote_plus(user), unquote_plus(pw)
        return "client_secret_post", form.get("client_id"), form.get("client_secret")

    # --- the ID token --------------------------------------------------------------------------

    def id_token(self, nonce: str | None) -> str:
        now, fault = int(time.time()), self.fault
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce,
                  "auth_time": now, **self.user}
        if fault == "wrong_issuer":
            claims["iss"] = "https://other-idp.example.org"
        elif fault == "wrong_audience":
            claims["aud"] = "someone-else"
        elif fault == "multi_audience":
            claims["aud"] = [self.client_id, "someone-else"]
        elif fault == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif fault == "nonce_mismatch":
            claims["nonce"] = secrets.token_urlsafe(32)
        if fault == "alg_none":
            return make_jwt({"alg": "none", "typ": "JWT"}, claims, lambda data: b"")
        if fault == "hs256":
            def mac(data: bytes) -> bytes:
                h = hmac.HMAC(self.client_secret.encode(), hashes.SHA256())
                h.update(data)
                return h.finalize()
            return make_jwt({"alg": "HS256", "typ": "JWT", "kid": self.keys[0].kid}, claims, mac)
        if fault == "rotate":
            self.keys.insert(0, SigningKey.rsa())
        key = next(k for k in self.keys if k.alg == self.alg)
        kid = key.kid
        if fault == "bad_signature":
            key = SigningKey(kid, key.alg, SigningKey.rsa().private if key.alg == "RS256" else SigningKey.ec().private)
        elif fault == "unknown_kid":
            key = SigningKey.rsa() if key.alg == "RS256" else SigningKey.ec()
            kid = key.kid
        return make_jwt({"alg": key.alg, "typ": "JWT", "kid": kid}, claims, key.sign)

    # --- lifecycle -----------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
        ])

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            self._server = self._thread = None


def start_oidc_provider(*, port: int = 0, **kwargs: Any) -> FakeOIDCProvider:
    """Serve a fake OIDC provider from a background thread on 127.0.0.1 (port 0 = a free port)."""
    provider = FakeOIDCProvider(**kwargs)
    sock = _listen(port)
    port = sock.getsockname()[1]
    provider.issuer = f"http://127.0.0.1:{port}"
    server, thread = serve_in_thread(provider.app(), sock, f"fake-oidc-{port}")
    provider._server, provider._thread = server, thread
    return provider
