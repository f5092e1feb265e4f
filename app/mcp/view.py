"""Pure renderers of the MCP page: the catalogue, a server's header and how to install it, what it offers (tools
with their schemas, resources, prompts), a tool's result (text, images, audio, embedded resources, structured
content), runs, the review of its tools (flags, diffs), header values, installs, usage and the audit trail.

Every value is escaped (``app.shell.tables.esc``); a server's words are data, never markup. A picture is shown only
in a type a browser cannot run code from (``ImagePart.safe``: no SVG), as a ``data:`` address.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import gradio as gr

from app.shell import tables
from app.shell.i18n import translate
from app.shell.tables import badge, esc
from workbench.mcp.catalogue import Entry
from workbench.mcp.results import AudioPart, ImagePart, LinkPart, OmittedPart, Part, ResourcePart, TextPart

SCHEMA_CHARS = 20_000                 # of a schema shown in the page
CSS = tables.CSS + """
.mcp-head h3 { margin: 0 0 4px 0; }
.mcp-head .tags { margin-top: 4px; }
.mcp-tag { display: inline-block; padding: 0 7px; margin: 2px 4px 2px 0; border-radius: 8px; font-size: 0.85em;
           background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.mcp-pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 28em; overflow-y: auto; margin: 4px 0;
           padding: 6px 8px; border-radius: 6px; background: var(--background-fill-secondary); font-size: 0.9em; }
.mcp-result .mcp-part { margin: 8px 0; }
.mcp-result img { max-width: 100%; max-height: 480px; border: 1px solid var(--border-color-primary); }
.mcp-error { color: #991b1b; }
.mcp-warn { color: #854d0e; }
.mcp-diff del { background: #fee2e2; color: #991b1b; }
.mcp-diff ins { background: #dcfce7; color: #166534; text-decoration: none; }
.mcp-note ul { margin: 4px 0; padding-left: 20px; }
.b-remote { background: #e0f2fe; color: #075985; }
.b-running { background: #dcfce7; color: #166534; }
.b-installed, .b-new { background: #e0e7ff; color: #3730a3; }
.b-installing, .b-changed, .b-restarting, .b-starting { background: #fef9c3; color: #854d0e; }
.b-failed, .b-removed, .b-error { background: #fee2e2; color: #991b1b; }
.b-not_installed, .b-stopped, .b-disabled_entry { background: #f3f4f6; color: #374151; }
.b-ok { background: #dcfce7; color: #166534; }
"""
STATUS_KIND = {"approved": "approved", "new": "new", "changed": "changed", "removed": "removed"}


def t(locale: str, key: str, **fields: Any) -> str:
    return translate(key, locale, **fields)


def notice_html(text: str, kind: str = "") -> str:
    """One line said by the page (``kind`` "error" in red)."""
    if not text:
        return ""
    return f'<div class="mcp-note {"mcp-error" if kind == "error" else ""}">{esc(text)}</div>'


def pre(text: str) -> str:
    return f'<pre class="mcp-pre">{esc(text)}</pre>'


def as_json(value: Any, most: int = SCHEMA_CHARS) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return text if len(text) <= most else text[:most] + "\n…"


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


def tags_html(tags: Iterable[str]) -> str:
    return "".join(f'<span class="mcp-tag">{esc(tag)}</span>' for tag in tags)


# ---------------------------------------------------------------- the catalogue


def kinds(entry: Entry) -> list[str]:
    """pypi | npm | remote, as the entry offers them."""
    found = [p.registry_type for p in entry.server.packages] + (["remote"] if entry.server.remotes else [])
    return list(dict.fromkeys(found))


def kind_badges(entry: Entry, locale: str) -> str:
    """pypi, npm (the registries' own names) and remote (in words)."""
    return " ".join(badge(t(locale, "mcp.kind_remote"), "remote") if k == "remote" else badge(k, "admin")
                    for k in kinds(entry))


def status_badge(status: str, locale: str) -> str:
    return badge(t(locale, f"mcp.status_{status}"), status)


def scope_words(entry: Entry, viewer_id: str, locale: str) -> str:
    """Who sees the entry: everyone, a team, only me."""
    if entry.visibility == "everyone":
        return t(locale, "mcp.scope_everyone")
    if entry.visibility == "team":
        return t(locale, "mcp.scope_team")
    return t(locale, "mcp.scope_mine") if entry.owner_id == viewer_id else t(locale, "mcp.scope_user")


def catalogue_html(rows: Sequence[tuple[Entry, str]], viewer_id: str, locale: str, query: str = "") -> str:
    """The entries (with their status: ``McpContext.server_status``): title and description, kind, tags, status,
    who sees it."""
    body = []
    for entry, status in rows:
        listing = entry.listing(locale)
        name = (f"<b>{esc(listing.title)}</b> <code>{esc(entry.name)}</code>"
                f'<div class="muted">{esc(listing.description)}</div>')
        state = status_badge(status, locale)
        if not entry.enabled:
            state += " " + badge(t(locale, "mcp.disabled"), "disabled")
        body.append([name, kind_badges(entry, locale),
                     tags_html(listing.tags), state, esc(scope_words(entry, viewer_id, locale))])
    heads = [t(locale, f"mcp.col_{c}") for c in ("server", "kind", "tags", "status", "scope")]
    empty = t(locale, "mcp.no_match", query=query) if query.strip() else t(locale, "mcp.no_servers")
    return tables.table(heads, body, empty, raw_columns=range(5), row_ids=[e.id for e, _ in rows])


def catalogue_choices(entries: Sequence[Entry], locale: str) -> list[tuple[str, str]]:
    return [(f"{e.listing(locale).title} · {e.name}", e.id) for e in entries]


def head_html(entry: Entry, status: str, viewer_id: str, locale: str) -> str:
    """An open entry's header: title, name and version, kinds, status, who sees it, description, tags, links."""
    listing, server = entry.listing(locale), entry.server
    links = []
    if server.repository is not None:
        links.append(f'<a href="{esc(server.repository.url)}" target="_blank" rel="noopener noreferrer">'
                     f'{esc(t(locale, "mcp.repository"))}</a>')
    if server.website_url:
        links.append(f'<a href="{esc(server.website_url)}" target="_blank" rel="noopener noreferrer">'
                     f'{esc(t(locale, "mcp.website"))}</a>')
    disabled = " " + badge(t(locale, "mcp.disabled"), "disabled") if not entry.enabled else ""
    return (f'<div class="mcp-head"><h3>{esc(listing.title)}</h3>'
            f'<div><code>{esc(entry.name)}</code> · {esc(t(locale, "mcp.version", version=entry.version))} · '
            f'{kind_badges(entry, locale)} '
            f'{status_badge(status, locale)}{disabled} · {esc(scope_words(entry, viewer_id, locale))}</div>'
            f'<p>{esc(listing.description)}</p><div class="tags">{tags_html(listing.tags)}</div>'
            f'<div class="muted">{" · ".join(links)}</div></div>')


def _input_rows(items: Iterable[Any], locale: str, name_of: Any) -> list[list[str]]:
    rows = []
    for item in items:
        marks = [t(locale, "mcp.required") if item.is_required else t(locale, "mcp.optional")]
        if item.is_secret:
            marks.append(t(locale, "mcp.secret"))
        about = esc(item.description)
        if item.choices:
            about += f'<div class="muted">{esc(t(locale, "mcp.choices", choices=", ".join(item.choices)))}</div>'
        fixed = item.value if item.value is not None else item.default
        if fixed is not None and not item.is_secret:
            about += f'<div class="muted">{esc(t(locale, "mcp.default", value=fixed))}</div>'
        rows.append([f"<code>{esc(name_of(item))}</code>", about, esc(" · ".join(marks))])
    return rows


def install_html(entry: Entry, locale: str) -> str:
    """How to install or reach the server: each package's identity and what it needs (arguments, environment
    variables), each remote's address and headers."""
    out = []
    heads = [t(locale, f"mcp.col_{c}") for c in ("name", "description", "needs")]
    for package in entry.server.packages:
        identity = (f"pip install {package.identifier}=={package.version}" if package.registry_type == "pypi"
                    else f"npm install {package.identifier}@{package.version}")
        out.append(f"<h4>{esc(t(locale, 'mcp.package', kind=package.registry_type, name=package.identifier))}</h4>"
                   f"<p>{esc(t(locale, 'mcp.install_how'))}</p>{pre(identity)}"
                   f'<div class="muted">{esc(t(locale, "mcp.transport", transport=package.transport.type))}</div>')
        arguments = _input_rows(package.package_arguments, locale, lambda a: a.name or a.value_hint or "")
        if arguments:
            out.append(f"<h4>{esc(t(locale, 'mcp.arguments'))}</h4>"
                       + tables.table(heads, arguments, "", raw_columns=range(3)))
        env = _input_rows(package.environment_variables, locale, lambda v: v.name)
        if env:
            out.append(f"<h4>{esc(t(locale, 'mcp.env_vars'))}</h4>"
                       + tables.table(heads, env, "", raw_columns=range(3)))
    for remote in entry.server.remotes:
        out.append(f"<h4>{esc(t(locale, 'mcp.remote', transport=remote.type))}</h4>{pre(remote.url or '')}")
        headers = _input_rows(remote.headers, locale, lambda h: h.name)
        if headers:
            out.append(f"<h4>{esc(t(locale, 'mcp.headers'))}</h4>" + tables.table(heads, headers, "",
                                                                                 raw_columns=range(3)))
    return "".join(out)


# ---------------------------------------------------------------- what a server offers


def annotations_html(annotations: Any, locale: str) -> str:
    if not isinstance(annotations, dict):
        return ""
    words = []
    if annotations.get("destructiveHint") or annotations.get("destructive_hint"):
        words.append(f'<span class="mcp-warn">{esc(t(locale, "mcp.destructive"))}</span>')
    if annotations.get("readOnlyHint") or annotations.get("read_only_hint"):
        words.append(esc(t(locale, "mcp.read_only")))
    return " · ".join(words)


def contents_html(contents: Any, locale: str) -> str:
    """``hub.ServerContents``: the server's instructions, tools (state, description, schema), resources, templates,
    prompts, and how long listing them took."""
    listed = t(locale, "mcp.listed", name=contents.server_name or contents.server,
               version=contents.server_version or "—", ms=f"{contents.elapsed_ms:.0f}")
    out = [f'<div class="muted">{esc(listed)}</div>']
    if contents.instructions:
        out.append(_details(t(locale, "mcp.instructions"), pre(contents.instructions)))
    tools = []
    for tool in contents.tools:
        about = esc(tool.description) + _details(t(locale, "mcp.schema"), pre(as_json(tool.input_schema)))
        if tool.output_schema:
            about += _details(t(locale, "mcp.output_schema"), pre(as_json(tool.output_schema)))
        extra = annotations_html(tool.annotations, locale)
        tools.append([f"<code>{esc(tool.name)}</code>" + (f"<div>{esc(tool.title)}</div>" if tool.title else ""),
                      about + (f"<div>{extra}</div>" if extra else ""),
                      badge(t(locale, f"mcp.tool_{tool.state}"), STATUS_KIND.get(tool.state, "pending"))])
    heads = [t(locale, f"mcp.col_{c}") for c in ("tool", "description", "state")]
    out.append(f"<h4>{esc(t(locale, 'mcp.tools', count=len(contents.tools)))}</h4>"
               + tables.table(heads, tools, t(locale, "mcp.no_tools"), raw_columns=range(3)))
    if contents.resources or contents.templates:
        rows = [[f"<code>{esc(r.uri)}</code>", esc(r.title or r.name), esc(r.description), esc(r.mime_type)]
                for r in contents.resources]
        rows += [[f"<code>{esc(r.uri_template)}</code>", esc(r.title or r.name), esc(r.description),
                  esc(r.mime_type)] for r in contents.templates]
        heads = [t(locale, f"mcp.col_{c}") for c in ("uri", "name", "description", "type")]
        out.append(f"<h4>{esc(t(locale, 'mcp.resources', count=len(rows)))}</h4>"
                   + tables.table(heads, rows, "", raw_columns=range(4)))
    if contents.prompts:
        rows = [[f"<code>{esc(p.name)}</code>", esc(p.description),
                 esc(", ".join(a.name + ("*" if a.required else "") for a in p.arguments) or "—")]
                for p in contents.prompts]
        heads = [t(locale, f"mcp.col_{c}") for c in ("prompt", "description", "arguments")]
        out.append(f"<h4>{esc(t(locale, 'mcp.prompts', count=len(rows)))}</h4>"
                   + tables.table(heads, rows, "", raw_columns=range(3)))
    return "".join(out)


def tool_html(tool: Any, locale: str) -> str:
    """An approved tool before its form (``pins.PinnedTool``): its words as approved, warnings, its schema."""
    extra = annotations_html(tool.annotations, locale)
    return (f"<div><b><code>{esc(tool.name)}</code></b> {esc(tool.title)}</div><p>{esc(tool.description)}</p>"
            + (f"<div>{extra}</div>" if extra else "")
            + _details(t(locale, "mcp.schema"), pre(as_json(tool.input_schema))))


# ---------------------------------------------------------------- answers


def part_html(part: Part, locale: str) -> str:
    if isinstance(part, TextPart):
        cut = f'<div class="muted">{esc(t(locale, "mcp.cut"))}</div>' if part.truncated else ""
        return pre(part.text) + cut
    if isinstance(part, ImagePart):
        if not part.safe:
            return notice_html(t(locale, "mcp.image_not_shown", type=part.mime_type))
        return f'<img alt="{esc(t(locale, "mcp.image"))}" src="data:{esc(part.mime_type)};base64,{esc(part.data)}">'
    if isinstance(part, AudioPart):
        return f'<audio controls src="data:{esc(part.mime_type)};base64,{esc(part.data)}"></audio>'
    if isinstance(part, ResourcePart):
        head = (f'<div>{esc(t(locale, "mcp.embedded", uri=part.uri))} '
                f'<span class="muted">{esc(part.mime_type)}</span></div>')
        if part.text is not None:
            return head + pre(part.text)
        return head + notice_html(t(locale, "mcp.blob", size=tables.number(len(part.blob or "") * 3 // 4)))
    if isinstance(part, LinkPart):
        return (f'<div>{esc(t(locale, "mcp.link", uri=part.uri))} <b>{esc(part.title or part.name)}</b> '
                f'<span class="muted">{esc(part.description)} {esc(part.mime_type)}</span></div>')
    if isinstance(part, OmittedPart):
        return notice_html(t(locale, "mcp.omitted", what=part.what, reason=part.reason.text(locale)))
    return ""


def parts_html(parts: Iterable[Part], locale: str) -> str:
    return "".join(f'<div class="mcp-part">{part_html(part, locale)}</div>' for part in parts)


def result_html(result: Any, locale: str) -> str:
    """A tool's answer (``results.ToolResult``): ok or error, the time taken, each part, the structured content."""
    state = (badge(t(locale, "mcp.result_error"), "error") if result.is_error
             else badge(t(locale, "mcp.result_ok"), "ok"))
    out = [f'<div class="mcp-result" id="mcp-result-body"><div>{state} <code>{esc(result.tool)}</code> · '
           f'{esc(t(locale, "mcp.took", ms=f"{result.elapsed_ms:.0f}"))}</div>', parts_html(result.parts, locale)]
    if result.structured is not None:
        out.append(f"<h4>{esc(t(locale, 'mcp.structured'))}</h4>{pre(as_json(result.structured))}")
    if result.structured_omitted:
        out.append(notice_html(t(locale, "mcp.structured_omitted")))
    if result.truncated:
        out.append(notice_html(t(locale, "mcp.truncated")))
    return "".join(out) + "</div>"


def resource_html(result: Any, locale: str) -> str:
    return (f'<div class="mcp-result"><div><code>{esc(result.uri)}</code> · '
            f'{esc(t(locale, "mcp.took", ms=f"{result.elapsed_ms:.0f}"))}</div>'
            f"{parts_html(result.parts, locale)}</div>")


def prompt_html(result: Any, locale: str) -> str:
    lines = "".join(f'<div class="mcp-part"><b>{esc(line.role)}</b>{part_html(line.part, locale)}</div>'
                    for line in result.messages)
    return (f'<div class="mcp-result"><div><code>{esc(result.name)}</code> {esc(result.description)} · '
            f'{esc(t(locale, "mcp.took", ms=f"{result.elapsed_ms:.0f}"))}</div>{lines}</div>')


# ---------------------------------------------------------------- runs


def runs_html(runs: Sequence[Any], locale: str) -> str:
    rows = []
    for run in runs:
        state = badge(t(locale, "mcp.result_ok"), "ok") if run.ok else badge(run.error_code or "error", "error")
        rows.append([esc(tables.when(run.started_at)), esc(run.server), f"<code>{esc(run.tool)}</code>",
                     esc(t(locale, f"mcp.source_{run.source}")), state, esc(f"{run.duration_ms:.0f} ms"),
                     f"<code>{esc(json.dumps(run.arguments, ensure_ascii=False)[:200])}</code>"])
    heads = [t(locale, f"mcp.col_{c}") for c in ("when", "server", "tool", "source", "outcome", "duration",
                                                  "arguments")]
    return tables.table(heads, rows, t(locale, "mcp.no_runs"), raw_columns=range(7), row_ids=[r.id for r in runs])


def run_choices(runs: Sequence[Any]) -> list[tuple[str, str]]:
    return [(f"{tables.when(r.started_at)} · {r.server} · {r.tool}", r.id) for r in runs]


def run_html(run: Any, locale: str) -> str:
    return (f"<div><code>{esc(run.tool)}</code> · {esc(run.server)} · {esc(tables.when(run.started_at))}</div>"
            f"<h4>{esc(t(locale, 'mcp.arguments_sent'))}</h4>{pre(as_json(run.arguments))}"
            f"<h4>{esc(t(locale, 'mcp.result_kept'))}</h4>{pre(as_json(run.result))}")


# ---------------------------------------------------------------- review and approval


def diff_html(change: Any) -> str:
    pieces = []
    for op, text in change.description:
        pieces.append(esc(text) if op == "=" else f"<del>{esc(text)}</del>" if op == "-" else f"<ins>{esc(text)}</ins>")
    return f'<div class="mcp-diff">{"".join(pieces)}</div>'


def review_html(review: Any, locale: str) -> str:
    """``pins.Review``: each tool's state, its description (as a word diff when it changed), the schema changes by
    path, and the flags with their reasons."""
    rows = []
    for tool in review.tools:
        words = str(tool.seen.get("description") or "")
        about = diff_html(tool.change) if tool.change is not None and tool.change.description_changed else esc(words)
        if tool.change is not None and tool.change.paths:
            about += "<ul>" + "".join(
                f"<li><code>{esc(c.path)}</code> {esc(t(locale, 'mcp.change_' + c.kind))}: "
                f"<code>{esc(json.dumps(c.before, ensure_ascii=False)[:200])}</code> → "
                f"<code>{esc(json.dumps(c.after, ensure_ascii=False)[:200])}</code></li>"
                for c in tool.change.paths) + "</ul>"
        if tool.flags:
            about += "<ul>" + "".join(
                f'<li class="mcp-warn">⚠ {esc(f.reason.text(locale))} <code>{esc(f.where)}</code>: '
                f'“{esc(f.excerpt)}”</li>' for f in tool.flags) + "</ul>"
        state = badge(t(locale, f"mcp.tool_{tool.state}"), STATUS_KIND.get(tool.state, "pending"))
        if tool.asks or tool.destructive:
            state += " " + badge(t(locale, "mcp.tool_asks"), "pending")
        rows.append([f"<code>{esc(tool.name)}</code>", about, state])
    heads = [t(locale, f"mcp.col_{c}") for c in ("tool", "description", "state")]
    return tables.table(heads, rows, t(locale, "mcp.not_reviewed"), raw_columns=range(3))


def headers_html(headers: Sequence[Any], locale: str) -> str:
    """A remote's headers: a secret's value is never shown, only whether it is set."""
    rows = []
    for h in headers:
        value = (t(locale, "mcp.set") if h.is_set else t(locale, "mcp.not_set")) if h.secret else (h.value or "—")
        marks = [t(locale, "mcp.required") if h.required else t(locale, "mcp.optional")]
        if h.secret:
            marks.append(t(locale, "mcp.secret"))
        rows.append([f"<code>{esc(h.name)}</code>", esc(value), esc(" · ".join(marks)), esc(h.description)])
    heads = [t(locale, f"mcp.col_{c}") for c in ("header", "value", "needs", "description")]
    return tables.table(heads, rows, t(locale, "mcp.no_headers"), raw_columns=range(4))


# ---------------------------------------------------------------- installs and running servers (admins)


def install_status_html(install: Any, state: Any, locale: str) -> str:
    """An install (``installs.Install`` or None) and the server's state (``processes.ServerState`` or None)."""
    out = []
    if install is None:
        out.append(notice_html(t(locale, "mcp.not_installed_yet")))
    else:
        step = (t(locale, "mcp.install_step", step=install.step, number=install.step_no, steps=install.steps)
                if install.status == "running" else "")
        out.append(f"<div>{badge(t(locale, 'mcp.install_' + install.status), _install_kind(install.status))} "
                   f"<code>{esc(install.registry_type)}:{esc(install.identifier)}=={esc(install.version)}</code> "
                   f"{esc(step)}</div>")
        if install.seconds is not None:
            out.append(f'<div class="muted">{esc(t(locale, "mcp.seconds", seconds=f"{install.seconds:.1f}"))}</div>')
        error = install.error_text(locale)
        if error:
            out.append(notice_html(error, "error"))
        if install.output_tail:
            out.append(pre(install.output_tail))
    if state is not None:
        line = badge(t(locale, f"mcp.server_{state.status}"), state.status)
        if state.pid:
            line += f" pid {state.pid}"
        if state.restarts:
            line += " " + esc(t(locale, "mcp.restarts", count=state.restarts))
        out.append(f"<div>{esc(t(locale, 'mcp.server'))}: {line}</div>")
        if state.error is not None:
            out.append(notice_html(state.error.text(locale), "error"))
    return "".join(out)


def _install_kind(status: str) -> str:
    return {"running": "installing", "installed": "installed", "failed": "failed"}.get(status, "not_installed")


def installs_html(installs: Sequence[Any], locale: str) -> str:
    rows = [[esc(i.name), f"<code>{esc(i.registry_type)}:{esc(i.identifier)}=={esc(i.version)}</code>",
             badge(t(locale, "mcp.install_" + i.status), _install_kind(i.status)), esc(tables.when(i.updated_at))]
            for i in installs]
    heads = [t(locale, f"mcp.col_{c}") for c in ("server", "package", "status", "when")]
    return tables.table(heads, rows, t(locale, "mcp.no_installs"), raw_columns=range(4))


USAGE_COLUMNS = ("server", "calls", "outcome")


def usage_frame(usage: Sequence[Any], locale: str) -> Any:
    """Per server (``runs.ServerUsage``): calls that succeeded and that failed, long form for stacked bars (a bar's
    height is all its calls)."""
    import pandas as pd

    ok, failed = t(locale, "mcp.series_ok"), t(locale, "mcp.series_errors")
    rows = []
    for u in usage:
        rows += [(u.server, int(u.calls) - int(u.errors), ok), (u.server, int(u.errors), failed)]
    return pd.DataFrame(rows, columns=list(USAGE_COLUMNS))


def usage_chart(usage: Sequence[Any], locale: str) -> Any:
    """The chart's update: the data, and its titles in the reader's language (set here: a plot in a tab that was
    hidden when the page was built shows an I18n title untranslated)."""
    return gr.update(value=usage_frame(usage, locale), x_title=t(locale, "mcp.col_server"),
                     y_title=t(locale, "mcp.col_calls"), color_title=t(locale, "mcp.col_outcome"))


def usage_html(usage: Sequence[Any], locale: str) -> str:
    """Per server: calls, errors, p50 / p95 duration, the last call."""
    rows = [[esc(u.server), tables.number(u.calls), tables.number(u.errors), esc(f"{u.p50_ms:.0f} ms"),
             esc(f"{u.p95_ms:.0f} ms"), esc(tables.when(u.last_at))] for u in usage]
    heads = [t(locale, f"mcp.col_{c}") for c in ("server", "calls", "errors", "p50", "p95", "last")]
    return tables.table(heads, rows, t(locale, "mcp.no_usage"), raw_columns=range(6))


def audit_html(entries: Sequence[Any], names: dict[str, str], locale: str) -> str:
    rows = [[esc(tables.when(e.ts)), esc(names.get(e.actor, e.actor) or t(locale, "mcp.workbench")),
             f"<code>{esc(e.action)}</code>", esc(e.server),
             f"<code>{esc(json.dumps(e.detail, ensure_ascii=False)[:300])}</code>"] for e in entries]
    heads = [t(locale, f"mcp.col_{c}") for c in ("when", "who", "action", "server", "detail")]
    return tables.table(heads, rows, t(locale, "mcp.no_audit"), raw_columns=range(5))
