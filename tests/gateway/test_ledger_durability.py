"""The usage ledger as an operator relies on it, with the real ``python launch.py`` process.

* A malformed request (``"model": [1]``) next to another in the same batch must not stop metering:
  later requests still reach the dashboards, nothing is retried in a loop, and a clean stop keeps
  every row.
* A SIGKILL under load loses no completed request older than the write-ahead bound: after the
  restart (which replays the write-ahead file before serving) every such request is in the ledger.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from gateway.accounts.keys import KeyStore
from gateway.store import open_store
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.upstream import start_fake

# A response completed this long before the SIGKILL must be in the ledger: the documented bound
# (MAAS_LEDGER_SYNC_MS, 20 ms by default, plus one write and fsync) with room for a busy machine.
DURABLE_AFTER_S = 0.2


@pytest.fixture(scope="module")
def upstream():
    fake = start_fake("plain")
    yield fake
    fake.stop()


def make_config(data_dir: Path, fake) -> Path:
    def dep(name: str) -> dict:
        return {"name": name, "backend": "openai", "base_url": f"{fake.url}/v1", "model": "fake-model"}

    config = data_dir / "models.yaml"
    config.write_text(yaml.safe_dump({
        "gateway": {"embedded": {"enabled": False}, "health_interval_s": 600},
        "models": [{"id": "chat", "deployments": [dep("chat-1")]},
                   {"id": "embed", "kind": "embedding", "deployments": [dep("embed-1")]}],
    }), encoding="utf-8")
    return config


def new_key(data_dir: Path, name: str) -> tuple[str, str]:
    """A key made in the data dir before the gateway starts (DuckDB is one process's at a time)."""
    store = open_store(data_dir / "maas.duckdb")
    try:
        return KeyStore(store).create(name)
    finally:
        store.close()


def ledger_rows(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "maas.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def key_usage(gw: GatewayProcess, key_id: str) -> dict | None:
    usage = httpx.get(gw.url + "/admin/v1/usage", headers={"authorization": f"Bearer {MASTER_KEY}"},
                      timeout=10).json()
    return next((r for r in usage["ranking"]["key"] if r["name"] == key_id), None)


def test_a_malformed_request_does_not_stop_metering(tmp_path, upstream):
    data = tmp_path / "data"
    data.mkdir()
    key_id, secret = new_key(data, "metered")
    gw = GatewayProcess(data, config=make_config(data, upstream)).start()
    headers = {"authorization": f"Bearer {secret}"}
    try:
        with httpx.Client(base_url=gw.url, headers=headers, timeout=15) as http:
            bad = http.post("/v1/embeddings", json={"model": [1], "input": "a"})   # both in one ledger batch
            unknown = http.post("/v1/embeddings", json={"model": "x", "input": "a"})
            assert bad.status_code == 400 and bad.json()["error"]["param"] == "model"
            assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
            time.sleep(1.2)                                   # a few of the ledger's flushes go by
            good = http.post("/v1/embeddings", json={"model": "embed", "input": "hello world"})
            assert good.status_code == 200
        deadline = time.monotonic() + 10
        while (row := key_usage(gw, key_id)) is None or row["requests"] < 3:
            assert time.monotonic() < deadline, f"the dashboard never saw the later request: {row}"
            time.sleep(0.2)
        assert (row["requests"], row["errors"]) == (3, 2)
        assert row["total_tokens"] == good.json()["usage"]["total_tokens"] > 0
        keys = httpx.get(gw.url + "/admin/v1/keys", headers={"authorization": f"Bearer {MASTER_KEY}"}).json()
        assert next(k for k in keys["data"] if k["id"] == key_id)["last_used_at"] is not None
    finally:
        assert gw.stop() == 0
    out = gw.output()
    # nothing retried in a loop, nothing refused (old: "usage ledger write failed" twice a second)
    assert "Traceback" not in out and "usage ledger" not in out, out[-3000:]
    rows = ledger_rows(data, "SELECT model, status FROM usage_ledger WHERE key_id = ? ORDER BY ts", [key_id])
    assert rows == [(None, 400), ("x", 404), ("embed", 200)]


class Load:
    """Clients sending chat requests in a loop; each completed answer's request id and when it came back."""

    def __init__(self, gw: GatewayProcess, secret: str, clients: int = 8) -> None:
        self.url, self.secret = gw.url, secret
        self.done: list[tuple[str, float]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]

    def _run(self, i: int) -> None:
        body = {"model": "chat", "messages": [{"role": "user", "content": f"client {i} says hello"}]}
        with httpx.Client(base_url=self.url, headers={"authorization": f"Bearer {self.secret}"}, timeout=10) as http:
            while not self.stop.is_set():
                try:
                    resp = http.post("/v1/chat/completions", json=body)
                except httpx.HTTPError:
                    return                                    # the process is gone
                if resp.status_code == 200:
                    self.done.append((resp.headers["x-request-id"], time.monotonic()))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(15)


def wait_for_flush(gw: GatewayProcess, key_id: str, timeout: float = 10) -> None:
    """Return right after the key's last-used time moved: the ledger just wrote a batch to DuckDB."""
    def last_used() -> str | None:
        keys = httpx.get(gw.url + "/admin/v1/keys", headers={"authorization": f"Bearer {MASTER_KEY}"}, timeout=5)
        return next(k for k in keys.json()["data"] if k["id"] == key_id)["last_used_at"]

    before, deadline = last_used(), time.monotonic() + timeout
    while last_used() == before:
        assert time.monotonic() < deadline, "the ledger never wrote a batch"
        time.sleep(0.01)


def test_sigkill_under_load_keeps_every_completed_request(tmp_path, upstream):
    data = tmp_path / "data"
    data.mkdir()
    key_id, secret = new_key(data, "loaded")
    config = make_config(data, upstream)
    gw = GatewayProcess(data, config=config).start()
    try:
        with Load(gw, secret) as load:
            time.sleep(1.5)
            # the worst moment for a ledger that only writes in batches: a quarter second after its last write
            wait_for_flush(gw, key_id)
            time.sleep(0.25)
            killed_at = time.monotonic()
            os.kill(gw.proc.pid, signal.SIGKILL)
            gw.proc.wait(10)
        gw.proc = None
        completed = list(load.done)
    finally:
        gw.stop()
    assert len(completed) > 50, "too little load to tell"
    gw = GatewayProcess(data, config=config).start()          # replays what the killed process left
    assert gw.stop() == 0
    stored = {r[0] for r in ledger_rows(data, "SELECT request_id FROM usage_ledger WHERE key_id = ?", [key_id])}
    old = [rid for rid, at in completed if at < killed_at - DURABLE_AFTER_S]
    lost = [rid for rid in old if rid not in stored]
    assert not lost, f"{len(lost)} of {len(old)} requests completed over {DURABLE_AFTER_S} s before the kill are lost"
    assert len(stored) >= len(old)
