"""Knowledge page (/kb): my knowledge bases and the KB square; a KB's documents, retrieval test, sharing, settings.

Tabs at the top: my KBs (my teams', and those granted or shared with me: team or personal space, my role,
documents, chunks, public or not) with the form to create one in a team I manage; the square (public KBs,
searchable). Picking a KB opens it below: its documents (uploads of many files at once, zip archives and whole
folders too, ingested in the background, the table refreshed by a timer while anything is pending; cancel, retry,
delete, download; the chosen document's chunks as indexed, filtered and paged), the retrieval test (the chunks
with their vector, keyword and rerank scores, document and pages), and for the team's admins its sharing (the
square, share links, grants) and settings. ``/kb?share=<token>`` opens a shared KB; ``?kb=<id>`` reopens one after a
reload.

The handlers are in ``app.kb_handlers`` and ``app.kb_sharing`` (``make_handlers(gateway, knowledge)``), the
shared parts in ``app.kb_context``, the renderers in ``app.kb_view``. Hiding a tab or a button is only for
clarity: the service checks the caller's role on every call.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.kb import view
from app.kb.context import DOCS, FORM, LISTS, OPENED, SHARING, TICK_SECONDS
from app.kb.handlers import make_handlers
from app.shell.access import WITH_LANG_JS
from app.shell.header import DOWNLOAD_JS

__all__ = ["build", "make_handlers"]

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


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, knowledge: Any = None) -> None:
    """Lay out the page in the current route and wire it (``knowledge`` None: every handler says it is off)."""
    h = make_handlers(gateway, knowledge)
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
                        chunk_q = gr.Textbox(label=i18n("kb.f_chunk_filter"), placeholder=i18n("kb.chunk_filter_hint"),
                                             max_lines=1, scale=4, elem_id="kb-chunk-q")
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
            with gr.Tab(i18n("kb.tab_sharing"), id="sharing", visible=False, elem_id="kb-tab-sharing") as sharing_tab:
                share_note = _html("kb-share-note")
                gr.Markdown(i18n("kb.square_heading"))
                public_html = _html("kb-public")
                with gr.Row():
                    publish_btn = gr.Button(i18n("kb.publish"), size="sm", elem_id="kb-publish")
                    unpublish_btn = gr.Button(i18n("kb.unpublish"), size="sm", visible=False, elem_id="kb-unpublish")
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
                    grant_pick = gr.Dropdown(label=i18n("kb.grant_pick"), choices=[], scale=3, elem_id="kb-grant-pick")
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
                    s_tokens = gr.Number(label=i18n("kb.f_chunk_tokens"), info=i18n("kb.f_rechunk_info"), precision=0,
                                         elem_id="kb-s-tokens")
                    s_overlap = gr.Number(label=i18n("kb.f_chunk_overlap"), precision=0, elem_id="kb-s-overlap")
                save_btn = gr.Button(i18n("kb.save"), variant="primary", elem_id="kb-s-save")
                gr.Markdown(i18n("kb.delete_heading"))
                with gr.Row(equal_height=True):
                    confirm = gr.Textbox(label=i18n("kb.f_confirm"), max_lines=1, scale=3, elem_id="kb-s-confirm")
                    delete_btn = gr.Button(i18n("kb.delete_kb"), variant="stop", scale=1, elem_id="kb-s-delete")

    named = locals()        # the components by variable name: the output names of app.kb.context
    lists, form, docs, sharing, opened = ([named[n] for n in names] for names in (LISTS, FORM, DOCS, SHARING, OPENED))
    quick = {"js": WITH_LANG_JS, "show_progress": "hidden", "concurrency_limit": None}

    refresh = {"fn": h.refresh, "inputs": [square_q, kb_box, c_team, c_model, lang], "outputs": [*lists, *form],
               **quick}

    def then_refresh(event: Any) -> None:
        """The lists redrawn after a change to the open KB (counts, visibility)."""
        event.success(**refresh)

    page.load(h.load, inputs=[square_q, lang], outputs=[*lists, *form, *opened, notice], api_name="kb_load", **quick)
    refresh_btn.click(api_name="kb_refresh", **refresh)
    square_q.change(h.search_square, inputs=[square_q, lang], outputs=[square_html, square_pick],
                   api_name="kb_square", trigger_mode="always_last", **quick)
    mine_pick.input(h.open_kb, inputs=[mine_pick, lang], outputs=[*opened, notice], api_name="kb_open", **quick)
    square_pick.input(h.open_kb, inputs=[square_pick, lang], outputs=[*opened, notice], **quick)
    create_btn.click(h.create, inputs=[c_team, c_name, c_desc, c_model, c_tokens, c_overlap, square_q, lang],
                     outputs=[*lists, *opened, notice, c_name, c_desc, c_acc], api_name="kb_create", **quick)
    kb_box.change(None, inputs=[kb_box], js=URL_JS)

    timer.tick(h.tick, inputs=[kb_box, doc_pick, square_q, lang], outputs=[*docs, *lists], api_name="kb_tick",
               **quick)
    uploading = {**quick, "show_progress": "minimal", "show_progress_on": [doc_note]}
    then_refresh(files.upload(h.upload, inputs=[files, kb_box, doc_pick, lang], outputs=[doc_note, files, *docs],
                              api_name="kb_upload", **uploading))
    then_refresh(folder.upload(h.upload_folder, inputs=[folder, kb_box, doc_pick, lang],
                               outputs=[doc_note, folder, *docs], api_name="kb_upload_folder", **uploading))
    for button, fn in ((cancel_btn, h.cancel), (retry_btn, h.retry), (delete_doc_btn, h.delete_document)):
        then_refresh(button.click(fn, inputs=[kb_box, doc_pick, lang], outputs=[doc_note, *docs], **quick))
    download_btn.click(h.download, inputs=[kb_box, doc_pick, lang], outputs=[download], api_name="kb_download",
                       **quick).success(None, inputs=[download], js=DOWNLOAD_JS)
    # the chosen document's chunks: from the first on a new pick or filter, a page back or on with the buttons
    show_chunks = {"fn": h.chunks, "outputs": [chunk_note, chunks_html, chunk_prev_at, chunk_next_at, chunk_prev,
                                               chunk_next], **quick}
    gr.on([doc_pick.change, chunk_q.change, chunk_q.submit], inputs=[kb_box, doc_pick, chunk_q, chunk_first, lang],
          api_name="kb_chunks", trigger_mode="always_last", **show_chunks)
    chunk_prev.click(inputs=[kb_box, doc_pick, chunk_q, chunk_prev_at, lang], **show_chunks)
    chunk_next.click(inputs=[kb_box, doc_pick, chunk_q, chunk_next_at, lang], **show_chunks)
    gr.on([search_btn.click, question.submit], h.retrieve, inputs=[kb_box, question, top_k, lang],
          outputs=[hits, search_note], api_name="kb_retrieve", **{**quick, "show_progress": "minimal"})

    then_refresh(publish_btn.click(h.publish, inputs=[kb_box, lang], outputs=[head, *sharing, share_note], **quick))
    then_refresh(unpublish_btn.click(h.unpublish, inputs=[kb_box, lang], outputs=[head, *sharing, share_note],
                                     **quick))
    link_btn.click(h.create_link, inputs=[kb_box, link_expiry, origin, lang], outputs=[link_box, *sharing, share_note],
                   **{**quick, "js": ORIGIN_LANG_JS})
    revoke_link_btn.click(h.revoke_link, inputs=[kb_box, link_pick, lang], outputs=[*sharing, share_note], **quick)
    gr.on([grant_user_btn.click, grant_name.submit], h.grant_user, inputs=[kb_box, grant_name, lang],
          outputs=[*sharing, share_note, grant_name], **quick)
    grant_team_btn.click(h.grant_team, inputs=[kb_box, grant_team, lang], outputs=[*sharing, share_note], **quick)
    revoke_grant_btn.click(h.revoke_grant, inputs=[kb_box, grant_pick, lang], outputs=[*sharing, share_note],
                           **quick)
    save_btn.click(h.save_settings, inputs=[kb_box, s_name, s_desc, s_model, s_tokens, s_overlap, square_q, lang],
                   outputs=[head, *lists, settings_note], **quick)
    delete_btn.click(h.delete_kb, inputs=[kb_box, confirm, square_q, lang], outputs=[*lists, *opened, notice],
                     **quick)
