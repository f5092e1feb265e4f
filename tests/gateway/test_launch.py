"""`python launch.py` as a user runs it: first start, restart, master key, bad config, data kept."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import duckdb
import httpx
import pytest

from tests.conftest import ROOT, GatewayProcess, seeded_data_dir


def test_first_start_prints_url_and_a_master_key_once(tmp_path, shared_models):
    data = seeded_data_dir(tmp_path / "data", shared_models)
    gw = GatewayProcess(data, master_key=None).start()
    try:
        out = gw.output()
        assert f"MaaS Workbench is ready: http://127.0.0.1:{gw.port}" in out
        keys = re.findall(r"sk-maas-[\w-]{40,}", out)
        assert len(set(keys)) == 1
        key = keys[0]
        models = gw.client(key).models.list()
        assert models.data
        answer = gw.client(key).chat.completions.create(
            model="qwen2.5-coder:0.5b", messages=[{"role": "user", "content": "Say OK"}], max_tokens=4)
        assert answer.usage.total_tokens > 0
    finally:
        assert gw.stop() == 0
    # restart: the same key works, nothing new is printed, the call made before is in the ledger
    gw2 = GatewayProcess(data, master_key=None).start()
    try:
        assert not re.findall(r"sk-maas-[\w-]{40,}", gw2.output())
        assert httpx.get(gw2.url + "/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    finally:
        gw2.stop()
    con = duckdb.connect(str(data / "maas.duckdb"), read_only=True)
    rows = con.execute("SELECT endpoint, model, status, usage_source, total_tokens, key_id "
                       "FROM usage_ledger").fetchall()
    assert ("chat.completions", "qwen2.5-coder:0.5b", 200, "upstream") == rows[0][:4] and rows[0][4] > 0
    assert rows[0][5] == "master"
    assert key.encode() not in (data / "maas.duckdb").read_bytes()


def test_reset_master_key_issues_a_new_one(tmp_path, shared_models):
    data = seeded_data_dir(tmp_path / "data", shared_models)
    run = subprocess.run([sys.executable, "launch.py", "--data-dir", str(data), "--reset-master-key"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    assert re.search(r"sk-maas-[\w-]{40,}", run.stdout)


def test_bad_config_stops_the_start_naming_file_and_key(tmp_path):
    cfg = tmp_path / "models.yaml"
    cfg.write_text("models:\n  - id: qwen3:235b\n    deployments:\n      - {backend: vllm, base_url: http://h:8000/v1}\n")
    run = subprocess.run([sys.executable, "launch.py", "--config", str(cfg), "--data-dir", str(tmp_path / "d")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert f"{cfg}: models[0].deployments[0].backend: must be one of openai, ollama, embedded" in run.stderr
    assert "Traceback" not in run.stderr


def test_second_process_on_the_same_data_dir_is_refused_clearly(embedded_gateway):
    run = subprocess.run([sys.executable, "launch.py", "--data-dir", str(embedded_gateway.data_dir), "--port", "0"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "in use by another process" in run.stderr and "Traceback" not in run.stderr


def test_all_deployments_down_means_not_ready_and_a_clear_503(tmp_path):
    from tests.conftest import free_port

    cfg = tmp_path / "models.yaml"
    cfg.write_text("gateway: {embedded: {enabled: false}}\nmodels:\n  - id: qwen3:235b\n    deployments:\n"
                   f"      - {{backend: openai, base_url: 'http://127.0.0.1:{free_port()}/v1'}}\n")
    gw = GatewayProcess(tmp_path / "data", config=cfg).start()
    try:
        assert httpx.get(gw.url + "/health").status_code == 200
        assert httpx.get(gw.url + "/health/ready").status_code == 503
        resp = httpx.post(gw.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {gw.master_key}"},
                          json={"model": "qwen3:235b", "messages": [{"role": "user", "content": "hi"}]})
        assert resp.status_code == 503 and resp.json()["error"]["code"] == "model_unavailable"
        assert "127.0.0.1" not in resp.text                       # no upstream addresses in client errors
    finally:
        gw.stop()


@pytest.mark.parametrize("text", ["", "\n", "# models go here later\n"])
def test_empty_config_file_stops_the_start_saying_so(tmp_path, text):
    """An empty (or comments-only) catalogue file is refused, not silently taken as no file at all."""
    cfg = tmp_path / "models.yaml"
    cfg.write_text(text)
    run = subprocess.run([sys.executable, "launch.py", "--config", str(cfg), "--data-dir", str(tmp_path / "d"),
                          "--port", "0"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    assert f"{cfg}: (file): is empty" in run.stderr and "models: []" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_model_editor_refuses_an_empty_catalogue_too(tmp_path):
    """Saved from Admin -> Models, an empty file would stop the next start: refused before saving."""
    from types import SimpleNamespace

    from gateway.errors import ConfigError
    from gateway.routing.model_config import ModelConfig

    editor = ModelConfig(SimpleNamespace(settings=SimpleNamespace(catalogue_file=tmp_path / "models.yaml")))
    with pytest.raises(ConfigError) as info:
        editor.validate("# nothing yet\n")
    assert "is empty" in str(info.value)
    assert editor.validate("models: []\n").models          # the embedded models only, said explicitly


def read_only_launch(read_only, data_dir, tmp_path) -> subprocess.CompletedProcess:
    """launch.py with ``--data-dir data_dir`` where ``read_only`` (that directory or its parent) cannot be
    written: chmod for a normal user; root needs a read-only bind mount, in a private mount namespace
    so that nothing outside the child sees it."""
    cfg = tmp_path / "models.yaml"
    cfg.write_text("gateway:\n  embedded: {enabled: false}\nmodels: []\n")
    read_only.mkdir(parents=True, exist_ok=True)
    launch = [sys.executable, "launch.py", "--config", str(cfg), "--data-dir", str(data_dir), "--port", "0"]
    if os.geteuid() != 0:
        read_only.chmod(0o555)
        return subprocess.run(launch, cwd=ROOT, capture_output=True, text=True, timeout=60)
    if not shutil.which("unshare") or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("root without unshare: cannot make a read-only directory here")
    script = f'mount --bind "{read_only}" "{read_only}" && mount -o remount,bind,ro "{read_only}" && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *launch], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("inside", [False, True], ids=["read-only", "to-be-made-in-a-read-only-one"])
def test_read_only_data_dir_is_one_clear_line(tmp_path, inside):
    read_only = tmp_path / "data"
    data = read_only / "maas" if inside else read_only
    run = read_only_launch(read_only, data, tmp_path)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Cannot start: the data directory {data} is not writable")
    assert "--data-dir" in lines[0] and "MAAS_DATA_DIR" in lines[0]
