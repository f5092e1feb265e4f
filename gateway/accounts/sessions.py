"""Sign-in sessions kept in DuckDB, so they survive a restart.

The browser holds a random token; the database holds only its SHA-256. A session ends when
it expires, is revoked, or its user is disabled or deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from gateway.store import Store

TOUCH_EVERY = timedelta(minutes=1)     # last_seen_at is written at most this often


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions:
    """Create, resolve and revoke session tokens."""

    def __init__(self, store: Store, ttl_days: float = 14, *, clock: Callable[[], datetime] = _now) -> None:
        self._store = store
        self.ttl = timedelta(days=ttl_days)
        self._clock = clock

    def create(self, user_id: str) -> str:
        """Start a session for ``user_id``; return its token (not kept anywhere)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._store.cursor().execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
            [hash_token(token), user_id, now, now + self.ttl, now])
        return token

    def resolve(self, token: str | None) -> str | None:
        """The user id behind ``token``; None if unknown, expired, or the user is disabled or gone."""
        if not token:
            return None
        digest = hash_token(token)
        cur = self._store.cursor()
        row = cur.execute(
            "SELECT s.user_id, s.expires_at, s.last_seen_at, u.disabled FROM sessions s"
            " LEFT JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", [digest]).fetchone()
        if row is None:
            return None
        user_id, expires_at, last_seen_at, disabled = row
        now = self._clock()
        if expires_at <= now:
            cur.execute("DELETE FROM sessions WHERE token_hash = ?", [digest])
            return None
        if disabled is None or disabled:
            return None
        if last_seen_at is None or now - last_seen_at >= TOUCH_EVERY:
            cur.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", [now, digest])
        return user_id

    def revoke(self, token: str) -> None:
        """End one session (sign out)."""
        self._store.cursor().execute("DELETE FROM sessions WHERE token_hash = ?", [hash_token(token)])

    def revoke_all(self, user_id: str, *, except_token: str | None = None) -> int:
        """End every session of ``user_id`` (but ``except_token``'s); return how many ended."""
        keep = hash_token(except_token) if except_token else ""
        row = self._store.cursor().execute(
            "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ? RETURNING token_hash", [user_id, keep]
        ).fetchall()
        return len(row)
