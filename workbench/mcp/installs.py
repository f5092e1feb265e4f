"""Installs of stdio MCP servers from their package identity, by admins, in the background, with progress.

    installs = Installs(store, data_dir, Sealer.from_settings(settings.secret_key, data_dir))
    installs.recover()                                        # at start: installs a stop cut short are marked failed
    row = await installs.install(entry, admin, {"arg.--local-timezone": "Asia/Shanghai"})   # returns at once
    installs.get(entry.id, admin).step, .output_tail          # a page polls: "pip", the last lines of pip's output
    row = await installs.wait(entry.id)                       # .status "installed" | "failed" (.error_text("zh"))
    params = installs.parameters(entry.id)                    # how to start it (workbench.mcp.launch), secrets and all
    await installs.cancel(entry.id, admin); await installs.uninstall(entry.id, admin)

Only a package the catalogue accepted is installed (``server_json``: a bare PyPI or npm name and one exact version),
and only an admin (``Viewer.is_admin``) installs, configures, cancels or uninstalls. Each entry gets its own
directory ``<data dir>/mcp/<name>-<digest>/`` (``launch.ServerDir``):
    PyPI  ``python -I -m venv venv``, then ``venv/bin/python -I -m pip install identifier==version`` (``-I``: nothing
          imported from the working directory or PYTHON* variables). pip's configuration (``pip.conf``, ``PIP_*``)
          is used as it is, so an institution's index or mirror works; the entry cannot name an index. Wheels or
          sdists as pip chooses (an sdist's build runs its code, as pip always does).
    npm   ``npm install --prefix npm --ignore-scripts identifier@version``: npm's configuration (``.npmrc``,
          ``npm_config_*``) likewise. ``--ignore-scripts`` because install scripts run at install time for every
          transitive dependency, packages no admin looked at (the usual way a compromised npm release strikes); an
          MCP server is JavaScript that needs none. A package that needs a native build fails to start and says so
          in its server log.
then ``check``: the program to start is found in the installed files (``launch.command``), or the install fails.
Commands are argv lists (never a shell), with an allow-listed environment (PATH, HOME, locale, proxies and CA
settings, ``PIP_*`` / ``npm_config_*``; never ``MAAS_*`` or API keys), in their own process group, under one
timeout for the whole install (``timeout``, 15 minutes by default), their output captured into ``install.log``
(capped, ``logs.CappedLog``) and its last lines into the row at most twice a second, with the step.

One install per entry at a time (``busy``); an installed entry is uninstalled before it is installed again. A
failure keeps a reason in en and zh (``mcp_install.no_version``, ``unreachable``, ``step_failed`` with pip's or
npm's own last error line, ``timeout``, ...) and the install log; the package's files are removed. A cancel or an
uninstall removes the directory; an uninstall forgets the values and secrets too, after ``on_remove`` (the
supervisor stops the server). Secret values (``isSecret``) are kept sealed in ``mcp_secrets`` (``SecretValues``,
under the workbench's one key, ``sealed.Sealer``), each bound to its entry and key; a page is only told which are
set. Installs, configures, cancels, uninstalls and the supervisor's starts, stops and crashes go into the hub's
audit trail (``runs.Audit``, ``mcp_audit``, beside registrations and approvals; ``events``), never with a value.
Install tasks live in the event loop that called ``install``: call it from the app's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.locale import language
from workbench.mcp import inputs, launch, stdio
from workbench.mcp.catalogue import Entry, Viewer
from workbench.mcp.errors import InstallError
from workbench.mcp.logs import CappedLog
from workbench.mcp.runs import Audit, AuditEntry
from workbench.mcp.sealed import Sealer, SecretUnreadable
from workbench.mcp.server_json import ServerJson, parse_server_json
from workbench.store import Store, utcnow

STEPS = {"pypi": ("venv", "pip", "check"), "npm": ("npm", "check")}
TIMEOUT = 900.0
LOG_BYTES = 1024 * 1024
TAIL_LINES = 20
PROGRESS_EVERY = 0.5            # seconds between writes of the output's last lines
_ENV_NAMES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "LOGNAME", "HTTP_PROXY", "HTTPS_PROXY",
              "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy", "SSL_CERT_FILE",
              "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "XDG_CONFIG_HOME",
              "XDG_CONFIG_DIRS", "XDG_CACHE_HOME")
_ENV_PREFIXES = ("PIP_", "npm_config_", "NPM_CONFIG_")
_COLUMNS = ("entry_id, name, package_index, registry_type, identifier, version, server_json, dir_name, status, step, "
            "step_no, steps, output_tail, command, input_values, run, error_code, error, error_zh, requested_by, "
            "created_at, updated_at, finished_at, seconds")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Install:
    """An entry's install: what, how far (``step`` of ``steps``, the output's last lines), how it ended."""

    entry_id: str
    name: str
    package_index: int
    registry_type: str
    identifier: str
    version: str
    server_json: str
    dir_name: str
    status: str                  # running | installed | failed | cancelled
    step: str                    # venv | pip | npm | check | done
    step_no: int
    steps: int
    output_tail: str
    command: list[str] | None
    values: dict[str, inputs.Value]
    run: bool
    error_code: str | None
    error: str | None
    error_zh: str | None
    requested_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    seconds: float | None
    secrets_set: frozenset[str] = frozenset()

    @property
    def server(self) -> ServerJson:
        return parse_server_json(self.server_json)

    def error_text(self, locale: str | None) -> str | None:
        return self.error_zh if language(locale) == "zh" else self.error


class SecretValues:
    """The installed servers' secret values in ``mcp_secrets``, sealed (see the module doc).

        secrets.put(cur, entry_id, "env.API_TOKEN", "s3cret", "u-admin")   # in the caller's transaction
        secrets.which(entry_id)      # frozenset({"env.API_TOKEN"}): all a page is ever told ("set" / "not set")
        secrets.reveal(entry_id)     # {"env.API_TOKEN": "s3cret"}: for the launch only, never for a page or a log
    """

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.store, self._sealer = store, sealer

    def __repr__(self) -> str:
        return "SecretValues(<sealed>)"

    def put(self, cur: Any, entry_id: str, key: str, value: str, actor: str) -> None:
        """Store (or replace) one value, inside the caller's transaction ``cur``."""
        token = self._sealer.seal(value, "mcp_secrets", entry_id, key).decode("ascii")
        cur.execute("INSERT OR REPLACE INTO mcp_secrets (entry_id, key, token, updated_by, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)", [entry_id, key, token, actor, utcnow()])

    def delete(self, cur: Any, entry_id: str, key: str | None = None) -> None:
        """Forget one value of the entry, or (``key`` None) all of them."""
        cur.execute("DELETE FROM mcp_secrets WHERE entry_id = ? AND (? IS NULL OR key = ?)", [entry_id, key, key])

    def which(self, entry_id: str) -> frozenset[str]:
        """The keys that have a value stored (what a page may show: set or not)."""
        rows = self.store.cursor().execute("SELECT key FROM mcp_secrets WHERE entry_id = ?", [entry_id]).fetchall()
        return frozenset(row[0] for row in rows)

    def reveal(self, entry_id: str) -> dict[str, str]:
        """The values in plain text, for the launch; ``InstallError`` ``secret_unreadable`` naming the key when one
        does not open (the key changed, or the token is not this row's)."""
        rows = self.store.cursor().execute("SELECT key, token FROM mcp_secrets WHERE entry_id = ? ORDER BY key",
                                           [entry_id]).fetchall()
        out = {}
        for key, token in rows:
            try:
                out[key] = self._sealer.open(token, "mcp_secrets", entry_id, key)
            except SecretUnreadable:
                raise InstallError("mcp_hub.secret_unreadable", key, name=key) from None
        return out


class Installs:
    """The installs of one data dir (see the module doc); ``secrets`` its servers' secret values."""

    def __init__(self, store: Store, data_dir: Path, sealer: Sealer, *, audit: Audit | None = None,
                 timeout: float = TIMEOUT, log_bytes: int = LOG_BYTES, python: str = sys.executable,
                 environ: Mapping[str, str] | None = None) -> None:
        self.store, self.secrets, self.audit = store, SecretValues(store, sealer), audit or Audit(store)
        self.root = data_dir / "mcp"
        self.timeout, self.log_bytes, self.python = timeout, log_bytes, python
        self.environ = os.environ if environ is None else environ
        self.on_remove: list[Callable[[str], Awaitable[None]]] = []     # awaited before an uninstall removes files
        self._tasks: dict[str, asyncio.Task[None]] = {}

    # --- asking ----------------------------------------------------------------------------------------------------
    def get(self, entry_id: str, viewer: Viewer) -> Install:
        """An entry's install (admins only); ``not_installed`` when there is none."""
        admins_only(viewer)
        return self.row(entry_id)

    def list(self, viewer: Viewer) -> list[Install]:
        """Every install, by name (admins only)."""
        admins_only(viewer)
        rows = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM mcp_installs ORDER BY name").fetchall()
        return [self._install(row) for row in rows]

    def is_installed(self, entry_id: str) -> bool:
        """Whether the entry's package is installed and ready to start (for anyone's view of the catalogue)."""
        row = self.store.cursor().execute("SELECT status FROM mcp_installs WHERE entry_id = ?", [entry_id]).fetchone()
        return bool(row) and row[0] == "installed"

    def log(self, entry_id: str, viewer: Viewer) -> str:
        """The install's captured output (admins only)."""
        row = self.get(entry_id, viewer)
        return CappedLog(self.where(row).install_log, self.log_bytes).text()

    def events(self, viewer: Viewer, entry_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The hub's audit trail, newest first, of one entry or all (admins only): installs' and the supervisor's
        events among the registrations and approvals (``action`` install | installed | install_failed | cancel |
        uninstall | configure | start | stop | restart | crash | start_failed | gave_up)."""
        admins_only(viewer)
        return self.audit.entries(limit, entry_id)

    def where(self, row: Install) -> launch.ServerDir:
        return launch.ServerDir(self.root / row.dir_name)

    def parameters(self, entry_id: str) -> launch.LaunchParameters:
        """How to start the installed server, its secrets decrypted: for the launch only (hub code, never a page)."""
        row = self.row(entry_id)
        if row.status != "installed":
            raise InstallError("mcp_install.not_installed", "id")
        return launch.parameters(self.where(row), row.server, row.package_index, row.values,
                                 self.secrets.reveal(entry_id), self.environ)

    # --- changing --------------------------------------------------------------------------------------------------
    async def install(self, entry: Entry, viewer: Viewer, values: Mapping[str, inputs.Value | None] | None = None,
                      package_index: int | None = None) -> Install:
        """Begin installing ``entry``'s package (the first stdio PyPI / npm one, or ``package_index``) with the
        admin's ``values`` (checked now; secrets stored encrypted now). Returns the row at once; ``wait`` for it."""
        admins_only(viewer)
        index = _stdio_package(entry.server, package_index)
        package = entry.server.packages[index]
        plain, secret = inputs.check_values(package, values or {})
        with self.store.transaction() as cur:
            row = cur.execute("SELECT status FROM mcp_installs WHERE entry_id = ?", [entry.id]).fetchone()
            if row and row[0] == "running":
                raise InstallError("mcp_install.busy", "id", name=entry.listing().title)
            if row and row[0] == "installed":
                raise InstallError("mcp_install.already_installed", "id", name=entry.listing().title)
            now = utcnow()
            steps = STEPS[package.registry_type]
            cur.execute("DELETE FROM mcp_installs WHERE entry_id = ?", [entry.id])
            cur.execute(f"INSERT INTO mcp_installs ({_COLUMNS}) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, 1, ?, '', NULL, ?, FALSE, NULL, NULL, NULL, ?, ?, ?, "
                        "NULL, NULL)",
                        [entry.id, entry.name, index, package.registry_type, package.identifier, package.version,
                         entry.raw, launch.dir_name(entry.name, entry.id), steps[0], len(steps), json.dumps(plain),
                         viewer.user_id, now, now])
            self.secrets.delete(cur, entry.id)
            for key, value in secret.items():
                self.secrets.put(cur, entry.id, key, value, viewer.user_id)
            self.record(cur, viewer.user_id, "install", entry.id,
                        {"package": f"{package.registry_type}:{package.identifier}=={package.version}",
                         "values": sorted(plain), "secrets": sorted(secret)})
        install = self.row(entry.id)
        self._tasks[entry.id] = asyncio.get_running_loop().create_task(self._run(install),
                                                                       name=f"mcp-install-{entry.id}")
        return install

    async def wait(self, entry_id: str) -> Install:
        """The install once it has ended (at once when it is not running here)."""
        task = self._tasks.get(entry_id)
        if task is not None:
            await asyncio.shield(task)
        return self.row(entry_id)

    async def cancel(self, entry_id: str, viewer: Viewer) -> Install:
        """Stop a running install and remove what it made."""
        row = self.get(entry_id, viewer)
        if row.status != "running":
            raise InstallError("mcp_install.not_running_install", "id")
        task = self._tasks.pop(entry_id, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.row(entry_id).status == "running":        # cancelled before it began, or left running by a stop
            await self._finish(row, "cancelled", None, time.monotonic())
            await asyncio.to_thread(shutil.rmtree, self.where(row).root, True)
        with self.store.transaction() as cur:
            self.record(cur, viewer.user_id, "cancel", entry_id, None)
        return self.row(entry_id)

    async def uninstall(self, entry_id: str, viewer: Viewer) -> None:
        """Stop the server (``on_remove``), remove its directory, forget its row, values and secrets."""
        row = self.get(entry_id, viewer)
        if row.status == "running":
            await self.cancel(entry_id, viewer)
        for hook in self.on_remove:
            await hook(entry_id)
        await asyncio.to_thread(shutil.rmtree, self.where(row).root, True)
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM mcp_installs WHERE entry_id = ?", [entry_id])
            self.secrets.delete(cur, entry_id)
            self.record(cur, viewer.user_id, "uninstall", entry_id,
                        {"package": f"{row.registry_type}:{row.identifier}=={row.version}"}, server=row.name)

    def configure(self, entry_id: str, values: Mapping[str, inputs.Value | None], viewer: Viewer) -> Install:
        """Change some values (``None`` or "" clears a plain one; a secret is replaced when given); they apply at
        the server's next start."""
        row = self.get(entry_id, viewer)
        package = row.server.packages[row.package_index]
        plain, secret = inputs.check_values(package, values, kept=row.values, secrets_set=row.secrets_set)
        with self.store.transaction() as cur:
            cur.execute("UPDATE mcp_installs SET input_values = ?, updated_at = ? WHERE entry_id = ?",
                        [json.dumps(plain), utcnow(), entry_id])
            for key, value in secret.items():
                self.secrets.put(cur, entry_id, key, value, viewer.user_id)
            self.record(cur, viewer.user_id, "configure", entry_id, {"changed": sorted(values)})
        return self.row(entry_id)

    def set_run(self, entry_id: str, run: bool) -> None:
        """Whether the server is to run (the supervisor's start and stop; started again at the next start)."""
        with self.store.transaction() as cur:
            cur.execute("UPDATE mcp_installs SET run = ? WHERE entry_id = ?", [run, entry_id])

    def to_run(self) -> list[str]:
        """The installed entries an admin left running."""
        rows = self.store.cursor().execute(
            "SELECT entry_id FROM mcp_installs WHERE run AND status = 'installed' ORDER BY name").fetchall()
        return [row[0] for row in rows]

    def recover(self) -> list[str]:
        """At start: installs left running by a stop are failed (``interrupted``), their package files removed."""
        rows = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM mcp_installs WHERE status = 'running'").fetchall()
        for row in map(self._install, rows):
            shutil.rmtree(self.where(row).venv, True)
            shutil.rmtree(self.where(row).npm, True)
            self._set_failed(row.entry_id, InstallError("mcp_install.interrupted", None), None)
        return [row[0] for row in rows]

    def record(self, cur: Any, actor: str | None, action: str, entry_id: str, detail: Any,
               server: str | None = None) -> None:
        """One event in the hub's audit trail (``runs.Audit``), in the caller's transaction; ``actor`` None for
        the workbench itself, ``server`` by default the installed entry's name. Never give it a value or a secret."""
        if server is None:
            row = cur.execute("SELECT name FROM mcp_installs WHERE entry_id = ?", [entry_id]).fetchone()
            server = row[0] if row else entry_id
        self.audit.record(cur, actor or "", action, entry_id, server, detail)

    # --- the install itself ----------------------------------------------------------------------------------------
    async def _run(self, row: Install) -> None:
        began = time.monotonic()
        where = self.where(row)
        shutil.rmtree(where.root, True)
        where.home.mkdir(parents=True)
        output = CappedLog(where.install_log, self.log_bytes)
        program: list[str] | None = None
        package = row.server.packages[row.package_index]
        identity = f"{package.identifier}=={package.version}" if row.registry_type == "pypi" \
            else f"{package.identifier}@{package.version}"
        try:
            async with asyncio.timeout(self.timeout):
                for number, step in enumerate(STEPS[row.registry_type], start=1):
                    self._progress(row.entry_id, step, number, output)
                    output.line(f"== {step}")
                    if step == "venv":
                        await self._command([self.python, "-I", "-m", "venv", str(where.venv)], row, output, step)
                    elif step == "pip":
                        await self._command([str(where.venv / "bin" / "python"), "-I", "-m", "pip", "install",
                                             "--no-input", "--disable-pip-version-check", "--progress-bar", "off",
                                             identity], row, output, step)
                    elif step == "npm":
                        await self._command([shutil.which("npm") or "npm", "install", "--prefix", str(where.npm),
                                             "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev",
                                             "--save-exact", identity], row, output, step)
                    else:
                        program = launch.command(where, package, row.server.meta)
                        output.line("program: " + " ".join(program))
            await self._finish(row, "installed", program, began, output)
        except asyncio.CancelledError:
            output.line("== cancelled")
            await self._finish(row, "cancelled", None, began, output)
            await asyncio.to_thread(shutil.rmtree, where.root, True)
        except TimeoutError:
            output.line(f"== timed out after {self.timeout:.0f} s")
            await self._failed(row, InstallError("mcp_install.timeout", None, seconds=f"{self.timeout:g}"), began,
                               output)
        except InstallError as error:
            output.line(f"== failed: {error.message}")
            await self._failed(row, error, began, output)
        except Exception as error:                      # a bug or the disk: said, kept, never left running
            log.exception("MCP install of %s failed", row.name)
            await self._failed(row, InstallError("mcp_install.unexpected", None, detail=type(error).__name__),
                               began, output)
        finally:
            self._tasks.pop(row.entry_id, None)

    async def _command(self, argv: list[str], row: Install, output: CappedLog, step: str) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, env=self._environment(), cwd=self.where(row).root,
                start_new_session=True)
        except FileNotFoundError:
            raise InstallError("mcp_install.missing_tool", None, tool=Path(argv[0]).name) from None
        try:
            shown = time.monotonic()
            assert proc.stdout is not None
            while chunk := await proc.stdout.read(8192):
                output.feed(chunk)
                if time.monotonic() - shown >= PROGRESS_EVERY:
                    self._tail(row.entry_id, output)
                    shown = time.monotonic()
            code = await proc.wait()
        except BaseException:                           # cancelled or timed out: the whole group goes
            stdio.signal_group(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.shield(proc.wait())
            raise
        finally:
            output.flush()
            self._tail(row.entry_id, output)
        stdio.signal_group(proc.pid, signal.SIGKILL)     # anything it left behind in its group
        if code != 0:
            output.line(f"== exit code {code}")
            raise reason(step, code, output.tail(60), row)

    def _environment(self) -> dict[str, str]:
        """What pip and npm see of ours: their configuration, proxies, CA files, locale (see the module doc)."""
        return {k: v for k, v in self.environ.items() if k in _ENV_NAMES or k.startswith(_ENV_PREFIXES)}

    def _progress(self, entry_id: str, step: str, number: int, output: CappedLog) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE mcp_installs SET step = ?, step_no = ?, output_tail = ?, updated_at = ? "
                        "WHERE entry_id = ?", [step, number, "\n".join(output.tail(TAIL_LINES)), utcnow(), entry_id])

    def _tail(self, entry_id: str, output: CappedLog) -> None:
        with self.store.transaction() as cur:
            cur.execute("UPDATE mcp_installs SET output_tail = ?, updated_at = ? WHERE entry_id = ?",
                        ["\n".join(output.tail(TAIL_LINES)), utcnow(), entry_id])

    async def _finish(self, row: Install, status: str, program: list[str] | None, began: float,
                      output: CappedLog | None = None) -> None:
        seconds = round(time.monotonic() - began, 2)
        with self.store.transaction() as cur:
            cur.execute("UPDATE mcp_installs SET status = ?, step = ?, command = ?, output_tail = ?, updated_at = ?, "
                        "finished_at = ?, seconds = ? WHERE entry_id = ?",
                        [status, "done" if status == "installed" else row.step,
                         json.dumps(program) if program else None,
                         "\n".join(output.tail(TAIL_LINES)) if output else "", utcnow(), utcnow(), seconds,
                         row.entry_id])
            if status == "installed":
                self.record(cur, row.requested_by, "installed", row.entry_id, {"seconds": seconds})
        log.info("MCP install of %s: %s in %.1f s", row.name, status, seconds)

    async def _failed(self, row: Install, error: InstallError, began: float, output: CappedLog) -> None:
        where = self.where(row)
        await asyncio.to_thread(shutil.rmtree, where.venv, True)
        await asyncio.to_thread(shutil.rmtree, where.npm, True)
        self._set_failed(row.entry_id, error, round(time.monotonic() - began, 2), output)
        log.warning("MCP install of %s failed: %s", row.name, error.message)

    def _set_failed(self, entry_id: str, error: InstallError, seconds: float | None,
                    output: CappedLog | None = None) -> None:
        with self.store.transaction() as cur:
            tail = ["\n".join(output.tail(TAIL_LINES))] if output else []
            cur.execute("UPDATE mcp_installs SET status = 'failed', error_code = ?, error = ?, error_zh = ?, "
                        f"{'output_tail = ?, ' if tail else ''}updated_at = ?, finished_at = ?, seconds = ? "
                        "WHERE entry_id = ?",
                        [error.code, error.message, error.text("zh"), *tail, utcnow(), utcnow(), seconds, entry_id])
            self.record(cur, None, "install_failed", entry_id, {"code": error.code})

    def row(self, entry_id: str) -> Install:
        """An entry's install, for hub code (no viewer: never hand it to a page as it is)."""
        row = self.store.cursor().execute(f"SELECT {_COLUMNS} FROM mcp_installs WHERE entry_id = ?",
                                          [entry_id]).fetchone()
        if row is None:
            raise InstallError("mcp_install.not_installed", "id")
        return self._install(row)

    def _install(self, row: tuple) -> Install:
        values = dict(zip(_COLUMNS.split(", "), row, strict=True))
        values["command"] = json.loads(values["command"]) if values["command"] else None
        values["values"] = json.loads(values.pop("input_values"))
        return Install(**values, secrets_set=self.secrets.which(values["entry_id"]))


def reason(step: str, code: int, lines: list[str], row: Install) -> InstallError:
    """Why a step failed, from its output's last lines: a missing version, an unreachable index, or the tool's own
    last error line."""
    text = "\n".join(lines)
    version = {"package": row.identifier, "version": row.version}
    if step == "pip" and ("No matching distribution found" in text or "Could not find a version" in text):
        return InstallError("mcp_install.no_version", "packages.version", **version)
    if step == "npm" and ("ETARGET" in text or "No matching version found" in text):
        return InstallError("mcp_install.no_version", "packages.version", **version)
    if step == "npm" and "E404" in text:
        return InstallError("mcp_install.no_package", "packages.identifier", package=row.identifier)
    if any(sign in text for sign in ("Failed to establish a new connection", "Temporary failure in name resolution",
                                     "Name or service not known", "Network is unreachable", "Max retries exceeded",
                                     "ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET")):
        return InstallError("mcp_install.unreachable", None, tool=step)
    errors = [line for line in lines if line.startswith(("ERROR", "npm error", "npm ERR!", "Error"))]
    detail = (errors or [line for line in lines if line.strip() and not line.startswith("==")] or [""])[-1]
    return InstallError("mcp_install.step_failed", None, step=step, exit_code=code, detail=detail.strip()[:300])


def _stdio_package(server: ServerJson, index: int | None) -> int:
    if index is not None:
        if not 0 <= index < len(server.packages):
            raise InstallError("mcp_install.no_package_index", "package_index", index=index)
        if server.packages[index].transport.type != "stdio":
            raise InstallError("mcp_install.not_stdio", f"packages[{index}].transport.type")
        return index
    for i, package in enumerate(server.packages):
        if package.transport.type == "stdio":
            return i
    raise InstallError("mcp_install.not_stdio", "packages")


def admins_only(viewer: Viewer) -> None:
    """``InstallError`` ``admins_only`` unless ``viewer`` is an admin (installs and running servers alike)."""
    if not viewer.is_admin:
        raise InstallError("mcp_install.admins_only", None)

