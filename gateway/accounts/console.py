"""What the account pages, the admin pages and the admin HTTP API do, on behalf of an ``Actor``.

One place checks who may do what, and writes the audit log for every admin action, so the UI
handlers and the HTTP routes stay thin and cannot drift apart:

- a member reads and revokes only their own keys, and reads only their own usage;
- an admin (a signed-in admin user, or the master key through the admin API) reads everything,
  manages users and keys; each of those changes writes one ``audit_log`` entry (before/after).

Refusals raise ``PermissionError`` (no such right) or a ``FormError`` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from gateway.accounts import audit
from gateway.accounts.applications import Applications
from gateway.accounts.keys import MASTER_ACTOR, QUOTA_PERIODS, KeyInfo, KeyStore, Principal
from gateway.accounts.messages import MESSAGES, label
from gateway.accounts.users import AccountError, Accounts, User
from gateway.errors import FormError
from gateway.routing.release_notes import ReleaseNote, ReleaseNotes
from gateway.store import Store
from gateway.usage import stats as usage_stats

MASTER_KEY_ID = "master"       # api_keys.id of the master key (gateway.accounts.keys)


class ConsoleError(FormError):
    """A request from the account or admin pages that cannot be done as asked (words: ``messages.py``)."""

    catalogue = MESSAGES


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: a user (``user_id``), or the master key (``user_id == MASTER_ACTOR``)."""
    user_id: str
    name: str
    is_admin: bool

    @classmethod
    def of_user(cls, user: User) -> Actor:
        return cls(user_id=user.id, name=user.username, is_admin=user.is_admin and not user.disabled)

    @classmethod
    def master(cls) -> Actor:
        return cls(user_id=MASTER_ACTOR, name="master key", is_admin=True)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _limit(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:      # 0 would refuse every request
        raise ConsoleError("console.limit", name, label=label(name))
    return value


class Console:
    def __init__(self, store: Store, accounts: Accounts, keys: KeyStore, applications: Applications,
                 release_notes: ReleaseNotes | None = None) -> None:
        self._store = store
        self.accounts = accounts
        self.keys = keys
        self.applications = applications
        self.release_notes = release_notes or ReleaseNotes(store)

    # --- who ------------------------------------------------------------------------------------

    def actor_for_username(self, username: str | None) -> Actor | None:
        """The actor of a signed-in session (None: no such user, or disabled)."""
        user = self.accounts.by_username(username) if username else None
        return Actor.of_user(user) if user is not None and not user.disabled else None

    def actor_for_key(self, principal: Principal) -> Actor | None:
        """The actor of an API key: the master key, or the key's owner (None if the key has no active owner)."""
        if principal.is_master:
            return Actor.master()
        user = self.accounts.get(principal.user_id) if principal.user_id else None
        return Actor.of_user(user) if user is not None and not user.disabled else None

    @staticmethod
    def _admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise PermissionError("Only administrators can do this.")

    def _audit(self, actor: Actor, action: str, target_type: str, target_id: str | None, before: Any,
               after: Any) -> None:
        audit.record(self._store.cursor(), actor.user_id, action, target_type, target_id, before, after)

    # --- keys -----------------------------------------------------------------------------------

    def my_keys(self, actor: Actor) -> list[KeyInfo]:
        """The actor's own keys (their workbench key included), newest first."""
        return self.keys.list_keys(actor.user_id)

    def all_keys(self, actor: Actor, user_id: str | None = None) -> list[KeyInfo]:
        self._admin(actor)
        return self.keys.list_keys(user_id)

    def revoke_key(self, actor: Actor, key_id: str) -> KeyInfo:
        """Revoke a key: one's own (any member), or anyone's (admins; audited)."""
        key = self.keys.get(key_id) if key_id != MASTER_KEY_ID else None     # the master key is not revocable
        own = key is not None and key.user_id == actor.user_id
        if key is None or not (own or actor.is_admin):
            raise ConsoleError("console.no_key", "key_id")
        if key.purpose == "workbench":
            raise ConsoleError("console.workbench_key", "key_id")
        if key.revoked_at is not None:
            raise ConsoleError("console.key_revoked", "key_id")
        self.keys.revoke(key_id)
        after = self.keys.get(key_id)
        if not own:
            self._audit(actor, "revoke", "api_key", key_id, key.snapshot(), after.snapshot() if after else None)
        return after or key

    def create_key(self, actor: Actor, user_id: str, name: str, models: list[str] | None, *,
                   rpm: Any = None, tpm: Any = None, quota_tokens: Any = None, quota_period: str | None = None,
                   expires_at: datetime | None = None) -> tuple[KeyInfo, str]:
        """An admin issues a key to a user directly (no application); returns (key, secret to show once)."""
        self._admin(actor)
        owner = self.accounts.get(user_id)
        if owner is None:
            raise ConsoleError("console.no_user", "user_id")
        label = (name or "").strip()
        if not 2 <= len(label) <= 64:
            raise ConsoleError("console.key_name", "name")
        if models is not None:
            unknown = [m for m in models if self.applications.catalogue.get(m) is None]
            if unknown or not models:
                if unknown:
                    raise ConsoleError("console.models_unknown", "models", models=", ".join(unknown))
                raise ConsoleError("console.models_none", "models")
        if quota_period not in (None, "", *QUOTA_PERIODS):
            raise ConsoleError("console.quota_period", "quota_period", periods=", ".join(QUOTA_PERIODS))
        if expires_at is not None and expires_at.tzinfo is not None:
            expires_at = expires_at.astimezone(UTC).replace(tzinfo=None)      # stored times are naive UTC
        if expires_at is not None and expires_at <= _now():
            raise ConsoleError("console.expires_at_past", "expires_at")
        key_id, secret = self.keys.create(
            label, list(dict.fromkeys(models)) if models is not None else None, expires_at, user_id=user_id,
            rpm=_limit("rpm", rpm), tpm=_limit("tpm", tpm), quota_tokens=_limit("quota_tokens", quota_tokens),
            quota_period=quota_period or None)
        key = self.keys.get(key_id)
        self._audit(actor, "create", "api_key", key_id, None, key.snapshot())
        return key, secret

    # --- users ----------------------------------------------------------------------------------

    def users(self, actor: Actor) -> list[User]:
        self._admin(actor)
        return self.accounts.list_users()

    def create_user(self, actor: Actor, username: str, password: str | None, *, role: str = "member",
                    email: str | None = None, organisation: str | None = None,
                    display_name: str | None = None) -> User:
        self._admin(actor)
        user = self.accounts.create_user(username, password, role=role, email=email, organisation=organisation,
                                         display_name=display_name)
        self._audit(actor, "create", "user", user.id, None, _user_snapshot(user))
        return user

    def set_role(self, actor: Actor, user_id: str, role: str) -> User:
        self._admin(actor)
        before = self._user(user_id)
        self.accounts.set_role(user_id, role)
        after = self._user(user_id)
        if after.role != before.role:
            self._audit(actor, "set_role", "user", user_id, _user_snapshot(before), _user_snapshot(after))
        return after

    def set_disabled(self, actor: Actor, user_id: str, disabled: bool) -> User:
        """Disable a user (their sessions end; their keys stop working at once) or enable them again."""
        self._admin(actor)
        if disabled and user_id == actor.user_id:
            raise ConsoleError("console.disable_self", "disabled")
        before = self._user(user_id)
        try:
            self.accounts.set_disabled(user_id, bool(disabled))
        except AccountError as exc:               # the last active admin: the refused input is 'disabled'
            raise ConsoleError(exc.code, "disabled", **exc.fields) from None
        self.keys.invalidate()
        if disabled:
            self.keys.forget_workbench_key(user_id)
        after = self._user(user_id)
        if after.disabled != before.disabled:
            self._audit(actor, "disable" if disabled else "enable", "user", user_id, _user_snapshot(before),
                        _user_snapshot(after))
        return after

    def reset_password(self, actor: Actor, user_id: str, password: str) -> None:
        self._admin(actor)
        before = self._user(user_id)
        self.accounts.set_password(user_id, password)
        self._audit(actor, "reset_password", "user", user_id, _user_snapshot(before), _user_snapshot(before))

    def _user(self, user_id: str) -> User:
        user = self.accounts.get(user_id)
        if user is None:
            raise ConsoleError("console.no_user", "user_id")
        return user

    # --- usage and audit ------------------------------------------------------------------------

    def usage(self, actor: Actor, since: date, until: date, *, everyone: bool | None = None) -> dict[str, Any]:
        """The usage dashboard's panels: everything for admins, the actor's own keys for members."""
        if since > until:
            raise ConsoleError("console.since_until", "since")
        cur = self._store.cursor()
        scope = usage_stats.visible_keys(cur, actor.user_id, actor.is_admin if everyone is None
                                         else actor.is_admin and everyone)
        return usage_stats.dashboard(cur, since, until, key_ids=scope)

    def add_release_note(self, actor: Actor, **note: Any) -> ReleaseNote:
        """``change`` (added | updated | retired), ``model_id``, ``title``, ``body``, optional ``day``."""
        self._admin(actor)
        return self.release_notes.add(actor.user_id, **note)

    def delete_release_note(self, actor: Actor, note_id: str) -> None:
        self._admin(actor)
        self.release_notes.delete(actor.user_id, note_id)

    def audit_log(self, actor: Actor, limit: int = 100, offset: int = 0) -> list[audit.AuditEntry]:
        self._admin(actor)
        return audit.list_entries(self._store, limit, offset)


def _user_snapshot(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role, "disabled": user.disabled,
            "email": user.email, "organisation": user.organisation}
