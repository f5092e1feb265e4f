"""The prompt studio's instructions to models (the LLM judge, ...) are data: ``instructions/<name>.md`` beside
this module, read through importlib.resources so they travel with the package wherever it is installed.

    instruction("judge")          # the judge's system message
"""

from __future__ import annotations

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
