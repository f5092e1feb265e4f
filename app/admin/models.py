"""Admin page, Models tab: the models with live deployment health, and the catalogue editor.

``build_models_tab(gateway, i18n)`` lays the tab out inside the caller's ``gr.Tab``. The work is
``gateway.routing.model_config.ModelConfig`` (validate, save with ``.bak``, swap live, audit); these
handlers only check the caller is an admin (every one of them: a member gets a refusal and nothing
changes) and render the result in the page's language. An invalid catalogue is not an exception
here: the result message names the key and its line, and the editor keeps the admin's text.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from app.home.page import TABLE_CSS, models_table_html
from app.shell.access import WITH_LANG_JS, admin_only, locale_of, refusal
from app.shell.i18n import translate
from gateway.errors import ConfigError
from gateway.routing.model_config import CatalogueDiff, ModelConfig, Notice

HEALTH_SECONDS = 10
DIFF_PARTS = ("added_models", "removed_models", "changed_models", "added_deployments", "removed_deployments",
              "changed_deployments", "options")


# ---------------------------------------------------------------- pure renderers


def _code(text: str) -> str:
    return "`" + str(text).replace("`", "'") + "`"


def diff_lines(diff: CatalogueDiff, locale: str, states: dict[str, str] | None = None) -> list[str]:
    """One Markdown bullet per kind of change; new deployments with their first health state."""
    lines = []
    for part in DIFF_PARTS:
        items = getattr(diff, part)
        if not items:
            continue
        shown = []
        for item in items:
            state = (states or {}).get(item)
            shown.append(_code(item) + (f" ({translate(f'state.{state}', locale)})" if state else ""))
        lines.append(translate("admin_models.item", locale, label=translate(f"admin_models.{part}", locale),
                               items=", ".join(shown)))
    return lines


def notice_lines(notices: tuple[Notice, ...], locale: str) -> list[str]:
    return [translate(f"admin_models.notice_{n.code}", locale, **n.fields) for n in notices]


def error_md(key: str, error: ConfigError, locale: str) -> str:
    return translate(f"admin_models.{key}", locale, error=_code(str(error)))


def catalogue_rows(catalogue: Any) -> list[dict[str, Any]]:
    """The models table's rows from the catalogue alone (no health known: the models are not started)."""
    return [{"id": m.id, "kind": m.kind, "description": m.description,
             "capabilities": {"reasoning": m.capabilities.reasoning, "tools": m.capabilities.tools,
                              "context_length": m.capabilities.context_length},
             "quirks": {"merge_system_into_user": m.quirks.merge_system_into_user},
             "deployments": [{"name": d.name, "backend": d.backend, "state": None} for d in m.deployments]}
            for m in catalogue.models.values()]


# ---------------------------------------------------------------- handlers


def make_handlers(gateway: Any) -> SimpleNamespace:
    config = ModelConfig(gateway)

    def admin(lang: str | None, request: gr.Request | None):
        locale = locale_of(lang, request)
        return locale, admin_only(gateway.console, request, locale)

    def table(locale: str) -> str:
        rows = gateway.status()["models"] if getattr(gateway, "router", None) is not None else (
            catalogue_rows(gateway.catalogue))
        return models_table_html(rows, locale)

    def file_note(locale: str) -> str:
        path = config.path
        return translate("admin_models.file" if path.is_file() else "admin_models.file_new", locale, path=str(path))

    def load(lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Page load: the table, the editor's text, where it is saved; starts the health timer."""
        locale, _ = admin(lang, request)
        return table(locale), config.text(), file_note(locale), gr.Timer(active=True)

    def refresh(lang: str, request: gr.Request) -> str:
        locale, _ = admin(lang, request)
        return table(locale)

    def revert(lang: str, request: gr.Request) -> tuple[str, str, str]:
        locale, _ = admin(lang, request)
        return config.text(), file_note(locale), translate("admin_models.reverted", locale)

    def validate(text: str | None, lang: str, request: gr.Request) -> str:
        locale, _ = admin(lang, request)
        try:
            preview = config.preview(text or "")
        except ConfigError as exc:
            return error_md("invalid", exc, locale)
        count = len(preview.catalogue.models)
        if preview.diff.empty:
            lines = [translate("admin_models.valid_same", locale, count=count)]
        else:
            lines = [translate("admin_models.valid", locale, count=count), *diff_lines(preview.diff, locale)]
        return "\n".join([*lines, *("\n" + n for n in notice_lines(preview.notices, locale))])

    async def save(text: str | None, lang: str, request: gr.Request) -> tuple[str, str, str]:
        locale, actor = admin(lang, request)
        try:
            result = await config.apply(text or "", actor)
        except ConfigError as exc:
            return error_md("not_saved", exc, locale), table(locale), file_note(locale)
        except PermissionError as exc:                 # the service checks again (e.g. demoted meanwhile)
            raise refusal(exc, locale) from None
        fields = {"path": str(result.path), "backup": str(result.backup or "")}
        lines = [translate("admin_models.saved_backup" if result.backup else "admin_models.saved", locale, **fields)]
        states = dict(result.reload.started) if result.reload is not None else {}
        lines += diff_lines(result.diff, locale, states) or [translate("admin_models.saved_same", locale)]
        lines += ["\n" + n for n in notice_lines(result.notices, locale)]
        return "\n".join(lines), table(locale), file_note(locale)

    return SimpleNamespace(load=load, refresh=refresh, revert=revert, validate=validate, save=save)


# ---------------------------------------------------------------- layout


def build_models_tab(gateway: Any, i18n: gr.I18n, page: gr.Blocks | None = None) -> None:
    """Lay out the Models tab in the current (``gr.Tab``) context; ``page`` defaults to the Blocks being built."""
    from gradio.context import Context

    h = make_handlers(gateway)
    page = page or Context.root_block
    lang = gr.Textbox(visible=False)
    js = {"js": WITH_LANG_JS}
    with gr.Row(equal_height=True):
        gr.Markdown(i18n("admin_models.heading"))
        refresh_btn = gr.Button(i18n("admin_models.refresh"), size="sm", scale=0, min_width=140)
    models = gr.HTML(css_template=TABLE_CSS, elem_id="admin-models-table")
    timer = gr.Timer(HEALTH_SECONDS, active=False)       # started by a successful (admin) load
    gr.Markdown(i18n("admin_models.intro"))
    file_md = gr.Markdown(elem_id="admin-models-file")
    editor = gr.Code(language="yaml", label=i18n("admin_models.editor"), interactive=True, lines=24, max_lines=60,
                     elem_id="admin-models-editor")
    with gr.Row():
        validate_btn = gr.Button(i18n("admin_models.validate"), elem_id="admin-models-validate")
        save_btn = gr.Button(i18n("admin_models.save"), variant="primary", elem_id="admin-models-save")
        revert_btn = gr.Button(i18n("admin_models.revert"), elem_id="admin-models-revert")
    result = gr.Markdown(elem_id="admin-models-result")

    if page is not None:
        page.load(h.load, inputs=[lang], outputs=[models, editor, file_md, timer], show_progress="hidden", **js)
    gr.on([refresh_btn.click, timer.tick], h.refresh, inputs=[lang], outputs=[models], show_progress="hidden",
          concurrency_limit=None, **js)
    validate_btn.click(h.validate, inputs=[editor, lang], outputs=[result], **js)
    save_btn.click(h.save, inputs=[editor, lang], outputs=[result, models, file_md], **js)
    revert_btn.click(h.revert, inputs=[lang], outputs=[editor, file_md, result], **js)
