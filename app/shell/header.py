"""The header every page shares: navigation (in the page's language), who is signed in, sign-out.

Gradio's own navbar shows route names verbatim (no i18n), so each page hides it and lays out
this header instead. The Admin link appears only for administrators (the admin handlers check
the role again on every call: hiding a link is not authorization).
"""

from __future__ import annotations

import json

import gradio as gr

from app.shell.access import PAGE_LANG_JS, locale_of
from app.shell.forms import CSS as FORMS_CSS
from app.shell.i18n import translate
from app.strings import gradio as gradio_strings
from gateway.accounts.console import Console

PAGES = (("chat.nav", "/chat"), ("kb.nav", "/kb"), ("mcp.nav", "/mcp"), ("prompts.nav", "/prompts"),
         ("papers.nav", "/papers"), ("teams.nav", "/teams"),
         ("shell.nav_home", "/"), ("shell.nav_account", "/account"), ("shell.nav_usage", "/usage"),
         ("shell.nav_docs", "/api-docs"))
ADMIN_PAGE = ("shell.nav_admin", "/admin")
# Gradio draws its navbar for multipage apps even with gr.Navbar(visible=False) on every page (6.31):
# hide it; the header below is the navigation. Passed to mount_gradio_app(css=...) by launch.py, with the marks
# of a refused form's fields (app.shell.forms).
CSS = ".nav-holder { display: none !important; }" + FORMS_CSS
# On a Chinese page, Gradio's own English tooltips and labels (no dictionary key in 6.31: the copy buttons, a
# slider's "range slider for ...") and toast titles are swapped for app/strings/gradio.py's as they appear.
# Installed once per page.
GRADIO_WORDS_JS = (
    "() => { if (window.maasWords) { return []; }"
    " const words = " + json.dumps(gradio_strings.ATTRIBUTES_ZH, ensure_ascii=False) + ";"
    " const starts = Object.entries(" + json.dumps(gradio_strings.PREFIXES_ZH, ensure_ascii=False) + ");"
    " const names = ['title', 'aria-label', 'alt', 'placeholder'];"
    " const zh = () => (document.documentElement.lang || navigator.language || '').toLowerCase().startsWith('zh');"
    " const say = (v) => { if (words[v]) { return words[v]; } for (const [en, cn] of starts) {"
    " if (v.startsWith(en)) { return cn + v.slice(en.length); } } return v; };"
    " const fix = (el) => { if (!zh() || !el.getAttribute) { return; } for (const a of names) {"
    " const v = el.getAttribute(a); if (v) { const t = say(v); if (t !== v) { el.setAttribute(a, t); } } } };"
    " const titles = " + json.dumps(gradio_strings.TOAST_TITLES_ZH, ensure_ascii=False) + ";"
    " const title = (n) => { const t = n.textContent.trim(); if (zh() && titles[t] && n.parentElement"
    " && n.parentElement.closest('.toast-title')) { n.textContent = titles[t] + ' '; } };"
    " const toast = (el) => { for (const t of el.querySelectorAll('.toast-title')) {"
    " t.childNodes.forEach((n) => { if (n.nodeType === 3) { title(n); } }); } };"
    " const scan = (node) => { if (node.nodeType !== 1) { return; } fix(node);"
    " node.querySelectorAll('[title], [aria-label], [alt], [placeholder]').forEach(fix); toast(node); };"
    " window.maasWords = new MutationObserver((changes) => { for (const c of changes) {"
    " if (c.type === 'attributes') { fix(c.target); } else if (c.type === 'characterData') { title(c.target); }"
    " else { c.addedNodes.forEach((n) => n.nodeType === 3 ? title(n) : scan(n)); } } });"
    " window.maasWords.observe(document.body, {subtree: true, childList: true, characterData: true,"
    " attributes: true, attributeFilter: names}); scan(document.body); return []; }")
SIGN_OUT_JS = ("() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/logout';"
               " document.body.appendChild(f); f.submit(); }")
# a download from one of our own checked routes (/kb/file/..., /chat/export/...): the handler returns the address
# (after checking the caller may have it), then this saves it in the same click; never through Gradio's file cache
DOWNLOAD_JS = ("(url) => { if (url) { const a = document.createElement('a'); a.href = url; a.download = '';"
               " document.body.appendChild(a); a.click(); a.remove(); } return []; }")


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
    page.load(None, js=GRADIO_WORDS_JS, show_progress="hidden", queue=False)
    return lang
