"""The prompt studio's instructions to models are data: ``instructions/<name>.md`` beside this module (the judge,
the generator, the improver, the case drafter, the optimiser's reflection), read through importlib.resources so they
travel with the package wherever it is installed; ``sections.json`` names a generated prompt's sections, en and zh.

    instruction("judge")          # the judge's system message
    sections()["zh"]["role"]      # 角色
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@lru_cache(maxsize=32)
def instruction(name: str) -> str:
    """The text of ``instructions/<name>.md`` (UTF-8, without its trailing newline)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"no instruction {name!r}: names are small letters, digits and _")
    return (files(__package__) / "instructions" / f"{name}.md").read_text(encoding="utf-8").rstrip("\n")


@lru_cache(maxsize=1)
def sections() -> dict[str, dict[str, str]]:
    """A generated prompt's section headings and default texts, by language (``instructions/sections.json``)."""
    return json.loads((files(__package__) / "instructions" / "sections.json").read_text(encoding="utf-8"))
