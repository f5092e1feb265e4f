"""MCP page (/mcp): the hub's catalogue of MCP servers, a server's tools run from forms generated from their JSON
Schema, remote servers registered by users, and the admins' installs, approvals and usage.

Tabs at the top: the catalogue (searched in English or Chinese; each entry's kind, tags and state), registering a
remote server (for oneself, a team one manages, or everyone by an admin), my runs (private), tool groups (servers
or chosen tools served as one MCP endpoint, with each client's configuration: ``app.mcp.groups``), and for admins the
import of a ``server.json``, usage per server, installs and the audit trail. Picking an entry opens it below: how
to install or reach it and what it offers (listed live: tools with their schemas, resources, prompts); a tool's
form (``@gr.render``: ``app.mcp.fields``) and its result; reading a resource and rendering a prompt; for who may
change the entry the review and approval of its tools and its header values; for admins its install, values,
running server and logs. ``?server=<id>`` reopens an entry after a reload.

``McpPage(gateway, setup)`` is the page: its handlers are in ``app.mcp.handlers`` (catalogue, runs),
``app.mcp.manage`` (approval, headers), ``app.mcp.admin`` (imports, installs), ``app.mcp.register`` and
``app.mcp.groups`` (tool groups, laid out by ``app.mcp.group_view``); the renderers in ``app.mcp.view``. Hiding a
tab or a button is only for clarity: the hub checks the caller on every call. Handlers called by the drawn forms'
buttons are listed in ``RENDERED`` (for the authorization matrix).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.mcp import group_view, view
from app.mcp.context import McpServices, McpSetup
from app.mcp.fields import Drawer, Drawn, Layout
from app.mcp.groups import GroupHandlers
from app.mcp.parts import TICK_SECONDS
from app.mcp.register import REGISTER, RegisterHandlers
from app.mcp.states import (
    AdminTab,
    Contents,
    HeadersView,
    ImportView,
    InstallView,
    ListedView,
    Listing,
    LoadView,
    OpenView,
    PromptPicked,
    Review,
    ReviewedView,
    RunsList,
    RunView,
    SideView,
    ToolPicked,
)
from app.shell.access import PAGE_LANG_JS, WITH_LANG_JS, locale_of
from app.shell.forms import focus_first_bad
from app.shell.views import shown

__all__ = ["McpPage", "build"]

# the open entry in the address (?server=<id>), so a reload reopens it
URL_JS = ("(k) => { const u = new URL(window.location.href); "
          "if (k) { u.searchParams.set('server', k); } else { u.searchParams.delete('server'); } "
          "window.history.replaceState(null, '', u.toString()); return []; }")


def _html(elem_id: str) -> gr.HTML:
    return gr.HTML(css_template=view.CSS, elem_id=elem_id)


class McpPage(RegisterHandlers, GroupHandlers):
    """The MCP page: its handlers and its layout."""

    RENDERED = ("run_tool", "get_prompt", "install", "configure")    # called by the buttons of drawn forms

    def __init__(self, services: McpServices, setup: McpSetup | None) -> None:
        super().__init__(services, setup)
        self.parts: dict[str, Any] = {}
        self.i18n: Any = None

    def language(self, lang: str | None, request: gr.Request) -> str:
        """The page's language, kept in a hidden box for the drawn forms (no per-user data)."""
        return locale_of(lang, request)

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the page in the current route and wire it."""
        self.i18n = i18n
        lang = gr.Textbox(visible=False)
        page_lang = gr.Textbox(visible=False)
        gr.Markdown(i18n("mcp.intro"))
        notice = _html("mcp-notice")
        with gr.Tabs(elem_id="mcp-tabs"):
            with gr.Tab(i18n("mcp.tab_catalogue"), id="catalogue", elem_id="mcp-tab-catalogue"):
                search_q = gr.Textbox(label=i18n("mcp.search"), placeholder=i18n("mcp.search_hint"), max_lines=1,
                                      elem_id="mcp-q")
                list_html = _html("mcp-list")
                server_pick = gr.Dropdown(label=i18n("mcp.open_server"), choices=[], elem_id="mcp-pick")
            with gr.Tab(i18n("mcp.tab_register"), id="register", elem_id="mcp-tab-register"):
                gr.Markdown(i18n("mcp.register_intro"))
                reg_notice = gr.Markdown(elem_id="mcp-reg-notice")
                with gr.Row():
                    reg_url = gr.Textbox(label=i18n("mcp.f_url"), info=i18n("mcp.f_url_info"), max_lines=1, scale=3,
                                         elem_id="mcp-reg-url")
                    reg_transport = gr.Radio([(i18n("mcp.streamable_http"), "streamable-http"), ("SSE", "sse")],
                                             value="streamable-http", label=i18n("mcp.f_transport"),
                                             scale=1, elem_id="mcp-reg-transport")
                with gr.Row():
                    reg_title = gr.Textbox(label=i18n("mcp.f_title"), max_lines=1, elem_id="mcp-reg-title")
                    reg_description = gr.Textbox(label=i18n("mcp.f_description"), max_lines=2,
                                                 elem_id="mcp-reg-description")
                reg_token = gr.Textbox(label=i18n("mcp.f_token"), info=i18n("mcp.f_token_info"), type="password",
                                       max_lines=1, elem_id="mcp-reg-token")
                reg_headers = gr.Textbox(label=i18n("mcp.f_headers"), info=i18n("mcp.f_headers_info"), lines=2,
                                         elem_id="mcp-reg-headers")
                reg_secret = gr.Checkbox(label=i18n("mcp.f_secret"), value=True, elem_id="mcp-reg-secret")
                with gr.Row():
                    reg_visibility = gr.Radio(label=i18n("mcp.f_visibility"), choices=[], elem_id="mcp-reg-visibility")
                    reg_team = gr.Dropdown(label=i18n("mcp.f_team"), choices=[], elem_id="mcp-reg-team")
                reg_btn = gr.Button(i18n("mcp.register"), variant="primary", elem_id="mcp-reg-button")
            with gr.Tab(i18n("mcp.tab_runs"), id="runs", elem_id="mcp-tab-runs"):
                gr.Markdown(i18n("mcp.runs_intro"))
                runs_refresh = gr.Button(i18n("mcp.refresh"), size="sm", elem_id="mcp-runs-refresh")
                runs_html = _html("mcp-runs")
                run_pick = gr.Dropdown(label=i18n("mcp.open_run"), choices=[], elem_id="mcp-run-pick")
                run_html = _html("mcp-run")
            with gr.Tab(i18n("mcp.tab_groups"), id="groups", elem_id="mcp-tab-groups") as groups_tab:
                group_parts = {**group_view.build_tab(i18n), "group_tab": groups_tab}
            with gr.Tab(i18n("mcp.tab_admin"), id="admin", visible=False, elem_id="mcp-tab-admin") as admin_tab:
                gr.Markdown(i18n("mcp.import_heading"))
                import_note = _html("mcp-import-note")
                import_text = gr.Textbox(label=i18n("mcp.f_server_json"), lines=6, max_lines=20,
                                         elem_id="mcp-import-text")
                with gr.Row():
                    import_btn = gr.Button(i18n("mcp.import"), variant="primary", elem_id="mcp-import")
                    import_file = gr.UploadButton(i18n("mcp.import_file"), file_types=[".json"], file_count="single",
                                                  elem_id="mcp-import-file")
                with gr.Row(equal_height=True):
                    import_url = gr.Textbox(label=i18n("mcp.f_import_url"), placeholder="https://…/server.json",
                                            max_lines=1, scale=4, elem_id="mcp-import-url")
                    import_url_btn = gr.Button(i18n("mcp.import_url"), scale=1, elem_id="mcp-import-url-button")
                admin_refresh = gr.Button(i18n("mcp.refresh"), size="sm", elem_id="mcp-admin-refresh")
                gr.Markdown(i18n("mcp.usage_heading"))
                usage_plot = gr.BarPlot(x="server", y="calls", color="outcome", show_label=False, y_lim=[0, None],
                                        tooltip="axis", elem_id="mcp-usage-plot")
                usage_html = _html("mcp-usage")
                gr.Markdown(i18n("mcp.installs_heading"))
                installs_html = _html("mcp-installs")
                gr.Markdown(i18n("mcp.audit_heading"))
                audit_html = _html("mcp-audit")

        entry_box = gr.Textbox(visible="hidden", elem_id="mcp-entry")       # the open entry's id
        with gr.Column(visible=False, elem_id="mcp-open") as open_col:
            head = _html("mcp-head")
            with gr.Tabs(elem_id="mcp-open-tabs"):
                with gr.Tab(i18n("mcp.tab_overview"), id="overview", elem_id="mcp-tab-overview"):
                    contents_refresh = gr.Button(i18n("mcp.list_again"), size="sm", elem_id="mcp-contents-refresh")
                    contents_html = _html("mcp-contents")
                    gr.Markdown(i18n("mcp.install_heading"))
                    overview_html = _html("mcp-overview")
                with gr.Tab(i18n("mcp.tab_tools"), id="tools", elem_id="mcp-tab-tools"):
                    tool_pick = gr.Dropdown(label=i18n("mcp.f_tool"), info=i18n("mcp.f_tool_info"), choices=[],
                                            elem_id="mcp-tool-pick")
                    tool_box = gr.Textbox(visible="hidden", elem_id="mcp-tool")
                    tool_html = _html("mcp-tool-about")
                    layout = gr.State({})
                    gr.render(inputs=[entry_box, tool_box, layout, page_lang],
                              triggers=[tool_box.change, layout.change], show_progress="hidden")(self.draw_tool)
                    with gr.Accordion(i18n("mcp.json_heading"), open=False, elem_id="mcp-json"):
                        raw_args = gr.Code(language="json", label=i18n("mcp.f_json"), elem_id="mcp-json-args")
                        run_json = gr.Button(i18n("mcp.run_json"), elem_id="mcp-run-json")
                    result_html = _html("mcp-result")
                with gr.Tab(i18n("mcp.tab_resources"), id="resources", elem_id="mcp-tab-resources"):
                    with gr.Row(equal_height=True):
                        resource_pick = gr.Dropdown(label=i18n("mcp.f_resource"), choices=[], allow_custom_value=True,
                                                    scale=4, elem_id="mcp-resource-pick")
                        read_btn = gr.Button(i18n("mcp.read"), scale=1, elem_id="mcp-read")
                    prompt_pick = gr.Dropdown(label=i18n("mcp.f_prompt"), choices=[], elem_id="mcp-prompt-pick")
                    prompt_specs, prompt_spec, prompt_layout = gr.State({}), gr.State({}), gr.State({})
                    gr.render(inputs=[entry_box, prompt_spec, prompt_layout, page_lang],
                              triggers=[prompt_spec.change, prompt_layout.change],
                              show_progress="hidden")(self.draw_prompt)
                    side_html = _html("mcp-side")
                with gr.Tab(i18n("mcp.tab_manage"), id="manage", visible=False, elem_id="mcp-tab-manage") as manage_tab:
                    manage_note = _html("mcp-manage-note")
                    gr.Markdown(i18n("mcp.review_heading"))
                    relist_btn = gr.Button(i18n("mcp.list_again"), size="sm", elem_id="mcp-relist")
                    review_html = _html("mcp-review")
                    review_hashes = gr.State({})
                    with gr.Row(equal_height=True):
                        allow_flagged = gr.Checkbox(label=i18n("mcp.f_allow_flagged"), elem_id="mcp-allow-flagged")
                        approve_btn = gr.Button(i18n("mcp.approve"), variant="primary", elem_id="mcp-approve")
                    with gr.Row(equal_height=True):
                        asks_pick = gr.CheckboxGroup(label=i18n("mcp.f_asks"), info=i18n("mcp.f_asks_info"),
                                                     choices=[], value=[], scale=4, elem_id="mcp-asks")
                        asks_btn = gr.Button(i18n("mcp.asks_save"), scale=1, elem_id="mcp-asks-save")
                    with gr.Column(visible=False, elem_id="mcp-headers") as headers_col:
                        gr.Markdown(i18n("mcp.headers_heading"))
                        headers_html = _html("mcp-headers-table")
                        with gr.Row(equal_height=True):
                            header_pick = gr.Dropdown(label=i18n("mcp.f_header"), choices=[], elem_id="mcp-header-pick")
                            header_value = gr.Textbox(label=i18n("mcp.f_header_value"), type="password", max_lines=1,
                                                      elem_id="mcp-header-value")
                            header_btn = gr.Button(i18n("mcp.save"), elem_id="mcp-header-save")
                    gr.Markdown(i18n("mcp.entry_heading"))
                    with gr.Row(equal_height=True):
                        enable_btn = gr.Button(i18n("mcp.enable"), visible=False, elem_id="mcp-enable")
                        disable_btn = gr.Button(i18n("mcp.disable"), visible=False, elem_id="mcp-disable")
                        remove_confirm = gr.Checkbox(label=i18n("mcp.f_confirm_remove"), elem_id="mcp-remove-confirm")
                        remove_btn = gr.Button(i18n("mcp.remove"), variant="stop", elem_id="mcp-remove")
                with gr.Tab(i18n("mcp.tab_install"), id="install", visible=False,
                            elem_id="mcp-tab-install") as install_tab:
                    install_note = _html("mcp-install-note")
                    install_html = _html("mcp-install")
                    install_box = gr.Textbox(visible="hidden", elem_id="mcp-install-entry")
                    install_gen = gr.State(0)
                    install_timer = gr.Timer(TICK_SECONDS, active=False)
                    gr.Markdown(i18n("mcp.values_heading"))
                    gr.render(inputs=[install_box, install_gen, page_lang], triggers=[install_box.change,
                                                                                      install_gen.change],
                              show_progress="hidden")(self.draw_values)
                    with gr.Row():
                        start_btn = gr.Button(i18n("mcp.start"), elem_id="mcp-start")
                        stop_btn = gr.Button(i18n("mcp.stop"), elem_id="mcp-stop")
                        restart_btn = gr.Button(i18n("mcp.restart"), elem_id="mcp-restart")
                        cancel_btn = gr.Button(i18n("mcp.cancel_install"), elem_id="mcp-cancel-install")
                        uninstall_btn = gr.Button(i18n("mcp.uninstall"), variant="stop", elem_id="mcp-uninstall")
                    with gr.Row():
                        server_log_btn = gr.Button(i18n("mcp.server_log"), size="sm", elem_id="mcp-server-log")
                        install_log_btn = gr.Button(i18n("mcp.install_log"), size="sm", elem_id="mcp-install-log")
                    log_html = _html("mcp-log")

        parts = dict(locals())      # the components by variable name: the views' field names (app.mcp.states)
        self.parts = parts
        quick = {"js": WITH_LANG_JS, "show_progress": "hidden", "concurrency_limit": None}
        listing = {"fn": shown(self.contents), "inputs": [entry_box, lang], "outputs": Contents.pick(parts),
                   **{**quick, "show_progress": "minimal", "show_progress_on": [contents_html]}}
        reviewing = {"fn": shown(self.review), "inputs": [entry_box, lang], "outputs": Review.pick(parts), **quick}

        def then_list(event: Any) -> None:
            """What the open entry's server offers, listed now, then its review (for who may change it)."""
            event.then(**listing).then(**reviewing)

        page.load(self.language, inputs=[page_lang], outputs=[page_lang], js=PAGE_LANG_JS, show_progress="hidden",
                  queue=False)
        then_list(page.load(shown(self.load), inputs=[search_q, lang], outputs=LoadView.pick(parts),
                            api_name="mcp_load", **quick))
        search_q.change(shown(self.search), inputs=[search_q, lang], outputs=Listing.pick(parts),
                        api_name="mcp_search", trigger_mode="always_last", **quick)
        then_list(server_pick.input(shown(self.open_entry), inputs=[server_pick, lang], outputs=OpenView.pick(parts),
                             api_name="mcp_open", **quick))
        entry_box.change(None, inputs=[entry_box], js=URL_JS)
        for button in (contents_refresh, relist_btn):
            button.click(**listing).then(**reviewing)

        tool_pick.input(shown(self.pick_tool), inputs=[entry_box, tool_pick, lang], outputs=ToolPicked.pick(parts),
                        **quick)
        running = {**quick, "show_progress": "minimal", "show_progress_on": [result_html]}
        run_json.click(shown(self.run_json), inputs=[entry_box, tool_box, raw_args, layout, lang],
                       outputs=RunView.pick(parts), **running)
        read_btn.click(shown(self.read_resource), inputs=[entry_box, resource_pick, lang],
                       outputs=SideView.pick(parts), **{**running, "show_progress_on": [side_html]})
        prompt_pick.input(shown(self.pick_prompt), inputs=[entry_box, prompt_pick, prompt_specs, lang],
                          outputs=PromptPicked.pick(parts), **quick)

        runs_refresh.click(shown(self.runs), inputs=[lang], outputs=RunsList.pick(parts), **quick)
        run_pick.input(self.run_detail, inputs=[run_pick, lang], outputs=[run_html], **quick)

        approve_btn.click(shown(self.approve), inputs=[entry_box, review_hashes, allow_flagged, lang],
                          outputs=ReviewedView.pick(parts), **{**quick, "show_progress": "minimal"})
        asks_btn.click(shown(self.set_asks), inputs=[entry_box, asks_pick, lang], outputs=ReviewedView.pick(parts),
                       **quick)
        for button, fn in ((enable_btn, self.enable), (disable_btn, self.disable)):
            button.click(shown(fn), inputs=[entry_box, search_q, lang], outputs=ListedView.pick(parts), **quick)
        remove_btn.click(shown(self.remove), inputs=[entry_box, remove_confirm, search_q, lang],
                         outputs=ListedView.pick(parts), **quick)
        header_btn.click(shown(self.set_header), inputs=[entry_box, header_pick, header_value, lang],
                         outputs=HeadersView.pick(parts), **quick)

        installing = {"inputs": [install_box, lang], "outputs": InstallView.pick(parts),
                      **{**quick, "show_progress": "minimal", "show_progress_on": [install_note]}}
        install_timer.tick(shown(self.install_tick), **{**installing, "show_progress": "hidden"})
        for button, fn in ((stop_btn, self.stop), (cancel_btn, self.cancel_install), (uninstall_btn, self.uninstall)):
            button.click(shown(fn), **installing)
        for button, fn in ((start_btn, self.start), (restart_btn, self.restart)):     # then its tools, to review
            button.click(shown(fn), **installing).then(**{**listing, "fn": shown(self.contents_if_running)}).then(
                **reviewing)
        server_log_btn.click(self.server_log, inputs=[install_box, lang], outputs=[log_html], **quick)
        install_log_btn.click(self.install_log, inputs=[install_box, lang], outputs=[log_html], **quick)

        admin_refresh.click(shown(self.admin_refresh), inputs=[lang], outputs=AdminTab.pick(parts), **quick)
        then_list(import_btn.click(shown(self.import_text), inputs=[import_text, search_q, lang],
                                   outputs=ImportView.pick(parts), **quick))
        then_list(gr.on([import_url_btn.click, import_url.submit], shown(self.import_url),
                        inputs=[import_url, search_q, lang], outputs=ImportView.pick(parts), **quick))
        then_list(import_file.upload(shown(self.import_file), inputs=[import_file, search_q, lang],
                                     outputs=ImportView.pick(parts), **quick))

        registering = reg_btn.click(self.register, inputs=[reg_url, reg_transport, reg_title, reg_description,
                                                           reg_token, reg_headers, reg_secret, reg_visibility,
                                                           reg_team, search_q, lang],
                                    outputs=[parts[name] for name in REGISTER.outputs], **quick)
        then_list(registering)
        focus_first_bad(registering, [reg_url, reg_token, reg_headers, reg_team])
        group_view.wire(page, self, group_parts, lang, quick)

    # -- the drawn forms (``@gr.render``) ----------------------------------------------------------------------
    def draw_tool(self, entry_id: str | None, tool: str | None, state: Any, lang: str | None,
                  request: gr.Request) -> None:
        """The chosen tool's form (from its APPROVED schema) and its Run button."""
        caller = self.ctx.who(lang, request)            # first: a signed-out caller is refused, whatever is asked
        if not entry_id or not tool:
            return
        _, form = self.tool_form(caller, entry_id, tool)
        p = self.parts
        drawn = Drawer(Layout.of(state), p["layout"], key=("tool", entry_id, tool), i18n=self.i18n,
                       locale=caller.locale, prefix="mcp-arg").form(form)
        run = gr.Button(self.i18n("mcp.run"), variant="primary", key=("tool", entry_id, tool, "run"),
                        elem_id="mcp-run")
        run.click(self._tool_runner(drawn), inputs={p["entry_box"], p["tool_box"], p["layout"], p["page_lang"],
                                                    *drawn.components},
                  outputs=RunView.pick(p), show_progress="minimal", show_progress_on=[p["result_html"]],
                  concurrency_limit=None)

    def _tool_runner(self, drawn: Drawn) -> Any:
        p = self.parts

        async def run(data: dict, request: gr.Request) -> tuple[Any, ...]:
            answer = await self.run_tool(data.get(p["entry_box"]), data.get(p["tool_box"]), drawn.values(data),
                                         data.get(p["layout"]), data.get(p["page_lang"]), request)
            return answer.outputs()

        return run

    def draw_prompt(self, entry_id: str | None, spec: Any, state: Any, lang: str | None,
                    request: gr.Request) -> None:
        """The chosen prompt's arguments as a form, and its button."""
        caller = self.ctx.who(lang, request)
        if not entry_id or not isinstance(spec, dict) or not spec.get("name"):
            return
        entry = self.ctx.entry(caller, entry_id)
        if spec.get("entry") != entry.id:
            return
        p = self.parts
        drawn = Drawer(Layout.of(state), p["prompt_layout"], key=("prompt", entry.id, str(spec["name"])),
                       i18n=self.i18n, locale=caller.locale, prefix="mcp-parg",
                       empty="mcp.no_prompt_arguments").form(self.prompt_form(spec))
        button = gr.Button(self.i18n("mcp.get_prompt"), variant="primary", key=("prompt", entry.id, spec["name"]),
                           elem_id="mcp-get-prompt")

        async def render(data: dict, request: gr.Request) -> tuple[Any, ...]:
            answer = await self.get_prompt(data.get(p["entry_box"]), data.get(p["prompt_spec"]), drawn.values(data),
                                           data.get(p["prompt_layout"]), data.get(p["page_lang"]), request)
            return answer.outputs()

        button.click(render, inputs={p["entry_box"], p["prompt_spec"], p["prompt_layout"], p["page_lang"],
                                     *drawn.components},
                     outputs=SideView.pick(p), show_progress="minimal", show_progress_on=[p["side_html"]],
                     concurrency_limit=None)

    def draw_values(self, entry_id: str | None, generation: Any, lang: str | None, request: gr.Request) -> None:
        """The values an installed server needs (admins): text boxes, a secret's only said to be set or not, and
        Install (not installed yet) or Save values (installed)."""
        self.ctx.who(lang, request)                     # signed in, or refused
        if not entry_id:                                # nothing to draw (also when the page loads for a member)
            return
        caller = self.ctx.admin(lang, request)
        entry = self.ctx.entry(caller, entry_id)
        fields, install = self.value_fields(caller, entry)
        locale, i18n, p = caller.locale, self.i18n, self.parts
        current = install.values if install is not None else {}
        secrets = install.secrets_set if install is not None else frozenset()
        boxes: dict[str, Any] = {}
        for f in fields:
            spec = f.input
            help_ = [spec.description] if spec.description else []
            if f.is_secret:
                help_.append(view.t(locale, "mcp.set" if f.key in secrets else "mcp.not_set"))
            if spec.choices:
                help_.append(view.t(locale, "mcp.choices", choices=", ".join(spec.choices)))
            if f.repeated:
                help_.append(view.t(locale, "mcp.one_per_line"))
            value = current.get(f.key)
            value = "\n".join(value) if isinstance(value, list) else value
            label = f"{f.key} *" if f.is_required else f.key
            boxes[f.key] = gr.Textbox(label=label, info=" ".join(help_) or None, lines=2 if f.repeated else 1,
                                      type="password" if f.is_secret else "text", interactive=True,
                                      value=None if f.is_secret else value,
                                      placeholder=spec.placeholder or spec.default,
                                      key=("values", entry.id, f.key, str(generation)),
                                      elem_id=f"mcp-value-{f.key.replace('.', '-')}")
        if not fields:
            gr.Markdown(i18n("mcp.no_values"))
        status = install.status if install is not None else None
        if status == "running":
            return
        installed = status == "installed"
        button = gr.Button(i18n("mcp.save_values" if installed else "mcp.install"), variant="primary",
                           key=("values", entry.id, "button", str(generation)), elem_id="mcp-install-button")
        act = self.configure if installed else self.install

        async def go(data: dict, request: gr.Request) -> tuple[Any, ...]:
            values = {key: data.get(box) for key, box in boxes.items()}
            answer = act(data.get(p["install_box"]), values, data.get(p["page_lang"]), request)
            answer = await answer if hasattr(answer, "__await__") else answer
            return answer.outputs()

        button.click(go, inputs={p["install_box"], p["page_lang"], *boxes.values()}, outputs=InstallView.pick(p),
                     show_progress="minimal", show_progress_on=[p["install_note"]], concurrency_limit=None)


def build(page: gr.Blocks, services: McpServices, i18n: gr.I18n, setup: McpSetup | None = None) -> None:
    """The page in the current route (``app.ui``; ``setup`` None: every handler says the hub is off)."""
    McpPage(services, setup).build(page, i18n)
