"""A data dir with the MCP hub's store, catalogue, sealer and installs, and the package indexes' reachability, for
the tests of installs and running servers (tests/workbench/test_mcp_installs.py)."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.mcp.catalogue import BUNDLED_DIR, Catalogue, Entry, Viewer
from workbench.mcp.installs import Installs
from workbench.mcp.sealed import Sealer
from workbench.schema import open_store
from workbench.store import Store, store_path

ADMIN = Viewer("u-admin", is_admin=True)
ALICE = Viewer("u-alice")


@dataclass
class Hub:
    data_dir: Path
    store: Store
    catalogue: Catalogue
    sealer: Sealer
    installs: Installs

    def entry(self, bundled: str, change: Callable[[dict[str, Any]], None] | None = None,
              name: str | None = None) -> Entry:
        """A bundled entry (``mcp-server-time``), or a copy of it imported under ``name`` after ``change``."""
        data = json.loads((BUNDLED_DIR / f"{bundled}.json").read_text(encoding="utf-8"))
        if name is None:
            return next(e for e in self.catalogue.list(ADMIN) if e.name == data["name"])
        data["name"] = name
        if change:
            change(data)
        return self.catalogue.import_json(json.dumps(data), ADMIN)


def make_hub(data_dir: Path) -> Hub:
    store = open_store(store_path(data_dir))
    catalogue = Catalogue(store)
    catalogue.seed_bundled()
    sealer = Sealer.from_settings(None, data_dir)
    return Hub(data_dir, store, catalogue, sealer, Installs(store, data_dir, sealer))


def pip_unreachable(identity: str, into: Path) -> str | None:
    """Why pip cannot fetch ``identity`` from its configured index (None when it can)."""
    out = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                          "-d", str(into), identity], capture_output=True, text=True, timeout=180)
    return None if out.returncode == 0 else (out.stderr.strip().splitlines() or ["pip download failed"])[-1]


def npm_unreachable(identity: str) -> str | None:
    """Why npm cannot see ``identity`` in its configured registry (None when it can)."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (Debian package nodejs, tests/apt-packages.txt)"
    out = subprocess.run([npm, "view", identity, "version"], capture_output=True, text=True, timeout=120)
    if out.returncode == 0 and out.stdout.strip():
        return None
    lines = [line.strip() for line in out.stderr.splitlines() if line.strip()]
    said = [line for line in lines if " code " in line or "Error:" in line][:2] or lines[:1]   # not its stack
    return " ".join(said)[:300] or "npm view failed"


class Records(logging.Handler):
    """Every log record while attached (DEBUG and up, all loggers), formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self._level = logging.WARNING

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __enter__(self) -> Records:
        root = logging.getLogger()
        self._level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._level)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def alive(pid: int) -> bool:
    """Whether the process ``pid`` still runs (a zombie, dead but not yet reaped by whoever adopted it, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "(zombie)" not in status
