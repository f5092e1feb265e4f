"""The prompt library's HTTP API under ``/prompts/v1``, for apps that fetch their prompts by label (like Langfuse's).

    GET  /prompts/v1?q=                      the caller's prompts and the square's (``q``: those matching, Chinese too)
    GET  /prompts/v1/{name}?label=production one version: its template as chat messages, examples, variables, config
         /prompts/v1/{name}?version=3        (``label`` defaults to production; ``latest`` is the newest version)
    POST /prompts/v1/{name}/render           {variables, label?, version?} -> the messages, filled in, and the config

``Authorization: Bearer <key>``: a user's API key (``app.http.auth.ApiKey``); the caller sees what the prompt page
shows them (their teams' prompts, the square's): any other prompt is 404 with the words of a missing one. A
version's answer carries an ``ETag`` (a hash of the answer): send it back as ``If-None-Match`` and an unchanged
version is ``304`` with no body, so an app may keep its copy and ask cheaply. Errors are the OpenAI envelope, in
Chinese when Accept-Language asks for it. For users: docs/prompts-api.md.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.http.auth import ApiKey, KeyUser
from app.http.kb_json import bad, only_fields
from app.http.messages import said
from gateway.http.edge import ApiError, edge_router, json_response
from workbench.prompt_studio.errors import PromptError, PromptForbidden, PromptNotFound
from workbench.prompt_studio.library import Library
from workbench.prompt_studio.records import Prompt, Version
from workbench.prompt_studio.templates import render

PREFIX = "/prompts/v1"
MAX_BODY = 256 * 1024
QUERY = ("label", "version")
RENDER = ("variables", "label", "version")
run = asyncio.to_thread


def prompt_json(prompt: Prompt) -> dict[str, Any]:
    """A prompt as listed: its name, labels and newest version."""
    return {"object": "prompt", "name": prompt.name, "description": prompt.description, "labels": prompt.labels,
            "latest_version": prompt.latest, "public": prompt.public, "role": prompt.role,
            "updated_at": prompt.updated_at.isoformat() + "Z"}


def version_json(prompt: Prompt, version: Version) -> dict[str, Any]:
    """One version as an app uses it: the chat messages with ``{{variables}}``, few-shot examples, parameters."""
    messages = ([{"role": "system", "content": version.template.system}] if version.template.system else [])
    messages.append({"role": "user", "content": version.template.user})
    return {"object": "prompt.version", "name": prompt.name, "version": version.number, "type": "chat",
            "prompt": messages, "variables": version.template.variables(),
            "examples": [{"variables": e.variables, "output": e.output} for e in version.template.examples],
            "config": version.params.as_dict(),
            "labels": sorted(label for label, number in prompt.labels.items() if number == version.number),
            "created_at": version.created_at.isoformat() + "Z"}


def _only_params(request: Request, allowed: tuple[str, ...]) -> None:
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        raise bad(unknown[0], said("request.unknown_parameter", name=unknown[0], allowed=", ".join(allowed)),
                  "unknown_parameter")


def _version_param(value: Any) -> int | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit() or int(text) < 1:
        raise bad("version", said("prompts.version"), "invalid_value")
    return int(text)


def _choice(label: Any, version: Any) -> tuple[str | None, int | None]:
    if label is not None and version is not None:
        raise bad("version", said("prompts.label_or_version"), "invalid_value")
    if label is not None and not isinstance(label, str):
        raise bad("label", said("field.not_text", name="label"), "invalid_value")
    return label, _version_param(version)


class PromptsAPI:
    """The ``/prompts/v1`` routes over one ``Library`` (None: every route answers 503): ``router()``."""

    def __init__(self, library: Library | None, keys: ApiKey) -> None:
        self.library, self.keys = library, keys

    def router(self) -> Any:
        """The routes (``APIRouter``); each needs a user's API key."""
        from fastapi import Depends

        router = edge_router(request_ids="prompts-")

        async def listing(request: Request, caller: KeyUser = Depends(self.keys)) -> Response:
            self._available()
            _only_params(request, ("q",))
            query = request.query_params.get("q", "")
            found = await self._run(self._list, caller.user_id, query)
            return json_response({"object": "list", "data": [prompt_json(p) for p in found]})

        async def fetch(name: str, request: Request, caller: KeyUser = Depends(self.keys)) -> Response:
            self._available()
            _only_params(request, QUERY)
            label, version = _choice(request.query_params.get("label"), request.query_params.get("version"))
            prompt, chosen = await self._run(self.library.resolve, caller.user_id, name, label=label, version=version)
            body = orjson.dumps(version_json(prompt, chosen))
            etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
            headers = {"etag": etag, "cache-control": "private, no-cache"}
            if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
                return Response(status_code=304, headers=headers)
            return Response(body, headers=headers, media_type="application/json")

        async def fill(name: str, request: Request, caller: KeyUser = Depends(self.keys)) -> Response:
            self._available()
            body = await self._body(request)
            label, version = _choice(body.get("label"), body.get("version"))
            values = body.get("variables", {})
            if not isinstance(values, dict) or not all(isinstance(v, str | int | float) for v in values.values()):
                raise bad("variables", said("prompts.variables"), "invalid_value")
            prompt, chosen = await self._run(self.library.resolve, caller.user_id, name, label=label, version=version)
            texts = {str(k): v if isinstance(v, str) else str(v) for k, v in values.items()}
            try:
                messages = render(chosen.template, texts)
            except PromptError as exc:
                raise ApiError(400, exc, param=exc.field, code="missing_variable") from None
            return json_response({"object": "prompt.rendered", "name": prompt.name, "version": chosen.number,
                                  "messages": messages, "config": chosen.params.as_dict()})

        router.add_api_route(PREFIX, listing, methods=["GET"])
        router.add_api_route(PREFIX + "/{name}", fetch, methods=["GET"])
        router.add_api_route(PREFIX + "/{name}/render", fill, methods=["POST"])
        return router

    def _list(self, user_id: str, query: str) -> list[Prompt]:
        if query.strip():
            return self.library.search(user_id, query, limit=100)
        mine = self.library.list_for(user_id)
        seen = {p.id for p in mine}
        return mine + [p for p in self.library.square(user_id) if p.id not in seen]

    def _available(self) -> None:
        if self.library is None:
            raise ApiError(503, said("prompts.unavailable"), code="prompts_unavailable")

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ApiError(413, said("request.too_large", size="256 KB"), code="request_too_large")
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise bad(None, said("request.invalid_json"), "invalid_json")
        only_fields(body, RENDER)
        return body

    @staticmethod
    async def _run(call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(lambda: call(*args, **kwargs))
        except PromptNotFound as exc:
            raise ApiError(404, exc, param=exc.field, code="not_found") from None
        except PromptForbidden as exc:
            raise ApiError(403, exc, param=exc.field, code="forbidden") from None
        except PromptError as exc:
            raise ApiError(400, exc, param=exc.field, code=exc.code) from None
