"""The MCP hub in the real ``python launch.py``: composed at start from the one settings object, nothing installed or
fetched (no outbound connection, the network guard of tests/netguard), the secret key made with mode 0600, the
bundled catalogue in the store, the page served to a signed-in user; a stop ends cleanly."""

from __future__ import annotations

import stat
from contextlib import closing

from tests.conftest import ROOT, GatewayProcess
from workbench.mcp.catalogue import Catalogue, Viewer
from workbench.schema import open_store
from workbench.store import store_path


def test_the_hub_starts_with_the_workbench_and_reaches_nothing_outside(tmp_path):
    log = tmp_path / "outbound.log"
    config = tmp_path / "models.yaml"
    config.write_text("gateway: {embedded: {enabled: false}}\n")
    data = tmp_path / "data"
    gw = GatewayProcess(data, config=config, env={"PYTHONPATH": str(ROOT / "tests" / "netguard"),
                                                  "MAAS_NETGUARD_LOG": str(log)}).start()
    try:
        with closing(gw.signed_in()) as browser:
            page = browser.get("/mcp")
            assert page.status_code == 200
            assert browser.get("/config").status_code == 200
    finally:
        code = gw.stop()
    assert code == 0, gw.output()[-2000:]
    assert not log.exists() or log.read_text() == "", log.read_text()
    key = data / "secret.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    store = open_store(store_path(data))
    try:
        names = {entry.name for entry in Catalogue(store).list(Viewer("u-anyone"))}
    finally:
        store.close()
    assert {"io.github.modelcontextprotocol/server-time", "io.github.githejie/mcp-server-calculator",
            "io.github.modelcontextprotocol/server-git", "io.github.modelcontextprotocol/server-everything"} <= names
    assert not (data / "mcp").exists()                   # nothing installed unless an admin asks
