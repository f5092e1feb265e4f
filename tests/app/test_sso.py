"""Single sign-on: the OIDC authorization-code + PKCE round trip through the real gateway process."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import GatewayProcess, free_port
from tests.fakes.oidc_provider import start_oidc_provider


@pytest.fixture()
def sso_gateway(tmp_path):
    port = free_port()
    provider = start_oidc_provider(redirect_uris=(f"http://127.0.0.1:{port}/auth/oidc/callback",))
    cfg = tmp_path / "models.yaml"
    cfg.write_text("gateway: {embedded: {enabled: false}}\n")
    gw = GatewayProcess(tmp_path / "data", config=cfg, env={
        "MAAS_OIDC_ISSUER": provider.issuer, "MAAS_OIDC_CLIENT_ID": provider.client_id,
        "MAAS_OIDC_CLIENT_SECRET": provider.client_secret, "MAAS_PUBLIC_URL": f"http://127.0.0.1:{port}"})
    gw.start(port=port)
    yield gw, provider
    gw.stop()
    provider.stop()


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
        assert browser.get("/", headers={"accept": "text/html"}).status_code == 303     # still signed out
