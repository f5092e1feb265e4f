"""A knowledge-base document for the signed-in user: ``GET /kb/file/<kb id>/<document id>``.

The chat's citations link here (``…#page=3`` opens a PDF at the cited page in the browser's viewer); the route sits
behind the session check (``app.http.auth``) like every page, and asks ``KnowledgeService.document_file`` —
the same "read" check as the KB page's download — so a KB the user may not read answers exactly like a missing one
(404). PDFs open in the browser; every other type is a download (an uploaded HTML file must never run as a page of
this site), and nothing is sniffed or framed. ``?download=1`` (the KB page's *Download*) saves a PDF too. This is the
only way the pages hand out a KB document: never a copy in Gradio's file cache, which any signed-in user could
fetch, even after the access ended or the document was deleted.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations (Request, imported in routes)

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from app.http.auth import SignedIn
from app.http.messages import said
from gateway.http.edge import ApiError, edge_router
from workbench.kb.errors import Forbidden, KBError

PREFIX = "/kb/file"
INLINE = {".pdf": "application/pdf"}
TYPES = {".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".csv": "text/csv; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def file_url(kb_id: str, document_id: str, page: int | None = None, *, download: bool = False) -> str:
    """The address of a document (at ``page`` for a PDF viewer; ``download``: saved, not opened) for the pages."""
    return (f"{PREFIX}/{quote(kb_id, safe='')}/{quote(document_id, safe='')}" + ("?download=1" if download else "")
            + (f"#page={page}" if page else ""))


def base_name(name: str) -> str:
    """A stored document's name without the folders it had in its zip (``../../x.md`` is ``x.md``)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip(" .") or "document"


def media_type(name: str) -> str:
    """The Content-Type a document is sent with (from its extension; unknown ones as bytes)."""
    suffix = PurePosixPath(base_name(name)).suffix.lower()
    return INLINE.get(suffix) or TYPES.get(suffix, "application/octet-stream")


def disposition(kind: str, name: str) -> str:
    """``inline``/``attachment`` with the file's base name — a zip member's folders (``../../x.md``) never reach
    the browser — RFC 6266: an ASCII fallback and the UTF-8 name (``filename*``)."""
    name = base_name(name)
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name) or "document"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def routes(knowledge: Any, users: Any) -> Any:
    """FastAPI routes over ``knowledge`` (None: every document is "not available"); ``users`` is
    ``app.http.auth.SessionUsers`` (who the session cookie belongs to)."""
    from fastapi import Depends, Request
    from fastapi.responses import FileResponse

    router = edge_router()

    @router.get(PREFIX + "/{kb_id}/{document_id}")
    def document(kb_id: str, document_id: str, request: Request, download: int = 0,
                 user: Any = Depends(SignedIn(users))) -> Any:
        if knowledge is None:
            raise ApiError(503, said("kb.unavailable"), code="knowledge_bases_unavailable")
        try:
            name, path = knowledge.document_file(user.id, kb_id, document_id)
        except KBError as exc:
            forbidden = isinstance(exc, Forbidden)
            raise ApiError.refusing(403 if forbidden else 404, exc, "forbidden" if forbidden else "not_found") from None
        inline = PurePosixPath(base_name(name)).suffix.lower() in INLINE and not download
        headers = {"content-disposition": disposition("inline" if inline else "attachment", name),
                   "x-content-type-options": "nosniff", "cache-control": "private, no-store"}
        if not inline:                      # (a sandboxed PDF would not open in Chromium's viewer)
            headers["content-security-policy"] = "sandbox"
        return FileResponse(path, media_type=media_type(name), headers=headers)

    return router
