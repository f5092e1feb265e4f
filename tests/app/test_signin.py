"""Every workbench page needs sign-in; sessions are cookies backed by the store and survive restarts."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, MASTER_KEY, GatewayProcess, seeded_data_dir


def test_pages_redirect_to_sign_in_and_ui_calls_are_refused(embedded_gateway):
    resp = httpx.get(embedded_gateway.url + "/?view=x", headers={"accept": "text/html"})
    assert resp.status_code == 303 and resp.headers["location"] == "/login?next=/%3Fview%3Dx"
    assert httpx.get(embedded_gateway.url + "/config").status_code == 401
    assert httpx.get(embedded_gateway.url + "/gradio_api/info").status_code == 401
    page = httpx.get(embedded_gateway.url + "/login", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200 and "登录 MaaS 工作台" in page.text
    assert "Sign in to MaaS Workbench" in httpx.get(embedded_gateway.url + "/login").text


def test_wrong_password_is_a_readable_message_and_right_one_signs_in(embedded_gateway):
    with httpx.Client(base_url=embedded_gateway.url) as browser:
        bad = browser.post("/login", data={"username": ADMIN_USER, "password": "nope", "next": "/"})
        assert bad.status_code == 401 and 'role="alert"' in bad.text and "Traceback" not in bad.text
        ok = browser.post("/login", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD,
                                          "next": "//evil.example/steal"})
        assert ok.status_code == 303 and ok.headers["location"] == "/"        # no open redirect
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert browser.get("/").status_code == 200
        assert browser.post("/logout").status_code == 303
        assert browser.get("/", headers={"accept": "text/html"}).status_code == 303


def test_session_survives_a_restart_and_is_not_stored_in_clear(tmp_path, shared_models):
    data = seeded_data_dir(tmp_path / "data", shared_models)
    gw = GatewayProcess(data).start()
    try:
        browser = gw.signed_in()
        token = browser.cookies.get("maas_session")
        assert browser.get("/").status_code == 200
    finally:
        gw.stop()
    assert token.encode() not in (data / "maas.duckdb").read_bytes()
    assert ADMIN_PASSWORD.encode() not in (data / "maas.duckdb").read_bytes()
    gw.start()
    try:
        again = httpx.Client(base_url=gw.url, cookies={"maas_session": token})
        assert again.get("/").status_code == 200
    finally:
        gw.stop()


def test_an_upload_larger_than_any_page_takes_is_refused_before_it_is_stored(tmp_path):
    """Gradio's upload route refuses a file over the largest limit (here 2 MB + 1: MAAS_KB_MAX_UPLOAD_MB=2) with
    413 before writing it; a signed-out upload is refused too; a small one is stored."""
    cfg = tmp_path / "models.yaml"
    cfg.write_text("gateway: {embedded: {enabled: false}}\n")
    gw = GatewayProcess(tmp_path / "data", config=cfg,
                        env={"MAAS_KB_MAX_UPLOAD_MB": "2", "MAAS_CHAT_MAX_UPLOAD_MB": "1"}).start()
    try:
        files = {"files": ("big.pdf", b"%PDF-" + b"0" * (3 * 2**20), "application/pdf")}
        assert httpx.post(gw.url + "/gradio_api/upload", files=files, timeout=30).status_code == 401
        browser = gw.signed_in()
        big = browser.post("/gradio_api/upload", files=files, timeout=30)
        assert big.status_code == 413 and "Traceback" not in big.text
        small = browser.post("/gradio_api/upload", files={"files": ("a.pdf", b"%PDF-1.4 small", "application/pdf")})
        assert small.status_code == 200 and small.json()[0].endswith("a.pdf")
    finally:
        gw.stop()


# --- the HTTP edge: throttling, forwarded addresses, CSRF, CORS, sign-out ---------------------------------------

NO_MODELS = "gateway: {embedded: {enabled: false}}\n"
PUBLIC = "https://maas.example.org"
CREDENTIALS = {"username": ADMIN_USER, "password": ADMIN_PASSWORD, "next": "/"}
DORA = ("dora", "Dora-pass-2026")
OTHER_ORIGIN = "http://127.0.0.1:8000"         # another local site: same host, another port


def _workbench(tmp: Path, **env: str) -> GatewayProcess:
    cfg = tmp / "models.yaml"
    cfg.write_text(NO_MODELS)
    return GatewayProcess(tmp / "data", config=cfg, env=env).start()


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    """The workbench behind a reverse proxy on 127.0.0.1 (MAAS_TRUSTED_PROXIES), reached at MAAS_PUBLIC_URL."""
    gw = _workbench(tmp_path_factory.mktemp("proxied"), MAAS_TRUSTED_PROXIES="127.0.0.1", MAAS_PUBLIC_URL=PUBLIC)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def direct(tmp_path_factory):
    """The workbench reached directly: no proxy configured, so X-Forwarded-For is anybody's say-so."""
    gw = _workbench(tmp_path_factory.mktemp("direct"))
    admin = httpx.Client(base_url=gw.url + "/admin/v1", headers={"Authorization": f"Bearer {MASTER_KEY}"})
    assert admin.post("/users", json={"username": "dora", "password": DORA[1]}).status_code == 201
    yield gw
    gw.stop()



def wrong(client: httpx.Client, username: str, **headers: str) -> httpx.Response:
    return client.post("/login", data={"username": username, "password": "not-the-password", "next": "/"},
                       headers=headers)


def signed_out(client: httpx.Client, token: str) -> bool:
    """True when the session ``token`` no longer opens a page (asked with a fresh client: only the token counts)."""
    with httpx.Client(base_url=str(client.base_url), cookies={"maas_session": token}) as fresh:
        return fresh.get("/", headers={"accept": "text/html"}).status_code == 303


def test_an_attacker_elsewhere_never_locks_the_admin_out(behind_proxy):
    """Failures count per (username, client) with a growing wait, not a lock on the name; the client is the
    rightmost address the trusted proxy saw (what the attacker writes further left is ignored)."""
    attacker = {"x-forwarded-for": "198.51.100.7, 203.0.113.9"}        # 198.51.100.7 is the admin's: a lie
    with httpx.Client(base_url=behind_proxy.url) as client:
        statuses = [wrong(client, ADMIN_USER, **attacker).status_code for _ in range(12)]
        assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses
        refused = client.post("/login", data=CREDENTIALS, headers=attacker)   # the right password, while waiting
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "Too many failed sign-ins; try again in" in refused.text and "maas_session" not in refused.headers.get(
            "set-cookie", "")
        zh = client.post("/login", data=CREDENTIALS, headers={**attacker, "accept-language": "zh-CN"})
        assert zh.status_code == 429 and "登录失败次数过多" in zh.text
    with httpx.Client(base_url=behind_proxy.url) as admin:
        ok = admin.post("/login", data=CREDENTIALS, headers={"x-forwarded-for": "198.51.100.7"})
        assert ok.status_code == 303 and admin.cookies.get("maas_session")


def test_a_browser_that_signed_in_before_is_not_locked_out_by_others_on_its_address(direct):
    """Everyone here comes from 127.0.0.1 (one address: a NAT, a shared proxy): a browser that signed in as dora
    before keeps its own allowance while an attacker on the same address is made to wait."""
    form = {"username": DORA[0], "password": DORA[1], "next": "/"}
    with httpx.Client(base_url=direct.url) as mine:
        assert mine.post("/login", data=form).status_code == 303
        assert mine.post("/logout").status_code == 303
        with httpx.Client(base_url=direct.url) as attacker:
            statuses = [wrong(attacker, DORA[0]).status_code for _ in range(10)]
            assert statuses[-1] == 429, statuses
            assert attacker.post("/login", data=form).status_code == 429
        assert mine.post("/login", data=form).status_code == 303


def test_a_sign_in_form_posted_from_another_origin_is_refused(direct):
    """Login CSRF: a page on another local origin must not sign the browser in (as the attacker's account)."""
    for headers in ({"origin": OTHER_ORIGIN}, {"origin": "http://localhost:" + str(direct.port) + "0"},
                    {"origin": "null"}, {"sec-fetch-site": "same-site"}, {"referer": OTHER_ORIGIN + "/evil.html"}):
        with httpx.Client(base_url=direct.url) as victim:
            refused = victim.post("/login", data=CREDENTIALS, headers=headers)
            assert refused.status_code == 403, (headers, refused.status_code)
            assert "maas_session" not in refused.headers.get("set-cookie", "") and 'role="alert"' in refused.text
            assert victim.get("/", headers={"accept": "text/html"}).status_code == 303       # still signed out
    with httpx.Client(base_url=direct.url) as user:
        ok = user.post("/login", data=CREDENTIALS, headers={"origin": direct.url, "sec-fetch-site": "same-origin"})
        assert ok.status_code == 303
        token = user.cookies.get("maas_session")
        assert user.post("/logout", headers={"origin": OTHER_ORIGIN}).status_code == 403     # sign-out CSRF
        assert not signed_out(user, token)
        assert user.post("/logout", headers={"origin": direct.url}).status_code == 303
        assert signed_out(user, token)


def test_other_local_origins_cannot_read_the_ui_with_the_users_cookie(direct, behind_proxy):
    """CORS: Gradio reflected any localhost/127.0.0.1 origin with credentials; only the workbench's own may read."""
    with closing(direct.signed_in()) as user:
        for origin in (OTHER_ORIGIN, f"http://localhost:{direct.port}", "null"):
            got = user.get("/gradio_api/info", headers={"origin": origin})
            assert got.status_code == 200 and "access-control-allow-origin" not in got.headers, origin
            pre = user.options("/gradio_api/info", headers={"origin": origin, "access-control-request-method": "GET"})
            assert "access-control-allow-origin" not in pre.headers, origin
    with closing(behind_proxy.signed_in()) as user:
        got = user.get("/gradio_api/info", headers={"origin": PUBLIC})
        assert got.headers["access-control-allow-origin"] == PUBLIC
        assert "access-control-allow-origin" not in user.get("/gradio_api/info",
                                                              headers={"origin": OTHER_ORIGIN}).headers


def test_get_logout_is_ours_and_never_redirects_elsewhere(direct):
    """GET /logout reached Gradio's own logout: the session stayed valid and Location came from Host."""
    with closing(direct.signed_in()) as user:
        token = user.cookies.get("maas_session")
        linked = user.get("/logout", headers={"sec-fetch-site": "cross-site"})     # an <img src=/logout> elsewhere
        assert linked.status_code == 200 and 'action="/logout"' in linked.text and not signed_out(user, token)
        out = user.get("/logout", headers={"host": "evil.example", "x-forwarded-host": "evil.example"})
        assert out.status_code == 303 and out.headers["location"] == "/login?out=1"
        assert signed_out(user, token)
    for path in ("/logout/", "/login/"):           # Gradio's own sign-in routes are not reachable either
        with closing(direct.signed_in()) as user:
            got = user.get(path, headers={"host": "evil.example", "x-forwarded-host": "evil.example"})
            assert "evil.example" not in got.headers.get("location", ""), path
            posted = user.post(path, data=CREDENTIALS, headers={"host": "evil.example"})
            assert "evil.example" not in posted.headers.get("location", ""), path


def test_forwarded_for_is_ignored_unless_a_trusted_proxy_sends_it(direct):
    """Without MAAS_TRUSTED_PROXIES a made-up X-Forwarded-For does not make a new client: one address guessing
    many names is slowed down. (Last in this module: it leaves 127.0.0.1 waiting.)"""
    with httpx.Client(base_url=direct.url) as client:
        statuses = [wrong(client, f"spray-{i}", **{"x-forwarded-for": f"203.0.113.{i}"}).status_code
                    for i in range(40)]
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
