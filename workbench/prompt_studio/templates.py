"""A prompt as a system + user template pair with ``{{variables}}`` (promptfoo / Nunjucks syntax), few-shot
examples, and rendering to OpenAI chat messages.

``{{city}}`` and ``{{ city }}`` are the same variable; a name is a letter or ``_`` then letters, digits or ``_``
(any script: ``{{城市}}``), at most 64 characters. Values are put in literally, never expanded again: a value
that itself contains ``{{x}}`` reaches the model as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from workbench.messages import MESSAGES
from workbench.prompt_studio.errors import PromptInvalid

MAX_CHARS = 20000
MAX_EXAMPLES = 12
MAX_NAME = 64
NAME = re.compile(rf"[^\W\d]\w{{0,{MAX_NAME - 1}}}")
PLACEHOLDER = re.compile(r"\{\{\s*(" + NAME.pattern + r")\s*\}\}")
EXCERPT = 40


@dataclass(frozen=True)
class Example:
    """A few-shot example: the template's variables filled in, and the answer the model should give."""

    variables: dict[str, str]
    output: str


@dataclass(frozen=True)
class Template:
    """A prompt: the system part (may be empty), the user part, and few-shot examples shown in between."""

    system: str
    user: str
    examples: tuple[Example, ...] = field(default=())

    def variables(self) -> list[str]:
        """The variable names in order of first appearance, the system part first, then the user part."""
        return _unique(variables(self.system) + variables(self.user))


def variables(text: str) -> list[str]:
    """The ``{{name}}`` variables of ``text`` in order of first appearance (each once)."""
    return _unique(match.group(1) for match in PLACEHOLDER.finditer(text))


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{{name}}`` replaced by its value, literally; a missing value is refused."""
    for name in variables(text):
        if name not in values:
            raise PromptInvalid("prompt_template.missing_value", f"variables.{name}", name=name)
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)


def check_template(t: Template) -> Template:
    """``t`` when it can be rendered: a user part, parts not too long, well-formed ``{{variables}}``, examples
    that give exactly the template's variables; else the refusal naming the part at fault."""
    if not t.user.strip():
        raise PromptInvalid("prompt_template.user_required", "user")
    for part in ("system", "user"):
        text = getattr(t, part)
        if len(text) > MAX_CHARS:
            raise PromptInvalid("prompt_template.too_long", part, part=_part(part), most=MAX_CHARS, count=len(text))
        for problem, excerpt in _problems(text):
            raise PromptInvalid(f"prompt_template.{problem}", part, part=_part(part), excerpt=excerpt)
    if len(t.examples) > MAX_EXAMPLES:
        raise PromptInvalid("prompt_template.too_many_examples", "examples", most=MAX_EXAMPLES,
                            count=len(t.examples))
    names = t.variables()
    for i, example in enumerate(t.examples):
        _check_example(i, example, names)
    return t


def render(t: Template, values: Mapping[str, str]) -> list[dict[str, str]]:
    """The chat messages for ``values``: system (unless it renders empty), each example as a user + assistant
    pair, then the user message. Values the template does not use are ignored."""
    check_template(t)
    messages = []
    system = fill(t.system, values)
    if system.strip():
        messages.append({"role": "system", "content": system})
    for example in t.examples:
        messages.append({"role": "user", "content": fill(t.user, example.variables)})
        messages.append({"role": "assistant", "content": example.output})
    messages.append({"role": "user", "content": fill(t.user, values)})
    return messages


def _check_example(i: int, example: Example, names: list[str]) -> None:
    number, given = i + 1, example.variables
    for name in names:
        if name not in given:
            raise PromptInvalid("prompt_template.example_missing", f"examples[{number}].variables.{name}",
                                number=number, name=name)
    for name, value in given.items():
        if name not in names:
            raise PromptInvalid("prompt_template.example_unknown", f"examples[{number}].variables.{name}",
                                number=number, name=name)
        if not isinstance(value, str):
            raise PromptInvalid("prompt_template.example_not_text", f"examples[{number}].variables.{name}",
                                number=number, name=name)
    if not isinstance(example.output, str) or not example.output.strip():
        raise PromptInvalid("prompt_template.example_output", f"examples[{number}].output", number=number)


def _problems(text: str) -> Iterator[tuple[str, str]]:
    """Each ``{{`` that is never closed (``unclosed``) or holds no variable name (``bad_name``), with its text."""
    at = text.find("{{")
    while at >= 0:
        end = text.find("}}", at + 2)
        if end < 0:
            yield "unclosed", _short(text[at:])
            return
        if not NAME.fullmatch(text[at + 2:end].strip()):
            yield "bad_name", _short(text[at:end + 2])
        at = text.find("{{", end + 2)


def _part(part: str) -> object:
    return MESSAGES.message(f"prompt_template.part_{part}")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"


def _unique(names: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(names))
