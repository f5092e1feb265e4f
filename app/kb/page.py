"""Knowledge page (/kb): my knowledge bases and the KB square; a KB's documents, retrieval test, sharing, settings.

Tabs at the top: my KBs (my teams', and those granted or shared with me: team or personal space, my role,
documents, chunks, public or not) with the form to create one in a team I manage; the square (public KBs,
searchable). Picking a KB opens it below: its documents (uploads of many files at once, zip archives and whole
folders too, ingested in the background, the table refreshed by a timer while anything is pending; cancel, retry,
delete, download; the chosen document's chunks as indexed, filtered and paged), the retrieval test (the chunks
with their vector, keyword and rerank scores, document and pages), and for the team's admins its sharing (the
square, share links, grants) and settings. ``/kb?share=<token>`` opens a shared KB; ``?kb=<id>`` reopens one after a
reload.

``KnowledgePage(gateway, knowledge)`` is the page: its handlers are in ``app.kb.handlers`` and ``app.kb.sharing``
(methods answering the views of ``app.kb.states``), the shared parts in ``app.kb.context``, the renderers in
``app.kb.view``. Hiding a tab or a button is only for clarity: the service checks the caller's role on every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from app.kb import states, view
from app.kb.context import TICK_SECONDS, KBServices
from app.kb.handlers import KBHandlers
from app.shell.access import WITH_LANG_JS
from app.shell.header import DOWNLOAD_JS
from app.shell.views import shown

if TYPE_CHECKING:
    from workbench.kb.service import KnowledgeService

__all__ = ["KnowledgePage", "build"]

UPLOAD_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm", ".csv", ".zip"]
# the share link's address is the page's own origin, as the browser sees it
ORIGIN_LANG_JS = ("(...a) => [...a.slice(0, -2), window.location.origin, "
                  "document.documentElement.lang || navigator.language || 'en']")
# the open KB in the address (?kb=<id>), so a reload reopens it; a used share token leaves the address
URL_JS = ("(k) => { const u = new URL(window.location.href); u.searchParams.delete('share'); "
          "if (k) { u.searchParams.set('kb', k); } else { u.searchParams.delete('kb'); } "
          "window.history.replaceState(null, '', u.toString()); return []; }")


def _html(elem_id: str) -> gr.HTML:
    return gr.HTML(css_template=view.CSS, elem_id=elem_id)


class KnowledgePage(KBHandlers):
    """The Knowledge page: its handlers (``KBHandlers``, ``SharingHandlers``) and its layout."""

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the page in the current route and wire it."""
        lang = gr.Textbox(visible=False)
        origin = gr.Textbox(visible=False)
        kb_box = gr.Textbox(visible="hidden", elem_id="kb-selected")
        gr.Markdown(i18n("kb.intro"))
        notice = _html("kb-notice")
        with gr.Tabs(elem_id="kb-tabs"):
            with gr.Tab(i18n("kb.tab_mine"), id="mine", elem_id="kb-tab-mine"):
                mine_html = _html("kb-mine")
                with gr.Row(equal_height=True):
                    mine_pick = gr.Dropdown(label=i18n("kb.open_mine"), choices=[], scale=4, elem_id="kb-pick-mine")
                    refresh_btn = gr.Button(i18n("kb.refresh"), size="sm", scale=1, elem_id="kb-refresh")
                with gr.Accordion(i18n("kb.create_title"), open=False, elem_id="kb-create") as c_acc:
                    with gr.Row():
                        c_team = gr.Dropdown(label=i18n("kb.f_team"), info=i18n("kb.f_team_info"), choices=[],
                                             elem_id="kb-c-team")
                        c_name = gr.Textbox(label=i18n("kb.f_name"), max_lines=1, elem_id="kb-c-name")
                    c_desc = gr.Textbox(label=i18n("kb.f_description"), lines=2, elem_id="kb-c-description")
                    with gr.Row():
                        c_model = gr.Dropdown(label=i18n("kb.f_model"), info=i18n("kb.f_model_info"), choices=[],
                                              elem_id="kb-c-model")
                        c_tokens = gr.Number(label=i18n("kb.f_chunk_tokens"), info=i18n("kb.f_chunk_tokens_info"),
                                             value=300, precision=0, elem_id="kb-c-tokens")
                        c_overlap = gr.Number(label=i18n("kb.f_chunk_overlap"), info=i18n("kb.f_chunk_overlap_info"),
                                              value=40, precision=0, elem_id="kb-c-overlap")
                    create_btn = gr.Button(i18n("kb.create"), variant="primary", elem_id="kb-c-create")
            with gr.Tab(i18n("kb.tab_square"), id="square", elem_id="kb-tab-square"):
                gr.Markdown(i18n("kb.square_intro"))
                square_q = gr.Textbox(label=i18n("kb.square_search"), placeholder=i18n("kb.square_hint"), max_lines=1,
                                      elem_id="kb-square-q")
                square_html = _html("kb-square")
                square_pick = gr.Dropdown(label=i18n("kb.open_square"), choices=[], elem_id="kb-pick-square")

        with gr.Column(visible=False, elem_id="kb-open") as open_col:
            head = _html("kb-head")
            with gr.Tabs(elem_id="kb-open-tabs"):
                with gr.Tab(i18n("kb.tab_documents"), id="documents", elem_id="kb-tab-documents"):
                    with gr.Column(visible=False) as upload_col:
                        files = gr.File(label=i18n("kb.upload"), file_count="multiple", file_types=UPLOAD_TYPES,
                                        elem_id="kb-files")
                        with gr.Row(equal_height=True):
                            # no file_types: a folder's other files reach the handler, which lists each as refused
                            # (with file_types the browser would drop them with one toast)
                            folder = gr.UploadButton(i18n("kb.upload_folder"), file_count="directory", size="sm",
                                                     scale=0, min_width=180, elem_id="kb-folder")
                            gr.Markdown(i18n("kb.upload_folder_info"), elem_id="kb-folder-info")
                    doc_note = _html("kb-doc-note")
                    docs_html = _html("kb-docs")
                    with gr.Row(equal_height=True):
                        doc_pick = gr.Dropdown(label=i18n("kb.document"), choices=[], scale=3, elem_id="kb-doc-pick")
                        download_btn = gr.Button(i18n("kb.download"), size="sm", scale=1, elem_id="kb-download")
                        with gr.Row(visible=False, scale=3) as doc_actions:
                            cancel_btn = gr.Button(i18n("kb.cancel"), size="sm", elem_id="kb-cancel")
                            retry_btn = gr.Button(i18n("kb.retry"), size="sm", elem_id="kb-retry")
                            delete_doc_btn = gr.Button(i18n("kb.delete_document"), size="sm", variant="stop",
                                                       elem_id="kb-delete-document")
                    download = gr.Textbox(visible="hidden", elem_id="kb-download-file")   # the document's address
                    with gr.Accordion(i18n("kb.chunks_title"), open=False, elem_id="kb-chunks"):
                        gr.Markdown(i18n("kb.chunks_intro"))
                        with gr.Row(equal_height=True):
                            chunk_q = gr.Textbox(label=i18n("kb.f_chunk_filter"),
                                                 placeholder=i18n("kb.chunk_filter_hint"), max_lines=1, scale=4,
                                                 elem_id="kb-chunk-q")
                            chunk_prev = gr.Button(i18n("kb.chunks_previous"), size="sm", scale=0, min_width=110,
                                                   interactive=False, elem_id="kb-chunks-prev")
                            chunk_next = gr.Button(i18n("kb.chunks_next"), size="sm", scale=0, min_width=110,
                                                   interactive=False, elem_id="kb-chunks-next")
                        chunk_note = _html("kb-chunk-note")
                        chunks_html = _html("kb-chunks-table")
                        chunk_first, chunk_prev_at, chunk_next_at = gr.State(0), gr.State(0), gr.State(0)
                    timer = gr.Timer(TICK_SECONDS, active=False)
                with gr.Tab(i18n("kb.tab_retrieval"), id="retrieval", elem_id="kb-tab-retrieval"):
                    gr.Markdown(i18n("kb.retrieval_intro"))
                    with gr.Row(equal_height=True):
                        question = gr.Textbox(label=i18n("kb.f_question"), max_lines=3, scale=5, elem_id="kb-question")
                        top_k = gr.Number(label=i18n("kb.f_top_k"), value=5, precision=0, minimum=1, scale=1,
                                          elem_id="kb-top-k")
                        search_btn = gr.Button(i18n("kb.search"), variant="primary", scale=1, elem_id="kb-search")
                    search_note = _html("kb-search-note")
                    hits = _html("kb-hits")
                with gr.Tab(i18n("kb.tab_sharing"), id="sharing", visible=False,
                            elem_id="kb-tab-sharing") as sharing_tab:
                    share_note = _html("kb-share-note")
                    gr.Markdown(i18n("kb.square_heading"))
                    public_html = _html("kb-public")
                    with gr.Row():
                        publish_btn = gr.Button(i18n("kb.publish"), size="sm", elem_id="kb-publish")
                        unpublish_btn = gr.Button(i18n("kb.unpublish"), size="sm", visible=False,
                                                  elem_id="kb-unpublish")
                    gr.Markdown(i18n("kb.links_heading"))
                    with gr.Row(equal_height=True):
                        link_expiry = gr.Dropdown(label=i18n("kb.f_expiry"), value="7", elem_id="kb-link-expiry",
                                                  choices=[(i18n("kb.expiry_1"), "1"), (i18n("kb.expiry_7"), "7"),
                                                           (i18n("kb.expiry_30"), "30"), (i18n("kb.expiry_0"), "0")])
                        link_btn = gr.Button(i18n("kb.create_link"), elem_id="kb-link-create")
                    link_box = gr.Textbox(label=i18n("kb.link_label"), info=i18n("kb.link_once"), visible=False,
                                          interactive=False, buttons=["copy"], elem_id="kb-link")
                    links_html = _html("kb-links")
                    with gr.Row(equal_height=True):
                        link_pick = gr.Dropdown(label=i18n("kb.link_pick"), choices=[], scale=3, elem_id="kb-link-pick")
                        revoke_link_btn = gr.Button(i18n("kb.revoke_link"), size="sm", variant="stop", scale=1,
                                                    elem_id="kb-link-revoke")
                    gr.Markdown(i18n("kb.grants_heading"))
                    with gr.Row(equal_height=True):
                        grant_name = gr.Textbox(label=i18n("kb.f_username"), max_lines=1, scale=3,
                                                elem_id="kb-grant-user")
                        grant_user_btn = gr.Button(i18n("kb.grant_user_btn"), size="sm", scale=1,
                                                   elem_id="kb-grant-user-btn")
                    with gr.Row(equal_height=True):
                        grant_team = gr.Dropdown(label=i18n("kb.f_grant_team"), choices=[], scale=3,
                                                 elem_id="kb-grant-team")
                        grant_team_btn = gr.Button(i18n("kb.grant_team_btn"), size="sm", scale=1,
                                                   elem_id="kb-grant-team-btn")
                    grants_html = _html("kb-grants")
                    with gr.Row(equal_height=True):
                        grant_pick = gr.Dropdown(label=i18n("kb.grant_pick"), choices=[], scale=3,
                                                 elem_id="kb-grant-pick")
                        revoke_grant_btn = gr.Button(i18n("kb.revoke_grant"), size="sm", variant="stop", scale=1,
                                                     elem_id="kb-grant-revoke")
                with gr.Tab(i18n("kb.tab_settings"), id="settings", visible=False,
                            elem_id="kb-tab-settings") as settings_tab:
                    settings_note = _html("kb-settings-note")
                    with gr.Row():
                        s_name = gr.Textbox(label=i18n("kb.f_name"), max_lines=1, elem_id="kb-s-name")
                        s_model = gr.Dropdown(label=i18n("kb.f_model"), info=i18n("kb.f_model_change"), choices=[],
                                              elem_id="kb-s-model")
                    s_desc = gr.Textbox(label=i18n("kb.f_description"), lines=2, elem_id="kb-s-description")
                    with gr.Row():
                        s_tokens = gr.Number(label=i18n("kb.f_chunk_tokens"), info=i18n("kb.f_rechunk_info"),
                                             precision=0, elem_id="kb-s-tokens")
                        s_overlap = gr.Number(label=i18n("kb.f_chunk_overlap"), precision=0, elem_id="kb-s-overlap")
                    save_btn = gr.Button(i18n("kb.save"), variant="primary", elem_id="kb-s-save")
                    gr.Markdown(i18n("kb.delete_heading"))
                    with gr.Row(equal_height=True):
                        confirm = gr.Textbox(label=i18n("kb.f_confirm"), max_lines=1, scale=3, elem_id="kb-s-confirm")
                        delete_btn = gr.Button(i18n("kb.delete_kb"), variant="stop", scale=1, elem_id="kb-s-delete")

        parts = dict(locals())      # the components by variable name: the views' field names (app.kb.states)
        quick = {"js": WITH_LANG_JS, "show_progress": "hidden", "concurrency_limit": None}

        refresh = {"fn": shown(self.refresh), "inputs": [square_q, kb_box, c_team, c_model, lang],
                   "outputs": states.RefreshView.pick(parts), **quick}

        def then_refresh(event: Any) -> None:
            """The lists redrawn after a change to the open KB (counts, visibility)."""
            event.success(**refresh)

        opening = {"fn": shown(self.open_kb), "outputs": states.OpenView.pick(parts), **quick}
        page.load(shown(self.load), inputs=[square_q, lang], outputs=states.LoadView.pick(parts),
                  api_name="kb_load", **quick)
        refresh_btn.click(api_name="kb_refresh", **refresh)
        square_q.change(shown(self.search_square), inputs=[square_q, lang], outputs=states.Square.pick(parts),
                        api_name="kb_square", trigger_mode="always_last", **quick)
        mine_pick.input(inputs=[mine_pick, lang], api_name="kb_open", **opening)
        square_pick.input(inputs=[square_pick, lang], **opening)
        create_btn.click(shown(self.create),
                         inputs=[c_team, c_name, c_desc, c_model, c_tokens, c_overlap, square_q, lang],
                         outputs=states.CreateView.pick(parts), api_name="kb_create", **quick)
        kb_box.change(None, inputs=[kb_box], js=URL_JS)

        timer.tick(shown(self.tick), inputs=[kb_box, doc_pick, square_q, lang],
                   outputs=states.TickView.pick(parts), api_name="kb_tick", **quick)
        uploading = {**quick, "show_progress": "minimal", "show_progress_on": [doc_note]}
        for upload, fn, name in ((files, self.upload, "kb_upload"), (folder, self.upload_folder, "kb_upload_folder")):
            then_refresh(upload.upload(shown(fn), inputs=[upload, kb_box, doc_pick, lang],
                                       outputs=states.UploadView.pick({**parts, "files": upload}), api_name=name,
                                       **uploading))
        documents = {"inputs": [kb_box, doc_pick, lang], "outputs": states.DocumentView.pick(parts), **quick}
        for button, fn in ((cancel_btn, self.cancel), (retry_btn, self.retry), (delete_doc_btn, self.delete_document)):
            then_refresh(button.click(shown(fn), **documents))
        download_btn.click(self.download, inputs=[kb_box, doc_pick, lang], outputs=[download],
                           api_name="kb_download", **quick).success(None, inputs=[download], js=DOWNLOAD_JS)
        # the chosen document's chunks: from the first on a new pick or filter, a page back or on with the buttons
        show_chunks = {"fn": shown(self.chunks), "outputs": states.ChunksView.pick(parts), **quick}
        gr.on([doc_pick.change, chunk_q.change, chunk_q.submit], inputs=[kb_box, doc_pick, chunk_q, chunk_first, lang],
              api_name="kb_chunks", trigger_mode="always_last", **show_chunks)
        chunk_prev.click(inputs=[kb_box, doc_pick, chunk_q, chunk_prev_at, lang], **show_chunks)
        chunk_next.click(inputs=[kb_box, doc_pick, chunk_q, chunk_next_at, lang], **show_chunks)
        gr.on([search_btn.click, question.submit], shown(self.retrieve), inputs=[kb_box, question, top_k, lang],
              outputs=states.HitsView.pick(parts), api_name="kb_retrieve", **{**quick, "show_progress": "minimal"})

        shared = {"outputs": states.SharedView.pick(parts), **quick}
        for button, fn in ((publish_btn, self.publish), (unpublish_btn, self.unpublish)):
            then_refresh(button.click(shown(fn), inputs=[kb_box, lang], outputs=states.PublishView.pick(parts),
                                      **quick))
        link_btn.click(shown(self.create_link), inputs=[kb_box, link_expiry, origin, lang],
                       outputs=states.LinkView.pick(parts), **{**quick, "js": ORIGIN_LANG_JS})
        revoke_link_btn.click(shown(self.revoke_link), inputs=[kb_box, link_pick, lang], **shared)
        gr.on([grant_user_btn.click, grant_name.submit], shown(self.grant_user), inputs=[kb_box, grant_name, lang],
              outputs=states.GrantView.pick(parts), **quick)
        grant_team_btn.click(shown(self.grant_team), inputs=[kb_box, grant_team, lang], **shared)
        revoke_grant_btn.click(shown(self.revoke_grant), inputs=[kb_box, grant_pick, lang], **shared)
        save_btn.click(shown(self.save_settings),
                       inputs=[kb_box, s_name, s_desc, s_model, s_tokens, s_overlap, square_q, lang],
                       outputs=states.SavedView.pick(parts), **quick)
        delete_btn.click(shown(self.delete_kb), inputs=[kb_box, confirm, square_q, lang],
                         outputs=states.ListedView.pick(parts), **quick)

def build(page: gr.Blocks, services: KBServices, i18n: gr.I18n, knowledge: KnowledgeService | None = None) -> None:
    """The page in the current route (``app.ui``; ``knowledge`` None: every handler says it is off)."""
    KnowledgePage(services, knowledge).build(page, i18n)
