"""The one settings object: command line and ``MAAS_*`` environment, read once at start.

``load_settings`` is the only place that reads the environment; everything else gets
a ``Settings`` passed down. A bad value fails naming its option and its variable.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gateway.errors import ConfigError
from gateway.routing.catalogue import Catalogue, load_catalogue

ENV = {"host": "MAAS_HOST", "port": "MAAS_PORT", "config": "MAAS_CONFIG", "data_dir": "MAAS_DATA_DIR"}
EDITED_CONFIG = "models.yaml"   # in the data dir: the catalogue an admin saved when no config file was given


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    config_path: str | None
    data_dir: Path
    catalogue: Catalogue
    master_key: str | None = field(default=None, repr=False)   # a secret: never printed
    admin_user: str | None = None                                # the first admin (MAAS_ADMIN_USER)
    admin_password: str | None = field(default=None, repr=False)  # MAAS_ADMIN_PASSWORD
    oidc_issuer: str | None = None                              # MAAS_OIDC_ISSUER: single sign-on when set
    oidc_client_id: str | None = None                           # MAAS_OIDC_CLIENT_ID
    oidc_client_secret: str | None = field(default=None, repr=False)   # MAAS_OIDC_CLIENT_SECRET
    public_url: str | None = None                               # MAAS_PUBLIC_URL: how browsers reach us
    chat_max_upload_mb: int = 20                                # MAAS_CHAT_MAX_UPLOAD_MB: largest chat document
    kb_max_upload_mb: int = 100                                 # MAAS_KB_MAX_UPLOAD_MB: largest KB file (or zip)
    kb_parse_seconds: int = 120                                 # MAAS_KB_PARSE_SECONDS: one KB document's parse
    kb_parse_memory_mb: int = 1024                              # MAAS_KB_PARSE_MEMORY_MB: its parse process's memory
    kb_archive_max_mb: int = 1024                               # MAAS_KB_ARCHIVE_MAX_MB: a zip unpacks to at most
    kb_archive_max_ratio: int = 100                             # MAAS_KB_ARCHIVE_MAX_RATIO: ... x its own size
    chroma_url: str | None = None                               # MAAS_CHROMA_URL: a Chroma server (else embedded)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()   # MAAS_TRUSTED_PROXIES
    shutdown_grace_s: float = 30.0                              # MAAS_SHUTDOWN_GRACE_S: in-flight answers' time to end
    ledger_sync_ms: int = 20                                    # MAAS_LEDGER_SYNC_MS: usage rows durable within this
    mcp_allow_private_hosts: tuple[str, ...] = ()               # MAAS_MCP_ALLOW_PRIVATE_HOSTS: remote MCP servers
    secret_key: str | None = field(default=None, repr=False)    # MAAS_SECRET_KEY: seals stored secrets (MCP servers')
    mcp_start_timeout_s: float = 60.0                           # MAAS_MCP_START_TIMEOUT_S: an MCP server's start

    @property
    def db_path(self) -> Path:
        return self.data_dir / "maas.duckdb"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def ledger_dir(self) -> Path:
        """The usage ledger's write-ahead file (rows not yet in DuckDB)."""
        return self.data_dir / "ledger"

    @property
    def catalogue_file(self) -> Path:
        """The catalogue file admins edit: --config / MAAS_CONFIG, else ``<data_dir>/models.yaml``
        (which ``load_settings`` then reads at the next start)."""
        return Path(self.config_path) if self.config_path else self.data_dir / EDITED_CONFIG

    @property
    def base_url(self) -> str:
        """Where browsers reach this process (MAAS_PUBLIC_URL behind a proxy)."""
        host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"
        return self.public_url or f"http://{host}:{self.port}"

    @property
    def max_body_bytes(self) -> int:
        return int(self.catalogue.options.max_body_mb * 1024 * 1024)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="launch.py", description="MaaS Workbench: gateway + workbench in one process")
    p.add_argument("--host", help="interface to listen on (MAAS_HOST, default 127.0.0.1)")
    p.add_argument("--port", help="port to listen on (MAAS_PORT, default 7860)")
    p.add_argument("--config", help="model catalogue YAML file (MAAS_CONFIG; default: <data dir>/models.yaml if "
                                    "an admin saved one, else embedded models only)")
    p.add_argument("--data-dir", dest="data_dir", help="runtime state directory (MAAS_DATA_DIR, default ./data)")
    return p


def load_settings(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Parse ``argv`` (command line wins) and ``env``; load and validate the catalogue."""
    env = os.environ if env is None else env
    args = _parser().parse_args(list(argv) if argv is not None else None)

    def pick(name: str, default: str | None) -> str | None:
        value = getattr(args, name)
        return value if value is not None else env.get(ENV[name], default)

    host = pick("host", "127.0.0.1") or "127.0.0.1"
    raw_port = pick("port", "7860")
    try:
        port = int(raw_port or "")
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        raise ConfigError("--port / MAAS_PORT", "port", f"must be a number 0-65535, got {raw_port!r}") from None
    config = pick("config", None) or None
    data_dir = Path(pick("data_dir", "data") or "data").expanduser().resolve()
    if config is None and (data_dir / EDITED_CONFIG).is_file():
        config = str(data_dir / EDITED_CONFIG)      # the catalogue saved from Admin -> Models
    master = env.get("MAAS_MASTER_KEY") or None
    if env.get("MAAS_OIDC_ISSUER") and not (env.get("MAAS_OIDC_CLIENT_ID") and env.get("MAAS_OIDC_CLIENT_SECRET")):
        raise ConfigError("environment", "MAAS_OIDC_CLIENT_ID", "single sign-on needs MAAS_OIDC_CLIENT_ID and "
                          "MAAS_OIDC_CLIENT_SECRET besides MAAS_OIDC_ISSUER")
    if master is not None and len(master) < 16:
        raise ConfigError("MAAS_MASTER_KEY", "MAAS_MASTER_KEY", "must be at least 16 characters")
    chat_upload = _megabytes(env, "MAAS_CHAT_MAX_UPLOAD_MB", 20)
    kb_upload = _megabytes(env, "MAAS_KB_MAX_UPLOAD_MB", 100)
    kb_limits = {"kb_parse_seconds": _whole(env, "MAAS_KB_PARSE_SECONDS", 120, 1, 3600, "seconds"),
                 "kb_parse_memory_mb": _whole(env, "MAAS_KB_PARSE_MEMORY_MB", 1024, 256, 65536, "megabytes"),
                 "kb_archive_max_mb": _whole(env, "MAAS_KB_ARCHIVE_MAX_MB", 1024, 1, 65536, "megabytes"),
                 "kb_archive_max_ratio": _whole(env, "MAAS_KB_ARCHIVE_MAX_RATIO", 100, 1, 100000, "times")}
    chroma_url = (env.get("MAAS_CHROMA_URL") or "").strip().rstrip("/") or None
    if chroma_url is not None and not re.fullmatch(r"https?://[^/@\s]+(:\d+)?", chroma_url):
        raise ConfigError("MAAS_CHROMA_URL", "MAAS_CHROMA_URL",
                          f"must be a Chroma server's http(s)://host:port (no path or credentials), got {chroma_url!r}")
    grace = _seconds(env, "MAAS_SHUTDOWN_GRACE_S", 30.0, 3600.0)
    sync_ms = _whole(env, "MAAS_LEDGER_SYNC_MS", 20, 0, 1000, "milliseconds")
    secret_key = (env.get("MAAS_SECRET_KEY") or "").strip() or None     # read by workbench.mcp.sealed.load_key
    if secret_key is not None and len(secret_key) < 16:
        raise ConfigError("MAAS_SECRET_KEY", "MAAS_SECRET_KEY",
                          "must be a Fernet key or a passphrase of at least 16 characters")
    return Settings(host=host, port=port, config_path=config, data_dir=data_dir,
                    catalogue=load_catalogue(config), master_key=master,
                    admin_user=env.get("MAAS_ADMIN_USER") or None,
                    admin_password=env.get("MAAS_ADMIN_PASSWORD") or None,
                    oidc_issuer=env.get("MAAS_OIDC_ISSUER") or None,
                    oidc_client_id=env.get("MAAS_OIDC_CLIENT_ID") or None,
                    oidc_client_secret=env.get("MAAS_OIDC_CLIENT_SECRET") or None,
                    public_url=(env.get("MAAS_PUBLIC_URL") or "").rstrip("/") or None,
                    chat_max_upload_mb=chat_upload, kb_max_upload_mb=kb_upload, chroma_url=chroma_url,
                    trusted_proxies=_networks(env, "MAAS_TRUSTED_PROXIES"),
                    shutdown_grace_s=grace,
                    ledger_sync_ms=sync_ms, mcp_allow_private_hosts=_hosts(env, "MAAS_MCP_ALLOW_PRIVATE_HOSTS"),
                    secret_key=secret_key, **kb_limits,
                    mcp_start_timeout_s=_seconds(env, "MAAS_MCP_START_TIMEOUT_S", 60.0, 3600.0))


def _megabytes(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 1024:
        raise ConfigError(name, name, f"must be a whole number of megabytes from 1 to 1024, got {raw!r}")
    return int(raw)


def _networks(env: Mapping[str, str], name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (``10.0.0.5, 172.16.0.0/12, ::1``)."""
    out = []
    for part in (env.get(name) or "").split(","):
        if part.strip():
            try:
                out.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(name, name, "must be IP addresses or networks separated by commas "
                                  f"(e.g. 127.0.0.1, 10.0.0.0/8), got {part.strip()!r}") from None
    return tuple(out)


def _hosts(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated host names, IP addresses or CIDR networks (``mcp.lab, 10.1.0.0/16``), normalised."""
    out = []
    for part in (env.get(name) or "").split(","):
        text = part.strip().lower().rstrip(".")
        if not text:
            continue
        try:
            out.append(str(ipaddress.ip_network(text.strip("[]"), strict=False)))
            continue
        except ValueError:
            pass
        if not re.fullmatch(r"[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*", text) \
                or re.fullmatch(r"[0-9.]+", text):
            raise ConfigError(name, name, "must be host names, IP addresses or CIDR networks separated by commas "
                              f"(e.g. mcp.lab, 10.1.0.0/16), got {part.strip()!r}")
        out.append(text)
    return tuple(dict.fromkeys(out))


def _seconds(env: Mapping[str, str], name: str, default: float, most: float) -> float:
    raw = (env.get(name) or "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= most:          # NaN fails this too
        raise ConfigError(name, name, f"must be a number of seconds from 0 to {most:g}, got {raw!r}")
    return value


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int, unit: str) -> int:
    raw = (env.get(name) or str(default)).strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:     # (not isdigit: "²" is one)
        raise ConfigError(name, name, f"must be a whole number of {unit} from {low} to {high}, got {raw!r}")
    return int(raw)
