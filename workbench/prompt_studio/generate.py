"""Generate a prompt from a task description, and draft test cases for it, with a (small) model.

    template = generate(chat, "qwen2.5-0.5b", "从合同文本中抽取甲方、乙方和金额，输出 JSON", variables=["合同"])
    cases = draft_cases(chat, "qwen2.5-0.5b", task, template, count=5)      # Case(..., drafted=True)

The model writes only the content of the sections (role, context, instructions, constraints, output format); the
structure is the code's: the sections' headings (in the task's language, from ``instructions/sections.json``), the
task itself as the user wrote it at the head of the context (so no requirement of theirs is lost in the model's
words), the user part with the ``{{variables}}``, and the examples the user gave as few-shot examples. A section the
model did not write is filled from the task itself, so the result always has every section, whatever its wording.
What a small model writes is checked line by line (``section_checks``): echoes of the instruction, empty rules, a
role that is not one and a format the task did not ask for are dropped. The instructions the model is given are the
data files ``instructions/generate.md`` and ``draft_cases.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from workbench.attachments import language_of

from .cases import Case, with_id
from .errors import PromptInvalid
from .instructions import instruction, sections
from .runner import Chat
from .section_checks import format_of, kept
from .templates import Example, Template, check_template, variables

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[^\W\d]\w{0,63}$")
SECTION_KEYS = ("role", "context", "instructions", "constraints", "output_format")
_HEADINGS = {"ROLE": "role", "CONTEXT": "context", "INSTRUCTIONS": "instructions", "CONSTRAINTS": "constraints",
             "OUTPUT FORMAT": "output_format"}
_HEADING = re.compile(r"^\W*(ROLE|CONTEXT|INSTRUCTIONS|CONSTRAINTS|OUTPUT FORMAT)\W*:\s*(.*)$", re.I)
MAX_TASK = 4000
MAX_DRAFTS = 20
GENERATE_TOKENS = 400         # the five sections; a small model rambles on without a cap
CASE_TOKENS = 80              # per drafted case


def sections_of(reply: str) -> dict[str, str]:
    """The sections a model wrote ("ROLE: ..." lines and what follows them), by key."""
    found: dict[str, list[str]] = {}
    current = None
    for line in (reply or "").splitlines():
        heading = _HEADING.match(line.strip().replace("*", "").replace("#", ""))
        if heading:
            current = _HEADINGS[heading.group(1).upper()]
            found.setdefault(current, [])
            if heading.group(2).strip():
                found[current].append(heading.group(2).strip())
        elif current and line.strip():
            found[current].append(line.rstrip())
    return {key: "\n".join(lines).strip() for key, lines in found.items() if "\n".join(lines).strip()}


def _clean_task(task: object) -> str:
    text = task.strip() if isinstance(task, str) else ""
    if not text:
        raise PromptInvalid("prompt_generate.task", "task")
    if len(text) > MAX_TASK:
        raise PromptInvalid("prompt_generate.task_long", "task", most=MAX_TASK)
    return text


def _names(task: str, names: Sequence[str], examples: Sequence[Example]) -> list[str]:
    chosen = list(dict.fromkeys([*names, *variables(task), *(n for e in examples for n in e.variables)]))
    for index, name in enumerate(chosen):
        if not NAME.match(name):
            raise PromptInvalid("prompt_generate.variable", f"variables[{index}]", name=name[:40])
    return chosen or ["input"]


def generate(chat: Chat, model: str, task: str, *, variables: Sequence[str] = (),
             examples: Sequence[Example] = (), params: dict | None = None) -> Template:
    """A structured system + user template for ``task`` (Chinese or English, as the task is written)."""
    task = _clean_task(task)
    names = _names(task, variables, examples)
    lang = language_of(task)
    words = sections()[lang]
    shown = "".join(f"\nExample input: {json.dumps(e.variables, ensure_ascii=False)}\nIdeal output: {e.output}\n"
                    for e in examples[:3])
    asked = (instruction("generate").replace("<<TASK>>", task).replace("<<EXAMPLES>>", shown)
             .replace("<<LANGUAGE>>", words["language"]))
    sampling = {"temperature": 0.2, "max_tokens": GENERATE_TOKENS, **(params or {})}
    reply = chat([{"role": "user", "content": asked}], model, sampling)
    if reply.error is not None:
        raise PromptInvalid("prompt_generate.model_failed", "model", reason=reply.error.text("en"))
    bare = instruction("generate").replace("<<TASK>>", "").replace("<<EXAMPLES>>", "")
    written = {key: kept(key, _no_new_variables(text, names), task=task, asked=bare)
               for key, text in sections_of(reply.text).items()}
    plain = PLACEHOLDER.sub(lambda m: f"`{m.group(1)}`", task)    # the task as written, its variables by name
    fallback = {"role": words["role_default"], "context": "", "instructions": plain,
                "constraints": words["constraints_default"],
                "output_format": format_of(plain) or words["output_default"]}
    # the task itself, as the user wrote it, always opens the context: nothing they asked can be lost in the
    # model's rewording (what a small model often drops: the format, a constraint)
    written["context"] = "\n".join(filter(None, (plain, written.get("context", ""))))
    body = "\n\n".join(f"# {words[key]}\n{written.get(key) or fallback[key]}" for key in SECTION_KEYS)
    user = "\n".join(f"{name}: {{{{{name}}}}}" for name in names) if len(names) > 1 else f"{{{{{names[0]}}}}}"
    return check_template(Template(body, user, tuple(examples[:12])))


def draft_cases(chat: Chat, model: str, task: str, template: Template, *, count: int = 5) -> list[Case]:
    """Test cases the model drafts for ``task``, each with every variable of ``template``; marked ``drafted`` until
    a person accepts them. Lines the model got wrong (not JSON, a variable missing) are left out."""
    task = _clean_task(task)
    if not 1 <= count <= MAX_DRAFTS:
        raise PromptInvalid("prompt_generate.count", "count", most=MAX_DRAFTS)
    names = template.variables()
    shape = json.dumps({**{name: "..." for name in names}, "expected": "..."}, ensure_ascii=False)
    lang = language_of(task)
    asked = (instruction("draft_cases").replace("<<TASK>>", task).replace("<<VARIABLES>>", ", ".join(names))
             .replace("<<COUNT>>", str(count)).replace("<<SHAPE>>", shape)
             .replace("<<LANGUAGE>>", sections()[lang]["language"]))
    reply = chat([{"role": "user", "content": asked}], model, {"temperature": 0.7, "max_tokens": CASE_TOKENS * count})
    if reply.error is not None:
        raise PromptInvalid("prompt_generate.model_failed", "model", reason=reply.error.text("en"))
    drafted: list[Case] = []
    for line in reply.text.splitlines():
        start, end = line.find("{"), line.rfind("}")
        try:
            row = json.loads(line[start:end + 1]) if 0 <= start < end else None
        except ValueError:
            row = None
        if not isinstance(row, dict) or not all(name in row for name in names):
            continue
        values = {name: _text(row[name]) for name in names}
        drafted.append(with_id(Case(values, _text(row.get("expected", "")), drafted=True)))
    return list({case.id: case for case in drafted}.values())[:count]


def _no_new_variables(text: str, names: Sequence[str]) -> str:
    """The model's section with any ``{{name}}`` that is not a variable of the prompt turned into plain words (it
    would otherwise become a variable no case fills)."""
    return PLACEHOLDER.sub(lambda m: m.group(0) if m.group(1) in names else m.group(1), text)


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
