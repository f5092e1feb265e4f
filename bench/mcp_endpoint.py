"""What a tool group's MCP endpoint (``/mcp/v1/<group>``) adds to a tool call, compared with calling the same server
directly with the SDK (issue 15).

    python bench/mcp_endpoint.py [--rounds 20] [--per-round 25] [--concurrent 100] [--no-write]

The real ``python launch.py`` (no models: nothing else competes for the cores) serves Alice's group ``bench``: the
lab server (the SDK's ``MCPServer`` over streamable HTTP under uvicorn, ``tests/workbench/mcp_servers.py``, in a
process of its own), registered by her and approved. Side by side in one client process and one event loop, in
interleaved rounds, tool ``add``:
* *direct*: ``mcp.Client(lab_url)``, one persistent session;
* *endpoint*: ``mcp.Client`` on ``/mcp/v1/bench`` with Alice's API key (each call: the key checked, her viewer and
  the group looked up, the group's tools decided, the hub's call: pin, schema, run recorded under the key).
Each call is timed alone; figures are min / median / max, the added time (median endpoint - median direct) and the
ratio (median of the per-round ratios). Then ``--concurrent`` calls at once through the endpoint (each its own
client session, as separate agents would be): errors, p50 / p95, wall time. Writes
``bench/results/mcp_endpoint.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import httpx2  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from bench.mcp_overhead import Labs, concurrent, side_by_side  # noqa: E402
from tests import aio  # noqa: E402
from tests.app.conftest import opened_gateway  # noqa: E402
from tests.app.mcp_world import open_hub  # noqa: E402
from tests.conftest import GatewayProcess  # noqa: E402
from workbench.mcp.catalogue import Viewer  # noqa: E402
from workbench.mcp.groups import GroupDraft, Groups, Member  # noqa: E402
from workbench.mcp.remotes import Registration  # noqa: E402
from workbench.schema import open_store  # noqa: E402
from workbench.store import store_path  # noqa: E402

ARGS = {"a": 20, "b": 22}


def prepare(data: Path, lab_url: str) -> str:
    """Alice, her key, the lab registered and approved, her group ``bench``; the key."""
    gateway = opened_gateway(data, MAAS_MCP_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    try:
        alice = gateway.accounts.create_user("alice", "Alice-pass-2026").id
        _, key = gateway.keys.create("alice's agent", user_id=alice)
        store = open_store(store_path(data))
        try:
            setup = open_hub(gateway, store)
            viewer = Viewer(alice)

            async def register():
                entry = await setup.hub.register(Registration(lab_url, title="Lab"), viewer)
                await setup.hub.approve(entry.id, viewer)
                await setup.stop()
                return entry

            entry = aio.run(register())
            Groups(store, setup.catalogue).create(GroupDraft("bench", "Bench", members=[Member(entry.id)]), viewer)
        finally:
            store.close()
    finally:
        gateway.store.close()
    return key


async def measure(url: str, key: str, lab_url: str, args: argparse.Namespace) -> dict:
    async with AsyncExitStack() as stack:
        direct = await stack.enter_async_context(Client(lab_url))
        http = await stack.enter_async_context(httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"},
                                                                  timeout=120))
        endpoint = await stack.enter_async_context(Client(streamable_http_client(url, http_client=http)))

        async def call_direct() -> None:
            assert not (await direct.call_tool("add", ARGS)).is_error

        async def call_endpoint() -> None:
            result = await endpoint.call_tool("add", ARGS)
            assert not result.is_error, result

        call = await side_by_side(call_direct, call_endpoint, args.rounds, args.per_round)
        call["endpoint"] = call.pop("hub")

        async def one_agent() -> None:               # a client of its own, as a separate agent would be
            async with Client(streamable_http_client(url, http_client=http)) as client:
                result = await client.call_tool("add", ARGS)
                assert not result.is_error, result

        many = await concurrent(one_agent, args.concurrent)
        many_shared = await concurrent(call_endpoint, args.concurrent)
    return {"tool_call": call, f"concurrent_{args.concurrent}_own_sessions": many,
            f"concurrent_{args.concurrent}_one_session": many_shared}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    labs = Labs(1)
    try:
        with tempfile.TemporaryDirectory(prefix="mcp-endpoint-bench-") as tmp:
            data = Path(tmp) / "data"
            config = Path(tmp) / "models.yaml"
            config.write_text("gateway: {embedded: {enabled: false}, health_interval_s: 600}\n")
            key = prepare(data, labs.urls[0])
            gw = GatewayProcess(data, config=config, env={"MAAS_MCP_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}).start()
            try:
                figures = asyncio.run(measure(f"{gw.url}/mcp/v1/bench", key, labs.urls[0], args))
            finally:
                gw.stop()
    finally:
        labs.close()
    figures = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "cores": os.cpu_count(),
               "load_average": [round(x, 2) for x in os.getloadavg()], "rounds": args.rounds,
               "per_round": args.per_round, **figures}
    d, e = figures["tool_call"]["direct"], figures["tool_call"]["endpoint"]
    print(f"tool call, ms (min / median / max over {d['n']} calls each):")
    print(f"  direct SDK          {d['min']:8.2f} {d['median']:8.2f} {d['max']:8.2f}")
    print(f"  /mcp/v1/<group>     {e['min']:8.2f} {e['median']:8.2f} {e['max']:8.2f}")
    print(f"  added {figures['tool_call']['added_ms']:+.2f} ms, ratio {figures['tool_call']['ratio']:.3f}")
    for name in (f"concurrent_{args.concurrent}_own_sessions", f"concurrent_{args.concurrent}_one_session"):
        c = figures[name]
        print(f"  {name}: {c['errors']} errors, p50 {c.get('p50')} ms, p95 {c.get('p95')} ms, wall {c['wall_ms']} ms"
              + (f"  ({c['first_error']})" if c.get("first_error") else ""))
    if not args.no_write:
        out = BENCH / "results" / "mcp_endpoint.json"
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
