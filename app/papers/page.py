"""Papers page (/papers). Built by ``build(page, gateway, i18n, papers)``; ``papers`` is the
``workbench.papers.service.Papers`` (None: the page says paper reading is not available)."""

from __future__ import annotations

from typing import Any

import gradio as gr


def build(page: gr.Blocks, gateway: Any, i18n: gr.I18n, papers: Any = None) -> None:
    """Lay out the page in the current route."""
    gr.Markdown(i18n("papers.intro"))
    if papers is None:
        gr.Markdown(i18n("papers.unavailable"))
