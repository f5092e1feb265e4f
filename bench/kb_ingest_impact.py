"""What ingestion costs everyone else: the gateway's latency (``GET /v1/models`` with a user's key) idle, then while
the knowledge-base worker of the same ``python launch.py`` process ingests text PDFs uploaded through ``/kb/v1``.

    python bench/kb_ingest_impact.py                   # 12 PDFs x 25 pages, ~1 min
    python bench/kb_ingest_impact.py --docs 4 --pages 10

The KB worker parses in a child process of the server (since issue 11; before, in a thread of the server's process,
where pypdf held the GIL while it parsed), writes Chroma and BM25 in threads and embeds through the server's own
/v1/embeddings, so an API call made meanwhile competes with all of it. One probe
request every 50 ms; p50 / p95 / max in milliseconds, and the ingestion's own pages/s through the real server.
Writes bench/results/kb_ingest_impact.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.kb_common import EMBEDDING, common_args, machine, start_embedded_gateway, summary_ms, write_result  # noqa: E402
from bench.kb_ingest import make_pdfs  # noqa: E402
from bench.run_gateway import MASTER_KEY  # noqa: E402


def probe(client, seconds: float, stop: threading.Event | None = None) -> list[float]:
    """Latencies (s) of GET /v1/models, one every 50 ms, for ``seconds`` or until ``stop`` is set."""
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end and not (stop is not None and stop.is_set()):
        started = time.perf_counter()
        client.get("/v1/models").raise_for_status()
        out.append(time.perf_counter() - started)
        time.sleep(0.05)
    return out


def main(argv: list[str] | None = None) -> int:
    import httpx

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=12)
    p.add_argument("--pages", type=int, default=25, help="pages per PDF")
    p.add_argument("--idle-seconds", type=float, default=8)
    common_args(p, "kb_ingest_impact", launch=False)
    args = p.parse_args(argv)

    gw, url = start_embedded_gateway(Path(tempfile.mkdtemp(prefix="kb-impact-")))
    try:
        admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=60)
        user = admin.post("/admin/v1/users", json={"username": "bench", "password": "Bench-pass-2026"})
        user.raise_for_status()
        key = admin.post("/admin/v1/keys", json={"user_id": user.json()["id"], "name": "bench key"})
        key.raise_for_status()
        me = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key.json()['secret']}"}, timeout=120)
        kb = me.post("/kb/v1/knowledge-bases", json={"name": "impact", "embedding_model": EMBEDDING})
        kb.raise_for_status()
        kb_id = kb.json()["id"]
        me.get("/v1/models")
        idle = probe(me, args.idle_seconds)

        files = make_pdfs(args.docs, args.pages, 3)
        done, took = threading.Event(), []

        def ingest() -> None:
            started = time.monotonic()
            up = me.post(f"/kb/v1/knowledge-bases/{kb_id}/documents",
                         files=[("file", (name, data, "application/pdf")) for name, data in files])
            up.raise_for_status()
            while True:
                docs = me.get(f"/kb/v1/knowledge-bases/{kb_id}/documents").json()["data"]
                if all(d["status"] in ("ready", "failed") for d in docs):
                    assert all(d["status"] == "ready" for d in docs), docs
                    break
                time.sleep(0.25)
            took.append(time.monotonic() - started)
            done.set()

        worker = threading.Thread(target=ingest)
        worker.start()
        busy = probe(me, 3600, done)
        worker.join()
    finally:
        gw.stop()

    pages = args.docs * args.pages
    result = {"machine": machine(), "docs": args.docs, "pages": pages, "ingestion_seconds": round(took[0], 2),
              "ingestion_pages_per_s": round(pages / took[0], 1), "idle": summary_ms(idle),
              "during_ingestion": summary_ms(busy)}
    print(f"{args.docs} PDFs, {pages} pages ingested through /kb/v1 in {took[0]:.1f} s "
          f"({pages / took[0]:.1f} pages/s)")
    for name in ("idle", "during_ingestion"):
        s = result[name]
        print(f"GET /v1/models {name:17} n={s['n']:4}  p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f}  "
              f"max {s['max_ms']:6.1f} ms")
    write_result("kb_ingest_impact", result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
