"""The prompt page's cases tab: the test cases as an editable table (a column per template variable, expected,
criteria, drafted) saved as a whole; a CSV / JSONL / JSON file imported (a refusal names its row and column);
the cases exported as CSV or JSONL (handed to the browser as a ``data:`` address, so no file lands in Gradio's
cache); cases drafted by a model (marked until accepted); and the graders, added and removed one at a time.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from app.prompts import view
from app.prompts.context import PromptsContext, t
from app.shell.forms import Refusal
from workbench.errors import WorkbenchError
from workbench.prompt_studio.cases import MAX_BYTES, check_cases, read_cases, write_csv, write_jsonl
from workbench.prompt_studio.graders import Grader
from workbench.prompt_studio.promptfoo import export_yaml, import_yaml
from workbench.prompt_studio.records import Prompt

# the export's file given to the browser: {"name", "url"} -> a download of that name
SAVE_JS = ("(v) => { if (v) { const f = JSON.parse(v); const a = document.createElement('a'); a.href = f.url;"
           " a.download = f.name; document.body.appendChild(a); a.click(); a.remove(); } return []; }")


def download(name: str, data: bytes, mime: str) -> str:
    """What the hidden download box holds: the file's name and its ``data:`` address."""
    return json.dumps({"name": name, "url": f"data:{mime};base64,{base64.b64encode(data).decode()}"})


def number(value: Any, default: float) -> float:
    return default if value in (None, "") else float(value)


class CasesHandlers:
    """The cases tab (see the module doc)."""

    ctx: PromptsContext

    def _template_names(self, caller: Any, prompt: Prompt) -> list[str]:
        return self.ctx.ps.library.version(caller.user_id, prompt.id, prompt.latest).template.variables()

    def _cases(self, caller: Any, prompt: Prompt, notice: str, part: str = "cases") -> tuple[Any, ...]:
        cases = self.ctx.ps.casebook.cases(caller.user_id, prompt.id)
        names = view.case_names(self._template_names(caller, prompt), cases)
        return self.ctx.accepted(part, caller, **{f"{part}_notice": notice},
                                 cases_table=view.cases_frame(cases, names, caller.locale))

    def save_cases(self, prompt_id: str | None, table: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The table as edited, saved whole (a row without a value for a variable of the template is refused)."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            cases = view.cases_from_frame(table)
            check_cases(cases, self._template_names(caller, prompt))
            saved = self.ctx.ps.casebook.replace(caller.user_id, prompt.id, cases)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("cases", caller, exc)
        return self._cases(caller, prompt, "✅ " + t(caller.locale, "prompts.cases_saved", count=len(saved)))

    def import_cases(self, prompt_id: str | None, file: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A file's cases added to the table (each row must give every variable of the template)."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            path = Path(str(getattr(file, "name", file) or ""))
            if not file or not path.is_file():
                raise Refusal("file", t(caller.locale, "prompts.choose_file"))
            if path.stat().st_size > MAX_BYTES:
                data = path.read_bytes()[:MAX_BYTES + 1]          # read_cases says how big a file may be
            else:
                data = path.read_bytes()
            if path.suffix.lower() in (".yaml", ".yml"):
                said = self._import_yaml(caller, prompt, data)
                return self.ctx.accepted_over(self._cases(caller, prompt, f"✅ {said}"),
                                              **self._after_yaml(caller, prompt.id))
            cases = read_cases(data, path.name)
            check_cases(cases, self._template_names(caller, prompt))
            added = self.ctx.ps.casebook.add(caller.user_id, prompt.id, cases)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("cases", caller, exc)
        said = t(caller.locale, "prompts.cases_imported", count=len(cases), total=len(added))
        return self._cases(caller, prompt, f"✅ {said}")

    def export_csv(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The cases as a CSV file (UTF-8 with BOM: Excel shows Chinese right)."""
        return self._export(prompt_id, "csv", lang, request)

    def export_jsonl(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The cases as a JSONL file."""
        return self._export(prompt_id, "jsonl", lang, request)

    def export_yaml(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """The prompt as a promptfoo config: every version, the cases as tests, the graders as asserts."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id)
            versions = self.ctx.ps.library.versions(caller.user_id, prompt.id)
            cases = self.ctx.ps.casebook.cases(caller.user_id, prompt.id)
            graders = self.ctx.ps.casebook.graders(caller.user_id, prompt.id)
        except WorkbenchError as exc:
            return self.ctx.refused("cases", caller, exc)
        latest = versions[0].params
        text = export_yaml(prompt.name, [(v.number, v.template) for v in reversed(versions)], cases, graders,
                           model=latest.model, params=latest)
        file = download(f"{prompt.name}-promptfooconfig.yaml", text.encode(), "application/yaml")
        return self.ctx.accepted("cases", caller, cases_notice="", download=file)

    def _after_yaml(self, caller: Any, prompt_id: str) -> dict[str, Any]:
        """Every tab redrawn: the imported prompts are new versions."""
        return self.ctx.opened(caller, self.ctx.ps.library.require(caller.user_id, prompt_id))

    def _import_yaml(self, caller: Any, prompt: Prompt, data: bytes) -> str:
        """A promptfoo config: its prompts as new versions, its tests as cases, its asserts as graders (those the
        prompt has not already); what had no place here is listed in the notice."""
        found = import_yaml(data)
        names = self._template_names(caller, prompt)
        for template in found.templates:
            self.ctx.ps.library.add_version(caller.user_id, prompt.id, template, source="imported",
                                            note="promptfoo")
        if found.templates:
            names = found.templates[-1].variables()
        check_cases(found.cases, names)
        added = self.ctx.ps.casebook.add(caller.user_id, prompt.id, found.cases)
        graders = self.ctx.ps.casebook.graders(caller.user_id, prompt.id)
        self.ctx.ps.casebook.set_graders(caller.user_id, prompt.id,
                                         [*graders, *(g for g in found.graders if g not in graders)])
        said = t(caller.locale, "prompts.yaml_imported", versions=len(found.templates), count=len(found.cases),
                 total=len(added), graders=len(found.graders))
        if found.skipped:
            said += " " + t(caller.locale, "prompts.yaml_skipped", items="; ".join(found.skipped[:5]))
        return said

    def _export(self, prompt_id: str | None, kind: str, lang: str, request: gr.Request) -> tuple[Any, ...]:
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id)
            cases = self.ctx.ps.casebook.cases(caller.user_id, prompt.id)
        except WorkbenchError as exc:
            return self.ctx.refused("cases", caller, exc)
        if kind == "csv":
            names = view.case_names(self._template_names(caller, prompt), cases)
            file = download(f"{prompt.name}-cases.csv", write_csv(cases, names), "text/csv")
        else:
            file = download(f"{prompt.name}-cases.jsonl", write_jsonl(cases), "application/jsonl")
        return self.ctx.accepted("cases", caller, cases_notice="", download=file)

    def draft(self, prompt_id: str | None, task: str | None, count: Any, model: str | None, lang: str,
              request: gr.Request) -> tuple[Any, ...]:
        """Cases the model drafts for the task, added to the table marked "drafted"."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            drafted = self.ctx.ps.draft_cases(caller.user_id, prompt.id, task or "",
                                              model=self.ctx.model_or_default(model), count=int(number(count, 5)))
        except (WorkbenchError, Refusal, ValueError) as exc:
            return self.ctx.refused("cases", caller, exc)
        return self._cases(caller, prompt, "✅ " + t(caller.locale, "prompts.drafted", count=len(drafted)))

    def accept_drafted(self, prompt_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Every drafted case accepted (a person read them): no longer marked."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            cases = self.ctx.ps.casebook.cases(caller.user_id, prompt.id)
            drafted = [case.id for case in cases if case.drafted]
            self.ctx.ps.casebook.accept(caller.user_id, prompt.id, drafted)
        except WorkbenchError as exc:
            return self.ctx.refused("cases", caller, exc)
        return self._cases(caller, prompt, "✅ " + t(caller.locale, "prompts.accepted_drafts", count=len(drafted)))

    # -- graders ------------------------------------------------------------------------------------------------
    def _graders(self, caller: Any, prompt: Prompt, notice: str) -> tuple[Any, ...]:
        graders = self.ctx.ps.casebook.graders(caller.user_id, prompt.id)
        return self.ctx.accepted("graders", caller, graders_notice=notice,
                                 graders_html=view.graders_html(graders, caller.locale),
                                 grader_remove=gr.update(choices=self.ctx.grader_choices(caller, prompt.id),
                                                         value=None))

    def add_grader(self, prompt_id: str | None, kind: str | None, value: str | None, tolerance: Any,
                   ignore_case: bool | None, weight: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """A grader added to the prompt's (a bad one is refused naming its field)."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            graders = self.ctx.ps.casebook.graders(caller.user_id, prompt.id)
            grader = Grader(kind or "", value or "", number(tolerance, 0.0), bool(ignore_case), number(weight, 1.0))
            self.ctx.ps.casebook.set_graders(caller.user_id, prompt.id, [*graders, grader])
        except (WorkbenchError, Refusal, ValueError) as exc:
            return self.ctx.refused("graders", caller, exc)
        return self.ctx.accepted_over(self._graders(caller, prompt, "✅ " + t(caller.locale, "prompts.grader_added")),
                                      grader_value=gr.update(value="", info=t(caller.locale,
                                                                              "prompts.f_grader_value_info"),
                                                             elem_classes=[]))

    def remove_grader(self, prompt_id: str | None, index: Any, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """One of the prompt's graders removed."""
        caller = self.ctx.who(lang, request)
        try:
            prompt = self.ctx.prompt(caller, prompt_id, "write")
            graders = self.ctx.ps.casebook.graders(caller.user_id, prompt.id)
            if index in (None, "") or not 0 <= int(index) < len(graders):
                raise Refusal("grader_remove", t(caller.locale, "prompts.choose_grader"))
            kept = [replace(g) for i, g in enumerate(graders) if i != int(index)]
            self.ctx.ps.casebook.set_graders(caller.user_id, prompt.id, kept)
        except (WorkbenchError, Refusal) as exc:
            return self.ctx.refused("graders", caller, exc)
        return self._graders(caller, prompt, "✅ " + t(caller.locale, "prompts.grader_removed"))
