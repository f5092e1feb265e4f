"""Secret values of MCP servers (``isSecret`` variables and arguments), encrypted in the workbench store.

    key = load_key(data_dir, settings.mcp_secret_key)    # MAAS_SECRET_KEY, else <data dir>/secret.key (0600)
    secrets = Secrets(store, key)
    with store.transaction() as cur:
        secrets.put(cur, entry_id, "env.API_TOKEN", "s3cret", "u-admin")
    secrets.which(entry_id)          # frozenset({"env.API_TOKEN"}): all a page is ever told ("set" / "not set")
    secrets.reveal(entry_id)         # {"env.API_TOKEN": "s3cret"}: for the launch only, never for a page or a log

Each value is a Fernet token (AES-128-CBC + HMAC-SHA256, ``cryptography``) of the entry id, the key and the value
together, so a token copied onto another entry's row does not decrypt as that entry's. The key: ``MAAS_SECRET_KEY``
when set (a Fernet key, or a passphrase of 16 characters or more, stretched with scrypt), else a random key
generated on first use into ``<data dir>/secret.key`` with mode 0600 (a looser mode found there is tightened and
logged). Back the key file up with the data dir: without it the stored secrets cannot be read, and each must be set
again (``reveal`` says which, ``mcp_install.secret_unreadable``). Nothing here logs a value or a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from workbench.mcp.errors import InstallError
from workbench.store import Store

KEY_FILE = "secret.key"
MIN_PASSPHRASE = 16
_SALT = b"maas-workbench/mcp-secrets/v1"
_SEP = "\x00"

log = logging.getLogger(__name__)


def load_key(data_dir: Path, configured: str | None = None) -> bytes:
    """The Fernet key: from ``configured`` (``MAAS_SECRET_KEY``) when given, else ``<data_dir>/secret.key``,
    generated there with mode 0600 when missing."""
    if configured:
        return _from_setting(configured)
    path = data_dir / KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _from_file(path)
    with os.fdopen(fd, "wb") as out:
        out.write(Fernet.generate_key() + b"\n")
    log.info("Generated the MCP secrets key %s (mode 0600): back it up with the data dir", path)
    return _from_file(path)


def _from_setting(value: str) -> bytes:
    value = value.strip()
    if _is_fernet_key(value.encode()):
        return value.encode()
    if len(value) < MIN_PASSPHRASE:
        raise InstallError("mcp_install.bad_secret_key", "MAAS_SECRET_KEY", most=MIN_PASSPHRASE)
    derived = hashlib.scrypt(value.encode("utf-8"), salt=_SALT, n=2 ** 14, r=8, p=1, dklen=32)
    return base64.urlsafe_b64encode(derived)


def _from_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
        log.warning("%s was readable by others (mode %o); it is now 0600", path, mode)
    key = path.read_bytes().strip()
    if not _is_fernet_key(key):
        raise InstallError("mcp_install.bad_key_file", None, path=str(path))
    return key


def _is_fernet_key(value: bytes) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value)) == 32 and len(value) == 44
    except (binascii.Error, ValueError):
        return False


class Secrets:
    """The encrypted values in ``mcp_secrets`` (see the module doc)."""

    def __init__(self, store: Store, key: bytes) -> None:
        self.store = store
        self._fernet = Fernet(key)

    def __repr__(self) -> str:
        return "Secrets(<key hidden>)"

    def put(self, cur: Any, entry_id: str, key: str, value: str, actor: str) -> None:
        """Store (or replace) one value, inside the caller's transaction ``cur``."""
        token = self._fernet.encrypt(_SEP.join((entry_id, key, value)).encode("utf-8")).decode("ascii")
        cur.execute("INSERT OR REPLACE INTO mcp_secrets (entry_id, key, token, updated_by, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)", [entry_id, key, token, actor, datetime.now(UTC).replace(tzinfo=None)])

    def delete(self, cur: Any, entry_id: str, key: str | None = None) -> None:
        """Forget one value of the entry, or (``key`` None) all of them."""
        if key is None:
            cur.execute("DELETE FROM mcp_secrets WHERE entry_id = ?", [entry_id])
        else:
            cur.execute("DELETE FROM mcp_secrets WHERE entry_id = ? AND key = ?", [entry_id, key])

    def which(self, entry_id: str) -> frozenset[str]:
        """The keys that have a value stored (what a page may show: set or not)."""
        rows = self.store.cursor().execute("SELECT key FROM mcp_secrets WHERE entry_id = ?", [entry_id]).fetchall()
        return frozenset(row[0] for row in rows)

    def reveal(self, entry_id: str) -> dict[str, str]:
        """The values in plain text, for the launch; ``InstallError`` (``secret_unreadable``, naming the key) when
        one no longer decrypts (the key changed)."""
        rows = self.store.cursor().execute("SELECT key, token FROM mcp_secrets WHERE entry_id = ? ORDER BY key",
                                           [entry_id]).fetchall()
        out = {}
        for key, token in rows:
            try:
                owner, own_key, value = self._fernet.decrypt(token.encode("ascii")).decode("utf-8").split(_SEP, 2)
            except (InvalidToken, ValueError):
                owner, own_key, value = "", "", ""
            if (owner, own_key) != (entry_id, key):
                raise InstallError("mcp_install.secret_unreadable", key, name=key)
            out[key] = value
        return out
