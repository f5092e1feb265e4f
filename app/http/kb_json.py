"""JSON in and out of the knowledge-base HTTP API (``app.kb_api``): errors in the OpenAI envelope (``ApiError``,
``bad``, ``from_service``, ``from_model_call``), the request bodies' fields checked with the parameter named, the
records as JSON, and the chat's answers as completions or server-sent events. No routes and no permission checks
here: those are ``app.kb_api`` and ``workbench.kb.service``.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import openai
import orjson

from app.http.messages import said
from gateway.http.edge import TYPES, ApiError
from shared.locale import in_locale
from shared.messages import Message
from workbench.errors import WorkbenchError
from workbench.kb import answer
from workbench.kb.errors import Forbidden, Invalid, KBError, NotFound
from workbench.kb.records import ChunkRecord, KBDocument, KnowledgeBase, Reembedding, Team
from workbench.kb.sharing import Grant, ShareLink

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_FILES = 100                     # per upload request
MAX_QUERY_CHARS = 4000
TOP_K, MAX_TOP_K, MAX_CHAT_TOP_K = 5, 50, 20
ROLES = ("system", "user", "assistant")
KB_FIELDS = ("team_id", "name", "description", "embedding_model", "chunk_tokens", "chunk_overlap")
KB_SETTINGS = KB_FIELDS[1:]          # what PATCH may change (``KnowledgeBases.update``)
MAX_SQUARE_QUERY, MAX_TOKEN_CHARS, MAX_EXPIRY_DAYS = 200, 200, 3650
CHUNK_PARAMS = ("offset", "limit", "q")
WHOLE = re.compile(r"-?\d{1,18}")
CHAT_FIELDS = ("knowledge_base_ids", "messages", "model", "stream", "top_k", "temperature", "top_p", "max_tokens")
# a model call's failure (``workbench.chat.error`` codes, carried by the KB errors) -> HTTP status
UPSTREAM_STATUS = {"limit": 429, "model": 403, "key": 401, "timeout": 504, "unavailable": 503, "too_long": 400,
                   "rejected": 400}
log = logging.getLogger("maas.kb_api")

def bad(param: str | None, message: Message, code: str = "invalid_value") -> ApiError:
    return ApiError(400, message, param=param, code=code)


def from_service(exc: WorkbenchError, params: dict[str, str]) -> ApiError:
    """A service refusal as HTTP; ``params`` renames the service's field to the request's parameter."""
    param = params.get(exc.field or "", exc.field)
    if isinstance(exc, NotFound):
        return ApiError(404, exc, param=param, code=exc.code or "not_found")
    if isinstance(exc, Forbidden):
        return ApiError(403, exc, param=param, code=exc.code or "forbidden")
    if isinstance(exc, Invalid) or not isinstance(exc, KBError):
        return ApiError(400, exc, param=param, code=exc.code or "invalid_value")
    return ApiError(UPSTREAM_STATUS.get(exc.code or "", 502), exc, param=param, code=exc.code)


def from_model_call(exc: openai.APIError) -> ApiError:
    """A refusal of our own ``/v1`` (its envelope is ours: safe to pass on) or a failure to reach it."""
    if isinstance(exc, openai.APIStatusError):
        err = exc.body if isinstance(exc.body, dict) else {}
        return ApiError(exc.status_code, str(err.get("message") or "The model call failed."), param=err.get("param"),
                        code=err.get("code"))
    return ApiError(502, said("models.unreachable"), code="upstream_unreachable")


# -- JSON in and out ----------------------------------------------------------------------------------------------
def listing(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": items}


def iso(value: datetime | None) -> str | None:
    """Stored times are naive UTC: ISO 8601 with the offset."""
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "object": "team", "name": team.name, "description": team.description,
            "personal": team.personal_of is not None, "role": team.role, "created_at": iso(team.created_at)}


def kb_json(kb: KnowledgeBase, role: str | None, team_name: str | None, personal: bool | None,
            locale: str = "en") -> dict[str, Any]:
    return {"id": kb.id, "object": "knowledge_base", "name": kb.name, "description": kb.description,
            "team_id": kb.team_id, "team_name": team_name, "personal": personal, "role": role,
            "embedding_model": kb.embedding_model, "chunk_tokens": kb.chunk_tokens, "chunk_overlap": kb.chunk_overlap,
            "reembedding": reembedding_json(kb.reembedding, locale), "public": kb.public, "documents": kb.documents,
            "chunks": kb.chunks, "created_by": kb.created_by, "created_at": iso(kb.created_at),
            "updated_at": iso(kb.updated_at)}


def reembedding_json(moving: Reembedding | None, locale: str) -> dict[str, Any] | None:
    """The KB's chunks being embedded again with ``model`` (running, swapping or failed), or None."""
    if moving is None:
        return None
    error = (None if not moving.error else
             {"message": in_locale(moving.error, moving.error_zh, locale), "code": moving.error_code})
    return {"model": moving.model, "from_model": moving.from_model, "status": moving.status,
            "progress": {"done": moving.done, "total": moving.total}, "error": error,
            "requested_by": moving.requested_by, "created_at": iso(moving.created_at),
            "updated_at": iso(moving.updated_at)}


def document_json(doc: KBDocument, locale: str) -> dict[str, Any]:
    error = None if not doc.error else {"message": in_locale(doc.error, doc.error_zh, locale), "code": doc.error_code}
    return {"id": doc.id, "object": "document", "knowledge_base_id": doc.kb_id, "name": doc.name, "kind": doc.kind,
            "bytes": doc.bytes, "sha256": doc.sha256 or None, "pages": doc.pages, "chunks": doc.chunks,
            "status": doc.status, "progress": {"done": doc.done, "total": doc.total}, "error": error,
            "attempts": doc.attempts, "uploaded_by": doc.uploaded_by, "created_at": iso(doc.created_at),
            "updated_at": iso(doc.updated_at)}


def chunk_json(chunk: ChunkRecord) -> dict[str, Any]:
    """A chunk as the knowledge base indexed it; ``index``: its place in the document, from 0."""
    pages = None if chunk.first_page is None else {"first": chunk.first_page,
                                                    "last": chunk.last_page or chunk.first_page}
    return {"id": chunk.id, "object": "chunk", "index": chunk.idx, "pages": pages, "heading": chunk.heading,
            "tokens": chunk.tokens, "text": chunk.text}


def link_json(link: ShareLink) -> dict[str, Any]:
    return {"id": link.id, "object": "share_link", "knowledge_base_id": link.kb_id, "state": link.state,
            "users": link.users, "created_by": link.created_by, "created_at": iso(link.created_at),
            "expires_at": iso(link.expires_at), "revoked_at": iso(link.revoked_at)}


def grant_json(grant: Grant) -> dict[str, Any]:
    return {"object": "grant", "knowledge_base_id": grant.kb_id, "kind": grant.kind, "grantee_id": grant.grantee_id,
            "name": grant.name, "share_link_id": grant.via_share or None, "granted_by": grant.granted_by,
            "created_at": iso(grant.created_at)}


def source_json(source: answer.Source) -> dict[str, Any]:
    """What [n] of an answer (or the n-th retrieved chunk) is: the document, its pages, the quoted text."""
    pages = None if source.first_page is None else {"first": source.first_page,
                                                     "last": source.last_page or source.first_page}
    return {"index": source.index, "knowledge_base_id": source.kb_id, "knowledge_base": source.kb_name or None,
            "document": {"id": source.document_id, "name": source.document}, "pages": pages,
            "heading": source.heading, "text": source.text, "score": source.score}


def only_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [k for k in body if k not in allowed]
    if unknown:
        raise bad(unknown[0], said("field.unknown", name=unknown[0], allowed=", ".join(allowed)), "unknown_field")


def text_field(body: dict[str, Any], name: str, *, required: bool = False, max_chars: int | None = None) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad(name, said("field.required_text" if required else "field.not_text", name=name),
                  "missing_field" if value is None else "invalid_value")
    if max_chars is not None and len(value) > max_chars:
        raise bad(name, said("field.too_long", name=name, most=max_chars), "too_long")
    return value


def whole_field(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(name, said("field.whole_between", name=name, low=low, high=high))
    return value


def chat_params(body: dict[str, Any]) -> dict[str, Any]:
    """temperature, top_p (numbers) and max_tokens (a whole number) as given; the model checks their ranges."""
    params: dict[str, Any] = {}
    for name in ("temperature", "top_p", "max_tokens"):
        value = body.get(name)
        if value is None:
            continue
        whole = name == "max_tokens"
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float) or value < 0:
            raise bad(name, said("field.whole_number" if whole else "field.number", name=name))
        params[name] = value
    return params


def chat_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    value = body.get("messages")
    if not isinstance(value, list) or not value:
        raise bad("messages", said("field.messages"), "missing_field" if value is None else "invalid_value")
    for i, m in enumerate(value):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise bad(f"messages[{i}]", said("field.message", i=i))
    if value[-1]["role"] != "user" or not value[-1]["content"].strip():
        raise bad("messages", said("field.last_message"))
    return [{"role": m["role"], "content": m["content"]} for m in value]


def kb_ids_field(body: dict[str, Any]) -> list[str]:
    value = body.get("knowledge_base_ids")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise bad("knowledge_base_ids", said("field.kb_ids"), "missing_field" if value is None else "invalid_value")
    return value


def limited(receive: Callable, limit: int, param: str | None) -> Callable:
    """``receive`` that refuses a body over ``limit`` bytes (413) as it arrives."""
    seen = 0

    async def wrapped() -> dict:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit, param)
        return message
    return wrapped


def too_large(limit: int, param: str | None) -> ApiError:
    size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return ApiError(413, said("request.too_large", size=size), param=param, code="request_too_large")



def fixed_completion(model: str, text: str) -> dict[str, Any]:
    """The "nothing relevant" answer as a chat completion: no sources, no tokens used, ``nothing_found`` set."""
    return {"id": f"chatcmpl-kb{secrets.token_hex(8)}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "sources": [], "nothing_found": True}


async def fixed_sse(model: str, text: str) -> AsyncIterator[bytes]:
    """The same as server-sent events: the lead chunk (empty ``sources``), the text, the end with usage."""
    base = {"id": f"chatcmpl-kb{secrets.token_hex(8)}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
               "sources": [], "nothing_found": True},
              {**base, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]},
              {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}]
    for event in events:
        yield b"data: " + orjson.dumps(event) + b"\n\n"
    yield b"data: [DONE]\n\n"


async def answer_sse(chunks: Any, sources: list[dict], model: str, locale: str) -> AsyncIterator[bytes]:
    """The answer's chunks as server-sent events, led by one that carries ``sources`` (the answer's id), then
    ``[DONE]``; a failure half-way is an ``error`` event."""
    try:
        first = None
        try:
            first = await chunks.__anext__()
        except StopAsyncIteration:
            pass
        lead = {"id": first.id if first else f"chatcmpl-kb{secrets.token_hex(8)}", "object": "chat.completion.chunk",
                "created": first.created if first else int(time.time()), "model": first.model if first else model,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
                "sources": sources}
        yield b"data: " + orjson.dumps(lead) + b"\n\n"
        if first is not None:
            yield b"data: " + orjson.dumps(first.to_dict(mode="json")) + b"\n\n"
            async for chunk in chunks:
                yield b"data: " + orjson.dumps(chunk.to_dict(mode="json")) + b"\n\n"
    except openai.APIError as exc:
        log.warning("knowledge-base chat stream failed: %s", exc)
        error = from_model_call(exc)
        yield b"data: " + orjson.dumps({"error": {"message": error.text(locale),
                                                  "type": TYPES.get(error.status, "upstream_error"),
                                                  "param": error.param, "code": error.code}}) + b"\n\n"
    finally:
        await chunks.close()
    yield b"data: [DONE]\n\n"
