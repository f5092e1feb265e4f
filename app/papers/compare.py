"""The papers page's compare tab: 2 to 5 of the caller's ready papers side by side (problem, method, data, metrics,
best results, limitations), each cell a statement of that paper's reading with its page chip and quote; papers not
yet read with the chosen model and language are read first. The table downloads as Markdown.

The table shown is kept in the page's state (``cmp_state``) for the download: what was shown to this caller, nothing
read again. Each handler looks the caller up again and answers every output (``app.papers.states.OUTPUTS``).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.papers import view
from app.papers.context import PapersContext, t
from app.papers.reading import download
from app.shell.forms import Refusal
from workbench.errors import WorkbenchError
from workbench.papers.export import comparison_markdown


class CompareHandlers:
    """The compare tab (see the module doc)."""

    ctx: PapersContext

    async def compare(self, paper_ids: list[str] | None, model: str | None, cmp_lang: str | None, lang: str,
                      request: gr.Request) -> tuple[Any, ...]:
        """The comparison table of the chosen papers (read first where they have no reading yet)."""
        caller = self.ctx.who(lang, request)
        ids = [str(i) for i in (paper_ids or [])]
        read_lang = self.ctx.lang_of(cmp_lang, caller)
        try:
            table = await self.ctx.pp.compare(caller.user_id, ids, model=self.ctx.model_or_default(model),
                                              lang=read_lang)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("compare", caller, exc)
        return self.ctx.accepted("compare", caller, cmp_notice="", cmp_html=view.table_html(table, ids, caller.locale),
                                 cmp_state={"table": table, "lang": read_lang})

    def export_comparison(self, shown: dict | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The comparison shown as a Markdown file."""
        caller = self.ctx.who(lang, request)
        if not shown or "table" not in shown:
            return self.ctx.refused("compare", caller, Refusal("papers", t(caller.locale, "papers.no_comparison")),
                                    download="")
        text = comparison_markdown(shown["table"], lang=shown["lang"])
        return self.ctx.accepted("compare", caller, cmp_notice="✅ " + t(caller.locale, "papers.exported"),
                                 download=download("papers-comparison.md", text))
