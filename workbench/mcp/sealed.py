"""Secrets at rest: text sealed with Fernet (AES-128-CBC + HMAC-SHA256) under the workbench's secret key.

    sealer = Sealer.from_settings(settings.secret_key, settings.data_dir)   # MAAS_SECRET_KEY, else secret.key
    blob = sealer.seal("Bearer sk-...")       # bytes for the store: the text is never stored
    sealer.open(blob)                          # "Bearer sk-..."; SecretUnreadable when the key has changed since

The key is ``MAAS_SECRET_KEY`` (any text of 16 characters or more) when set; else 32 random bytes made on first use
into ``<data dir>/secret.key``, created with mode 0600 (a file found readable by others is narrowed to 0600). Either
way the Fernet key is derived from it with HKDF-SHA256, so a passphrase and a generated key are used alike. A sealed
value carries its own integrity check: a value sealed under another key, or altered, does not open.

``Secrets`` is the contract the hub uses (``seal`` / ``open``); ``Sealer`` is its one implementation. Nothing here
logs or puts a secret into an exception.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import HubError

KEY_FILE = "secret.key"
MIN_KEY_CHARS = 16
_INFO = b"maas-workbench secrets v1"

log = logging.getLogger(__name__)


class Secrets(Protocol):
    """Seals secret text for the store and opens it again."""

    def seal(self, text: str) -> bytes:
        """The text sealed: bytes to store in its place."""

    def open(self, sealed: bytes) -> str:
        """The text back; ``SecretUnreadable`` when it was sealed under another key or altered."""


class SecretUnreadable(HubError):
    """A stored secret that does not open with this key (``field``: where it was to be used; ``name`` its name)."""

    def __init__(self, field: str | None = None, name: str = "") -> None:
        super().__init__("mcp_hub.secret_unreadable", field, name=name)


class Sealer:
    """``Secrets`` with Fernet under a key derived from ``key_text`` (see the module doc)."""

    def __init__(self, key_text: str) -> None:
        if len(key_text) < MIN_KEY_CHARS:
            raise ValueError(f"the secret key must have at least {MIN_KEY_CHARS} characters")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key_text.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, secret_key: str | None, data_dir: Path) -> Sealer:
        """The sealer of ``MAAS_SECRET_KEY`` (``secret_key``) when given, else of ``<data_dir>/secret.key`` (made with
        mode 0600 when missing)."""
        if secret_key:
            return cls(secret_key)
        return cls(key_file(data_dir))

    def seal(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(sealed)).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError, TypeError):
            raise SecretUnreadable() from None


def key_file(data_dir: Path) -> str:
    """The key kept in ``<data_dir>/secret.key``: read, or made (32 random bytes, base64) with mode 0600."""
    path = data_dir / KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was readable by other users (mode %o); narrowed to 0600", path, mode)
            path.chmod(0o600)
        text = path.read_text(encoding="ascii").strip()
        if len(text) < MIN_KEY_CHARS:
            raise ValueError(f"{path} holds no key: remove it (secrets sealed with it are lost) or set "
                             "MAAS_SECRET_KEY") from None
        return text
    text = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text + "\n")
    return text
