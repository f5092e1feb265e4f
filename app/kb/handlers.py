"""The Knowledge page's handlers for the lists, a KB's documents (and their chunks) and the retrieval test.

``make_handlers(gateway, knowledge)`` returns plain functions (tested directly); each looks the caller up again
(``KBPage.who``) and passes their user id to ``workbench.kb.service.KnowledgeService``, which checks the
permission on every call: an outsider's KB or document id is answered like a missing one. Uploads are queued
(the service's worker ingests them); the documents table refreshes on a ``gr.Timer`` while anything is queued
or being ingested, and the timer stops when nothing is. The sharing and settings handlers are in
``app.kb_sharing``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from app.http.kb_files import file_url
from app.kb import view
from app.kb.context import TICK_SECONDS, KBPage, field_error, refused, service_error
from app.kb.sharing import make_sharing_handlers
from app.shell.i18n import translate
from workbench.kb.errors import KBError

MAX_TOP_K = 50
CHUNK_PAGE = 50                      # chunks per page of the chosen document's chunk view


def make_handlers(gateway: Any, knowledge: Any) -> SimpleNamespace:
    """The page's handlers over ``gateway`` (accounts, catalogue) and ``knowledge`` (None: the page is off)."""
    page = KBPage(gateway, knowledge)

    # -- the lists ---------------------------------------------------------------------------------------------
    def load(query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Page load: the lists, and the KB of ``?share=<token>`` (opened: a grant while the link lives) or
        ``?kb=<id>`` (if the caller may read it)."""
        locale, uid = page.who(lang, request)
        params = getattr(request, "query_params", None) or {}
        token, wanted = str(params.get("share") or ""), str(params.get("kb") or "")
        opened, notice, current = page.closed(), "", None
        if token:
            try:
                kb = knowledge.sharing.open_link(uid, token)
                opened, current = page.opened(uid, locale, kb.id), kb.id
                notice = translate("kb.share_opened", locale, name=kb.name)
            except KBError as exc:
                notice = exc.text(locale)
        elif wanted:
            try:
                opened, current = page.opened(uid, locale, wanted), wanted
            except gr.Error as exc:
                notice = exc.message
        return (*page.lists(uid, locale, query, current), *page.form(uid, locale), *opened, view.notice_html(notice))

    def refresh(query: str | None, kb_id: str | None, team_id: str | None, model: str | None, lang: str,
                request: gr.Request) -> tuple[Any, ...]:
        """The lists and the create form's choices again (after a change here, or on another page)."""
        locale, uid = page.who(lang, request)
        return (*page.lists(uid, locale, query, kb_id), *page.form(uid, locale, team_id, model))

    def search_square(query: str | None, lang: str, request: gr.Request) -> tuple[str, Any]:
        locale, uid = page.who(lang, request)
        return page.square(uid, locale, query)

    def open_kb(kb_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A KB picked from my list or the square, shown by the caller's role."""
        locale, uid = page.who(lang, request)
        if not kb_id:
            return (*page.closed(), "")
        return (*page.opened(uid, locale, kb_id), "")

    def create(team_id: str | None, name: str | None, description: str | None, model: str | None,
               chunk_tokens: float | None, chunk_overlap: float | None, query: str | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        """A new KB in a team the caller manages; a bad field is refused by its label, the form kept."""
        locale, uid = page.who(lang, request)
        if not team_id:
            raise field_error("team_id", locale, "kb.choose_team")
        kb = page.call(locale, knowledge.bases.create, uid, team_id, name or "", description or "", model or "",
                       chunk_tokens, chunk_overlap)
        notice = view.notice_html(translate("kb.created", locale, name=kb.name))
        return (*page.lists(uid, locale, query, kb.id), *page.opened(uid, locale, kb.id), notice, "", "",
                gr.update(open=False))

    # -- documents ---------------------------------------------------------------------------------------------
    def tick(kb_id: str | None, document_id: str | None, query: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        """The timer's refresh: header, documents, picker, and the timer itself, which stops when nothing is
        pending (the lists are redrawn then, with the new counts)."""
        locale, uid = page.who(lang, request)
        keep = (gr.update(),) * 4
        if not kb_id:
            return gr.update(), gr.update(), gr.update(), gr.Timer(TICK_SECONDS, active=False), *keep
        try:
            docs = page.documents(uid, locale, kb_id, document_id)
        except gr.Error as exc:            # access ended meanwhile: say so once, stop refreshing
            return (gr.update(), view.notice_html(exc.message), gr.update(choices=[], value=None),
                    gr.Timer(TICK_SECONDS, active=False), *page.lists(uid, locale, query))
        return (*docs, *(keep if docs[-1].active else page.lists(uid, locale, query, kb_id)))

    async def _upload(files: list[Any] | None, kb_id: str | None, document_id: str | None, lang: str,
                      request: gr.Request, folder: bool) -> AsyncIterator[tuple[Any, ...]]:
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        paths = [str(getattr(f, "path", None) or f) for f in (files or []) if f]
        if not paths:
            raise refused("kb.choose_files", locale)
        page.call(locale, knowledge.access.require_kb, uid, kb_id, "upload")    # before reading any file
        picked = page.screen(paths, folder=folder)                               # sizes from the disk, unread
        if not picked:
            raise refused("kb.folder_empty", locale)
        sent = [at for at, p in enumerate(picked) if p.refusal is None]
        outcomes: list[list[Any]] = [[p.refusal] for p in picked]      # one line per file, in the upload's order
        keep = (gr.update(),) * 5
        for number, at in enumerate(sent, start=1):
            name, path = picked[at].name, picked[at].path
            yield (view.notice_html(translate("kb.uploading", locale, number=number, count=len(sent), name=name)),
                   *keep)
            data = await asyncio.to_thread(Path(path).read_bytes)
            outcomes[at] = await asyncio.to_thread(page.call, locale, knowledge.upload, uid, kb_id, [(name, data)])
        report = [outcome for lines in outcomes for outcome in lines]
        yield (view.upload_report(report, locale), None, *page.documents(uid, locale, kb_id, document_id))

    async def upload(files: list[Any] | None, kb_id: str | None, document_id: str | None, lang: str,
                     request: gr.Request) -> AsyncIterator[tuple[Any, ...]]:
        """Files (many at once; a zip: each document in it) queued into the open KB, one at a time with the
        progress shown; then one line per file: queued, or refused with the reason (duplicates named). A file of
        a type the KB does not take, or over the size limit, is refused from its name and size on disk, unread."""
        async for step in _upload(files, kb_id, document_id, lang, request, folder=False):
            yield step

    async def upload_folder(files: list[Any] | None, kb_id: str | None, document_id: str | None, lang: str,
                            request: gr.Request) -> AsyncIterator[tuple[Any, ...]]:
        """A folder's files (the browser sends each by its file name; the same name twice gets " (2)"): its
        documents queued as ``upload`` queues them, every other file listed as refused, hidden and system files
        (.DS_Store, Thumbs.db) left out."""
        async for step in _upload(files, kb_id, document_id, lang, request, folder=True):
            yield step

    def _document_action(kb_id: str | None, document_id: str | None, lang: str, request: gr.Request,
                         action: str) -> tuple[Any, ...]:
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        if not document_id:
            raise refused("kb.choose_document", locale)
        doc = page.call(locale, knowledge.document, uid, kb_id, document_id)
        if action == "cancel":
            page.call(locale, knowledge.cancel, uid, kb_id, doc.id)
        elif action == "retry":
            page.call(locale, knowledge.retry, uid, kb_id, doc.id)
        else:
            page.call(locale, knowledge.delete_document, uid, kb_id, doc.id)
        notice = view.notice_html(translate(f"kb.document_{action}", locale, name=doc.name))
        return (notice, *page.documents(uid, locale, kb_id, doc.id))

    def cancel(kb_id: str | None, document_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        return _document_action(kb_id, document_id, lang, request, "cancel")

    def retry(kb_id: str | None, document_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        return _document_action(kb_id, document_id, lang, request, "retry")

    def delete_document(kb_id: str | None, document_id: str | None, lang: str,
                        request: gr.Request) -> tuple[Any, ...]:
        return _document_action(kb_id, document_id, lang, request, "delete")

    def download(kb_id: str | None, document_id: str | None, lang: str, request: gr.Request) -> str:
        """The address of the uploaded file (``/kb/file/...``, which checks the reader again on every fetch) for
        anyone who may read the KB; the page's script opens it and the browser saves the file under its own name.
        Nothing goes through Gradio's file cache."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        if not document_id:
            raise refused("kb.choose_document", locale)
        page.call(locale, knowledge.document_file, uid, kb_id, document_id)
        return file_url(kb_id, document_id, download=True)

    def chunks(kb_id: str | None, document_id: str | None, query: str | None, offset: float | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        """The chosen document's chunks from ``offset`` (a page of ``CHUNK_PAGE``), filtered by ``query``: the
        summary, the table, where the previous and next pages start, and those buttons (off at either end).
        Anyone who may read the KB; a refusal (not ready yet, no access) is shown in place of the table."""
        locale, uid = page.who(lang, request)
        off = gr.update(interactive=False)
        if not kb_id or not document_id:
            return view.notice_html(translate("kb.chunks_choose", locale)), "", 0, 0, off, off
        start = max(0, int(offset)) if isinstance(offset, int | float) and math.isfinite(offset) else 0
        try:
            found = knowledge.chunks(uid, kb_id, document_id, offset=start, limit=CHUNK_PAGE, query=query or "")
            if not found.chunks and found.total:       # past the end (fewer chunks now): the last page
                last = (found.total - 1) // CHUNK_PAGE * CHUNK_PAGE
                found = knowledge.chunks(uid, kb_id, document_id, offset=last, limit=CHUNK_PAGE, query=query or "")
        except KBError as exc:
            return view.notice_html(exc.text(locale)), "", 0, 0, off, off
        more = found.offset + len(found.chunks) < found.total
        return (view.chunks_summary(found, locale), view.chunks_html(found, locale),
                max(0, found.offset - CHUNK_PAGE), found.offset + CHUNK_PAGE,
                gr.update(interactive=found.offset > 0), gr.update(interactive=more))

    # -- the retrieval test ------------------------------------------------------------------------------------
    async def retrieve(kb_id: str | None, question: str | None, top_k: float | None, lang: str,
                       request: gr.Request) -> tuple[str, str]:
        """The open KB searched as the chat would (vector + keyword, fused, reranked) with the caller's key:
        the chunks with their scores, document and pages."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        k = top_k if top_k not in (None, "") else 5
        if isinstance(k, float) and k.is_integer():
            k = int(k)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_TOP_K:
            raise field_error("k", locale, "kb.bad_top_k", most=MAX_TOP_K)
        try:
            hits = await knowledge.search(uid, [kb_id], question or "", k)
        except KBError as exc:
            raise service_error(exc, locale) from None
        if not hits:
            note = translate("kb.nothing_found", locale)
        elif hits.reranked:
            note = translate("kb.found_reranked", locale, count=len(hits))
        elif hits.rerank_error is not None:
            note = translate("kb.found_fused_because", locale, count=len(hits),
                             reason=hits.rerank_error.text(locale))
        else:
            note = translate("kb.found_fused", locale, count=len(hits))
        return view.hits_html(hits, locale), view.notice_html(note)

    return SimpleNamespace(load=load, refresh=refresh, search_square=search_square, open_kb=open_kb, create=create,
                           tick=tick, upload=upload, upload_folder=upload_folder, cancel=cancel, retry=retry,
                           delete_document=delete_document, download=download, chunks=chunks, retrieve=retrieve,
                           **vars(make_sharing_handlers(page)))
