"""The parse stage of knowledge-base ingestion: pages/s of parse + chunk in the server's process (as before issue
11) against a warm parse worker process (``workbench.kb.parse_worker``, as ingestion does now), interleaved.

    python bench/kb_parse.py                 # the PDFs of bench/kb_ingest.py: 12 x 25 pages, 5 interleaved rounds

The worker's time includes writing the request, the child reading the file, parsing, chunking, and the chunks
coming back as JSON; the parent's CPU (this process) is shown beside it: what parsing costs the server's own
process (and so the gateway sharing it) in each mode. Ingestion needs ~23 pages/s (the embedder's rate,
bench/kb_ingest.py): this stage must stay well above that. No result file; the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.kb_ingest import make_pdfs  # noqa: E402

CHUNK_TOKENS, OVERLAP = 300, 40


def in_process(files: list[tuple[str, bytes]]) -> int:
    from workbench.documents import parse
    from workbench.kb.chunking import chunk_document

    pages = 0
    for name, data in files:
        document = parse(data, name, max_bytes=100 * 1024 * 1024)
        chunk_document(document, chunk_tokens=CHUNK_TOKENS, overlap_tokens=OVERLAP)
        pages += document.page_count
    return pages


def in_worker(worker, paths: list[tuple[str, Path]]) -> int:
    stop, pages = threading.Event(), 0
    for name, path in paths:
        pages += worker.parse(path, name, max_bytes=100 * 1024 * 1024, chunk_tokens=CHUNK_TOKENS,
                              overlap_tokens=OVERLAP, stop=stop).pages
    return pages


def timed(fn, *args) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    pages = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, pages


def main() -> None:
    from workbench.kb.parse_worker import ParseLimits, ParseWorker

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=12)
    p.add_argument("--pages", type=int, default=25)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    files = make_pdfs(args.docs, args.pages, 3)
    worker = ParseWorker(ParseLimits())
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, data in files:
            (Path(tmp) / name).write_bytes(data)
            paths.append((name, Path(tmp) / name))
        started = time.perf_counter()
        in_worker(worker, paths[:1])                     # the child's start: imports, once per process
        print(f"worker ready and first document parsed in {time.perf_counter() - started:.2f} s")
        in_process(files[:1])
        rows: dict[str, list[tuple[float, float, int]]] = {"in process": [], "worker": []}
        for n in range(1, args.rounds + 1):
            rows["in process"].append(timed(in_process, files))
            rows["worker"].append(timed(in_worker, worker, paths))
            line = ", ".join(f"{mode} {r[-1][2] / r[-1][0]:.0f} pages/s (parent CPU {r[-1][1]:.2f} s)"
                             for mode, r in rows.items())
            print(f"round {n}: {line}", flush=True)
    worker.shut()
    worker.close()
    for mode, r in rows.items():
        print(f"{mode}: median {statistics.median(x[2] / x[0] for x in r):.0f} pages/s, parent CPU "
              f"{statistics.median(x[1] for x in r) / r[0][2] * 1000:.2f} ms per page")


if __name__ == "__main__":
    main()
