"""The prompt studio's instructions to models are data: ``instructions/<name>.md`` beside this module (the judge,
the generator, the improver, the case drafter, the optimiser's reflection); ``sections.json`` names a generated
prompt's sections, en and zh. Read through ``workbench.instruction_files``.

    instruction("judge")          # the judge's system message
    sections()["zh"]["role"]      # 角色
"""

from __future__ import annotations

from workbench import instruction_files


def instruction(name: str) -> str:
    """The text of ``instructions/<name>.md`` (UTF-8, without its trailing newline)."""
    return instruction_files.instruction(__package__, name)


def sections() -> dict[str, dict[str, str]]:
    """A generated prompt's section headings and default texts, by language (``instructions/sections.json``)."""
    return instruction_files.data(__package__, "sections")
