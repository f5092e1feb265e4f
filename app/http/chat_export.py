"""A conversation's export for its owner: ``GET /chat/export/<conversation id>.md`` (or ``.json``).

The chat page's *Export* buttons open this address (one click: the browser saves the file); nothing is copied into
Gradio's file cache, which would serve it to anyone signed in who knows the path, even after the conversation is
deleted. The route sits behind the session check (``app.http.auth``) and asks ``Conversations`` for the signed-in
user's own conversation: anyone else's — or a deleted one — is 404, like a missing one. ``?lang=zh`` (the page's
language) picks the Markdown export's labels.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations (Request, imported in routes)

import re
from typing import Any
from urllib.parse import quote

from app.http.auth import SignedIn
from app.http.kb_files import disposition
from app.http.messages import said
from app.shell.i18n import resolve_locale
from gateway.http.edge import ApiError, edge_router
from workbench.errors import WorkbenchError

PREFIX = "/chat/export"
FORMATS = {"md": "text/markdown; charset=utf-8", "json": "application/json; charset=utf-8"}


def export_url(conversation_id: str, fmt: str, locale: str) -> str:
    """The address of a conversation's export (``fmt``: md or json) in ``locale``."""
    return f"{PREFIX}/{quote(conversation_id, safe='')}.{fmt}?lang={quote(locale, safe='')}"


def file_name(title: str | None, fmt: str) -> str:
    """The title made safe as a file name (letters, digits, CJK; '-' for the rest)."""
    name = re.sub(r"[^\w\u3000-\u9fff-]+", "-", title or "").strip("-")[:60] or "conversation"
    return f"{name}.{fmt}"


def routes(conversations: Any, users: Any) -> Any:
    """FastAPI routes over ``conversations`` (``workbench.conversations.Conversations``); ``users`` is
    ``app.http.auth.SessionUsers`` (who the session cookie belongs to)."""
    from fastapi import Depends, Request
    from fastapi.responses import Response

    router = edge_router()

    @router.get(PREFIX + "/{conversation_id}.{fmt}")
    def export(conversation_id: str, fmt: str, request: Request, lang: str = "",
               user: Any = Depends(SignedIn(users))) -> Any:
        locale = resolve_locale(lang, request.headers.get("accept-language"))
        if fmt not in FORMATS:
            raise ApiError(404, said("chat.unknown_format"), param="format", code="unknown_format")
        try:
            conv = conversations.get(user.id, conversation_id)
            text = (conversations.export_json(user.id, conv.id) if fmt == "json"
                    else conversations.export_markdown(user.id, conv.id, locale))
        except WorkbenchError as exc:
            raise ApiError.refusing(404, exc, "not_found") from None
        headers = {"content-disposition": disposition("attachment", file_name(conv.title, fmt)),
                   "x-content-type-options": "nosniff", "cache-control": "private, no-store",
                   "content-security-policy": "sandbox"}
        return Response(text.encode("utf-8"), media_type=FORMATS[fmt], headers=headers)

    return router
