"""My account: my API keys (show a new key once, revoke), apply for a key, my applications, ask for
more models on a key, change my password.

Handlers are built by ``make_handlers(gateway)`` (plain functions, tested directly) and call only
the gateway's services; each looks the signed-in user up again (``app.access.signed_in``), so a
member only ever reaches their own keys and applications.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from app import tables
from app.access import WITH_LANG_JS, locale_of, run, signed_in
from app.i18n import translate
from app.signin import session_token
from gateway.console import Actor

KEY_STATE_KIND = {"active": "active", "expired": "expired", "revoked": "revoked"}


# ---------------------------------------------------------------- pure renderers


def keys_html(keys: list[Any], locale: str) -> str:
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    rows = []
    for key in keys:
        state = key.state()
        name = key.name if key.purpose != "workbench" else t("account.workbench_key")
        rows.append([
            tables.esc(name) + (f'<div class="muted">{tables.esc(t("account.workbench_note"))}</div>'
                                if key.purpose == "workbench" else ""),
            f"<code>{tables.esc(key.prefix)}…</code>",
            tables.badge(t(f"account.state_{state}"), KEY_STATE_KIND[state]),
            tables.esc(tables.models_text(key.models, locale)),
            tables.esc(tables.limits_text(key.rpm, key.tpm, key.quota_tokens, key.quota_period, locale)),
            tables.esc(tables.when(key.created_at)),
            tables.esc(tables.when(key.expires_at) if key.expires_at else t("account.never")),
            tables.esc(tables.when(key.last_used_at) if key.last_used_at else t("account.never_used")),
        ])
    heads = [t(f"account.col_{c}") for c in ("name", "prefix", "state", "models", "limits", "created", "expires",
                                             "last_used")]
    return tables.table(heads, rows, t("account.no_keys"), raw_columns=range(8), row_ids=[k.id for k in keys])


def applications_html(apps: list[Any], locale: str) -> str:
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    rows = []
    for app in apps:
        status = tables.badge(t(f"account.status_{app.status}"), app.status)
        detail = ""
        if app.status == "rejected" and app.reason:
            detail = f'<div class="muted">{tables.esc(t("account.reason", reason=app.reason))}</div>'
        elif app.status == "approved":
            limits = app.limits or {}
            detail = "<div class=\"muted\">{}</div>".format(tables.esc(t(
                "account.granted", models=", ".join(app.granted_models or ()),
                limits=tables.limits_text(limits.get("rpm"), limits.get("tpm"), limits.get("quota_tokens"),
                                          limits.get("quota_period"), locale))))
        rows.append([tables.esc(tables.when(app.created_at)), tables.esc(t(f"account.kind_{app.kind}")),
                     tables.esc(app.name), tables.esc(", ".join(app.models)), status + detail])
    heads = [t(f"account.col_{c}") for c in ("submitted", "kind", "name", "asked", "status")]
    return tables.table(heads, rows, t("account.no_applications"), raw_columns=range(5),
                        row_ids=[a.id for a in apps])


def model_choices(catalogue: Any, locale: str) -> list[tuple[str, str]]:
    """(label, id) for every model in the catalogue: ``qwen2.5-coder:0.5b (chat)``."""
    out = []
    for model in catalogue.models.values():
        kind = translate(f"kind.{model.kind}", locale)
        out.append((f"{model.id} ({kind})", model.id))
    return out


# ---------------------------------------------------------------- handlers


def make_handlers(gateway: Any) -> SimpleNamespace:
    console = gateway.console
    applications = gateway.applications

    def who(lang: str, request: gr.Request) -> tuple[str, Actor]:
        locale = locale_of(lang, request)
        return locale, signed_in(console, request, locale)

    def refresh(lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Keys, applications, and the choices of every form on the page."""
        locale, actor = who(lang, request)
        keys = console.my_keys(actor)
        apps = [a for a in applications.list_for(actor.user_id) if a.user_id == actor.user_id]
        ready = [(f"{a.name} · {tables.when(a.decided_at)}", a.id) for a in apps if applications.can_reveal(a.id)]
        active = [k for k in keys if k.state() == "active" and k.purpose != "workbench"]
        revocable = [(f"{k.name} ({k.prefix}…)", k.id) for k in active]
        extendable = [(f"{k.name} ({k.prefix}…)", k.id) for k in active if k.models is not None]
        choices = model_choices(gateway.catalogue, locale)
        notice = translate("account.ready_notice", locale, count=len(ready)) if ready else ""
        return (keys_html(keys, locale), applications_html(apps, locale),
                gr.update(choices=ready, value=ready[0][1] if ready else None), gr.update(value=notice),
                gr.update(choices=revocable, value=None), gr.update(choices=extendable, value=None),
                gr.update(choices=choices), gr.update(choices=choices), gr.update(visible=bool(ready)))

    def reveal(app_id: str | None, lang: str, request: gr.Request) -> tuple[Any, str]:
        locale, actor = who(lang, request)
        if not app_id:
            raise gr.Error(translate("account.choose_application", locale), print_exception=False)
        secret = applications.reveal(app_id, actor.user_id)
        if secret is None:
            raise gr.Error(translate("account.reveal_gone", locale), print_exception=False)
        return gr.update(value=secret, visible=True), translate("account.reveal_once", locale)

    def revoke(key_id: str | None, lang: str, request: gr.Request) -> str:
        locale, actor = who(lang, request)
        if not key_id:
            raise gr.Error(translate("account.choose_key", locale), print_exception=False)
        key = run(locale, console.revoke_key, actor, key_id)
        return translate("account.revoked", locale, name=key.name)

    def apply(name: str, contact: str, email: str, organisation: str, phone: str, purpose: str,
              models: list[str] | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = who(lang, request)
        form = {"name": name, "contact_name": contact, "email": email, "organisation": organisation,
                "phone": phone, "purpose": purpose, "models": list(models or [])}
        app = run(locale, applications.submit, actor.user_id, form)
        # a new application empties the form; a refused one keeps everything typed (gr.Error above)
        return (translate("account.applied", locale, name=app.name), "", "", "", "", "", "", [])

    def ask_more(key_id: str | None, models: list[str] | None, reason: str, lang: str,
                 request: gr.Request) -> tuple[str, Any, str]:
        locale, actor = who(lang, request)
        if not key_id:
            raise gr.Error(translate("account.choose_key", locale), print_exception=False)
        app = run(locale, applications.request_models, actor.user_id, key_id, list(models or []), reason)
        return translate("account.asked_more", locale, models=", ".join(app.models)), [], ""

    def change_password(old: str, new: str, again: str, lang: str, request: gr.Request) -> tuple[str, str, str, str]:
        locale, actor = who(lang, request)
        if new != again:
            raise gr.Error(translate("account.password_mismatch", locale), print_exception=False)
        headers = getattr(request, "headers", None) or {}
        token = session_token(headers.get("cookie"))
        run(locale, gateway.accounts.change_password, actor.user_id, old or "", new or "", keep_session=token)
        return translate("account.password_changed", locale), "", "", ""

    return SimpleNamespace(refresh=refresh, reveal=reveal, revoke=revoke, apply=apply, ask_more=ask_more,
                           change_password=change_password)


# ---------------------------------------------------------------- layout


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n) -> None:
    h = make_handlers(gateway)
    lang = gr.Textbox(visible=False)
    gr.Markdown(i18n("account.title"))
    with gr.Tabs():
        with gr.Tab(i18n("account.tab_keys"), id="keys"):
            ready_md = gr.Markdown(elem_id="account-ready")
            with gr.Row(equal_height=True, visible=False) as ready_row:
                ready = gr.Dropdown(label=i18n("account.ready_label"), choices=[], scale=3, elem_id="account-ready-app")
                reveal_btn = gr.Button(i18n("account.reveal"), variant="primary", scale=1, elem_id="account-reveal")
            secret = gr.Textbox(label=i18n("account.secret_label"), visible=False, interactive=False,
                                buttons=["copy"], elem_id="account-secret")
            reveal_md = gr.Markdown()
            keys = gr.HTML(css_template=tables.CSS, elem_id="account-keys")
            with gr.Row(equal_height=True):
                revoke_key = gr.Dropdown(label=i18n("account.revoke_label"), choices=[], scale=3)
                revoke_btn = gr.Button(i18n("account.revoke"), variant="stop", scale=1, elem_id="account-revoke")
            revoke_md = gr.Markdown()
        with gr.Tab(i18n("account.tab_apply"), id="apply"):
            gr.Markdown(i18n("account.apply_intro"))
            with gr.Row():
                name = gr.Textbox(label=i18n("account.f_name"), placeholder=i18n("account.f_name_hint"),
                                  elem_id="apply-name")
                contact = gr.Textbox(label=i18n("account.f_contact"), elem_id="apply-contact")
            with gr.Row():
                email = gr.Textbox(label=i18n("account.f_email"), elem_id="apply-email")
                organisation = gr.Textbox(label=i18n("account.f_organisation"), elem_id="apply-organisation")
                phone = gr.Textbox(label=i18n("account.f_phone"), elem_id="apply-phone")
            purpose = gr.Textbox(label=i18n("account.f_purpose"), placeholder=i18n("account.f_purpose_hint"),
                                 lines=4, elem_id="apply-purpose")
            models = gr.CheckboxGroup(label=i18n("account.f_models"), choices=[], elem_id="apply-models")
            apply_btn = gr.Button(i18n("account.submit"), variant="primary", elem_id="apply-submit")
            apply_md = gr.Markdown(elem_id="apply-result")
        with gr.Tab(i18n("account.tab_applications"), id="applications"):
            apps = gr.HTML(css_template=tables.CSS, elem_id="account-applications")
        with gr.Tab(i18n("account.tab_more"), id="more"):
            gr.Markdown(i18n("account.more_intro"))
            more_key = gr.Dropdown(label=i18n("account.more_key"), choices=[])
            more_models = gr.CheckboxGroup(label=i18n("account.f_models"), choices=[])
            more_reason = gr.Textbox(label=i18n("account.more_reason"), lines=3)
            more_btn = gr.Button(i18n("account.submit"), variant="primary")
            more_md = gr.Markdown()
        with gr.Tab(i18n("account.tab_password"), id="password"):
            old = gr.Textbox(label=i18n("account.old_password"), type="password")
            new = gr.Textbox(label=i18n("account.new_password"), type="password", info=i18n("account.password_rule"))
            again = gr.Textbox(label=i18n("account.again_password"), type="password")
            pw_btn = gr.Button(i18n("account.change_password"), variant="primary")
            pw_md = gr.Markdown()
    refresh_btn = gr.Button(i18n("account.refresh"), size="sm")

    listing = [keys, apps, ready, ready_md, revoke_key, more_key, models, more_models, ready_row]
    common = {"js": WITH_LANG_JS, "show_progress": "hidden"}
    gr.on([page.load, refresh_btn.click], h.refresh, inputs=[lang], outputs=listing, **common)

    def then_refresh(event: Any) -> None:
        event.success(h.refresh, inputs=[lang], outputs=listing, **common)

    then_refresh(reveal_btn.click(h.reveal, inputs=[ready, lang], outputs=[secret, reveal_md], js=WITH_LANG_JS))
    then_refresh(revoke_btn.click(h.revoke, inputs=[revoke_key, lang], outputs=[revoke_md], js=WITH_LANG_JS))
    form = [name, contact, email, organisation, phone, purpose, models]
    then_refresh(apply_btn.click(h.apply, inputs=[*form, lang], outputs=[apply_md, *form], js=WITH_LANG_JS))
    then_refresh(more_btn.click(h.ask_more, inputs=[more_key, more_models, more_reason, lang],
                                outputs=[more_md, more_models, more_reason], js=WITH_LANG_JS))
    pw_btn.click(h.change_password, inputs=[old, new, again, lang], outputs=[pw_md, old, new, again], js=WITH_LANG_JS)
