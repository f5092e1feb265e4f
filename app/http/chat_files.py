"""A document attached to one of the signed-in user's conversations: ``GET /chat/file/<attachment id>``.

The chat's citations of a document link here (``…#page=3`` opens a PDF at the cited page in the browser's viewer).
The route sits behind the session check (``app.http.auth``) like every page and asks
``Attachments.file(user id, attachment id)``, which answers a document of someone else's conversation exactly like a
missing one (404, the same words). As for knowledge-base files (``app.kb_files``): PDFs open in the browser; every
other type is a download under a sandbox policy (an uploaded HTML file must never run as a page of this site), and
nothing is sniffed or cached.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations (Request, imported in routes)

from typing import Any
from urllib.parse import quote

from app.http.auth import SignedIn
from app.http.kb_files import INLINE, TYPES, disposition
from app.http.messages import said
from gateway.http.edge import ApiError, edge_router
from workbench.attachments import AttachmentNotFound

PREFIX = "/chat/file"


def file_url(attachment_id: str, page: int | None = None) -> str:
    """The address of an attached document (at ``page`` for a PDF viewer) for links in the chat."""
    return f"{PREFIX}/{quote(attachment_id, safe='')}" + (f"#page={page}" if page else "")


def routes(attachments: Any, users: Any) -> Any:
    """FastAPI routes over ``attachments`` (``workbench.attachments.Attachments``; None: nothing is available);
    ``users`` is ``app.http.auth.SessionUsers`` (who the session cookie belongs to)."""
    from fastapi import Depends
    from fastapi.responses import FileResponse

    router = edge_router()

    @router.get(PREFIX + "/{attachment_id}")
    def attached(attachment_id: str, user: Any = Depends(SignedIn(users))) -> Any:
        if attachments is None:
            raise ApiError(503, said("chat.documents_unavailable"), code="documents_unavailable")
        try:
            attachment, path = attachments.file(user.id, attachment_id)
        except AttachmentNotFound as exc:
            raise ApiError.refusing(404, exc, "not_found") from None
        name = attachment.name
        suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        inline = suffix in INLINE
        headers = {"content-disposition": disposition("inline" if inline else "attachment", name),
                   "x-content-type-options": "nosniff", "cache-control": "private, no-store"}
        if not inline:                      # (a sandboxed PDF would not open in Chromium's viewer)
            headers["content-security-policy"] = "sandbox"
        return FileResponse(path, media_type=INLINE.get(suffix) or TYPES.get(suffix, "application/octet-stream"),
                            headers=headers)

    return router
