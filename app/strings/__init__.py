"""Every visible string of the workbench, one module per page (``EN`` / ``ZH`` dicts with the same keys)."""

from __future__ import annotations

import importlib

PAGES = ("chat", "kb", "mcp", "mcp_groups", "prompts", "papers", "teams", "home", "shell", "account", "usage", "admin", "admin_models",
         "docs", "docs_mcp", "gradio", "signin")


def merged() -> tuple[dict[str, str], dict[str, str]]:
    """(EN, ZH) of all pages; a key defined by two pages is an error."""
    en: dict[str, str] = {}
    zh: dict[str, str] = {}
    for page in PAGES:
        module = importlib.import_module(f"app.strings.{page}")
        for target, table in ((en, module.EN), (zh, module.ZH)):
            twice = set(target) & set(table)
            if twice:
                raise ValueError(f"app/strings/{page}.py redefines {sorted(twice)}")
            target.update(table)
    return en, zh
