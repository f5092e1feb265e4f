"""The kb page (placeholder until the page lands): says it is not available yet."""

from __future__ import annotations

from typing import Any

import gradio as gr


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, knowledge: Any = None) -> None:
    """Lay out the page in the current route."""
    gr.Markdown(i18n("kb.unavailable"))
