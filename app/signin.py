"""Sign-in for the workbench: a server-rendered page (en / zh), session cookies, sign-out.

Sessions live in the gateway's DuckDB (gateway.sessions), so they survive a restart; the
cookie holds only the random token (HttpOnly, SameSite=Lax). ``SessionUsers.user`` is what the
page guard and Gradio's ``auth_dependency`` call on every request.

A browser that signed in gets a device token (a cookie signed for that username): its later sign-ins are throttled
on their own, so failures from anyone else on the same address never make it wait.
"""

# no `from __future__ import annotations`: FastAPI must see the route signatures' real types
import hashlib
import hmac
import html
import secrets
import time
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

SESSION_COOKIE = "maas_session"
DEVICE_COOKIE = "maas_device"
PUBLIC_PATHS = ("/login", "/logout", "/auth/oidc/", "/favicon.ico")
NEXT_COOKIE = "maas_oidc_next"

TEXT = {
    "en": {"title": "Sign in · MaaS Workbench", "heading": "Sign in to MaaS Workbench", "username": "Username",
           "password": "Password", "submit": "Sign in", "signed_out": "You are signed out.",
           "sso": "Sign in with your institution's account", "or": "or with a workbench password",
           "sso_failed": "Single sign-on did not complete: {detail}"},
    "zh": {"title": "登录 · MaaS 工作台", "heading": "登录 MaaS 工作台", "username": "用户名", "password": "密码",
           "submit": "登录", "signed_out": "你已退出登录。",
           "sso": "使用单位统一身份认证登录", "or": "或使用工作台密码登录",
           "sso_failed": "统一身份认证登录未完成（{detail}）"},
}
PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#f6f7f9;margin:0}}
main{{max-width:360px;margin:12vh auto;background:#fff;padding:32px;border-radius:12px;
box-shadow:0 2px 12px #0001}}h1{{font-size:1.3rem;margin:0 0 20px}}label{{display:block;margin:12px 0 4px}}
input{{width:100%;box-sizing:border-box;padding:9px;border:1px solid #ccd;border-radius:6px;font-size:1rem}}
button{{margin-top:20px;width:100%;padding:10px;border:0;border-radius:6px;background:#f97316;color:#fff;
font-size:1rem;cursor:pointer}}.msg{{margin:0 0 12px;padding:8px 10px;border-radius:6px;background:#fef2f2;
color:#991b1b}}.ok{{background:#f0fdf4;color:#166534}}</style></head>
<body><main><h1>{heading}</h1>{message}{sso_link}<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label for="username">{username}</label><input id="username" name="username" autocomplete="username" required>
<label for="password">{password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{submit}</button></form></main></body></html>"""


def language(accept_language: str | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, host or '//' open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def render(lang: str, *, next_path: str = "/", message: str = "", ok: bool = False, sso: bool = False) -> str:
    t = TEXT[lang]
    box = f'<p class="msg{" ok" if ok else ""}" role="alert">{html.escape(message)}</p>' if message else ""
    link = (f'<p><a id="sso" href="/auth/oidc/start?next={quote(next_path, safe="/")}">{t["sso"]}</a></p>'
            f'<p style="color:#667">{t["or"]}</p>') if sso else ""
    return PAGE.format(lang="zh-CN" if lang == "zh" else "en", message=box, next=html.escape(next_path),
                       sso_link=link, **t)


class DeviceTokens:
    """A cookie value that proves this browser signed in as a username before (HMAC with a per-process key: a
    restart forgets them, as it forgets the throttle's counts)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def _mac(self, username: str, nonce: str) -> str:
        return hmac.new(self._key, f"{username}\n{nonce}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, username: str, current: str | None = None) -> str:
        nonce = self.device(current, username) or secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(username, nonce)}"

    def device(self, value: str | None, username: str) -> str | None:
        """The device id in ``value`` if it was issued for ``username``, else None."""
        nonce, _, mac = (value or "").partition(".")
        if nonce and len(nonce) <= 64 and hmac.compare_digest(mac, self._mac(username, nonce)):
            return nonce
        return None


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


def routes(gateway, users: SessionUsers):
    """FastAPI routes: GET/POST /login, POST /logout (and the OIDC start / callback when configured)."""
    from fastapi import APIRouter, Form, Request
    from fastapi.responses import HTMLResponse, RedirectResponse

    from gateway.accounts import AccountError, SignInThrottled, normalise_username

    router = APIRouter()
    sso = gateway.oidc is not None
    devices = DeviceTokens()

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/", out: int = 0) -> HTMLResponse:
        lang = language(request.headers.get("accept-language"))
        message = TEXT[lang]["signed_out"] if out else ""
        return HTMLResponse(render(lang, next_path=safe_next(next), message=message, ok=True, sso=sso))

    @router.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")):
        lang = language(request.headers.get("accept-language"))
        name = normalise_username(username)
        device = devices.device(request.cookies.get(DEVICE_COOKIE), name)
        client = f"device:{device}" if device else (request.client.host if request.client else "unknown")
        try:
            user = gateway.accounts.authenticate(username, password, client=client)
        except AccountError as exc:
            page = render(lang, next_path=safe_next(next), message=exc.text(lang), sso=sso)
            if isinstance(exc, SignInThrottled):
                return HTMLResponse(page, status_code=429, headers={"retry-after": str(exc.retry_after)})
            return HTMLResponse(page, status_code=401)
        response = _signed_in(request, user, safe_next(next))
        response.set_cookie(DEVICE_COOKIE, devices.issue(name, request.cookies.get(DEVICE_COOKIE)), httponly=True,
                            samesite="strict", path="/login", secure=request.url.scheme == "https",
                            max_age=365 * 24 * 3600)
        return response

    def _signed_in(request: Request, user, target: str) -> RedirectResponse:
        gateway.keys.workbench_key(user.id)        # the key the workbench uses on their behalf (My account lists it)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, gateway.sessions.create(user.id), httponly=True, samesite="lax",
                            path="/", secure=request.url.scheme == "https", max_age=14 * 24 * 3600)
        return response

    if sso:
        from gateway.oidc import OIDCError

        @router.get("/auth/oidc/start")
        async def oidc_start(request: Request, next: str = "/"):
            lang = language(request.headers.get("accept-language"))
            try:
                url = await gateway.oidc.login_url(gateway.oidc_pending)
            except OIDCError as exc:
                return HTMLResponse(render(lang, message=str(exc), sso=sso), status_code=502)
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(NEXT_COOKIE, safe_next(next), httponly=True, samesite="lax", max_age=600, path="/")
            return response

        @router.get("/auth/oidc/callback")
        async def oidc_callback(request: Request):
            lang = language(request.headers.get("accept-language"))
            try:
                identity = await gateway.oidc.finish(dict(request.query_params), gateway.oidc_pending)
                user = gateway.accounts.upsert_oidc_user(identity.issuer, identity.subject, identity.username_hint,
                                                         identity.email, identity.name)
            except (OIDCError, AccountError) as exc:
                message = (exc.text(lang) if isinstance(exc, AccountError)
                           else TEXT[lang]["sso_failed"].format(detail=str(exc)))
                return HTMLResponse(render(lang, message=message, sso=sso), status_code=401)
            response = _signed_in(request, user, safe_next(request.cookies.get(NEXT_COOKIE)))
            response.delete_cookie(NEXT_COOKIE, path="/")
            return response

    @router.post("/logout")
    def logout(request: Request):
        token = session_token(request.headers.get("cookie"))
        if token:
            gateway.sessions.revoke(token)
            users.forget(token)
        response = RedirectResponse("/login?out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router


def login_redirect(path: str, query: bytes) -> str:
    target = path + ("?" + query.decode("latin-1") if query else "")
    return "/login?next=" + quote(target, safe="/")
