"""The MCP page's "Tool groups" tab: its layout (``build_tab``) and its pure renderers: the caller's groups as a table,
the member choices' labels and values, the renames box read and written, an endpoint's addresses and the client
configurations for it (``workbench.mcp.client_config``).

    parts = build_tab(i18n)                     # the tab's components by output name (GROUP.outputs, the buttons)
    member_value("e1", "now") == "e1/now"       # a choice's value; "e1" alone: every approved tool of e1
    endpoint(base_url, "lab-tools", locale)     # the addresses and configurations shown for a group

Values and user words are escaped (``tables.esc``) or made literal in Markdown (``forms.literal``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import gradio as gr

from app.mcp import view
from app.mcp.context import t
from app.shell import tables
from app.shell.forms import Form, Refusal, literal
from app.shell.tables import badge, esc
from workbench.mcp.client_config import CLIENTS, KEY_PLACEHOLDER, LANGUAGES, TITLES, client_configs, server_name
from workbench.mcp.groups import WORKBENCH, Group, Member

PREFIX = "/mcp/v1"
# the tab's form: its fields (output name -> the string key of its usual info), then everything else it redraws
FIELDS: dict[str, str | None] = {
    "group_slug": "mcp.group_f_slug_info", "group_name": None, "group_description": None,
    "group_visibility": None, "group_team": None, "group_members": "mcp.group_f_members_info",
    "group_renames": "mcp.group_f_renames_info", "group_delete_confirm": None}
ALIASES = {"slug": "group_slug", "name": "group_name", "description": "group_description",
           "visibility": "group_visibility", "team_id": "group_team", "members": "group_members",
           "renames": "group_renames", "confirm": "group_delete_confirm"}
ENDPOINT = ("group_endpoint", "group_url", "group_sse", "group_key_note", "group_workbench",
            *(f"group_where.{c}" for c in CLIENTS), *(f"group_config.{c}" for c in CLIENTS))
GROUP = Form(("group_notice", *FIELDS, "group_box", "group_destructive", "group_search", "group_list",
              "group_pick", *ENDPOINT), FIELDS, notice="group_notice", aliases=ALIASES)
_RENAME = re.compile(r"^\s*([^=\s][^=]*?)\s*=\s*(\S*)\s*$")


def dashed(client: str) -> str:
    return client.replace("_", "-")


# ---------------------------------------------------------------- members


def member_value(entry_id: str, tool: str = "") -> str:
    """A choice's value: ``entry`` (every approved tool of it) or ``entry/tool``."""
    return f"{entry_id}/{tool}" if tool else entry_id


def members_of(values: Iterable[Any]) -> list[Member]:
    """The chosen values as members (in their order, each once)."""
    out: list[Member] = []
    for value in dict.fromkeys(str(v) for v in values or () if v):
        entry_id, _, tool = value.partition("/")
        out.append(Member(entry_id, tool))
    return out


def all_label(server: str, locale: str) -> str:
    return t(locale, "mcp.group_all_tools", server=server)


def tool_label(server: str, tool: str, title: str, locale: str) -> str:
    label = t(locale, "mcp.group_one_tool", server=server, tool=tool)
    return f"{label} · {title}" if title and title != tool else label


def with_renames(members: Sequence[Member], text: str | None, locale: str) -> list[Member]:
    """``members`` with the renames typed as ``tool = new_name`` lines (a blank line is skipped); a line that is not
    one, or names a tool not chosen one by one (or chosen from two servers), is refused naming the box."""
    out = list(members)
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _RENAME.match(line)
        if match is None or not match.group(2):
            raise Refusal("renames", t(locale, "mcp.group_rename_line", line=number))
        tool, new_name = match.group(1), match.group(2)
        found = [i for i, m in enumerate(out) if m.tool == tool]
        if not found:
            raise Refusal("renames", t(locale, "mcp.group_rename_unknown", tool=tool[:80]))
        if len(found) > 1:
            raise Refusal("renames", t(locale, "mcp.group_rename_twice_chosen", tool=tool[:80]))
        member = out[found[0]]
        out[found[0]] = Member(member.entry_id, member.tool, new_name, member.description)
    return out


def renames_text(members: Iterable[Member]) -> str:
    return "\n".join(f"{m.tool} = {m.rename}" for m in members if m.tool and m.rename)


# ---------------------------------------------------------------- the groups


def url_of(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}{PREFIX}/{slug}"


def group_choices(groups: Sequence[Group]) -> list[tuple[str, str]]:
    return [(f"{g.name} · {PREFIX}/{g.slug}", g.id) for g in groups]


def owner_words(group: Group, team_names: Mapping[str, str], locale: str) -> str:
    if group.visibility == "team":
        return t(locale, "mcp.group_of_team", team=team_names.get(group.owner_id, group.owner_id))
    return t(locale, "mcp.scope_mine")


def groups_html(groups: Sequence[Group], labels: Mapping[str, str], team_names: Mapping[str, str],
                locale: str) -> str:
    """The caller's groups: name and description, address, whose, members (by their choices' labels), options."""
    rows = []
    for group in groups:
        name = f"<b>{esc(group.name)}</b>" + (f'<div class="muted">{esc(group.description)}</div>'
                                              if group.description else "")
        members = "<br>".join(esc(labels.get(member_value(m.entry_id, m.tool), member_value(m.entry_id, m.tool))
                                  + (f" → {m.rename}" if m.rename else "")) for m in group.members)
        options = []
        if group.allow_destructive:
            options.append(badge(t(locale, "mcp.group_destructive_on"), "changed"))
        if group.tool_search:
            options.append(badge(t(locale, "mcp.group_search_on"), "new"))
        rows.append([name, f"<code>{esc(PREFIX)}/{esc(group.slug)}</code>",
                     esc(owner_words(group, team_names, locale)), members, " ".join(options)])
    heads = [t(locale, f"mcp.group_col_{c}") for c in ("name", "address", "owner", "members", "options")]
    return tables.table(heads, rows, t(locale, "mcp.group_none"), raw_columns=range(5),
                        row_ids=[g.id for g in groups])


def endpoint(base_url: str, group: Group | None, locale: str) -> dict[str, Any]:
    """What the endpoint part shows for ``group`` (None: the workbench's own tools at ``/mcp/v1/workbench``): its
    heading, the streamable HTTP and SSE addresses, what the key placeholder is, and each client's configuration."""
    slug = group.slug if group is not None else WORKBENCH
    url = url_of(base_url, slug)
    heading = (t(locale, "mcp.group_endpoint_of", name=literal(group.name)) if group is not None
               else t(locale, "mcp.group_endpoint_workbench"))
    out: dict[str, Any] = {
        "group_endpoint": heading, "group_url": url, "group_sse": f"{url}/sse",
        "group_key_note": t(locale, "mcp.group_key_note", placeholder=KEY_PLACEHOLDER),
        "group_workbench": t(locale, "mcp.group_workbench_note", url=url_of(base_url, WORKBENCH))}
    for config in client_configs(url, server_name(slug)):
        out[f"group_where.{config.client}"] = config.where.text(locale)
        out[f"group_config.{config.client}"] = config.text
    return out


# ---------------------------------------------------------------- the layout


def build_tab(i18n: gr.I18n) -> dict[str, Any]:
    """The tab's components (inside ``gr.Tab``), by the names of ``GROUP.outputs`` and the buttons'."""
    gr.Markdown(i18n("mcp.groups_intro"))
    parts: dict[str, Any] = {"group_notice": gr.Markdown(elem_id="mcp-group-notice"),
                             "group_list": gr.HTML(css_template=view.CSS, elem_id="mcp-group-list")}
    with gr.Row(equal_height=True):
        parts["group_pick"] = gr.Dropdown(label=i18n("mcp.group_open"), choices=[], scale=4,
                                          elem_id="mcp-group-pick")
        parts["group_new"] = gr.Button(i18n("mcp.group_new"), scale=1, elem_id="mcp-group-new")
    parts["group_box"] = gr.Textbox(visible="hidden", elem_id="mcp-group-id")
    with gr.Accordion(i18n("mcp.group_form"), open=True, elem_id="mcp-group-form"):
        with gr.Row():
            parts["group_slug"] = gr.Textbox(label=i18n("mcp.group_f_slug"), info=i18n("mcp.group_f_slug_info"),
                                             max_lines=1, placeholder="ai4science", elem_id="mcp-group-slug")
            parts["group_name"] = gr.Textbox(label=i18n("mcp.group_f_name"), max_lines=1, elem_id="mcp-group-name")
        parts["group_description"] = gr.Textbox(label=i18n("mcp.group_f_description"), lines=2,
                                                elem_id="mcp-group-description")
        with gr.Row():
            parts["group_visibility"] = gr.Radio(label=i18n("mcp.group_f_owner"), choices=[],
                                                 elem_id="mcp-group-visibility")
            parts["group_team"] = gr.Dropdown(label=i18n("mcp.f_team"), choices=[], elem_id="mcp-group-team")
        parts["group_members"] = gr.Dropdown(label=i18n("mcp.group_f_members"), info=i18n("mcp.group_f_members_info"),
                                             choices=[], multiselect=True, elem_id="mcp-group-members")
        parts["group_renames"] = gr.Textbox(label=i18n("mcp.group_f_renames"), info=i18n("mcp.group_f_renames_info"),
                                            lines=2, placeholder="now=lab_time", elem_id="mcp-group-renames")
        with gr.Row():
            parts["group_destructive"] = gr.Checkbox(label=i18n("mcp.group_f_destructive"),
                                                     elem_id="mcp-group-destructive")
            parts["group_search"] = gr.Checkbox(label=i18n("mcp.group_f_search"), elem_id="mcp-group-tool-search")
        with gr.Row(equal_height=True):
            parts["group_save"] = gr.Button(i18n("mcp.group_save"), variant="primary", elem_id="mcp-group-save")
            parts["group_delete_confirm"] = gr.Checkbox(label=i18n("mcp.group_f_confirm_delete"),
                                                        elem_id="mcp-group-delete-confirm")
            parts["group_delete"] = gr.Button(i18n("mcp.group_delete"), variant="stop", elem_id="mcp-group-delete")
    parts["group_endpoint"] = gr.Markdown(elem_id="mcp-group-endpoint")
    with gr.Row():
        parts["group_url"] = gr.Textbox(label=i18n("mcp.group_url"), interactive=False, buttons=["copy"],
                                        elem_id="mcp-group-url")
        parts["group_sse"] = gr.Textbox(label=i18n("mcp.group_sse"), interactive=False, buttons=["copy"],
                                        elem_id="mcp-group-sse-url")
    parts["group_key_note"] = gr.Markdown(elem_id="mcp-group-key-note")
    with gr.Tabs(elem_id="mcp-group-configs"):
        for client in CLIENTS:
            with gr.Tab(TITLES[client], id=f"config-{client}", elem_id=f"mcp-group-tab-{dashed(client)}"):
                parts[f"group_where.{client}"] = gr.Markdown(elem_id=f"mcp-group-where-{dashed(client)}")
                parts[f"group_config.{client}"] = gr.Code(
                    label=TITLES[client], language=LANGUAGES[client], interactive=False, buttons=["copy"],
                    show_line_numbers=False, wrap_lines=True, max_lines=40,
                    elem_id=f"mcp-group-config-{dashed(client)}")
    parts["group_workbench"] = gr.Markdown(elem_id="mcp-group-workbench")
    return parts


def wire(page: gr.Blocks, handlers: Any, parts: Mapping[str, Any], lang: Any, common: Mapping[str, Any]) -> None:
    """The tab's events: on load, when the tab is shown again, opening a group, a new one, saving, deleting (each
    refusal marks its field). ``parts["group_tab"]``: the ``gr.Tab`` it is in."""
    from app.shell.forms import focus_first_bad

    outputs = [parts[name] for name in GROUP.outputs]
    fields = [parts[name] for name in FIELDS]
    page.load(handlers.groups_load, inputs=[lang], outputs=outputs, **common)
    parts["group_tab"].select(handlers.refresh_groups, inputs=[parts["group_box"], lang], outputs=outputs, **common)
    parts["group_pick"].input(handlers.open_group, inputs=[parts["group_pick"], lang], outputs=outputs, **common)
    parts["group_new"].click(handlers.new_group, inputs=[lang], outputs=outputs, **common)
    saving = parts["group_save"].click(
        handlers.save_group,
        inputs=[parts[n] for n in ("group_box", "group_slug", "group_name", "group_description", "group_visibility",
                                   "group_team", "group_members", "group_renames", "group_destructive",
                                   "group_search")] + [lang], outputs=outputs, **common)
    focus_first_bad(saving, fields)
    deleting = parts["group_delete"].click(handlers.delete_group,
                                           inputs=[parts["group_box"], parts["group_delete_confirm"], lang],
                                           outputs=outputs, **common)
    focus_first_bad(deleting, fields)
