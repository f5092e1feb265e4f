"""Admin page: the key-application queue, users, all keys, models, audit log.

Every handler calls ``app.access.admin_only`` first: the Admin link is hidden from members, but
the handlers are the authorization (a member calling one gets a refusal and nothing changes).
The services (``gateway.console`` / ``gateway.applications``) check again and write the audit log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import gradio as gr

from app import tables
from app.access import WITH_LANG_JS, admin_only, locale_of, run
from app.account import model_choices
from app.i18n import translate

AUDIT_PAGE = 50
QUOTA_PERIOD_CHOICES = ("total", "month")


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
        rows.append([tables.when(e.ts), who, e.action, f"{e.target_type} {e.target_id or ''}".strip(),
                     _short_json(e.before), _short_json(e.after)])
    heads = [t(f"admin.col_{c}") for c in ("time", "actor", "action", "target", "before", "after")]
    return tables.table(heads, rows, t("admin.audit_empty"))


# ---------------------------------------------------------------- handlers


def _days(label: str, value: Any, locale: str) -> datetime | None:
    if value in (None, "", 0):
        return None
    if not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise gr.Error(translate("admin.bad_days", locale, field=label), print_exception=False)
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(days=int(value))


def _whole(value: Any) -> int | None:
    """A limit from a number box: empty or 0 means no limit (a limit of 0 would only block the key)."""
    if value in (None, "", 0):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def make_handlers(gateway: Any) -> SimpleNamespace:
    console = gateway.console
    applications = gateway.applications

    def admin(lang: str, request: gr.Request):
        locale = locale_of(lang, request)
        return locale, admin_only(console, request, locale)

    def users_by_id(actor) -> dict[str, Any]:
        return {u.id: u for u in console.users(actor)}

    def refresh(lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = admin(lang, request)
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
        return (queue_html(queue, by_id, locale),
                gr.update(choices=queue_choices, value=queue_choices[0][1] if queue_choices else None),
                users_html(users, locale), gr.update(choices=user_choices, value=None),
                all_keys_html(keys, locale), gr.update(choices=key_choices, value=None),
                gr.update(choices=user_choices, value=None),
                gr.update(choices=model_choices(gateway.catalogue, locale)),
                gr.update(choices=approved, value=None),
                audit_html(console.audit_log(actor, AUDIT_PAGE, 0), by_id, locale))

    def pick_application(app_id: str | None, lang: str, request: gr.Request) -> tuple[Any, str]:
        locale, actor = admin(lang, request)
        if not app_id:
            return gr.update(choices=[], value=[]), ""
        app = run(locale, applications.get, app_id, viewer_id=actor.user_id, viewer_is_admin=True)
        t = _t(locale)
        note = t("admin.picked", name=app.name, kind=t(f"account.kind_{app.kind}"), models=", ".join(app.models))
        return gr.update(choices=list(app.models), value=list(app.models)), note

    def approve(app_id: str | None, models: list[str] | None, rpm: Any, tpm: Any, quota: Any, period: str | None,
                days: Any, lang: str, request: gr.Request) -> str:
        locale, actor = admin(lang, request)
        if not app_id:
            raise gr.Error(translate("admin.choose_application", locale), print_exception=False)
        if not models:
            raise gr.Error(translate("admin.choose_models", locale), print_exception=False)
        kwargs: dict[str, Any] = {"models": list(models)}
        app = run(locale, applications.get, app_id, viewer_id=actor.user_id, viewer_is_admin=True)
        if app.kind == "new_key":
            kwargs.update(rpm=_whole(rpm), tpm=_whole(tpm), quota_tokens=_whole(quota),
                          quota_period=(period or None) if _whole(quota) is not None else None,
                          expires_at=_days(translate("admin.f_expires_days", locale), days, locale))
        after = run(locale, applications.approve, app_id, actor.user_id, **kwargs)
        return translate("admin.approved", locale, name=after.name, models=", ".join(after.granted_models or ()))

    def reject(app_id: str | None, reason: str, lang: str, request: gr.Request) -> tuple[str, str]:
        locale, actor = admin(lang, request)
        if not app_id:
            raise gr.Error(translate("admin.choose_application", locale), print_exception=False)
        after = run(locale, applications.reject, app_id, actor.user_id, reason or "")
        return translate("admin.rejected", locale, name=after.name), ""

    def reissue(app_id: str | None, lang: str, request: gr.Request) -> str:
        locale, actor = admin(lang, request)
        if not app_id:
            raise gr.Error(translate("admin.choose_application", locale), print_exception=False)
        after = run(locale, applications.reissue, app_id, actor.user_id)
        return translate("admin.reissued", locale, name=after.name)

    def set_role(user_id: str | None, role: str | None, lang: str, request: gr.Request) -> str:
        locale, actor = admin(lang, request)
        if not user_id or not role:
            raise gr.Error(translate("admin.choose_user", locale), print_exception=False)
        user = run(locale, console.set_role, actor, user_id, role)
        return translate("admin.role_set", locale, name=user.username, role=translate(f"shell.role_{user.role}",
                                                                                      locale))

    def set_disabled(user_id: str | None, disabled: bool, lang: str, request: gr.Request) -> str:
        locale, actor = admin(lang, request)
        if not user_id:
            raise gr.Error(translate("admin.choose_user", locale), print_exception=False)
        user = run(locale, console.set_disabled, actor, user_id, disabled)
        return translate("admin.user_disabled" if user.disabled else "admin.user_enabled", locale,
                         name=user.username)

    def disable(user_id: str | None, lang: str, request: gr.Request) -> str:
        return set_disabled(user_id, True, lang, request)

    def enable(user_id: str | None, lang: str, request: gr.Request) -> str:
        return set_disabled(user_id, False, lang, request)

    def reset_password(user_id: str | None, password: str, lang: str, request: gr.Request) -> tuple[str, str]:
        locale, actor = admin(lang, request)
        if not user_id:
            raise gr.Error(translate("admin.choose_user", locale), print_exception=False)
        run(locale, console.reset_password, actor, user_id, password or "")
        return translate("admin.password_reset", locale), ""

    def create_user(username: str, password: str, role: str | None, email: str, organisation: str, lang: str,
                    request: gr.Request) -> tuple[str, ...]:
        locale, actor = admin(lang, request)
        user = run(locale, console.create_user, actor, username or "", password or None, role=role or "member",
                   email=email or None, organisation=organisation or None)
        return translate("admin.user_created", locale, name=user.username), "", "", "", ""

    def revoke_key(key_id: str | None, lang: str, request: gr.Request) -> str:
        locale, actor = admin(lang, request)
        if not key_id:
            raise gr.Error(translate("account.choose_key", locale), print_exception=False)
        key = run(locale, console.revoke_key, actor, key_id)
        return translate("account.revoked", locale, name=key.name)

    def create_key(user_id: str | None, name: str, models: list[str] | None, rpm: Any, tpm: Any, quota: Any,
                   period: str | None, days: Any, lang: str, request: gr.Request) -> tuple[Any, str]:
        locale, actor = admin(lang, request)
        if not user_id:
            raise gr.Error(translate("admin.choose_user", locale), print_exception=False)
        if not models:
            raise gr.Error(translate("admin.choose_models", locale), print_exception=False)
        key, secret = run(locale, console.create_key, actor, user_id, name or "", list(models), rpm=_whole(rpm),
                          tpm=_whole(tpm), quota_tokens=_whole(quota),
                          quota_period=(period or None) if _whole(quota) is not None else None,
                          expires_at=_days(translate("admin.f_expires_days", locale), days, locale))
        return gr.update(value=secret, visible=True), translate("admin.key_created", locale, name=key.name,
                                                                user=key.username or "")

    def audit_page(offset: Any, lang: str, request: gr.Request) -> str:
        locale, actor = admin(lang, request)
        start = max(0, int(offset or 0))
        return audit_html(console.audit_log(actor, AUDIT_PAGE, start), users_by_id(actor), locale)

    return SimpleNamespace(refresh=refresh, pick_application=pick_application, approve=approve, reject=reject,
                           reissue=reissue, set_role=set_role, disable=disable, enable=enable,
                           reset_password=reset_password, create_user=create_user, revoke_key=revoke_key,
                           create_key=create_key, audit_page=audit_page)


# ---------------------------------------------------------------- layout


def _limits(i18n: gr.I18n) -> list[Any]:
    with gr.Row():
        rpm = gr.Number(label=i18n("admin.f_rpm"), precision=0, minimum=0)
        tpm = gr.Number(label=i18n("admin.f_tpm"), precision=0, minimum=0)
        quota = gr.Number(label=i18n("admin.f_quota"), precision=0, minimum=0)
        period = gr.Dropdown(label=i18n("admin.f_period"), value="total",
                             choices=[(i18n("admin.period_total"), "total"), (i18n("admin.period_month"), "month")])
        days = gr.Number(label=i18n("admin.f_expires_days"), precision=0, minimum=0)
    return [rpm, tpm, quota, period, days]


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n) -> None:
    from app import admin_models

    h = make_handlers(gateway)
    lang = gr.Textbox(visible=False)
    gr.Markdown(i18n("admin.title"))
    js = {"js": WITH_LANG_JS}
    with gr.Tabs():
        with gr.Tab(i18n("admin.tab_queue"), id="queue"):
            queue = gr.HTML(css_template=tables.CSS, elem_id="admin-queue")
            pick = gr.Dropdown(label=i18n("admin.application"), choices=[], elem_id="admin-application")
            picked_md = gr.Markdown()
            grant = gr.CheckboxGroup(label=i18n("admin.grant_models"), choices=[], elem_id="admin-grant")
            limits = _limits(i18n)
            approve_btn = gr.Button(i18n("admin.approve"), variant="primary", elem_id="admin-approve")
            with gr.Row(equal_height=True):
                reason = gr.Textbox(label=i18n("admin.reject_reason"), scale=3, elem_id="admin-reason")
                reject_btn = gr.Button(i18n("admin.reject"), variant="stop", scale=1, elem_id="admin-reject")
            queue_md = gr.Markdown(elem_id="admin-queue-result")
            with gr.Accordion(i18n("admin.reissue_heading"), open=False):
                gr.Markdown(i18n("admin.reissue_intro"))
                with gr.Row(equal_height=True):
                    approved = gr.Dropdown(label=i18n("admin.application"), choices=[], scale=3)
                    reissue_btn = gr.Button(i18n("admin.reissue"), scale=1)
        with gr.Tab(i18n("admin.tab_users"), id="users"):
            users = gr.HTML(css_template=tables.CSS, elem_id="admin-users")
            with gr.Row(equal_height=True):
                user = gr.Dropdown(label=i18n("admin.user"), choices=[], scale=2)
                role = gr.Dropdown(label=i18n("admin.role"), scale=1, choices=[
                    (i18n("shell.role_member"), "member"), (i18n("shell.role_admin"), "admin")])
                role_btn = gr.Button(i18n("admin.set_role"), scale=1)
                disable_btn = gr.Button(i18n("admin.disable"), variant="stop", scale=1)
                enable_btn = gr.Button(i18n("admin.enable"), scale=1)
            with gr.Row(equal_height=True):
                new_pw = gr.Textbox(label=i18n("admin.new_password"), type="password", scale=3)
                reset_btn = gr.Button(i18n("admin.reset_password"), scale=1)
            users_md = gr.Markdown()
            with gr.Accordion(i18n("admin.create_user"), open=False):
                with gr.Row():
                    c_name = gr.Textbox(label=i18n("admin.username"))
                    c_pw = gr.Textbox(label=i18n("admin.initial_password"), type="password")
                    c_role = gr.Dropdown(label=i18n("admin.role"), value="member", choices=[
                        (i18n("shell.role_member"), "member"), (i18n("shell.role_admin"), "admin")])
                with gr.Row():
                    c_email = gr.Textbox(label=i18n("account.f_email"))
                    c_org = gr.Textbox(label=i18n("account.f_organisation"))
                create_user_btn = gr.Button(i18n("admin.create_user"), variant="primary")
        with gr.Tab(i18n("admin.tab_keys"), id="keys"):
            keys = gr.HTML(css_template=tables.CSS, elem_id="admin-keys")
            with gr.Row(equal_height=True):
                key = gr.Dropdown(label=i18n("account.revoke_label"), choices=[], scale=3)
                revoke_btn = gr.Button(i18n("account.revoke"), variant="stop", scale=1)
            keys_md = gr.Markdown()
            with gr.Accordion(i18n("admin.create_key"), open=False):
                gr.Markdown(i18n("admin.create_key_intro"))
                with gr.Row():
                    k_user = gr.Dropdown(label=i18n("admin.user"), choices=[])
                    k_name = gr.Textbox(label=i18n("account.f_name"))
                k_models = gr.CheckboxGroup(label=i18n("account.f_models"), choices=[])
                k_limits = _limits(i18n)
                create_key_btn = gr.Button(i18n("admin.create_key"), variant="primary")
                k_secret = gr.Textbox(label=i18n("account.secret_label"), visible=False, interactive=False,
                                      buttons=["copy"])
        with gr.Tab(i18n("admin.tab_models"), id="models"):
            admin_models.build_models_tab(gateway, i18n, page=page)
        with gr.Tab(i18n("admin.tab_audit"), id="audit"):
            with gr.Row(equal_height=True):
                offset = gr.Number(label=i18n("admin.audit_offset"), value=0, precision=0, minimum=0, scale=1)
                audit_btn = gr.Button(i18n("account.refresh"), scale=0)
            audit = gr.HTML(css_template=tables.CSS, elem_id="admin-audit")
    refresh_btn = gr.Button(i18n("account.refresh"), size="sm")

    listing = [queue, pick, users, user, keys, key, k_user, k_models, approved, audit]
    gr.on([page.load, refresh_btn.click], h.refresh, inputs=[lang], outputs=listing, show_progress="hidden", **js)

    def then(event: Any) -> None:
        event.success(h.refresh, inputs=[lang], outputs=listing, show_progress="hidden", **js)

    pick.change(h.pick_application, inputs=[pick, lang], outputs=[grant, picked_md], **js)
    then(approve_btn.click(h.approve, inputs=[pick, grant, *limits, lang], outputs=[queue_md], **js))
    then(reject_btn.click(h.reject, inputs=[pick, reason, lang], outputs=[queue_md, reason], **js))
    then(reissue_btn.click(h.reissue, inputs=[approved, lang], outputs=[queue_md], **js))
    then(role_btn.click(h.set_role, inputs=[user, role, lang], outputs=[users_md], **js))
    then(disable_btn.click(h.disable, inputs=[user, lang], outputs=[users_md], **js))
    then(enable_btn.click(h.enable, inputs=[user, lang], outputs=[users_md], **js))
    reset_btn.click(h.reset_password, inputs=[user, new_pw, lang], outputs=[users_md, new_pw], **js)
    then(create_user_btn.click(h.create_user, inputs=[c_name, c_pw, c_role, c_email, c_org, lang],
                               outputs=[users_md, c_name, c_pw, c_email, c_org], **js))
    then(revoke_btn.click(h.revoke_key, inputs=[key, lang], outputs=[keys_md], **js))
    then(create_key_btn.click(h.create_key, inputs=[k_user, k_name, k_models, *k_limits, lang],
                              outputs=[k_secret, keys_md], **js))
    audit_btn.click(h.audit_page, inputs=[offset, lang], outputs=[audit], **js)
