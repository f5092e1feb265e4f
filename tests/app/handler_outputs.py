"""Reading a page handler's answer as a user sees it: a box's value, a dropdown's choices, the message a refusal
put under a field. Shared by the page tests that call handlers directly (prompts, papers, MCP groups)."""

from __future__ import annotations

from typing import Any


def value(update: Any) -> Any:
    """A box's value (an update dict's, or the value itself)."""
    return update.get("value") if isinstance(update, dict) else update


def choices(update: Any) -> list[tuple[str, str]]:
    """A dropdown's choices as (label, value) pairs."""
    return [tuple(c) if isinstance(c, list | tuple) else (c, c) for c in update["choices"]]


def marked(out: dict[str, Any], name: str) -> str:
    """The message a refusal put under field ``name`` ("" when it is not marked)."""
    update = out[name]
    return (update.get("info") or "") if "maas-invalid" in (update.get("elem_classes") or []) else ""
