"""The knowledge bases' HTTP API under ``/kb/v1`` (like Dify's and RAGFlow's dataset APIs), for scripts and apps.

    GET    /kb/v1/teams                                            the caller's teams (a ``team_id`` for a new KB)
    GET    /kb/v1/knowledge-bases                                  the KBs the caller may see (their teams', granted)
    POST   /kb/v1/knowledge-bases                                  {team_id?, name, description, embedding_model,
                                                                    chunk_tokens?, chunk_overlap?} -> 201
    GET    /kb/v1/knowledge-bases/{id}                             one KB (``reembedding``: progress to a new model)
    PATCH  /kb/v1/knowledge-bases/{id}                             {name?, description?, embedding_model?,
                                                                    chunk_tokens?, chunk_overlap?} (admin+)
    DELETE /kb/v1/knowledge-bases/{id}
    GET    /kb/v1/knowledge-bases/{id}/documents                   status, progress, pages, chunks, error
    POST   /kb/v1/knowledge-bases/{id}/documents                   multipart "file" parts (one or many) -> 202, rows
    GET    /kb/v1/knowledge-bases/{id}/documents/{doc_id}
    DELETE /kb/v1/knowledge-bases/{id}/documents/{doc_id}
    GET    /kb/v1/knowledge-bases/{id}/documents/{doc_id}/file     the uploaded file
    GET    /kb/v1/knowledge-bases/{id}/documents/{doc_id}/chunks   ?offset=&limit=&q= a ready document's chunks
                                                                   as indexed: pages, heading, tokens, text
    POST   /kb/v1/knowledge-bases/{id}/documents/{doc_id}/cancel   stop a queued or running one (member+)
    POST   /kb/v1/knowledge-bases/{id}/documents/{doc_id}/retry    queue a failed or cancelled one again -> 202
    POST   /kb/v1/knowledge-bases/{id}/retrieve                    {query, top_k?} -> chunks, scores, document, pages
    POST   /kb/v1/chat                                             {knowledge_base_ids, messages, model, stream?}
                                                                   -> an answer citing [n], with ``sources``
    POST   /kb/v1/knowledge-bases/{id}/publish | /unpublish        in or out of the square (admin+)
    GET    /kb/v1/knowledge-bases/{id}/share-links                 the KB's links, their state and users (admin+)
    POST   /kb/v1/knowledge-bases/{id}/share-links                 {expires_in_days?} -> 201, the token once
    DELETE /kb/v1/knowledge-bases/{id}/share-links/{link_id}       revoke: whoever opened it loses access
    GET    /kb/v1/knowledge-bases/{id}/grants                      live grants to users and teams (admin+)
    POST   /kb/v1/knowledge-bases/{id}/grants                      {username} or {team_id} -> 201
    DELETE /kb/v1/knowledge-bases/{id}/grants/{kind}/{grantee_id}  kind: user or team
    GET    /kb/v1/square?q=                                        public KBs (each word of q in name/description/team)
    POST   /kb/v1/share-links/open                                 {token}: the caller may read the KB from now on

Only the HTTP edge: requests become calls of ``workbench.kb.service.KnowledgeService`` for the key's user, which
decides every permission (a KB the user may not read is 404 with the same body as a missing one; a viewer's
upload is 403); grounding an answer is ``workbench.kb.answer``. ``Authorization: Bearer <key>``: a user's gateway
key (``app.http.auth.ApiKey``: 401 for a bad, revoked or expired key, 403 for the master key). Retrieval and
chat call the models through this process's ``/v1`` with that same key, so they are metered,
limited and restricted to its models like any of the user's calls.
Errors are the OpenAI envelope ``{"error": {message, type, param, code}}`` (message in Chinese when the request's
Accept-Language starts with zh), never a traceback. For users: docs/kb-api.md.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import openai
import orjson
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from app.http.auth import ApiKey, KeyUser
from app.http.kb_files import disposition, media_type
from app.http.kb_json import (
    CHAT_FIELDS,
    CHUNK_PARAMS,
    KB_FIELDS,
    KB_SETTINGS,
    MAX_CHAT_TOP_K,
    MAX_EXPIRY_DAYS,
    MAX_FILES,
    MAX_JSON_BYTES,
    MAX_QUERY_CHARS,
    MAX_SQUARE_QUERY,
    MAX_TOKEN_CHARS,
    MAX_TOP_K,
    TOP_K,
    WHOLE,
    answer_sse,
    bad,
    chat_messages,
    chat_params,
    chunk_json,
    document_json,
    fixed_completion,
    fixed_sse,
    from_model_call,
    from_service,
    grant_json,
    kb_ids_field,
    kb_json,
    limited,
    link_json,
    listing,
    only_fields,
    source_json,
    team_json,
    text_field,
    too_large,
    whole_field,
)
from app.http.messages import said
from app.http.route_table import table_router, unknown_route
from gateway.http.edge import ApiError, json_response, locale_of
from workbench.clients import UserClients
from workbench.errors import WorkbenchError
from workbench.kb import answer
from workbench.kb.access import not_found
from workbench.kb.errors import Invalid
from workbench.kb.records import KBDocument

PREFIX = "/kb/v1"
PATH_PARAM = re.compile(r"\{(\w+)\}")
SHORT = {"id": "kb", "doc_id": "doc", "link_id": "link", "kind": "kind", "grantee_id": "grantee"}   # in ``Call.ids``


# -- the routes ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One authenticated request: the user behind the key, the key itself, the ids in the path."""

    request: Request
    user_id: str
    key: str
    ids: dict[str, str]
    locale: str


Handler = Callable[[Call], Awaitable[Response]]
run = asyncio.to_thread        # the services query DuckDB synchronously


class KnowledgeAPI:
    """The ``/kb/v1`` routes over one ``KnowledgeService`` (None: every route answers 503): ``router()``."""

    def __init__(self, knowledge: Any, keys: ApiKey, *, base_url: str, max_upload_bytes: int) -> None:
        self.knowledge, self.keys, self.max_upload_bytes = knowledge, keys, max_upload_bytes
        self.clients = UserClients(base_url, key_for=lambda key: key)     # one client per key and loop, kept
        kb, doc = "/knowledge-bases/{id}", "/documents/{doc_id}"
        kb_param = {"knowledge_base": "knowledge_base_id", "kbs": "knowledge_base_id", "document": "document_id",
                    "team": "team_id", "share_link": "link_id", "grant": "grantee_id", "expires_in": "expires_in_days"}
        chat_param = {"knowledge_base": "knowledge_base_ids", "knowledge_bases": "knowledge_base_ids",
                      "kbs": "knowledge_base_ids", "query": "messages"}
        table: list[tuple[str, str, Handler, dict[str, str]]] = [
            ("GET", "/teams", self.teams, {}),
            ("GET", "/knowledge-bases", self.list_kbs, {}),
            ("POST", "/knowledge-bases", self.create_kb, kb_param),
            ("GET", kb, self.get_kb, kb_param),
            ("PATCH", kb, self.update_kb, kb_param),
            ("DELETE", kb, self.delete_kb, kb_param),
            ("GET", kb + "/documents", self.documents, kb_param),
            ("POST", kb + "/documents", self.upload, kb_param),
            ("GET", kb + doc, self.document, kb_param),
            ("DELETE", kb + doc, self.delete_document, kb_param),
            ("GET", kb + doc + "/file", self.download, kb_param),
            ("POST", kb + doc + "/cancel", self.cancel, kb_param),
            ("POST", kb + doc + "/retry", self.retry, kb_param),
            ("GET", kb + doc + "/chunks", self.chunks, {**kb_param, "query": "q"}),
            ("POST", kb + "/retrieve", self.retrieve, kb_param),
            ("POST", "/chat", self.chat, chat_param),
            ("POST", kb + "/publish", self.publish, kb_param),
            ("POST", kb + "/unpublish", self.unpublish, kb_param),
            ("GET", kb + "/share-links", self.links, kb_param),
            ("POST", kb + "/share-links", self.create_link, kb_param),
            ("DELETE", kb + "/share-links/{link_id}", self.revoke_link, kb_param),
            ("GET", kb + "/grants", self.grants, kb_param),
            ("POST", kb + "/grants", self.grant, kb_param),
            ("DELETE", kb + "/grants/{kind}/{grantee_id}", self.revoke_grant, kb_param),
            ("GET", "/square", self.square, {}),
            ("POST", "/share-links/open", self.open_link, {}),
        ]
        self.table = table
        # (method, path) as docs/kb-api.md writes them: /kb/v1/knowledge-bases/{id}/documents/{doc_id}
        self.documented = [(method, PREFIX + path) for method, path, _, _ in table]

    def router(self) -> Any:
        """The ``/kb/v1`` routes (``APIRouter``): each needs a user's API key; an unknown path under the prefix is
        404 and a wrong method 405, in the envelope."""
        return table_router(PREFIX, self.table, self._endpoint, self.keys, self._available, self._unknown,
                            request_ids="kb-")

    def _endpoint(self, handler: Handler, params: dict[str, str]) -> Callable:
        from fastapi import Depends

        upload = handler == self.upload
        limit, param = (self.max_upload_bytes, "file") if upload else (MAX_JSON_BYTES, None)

        async def endpoint(request: Request, caller: KeyUser = Depends(self.keys)) -> Response:
            self._available()
            ids = {SHORT[k]: v for k, v in request.path_params.items()}
            if ids.get("kind", "user") not in ("user", "team"):
                raise self._unknown(request.method, request.url.path)
            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise too_large(limit, param)
            call = Call(Request(request.scope, limited(request.receive, limit, param)), caller.user_id, caller.key,
                        ids, locale_of(request.headers))
            try:
                return await handler(call)
            except WorkbenchError as exc:
                raise from_service(exc, params) from None
            except openai.APIError as exc:
                raise from_model_call(exc) from None

        return endpoint

    def _available(self) -> None:
        if self.knowledge is None:
            raise ApiError(503, said("kb.unavailable"), code="knowledge_bases_unavailable")

    def _unknown(self, method: str, path: str) -> ApiError:
        """404 for a path no route has; 405 naming the methods of a path that has routes."""
        return unknown_route(PREFIX, self.table, method, path,
                             said("route.unknown", method=method, path=path, prefix=PREFIX), _pattern)

    async def _json(self, call: Call, allowed: tuple[str, ...], *, optional: bool = False) -> dict[str, Any]:
        """The body's JSON object with only ``allowed`` fields (``optional``: no body at all is ``{}``)."""
        raw = await call.request.body()
        if optional and not raw.strip():
            return {}
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise bad(None, said("request.invalid_json"), "invalid_json")
        only_fields(body, allowed)
        return body

    # -- teams and knowledge bases --------------------------------------------------------------------------------
    async def teams(self, call: Call) -> Response:
        teams = await run(self.knowledge.teams.list_for, call.user_id)
        return json_response(listing([team_json(t) for t in teams]))

    async def list_kbs(self, call: Call) -> Response:
        visible = await run(self.knowledge.bases.list_visible, call.user_id)
        return json_response(listing([kb_json(v.kb, v.role, v.team_name, v.personal, call.locale) for v in visible]))

    def _kb_view(self, user_id: str, kb_id: str, locale: str) -> dict[str, Any]:
        """The KB as listed (with team name), or — a public one, outside the caller's list — with the role only."""
        for v in self.knowledge.bases.list_visible(user_id):
            if v.kb.id == kb_id:
                return kb_json(v.kb, v.role, v.team_name, v.personal, locale)
        kb = self.knowledge.bases.get(user_id, kb_id)
        return kb_json(kb, self.knowledge.access.kb_role(user_id, kb_id), None, None, locale)

    async def create_kb(self, call: Call) -> Response:
        body = await self._json(call, KB_FIELDS)
        team_id = text_field(body, "team_id")
        if team_id is None:
            team_id = (await run(self.knowledge.teams.personal_space, call.user_id)).id
        sizes = {k: body[k] for k in ("chunk_tokens", "chunk_overlap") if body.get(k) is not None}
        kb = await run(lambda: self.knowledge.bases.create(call.user_id, team_id, body.get("name"),
                                                           body.get("description") or "", body.get("embedding_model"),
                                                           **sizes))
        return json_response(await run(self._kb_view, call.user_id, kb.id, call.locale), 201)

    async def get_kb(self, call: Call) -> Response:
        return json_response(await run(self._kb_view, call.user_id, call.ids["kb"], call.locale))

    async def update_kb(self, call: Call) -> Response:
        """Name, description, embedding model (a KB with chunks is re-embedded in the background: ``reembedding``
        says how far; its current model cancels that), chunk sizes (for documents added from now on); a field left
        out or null stays."""
        body = await self._json(call, KB_SETTINGS)
        changes = {k: body[k] for k in KB_SETTINGS if body.get(k) is not None}
        if not changes:
            raise bad(None, said("request.one_of", fields=", ".join(KB_SETTINGS)), "missing_field")
        kb = await run(lambda: self.knowledge.bases.update(call.user_id, call.ids["kb"], **changes))
        return json_response(await run(self._kb_view, call.user_id, kb.id, call.locale))

    async def delete_kb(self, call: Call) -> Response:
        await run(self.knowledge.bases.delete, call.user_id, call.ids["kb"])
        return json_response({"id": call.ids["kb"], "object": "knowledge_base", "deleted": True})

    # -- documents ------------------------------------------------------------------------------------------------
    async def documents(self, call: Call) -> Response:
        docs = await run(self.knowledge.documents, call.user_id, call.ids["kb"])
        return json_response(listing([document_json(d, call.locale) for d in docs]))

    async def upload(self, call: Call) -> Response:
        """Every file part (named "file", or any name) queued; 202 with a row per document, refused ones included
        (too big, wrong type, identical to one already there: status "failed" with the reason)."""
        kb_id = call.ids["kb"]
        await run(self.knowledge.access.require_kb, call.user_id, kb_id, "upload")     # before reading the files
        if not call.request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise bad("file", said("upload.expected_multipart"), "expected_multipart")
        try:
            form = await call.request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
        except MultiPartException as exc:
            raise bad("file", said("upload.unreadable", reason=exc.message), "bad_multipart") from None
        try:
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not files:
                raise bad("file", said("upload.no_files"), "missing_field")
            docs: list[KBDocument] = []
            for f in files:                  # one file in memory at a time
                data = await f.read()
                docs += await run(self.knowledge.upload, call.user_id, kb_id, [(f.filename or "", data)])
        finally:
            await form.close()
        return json_response(listing([document_json(d, call.locale) for d in docs]), 202)

    async def document(self, call: Call) -> Response:
        doc = await run(self.knowledge.document, call.user_id, call.ids["kb"], call.ids["doc"])
        return json_response(document_json(doc, call.locale))

    async def delete_document(self, call: Call) -> Response:
        await run(self.knowledge.delete_document, call.user_id, call.ids["kb"], call.ids["doc"])
        return json_response({"id": call.ids["doc"], "object": "document", "deleted": True})

    async def download(self, call: Call) -> Response:
        name, path = await run(self.knowledge.document_file, call.user_id, call.ids["kb"], call.ids["doc"])
        return FileResponse(path, media_type=media_type(name), headers={
            "content-disposition": disposition("attachment", name), "x-content-type-options": "nosniff",
            "cache-control": "private, no-store"})

    async def cancel(self, call: Call) -> Response:
        doc = await run(self.knowledge.cancel, call.user_id, call.ids["kb"], call.ids["doc"])
        return json_response(document_json(doc, call.locale))

    async def retry(self, call: Call) -> Response:
        doc = await run(self.knowledge.retry, call.user_id, call.ids["kb"], call.ids["doc"])
        return json_response(document_json(doc, call.locale), 202)

    async def chunks(self, call: Call) -> Response:
        """A ready document's chunks in order, ``limit`` (1..200, 50) from ``offset`` (0); ``q``: only those whose
        text holds it (any case). 409 ``document_not_ready`` while it is being added (or failed, cancelled)."""
        query = call.request.query_params
        unknown = [k for k in query if k not in CHUNK_PARAMS]
        if unknown:
            raise bad(unknown[0], said("request.unknown_parameter", name=unknown[0], allowed=", ".join(CHUNK_PARAMS)),
                      "unknown_field")
        bounds = {name: int(raw) if WHOLE.fullmatch(raw) else raw            # not a number: the service says so
                  for name in ("offset", "limit") if (raw := query.get(name)) is not None}
        try:
            page = await run(lambda: self.knowledge.chunks(call.user_id, call.ids["kb"], call.ids["doc"],
                                                           query=query.get("q") or "", **bounds))
        except Invalid as exc:
            if exc.code != "document_not_ready":
                raise
            raise ApiError(409, exc, param="document_id", code=exc.code) from None
        return json_response({**listing([chunk_json(c) for c in page.chunks]), "total": page.total,
                              "offset": page.offset, "limit": page.limit})

    # -- retrieval and chat ---------------------------------------------------------------------------------------
    async def retrieve(self, call: Call) -> Response:
        body = await self._json(call, ("query", "top_k"))
        query = text_field(body, "query", required=True, max_chars=MAX_QUERY_CHARS)
        top_k = whole_field(body, "top_k", TOP_K, 1, MAX_TOP_K)
        [kb] = await run(self.knowledge.readable, call.user_id, [call.ids["kb"]])
        hits = await self.knowledge.search(call.user_id, [kb.id], query, top_k, client=self.clients(call.key))
        data = [{**source_json(source), "chunk_id": source.chunk_id, "scores": source.scores}
                for source in answer.numbered(hits, {kb.id: kb.name})]
        error = hits.rerank_error.text(call.locale) if hits.rerank_error else None
        return json_response({**listing(data), "reranked": hits.reranked, "rerank_error": error})

    async def chat(self, call: Call) -> Response:
        body = await self._json(call, CHAT_FIELDS)
        kb_ids, messages = kb_ids_field(body), chat_messages(body)
        model = text_field(body, "model", required=True)
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise bad("stream", said("field.flag", name="stream"))
        top_k, params = whole_field(body, "top_k", TOP_K, 1, MAX_CHAT_TOP_K), chat_params(body)
        client = self.clients(call.key)
        kbs = await run(self.knowledge.readable, call.user_id, kb_ids)        # each checked: 404 names none
        hits = await self.knowledge.search(call.user_id, kb_ids, messages[-1]["content"], top_k, client=client)
        found = answer.grounding(hits, kb_names={kb.id: kb.name for kb in kbs})
        if not found.covered:             # nothing relevant: the fixed answer, the model is not asked to guess
            await client.models.retrieve(model)                        # an unknown model is still refused
            text = answer.nothing_reply([kb.name for kb in kbs], messages[-1]["content"])
            if not stream:
                return json_response(fixed_completion(model, text))
            return StreamingResponse(fixed_sse(model, text), media_type="text/event-stream",
                                     headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
        request = {"model": model, "messages": answer.grounded_messages(messages, found), **params}
        sources = [source_json(s) for s in found.sources]
        if not stream:
            reply = await client.chat.completions.create(**request)
            return json_response({**reply.to_dict(mode="json"), "sources": sources})
        chunks = await client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
        return StreamingResponse(answer_sse(chunks, sources, model, call.locale), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

    # -- sharing: the square, share links, grants (admin+ of the KB, but the square and opening a link) ------------
    async def publish(self, call: Call) -> Response:
        kb = await run(self.knowledge.sharing.publish, call.user_id, call.ids["kb"])
        return json_response(await run(self._kb_view, call.user_id, kb.id, call.locale))

    async def unpublish(self, call: Call) -> Response:
        kb = await run(self.knowledge.sharing.unpublish, call.user_id, call.ids["kb"])
        return json_response(await run(self._kb_view, call.user_id, kb.id, call.locale))

    async def links(self, call: Call) -> Response:
        links = await run(self.knowledge.sharing.links, call.user_id, call.ids["kb"])
        return json_response(listing([link_json(link) for link in links]))

    async def create_link(self, call: Call) -> Response:
        """A link (201) with its token, shown this once: ``/kb?share=<token>`` on the server opens the KB."""
        body = await self._json(call, ("expires_in_days",), optional=True)
        days = whole_field(body, "expires_in_days", 0, 1, MAX_EXPIRY_DAYS)
        link, token = await run(self.knowledge.sharing.create_link, call.user_id, call.ids["kb"],
                                timedelta(days=days) if days else None)
        return json_response({**link_json(link), "token": token, "url": f"/kb?share={token}"}, 201)

    def _revoke_link(self, user_id: str, kb_id: str, link_id: str) -> dict[str, Any]:
        sharing = self.knowledge.sharing
        if link_id not in {link.id for link in sharing.links(user_id, kb_id)}:     # admin+ of this KB, its link
            raise not_found("share_link")
        sharing.revoke_link(user_id, link_id)
        return link_json(next(link for link in sharing.links(user_id, kb_id) if link.id == link_id))

    async def revoke_link(self, call: Call) -> Response:
        return json_response(await run(self._revoke_link, call.user_id, call.ids["kb"], call.ids["link"]))

    async def grants(self, call: Call) -> Response:
        grants = await run(self.knowledge.sharing.grants, call.user_id, call.ids["kb"])
        return json_response(listing([grant_json(g) for g in grants]))

    async def grant(self, call: Call) -> Response:
        """Read and chat for a user (``username``) or every member of a team the caller is in (``team_id``)."""
        body = await self._json(call, ("username", "team_id"))
        username, team_id = text_field(body, "username", max_chars=200), text_field(body, "team_id", max_chars=200)
        if (username is None) == (team_id is None):
            raise bad("username" if username is None else "team_id", said("request.user_or_team"),
                      "missing_field" if username is None else "invalid_value")
        sharing = self.knowledge.sharing
        if username is not None:
            grant = await run(sharing.grant_user, call.user_id, call.ids["kb"], username)
        else:
            grant = await run(sharing.grant_team, call.user_id, call.ids["kb"], team_id)
        return json_response(grant_json(grant), 201)

    async def revoke_grant(self, call: Call) -> Response:
        kind, grantee = call.ids["kind"], call.ids["grantee"]
        await run(self.knowledge.sharing.revoke_grant, call.user_id, call.ids["kb"], kind, grantee)
        return json_response({"object": "grant", "knowledge_base_id": call.ids["kb"], "kind": kind,
                              "grantee_id": grantee, "deleted": True})

    async def square(self, call: Call) -> Response:
        query = call.request.query_params.get("q") or ""
        if len(query) > MAX_SQUARE_QUERY:
            raise bad("q", said("field.too_long", name="q", most=MAX_SQUARE_QUERY), "too_long")
        entries = await run(self.knowledge.sharing.square, call.user_id, query)
        return json_response(listing([kb_json(e.kb, e.role, e.team_name, None) for e in entries]))

    async def open_link(self, call: Call) -> Response:
        """Like opening ``/kb?share=<token>`` in the workbench: the caller reads the KB while the link lives."""
        body = await self._json(call, ("token",))
        token = text_field(body, "token", required=True, max_chars=MAX_TOKEN_CHARS)
        kb = await run(self.knowledge.sharing.open_link, call.user_id, token.strip())
        return json_response(await run(self._kb_view, call.user_id, kb.id, call.locale))


def _pattern(path: str) -> re.Pattern:
    """A route's path as a regular expression (``{kind}`` of a grant is user or team)."""
    return re.compile(PATH_PARAM.sub(lambda m: "(user|team)" if m[1] == "kind" else "[^/]+", path))
