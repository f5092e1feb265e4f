"""usage page (placeholder until built)."""

import gradio as gr


def build(page: gr.Blocks, gateway, i18n: gr.I18n) -> None:
    gr.Markdown("usage")
