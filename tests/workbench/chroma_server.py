"""A real Chroma server for tests: ``chroma run --path <tmp> --port <free> --host 127.0.0.1`` as a child process.

    with ChromaServer(tmp_path / "chroma").start() as server:
        VectorStore.remote(server.url)

``start`` waits for the server's heartbeat (``GET /api/v2/heartbeat``); ``stop`` ends the child (SIGINT, then
kill); a restart (``stop`` then ``start``) keeps the port, so clients configured with ``url`` reach it again.

The fixture ``chroma_server`` (session-wide) is defined here; tests/workbench/conftest.py and test modules import
it. However many modules import it, the session has one server (kept in the session's stash).

``VectorPlace`` is where a test's vectors live: ``persistent`` (embedded Chroma under the test's directory) or
``server`` (a client of the session's server); ``vector_place`` in tests/workbench/conftest.py gives both, so a test
asking for it runs twice, as ``test_x[persistent]`` and ``test_x[server]``.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from workbench.kb.vectors import VectorStore, collection_name

VECTOR_KINDS = ("persistent", "server")


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
        self.port = self.port or free_port()            # a restart listens where the clients look
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


_SESSION_SERVER = pytest.StashKey[ChromaServer]()


@pytest.fixture(scope="session")
def chroma_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ChromaServer:
    """One Chroma server for the session (each test uses its own KB ids, so collections do not meet).

    Every module importing this fixture makes a fixture definition of its own; the server is kept in the
    session's stash so they all get the same one, stopped when the session ends."""
    server = request.config.stash.get(_SESSION_SERVER, None)
    if server is None:
        server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data").start()
        request.config.stash[_SESSION_SERVER] = server
        request.config.add_cleanup(server.stop)
    return server


@dataclass(frozen=True)
class VectorPlace:
    """Where a test's vectors live: ``kind`` "persistent" (embedded Chroma in ``<dir>/chroma``) or "server" (the
    session's ``chroma run``; ``server`` set)."""

    kind: str
    server: ChromaServer | None = None

    def open(self, directory: Path) -> VectorStore:
        """A new VectorStore: embedded under ``directory / "chroma"``, or a new client of the server (``directory``
        unused: the data lives in the server, and a second client sees the first one's vectors)."""
        if self.server is None:
            return VectorStore.persistent(directory / "chroma")
        return VectorStore.remote(self.server.url)

    def assert_holds(self, directory: Path, kb_id: str, expected: int) -> None:
        """The KB's ``expected`` vectors are where ``kind`` says. Server: counted by a ``chromadb.HttpClient`` of
        our own, asking the server over HTTP (not through the code under test), and no embedded store was made
        under ``directory``. Persistent: the embedded store's files are under ``directory`` (the caller counts
        through its VectorStore: a second embedded client would share its files)."""
        if self.server is None:
            assert (directory / "chroma" / "chroma.sqlite3").is_file(), f"no embedded Chroma under {directory}"
            return
        import chromadb
        from chromadb.config import Settings

        own = chromadb.HttpClient(host="127.0.0.1", port=self.server.port,
                                  settings=Settings(anonymized_telemetry=False))
        try:
            names = {c.name for c in own.list_collections()}
            assert collection_name(kb_id) in names, f"the server {self.server.url} has no collection for KB {kb_id}"
            assert own.get_collection(collection_name(kb_id)).count() == expected
        finally:
            own.close()
        assert not (directory / "chroma").exists(), "server mode wrote an embedded Chroma store"
