"""What every handler of the prompt page shares: who is asking (looked up again from the session on every call),
the models offered (the gateway's chat models, the embedded one first), the caller's teams, and the parts of the
page as they are redrawn for an open prompt (``opened``) or for the lists (``lists``).

A prompt id from the page is only a request: the library (``workbench.prompt_studio.library``) checks the caller's
role on every call, and a prompt they may not read is refused with the words of a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from app.prompts import view
from app.prompts.states import FORMS, OUTPUTS, field_of
from app.shell.feature import Caller, FeatureContext
from workbench.prompt_studio.errors import PromptError
from workbench.prompt_studio.graders import KINDS
from workbench.prompt_studio.records import Prompt, Version

if TYPE_CHECKING:
    from workbench.prompt_studio.service import PromptStudio

PERSONAL = ""                   # the new prompt form's team choice for the caller's personal space
LABELS = ("production", "staging")


def t(locale: str, key: str, **fields: Any) -> str:
    return view.t(locale, key, **fields)


class PromptsContext(FeatureContext):
    """The gateway (who is signed in, the model catalogue) and the studio, as the handlers use them."""

    unavailable = "prompts.unavailable"
    parts, outputs, field_of = FORMS, OUTPUTS, staticmethod(field_of)

    def __init__(self, gateway: Any, studio: PromptStudio | None) -> None:
        super().__init__(gateway, studio)
        self.studio = studio

    @property
    def ps(self) -> PromptStudio:
        assert self.studio is not None
        return self.studio

    def teams(self, caller: Caller) -> list[Any]:
        return self.ps.library.teams_for(caller.user_id)

    def team_names(self, caller: Caller) -> dict[str, str]:
        return {team.id: (t(caller.locale, "prompts.personal") if team.personal_of else team.name)
                for team in self.teams(caller)}

    def team_choices(self, caller: Caller, *, personal: bool = True) -> list[tuple[str, str]]:
        """The caller's personal space (value ``""``) and the teams where they may add prompts."""
        out = [(t(caller.locale, "prompts.personal"), PERSONAL)] if personal else []
        return out + [(team.name, team.id) for team in self.teams(caller)
                      if not team.personal_of and team.role in ("owner", "admin", "member")]

    # -- the parts, redrawn -------------------------------------------------------------------------------------
    def lists(self, caller: Caller, query: str | None = None) -> dict[str, Any]:
        """The caller's prompts (those matching ``query`` when there is one) and the square."""
        library, names = self.ps.library, self.team_names(caller)
        query = (query or "").strip()
        mine = library.search(caller.user_id, query) if query else library.list_for(caller.user_id)
        square = library.square(caller.user_id)
        empty = "prompts.no_match" if query else "prompts.none"
        return {"lib_table": view.prompts_html(mine, names, caller.locale, empty),
                "lib_pick": gr.update(choices=view.prompt_choices(mine), value=None),
                "square_table": view.prompts_html(square, names, caller.locale, "prompts.square_empty"),
                "square_pick": gr.update(choices=view.prompt_choices(square), value=None)}

    def forms(self, caller: Caller) -> dict[str, Any]:
        """The choices of every form that does not depend on an open prompt."""
        models = self.models()
        model = gr.update(choices=models, value=models[0] if models else None)
        teams = self.team_choices(caller)
        return {"new_team": gr.update(choices=teams, value=PERSONAL), "gen_model": model, "imp_model": model,
                "draft_model": model, "opt_model": model,
                "edit_model": gr.update(choices=[(t(caller.locale, "prompts.model_default"), ""),
                                                 *((m, m) for m in models)]),
                "run_models": gr.update(choices=models, value=models[:1]), "run_judge": model,
                "grader_kind": gr.update(choices=view.kind_choices(KINDS, caller.locale), value="exact"),
                "move_team": gr.update(choices=self.team_choices(caller, personal=False), value=None),
                "label_name": gr.update(choices=list(LABELS), value="production")}

    def closed(self, caller: Caller) -> dict[str, Any]:
        """No prompt open: the prompt's tabs hidden and emptied."""
        return {"prompt_box": "", "prompt_name": "", "head": "", "open_tabs": gr.update(visible=False)}

    def opened(self, caller: Caller, prompt: Prompt, version: int | None = None) -> dict[str, Any]:
        """Every tab for ``prompt`` (at ``version``, the newest by default)."""
        library, casebook, locale = self.ps.library, self.ps.casebook, caller.locale
        versions = library.versions(caller.user_id, prompt.id)
        shown = next((v for v in versions if v.number == version), versions[0])
        choices = view.version_choices(versions, locale)
        numbers = [value for _, value in choices]
        cases = casebook.cases(caller.user_id, prompt.id)
        names = view.case_names(shown.template.variables(), cases)
        names_of = self.team_names(caller)
        manager = prompt.role in ("owner", "admin")
        return {
            "prompt_box": prompt.id, "prompt_name": prompt.name, "open_tabs": gr.update(visible=True),
            "head": view.head_html(prompt, names_of.get(prompt.team_id, "—"), locale),
            **self.version_parts(shown),
            "edit_version": gr.update(choices=choices, value=str(shown.number)), "edit_checklist": "",
            "edit_override": False, "imp_critique": "", "imp_diff": "", "imp_checklist": "", "imp_state": None,
            "imp_override": False,
            "label_version": gr.update(choices=choices, value=str(shown.number)),
            "label_remove": gr.update(choices=list(prompt.labels), value=None),
            "labels_html": view.labels_html(prompt.labels) or t(locale, "prompts.no_labels"),
            "cmp_a": gr.update(choices=choices, value=numbers[-1] if len(numbers) > 1 else numbers[0]),
            "cmp_b": gr.update(choices=choices, value=numbers[0]), "cmp_html": "",
            "publish_btn": gr.update(visible=manager and not prompt.public),
            "unpublish_btn": gr.update(visible=manager and prompt.public), "delete_confirm": False,
            "cases_table": view.cases_frame(cases, names, locale),
            "graders_html": view.graders_html(casebook.graders(caller.user_id, prompt.id), locale),
            "grader_remove": gr.update(choices=self.grader_choices(caller, prompt.id), value=None),
            "run_versions": gr.update(choices=choices, value=[str(shown.number)]),
            "opt_version": gr.update(choices=choices, value=str(shown.number)),
            "opt_label_btn": gr.update(visible=False), "opt_new_version": "",
        }

    @staticmethod
    def version_parts(version: Version) -> dict[str, Any]:
        """The edit boxes for ``version``: its template and its parameters."""
        params = version.params
        return {"edit_system": version.template.system, "edit_user": version.template.user,
                "edit_model": params.model or "", "edit_temperature": params.temperature,
                "edit_max_tokens": params.max_tokens}

    def grader_choices(self, caller: Caller, prompt_id: str) -> list[tuple[str, str]]:
        graders = self.ps.casebook.graders(caller.user_id, prompt_id)
        return [(f"{i + 1}. {view.grader_text(g, caller.locale)}", str(i)) for i, g in enumerate(graders)]

    def prompt(self, caller: Caller, prompt_id: str | None, action: str = "read") -> Prompt:
        """The open prompt if the caller may ``action`` it (PromptNotFound when none is open or theirs to see)."""
        from workbench.prompt_studio.errors import PromptNotFound

        if not prompt_id:
            raise PromptNotFound("prompt.not_found", "prompt")
        return self.ps.library.require(caller.user_id, str(prompt_id), action)


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    """Outputs from several parts; an output two parts set gets both (choices from one, a value from the other)."""
    out: dict[str, Any] = {}
    for part in parts:
        for name, new in part.items():
            old = out.get(name)
            if name in out and isinstance(old, dict):
                new = {**old, **(new if isinstance(new, dict) else {"value": new})}
            out[name] = new
    return out


def number_of(value: Any) -> int | None:
    """A version's number from a dropdown's value ("3"), None when there is none."""
    try:
        return int(str(value).strip().lstrip("v"))
    except (TypeError, ValueError):
        return None


__all__ = ["LABELS", "PERSONAL", "Caller", "PromptError", "PromptsContext", "merged", "number_of", "t"]
