"""The parts of the MCP page that only some callers see, each computed for the caller through the hub (which checks
again): the review of an entry's tools and its headers (who may change the entry), the install and the running
server (admins), the admins' tab, and who a registration may be for.

``ctx`` None gives the blank part (the caller may not see it; nothing is read).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.mcp import view
from app.mcp.context import Caller, McpContext, t
from app.mcp.states import AdminTab, Headers, InstallPart, RegisterChoices, Review
from workbench.errors import WorkbenchError
from workbench.mcp.catalogue import Entry

TICK_SECONDS = 1.0
AUDIT_SHOWN = 100


def review_part(ctx: McpContext | None, caller: Caller, entry: Entry | None) -> Review:
    """The entry's tools as last listed (states, flags, diffs) and the hashes an approval pins."""
    if ctx is None:
        return Review(review_html="", review_hashes={}, asks_pick=gr.update(choices=[], value=[]))
    return reviewed(ctx.call(caller, ctx.mcp.hub.review, entry.id, caller.viewer), caller.locale)


def reviewed(review: Any, locale: str) -> Review:
    """A ``pins.Review`` shown: the table, the hashes an approval pins, the tools that ask before each call."""
    listed = [tool for tool in review.tools if tool.state != "removed"]
    return Review(review_html=view.review_html(review, locale), review_hashes=review.hashes,
                  asks_pick=gr.update(choices=[tool.name for tool in listed],
                                      value=[tool.name for tool in listed if tool.asks]))


def headers_part(ctx: McpContext | None, caller: Caller, entry: Entry) -> Headers:
    """A remote's headers: set or not, a secret's value never."""
    if ctx is None:
        return Headers(headers_html="", header_pick=gr.update(choices=[], value=None))
    headers = ctx.call(caller, ctx.mcp.hub.headers_of, entry.id, caller.viewer)
    return Headers(headers_html=view.headers_html(headers, caller.locale),
                   header_pick=gr.update(choices=[h.name for h in headers], value=headers[0].name if headers else None))


def install_part(ctx: McpContext | None, caller: Caller, entry: Entry, bump: bool = False) -> InstallPart:
    """The install's progress and the server's state (admins); the timer runs while an install does. ``bump``:
    draw the values form again (the install's state changed)."""
    if ctx is None or ctx.mcp.installs is None:
        return InstallPart(install_html="", install_timer=gr.Timer(TICK_SECONDS, active=False),
                           install_gen=gr.update())
    installs, supervisor = ctx.mcp.installs, ctx.mcp.supervisor
    try:
        install = installs.get(entry.id, caller.viewer)
    except WorkbenchError:
        install = None
    state = supervisor.state(entry.id) if supervisor is not None and install is not None else None
    running = install is not None and install.status == "running"
    return InstallPart(install_html=view.install_status_html(install, state, caller.locale),
                       install_timer=gr.Timer(TICK_SECONDS, active=running),
                       install_gen=_generation() if bump else gr.update())


def _generation() -> int:
    import time

    return time.monotonic_ns()


def admin_tab(ctx: McpContext, caller: Caller) -> AdminTab:
    """The admins' tab (hidden and blank for anyone else): usage per server, installs, the audit trail."""
    if not caller.viewer.is_admin:
        return AdminTab(admin_tab=gr.update(visible=False), usage_plot=None, usage_html="", installs_html="",
                        audit_html="")
    hub, locale = ctx.mcp.hub, caller.locale
    usage = ctx.call(caller, hub.usage, caller.viewer)
    installs = ctx.call(caller, ctx.mcp.installs.list, caller.viewer) if ctx.mcp.installs is not None else []
    trail = ctx.call(caller, hub.audit_trail, caller.viewer, AUDIT_SHOWN)
    names = {uid: ctx.name_of(uid) for uid in {e.actor for e in trail} if uid}
    return AdminTab(admin_tab=gr.update(visible=True), usage_plot=view.usage_chart(usage, locale),
                    usage_html=view.usage_html(usage, locale),
                    installs_html=view.installs_html(installs, locale), audit_html=view.audit_html(trail, names,
                                                                                                  locale))


def register_choices(ctx: McpContext, caller: Caller) -> RegisterChoices:
    """For whom the caller may register a server: themselves, a team they manage, everyone (admins)."""
    locale = caller.locale
    scopes = [(t(locale, "mcp.for_me"), "user")]
    teams = [(team.name, team.id) for team in ctx.teams_of(caller)
             if team.id in caller.viewer.managed_team_ids and not getattr(team, "personal_of", None)]
    if teams:
        scopes.append((t(locale, "mcp.for_team"), "team"))
    if caller.viewer.is_admin:
        scopes.append((t(locale, "mcp.for_everyone"), "everyone"))
    return RegisterChoices(reg_visibility=gr.update(choices=scopes, value="user"),
                           reg_team=gr.update(choices=teams, value=teams[0][1] if teams else None))
