"""Nothing reaches beyond loopback at start or while serving (the machine may have no network)."""

from __future__ import annotations

from contextlib import closing

from tests.conftest import ROOT, GatewayProcess, seeded_data_dir


def test_start_and_serve_without_any_outbound_connection(tmp_path, shared_models):
    log = tmp_path / "outbound.log"
    env = {"PYTHONPATH": str(ROOT / "tests" / "netguard"), "MAAS_NETGUARD_LOG": str(log)}
    gw = GatewayProcess(seeded_data_dir(tmp_path / "data", shared_models), env=env).start()
    try:
        client = gw.client()
        client.chat.completions.create(model="qwen2.5-coder:0.5b", max_tokens=4,
                                       messages=[{"role": "user", "content": "hi"}])
        client.embeddings.create(model="use-multilingual:v3", input="hi")
        with closing(gw.signed_in()) as browser:
            assert browser.get("/").status_code == 200              # the Gradio page
            assert browser.get("/config").status_code == 200
    finally:
        gw.stop()
    assert not log.exists() or log.read_text() == "", log.read_text()


def test_the_guard_records_what_it_refuses(tmp_path):
    """The guard is loaded and refuses before any packet is sent (so the test above can fail)."""
    import subprocess
    import sys

    log = tmp_path / "outbound.log"
    code = "import socket\ntry:\n    socket.getaddrinfo('example.org', 443)\nexcept OSError:\n    print('refused')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                         env={"PYTHONPATH": str(ROOT / "tests" / "netguard"), "MAAS_NETGUARD_LOG": str(log)})
    assert run.stdout.strip() == "refused" and "example.org" in log.read_text()
