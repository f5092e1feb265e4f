"""Key applications: members ask for an API key (or more models on a key they hold); admins review.

A ``new_key`` application is ``pending`` until an admin approves it (optionally narrowing the
models to a subset of those asked and setting limits) or rejects it with a reason the applicant
sees. Approval creates the key for the applicant; its secret is kept only in memory, in
``Applications.pending_reveals``, until the applicant reveals it once. It is never written to
the database; after a restart it is gone, and an admin re-issues the key (``reissue``).

A ``more_models`` application asks to extend the allow-list of a key the applicant owns; its
approval adds the granted models to ``api_keys.models``.

Every admin action (approve, extend, reject, reissue) writes one ``audit_log`` entry.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.accounts import audit
from gateway.accounts.keys import MASTER_ACTOR, QUOTA_PERIODS, KeyStore
from gateway.accounts.messages import MESSAGES, label
from gateway.errors import FormError
from gateway.routing.catalogue import Catalogue
from gateway.store import Store
from shared.messages import Message

KINDS = ("new_key", "more_models")
STATUSES = ("pending", "approved", "rejected")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PHONE_RE = re.compile(r"[0-9 +\-]{6,20}")
_COLUMNS = ("id, kind, user_id, key_id, name, contact_name, email, organisation, phone, purpose, models, status,"
            " reason, decided_by, decided_at, created_at, granted_models, limits")

# field -> (min chars, max chars); lengths are counted in characters (中文 = 1 each); labels: messages.py label.*
TEXT_FIELDS: dict[str, tuple[int, int]] = {
    "name": (2, 64),
    "contact_name": (1, 64),
    "email": (3, 254),
    "organisation": (2, 128),
    "phone": (6, 20),
    "purpose": (20, 2000),
}
REASON_LIMITS = (2, 2000)


class ApplicationError(FormError):
    """An application or review that cannot be done (its words: ``gateway/accounts/messages.py``)."""

    catalogue = MESSAGES


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    kind: str                           # new_key | more_models
    user_id: str                        # the applicant
    key_id: str | None                  # the key issued (new_key, once approved) or to extend (more_models)
    name: str
    contact_name: str | None
    email: str | None
    organisation: str | None
    phone: str | None
    purpose: str                        # the research it serves (more_models: the reason for more models)
    models: tuple[str, ...]             # asked for
    status: str                         # pending | approved | rejected
    reason: str | None                  # why it was rejected (shown to the applicant)
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    granted_models: tuple[str, ...] | None
    limits: dict[str, Any] | None       # rpm, tpm, quota_tokens, quota_period, expires_at (ISO text)

    def snapshot(self) -> dict[str, Any]:
        """The reviewable state, for the audit log (never a secret)."""
        return {"status": self.status, "kind": self.kind, "user_id": self.user_id, "key_id": self.key_id,
                "models": list(self.models), "granted_models": list(self.granted_models)
                if self.granted_models is not None else None, "limits": self.limits, "reason": self.reason}


def _status(status: str) -> Message | str:
    return MESSAGES.message(f"status.{status}") if f"status.{status}" in MESSAGES else status


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _application(row: tuple) -> Application:
    (app_id, kind, user_id, key_id, name, contact_name, email, organisation, phone, purpose, models, status,
     reason, decided_by, decided_at, created_at, granted_models, limits) = row
    return Application(id=app_id, kind=kind, user_id=user_id, key_id=key_id, name=name, contact_name=contact_name,
                       email=email, organisation=organisation, phone=phone, purpose=purpose,
                       models=tuple(json.loads(models)), status=status, reason=reason, decided_by=decided_by,
                       decided_at=decided_at, created_at=created_at,
                       granted_models=tuple(json.loads(granted_models)) if granted_models is not None else None,
                       limits=json.loads(limits) if limits is not None else None)


def _text(form: dict[str, Any], field: str) -> str:
    low, high = TEXT_FIELDS[field]
    value = form.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError("field.not_text", field, label=label(field))
    value = value.strip()
    if not value:
        raise ApplicationError("field.required", field, label=label(field))
    if not low <= len(value) <= high:
        raise ApplicationError("field.length", field, label=label(field), low=low, high=high, now=len(value))
    return value


def _whole(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:      # 0 would refuse every request
        raise ApplicationError("application.limit", name, label=label(name))
    return value


def _apply_models(catalogue: Catalogue, models: Any) -> list[str]:
    """The models asked for, checked against the catalogue (a list, or text separated by commas)."""
    if isinstance(models, str):
        models = [m for m in (part.strip() for part in models.split(",")) if m]
    if models is None:
        models = []
    if not isinstance(models, list | tuple | set | frozenset) or not all(isinstance(m, str) for m in models):
        raise ApplicationError("application.models_list", "models")
    wanted = list(dict.fromkeys(m.strip() for m in models if m.strip()))
    if not wanted:
        raise ApplicationError("application.models_none", "models")
    unknown = [m for m in wanted if m not in catalogue.models]
    if unknown:
        raise ApplicationError("application.models_unknown", "models", models=", ".join(unknown))
    return wanted


class Applications:
    """Key applications in the ``key_applications`` table, reviewed by admins."""

    def __init__(self, store: Store, keys: KeyStore, catalogue: Catalogue) -> None:
        self._store = store
        self._keys = keys
        self.catalogue = catalogue
        self.pending_reveals: dict[str, str] = {}     # application id -> key secret, until revealed once
        self._lock = threading.RLock()

    # --- reading -----------------------------------------------------------------------------

    def _load(self, app_id: str) -> Application | None:
        row = self._store.cursor().execute(f"SELECT {_COLUMNS} FROM key_applications WHERE id = ?",
                                           [app_id]).fetchone()
        return _application(row) if row else None

    def _require(self, app_id: str) -> Application:
        app = self._load(app_id)
        if app is None:
            raise ApplicationError("application.not_found", "application_id")
        return app

    def get(self, app_id: str, *, viewer_id: str, viewer_is_admin: bool) -> Application:
        """One application; a member may read only their own (PermissionError otherwise)."""
        app = self._require(app_id)
        if not viewer_is_admin and app.user_id != viewer_id:
            raise PermissionError("You can only view your own applications.")
        return app

    def list_for(self, user_id: str) -> list[Application]:
        """A member's own applications, newest first; an admin's call lists everyone's."""
        if self._is_admin(user_id):
            rows = self._store.cursor().execute(
                f"SELECT {_COLUMNS} FROM key_applications ORDER BY created_at DESC, id").fetchall()
        else:
            rows = self._store.cursor().execute(
                f"SELECT {_COLUMNS} FROM key_applications WHERE user_id = ? ORDER BY created_at DESC, id",
                [user_id]).fetchall()
        return [_application(r) for r in rows]

    def queue(self) -> list[Application]:
        """The pending applications, oldest first (the admins' review queue)."""
        rows = self._store.cursor().execute(
            f"SELECT {_COLUMNS} FROM key_applications WHERE status = 'pending' ORDER BY created_at, id").fetchall()
        return [_application(r) for r in rows]

    def can_reveal(self, app_id: str) -> bool:
        """Whether a secret is waiting to be revealed (False after a restart: ask an admin to re-issue)."""
        return app_id in self.pending_reveals

    # --- applying ------------------------------------------------------------------------------

    def _user(self, user_id: str) -> tuple[str, bool] | None:
        """(role, disabled) of a user, or None."""
        row = self._store.cursor().execute("SELECT role, disabled FROM users WHERE id = ?", [user_id]).fetchone()
        return (row[0], bool(row[1])) if row else None

    def _is_admin(self, user_id: str) -> bool:
        if user_id == MASTER_ACTOR:          # the admin HTTP API called with the master key
            return True
        user = self._user(user_id)
        return user is not None and user[0] == "admin" and not user[1]

    def _require_applicant(self, user_id: str) -> None:
        user = self._user(user_id)
        if user is None or user[1]:
            raise ApplicationError("application.cannot_apply", "user_id")

    def _require_admin(self, user_id: str) -> None:
        if not self._is_admin(user_id):
            raise PermissionError("Only administrators can review key applications.")

    def _insert(self, app: Application) -> Application:
        self._store.cursor().execute(
            f"INSERT INTO key_applications ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [app.id, app.kind, app.user_id, app.key_id, app.name, app.contact_name, app.email, app.organisation,
             app.phone, app.purpose, json.dumps(list(app.models)), app.status, None, None, None, app.created_at,
             None, None])
        return app

    def problems(self, form: dict[str, Any]) -> list[ApplicationError]:
        """Every field of a new-key application ``form`` that ``submit`` would refuse, in the form's order, each
        naming its field (a form marks them all at once); empty when the form would be accepted."""
        found: list[ApplicationError] = []
        values: dict[str, str] = {}
        for field in TEXT_FIELDS:
            try:
                values[field] = _text(form, field)
            except ApplicationError as exc:
                found.append(exc)
        if "email" in values and not EMAIL_RE.fullmatch(values["email"]):
            found.append(ApplicationError("field.email", "email"))
        if "phone" in values and (not PHONE_RE.fullmatch(values["phone"])
                                  or sum(c.isdigit() for c in values["phone"]) < 6):
            found.append(ApplicationError("field.phone", "phone"))
        try:
            _apply_models(self.catalogue, form.get("models"))
        except ApplicationError as exc:
            found.append(exc)
        order = list(TEXT_FIELDS) + ["models"]
        return sorted(found, key=lambda e: order.index(e.field) if e.field in order else len(order))

    def submit(self, user_id: str, form: dict[str, Any]) -> Application:
        """Apply for a new key. ``form``: name, contact_name, email, organisation, phone, purpose, models.
        Refused (``ApplicationError`` naming the field) for the first of ``problems``."""
        self._require_applicant(user_id)
        found = self.problems(form)
        if found:
            raise found[0]
        values = {field: _text(form, field) for field in TEXT_FIELDS}
        models = _apply_models(self.catalogue, form.get("models"))
        return self._insert(Application(
            id="app_" + secrets.token_hex(8), kind="new_key", user_id=user_id, key_id=None, name=values["name"],
            contact_name=values["contact_name"], email=values["email"], organisation=values["organisation"],
            phone=values["phone"], purpose=values["purpose"], models=tuple(models), status="pending", reason=None,
            decided_by=None, decided_at=None, created_at=_now(), granted_models=None, limits=None))

    def request_models(self, user_id: str, key_id: str, models: Any, reason: str) -> Application:
        """Ask for more models on a key ``user_id`` owns; ``reason`` says what they are for."""
        self._require_applicant(user_id)
        row = self._store.cursor().execute(
            "SELECT name, models, revoked_at, user_id, is_master FROM api_keys WHERE id = ?", [key_id]).fetchone()
        if row is None or row[3] != user_id or row[4]:
            raise ApplicationError("application.key_not_own", "key_id")
        name, allowed, revoked_at = row[0], row[1], row[2]
        if revoked_at is not None:
            raise ApplicationError("application.key_revoked", "key_id")
        if allowed is None:
            raise ApplicationError("application.key_allows_all", "key_id")
        wanted = [m for m in _apply_models(self.catalogue, models) if m not in set(json.loads(allowed))]
        if not wanted:
            raise ApplicationError("application.models_already", "models")
        low, high = TEXT_FIELDS["purpose"]
        text = reason.strip() if isinstance(reason, str) else ""
        if not low <= len(text) <= high:
            raise ApplicationError("application.more_reason", "reason", low=low, high=high, now=len(text))
        contact = self._store.cursor().execute(
            "SELECT coalesce(display_name, username), email, organisation FROM users WHERE id = ?",
            [user_id]).fetchone()
        return self._insert(Application(
            id="app_" + secrets.token_hex(8), kind="more_models", user_id=user_id, key_id=key_id, name=name,
            contact_name=contact[0], email=contact[1], organisation=contact[2], phone=None, purpose=text,
            models=tuple(wanted), status="pending", reason=None, decided_by=None, decided_at=None,
            created_at=_now(), granted_models=None, limits=None))

    # --- reviewing (admins) --------------------------------------------------------------------

    def _pending(self, app_id: str) -> Application:
        app = self._require(app_id)
        if app.status != "pending":
            raise ApplicationError("application.reviewed", "status", status=_status(app.status))
        return app

    def approve(self, app_id: str, admin_user_id: str, *, models: list[str] | None = None, rpm: int | None = None,
                tpm: int | None = None, quota_tokens: int | None = None, quota_period: str | None = None,
                expires_at: datetime | None = None) -> Application:
        """Approve: a new key for the applicant (its secret waits for ``reveal``), or more models on their key.

        ``models`` (default: all asked) must be a non-empty subset of the models asked for.
        """
        self._require_admin(admin_user_id)
        with self._lock:
            app = self._pending(app_id)
            granted = list(app.models) if models is None else _apply_models(self.catalogue, models)
            outside = [m for m in granted if m not in app.models]
            if outside:
                raise ApplicationError("application.models_not_asked", "models", models=", ".join(outside))
            if app.kind == "more_models":
                if any(v is not None for v in (rpm, tpm, quota_tokens, quota_period, expires_at)):
                    raise ApplicationError("application.limits_more_models", "limits")
                return self._extend(app, admin_user_id, granted)
            limits = {"rpm": _whole("rpm", rpm), "tpm": _whole("tpm", tpm),
                      "quota_tokens": _whole("quota_tokens", quota_tokens), "quota_period": quota_period,
                      "expires_at": None}
            if quota_period is not None and quota_period not in QUOTA_PERIODS:
                raise ApplicationError("application.quota_period", "quota_period", periods=", ".join(QUOTA_PERIODS))
            if quota_tokens is not None and quota_period is None:
                limits["quota_period"] = "total"
            if expires_at is not None:
                if not isinstance(expires_at, datetime):
                    raise ApplicationError("application.expires_at_type", "expires_at")
                if expires_at.tzinfo is not None:
                    expires_at = expires_at.astimezone(UTC).replace(tzinfo=None)
                if expires_at <= _now():
                    raise ApplicationError("application.expires_at_past", "expires_at")
                limits["expires_at"] = expires_at.isoformat()
            key_id, secret = self._create_key(app, granted, limits)
            try:
                after = self._decide(app, admin_user_id, "approve", status="approved", key_id=key_id,
                                     granted=granted, limits=limits)
            except Exception:
                self._keys.revoke(key_id)
                raise
            self.pending_reveals[app.id] = secret
            return after

    def _create_key(self, app: Application, granted: list[str], limits: dict[str, Any]) -> tuple[str, str]:
        expires = datetime.fromisoformat(limits["expires_at"]) if limits.get("expires_at") else None
        return self._keys.create(app.name, granted, expires, user_id=app.user_id, purpose="api",
                                 rpm=limits.get("rpm"), tpm=limits.get("tpm"),
                                 quota_tokens=limits.get("quota_tokens"), quota_period=limits.get("quota_period"))

    def _decide(self, app: Application, admin_user_id: str, action: str, *, status: str, key_id: str | None = None,
                granted: list[str] | None = None, limits: dict[str, Any] | None = None, reason: str | None = None,
                extra_before: dict[str, Any] | None = None, extra_after: dict[str, Any] | None = None,
                key_models: list[str] | None = None) -> Application:
        """Record the decision and its audit entry in one transaction (refused if no longer pending)."""
        cur = self._store.cursor()
        cur.execute("BEGIN")
        try:
            still = cur.execute("SELECT status FROM key_applications WHERE id = ?", [app.id]).fetchone()
            if still is None or still[0] != "pending":
                raise ApplicationError("application.reviewed_meanwhile", "status")
            cur.execute("UPDATE key_applications SET status = ?, key_id = coalesce(?, key_id), granted_models = ?,"
                        " limits = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                        [status, key_id, json.dumps(granted) if granted is not None else None,
                         json.dumps(limits) if limits is not None else None, reason, admin_user_id, _now(), app.id])
            if key_models is not None:
                cur.execute("UPDATE api_keys SET models = ? WHERE id = ?", [json.dumps(key_models), app.key_id])
            after = _application(cur.execute(f"SELECT {_COLUMNS} FROM key_applications WHERE id = ?",
                                             [app.id]).fetchone())
            audit.record(cur, admin_user_id, action, "key_application", app.id,
                         {**app.snapshot(), **(extra_before or {})}, {**after.snapshot(), **(extra_after or {})})
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
        return after

    def _extend(self, app: Application, admin_user_id: str, granted: list[str]) -> Application:
        row = self._store.cursor().execute("SELECT models, revoked_at FROM api_keys WHERE id = ?",
                                           [app.key_id]).fetchone()
        if row is None or row[1] is not None:
            raise ApplicationError("application.key_gone", "key_id")
        current = json.loads(row[0]) if row[0] is not None else None
        if current is None:
            raise ApplicationError("application.key_allows_all_reject", "key_id")
        extended = list(dict.fromkeys([*current, *granted]))
        after = self._decide(app, admin_user_id, "extend", status="approved", granted=granted,
                             extra_before={"key_models": current}, extra_after={"key_models": extended},
                             key_models=extended)
        self._keys.invalidate()
        return after

    def reject(self, app_id: str, admin_user_id: str, reason: str) -> Application:
        """Reject with a reason the applicant sees."""
        self._require_admin(admin_user_id)
        text = reason.strip() if isinstance(reason, str) else ""
        low, high = REASON_LIMITS
        if not low <= len(text) <= high:
            raise ApplicationError("application.reject_reason", "reason", low=low, high=high, now=len(text))
        with self._lock:
            app = self._pending(app_id)
            return self._decide(app, admin_user_id, "reject", status="rejected", reason=text)

    def reveal(self, app_id: str, user_id: str) -> str | None:
        """The new key's secret, once, to the applicant only; None afterwards, to anyone else, or after a restart."""
        with self._lock:
            app = self._load(app_id)
            if app is None or app.user_id != user_id:
                return None
            return self.pending_reveals.pop(app_id, None)

    def reissue(self, app_id: str, admin_user_id: str) -> Application:
        """Revoke the key of an approved application and issue a new one (same models and limits) to reveal."""
        self._require_admin(admin_user_id)
        with self._lock:
            app = self._require(app_id)
            if app.kind != "new_key" or app.status != "approved":
                raise ApplicationError("application.reissue", "status")
            old_key = app.key_id
            key_id, secret = self._create_key(app, list(app.granted_models or ()), app.limits or {})
            cur = self._store.cursor()
            cur.execute("BEGIN")
            try:
                cur.execute("UPDATE key_applications SET key_id = ? WHERE id = ?", [key_id, app.id])
                if old_key is not None:
                    cur.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                [_now(), old_key])
                after = _application(cur.execute(f"SELECT {_COLUMNS} FROM key_applications WHERE id = ?",
                                                 [app.id]).fetchone())
                audit.record(cur, admin_user_id, "reissue", "key_application", app.id, app.snapshot(),
                             {**after.snapshot(), "revoked_key_id": old_key})
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                self._keys.revoke(key_id)
                raise
            self._keys.invalidate()
            self.pending_reveals[app.id] = secret
            return after
