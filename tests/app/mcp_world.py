"""The MCP page's world for its tests: the hub as ``launch.open_mcp`` builds it over a real opened gateway and the
workbench store, the teams of ``workbench.kb``, and the lab's extra tools (a nested object and an ``anyOf``; the
time in a timezone) for the real loopback MCP server of ``tests.workbench.mcp_servers``.

    hub = open_hub(gateway, store)         # app.mcp.context.McpSetup (the gateway's settings allow 127.0.0.1)
    add_form_tools(lab)                    # plan(where: {city, country}, when: int | str, ...), now(timezone)
    value(update); text(html); choices(update)      # what a page handler's outputs show
"""

from __future__ import annotations

import html as html_lib
import re
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, Field

SHANGHAI_NOON = "2026-05-01 12:00:00 CST (Asia/Shanghai)"


class Where(BaseModel):
    """A place to visit."""

    city: str = Field(description="The city")
    country: str = Field("CN", description="Its country code")


def add_form_tools(lab: Any) -> None:
    """Tools whose forms need a nested object, a choice of kinds (``anyOf``) and a list, and the lab's clock."""
    calls = lab.calls

    def plan(where: Where, when: int | str, guests: list[str] | None = None, note: str | None = None) -> str:
        """Plan a visit: where, and when (a day number, or a date as text)."""
        calls.append(("plan", {"where": where.model_dump(), "when": when, "guests": guests, "note": note}))
        return f"Visit {where.city} ({where.country}) on {when!r} with {len(guests or [])} guest(s)"

    def now(timezone: str = Field(description="An IANA timezone, e.g. Asia/Shanghai")) -> str:
        """The current time in a timezone."""
        calls.append(("now", {"timezone": timezone}))
        return SHANGHAI_NOON if timezone == "Asia/Shanghai" else f"2026-05-01 04:00:00 UTC ({timezone})"

    lab.add(plan)
    lab.add(now)


def open_hub(gateway: Any, store: Any) -> Any:
    """The MCP hub as the workbench opens it (``launch.open_mcp``), with the teams of ``workbench.kb``."""
    from launch import AccountDirectory, open_mcp
    from workbench.kb.access import Access
    from workbench.kb.teams import Teams

    teams = Teams(store, Access(store), AccountDirectory(gateway.accounts))
    return open_mcp(gateway.settings, store, SimpleNamespace(teams=teams))


def value(update: Any) -> Any:
    """What a Gradio update (a dict) or a plain output carries."""
    return update.get("value") if isinstance(update, dict) else update


def text(html: Any) -> str:
    """What an HTML output shows, tags stripped."""
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(value(html) or ""))).strip())


def choices(update: Any) -> list[tuple[str, str]]:
    """A dropdown update's choices as (label, value) pairs."""
    return [tuple(c) if isinstance(c, (list, tuple)) else (c, c) for c in update["choices"]]
