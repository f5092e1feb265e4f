"""Completed requests lost from the usage ledger when the gateway is SIGKILLed under load (issue 11, item 3).

    python bench/ledger_sigkill.py [--root DIR] [--rounds 5] [--clients 16] [--no-write]

Each round: ``python launch.py`` on a fresh data dir in front of the fast fake upstream
(``bench/fast_upstream.py``); ``--clients`` threads send non-stream chat requests in a loop and
note each answer's ``x-request-id`` and when it arrived; 2-4 s after the first 50 answers (random, so the kill lands
anywhere in the ledger's cycle) the gateway gets SIGKILL. It is then started again on the same
data dir (a write-ahead ledger replays what it had not written yet, before serving) and stopped
cleanly, and the ledger is read: a *lost* request is one the client got a 200 for whose row is
not there. Its *age* is how long before the kill the answer arrived — the largest age lost is
the loss window actually seen. Prints per round and in total; writes
``bench/results/ledger_sigkill.json``. ``--root``: another checkout (before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import httpx
from quota_concurrency import commit_of, fake_model_config, start
from run_gateway import MASTER_KEY, RESULTS, ROOT, start_fake

BODY = {"model": "bench-model", "max_tokens": 64, "messages": [{"role": "user", "content": "Say hello."}]}


def load(url: str, clients: int, stop: threading.Event) -> tuple[list[tuple[str, float]], list[threading.Thread]]:
    done: list[tuple[str, float]] = []

    def run() -> None:
        with httpx.Client(base_url=url, headers={"authorization": f"Bearer {MASTER_KEY}"}, timeout=10) as http:
            while not stop.is_set():
                try:
                    resp = http.post("/v1/chat/completions", json=BODY)
                except httpx.HTTPError:
                    return
                if resp.status_code == 200:
                    done.append((resp.headers["x-request-id"], time.monotonic()))

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    return done, threads


def one_round(root: Path, tmp: Path, config: Path, clients: int, rng: random.Random) -> dict:
    data = tmp / f"data-{rng.randrange(10**9)}"
    gw, url = start(root, data, config)
    stop = threading.Event()
    done, threads = load(url, clients, stop)
    warm = time.monotonic() + 30
    while len(done) < 50 and time.monotonic() < warm:      # the load is flowing
        time.sleep(0.05)
    time.sleep(rng.uniform(2.0, 4.0))
    killed_at = time.monotonic()
    os.kill(gw.pid, signal.SIGKILL)
    gw.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(15)
    completed = [(rid, at) for rid, at in done if at <= killed_at]
    gw, _ = start(root, data, config)            # replays the write-ahead file, if there is one
    gw.stop()
    con = duckdb.connect(str(data / "maas.duckdb"), read_only=True)
    try:
        stored = {r[0] for r in con.execute("SELECT request_id FROM usage_ledger").fetchall()}
    finally:
        con.close()
    lost_ages = sorted((killed_at - at) * 1000 for rid, at in completed if rid not in stored)
    return {"completed": len(completed), "lost": len(lost_ages),
            "lost_max_age_ms": round(lost_ages[-1], 1) if lost_ages else 0.0,
            "lost_over_50ms": sum(a > 50 for a in lost_ages),
            "wal_files_left": sorted(p.name for p in (data / "ledger").iterdir()) if (data / "ledger").exists()
            else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT, help="the checkout whose launch.py runs (default: this one)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    fake, fake_url = start_fake()
    rounds = []
    try:
        with tempfile.TemporaryDirectory(prefix="maas-sigkill-") as tmp:
            config = fake_model_config(Path(tmp), fake_url)
            for i in range(args.rounds):
                r = one_round(args.root.resolve(), Path(tmp), config, args.clients, rng)
                rounds.append(r)
                print(f"round {i + 1}: {r}", flush=True)
    finally:
        fake.stop()
    completed, lost = sum(r["completed"] for r in rounds), sum(r["lost"] for r in rounds)
    total = {"completed": completed, "lost": lost, "lost_pct": round(100 * lost / max(1, completed), 2),
             "lost_max_age_ms": max(r["lost_max_age_ms"] for r in rounds),
             "lost_over_50ms": sum(r["lost_over_50ms"] for r in rounds)}
    print(f"total: {total}")
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        out = {"root_commit": commit_of(args.root), "clients": args.clients, "rounds": rounds, "total": total,
               "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "python": sys.version.split()[0]}
        (RESULTS / "ledger_sigkill.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
