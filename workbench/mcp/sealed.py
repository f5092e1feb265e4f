"""Secrets at rest: the workbench's one secret key and the one way text is sealed with it (Fernet: AES-128-CBC +
HMAC-SHA256, ``cryptography``). Remote servers' header values (``remotes``) and installed servers' secret values
(``installs``) are both sealed here.

    sealer = Sealer.from_settings(settings.secret_key, settings.data_dir)    # MAAS_SECRET_KEY, else secret.key
    token = sealer.seal("Bearer sk-...", "mcp_header_values", entry_id, "Authorization")   # bytes for the store
    sealer.open(token, "mcp_header_values", entry_id, "Authorization")     # "Bearer sk-..."
    sealer.open(token, "mcp_header_values", other_id, "Authorization")     # SecretUnreadable: not this row's

The key (``load_key``): ``MAAS_SECRET_KEY`` when set, either a Fernet key (``Fernet.generate_key()``) used as it is
or a passphrase of 16 characters or more, stretched with scrypt; else the Fernet key in ``<data dir>/secret.key``,
generated on first use with mode 0600 (a looser mode found there is narrowed to 0600 and logged). Back the file up
with the data dir: without it, or under another key, the stored secrets do not open and must be set again.

A token is bound to where it is kept: the words after the text (its table, its row's key) are sealed with it, as
JSON before a NUL, and checked on open, so a token copied onto another row, altered, or sealed under another key
does not open (``SecretUnreadable``, ``mcp_hub.secret_unreadable``). Nothing here logs a value or a key, or puts
one in an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from .errors import HubError

KEY_FILE = "secret.key"
MIN_PASSPHRASE = 16
_SALT = b"maas-workbench/secrets/v1"
_SEP = "\x00"

log = logging.getLogger(__name__)


class SecretUnreadable(HubError):
    """A stored secret that does not open here (another key, another row, altered); ``field``: where it was to be
    used, ``name`` its name."""

    def __init__(self, field: str | None = None, name: str = "") -> None:
        super().__init__("mcp_hub.secret_unreadable", field, name=name)


def load_key(data_dir: Path, configured: str | None = None) -> bytes:
    """The Fernet key: from ``configured`` (``MAAS_SECRET_KEY``) when given, else ``<data_dir>/secret.key``,
    generated there with mode 0600 when missing. ``HubError`` ``bad_secret_key`` / ``bad_key_file`` when unusable."""
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
    log.info("Generated the secret key %s (mode 0600): back it up with the data dir", path)
    return _from_file(path)


def _from_setting(value: str) -> bytes:
    value = value.strip()
    if _is_fernet_key(value.encode()):
        return value.encode()
    if len(value) < MIN_PASSPHRASE:
        raise HubError("mcp_hub.bad_secret_key", "MAAS_SECRET_KEY", most=MIN_PASSPHRASE)
    derived = hashlib.scrypt(value.encode("utf-8"), salt=_SALT, n=2 ** 14, r=8, p=1, dklen=32)
    return base64.urlsafe_b64encode(derived)


def _from_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
        log.warning("%s was readable by others (mode %o); it is now 0600", path, mode)
    key = path.read_bytes().strip()
    if not _is_fernet_key(key):
        raise HubError("mcp_hub.bad_key_file", None, path=str(path))
    return key


def _is_fernet_key(value: bytes) -> bool:
    try:
        return len(value) == 44 and len(base64.urlsafe_b64decode(value)) == 32
    except (binascii.Error, ValueError):
        return False


class Sealer:
    """Seals text under one Fernet key, bound to where it is kept (see the module doc)."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_settings(cls, secret_key: str | None, data_dir: Path) -> Sealer:
        """The sealer of ``settings.secret_key`` (``MAAS_SECRET_KEY``) when set, else of ``<data_dir>/secret.key``."""
        return cls(load_key(data_dir, secret_key))

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"

    def seal(self, text: str, *bound: str) -> bytes:
        """``text`` sealed with ``bound`` (its table and row key, e.g. ``"mcp_secrets", entry_id, "env.TOKEN"``):
        a Fernet token (ASCII bytes) to store in its place."""
        return self._fernet.encrypt(f"{_place(bound)}{_SEP}{text}".encode())

    def open(self, token: bytes | str, *bound: str) -> str:
        """The text back; ``SecretUnreadable`` unless it was sealed under this key with the same ``bound``."""
        if isinstance(token, str):
            token = token.encode("ascii", "replace")
        try:
            place, _, text = self._fernet.decrypt(bytes(token)).decode().partition(_SEP)
        except (InvalidToken, UnicodeDecodeError, TypeError):
            raise SecretUnreadable() from None
        if place != _place(bound):
            raise SecretUnreadable()
        return text


def _place(bound: tuple[str, ...]) -> str:
    """The place as JSON: a list of strings, never a raw NUL (JSON escapes it), so it ends at the first NUL."""
    return json.dumps(list(bound))
