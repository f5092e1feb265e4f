"""An API of the one HTTP edge written as a table of routes (``/kb/v1``, ``/papers/v1``): the router with each
route behind a user's API key, and the envelope's 404 / 405 for what no route of the table answers.

    table = [("GET", "/papers/{paper_id}", handler, query), ...]
    router = table_router(PREFIX, table, endpoint, keys, available, request_ids="papers-", unknown=unknown)
    raise unknown_route(PREFIX, table, "DELETE", path, said("route.unknown_papers", ...), pattern)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.http.auth import KeyUser
from app.http.messages import said
from gateway.http.edge import ApiError, edge_router

Route = tuple[str, str, Callable, Any]      # method, path under the prefix, handler, its parameters
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
PATH_PARAM = re.compile(r"\{(\w+)\}")


def path_pattern(path: str) -> re.Pattern:
    """A route's path as a regular expression (each ``{param}`` one path segment)."""
    return re.compile(PATH_PARAM.sub("[^/]+", path))


def unknown_route(prefix: str, table: Sequence[Route], method: str, path: str, words: Any,
                  pattern: Callable[[str], re.Pattern] = path_pattern) -> ApiError:
    """405 naming the methods of a path some route of ``table`` has; else 404 saying ``words``."""
    allowed = [m for m, p, _, _ in table if pattern(prefix + p).fullmatch(path)]
    if allowed:
        return ApiError(405, said("route.method_not_allowed", method=method, path=path, allowed=", ".join(allowed)),
                        code="method_not_allowed", headers={"allow": ", ".join(allowed)})
    return ApiError(404, words, code="unknown_route")


def table_router(prefix: str, table: Sequence[Route], endpoint: Callable[[Callable, Any], Callable], keys: Any,
                 available: Callable[[], None], unknown: Callable[[str, str], ApiError], *, request_ids: str) -> Any:
    """The routes (``APIRouter``): each of ``table`` by ``endpoint(handler, params)``, all needing a user's API key
    (``keys``); any other path under ``prefix`` is ``unknown(method, path)``, once the API is ``available()``."""
    from fastapi import Depends

    router = edge_router(request_ids=request_ids)
    for method, path, handler, params in table:
        router.add_api_route(prefix + path, endpoint(handler, params), methods=[method])

    async def elsewhere(request: Request, caller: KeyUser = Depends(keys)) -> Response:
        available()
        raise unknown(request.method, request.url.path)

    for path in (prefix, prefix + "/{rest:path}"):
        router.add_api_route(path, elsewhere, methods=ALL_METHODS, include_in_schema=False)
    return router
