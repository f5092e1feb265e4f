"""The Usage page's CSV exports for the signed-in user: ``GET /usage/export/<per-day|per-model>.csv?since=&until=``.

The page's export links open this address (one click: the browser saves the file). The figures are computed for the
session's own user at the time of the download — a member's own keys, an administrator's everything, exactly as the
page shows them (``Console.usage``) — and never copied into Gradio's file cache, which serves a file to anyone signed
in who knows its path. The route sits behind the session check of ``launch.build_app`` and checks the session again.
"""

# no "from __future__ import annotations": FastAPI reads the route's annotations (Request, imported in routes)

from typing import Any
from urllib.parse import urlencode

from app.i18n import resolve_locale, translate
from app.kb_files import disposition
from gateway import usage_stats

PREFIX = "/usage/export"
KINDS = ("per-day", "per-model")


def csv_url(kind: str, since: str, until: str) -> str:
    """The address of the window's ``kind`` export (``since``/``until``: ISO dates)."""
    return f"{PREFIX}/{kind}.csv?{urlencode({'since': since, 'until': until})}"


def file_name(kind: str, since: str, until: str) -> str:
    return f"usage-{kind}_{since}_{until}.csv"


def csv_text(console: Any, actor: Any, kind: str, since: Any, until: Any) -> str:
    """The export's CSV (the columns of ``app.usage.PER_DAY_CSV`` / ``PER_MODEL_CSV``) as ``actor`` may see it."""
    from app.usage import PER_DAY_CSV, PER_MODEL_CSV

    data = console.usage(actor, since, until)
    rows, columns = (data["per_day"], PER_DAY_CSV) if kind == "per-day" else (data["per_model"], PER_MODEL_CSV)
    return usage_stats.to_csv(rows, columns)


def routes(console: Any, users: Any) -> Any:
    """FastAPI routes over ``console`` (``gateway.console.Console``); ``users`` is ``app.signin.SessionUsers``."""
    from fastapi import APIRouter, Request
    from fastapi.responses import JSONResponse, Response

    from app.usage import UsageInputError, parse_window

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
