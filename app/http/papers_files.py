"""A paper of the signed-in user: ``GET /papers/file/<paper id>`` (the PDF, ``#page=N`` opens it at a page) and
``GET /papers/page/<paper id>/<n>.png?start=&end=`` (page n as an image, the lines of a quote's characters
``start``..``end`` of the page's text marked: what a click on a statement's page shows).

Both sit behind the session check (``app.http.auth``) and ask ``Papers`` with the user's id, which answers a paper
of someone else's team exactly like a missing one (404, the same words). Nothing is sniffed or cached.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations

from typing import Any
from urllib.parse import quote

from app.http.auth import SignedIn
from app.http.kb_files import disposition
from app.http.messages import said
from gateway.http.edge import ApiError, edge_router
from workbench.papers.errors import PaperError, PaperNotFound

PREFIX = "/papers"
MAX_SPAN = 1_000_000


def file_url(paper_id: str, page: int | None = None) -> str:
    """The address of a paper's PDF (at ``page`` in a PDF viewer)."""
    return f"{PREFIX}/file/{quote(paper_id, safe='')}" + (f"#page={page}" if page else "")


def page_url(paper_id: str, page: int, span: tuple[int, int] | None = None) -> str:
    """The address of a paper's page as an image, a quote's characters marked."""
    marked = f"?start={span[0]}&end={span[1]}" if span and 0 <= span[0] < span[1] else ""
    return f"{PREFIX}/page/{quote(paper_id, safe='')}/{int(page)}.png{marked}"


def routes(papers: Any, users: Any) -> Any:
    """FastAPI routes over ``papers`` (``workbench.papers.service.Papers``; None: nothing is available); ``users`` is
    ``app.http.auth.SessionUsers``."""
    from fastapi import Depends
    from fastapi.responses import Response

    router = edge_router()
    headers = {"x-content-type-options": "nosniff", "cache-control": "private, no-store"}

    def available() -> Any:
        if papers is None:
            raise ApiError(503, said("papers.unavailable"), code="papers_unavailable")
        return papers

    @router.get(PREFIX + "/file/{paper_id}")
    def paper_file(paper_id: str, user: Any = Depends(SignedIn(users))) -> Any:
        try:
            paper, data = available().pdf(user.id, paper_id)
        except PaperNotFound as exc:
            raise ApiError.refusing(404, exc, "not_found") from None
        return Response(data, media_type="application/pdf",
                        headers={**headers, "content-disposition": disposition("inline", paper.filename)})

    @router.get(PREFIX + "/page/{paper_id}/{number}.png")
    def paper_page(paper_id: str, number: int, start: int | None = None, end: int | None = None,
                   user: Any = Depends(SignedIn(users))) -> Any:
        span = (start, end) if start is not None and end is not None and 0 <= start < end <= MAX_SPAN else None
        try:
            image = available().page_image(user.id, paper_id, number, span=span)
        except PaperNotFound as exc:
            raise ApiError.refusing(404, exc, "not_found") from None
        except PaperError as exc:
            raise ApiError.refusing(400, exc, "invalid_value") from None
        return Response(image, media_type="image/png", headers=headers)

    return router
