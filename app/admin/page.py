"""Admin page: the key-application queue, users, all keys, models, audit log.

``AdminPage(services, models)`` holds the handlers (methods over ``AdminServices``, tested directly; ``refresh``
answers with an ``AdminView``); the Models tab is ``app.admin.models.ModelsTab``. Every handler calls
``app.shell.access.admin_only`` first: the Admin link is hidden from members, but the handlers are the
authorization (a member calling one gets a refusal and nothing changes). The services (``gateway.console`` /
``gateway.applications``) check again and write the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import gradio as gr

from app.account.page import model_choices
from app.shell import forms, tables
from app.shell.access import WITH_LANG_JS, admin_only, locale_of, run
from app.shell.forms import Form, Refusal, literal, refuse
from app.shell.i18n import translate
from app.shell.views import View, shown
from gateway.accounts.applications import Applications
from gateway.accounts.console import Actor, Console
from gateway.accounts.users import Accounts
from gateway.routing.catalogue import Catalogue

if TYPE_CHECKING:
    from app.admin.models import ModelsTab
    from gateway.service import Gateway

AUDIT_PAGE = 50
QUOTA_PERIOD_CHOICES = ("total", "month")


class Refused(Exception):
    """Several refused fields of one form at once."""

    def __init__(self, problems: list[Refusal]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _t(locale: str):
    return lambda key, **fields: translate(key, locale, **fields)


# ---------------------------------------------------------------- pure renderers


def queue_html(apps: list[Any], users: dict[str, Any], locale: str) -> str:
    t = _t(locale)
    rows = []
    for app in apps:
        user = users.get(app.user_id)
        who = f"{user.username if user else app.user_id}"
        contact = " · ".join(x for x in (app.contact_name, app.email, app.phone) if x)
        rows.append([
            tables.esc(tables.when(app.created_at)),
            tables.esc(t(f"account.kind_{app.kind}")),
            f"<b>{tables.esc(app.name)}</b><div class=\"muted\">{tables.esc(who)}</div>",
            f"{tables.esc(app.organisation or '—')}<div class=\"muted\">{tables.esc(contact)}</div>",
            tables.esc(app.purpose),
            tables.esc(", ".join(app.models)),
        ])
    heads = [t(f"admin.col_{c}") for c in ("submitted", "kind", "name", "organisation", "purpose", "models")]
    return tables.table(heads, rows, t("admin.queue_empty"), raw_columns=range(6), row_ids=[a.id for a in apps])


def users_html(users: list[Any], locale: str) -> str:
    t = _t(locale)
    rows = []
    for user in users:
        role = tables.badge(t(f"shell.role_{user.role}"), "admin" if user.role == "admin" else "member")
        state = (tables.badge(t("admin.disabled"), "disabled") if user.disabled
                 else tables.badge(t("admin.enabled"), "active"))
        sign_in = t("admin.sso") if user.oidc_subject else t("admin.password")
        rows.append([f"<b>{tables.esc(user.username)}</b><div class=\"muted\">{tables.esc(user.display_name or '')}"
                     "</div>", tables.esc(user.email or "—"), tables.esc(user.organisation or "—"), role, state,
                     tables.esc(sign_in)])
    heads = [t(f"admin.col_{c}") for c in ("user", "email", "organisation", "role", "state", "sign_in")]
    return tables.table(heads, rows, t("admin.no_users"), raw_columns=range(6), row_ids=[u.id for u in users])


def all_keys_html(keys: list[Any], locale: str) -> str:
    t = _t(locale)
    rows = []
    for key in keys:
        state = key.state()
        rows.append([
            tables.esc(key.name if key.purpose != "workbench" else t("account.workbench_key")),
            f"<code>{tables.esc(key.prefix)}…</code>",
            tables.esc(key.username or "—"),
            tables.badge(t(f"account.state_{state}"), state),
            tables.esc(tables.models_text(key.models, locale)),
            tables.esc(tables.limits_text(key.rpm, key.tpm, key.quota_tokens, key.quota_period, locale)),
            tables.esc(tables.when(key.expires_at) if key.expires_at else t("account.never")),
            tables.esc(tables.when(key.last_used_at) if key.last_used_at else t("account.never_used")),
        ])
    heads = [t(f"account.col_{c}") for c in ("name", "prefix")] + [t("admin.col_owner")] + [
        t(f"account.col_{c}") for c in ("state", "models", "limits", "expires", "last_used")]
    return tables.table(heads, rows, t("account.no_keys"), raw_columns=range(8), row_ids=[k.id for k in keys])


def _short_json(value: Any, limit: int = 300) -> str:
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_html(entries: list[Any], users: dict[str, Any], locale: str) -> str:
    t = _t(locale)
    rows = []
    for e in entries:
        actor = users.get(e.actor_user_id)
        who = actor.username if actor else (t("admin.master_key") if e.actor_user_id == "master"
                                            else e.actor_user_id or "—")
        target = f"{_word(t, 'admin.target_', e.target_type)} {e.target_id or ''}".strip()
        rows.append([tables.esc(tables.when(e.ts)), tables.esc(who), tables.esc(_word(t, "admin.action_", e.action)),
                     tables.esc(target), f"<code>{tables.esc(_short_json(e.before))}</code>",
                     f"<code>{tables.esc(_short_json(e.after))}</code>"])
    heads = [t(f"admin.col_{c}") for c in ("time", "actor", "action", "target", "before", "after")]
    return tables.table(heads, rows, t("admin.audit_empty"), raw_columns=range(6))


def _word(t: Any, prefix: str, code: str | None) -> str:
    """An audit log's action or target type in words (``admin.action_<code>``), else as recorded."""
    key = f"{prefix}{code}"
    text = t(key)
    return code or "—" if text == key else text


# ---------------------------------------------------------------- handlers

LIMITS = ("rpm", "tpm", "quota", "period", "days")
_LIMIT_ALIASES = {"quota_tokens": "quota", "quota_period": "period", "expires_at": "days", "limits": "rpm"}
# the forms' outputs by name (the layout wires the components in this order)
APPROVE = Form(("notice", "application", "models", *LIMITS), fields=dict.fromkeys(("application", "models", *LIMITS)),
               aliases={"application_id": "application", "status": "application", **_LIMIT_ALIASES})
REJECT = Form(("notice", "application", "reason"), fields=dict.fromkeys(("application", "reason")),
              aliases={"application_id": "application", "status": "application"})
REISSUE = Form(("notice", "application"), fields={"application": None},
               aliases={"application_id": "application", "status": "application"})
USER = Form(("notice", "user", "role"), fields=dict.fromkeys(("user", "role")),
            aliases={"user_id": "user", "disabled": "user"})
RESET = Form(("notice", "user", "password"), fields=dict.fromkeys(("user", "password")), aliases={"user_id": "user"})
CREATE_USER = Form(("notice", "username", "password", "role", "email", "organisation"),
                   fields=dict.fromkeys(("username", "password", "role", "email", "organisation")))
REVOKE_KEY = Form(("notice", "key"), fields={"key": None}, aliases={"key_id": "key"})
CREATE_KEY = Form(("notice", "user", "name", "models", *LIMITS, "secret"),
                  fields=dict.fromkeys(("user", "name", "models", *LIMITS)),
                  aliases={"user_id": "user", **_LIMIT_ALIASES})
_LIMIT_LABELS = {"rpm": "admin.f_rpm", "tpm": "admin.f_tpm", "quota": "admin.f_quota"}


def _whole_number(value: Any) -> int | None:
    """A whole number of 0 or more from a box (text or number; "1,000" and "1 000" too), None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = str(value).strip().replace(",", "").replace("_", "").replace(" ", "")
    return int(text) if text.isdigit() else None


def _days(value: Any, locale: str) -> datetime | None:
    """The expiry from "expires in days" (empty or 0: never)."""
    if value is None or str(value).strip() == "":
        return None
    days = _whole_number(value)
    if days is None or days > 36_500:
        raise refuse("days", "admin.bad_days", locale, field=translate("admin.f_expires_days", locale))
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(days=days) if days else None


def _limit(field: str, value: Any, locale: str) -> int | None:
    """A limit from its box: empty or 0 means no limit (a limit of 0 would only block the key)."""
    if value is None or str(value).strip() == "":
        return None
    number = _whole_number(value)
    if number is None:
        raise refuse(field, "admin.bad_limit", locale, field=translate(_LIMIT_LABELS[field], locale))
    return number or None


def _limits(rpm: Any, tpm: Any, quota: Any, period: str | None, days: Any, locale: str) -> dict[str, Any]:
    """The limits of a key (approve, issue) from the form, every bad box refused at once by its label."""
    values: dict[str, Any] = {}
    problems: list[Refusal] = []
    for field, raw, parse in (("rpm", rpm, _limit), ("tpm", tpm, _limit), ("quota", quota, _limit),
                              ("days", days, None)):
        try:
            values[field] = _days(raw, locale) if parse is None else parse(field, raw, locale)
        except Refusal as exc:
            problems.append(exc)
    if problems:
        raise Refused(problems)
    return {"rpm": values["rpm"], "tpm": values["tpm"], "quota_tokens": values["quota"],
            "quota_period": (period or None) if values["quota"] is not None else None, "expires_at": values["days"]}


def _kept(value: Any, choices: list[tuple[str, str]], default: Any = None) -> Any:
    return value if value in {c[1] for c in choices} else default


class AdminServices(Protocol):
    """What the admin page uses of the gateway (``gateway.service.Gateway`` has each of them)."""

    console: Console              # who may do what: users, keys, the audit log (it checks and audits again)
    applications: Applications    # the key-application queue: approve, reject, re-issue
    accounts: Accounts            # a new user's form checked before it is created
    catalogue: Catalogue          # the models a key may be granted (read on every call: it may be edited)


@dataclass
class AdminView(View):
    """Every table of the page and the choices of every form (what is chosen stays chosen while it is there)."""

    queue: str                    # the applications waiting (HTML)
    application: Any              # the application chosen in the queue (dropdown update; the first by default)
    users: str                    # every user (HTML)
    user: Any                     # the user chosen (dropdown update)
    keys: str                     # every key (HTML)
    key: Any                      # the key to revoke (dropdown update)
    key_user: Any                 # whom a new key is for (dropdown update)
    key_models: Any               # a new key's model choices
    approved: Any                 # the approved applications whose key may be re-issued (dropdown update)
    audit: str                    # the audit log's first page (HTML)


@dataclass
class ApplicationView(View):
    """The application chosen in the queue: what it asks for, ready to grant."""

    grant: Any                    # the models to grant, all of those asked for ticked (checkbox update)
    picked: str                   # what it asks (Markdown)


class AdminPage:
    """The admin page's handlers over ``services``; each checks the caller is an administrator first.
    ``models`` is the Models tab (``app.admin.models.ModelsTab``), laid out inside the page."""

    def __init__(self, services: AdminServices, models: ModelsTab | None = None) -> None:
        self.services = services
        self.models = models

    def _admin(self, lang: str | None, request: gr.Request | None) -> tuple[str, Actor]:
        locale = locale_of(lang, request)
        return locale, admin_only(self.services.console, request, locale)

    def refresh(self, app_id: str | None, user_id: str | None, key_id: str | None, key_user_id: str | None,
                approved_id: str | None, lang: str, request: gr.Request) -> AdminView:
        """Every table and the choices of every form (what is chosen stays chosen while it is still there)."""
        locale, actor = self._admin(lang, request)
        console, applications = self.services.console, self.services.applications
        users = console.users(actor)
        by_id = {u.id: u for u in users}
        queue = applications.queue()
        keys = console.all_keys(actor)
        queue_choices = [(f"{a.name} · {by_id[a.user_id].username if a.user_id in by_id else a.user_id}", a.id)
                         for a in queue]
        user_choices = [(u.username, u.id) for u in users]
        key_choices = [(f"{k.name} ({k.prefix}…) · {k.username or '—'}", k.id) for k in keys
                       if k.state() == "active" and k.purpose != "workbench"]
        approved = [(f"{a.name} · {by_id[a.user_id].username if a.user_id in by_id else a.user_id}", a.id)
                    for a in applications.list_for(actor.user_id) if a.status == "approved" and a.kind == "new_key"]
        first = queue_choices[0][1] if queue_choices else None
        return AdminView(
            queue=queue_html(queue, by_id, locale),
            application=gr.update(choices=queue_choices, value=_kept(app_id, queue_choices, first)),
            users=users_html(users, locale), user=gr.update(choices=user_choices, value=_kept(user_id, user_choices)),
            keys=all_keys_html(keys, locale), key=gr.update(choices=key_choices, value=_kept(key_id, key_choices)),
            key_user=gr.update(choices=user_choices, value=_kept(key_user_id, user_choices)),
            key_models=gr.update(choices=model_choices(self.services.catalogue, locale)),
            approved=gr.update(choices=approved, value=_kept(approved_id, approved)),
            audit=audit_html(console.audit_log(actor, AUDIT_PAGE, 0), by_id, locale))

    def pick_application(self, app_id: str | None, lang: str, request: gr.Request) -> ApplicationView:
        locale, actor = self._admin(lang, request)
        if not app_id:
            return ApplicationView(grant=gr.update(choices=[], value=[]), picked="")
        app = run(locale, self.services.applications.get, app_id, viewer_id=actor.user_id, viewer_is_admin=True)
        t = _t(locale)
        note = t("admin.picked", name=literal(app.name), kind=t(f"account.kind_{app.kind}"),
                 models=", ".join(app.models))
        return ApplicationView(grant=gr.update(choices=list(app.models), value=list(app.models)), picked=note)

    @APPROVE.guard
    def approve(self, app_id: str | None, models: list[str] | None, rpm: Any, tpm: Any, quota: Any,
                period: str | None, days: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not app_id:
            raise refuse("application", "admin.choose_application", locale)
        if not models:
            raise refuse("models", "admin.choose_models", locale)
        kwargs: dict[str, Any] = {"models": list(models)}
        app = self.services.applications.get(app_id, viewer_id=actor.user_id, viewer_is_admin=True)
        if app.kind == "new_key":
            try:
                kwargs.update(_limits(rpm, tpm, quota, period, days, locale))
            except Refused as exc:
                return APPROVE.refused(exc.problems, locale)
        after = self.services.applications.approve(app_id, actor.user_id, **kwargs)
        return APPROVE.accepted(locale, notice=translate("admin.approved", locale, name=literal(after.name),
                                                         models=", ".join(after.granted_models or ())),
                                rpm="", tpm="", quota="", days="")

    @REJECT.guard
    def reject(self, app_id: str | None, reason: str, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not app_id:
            raise refuse("application", "admin.choose_application", locale)
        after = self.services.applications.reject(app_id, actor.user_id, reason or "")
        return REJECT.accepted(locale, notice=translate("admin.rejected", locale, name=literal(after.name)),
                               reason="")

    @REISSUE.guard
    def reissue(self, app_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not app_id:
            raise refuse("application", "admin.choose_application", locale)
        after = self.services.applications.reissue(app_id, actor.user_id)
        return REISSUE.accepted(locale, notice=translate("admin.reissued", locale, name=literal(after.name)))

    @USER.guard
    def set_role(self, user_id: str | None, role: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not user_id:
            raise refuse("user", "admin.choose_user", locale)
        if not role:
            raise refuse("role", "admin.choose_role", locale)
        user = self.services.console.set_role(actor, user_id, role)
        return USER.accepted(locale, notice=translate("admin.role_set", locale, name=literal(user.username),
                                                      role=translate(f"shell.role_{user.role}", locale)))

    def _set_disabled(self, user_id: str | None, disabled: bool, lang: str,
                      request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not user_id:
            raise refuse("user", "admin.choose_user", locale)
        user = self.services.console.set_disabled(actor, user_id, disabled)
        return USER.accepted(locale, notice=translate("admin.user_disabled" if user.disabled else "admin.user_enabled",
                                                      locale, name=literal(user.username)))

    @USER.guard
    def disable(self, user_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        return self._set_disabled(user_id, True, lang, request)

    @USER.guard
    def enable(self, user_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        return self._set_disabled(user_id, False, lang, request)

    @RESET.guard
    def reset_password(self, user_id: str | None, password: str, lang: str,
                       request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not user_id:
            raise refuse("user", "admin.choose_user", locale)
        self.services.console.reset_password(actor, user_id, password or "")
        return RESET.accepted(locale, notice=translate("admin.password_reset", locale), password="")

    @CREATE_USER.guard
    def create_user(self, username: str, password: str, role: str | None, email: str, organisation: str, lang: str,
                    request: gr.Request) -> tuple[Any, ...]:
        """A new account; every bad field is marked at once, and what was typed stays."""
        locale, actor = self._admin(lang, request)
        values = {"role": role or "member", "email": email or None, "organisation": organisation or None}
        problems = self.services.accounts.problems(username or "", password or None, **values)
        if problems:
            return CREATE_USER.refused(problems, locale)
        user = self.services.console.create_user(actor, username or "", password or None, **values)
        return CREATE_USER.accepted(locale, notice=translate("admin.user_created", locale, name=literal(user.username)),
                                    username="", password="", email="", organisation="")

    @REVOKE_KEY.guard
    def revoke_key(self, key_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        if not key_id:
            raise refuse("key", "account.choose_key", locale)
        key = self.services.console.revoke_key(actor, key_id)
        return REVOKE_KEY.accepted(locale, notice=translate("account.revoked", locale, name=literal(key.name)))

    @CREATE_KEY.guard
    def create_key(self, user_id: str | None, name: str, models: list[str] | None, rpm: Any, tpm: Any, quota: Any,
                   period: str | None, days: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._admin(lang, request)
        problems: list[Any] = []
        if not user_id:
            problems.append(refuse("user", "admin.choose_user", locale))
        if not models:
            problems.append(refuse("models", "admin.choose_models", locale))
        try:
            limits = _limits(rpm, tpm, quota, period, days, locale)
        except Refused as exc:
            problems += exc.problems
        if problems:
            return CREATE_KEY.refused(problems, locale)
        key, secret = self.services.console.create_key(actor, user_id, name or "", list(models), **limits)
        return CREATE_KEY.accepted(locale, notice=translate("admin.key_created", locale, name=literal(key.name),
                                                            user=literal(key.username or "")),
                                   secret=gr.update(value=secret, visible=True), name="", models=[], rpm="", tpm="",
                                   quota="", days="")

    def audit_page(self, offset: Any, lang: str, request: gr.Request) -> str:
        locale, actor = self._admin(lang, request)
        start = max(0, int(offset or 0))
        console = self.services.console
        return audit_html(console.audit_log(actor, AUDIT_PAGE, start), {u.id: u for u in console.users(actor)}, locale)

    # ------------------------------------------------------------ layout

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the page in the current route and wire it."""
        lang = gr.Textbox(visible=False)
        gr.Markdown(i18n("admin.title"))
        with gr.Tabs():
            with gr.Tab(i18n("admin.tab_queue"), id="queue"):
                queue = gr.HTML(css_template=tables.CSS, elem_id="admin-queue")
                pick = gr.Dropdown(label=i18n("admin.application"), choices=[], elem_id="admin-application")
                picked_md = gr.Markdown()
                grant = gr.CheckboxGroup(label=i18n("admin.grant_models"), choices=[], elem_id="admin-grant")
                limits = _limit_boxes(i18n, "admin-approve")
                approve_btn = gr.Button(i18n("admin.approve"), variant="primary", elem_id="admin-approve")
                with gr.Row(equal_height=True):
                    reason = gr.Textbox(label=i18n("admin.reject_reason"), scale=3, elem_id="admin-reason")
                    reject_btn = gr.Button(i18n("admin.reject"), variant="stop", scale=1, elem_id="admin-reject")
                queue_md = gr.Markdown(elem_id="admin-queue-result")
                with gr.Accordion(i18n("admin.reissue_heading"), open=False):
                    gr.Markdown(i18n("admin.reissue_intro"))
                    with gr.Row(equal_height=True):
                        approved = gr.Dropdown(label=i18n("admin.application"), choices=[], scale=3,
                                               elem_id="admin-reissue-application")
                        reissue_btn = gr.Button(i18n("admin.reissue"), scale=1, elem_id="admin-reissue")
                    reissue_md = gr.Markdown(elem_id="admin-reissue-result")
            with gr.Tab(i18n("admin.tab_users"), id="users"):
                users = gr.HTML(css_template=tables.CSS, elem_id="admin-users")
                with gr.Row(equal_height=True):
                    user = gr.Dropdown(label=i18n("admin.user"), choices=[], scale=2, elem_id="admin-user")
                    role = gr.Dropdown(label=i18n("admin.role"), scale=1, elem_id="admin-role", choices=[
                        (i18n("shell.role_member"), "member"), (i18n("shell.role_admin"), "admin")])
                    role_btn = gr.Button(i18n("admin.set_role"), scale=1, elem_id="admin-set-role")
                    disable_btn = gr.Button(i18n("admin.disable"), variant="stop", scale=1, elem_id="admin-disable")
                    enable_btn = gr.Button(i18n("admin.enable"), scale=1, elem_id="admin-enable")
                with gr.Row(equal_height=True):
                    new_pw = gr.Textbox(label=i18n("admin.new_password"), type="password", scale=3,
                                        elem_id="admin-new-password")
                    reset_btn = gr.Button(i18n("admin.reset_password"), scale=1, elem_id="admin-reset-password")
                users_md = gr.Markdown(elem_id="admin-users-result")
                with gr.Accordion(i18n("admin.create_user"), open=False, elem_id="admin-create-user-box"):
                    with gr.Row():
                        c_name = gr.Textbox(label=i18n("admin.username"), elem_id="admin-c-username")
                        c_pw = gr.Textbox(label=i18n("admin.initial_password"), type="password",
                                          elem_id="admin-c-password")
                        c_role = gr.Dropdown(label=i18n("admin.role"), value="member", elem_id="admin-c-role",
                                             choices=[(i18n("shell.role_member"), "member"),
                                                      (i18n("shell.role_admin"), "admin")])
                    with gr.Row():
                        c_email = gr.Textbox(label=i18n("account.f_email"), elem_id="admin-c-email")
                        c_org = gr.Textbox(label=i18n("account.f_organisation"), elem_id="admin-c-organisation")
                    create_user_btn = gr.Button(i18n("admin.create_user"), variant="primary",
                                                elem_id="admin-c-create")
                    create_user_md = gr.Markdown(elem_id="admin-create-user-result")
            with gr.Tab(i18n("admin.tab_keys"), id="keys"):
                keys = gr.HTML(css_template=tables.CSS, elem_id="admin-keys")
                with gr.Row(equal_height=True):
                    key = gr.Dropdown(label=i18n("account.revoke_label"), choices=[], scale=3,
                                      elem_id="admin-revoke-key")
                    revoke_btn = gr.Button(i18n("account.revoke"), variant="stop", scale=1, elem_id="admin-revoke")
                keys_md = gr.Markdown(elem_id="admin-keys-result")
                with gr.Accordion(i18n("admin.create_key"), open=False, elem_id="admin-create-key-box"):
                    gr.Markdown(i18n("admin.create_key_intro"))
                    with gr.Row():
                        k_user = gr.Dropdown(label=i18n("admin.user"), choices=[], elem_id="admin-k-user")
                        k_name = gr.Textbox(label=i18n("account.f_name"), elem_id="admin-k-name")
                    k_models = gr.CheckboxGroup(label=i18n("account.f_models"), choices=[],
                                                elem_id="admin-k-models")
                    k_limits = _limit_boxes(i18n, "admin-k")
                    create_key_btn = gr.Button(i18n("admin.create_key"), variant="primary",
                                               elem_id="admin-k-create")
                    create_key_md = gr.Markdown(elem_id="admin-create-key-result")
                    k_secret = gr.Textbox(label=i18n("account.secret_label"), visible=False, interactive=False,
                                          buttons=["copy"], elem_id="admin-k-secret")
            with gr.Tab(i18n("admin.tab_models"), id="models"):
                if self.models is not None:
                    self.models.build(i18n, page=page)
            with gr.Tab(i18n("admin.tab_audit"), id="audit"):
                with gr.Row(equal_height=True):
                    offset = gr.Number(label=i18n("admin.audit_offset"), value=0, precision=0, minimum=0, scale=1)
                    audit_btn = gr.Button(i18n("account.refresh"), scale=0)
                audit = gr.HTML(css_template=tables.CSS, elem_id="admin-audit")
        refresh_btn = gr.Button(i18n("account.refresh"), size="sm")

        # no progress overlay on anything: on a failed call Gradio would cover each output with an error badge
        common = {"js": WITH_LANG_JS, "show_progress": "hidden"}
        view = AdminView.pick({"queue": queue, "application": pick, "users": users, "user": user, "keys": keys,
                               "key": key, "key_user": k_user, "key_models": k_models, "approved": approved,
                               "audit": audit})
        refresh = {"fn": shown(self.refresh), "inputs": [pick, user, key, k_user, approved, lang], "outputs": view,
                   **common}
        gr.on([page.load, refresh_btn.click], **refresh)

        wire = partial(forms.wire, lang=lang, refresh=refresh, **common)

        pick.change(shown(self.pick_application), inputs=[pick, lang],
                    outputs=ApplicationView.pick({"grant": grant, "picked": picked_md}), **common)
        wire(approve_btn, self.approve, [pick, grant, *limits], [queue_md, pick, grant, *limits],
             [pick, grant, *limits])
        wire(reject_btn, self.reject, [pick, reason], [queue_md, pick, reason], [pick, reason])
        wire(reissue_btn, self.reissue, [approved], [reissue_md, approved], [approved])
        wire(role_btn, self.set_role, [user, role], [users_md, user, role], [user, role])
        wire(disable_btn, self.disable, [user], [users_md, user, role], [user, role])
        wire(enable_btn, self.enable, [user], [users_md, user, role], [user, role])
        wire(reset_btn, self.reset_password, [user, new_pw], [users_md, user, new_pw], [user, new_pw],
             then_refresh=False)
        new_user = [c_name, c_pw, c_role, c_email, c_org]
        wire(create_user_btn, self.create_user, new_user, [create_user_md, *new_user], new_user)
        wire(revoke_btn, self.revoke_key, [key], [keys_md, key], [key])
        new_key = [k_user, k_name, k_models, *k_limits]
        wire(create_key_btn, self.create_key, new_key, [create_key_md, *new_key, k_secret], new_key)
        audit_btn.click(self.audit_page, inputs=[offset, lang], outputs=[audit], **common)


# ---------------------------------------------------------------- layout


def _limit_boxes(i18n: gr.I18n, prefix: str) -> list[Any]:
    """The limits of a key. Text boxes, not ``gr.Number``: Gradio 6.31 shows an empty number box as "0", and
    these mean "no limit" when empty."""
    with gr.Row():
        rpm = gr.Textbox(label=i18n("admin.f_rpm"), max_lines=1, elem_id=f"{prefix}-rpm")
        tpm = gr.Textbox(label=i18n("admin.f_tpm"), max_lines=1, elem_id=f"{prefix}-tpm")
        quota = gr.Textbox(label=i18n("admin.f_quota"), max_lines=1, elem_id=f"{prefix}-quota")
        period = gr.Dropdown(label=i18n("admin.f_period"), value="total", elem_id=f"{prefix}-period",
                             choices=[(i18n("admin.period_total"), "total"), (i18n("admin.period_month"), "month")])
        days = gr.Textbox(label=i18n("admin.f_expires_days"), max_lines=1, elem_id=f"{prefix}-days")
    return [rpm, tpm, quota, period, days]


def build(page: gr.Blocks, gateway: Gateway, i18n: gr.I18n) -> None:
    """Lay out the admin page in the current route (``app.ui``'s way of building every page)."""
    from app.admin.models import ModelsTab
    from gateway.routing.model_config import ModelConfig

    AdminPage(gateway, ModelsTab(gateway, ModelConfig(gateway))).build(page, i18n)
