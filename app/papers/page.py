"""Papers page (/papers): the library (upload a PDF into the personal space or a team, the list with each paper's
parse progress, open, move, delete), and for the open paper its deep reading (model and language, progress step by
step, the statements by aspect with their page chips and quotes, stop, download), questions in a thread, and the
comparison of 2 to 5 papers.

Built by ``build(page, gateway, i18n, papers, knowledge)``; ``papers`` is the ``workbench.papers.service.Papers``
(None: the page says paper reading is not available), ``knowledge`` the knowledge bases a paper can be added to. The
handlers are in ``library``, ``reading``, ``questions`` and ``compare``; each answers every output of
``states.OUTPUTS``. Hiding a button is only for clarity: the papers' library checks the caller's role on every call.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.papers import states, view
from app.papers.compare import CompareHandlers
from app.papers.context import LIB_TICK, READ_TICK, PapersContext
from app.papers.library import LibraryHandlers
from app.papers.questions import QuestionHandlers
from app.papers.reading import SAVE_JS, ReadingHandlers
from app.shell.feature import wiring


def _html(elem_id: str) -> gr.HTML:
    return gr.HTML(css_template=view.CSS, elem_id=elem_id)


class PapersPage(LibraryHandlers, ReadingHandlers, QuestionHandlers, CompareHandlers):
    """The papers page: its handlers and its layout."""

    def __init__(self, gateway: Any, papers: Any, knowledge: Any = None) -> None:
        self.ctx = PapersContext(gateway, papers, knowledge)

    def layout(self, i18n: gr.I18n) -> dict[str, Any]:
        """The components by output name (``states.OUTPUTS``) and the buttons by their own names."""
        p: dict[str, Any] = {"lang": gr.Textbox(visible=False),
                             "paper_box": gr.Textbox(visible="hidden", elem_id="pp-paper-id"),
                             "download": gr.Textbox(visible="hidden", elem_id="pp-download"),
                             "thread_box": gr.State(None), "cmp_state": gr.State(None)}
        gr.Markdown(i18n("papers.intro"))
        p["head"] = _html("pp-head")
        with gr.Tabs(elem_id="pp-tabs"):
            with gr.Tab(i18n("papers.tab_library"), id="library", elem_id="pp-tab-library"):
                self._library(p, i18n)
            with gr.Tab(i18n("papers.tab_reading"), id="reading", elem_id="pp-tab-reading"):
                self._reading(p, i18n)
            with gr.Tab(i18n("papers.tab_questions"), id="questions", elem_id="pp-tab-questions"):
                p["ask_notice"] = gr.Markdown(elem_id="pp-ask-notice")
                gr.Markdown(i18n("papers.questions_intro"))
                with gr.Row(equal_height=True):
                    p["question"] = gr.Textbox(label=i18n("papers.f_question"), placeholder=i18n(
                        "papers.question_hint"), max_lines=3, scale=5, elem_id="pp-question")
                    p["ask_btn"] = gr.Button(i18n("papers.ask"), variant="primary", scale=1, elem_id="pp-ask")
                    p["thread_btn"] = gr.Button(i18n("papers.new_thread"), scale=1, elem_id="pp-new-thread")
                p["answers_html"] = _html("pp-answers")
            with gr.Tab(i18n("papers.tab_compare"), id="compare", elem_id="pp-tab-compare"):
                p["cmp_notice"] = gr.Markdown(elem_id="pp-cmp-notice")
                gr.Markdown(i18n("papers.compare_intro"))
                with gr.Row(equal_height=True):
                    p["cmp_papers"] = gr.Dropdown(label=i18n("papers.f_compare"), choices=[], multiselect=True,
                                                  max_choices=5, scale=3, elem_id="pp-cmp-papers")
                    p["cmp_model"] = gr.Dropdown(label=i18n("papers.f_model"), choices=[], scale=2,
                                                 elem_id="pp-cmp-model")
                    p["cmp_lang"] = gr.Dropdown(label=i18n("papers.f_lang"), choices=[], scale=1,
                                                elem_id="pp-cmp-lang")
                with gr.Row():
                    p["cmp_btn"] = gr.Button(i18n("papers.compare"), variant="primary", elem_id="pp-compare")
                    p["cmp_export"] = gr.Button(i18n("papers.compare_export"), elem_id="pp-cmp-export")
                p["cmp_html"] = _html("pp-cmp")
        return p

    @staticmethod
    def _library(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["lib_notice"] = gr.Markdown(elem_id="pp-lib-notice")
        with gr.Row(equal_height=True):
            p["upload_file"] = gr.File(label=i18n("papers.f_upload"), file_types=[".pdf"], type="filepath",
                                       scale=3, elem_id="pp-upload")
            p["upload_team"] = gr.Dropdown(label=i18n("papers.f_upload_team"), choices=[], scale=1,
                                           elem_id="pp-upload-team")
        p["lib_table"] = _html("pp-list")
        p["lib_pick"] = gr.Dropdown(label=i18n("papers.open"), choices=[], elem_id="pp-pick")
        with gr.Accordion(i18n("papers.manage_title"), open=False, elem_id="pp-manage"):
            with gr.Row(equal_height=True):
                p["move_team"] = gr.Dropdown(label=i18n("papers.f_move_team"), choices=[], elem_id="pp-move-team")
                p["move_btn"] = gr.Button(i18n("papers.move"), elem_id="pp-move")
            with gr.Row(equal_height=True):
                p["kb_target"] = gr.Dropdown(label=i18n("papers.f_kb"), choices=[], elem_id="pp-kb-target")
                p["kb_btn"] = gr.Button(i18n("papers.to_kb"), elem_id="pp-to-kb")
            with gr.Row(equal_height=True):
                p["delete_confirm"] = gr.Checkbox(label=i18n("papers.f_confirm_delete"), elem_id="pp-delete-confirm")
                p["delete_btn"] = gr.Button(i18n("papers.delete"), variant="stop", elem_id="pp-delete")
        p["lib_timer"] = gr.Timer(LIB_TICK, active=False)

    @staticmethod
    def _reading(p: dict[str, Any], i18n: gr.I18n) -> None:
        p["read_notice"] = gr.Markdown(elem_id="pp-read-notice")
        gr.Markdown(i18n("papers.reading_intro"))
        with gr.Row(equal_height=True):
            p["read_model"] = gr.Dropdown(label=i18n("papers.f_model"), choices=[], scale=2, elem_id="pp-model")
            p["read_lang"] = gr.Dropdown(label=i18n("papers.f_lang"), choices=[], scale=1, elem_id="pp-lang")
        with gr.Row():
            p["read_btn"] = gr.Button(i18n("papers.read"), variant="primary", scale=0, min_width=140,
                                      elem_id="pp-read")
            p["stop_btn"] = gr.Button(i18n("papers.stop"), variant="stop", visible=False, scale=0, min_width=140,
                                      elem_id="pp-stop")
            p["export_btn"] = gr.Button(i18n("papers.export"), scale=0, min_width=200, elem_id="pp-export")
        p["read_progress"] = gr.Markdown(elem_id="pp-progress")
        p["read_html"] = _html("pp-reading")
        p["read_timer"] = gr.Timer(READ_TICK, active=False)

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the page in the current route and wire it."""
        p = self.layout(i18n)
        lang = p["lang"]
        on, quick = wiring(p, states.OUTPUTS, states.FIELDS, lang)
        outputs = quick["outputs"]

        model_work = {"show_progress": "minimal", "concurrency_limit": 4}
        page.load(self.load, inputs=[lang], **quick)
        p["lib_timer"].tick(self.tick, inputs=[p["paper_box"], lang], **quick)
        p["read_timer"].tick(self.poll, inputs=[p["paper_box"], p["read_model"], p["read_lang"], lang], **quick)
        # library
        on(p["upload_file"].upload, self.upload, "upload_file", "upload_team", "paper_box",
           outputs=[*outputs, p["upload_file"]])
        on(p["lib_pick"].input, self.open_paper, "lib_pick", "read_model", "read_lang")
        on(p["move_btn"].click, self.move, "paper_box", "move_team")
        on(p["delete_btn"].click, self.delete, "paper_box", "delete_confirm")
        on(p["kb_btn"].click, self.to_kb, "paper_box", "kb_target")
        # reading
        for picker in ("read_model", "read_lang"):
            on(p[picker].input, self.show, "paper_box", "read_model", "read_lang")
        on(p["read_btn"].click, self.read, "paper_box", "read_model", "read_lang")
        on(p["stop_btn"].click, self.stop, "paper_box", "read_model", "read_lang")
        on(p["export_btn"].click, self.export, "paper_box", "read_model", "read_lang").success(
            None, inputs=[p["download"]], js=SAVE_JS, queue=False)
        # questions
        for asked in (p["ask_btn"].click, p["question"].submit):
            on(asked, self.ask, "paper_box", "question", "thread_box", "read_model", "read_lang", **model_work,
               show_progress_on=[p["answers_html"]])
        on(p["thread_btn"].click, self.new_thread, "paper_box")
        # compare
        on(p["cmp_btn"].click, self.compare, "cmp_papers", "cmp_model", "cmp_lang", **model_work,
           show_progress_on=[p["cmp_html"]])
        on(p["cmp_export"].click, self.export_comparison, "cmp_state").success(
            None, inputs=[p["download"]], js=SAVE_JS, queue=False)


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, papers: Any = None, knowledge: Any = None) -> None:
    """Lay out the page in the current route (``papers`` None: the page says paper reading is not available;
    ``knowledge``: the knowledge bases a paper can be added to, None: not offered)."""
    if papers is None:
        gr.Markdown(i18n("papers.intro"))
        gr.Markdown(i18n("papers.unavailable"))
        return
    PapersPage(gateway, papers, knowledge).build(page, i18n)
