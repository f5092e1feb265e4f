"""The prompt page's outputs by name, and how each part's refusal is shown (``app.shell.forms.Form``).

Every handler answers all of ``OUTPUTS`` (what it does not change is ``gr.skip()``), so opening a prompt redraws
every tab at once and a refusal marks its field wherever it is. The page has one notice per part (``NOTICES``): a
refusal is said next to what the user was doing; ``FORMS[part]`` answers with that part's notice and maps the
services' field names (``name``, ``rows[3].expected``, ``graders[0].value``) to the part's boxes.

    out = dict(zip(OUTPUTS, handler(..., lang, request)))        # what a test reads, by name
"""

from __future__ import annotations

import re
from typing import Any

from app.shell.forms import Form

# the fields a refusal can mark (output name -> the string key of its usual info, or None)
FIELDS: dict[str, str | None] = {
    # library: the new prompt form, the search and the square's fork
    "lib_pick": None, "new_name": "prompts.f_name_info", "new_team": None, "new_description": None,
    "gen_task": "prompts.f_task_info", "gen_variables": "prompts.f_variables_info", "gen_model": None,
    "new_system": None, "new_user": "prompts.f_user_info", "square_pick": None, "square_fork_name": None,
    # edit: a version, the improver, labels, compare, manage
    "edit_version": None, "edit_system": None, "edit_user": "prompts.f_user_info", "edit_model": None,
    "edit_temperature": None, "edit_max_tokens": None, "edit_override": None,
    "imp_feedback": None, "imp_model": None, "imp_override": None,
    "label_name": "prompts.f_label_info", "label_version": None, "label_remove": None,
    "cmp_a": None, "cmp_b": None, "move_team": None, "fork_name": None, "delete_confirm": None,
    # cases and graders
    "cases_table": None, "draft_task": None, "draft_count": None, "draft_model": None,
    "grader_kind": None, "grader_value": "prompts.f_grader_value_info", "grader_tolerance": None,
    "grader_weight": None, "grader_remove": None,
    # run and optimise
    "run_versions": None, "run_models": None, "run_judge": None,
    "opt_version": None, "opt_model": None, "opt_budget": None, "opt_rounds": None, "opt_held_out": None,
}
NOTICES = {"lib": "lib_notice", "square": "square_notice", "edit": "edit_notice", "improve": "imp_notice",
           "manage": "manage_notice", "cases": "cases_notice", "graders": "graders_notice", "run": "run_notice",
           "optimise": "opt_notice"}
OTHERS = (
    "prompt_box", "prompt_name", "head", "lib_table", "square_table", "open_tabs",
    "edit_checklist", "imp_critique", "imp_diff", "imp_checklist", "imp_state", "labels_html", "cmp_html",
    "publish_btn", "unpublish_btn", "graders_html", "download",
    "run_progress", "run_summary", "run_plot", "run_cells",
    "opt_progress", "opt_plot", "opt_rounds_table", "opt_result", "opt_diff", "opt_new_version", "opt_label_btn",
)
OUTPUTS: tuple[str, ...] = (*NOTICES.values(), *FIELDS, *OTHERS)

# the services' field names, per part, to the part's boxes
ALIASES: dict[str, dict[str, str]] = {
    "lib": {"name": "new_name", "team_id": "new_team", "description": "new_description", "task": "gen_task",
            "variables": "gen_variables", "model": "gen_model", "system": "new_system", "user": "new_user",
            "prompt": "lib_pick"},
    "square": {"name": "square_fork_name", "prompt": "square_pick", "team_id": "square_pick"},
    "edit": {"version": "edit_version", "system": "edit_system", "user": "edit_user", "rewrite": "edit_override",
             "params.model": "edit_model", "params.temperature": "edit_temperature",
             "params.max_tokens": "edit_max_tokens", "prompt": "edit_version"},
    "improve": {"feedback": "imp_feedback", "model": "imp_model", "rewrite": "imp_override",
                "version": "edit_version", "prompt": "edit_version"},
    "manage": {"label": "label_name", "version": "label_version", "remove": "label_remove", "a": "cmp_a",
               "b": "cmp_b", "team_id": "move_team", "name": "fork_name", "confirm": "delete_confirm"},
    "cases": {"rows": "cases_table", "columns": "cases_table", "cases": "cases_table", "file": "cases_table",
              "task": "draft_task", "count": "draft_count", "model": "draft_model"},
    "graders": {"kind": "grader_kind", "value": "grader_value", "tolerance": "grader_tolerance",
                "weight": "grader_weight", "graders": "grader_kind", "remove": "grader_remove"},
    "run": {"versions": "run_versions", "models": "run_models", "model": "run_models", "judge": "run_judge",
            "cases": "run_versions", "graders": "run_versions"},
    "optimise": {"version": "opt_version", "model": "opt_model", "budget": "opt_budget", "rounds": "opt_rounds",
                 "held_out": "opt_held_out", "cases": "opt_version", "graders": "opt_version"},
}
FORMS = {part: Form(OUTPUTS, FIELDS, notice=notice, aliases=ALIASES[part]) for part, notice in NOTICES.items()}
_HEAD = re.compile(r"^([a-z_]+)(?:\[\d+\])?")


def field_of(field: str | None) -> str | None:
    """A service's field name as the page's parts name it: ``rows[3].expected`` -> ``rows``,
    ``graders[0].value`` -> ``value``, ``variables[1]`` -> ``variables``, ``params.model`` kept."""
    if not field:
        return field
    if field.startswith("params."):
        return field
    if field.startswith("graders[") and "." in field:
        return field.rsplit(".", 1)[1]
    match = _HEAD.match(field)
    return match.group(1) if match else field


def named(out: tuple[Any, ...]) -> dict[str, Any]:
    """A handler's outputs by name (what tests read)."""
    return dict(zip(OUTPUTS, out, strict=True))
