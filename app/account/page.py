"""My account: my API keys (show a new key once, revoke), apply for a key, my applications, ask for
more models on a key, change my password.

``AccountPage(services)`` holds the handlers (methods, tested directly on a real gateway); they call only the
services named by ``AccountServices`` and each looks the signed-in user up again (``app.shell.access.signed_in``),
so a member only ever reaches their own keys and applications. ``refresh`` answers with an ``AccountView``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import gradio as gr

from app.http.signin import session_token
from app.shell import forms, tables
from app.shell.access import WITH_LANG_JS, locale_of, signed_in
from app.shell.forms import Form, literal, refuse
from app.shell.i18n import translate
from app.shell.views import View, shown
from gateway.accounts.applications import Applications
from gateway.accounts.console import Actor, Console
from gateway.accounts.users import Accounts
from gateway.routing.catalogue import Catalogue

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


def model_choices(catalogue: Catalogue, locale: str) -> list[tuple[str, str]]:
    """(label, id) for every model in the catalogue: ``qwen2.5-coder:0.5b (chat)``."""
    out = []
    for model in catalogue.models.values():
        kind = translate(f"kind.{model.kind}", locale)
        out.append((f"{model.id} ({kind})", model.id))
    return out


# ---------------------------------------------------------------- handlers

# the forms' outputs by name (the layout wires the components in this order) and their usual hints
APPLY = Form(("notice", "name", "contact", "email", "organisation", "phone", "purpose", "models"),
             fields=dict.fromkeys(("name", "contact", "email", "organisation", "phone", "purpose", "models")),
             aliases={"contact_name": "contact"})
MORE = Form(("notice", "key", "models", "reason"), fields=dict.fromkeys(("key", "models", "reason")),
            aliases={"key_id": "key"})
PASSWORD = Form(("notice", "old", "new", "again"), fields={"old": None, "new": "account.password_rule", "again": None},
                aliases={"old_password": "old", "new_password": "new", "password": "new"})
REVEAL = Form(("notice", "application", "secret"), fields={"application": None},
              aliases={"application_id": "application"})
REVOKE = Form(("notice", "key"), fields={"key": None}, aliases={"key_id": "key"})


def _kept(value: Any, choices: list[tuple[str, str]], default: Any = None) -> Any:
    """A dropdown's current value if it is still one of ``choices``, else ``default``."""
    return value if value in {c[1] for c in choices} else default


class AccountServices(Protocol):
    """What the account page uses of the gateway (``gateway.service.Gateway`` has each of them)."""

    console: Console              # who is signed in; their keys (list, revoke)
    applications: Applications    # their applications; a new key shown once; more models on a key
    accounts: Accounts            # changing their password
    catalogue: Catalogue          # the models one may ask for (read on every call: an admin may edit it)


@dataclass
class AccountView(View):
    """The page as the signed-in user sees it: their keys and applications, and every form's choices (what is
    chosen stays chosen while it is still there)."""

    keys: str                     # the keys table (HTML)
    applications: str             # the applications table (HTML)
    ready: Any                    # the applications whose new key waits to be shown (dropdown update)
    ready_notice: Any             # "a key is waiting for you" (Markdown update; empty when none)
    revoke_key: Any               # the keys one may revoke (dropdown update)
    more_key: Any                 # the keys one may ask more models for (dropdown update)
    models: Any                   # the apply form's model choices
    more_models: Any              # the more-models form's model choices
    ready_row: Any                # the reveal row, shown while a key waits


class AccountPage:
    """My account's handlers over ``services``; each looks the signed-in user up again."""

    def __init__(self, services: AccountServices) -> None:
        self.services = services

    def _who(self, lang: str | None, request: gr.Request | None) -> tuple[str, Actor]:
        locale = locale_of(lang, request)
        return locale, signed_in(self.services.console, request, locale)

    def refresh(self, ready_id: str | None, revoke_id: str | None, more_id: str | None, lang: str,
                request: gr.Request) -> AccountView:
        """Keys, applications, and the choices of every form on the page (what is chosen stays chosen)."""
        locale, actor = self._who(lang, request)
        applications = self.services.applications
        keys = self.services.console.my_keys(actor)
        apps = [a for a in applications.list_for(actor.user_id) if a.user_id == actor.user_id]
        ready = [(f"{a.name} · {tables.when(a.decided_at)}", a.id) for a in apps if applications.can_reveal(a.id)]
        active = [k for k in keys if k.state() == "active" and k.purpose != "workbench"]
        revocable = [(f"{k.name} ({k.prefix}…)", k.id) for k in active]
        extendable = [(f"{k.name} ({k.prefix}…)", k.id) for k in active if k.models is not None]
        choices = model_choices(self.services.catalogue, locale)
        notice = translate("account.ready_notice", locale, count=len(ready)) if ready else ""
        return AccountView(
            keys=keys_html(keys, locale), applications=applications_html(apps, locale),
            ready=gr.update(choices=ready, value=_kept(ready_id, ready, ready[0][1] if ready else None)),
            ready_notice=gr.update(value=notice),
            revoke_key=gr.update(choices=revocable, value=_kept(revoke_id, revocable)),
            more_key=gr.update(choices=extendable, value=_kept(more_id, extendable)),
            models=gr.update(choices=choices), more_models=gr.update(choices=choices),
            ready_row=gr.update(visible=bool(ready)))

    @REVEAL.guard
    def reveal(self, app_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._who(lang, request)
        if not app_id:
            raise refuse("application", "account.choose_application", locale)
        secret = self.services.applications.reveal(app_id, actor.user_id)
        if secret is None:
            raise refuse("application", "account.reveal_gone", locale)
        return REVEAL.accepted(locale, notice=translate("account.reveal_once", locale),
                               secret=gr.update(value=secret, visible=True))

    @REVOKE.guard
    def revoke(self, key_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._who(lang, request)
        if not key_id:
            raise refuse("key", "account.choose_key", locale)
        key = self.services.console.revoke_key(actor, key_id)
        return REVOKE.accepted(locale, notice=translate("account.revoked", locale, name=literal(key.name)))

    @APPLY.guard
    def apply(self, name: str, contact: str, email: str, organisation: str, phone: str, purpose: str,
              models: list[str] | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A new-key application; every bad field is marked at once, and what was typed stays."""
        locale, actor = self._who(lang, request)
        form = {"name": name, "contact_name": contact, "email": email, "organisation": organisation,
                "phone": phone, "purpose": purpose, "models": list(models or [])}
        problems = self.services.applications.problems(form)
        if problems:
            return APPLY.refused(problems, locale)
        app = self.services.applications.submit(actor.user_id, form)
        return APPLY.accepted(locale, notice=translate("account.applied", locale, name=literal(app.name)), name="",
                              contact="", email="", organisation="", phone="", purpose="", models=[])

    @MORE.guard
    def ask_more(self, key_id: str | None, models: list[str] | None, reason: str, lang: str,
                 request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._who(lang, request)
        if not key_id:
            raise refuse("key", "account.choose_key", locale)
        app = self.services.applications.request_models(actor.user_id, key_id, list(models or []), reason)
        return MORE.accepted(locale, notice=translate("account.asked_more", locale, models=", ".join(app.models)),
                             models=[], reason="")

    @PASSWORD.guard
    def change_password(self, old: str, new: str, again: str, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, actor = self._who(lang, request)
        if new != again:
            raise refuse("again", "account.password_mismatch", locale)
        headers = getattr(request, "headers", None) or {}
        token = session_token(headers.get("cookie"))
        self.services.accounts.change_password(actor.user_id, old or "", new or "", keep_session=token)
        return PASSWORD.accepted(locale, notice=translate("account.password_changed", locale), old="", new="",
                                 again="")

    # ------------------------------------------------------------ layout

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the page in the current route and wire it."""
        lang = gr.Textbox(visible=False)
        gr.Markdown(i18n("account.title"))
        with gr.Tabs():
            with gr.Tab(i18n("account.tab_keys"), id="keys"):
                ready_md = gr.Markdown(elem_id="account-ready")
                with gr.Row(equal_height=True, visible=False) as ready_row:
                    ready = gr.Dropdown(label=i18n("account.ready_label"), choices=[], scale=3,
                                        elem_id="account-ready-app")
                    reveal_btn = gr.Button(i18n("account.reveal"), variant="primary", scale=1,
                                           elem_id="account-reveal")
                secret = gr.Textbox(label=i18n("account.secret_label"), visible=False, interactive=False,
                                    buttons=["copy"], elem_id="account-secret")
                reveal_md = gr.Markdown(elem_id="account-reveal-result")
                keys = gr.HTML(css_template=tables.CSS, elem_id="account-keys")
                with gr.Row(equal_height=True):
                    revoke_key = gr.Dropdown(label=i18n("account.revoke_label"), choices=[], scale=3,
                                             elem_id="account-revoke-key")
                    revoke_btn = gr.Button(i18n("account.revoke"), variant="stop", scale=1, elem_id="account-revoke")
                revoke_md = gr.Markdown(elem_id="account-revoke-result")
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
                more_key = gr.Dropdown(label=i18n("account.more_key"), choices=[], elem_id="more-key")
                more_models = gr.CheckboxGroup(label=i18n("account.f_models"), choices=[], elem_id="more-models")
                more_reason = gr.Textbox(label=i18n("account.more_reason"), lines=3, elem_id="more-reason")
                more_btn = gr.Button(i18n("account.submit"), variant="primary", elem_id="more-submit")
                more_md = gr.Markdown(elem_id="more-result")
            with gr.Tab(i18n("account.tab_password"), id="password"):
                old = gr.Textbox(label=i18n("account.old_password"), type="password", elem_id="password-old")
                new = gr.Textbox(label=i18n("account.new_password"), type="password",
                                 info=i18n("account.password_rule"), elem_id="password-new")
                again = gr.Textbox(label=i18n("account.again_password"), type="password", elem_id="password-again")
                pw_btn = gr.Button(i18n("account.change_password"), variant="primary", elem_id="password-change")
                pw_md = gr.Markdown(elem_id="password-result")
        refresh_btn = gr.Button(i18n("account.refresh"), size="sm")

        view = AccountView.pick({"keys": keys, "applications": apps, "ready": ready, "ready_notice": ready_md,
                                 "revoke_key": revoke_key, "more_key": more_key, "models": models,
                                 "more_models": more_models, "ready_row": ready_row})
        # no progress overlay on anything: on a failed call Gradio would cover each output with an error badge
        common = {"js": WITH_LANG_JS, "show_progress": "hidden"}
        refresh = {"fn": shown(self.refresh), "inputs": [ready, revoke_key, more_key, lang], "outputs": view,
                   **common}
        gr.on([page.load, refresh_btn.click], **refresh)

        wire = partial(forms.wire, lang=lang, refresh=refresh, **common)

        wire(reveal_btn, self.reveal, [ready], [reveal_md, ready, secret], [ready])
        wire(revoke_btn, self.revoke, [revoke_key], [revoke_md, revoke_key], [revoke_key])
        form = [name, contact, email, organisation, phone, purpose, models]
        wire(apply_btn, self.apply, form, [apply_md, *form], form)
        wire(more_btn, self.ask_more, [more_key, more_models, more_reason],
             [more_md, more_key, more_models, more_reason], [more_key, more_models, more_reason])
        wire(pw_btn, self.change_password, [old, new, again], [pw_md, old, new, again], [old, new, again],
             then_refresh=False)


def build(page: gr.Blocks, gateway: AccountServices, i18n: gr.I18n) -> None:
    """Lay out the account page in the current route (``app.ui``'s way of building every page)."""
    AccountPage(gateway).build(page, i18n)
