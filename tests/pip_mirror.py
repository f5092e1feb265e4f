"""A package and its dependencies downloaded once per test session and served on loopback as pip's only index.

Each test that installs ``mcp-server-time`` into a fresh venv (tests/workbench/test_mcp_installs.py,
test_mcp_reuse.py, tests/app/test_mcp_endpoint.py, test_browser_mcp.py) would otherwise ask the package index
about its ~30 packages again. The session fixture ``pip_mirror`` (tests/conftest.py) runs ``pip download`` once
(which also tells whether the index can be reached: the tests skip saying why when it cannot), serves the wheels
over HTTP on 127.0.0.1, and gives the environment that points pip at them: ``PIP_FIND_LINKS`` and
``PIP_NO_INDEX``, which the product passes to the installs' pip as it would an institution's mirror
(workbench/mcp/installs.py). Over HTTP rather than as a folder so pip's output reads as from an index
("Collecting mcp-server-time==...", then "Downloading ...").
"""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class PipMirror:
    """Wheels in ``folder`` served at ``url``; ``why`` says why the index could not be reached (None when it could)."""

    folder: Path
    url: str = ""
    why: str | None = None
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def env(self) -> dict[str, str]:
        """What a child pip needs to install from the mirror only ({} when nothing was downloaded)."""
        return {"PIP_FIND_LINKS": self.url, "PIP_NO_INDEX": "1"} if self.url else {}

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:   # noqa: A002 - the base class's name
        pass


def start_pip_mirror(folder: Path, *requirements: str) -> PipMirror:
    """``pip download`` the requirements (and their dependencies) into ``folder``, then serve it on loopback."""
    out = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-d", str(folder),
                          *requirements], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return PipMirror(folder, why=(out.stderr.strip().splitlines() or ["pip download failed"])[-1])
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return PipMirror(folder, f"http://127.0.0.1:{server.server_address[1]}/", None, server)
