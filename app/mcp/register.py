"""Registering a remote MCP server (streamable HTTP or SSE) from the page: for oneself, for a team one manages, or
(admins) for everyone; a bearer token or header values, sealed and never shown again.

    REGISTER.outputs            # the form's outputs: its notice and fields first, then the catalogue and the entry

A refusal marks its field and keeps what was typed (``app.shell.forms.Form``): the address (a private, loopback or
link-local one is refused with why, unless the admins' allow-list names it: ``MAAS_MCP_ALLOW_PRIVATE_HOSTS``), the
token, a header line, the team. The new entry opens; its owner reviews and approves its tools before they run.
"""

from __future__ import annotations

import re
from typing import Any

import gradio as gr

from app.mcp import view
from app.mcp.admin import AdminHandlers
from app.mcp.context import t
from app.mcp.states import RegisterView, fields_of
from app.shell.forms import Form, problem_of
from workbench.errors import WorkbenchError
from workbench.mcp.remotes import Header, Registration

FIELDS = {"reg_url": "mcp.f_url_info", "reg_transport": None, "reg_title": None, "reg_description": None,
          "reg_token": "mcp.f_token_info",
          "reg_headers": "mcp.f_headers_info", "reg_visibility": None, "reg_team": None}
ALIASES = {"url": "reg_url", "transport": "reg_transport", "title": "reg_title", "description": "reg_description",
           "name": "reg_url", "bearer_token": "reg_token", "headers": "reg_headers", "visibility": "reg_visibility",
           "team_id": "reg_team"}
REGISTER = Form(("reg_notice", *FIELDS, *RegisterView.names()), FIELDS, notice="reg_notice", aliases=ALIASES)
_HEADER_LINE = re.compile(r"^\s*([^:\s][^:]*?)\s*:\s?(.*)$")


def parse_headers(text: str | None) -> tuple[list[Header], str | None]:
    """``Name: value`` lines as headers; the 0-based number of the first line that is not one (or None)."""
    headers = []
    for number, line in enumerate((text or "").splitlines()):
        if not line.strip():
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            return headers, str(number)
        headers.append(Header(match.group(1).strip(), match.group(2).strip()))
    return headers, None


class RegisterHandlers(AdminHandlers):
    """The registration of a remote server."""

    async def register(self, url: str | None, transport: str | None, title: str | None, description: str | None,
                       token: str | None, headers: str | None, secret: bool | None, visibility: str | None,
                       team_id: str | None, query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Register the server at ``url`` for whom ``visibility`` says; on success the form is cleared (the token
        first of all) and the new entry opens, else the bad field is marked and everything typed stays."""
        caller = self.ctx.who(lang, request)
        parsed, bad_line = parse_headers(headers)
        if bad_line is not None:
            return REGISTER.refused([("headers", t(caller.locale, "mcp.bad_header_line", line=int(bad_line) + 1))],
                                    caller.locale)
        registration = Registration(
            url=(url or "").strip(), transport=transport or "streamable-http", title=title or "",
            description=description or "", bearer_token=(token or "").strip(),
            headers=tuple(Header(h.name, h.value, True if secret else None) for h in parsed),
            visibility=visibility or "user", team_id=team_id or "")
        try:
            entry = await self.ctx.mcp.hub.register(registration, caller.viewer)
        except WorkbenchError as exc:
            field, message = problem_of(exc, caller.locale)
            field = "headers" if field and field.startswith("headers") else field
            return REGISTER.refused([(field, message)], caller.locale)
        said = t(caller.locale, "mcp.registered", name=entry.listing(caller.locale).title)
        done = RegisterView(**fields_of(self.listing(caller, query, entry.id), self.opened(caller, entry)),
                            notice=view.notice_html(said))
        return REGISTER.accepted(caller.locale, reg_notice=f"✅ {said}", reg_url="", reg_title="", reg_description="",
                                 reg_token="", reg_headers="",
                                 **{name: getattr(done, name) for name in RegisterView.names()})
