"""Browser fixture for the app tests: one headless Debian Chromium for the session.

Playwright is imported only when a test asks for ``browser``, so the browser-free tests in this
folder run without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser import CHROMIUM, chromium


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Playwright (sync API) driving /usr/bin/chromium.

    A missing Chromium skips the browser tests on a developer machine, but fails them when the
    environment variable CI is set: there a skip would hide that the browser layer never ran.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install the Debian packages in tests/apt-packages.txt"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def opened_gateway(data_dir, status=None, **env: str):
    """A real ``Gateway`` with its stored services open (DuckDB in ``data_dir``; no models started).

    ``status`` replaces its model-status snapshot (the home page's data) when given."""
    from gateway.service import Gateway
    from gateway.settings import load_settings

    settings = load_settings(["--data-dir", str(data_dir)],
                             env={"MAAS_ADMIN_USER": "admin", "MAAS_ADMIN_PASSWORD": "Test-admin-pass-2026", **env})
    gateway = Gateway(settings)
    gateway.open()
    if status is not None:
        gateway.status = status
    return gateway


@pytest.fixture()
def sso_gateway(tmp_path):
    """A gateway process (no models) with single sign-on through a loopback OIDC provider: (gateway, provider)."""
    from tests.conftest import GatewayProcess, free_port
    from tests.fakes.oidc_provider import start_oidc_provider

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
