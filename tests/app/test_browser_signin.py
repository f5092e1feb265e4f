"""Sign-in and sign-out in Chromium after the CSRF change, and the two attacks from another local origin it and the
CORS change stop, in a real browser against the real ``python launch.py`` (no models).

The attacker's pages are served from 127.0.0.1 on another port: the same site as the workbench (cookies ignore
ports, SameSite=Lax lets them through), another origin. One posts the sign-in form with the attacker's account (login
CSRF), the other reads the workbench's answers with the user's cookie (CORS).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser import add_members, open_page, screenshot
from tests.conftest import GatewayProcess

pytestmark = pytest.mark.browser

MALLORY = ("mallory", "Mallory-pass-2026")
LOGIN_PAGE = """<!doctype html><title>prize</title><form method="post" action="{url}/login">
<input name="username" value="{username}"><input name="password" value="{password}"><input name="next" value="/">
</form><script>document.forms[0].submit()</script>"""
READ_PAGE = """<!doctype html><title></title><script>
fetch("{url}/gradio_api/info", {{credentials: "include"}}).then(r => r.text())
  .then(t => {{ document.title = "read " + t.length; }}, () => {{ document.title = "blocked"; }});
</script>"""


@pytest.fixture(scope="module")
def workbench(tmp_path_factory) -> Iterator[GatewayProcess]:
    tmp = tmp_path_factory.mktemp("browser-signin")
    config = tmp / "models.yaml"
    config.write_text("gateway: {embedded: {enabled: false}}\n")
    gw = GatewayProcess(tmp / "data", config=config).start()
    add_members(gw.url, MALLORY)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def attacker(workbench) -> Iterator[str]:
    """Another local site (127.0.0.1, another port) with the two pages."""
    pages = {"/login.html": LOGIN_PAGE.format(url=workbench.url, username=MALLORY[0], password=MALLORY[1]),
             "/read.html": READ_PAGE.format(url=workbench.url)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sign_in_and_sign_out_still_work_in_the_browser(browser, workbench, request):
    from playwright.sync_api import expect

    url = workbench.url
    with open_page(browser, request, f"{url}/account") as page:        # the sign-in form, posted by Chromium
        expect(page.locator("#nav-who")).to_contain_text("admin")
        page.locator("#nav-sign-out").click()
        page.wait_for_url(re.compile(r"/login\?out=1$"))
        expect(page.locator("[role=alert]")).to_have_text("You are signed out.")
        page.goto(f"{url}/account")
        page.wait_for_url(re.compile(r"/login\?next="))                  # signed out means signed out
        page.fill("#username", "admin")
        page.fill("#password", "Test-admin-pass-2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/account")
        expect(page.locator("#nav-who")).to_contain_text("admin")
        page.goto(f"{url}/logout")                                         # typed in the address bar: signs out
        page.wait_for_url(re.compile(r"/login\?out=1$"))
        page.goto(f"{url}/")
        page.wait_for_url(re.compile(r"/login\?next="))
        screenshot(page, request, "signed-out")


def test_a_page_on_another_local_origin_cannot_sign_the_browser_in(browser, workbench, attacker, request):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{attacker}/login.html")                               # posts mallory's password to /login
        page.wait_for_url(f"{workbench.url}/login")
        expect(page.locator("[role=alert]")).to_contain_text("came from another site")
        screenshot(page, request, "refused")
        assert not [c for c in context.cookies() if c["name"] == "maas_session"]
        page.goto(f"{workbench.url}/account")
        page.wait_for_url(re.compile(r"/login\?next="))                  # not signed in as mallory
    finally:
        context.close()


def test_a_page_on_another_local_origin_cannot_read_the_workbench_with_the_users_cookie(browser, workbench, attacker,
                                                                                         request):
    with open_page(browser, request, f"{workbench.url}/account") as page:   # signed in: the cookie is there
        assert page.evaluate("fetch('/gradio_api/info').then(r => r.status)") == 200
        page.goto(f"{attacker}/read.html")
        page.wait_for_function("document.title !== ''")
        assert page.title() == "blocked"
