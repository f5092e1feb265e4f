"""Time to first token through the gateway, this tree against earlier commits, side by side.

What holding a stream until its upstream's first chunk (issue 11, item 7) costs a client:

    python bench/stream_ttft.py [--requests 300] [--first-token-ms 20] [--baseline REV ...] [--no-write]

A fake upstream (``bench/fast_upstream.py --first-token-ms N``: a stream's headers at once, its
first chunk N ms later, as vLLM and SGLang do) runs on core 1 with the client; each gateway
(``launch.py``, embedded models off, auth and the usage ledger on) runs on core 0, one at a time
busy. The gateways are this tree and, per ``--baseline REV``, a ``git archive`` copy of that commit.
One client sends one streamed request at a time over a fresh connection (raw socket, the same code
for every path) and takes the time to the first ``data:`` event (TTFT) and to the end; each round
asks every path once, in a rotating order, so all see the same machine. Added TTFT = gateway − direct
within a round; the figures are medians and 90th percentiles over the rounds. Gateway CPU per
stream: each gateway's utime+stime over the run minus its idle rate (sampled for 5 s before),
per request.

Writes bench/results/stream_ttft.json (and prints a Markdown table for bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.kb_common import busy_cores_since, cpu_mark, machine  # noqa: E402
from bench.run_gateway import (  # noqa: E402
    CLIENT_CORE,
    GATEWAY_CORE,
    MASTER_KEY,
    RESULTS,
    Child,
    cpu_seconds,
    pinned,
    start_gateway,
)

MODEL = "bench-model"
BODY = {"model": MODEL, "stream": True, "max_tokens": 64, "temperature": 0,
        "messages": [{"role": "user", "content": "Say hello in one short sentence."}]}


def start_fake(first_token_ms: float) -> tuple[Child, str]:
    cmd = pinned([sys.executable, str(BENCH / "fast_upstream.py"), "--port", "0", "--chunks", "20",
                  "--first-token-ms", str(first_token_ms)], CLIENT_CORE)
    fake = Child(f"fast_upstream(first token {first_token_ms} ms)", cmd)
    return fake, fake.wait_for(r"READY (http://\S+)", 20).group(1)


def baseline_tree(rev: str, into: Path) -> Path:
    """A ``git archive`` copy of ``rev`` (the code as it was at that commit)."""
    data = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def start_tree_gateway(tree: Path, data_dir: Path, config: Path) -> tuple[Child, str]:
    if tree == ROOT:
        return start_gateway(data_dir, config, GATEWAY_CORE)
    import bench.run_gateway as rg  # the same starter, pointed at the other tree's launch.py

    saved = rg.ROOT
    rg.ROOT = tree
    try:
        return start_gateway(data_dir, config, GATEWAY_CORE)
    finally:
        rg.ROOT = saved


def request_bytes(url: str, path: str, key: str | None) -> tuple[tuple[str, int], bytes]:
    host, port = url.split("//", 1)[1].split(":")
    body = json.dumps(BODY).encode()
    head = (f"POST {path} HTTP/1.1\r\nhost: {host}:{port}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n")
    if key:
        head += f"authorization: Bearer {key}\r\n"
    return (host, int(port)), head.encode() + b"\r\n" + body


def one(address: tuple[str, int], payload: bytes) -> tuple[float, float]:
    """(seconds to the first data event, seconds to the end of the stream) of one request."""
    started = time.perf_counter()
    first = None
    seen = b""
    with socket.create_connection(address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(payload)
        while True:
            data = sock.recv(65536)
            if not data:
                break
            if first is None:
                seen += data
                head_end = seen.find(b"\r\n\r\n")
                if head_end >= 0 and seen.find(b"data: ", head_end) >= 0:
                    first = time.perf_counter()
                    if b" 200 " not in seen[:16]:
                        raise RuntimeError(f"not a 200 stream: {seen[:300]!r}")
    end = time.perf_counter()
    if first is None:
        raise RuntimeError(f"no data event: {seen[:300]!r}")
    return first - started, end - started


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def summary(ms: list[float]) -> dict:
    return {"median_ms": round(statistics.median(ms), 3), "p90_ms": round(pct(ms, 0.9), 3),
            "p99_ms": round(pct(ms, 0.99), 3)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=300, help="rounds (one request per path per round)")
    p.add_argument("--first-token-ms", type=float, default=20.0, help="the fake's delay from headers to 1st chunk")
    p.add_argument("--baseline", action="append", default=[], help="a commit to compare with (repeatable)")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    children: list[Child] = []
    with tempfile.TemporaryDirectory(prefix="maas-ttft-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            fake, fake_url = start_fake(args.first_token_ms)
            children.append(fake)
            config = tmp / "models.yaml"
            config.write_text(f"gateway:\n  embedded: {{enabled: false}}\nmodels:\n  - id: {MODEL}\n    kind: chat\n"
                              f"    deployments:\n      - {{backend: openai, base_url: '{fake_url}/v1', "
                              "model: fake-model}\n", encoding="utf-8")
            paths = {"direct": request_bytes(fake_url, "/v1/chat/completions", None)}
            trees = {"this tree": ROOT}
            pids: dict[str, int] = {}
            for rev in args.baseline:
                trees[rev] = baseline_tree(rev, tmp / f"tree-{rev}")
            for name, tree in trees.items():
                gw, url = start_tree_gateway(tree, tmp / f"data-{len(children)}", config)
                children.append(gw)
                pids[name] = gw.pid
                paths[name] = request_bytes(url, "/v1/chat/completions", MASTER_KEY)
            for address, payload in paths.values():             # warm-up
                for _ in range(20):
                    one(address, payload)
            names = list(paths)
            ttft: dict[str, list[float]] = {n: [] for n in names}
            total: dict[str, list[float]] = {n: [] for n in names}
            idle0, t_idle = {n: cpu_seconds(pid) for n, pid in pids.items()}, time.monotonic()
            time.sleep(5)                           # each gateway's idle CPU (Gradio's queue poll, the ledger thread)
            idle_rate = {n: (cpu_seconds(pid) - idle0[n]) / (time.monotonic() - t_idle) for n, pid in pids.items()}
            mark, t_run = cpu_mark(), time.monotonic()
            cpu0 = {n: cpu_seconds(pid) for n, pid in pids.items()}
            for i in range(args.requests):
                order = names[i % len(names):] + names[:i % len(names)]
                for name in order:
                    first, end = one(*paths[name])
                    ttft[name].append(first * 1000)
                    total[name].append(end * 1000)
            busy = busy_cores_since(mark)
            run_s = time.monotonic() - t_run
            cpu_ms = {n: round((cpu_seconds(pid) - cpu0[n] - idle_rate[n] * run_s) * 1000 / args.requests, 3)
                      for n, pid in pids.items()}
        finally:
            for child in reversed(children):
                child.stop()
    result = {"first_token_ms": args.first_token_ms, "rounds": args.requests, "machine": machine(),
              "busy_cores_during_run": round(busy, 2),
              "paths": {n: {"ttft": summary(ttft[n]), "total": summary(total[n])} for n in names},
              "added_ttft": {n: summary([a - b for a, b in zip(ttft[n], ttft["direct"], strict=True)])
                             for n in names if n != "direct"},
              "gateway_cpu_ms_per_stream": cpu_ms,
              "added_total": {n: summary([a - b for a, b in zip(total[n], total["direct"], strict=True)])
                              for n in names if n != "direct"}}
    lines = ["| path | TTFT median | TTFT p90 | added TTFT median | added TTFT p90 | added to last byte median "
             "| gateway CPU per stream |", "|---|---|---|---|---|---|---|"]
    for n in names:
        t = result["paths"][n]["ttft"]
        added = result["added_ttft"].get(n)
        added_end = result["added_total"].get(n)
        lines.append(f"| {n} | {t['median_ms']:.2f} | {t['p90_ms']:.2f} | "
                     + (f"{added['median_ms']:+.2f} | {added['p90_ms']:+.2f} | {added_end['median_ms']:+.2f} | "
                        f"{cpu_ms[n]:.2f} |" if added else "– | – | – | – |"))
    print("\n".join(lines))
    print(f"(ms; {args.requests} rounds, first token {args.first_token_ms:g} ms after the headers; "
          f"all processes together used {result['busy_cores_during_run']} cores during the run)")
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "stream_ttft.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
