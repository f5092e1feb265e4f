"""User accounts: local passwords (scrypt), roles, disabling, OIDC sign-in, sign-in throttling.

Passwords are stored only hashed (``gateway.passwords``); sessions live in
``gateway.sessions``. Failed sign-ins are counted in memory per (username, client): after
``FREE_FAILURES`` within ``WINDOW_S`` each further failure doubles the wait before the next try
(up to ``MAX_WAIT_S``), even for the right password; and per client over all usernames (guessing
many names), with a short cap. Nobody elsewhere can make a user wait: the client is the remote
address (a trusted proxy's forwarded one), or the browser's own device token once it signed in.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from gateway.accounts.messages import MESSAGES, label
from gateway.accounts.passwords import check_strength, dummy_hash, hash_password, verify_password
from gateway.accounts.sessions import Sessions
from gateway.errors import FormError
from gateway.store import Store
from shared.messages import Message

ROLES = ("admin", "member")
USERNAME_RE = re.compile(r"[a-z0-9_.-]{3,32}")
FREE_FAILURES = 5                   # per (username, client) before any wait: typing mistakes
WINDOW_S = 60 * 60.0                # failures older than this are forgotten
MAX_WAIT_S = 15 * 60.0              # the longest wait (1 s after the 5th failure, doubling each time)
CLIENT_FREE_FAILURES = 30           # per client over all usernames (one address guessing many names) ...
CLIENT_WINDOW_S = 10 * 60.0         # ... within 10 minutes ...
CLIENT_MAX_WAIT_S = 60.0            # ... then waits up to a minute: a speed bump for everyone behind one address
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# profile field -> most characters (labels: messages.py label.*); the same caps as a key application's fields
PROFILE_FIELDS: dict[str, int] = {"display_name": 64, "email": 254, "organisation": 128}
_COLUMNS = "id, username, display_name, email, organisation, role, disabled, password_hash, oidc_subject"


class AccountError(FormError):
    """A sign-in or account change that cannot be done (its words: ``gateway/accounts/messages.py``)."""

    catalogue = MESSAGES


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str | None
    email: str | None
    organisation: str | None
    role: str                   # admin | member
    disabled: bool
    has_password: bool
    oidc_subject: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _user(row: tuple) -> User:
    uid, username, display_name, email, organisation, role, disabled, password_hash, oidc_subject = row
    return User(id=uid, username=username, display_name=display_name, email=email, organisation=organisation,
                role=role, disabled=bool(disabled), has_password=password_hash is not None,
                oidc_subject=oidc_subject)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> Message | None:
    """The problem with a username as a readable sentence (``text(locale)``), or None."""
    if not 3 <= len(username) <= 32:
        return MESSAGES.message("username.length")
    if not USERNAME_RE.fullmatch(username):
        return MESSAGES.message("username.characters")
    return None


def generate_password() -> str:
    """A random password that passes ``check_strength``."""
    while True:
        password = secrets.token_urlsafe(15)
        if check_strength(password) is None:
            return password


class Backoff:
    """Failures per key in a sliding window of ``window_s``; after ``free`` of them each further failure doubles the
    wait before the next try (1 s, 2 s, 4 s, ... up to ``cap_s``), counted from the last failure. Never a lock: the
    wait is bounded and ``clear`` (a success) ends it. Thread-safe, in memory."""

    def __init__(self, free: int, window_s: float, cap_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.window_s, self.cap_s, self._clock = free, window_s, cap_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: now)."""
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.free:
                return 0.0
            delay = min(self.cap_s, 2.0 ** min(len(times) - self.free, 30))
            return max(0.0, times[-1] + delay - now)

    def fail(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > 100_000:
                for old in list(self._failures):
                    self._recent(old, now)
            self._failures.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class SignInThrottled(AccountError):
    """Too many recent failures from this client for this name: try again in ``retry_after`` seconds."""

    def __init__(self, code: str, field: str | None = None, /, *, retry_after: int, **fields: object) -> None:
        super().__init__(code, field, **fields)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple:
        return _throttled, (self.retry_after,)


def _throttled(wait: float) -> SignInThrottled:
    seconds = max(1, math.ceil(wait))
    if seconds < 60:
        words = MESSAGES.message("wait.second" if seconds == 1 else "wait.seconds", n=seconds)
    else:
        minutes = math.ceil(seconds / 60)
        words = MESSAGES.message("wait.minute" if minutes == 1 else "wait.minutes", n=minutes)
    return SignInThrottled("account.throttled", retry_after=seconds, wait=words)


class Accounts:
    """Users in the ``users`` table of the gateway's DuckDB file."""

    def __init__(self, store: Store, sessions: Sessions | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self.sessions = sessions or Sessions(store)
        self.throttle = Backoff(FREE_FAILURES, WINDOW_S, MAX_WAIT_S, clock)
        self.client_throttle = Backoff(CLIENT_FREE_FAILURES, CLIENT_WINDOW_S, CLIENT_MAX_WAIT_S, clock)

    # --- reading -----------------------------------------------------------------------------

    def get(self, user_id: str) -> User | None:
        row = self._store.cursor().execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", [user_id]).fetchone()
        return _user(row) if row else None

    def by_username(self, username: str) -> User | None:
        row = self._store.cursor().execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?",
                                           [normalise_username(username)]).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        rows = self._store.cursor().execute(f"SELECT {_COLUMNS} FROM users ORDER BY username").fetchall()
        return [_user(r) for r in rows]

    def _require(self, user_id: str) -> User:
        user = self.get(user_id)
        if user is None:
            raise AccountError("account.no_user", "user_id")
        return user

    # --- creating ------------------------------------------------------------------------------

    def ensure_first_admin(self, username: str | None, password: str | None) -> str | None:
        """Create the first admin if there is none; return a generated password to show once, else None.

        ``username``/``password`` are MAAS_ADMIN_USER/MAAS_ADMIN_PASSWORD (either may be None:
        the username defaults to "admin", a missing password is generated).
        """
        if self._store.cursor().execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone():
            return None
        generated = None
        if password is None:
            password = generated = generate_password()
        elif (problem := check_strength(password)) is not None:
            raise AccountError("password.admin_env", "password", problem=problem)
        self.create_user(username or "admin", password, role="admin")     # a role, not a name: none shown
        return generated

    def problems(self, username: str, password: str | None, *, role: str = "member",
                 display_name: str | None = None, email: str | None = None,
                 organisation: str | None = None) -> list[AccountError]:
        """Every reason ``create_user`` would refuse these values, each naming its field (a form marks them all
        at once); empty when they would be accepted (a username taken meanwhile is still refused there)."""
        found: list[AccountError] = []
        name = normalise_username(username) if isinstance(username, str) else ""
        if (problem := check_username(name)) is not None:
            found.append(AccountError.of(problem, "username"))
        elif self.by_username(name) is not None:
            found.append(_taken(name))
        if password is not None and (problem := check_strength(password)) is not None:
            found.append(AccountError.of(problem, "password"))
        if role not in ROLES:
            found.append(_unknown_role(role))
        for field, value in (("display_name", display_name), ("email", email), ("organisation", organisation)):
            if (error := profile_problem(field, value)) is not None:
                found.append(error)
        return found

    def create_user(self, username: str, password: str | None, *, role: str = "member",
                    display_name: str | None = None, email: str | None = None,
                    organisation: str | None = None) -> User:
        """Create a local account; ``password`` None makes one that cannot sign in with a password yet.
        Refused (``AccountError`` naming the field) for the first of ``problems``."""
        username = normalise_username(username)
        if (problem := check_username(username)) is not None:
            raise AccountError.of(problem, "username")
        if password is not None and (problem := check_strength(password)) is not None:
            raise AccountError.of(problem, "password")
        for field, value in (("display_name", display_name), ("organisation", organisation)):
            if (error := profile_problem(field, value)) is not None:
                raise error
        return self._insert(username, password_hash=hash_password(password) if password is not None else None,
                            role=role, display_name=display_name, email=email, organisation=organisation)

    def _insert(self, username: str, *, password_hash: str | None, role: str, display_name: str | None,
                email: str | None, organisation: str | None, oidc_issuer: str | None = None,
                oidc_subject: str | None = None) -> User:
        self._check_role(role)
        email = _clean(email)
        if (error := profile_problem("email", email)) is not None:
            raise error
        if self.by_username(username) is not None:
            raise _taken(username)
        user_id = "usr_" + secrets.token_hex(8)
        try:
            self._store.cursor().execute(
                "INSERT INTO users (id, username, display_name, email, organisation, role, disabled, password_hash,"
                " oidc_issuer, oidc_subject, created_at) VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?)",
                [user_id, username, _clean(display_name), email, _clean(organisation), role, password_hash,
                 oidc_issuer, oidc_subject, _now()])
        except duckdb.ConstraintException:
            raise _taken(username) from None
        return self._require(user_id)

    # --- signing in ----------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, *, client: str) -> User:
        """Check a username and password from ``client`` (the remote address, or ``device:<id>`` for a browser that
        signed in as this user before); return the user. ``SignInThrottled`` while this client must wait."""
        name = normalise_username(username)
        pair = f"{name}\n{client}"
        wait = max(self.throttle.wait(pair), self.client_throttle.wait(client))
        if wait > 0:
            raise _throttled(wait)
        row = self._store.cursor().execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?", [name]).fetchone()
        stored = row[7] if row else None
        ok = verify_password(password, stored if stored is not None else dummy_hash()) and stored is not None
        if not ok:
            self.throttle.fail(pair)
            self.client_throttle.fail(client)
            raise AccountError("account.wrong_password", "password")
        user = _user(row)
        if user.disabled:
            raise AccountError("account.disabled", "username")
        self.throttle.clear(pair)
        self._store.cursor().execute("UPDATE users SET last_login_at = ? WHERE id = ?", [_now(), user.id])
        return user

    def upsert_oidc_user(self, issuer: str, subject: str, username_hint: str | None, email: str | None,
                         display_name: str | None) -> User:
        """The account for an OIDC identity; the first sign-in creates it as a member."""
        cur = self._store.cursor()
        row = cur.execute(f"SELECT {_COLUMNS} FROM users WHERE oidc_issuer = ? AND oidc_subject = ?",
                          [issuer, subject]).fetchone()
        if row is not None:
            user = _user(row)
            if user.disabled:
                raise AccountError("account.disabled", "username")
            cur.execute("UPDATE users SET last_login_at = ?, email = coalesce(?, email),"
                        " display_name = coalesce(?, display_name) WHERE id = ?",
                        [_now(), _provider_email(email), _fitted("display_name", display_name), user.id])
            return self._require(user.id)
        base = _username_from(username_hint or (email or "").split("@")[0])
        for n in range(1, 1000):
            suffix = "" if n == 1 else f"-{n}"
            candidate = base[: 32 - len(suffix)] + suffix
            if self.by_username(candidate) is None:
                break
        else:
            candidate = "user-" + secrets.token_hex(6)
        try:
            user = self._insert(candidate, password_hash=None, role="member",
                                display_name=_fitted("display_name", display_name), email=_provider_email(email),
                                organisation=None, oidc_issuer=issuer, oidc_subject=subject)
        except AccountError:      # lost a race for the name: take a random one
            user = self._insert("user-" + secrets.token_hex(6), password_hash=None, role="member",
                                display_name=_fitted("display_name", display_name), email=None, organisation=None,
                                oidc_issuer=issuer, oidc_subject=subject)
        cur.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [_now(), user.id])
        return user

    # --- changing ------------------------------------------------------------------------------

    def change_password(self, user_id: str, old: str, new: str, *, keep_session: str | None = None) -> None:
        """Change the user's own password; every other session of theirs ends (``keep_session`` stays)."""
        row = self._store.cursor().execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None:
            raise AccountError("account.no_user_sign_in", "user_id")
        if row[0] is None or not verify_password(old, row[0]):
            raise AccountError("password.wrong_current", "old_password")
        if (problem := check_strength(new)) is not None:
            raise AccountError.of(problem, "new_password")
        if new == old:
            raise AccountError("password.unchanged", "new_password")
        self._store.cursor().execute("UPDATE users SET password_hash = ? WHERE id = ?", [hash_password(new), user_id])
        self.sessions.revoke_all(user_id, except_token=keep_session)

    def set_password(self, user_id: str, new: str) -> None:
        """Set a password as an administrator (a reset); every session of the user ends."""
        self._require(user_id)
        if (problem := check_strength(new)) is not None:
            raise AccountError.of(problem, "password")
        self._store.cursor().execute("UPDATE users SET password_hash = ? WHERE id = ?", [hash_password(new), user_id])
        self.sessions.revoke_all(user_id)

    def set_role(self, user_id: str, role: str) -> None:
        self._check_role(role)
        user = self._require(user_id)
        if user.role == "admin" and role != "admin" and not user.disabled:
            self._check_not_last_admin(user_id, "remove_admin")
        self._store.cursor().execute("UPDATE users SET role = ? WHERE id = ?", [role, user_id])

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        """Disable (and sign out everywhere) or enable a user."""
        user = self._require(user_id)
        if disabled and user.role == "admin" and not user.disabled:
            self._check_not_last_admin(user_id, "disable")
        self._store.cursor().execute("UPDATE users SET disabled = ? WHERE id = ?", [disabled, user_id])
        if disabled:
            self.sessions.revoke_all(user_id)

    def _check_not_last_admin(self, user_id: str, action: str) -> None:
        row = self._store.cursor().execute(
            "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND id <> ?", [user_id]).fetchone()
        if row[0] == 0:
            raise AccountError("account.last_admin", "role", action=MESSAGES.message(f"admin_action.{action}"))

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROLES:
            raise _unknown_role(role)


def _taken(username: str) -> AccountError:
    return AccountError("username.taken", "username", username=username)


def _unknown_role(role: object) -> AccountError:
    return AccountError("account.unknown_role", "role", role=role, roles=", ".join(ROLES))


def profile_problem(field: str, value: object) -> AccountError | None:
    """Why a profile field (display_name, email, organisation) cannot be stored, naming it; None if it can.

    Empty means not given; text is measured after trimming, in characters (中文 = 1 each)."""
    most = PROFILE_FIELDS[field]
    if value is None:
        return None
    if not isinstance(value, str):
        return AccountError("field.not_text", field, label=label(field))
    text = value.strip()
    if len(text) > most:
        return AccountError("field.too_long", field, label=label(field), most=most, now=len(text))
    if field == "email" and text and not EMAIL_RE.fullmatch(text):
        return AccountError("field.email", field)
    return None


def _fitted(field: str, value: str | None) -> str | None:
    """An identity provider's profile value cut to the field's cap (a sign-in is never refused for it)."""
    text = _clean(value)
    return text[: PROFILE_FIELDS[field]] if text else None


def _provider_email(value: str | None) -> str | None:
    """An identity provider's email if it is one we would accept, else none (the account works without)."""
    text = _clean(value)
    return text if text and profile_problem("email", text) is None else None


def _clean(value: str | None) -> str | None:
    value = value.strip() if value else None
    return value or None


def _username_from(hint: str) -> str:
    """A valid username made from an OIDC hint (preferred_username, email local part)."""
    name = re.sub(r"[^a-z0-9_.-]+", "-", hint.strip().lower()).strip("-.")[:32]
    return name if len(name) >= 3 else (name + "-user" if name else "user")
