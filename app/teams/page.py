"""Teams page: my teams and my personal space with my role; create a team; the chosen team's members and
roles (change, remove), invites by username and by link (made with a role and an expiry, shown once as
``<page>/teams?invite=<token>``, listed with their state, revoked), leave, transfer the ownership, rename,
delete. Opening ``/teams?invite=<token>`` while signed in offers to join (the team, the role, who invited,
until when; a link no longer valid says so), then shows the team.

``TeamsPage(services, knowledge)`` holds the handlers (methods, tested directly). The page is drawn as a
``TeamsView``: ``load``, ``select`` and ``join`` answer with views that extend it, and every form returns its fields
by name among its outputs. Each handler looks the signed-in user up again and passes the user id to
``knowledge.teams`` (``workbench.kb.teams``), which checks the role itself: a team the caller is not in reads as
missing, a role too weak is refused naming the role needed. Buttons a role may not use are hidden, but the service
is the authorization. The chosen team's id lives in the page (the team dropdown, and ``?team=<id>`` in the address
so a reload reopens it), never in module state.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

import gradio as gr

from app.home.page import base_url_for
from app.shell import tables
from app.shell.access import WITH_LANG_JS, error, locale_of, signed_in
from app.shell.forms import Form, focus_first_bad, refuse
from app.shell.i18n import translate
from app.shell.views import View, shown
from gateway.accounts.console import Console
from gateway.accounts.users import Accounts
from workbench.kb.errors import KBError

if TYPE_CHECKING:
    from workbench.kb.service import KnowledgeService

EXPIRIES = {"1": timedelta(days=1), "7": timedelta(days=7), "30": timedelta(days=30), "never": None}
ASSIGNABLE = {"owner": ("admin", "member", "viewer"), "admin": ("member", "viewer")}
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


@dataclass
class TeamsView(View):
    """The page as drawn for the caller: their teams, the chosen one, and what their role may do in it. Every
    handler that redraws the page answers with it (the forms by these names, among their outputs)."""

    listing: str                  # the caller's teams (HTML)
    team: Any                     # the team chosen (dropdown update: the caller's teams with their role)
    panel: Any                    # the chosen team's panel (shown when there is a team)
    heading: str                  # the team and the caller's role (Markdown)
    members: str                  # its members (HTML)
    manage: Any                   # the members' management (owner and admin of a team)
    member: Any                   # the members the caller may manage (dropdown update)
    member_role: Any              # the roles the caller may give (dropdown update)
    invite_role: Any
    link_role: Any
    links: str                    # the invite links with their state (HTML)
    link_pick: Any                # the active links one may revoke (dropdown update)
    settings: Any                 # rename, describe (owner and admin)
    rename: Any                   # the name (hidden for a personal space: its name is the user's)
    description: Any
    owner: Any                    # transfer, delete (the owner of a team)
    new_owner: Any                # whom to transfer to (dropdown update)
    leave_box: Any                # leave (a team one does not own)
    link: Any                     # a new invite link, shown once
    delete_confirm: Any           # the box where the team's name is typed to delete it


@dataclass
class ShownView(TeamsView):
    """A team chosen (or the page refreshed): the page and a notice (the team asked for is not the caller's)."""

    notice: str


@dataclass
class JoinedView(ShownView):
    """An invite link used: the page with the team joined, the join offer hidden and its token forgotten."""

    join_box: Any
    token: str


@dataclass
class LoadedView(JoinedView):
    """Page load: the page (``?team=<id>`` chosen if it is the caller's) and the join offer of ``?invite=<token>``
    (its team, role and inviter; a token that is not valid is said in the notice instead)."""

    join_text: str


VIEW = TeamsView.names()


def _hidden_view() -> dict[str, Any]:
    hide = gr.update(visible=False)
    return {"listing": "", "team": gr.update(choices=[], value=None), "panel": hide, "heading": "", "members": "",
            "manage": hide, "member": gr.update(choices=[], value=None), "member_role": gr.update(),
            "invite_role": gr.update(), "link_role": gr.update(), "links": "",
            "link_pick": gr.update(choices=[], value=None), "settings": hide, "rename": gr.update(value=""),
            "description": gr.update(value=""), "owner": hide, "new_owner": gr.update(choices=[], value=None),
            "leave_box": hide, "link": gr.update(value="", visible=False), "delete_confirm": ""}


def _fields(view: View) -> dict[str, Any]:
    """A view's fields by name (a form's outputs include them)."""
    return dict(zip(view.names(), view.outputs(), strict=True))


def _need(value: Any, field: str, key: str, locale: str) -> Any:
    if not value:
        raise refuse(field, key, locale)
    return value


# ---------------------------------------------------------------- handlers

# Every form that redraws the page returns (notice, [its own fields], *VIEW). A refused form keeps the
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


class TeamsServices(Protocol):
    """What the teams page uses of the gateway (``gateway.service.Gateway`` has each of them)."""

    console: Console              # who is signed in
    accounts: Accounts            # the name of a personal space's owner


class TeamsPage:
    """The teams page's handlers over ``services`` (who is signed in) and ``knowledge`` (a ``KnowledgeService``,
    whose ``teams`` checks every role; None: every handler says teams are not available)."""

    def __init__(self, services: TeamsServices, knowledge: KnowledgeService | None) -> None:
        self.services = services
        self.knowledge = knowledge

    def _who(self, lang: str | None, request: gr.Request | None) -> tuple[str, str]:
        """(locale, user id) of the signed-in caller, looked up again on every call."""
        locale = locale_of(lang, request)
        actor = signed_in(self.services.console, request, locale)
        if self.knowledge is None:
            raise error(translate("teams.unavailable", locale), locale)
        return locale, actor.user_id

    def _space_name(self, team: Any, user_id: str, locale: str) -> str:
        """A team's name as shown; the caller's personal space in the page's language (its stored name is
        English: "alice's space")."""
        if not team.personal_of:
            return team.name
        user = self.services.accounts.get(user_id)
        return translate("teams.personal_name", locale, name=user.username if user else team.name)

    def _draw(self, locale: str, user_id: str, team_id: str | None = None, *,
              link: str = "") -> tuple[TeamsView, bool]:
        """The page for ``user_id`` with ``team_id`` chosen (else the first: the personal space); and whether
        ``team_id`` was asked for but is not (or no longer) one of the caller's teams."""
        t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
        service = self.knowledge.teams
        name = lambda team: self._space_name(team, user_id, locale)  # noqa: E731
        teams = service.list_for(user_id)
        team = next((x for x in teams if x.id == team_id), None)
        lost = bool(team_id) and team is None
        team = team or (teams[0] if teams else None)
        out = _hidden_view()
        out["listing"] = teams_html(teams, locale, {x.id: name(x) for x in teams})
        out["team"] = gr.update(choices=[(t("teams.choice", name=name(x), role=role_word(x.role, locale)), x.id)
                                         for x in teams], value=team.id if team else None)
        if team is None:
            return TeamsView(**out), lost
        members = service.members(user_id, team.id)
        personal = team.personal_of is not None
        manage = team.role in ASSIGNABLE and not personal
        owner = team.role == "owner" and not personal
        heading = "teams.heading_personal" if personal else "teams.heading"
        out.update(panel=gr.update(visible=True),
                   heading=t(heading, team=md(name(team)), role=role_word(team.role, locale)),
                   members=members_html(members, user_id, locale), manage=gr.update(visible=manage),
                   settings=gr.update(visible=team.role in ASSIGNABLE),
                   rename=gr.update(value=team.name, visible=not personal),
                   description=gr.update(value=team.description), owner=gr.update(visible=owner),
                   leave_box=gr.update(visible=not personal and team.role != "owner"))
        if manage:
            roles = [(role_word(r, locale), r) for r in ASSIGNABLE[team.role]]
            managed = [m for m in members if m.user_id != user_id and m.role != "owner"
                       and (team.role == "owner" or m.role != "admin")]
            invites = service.invites(user_id, team.id)
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
        return TeamsView(**out), lost

    def _drawn(self, locale: str, user_id: str, team_id: str | None = None, *, link: str = "") -> dict[str, Any]:
        """The page by field name, for a form's outputs."""
        return _fields(self._draw(locale, user_id, team_id, link=link)[0])

    def _team_of(self, locale: str, user_id: str, team_id: str | None) -> Any:
        return self.knowledge.teams.get(user_id, _need(team_id, "team", "teams.choose_team", locale))

    def _member_name(self, locale: str, user_id: str, team_id: str, member_id: str | None, field: str) -> str:
        _need(member_id, field, "teams.choose_member", locale)
        members = self.knowledge.teams.members(user_id, team_id)
        return next((_name(m) for m in members if m.user_id == member_id), member_id)

    def _offer(self, locale: str, user_id: str, token: str) -> tuple[str, str]:
        """(the join offer of an invite token, a notice instead): "Join **<team>** as <role> (invited by <name>)"
        with the link's expiry; a bad token's refusal, or "already in" for a member, as the notice."""
        if not token:
            return "", ""
        try:
            found = self.knowledge.teams.peek(user_id, token)
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
    def load(self, lang: str, request: gr.Request) -> LoadedView:
        """Page load: my teams, ``?team=<id>`` chosen if it is mine, and the join offer of ``?invite=<token>``
        (its team, role and inviter; a token that is not valid says so instead)."""
        locale = locale_of(lang, request)
        actor = signed_in(self.services.console, request, locale)
        params = getattr(request, "query_params", None) or {}
        token = str(params.get("invite") or "").strip()
        if self.knowledge is None:
            return LoadedView(**_hidden_view(), notice=translate("teams.unavailable", locale),
                              join_box=gr.update(visible=False), token="", join_text="")
        view, lost = self._draw(locale, actor.user_id, str(params.get("team") or "") or None)
        text, refused = self._offer(locale, actor.user_id, token)
        notice = "\n\n".join(n for n in (refused, translate("teams.no_such_team", locale) if lost else "") if n)
        return LoadedView(**_fields(view), notice=notice, join_box=gr.update(visible=bool(text)),
                          token=token if text else "", join_text=text)

    def select(self, team_id: str | None, lang: str, request: gr.Request) -> ShownView:
        locale, user_id = self._who(lang, request)
        view, lost = self._draw(locale, user_id, team_id or None)
        return ShownView(**_fields(view), notice=translate("teams.no_such_team", locale) if lost else "")

    # -- teams ---------------------------------------------------------------------------------------------------
    @CREATE.guard
    def create(self, name: str | None, description: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self.knowledge.teams.create(user_id, name or "", description or "")
        return CREATE.accepted(locale, notice=translate("teams.created", locale, team=md(team.name)), new_name="",
                               new_description="", **self._drawn(locale, user_id, team.id))

    def join(self, token: str | None, lang: str, request: gr.Request) -> JoinedView:
        """Join the team of an invite link (already in it: nothing changes), then show that team."""
        locale, user_id = self._who(lang, request)
        before = {x.id for x in self.knowledge.teams.list_for(user_id)}
        try:
            team = self.knowledge.teams.join(user_id, token or "")
        except KBError as exc:
            raise error(html.escape(exc.text(locale), quote=False), locale) from None   # shown as HTML
        key = "teams.already" if team.id in before else "teams.joined"
        view, _ = self._draw(locale, user_id, team.id)
        return JoinedView(**_fields(view), notice=translate(key, locale, team=md(team.name),
                                                            role=role_word(team.role, locale)),
                          join_box=gr.update(visible=False), token="")

    @SAVE.guard
    def save(self, team_id: str | None, name: str | None, description: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        new_name = None if team.personal_of else (name or "")
        team = self.knowledge.teams.update(user_id, team.id, name=new_name, description=description or "")
        notice = translate("teams.saved", locale, team=md(self._space_name(team, user_id, locale)))
        return SAVE.accepted(locale, notice=notice, **self._drawn(locale, user_id, team.id))

    @DELETE.guard
    def delete(self, team_id: str | None, confirm: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Delete the team (owner; refused while it has knowledge bases) once its name is typed to confirm."""
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        if " ".join((confirm or "").split()) != team.name:
            raise refuse("delete_confirm", "teams.delete_mismatch", locale, team=team.name)
        self.knowledge.teams.delete_team(user_id, team.id)
        return DELETE.accepted(locale, notice=translate("teams.deleted", locale, team=md(team.name)),
                               **self._drawn(locale, user_id))

    @LEAVE.guard
    def leave(self, team_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        self.knowledge.teams.leave(user_id, team.id)
        return LEAVE.accepted(locale, notice=translate("teams.left", locale, team=md(team.name)),
                              **self._drawn(locale, user_id))

    @TRANSFER.guard
    def transfer(self, team_id: str | None, new_owner_id: str | None, lang: str,
                 request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        name = self._member_name(locale, user_id, team.id, new_owner_id, "new_owner")
        self.knowledge.teams.transfer(user_id, team.id, new_owner_id)
        return TRANSFER.accepted(locale, notice=translate("teams.transferred", locale, name=md(name),
                                                          team=md(team.name)),
                                 **self._drawn(locale, user_id, team.id))

    # -- members -------------------------------------------------------------------------------------------------
    @INVITE.guard
    def invite(self, team_id: str | None, username: str | None, role: str | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        member = self.knowledge.teams.invite(user_id, team.id, username or "",
                                             _need(role, "invite_role", "teams.choose_role", locale))
        return INVITE.accepted(locale, notice=translate("teams.invited", locale, name=md(_name(member)),
                                                        team=md(team.name), role=role_word(member.role, locale)),
                               invite_user="", **self._drawn(locale, user_id, team.id))

    @SET_ROLE.guard
    def set_role(self, team_id: str | None, member_id: str | None, role: str | None, lang: str,
                 request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        _need(member_id, "member", "teams.choose_member", locale)
        member = self.knowledge.teams.set_role(user_id, team.id, member_id,
                                               _need(role, "member_role", "teams.choose_role", locale))
        return SET_ROLE.accepted(locale, notice=translate("teams.role_changed", locale, name=md(_name(member)),
                                                          team=md(team.name), role=role_word(member.role, locale)),
                                 **self._drawn(locale, user_id, team.id))

    @REMOVE.guard
    def remove(self, team_id: str | None, member_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        name = self._member_name(locale, user_id, team.id, member_id, "member")
        self.knowledge.teams.remove_member(user_id, team.id, member_id)
        return REMOVE.accepted(locale, notice=translate("teams.removed", locale, name=md(name), team=md(team.name)),
                               **self._drawn(locale, user_id, team.id))

    # -- invite links --------------------------------------------------------------------------------------------
    @LINK.guard
    def create_link(self, team_id: str | None, role: str | None, expiry: str | None, page_url: str | None,
                    lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A new invite link, shown once as ``<this page's address>?invite=<token>``."""
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        if expiry not in EXPIRIES:
            raise refuse(None, "teams.choose_expiry", locale)
        role = _need(role, "link_role", "teams.choose_role", locale)
        made, token = self.knowledge.teams.invite_link(user_id, team.id, role, EXPIRIES[expiry])
        page = (page_url or "").split("?")[0].split("#")[0].rstrip("/")
        if not page.startswith(("http://", "https://")):
            page = base_url_for(request, "/teams")
        return LINK.accepted(locale, notice=translate("teams.link_created", locale, team=md(team.name),
                                                      role=role_word(made.role, locale),
                                                      expiry=expiry_text(made.expires_at, locale)),
                             **self._drawn(locale, user_id, team.id, link=f"{page}?invite={token}"))

    @REVOKE_LINK.guard
    def revoke_link(self, team_id: str | None, invite_id: str | None, lang: str,
                    request: gr.Request) -> tuple[Any, ...]:
        locale, user_id = self._who(lang, request)
        team = self._team_of(locale, user_id, team_id)
        self.knowledge.teams.revoke_invite(user_id, _need(invite_id, "link_pick", "teams.choose_link", locale))
        return REVOKE_LINK.accepted(locale, notice=translate("teams.link_revoked", locale),
                                    **self._drawn(locale, user_id, team.id))


    # ------------------------------------------------------------ layout

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the teams page in the current route and wire it."""
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
                    new_name = gr.Textbox(label=i18n("teams.f_name"), placeholder=i18n("teams.f_name_hint"),
                                          max_lines=1, elem_id="teams-new-name")
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
                            member = gr.Dropdown(label=i18n("teams.member"), choices=[], scale=2,
                                                 elem_id="teams-member")
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
                        description = gr.Textbox(label=i18n("teams.f_description"), lines=2,
                                                 elem_id="teams-description")
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
                            delete_btn = gr.Button(i18n("teams.delete"), variant="stop", scale=1,
                                                   elem_id="teams-delete")
                    with gr.Accordion(i18n("teams.leave_heading"), open=False, visible=False,
                                      elem_id="teams-leave-box") as leave_box:
                        leave_btn = gr.Button(i18n("teams.leave"), variant="stop", elem_id="teams-leave")

        components = {
            "notice": notice, "listing": listing, "team": pick, "panel": panel, "heading": heading, "members": members,
            "manage": manage, "member": member, "member_role": member_role, "invite_role": invite_role,
            "link_role": link_role, "links": links, "link_pick": link_pick, "settings": settings, "rename": rename,
            "description": description, "owner": owner, "new_owner": new_owner, "leave_box": leave_box, "link": link,
            "delete_confirm": delete_confirm, "join_box": join_box, "token": token, "join_text": join_text,
            "new_name": new_name, "new_description": new_description, "invite_user": invite_user}
        marked = [rename, description, delete_confirm, new_owner, member, member_role, invite_role, link_role,
                  link_pick]
        # no progress overlay on anything: on a failed call Gradio would cover each output with an error badge
        js = {"js": WITH_LANG_JS, "show_progress": "hidden"}

        def outputs(spec: Form) -> list[Any]:
            """A form's outputs, by its names."""
            return [components[name] for name in spec.outputs]

        def form(event: Any, *fields: Any) -> None:
            focus_first_bad(event, [*fields, *marked])

        page.load(shown(self.load), inputs=[lang], outputs=LoadedView.pick(components), api_name="teams_load", **js)
        gr.on([pick.input, refresh_btn.click], shown(self.select), inputs=[pick, lang],
              outputs=ShownView.pick(components), api_name="teams_select", **js)
        pick.change(None, inputs=[pick], js=URL_JS)
        join_btn.click(shown(self.join), inputs=[token, lang], outputs=JoinedView.pick(components),
                       api_name="teams_join", **js).success(None, js=JOINED_JS)
        form(create_btn.click(self.create, inputs=[new_name, new_description, lang], outputs=outputs(CREATE),
                              api_name="teams_create", **js), new_name, new_description)
        form(save_btn.click(self.save, inputs=[pick, rename, description, lang], outputs=outputs(SAVE),
                            api_name="teams_save", **js))
        form(delete_btn.click(self.delete, inputs=[pick, delete_confirm, lang], outputs=outputs(DELETE),
                              api_name="teams_delete", **js))
        form(leave_btn.click(self.leave, inputs=[pick, lang], outputs=outputs(LEAVE), api_name="teams_leave", **js))
        form(transfer_btn.click(self.transfer, inputs=[pick, new_owner, lang], outputs=outputs(TRANSFER),
                                api_name="teams_transfer", **js))
        form(gr.on([invite_btn.click, invite_user.submit], self.invite, inputs=[pick, invite_user, invite_role, lang],
                   outputs=outputs(INVITE), api_name="teams_invite", **js), invite_user)
        form(role_btn.click(self.set_role, inputs=[pick, member, member_role, lang], outputs=outputs(SET_ROLE),
                            api_name="teams_set_role", **js))
        form(remove_btn.click(self.remove, inputs=[pick, member, lang], outputs=outputs(REMOVE),
                              api_name="teams_remove", **js))
        form(link_btn.click(self.create_link, inputs=[pick, link_role, link_expiry, page_url, lang],
                            outputs=outputs(LINK), api_name="teams_create_link", js=PAGE_URL_JS,
                            show_progress="hidden"))
        form(revoke_btn.click(self.revoke_link, inputs=[pick, link_pick, lang], outputs=outputs(REVOKE_LINK),
                              api_name="teams_revoke_link", **js))


# ---------------------------------------------------------------- layout


def _roles(i18n: gr.I18n, *roles: str) -> list[tuple[Any, str]]:
    return [(i18n(f"teams.role_{r}"), r) for r in roles]


def build(page: gr.Blocks, gateway: TeamsServices, i18n: gr.I18n, knowledge: KnowledgeService | None = None) -> None:
    """Lay out the teams page in the current route (``knowledge`` None: it says teams are off)."""
    TeamsPage(gateway, knowledge).build(page, i18n)
