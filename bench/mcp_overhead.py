"""What the MCP hub adds to a tool call, compared with calling the same server directly with the SDK (issue 14).

    python bench/mcp_overhead.py [--rounds 20] [--per-round 25] [--no-stdio] [--no-write]

Side by side in one process and one event loop, in interleaved rounds (direct then hub, hub then direct, ...):
* **remote**: the SDK's ``MCPServer`` over streamable HTTP under uvicorn on 127.0.0.1 (``tests/workbench/
  mcp_servers.py``), in a process of its own (as a remote server is: in this one, its threads would take the GIL
  from the hub's), tool ``add``. *Direct*: ``mcp.Client(url)`` on one persistent session. *Hub*:
  ``McpHub.call_tool`` of an approved entry (the catalogue and pin checks, the arguments checked against the
  approved schema, the run recorded in DuckDB, the answer capped), on the hub's kept session. Also *no reuse*: the hub
  with ``Reuse(idle=0, tools_max_age=0)``, a new session and a tools/list for every call (the hub before issue 14's
  item 10).
* **stdio**: ``mcp-server-time`` installed into a temp data dir through ``Installs`` (pip from the configured index;
  skipped, saying why, when it is unreachable), tool ``get_current_time`` for Asia/Shanghai. *Direct*:
  ``mcp.Client(installs.parameters(...))``, the SDK's own stdio client spawning the same program with the same argv
  and environment; *hub*: through the ``Supervisor``'s running process (``StdioConnector``).
Each call is timed alone (``perf_counter``); the figures are min / median / max over all calls, the added time
(median hub - median direct) and the ratio (median of the per-round ratios of the medians). Target: <= 5 ms or <=
10% added. Then: **tools/list over 10 running servers** (10 uvicorn ``MCPServer``s): ``hub.contents`` of all ten at
once, cold (sessions opened) and warm, against ten persistent SDK clients listing tools at once; and **50 concurrent
tool calls** through the hub (remote and stdio): errors counted, p50 / p95 of the calls, the wall time.
Writes ``bench/results/mcp_overhead.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack, ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from mcp import Client  # noqa: E402

from shared.urlguard import HostPolicy  # noqa: E402
from tests.workbench.mcp_servers import LabServer, serve  # noqa: E402
from workbench.mcp.catalogue import BUNDLED_DIR, Catalogue, Viewer  # noqa: E402
from workbench.mcp.connectors import Reuse, StdioConnector  # noqa: E402
from workbench.mcp.hub import McpHub  # noqa: E402
from workbench.mcp.installs import Installs  # noqa: E402
from workbench.mcp.processes import Supervisor  # noqa: E402
from workbench.mcp.remotes import Registration  # noqa: E402
from workbench.mcp.sealed import Sealer  # noqa: E402
from workbench.schema import open_store  # noqa: E402
from workbench.store import store_path  # noqa: E402

ADMIN = Viewer("u-admin", is_admin=True)
USER = Viewer("u-bench")
TARGET_MS, TARGET_RATIO = 5.0, 1.10


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"min": round(ordered[0], 3), "median": round(statistics.median(ordered), 3),
            "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3), "max": round(ordered[-1], 3),
            "n": len(ordered)}


class Bench:
    """A workbench store in a temp data dir with the catalogue, the hub (and the supervisor for stdio)."""

    def __init__(self, data_dir: Path, reuse: Reuse = Reuse(), supervisor: Supervisor | None = None,
                 installs: Installs | None = None) -> None:
        self.data_dir = data_dir
        self.store = installs.store if installs else open_store(store_path(data_dir))
        self.catalogue = Catalogue(self.store)
        self.catalogue.seed_bundled()
        connectors = [StdioConnector(installs, supervisor)] if installs and supervisor else []
        self.hub = McpHub.create(self.store, self.catalogue, Sealer.from_settings(None, data_dir),
                                 HostPolicy(("127.0.0.1",)), connectors=connectors, reuse=reuse)

    async def remote(self, url: str, title: str) -> str:
        entry = await self.hub.register(Registration(url, title=title, visibility="everyone"), ADMIN)
        await self.hub.approve(entry.id, ADMIN, (await self.hub.contents(entry.id, ADMIN)).hashes)
        return entry.id


async def timed(call) -> float:
    began = time.perf_counter()
    await call()
    return time.perf_counter() - began


async def side_by_side(direct, hub, rounds: int, per_round: int, extra: dict[str, Any] | None = None) -> dict:
    """``direct()`` and ``hub()`` (and each of ``extra``) timed call by call in interleaved rounds."""
    paths = {"direct": direct, "hub": hub, **(extra or {})}
    for call in paths.values():                  # warm-up: sessions open, code paths hot
        for _ in range(3):
            await call()
    times: dict[str, list[float]] = {name: [] for name in paths}
    ratios = []
    for r in range(rounds):
        order = list(paths) if r % 2 == 0 else list(reversed(paths))
        medians = {}
        for name in order:
            n = per_round if name in ("direct", "hub") else max(3, per_round // 5)
            samples = [ms(await timed(paths[name])) for _ in range(n)]
            times[name] += samples
            medians[name] = statistics.median(samples)
        ratios.append(medians["hub"] / medians["direct"])
    out = {name: spread(values) for name, values in times.items()}
    added = out["hub"]["median"] - out["direct"]["median"]
    ratio = statistics.median(ratios)
    out["added_ms"] = round(added, 3)
    out["ratio"] = round(ratio, 3)
    out["within_target"] = added <= TARGET_MS or ratio <= TARGET_RATIO
    return out


async def concurrent(call, n: int = 50) -> dict:
    """``n`` calls at once: errors, p50 / p95 of the calls, wall time."""
    async def one() -> float:
        return ms(await timed(call))

    began = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    wall = ms(time.perf_counter() - began)
    errors = [r for r in results if isinstance(r, BaseException)]
    times = [r for r in results if not isinstance(r, BaseException)]
    out = {"calls": n, "errors": len(errors), "wall_ms": wall, **({"p50": spread(times)["median"],
                                                                    "p95": spread(times)["p95"]} if times else {})}
    if errors:
        out["first_error"] = f"{type(errors[0]).__name__}: {errors[0]}"[:300]
    return out


def serve_labs(count: int) -> None:
    """The child process: ``count`` lab servers; their URLs as one JSON line on stdout; until stdin closes."""
    logging.disable(logging.WARNING)
    with ExitStack() as stack:
        urls = [stack.enter_context(serve(LabServer(f"lab-{i}"))).url for i in range(count)]
        print(json.dumps(urls), flush=True)
        sys.stdin.read()


class Labs:
    """Lab servers in a child process (``--serve-labs``)."""

    def __init__(self, count: int) -> None:
        self.child = subprocess.Popen([sys.executable, __file__, "--serve-labs", str(count)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        self.urls: list[str] = json.loads(self.child.stdout.readline())

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait(30)


async def remote_part(tmp: Path, args: argparse.Namespace) -> dict:
    labs = Labs(11)
    try:
        return await _remote(tmp, args, labs.urls)
    finally:
        labs.close()


async def _remote(tmp: Path, args: argparse.Namespace, urls: list[str]) -> dict:
    out: dict[str, Any] = {}
    url = urls[0]
    bench = Bench(tmp / "remote")
    fresh = Bench(tmp / "remote-no-reuse", Reuse(idle=0, tools_max_age=0))
    entry_id = await bench.remote(url, "Lab")
    fresh_id = await fresh.remote(url, "Lab")
    arguments = {"a": 1, "b": 2}
    async with Client(url) as direct:
        out["tool_call"] = await side_by_side(
            lambda: direct.call_tool("add", arguments),
            lambda: bench.hub.call_tool(entry_id, "add", arguments, USER, source="api"),
            args.rounds, args.per_round,
            {"hub_no_reuse": lambda: fresh.hub.call_tool(fresh_id, "add", arguments, USER, source="api")})

        def from_thread() -> list[float]:         # a sync caller (a worker thread) through hub.sync
            return [ms(_sync_timed(bench.hub, entry_id, arguments)) for _ in range(args.per_round * 2)]

        out["hub_sync_from_a_thread"] = spread(await asyncio.to_thread(from_thread))
        out["concurrent_50"] = await concurrent(
            lambda: bench.hub.call_tool(entry_id, "add", arguments, USER, source="api"))
        out["concurrent_50_direct"] = await concurrent(lambda: direct.call_tool("add", arguments))
    out["sessions_opened"] = bench.hub.connectors[-1].pool.opened
    out["runs_recorded"] = len(bench.hub.runs(USER, limit=100_000))
    out["list_10_servers"] = await list_part(urls[1:], bench)
    await bench.hub.close()
    await fresh.hub.close()
    return out


def _sync_timed(hub: McpHub, entry_id: str, arguments: dict) -> float:
    began = time.perf_counter()
    hub.sync(hub.call_tool(entry_id, "add", arguments, USER, source="api"))
    return time.perf_counter() - began


async def list_part(urls: list[str], bench: Bench) -> dict:
    """tools/list over 10 running servers: the hub's ``contents`` of all at once, cold and warm, vs 10 SDK clients."""
    ids = [await bench.hub.register(Registration(url, title=f"Lab {i}", visibility="everyone"), ADMIN)
           for i, url in enumerate(urls)]
    ids = [entry.id for entry in ids]

    async def hub_all() -> None:
        listed = await asyncio.gather(*(bench.hub.contents(entry_id, USER) for entry_id in ids))
        assert all(len(c.tools) == 5 for c in listed)

    cold = ms(await timed(hub_all))
    warm = [ms(await timed(hub_all)) for _ in range(10)]
    async with AsyncExitStack() as opened:
        clients = [await opened.enter_async_context(Client(url)) for url in urls]

        async def direct_all() -> None:
            listed = await asyncio.gather(*(client.list_tools(cache_mode="bypass") for client in clients))
            assert all(len(page.tools) == 5 for page in listed)

        async def direct_contents() -> None:        # what contents() asks: tools, resources, templates, prompts
            await asyncio.gather(*(_contents(client) for client in clients))

        for _ in range(2):
            await direct_all()
        direct = [ms(await timed(direct_all)) for _ in range(10)]
        direct_full = [ms(await timed(direct_contents)) for _ in range(10)]
    return {"servers": 10, "hub_contents_cold_ms": cold, "hub_contents_warm": spread(warm),
            "direct_tools_list": spread(direct), "direct_all_four_lists": spread(direct_full)}


async def _contents(client: Client) -> None:
    await client.list_tools(cache_mode="bypass")
    await client.list_resources(cache_mode="bypass")
    await client.list_resource_templates(cache_mode="bypass")
    await client.list_prompts(cache_mode="bypass")


async def stdio_part(tmp: Path, args: argparse.Namespace) -> dict:
    data_dir = tmp / "stdio"
    store = open_store(store_path(data_dir))
    installs = Installs(store, data_dir, Sealer.from_settings(None, data_dir))
    supervisor = Supervisor(installs)
    bench = Bench(data_dir, supervisor=supervisor, installs=installs)
    entry = next(e for e in bench.catalogue.list(ADMIN)
                 if e.name == json.loads((BUNDLED_DIR / "mcp-server-time.json").read_text())["name"])
    began = time.perf_counter()
    await installs.install(entry, ADMIN, {"arg.--local-timezone": "Asia/Shanghai"})
    done = await installs.wait(entry.id)
    if done.status != "installed":
        return {"skipped": f"mcp-server-time did not install ({done.error_code}): {done.error or ''}"[:400]}
    out: dict[str, Any] = {"install_s": round(time.perf_counter() - began, 1)}
    try:
        first = time.perf_counter()
        contents = await bench.hub.contents(entry.id, ADMIN)          # the first use starts it
        out["first_use_start_and_list_ms"] = ms(time.perf_counter() - first)
        await bench.hub.approve(entry.id, ADMIN, contents.hashes)
        arguments = {"timezone": "Asia/Shanghai"}
        async with Client(installs.parameters(entry.id)) as direct:
            out["tool_call"] = await side_by_side(
                lambda: direct.call_tool("get_current_time", arguments),
                lambda: bench.hub.call_tool(entry.id, "get_current_time", arguments, USER, source="api"),
                args.rounds, args.per_round)
            out["concurrent_50"] = await concurrent(
                lambda: bench.hub.call_tool(entry.id, "get_current_time", arguments, USER, source="api"))
            out["concurrent_50_direct"] = await concurrent(lambda: direct.call_tool("get_current_time", arguments))
        answer = await bench.hub.call_tool(entry.id, "get_current_time", arguments, USER)
        out["answer"] = answer.structured or answer.text()
        out["server_pid_unchanged"] = supervisor.state(entry.id).restarts == 0
    finally:
        await supervisor.close()
        store.close()
    return out


def report(name: str, part: dict) -> None:
    call = part.get("tool_call")
    if call is None:
        print(f"{name}: {part.get('skipped')}")
        return
    d, h = call["direct"], call["hub"]
    print(f"{name} tool call, ms (min / median / max over {d['n']} calls each):")
    print(f"  direct SDK  {d['min']:8.2f} {d['median']:8.2f} {d['max']:8.2f}")
    print(f"  hub         {h['min']:8.2f} {h['median']:8.2f} {h['max']:8.2f}")
    if "hub_no_reuse" in call:
        n = call["hub_no_reuse"]
        print(f"  hub, no reuse (a session + tools/list per call) {n['min']:.2f} {n['median']:.2f} {n['max']:.2f}")
    print(f"  added {call['added_ms']:+.2f} ms, ratio {call['ratio']:.3f} "
          f"({'within' if call['within_target'] else 'OUTSIDE'} the target: <= {TARGET_MS} ms or <= 10%)")
    for key in ("concurrent_50", "concurrent_50_direct"):
        c = part[key]
        print(f"  50 concurrent ({'hub' if key == 'concurrent_50' else 'direct'}): {c['errors']} errors, "
              f"p50 {c.get('p50')} ms, p95 {c.get('p95')} ms, wall {c['wall_ms']} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--no-stdio", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--serve-labs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_labs:
        serve_labs(args.serve_labs)
        return
    logging.disable(logging.WARNING)

    async def run() -> dict:
        with tempfile.TemporaryDirectory(prefix="mcp-bench-") as tmp:
            remote = await remote_part(Path(tmp), args)
            stdio = {"skipped": "--no-stdio"} if args.no_stdio else await stdio_part(Path(tmp), args)
        return {"remote": remote, "stdio": stdio}

    figures = asyncio.run(run())
    figures = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "cores": os.cpu_count(),
               "load_average": [round(x, 2) for x in os.getloadavg()], "rounds": args.rounds,
               "per_round": args.per_round, **figures}
    report("remote (streamable HTTP, loopback)", figures["remote"])
    if "hub_sync_from_a_thread" in figures["remote"]:
        s = figures["remote"]["hub_sync_from_a_thread"]
        print(f"  hub.sync from a worker thread: median {s['median']} ms (min {s['min']}, max {s['max']})")
        print(f"  sessions opened {figures['remote']['sessions_opened']}, "
              f"runs recorded {figures['remote']['runs_recorded']}")
    lists = figures["remote"]["list_10_servers"]
    print(f"tools/list over 10 servers: hub contents() of all ten cold {lists['hub_contents_cold_ms']} ms, warm median "
          f"{lists['hub_contents_warm']['median']} ms; direct tools/list x10 median "
          f"{lists['direct_tools_list']['median']} ms, direct all four lists x10 median "
          f"{lists['direct_all_four_lists']['median']} ms")
    report("stdio (mcp-server-time)", figures["stdio"])
    if not args.no_write:
        out = BENCH / "results" / "mcp_overhead.json"
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {out.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
