"""Single sign-on: the OIDC authorization-code + PKCE round trip through the real gateway process."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.conftest import GatewayProcess


def sign_in_via_provider(gw: GatewayProcess, browser: httpx.Client, next_path: str = "/") -> httpx.Response:
    start = browser.get(f"/auth/oidc/start?next={next_path}")
    assert start.status_code == 303
    authorize = httpx.get(start.headers["location"], follow_redirects=False)   # the provider approves
    assert authorize.status_code in (302, 303)
    back = urlsplit(authorize.headers["location"])
    assert back.path == "/auth/oidc/callback"
    return browser.get(f"{back.path}?{back.query}")


def test_first_sso_sign_in_creates_the_account_and_a_session(sso_gateway):
    gw, provider = sso_gateway
    with httpx.Client(base_url=gw.url) as browser:
        page = browser.get("/login")
        assert 'id="sso"' in page.text
        done = sign_in_via_provider(gw, browser, "/?tab=x")
        assert done.status_code == 303 and done.headers["location"] == "/?tab=x"
        assert browser.get("/").status_code == 200                       # signed in
    with httpx.Client(base_url=gw.url) as again:                        # second sign-in: same account
        assert sign_in_via_provider(gw, again).status_code == 303
    assert len(provider.token_requests) == 2


def test_a_forged_callback_is_refused_with_a_readable_message(sso_gateway):
    gw, _ = sso_gateway
    with httpx.Client(base_url=gw.url) as browser:
        resp = browser.get("/auth/oidc/callback?code=abc&state=forged")
        assert resp.status_code == 401 and 'role="alert"' in resp.text and "Traceback" not in resp.text
        assert "Single sign-on did not complete" in resp.text
        zh = browser.get("/auth/oidc/callback?code=abc&state=forged", headers={"accept-language": "zh-CN"})
        assert zh.status_code == 401 and "统一身份认证登录未完成" in zh.text
        assert browser.get("/", headers={"accept": "text/html"}).status_code == 303     # still signed out
