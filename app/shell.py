"""The header every page shares: navigation (in the page's language), who is signed in, sign-out.

Gradio's own navbar shows route names verbatim (no i18n), so each page hides it and lays out
this header instead. The Admin link appears only for administrators (the admin handlers check
the role again on every call: hiding a link is not authorization).
"""

from __future__ import annotations

import gradio as gr

from app.access import PAGE_LANG_JS, locale_of
from app.forms import CSS as FORMS_CSS
from app.i18n import translate
from gateway.console import Console

PAGES = (("chat.nav", "/chat"), ("kb.nav", "/kb"), ("teams.nav", "/teams"), ("shell.nav_home", "/"),
         ("shell.nav_account", "/account"), ("shell.nav_usage", "/usage"), ("shell.nav_docs", "/api-docs"))
ADMIN_PAGE = ("shell.nav_admin", "/admin")
# Gradio draws its navbar for multipage apps even with gr.Navbar(visible=False) on every page (6.31):
# hide it; the header below is the navigation. Passed to mount_gradio_app(css=...) by launch.py, with the marks
# of a refused form's fields (app.forms).
CSS = ".nav-holder { display: none !important; }" + FORMS_CSS
SIGN_OUT_JS = ("() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/logout';"
               " document.body.appendChild(f); f.submit(); }")


def header(page: gr.Blocks, console: Console, i18n: gr.I18n, current: str) -> gr.Textbox:
    """Lay out the header in the current page; returns the hidden input that carries the page's language."""
    gr.Navbar(visible=False)
    with gr.Row(elem_classes="maas-nav", equal_height=True):
        for key, path in PAGES:
            gr.Button(i18n(key), link=path, size="sm", scale=0, min_width=90,
                      variant="primary" if path == current else "secondary", elem_id=f"nav-{path.strip('/') or 'home'}")
        admin = gr.Button(i18n(ADMIN_PAGE[0]), link=ADMIN_PAGE[1], size="sm", scale=0, min_width=90, visible=False,
                          variant="primary" if current == ADMIN_PAGE[1] else "secondary", elem_id="nav-admin")
        who = gr.Markdown(elem_classes="maas-who", elem_id="nav-who")
        gr.Button(i18n("shell.sign_out"), size="sm", scale=0, min_width=90, elem_id="nav-sign-out").click(
            None, js=SIGN_OUT_JS)
    lang = gr.Textbox(visible=False)

    def whoami(lang_tag: str, request: gr.Request):
        locale = locale_of(lang_tag, request)
        actor = console.actor_for_username(getattr(request, "username", None))
        if actor is None:
            return translate("shell.sign_in_again", locale), gr.update(visible=False)
        role = translate("shell.role_admin" if actor.is_admin else "shell.role_member", locale)
        return translate("shell.signed_in_as", locale, name=actor.name, role=role), gr.update(visible=actor.is_admin)

    page.load(whoami, inputs=[lang], outputs=[who, admin], js=PAGE_LANG_JS, show_progress="hidden",
              queue=False)
    return lang
