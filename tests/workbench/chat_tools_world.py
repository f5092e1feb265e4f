"""The chat's MCP tools on real parts, for tests/workbench/test_chat_tools.py and tests/app/test_chat_tools.py.

    with tools_world(tmp_path) as world:       # a gateway process in front of the tool-calling fake model (real
        ...                                     # sockets), the lab MCP server over streamable HTTP on loopback,
                                                # registered by alice for herself and approved, the hub, the pipeline
    world.answers.send(ALICE, None, 'call add {"a": 2, "b": 3}', options(tools=(world.entry.id,)))

``clock_server()``: an MCP server with ``get_current_time`` as ``mcp-server-time`` has it (an IANA time zone in,
the time there out as JSON), whose answers are kept in ``answers``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from shared.urlguard import HostPolicy
from tests import aio
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.tool_model import MODEL, ToolModel, start_tool_model
from tests.workbench.mcp_servers import LabServer, Site, serve
from workbench.answering.service import AnswerOptions, AnswerService
from workbench.answering.tools import ChatTools
from workbench.clients import UserClients
from workbench.conversations import Conversations
from workbench.mcp.catalogue import Catalogue, Entry, Viewer
from workbench.mcp.hub import McpHub
from workbench.mcp.remotes import Registration
from workbench.mcp.sealed import Sealer
from workbench.schema import open_store
from workbench.store import Store

ALICE, BOB = "u-alice", "u-bob"
VIEWERS = {ALICE: Viewer(ALICE), BOB: Viewer(BOB)}


class ToolFacts:
    """``ModelFacts`` of the one model behind the gateway."""

    def __init__(self, model: str = MODEL, window: int = 8192) -> None:
        self.model, self.window = model, window

    def chat_models(self) -> list[str]:
        return [self.model]

    def context_length(self, model: str) -> int | None:
        return self.window

    def thinking_budget(self, model: str | None) -> int:
        return 1024

    def reasons(self, model: str) -> bool:
        return False

    def embedding_model(self) -> str | None:
        return None


def options(tools: tuple[str, ...] | None = None, **kw: Any) -> AnswerOptions:
    return AnswerOptions(settings={"model": kw.pop("model", MODEL), "temperature": 0,
                                   "max_tokens": kw.pop("max_tokens", 64)}, tools=tools, **kw)


def with_destructive_tool(lab: LabServer) -> list[str]:
    """Give the lab ``delete_sample`` (annotated destructive); the samples it deleted."""
    deleted: list[str] = []

    def delete_sample(name: str = Field(description="The sample to delete")) -> str:
        """Delete a sample from the lab's inventory."""
        lab.calls.append(("delete_sample", {"name": name}))
        deleted.append(name)
        return f"deleted {name}"

    lab.mcp.add_tool(delete_sample, annotations=ToolAnnotations(destructiveHint=True))
    return deleted


@dataclass
class ToolsWorld:
    model: ToolModel
    gateway: GatewayProcess
    lab: LabServer
    site: Site
    store: Store
    convs: Conversations
    hub: McpHub
    tools: ChatTools
    answers: AnswerService
    entry: Entry
    deleted: list[str] = field(default_factory=list)

    def function(self, tool: str) -> str:
        """The function name the model sees for one of the lab's tools."""
        box, _ = self.tools.toolbox(ALICE, [self.entry.id])
        return next(name for name, offer in box.offers.items() if offer.tool.name == tool)


def gateway_config(data: Path, model: ToolModel) -> Path:
    doc = {"gateway": {"embedded": {"enabled": False}, "health_interval_s": 600},
           "models": [{"id": MODEL, "capabilities": {"context_length": 8192, "tools": True},
                       "deployments": [{"backend": "openai", "base_url": f"{model.url}/v1", "model": MODEL}]}]}
    path = data / "models.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def make_hub(store: Store, path: Path) -> McpHub:
    return McpHub.create(store, Catalogue(store), Sealer.from_settings(None, path), HostPolicy(("127.0.0.1",)))


@contextlib.contextmanager
def tools_world(tmp: Path) -> Iterator[ToolsWorld]:
    model = start_tool_model()
    (tmp / "gw").mkdir()
    gateway = GatewayProcess(tmp / "gw", config=gateway_config(tmp / "gw", model))
    lab = LabServer("lab")
    deleted = with_destructive_tool(lab)
    store = open_store(tmp / "workbench.duckdb")
    try:
        gateway.start()
        with serve(lab) as site:
            hub = make_hub(store, tmp)
            entry = aio.run(hub.register(Registration(site.url, title="Lab"), VIEWERS[ALICE]))
            aio.run(hub.approve(entry.id, VIEWERS[ALICE]))
            convs = Conversations(store)
            tools = ChatTools(hub, VIEWERS.__getitem__)
            answers = AnswerService(convs, UserClients(gateway.url + "/v1", lambda user_id: MASTER_KEY), ToolFacts(),
                                    tools=tools)
            yield ToolsWorld(model, gateway, lab, site, store, convs, hub, tools, answers, entry, deleted)
    finally:
        gateway.stop()
        model.stop()
        store.close()


def clock_server() -> tuple[MCPServer, list[dict[str, Any]]]:
    """An MCP server with ``get_current_time`` (see the module doc), and the answers it gave."""
    server = MCPServer("time", instructions="Time and time-zone tools.")
    answers: list[dict[str, Any]] = []

    def get_current_time(timezone: str = Field(description="IANA timezone name (e.g., 'America/New_York', "
                                               "'Europe/London'). Use 'Asia/Shanghai' as local timezone if no "
                                               "timezone provided by the user.")) -> str:
        """Get current time in a specific timezones"""
        now = datetime.now(ZoneInfo(timezone))
        answer = {"timezone": timezone, "datetime": now.isoformat(timespec="seconds"),
                  "day_of_week": now.strftime("%A"), "is_dst": bool(now.dst())}
        answers.append(answer)
        return json.dumps(answer, indent=2)

    server.add_tool(get_current_time, structured_output=False)
    return server, answers
