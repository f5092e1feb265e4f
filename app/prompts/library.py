"""The prompt page's library tab: the caller's prompts (searchable, Chinese too), the square of public prompts
(forked under a new name), and the new prompt form with its generator (a task in words -> the system and user
parts, which the user may edit before creating version 1). ``?prompt=<name>`` reopens a prompt after a reload.

Each handler looks the caller up again (``PromptsContext.who``) and answers every output of the page
(``app.prompts.states.OUTPUTS``): a refusal is said in the library's notice and marked at its field.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.prompts.context import PromptsContext, merged, t
from app.shell.forms import Refusal, literal
from workbench.errors import WorkbenchError
from workbench.prompt_studio.templates import Template


def split_names(text: str | None) -> list[str]:
    """Variable names typed as ``city, date`` (commas, Chinese commas, spaces or lines between them)."""
    import re

    return [name for name in re.split(r"[\s,，、;；]+", text or "") if name]


class LibraryHandlers:
    """The library tab (see the module doc)."""

    ctx: PromptsContext

    def load(self, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Page load: the lists, the forms' choices, and the prompt of ``?prompt=<name>`` when the caller may read
        it (else the library says it was not found)."""
        caller = self.ctx.who(lang, request)
        params = getattr(request, "query_params", None) or {}
        wanted, opened, notice = str(params.get("prompt") or ""), self.ctx.closed(caller), ""
        if wanted:
            try:
                opened = self.ctx.opened(caller, self.ctx.ps.library.by_name(caller.user_id, wanted))
            except WorkbenchError as exc:
                notice = "⚠️ " + literal(exc.text(caller.locale))
        return self.ctx.accepted("lib", caller, lib_notice=notice,
                                 **merged(self.ctx.lists(caller), self.ctx.forms(caller), opened))

    def search(self, query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The caller's prompts whose name, description or text has the query's words (all of them when empty)."""
        caller = self.ctx.who(lang, request)
        found = self.ctx.lists(caller, query)
        return self.ctx.accepted("lib", caller, lib_table=found["lib_table"], lib_pick=found["lib_pick"])

    def refresh(self, query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The lists drawn again (after a change in another tab)."""
        caller = self.ctx.who(lang, request)
        return self.ctx.accepted("lib", caller, **self.ctx.lists(caller, query))

    def open_prompt(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A prompt picked (the caller's or the square's): every tab shows it."""
        caller = self.ctx.who(lang, request)
        if not prompt_id:
            return self.ctx.accepted("lib", caller, lib_notice="", **self.ctx.closed(caller))
        try:
            prompt = self.ctx.prompt(caller, prompt_id)
            return self.ctx.accepted("lib", caller, lib_notice="", **self.ctx.opened(caller, prompt))
        except WorkbenchError as exc:
            return self.ctx.refused("lib", caller, exc)

    def generate(self, task: str | None, variables: str | None, model: str | None, lang: str,
                 request: gr.Request) -> tuple[Any, ...]:
        """The model writes the system and user parts for the task (not stored: the user reads and edits them)."""
        caller = self.ctx.who(lang, request)
        try:
            template = self.ctx.ps.generate(caller.user_id, task or "", model=self.ctx.model_or_default(model),
                                            variables=split_names(variables))
        except WorkbenchError as exc:
            return self.ctx.refused("lib", caller, exc)
        return self.ctx.accepted("lib", caller, lib_notice="✅ " + t(caller.locale, "prompts.generated"),
                                 new_system=template.system, new_user=template.user)

    def create(self, name: str | None, team_id: str | None, description: str | None, system: str | None,
               user: str | None, query: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Save the new prompt with its version 1 (in the personal space or a team) and open it."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.ps.library.create(caller.user_id, name or "", Template(system or "", user or ""),
                                                team_id=team_id or None,
                                                description=description or "")
        except WorkbenchError as exc:
            return self.ctx.refused("lib", caller, exc)
        said = t(caller.locale, "prompts.created", name=literal(prompt.name))
        return self.ctx.accepted("lib", caller, lib_notice=f"✅ {said}", new_name="", new_description="",
                                 gen_task="", gen_variables="", new_system="", new_user="",
                                 **self.ctx.lists(caller, query), **self.ctx.opened(caller, prompt))

    def fork_square(self, prompt_id: str | None, name: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A copy of a public prompt (with its cases and graders) in the caller's personal space, opened."""
        caller = self.ctx.who(lang, request)
        try:
            if not prompt_id:
                raise Refusal("square_pick", t(caller.locale, "prompts.choose_square"))
            prompt = self.ctx.ps.library.fork(caller.user_id, str(prompt_id), name or "")
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("square", caller, exc)
        said = t(caller.locale, "prompts.forked", name=literal(prompt.name))
        return self.ctx.accepted("square", caller, square_notice=f"✅ {said}", square_fork_name="",
                                 **self.ctx.lists(caller), **self.ctx.opened(caller, prompt))
