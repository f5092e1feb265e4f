"""Knowledge-base retrieval quality: nDCG@10 and recall@10 of vector-only, keyword-only, hybrid (RRF) and
hybrid + rerank, side by side in one run, on a public FAQ set ingested through the real services.

    python bench/kb_quality.py                 # ~10 min: 503 documents ingested, 497 queries x 4 methods
    python bench/kb_quality.py --queries 100   # a quicker, deterministic sample of the queries

Corpus: bench/data/swedish-construction-faq (CC BY 4.0; see its README for the source and how queries and
judgments are derived): every answer is uploaded as one .txt document into a KB through
``KnowledgeService.upload`` and ingested by its worker (parse, chunk, embed through the gateway's
/v1/embeddings, Chroma + BM25), against ``python launch.py`` started on a temp data dir with its embedded
models. Then, for every query:

* vector-only   ``VectorStore.query`` with the query embedded by the KB's model (USE v3) through /v1/embeddings
* keyword-only  ``KeywordIndex.query`` (jieba / English words, BM25)
* hybrid        ``KBRetriever.search`` without a reranker: both lists (30 candidates each) fused by RRF
* hybrid+rerank ``KnowledgeService.search``, as the chat and the API call it: RRF candidates reranked by the
                gateway's /v1/rerank (the embedded reranker: USE similarity blended with BM25)

Results are chunk lists; a document's rank is that of its first chunk (here each answer is one chunk).
nDCG@10 uses linear gains (rel / log2(rank + 1)), recall@10 = relevant documents in the top 10 / relevant
documents; both averaged over the queries. The difference between hybrid+rerank and the best single method
comes with a 95% paired-bootstrap interval.

Diagnostics (``--no-experiments`` skips them; never part of the four figures above): the same RRF candidates
(30) re-scored in this process the way the embedded reranker scores them — ``(1 - w) * (cos + 1) / 2 + w *
BM25 / max BM25`` over the candidates, USE v3 cosine — for several BM25 weights ``w`` (0.3 is the gateway's),
and the reranker's order fused with the RRF order by a second RRF. They show where the reranker's order comes
from and what would change it. Writes bench/results/kb_quality.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.kb_common import (  # noqa: E402
    EMBEDDING,
    USER,
    common_args,
    machine,
    new_kb,
    open_service,
    start_embedded_gateway,
    summary_ms,
    wait_ingested,
    write_result,
)

DATASET = BENCH / "data" / "swedish-construction-faq" / "faq-en.jsonl"
K = 10
METHODS = ("vector", "keyword", "hybrid", "hybrid+rerank")
RERANK_WEIGHTS = (0.0, 0.3, 0.5, 0.7, 1.0)


def load_dataset(path: Path = DATASET) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(document id -> answer text, question text -> ids of the answers given to it)."""
    docs: dict[str, str] = {}
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            docs[row["id"]] = row["a"]
            qrels.setdefault(row["q"].strip(), set()).add(row["id"])
    return docs, qrels


def ndcg(ranked: list[str], relevant: set[str], k: int = K) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def recall(ranked: list[str], relevant: set[str], k: int = K) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def documents_of(chunk_ids: list[str], doc_of_chunk: dict[str, str]) -> list[str]:
    """Chunk ranking -> document ranking (first occurrence of each document kept)."""
    return list(dict.fromkeys(doc_of_chunk[c] for c in chunk_ids if c in doc_of_chunk))


def paired_bootstrap(a: list[float], b: list[float], rounds: int = 2000, seed: int = 7) -> tuple[float, float]:
    """95% interval of mean(a - b) over queries, resampling queries."""
    rng = random.Random(seed)
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


async def evaluate(args, tmp: Path) -> dict:
    from workbench.embeddings import embed
    from workbench.kb.retrieve import KBRetriever

    docs, qrels = load_dataset()
    queries = sorted(qrels)
    if args.queries and args.queries < len(queries):
        queries = sorted(random.Random(args.seed).sample(queries, args.queries))
    print(f"dataset: {len(docs)} documents, {len(queries)} queries", flush=True)

    t = time.monotonic()
    gw, url = start_embedded_gateway(tmp, args.launch)
    print(f"gateway ready at {url} in {time.monotonic() - t:.1f} s", flush=True)
    service = open_service(tmp / "kb", url)
    try:
        await service.start()
        kb = new_kb(service, "Construction FAQ")
        t = time.monotonic()
        service.upload(USER, kb.id, [(f"{doc_id}.txt", text.encode()) for doc_id, text in docs.items()])
        ingested = await wait_ingested(service, kb.id, len(docs))
        ingest_s = time.monotonic() - t
        chunks = sum(d.chunks for d in ingested)
        print(f"ingested {len(ingested)} documents ({chunks} chunks) in {ingest_s:.1f} s", flush=True)
        name_of = {d.id: d.name.removesuffix(".txt") for d in ingested}
        rows = service.store.cursor().execute("SELECT id, document_id FROM kb_chunks WHERE kb_id = ?",
                                              [kb.id]).fetchall()
        doc_of_chunk = {chunk_id: name_of[document_id] for chunk_id, document_id in rows}

        client = service.client_for(USER)
        t = time.monotonic()
        vectors = await embed(client, EMBEDDING, queries)
        embed_s = time.monotonic() - t
        hybrid = KBRetriever(service.store, service.vectors, service.keyword, client, rerank_model=None)
        service.keyword.warm(kb.id)

        scores = {m: {"ndcg": [], "recall": []} for m in METHODS}
        seconds = {m: [] for m in METHODS}
        not_reranked = 0
        candidates: list[list[tuple[str, str]]] = []     # per query: the reranker's input, in RRF order
        for i, (query, vector) in enumerate(zip(queries, vectors, strict=True), start=1):
            relevant = qrels[query]
            ranked: dict[str, list[str]] = {}
            t = time.perf_counter()
            ranked["vector"] = [c for c, _ in service.vectors.query(kb, vector, K)]
            seconds["vector"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ranked["keyword"] = [c for c, _ in service.keyword.query(kb.id, query, K)]
            seconds["keyword"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ranked["hybrid"] = [h.chunk.id for h in await hybrid.search([kb], query, K)]
            seconds["hybrid"].append(time.perf_counter() - t)
            t = time.perf_counter()
            hits = await service.search(USER, [kb.id], query, K)
            seconds["hybrid+rerank"].append(time.perf_counter() - t)
            if not hits.reranked:
                not_reranked += 1
            ranked["hybrid+rerank"] = [h.chunk.id for h in hits]
            if args.experiments:
                fused = await hybrid.search([kb], query, 60)
                candidates.append([(h.chunk.id, rerank_text(h.chunk)) for h in fused])
            for method in METHODS:
                found = documents_of(ranked[method], doc_of_chunk)
                scores[method]["ndcg"].append(ndcg(found, relevant))
                scores[method]["recall"].append(recall(found, relevant))
            if i % 50 == 0:
                print(f"  {i}/{len(queries)} queries", flush=True)
    finally:
        await service.stop()
        service.store.close()
        gw.stop()

    experiments = rerank_experiments(queries, qrels, candidates, doc_of_chunk) if args.experiments else {}
    table = {m: {"ndcg@10": sum(s["ndcg"]) / len(s["ndcg"]), "recall@10": sum(s["recall"]) / len(s["recall"]),
                 "latency": summary_ms(seconds[m])} for m, s in scores.items()}
    best = max(("vector", "keyword", "hybrid"), key=lambda m: table[m]["ndcg@10"])
    best_single = max(("vector", "keyword"), key=lambda m: table[m]["ndcg@10"])
    low, high = paired_bootstrap(scores["hybrid+rerank"]["ndcg"], scores[best_single]["ndcg"])
    return {
        "machine": machine(), "dataset": "swedish-construction-faq (en), CC BY 4.0",
        "documents": len(docs), "chunks": chunks, "queries": len(queries), "k": K,
        "ingest_seconds": round(ingest_s, 1), "query_embedding_seconds_all": round(embed_s, 2),
        "not_reranked": not_reranked, "methods": table, "best_single_method": best_single,
        "best_without_rerank": best,
        "rerank_minus_best_single_ndcg": table["hybrid+rerank"]["ndcg@10"] - table[best_single]["ndcg@10"],
        "rerank_minus_best_single_ndcg_ci95": [low, high],
        "target_met": table["hybrid+rerank"]["ndcg@10"] >= table[best_single]["ndcg@10"],
        "experiments": experiments,
    }


def rerank_experiments(queries: list[str], qrels: dict[str, set[str]], candidates: list[list[tuple[str, str]]],
                       doc_of_chunk: dict[str, str]) -> dict:
    """The RRF candidates re-scored in process like the embedded reranker, for several BM25 weights."""
    import numpy as np

    from gateway.embedded.embedder import Embedder
    from gateway.embedded.rerank import bm25_scores
    from workbench.kb.retrieve import fuse

    embedder = Embedder(threads=2)
    texts = dict(pair for pairs in candidates for pair in pairs)
    ids = list(texts)
    doc_vectors = dict(zip(ids, embedder.embed([texts[i] for i in ids]), strict=True))
    query_vectors = embedder.embed(queries)
    out: dict[str, list[float]] = {}
    for query, qvec, pairs in zip(queries, query_vectors, candidates, strict=True):
        chunk_ids = [c for c, _ in pairs]
        cosine = np.array([float(doc_vectors[c] @ qvec) for c in chunk_ids])
        bm25 = np.array(bm25_scores(query, [t for _, t in pairs]))
        lexical = bm25 / bm25.max() if len(bm25) and bm25.max() > 0 else np.zeros(len(chunk_ids))
        semantic = np.clip((cosine + 1) / 2, 0, 1)
        orders = {"RRF order (no rerank)": chunk_ids}
        for w in RERANK_WEIGHTS:
            score = (1 - w) * semantic + w * lexical
            orders[f"blend, BM25 weight {w}"] = [chunk_ids[i] for i in np.argsort(-score, kind="stable")]
        gateway_order = orders["blend, BM25 weight 0.3"]
        both = fuse([[(c, 0.0) for c in chunk_ids], [(c, 0.0) for c in gateway_order]], ["first", "second"])
        orders["RRF of (RRF order, blend 0.3 order)"] = sorted(chunk_ids, key=lambda c: -both[c]["rrf"])
        for name, order in orders.items():
            out.setdefault(name, []).append(ndcg(documents_of(order, doc_of_chunk), qrels[query]))
    return {name: sum(v) / len(v) for name, v in out.items()}


def rerank_text(chunk) -> str:
    """What KBRetriever sends the reranker for a chunk (its heading, when the text does not start with it)."""
    from workbench.kb.retrieve import _rerank_text

    return _rerank_text(chunk)


def print_table(result: dict) -> None:
    print(f"\n{result['queries']} queries, {result['documents']} documents ({result['chunks']} chunks), k = {K}")
    print(f"{'method':<15}{'nDCG@10':>10}{'recall@10':>11}{'p50 ms':>9}{'p95 ms':>9}")
    for method, row in result["methods"].items():
        lat = row["latency"]
        print(f"{method:<15}{row['ndcg@10']:>10.4f}{row['recall@10']:>11.4f}{lat['p50_ms']:>9.1f}{lat['p95_ms']:>9.1f}")
    low, high = result["rerank_minus_best_single_ndcg_ci95"]
    print(f"hybrid+rerank - {result['best_single_method']} (best single method): "
          f"{result['rerank_minus_best_single_ndcg']:+.4f} nDCG@10, 95% CI [{low:+.4f}, {high:+.4f}]; "
          f"target hybrid+rerank >= best single method: {'met' if result['target_met'] else 'MISSED'}")
    if result["experiments"]:
        print("\ndiagnostics: the 30 RRF candidates re-scored in process like the embedded reranker (nDCG@10)")
        for name, value in result["experiments"].items():
            print(f"  {name:<40}{value:.4f}")
    if result["not_reranked"]:
        print(f"warning: {result['not_reranked']} searches came back in RRF order (the reranker failed)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queries", type=int, default=0, help="evaluate a random sample of this many queries (0: all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-experiments", dest="experiments", action="store_false",
                   help="skip the diagnostics (the reranker's blend re-scored in process)")
    common_args(p, "kb_quality")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as tmp:
        result = asyncio.run(evaluate(args, Path(tmp)))
    print_table(result)
    write_result("kb_quality", result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
