"""Improve a prompt without data: the model critiques and rewrites it; the code checks what the rewrite kept.

    proposal = improve(chat, "qwen2.5-0.5b", template)
    proposal.critique, proposal.diff            # the model's critique; a unified diff of the system part
    proposal.checks                             # every requirement of the original, kept or not (a checklist)
    accept(proposal)                            # the rewrite, or PromptInvalid when a requirement was dropped
    accept(proposal, override=True)             # the user saw the checklist and takes it anyway

The model rewrites the system part only; the user part (where the ``{{variables}}`` are filled in) is kept as it
is. The requirement check (``requirements``: variables, formats, constraints, facts of the original) is the
code's, not the model's word: a dropped requirement blocks ``accept`` unless the user overrides it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import PromptInvalid
from .instructions import instruction
from .requirements import Check, check, dropped, requirements
from .runner import Chat
from .templates import Template, check_template

FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
CRITIQUE = re.compile(r"CRITIQUE\**\s*[:：]?\**[ \t]*\n?(.*?)(?=```|$)", re.S | re.I)
MAX_FEEDBACK = 2000
IMPROVE_TOKENS = 700           # a critique and the rewritten system part


@dataclass(frozen=True)
class Proposal:
    """A rewrite of a prompt with the model's critique, the diff and the requirement checklist."""

    original: Template
    rewrite: Template
    critique: str
    diff: str
    checks: list[Check]

    @property
    def dropped(self) -> list[Check]:
        """The original's requirements the rewrite lost."""
        return dropped(self.checks)


def diff(before: str, after: str) -> str:
    """A unified diff of two texts, line by line."""
    return "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="",
                                          n=2))


def review(original: Template, rewrite: Template, critique: str = "") -> Proposal:
    """The diff and requirement checklist of any rewrite (the improver's, the optimiser's, a person's)."""
    reqs = requirements(f"{original.system}\n{original.user}")
    checks = check(reqs, f"{rewrite.system}\n{rewrite.user}")
    text_diff = "\n\n".join(filter(None, (diff(original.system, rewrite.system), diff(original.user, rewrite.user))))
    return Proposal(original, rewrite, critique, text_diff, checks)


def improve(chat: Chat, model: str, template: Template, *, feedback: str = "") -> Proposal:
    """The model's critique and rewrite of ``template``'s system part, checked."""
    template = check_template(template)
    if len(feedback or "") > MAX_FEEDBACK:
        raise PromptInvalid("prompt_improve.feedback_long", "feedback", most=MAX_FEEDBACK)
    said = f"\nWhat the user wants changed: {feedback.strip()}\n" if (feedback or "").strip() else ""
    asked = (instruction("improve").replace("<<SYSTEM>>", template.system or "(empty)")
             .replace("<<USER>>", template.user).replace("<<FEEDBACK>>", said))
    reply = chat([{"role": "user", "content": asked}], model, {"temperature": 0.3, "max_tokens": IMPROVE_TOKENS})
    if reply.error is not None:
        raise PromptInvalid("prompt_generate.model_failed", "model", reason=reply.error.text("en"))
    fenced = FENCE.findall(reply.text)
    system = fenced[0].strip() if fenced else ""
    if not system:
        raise PromptInvalid("prompt_improve.no_rewrite", "model")
    found = CRITIQUE.search(reply.text)
    critique = (found.group(1) if found else "").strip()[:2000]
    return review(template, Template(system, template.user, template.examples), critique)


def accept(proposal: Proposal, *, override: bool = False) -> Template:
    """The rewrite, unless it dropped a requirement of the original and the user did not override."""
    lost = proposal.dropped
    if lost and not override:
        raise PromptInvalid("prompt_improve.dropped", "rewrite", count=len(lost),
                            first=lost[0].requirement.text[:120])
    return check_template(proposal.rewrite)
