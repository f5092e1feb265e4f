"""What every handler of the papers page shares: who is asking (looked up again from the session on every call), the
models offered (the gateway's chat models, the embedded one first), the caller's teams, and the parts of the page as
they are redrawn: the library (``lists``), an open paper (``opened``), its reading (``reading_parts``).

A paper id from the page is only a request: the papers' library (``workbench.papers.library``) checks the caller's
role on every call, and a paper they may not read is refused with the words of a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from app.papers import view
from app.papers.states import FORMS, OUTPUTS
from app.shell.feature import Caller, FeatureContext
from app.shell.forms import Refusal

if TYPE_CHECKING:
    from workbench.papers.records import Paper
    from workbench.papers.service import Papers

LIB_TICK = 2.0          # seconds between the library's refreshes while a paper is being parsed
READ_TICK = 1.0         # seconds between a running reading's refreshes
WRITERS = ("owner", "admin", "member")


def t(locale: str, key: str, **fields: Any) -> str:
    return view.t(locale, key, **fields)


class PapersContext(FeatureContext):
    """The gateway (who is signed in, the model catalogue) and the papers service, as the handlers use them."""

    unavailable = "papers.unavailable"
    parts, outputs = FORMS, OUTPUTS

    def __init__(self, gateway: Any, papers: Papers | None, knowledge: Any = None) -> None:
        super().__init__(gateway, papers)
        self.papers, self.knowledge = papers, knowledge

    @property
    def pp(self) -> Papers:
        assert self.papers is not None
        return self.papers

    @staticmethod
    def lang_of(lang: str | None, caller: Caller) -> str:
        """The reading's language: the one chosen, else the page's."""
        return lang if lang in ("zh", "en") else caller.locale

    def team_names(self, caller: Caller) -> dict[str, str]:
        return {team.id: (t(caller.locale, "papers.personal") if team.personal_of else team.name)
                for team in self.pp.library.teams_for(caller.user_id)}

    def team_choices(self, caller: Caller) -> list[tuple[str, str]]:
        """Where the caller may put papers: their personal space first, then their teams (member and up)."""
        return [(t(caller.locale, "papers.personal") if team.personal_of else team.name, team.id)
                for team in self.pp.library.teams_for(caller.user_id) if team.role in WRITERS]

    def kb_choices(self, caller: Caller) -> list[tuple[str, str]]:
        """The knowledge bases the caller may add documents to (member and up), by team and name."""
        if self.knowledge is None:
            return []
        return [(f"{t(caller.locale, 'papers.personal') if v.personal else v.team_name} › {v.kb.name}", v.kb.id)
                for v in self.knowledge.bases.list_visible(caller.user_id) if v.role in WRITERS]

    def lang_choices(self, caller: Caller) -> list[tuple[str, str]]:
        return [(t(caller.locale, "papers.lang_zh"), "zh"), (t(caller.locale, "papers.lang_en"), "en")]

    # -- the parts, redrawn -------------------------------------------------------------------------------------
    def lists(self, caller: Caller, open_id: str | None = None) -> dict[str, Any]:
        """The caller's papers, the pickers of papers (the library's, the ready ones to compare) and the timer,
        on while any is being parsed."""
        papers = self.pp.library.list_for(caller.user_id)
        ready = [p for p in papers if p.status == "ready"]
        ids = {p.id for p in papers}
        return {"lib_table": view.papers_html(papers, self.team_names(caller), caller.locale),
                "lib_pick": gr.update(choices=view.paper_choices(papers), value=open_id if open_id in ids else None),
                "cmp_papers": gr.update(choices=view.paper_choices(ready)),
                "lib_timer": gr.Timer(LIB_TICK, active=any(p.status == "parsing" for p in papers))}

    def forms(self, caller: Caller) -> dict[str, Any]:
        """The choices of every form: models, languages (the page's first), teams."""
        models = self.models()
        model = gr.update(choices=models, value=models[0] if models else None)
        langs = gr.update(choices=self.lang_choices(caller), value=caller.locale)
        teams = self.team_choices(caller)
        return {"read_model": model, "cmp_model": model, "read_lang": langs, "cmp_lang": langs,
                "upload_team": gr.update(choices=teams, value=teams[0][1] if teams else None),
                "move_team": gr.update(choices=teams, value=None),
                "kb_target": gr.update(choices=self.kb_choices(caller), value=None)}

    def closed(self, caller: Caller) -> dict[str, Any]:
        """No paper open: the heading says so, the reading and the questions are empty."""
        return {"paper_box": "", "head": view.head_html(None, "", caller.locale), "read_progress": "",
                "read_html": "", "read_timer": gr.Timer(READ_TICK, active=False), "stop_btn": gr.update(visible=False),
                "thread_box": None, "answers_html": "", "delete_confirm": False}

    def opened(self, caller: Caller, paper: Paper, model: str | None, lang: str | None) -> dict[str, Any]:
        """The heading, the reading (of ``model`` in ``lang``, if any) and an empty question thread for ``paper``."""
        names = self.team_names(caller)
        return {"paper_box": paper.id, "head": view.head_html(paper, names.get(paper.team_id, "—"), caller.locale),
                "thread_box": None, "answers_html": "", "delete_confirm": False,
                **self.reading_parts(caller, paper.id, model, lang)}

    def reading_parts(self, caller: Caller, paper_id: str, model: str | None, lang: str | None) -> dict[str, Any]:
        """The reading of the paper by ``model`` in ``lang`` as it is now; the timer on while it runs."""
        stored = self.pp.reading(caller.user_id, paper_id, model=self.model_or_default(model),
                                 lang=self.lang_of(lang, caller))
        running = stored is not None and stored.status == "running"
        return {"read_progress": view.progress_text(stored, caller.locale),
                "read_html": view.reading_html(paper_id, stored, caller.locale),
                "read_timer": gr.Timer(READ_TICK, active=running), "stop_btn": gr.update(visible=running)}

    def paper(self, caller: Caller, paper_id: str | None, action: str = "read") -> Paper:
        """The open paper if the caller may ``action`` it (a refusal asking to open one when none is)."""
        if not paper_id:
            raise Refusal("paper", t(caller.locale, "papers.choose_paper"))
        return self.pp.library.require(caller.user_id, str(paper_id), action)


__all__ = ["LIB_TICK", "READ_TICK", "Caller", "PapersContext", "t"]
