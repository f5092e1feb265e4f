"""Every visible string of the workbench UI, in English and Chinese (same keys in both).

Two ways a string reaches the screen:

- static text (labels, headings, button text) is passed to Gradio as ``i18n("key")``; the
  browser picks the language (Gradio follows the browser language or its Settings choice);
- text that a handler produces (tables, notices) is rendered on the server with
  ``translate(key, locale)``: Gradio translates only static text in the frontend, so handlers
  receive the page's language as an input (see ``resolve_locale``).

The strings live in ``app/strings/<page>.py`` (``EN`` and ``ZH`` dicts, keys prefixed with the
page's name); ``STRINGS`` merges them and refuses a key defined twice.

Placeholders are ``{name}`` (plain ``str.format`` fields, also valid ICU for svelte-i18n); keep
JSON and other braces out of these strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.strings import merged
from shared.locale import resolve

if TYPE_CHECKING:
    import gradio as gr

DEFAULT_LOCALE = "en"
EN, ZH = merged()
STRINGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def make_i18n() -> gr.I18n:
    """The ``gr.I18n`` to pass to ``mount_gradio_app(..., i18n=...)`` and to build pages with."""
    import gradio as gr

    return gr.I18n(**{locale: dict(strings) for locale, strings in STRINGS.items()})


def resolve_locale(lang: str | None = None, accept_language: str | None = None) -> str:
    """Pick ``"zh"`` or ``"en"`` from the page's language tag, else from Accept-Language (``shared.locale``)."""
    return resolve(lang, accept_language)


def translate(key: str, locale: str = DEFAULT_LOCALE, **fields: object) -> str:
    """The string for ``key`` in ``locale`` (falling back to English), with ``fields`` filled in."""
    text = STRINGS.get(locale, EN).get(key) or EN.get(key, key)
    return text.format(**fields) if fields else text


def model_description(model_id: str, description: str | None, locale: str) -> str:
    """A model's description in ``locale``: the built-in models' own ones are translated (``model.builtin_<kind>``,
    ``model.builtin_embedding_e5`` for the second embedding model) while they are the catalogue's text; an
    operator's description from the config file is shown as written."""
    from gateway.routing.catalogue import EMBEDDED_E5_ID, EmbeddedOptions, embedded_models

    builtin = {m["id"]: (m["kind"], m["description"]) for m in embedded_models(EmbeddedOptions())}
    kind, text = builtin.get(model_id, (None, None))
    if description and description == text:
        return translate(f"model.builtin_{'embedding_e5' if model_id == EMBEDDED_E5_ID else kind}", locale)
    return description or ""


def backend_label(backend: str, locale: str) -> str:
    """A deployment's backend as shown: the built-in one in words (``backend.embedded``), others by name."""
    key = f"backend.{backend}"
    return translate(key, locale) if key in EN else backend
