"""API keys: secrets stored only as SHA-256 hashes with a short visible prefix.

``authenticate`` turns a bearer token into a ``Principal`` (who, and which models it
may use). The master key comes from MAAS_MASTER_KEY or is generated on first start and
shown once. The accounts issue adds per-user keys by adding rows, not new checks.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gateway.errors import AuthenticationError
from gateway.store import Store

PREFIX = "sk-maas-"
CACHE_SECONDS = 5.0
QUOTA_PERIODS = ("total", "month")
MASTER_ACTOR = "master"        # the actor id of requests made with the master key (it has no user)
WORKBENCH_PURPOSE = "workbench"
_INFO_COLUMNS = ("k.id, k.name, k.prefix, k.user_id, u.username, k.purpose, k.models, k.created_at, k.expires_at,"
                 " k.revoked_at, k.last_used_at, k.rpm, k.tpm, k.quota_tokens, k.quota_period")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    name: str
    is_master: bool
    models: frozenset[str] | None        # None: every model in the catalogue
    rpm: int | None = None               # requests per minute; None: no limit
    tpm: int | None = None               # tokens per minute; None: no limit
    quota_tokens: int | None = None      # tokens per quota period; None: no quota
    quota_period: str | None = None      # 'total' | 'month'
    user_id: str | None = None
    expires_at: datetime | None = None   # checked on every call, not only when the cache is filled
    limited: bool = field(default=False, init=False, compare=False)   # any limit to check (never the master)

    def __post_init__(self) -> None:
        object.__setattr__(self, "limited", not self.is_master and (
            self.rpm is not None or self.tpm is not None or self.quota_tokens is not None))

    def allows(self, model_id: str) -> bool:
        return self.models is None or model_id in self.models


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a key: never its secret or hash."""
    id: str
    name: str
    prefix: str                          # the first characters of the secret, to recognise it
    user_id: str | None
    username: str | None
    purpose: str                         # api | workbench
    models: tuple[str, ...] | None       # None: every model
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    rpm: int | None
    tpm: int | None
    quota_tokens: int | None
    quota_period: str | None

    def state(self, now: datetime | None = None) -> str:
        """active | expired | revoked"""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or _now()):
            return "expired"
        return "active"

    def snapshot(self) -> dict:
        """For the audit log (no secret in it)."""
        return {"id": self.id, "name": self.name, "user_id": self.user_id, "models": list(self.models or ()) or None,
                "expires_at": self.expires_at, "revoked_at": self.revoked_at, "rpm": self.rpm, "tpm": self.tpm,
                "quota_tokens": self.quota_tokens, "quota_period": self.quota_period}


def _info(row: tuple) -> KeyInfo:
    (key_id, name, prefix, user_id, username, purpose, models, created_at, expires_at, revoked_at, last_used_at,
     rpm, tpm, quota_tokens, quota_period) = row
    return KeyInfo(id=key_id, name=name, prefix=prefix, user_id=user_id, username=username, purpose=purpose or "api",
                   models=tuple(json.loads(models)) if models is not None else None, created_at=created_at,
                   expires_at=expires_at, revoked_at=revoked_at, last_used_at=last_used_at, rpm=rpm, tpm=tpm,
                   quota_tokens=quota_tokens, quota_period=quota_period)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class KeyStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()
        self._workbench: dict[str, str] = {}      # user id -> this process's workbench key secret (memory only)
        self._workbench_lock = threading.Lock()

    def ensure_master(self, configured: str | None) -> str | None:
        """Install the master key; return a newly generated secret to show once, else None."""
        cur = self._store.cursor()
        if configured is not None:
            cur.execute("DELETE FROM api_keys WHERE id = 'master'")
            self._insert(cur, "master", "master key (MAAS_MASTER_KEY)", configured, is_master=True)
            return None
        if cur.execute("SELECT 1 FROM api_keys WHERE id = 'master'").fetchone():
            return None
        secret = new_secret()
        self._insert(cur, "master", "master key (generated)", secret, is_master=True)
        return secret

    def reset_master(self) -> str:
        """Issue a new generated master key, replacing the old one; return it to show once."""
        cur = self._store.cursor()
        cur.execute("DELETE FROM api_keys WHERE id = 'master'")
        secret = new_secret()
        self._insert(cur, "master", "master key (generated)", secret, is_master=True)
        self.invalidate()
        return secret

    def create(self, name: str, models: list[str] | None = None, expires_at: datetime | None = None, *,
               user_id: str | None = None, purpose: str = "api", rpm: int | None = None, tpm: int | None = None,
               quota_tokens: int | None = None, quota_period: str | None = None) -> tuple[str, str]:
        """Create a key; return (key id, secret). The secret is not kept anywhere.

        ``rpm`` / ``tpm`` limit requests / tokens per minute; ``quota_tokens`` caps the tokens per
        ``quota_period`` ('total', the default, or 'month': the calendar month in UTC). None: no limit.
        """
        for label, value in (("rpm", rpm), ("tpm", tpm), ("quota_tokens", quota_tokens)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{label} must be a whole number >= 1 or None (no limit), not {value!r}")
        if quota_period is not None and quota_period not in QUOTA_PERIODS:
            raise ValueError(f"quota_period must be one of {', '.join(QUOTA_PERIODS)}, not {quota_period!r}")
        if quota_tokens is not None and quota_period is None:
            quota_period = "total"
        key_id = "key_" + secrets.token_hex(8)
        secret = new_secret()
        cur = self._store.cursor()
        self._insert(cur, key_id, name, secret, models=models, expires_at=expires_at)
        cur.execute("UPDATE api_keys SET user_id = ?, purpose = ?, rpm = ?, tpm = ?, quota_tokens = ?, quota_period = ?"
                    " WHERE id = ?", [user_id, purpose, rpm, tpm, quota_tokens, quota_period, key_id])
        return key_id, secret

    def list_keys(self, user_id: str | None = None, *, include_master: bool = False) -> list[KeyInfo]:
        """Keys of one user (or of everyone when ``user_id`` is None), newest first."""
        where, params = ("WHERE k.user_id = ?", [user_id]) if user_id is not None else ("", [])
        if not include_master:
            where += (" AND" if where else "WHERE") + " NOT k.is_master"
        rows = self._store.cursor().execute(
            f"SELECT {_INFO_COLUMNS} FROM api_keys k LEFT JOIN users u ON u.id = k.user_id {where}"
            " ORDER BY k.created_at DESC, k.id", params).fetchall()
        return [_info(r) for r in rows]

    def get(self, key_id: str) -> KeyInfo | None:
        row = self._store.cursor().execute(
            f"SELECT {_INFO_COLUMNS} FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.id = ?",
            [key_id]).fetchone()
        return _info(row) if row else None

    def workbench_key(self, user_id: str) -> str:
        """The key the workbench uses on ``user_id``'s behalf, so their chat and KB use is metered as theirs.

        Its secret lives only in this process: the first call after a start gives the user's one
        workbench key a new secret (the database keeps only hashes, so it cannot be read back).
        """
        with self._workbench_lock:           # one rotation at a time: two would leave one caller a dead secret
            return self._workbench.get(user_id) or self._rotate_workbench_key(user_id)

    def _rotate_workbench_key(self, user_id: str) -> str:
        secret = new_secret()
        cur = self._store.cursor()
        row = cur.execute("SELECT id FROM api_keys WHERE user_id = ? AND purpose = ? ORDER BY created_at LIMIT 1",
                          [user_id, WORKBENCH_PURPOSE]).fetchone()
        if row is not None:       # one key per user, its secret replaced: its usage history stays on one key id
            cur.execute("UPDATE api_keys SET secret_hash = ?, prefix = ?, revoked_at = NULL WHERE id = ?",
                        [hash_secret(secret), secret[: len(PREFIX) + 4], row[0]])
        else:
            key_id = "wbk_" + secrets.token_hex(8)
            self._insert(cur, key_id, "workbench", secret)
            cur.execute("UPDATE api_keys SET user_id = ?, purpose = ? WHERE id = ?",
                        [user_id, WORKBENCH_PURPOSE, key_id])
        self._workbench[user_id] = secret
        self.invalidate()
        return secret

    def forget_workbench_key(self, user_id: str) -> None:
        """Drop the cached workbench secret (its user was disabled); the next use issues a new secret."""
        with self._workbench_lock:
            self._workbench.pop(user_id, None)

    def revoke(self, key_id: str) -> None:
        self._store.cursor().execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", [_now(), key_id])
        self.invalidate()

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def _insert(self, cur, key_id: str, name: str, secret: str, *, is_master: bool = False,
                models: list[str] | None = None, expires_at: datetime | None = None) -> None:
        cur.execute(
            "INSERT INTO api_keys (id, name, prefix, secret_hash, is_master, models, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [key_id, name, secret[: len(PREFIX) + 4], hash_secret(secret), is_master,
             json.dumps(models) if models is not None else None, _now(), expires_at])

    def authenticate(self, authorization: str | None) -> Principal:
        """Check an ``Authorization: Bearer <key>`` header value."""
        if not authorization:
            raise AuthenticationError("Missing API key: send the header 'Authorization: Bearer <your key>'.",
                                      code="missing_api_key")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("Malformed Authorization header: use 'Authorization: Bearer <your key>'.")
        digest = hash_secret(token)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is None or now - hit[0] > CACHE_SECONDS:
            hit = (now, self._lookup(digest))
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = hit
        principal = hit[1]
        if principal is not None and principal.expires_at is not None and principal.expires_at <= _now():
            principal = None
        if principal is None:
            raise AuthenticationError("Invalid API key: check the key, or ask an administrator for a new one.")
        return principal

    def _lookup(self, digest: str) -> Principal | None:
        row = self._store.cursor().execute(
            "SELECT k.id, k.name, k.is_master, k.models, k.expires_at, k.revoked_at, k.rpm, k.tpm, k.quota_tokens,"
            " k.quota_period, k.user_id, coalesce(u.disabled, FALSE)"
            " FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.secret_hash = ?", [digest]).fetchone()
        if row is None:
            return None
        (key_id, name, is_master, models, expires_at, revoked_at, rpm, tpm, quota_tokens, quota_period, user_id,
         owner_disabled) = row
        if revoked_at is not None or owner_disabled or (expires_at is not None and expires_at <= _now()):
            return None
        allowed = frozenset(json.loads(models)) if models is not None else None
        return Principal(key_id=key_id, name=name, is_master=bool(is_master), models=allowed, rpm=rpm, tpm=tpm,
                         quota_tokens=quota_tokens, quota_period=quota_period or ("total" if quota_tokens is not None
                                                                                 else None), user_id=user_id,
                         expires_at=expires_at)
