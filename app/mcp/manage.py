"""The MCP page's handlers for who may change an entry (admins for everyone's, the owner for their own, a team's
owner and admins for a team's): review and approve its tools (pinning: flags with their reasons, what changed as
a diff), enable or disable it, remove it, set a remote's header values (a secret is never shown again).

``ManageHandlers`` extends ``CatalogueHandlers``; each handler asks the hub with the caller's viewer, which refuses
whoever may not change the entry (``Forbidden``) or see it (``NotFound``, the words of a missing one).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.mcp import view
from app.mcp.context import t
from app.mcp.handlers import CatalogueHandlers
from app.mcp.parts import headers_part, review_part, reviewed
from app.mcp.states import HeadersView, ListedView, Review, ReviewedView, fields_of
from app.shell.access import error
from shared.locale import in_locale
from workbench.mcp.remotes import Header


class ManageHandlers(CatalogueHandlers):
    """Reviewing, approving, enabling, removing an entry, and its header values."""

    def review(self, entry_id: str | None, lang: str, request: gr.Request) -> Review:
        """The entry's tools as last listed, for who may change it (blank for anyone else)."""
        caller = self.ctx.who(lang, request)
        if not entry_id:                                  # nothing open (the page's load chains this too)
            return review_part(None, caller, None)
        entry = self.ctx.entry(caller, entry_id)
        return review_part(self.ctx if caller.viewer.may_change(entry) else None, caller, entry)

    async def approve(self, entry_id: str | None, hashes: Any, allow_flagged: bool | None, lang: str,
                      request: gr.Request) -> ReviewedView:
        """Pin the tools exactly as reviewed (``hashes``, what the review showed): refused when one changed since,
        or has flags and they were not accepted. Then the tools may be run."""
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        if not isinstance(hashes, dict) or not hashes:
            raise error(t(caller.locale, "mcp.review_first"), caller.locale)
        review = await self.ctx.acall(caller, self.ctx.mcp.hub.approve, entry.id, caller.viewer,
                                      {str(k): str(v) for k, v in hashes.items()}, allow_flagged=bool(allow_flagged))
        approved = sum(1 for tool in review.tools if tool.state == "approved")
        return ReviewedView(**fields_of(reviewed(review, caller.locale)),
                            manage_note=view.notice_html(t(caller.locale, "mcp.approved", count=approved)),
                            tool_pick=gr.update(choices=self.tool_choices(caller, entry)))

    def set_asks(self, entry_id: str | None, tools: Any, lang: str, request: gr.Request) -> ReviewedView:
        """Mark exactly the ticked tools to ask the user before each call in the chat (as a destructive one does);
        a tool the server itself says is destructive asks whatever is ticked."""
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        names = [str(name) for name in tools or [] if isinstance(name, str)]
        review = self.ctx.call(caller, self.ctx.mcp.hub.mark_asking, entry.id, names, caller.viewer)
        joined = in_locale(", ".join(names), "、".join(names), caller.locale)
        said = t(caller.locale, "mcp.asks_saved", tools=joined) if names else t(caller.locale, "mcp.asks_none")
        return ReviewedView(**fields_of(reviewed(review, caller.locale)), manage_note=view.notice_html(said),
                            tool_pick=gr.update())

    def _enabled(self, entry_id: str | None, enabled: bool, query: str | None, lang: str,
                 request: gr.Request) -> ListedView:
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        entry = self.ctx.call(caller, self.ctx.mcp.hub.set_enabled, entry.id, enabled, caller.viewer)
        said = t(caller.locale, "mcp.enabled" if enabled else "mcp.disabled_now",
                 name=entry.listing(caller.locale).title)
        return ListedView(**fields_of(self.listing(caller, query, entry.id), self.opened(caller, entry)),
                          notice=view.notice_html(said))

    def enable(self, entry_id: str | None, query: str | None, lang: str, request: gr.Request) -> ListedView:
        """Show the entry to everyone who may see it again."""
        return self._enabled(entry_id, True, query, lang, request)

    def disable(self, entry_id: str | None, query: str | None, lang: str, request: gr.Request) -> ListedView:
        """Hide the entry from everyone but those who may change it (its tools cannot be run meanwhile)."""
        return self._enabled(entry_id, False, query, lang, request)

    def remove(self, entry_id: str | None, confirm: bool | None, query: str | None, lang: str,
               request: gr.Request) -> ListedView:
        """Remove the entry with its approvals and header values (its runs stay, for metering); a bundled entry is
        disabled instead. Asks for the confirmation box first."""
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        if not confirm:
            raise error(t(caller.locale, "mcp.confirm_remove"), caller.locale)
        self.ctx.call(caller, self.ctx.mcp.hub.remove, entry.id, caller.viewer)
        said = t(caller.locale, "mcp.removed", name=entry.listing(caller.locale).title)
        return ListedView(**fields_of(self.listing(caller, query), self.closed()), notice=view.notice_html(said))

    def set_header(self, entry_id: str | None, name: str | None, value: str | None, lang: str,
                   request: gr.Request) -> HeadersView:
        """Store a value for one of the remote's headers (empty: clear it); a secret is sealed and never shown."""
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        if not name:
            raise error(t(caller.locale, "mcp.choose_header"), caller.locale)
        self.ctx.call(caller, self.ctx.mcp.hub.set_headers, entry.id, [Header(str(name), value or "")], caller.viewer)
        return HeadersView(**fields_of(headers_part(self.ctx, caller, entry)), header_value="",
                           manage_note=view.notice_html(t(caller.locale, "mcp.header_saved", name=name)))
