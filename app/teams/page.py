"""Teams page: my teams and my personal space with my role; create a team; the chosen team's members and
roles (change, remove), invites by username and by link (made with a role and an expiry, shown once as
``<page>/teams?invite=<token>``, listed with their state, revoked), leave, transfer the ownership, rename,
delete. Opening ``/teams?invite=<token>`` while signed in offers to join (the team, the role, who invited,
until when; a link no longer valid says so), then shows the team.

Handlers come from ``make_handlers(gateway, knowledge)`` and are tested directly. Each looks the signed-in
user up again and passes the user id to ``knowledge.teams`` (``workbench.kb.teams``), which checks the role
itself: a team the caller is not in reads as missing, a role too weak is refused naming the role needed.
Buttons a role may not use are hidden, but the service is the authorization. The chosen team's id lives in
the page (the team dropdown, and ``?team=<id>`` in the address so a reload reopens it), never in module state.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import gradio as gr

from app.home.page import base_url_for
from app.shell import tables
from app.shell.access import WITH_LANG_JS, error, locale_of, signed_in
from app.shell.forms import Form, focus_first_bad, refuse
from app.shell.i18n import translate
from workbench.kb.errors import KBError

EXPIRIES = {"1": timedelta(days=1), "7": timedelta(days=7), "30": timedelta(days=30), "never": None}
ASSIGNABLE = {"owner": ("admin", "member", "viewer"), "admin": ("member", "viewer")}
# what every handler that redraws the page returns, in this order (the layout lists the same components)
VIEW = ("listing", "pick", "panel", "heading", "members", "manage", "member", "member_role", "invite_role",
        "link_role", "links", "link_pick", "settings", "rename", "description", "owner", "new_owner", "leave_box",
        "link", "delete_confirm")
CSS = tables.CSS + """
.b-owner { background: #fae8ff; color: #86198f; }
.b-member { background: #e0f2fe; color: #075985; }
.b-viewer { background: #f1f5f9; color: #334155; }
"""
_LANG = "document.documentElement.lang || navigator.language || 'en'"
# the create-link handler also gets the page's own address, so the link is <page origin>/teams?invite=<token>
PAGE_URL_JS = f"(...a) => [...a.slice(0, -2), window.location.origin + window.location.pathname, {_LANG}]"
# the chosen team in the address (?team=<id>): a reload reopens it
URL_JS = ("(t) => { const u = new URL(window.location.href); if (t) { u.searchParams.set('team', t); } "
          "else { u.searchParams.delete('team'); } window.history.replaceState(null, '', u.toString()); return []; }")
# once joined, the invite leaves the address (a reload does not offer it again)
JOINED_JS = ("() => { const u = new URL(window.location.href); u.searchParams.delete('invite'); "
             "window.history.replaceState(null, '', u.toString()); return []; }")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~])")     # what could turn a name into emphasis, a link or markup


def md(text: object) -> str:
    """User text (a team name, a username) made literal inside Markdown."""
    return _MARKDOWN.sub(r"\\\1", "" if text is None else str(text))


def role_word(role: str | None, locale: str) -> str:
    return translate(f"teams.role_{role}", locale) if role else "—"


def _name(member: Any) -> str:
    return member.username or member.user_id[:8]


# ---------------------------------------------------------------- pure renderers


def teams_html(teams: Sequence[Any], locale: str, names: Mapping[str, str] | None = None) -> str:
    """The caller's teams; ``names`` (team id -> name as shown) for those not shown by their stored name."""
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    rows = []
    for team in teams:
        about = f'<div class="muted">{tables.esc(team.description)}</div>' if team.description else ""
        kind = t("teams.kind_personal") if team.personal_of else t("teams.kind_team")
        rows.append([f"<b>{tables.esc((names or {}).get(team.id, team.name))}</b>{about}", tables.esc(kind),
                     tables.badge(role_word(team.role, locale), team.role or "member"),
                     tables.esc(tables.when(team.created_at))])
    heads = [t(f"teams.col_{c}") for c in ("team", "kind", "role", "created")]
    return tables.table(heads, rows, t("teams.no_teams"), raw_columns=range(4), row_ids=[x.id for x in teams])


def members_html(members: Sequence[Any], me: str, locale: str) -> str:
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    rows = []
    for m in members:
        you = f' <span class="muted">({tables.esc(t("teams.you"))})</span>' if m.user_id == me else ""
        rows.append([tables.esc(_name(m)) + you, tables.badge(role_word(m.role, locale), m.role),
                     tables.esc(tables.when(m.joined_at))])
    heads = [t(f"teams.col_{c}") for c in ("member", "member_role", "joined")]
    return tables.table(heads, rows, "—", raw_columns=range(3), row_ids=[m.user_id for m in members])


def expiry_text(expires_at: Any, locale: str) -> str:
    return translate("teams.until", locale, when=tables.when(expires_at)) if expires_at \
        else translate("teams.expiry_never", locale)


def invites_html(invites: Sequence[Any], names: dict[str, str], locale: str) -> str:
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    rows = [[tables.esc(role_word(i.role, locale)), tables.esc(names.get(i.created_by, "—")),
             tables.esc(tables.when(i.created_at)),
             tables.esc(tables.when(i.expires_at) if i.expires_at else t("teams.never")), tables.esc(str(i.uses)),
             tables.badge(t(f"teams.state_{i.state}"), i.state)] for i in invites]
    heads = [t(f"teams.col_{c}") for c in ("link_role", "made_by", "link_created", "expires", "uses", "state")]
    return tables.table(heads, rows, t("teams.no_links"), raw_columns=range(6), row_ids=[i.id for i in invites])


def _hidden_view() -> dict[str, Any]:
    hide = gr.update(visible=False)
    return {"listing": "", "pick": gr.update(choices=[], value=None), "panel": hide, "heading": "", "members": "",
            "manage": hide, "member": gr.update(choices=[], value=None), "member_role": gr.update(),
            "invite_role": gr.update(), "link_role": gr.update(), "links": "",
            "link_pick": gr.update(choices=[], value=None), "settings": hide, "rename": gr.update(value=""),
            "description": gr.update(value=""), "owner": hide, "new_owner": gr.update(choices=[], value=None),
            "leave_box": hide, "link": gr.update(value="", visible=False), "delete_confirm": ""}


# ---------------------------------------------------------------- handlers

# Every handler that redraws the page returns (notice, [its own fields], *VIEW). A refused form keeps the
# page as it is: its bad fields are marked (app.shell.forms), the rest is left alone.
_TEAM_FIELDS = {"rename": None, "description": None, "delete_confirm": None, "new_owner": None, "member": None,
                "member_role": None, "invite_role": None, "link_role": None, "link_pick": None}
_ALIASES = {"confirm": "delete_confirm", "new_owner_id": "new_owner", "member_id": "member", "invite_id": "link_pick"}


def _form(*own: str, **aliases: str) -> Form:
    return Form(("notice", *own, *VIEW), fields={**dict.fromkeys(own), **_TEAM_FIELDS},
                aliases={**_ALIASES, **aliases})


CREATE = _form("new_name", "new_description", name="new_name", description="new_description")
SAVE = _form(name="rename")
DELETE = _form()
LEAVE = _form()
TRANSFER = _form(user_id="new_owner")
INVITE = _form("invite_user", username="invite_user", role="invite_role")
SET_ROLE = _form(role="member_role", user_id="member")
REMOVE = _form(user_id="member")
LINK = _form(role="link_role")
REVOKE_LINK = _form()


def make_handlers(gateway: Any, knowledge: Any) -> SimpleNamespace:
    """The page's handlers over ``gateway`` (who is signed in) and ``knowledge`` (a ``KnowledgeService``; None:
    every handler says teams are not available)."""
    console = gateway.console

    def who(lang: str | None, request: gr.Request | None) -> tuple[str, str]:
        """(locale, user id) of the signed-in caller, looked up again on every call."""
        locale = locale_of(lang, request)
        actor = signed_in(console, request, locale)
        if knowledge is None:
            raise error(translate("teams.unavailable", locale), locale)
        return locale, actor.user_id

    def need(value: Any, field: str, key: str, locale: str) -> Any:
        if not value:
            raise refuse(field, key, locale)
        return value

    def space_name(team: Any, user_id: str, locale: str) -> str:
        """A team's name as shown; the caller's personal space in the page's language (its stored name is
        English: "alice's space")."""
        if not team.personal_of:
            return team.name
        user = gateway.accounts.get(user_id)
        return translate("teams.personal_name", locale, name=user.username if user else team.name)

    def view(locale: str, user_id: str, team_id: str | None = None, *, link: str = "") -> tuple[dict[str, Any], bool]:
        """The page for ``user_id`` with ``team_id`` chosen (else the first: the personal space), by VIEW name;
        and whether ``team_id`` was asked for but is not (or no longer) one of the caller's teams."""
        t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
        teams = knowledge.teams.list_for(user_id)
        team = next((x for x in teams if x.id == team_id), None)
        lost = bool(team_id) and team is None
        team = team or (teams[0] if teams else None)
        out = _hidden_view()
        out["listing"] = teams_html(teams, locale, {x.id: space_name(x, user_id, locale) for x in teams})
        out["pick"] = gr.update(choices=[(t("teams.choice", name=space_name(x, user_id, locale),
                                            role=role_word(x.role, locale)), x.id) for x in teams],
                                value=team.id if team else None)
        if team is None:
            return out, lost
        members = knowledge.teams.members(user_id, team.id)
        personal = team.personal_of is not None
        manage = team.role in ASSIGNABLE and not personal
        owner = team.role == "owner" and not personal
        heading = "teams.heading_personal" if personal else "teams.heading"
        out.update(panel=gr.update(visible=True),
                   heading=t(heading, team=md(space_name(team, user_id, locale)), role=role_word(team.role, locale)),
                   members=members_html(members, user_id, locale), manage=gr.update(visible=manage),
                   settings=gr.update(visible=team.role in ASSIGNABLE),
                   rename=gr.update(value=team.name, visible=not personal),
                   description=gr.update(value=team.description), owner=gr.update(visible=owner),
                   leave_box=gr.update(visible=not personal and team.role != "owner"))
        if manage:
            roles = [(role_word(r, locale), r) for r in ASSIGNABLE[team.role]]
            managed = [m for m in members if m.user_id != user_id and m.role != "owner"
                       and (team.role == "owner" or m.role != "admin")]
            invites = knowledge.teams.invites(user_id, team.id)
            names = {m.user_id: _name(m) for m in members}
            active = [(t("teams.link_choice", role=role_word(i.role, locale), when=tables.when(i.created_at),
                         expiry=expiry_text(i.expires_at, locale)), i.id) for i in invites if i.state == "active"]
            out.update(member=gr.update(choices=[(f"{_name(m)} ({role_word(m.role, locale)})", m.user_id)
                                                 for m in managed], value=None),
                       member_role=gr.update(choices=roles, value=None),
                       invite_role=gr.update(choices=roles, value="member"),
                       link_role=gr.update(choices=roles, value="member"),
                       links=invites_html(invites, names, locale), link_pick=gr.update(choices=active, value=None),
                       link=gr.update(value=link, visible=bool(link)))
        if owner:
            out["new_owner"] = gr.update(choices=[(_name(m), m.user_id) for m in members if m.user_id != user_id],
                                         value=None)
        return out, lost

    def shown(locale: str, user_id: str, team_id: str | None = None, *, link: str = "") -> tuple[Any, ...]:
        """``view`` as a tuple in VIEW's order (for the handlers that are not forms)."""
        out, _ = view(locale, user_id, team_id, link=link)
        return tuple(out[k] for k in VIEW)

    def team_of(locale: str, user_id: str, team_id: str | None) -> Any:
        return knowledge.teams.get(user_id, need(team_id, "pick", "teams.choose_team", locale))

    def member_name(locale: str, user_id: str, team_id: str, member_id: str | None, field: str) -> str:
        need(member_id, field, "teams.choose_member", locale)
        members = knowledge.teams.members(user_id, team_id)
        return next((_name(m) for m in members if m.user_id == member_id), member_id)

    def offer(locale: str, user_id: str, token: str) -> tuple[str, str]:
        """(the join offer of an invite token, a notice instead): "Join **<team>** as <role> (invited by <name>)"
        with the link's expiry; a bad token's refusal, or "already in" for a member, as the notice."""
        if not token:
            return "", ""
        try:
            found = knowledge.teams.peek(user_id, token)
        except KBError as exc:
            return "", md(exc.text(locale))
        role = role_word(found.role, locale)
        if found.member_role:
            return "", translate("teams.already", locale, team=md(found.team),
                                 role=role_word(found.member_role, locale))
        line = (translate("teams.join_offer", locale, team=md(found.team), role=role, name=md(found.inviter))
                if found.inviter else translate("teams.join_offer_plain", locale, team=md(found.team), role=role))
        until = (translate("teams.join_until", locale, when=tables.when(found.expires_at)) if found.expires_at
                 else translate("teams.join_forever", locale))
        return f"#### {line}\n\n{until} {translate('teams.join_text', locale)}", ""

    # -- showing -------------------------------------------------------------------------------------------------
    def load(lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Page load: my teams, ``?team=<id>`` chosen if it is mine, and the join offer of ``?invite=<token>``
        (its team, role and inviter; a token that is not valid says so instead)."""
        locale = locale_of(lang, request)
        actor = signed_in(console, request, locale)
        params = getattr(request, "query_params", None) or {}
        token = str(params.get("invite") or "").strip()
        if knowledge is None:
            return (translate("teams.unavailable", locale), *(_hidden_view()[k] for k in VIEW),
                    gr.update(visible=False), "", "")
        out, lost = view(locale, actor.user_id, str(params.get("team") or "") or None)
        text, refused = offer(locale, actor.user_id, token)
        notice = "\n\n".join(n for n in (refused, translate("teams.no_such_team", locale) if lost else "") if n)
        return (notice, *(out[k] for k in VIEW), gr.update(visible=bool(text)), token if text else "", text)

    def select(team_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        out, lost = view(locale, user_id, team_id or None)
        return (translate("teams.no_such_team", locale) if lost else "", *(out[k] for k in VIEW))

    # -- teams ---------------------------------------------------------------------------------------------------
    @CREATE.guard
    def create(name: str | None, description: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = knowledge.teams.create(user_id, name or "", description or "")
        out, _ = view(locale, user_id, team.id)
        return CREATE.accepted(locale, notice=translate("teams.created", locale, team=md(team.name)), new_name="",
                               new_description="", **out)

    def join(token: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Join the team of an invite link (already in it: nothing changes), then show that team."""
        locale, user_id = who(lang, request)
        before = {x.id for x in knowledge.teams.list_for(user_id)}
        try:
            team = knowledge.teams.join(user_id, token or "")
        except KBError as exc:
            raise error(html.escape(exc.text(locale), quote=False), locale) from None   # shown as HTML
        key = "teams.already" if team.id in before else "teams.joined"
        return (translate(key, locale, team=md(team.name), role=role_word(team.role, locale)),
                *shown(locale, user_id, team.id), gr.update(visible=False), "")

    @SAVE.guard
    def save(team_id: str | None, name: str | None, description: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        new_name = None if team.personal_of else (name or "")
        team = knowledge.teams.update(user_id, team.id, name=new_name, description=description or "")
        out, _ = view(locale, user_id, team.id)
        notice = translate("teams.saved", locale, team=md(space_name(team, user_id, locale)))
        return SAVE.accepted(locale, notice=notice, **out)

    @DELETE.guard
    def delete(team_id: str | None, confirm: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Delete the team (owner; refused while it has knowledge bases) once its name is typed to confirm."""
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        if " ".join((confirm or "").split()) != team.name:
            raise refuse("delete_confirm", "teams.delete_mismatch", locale, team=team.name)
        knowledge.teams.delete_team(user_id, team.id)
        out, _ = view(locale, user_id)
        return DELETE.accepted(locale, notice=translate("teams.deleted", locale, team=md(team.name)), **out)

    @LEAVE.guard
    def leave(team_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        knowledge.teams.leave(user_id, team.id)
        out, _ = view(locale, user_id)
        return LEAVE.accepted(locale, notice=translate("teams.left", locale, team=md(team.name)), **out)

    @TRANSFER.guard
    def transfer(team_id: str | None, new_owner_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        name = member_name(locale, user_id, team.id, new_owner_id, "new_owner")
        knowledge.teams.transfer(user_id, team.id, new_owner_id)
        out, _ = view(locale, user_id, team.id)
        return TRANSFER.accepted(locale, notice=translate("teams.transferred", locale, name=md(name),
                                                          team=md(team.name)), **out)

    # -- members -------------------------------------------------------------------------------------------------
    @INVITE.guard
    def invite(team_id: str | None, username: str | None, role: str | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        member = knowledge.teams.invite(user_id, team.id, username or "",
                                        need(role, "invite_role", "teams.choose_role", locale))
        out, _ = view(locale, user_id, team.id)
        return INVITE.accepted(locale, notice=translate("teams.invited", locale, name=md(_name(member)),
                                                        team=md(team.name), role=role_word(member.role, locale)),
                               invite_user="", **out)

    @SET_ROLE.guard
    def set_role(team_id: str | None, member_id: str | None, role: str | None, lang: str,
                 request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        need(member_id, "member", "teams.choose_member", locale)
        member = knowledge.teams.set_role(user_id, team.id, member_id,
                                          need(role, "member_role", "teams.choose_role", locale))
        out, _ = view(locale, user_id, team.id)
        return SET_ROLE.accepted(locale, notice=translate("teams.role_changed", locale, name=md(_name(member)),
                                                          team=md(team.name), role=role_word(member.role, locale)),
                                 **out)

    @REMOVE.guard
    def remove(team_id: str | None, member_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        name = member_name(locale, user_id, team.id, member_id, "member")
        knowledge.teams.remove_member(user_id, team.id, member_id)
        out, _ = view(locale, user_id, team.id)
        return REMOVE.accepted(locale, notice=translate("teams.removed", locale, name=md(name), team=md(team.name)),
                               **out)

    # -- invite links --------------------------------------------------------------------------------------------
    @LINK.guard
    def create_link(team_id: str | None, role: str | None, expiry: str | None, page_url: str | None, lang: str,
                    request: gr.Request) -> tuple[Any, ...]:
        """A new invite link, shown once as ``<this page's address>?invite=<token>``."""
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        if expiry not in EXPIRIES:
            raise refuse(None, "teams.choose_expiry", locale)
        role = need(role, "link_role", "teams.choose_role", locale)
        made, token = knowledge.teams.invite_link(user_id, team.id, role, EXPIRIES[expiry])
        page = (page_url or "").split("?")[0].split("#")[0].rstrip("/")
        if not page.startswith(("http://", "https://")):
            page = base_url_for(request, "/teams")
        out, _ = view(locale, user_id, team.id, link=f"{page}?invite={token}")
        return LINK.accepted(locale, notice=translate("teams.link_created", locale, team=md(team.name),
                                                      role=role_word(made.role, locale),
                                                      expiry=expiry_text(made.expires_at, locale)), **out)

    @REVOKE_LINK.guard
    def revoke_link(team_id: str | None, invite_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = who(lang, request)
        team = team_of(locale, user_id, team_id)
        knowledge.teams.revoke_invite(user_id, need(invite_id, "link_pick", "teams.choose_link", locale))
        out, _ = view(locale, user_id, team.id)
        return REVOKE_LINK.accepted(locale, notice=translate("teams.link_revoked", locale), **out)

    return SimpleNamespace(load=load, select=select, create=create, join=join, save=save, delete=delete,
                           leave=leave, transfer=transfer, invite=invite, set_role=set_role, remove=remove,
                           create_link=create_link, revoke_link=revoke_link)


# ---------------------------------------------------------------- layout


def _roles(i18n: gr.I18n, *roles: str) -> list[tuple[Any, str]]:
    return [(i18n(f"teams.role_{r}"), r) for r in roles]


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, knowledge: Any = None) -> None:
    """Lay out the teams page in the current route and wire it (``knowledge`` None: it says teams are off)."""
    h = make_handlers(gateway, knowledge)
    lang = gr.Textbox(visible=False)
    page_url = gr.Textbox(visible=False)
    token = gr.Textbox(visible=False)
    gr.Markdown(i18n("teams.title"))
    gr.Markdown(i18n("teams.intro"))
    with gr.Column(visible=False, elem_id="teams-join") as join_box:
        join_text = gr.Markdown(elem_id="teams-join-text")
        join_btn = gr.Button(i18n("teams.join"), variant="primary", elem_id="teams-join-btn")
    notice = gr.Markdown(elem_id="teams-notice")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            listing = gr.HTML(css_template=CSS, elem_id="teams-list")
            with gr.Accordion(i18n("teams.create_heading"), open=False, elem_id="teams-create-box"):
                new_name = gr.Textbox(label=i18n("teams.f_name"), placeholder=i18n("teams.f_name_hint"), max_lines=1,
                                      elem_id="teams-new-name")
                new_description = gr.Textbox(label=i18n("teams.f_description"), lines=2,
                                             elem_id="teams-new-description")
                create_btn = gr.Button(i18n("teams.create"), variant="primary", elem_id="teams-create")
            refresh_btn = gr.Button(i18n("teams.refresh"), size="sm", elem_id="teams-refresh")
        with gr.Column(scale=3):
            pick = gr.Dropdown(label=i18n("teams.pick"), choices=[], elem_id="teams-pick")
            with gr.Column(visible=False, elem_id="teams-panel") as panel:
                heading = gr.Markdown(elem_id="teams-heading")
                gr.Markdown(i18n("teams.members_heading"))
                members = gr.HTML(css_template=CSS, elem_id="teams-members")
                with gr.Column(visible=False, elem_id="teams-manage") as manage:
                    gr.Markdown(i18n("teams.manage_heading"))
                    with gr.Row(equal_height=True):
                        member = gr.Dropdown(label=i18n("teams.member"), choices=[], scale=2, elem_id="teams-member")
                        member_role = gr.Dropdown(label=i18n("teams.new_role"), scale=1,
                                                  choices=_roles(i18n, "admin", "member", "viewer"),
                                                  elem_id="teams-member-role")
                    with gr.Row():
                        role_btn = gr.Button(i18n("teams.set_role"), elem_id="teams-set-role")
                        remove_btn = gr.Button(i18n("teams.remove"), variant="stop", elem_id="teams-remove")
                    gr.Markdown(i18n("teams.invite_heading"))
                    with gr.Row(equal_height=True):
                        invite_user = gr.Textbox(label=i18n("teams.invite_user"), max_lines=1, scale=2,
                                                 placeholder=i18n("teams.invite_user_hint"),
                                                 elem_id="teams-invite-user")
                        invite_role = gr.Dropdown(label=i18n("teams.invite_role"), value="member", scale=1,
                                                  choices=_roles(i18n, "admin", "member", "viewer"),
                                                  elem_id="teams-invite-role")
                        invite_btn = gr.Button(i18n("teams.invite"), variant="primary", scale=1,
                                               elem_id="teams-invite")
                    with gr.Accordion(i18n("teams.links_heading"), open=False, elem_id="teams-links-box"):
                        gr.Markdown(i18n("teams.links_intro"))
                        with gr.Row(equal_height=True):
                            link_role = gr.Dropdown(label=i18n("teams.link_role"), value="member",
                                                    choices=_roles(i18n, "admin", "member", "viewer"),
                                                    elem_id="teams-link-role")
                            link_expiry = gr.Dropdown(label=i18n("teams.link_expiry"), value="7",
                                                      elem_id="teams-link-expiry",
                                                      choices=[(i18n(f"teams.expiry_{k}"), k) for k in EXPIRIES])
                            link_btn = gr.Button(i18n("teams.link_create"), variant="primary",
                                                 elem_id="teams-link-create")
                        link = gr.Textbox(label=i18n("teams.link_label"), visible=False, interactive=False,
                                          buttons=["copy"], elem_id="teams-link")
                        links = gr.HTML(css_template=CSS, elem_id="teams-links")
                        with gr.Row(equal_height=True):
                            link_pick = gr.Dropdown(label=i18n("teams.link_pick"), choices=[], scale=3,
                                                    elem_id="teams-link-pick")
                            revoke_btn = gr.Button(i18n("teams.link_revoke"), variant="stop", scale=1,
                                                   elem_id="teams-link-revoke")
                with gr.Accordion(i18n("teams.settings_heading"), open=False, visible=False,
                                  elem_id="teams-settings") as settings:
                    rename = gr.Textbox(label=i18n("teams.f_rename"), max_lines=1, elem_id="teams-rename")
                    description = gr.Textbox(label=i18n("teams.f_description"), lines=2, elem_id="teams-description")
                    save_btn = gr.Button(i18n("teams.save"), elem_id="teams-save")
                with gr.Accordion(i18n("teams.owner_heading"), open=False, visible=False,
                                  elem_id="teams-owner") as owner:
                    with gr.Row(equal_height=True):
                        new_owner = gr.Dropdown(label=i18n("teams.new_owner"), choices=[], scale=3,
                                                elem_id="teams-new-owner")
                        transfer_btn = gr.Button(i18n("teams.transfer"), scale=1, elem_id="teams-transfer")
                    with gr.Row(equal_height=True):
                        delete_confirm = gr.Textbox(label=i18n("teams.delete_confirm"), max_lines=1, scale=3,
                                                    elem_id="teams-delete-confirm")
                        delete_btn = gr.Button(i18n("teams.delete"), variant="stop", scale=1, elem_id="teams-delete")
                with gr.Accordion(i18n("teams.leave_heading"), open=False, visible=False,
                                  elem_id="teams-leave-box") as leave_box:
                    leave_btn = gr.Button(i18n("teams.leave"), variant="stop", elem_id="teams-leave")

    shown = [listing, pick, panel, heading, members, manage, member, member_role, invite_role, link_role, links,
             link_pick, settings, rename, description, owner, new_owner, leave_box, link, delete_confirm]
    drawn = [notice, *shown]
    marked = [rename, description, delete_confirm, new_owner, member, member_role, invite_role, link_role, link_pick]
    # no progress overlay on anything: on a failed call Gradio would cover each output with an error badge
    js = {"js": WITH_LANG_JS, "show_progress": "hidden"}

    def form(event: Any, *fields: Any) -> None:
        focus_first_bad(event, [*fields, *marked])

    page.load(h.load, inputs=[lang], outputs=[*drawn, join_box, token, join_text], api_name="teams_load", **js)
    gr.on([pick.input, refresh_btn.click], h.select, inputs=[pick, lang], outputs=drawn, api_name="teams_select",
          **js)
    pick.change(None, inputs=[pick], js=URL_JS)
    join_btn.click(h.join, inputs=[token, lang], outputs=[*drawn, join_box, token], api_name="teams_join",
                   **js).success(None, js=JOINED_JS)
    form(create_btn.click(h.create, inputs=[new_name, new_description, lang],
                          outputs=[notice, new_name, new_description, *shown], api_name="teams_create", **js),
         new_name, new_description)
    form(save_btn.click(h.save, inputs=[pick, rename, description, lang], outputs=drawn, api_name="teams_save", **js))
    form(delete_btn.click(h.delete, inputs=[pick, delete_confirm, lang], outputs=drawn, api_name="teams_delete",
                          **js))
    form(leave_btn.click(h.leave, inputs=[pick, lang], outputs=drawn, api_name="teams_leave", **js))
    form(transfer_btn.click(h.transfer, inputs=[pick, new_owner, lang], outputs=drawn, api_name="teams_transfer",
                            **js))
    form(gr.on([invite_btn.click, invite_user.submit], h.invite, inputs=[pick, invite_user, invite_role, lang],
               outputs=[notice, invite_user, *shown], api_name="teams_invite", **js), invite_user)
    form(role_btn.click(h.set_role, inputs=[pick, member, member_role, lang], outputs=drawn,
                        api_name="teams_set_role", **js))
    form(remove_btn.click(h.remove, inputs=[pick, member, lang], outputs=drawn, api_name="teams_remove", **js))
    form(link_btn.click(h.create_link, inputs=[pick, link_role, link_expiry, page_url, lang], outputs=drawn,
                        api_name="teams_create_link", js=PAGE_URL_JS, show_progress="hidden"))
    form(revoke_btn.click(h.revoke_link, inputs=[pick, link_pick, lang], outputs=drawn, api_name="teams_revoke_link",
                          **js))
