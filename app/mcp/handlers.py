"""The MCP page's handlers for the catalogue, an open server and running its tools, resources and prompts.

``CatalogueHandlers(gateway, setup)``: its methods are the handlers (tested directly), each answering a view of
``app.mcp.states``. Each looks the caller up again (``McpContext.who``) and asks the hub or the catalogue with that
viewer, which decide: an entry the viewer may not see is refused like a missing one, a tool runs only when approved
and unchanged, with its arguments checked against the approved schema before anything is sent. A run's refusal is
shown in place of the result, naming the field (and marking it in the form); my runs are the caller's own only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import gradio as gr

from app.mcp import view
from app.mcp.context import Caller, McpContext, McpServices, McpSetup, t
from app.mcp.fields import Layout, marked
from app.mcp.parts import TICK_SECONDS, admin_tab, headers_part, install_part, register_choices, review_part
from app.mcp.states import (
    Contents,
    Listing,
    LoadView,
    Opened,
    OpenView,
    PromptPicked,
    RunsList,
    RunView,
    SideView,
    ToolPicked,
    fields_of,
)
from app.shell.access import error
from workbench.errors import WorkbenchError
from workbench.mcp.arguments import arguments_of
from workbench.mcp.catalogue import Entry
from workbench.mcp.forms import Form, form_of
from workbench.mcp.pins import PinnedTool

RUNS_SHOWN = 50


def prompt_schema(arguments: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A prompt's arguments (text values) as an object schema, so its form is drawn like a tool's."""
    properties = {str(a["name"]): {"type": "string", "title": str(a.get("title") or a["name"]),
                                   "description": str(a.get("description") or "")} for a in arguments}
    return {"type": "object", "properties": properties,
            "required": [str(a["name"]) for a in arguments if a.get("required")]}


def mark_of(paths: list[str], field: str | None) -> str | None:
    """The drawn path a refusal's ``field`` (a JSON path of the arguments) is shown at: the same path, or the one
    whose branch marks (``@1``) aside are that path; the closest enclosing one otherwise."""
    if field is None:
        return None
    plain = {path: _without_branches(path) for path in paths}
    for path in paths:
        if path == field or plain[path] == field:
            return path
    enclosing = [path for path in paths if field.startswith(plain[path] + ".") or field.startswith(plain[path] + "[")]
    return max(enclosing, key=len) if enclosing else None


def _without_branches(path: str) -> str:
    return re.sub(r"@\d+", "", path)


class CatalogueHandlers:
    """The catalogue, an open entry, its tools run from forms, resources and prompts, my runs."""

    def __init__(self, services: McpServices, setup: McpSetup | None) -> None:
        self.ctx = McpContext(services, setup)

    # -- parts -------------------------------------------------------------------------------------------------
    def listing(self, caller: Caller, query: str | None, current: str | None = None) -> Listing:
        q = query.strip() if isinstance(query, str) else ""
        entries = self.ctx.mcp.catalogue.list(caller.viewer, q)
        rows = [(entry, self.ctx.server_status(entry)) for entry in entries]
        ids = {entry.id for entry in entries}
        return Listing(list_html=view.catalogue_html(rows, caller.viewer.user_id, caller.locale, q),
                       server_pick=gr.update(choices=view.catalogue_choices(entries, caller.locale),
                                      value=current if current in ids else None))

    def runs_list(self, caller: Caller) -> RunsList:
        runs = self.ctx.mcp.hub.runs(caller.viewer, RUNS_SHOWN)
        return RunsList(runs_html=view.runs_html(runs, caller.locale),
                        run_pick=gr.update(choices=view.run_choices(runs), value=None))

    def usable(self, caller: Caller, entry: Entry) -> list[PinnedTool]:
        """The tools the caller may run now (none for a disabled entry)."""
        try:
            return self.ctx.mcp.hub.usable_tools(entry.id, caller.viewer)
        except WorkbenchError:
            return []

    def tool_choices(self, caller: Caller, entry: Entry) -> list[tuple[str, str]]:
        return [(f"{tool.title} ({tool.name})" if tool.title else tool.name, tool.name)
                for tool in self.usable(caller, entry)]

    def opened(self, caller: Caller, entry: Entry) -> Opened:
        """Everything shown for an open entry; what the caller may change or install, only when they may."""
        viewer, locale = caller.viewer, caller.locale
        manages = viewer.may_change(entry)
        installable = viewer.is_admin and any(p.transport.type == "stdio" for p in entry.server.packages)
        review, headers, install = self.manage_parts(caller, entry, manages, installable)
        waiting = view.notice_html(t(locale, "mcp.listing") if self.ctx.reachable(entry)
                                   else t(locale, "mcp.not_reachable"))
        blank = {"choices": [], "value": None}
        return Opened(
            entry_box=entry.id, open_col=gr.update(visible=True),
            head=view.head_html(entry, self.ctx.server_status(entry), viewer.user_id, locale),
            overview_html=view.install_html(entry, locale), contents_html=waiting,
            tool_pick=gr.update(choices=self.tool_choices(caller, entry), value=None), tool_box="", tool_html="",
            layout={}, result_html="", raw_args="", resource_pick=gr.update(**blank), prompt_pick=gr.update(**blank),
            prompt_spec={}, prompt_layout={}, side_html="", manage_tab=gr.update(visible=manages),
            headers_col=gr.update(visible=manages and bool(entry.server.remotes)),
            enable_btn=gr.update(visible=manages and not entry.enabled),
            disable_btn=gr.update(visible=manages and entry.enabled),
            install_tab=gr.update(visible=installable), install_box=entry.id if installable else "", log_html="",
            **fields_of(review, headers, install))

    def manage_parts(self, caller: Caller, entry: Entry, manages: bool, installable: bool) -> tuple[Any, Any, Any]:
        """The review, the headers and the install part of an open entry (blank for who may not see them)."""
        return (review_part(self.ctx, caller, entry) if manages else review_part(None, caller, entry),
                headers_part(self.ctx, caller, entry) if manages and entry.server.remotes
                else headers_part(None, caller, entry),
                install_part(self.ctx, caller, entry) if installable else install_part(None, caller, entry))

    @staticmethod
    def closed() -> Opened:
        """Nothing open: the open area emptied and hidden. Every update is its own dict."""
        hidden = {"visible": False}
        return Opened(
            entry_box="", open_col=gr.update(**hidden), head="", overview_html="", contents_html="",
            tool_pick=gr.update(choices=[], value=None), tool_box="", tool_html="", layout={}, result_html="",
            raw_args="", resource_pick=gr.update(choices=[], value=None), prompt_pick=gr.update(choices=[], value=None),
            prompt_spec={}, prompt_layout={}, side_html="", manage_tab=gr.update(**hidden), review_html="",
            review_hashes={}, asks_pick=gr.update(choices=[], value=[]), headers_col=gr.update(**hidden),
            headers_html="",
            header_pick=gr.update(choices=[], value=None), enable_btn=gr.update(**hidden),
            disable_btn=gr.update(**hidden), install_tab=gr.update(**hidden), install_box="", install_html="",
            install_timer=gr.Timer(TICK_SECONDS, active=False), install_gen=gr.update(), log_html="")

    # -- the catalogue -----------------------------------------------------------------------------------------
    def load(self, query: str | None, lang: str, request: gr.Request) -> LoadView:
        """Page load: the catalogue, my runs, the admins' tab (admins), the registration's choices, and the entry
        of ``?server=<id>`` (when the caller may see it)."""
        caller = self.ctx.who(lang, request)
        params = getattr(request, "query_params", None) or {}
        wanted = str(params.get("server") or "")
        opened, notice, current = self.closed(), "", None
        if wanted:
            try:
                opened, current = self.opened(caller, self.ctx.entry(caller, wanted)), wanted
            except gr.Error as exc:
                notice = view.notice_html(exc.message, "error")
        return LoadView(**fields_of(self.listing(caller, query, current), self.runs_list(caller),
                                    admin_tab(self.ctx, caller), register_choices(self.ctx, caller), opened),
                        notice=notice)

    def search(self, query: str | None, lang: str, request: gr.Request) -> Listing:
        """The catalogue searched (name, title, tags, description; English and Chinese)."""
        return self.listing(self.ctx.who(lang, request), query)

    def open_entry(self, entry_id: str | None, lang: str, request: gr.Request) -> OpenView:
        """An entry picked from the catalogue (refused like a missing one when the caller may not see it)."""
        caller = self.ctx.who(lang, request)
        if not entry_id:
            return OpenView(**fields_of(self.closed()), notice="")
        return OpenView(**fields_of(self.opened(caller, self.ctx.entry(caller, entry_id))), notice="")

    async def contents(self, entry_id: str | None, lang: str, request: gr.Request) -> Contents:
        """What the open entry's server offers, listed now (tools with their state and schema, resources,
        prompts); a server that cannot be reached is said, in place of the list."""
        caller = self.ctx.who(lang, request)
        blank = {"choices": [], "value": None}
        if not entry_id:
            return Contents(contents_html="", tool_pick=gr.update(**blank), resource_pick=gr.update(**blank),
                            prompt_pick=gr.update(**blank), prompt_specs={})
        entry = self.ctx.entry(caller, entry_id)
        if not self.ctx.reachable(entry):
            return Contents(contents_html=view.notice_html(t(caller.locale, "mcp.not_reachable")),
                            tool_pick=gr.update(), resource_pick=gr.update(**blank), prompt_pick=gr.update(**blank),
                            prompt_specs={})
        try:
            found = await self.ctx.mcp.hub.contents(entry.id, caller.viewer)
        except WorkbenchError as exc:
            return Contents(contents_html=view.notice_html(exc.text(caller.locale), "error"), tool_pick=gr.update(),
                            resource_pick=gr.update(**blank), prompt_pick=gr.update(**blank), prompt_specs={})
        uris = [r.uri for r in found.resources] + [r.uri_template for r in found.templates]
        specs = {p.name: [{"name": a.name, "title": a.title, "description": a.description, "required": a.required}
                          for a in p.arguments] for p in found.prompts}
        return Contents(contents_html=view.contents_html(found, caller.locale),
                        tool_pick=gr.update(choices=self.tool_choices(caller, entry)),
                        resource_pick=gr.update(choices=uris, value=uris[0] if uris else None),
                        prompt_pick=gr.update(choices=[p.name for p in found.prompts], value=None),
                        prompt_specs=specs)

    # -- a tool run from its form ------------------------------------------------------------------------------
    def tool_form(self, caller: Caller, entry_id: str | None, tool: str | None) -> tuple[PinnedTool, Form]:
        """The approved tool and its form (from the APPROVED schema), or refused: no entry open, not one the caller
        may see, disabled, or no such approved tool."""
        entry = self.ctx.entry(caller, entry_id)
        tools = self.ctx.call(caller, self.ctx.mcp.hub.usable_tools, entry.id, caller.viewer)
        found = next((pinned for pinned in tools if pinned.name == tool), None)
        if found is None:
            raise error(t(caller.locale, "mcp.choose_tool"), caller.locale)
        return found, form_of(found.input_schema)

    def pick_tool(self, entry_id: str | None, tool: str | None, lang: str, request: gr.Request) -> ToolPicked:
        """A tool chosen: its words and schema shown, its form drawn (by ``draw_tool`` in the page) from an empty
        layout; the JSON box holds its arguments' defaults to start from."""
        caller = self.ctx.who(lang, request)
        if not tool:
            return ToolPicked(tool_box="", tool_html="", layout={}, result_html="", raw_args="")
        pinned, form = self.tool_form(caller, entry_id, tool)
        defaults = {f.name: f.default for f in form.fields if f.has_default and f.name}
        return ToolPicked(tool_box=pinned.name, tool_html=view.tool_html(pinned, caller.locale), layout={},
                          result_html="", raw_args=json.dumps(defaults, ensure_ascii=False, indent=2))

    async def run_tool(self, entry_id: str | None, tool: str | None, values: Mapping[str, Any] | None,
                       layout: Any, lang: str, request: gr.Request) -> RunView:
        """The tool run with the values typed into its form (``values``: path -> value): read into arguments
        (``arguments_of``), called through the hub (checked against the approved schema, recorded as the caller's
        run from the form). A refusal is shown in place of the result and marked at its field."""
        caller = self.ctx.who(lang, request)
        pinned, form = self.tool_form(caller, entry_id, tool)
        paths = list((values or {}).keys())
        try:
            arguments = arguments_of(form, dict(values or {}))
            return await self._run(caller, str(entry_id), pinned.name, arguments, layout)
        except WorkbenchError as exc:
            where = mark_of(paths, exc.field)
            return RunView(**fields_of(self.runs_list(caller)), result_html=_refused(exc, caller.locale),
                           layout=marked(layout, {where: exc.text(caller.locale)} if where is not None else {}))

    async def run_json(self, entry_id: str | None, tool: str | None, text: str | None, layout: Any, lang: str,
                       request: gr.Request) -> RunView:
        """The tool run with its arguments typed as one JSON object (for what the form cannot say)."""
        caller = self.ctx.who(lang, request)
        pinned, _ = self.tool_form(caller, entry_id, tool)
        try:
            arguments = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            message = t(caller.locale, "mcp.bad_json", line=exc.lineno, column=exc.colno)
            return RunView(**fields_of(self.runs_list(caller)), result_html=view.notice_html(message, "error"),
                           layout=marked(layout, {}))
        if not isinstance(arguments, dict):
            return RunView(**fields_of(self.runs_list(caller)), layout=marked(layout, {}),
                           result_html=view.notice_html(t(caller.locale, "mcp.json_object"), "error"))
        try:
            return await self._run(caller, str(entry_id), pinned.name, arguments, layout)
        except WorkbenchError as exc:
            return RunView(**fields_of(self.runs_list(caller)), result_html=_refused(exc, caller.locale),
                           layout=marked(layout, {}))

    async def _run(self, caller: Caller, entry_id: str, tool: str, arguments: dict[str, Any], layout: Any) -> RunView:
        result = await self.ctx.mcp.hub.call_tool(entry_id, tool, arguments, caller.viewer, source="form")
        return RunView(**fields_of(self.runs_list(caller)), result_html=view.result_html(result, caller.locale),
                       layout=marked(layout, {}))

    # -- resources and prompts ---------------------------------------------------------------------------------
    async def read_resource(self, entry_id: str | None, uri: str | None, lang: str, request: gr.Request) -> SideView:
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        try:
            result = await self.ctx.mcp.hub.read_resource(entry.id, uri or "", caller.viewer)
        except WorkbenchError as exc:
            return SideView(side_html=_refused(exc, caller.locale), prompt_layout=gr.update())
        return SideView(side_html=view.resource_html(result, caller.locale), prompt_layout=gr.update())

    def pick_prompt(self, entry_id: str | None, prompt: str | None, specs: Any, lang: str,
                    request: gr.Request) -> PromptPicked:
        """A prompt chosen: its arguments (as the server listed them) become a form."""
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        arguments = specs.get(prompt) if isinstance(specs, dict) and prompt else None
        if arguments is None:
            return PromptPicked(prompt_spec={}, prompt_layout={}, side_html="")
        return PromptPicked(prompt_spec={"entry": entry.id, "name": prompt, "arguments": arguments},
                            prompt_layout={}, side_html="")

    def prompt_form(self, spec: Any) -> Form:
        return form_of(prompt_schema(spec.get("arguments") or []) if isinstance(spec, dict) else {})

    async def get_prompt(self, entry_id: str | None, spec: Any, values: Mapping[str, Any] | None, layout: Any,
                         lang: str, request: gr.Request) -> SideView:
        """The prompt rendered with the values typed into its form; a refusal names (and marks) the argument."""
        caller = self.ctx.who(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        name = spec.get("name") if isinstance(spec, dict) else None
        if not name:
            raise error(t(caller.locale, "mcp.choose_prompt"), caller.locale)
        paths = list((values or {}).keys())
        try:
            arguments = arguments_of(self.prompt_form(spec), dict(values or {}))
            result = await self.ctx.mcp.hub.get_prompt(entry.id, str(name), arguments, caller.viewer)
        except WorkbenchError as exc:
            field = exc.field.removeprefix("arguments.") if exc.field else None
            where = mark_of(paths, field)
            return SideView(side_html=_refused(exc, caller.locale),
                            prompt_layout=marked(layout, {where: exc.text(caller.locale)} if where else {}))
        return SideView(side_html=view.prompt_html(result, caller.locale), prompt_layout=marked(layout, {}))

    # -- my runs -----------------------------------------------------------------------------------------------
    def runs(self, lang: str, request: gr.Request) -> RunsList:
        """The caller's own recent runs (no one else's, whoever asks)."""
        return self.runs_list(self.ctx.who(lang, request))

    def run_detail(self, run_id: str | None, lang: str, request: gr.Request) -> str:
        """One of the caller's runs: the arguments sent and the result kept; another's is refused as missing."""
        caller = self.ctx.who(lang, request)
        if not run_id:
            return ""
        run = self.ctx.call(caller, self.ctx.mcp.hub.run, str(run_id), caller.viewer)
        return view.run_html(run, caller.locale)


def _refused(exc: WorkbenchError, locale: str) -> str:
    return f'<div id="mcp-refused">{view.notice_html(exc.text(locale), "error")}</div>'


__all__ = ["CatalogueHandlers", "Layout", "mark_of", "prompt_schema"]
