"""The Knowledge page's handlers for the lists, a KB's documents (and their chunks) and the retrieval test.

``KBHandlers(gateway, knowledge)``: its methods are the handlers (tested directly), each answering a view of
``app.kb.states``. Each looks the caller up again (``KBContext.who``) and passes their user id to
``workbench.kb.service.KnowledgeService``, which checks the permission on every call: an outsider's KB or
document id is answered like a missing one. Uploads are queued (the service's worker ingests them); the documents
table refreshes on a ``gr.Timer`` while anything is queued or being ingested, and the timer stops when nothing is.
The sharing and settings handlers are in ``app.kb.sharing`` (``SharingHandlers``, which this class extends).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gradio as gr

from app.http.kb_files import file_url
from app.kb import view
from app.kb.context import TICK_SECONDS, field_error, refused, service_error
from app.kb.sharing import SharingHandlers
from app.kb.states import (
    ChunksView,
    CreateView,
    DocumentView,
    HitsView,
    LoadView,
    OpenView,
    RefreshView,
    Square,
    TickView,
    UploadView,
    fields_of,
    kept,
)
from app.shell.i18n import translate
from workbench.kb.errors import KBError

MAX_TOP_K = 50
CHUNK_PAGE = 50                      # chunks per page of the chosen document's chunk view


class KBHandlers(SharingHandlers):
    """The page's handlers over ``services`` (the gateway's accounts and catalogue) and ``knowledge`` (None: the
    page is off): the lists, a KB's documents and chunks, the retrieval test here; sharing and settings in
    ``SharingHandlers``."""

    # -- the lists ---------------------------------------------------------------------------------------------
    def load(self, query: str | None, lang: str, request: gr.Request) -> LoadView:
        """Page load: the lists, and the KB of ``?share=<token>`` (opened: a grant while the link lives) or
        ``?kb=<id>`` (if the caller may read it)."""
        ctx = self.ctx
        locale, uid = ctx.who(lang, request)
        params = getattr(request, "query_params", None) or {}
        token, wanted = str(params.get("share") or ""), str(params.get("kb") or "")
        opened, notice, current = ctx.closed(), "", None
        if token:
            try:
                kb = ctx.knowledge.sharing.open_link(uid, token)
                opened, current = ctx.opened(uid, locale, kb.id), kb.id
                notice = translate("kb.share_opened", locale, name=kb.name)
            except KBError as exc:
                notice = exc.text(locale)
        elif wanted:
            try:
                opened, current = ctx.opened(uid, locale, wanted), wanted
            except gr.Error as exc:
                notice = exc.message
        return LoadView(**fields_of(ctx.lists(uid, locale, query, current), ctx.form(uid, locale), opened),
                        notice=view.notice_html(notice))

    def refresh(self, query: str | None, kb_id: str | None, team_id: str | None, model: str | None, lang: str,
                request: gr.Request) -> RefreshView:
        """The lists and the create form's choices again (after a change here, or on another page)."""
        locale, uid = self.ctx.who(lang, request)
        return RefreshView(**fields_of(self.ctx.lists(uid, locale, query, kb_id),
                                       self.ctx.form(uid, locale, team_id, model)))

    def search_square(self, query: str | None, lang: str, request: gr.Request) -> Square:
        locale, uid = self.ctx.who(lang, request)
        return self.ctx.square(uid, locale, query)

    def open_kb(self, kb_id: str | None, lang: str, request: gr.Request) -> OpenView:
        """A KB picked from my list or the square, shown by the caller's role."""
        locale, uid = self.ctx.who(lang, request)
        opened = self.ctx.opened(uid, locale, kb_id) if kb_id else self.ctx.closed()
        return OpenView(**fields_of(opened), notice="")

    def create(self, team_id: str | None, name: str | None, description: str | None, model: str | None,
               chunk_tokens: float | None, chunk_overlap: float | None, query: str | None, lang: str,
               request: gr.Request) -> CreateView:
        """A new KB in a team the caller manages; a bad field is refused by its label, the form kept."""
        ctx = self.ctx
        locale, uid = ctx.who(lang, request)
        if not team_id:
            raise field_error("team_id", locale, "kb.choose_team")
        kb = ctx.call(locale, ctx.knowledge.bases.create, uid, team_id, name or "", description or "", model or "",
                      chunk_tokens, chunk_overlap)
        return CreateView(**fields_of(ctx.lists(uid, locale, query, kb.id), ctx.opened(uid, locale, kb.id)),
                          notice=view.notice_html(translate("kb.created", locale, name=kb.name)), c_name="",
                          c_desc="", c_acc=gr.update(open=False))

    # -- documents ---------------------------------------------------------------------------------------------
    def tick(self, kb_id: str | None, document_id: str | None, query: str | None, lang: str,
             request: gr.Request) -> TickView:
        """The timer's refresh: header, documents, picker, and the timer itself, which stops when nothing is
        pending (the lists are redrawn then, with the new counts)."""
        ctx = self.ctx
        locale, uid = ctx.who(lang, request)
        if not kb_id:
            return kept(TickView, timer=gr.Timer(TICK_SECONDS, active=False))
        try:
            docs = ctx.documents(uid, locale, kb_id, document_id)
        except gr.Error as exc:            # access ended meanwhile: say so once, stop refreshing
            return TickView(**fields_of(ctx.lists(uid, locale, query)), head=gr.update(),
                            docs_html=view.notice_html(exc.message), doc_pick=gr.update(choices=[], value=None),
                            timer=gr.Timer(TICK_SECONDS, active=False))
        if docs.timer.active:
            return kept(TickView, **fields_of(docs))
        return TickView(**fields_of(docs, ctx.lists(uid, locale, query, kb_id)))

    async def _upload(self, files: list[Any] | None, kb_id: str | None, document_id: str | None, lang: str,
                      request: gr.Request, folder: bool) -> AsyncIterator[UploadView]:
        ctx = self.ctx
        locale, uid, kb_id = ctx.chosen(lang, request, kb_id)
        paths = [str(getattr(f, "path", None) or f) for f in (files or []) if f]
        if not paths:
            raise refused("kb.choose_files", locale)
        knowledge = ctx.knowledge
        ctx.call(locale, knowledge.access.require_kb, uid, kb_id, "upload")     # before reading any file
        picked = ctx.screen(paths, folder=folder)                                # sizes from the disk, unread
        if not picked:
            raise refused("kb.folder_empty", locale)
        sent = [at for at, p in enumerate(picked) if p.refusal is None]
        outcomes: list[list[Any]] = [[p.refusal] for p in picked]      # one line per file, in the upload's order
        for number, at in enumerate(sent, start=1):
            name, path = picked[at].name, picked[at].path
            yield kept(UploadView, doc_note=view.notice_html(translate("kb.uploading", locale, number=number,
                                                                       count=len(sent), name=name)))
            data = await asyncio.to_thread(Path(path).read_bytes)
            outcomes[at] = await asyncio.to_thread(ctx.call, locale, knowledge.upload, uid, kb_id, [(name, data)])
        report = [outcome for lines in outcomes for outcome in lines]
        yield UploadView(**fields_of(ctx.documents(uid, locale, kb_id, document_id)),
                         doc_note=view.upload_report(report, locale), files=None)

    async def upload(self, files: list[Any] | None, kb_id: str | None, document_id: str | None, lang: str,
                     request: gr.Request) -> AsyncIterator[UploadView]:
        """Files (many at once; a zip: each document in it) queued into the open KB, one at a time with the
        progress shown; then one line per file: queued, or refused with the reason (duplicates named). A file of
        a type the KB does not take, or over the size limit, is refused from its name and size on disk, unread."""
        async for step in self._upload(files, kb_id, document_id, lang, request, folder=False):
            yield step

    async def upload_folder(self, files: list[Any] | None, kb_id: str | None, document_id: str | None, lang: str,
                            request: gr.Request) -> AsyncIterator[UploadView]:
        """A folder's files (the browser sends each by its file name; the same name twice gets " (2)"): its
        documents queued as ``upload`` queues them, every other file listed as refused, hidden and system files
        (.DS_Store, Thumbs.db) left out."""
        async for step in self._upload(files, kb_id, document_id, lang, request, folder=True):
            yield step

    def _document_action(self, kb_id: str | None, document_id: str | None, lang: str, request: gr.Request,
                         action: str) -> DocumentView:
        ctx = self.ctx
        locale, uid, kb_id = ctx.chosen(lang, request, kb_id)
        if not document_id:
            raise refused("kb.choose_document", locale)
        knowledge = ctx.knowledge
        doc = ctx.call(locale, knowledge.document, uid, kb_id, document_id)
        if action == "cancel":
            ctx.call(locale, knowledge.cancel, uid, kb_id, doc.id)
        elif action == "retry":
            ctx.call(locale, knowledge.retry, uid, kb_id, doc.id)
        else:
            ctx.call(locale, knowledge.delete_document, uid, kb_id, doc.id)
        return DocumentView(**fields_of(ctx.documents(uid, locale, kb_id, doc.id)),
                            doc_note=view.notice_html(translate(f"kb.document_{action}", locale, name=doc.name)))

    def cancel(self, kb_id: str | None, document_id: str | None, lang: str, request: gr.Request) -> DocumentView:
        return self._document_action(kb_id, document_id, lang, request, "cancel")

    def retry(self, kb_id: str | None, document_id: str | None, lang: str, request: gr.Request) -> DocumentView:
        return self._document_action(kb_id, document_id, lang, request, "retry")

    def delete_document(self, kb_id: str | None, document_id: str | None, lang: str,
                        request: gr.Request) -> DocumentView:
        return self._document_action(kb_id, document_id, lang, request, "delete")

    def download(self, kb_id: str | None, document_id: str | None, lang: str, request: gr.Request) -> str:
        """The address of the uploaded file (``/kb/file/...``, which checks the reader again on every fetch) for
        anyone who may read the KB; the page's script opens it and the browser saves the file under its own name.
        Nothing goes through Gradio's file cache."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        if not document_id:
            raise refused("kb.choose_document", locale)
        self.ctx.call(locale, self.ctx.knowledge.document_file, uid, kb_id, document_id)
        return file_url(kb_id, document_id, download=True)

    def chunks(self, kb_id: str | None, document_id: str | None, query: str | None, offset: float | None, lang: str,
               request: gr.Request) -> ChunksView:
        """The chosen document's chunks from ``offset`` (a page of ``CHUNK_PAGE``), filtered by ``query``: the
        summary, the table, where the previous and next pages start, and those buttons (off at either end).
        Anyone who may read the KB; a refusal (not ready yet, no access) is shown in place of the table."""
        locale, uid = self.ctx.who(lang, request)

        def nothing(note: str) -> ChunksView:
            return ChunksView(chunk_note=view.notice_html(note), chunks_html="", chunk_prev_at=0, chunk_next_at=0,
                              chunk_prev=gr.update(interactive=False), chunk_next=gr.update(interactive=False))

        if not kb_id or not document_id:
            return nothing(translate("kb.chunks_choose", locale))
        start = max(0, int(offset)) if isinstance(offset, int | float) and math.isfinite(offset) else 0
        knowledge = self.ctx.knowledge
        try:
            found = knowledge.chunks(uid, kb_id, document_id, offset=start, limit=CHUNK_PAGE, query=query or "")
            if not found.chunks and found.total:       # past the end (fewer chunks now): the last page
                last = (found.total - 1) // CHUNK_PAGE * CHUNK_PAGE
                found = knowledge.chunks(uid, kb_id, document_id, offset=last, limit=CHUNK_PAGE, query=query or "")
        except KBError as exc:
            return nothing(exc.text(locale))
        more = found.offset + len(found.chunks) < found.total
        return ChunksView(chunk_note=view.chunks_summary(found, locale), chunks_html=view.chunks_html(found, locale),
                          chunk_prev_at=max(0, found.offset - CHUNK_PAGE), chunk_next_at=found.offset + CHUNK_PAGE,
                          chunk_prev=gr.update(interactive=found.offset > 0), chunk_next=gr.update(interactive=more))

    # -- the retrieval test ------------------------------------------------------------------------------------
    async def retrieve(self, kb_id: str | None, question: str | None, top_k: float | None, lang: str,
                       request: gr.Request) -> HitsView:
        """The open KB searched as the chat would (vector + keyword, fused, reranked) with the caller's key:
        the chunks with their scores, document and pages."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        k = top_k if top_k not in (None, "") else 5
        if isinstance(k, float) and k.is_integer():
            k = int(k)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_TOP_K:
            raise field_error("k", locale, "kb.bad_top_k", most=MAX_TOP_K)
        try:
            hits = await self.ctx.knowledge.search(uid, [kb_id], question or "", k)
        except KBError as exc:
            raise service_error(exc, locale) from None
        if not hits:
            note = translate("kb.nothing_found", locale)
        elif hits.rerank_error is not None:         # a catalogue reranker failed: the blend's order, and why
            note = translate("kb.found_fused_because", locale, count=len(hits),
                             reason=hits.rerank_error.text(locale))
        elif hits.reranked:
            note = translate("kb.found_reranked", locale, count=len(hits))
        else:
            note = translate("kb.found_fused", locale, count=len(hits))
        return HitsView(hits=view.hits_html(hits, locale), search_note=view.notice_html(note))
