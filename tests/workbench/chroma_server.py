"""A real Chroma server for tests: ``chroma run --path <tmp> --port <free> --host 127.0.0.1`` as a child process.

    with ChromaServer(tmp_path / "chroma").start() as server:
        VectorStore.remote(server.url)

``start`` waits for the server's heartbeat (``GET /api/v2/heartbeat``); ``stop`` ends the child (SIGINT, then
kill). The fixture ``chroma_server`` (session-wide) is defined here and imported by the test modules.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


def chroma_command() -> list[str]:
    """``chroma`` from this interpreter's scripts (the pyenv shim would pick a version by itself)."""
    here = Path(sys.executable).parent / "chroma"
    return [str(here)] if here.exists() else [shutil.which("chroma") or "chroma"]


class ChromaServer:
    """``chroma run`` on a free loopback port with its data under ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = path.parent / f"{path.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ChromaServer:
        self.path.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cmd = [*chroma_command(), "run", "--path", str(self.path), "--port", str(self.port), "--host", "127.0.0.1"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            try:
                if httpx.get(self.url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chroma run did not answer its heartbeat in {timeout} s:\n{self.output()[-3000:]}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> ChromaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """One Chroma server for the session (each test uses its own KB ids, so collections do not meet)."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data").start()
    yield server
    server.stop()
