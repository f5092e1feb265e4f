"""Instructions to models are data: ``instructions/<name>.md`` (and ``.json``) beside a feature's modules, read through
importlib.resources so they travel with the package wherever it is installed.

    instruction("workbench.papers", "extract")        # workbench/papers/instructions/extract.md
    data("workbench.papers", "aspects")               # workbench/papers/instructions/aspects.json, parsed
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _file(package: str, name: str, suffix: str):
    if not _NAME.fullmatch(name):
        raise ValueError(f"no instruction {name!r}: names are small letters, digits and _")
    return files(package) / "instructions" / f"{name}{suffix}"


@lru_cache(maxsize=64)
def instruction(package: str, name: str) -> str:
    """The text of ``<package>/instructions/<name>.md`` (UTF-8, without its trailing newline)."""
    return _file(package, name, ".md").read_text(encoding="utf-8").rstrip("\n")


@lru_cache(maxsize=16)
def data(package: str, name: str) -> Any:
    """``<package>/instructions/<name>.json``, parsed (cached: callers must not change it)."""
    return json.loads(_file(package, name, ".json").read_text(encoding="utf-8"))
