"""The papers page's library tab: upload a PDF into the personal space or a team, the list of the caller's papers
(refreshed on a timer while any is being parsed), open one, move it to a team, delete it (after a confirmation).

Each handler looks the caller up again (``PapersContext.who``) and answers every output of the page
(``app.papers.states.OUTPUTS``): a refusal is said in the library's notice and marked at its field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from app.papers import view
from app.papers.context import PapersContext, t
from app.shell.forms import Refusal, literal
from workbench.errors import WorkbenchError


class LibraryHandlers:
    """The library tab (see the module doc)."""

    ctx: PapersContext

    def load(self, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Page load: the list, the forms' choices, no paper open."""
        caller = self.ctx.who(lang, request)
        return self.ctx.accepted("lib", caller, lib_notice="", **self.ctx.lists(caller), **self.ctx.forms(caller),
                                 **self.ctx.closed(caller))

    def tick(self, paper_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The timer's refresh of the list (with each paper's parse progress); it stops when none is parsing, and
        the open paper's heading is drawn again then (its pages are known)."""
        caller = self.ctx.who(lang, request)
        lists = self.ctx.lists(caller, paper_id)
        if lists["lib_timer"].active or not paper_id:
            return self.ctx.accepted("lib", caller, **lists)
        try:
            paper = self.ctx.paper(caller, paper_id)
        except (WorkbenchError, Refusal):
            return self.ctx.accepted("lib", caller, **lists, **self.ctx.closed(caller))
        names = self.ctx.team_names(caller)
        return self.ctx.accepted("lib", caller, **lists,
                                 head=view.head_html(paper, names.get(paper.team_id, "—"), caller.locale))

    def upload(self, file: Any, team_id: str | None, paper_id: str | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        """A PDF kept and queued to be parsed, in the chosen team (the personal space by default); the list shows
        its progress. Answers ``states.UPLOAD_OUTPUTS`` (the file box emptied last)."""
        caller = self.ctx.who(lang, request)
        path = str(getattr(file, "path", None) or file or "")
        try:
            if not path:
                raise Refusal("file", t(caller.locale, "papers.choose_file"))
            data = Path(path).read_bytes()
            paper = self.ctx.pp.upload(caller.user_id, data, Path(path).name, team_id=team_id or None)
        except (WorkbenchError, Refusal) as exc:
            return (*self.ctx.refused("lib", caller, exc), None)
        said = t(caller.locale, "papers.uploaded", name=literal(paper.filename))
        return (*self.ctx.accepted("lib", caller, lib_notice=f"✅ {said}", **self.ctx.lists(caller, paper_id)), None)

    def open_paper(self, paper_id: str | None, model: str | None, read_lang: str | None, lang: str,
                   request: gr.Request) -> tuple[Any, ...]:
        """A paper picked: its heading, its reading (if there is one with the chosen model and language) and a new
        question thread."""
        caller = self.ctx.who(lang, request)
        if not paper_id:
            return self.ctx.accepted("lib", caller, lib_notice="", **self.ctx.closed(caller))
        try:
            paper = self.ctx.paper(caller, paper_id)
            return self.ctx.accepted("lib", caller, lib_notice="", read_notice="", ask_notice="",
                                     **self.ctx.opened(caller, paper, model, read_lang))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("lib", caller, exc)

    def move(self, paper_id: str | None, team_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Move the open paper to a team of the caller's (admin and up of the paper, member and up of the team)."""
        caller = self.ctx.who(lang, request)
        try:
            self.ctx.paper(caller, paper_id, "manage")
            if not team_id:
                raise Refusal("team_id", t(caller.locale, "papers.choose_team"))
            paper = self.ctx.pp.library.move(caller.user_id, str(paper_id), team_id)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        names = self.ctx.team_names(caller)
        said = t(caller.locale, "papers.moved", title=literal(paper.title), team=literal(names.get(paper.team_id)))
        return self.ctx.accepted("manage", caller, lib_notice=f"✅ {said}", **self.ctx.lists(caller, paper.id),
                                 head=view.head_html(paper, names.get(paper.team_id, "—"), caller.locale))

    def to_kb(self, paper_id: str | None, kb_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Queue the open paper's PDF into a knowledge base the caller may upload to (its own check refuses the
        rest); its sections become the chunks' headings there."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id)
            if not kb_id or self.ctx.knowledge is None:
                raise Refusal("kb", t(caller.locale, "papers.choose_kb"))
            document = self.ctx.pp.add_to_kb(self.ctx.knowledge, caller.user_id, paper.id, str(kb_id))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        names = dict((value, label) for label, value in self.ctx.kb_choices(caller))
        said = t(caller.locale, "papers.added_to_kb", title=literal(document.name), kb=literal(names.get(kb_id, "")))
        return self.ctx.accepted("manage", caller, lib_notice=f"✅ {said}")

    def delete(self, paper_id: str | None, confirm: bool | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Delete the open paper with its readings and questions, once the box is ticked."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id, "manage")
            if confirm is not True:
                raise Refusal("confirm", t(caller.locale, "papers.confirm_first"))
            self.ctx.pp.delete(caller.user_id, paper.id)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        said = t(caller.locale, "papers.deleted", title=literal(paper.title))
        return self.ctx.accepted("manage", caller, lib_notice=f"✅ {said}", **self.ctx.lists(caller),
                                 **self.ctx.closed(caller))
