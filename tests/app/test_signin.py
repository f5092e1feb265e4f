"""Every workbench page needs sign-in; sessions are cookies backed by the store and survive restarts."""

from __future__ import annotations

import httpx

from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, GatewayProcess, seeded_data_dir


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
