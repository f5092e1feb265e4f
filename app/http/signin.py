"""Sign-in for the workbench: a server-rendered page (en / zh), session cookies, sign-out.

Sessions live in the gateway's DuckDB (gateway.sessions), so they survive a restart; the
cookie holds only the random token (HttpOnly, SameSite=Lax). ``SessionUsers.user`` is what the
page guard and Gradio's ``auth_dependency`` call on every request.

Sign-in and sign-out forms are accepted only from this site (``from_this_site``: the Origin header, else
Sec-Fetch-Site, else Referer), so a page on another origin — another port of this host too — can neither sign the
browser in as someone else nor sign it out. (A token in a cookie would not do: cookies ignore ports, so another
local site could set it.) A browser that signed in gets a device token (a cookie signed for that username): its
later sign-ins are throttled on their own, so failures from anyone else on the same address never make it wait.
"""

# no `from __future__ import annotations`: FastAPI must see the route signatures' real types
import hashlib
import hmac
import html
import secrets
from urllib.parse import quote, urlsplit

from app.http.auth import SESSION_COOKIE, SessionUsers, session_token
from app.shell.i18n import resolve_locale
from app.strings import signin as strings

DEVICE_COOKIE = "maas_device"
NEXT_COOKIE = "maas_oidc_next"

TEXT = {lang: {key.removeprefix("signin."): text for key, text in table.items()}       # app/strings/signin.py
        for lang, table in (("en", strings.EN), ("zh", strings.ZH))}
HEAD = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#f6f7f9;margin:0}}
main{{max-width:360px;margin:12vh auto;background:#fff;padding:32px;border-radius:12px;
box-shadow:0 2px 12px #0001}}h1{{font-size:1.3rem;margin:0 0 20px}}label{{display:block;margin:12px 0 4px}}
input{{width:100%;box-sizing:border-box;padding:9px;border:1px solid #ccd;border-radius:6px;font-size:1rem}}
button{{margin-top:20px;width:100%;padding:10px;border:0;border-radius:6px;background:#f97316;color:#fff;
font-size:1rem;cursor:pointer}}.msg{{margin:0 0 12px;padding:8px 10px;border-radius:6px;background:#fef2f2;
color:#991b1b}}.ok{{background:#f0fdf4;color:#166534}}</style></head>
"""
PAGE = HEAD + """<body><main><h1>{heading}</h1>{message}{sso_link}<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label for="username">{username}</label><input id="username" name="username" autocomplete="username" required>
<label for="password">{password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{submit}</button></form></main></body></html>"""
SIGN_OUT_PAGE = HEAD + """<body><main><h1>{out_heading}</h1>{message}<form method="post" action="/logout">
<button type="submit">{out_submit}</button></form></main></body></html>"""


def language(accept_language: str | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    return resolve_locale(None, accept_language)


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


def render_sign_out(lang: str, message: str = "") -> str:
    """The page asking to confirm a sign-out that did not come from this site."""
    t = TEXT[lang]
    box = f'<p class="msg" role="alert">{html.escape(message)}</p>' if message else ""
    return SIGN_OUT_PAGE.format(lang="zh-CN" if lang == "zh" else "en", message=box,
                                **{**t, "title": t["out_title"]})


def origin_of(url: str | None, scheme: str | None = None) -> str:
    """``scheme://host[:port]`` in lower case, the default port left out (as browsers write Origin)."""
    parts = urlsplit(url if scheme is None else f"{scheme}://{url}")
    if not parts.scheme or not parts.netloc:
        return ""
    netloc = parts.netloc.lower().rsplit("@", 1)[-1]
    default = {"http": ":80", "https": ":443"}.get(parts.scheme.lower(), "")
    if default and netloc.endswith(default):
        netloc = netloc[: -len(default)]
    return f"{parts.scheme.lower()}://{netloc}"


def from_this_site(headers, scheme: str, public_url: str | None) -> bool:
    """Whether a browser sent this request from a page of this site: its Origin is ours (``scheme://Host``, or
    MAAS_PUBLIC_URL's), else Sec-Fetch-Site says same-origin or typed in, else the Referer is ours. A request with
    none of these is not from a browser (browsers send Origin with every form post): nothing to forge."""
    own = {origin_of(headers.get("host", ""), scheme), origin_of(public_url)} - {""}
    origin = headers.get("origin")
    if origin is not None:
        return origin_of(origin.strip()) in own
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() in ("same-origin", "none")
    referer = headers.get("referer")
    if referer:
        return origin_of(referer.strip()) in own
    return True


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


def routes(gateway, users: SessionUsers):
    """FastAPI routes: GET/POST /login, POST /logout (and the OIDC start / callback when configured)."""
    from fastapi import APIRouter, Form, Request
    from fastapi.responses import HTMLResponse, RedirectResponse

    from gateway.accounts.users import AccountError, SignInThrottled, normalise_username

    router = APIRouter()
    sso = gateway.oidc is not None
    devices = DeviceTokens()
    public_url = gateway.settings.public_url

    def ours(request: Request) -> bool:
        return from_this_site(request.headers, request.url.scheme, public_url)

    # each with a trailing slash too: Gradio has its own routes there (a sign-out that leaves the session valid and
    # redirects to wherever the Host header says)
    @router.get("/login", response_class=HTMLResponse)
    @router.get("/login/", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/", out: int = 0) -> HTMLResponse:
        lang = language(request.headers.get("accept-language"))
        message = TEXT[lang]["signed_out"] if out else ""
        return HTMLResponse(render(lang, next_path=safe_next(next), message=message, ok=True, sso=sso))

    @router.post("/login")
    @router.post("/login/", include_in_schema=False)
    def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")):
        lang = language(request.headers.get("accept-language"))
        if not ours(request):           # login CSRF: another site's form would sign this browser in as its author
            return HTMLResponse(render(lang, next_path=safe_next(next), message=TEXT[lang]["foreign_form"], sso=sso),
                                status_code=403)
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
        from gateway.accounts.oidc import OIDCError

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

    @router.get("/logout")
    @router.get("/logout/", include_in_schema=False)
    def logout_link(request: Request):
        """A link or a typed address signs out; another site's link or image only shows a sign-out button."""
        if ours(request):
            return logout(request)
        lang = language(request.headers.get("accept-language"))
        return HTMLResponse(render_sign_out(lang, TEXT[lang]["out_foreign"]))

    @router.post("/logout")
    @router.post("/logout/", include_in_schema=False)
    def logout(request: Request):
        if not ours(request):
            lang = language(request.headers.get("accept-language"))
            return HTMLResponse(render_sign_out(lang, TEXT[lang]["out_foreign"]), status_code=403)
        token = session_token(request.headers.get("cookie"))
        if token:
            gateway.sessions.revoke(token)
            users.forget(token)
        response = RedirectResponse("/login?out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
