"""Password hashing (scrypt) and a small strength rule.

Hashes are self-describing strings ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`` so the cost
can be raised later without breaking stored hashes. Comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import string
from functools import cache

from gateway.accounts.messages import MESSAGES
from shared.messages import Message

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_LENGTH = 10
MAX_LENGTH = 1024
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_MAXMEM)


def hash_password(password: str) -> str:
    """Hash a password with a fresh random salt; the result is safe to store."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P, HASH_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True if ``password`` matches the stored ``encoded`` hash; False for a mismatch or a malformed hash."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = encoded.split("$")
        if scheme != SCHEME:
            return False
        salt, expected = base64.b64decode(salt_b64, validate=True), base64.b64decode(hash_b64, validate=True)
        actual = _scrypt(password, salt, int(n), int(r), int(p), len(expected))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


@cache
def dummy_hash() -> str:
    """A hash of a random password, for spending the same time on unknown users (computed on first use)."""
    return hash_password(secrets.token_urlsafe(16))


def _classes(password: str) -> int:
    groups = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    used = {i for ch in password for i, group in enumerate(groups) if ch in group}
    if any(not any(ch in group for group in groups) for ch in password):
        used.add(len(groups))
    return len(used)


def check_strength(password: str) -> Message | None:
    """The problem with a new password as a sentence the user can act on (``text(locale)``), or None."""
    if len(password) < MIN_LENGTH:
        return MESSAGES.message("password.too_short", low=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return MESSAGES.message("password.too_long", high=MAX_LENGTH)
    if _classes(password) < 2:
        return MESSAGES.message("password.one_kind")
    return None
