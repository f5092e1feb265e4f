"""The workbench shell: composes the pages into one ``gr.Blocks``.

Usage (launch.py)::

    blocks, i18n = build_ui(gateway.status)
    app = gr.mount_gradio_app(app, blocks, path="/", i18n=i18n)

More pages join in ``build_ui`` after the home page, each as
``with demo.route("Name", "/path"): page.build(demo, ...)``. Nothing here runs at import time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gradio as gr

APP_NAME = "MaaS Workbench"   # browser tab title: Gradio sets document.title verbatim (no i18n)


def build_ui(status: Callable[[], Mapping[str, Any]], *, api_base_hint: str = "/v1") -> tuple[gr.Blocks, gr.I18n]:
    """Build the workbench Blocks and its I18n (pass both to ``gr.mount_gradio_app``).

    ``status`` is the gateway's snapshot function (models, their deployments' health, the master
    key hint); it is called on page load, on Refresh and every 10 s, never here.
    ``api_base_hint`` is the API's path on this server (or a full URL) for the examples.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"   # before any Blocks: else it calls out
    import gradio as gr

    from app import home
    from app.i18n import make_i18n

    i18n = make_i18n()
    with gr.Blocks(title=APP_NAME, analytics_enabled=False) as demo:
        home.build(demo, status, i18n, api_base_hint=api_base_hint)
    return demo, i18n
