"""What the usage ledger's write-ahead file costs per request (issue 11, item 3).

    python bench/ledger_overhead.py [--seconds 3] [--repeat 3] [--no-write]

The gateway's own ``Ledger`` on a real DuckDB file, in one process, two ways side by side:
*batch only* (no write-ahead directory: rows reach DuckDB every 0.5 s, as before) and
*write-ahead* (``MAAS_LEDGER_SYNC_MS`` = 20: rows appended and fsync'd within 20 ms, then the same
batches). A pacing thread records gateway-shaped rows at 200, 2,000 and 8,000 rows/s (what the
gateway serves at concurrency 1 and 64 in ``bench/README.md``) for ``--seconds``; the process's
CPU time (user + system, every thread: recording, write-ahead, DuckDB) over the run, minus the
pacing loop alone, divided by the rows, is the ledger's CPU per request. Also: the hot-path cost
of ``record`` (what a request pays on the event loop), and how long after ``record`` a row was
written to the file (safe from a kill) and fsync'd (safe from a power cut), for each group's oldest
row: the durability bound actually seen. Modes alternate;
the median of ``--repeat`` runs is reported. Writes ``bench/results/ledger_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from gateway.store import open_store  # noqa: E402
from gateway.usage import ledger as ledger_module  # noqa: E402
from gateway.usage.ledger import Ledger, UsageRow  # noqa: E402

RATES = (200, 2000, 8000)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def make_row(i: int) -> UsageRow:
    return UsageRow(ts=datetime.now(UTC).replace(tzinfo=None), request_id=f"bench{i:x}", key_id="master",
                    endpoint="chat.completions", model="bench-model", deployment="openai-0", prompt_tokens=12,
                    completion_tokens=20, reasoning_tokens=None, total_tokens=32, usage_source="upstream",
                    status=200, error_code=None, stream=False, latency_ms=0.4, ttft_ms=0.3, client_aborted=False)


def pace(rate: int, seconds: float, record) -> int:
    """Call ``record`` ``rate`` times a second (in ticks of 1 ms) for ``seconds``; returns how many."""
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        due = int(elapsed * rate)
        while n < due:
            record(make_row(n))
            n += 1
        time.sleep(0.001)
    return n


class Timed:
    """Wraps the write-ahead file to note how long after ``record`` each group was written (safe from a
    kill) and fsync'd (safe from a power cut), from the group's first row."""

    def __init__(self) -> None:
        self.recorded: dict[str, float] = {}
        self.groups: list[list[float]] = []        # [first row recorded, written, synced]
        self.synced_upto = 0

    def install(self, ledger: Ledger) -> None:
        wal = ledger._wal                                 # noqa: SLF001 - a benchmark looks inside
        append, sync = wal.append, wal.sync

        def timed_append(data: bytes) -> None:
            append(data)
            rid = data[: data.index(b"\n")].split(b'"')[3].decode()          # [ts, request_id, ...]
            self.groups.append([self.recorded.get(rid, time.perf_counter()), time.perf_counter(), 0.0])

        def timed_sync() -> bool:
            upto = len(self.groups)
            done = sync()
            now = time.perf_counter()
            for group in self.groups[self.synced_upto:upto]:
                group[2] = now
            self.synced_upto = max(self.synced_upto, upto)
            return done
        wal.append, wal.sync = timed_append, timed_sync

    def lags(self) -> tuple[list[float], list[float]]:
        return ([(g[1] - g[0]) * 1000 for g in self.groups], [(g[2] - g[0]) * 1000 for g in self.groups if g[2]])


def run(mode: str, rate: int, seconds: float, tmp: Path) -> dict:
    store = open_store(tmp / f"{mode}-{rate}-{time.monotonic_ns()}.duckdb")
    wal = tmp / f"wal-{time.monotonic_ns()}" if mode == "write-ahead" else None
    ledger = Ledger(store, wal_dir=wal, sync_s=0.02)
    ledger.start()
    timed = Timed()
    if wal is not None:
        timed.install(ledger)

    def record(row: UsageRow) -> None:
        timed.recorded[row.request_id] = time.perf_counter()
        ledger.record(row)

    before = cpu()
    n = pace(rate, seconds, record)
    ledger.close()
    used = cpu() - before
    store.close()
    written, synced = timed.lags()
    return {"rows": n, "cpu_s": used, "written_ms": written, "synced_ms": synced}


def baseline(rate: int, seconds: float) -> float:
    recorded: dict[str, float] = {}
    before = cpu()
    n = pace(rate, seconds, lambda row: recorded.__setitem__(row.request_id, time.perf_counter()))
    return (cpu() - before) / max(1, n)


def hot_path(mode: str, tmp: Path, n: int = 100_000) -> float:
    store = open_store(tmp / f"hot-{mode}-{time.monotonic_ns()}.duckdb")
    ledger = Ledger(store, interval=60, wal_dir=tmp / f"hot-wal-{time.monotonic_ns()}" if mode == "write-ahead"
                    else None, sync_s=0.02)
    ledger.start()
    rows = [make_row(i) for i in range(n)]
    start = time.perf_counter()
    for row in rows:
        ledger.record(row)
    per = (time.perf_counter() - start) / n * 1e6
    ledger.close()
    store.close()
    return per


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    result: dict = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "seconds": args.seconds,
                    "repeat": args.repeat, "sync_ms": 20, "rates": {}}
    assert ledger_module                                   # the module under test is this checkout's
    with tempfile.TemporaryDirectory(prefix="maas-ledger-") as tmp:
        tmp_path = Path(tmp)
        for rate in RATES:
            per: dict[str, list[float]] = {"batch only": [], "write-ahead": []}
            lags: dict[str, list[float]] = {"written_ms": [], "synced_ms": []}
            for _ in range(args.repeat):
                base = baseline(rate, args.seconds)
                for mode in per:
                    r = run(mode, rate, args.seconds, tmp_path)
                    per[mode].append((r["cpu_s"] / max(1, r["rows"]) - base) * 1e6)
                    for k in lags:
                        lags[k] += r[k]
            row = {mode: round(statistics.median(v), 1) for mode, v in per.items()}
            row["added_us_per_row"] = round(row["write-ahead"] - row["batch only"], 1)
            for k, v in lags.items():
                v.sort()
                row[k] = {"p50": round(v[len(v) // 2], 1), "p99": round(v[int(len(v) * .99)], 1),
                          "max": round(v[-1], 1), "groups": len(v)} if v else None
            result["rates"][rate] = row
            print(f"{rate:>5} rows/s: ledger CPU µs/row {row}", flush=True)
        result["record_us"] = {mode: round(statistics.median(hot_path(mode, tmp_path) for _ in range(args.repeat)), 3)
                               for mode in ("batch only", "write-ahead")}
        print(f"record() on the request path, µs per call: {result['record_us']}")
    if not args.no_write:
        (BENCH / "results").mkdir(exist_ok=True)
        (BENCH / "results" / "ledger_overhead.json").write_text(json.dumps(result, indent=2) + "\n",
                                                                encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
