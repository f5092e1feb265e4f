"""How an installed stdio server is started: the argv and the environment the hub builds, never a command line.

    where = ServerDir(data_dir / "mcp" / dir_name(entry))     # venv/ or npm/, home/, install.log, server.log
    params = parameters(where, server, 0, values, secrets)      # a LaunchParameters (the SDK's StdioServerParameters)
    async with Client(params) as client: ...                    # or workbench.mcp.processes.Supervisor

The program, from the installed files only (nothing is run to find it):
    PyPI  the venv's console script of the package (``<venv>/bin/<script>``), read from the installed distribution's
          ``entry_points.txt``: its only script, else the one named like the package, else the one the entry names
          (``_meta["io.maas-workbench/catalogue"]["launch"] = {"script": "name"}``); or ``<venv>/bin/python -m
          <module>`` when the entry says so (``"launch": {"module": "pkg.server"}``, or the registry's own form:
          ``runtimeArguments`` exactly one named ``-m`` with a fixed module name).
    npm   ``node <prefix>/node_modules/<package>/<bin>``, ``bin`` from the package's ``package.json`` (a string, or
          the only / the package's own / the entry's named entry of the object), which must stay inside the package.
Then the entry's ``packageArguments`` with the admin's values (``workbench.mcp.inputs.arguments``). No shell, no
``-c`` or ``-e``: the argv is a list handed to ``exec``.

The environment is an allow-list, nothing else of ours (no ``MAAS_*``, no API keys, no proxies): ``PATH`` (the
venv's or node's directory, then /usr/local/bin, /usr/bin, /bin), ``HOME`` (the server's own ``home/``, also its
working directory), ``LANG`` (ours, else C.UTF-8), ``LC_ALL`` and ``TZ`` when we have them, and ``USER``,
``LOGNAME``, ``SHELL=/bin/sh``, ``TERM=dumb`` (the SDK's stdio client merges these six from our environment under
what we pass, so the hub sets each itself); then the entry's declared variables with the admin's values (which may
set ``TZ``, ``LANG`` or ``LC_ALL``; the entry cannot name PATH, HOME or the others: ``server_json`` refuses them).
``LaunchParameters`` masks the secret values in its ``repr``: never log ``params.env`` or ``params.args`` yourself.
"""

from __future__ import annotations

import getpass
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters
from pydantic import PrivateAttr

from workbench.mcp import inputs
from workbench.mcp.errors import InstallError
from workbench.mcp.server_json import OUR_META, Package, ServerJson

SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_SCRIPT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class ServerDir:
    """One server's directory under ``<data dir>/mcp/``."""

    root: Path

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def npm(self) -> Path:
        return self.root / "npm"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def install_log(self) -> Path:
        return self.root / "install.log"

    @property
    def server_log(self) -> Path:
        return self.root / "server.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "server.pid"


def dir_name(name: str, entry_id: str) -> str:
    """A directory name for an entry: its server name made safe, and a digest of its id (names may collide)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name.replace("/", "--")).strip(".-")[:80] or "server"
    return f"{safe}-{hashlib.sha256(entry_id.encode()).hexdigest()[:8]}"


class LaunchParameters(StdioServerParameters):
    """``StdioServerParameters`` whose ``repr`` shows ``***`` for the secret values (in ``env`` and ``args``)."""

    _hidden: tuple[str, ...] = PrivateAttr(default=())

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name == "env" and isinstance(value, dict):
                value = {k: _masked(v, self._hidden) for k, v in value.items()}
            elif name == "args" and isinstance(value, list):
                value = [_masked(v, self._hidden) for v in value]
            yield name, value


def _masked(value: str, hidden: tuple[str, ...]) -> str:
    for secret in hidden:
        value = value.replace(secret, "***")
    return value


def parameters(where: ServerDir, server: ServerJson, package_index: int, values: Mapping[str, inputs.Value],
               secrets: Mapping[str, str], environ: Mapping[str, str] | None = None) -> LaunchParameters:
    """How to start the installed package ``server.packages[package_index]`` in ``where``, with the admin's plain
    ``values`` and decrypted ``secrets`` (keys as in ``workbench.mcp.inputs``)."""
    package = server.packages[package_index]
    given = {**values, **secrets}
    program = command(where, package, server.meta)
    env = environment([str(Path(program[0]).parent)], where.home, inputs.environment(package, given), environ)
    params = LaunchParameters(command=program[0], args=[*program[1:], *inputs.arguments(package, given)],
                              env=env, cwd=str(where.home))
    params._hidden = tuple(sorted((v for v in secrets.values() if v), key=len, reverse=True))
    return params


def environment(program_dirs: list[str], home: Path, declared: Mapping[str, str],
                environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allow-listed environment (see the module doc); ``environ`` is ours (``os.environ`` by default)."""
    ours = os.environ if environ is None else environ
    user = _user()
    env = {"PATH": ":".join(dict.fromkeys([*program_dirs, *SYSTEM_PATH])), "HOME": str(home),
           "LANG": ours.get("LANG") or "C.UTF-8", "USER": user, "LOGNAME": user, "SHELL": "/bin/sh", "TERM": "dumb"}
    for name in ("LC_ALL", "TZ"):
        if ours.get(name):
            env[name] = ours[name]
    fixed = {"PATH", "HOME", "USER", "LOGNAME", "SHELL"}
    env.update({name: value for name, value in declared.items() if name not in fixed})
    return env


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "nobody"


def command(where: ServerDir, package: Package, meta: Mapping[str, Any]) -> list[str]:
    """The program and its first arguments for the installed ``package`` (see the module doc)."""
    launch = _launch_meta(meta)
    if package.registry_type == "pypi":
        return python_command(where.venv, package, launch)
    return node_command(where.npm, package.identifier, launch.get("script"))


def _launch_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    ours = meta.get(OUR_META) if isinstance(meta, Mapping) else None
    launch = ours.get("launch") if isinstance(ours, Mapping) else None
    if not isinstance(launch, Mapping):
        return {}
    out = {}
    for key, pattern in (("script", _SCRIPT), ("module", _MODULE)):
        value = launch.get(key)
        if value is not None:
            if not isinstance(value, str) or not pattern.match(value) or len(value) > 200:
                raise InstallError("mcp_install.bad_launch", f"_meta.{OUR_META}.launch.{key}", name=key)
            out[key] = value
    return out


def python_command(venv: Path, package: Package, launch: Mapping[str, str]) -> list[str]:
    """``[<venv>/bin/<script>]`` or ``[<venv>/bin/python, "-m", <module>]``."""
    module = launch.get("module") or _runtime_module(package)
    if module:
        return [str(venv / "bin" / "python"), "-m", module]
    dist = _distribution(venv, package.identifier)
    scripts = sorted({ep.name for ep in dist.entry_points.select(group="console_scripts")})
    wanted = launch.get("script")
    if wanted is None:
        if len(scripts) == 1:
            wanted = scripts[0]
        else:
            own = [s for s in scripts if _normal(s) == _normal(package.identifier)]
            if not scripts:
                raise InstallError("mcp_install.no_script", "packages.identifier", package=package.identifier)
            if len(own) != 1:
                raise InstallError("mcp_install.many_scripts", "packages.identifier", package=package.identifier,
                                   names=", ".join(scripts))
            wanted = own[0]
    elif wanted not in scripts:
        raise InstallError("mcp_install.no_such_script", "launch.script", package=package.identifier, name=wanted,
                           names=", ".join(scripts) or "-")
    path = venv / "bin" / wanted
    if not path.is_file() or path.resolve().parent != (venv / "bin").resolve():
        raise InstallError("mcp_install.script_missing", "launch.script", path=str(path))
    return [str(path)]


def _runtime_module(package: Package) -> str | None:
    """The module of the registry's ``python -m <module>`` form: one named ``-m`` runtime argument, fixed."""
    args = package.runtime_arguments
    if len(args) == 1 and args[0].type == "named" and args[0].name == "-m" and args[0].value:
        if not _MODULE.match(args[0].value):
            raise InstallError("mcp_install.bad_launch", "runtimeArguments[0].value", name="-m")
        return args[0].value
    return None


def _distribution(venv: Path, identifier: str) -> importlib.metadata.Distribution:
    """The installed distribution named ``identifier``, read from the venv's metadata files (no code runs)."""
    sites = sorted(venv.glob("lib/python*/site-packages"))
    for dist in importlib.metadata.distributions(path=[str(p) for p in sites]):
        if _normal(dist.metadata.get("Name") or "") == _normal(identifier):
            return dist
    raise InstallError("mcp_install.no_distribution", "packages.identifier", package=identifier)


def _normal(name: str) -> str:
    """PEP 503 normal form: runs of - _ . are one -, lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


def node_command(prefix: Path, identifier: str, wanted: str | None = None) -> list[str]:
    """``[node, <prefix>/node_modules/<identifier>/<bin>]``."""
    node = shutil.which("node")
    if node is None:
        raise InstallError("mcp_install.no_node", None)
    root = prefix / "node_modules" / identifier
    try:
        manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InstallError("mcp_install.no_distribution", "packages.identifier", package=identifier) from None
    bins = manifest.get("bin") if isinstance(manifest, dict) else None
    if isinstance(bins, str):
        bins = {identifier.rsplit("/", 1)[-1]: bins}
    if not isinstance(bins, dict) or not bins or not all(isinstance(v, str) for v in bins.values()):
        raise InstallError("mcp_install.no_script", "packages.identifier", package=identifier)
    names = sorted(bins)
    if wanted is None:
        own = identifier.rsplit("/", 1)[-1]
        wanted = names[0] if len(names) == 1 else own if own in bins else None
        if wanted is None:
            raise InstallError("mcp_install.many_scripts", "packages.identifier", package=identifier,
                               names=", ".join(names))
    elif wanted not in bins:
        raise InstallError("mcp_install.no_such_script", "launch.script", package=identifier, name=wanted,
                           names=", ".join(names))
    path = (root / bins[wanted]).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise InstallError("mcp_install.script_missing", "launch.script", path=str(root / bins[wanted]))
    return [node, str(path)]

