"""The Usage page's CSV exports for the signed-in user: ``GET /usage/export/<per-day|per-model>.csv?since=&until=``.

The page's export links open this address (one click: the browser saves the file). The figures are computed for the
session's own user at the time of the download — a member's own keys, an administrator's everything, exactly as the
page shows them (``Console.usage``) — and never copied into Gradio's file cache, which serves a file to anyone signed
in who knows its path. The route sits behind the session check (``app.http.auth``) and checks the session again.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations (Request, imported in routes)

from typing import Any

from app.http.auth import SessionUsers, SignedIn
from app.http.kb_files import disposition
from app.http.messages import said
from app.shell.i18n import resolve_locale, translate
from app.usage.exports import KINDS, PREFIX, csv_text, file_name
from app.usage.page import UsageInputError, parse_window
from gateway.accounts.console import Console
from gateway.http.edge import ApiError, edge_router
from shared.messages import Words


def routes(console: Console, users: SessionUsers) -> Any:
    """FastAPI routes over ``console`` (who may see which numbers) for the users signed in through ``users``."""
    from fastapi import Depends, Request
    from fastapi.responses import Response

    router = edge_router()

    @router.get(PREFIX + "/{kind}.csv")
    def export(kind: str, request: Request, since: str = "", until: str = "",
               user: Any = Depends(SignedIn(users))) -> Any:
        locale = resolve_locale("", request.headers.get("accept-language"))
        actor = console.actor_for_username(user.username)
        if actor is None:
            raise ApiError(401, Words(translate("shell.sign_in_again", "en"), translate("shell.sign_in_again", "zh")),
                           code="sign_in_required")
        if kind not in KINDS:
            raise ApiError(404, said("usage.unknown_export"), param="kind", code="unknown_export")
        try:
            start, end = parse_window(since, until, locale)
        except UsageInputError as exc:
            raise ApiError(400, exc.message, code="invalid_value") from None
        text = csv_text(console, actor, kind, start, end)
        headers = {"content-disposition": disposition("attachment", file_name(kind, start.isoformat(),
                                                                             end.isoformat())),
                   "x-content-type-options": "nosniff", "cache-control": "private, no-store"}
        # UTF-8 with a BOM, so spreadsheets read it right
        return Response(text.encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)

    return router
