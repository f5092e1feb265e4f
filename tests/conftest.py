"""Shared fixtures: the real gateway started as a process (`python launch.py`) on a free port.

``GatewayProcess`` runs launch.py exactly as a user would, with its own data dir; the
assembled embedded model is hard-linked in from one session copy so each start is fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MASTER_KEY = "sk-test-master-key-0123456789"
ADMIN_USER, ADMIN_PASSWORD = "admin", "Test-admin-pass-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GatewayProcess:
    """``python launch.py`` in a child process; ``url`` once it printed that it is ready."""

    def __init__(self, data_dir: Path, config: Path | None = None, env: dict[str, str] | None = None,
                 master_key: str | None = MASTER_KEY) -> None:
        self.data_dir, self.config = data_dir, config
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MAAS_")}
        self.env.update({"PYTHONUNBUFFERED": "1", "MAAS_ADMIN_USER": ADMIN_USER, "MAAS_ADMIN_PASSWORD": ADMIN_PASSWORD,
                         **(env or {})})
        if master_key:
            self.env["MAAS_MASTER_KEY"] = master_key
        self.master_key = master_key
        self.proc: subprocess.Popen | None = None
        self.lines: list[str] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90, port: int | None = None) -> GatewayProcess:
        self.port = port or free_port()
        cmd = [sys.executable, str(ROOT / "launch.py"), "--port", str(self.port), "--data-dir", str(self.data_dir)]
        if self.config is not None:
            cmd += ["--config", str(self.config)]
        self.lines = []
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        ready = threading.Event()

        def reader() -> None:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                if "is ready:" in line:
                    ready.set()
        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                output = "\n".join(self.lines[-40:])
                self.stop()
                raise RuntimeError(f"launch.py did not become ready:\n{output}")
        return self

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        code = self.proc.returncode
        self.proc = None
        return code

    def output(self) -> str:
        return "\n".join(self.lines)

    def signed_in(self, username: str = ADMIN_USER, password: str = ADMIN_PASSWORD):
        """An httpx client holding a workbench session cookie."""
        import httpx

        client = httpx.Client(base_url=self.url, timeout=30)
        resp = client.post("/login", data={"username": username, "password": password, "next": "/"})
        assert resp.status_code == 303, resp.text[:500]
        return client

    def client(self, key: str | None = None, **kw):
        import openai

        return openai.OpenAI(base_url=self.url + "/v1", api_key=key or self.master_key, max_retries=0, **kw)


@pytest.fixture(scope="session")
def shared_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded model assembled and verified once per test session."""
    from gateway.embedded.model_files import PACKAGED_MODELS, ensure_model

    models = tmp_path_factory.mktemp("shared-models")
    ensure_model(PACKAGED_MODELS["qwen2.5-coder-0.5b-instruct-q4_k_m"], models)
    return models


def seeded_data_dir(path: Path, shared_models: Path) -> Path:
    """A fresh data dir whose models/ hard-links the session's verified model (no re-assembly)."""
    target = path / "models"
    target.mkdir(parents=True, exist_ok=True)
    for f in shared_models.iterdir():
        try:
            os.link(f, target / f.name)
        except OSError:
            shutil.copy2(f, target / f.name)
    return path


@pytest.fixture(scope="session")
def embedded_gateway(tmp_path_factory: pytest.TempPathFactory, shared_models: Path):
    """One gateway with no config file: the embedded models only."""
    gw = GatewayProcess(seeded_data_dir(tmp_path_factory.mktemp("embedded-gw"), shared_models)).start()
    yield gw
    gw.stop()


@pytest.fixture(scope="session")
def pip_mirror(tmp_path_factory: pytest.TempPathFactory):
    """``mcp-server-time`` (the bundled version) and its dependencies, downloaded once and served on loopback
    (tests/pip_mirror.py); ``why`` says why the package index could not be reached."""
    import json

    from tests.pip_mirror import start_pip_mirror

    version = json.loads((ROOT / "workbench/mcp/bundled/mcp-server-time.json").read_text())["packages"][0]["version"]
    mirror = start_pip_mirror(tmp_path_factory.mktemp("pip-mirror"), f"mcp-server-time=={version}")
    yield mirror
    mirror.stop()
