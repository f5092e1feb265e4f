"""The papers page's reading tab: "Read" starts a deep reading of the open paper on the server (it goes on when the
page is closed), a timer redraws its progress and the statements so far until it ends, "Stop" cancels it (what was
read is kept); choosing another model or language shows that reading, if there is one. The reading and the
questions download as one Markdown file.

Each handler looks the caller up again and answers every output of the page (``app.papers.states.OUTPUTS``).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import gradio as gr

from app.papers.context import PapersContext, t
from app.shell.forms import Refusal
from workbench.errors import WorkbenchError

# the export's file given to the browser: {"name", "url"} -> a download of that name
SAVE_JS = ("(v) => { if (v) { const f = JSON.parse(v); const a = document.createElement('a'); a.href = f.url;"
           " a.download = f.name; document.body.appendChild(a); a.click(); a.remove(); } return []; }")


def download(name: str, text: str) -> str:
    """What the hidden download box holds: a Markdown file's name and its ``data:`` address (nothing goes through
    Gradio's file cache)."""
    data = base64.b64encode(text.encode("utf-8")).decode()
    return json.dumps({"name": name, "url": f"data:text/markdown;charset=utf-8;base64,{data}"})


def file_name(title: str, suffix: str = "") -> str:
    """A file name from a paper's title (letters, digits and CJK kept)."""
    stem = re.sub(r"[^\w\u3400-\u9fff-]+", "-", title or "paper").strip("-")[:80] or "paper"
    return f"{stem}{suffix}.md"


class ReadingHandlers:
    """The reading tab (see the module doc)."""

    ctx: PapersContext

    def show(self, paper_id: str | None, model: str | None, read_lang: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        """Another model or language chosen: the reading of the open paper with those, if any."""
        caller = self.ctx.who(lang, request)
        if not paper_id:
            return self.ctx.accepted("read", caller)
        try:
            self.ctx.paper(caller, paper_id)
            return self.ctx.accepted("read", caller, read_notice="",
                                     **self.ctx.reading_parts(caller, paper_id, model, read_lang))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("read", caller, exc)

    def read(self, paper_id: str | None, model: str | None, read_lang: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        """Start reading the open paper with ``model`` in ``read_lang`` (a finished reading is shown at once)."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id, "write")
            model, read_lang = self.ctx.model_or_default(model), self.ctx.lang_of(read_lang, caller)
            stored = self.ctx.pp.start_reading(caller.user_id, paper.id, model=model, lang=read_lang)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("read", caller, exc)
        said = "✅ " + t(caller.locale, "papers.started") if stored.status == "running" else ""
        return self.ctx.accepted("read", caller, read_notice=said,
                                 **self.ctx.reading_parts(caller, paper.id, model, read_lang))

    def poll(self, paper_id: str | None, model: str | None, read_lang: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        """The timer's refresh: the progress and the statements so far; the timer stops when the reading ends."""
        caller = self.ctx.who(lang, request)
        try:
            self.ctx.paper(caller, paper_id)
            return self.ctx.accepted("read", caller, **self.ctx.reading_parts(caller, str(paper_id), model,
                                                                              read_lang))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("read", caller, exc, read_timer=gr.Timer(1.0, active=False))

    def stop(self, paper_id: str | None, model: str | None, read_lang: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        """Stop the reading in progress; the timer shows it stopped, with what was read so far."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id, "write")
            self.ctx.pp.cancel_reading(caller.user_id, paper.id, model=self.ctx.model_or_default(model),
                                       lang=self.ctx.lang_of(read_lang, caller))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("read", caller, exc)
        return self.ctx.accepted("read", caller, read_notice="⏹️ " + t(caller.locale, "papers.stopping"))

    def export(self, paper_id: str | None, model: str | None, read_lang: str | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        """The reading (with ``model`` in ``read_lang``) and the caller's questions as a Markdown file."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id)
            text = self.ctx.pp.markdown(caller.user_id, paper.id, model=self.ctx.model_or_default(model),
                                        lang=self.ctx.lang_of(read_lang, caller))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("read", caller, exc, download="")
        return self.ctx.accepted("read", caller, read_notice="✅ " + t(caller.locale, "papers.exported"),
                                 download=download(file_name(paper.title), text))
