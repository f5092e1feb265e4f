"""The workbench shell: composes the pages into one ``gr.Blocks`` (one route per page).

Usage (launch.py)::

    gateway.open()                       # the stored services the pages call
    blocks, i18n = build_ui(gateway, chat=ChatSetup(conversations, base_url))
    app = gr.mount_gradio_app(app, blocks, path="/", i18n=i18n, css=shell.CSS + chat.CSS)

Each page module has ``build(page, gateway, i18n)`` and its strings in ``app/strings/<page>.py``;
every page starts with the shared header (``app.shell``). The chat page also takes ``chat``
(``app.chat.page.ChatSetup``: the workbench's conversations and this process's /v1 address); without it
the page is there but says chat is not available. Nothing here runs at import time.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gradio as gr

APP_NAME = "MaaS Workbench"   # browser tab title: Gradio sets document.title verbatim (no i18n)
# (module, route path, route name: Gradio's navbar is hidden, the shell's header shows translated names)
PAGES = (("app.chat.page", "/chat", "Chat"), ("app.kb.page", "/kb", "Knowledge"), ("app.mcp.page", "/mcp", "MCP"),
         ("app.prompts.page", "/prompts", "Prompts"), ("app.papers.page", "/papers", "Papers"),
         ("app.teams.page", "/teams", "Teams"),
         ("app.account.page", "/account", "Account"), ("app.usage.page", "/usage", "Usage"),
         ("app.docs.page", "/api-docs", "API docs"), ("app.admin.page", "/admin", "Admin"))
KNOWLEDGE_PAGES = ("app.kb.page", "app.teams.page")     # these take the knowledge bases (workbench.kb.service)


def build_ui(gateway: Any, *, api_base_hint: str = "/v1", chat: Any = None, knowledge: Any = None,
             mcp: Any = None, prompts: Any = None, papers: Any = None) -> tuple[gr.Blocks, gr.I18n]:
    """Build the workbench Blocks and its I18n (pass both to ``gr.mount_gradio_app``).

    ``gateway`` is an opened ``gateway.service.Gateway`` (its ``status``, ``console``, ``catalogue``,
    ``settings``); handlers call it on page load and on clicks, never here.
    ``api_base_hint`` is the API's path on this server (or a full URL) for the examples.
    ``chat`` is the chat page's ``app.chat.page.ChatSetup`` (None: the page says chat is not available).
    ``knowledge`` is the knowledge bases' ``workbench.kb.service.KnowledgeService`` (None: their pages say so).
    ``mcp`` is the MCP hub's ``app.mcp.context.McpSetup`` (None: the MCP page says it is not available).
    ``prompts`` is the prompt studio (``workbench.prompt_studio.service.PromptStudio``; None: its page says so).
    ``papers`` is paper reading (``workbench.papers.service.Papers``; None: its page says so).
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"   # before any Blocks: else it calls out
    import gradio as gr

    from app.home import page as home
    from app.shell import header as shell
    from app.shell.i18n import make_i18n

    i18n = make_i18n()
    with gr.Blocks(title=APP_NAME, analytics_enabled=False) as demo:
        shell.header(demo, gateway.console, i18n, "/")
        home.HomePage(gateway, api_base_hint=api_base_hint).build(demo, i18n)
    for module_name, path, name in PAGES:
        module = importlib.import_module(module_name)
        with demo.route(name, path, show_in_navbar=False) as page:   # the shell header is the navigation
            shell.header(page, gateway.console, i18n, path)
            extra = ((chat,) if module_name == "app.chat.page" else (knowledge,) if module_name in KNOWLEDGE_PAGES
                     else (mcp,) if module_name == "app.mcp.page" else (prompts,) if module_name == "app.prompts.page"
                     else (papers, knowledge) if module_name == "app.papers.page" else ())
            module.build(page, gateway, i18n, *extra)
    return demo, i18n
