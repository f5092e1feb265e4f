"""Usage-dashboard benchmark: every dashboard query over N synthetic ledger rows, from the ledger vs the rollup.

    python bench/usage_dashboard.py                  # 10,000,000 rows (about a minute)
    python bench/usage_dashboard.py --rows 100000    # a quick check

Generates the rows in DuckDB SQL (range() + hash(), deterministic) into a temporary gateway database, adds
users and api_keys, rebuilds ``usage_daily``, then times each query (median of ``--repeat``) read from
``usage_ledger`` directly and from the rollup, a full dashboard render (every query for a 30-day and a
180-day window) for an admin and for a member with 3 keys, and the incremental rollup of a 1,000-row flush.
Then the usage page's own handlers (``app.usage``, through a real ``Console``): the Refresh handler (the
queries, key names, every panel's HTML and DataFrame, the two CSV files) for each window, for an admin and for
``user0`` (a member owning 10 keys), the ranking-day handler, and the rendering alone on a dashboard already
queried (the HTML, the DataFrames and their JSON encoding for the plots). ``--no-page`` skips that part (it
imports Gradio).
Writes ``bench/results/usage_dashboard.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import duckdb  # noqa: E402

from gateway.store import open_store  # noqa: E402
from gateway.usage import stats as us  # noqa: E402
from gateway.usage.ledger import Ledger, UsageRow  # noqa: E402

START = date(2026, 1, 1)
TARGET_S = 1.0

GENERATE = """
INSERT INTO usage_ledger
SELECT ts, 'req-' || i, key_id, 'chat.completions', model, model || '@d' || CAST(i % 2 AS VARCHAR),
       CASE WHEN err THEN NULL ELSE p END, CASE WHEN err THEN NULL ELSE c END,
       CASE WHEN err OR m % 3 <> 0 THEN NULL ELSE c // 2 END, CASE WHEN err THEN NULL ELSE p + c END,
       CASE WHEN err THEN 'none' ELSE 'upstream' END, CASE WHEN err THEN 500 ELSE 200 END,
       CASE WHEN err THEN 'upstream_error' ELSE NULL END, i % 2 = 0, 20.0 + c, 5.0, FALSE
FROM (
    SELECT i,
           $start + to_microseconds(i * $step_us) AS ts,
           -- skewed over keys (a few heavy users), uniform over models
           'key-' || lpad(CAST(CAST(floor($keys * pow((hash(i, 1) % 1000000) / 1000000.0, 2)) AS INTEGER)
                          AS VARCHAR), 3, '0') AS key_id,
           CAST(hash(i, 2) % $models AS INTEGER) AS m,
           'model-' || lpad(CAST(m AS VARCHAR), 2, '0') AS model,
           hash(i, 3) % 10000 < $error_bp AS err,
           CAST(50 + hash(i, 4) % 2000 AS INTEGER) AS p,
           CAST(10 + hash(i, 5) % 800 AS INTEGER) AS c
    FROM range($n) AS t(i)
)
"""


def populate(cur, rows: int, days: int, keys: int, users: int, orgs: int, models: int) -> None:
    now = datetime(2026, 1, 1)
    cur.execute("INSERT INTO users (id, username, organisation, role, created_at) "
                "SELECT 'user-' || lpad(CAST(i AS VARCHAR), 2, '0'), 'user' || CAST(i AS VARCHAR), "
                "'org-' || CAST(i % $orgs AS VARCHAR), 'member', $now FROM range($users) AS t(i)",
                {"orgs": orgs, "users": users, "now": now})
    # every 20th key has no user ("(none)" in the user and organisation rankings)
    cur.execute("INSERT INTO api_keys (id, name, prefix, secret_hash, created_at, user_id) "
                "SELECT 'key-' || lpad(CAST(i AS VARCHAR), 3, '0'), 'key ' || CAST(i AS VARCHAR), 'sk-', "
                "'hash-' || CAST(i AS VARCHAR), $now, CASE WHEN i % 20 = 19 THEN NULL "
                "ELSE 'user-' || lpad(CAST(i % $users AS VARCHAR), 2, '0') END FROM range($keys) AS t(i)",
                {"users": users, "keys": keys, "now": now})
    cur.execute(GENERATE, {"start": datetime.combine(START, datetime.min.time()), "n": rows,
                           "step_us": days * 86_400_000_000 // rows, "keys": keys, "models": models, "error_bp": 200})


def median_s(fn, repeat: int) -> float:
    fn()                                    # warm-up (not counted)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def flush_batch(n: int, day: date, keys: int, models: int) -> list[UsageRow]:
    ts = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
    return [UsageRow(ts=ts, request_id=f"flush-{i}", key_id=f"key-{i % keys:03d}", endpoint="chat.completions",
                     model=f"model-{i % models:02d}", deployment="d", prompt_tokens=100, completion_tokens=20,
                     reasoning_tokens=None, total_tokens=120, usage_source="upstream", status=200, error_code=None,
                     stream=False, latency_ms=10.0, ttft_ms=None, client_aborted=False) for i in range(n)]


PAGE_ADMIN = "benchadmin"
PAGE_MEMBER = "user0"


def time_page(store, windows: dict[str, tuple[date, date]], repeat: int) -> dict[str, float]:
    """Median ms of the usage page's handlers on this database (a real Console; a signed-in request)."""
    from types import SimpleNamespace

    import gradio as gr

    from app.usage import page as usage
    from gateway.accounts.console import Console
    from gateway.accounts.keys import KeyStore
    from gateway.accounts.users import Accounts

    accounts = Accounts(store)
    accounts.create_user(PAGE_ADMIN, None, role="admin")
    console = Console(store, accounts, KeyStore(store), applications=None)
    page = usage.UsagePage(SimpleNamespace(console=console))
    plot = gr.BarPlot(x="day", y="tokens", color="series", render=False)   # its JSON encoding, as Gradio sends it
    out: dict[str, float] = {}
    for who in (PAGE_ADMIN, PAGE_MEMBER):
        request = SimpleNamespace(username=who, headers={})
        actor = console.actor_for_username(who)
        role = "admin" if actor.is_admin else "member"
        for wname, (since, until) in windows.items():
            args = (since.isoformat(), until.isoformat(), "en", request)
            result = page.refresh(*args)
            assert "⚠️" not in str(result.window), result
            out[f"refresh_{role}_{wname}_ms"] = 1000 * median_s(lambda a=args: page.refresh(*a), repeat)
            data = console.usage(actor, since, until)
            keys = console.all_keys(actor) if actor.is_admin else console.my_keys(actor)

            def render(data=data, keys=keys, since=since, until=until, actor=actor) -> None:
                labels = usage.key_labels(keys, with_owner=actor.is_admin, locale="en")
                usage.totals_html(data["totals"], "en")
                frames = [usage.per_day_frame(data["per_day"], "en"),
                          usage.model_requests_frame(data["per_model"], "en"),
                          usage.model_average_frame(data["per_model"], "en")]
                for by in usage.RANK_BY:
                    frames.append(usage.ranking_frame(data["ranking"][by], by, labels, "en"))
                    usage.ranking_html(data["ranking"][by], by, labels, until, "en")
                usage.models_html(data["per_model"], since, until, "en")
                for frame in frames:
                    plot.postprocess(frame)

            out[f"render_only_{role}_{wname}_ms"] = 1000 * median_s(render, repeat)
        last = max(until for _, until in windows.values())
        out[f"rank_day_{role}_ms"] = 1000 * median_s(
            lambda r=request, d=last: page.rank(d.isoformat(), "en", r), repeat)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--orgs", type=int, default=8)
    ap.add_argument("--models", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--no-page", action="store_true", help="skip timing the usage page's handlers")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="usage-bench-") as tmp:
        store = open_store(Path(tmp) / "maas.duckdb")
        cur = store.cursor()
        t0 = time.perf_counter()
        populate(cur, args.rows, args.days, args.keys, args.users, args.orgs, args.models)
        cur.execute("CHECKPOINT")
        generate_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rollup_rows = us.rebuild(cur)
        cur.execute("CHECKPOINT")
        rebuild_s = time.perf_counter() - t0
        last = START + timedelta(days=args.days - 1)
        member = [f"key-{i:03d}" for i in (0, 1, 2)]
        windows = {f"{n}d": us.window(last, n) for n in (30, args.days)}

        # the two sources give the same numbers (a check, not timed)
        for key_ids in (None, member):
            a, b = (us.dashboard(cur, *windows["30d"], key_ids=key_ids, source=s) for s in ("ledger", "rollup"))
            assert a == b, "ledger and rollup disagree"

        queries = {
            "totals": lambda s, k, w: us.totals(cur, w[0], w[1], key_ids=k, source=s),
            "tokens_per_day": lambda s, k, w: us.tokens_per_day(cur, w[0], w[1], key_ids=k, source=s),
            "ranking_key": lambda s, k, w: us.ranking(cur, w[1], "key", key_ids=k, source=s),
            "ranking_user": lambda s, k, w: us.ranking(cur, w[1], "user", key_ids=k, source=s),
            "ranking_organisation": lambda s, k, w: us.ranking(cur, w[1], "organisation", key_ids=k, source=s),
            "per_model": lambda s, k, w: us.per_model(cur, w[0], w[1], key_ids=k, source=s),
        }
        per_query = []
        for who, key_ids in (("admin", None), ("member", member)):
            for wname, win in windows.items():
                for qname, q in queries.items():
                    row = {"who": who, "window": wname, "query": qname}
                    for source in ("ledger", "rollup"):
                        row[f"{source}_ms"] = 1000 * median_s(lambda q=q, s=source, k=key_ids, w=win: q(s, k, w),
                                                              args.repeat)
                    per_query.append(row)

        def render(source: str, key_ids: list[str] | None) -> None:
            for win in windows.values():
                us.dashboard(cur, *win, key_ids=key_ids, source=source)

        renders = {f"{who}_{source}_ms": 1000 * median_s(lambda s=source, k=key_ids: render(s, k), args.repeat)
                   for who, key_ids in (("admin", None), ("member", member)) for source in ("ledger", "rollup")}

        flush_times = []
        ledger = Ledger(store)
        for i in range(args.repeat):
            batch = flush_batch(1000, last - timedelta(days=i % 2), args.keys, args.models)
            for r in batch:
                ledger.record(r)
            t0 = time.perf_counter()
            ledger.flush()                  # ledger append + rollup upsert, one transaction (as in the gateway)
            flush_times.append(time.perf_counter() - t0)
        page = {} if args.no_page else time_page(store, windows, args.repeat)
        db_mb = (Path(tmp) / "maas.duckdb").stat().st_size / 1e6
        store.close()

    result = {
        "when": datetime.now().isoformat(timespec="seconds"), "duckdb": duckdb.__version__,
        "python": platform.python_version(), "machine": platform.machine(),
        "params": vars(args) | {"member_keys": member}, "generate_s": generate_s, "rebuild_s": rebuild_s,
        "rollup_rows": rollup_rows, "db_mb": db_mb, "queries": per_query, "render": renders,
        "ledger_1000_row_flush_ms": 1000 * statistics.median(flush_times), "page": page, "target_render_s": TARGET_S,
        "verdict": "pass" if max(renders["admin_rollup_ms"], renders["member_rollup_ms"]) <= 1000 * TARGET_S
        else "miss",
        "page_verdict": "pass" if all(v <= 1000 * TARGET_S for k, v in page.items() if k.startswith("refresh_"))
        else "miss" if page else "not run",
    }
    print(f"{args.rows:,} ledger rows: generated in {generate_s:.1f} s; rollup rebuilt in {rebuild_s:.2f} s "
          f"({rollup_rows:,} rows); database {db_mb:.0f} MB")
    print(f"{'who':<7} {'window':<6} {'query':<21} {'ledger ms':>10} {'rollup ms':>10}")
    for r in per_query:
        print(f"{r['who']:<7} {r['window']:<6} {r['query']:<21} {r['ledger_ms']:>10.1f} {r['rollup_ms']:>10.1f}")
    for k, v in renders.items():
        print(f"full render (30d + {args.days}d), {k}: {v:.1f}")
    print(f"a 1,000-row ledger flush (append + rollup upsert): {result['ledger_1000_row_flush_ms']:.2f} ms")
    for k, v in page.items():
        print(f"usage page handler, {k}: {v:.1f}")
    print(f"target: a full dashboard render from the rollup <= {TARGET_S:.0f} s: {result['verdict']}")
    if page:
        print(f"target: the usage page's Refresh handler <= {TARGET_S:.0f} s: {result['page_verdict']}")
    if not args.no_write:
        out = HERE / "results" / "usage_dashboard.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
