"""Sign-in for the workbench: a server-rendered page (en / zh), session cookies, sign-out.

Sessions live in the gateway's DuckDB (gateway.sessions), so they survive a restart; the
cookie holds only the random token (HttpOnly, SameSite=Lax). ``session_user`` is what the
page guard and Gradio's ``auth_dependency`` call on every request.
"""

# no `from __future__ import annotations`: FastAPI must see the route signatures' real types
import html
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

SESSION_COOKIE = "maas_session"
PUBLIC_PATHS = ("/login", "/logout", "/favicon.ico")

TEXT = {
    "en": {"title": "Sign in · MaaS Workbench", "heading": "Sign in to MaaS Workbench", "username": "Username",
           "password": "Password", "submit": "Sign in", "signed_out": "You are signed out."},
    "zh": {"title": "登录 · MaaS 工作台", "heading": "登录 MaaS 工作台", "username": "用户名", "password": "密码",
           "submit": "登录", "signed_out": "你已退出登录。"},
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
<body><main><h1>{heading}</h1>{message}<form method="post" action="/login">
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


def render(lang: str, *, next_path: str = "/", message: str = "", ok: bool = False) -> str:
    t = TEXT[lang]
    box = f'<p class="msg{" ok" if ok else ""}" role="alert">{html.escape(message)}</p>' if message else ""
    return PAGE.format(lang="zh-CN" if lang == "zh" else "en", message=box, next=html.escape(next_path), **t)


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


def session_user(gateway, cookie_header: str | None):
    """The signed-in, enabled user for a request's Cookie header, or None."""
    token = session_token(cookie_header)
    user_id = gateway.sessions.resolve(token) if token else None
    return gateway.accounts.get(user_id) if user_id else None


def routes(gateway):
    """FastAPI routes: GET/POST /login, POST /logout."""
    from fastapi import APIRouter, Form, Request
    from fastapi.responses import HTMLResponse, RedirectResponse

    from gateway.accounts import AccountError

    router = APIRouter()

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/", out: int = 0) -> HTMLResponse:
        lang = language(request.headers.get("accept-language"))
        message = TEXT[lang]["signed_out"] if out else ""
        return HTMLResponse(render(lang, next_path=safe_next(next), message=message, ok=True))

    @router.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")):
        lang = language(request.headers.get("accept-language"))
        client = request.client.host if request.client else "unknown"
        try:
            user = gateway.accounts.authenticate(username, password, client=client)
        except AccountError as exc:
            return HTMLResponse(render(lang, next_path=safe_next(next), message=exc.message), status_code=401)
        token = gateway.sessions.create(user.id)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https", max_age=14 * 24 * 3600)
        return response

    @router.post("/logout")
    def logout(request: Request):
        token = session_token(request.headers.get("cookie"))
        if token:
            gateway.sessions.revoke(token)
        response = RedirectResponse("/login?out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router


def login_redirect(path: str, query: bytes) -> str:
    target = path + ("?" + query.decode("latin-1") if query else "")
    return "/login?next=" + quote(target, safe="/")
