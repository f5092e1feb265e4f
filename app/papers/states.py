"""The papers page's outputs by name, and how each part's refusal is shown (``app.shell.forms.Form``).

Every handler answers all of ``OUTPUTS`` (what it does not change is ``gr.skip()``): opening a paper redraws the
reading and the questions at once, and a refusal is said in the notice of the part the user was in (``NOTICES``) and
marked at its field (``ALIASES`` maps the papers service's field names to the part's boxes).

    out = dict(zip(OUTPUTS, handler(..., lang, request)))        # what a test reads, by name
"""

from __future__ import annotations

from typing import Any

from app.shell.forms import Form

# the fields a refusal can mark (output name -> the string key of its usual info, or None)
FIELDS: dict[str, str | None] = {
    "upload_team": None, "lib_pick": None, "move_team": None, "kb_target": None, "delete_confirm": None,
    "read_model": None, "read_lang": None, "question": None, "cmp_papers": None, "cmp_model": None,
    "cmp_lang": None,
}
NOTICES = {"lib": "lib_notice", "manage": "lib_notice", "read": "read_notice", "ask": "ask_notice",
           "compare": "cmp_notice"}
OTHERS = ("paper_box", "head", "lib_table", "lib_timer", "read_progress", "read_html", "read_timer",
          "stop_btn", "thread_box", "answers_html", "cmp_html", "cmp_state", "download")
OUTPUTS: tuple[str, ...] = (*dict.fromkeys(NOTICES.values()), *FIELDS, *OTHERS)
# the upload's answer: every output, then the file box emptied (only the upload's own event has it as an output, so
# no other handler could hand Gradio a file to serve; gr.File has no info line: its refusal is said in the notice)
UPLOAD_OUTPUTS: tuple[str, ...] = (*OUTPUTS, "upload_file")

ALIASES: dict[str, dict[str, str]] = {
    "lib": {"team_id": "upload_team", "team": "upload_team", "paper": "lib_pick",
            "role": "lib_pick"},
    "manage": {"team_id": "move_team", "team": "move_team", "paper": "lib_pick", "role": "lib_pick",
               "confirm": "delete_confirm", "knowledge_base": "kb_target", "kb": "kb_target"},
    "read": {"model": "read_model", "lang": "read_lang", "paper": "read_model", "role": "read_model"},
    "ask": {"question": "question", "model": "read_model", "lang": "read_lang", "thread_id": "question",
            "paper": "question", "role": "question"},
    "compare": {"papers": "cmp_papers", "paper": "cmp_papers", "role": "cmp_papers", "model": "cmp_model",
                "lang": "cmp_lang"},
}
FORMS = {part: Form(OUTPUTS, FIELDS, notice=notice, aliases=ALIASES[part]) for part, notice in NOTICES.items()}


def named(out: tuple[Any, ...]) -> dict[str, Any]:
    """A handler's outputs by name (what tests read)."""
    names = UPLOAD_OUTPUTS if len(out) == len(UPLOAD_OUTPUTS) else OUTPUTS
    return dict(zip(names, out, strict=True))
