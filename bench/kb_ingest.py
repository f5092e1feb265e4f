"""Knowledge-base ingestion throughput: pages/s of text PDFs through the real ingestion queue, against the
embedded embedder's raw throughput on the same chunk texts, as a ratio measured in the same run.

    python bench/kb_ingest.py                      # 12 PDFs x 25 pages = 300 pages, 3 rounds, ~5 min
    python bench/kb_ingest.py --docs 4 --pages 10  # a quick look

The PDFs are written by tests/fakes/docs.py ``pdf_file`` (Helvetica text, one text line per line): each page a
numbered heading and ~380 words of real prose (answers of the vendored FAQ set, shuffled per document so no two
files are identical), wrapped at ~95 characters. Steps, one after the other on this machine:

1. parse + chunk   the same ``parse`` and ``chunk_document`` (KB defaults: 300 tokens, 40 overlap) ingestion
                   runs, in this process: the chunk texts (``context``) that ingestion embeds
2. raw embedder    ``gateway.embedded.embedder.Embedder`` (USE v3, 2 threads, as the gateway builds it) on those
                   texts in batches of 64 (ingestion's batch), in this process, the gateway idle
3. ingestion       all PDFs uploaded at once through ``KnowledgeService.upload``; the clock runs from the upload
                   until every document is "ready" (parse, chunk, /v1/embeddings in batches, Chroma, BM25, rows)
4. /v1/embeddings  the same texts through the gateway with ``workbench.embeddings.embed`` (batches of 64)

Steps 2-4 are repeated ``--rounds`` times (each round ingests into a new KB). A round's ratio = raw seconds /
ingestion seconds (= ingestion chunks/s over raw chunks/s) of that round; the figures are medians over the
quiet rounds (other load <= 0.3 cores in every step), else over all rounds. "other load" = cores used by
processes other than this one and the gateway (the machine may be shared). Targets: >= 20 pages/s, or >= 80%
of raw. Writes bench/results/kb_ingest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.kb_common import (  # noqa: E402
    EMBEDDING,
    USER,
    common_args,
    cpu_mark,
    machine,
    new_kb,
    open_service,
    start_embedded_gateway,
    wait_ingested,
    write_result,
)

DATASET = BENCH / "data" / "swedish-construction-faq" / "faq-en.jsonl"
WORDS_PER_PAGE = 380
BATCH = 64
CLK_TCK = os.sysconf("SC_CLK_TCK")
QUIET = 0.3                     # cores used by other processes above which a round counts as disturbed


def answers() -> list[str]:
    """The FAQ's answers, in a form Helvetica/WinAnsi can draw (other characters become '?')."""
    out = []
    for line in DATASET.read_text(encoding="utf-8").splitlines():
        if line.strip():
            text = json.loads(line)["a"]
            out.append(text.encode("cp1252", "replace").decode("cp1252"))
    return out


def pdf_pages(texts: list[str], pages: int, rng: random.Random) -> list[str]:
    """``pages`` pages: a numbered heading, then paragraphs of answers until ~WORDS_PER_PAGE words, wrapped."""
    out = []
    pool = texts[:]
    rng.shuffle(pool)
    at = 0
    for number in range(1, pages + 1):
        lines, words = [f"{number} Section {number}", ""], 0
        while words < WORDS_PER_PAGE:
            paragraph = pool[at % len(pool)]
            at += 1
            lines.extend(textwrap.wrap(paragraph, 95))
            lines.append("")
            words += len(paragraph.split())
        out.append("\n".join(lines).strip())
    return out


def make_pdfs(docs: int, pages: int, seed: int) -> list[tuple[str, bytes]]:
    from tests.fakes.docs import pdf_file

    texts, rng = answers(), random.Random(seed)
    return [(f"report-{n:02d}.pdf", pdf_file(pdf_pages(texts, pages, rng), title=f"Report {n}"))
            for n in range(1, docs + 1)]


def chunk_texts(files: list[tuple[str, bytes]], kb) -> tuple[list[str], int]:
    """What ingestion embeds for these files (``chunk.context`` of each chunk), and the pages parsed."""
    from workbench.documents import parse
    from workbench.kb.chunking import chunk_document

    texts, pages = [], 0
    for name, data in files:
        document = parse(data, name, max_bytes=100 * 1024 * 1024)
        pages += document.page_count
        chunks = chunk_document(document, chunk_tokens=kb.chunk_tokens,
                                overlap_tokens=min(kb.chunk_overlap, kb.chunk_tokens // 2))
        texts.extend(c.context for c in chunks)
    return texts, pages


def proc_cpu(pid: int) -> float:
    """utime + stime of a process (all threads), plus its children's, in seconds."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in _children(int(k))]


class Phase:
    """Wall time of a step and the cores used meanwhile: by us, by the gateway, by everything else."""

    def __init__(self, gateway_pid: int | None) -> None:
        self.gateway_pid = gateway_pid

    def __enter__(self) -> Phase:
        self.mark = cpu_mark()
        self.self_cpu = time.process_time()
        self.gw_cpu = proc_cpu(self.gateway_pid) if self.gateway_pid else 0.0
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.t
        end = cpu_mark()
        machine_busy, wall = end[0] - self.mark[0], max(1e-9, end[1] - self.mark[1])
        ours = time.process_time() - self.self_cpu
        gw = (proc_cpu(self.gateway_pid) - self.gw_cpu) if self.gateway_pid else 0.0
        self.cores = {"self": round(ours / wall, 2), "gateway": round(gw / wall, 2),
                      "other": round(max(0.0, machine_busy - ours - gw) / wall, 2)}


def raw_embed(embedder, texts: list[str]) -> float:
    t = time.perf_counter()
    for at in range(0, len(texts), BATCH):
        embedder.embed(texts[at: at + BATCH])
    return time.perf_counter() - t


async def run(args, tmp: Path) -> dict:
    from gateway.embedded.embedder import Embedder
    from workbench.embeddings import embed

    files = make_pdfs(args.docs, args.pages, args.seed)
    megabytes = sum(len(d) for _, d in files) / 1e6
    t = time.monotonic()
    gw, url = start_embedded_gateway(tmp, args.launch)
    print(f"gateway ready at {url} in {time.monotonic() - t:.1f} s", flush=True)
    service = open_service(tmp / "kb", url)
    rounds: list[dict] = []
    try:
        await service.start()
        kb = new_kb(service, "Reports 0")
        with Phase(gw.pid) as p:
            texts, pages = chunk_texts(files, kb)
        parse = {"seconds": p.seconds, "cores": p.cores}
        print(f"{len(files)} PDFs ({megabytes:.1f} MB), {pages} pages, {len(texts)} chunks "
              f"({sum(map(len, texts)) / len(texts):.0f} characters each)", flush=True)
        embedder = Embedder(threads=2)
        embedder.warm()
        raw_embed(embedder, texts[:BATCH])
        client = service.client_for(USER)
        await embed(client, EMBEDDING, texts[:BATCH])
        for n in range(1, args.rounds + 1):
            phases: dict[str, dict] = {}
            with Phase(gw.pid) as p:
                raw_embed(embedder, texts)
            phases["raw embedder"] = {"seconds": p.seconds, "cores": p.cores}
            kb = kb if n == 1 else new_kb(service, f"Reports {n}")
            with Phase(gw.pid) as p:
                service.upload(USER, kb.id, files)
                docs = await wait_ingested(service, kb.id, len(files), poll=0.05)
            phases["ingestion"] = {"seconds": p.seconds, "cores": p.cores}
            with Phase(gw.pid) as p:
                await embed(client, EMBEDDING, texts, batch=BATCH)
            phases["/v1/embeddings"] = {"seconds": p.seconds, "cores": p.cores}
            chunks, ingested_pages = sum(d.chunks for d in docs), sum(d.pages or 0 for d in docs)
            if chunks != len(texts) or ingested_pages != pages:
                raise RuntimeError(f"ingestion made {chunks} chunks of {ingested_pages} pages; expected "
                                   f"{len(texts)} of {pages}")
            other = max(v["cores"]["other"] for v in phases.values())
            raw_s, ingest_s = phases["raw embedder"]["seconds"], phases["ingestion"]["seconds"]
            rounds.append({"phases": phases, "ratio": raw_s / ingest_s, "pages_per_s": pages / ingest_s,
                           "other_load": other})
            print(f"round {n}: ingestion {rounds[-1]['pages_per_s']:.1f} pages/s, raw "
                  f"{pages / phases['raw embedder']['seconds']:.1f} pages/s, ratio {rounds[-1]['ratio']:.1%}, "
                  f"other load up to {other:.2f} cores", flush=True)
    finally:
        await service.stop()
        service.store.close()
        gw.stop()

    quiet = [r for r in rounds if r["other_load"] <= QUIET]
    basis = "median of the quiet rounds" if quiet else "median of all rounds, none quiet"
    quiet = quiet or rounds
    ratio = statistics.median(r["ratio"] for r in quiet)
    pages_per_s = statistics.median(r["pages_per_s"] for r in quiet)

    def row(v: dict) -> dict:
        return {"seconds": round(v["seconds"], 2), "chunks_per_s": round(len(texts) / v["seconds"], 1),
                "pages_per_s": round(pages / v["seconds"], 1), "cores": v["cores"]}

    return {
        "machine": machine(), "docs": len(files), "pages": pages, "chunks": len(texts),
        "megabytes": round(megabytes, 2), "chunk_tokens": kb.chunk_tokens, "chunk_overlap": kb.chunk_overlap,
        "parse+chunk (in process)": row(parse),
        "rounds": [{"phases": {k: row(v) for k, v in r["phases"].items()}, "ratio": round(r["ratio"], 3),
                    "pages_per_s": round(r["pages_per_s"], 1), "other_load": r["other_load"]} for r in rounds],
        "basis": f"{basis} ({len(quiet)} of {len(rounds)}; quiet = other load <= {QUIET} cores)",
        "ingestion_pages_per_s": round(pages_per_s, 1),
        "raw_pages_per_s": round(statistics.median(pages / r["phases"]["raw embedder"]["seconds"] for r in quiet), 1),
        "ingestion_over_raw": round(ratio, 3),
        "target_met": pages_per_s >= 20 or ratio >= 0.8,
    }


def print_result(r: dict) -> None:
    print(f"\n{r['docs']} PDFs, {r['pages']} pages, {r['chunks']} chunks ({r['chunk_tokens']} tokens, overlap "
          f"{r['chunk_overlap']}); parse + chunk in process: {r['parse+chunk (in process)']['pages_per_s']} pages/s")
    print(f"{'round':<6}{'step':<18}{'seconds':>9}{'chunks/s':>10}{'pages/s':>9}   cores self/gateway/other")
    for n, rnd in enumerate(r["rounds"], start=1):
        for name, p in rnd["phases"].items():
            c = p["cores"]
            print(f"{n:<6}{name:<18}{p['seconds']:>9.2f}{p['chunks_per_s']:>10.1f}{p['pages_per_s']:>9.1f}   "
                  f"{c['self']:.2f} / {c['gateway']:.2f} / {c['other']:.2f}")
    print(f"ingestion {r['ingestion_pages_per_s']} pages/s; raw embedder {r['raw_pages_per_s']} pages/s; "
          f"ingestion/raw {r['ingestion_over_raw']:.1%} ({r['basis']}); target (>= 20 pages/s or >= 80% of raw): "
          f"{'met' if r['target_met'] else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=12)
    p.add_argument("--pages", type=int, default=25, help="pages per PDF")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--rounds", type=int, default=3, help="raw / ingestion / v1 rounds, interleaved")
    common_args(p, "kb_ingest")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-ingest-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    print_result(result)
    write_result("kb_ingest", result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
