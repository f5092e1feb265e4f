"""Paper deep-reading's HTTP API under ``/papers/v1``, for scripts and apps: what the papers page does.

    POST   /papers/v1/papers                          multipart "file" (a PDF), optional "team_id" -> 202, the paper
    GET    /papers/v1/papers                          the caller's papers (their personal space's and their teams')
    GET    /papers/v1/papers/{id}                     status (parsing | ready | failed), progress, title, authors, ...
    GET    /papers/v1/papers/{id}/structure?text=     sections, captions, tables, references, citations (pages' text
                                                      with ``text=true``)
    POST   /papers/v1/papers/{id}/reading             {model, lang} -> the reading: 202 while it runs, 200 when done
    GET    /papers/v1/papers/{id}/reading?model=&lang= steps, statements (page, quote, verified), verified share
    DELETE /papers/v1/papers/{id}/reading?model=&lang= stops a reading (what was read is kept)
    POST   /papers/v1/papers/{id}/ask                 {question, model, lang, thread_id?} -> answer, evidence, found
    GET    /papers/v1/papers/{id}/export?model=&lang= the reading and the caller's questions as Markdown

Only the HTTP edge: requests become calls of ``workbench.papers.service.Papers`` for the key's user, which decides
every permission (a paper of someone else's team is 404 with the words of a missing one). ``Authorization: Bearer
<key>``: a user's API key (``app.http.auth.ApiKey``). The model a reading or a question names is first asked of
this process's ``/v1`` with that key, so a model the key may not use is refused as ``/v1`` refuses it; the reading
itself runs on the server (closing the connection does not stop it) with the user's workbench key, metered as
theirs. Errors are the OpenAI envelope naming the parameter, in Chinese when Accept-Language asks. For users:
docs/papers-api.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import openai
import orjson
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from app.http.auth import ApiKey, KeyUser
from app.http.kb_json import bad, from_model_call, limited, listing, only_fields, text_field, too_large
from app.http.messages import said
from app.http.papers_json import answer_json, paper_json, reading_json, structure_json
from app.http.route_table import table_router, unknown_route
from gateway.http.edge import ApiError, json_response, locale_of
from workbench.clients import UserClients
from workbench.documents.errors import DocumentError
from workbench.errors import WorkbenchError
from workbench.papers.errors import PaperForbidden, PaperInvalid, PaperNotFound
from workbench.papers.reading import LANGUAGES

PREFIX = "/papers/v1"
MAX_JSON = 64 * 1024
MULTIPART_ROOM = 64 * 1024          # the form's own bytes around the file
READING = ("model", "lang")
ASK = ("question", "model", "lang", "thread_id")
PARAMS = {"paper": "paper_id"}          # the service's field -> the request's parameter
CONFLICT = {"not_ready", "parse_failed"}                # the paper is not (yet) readable: 409
run = asyncio.to_thread


@dataclass(frozen=True)
class Call:
    """One authenticated request: the user behind the key, the key itself, the paper id in the path, the locale."""

    request: Request
    user_id: str
    key: str
    paper_id: str
    locale: str


Handler = Callable[[Call], Awaitable[Response]]


class PapersAPI:
    """The ``/papers/v1`` routes over one ``Papers`` (None: every route answers 503): ``router()``."""

    def __init__(self, papers: Any, keys: ApiKey) -> None:
        self.papers, self.keys = papers, keys
        self.clients = UserClients(papers.base_url if papers is not None else "http://127.0.0.1:9/v1",
                                   key_for=lambda key: key)
        one = "/papers/{id}"
        self.table: list[tuple[str, str, Handler, tuple[str, ...]]] = [
            ("POST", "/papers", self.upload, ()),
            ("GET", "/papers", self.list_papers, ()),
            ("GET", one, self.paper, ()),
            ("GET", one + "/structure", self.structure, ("text",)),
            ("POST", one + "/reading", self.start_reading, ()),
            ("GET", one + "/reading", self.reading, READING),
            ("DELETE", one + "/reading", self.cancel_reading, READING),
            ("POST", one + "/ask", self.ask, ()),
            ("GET", one + "/export", self.export, READING),
        ]
        # (method, path) as docs/papers-api.md writes them: /papers/v1/papers/{id}/reading
        self.documented = [(method, PREFIX + path) for method, path, _, _ in self.table]

    def router(self) -> Any:
        """The routes (``APIRouter``): each needs a user's API key; an unknown path under the prefix is 404 and a
        wrong method 405, in the envelope."""
        return table_router(PREFIX, self.table, self._endpoint, self.keys, self._available, self._unknown,
                            request_ids="papers-")

    def _endpoint(self, handler: Handler, query: tuple[str, ...]) -> Callable:
        from fastapi import Depends

        limit = self.papers.max_bytes + MULTIPART_ROOM if handler == self.upload and self.papers else MAX_JSON
        param = "file" if handler == self.upload else None

        async def endpoint(request: Request, caller: KeyUser = Depends(self.keys)) -> Response:
            self._available()
            unknown = [name for name in request.query_params if name not in query]
            if unknown:
                raise bad(unknown[0], said("request.unknown_parameter", name=unknown[0],
                                           allowed=", ".join(query) or "-"), "unknown_parameter")
            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise too_large(limit, param)
            call = Call(Request(request.scope, limited(request.receive, limit, param)), caller.user_id, caller.key,
                        request.path_params.get("id", ""), locale_of(request.headers))
            try:
                return await handler(call)
            except WorkbenchError as exc:
                raise refused(exc) from None
            except openai.APIError as exc:
                raise from_model_call(exc) from None

        return endpoint

    def _available(self) -> None:
        if self.papers is None:
            raise ApiError(503, said("papers.unavailable"), code="papers_unavailable")

    def _unknown(self, method: str, path: str) -> ApiError:
        """404 for a path no route has; 405 naming the methods of a path that has routes."""
        return unknown_route(PREFIX, self.table, method, path,
                             said("route.unknown_papers", method=method, path=path, prefix=PREFIX))

    async def _json(self, call: Call, allowed: tuple[str, ...]) -> dict[str, Any]:
        raw = await call.request.body()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise bad(None, said("request.invalid_json"), "invalid_json")
        only_fields(body, allowed)
        return body

    async def _model(self, call: Call, model: Any) -> str:
        """The model named, once this process's ``/v1`` says the caller's key may use it."""
        if not isinstance(model, str) or not model.strip():
            raise bad("model", said("field.required_text", name="model"), "missing_field")
        await self.clients(call.key).models.retrieve(model)
        return model

    # -- papers ---------------------------------------------------------------------------------------------------
    async def upload(self, call: Call) -> Response:
        """One PDF in the part "file" (and "team_id", a team the caller is a member of): 202, the paper, parsing."""
        if not call.request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise bad("file", said("upload.expected_multipart"), "expected_multipart")
        try:
            form = await call.request.form(max_files=1, max_fields=2)
        except MultiPartException as exc:
            raise bad("file", said("upload.unreadable", reason=exc.message), "bad_multipart") from None
        try:
            only_fields(dict(form), ("file", "team_id"))
            upload, team_id = form.get("file"), form.get("team_id")
            if not isinstance(upload, UploadFile):
                raise bad("file", said("upload.one_pdf"), "missing_field")
            if team_id is not None and (not isinstance(team_id, str) or not team_id.strip()):
                raise bad("team_id", said("field.not_text", name="team_id"))
            data = await upload.read()
            try:
                paper = await run(self.papers.upload, call.user_id, data, upload.filename or "",
                                  team_id=team_id or None)
            except DocumentError as exc:
                raise ApiError(413 if exc.code == "too_large" else 400, exc, param="file",
                               code=exc.code or "invalid_file") from None
        finally:
            await form.close()
        return json_response(paper_json(paper, call.locale), 202)

    async def list_papers(self, call: Call) -> Response:
        papers = await run(self._listed, call.user_id)
        return json_response(listing([paper_json(p, call.locale) for p in papers]))

    def _listed(self, user_id: str) -> list[Any]:
        library = self.papers.library
        return [_with_readings(p, self.papers.readings) for p in library.list_for(user_id)]

    async def paper(self, call: Call) -> Response:
        def one() -> Any:
            found = self.papers.library.require(call.user_id, call.paper_id)
            return _with_readings(found, self.papers.readings)
        return json_response(paper_json(await run(one), call.locale))

    async def structure(self, call: Call) -> Response:
        flag = call.request.query_params.get("text", "false").lower()
        if flag not in ("true", "false"):
            raise bad("text", said("field.flag", name="text"))
        found = await run(self.papers.library.structure, call.user_id, call.paper_id)
        return json_response(structure_json(call.paper_id, found, text=flag == "true"))

    # -- readings -------------------------------------------------------------------------------------------------
    def _query(self, call: Call, *, model_required: bool = True) -> tuple[str, str]:
        query = call.request.query_params
        model = query.get("model", "")
        if model_required and not model.strip():
            raise bad("model", said("field.required_text", name="model"), "missing_field")
        return model, _lang(query.get("lang", "en"))

    async def start_reading(self, call: Call) -> Response:
        """The reading by ``model`` in ``lang`` (default en): started (202), going on (202) or finished (200)."""
        body = await self._json(call, READING)
        lang = _lang(body.get("lang", "en"))
        await run(self.papers.library.require, call.user_id, call.paper_id, "write")   # before asking /v1
        model = await self._model(call, body.get("model"))
        stored = await run(lambda: self.papers.start_reading(call.user_id, call.paper_id, model=model, lang=lang))
        return json_response(reading_json(stored, call.locale), 200 if stored.status == "done" else 202)

    async def reading(self, call: Call) -> Response:
        model, lang = self._query(call)
        stored = await run(lambda: self.papers.reading(call.user_id, call.paper_id, model=model, lang=lang))
        if stored is None:
            raise PaperNotFound("paper.no_reading", "model", model=model[:100], lang=lang)
        return json_response(reading_json(stored, call.locale))

    async def cancel_reading(self, call: Call) -> Response:
        model, lang = self._query(call)

        def cancel() -> Any:
            self.papers.cancel_reading(call.user_id, call.paper_id, model=model, lang=lang)
            return self.papers.reading(call.user_id, call.paper_id, model=model, lang=lang)
        stored = await run(cancel)
        if stored is None:
            raise PaperNotFound("paper.no_reading", "model", model=model[:100], lang=lang)
        for _ in range(50):                    # the task is told; it saves "cancelled" on its loop at once
            if stored.status != "running":
                break
            await asyncio.sleep(0.02)
            stored = await run(lambda: self.papers.reading(call.user_id, call.paper_id, model=model, lang=lang))
        return json_response(reading_json(stored, call.locale))

    # -- questions and export -------------------------------------------------------------------------------------
    async def ask(self, call: Call) -> Response:
        """An answer from evidence found on the paper's pages, kept in its thread (a new one without thread_id)."""
        body = await self._json(call, ASK)
        thread_id, lang = text_field(body, "thread_id", max_chars=64), _lang(body.get("lang", "en"))
        if not isinstance(body.get("question"), str):
            raise bad("question", said("field.required_text", name="question"), "missing_field")
        await run(self.papers.library.require, call.user_id, call.paper_id, "write")
        model = await self._model(call, body.get("model"))
        asked = await self.papers.ask(call.user_id, call.paper_id, body["question"], model=model,
                                      lang=lang, thread_id=thread_id or None)
        return json_response(answer_json(call.paper_id, asked, call.locale))

    async def export(self, call: Call) -> Response:
        model, lang = self._query(call, model_required=False)
        paper = await run(self.papers.library.require, call.user_id, call.paper_id)
        text = await run(lambda: self.papers.markdown(call.user_id, call.paper_id, model=model, lang=lang))
        name = (paper.filename.rsplit(".", 1)[0] or "paper") + ".md"
        return Response(text.encode("utf-8"), media_type="text/markdown; charset=utf-8", headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "x-content-type-options": "nosniff", "cache-control": "private, no-store"})


def _with_readings(paper: Any, readings: Any) -> Any:
    """The paper with the (model, lang, status) of its readings."""
    return replace(paper, readings=tuple(tuple(r) for r in readings.list_for(paper.id)))


def _lang(value: Any) -> str:
    """``zh`` or ``en``; anything else is refused naming ``lang``."""
    if value not in LANGUAGES:
        raise PaperInvalid("paper.lang", "lang", lang=str(value)[:20])
    return str(value)


def refused(exc: WorkbenchError) -> ApiError:
    """A papers refusal as HTTP, naming the request's parameter: 404 not found (a paper the caller may not see
    too), 403 a role too low, 409 a paper not (yet) readable, 400 bad input."""
    param = PARAMS.get(exc.field or "", exc.field)
    if isinstance(exc, PaperNotFound):
        return ApiError(404, exc, param=param, code=exc.code or "not_found")
    if isinstance(exc, PaperForbidden):
        return ApiError(403, exc, param=param, code=exc.code or "forbidden")
    if isinstance(exc, PaperInvalid) and exc.code in CONFLICT:
        return ApiError(409, exc, param=param, code=exc.code)
    if isinstance(exc, PaperInvalid) and exc.code == "model_failed":
        return ApiError(502, exc, param=param, code=exc.code)
    return ApiError(400, exc, param=param, code=exc.code or "invalid_value")
