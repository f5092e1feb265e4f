"""Building blocks of the code examples on the API docs page (pure: text in, text out).

Python literals from JSON-like values, curl commands whose bodies survive the shell, and the
opening lines of the openai SDK and LangChain examples. Used by ``app.docs`` and ``app.docs_search``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

EXAMPLE_CREATED = 1767225600        # a fixed timestamp for the response examples


def py(value: Any) -> str:
    """A Python literal (JSON strings are Python strings; true/false/null are not Python)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(py(v) for v in value) + "]"
    return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"


def py_block(value: Mapping[str, Any], indent: str = "") -> str:
    """A dict literal with one item per line (``indent``: the indentation of the line it starts on)."""
    items = "".join(f"{indent}    {py(k)}: {py(v)},\n" for k, v in value.items())
    return "{\n" + items + indent + "}"


def curl(url: str, body: Mapping[str, Any] | None = None, *, method: str | None = None, stream: bool = False,
         key_var: str = "MAAS_API_KEY", auth: bool = True) -> str:
    """One curl command; ``body`` as indented JSON in single quotes (a quote inside is shell-escaped)."""
    head = "curl" + (" -N" if stream else "") + (f" -X {method}" if method else "")
    lines = [f"{head} {url}" if "?" not in url else f'{head} "{url}"']
    if auth:
        lines.append(f'  -H "Authorization: Bearer ${key_var}"')
    if body is not None:
        lines.append('  -H "Content-Type: application/json"')
        text = json.dumps(body, indent=2, ensure_ascii=False).replace("'", "'\\''")
        lines.append("  -d '" + text.replace("\n", "\n  ") + "'")
    return " \\\n".join(lines) + "\n"


def openai_client(base_url: str) -> str:
    """The imports and the ``client`` of an openai SDK example."""
    return ("import os\n\nfrom openai import OpenAI\n\n"
            f'client = OpenAI(base_url={py(base_url)}, api_key=os.environ["MAAS_API_KEY"])\n\n')


def chat_model(base_url: str, model: str, extra: str = "") -> str:
    """The imports and the ``llm`` of a LangChain example (``extra``: more indented keyword lines)."""
    return ("import os\n\nfrom langchain_openai import ChatOpenAI\n\n"
            f"llm = ChatOpenAI(\n    base_url={py(base_url)},\n"
            f'    api_key=os.environ["MAAS_API_KEY"],\n    model={py(model)},\n{extra})\n')
