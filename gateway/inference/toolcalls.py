"""Tool calls written as plain JSON in content, recovered into OpenAI ``tool_calls``.

Small models (the embedded Qwen2.5-Coder among them) answer a tool request with
``{"name": "get_weather", "arguments": {...}}`` as text, sometimes in a code fence,
instead of the template's tool-call markup. For models with the ``tool_calls_in_content``
quirk the gateway turns such an answer into a proper tool call, as Ollama does.
"""

from __future__ import annotations

import json
import secrets


def recover(content: str | None, tools: list | None) -> list[dict] | None:
    """The tool calls in ``content`` if it is a call of one of ``tools``, else None."""
    if not content or not tools:
        return None
    names = {t["function"]["name"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)}
    start = content.find("{")
    if start < 0 or content[:start].strip() not in ("", "```", "```json"):
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(content[start:])
    except ValueError:
        return None
    calls = obj if isinstance(obj, list) else [obj]
    out = []
    for call in calls:
        if not isinstance(call, dict) or call.get("name") not in names:
            return None
        args = call.get("arguments", call.get("parameters", {}))
        out.append({"id": "call_" + secrets.token_hex(12), "type": "function",
                    "function": {"name": call["name"],
                                 "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)}})
    return out or None
