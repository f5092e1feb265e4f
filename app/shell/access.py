"""Who is calling a UI handler, in which language, and how refusals reach the screen.

Every page handler starts with ``actor = signed_in(console, request, locale)``: the session's
user, looked up again (a disabled or demoted user loses rights at once). Admin handlers use
``admin_only``. Errors from the services become ``gr.Error`` with a readable message; nothing
else (no traceback, no internals) reaches the page.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.shell.i18n import resolve_locale, translate
from gateway.accounts.console import Actor, Console
from gateway.errors import FormError

# Runs in the browser before each handler: the page's language (svelte-i18n sets <html lang>).
PAGE_LANG_JS = "() => [document.documentElement.lang || navigator.language || 'en']"
# The same for a handler with more inputs: the last input is the hidden language box.
WITH_LANG_JS = "(...a) => [...a.slice(0, -1), document.documentElement.lang || navigator.language || 'en']"


def locale_of(lang: str | None, request: gr.Request | None) -> str:
    headers = getattr(request, "headers", None) if request is not None else None
    return resolve_locale(lang, headers.get("accept-language") if headers else None)


def error(message: str, locale: str) -> gr.Error:
    """A refusal to raise as a toast, its title in ``locale`` too (Gradio's default title is English "Error")."""
    return gr.Error(message, title=translate("shell.cannot_do", locale), print_exception=False)


def signed_in(console: Console, request: gr.Request | None, locale: str) -> Actor:
    """The signed-in actor, or a readable error asking to sign in again."""
    username = getattr(request, "username", None) if request is not None else None
    actor = console.actor_for_username(username)
    if actor is None:
        raise error(translate("shell.sign_in_again", locale), locale)
    return actor


def admin_only(console: Console, request: gr.Request | None, locale: str) -> Actor:
    actor = signed_in(console, request, locale)
    if not actor.is_admin:
        raise error(translate("shell.admins_only", locale), locale)
    return actor


def refusal_text(exc: BaseException, locale: str) -> str:
    """A service's refusal as a sentence in ``locale`` (a form error's message names the field)."""
    if isinstance(exc, FormError):
        return exc.text(locale)
    if isinstance(exc, PermissionError):
        return translate("shell.admins_only", locale)
    return translate("shell.failed", locale)


def refusal(exc: BaseException, locale: str) -> gr.Error:
    """A service's refusal as a ``gr.Error`` to raise (a form error's message, in ``locale``, names the field)."""
    return error(refusal_text(exc, locale), locale)


def run(locale: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a service; its refusals become readable ``gr.Error``s (unexpected errors too, logged by Gradio)."""
    try:
        return call(*args, **kwargs)
    except gr.Error:
        raise
    except (FormError, PermissionError) as exc:
        raise refusal(exc, locale) from None
