"""Message-list helpers shared by the gateway's services (no I/O)."""

from __future__ import annotations

from gateway.inference import prompts


def text_of(content) -> str:
    """A message's text: the string itself, or its text parts joined."""
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content
                         if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str))
    return content if isinstance(content, str) else ""


def merge_system(messages: list) -> list:
    """Fold system/developer messages into the first user message (models that accept only users)."""
    system = "\n\n".join(text for m in messages if m.get("role") in ("system", "developer")
                         and (text := text_of(m.get("content"))))
    rest = [m for m in messages if m.get("role") not in ("system", "developer")]
    if not system:
        return rest
    for i, m in enumerate(rest):
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, list):
                merged = [{"type": "text", "text": system}, *content]
            else:
                merged = prompts.MERGED_SYSTEM.format(system=system, user=content or "")
            rest[i] = {**m, "content": merged}
            return rest
    return [{"role": "user", "content": system}, *rest]
