"""The Knowledge page's handlers for sharing (the square, share links, grants) and a KB's settings and deletion.

All of them need the admin role in the KB's team (``manage``); the service refuses anyone else (a reader is
told the role needed, an outsider gets the same words as for a missing KB), whatever the page shows.
A share link's token is shown once, as ``<page origin>/kb?share=<token>``; only its hash is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from app.kb import view
from app.kb.context import KBContext, KBServices, expiry, field_error, refused
from app.kb.states import GrantView, LinkView, ListedView, PublishView, SavedView, SharedView, fields_of
from app.shell import tables
from app.shell.i18n import translate

if TYPE_CHECKING:
    from workbench.kb.service import KnowledgeService


def link_url(origin: str | None, request: gr.Request | None, token: str) -> str:
    """``<origin>/kb?share=<token>``: the page's origin as the browser sees it (else the request's Host)."""
    origin = (origin or "").strip().rstrip("/")
    if not origin.startswith(("http://", "https://")):
        headers = getattr(request, "headers", None) or {}
        origin = f"http://{headers.get('host') or '127.0.0.1'}"
    return f"{origin}/kb?share={token}"


class SharingHandlers:
    """The Knowledge page's handlers of a KB's sharing, settings and deletion (``app.kb.handlers.KBHandlers`` adds
    the others); ``knowledge`` None: every handler says the knowledge bases are off."""

    def __init__(self, services: KBServices, knowledge: KnowledgeService | None) -> None:
        self.ctx = KBContext(services, knowledge)

    def _done(self, uid: str, locale: str, kb_id: str, key: str, **fields: Any) -> SharedView:
        """The sharing tab redrawn, and what was done."""
        return SharedView(**fields_of(self.ctx.sharing(uid, locale, kb_id)),
                          share_note=view.notice_html(translate(key, locale, **fields)))

    def publish(self, kb_id: str | None, lang: str, request: gr.Request) -> PublishView:
        """List the KB in the square: every signed-in user may read and search it."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        kb = self.ctx.call(locale, self.ctx.knowledge.sharing.publish, uid, kb_id)
        return PublishView(**fields_of(self._done(uid, locale, kb.id, "kb.published", name=kb.name)),
                           head=self.ctx.header(uid, locale, kb.id)[1])

    def unpublish(self, kb_id: str | None, lang: str, request: gr.Request) -> PublishView:
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        kb = self.ctx.call(locale, self.ctx.knowledge.sharing.unpublish, uid, kb_id)
        return PublishView(**fields_of(self._done(uid, locale, kb.id, "kb.unpublished", name=kb.name)),
                           head=self.ctx.header(uid, locale, kb.id)[1])

    def create_link(self, kb_id: str | None, days: str | None, origin: str | None, lang: str,
                    request: gr.Request) -> LinkView:
        """A share link (read and search until it expires or is revoked), its address shown this once."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        _, token = self.ctx.call(locale, self.ctx.knowledge.sharing.create_link, uid, kb_id, expiry(days))
        url = link_url(origin, request, token)
        return LinkView(**fields_of(self._done(uid, locale, kb_id, "kb.link_created")),
                        link_box=gr.update(value=url, visible=True))

    def revoke_link(self, kb_id: str | None, link_id: str | None, lang: str, request: gr.Request) -> SharedView:
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        if not link_id:
            raise refused("kb.choose_link", locale)
        sharing = self.ctx.knowledge.sharing
        links = self.ctx.call(locale, sharing.links, uid, kb_id)      # manage, and a link of this KB
        if link_id not in {link.id for link in links}:
            raise refused("kb.choose_link", locale)
        self.ctx.call(locale, sharing.revoke_link, uid, link_id)
        return self._done(uid, locale, kb_id, "kb.link_revoked_notice")

    def grant_user(self, kb_id: str | None, username: str | None, lang: str, request: gr.Request) -> GrantView:
        """Let one account read and search the KB."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        knowledge = self.ctx.knowledge
        if not (username or "").strip():
            self.ctx.call(locale, knowledge.access.require_kb, uid, kb_id, "manage")
            raise field_error("username", locale, "kb.enter_username")
        grant = self.ctx.call(locale, knowledge.sharing.grant_user, uid, kb_id, username)
        return GrantView(**fields_of(self._done(uid, locale, kb_id, "kb.granted", name=grant.name or username)),
                         grant_name="")

    def grant_team(self, kb_id: str | None, team_id: str | None, lang: str, request: gr.Request) -> SharedView:
        """Let every member of one of the caller's teams read and search the KB."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        if not team_id:
            raise field_error("team_id", locale, "kb.choose_team")
        grant = self.ctx.call(locale, self.ctx.knowledge.sharing.grant_team, uid, kb_id, team_id)
        return self._done(uid, locale, kb_id, "kb.granted", name=grant.name or team_id)

    def revoke_grant(self, kb_id: str | None, grantee: str | None, lang: str, request: gr.Request) -> SharedView:
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        kind, _, grantee_id = (grantee or "").partition(":")
        if kind not in ("user", "team") or not grantee_id:
            raise refused("kb.choose_grant", locale)
        self.ctx.call(locale, self.ctx.knowledge.sharing.revoke_grant, uid, kb_id, kind, grantee_id)
        return self._done(uid, locale, kb_id, "kb.grant_revoked")

    def save_settings(self, kb_id: str | None, name: str | None, description: str | None, model: str | None,
                      chunk_tokens: float | None, chunk_overlap: float | None, query: str | None, lang: str,
                      request: gr.Request) -> SavedView:
        """Rename, describe, re-chunk (documents added from now on), or change the embedding model (a KB with
        chunks is re-embedded in the background: its progress shows above the documents); a bad field is refused
        by its label."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        kb = self.ctx.call(locale, self.ctx.knowledge.bases.update, uid, kb_id, name=name or "",
                           description=description or "", embedding_model=model or None, chunk_tokens=chunk_tokens,
                           chunk_overlap=chunk_overlap)
        docs = self.ctx.documents(uid, locale, kb.id, None)
        moving = view.moving_to(kb)
        said = (translate("kb.reembed_started", locale, name=kb.name, chunks=tables.number(moving.total),
                          model=moving.model) if moving
                else translate("kb.saved", locale, name=kb.name))
        return SavedView(**fields_of(self.ctx.lists(uid, locale, query, kb.id)), head=docs.head,
                         docs_html=docs.docs_html, timer=docs.timer, settings_note=view.notice_html(said))

    def delete_kb(self, kb_id: str | None, confirm: str | None, query: str | None, lang: str,
                  request: gr.Request) -> ListedView:
        """Delete the KB with its documents, indexes, links and grants, once its name is typed to confirm."""
        locale, uid, kb_id = self.ctx.chosen(lang, request, kb_id)
        knowledge = self.ctx.knowledge
        kb = self.ctx.call(locale, knowledge.access.require_kb, uid, kb_id, "manage")
        if (confirm or "").strip() != kb.name:
            raise field_error("confirm", locale, "kb.confirm_mismatch", name=kb.name)
        self.ctx.call(locale, knowledge.bases.delete, uid, kb.id)
        return ListedView(**fields_of(self.ctx.lists(uid, locale, query, None), self.ctx.closed()),
                          notice=view.notice_html(translate("kb.deleted", locale, name=kb.name)))
