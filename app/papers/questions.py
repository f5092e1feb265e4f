"""The papers page's questions tab: ask about the open paper, the answer shown with its evidence (page chips and
quotes), follow-ups kept in the same thread (its id in the page's state) until "New thread"; when no evidence is
found the page says the paper does not seem to answer the question.

Each handler looks the caller up again and answers every output of the page (``app.papers.states.OUTPUTS``).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.papers import view
from app.papers.context import PapersContext
from app.shell.forms import Refusal
from workbench.errors import WorkbenchError


class QuestionHandlers:
    """The questions tab (see the module doc)."""

    ctx: PapersContext

    async def ask(self, paper_id: str | None, question: str | None, thread_id: str | None, model: str | None,
                  read_lang: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The answer to ``question``, at the end of the thread (a new one when there is none yet)."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id, "write")
            asked = await self.ctx.pp.ask(caller.user_id, paper.id, question or "",
                                          model=self.ctx.model_or_default(model),
                                          lang=self.ctx.lang_of(read_lang, caller), thread_id=thread_id or None)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("ask", caller, exc)
        thread = self.ctx.pp.readings.thread(paper.id, caller.user_id, asked.thread_id)
        return self.ctx.accepted("ask", caller, ask_notice="", question="", thread_box=asked.thread_id,
                                 answers_html=view.thread_html(paper.id, thread, caller.locale))

    def new_thread(self, paper_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Start a new thread: the next question does not follow the earlier ones."""
        caller = self.ctx.who(lang, request)
        try:
            paper = self.ctx.paper(caller, paper_id)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("ask", caller, exc)
        return self.ctx.accepted("ask", caller, ask_notice="", thread_box=None,
                                 answers_html=view.thread_html(paper.id, [], caller.locale))
