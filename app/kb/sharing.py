"""The Knowledge page's handlers for sharing (the square, share links, grants) and a KB's settings and deletion.

All of them need the admin role in the KB's team (``manage``); the service refuses anyone else (a reader is
told the role needed, an outsider gets the same words as for a missing KB), whatever the page shows.
A share link's token is shown once, as ``<page origin>/kb?share=<token>``; only its hash is kept.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from app.kb import view
from app.kb.context import KBPage, expiry, field_error, refused
from app.shell.i18n import translate


def link_url(origin: str | None, request: gr.Request | None, token: str) -> str:
    """``<origin>/kb?share=<token>``: the page's origin as the browser sees it (else the request's Host)."""
    origin = (origin or "").strip().rstrip("/")
    if not origin.startswith(("http://", "https://")):
        headers = getattr(request, "headers", None) or {}
        origin = f"http://{headers.get('host') or '127.0.0.1'}"
    return f"{origin}/kb?share={token}"


def make_sharing_handlers(page: KBPage) -> SimpleNamespace:
    """publish, unpublish, create_link, revoke_link, grant_user, grant_team, revoke_grant, save_settings and
    delete_kb over ``page``."""
    knowledge = page.kb

    def done(uid: str, locale: str, kb_id: str, key: str, **fields: Any) -> tuple[Any, ...]:
        """The sharing tab redrawn, and what was done."""
        return (*page.sharing(uid, locale, kb_id), view.notice_html(translate(key, locale, **fields)))

    def publish(kb_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """List the KB in the square: every signed-in user may read and search it."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        kb = page.call(locale, knowledge.sharing.publish, uid, kb_id)
        return (page.header(uid, locale, kb.id)[1], *done(uid, locale, kb.id, "kb.published", name=kb.name))

    def unpublish(kb_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        kb = page.call(locale, knowledge.sharing.unpublish, uid, kb_id)
        return (page.header(uid, locale, kb.id)[1], *done(uid, locale, kb.id, "kb.unpublished", name=kb.name))

    def create_link(kb_id: str | None, days: str | None, origin: str | None, lang: str,
                    request: gr.Request) -> tuple[Any, ...]:
        """A share link (read and search until it expires or is revoked), its address shown this once."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        _, token = page.call(locale, knowledge.sharing.create_link, uid, kb_id, expiry(days))
        url = link_url(origin, request, token)
        return (gr.update(value=url, visible=True), *done(uid, locale, kb_id, "kb.link_created"))

    def revoke_link(kb_id: str | None, link_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        if not link_id:
            raise refused("kb.choose_link", locale)
        links = page.call(locale, knowledge.sharing.links, uid, kb_id)      # manage, and a link of this KB
        if link_id not in {link.id for link in links}:
            raise refused("kb.choose_link", locale)
        page.call(locale, knowledge.sharing.revoke_link, uid, link_id)
        return done(uid, locale, kb_id, "kb.link_revoked_notice")

    def grant_user(kb_id: str | None, username: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Let one account read and search the KB."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        if not (username or "").strip():
            page.call(locale, knowledge.access.require_kb, uid, kb_id, "manage")
            raise field_error("username", locale, "kb.enter_username")
        grant = page.call(locale, knowledge.sharing.grant_user, uid, kb_id, username)
        return (*done(uid, locale, kb_id, "kb.granted", name=grant.name or username), "")

    def grant_team(kb_id: str | None, team_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Let every member of one of the caller's teams read and search the KB."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        if not team_id:
            raise field_error("team_id", locale, "kb.choose_team")
        grant = page.call(locale, knowledge.sharing.grant_team, uid, kb_id, team_id)
        return done(uid, locale, kb_id, "kb.granted", name=grant.name or team_id)

    def revoke_grant(kb_id: str | None, grantee: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        kind, _, grantee_id = (grantee or "").partition(":")
        if kind not in ("user", "team") or not grantee_id:
            raise refused("kb.choose_grant", locale)
        page.call(locale, knowledge.sharing.revoke_grant, uid, kb_id, kind, grantee_id)
        return done(uid, locale, kb_id, "kb.grant_revoked")

    def save_settings(kb_id: str | None, name: str | None, description: str | None, model: str | None,
                      chunk_tokens: float | None, chunk_overlap: float | None, query: str | None, lang: str,
                      request: gr.Request) -> tuple[Any, ...]:
        """Rename, describe, re-chunk (documents added from now on), or change the embedding model (only while
        the KB has no documents); a bad field is refused by its label."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        kb = page.call(locale, knowledge.bases.update, uid, kb_id, name=name or "", description=description or "",
                       embedding_model=model or None, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap)
        return (page.header(uid, locale, kb.id)[1], *page.lists(uid, locale, query, kb.id),
                view.notice_html(translate("kb.saved", locale, name=kb.name)))

    def delete_kb(kb_id: str | None, confirm: str | None, query: str | None, lang: str,
                  request: gr.Request) -> tuple[Any, ...]:
        """Delete the KB with its documents, indexes, links and grants, once its name is typed to confirm."""
        locale, uid, kb_id = page.chosen(lang, request, kb_id)
        kb = page.call(locale, knowledge.access.require_kb, uid, kb_id, "manage")
        if (confirm or "").strip() != kb.name:
            raise field_error("confirm", locale, "kb.confirm_mismatch", name=kb.name)
        page.call(locale, knowledge.bases.delete, uid, kb.id)
        return (*page.lists(uid, locale, query, None), *page.closed(),
                view.notice_html(translate("kb.deleted", locale, name=kb.name)))

    return SimpleNamespace(publish=publish, unpublish=unpublish, create_link=create_link, revoke_link=revoke_link,
                           grant_user=grant_user, grant_team=grant_team, revoke_grant=revoke_grant,
                           save_settings=save_settings, delete_kb=delete_kb)
