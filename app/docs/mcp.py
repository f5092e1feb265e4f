"""The API docs page's MCP section: what ``/mcp/v1/workbench`` and ``/mcp/v1/<group>`` are, how they authenticate,
the legacy SSE path, each MCP client's configuration for this deployment's address (``workbench.mcp.client_config``,
for the workbench's own endpoint, which every user has), and a complete agent in Python.

The agent is READ from docs/examples/mcp_agent.py when the page is made (its example server address,
``http://127.0.0.1:7860``, replaced by this server's); without that file the page shows no agent (nothing made up
in its place).

    parts = build_section(i18n)                      # inside the page's layout: the components by field name
    McpDocs.of(origin, locale, agent_source())       # the section's view for one request
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from app.shell.i18n import translate
from app.shell.views import View, keyed
from workbench.mcp.client_config import CLIENTS, KEY_PLACEHOLDER, LANGUAGES, TITLES, client_configs, server_name
from workbench.mcp.groups import WORKBENCH

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
AGENT_EXAMPLE = Path("examples") / "mcp_agent.py"
EXAMPLE_ORIGIN = "http://127.0.0.1:7860"          # the address the example is written for
PREFIX = "/mcp/v1"


def agent_source(folder: Path = DOCS_DIR) -> str:
    """docs/examples/mcp_agent.py as written, or "" when the file is not there."""
    path = folder / AGENT_EXAMPLE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def workbench_url(origin: str) -> str:
    return f"{origin.rstrip('/')}{PREFIX}/{WORKBENCH}"


def mcp_examples(origin: str) -> dict[str, str]:
    """Each client's configuration for this server's ``/mcp/v1/workbench``, by client."""
    return {config.client: config.text for config in client_configs(workbench_url(origin), server_name(WORKBENCH))}


@dataclass
class McpDocs(View):
    """The section for one reader: the explanation with this server's address, each client's configuration and
    where it goes, and the agent (hidden without its file)."""

    mcp_md: str
    mcp_where: dict[str, str] = keyed(CLIENTS)
    mcp_config: dict[str, str] = keyed(CLIENTS)
    mcp_agent_md: Any
    mcp_agent: Any

    @classmethod
    def of(cls, origin: str, locale: str, agent: str) -> McpDocs:
        configs = client_configs(workbench_url(origin), server_name(WORKBENCH))
        shown = agent.replace(EXAMPLE_ORIGIN, origin.rstrip("/")) if agent else ""
        return cls(mcp_md=translate("docs.mcp_md", locale, origin=origin.rstrip("/"), placeholder=KEY_PLACEHOLDER),
                   mcp_where={c.client: c.where.text(locale) for c in configs},
                   mcp_config={c.client: c.text for c in configs},
                   mcp_agent_md=gr.update(visible=bool(shown)),
                   mcp_agent=gr.update(value=shown, visible=bool(shown)))

    def fields(self) -> dict[str, Any]:
        """Its fields by name, for the page's view."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def build_section(i18n: gr.I18n) -> dict[str, Any]:
    """The section's components (in the page's layout where it stands), by ``McpDocs`` output name."""
    gr.Markdown(i18n("docs.mcp_heading"))
    parts: dict[str, Any] = {"mcp_md": gr.Markdown(elem_id="docs-mcp")}
    with gr.Tabs(elem_id="docs-mcp-clients"):
        for client in CLIENTS:
            dashed = client.replace("_", "-")
            with gr.Tab(TITLES[client], elem_id=f"docs-mcp-tab-{dashed}"):
                parts[f"mcp_where.{client}"] = gr.Markdown(elem_id=f"docs-mcp-where-{dashed}")
                parts[f"mcp_config.{client}"] = gr.Code(
                    label=TITLES[client], language=LANGUAGES[client], interactive=False, buttons=["copy"],
                    show_line_numbers=False, wrap_lines=True, max_lines=40, elem_id=f"docs-mcp-config-{dashed}")
    parts["mcp_agent_md"] = gr.Markdown(i18n("docs.mcp_agent_md"), visible=False, elem_id="docs-mcp-agent-intro")
    parts["mcp_agent"] = gr.Code(label=i18n("docs.mcp_agent"), language="python", interactive=False,
                                 buttons=["copy"], show_line_numbers=False, wrap_lines=True, max_lines=80,
                                 visible=False, elem_id="docs-mcp-agent")
    return parts
