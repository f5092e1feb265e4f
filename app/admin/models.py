"""Admin page, Models tab: the models with live deployment health, and the catalogue editor.

``ModelsTab(services, ModelConfig(gateway)).build(i18n)`` lays the tab out inside the caller's ``gr.Tab``.
The work is ``gateway.routing.model_config.ModelConfig`` (validate, save with ``.bak``, swap live, audit); the
tab's handlers (its methods; ``load``, ``revert`` and ``save`` answer with a view) only check the caller is an
admin (every one of them: a member gets a refusal and nothing changes) and render the result in the page's
language. An invalid catalogue is not an exception here: the result message names the key and its line, and the
editor keeps the admin's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import gradio as gr

from app.home.page import TABLE_CSS, models_table_html
from app.shell.access import WITH_LANG_JS, admin_only, locale_of, refusal
from app.shell.i18n import translate
from app.shell.views import View, shown
from gateway.accounts.console import Actor, Console
from gateway.errors import ConfigError
from gateway.routing.catalogue import Catalogue
from gateway.routing.model_config import CatalogueDiff, ModelConfig, Notice

if TYPE_CHECKING:
    from gateway.routing.router import Router

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


def catalogue_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    """The models table's rows from the catalogue alone (no health known: the models are not started)."""
    return [{"id": m.id, "kind": m.kind, "description": m.description,
             "capabilities": {"reasoning": m.capabilities.reasoning, "tools": m.capabilities.tools,
                              "context_length": m.capabilities.context_length},
             "quirks": {"merge_system_into_user": m.quirks.merge_system_into_user},
             "deployments": [{"name": d.name, "backend": d.backend, "state": None} for d in m.deployments]}
            for m in catalogue.models.values()]


# ---------------------------------------------------------------- handlers


class ModelsServices(Protocol):
    """What the Models tab uses of the gateway (``gateway.service.Gateway`` has each of them)."""

    console: Console              # who is calling (administrators only)
    catalogue: Catalogue          # the models when they are not started (no router)
    router: Router | None         # set once the gateway is started: then ``status()`` has live health

    def status(self) -> dict[str, Any]:
        """The gateway's status: ``["models"]`` are the models table's rows with each deployment's health."""
        ...


@dataclass
class ModelsView(View):
    """The tab on page load: the models, the editor with the catalogue, where it is saved; the health timer."""

    table: str                    # the models with their deployments' health (HTML)
    editor: str                   # the catalogue as YAML, comments included
    file: str                     # where it is saved (Markdown)
    timer: Any                    # the health timer, started (an admin loaded the tab)


@dataclass
class EditorView(View):
    """The editor back to the catalogue in use (revert)."""

    editor: str
    file: str
    result: str                   # "reverted" (Markdown)


@dataclass
class SavedView(View):
    """A save: what changed (or why nothing was saved), the models as they are now, where the file is."""

    result: str                   # Markdown
    table: str
    file: str


class ModelsTab:
    """The Models tab's handlers over ``services``; ``config`` edits the catalogue file (validate, save, audit)."""

    def __init__(self, services: ModelsServices, config: ModelConfig) -> None:
        self.services = services
        self.config = config

    def _admin(self, lang: str | None, request: gr.Request | None) -> tuple[str, Actor]:
        locale = locale_of(lang, request)
        return locale, admin_only(self.services.console, request, locale)

    def _table(self, locale: str) -> str:
        rows = (self.services.status()["models"] if self.services.router is not None
                else catalogue_rows(self.services.catalogue))
        return models_table_html(rows, locale)

    def _file_note(self, locale: str) -> str:
        path = self.config.path
        return translate("admin_models.file" if path.is_file() else "admin_models.file_new", locale, path=str(path))

    def load(self, lang: str, request: gr.Request) -> ModelsView:
        """Page load: the table, the editor's text, where it is saved; starts the health timer."""
        locale, _ = self._admin(lang, request)
        return ModelsView(table=self._table(locale), editor=self.config.text(), file=self._file_note(locale),
                          timer=gr.Timer(active=True))

    def refresh(self, lang: str, request: gr.Request) -> str:
        """The models table again (the refresh button, the health timer)."""
        locale, _ = self._admin(lang, request)
        return self._table(locale)

    def revert(self, lang: str, request: gr.Request) -> EditorView:
        locale, _ = self._admin(lang, request)
        return EditorView(editor=self.config.text(), file=self._file_note(locale),
                          result=translate("admin_models.reverted", locale))

    def validate(self, text: str | None, lang: str, request: gr.Request) -> str:
        locale, _ = self._admin(lang, request)
        try:
            preview = self.config.preview(text or "")
        except ConfigError as exc:
            return error_md("invalid", exc, locale)
        count = len(preview.catalogue.models)
        if preview.diff.empty:
            lines = [translate("admin_models.valid_same", locale, count=count)]
        else:
            lines = [translate("admin_models.valid", locale, count=count), *diff_lines(preview.diff, locale)]
        return "\n".join([*lines, *("\n" + n for n in notice_lines(preview.notices, locale))])

    async def save(self, text: str | None, lang: str, request: gr.Request) -> SavedView:
        locale, actor = self._admin(lang, request)
        try:
            result = await self.config.apply(text or "", actor)
        except ConfigError as exc:
            return SavedView(result=error_md("not_saved", exc, locale), table=self._table(locale),
                             file=self._file_note(locale))
        except PermissionError as exc:                 # the service checks again (e.g. demoted meanwhile)
            raise refusal(exc, locale) from None
        fields = {"path": str(result.path), "backup": str(result.backup or "")}
        lines = [translate("admin_models.saved_backup" if result.backup else "admin_models.saved", locale, **fields)]
        states = dict(result.reload.started) if result.reload is not None else {}
        lines += diff_lines(result.diff, locale, states) or [translate("admin_models.saved_same", locale)]
        lines += ["\n" + n for n in notice_lines(result.notices, locale)]
        return SavedView(result="\n".join(lines), table=self._table(locale), file=self._file_note(locale))

    # ------------------------------------------------------------ layout

    def build(self, i18n: gr.I18n, page: gr.Blocks | None = None) -> None:
        """Lay out the tab in the current (``gr.Tab``) context; ``page`` defaults to the Blocks being built."""
        from gradio.context import Context

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
        editor = gr.Code(language="yaml", label=i18n("admin_models.editor"), interactive=True, lines=24,
                         max_lines=60, elem_id="admin-models-editor")
        with gr.Row():
            validate_btn = gr.Button(i18n("admin_models.validate"), elem_id="admin-models-validate")
            save_btn = gr.Button(i18n("admin_models.save"), variant="primary", elem_id="admin-models-save")
            revert_btn = gr.Button(i18n("admin_models.revert"), elem_id="admin-models-revert")
        result = gr.Markdown(elem_id="admin-models-result")

        components = {"table": models, "editor": editor, "file": file_md, "timer": timer, "result": result}
        if page is not None:
            page.load(shown(self.load), inputs=[lang], outputs=ModelsView.pick(components), show_progress="hidden",
                      **js)
        gr.on([refresh_btn.click, timer.tick], self.refresh, inputs=[lang], outputs=[models], show_progress="hidden",
              concurrency_limit=None, **js)
        validate_btn.click(self.validate, inputs=[editor, lang], outputs=[result], **js)
        save_btn.click(shown(self.save), inputs=[editor, lang], outputs=SavedView.pick(components), **js)
        revert_btn.click(shown(self.revert), inputs=[lang], outputs=EditorView.pick(components), **js)
