"""The MCP page's handlers for administrators: import a ``server.json`` (a file or pasted text; refused with the
field named), install a stdio server from its package identity (the values it needs; secrets stored sealed and only
said to be set or not), follow the install's progress, start, stop and restart it, read its logs; usage per server
and the audit trail.

``AdminHandlers`` extends ``ManageHandlers``. Each handler asks ``McpContext.admin`` first (a member is refused
before anything is read) and the services check again (``Installs`` and ``Supervisor`` refuse a viewer who is not
an admin). Installs happen only when an admin asks: nothing is fetched at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from app.mcp import view
from app.mcp.context import Caller, t
from app.mcp.manage import ManageHandlers
from app.mcp.parts import admin_tab, install_part
from app.mcp.states import AdminTab, Contents, ImportView, InstallView, fields_of
from app.shell.access import error
from workbench.errors import WorkbenchError
from workbench.mcp import inputs
from workbench.mcp.catalogue import Entry
from workbench.mcp.installs import Install
from workbench.mcp.server_json import MAX_BYTES, Package


def stdio_package(entry: Entry) -> Package | None:
    """The package an install would use: the entry's first stdio one."""
    return next((p for p in entry.server.packages if p.transport.type == "stdio"), None)


def form_values(fields: list[inputs.Field], values: Mapping[str, Any], *, keep_empty: bool) -> dict[str, Any]:
    """What was typed for each value an install needs, as ``Installs`` takes it: a repeated value one per line,
    empty ones left out (``keep_empty``: given as "" so a configure clears them; a secret left empty is kept)."""
    out: dict[str, Any] = {}
    for f in fields:
        value = values.get(f.key)
        text = "" if value is None else str(value).strip()
        if f.repeated and text:
            out[f.key] = [line.strip() for line in text.splitlines() if line.strip()]
        elif text or (keep_empty and not f.is_secret):
            out[f.key] = text
    return out


class AdminHandlers(ManageHandlers):
    """Imports, installs and running servers, usage and audit (administrators only)."""

    def admin_refresh(self, lang: str, request: gr.Request) -> AdminTab:
        """The admins' tab again: usage per server (calls, errors, p50 / p95), installs, the audit trail."""
        return admin_tab(self.ctx, self.ctx.admin(lang, request))

    # -- imports -----------------------------------------------------------------------------------------------
    def import_text(self, text: str | None, query: str | None, lang: str, request: gr.Request) -> ImportView:
        """A pasted ``server.json`` published to everyone (an entry of the same name is replaced in place); a
        refusal names the field (``packages[0].version``) and keeps the text."""
        caller = self.ctx.admin(lang, request)
        return self._import(caller, text or "", query)

    def import_file(self, file: Any, query: str | None, lang: str, request: gr.Request) -> ImportView:
        """An uploaded ``server.json`` (read up to its size limit)."""
        caller = self.ctx.admin(lang, request)
        path = getattr(file, "path", None) or getattr(file, "name", None) or file
        if not path:
            raise error(t(caller.locale, "mcp.choose_file"), caller.locale)
        with open(Path(str(path)), "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        return self._import(caller, data, query, keep=gr.update())

    async def import_url(self, url: str | None, query: str | None, lang: str, request: gr.Request) -> ImportView:
        """The ``server.json`` at an address (public unless the admins' allow-list opens its host; no redirect
        followed; size-bounded); a refusal names the address's problem or the file's field, and keeps the box."""
        caller = self.ctx.admin(lang, request)
        try:
            entry = await self.ctx.mcp.hub.import_url(url or "", caller.viewer)
        except WorkbenchError as exc:
            return self._refused_import(caller, query, exc)
        return self._imported(caller, entry, query, gr.update())

    def _import(self, caller: Caller, text: str | bytes, query: str | None, keep: Any = "") -> ImportView:
        mcp = self.ctx.mcp
        try:
            entry = mcp.catalogue.import_json(text, caller.viewer)
        except WorkbenchError as exc:
            return self._refused_import(caller, query, exc)
        mcp.hub.audit.add(caller.viewer.user_id, "import", entry.id, entry.name, {"version": entry.version})
        return self._imported(caller, entry, query, keep)

    def _refused_import(self, caller: Caller, query: str | None, exc: WorkbenchError) -> ImportView:
        return ImportView(**fields_of(self.listing(caller, query), self.closed()), notice="",
                          import_note=view.notice_html(exc.text(caller.locale), "error"), import_text=gr.update())

    def _imported(self, caller: Caller, entry: Entry, query: str | None, keep: Any) -> ImportView:
        said = t(caller.locale, "mcp.imported", name=entry.listing(caller.locale).title)
        return ImportView(**fields_of(self.listing(caller, query, entry.id), self.opened(caller, entry)),
                          notice=view.notice_html(said), import_note=view.notice_html(said), import_text=keep)

    # -- installs ----------------------------------------------------------------------------------------------
    def value_fields(self, caller: Caller, entry: Entry) -> tuple[list[inputs.Field], Install | None]:
        """The values the entry's stdio package asks for, and its install (None before the first)."""
        package = stdio_package(entry)
        if package is None or self.ctx.mcp.installs is None:
            return [], None
        try:
            install = self.ctx.mcp.installs.get(entry.id, caller.viewer)
        except WorkbenchError:
            install = None
        return inputs.fields_of(package), install

    def _installed(self, caller: Caller, entry: Entry, note: str | None, kind: str = "", bump: bool = False,
                   log: Any = None) -> InstallView:
        """The install part after an action; ``note`` None leaves the last one shown."""
        status = self.ctx.server_status(entry)
        return InstallView(**fields_of(install_part(self.ctx, caller, entry, bump=bump)),
                           install_note=gr.update() if note is None else view.notice_html(note, kind),
                           log_html=gr.update() if log is None else log,
                           head=view.head_html(entry, status, caller.viewer.user_id, caller.locale))

    def _admin_entry(self, entry_id: str | None, lang: str, request: gr.Request) -> tuple[Caller, Entry]:
        caller = self.ctx.admin(lang, request)
        if self.ctx.mcp.installs is None:
            raise error(t(caller.locale, "mcp.no_installs_here"), caller.locale)
        return caller, self.ctx.entry(caller, entry_id)

    async def install(self, entry_id: str | None, values: Mapping[str, Any] | None, lang: str,
                      request: gr.Request) -> InstallView:
        """Begin installing the entry's package with the values typed (checked now, secrets sealed now); the
        progress follows on the timer. A refused value is named."""
        caller, entry = self._admin_entry(entry_id, lang, request)
        fields, _ = self.value_fields(caller, entry)
        try:
            await self.ctx.mcp.installs.install(entry, caller.viewer, form_values(fields, values or {},
                                                                                 keep_empty=False))
        except WorkbenchError as exc:
            return self._installed(caller, entry, exc.text(caller.locale), "error")
        return self._installed(caller, entry, t(caller.locale, "mcp.installing"))

    def configure(self, entry_id: str | None, values: Mapping[str, Any] | None, lang: str,
                  request: gr.Request) -> InstallView:
        """Change the installed server's values (a secret left empty is kept); they apply at its next start."""
        caller, entry = self._admin_entry(entry_id, lang, request)
        fields, _ = self.value_fields(caller, entry)
        try:
            self.ctx.mcp.installs.configure(entry.id, form_values(fields, values or {}, keep_empty=True),
                                            caller.viewer)
        except WorkbenchError as exc:
            return self._installed(caller, entry, exc.text(caller.locale), "error")
        return self._installed(caller, entry, t(caller.locale, "mcp.configured"), bump=True)

    def install_tick(self, entry_id: str | None, lang: str, request: gr.Request) -> InstallView:
        """The timer: the install's step and its output's last lines; once it ended, the timer stops and the values
        form is drawn again (Install becomes Save values)."""
        caller, entry = self._admin_entry(entry_id, lang, request)
        done = not install_part(self.ctx, caller, entry).install_timer.active
        return self._installed(caller, entry, "" if done else None, bump=done)

    async def _act(self, entry_id: str | None, lang: str, request: gr.Request, action: str) -> InstallView:
        caller, entry = self._admin_entry(entry_id, lang, request)
        mcp, viewer = self.ctx.mcp, caller.viewer
        try:
            if action == "cancel":
                await mcp.installs.cancel(entry.id, viewer)
            elif action == "uninstall":
                await mcp.installs.uninstall(entry.id, viewer)
            elif mcp.supervisor is None:
                raise error(t(caller.locale, "mcp.no_installs_here"), caller.locale)
            elif action == "start":
                await mcp.supervisor.start(entry.id, viewer)
            elif action == "stop":
                await mcp.supervisor.stop(entry.id, viewer)
            else:
                await mcp.supervisor.restart(entry.id, viewer)
        except WorkbenchError as exc:
            return self._installed(caller, entry, exc.text(caller.locale), "error", bump=True)
        return self._installed(caller, entry, t(caller.locale, f"mcp.done_{action}"), bump=True)

    async def cancel_install(self, entry_id: str | None, lang: str, request: gr.Request) -> InstallView:
        return await self._act(entry_id, lang, request, "cancel")

    async def uninstall(self, entry_id: str | None, lang: str, request: gr.Request) -> InstallView:
        """Stop the server, remove its files, forget its values and secrets."""
        return await self._act(entry_id, lang, request, "uninstall")

    async def start(self, entry_id: str | None, lang: str, request: gr.Request) -> InstallView:
        """Start the installed server (returns once it answered the handshake, or says why not)."""
        return await self._act(entry_id, lang, request, "start")

    async def stop(self, entry_id: str | None, lang: str, request: gr.Request) -> InstallView:
        return await self._act(entry_id, lang, request, "stop")

    async def contents_if_running(self, entry_id: str | None, lang: str, request: gr.Request) -> Contents:
        """After a start: what the server offers, listed now (its tools then wait in the review); nothing changes
        when it is not running (a failed start is not tried again by the listing)."""
        _, entry = self._admin_entry(entry_id, lang, request)
        supervisor = self.ctx.mcp.supervisor
        if supervisor is None or supervisor.state(entry.id).status != "running":
            return Contents(contents_html=gr.update(), tool_pick=gr.update(), resource_pick=gr.update(),
                            prompt_pick=gr.update(), prompt_specs=gr.update())
        return await self.contents(entry_id, lang, request)

    async def restart(self, entry_id: str | None, lang: str, request: gr.Request) -> InstallView:
        return await self._act(entry_id, lang, request, "restart")

    def server_log(self, entry_id: str | None, lang: str, request: gr.Request) -> str:
        """The running server's stderr (capped, its secrets' values hidden)."""
        caller, entry = self._admin_entry(entry_id, lang, request)
        if self.ctx.mcp.supervisor is None:
            return ""
        text = self.ctx.call(caller, self.ctx.mcp.supervisor.log, entry.id, caller.viewer)
        return view.pre(text or t(caller.locale, "mcp.log_empty"))

    def install_log(self, entry_id: str | None, lang: str, request: gr.Request) -> str:
        """The install's output (pip's or npm's)."""
        caller, entry = self._admin_entry(entry_id, lang, request)
        text = self.ctx.call(caller, self.ctx.mcp.installs.log, entry.id, caller.viewer)
        return view.pre(text or t(caller.locale, "mcp.log_empty"))
