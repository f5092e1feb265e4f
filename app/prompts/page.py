"""Prompt studio page (/prompts): the library (the caller's prompts, search, the square, a new prompt written or
generated from a task), and for the open prompt its versions (edit, improve, labels, compare, manage), its test
cases and graders, runs over versions x models, and the optimiser. ``?prompt=<name>`` reopens a prompt.

Built by ``build(page, gateway, i18n, prompts)``; ``prompts`` is the ``workbench.prompt_studio.service.PromptStudio``
(None: the page says the studio is not available). The handlers are in ``library``, ``edit``, ``cases`` and
``run``; each answers every output of ``states.OUTPUTS``. Hiding a tab or a button is only for clarity: the library
checks the caller's role on every call.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.prompts import states, view
from app.prompts.cases import SAVE_JS, CasesHandlers
from app.prompts.context import PromptsContext
from app.prompts.edit import EditHandlers
from app.prompts.library import LibraryHandlers
from app.prompts.run import BUDGET, HELD_OUT, ROUNDS, RunHandlers
from app.shell.feature import wiring

# the open prompt in the address (?prompt=<name>), so a reload reopens it
URL_JS = ("(n) => { const u = new URL(window.location.href); "
          "if (n) { u.searchParams.set('prompt', n); } else { u.searchParams.delete('prompt'); } "
          "window.history.replaceState(null, '', u.toString()); return []; }")
FILE_TYPES = [".csv", ".jsonl", ".json", ".yaml", ".yml"]


def _html(elem_id: str) -> gr.HTML:
    return gr.HTML(css_template=view.CSS, elem_id=elem_id)


def _notice(elem_id: str) -> gr.Markdown:
    return gr.Markdown(elem_id=elem_id)


class PromptsPage(LibraryHandlers, EditHandlers, CasesHandlers, RunHandlers):
    """The prompt page: its handlers and its layout."""

    def __init__(self, gateway: Any, studio: Any) -> None:
        self.ctx = PromptsContext(gateway, studio)

    def layout(self, i18n: gr.I18n) -> dict[str, Any]:
        """The components by output name (``states.OUTPUTS``) and the buttons by their own names."""
        p: dict[str, Any] = {"lang": gr.Textbox(visible=False), "prompt_box": gr.Textbox(visible="hidden",
                                                                                          elem_id="ps-prompt-id"),
                             "prompt_name": gr.Textbox(visible="hidden", elem_id="ps-prompt-name"),
                             "download": gr.Textbox(visible="hidden", elem_id="ps-download"),
                             "imp_state": gr.State(None), "opt_new_version": gr.Textbox(visible="hidden",
                                                                                        elem_id="ps-opt-new")}
        gr.Markdown(i18n("prompts.intro"))
        with gr.Tabs(elem_id="ps-tabs"):
            with gr.Tab(i18n("prompts.tab_library"), id="library", elem_id="ps-tab-library"):
                self._library(p, i18n)
            with gr.Tab(i18n("prompts.tab_square"), id="square", elem_id="ps-tab-square"):
                p["square_notice"] = _notice("ps-square-notice")
                gr.Markdown(i18n("prompts.square_intro"))
                p["square_table"] = _html("ps-square")
                with gr.Row(equal_height=True):
                    p["square_pick"] = gr.Dropdown(label=i18n("prompts.open_square"), choices=[], scale=3,
                                                   elem_id="ps-square-pick")
                    p["square_fork_name"] = gr.Textbox(label=i18n("prompts.f_fork_name"), max_lines=1, scale=2,
                                                       elem_id="ps-square-fork-name")
                    p["square_fork"] = gr.Button(i18n("prompts.fork"), scale=1, elem_id="ps-square-fork")
        p["head"] = _html("ps-head")
        with gr.Tabs(visible=False, elem_id="ps-open-tabs") as p["open_tabs"]:
            with gr.Tab(i18n("prompts.tab_edit"), id="edit", elem_id="ps-tab-edit"):
                self._edit(p, i18n)
            with gr.Tab(i18n("prompts.tab_cases"), id="cases", elem_id="ps-tab-cases"):
                self._cases_tab(p, i18n)
            with gr.Tab(i18n("prompts.tab_run"), id="run", elem_id="ps-tab-run"):
                self._run(p, i18n)
            with gr.Tab(i18n("prompts.tab_optimise"), id="optimise", elem_id="ps-tab-optimise"):
                self._optimise(p, i18n)
        return p

    @staticmethod
    def _library(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["lib_notice"] = _notice("ps-lib-notice")
        p["lib_search"] = gr.Textbox(label=i18n("prompts.search"), placeholder=i18n("prompts.search_hint"),
                                     max_lines=1, elem_id="ps-search")
        p["lib_table"] = _html("ps-list")
        p["lib_pick"] = gr.Dropdown(label=i18n("prompts.open"), choices=[], elem_id="ps-pick")
        with gr.Accordion(i18n("prompts.new_title"), open=False, elem_id="ps-new"):
            with gr.Row():
                p["new_name"] = gr.Textbox(label=i18n("prompts.f_name"), info=i18n("prompts.f_name_info"),
                                           max_lines=1, elem_id="ps-new-name")
                p["new_team"] = gr.Dropdown(label=i18n("prompts.f_team"), choices=[], elem_id="ps-new-team")
            p["new_description"] = gr.Textbox(label=i18n("prompts.f_description"), max_lines=2,
                                              elem_id="ps-new-description")
            gr.Markdown(i18n("prompts.generate_intro"))
            p["gen_task"] = gr.Textbox(label=i18n("prompts.f_task"), info=i18n("prompts.f_task_info"), lines=3,
                                       elem_id="ps-gen-task")
            with gr.Row(equal_height=True):
                p["gen_variables"] = gr.Textbox(label=i18n("prompts.f_variables"),
                                                info=i18n("prompts.f_variables_info"), max_lines=1, scale=2,
                                                elem_id="ps-gen-variables")
                p["gen_model"] = gr.Dropdown(label=i18n("prompts.f_model"), choices=[], scale=2,
                                             elem_id="ps-gen-model")
                p["gen_btn"] = gr.Button(i18n("prompts.generate"), scale=1, elem_id="ps-generate")
            p["new_system"] = gr.Textbox(label=i18n("prompts.f_system"), lines=6, elem_id="ps-new-system")
            p["new_user"] = gr.Textbox(label=i18n("prompts.f_user"), info=i18n("prompts.f_user_info"), lines=2,
                                       elem_id="ps-new-user")
            p["create_btn"] = gr.Button(i18n("prompts.create"), variant="primary", elem_id="ps-create")

    @staticmethod
    def _edit(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["edit_notice"] = _notice("ps-edit-notice")
        p["edit_version"] = gr.Dropdown(label=i18n("prompts.f_version"), choices=[], elem_id="ps-version")
        p["edit_system"] = gr.Textbox(label=i18n("prompts.f_system"), lines=6, elem_id="ps-edit-system")
        p["edit_user"] = gr.Textbox(label=i18n("prompts.f_user"), info=i18n("prompts.f_user_info"), lines=2,
                                    elem_id="ps-edit-user")
        with gr.Row():
            p["edit_model"] = gr.Dropdown(label=i18n("prompts.f_model"), choices=[], elem_id="ps-edit-model")
            p["edit_temperature"] = gr.Number(label=i18n("prompts.f_temperature"), minimum=0, maximum=2,
                                              elem_id="ps-edit-temperature")
            p["edit_max_tokens"] = gr.Number(label=i18n("prompts.f_max_tokens"), precision=0, minimum=1,
                                             elem_id="ps-edit-max-tokens")
        p["edit_checklist"] = _html("ps-edit-checklist")
        with gr.Row(equal_height=True):
            p["edit_override"] = gr.Checkbox(label=i18n("prompts.f_save_anyway"), elem_id="ps-edit-override")
            p["save_btn"] = gr.Button(i18n("prompts.save_version"), variant="primary", elem_id="ps-save-version")
        with gr.Accordion(i18n("prompts.improve_title"), open=False, elem_id="ps-improve"):
            p["imp_notice"] = _notice("ps-imp-notice")
            with gr.Row(equal_height=True):
                p["imp_feedback"] = gr.Textbox(label=i18n("prompts.f_feedback"), lines=2, scale=3,
                                               elem_id="ps-imp-feedback")
                p["imp_model"] = gr.Dropdown(label=i18n("prompts.f_model"), choices=[], scale=2,
                                             elem_id="ps-imp-model")
                p["imp_btn"] = gr.Button(i18n("prompts.improve"), scale=1, elem_id="ps-improve-btn")
            p["imp_critique"] = gr.Markdown(elem_id="ps-imp-critique")
            p["imp_diff"] = _html("ps-imp-diff")
            p["imp_checklist"] = _html("ps-imp-checklist")
            with gr.Row(equal_height=True):
                p["imp_override"] = gr.Checkbox(label=i18n("prompts.f_accept_anyway"), elem_id="ps-imp-override")
                p["accept_btn"] = gr.Button(i18n("prompts.accept"), variant="primary", elem_id="ps-accept")
        with gr.Accordion(i18n("prompts.labels_title"), open=False, elem_id="ps-labels"):
            p["manage_notice"] = _notice("ps-manage-notice")
            p["labels_html"] = _html("ps-labels-now")
            with gr.Row(equal_height=True):
                p["label_name"] = gr.Dropdown(label=i18n("prompts.f_label"), info=i18n("prompts.f_label_info"),
                                              choices=[], allow_custom_value=True, elem_id="ps-label-name")
                p["label_version"] = gr.Dropdown(label=i18n("prompts.f_version"), choices=[],
                                                 elem_id="ps-label-version")
                p["label_btn"] = gr.Button(i18n("prompts.set_label"), elem_id="ps-label-set")
            with gr.Row(equal_height=True):
                p["label_remove"] = gr.Dropdown(label=i18n("prompts.f_label_remove"), choices=[],
                                                elem_id="ps-label-remove")
                p["unlabel_btn"] = gr.Button(i18n("prompts.remove_label"), elem_id="ps-label-remove-btn")
        with gr.Accordion(i18n("prompts.compare_title"), open=False, elem_id="ps-compare"):
            with gr.Row(equal_height=True):
                p["cmp_a"] = gr.Dropdown(label=i18n("prompts.f_compare_a"), choices=[], elem_id="ps-cmp-a")
                p["cmp_b"] = gr.Dropdown(label=i18n("prompts.f_compare_b"), choices=[], elem_id="ps-cmp-b")
                p["cmp_btn"] = gr.Button(i18n("prompts.compare"), elem_id="ps-compare-btn")
            p["cmp_html"] = _html("ps-cmp")
        with gr.Accordion(i18n("prompts.manage_title"), open=False, elem_id="ps-manage"):
            with gr.Row(equal_height=True):
                p["publish_btn"] = gr.Button(i18n("prompts.publish"), elem_id="ps-publish")
                p["unpublish_btn"] = gr.Button(i18n("prompts.unpublish"), visible=False, elem_id="ps-unpublish")
            with gr.Row(equal_height=True):
                p["move_team"] = gr.Dropdown(label=i18n("prompts.f_move_team"), choices=[], elem_id="ps-move-team")
                p["move_btn"] = gr.Button(i18n("prompts.move"), elem_id="ps-move")
            with gr.Row(equal_height=True):
                p["fork_name"] = gr.Textbox(label=i18n("prompts.f_fork_name"), max_lines=1, elem_id="ps-fork-name")
                p["fork_btn"] = gr.Button(i18n("prompts.fork"), elem_id="ps-fork")
            with gr.Row(equal_height=True):
                p["delete_confirm"] = gr.Checkbox(label=i18n("prompts.f_confirm_delete"), elem_id="ps-delete-confirm")
                p["delete_btn"] = gr.Button(i18n("prompts.delete"), variant="stop", elem_id="ps-delete")

    @staticmethod
    def _cases_tab(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["cases_notice"] = _notice("ps-cases-notice")
        gr.Markdown(i18n("prompts.cases_intro"))
        p["cases_table"] = gr.Dataframe(interactive=True, wrap=True, type="pandas", elem_id="ps-cases")
        with gr.Row(equal_height=True):
            p["cases_save"] = gr.Button(i18n("prompts.save_cases"), variant="primary", elem_id="ps-cases-save")
            p["export_csv"] = gr.Button(i18n("prompts.export_csv"), elem_id="ps-export-csv")
            p["export_jsonl"] = gr.Button(i18n("prompts.export_jsonl"), elem_id="ps-export-jsonl")
            p["export_yaml"] = gr.Button(i18n("prompts.export_yaml"), elem_id="ps-export-yaml")
        p["cases_file"] = gr.File(label=i18n("prompts.f_import"), file_types=FILE_TYPES, type="filepath",
                                  elem_id="ps-cases-file")
        with gr.Accordion(i18n("prompts.draft_title"), open=False, elem_id="ps-draft"):
            p["draft_task"] = gr.Textbox(label=i18n("prompts.f_task"), lines=2, elem_id="ps-draft-task")
            with gr.Row(equal_height=True):
                p["draft_count"] = gr.Number(label=i18n("prompts.f_count"), value=5, precision=0, minimum=1,
                                             elem_id="ps-draft-count")
                p["draft_model"] = gr.Dropdown(label=i18n("prompts.f_model"), choices=[], elem_id="ps-draft-model")
                p["draft_btn"] = gr.Button(i18n("prompts.draft"), elem_id="ps-draft-btn")
            p["accept_drafts"] = gr.Button(i18n("prompts.accept_drafts"), elem_id="ps-accept-drafts")
        with gr.Accordion(i18n("prompts.graders_title"), open=True, elem_id="ps-graders"):
            p["graders_notice"] = _notice("ps-graders-notice")
            p["graders_html"] = _html("ps-graders-list")
            with gr.Row(equal_height=True):
                p["grader_kind"] = gr.Dropdown(label=i18n("prompts.f_grader_kind"), choices=[],
                                               elem_id="ps-grader-kind")
                p["grader_value"] = gr.Textbox(label=i18n("prompts.f_grader_value"),
                                               info=i18n("prompts.f_grader_value_info"), lines=1,
                                               elem_id="ps-grader-value")
            with gr.Row(equal_height=True):
                p["grader_tolerance"] = gr.Number(label=i18n("prompts.f_tolerance"), value=0, minimum=0,
                                                  elem_id="ps-grader-tolerance")
                p["grader_weight"] = gr.Number(label=i18n("prompts.f_weight"), value=1, elem_id="ps-grader-weight")
                p["grader_ignore_case"] = gr.Checkbox(label=i18n("prompts.f_ignore_case"),
                                                      elem_id="ps-grader-ignore-case")
                p["grader_add"] = gr.Button(i18n("prompts.add_grader"), elem_id="ps-grader-add")
            with gr.Row(equal_height=True):
                p["grader_remove"] = gr.Dropdown(label=i18n("prompts.f_grader_remove"), choices=[],
                                                 elem_id="ps-grader-remove")
                p["grader_remove_btn"] = gr.Button(i18n("prompts.remove_grader"), elem_id="ps-grader-remove-btn")

    @staticmethod
    def _run(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["run_notice"] = _notice("ps-run-notice")
        with gr.Row(equal_height=True):
            p["run_versions"] = gr.Dropdown(label=i18n("prompts.f_versions"), choices=[], multiselect=True,
                                            elem_id="ps-run-versions")
            p["run_models"] = gr.Dropdown(label=i18n("prompts.f_models"), choices=[], multiselect=True,
                                          elem_id="ps-run-models")
            p["run_judge"] = gr.Dropdown(label=i18n("prompts.f_judge"), choices=[], elem_id="ps-run-judge")
        p["run_btn"] = gr.Button(i18n("prompts.run"), variant="primary", elem_id="ps-run")
        p["run_progress"] = gr.Markdown(elem_id="ps-run-progress")
        p["run_summary"] = _html("ps-run-summary")
        p["run_plot"] = gr.BarPlot(x="version", y="score", y_lim=[0, 1], label=i18n("prompts.chart_scores"),
                                   x_title=i18n("prompts.axis_version"), y_title=i18n("prompts.axis_score"),
                                   elem_id="ps-run-plot")
        p["run_cells"] = _html("ps-run-cells")

    @staticmethod
    def _optimise(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["opt_notice"] = _notice("ps-opt-notice")
        gr.Markdown(i18n("prompts.optimise_intro"))
        with gr.Row(equal_height=True):
            p["opt_version"] = gr.Dropdown(label=i18n("prompts.f_version"), choices=[], elem_id="ps-opt-version")
            p["opt_model"] = gr.Dropdown(label=i18n("prompts.f_model"), choices=[], elem_id="ps-opt-model")
        with gr.Row(equal_height=True):
            p["opt_budget"] = gr.Number(label=i18n("prompts.f_budget"), info=i18n("prompts.f_budget_info"),
                                        value=BUDGET, precision=0, minimum=1, elem_id="ps-opt-budget")
            p["opt_rounds"] = gr.Number(label=i18n("prompts.f_rounds"), value=ROUNDS, precision=0, minimum=1,
                                        elem_id="ps-opt-rounds")
            p["opt_held_out"] = gr.Number(label=i18n("prompts.f_held_out"), info=i18n("prompts.f_held_out_info"),
                                          value=HELD_OUT, minimum=0.05, maximum=0.5, step=0.05,
                                          elem_id="ps-opt-held-out")
        p["opt_btn"] = gr.Button(i18n("prompts.optimise"), variant="primary", elem_id="ps-optimise")
        p["opt_progress"] = gr.Markdown(elem_id="ps-opt-progress")
        p["opt_plot"] = gr.LinePlot(x="round", y="score", color="series", y_lim=[0, 1],
                                    label=i18n("prompts.chart_rounds"), x_title=i18n("prompts.axis_round"),
                                    color_title=i18n("prompts.legend_series"),
                                    y_title=i18n("prompts.axis_score"), elem_id="ps-opt-plot")
        p["opt_rounds_table"] = _html("ps-opt-rounds-table")
        p["opt_result"] = gr.Markdown(elem_id="ps-opt-result")
        p["opt_diff"] = _html("ps-opt-diff")
        p["opt_label_btn"] = gr.Button(i18n("prompts.label_production"), visible=False, elem_id="ps-opt-label")

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the page in the current route and wire it."""
        p = self.layout(i18n)
        box, lang = p["prompt_box"], p["lang"]
        on, quick = wiring(p, states.OUTPUTS, states.FIELDS, lang)

        model_work = {"show_progress": "minimal", "concurrency_limit": 4}
        page.load(self.load, inputs=[lang], **quick)
        p["prompt_name"].change(None, inputs=[p["prompt_name"]], js=URL_JS)
        p["download"].change(None, inputs=[p["download"]], js=SAVE_JS)
        p["lib_search"].change(self.search, inputs=[p["lib_search"], lang], trigger_mode="always_last", **quick)
        on(p["lib_pick"].input, self.open_prompt, "lib_pick")
        on(p["square_pick"].input, self.open_prompt, "square_pick")
        on(p["gen_btn"].click, self.generate, "gen_task", "gen_variables", "gen_model", **model_work,
           show_progress_on=[p["new_system"]])
        on(p["create_btn"].click, self.create, "new_name", "new_team", "new_description", "new_system", "new_user",
           "lib_search")
        on(p["square_fork"].click, self.fork_square, "square_pick", "square_fork_name")
        # edit
        on(p["edit_version"].input, self.pick_version, "prompt_box", "edit_version")
        on(p["save_btn"].click, self.save_version, "prompt_box", "edit_version", "edit_system", "edit_user",
           "edit_model", "edit_temperature", "edit_max_tokens", "edit_override")
        on(p["imp_btn"].click, self.improve, "prompt_box", "edit_version", "imp_feedback", "imp_model",
           **model_work, show_progress_on=[p["imp_diff"]])
        on(p["accept_btn"].click, self.accept, "prompt_box", "imp_state", "imp_override")
        on(p["label_btn"].click, self.set_label, "prompt_box", "label_name", "label_version")
        on(p["unlabel_btn"].click, self.remove_label, "prompt_box", "label_remove")
        on(p["cmp_btn"].click, self.compare, "prompt_box", "cmp_a", "cmp_b")
        on(p["publish_btn"].click, self.publish, "prompt_box")
        on(p["unpublish_btn"].click, self.unpublish, "prompt_box")
        on(p["move_btn"].click, self.move, "prompt_box", "move_team")
        on(p["fork_btn"].click, self.fork, "prompt_box", "edit_version", "fork_name")
        on(p["delete_btn"].click, self.delete, "prompt_box", "delete_confirm")
        # cases and graders
        on(p["cases_save"].click, self.save_cases, "prompt_box", "cases_table")
        on(p["cases_file"].upload, self.import_cases, "prompt_box", "cases_file")
        on(p["export_csv"].click, self.export_csv, "prompt_box")
        on(p["export_jsonl"].click, self.export_jsonl, "prompt_box")
        on(p["export_yaml"].click, self.export_yaml, "prompt_box")
        on(p["draft_btn"].click, self.draft, "prompt_box", "draft_task", "draft_count", "draft_model", **model_work,
           show_progress_on=[p["cases_table"]])
        on(p["accept_drafts"].click, self.accept_drafted, "prompt_box")
        on(p["grader_add"].click, self.add_grader, "prompt_box", "grader_kind", "grader_value", "grader_tolerance",
           "grader_ignore_case", "grader_weight")
        on(p["grader_remove_btn"].click, self.remove_grader, "prompt_box", "grader_remove")
        # run and optimise
        on(p["run_btn"].click, self.run, "prompt_box", "run_versions", "run_models", "run_judge",
           concurrency_limit=4)
        on(p["opt_btn"].click, self.optimise, "prompt_box", "opt_version", "opt_model", "opt_budget", "opt_rounds",
           "opt_held_out", concurrency_limit=4)
        on(p["opt_label_btn"].click, self.label_optimised, "prompt_box", "opt_new_version")
        del box


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, prompts: Any = None) -> None:
    """Lay out the page in the current route (``prompts`` None: the page says the studio is not available)."""
    if prompts is None:
        gr.Markdown(i18n("prompts.intro"))
        gr.Markdown(i18n("prompts.unavailable"))
        return
    PromptsPage(gateway, prompts).build(page, i18n)
