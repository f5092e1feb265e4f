"""Prompt studio page (/prompts). Built by ``build(page, gateway, i18n, prompts)``; ``prompts`` is the
``workbench.prompt_studio.service.PromptStudio`` (None: the page says the studio is not available)."""

from __future__ import annotations

from typing import Any

import gradio as gr


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, prompts: Any = None) -> None:
    """Lay out the page in the current route."""
    gr.Markdown(i18n("prompts.intro"))
    if prompts is None:
        gr.Markdown(i18n("prompts.unavailable"))
