"""The MCP page's "Tool groups" tab: the caller's groups (their own and their teams'), a form to make or change one
(address name, name, description, for them or a team they manage, members, renames, the two options), and for the
open group (or, with none open, the workbench's own tools) its endpoint's addresses and each MCP client's
configuration (``workbench.mcp.client_config``) with the key left as a placeholder.

``GroupHandlers`` extends ``CatalogueHandlers``; every handler looks the caller up again (``McpContext.who``) and
asks ``workbench.mcp.groups.Groups`` with that viewer, which decides: another's group is refused with the words of a
missing one, a team's is changed by its owners and admins only, a member must name a server the caller may see.
What the form offers as members is the caller's approved tools (``McpHub.usable_tools``) and the workbench's own
tools; what an endpoint gives is decided again on every call (``workbench.mcp.surface``). Each handler answers all
of ``group_view.GROUP``'s outputs: a refusal is shown in the notice and at its field, what was typed kept.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.mcp.context import Caller, t
from app.mcp.group_view import (
    GROUP,
    all_label,
    endpoint,
    group_choices,
    groups_html,
    member_value,
    members_of,
    renames_text,
    tool_label,
    url_of,
    with_renames,
)
from app.mcp.handlers import CatalogueHandlers
from app.shell.access import error
from app.shell.forms import Refusal, literal, problem_of
from shared.locale import language
from workbench.errors import WorkbenchError
from workbench.mcp.groups import WORKBENCH, Group, GroupDraft, Groups


class GroupHandlers(CatalogueHandlers):
    """The tool groups tab (see the module doc)."""

    # -- parts -------------------------------------------------------------------------------------------------
    def _store(self, caller: Caller) -> Groups:
        groups = self.ctx.mcp.groups
        if groups is None:
            raise error(t(caller.locale, "mcp.groups_unavailable"), caller.locale)
        return groups

    def own_choices(self, locale: str) -> list[tuple[str, str]]:
        """The workbench's own tools (``McpSetup.own``): all of them, then each."""
        server = t(locale, "mcp.workbench_name")
        own = self.ctx.mcp.own
        zh = language(locale) == "zh"
        tools = [(tool.name, (tool.zh_title if zh else tool.title) or "") for tool in (own.tools() if own else ())]
        return [(t(locale, "mcp.group_own_all", server=server), WORKBENCH),
                *((tool_label(server, name, title, locale), member_value(WORKBENCH, name)) for name, title in tools)]

    def member_choices(self, caller: Caller, group: Group | None = None) -> list[tuple[str, str]]:
        """What the caller may put in a group: each enabled server they may see with approved tools (all its tools,
        then each), the workbench's own tools, and the members of ``group`` no longer among them (said so)."""
        locale, out = caller.locale, []
        for entry in self.ctx.mcp.catalogue.list(caller.viewer):
            tools = self.usable(caller, entry) if entry.enabled else []
            if not tools:
                continue
            title = entry.listing(locale).title
            out.append((all_label(title, locale), entry.id))
            out += [(tool_label(title, tool.name, tool.title, locale), member_value(entry.id, tool.name))
                    for tool in tools]
        out += self.own_choices(locale)
        offered = {value for _, value in out}
        for member in group.members if group is not None else ():
            value = member_value(member.entry_id, member.tool)
            if value not in offered:
                out.append((t(locale, "mcp.group_member_gone", member=value), value))
                offered.add(value)
        return out

    def owner_choices(self, caller: Caller, group: Group | None) -> tuple[Any, Any]:
        """Whom a group may be for (the caller; a team they manage) and the teams, the open group's own kept."""
        managed = [(team.name, team.id) for team in caller.teams
                   if team.id in caller.viewer.managed_team_ids and not getattr(team, "personal_of", None)]
        if group is not None and group.visibility == "team" and group.owner_id not in {i for _, i in managed}:
            managed += [(team.name, team.id) for team in caller.teams if team.id == group.owner_id]
        scopes = [(t(caller.locale, "mcp.for_me"), "user")]
        if managed:
            scopes.append((t(caller.locale, "mcp.for_team"), "team"))
        team = group.owner_id if group is not None and group.visibility == "team" else None
        return (gr.update(choices=scopes, value=group.visibility if group is not None else "user"),
                gr.update(choices=managed, value=team or (managed[0][1] if managed else None)))

    def tab(self, caller: Caller, group: Group | None, notice: str = "") -> tuple[Any, ...]:
        """Every output: the caller's groups, the form for ``group`` (blank for a new one), its endpoint (the
        workbench's own tools' with none open)."""
        groups = self._store(caller).list_for(caller.viewer)
        choices = self.member_choices(caller, group)
        labels = {value: label for label, value in choices}
        teams = {team.id: team.name for team in caller.teams}
        visibility, team = self.owner_choices(caller, group)
        members = [member_value(m.entry_id, m.tool) for m in group.members] if group is not None else []
        return GROUP.accepted(
            caller.locale, group_notice=notice, group_box=group.id if group is not None else "",
            group_slug=group.slug if group is not None else "", group_name=group.name if group is not None else "",
            group_description=group.description if group is not None else "", group_visibility=visibility,
            group_team=team, group_members=gr.update(choices=choices, value=members),
            group_renames=renames_text(group.members) if group is not None else "",
            group_destructive=bool(group is not None and group.allow_destructive),
            group_search=bool(group is not None and group.tool_search), group_delete_confirm=False,
            group_list=groups_html(groups, labels, teams, caller.locale),
            group_pick=gr.update(choices=group_choices(groups), value=group.id if group is not None else None),
            **endpoint(self.base_url(), group, caller.locale))

    def base_url(self) -> str:
        """Where clients reach this workbench (``MAAS_PUBLIC_URL``, else the address it listens on)."""
        return self.ctx.services.settings.base_url

    @staticmethod
    def field_of(field: str | None) -> str | None:
        """The form's field a refusal names: a member's new name is the renames box, the rest of it the members."""
        if field and field.startswith("members["):
            return "renames" if field.endswith(".rename") else "members"
        return field

    def refused(self, caller: Caller, exc: BaseException) -> tuple[Any, ...]:
        field, message = problem_of(exc, caller.locale)
        return GROUP.refused([(self.field_of(field), message)], caller.locale)

    # -- the handlers ------------------------------------------------------------------------------------------
    def groups_load(self, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The tab on page load: the caller's groups, an empty form, the workbench's own endpoint."""
        return self.tab(self.ctx.who(lang, request), None)

    def refresh_groups(self, group_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The tab shown again: the groups and what may be put in one listed anew (a server approved meanwhile),
        the form as typed."""
        caller = self.ctx.who(lang, request)
        groups = self._store(caller).list_for(caller.viewer)
        group = next((g for g in groups if g.id == group_id), None) if group_id else None
        choices = self.member_choices(caller, group)
        return GROUP.accepted(caller.locale, group_members=gr.update(choices=choices),
                              group_list=groups_html(groups, {v: label for label, v in choices},
                                                     {team.id: team.name for team in caller.teams}, caller.locale),
                              group_pick=gr.update(choices=group_choices(groups)))

    def new_group(self, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """An empty form to make a new group (the choices listed again)."""
        return self.tab(self.ctx.who(lang, request), None)

    def open_group(self, group_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A group picked: its settings in the form, its endpoint and configurations (another's: refused as
        missing)."""
        caller = self.ctx.who(lang, request)
        if not group_id:
            return self.tab(caller, None)
        try:
            group = self._store(caller).get(str(group_id), caller.viewer)
        except WorkbenchError as exc:
            return self.refused(caller, exc)
        return self.tab(caller, group)

    def save_group(self, group_id: str | None, slug: str | None, name: str | None, description: str | None,
                   visibility: str | None, team_id: str | None, members: Any, renames: str | None,
                   allow_destructive: bool | None, tool_search: bool | None, lang: str,
                   request: gr.Request) -> tuple[Any, ...]:
        """Make a group (none open) or change the open one; refused naming the field (the address name, a member, a
        rename, the team), everything typed kept."""
        caller = self.ctx.who(lang, request)
        groups = self._store(caller)
        visibility = visibility or "user"
        try:
            draft = GroupDraft(slug or "", name or "", description or "", visibility,
                               str(team_id or "") if visibility == "team" else "", bool(allow_destructive),
                               bool(tool_search), tuple(with_renames(members_of(members or []), renames,
                                                                     caller.locale)))
            group = (groups.update(str(group_id), draft, caller.viewer) if group_id
                     else groups.create(draft, caller.viewer))
        except (WorkbenchError, Refusal) as exc:
            return self.refused(caller, exc)
        said = t(caller.locale, "mcp.group_saved", name=literal(group.name), url=url_of(self.base_url(), group.slug))
        return self.tab(caller, group, f"✅ {said}")

    def delete_group(self, group_id: str | None, confirm: bool | None, lang: str,
                     request: gr.Request) -> tuple[Any, ...]:
        """Delete the open group (its address stops answering), once the box is ticked."""
        caller = self.ctx.who(lang, request)
        groups = self._store(caller)
        try:
            if not group_id:
                raise Refusal(None, t(caller.locale, "mcp.group_choose"))
            group = groups.get(str(group_id), caller.viewer)
            if not confirm:
                raise Refusal("confirm", t(caller.locale, "mcp.group_confirm_first"))
            groups.remove(group.id, caller.viewer)
        except (WorkbenchError, Refusal) as exc:
            return self.refused(caller, exc)
        return self.tab(caller, None, "✅ " + t(caller.locale, "mcp.group_deleted", name=literal(group.name)))
