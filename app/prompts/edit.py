"""The prompt page's edit tab: a version's text and model parameters saved as a new version (a dropped requirement
of the version it came from shows the checklist and needs "save anyway"), the improver (the model's critique, the
coloured diff, the checklist, "accept" blocked while something is dropped unless "accept anyway" is ticked),
labels, two versions compared, and the prompt's management (the square, its team, a fork, deleting it).

The improver's proposal waits in a ``gr.State`` (kept on the server, never sent by the browser) with the prompt and
version it was made from; accepting it asks the library again, as the caller, like every other handler here.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.prompts import view
from app.prompts.context import PromptsContext, number_of, t
from app.shell.forms import Refusal, literal
from workbench.errors import WorkbenchError
from workbench.prompt_studio.improve import review
from workbench.prompt_studio.records import Params
from workbench.prompt_studio.templates import Template


def params_of(model: str | None, temperature: Any, max_tokens: Any) -> Params:
    """The parameters as typed (an empty box: unset)."""
    def num(value: Any, kind: type) -> Any:
        return None if value in (None, "") else kind(value)
    return Params(model=model or "", temperature=num(temperature, float), max_tokens=num(max_tokens, int))


class EditHandlers:
    """The edit tab (see the module doc)."""

    ctx: PromptsContext

    def _version(self, caller: Any, prompt_id: str | None, version: Any, field: str = "edit_version") -> Any:
        prompt = self.ctx.prompt(caller, prompt_id)
        number = number_of(version)
        if number is None:
            raise Refusal(field, t(caller.locale, "prompts.choose_version"))
        return prompt, self.ctx.ps.library.version(caller.user_id, prompt.id, number)

    def pick_version(self, prompt_id: str | None, version: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A version picked: its text and parameters in the boxes."""
        caller = self.ctx.who(lang, request)
        try:
            _, chosen = self._version(caller, prompt_id, version)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("edit", caller, exc)
        return self.ctx.accepted("edit", caller, edit_notice="", edit_checklist="", edit_override=False,
                                 **self.ctx.version_parts(chosen))

    def save_version(self, prompt_id: str | None, version: Any, system: str | None, user: str | None,
                     model: str | None, temperature: Any, max_tokens: Any, override: bool | None, lang: str,
                     request: gr.Request) -> tuple[Any, ...]:
        """The boxes as a new version made from the chosen one; a requirement it drops shows the checklist and is
        refused unless "save anyway" is ticked."""
        caller = self.ctx.who(lang, request)
        parent = template = None
        try:
            self.ctx.prompt(caller, prompt_id, "write")          # a reader is told so before any check
            prompt, parent = self._version(caller, prompt_id, version)
            template = Template(system or "", user or "", parent.template.examples)
            made = self.ctx.ps.edit(caller.user_id, prompt.id, parent.number, template, override=bool(override),
                                    params=params_of(model, temperature, max_tokens))
        except (WorkbenchError, Refusal) as exc:
            out = self.ctx.refused("edit", caller, exc)
            if getattr(exc, "code", "") == "dropped" and parent is not None and template is not None:
                checks = review(parent.template, template).checks
                out = self.ctx.accepted_over(out, edit_checklist=view.checklist_html(checks, caller.locale))
            return out
        prompt = self.ctx.prompt(caller, prompt.id)
        said = t(caller.locale, "prompts.saved_version", version=made.number)
        return self.ctx.accepted("edit", caller, edit_notice=f"✅ {said}", **self.ctx.lists(caller),
                                 **self.ctx.opened(caller, prompt, made.number))

    def improve(self, prompt_id: str | None, version: Any, feedback: str | None, model: str | None, lang: str,
                request: gr.Request) -> tuple[Any, ...]:
        """The model's critique and rewrite of the chosen version, its diff and the requirement checklist."""
        caller = self.ctx.who(lang, request)
        try:
            prompt, chosen = self._version(caller, prompt_id, version)
            proposal = self.ctx.ps.improve(caller.user_id, prompt.id, chosen.number,
                                           model=self.ctx.model_or_default(model), feedback=feedback or "")
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("improve", caller, exc)
        lost = len(proposal.dropped)
        said = (t(caller.locale, "prompts.improve_dropped", count=lost) if lost
                else t(caller.locale, "prompts.improve_ready"))
        return self.ctx.accepted(
            "improve", caller, imp_notice=("⚠️ " if lost else "✅ ") + said, imp_override=False,
            imp_critique=literal(proposal.critique) or t(caller.locale, "prompts.no_critique"),
            imp_diff=view.diff_html(proposal.diff) or t(caller.locale, "prompts.no_change"),
            imp_checklist=view.checklist_html(proposal.checks, caller.locale),
            imp_state={"prompt_id": prompt.id, "parent": chosen.number, "proposal": proposal})

    def accept(self, prompt_id: str | None, state: Any, override: bool | None, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        """The rewrite as a new version (refused while it drops a requirement, unless "accept anyway")."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            if not isinstance(state, dict) or state.get("prompt_id") != prompt.id:
                raise Refusal("imp_model", t(caller.locale, "prompts.improve_first"))
            made = self.ctx.ps.keep(caller.user_id, prompt.id, state["proposal"], parent=int(state["parent"]),
                                    override=bool(override))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("improve", caller, exc)
        prompt = self.ctx.prompt(caller, prompt.id)
        said = t(caller.locale, "prompts.saved_version", version=made.number)
        return self.ctx.accepted("improve", caller, imp_notice=f"✅ {said}", **self.ctx.lists(caller),
                                 **self.ctx.opened(caller, prompt, made.number))

    # -- labels and compare ---------------------------------------------------------------------------------------
    def set_label(self, prompt_id: str | None, label: str | None, version: Any, lang: str,
                  request: gr.Request) -> tuple[Any, ...]:
        """Point a label (production, staging or the user's own) at a version, moving it from where it was."""
        caller = self.ctx.who(lang, request)
        try:
            prompt, chosen = self._version(caller, prompt_id, version, "label_version")
            prompt = self.ctx.ps.library.set_label(caller.user_id, prompt.id, (label or "").strip(), chosen.number)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        said = t(caller.locale, "prompts.label_set", label=literal(label), version=chosen.number)
        return self.ctx.accepted("manage", caller, manage_notice=f"✅ {said}", **self.ctx.lists(caller),
                                 **self.ctx.opened(caller, prompt, chosen.number))

    def remove_label(self, prompt_id: str | None, label: str | None, lang: str,
                     request: gr.Request) -> tuple[Any, ...]:
        """Take a label off."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id)
            if not label:
                raise Refusal("label_remove", t(caller.locale, "prompts.choose_label"))
            prompt = self.ctx.ps.library.remove_label(caller.user_id, prompt.id, label)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        said = t(caller.locale, "prompts.label_removed", label=literal(label))
        return self.ctx.accepted("manage", caller, manage_notice=f"✅ {said}", **self.ctx.lists(caller),
                                 **self.ctx.opened(caller, prompt))

    def compare(self, prompt_id: str | None, a: Any, b: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Two versions side by side with their scores."""
        caller = self.ctx.who(lang, request)
        try:
            _, first = self._version(caller, prompt_id, a, "cmp_a")
            _, second = self._version(caller, prompt_id, b, "cmp_b")
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        return self.ctx.accepted("manage", caller, manage_notice="",
                                 cmp_html=view.compare_html(first, second, caller.locale))

    # -- managing the prompt ----------------------------------------------------------------------------------------
    def _managed(self, caller: Any, prompt: Any, key: str, **fields: Any) -> tuple[Any, ...]:
        said = t(caller.locale, key, name=literal(prompt.name), **fields)
        return self.ctx.accepted("manage", caller, manage_notice=f"✅ {said}", **self.ctx.lists(caller),
                                 **self.ctx.opened(caller, prompt))

    def publish(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Put the prompt in the square (any signed-in user may read and fork it there)."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.ps.library.publish(caller.user_id, self.ctx.prompt(caller, prompt_id).id, True)
        except WorkbenchError as exc:
            return self.ctx.refused("manage", caller, exc)
        return self._managed(caller, prompt, "prompts.published")

    def unpublish(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Take the prompt out of the square."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.ps.library.publish(caller.user_id, self.ctx.prompt(caller, prompt_id).id, False)
        except WorkbenchError as exc:
            return self.ctx.refused("manage", caller, exc)
        return self._managed(caller, prompt, "prompts.unpublished")

    def move(self, prompt_id: str | None, team_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Share the prompt with a team by moving it there."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id)
            if not team_id:
                raise Refusal("move_team", t(caller.locale, "prompts.choose_team"))
            prompt = self.ctx.ps.library.move(caller.user_id, prompt.id, str(team_id))
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        return self._managed(caller, prompt, "prompts.moved",
                             team=literal(self.ctx.team_names(caller).get(prompt.team_id, "")))

    def fork(self, prompt_id: str | None, version: Any, name: str | None, lang: str,
             request: gr.Request) -> tuple[Any, ...]:
        """A copy of the chosen version (with the cases and graders) as a new prompt of the caller's, opened."""
        caller = self.ctx.who(lang, request)
        try:
            prompt, chosen = self._version(caller, prompt_id, version)
            fork = self.ctx.ps.library.fork(caller.user_id, prompt.id, name or "", version=chosen.number)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        return self._managed(caller, fork, "prompts.forked")

    def delete(self, prompt_id: str | None, confirm: bool | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Delete the prompt with its versions, labels, cases and scores, once the box is ticked."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "manage")
            if confirm is not True:
                raise Refusal("delete_confirm", t(caller.locale, "prompts.confirm_first"))
            self.ctx.ps.library.delete(caller.user_id, prompt.id)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("manage", caller, exc)
        said = t(caller.locale, "prompts.deleted", name=literal(prompt.name))
        return self.ctx.accepted("manage", caller, manage_notice=f"✅ {said}", lib_notice=f"✅ {said}",
                                 **self.ctx.lists(caller), **self.ctx.closed(caller))
