"""The Usage page's CSV exports for the signed-in user: ``GET /usage/export/<per-day|per-model>.csv?since=&until=``.

The page's export links open this address (one click: the browser saves the file). The figures are computed for the
session's own user at the time of the download — a member's own keys, an administrator's everything, exactly as the
page shows them (``Console.usage``) — and never copied into Gradio's file cache, which serves a file to anyone signed
in who knows its path. The route sits behind the session check of ``launch.build_app`` and checks the session again.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations (Request, imported in routes)

from typing import Any

from app.http.kb_files import disposition
from app.shell.i18n import resolve_locale, translate
from app.usage.exports import KINDS, PREFIX, csv_text, file_name
from app.usage.page import UsageInputError, parse_window


def routes(console: Any, users: Any) -> Any:
    """FastAPI routes over ``console`` (``gateway.accounts.console.Console``);
    ``users``: ``app.http.signin.SessionUsers``."""
    from fastapi import APIRouter, Request
    from fastapi.responses import JSONResponse, Response

    router = APIRouter()

    @router.get(PREFIX + "/{kind}.csv")
    def export(kind: str, request: Request, since: str = "", until: str = "") -> Any:
        locale = resolve_locale("", request.headers.get("accept-language"))
        user = users.user(request.headers.get("cookie"))
        actor = console.actor_for_username(user.username) if user is not None else None
        if actor is None:
            return JSONResponse({"error": translate("shell.sign_in_again", locale)}, status_code=401)
        if kind not in KINDS:
            return JSONResponse({"error": "Export per-day.csv or per-model.csv."}, status_code=404)
        try:
            start, end = parse_window(since, until, locale)
        except UsageInputError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        text = csv_text(console, actor, kind, start, end)
        headers = {"content-disposition": disposition("attachment", file_name(kind, start.isoformat(),
                                                                             end.isoformat())),
                   "x-content-type-options": "nosniff", "cache-control": "private, no-store"}
        # UTF-8 with a BOM, so spreadsheets read it right
        return Response(text.encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)

    return router
