"""Knowledge-base retrieval latency at 100k chunks: vector (embedded Chroma), keyword (BM25 built from kb_chunks),
hybrid fusion, and — measured separately — the query-embedding and rerank calls through the gateway.

    python bench/kb_latency.py                  # first run builds the fixture (~8 min, cached), then ~4 min
    python bench/kb_latency.py --queries 100 --model-queries 20      # quicker
    python bench/kb_latency.py --rebuild        # build the fixture again

The fixture (one KB of 100,000 chunks in 1,000 documents) is built once under
``~/.cache/maas-bench/kb-latency-100000-v1`` and reused: a workbench store (DuckDB, the real schema) whose
``kb_chunks`` rows hold synthetic text with ``terms = tokenize(text)`` as ingestion writes it, and an
embedded Chroma (``VectorStore``) holding one 512-d unit vector per chunk. Text: half the documents Chinese
(words drawn from jieba's own dictionary by its frequencies, ~280 characters a chunk, punctuated), half
English (~170 words a chunk, Zipf-distributed over the vendored FAQ's words for the head and generated
pseudo-words for the tail, 50k words in all). Vectors: 1,000 clusters (cosine ~0.7 to their centre), as
embeddings of topical text are; query vectors are drawn around random cluster centres.

Measured per query (after 20 warm-up queries; p50/p95 over ``--queries``):

* vector       ``VectorStore.query(kb, vector, 30)`` (Chroma HNSW, cosine)
* keyword      ``KeywordIndex.query(kb_id, text, 30)`` (jieba/English tokens, BM25 over the in-memory index)
* hybrid       ``KBRetriever.search([kb], text, k=30, rerank=False)`` with the query vector given: vector and keyword
               in threads, RRF, the candidates' rows read from DuckDB, hits built — the hybrid stage
* rerank stage ``KBRetriever.search([kb], text, k=8)``'s own "rerank" timing (``Hits.timings``): the candidates'
               stored vectors from Chroma, their BM25 from the keyword index, the blend
* embedding    one ``/v1/embeddings`` call for the query (embedded USE v3 via the gateway), over ``--model-queries``
* end to end   ``KBRetriever.search(k=8)`` with the embedding call, over ``--model-queries`` (no translation: the
               question's candidates are in its own language half the time only by chance here, and translation
               is timed by bench/kb_quality.py on real questions)

Also reported once: the keyword index's build from kb_chunks (the first query after a start) and Chroma's first
query.

Target: retrieval p95 <= 50 ms at 100k chunks. Writes bench/results/kb_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.kb_common import EMBEDDING, common_args, machine, start_embedded_gateway, summary_ms, write_result  # noqa: E402

FIXTURE_VERSION = 1
DIM = 512
CLUSTERS = 1000
NOISE = 0.045                   # per-dimension noise around a cluster centre: cosine ~0.7
CANDIDATES = 30                 # KBRetriever's default candidates per method
FAQ = BENCH / "data" / "swedish-construction-faq" / "faq-en.jsonl"
KB_ID = "kb-latency-100k"
WARMUP = 20


def cache_dir(chunks: int) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "maas-bench" / f"kb-latency-{chunks}-v{FIXTURE_VERSION}"


# --------------------------------------------------------------------------- synthetic text
class Vocabulary:
    """Chinese words (jieba's dictionary, by frequency) and English words (Zipf: FAQ words, then pseudo-words)."""

    def __init__(self, seed: int, english_size: int = 50_000, chinese_size: int = 60_000) -> None:
        import jieba
        import numpy as np

        rng = np.random.default_rng(seed)
        rows = []
        with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
            for line in f:
                word, freq, *_ = line.split()
                if len(word) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", word):
                    rows.append((int(freq), word))
        rows.sort(reverse=True)
        rows = rows[:chinese_size]
        self.zh = [w for _, w in rows]
        zh_weights = np.array([f for f, _ in rows], dtype=np.float64)
        self.zh_p = zh_weights / zh_weights.sum()
        self.zh_cum = np.cumsum(self.zh_p)

        counts: dict[str, int] = {}
        for line in FAQ.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for word in re.findall(r"[a-z]+", json.loads(line)["a"].lower()):
                    counts[word] = counts.get(word, 0) + 1
        head = [w for w, _ in sorted(counts.items(), key=lambda item: -item[1]) if len(w) > 1]
        syllables = [a + b for a in "bcdfghklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou", "er")]
        tail: set[str] = set(head)
        words = list(head)
        while len(words) < english_size:
            word = "".join(rng.choice(syllables, size=int(rng.integers(2, 5))))
            if word not in tail:
                tail.add(word)
                words.append(word)
        self.en = words
        ranks = np.arange(1, len(words) + 1, dtype=np.float64)
        self.en_p = (1.0 / ranks ** 1.07) / (1.0 / ranks ** 1.07).sum()
        self.en_cum = np.cumsum(self.en_p)

    @staticmethod
    def _draw(rng, cum, n: int, limit: int | None = None):
        """``n`` indices drawn by the cumulative weights ``cum`` (the first ``limit`` entries only, if given)."""
        import numpy as np

        top = cum[limit - 1] if limit else cum[-1]
        return np.minimum(np.searchsorted(cum, rng.random(n) * top, side="right"), (limit or len(cum)) - 1)

    def chinese(self, rng, words: int) -> str:
        picked = self._draw(rng, self.zh_cum, words)
        parts, out = [self.zh[i] for i in picked], []
        for at in range(0, len(parts), 9):
            out.append("".join(parts[at: at + 9]) + ("。" if (at // 9) % 3 == 2 else "，"))
        return "".join(out).rstrip("，") + "。"

    def english(self, rng, words: int) -> str:
        picked = self._draw(rng, self.en_cum, words)
        parts, out = [self.en[i] for i in picked], []
        for at in range(0, len(parts), 14):
            sentence = " ".join(parts[at: at + 14])
            out.append(sentence[:1].upper() + sentence[1:] + ".")
        return " ".join(out)

    def query(self, rng, chinese: bool) -> str:
        """A short query: 2-4 words, drawn like the text but from the 20k most common words (a user's words)."""
        n = int(rng.integers(2, 5))
        if chinese:
            return "".join(self.zh[i] for i in self._draw(rng, self.zh_cum, n, 20_000))
        return " ".join(self.en[i] for i in self._draw(rng, self.en_cum, n, 20_000))


def _tokenize_all(texts: list[str]) -> list[str]:
    from workbench.kb.keyword import terms_text

    return [terms_text(t) for t in texts]


def centres(seed: int):
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    c = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def around(rng, centre_rows):
    import numpy as np

    v = centre_rows + rng.standard_normal(centre_rows.shape).astype(np.float32) * NOISE
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def build_fixture(target: Path, chunks: int, docs: int, seed: int) -> dict:
    """The store and Chroma of one KB with ``chunks`` synthetic chunks, built in a temp dir then moved."""
    import numpy as np
    import pandas as pd

    from workbench.kb.records import ChunkRecord, KnowledgeBase
    from workbench.kb.vectors import VectorStore
    from workbench.schema import open_store
    from workbench.store import store_path

    work = target.with_name(target.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    rng = np.random.default_rng(seed)
    vocab = Vocabulary(seed)
    per_doc = chunks // docs
    now = datetime(2026, 1, 1)
    kb = KnowledgeBase(KB_ID, "team-bench", "Latency 100k", "", EMBEDDING, 300, 40, False, "u-bench", now, now)

    print(f"generating {chunks} chunks of text ...", flush=True)
    rows, doc_rows = [], []
    for d in range(docs):
        doc_id = f"doc{d:05d}"
        chinese = d % 2 == 0
        texts = [vocab.chinese(rng, 130) if chinese else vocab.english(rng, 170) for _ in range(per_doc)]
        doc_rows.append((doc_id, KB_ID, f"{doc_id}.{'docx' if chinese else 'pdf'}", uuid.uuid4().hex,
                         sum(len(t) for t in texts), per_doc, per_doc))
        for i, text in enumerate(texts):
            tokens = len(text) if chinese else round(len(text) / 3.5)
            rows.append((f"{doc_id}-{i}", KB_ID, doc_id, i, text, i + 1, i + 1, f"Section {i + 1}", tokens))
    t = time.monotonic()
    print("tokenizing for the keyword index (jieba) ...", flush=True)
    texts = [r[4] for r in rows]
    parts = [texts[at: at + 2000] for at in range(0, len(texts), 2000)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        terms = [t for part in pool.map(_tokenize_all, parts) for t in part]
    print(f"  {time.monotonic() - t:.0f} s", flush=True)

    store = open_store(store_path(work))
    with store.transaction() as cur:
        cur.execute("INSERT INTO knowledge_bases (id, team_id, name, description, embedding_model, chunk_tokens, "
                    "chunk_overlap, public, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?)", [kb.id, kb.team_id, kb.name, kb.description, kb.embedding_model, kb.chunk_tokens,
                              kb.chunk_overlap, kb.public, kb.created_by, now, now])
        documents = pd.DataFrame(doc_rows, columns=["id", "kb_id", "name", "sha256", "bytes", "pages", "chunks"])
        cur.register("bench_documents", documents)
        cur.execute("INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, pages, chunks, status, "
                    "uploaded_by, created_at, updated_at, finished_at) SELECT id, kb_id, name, 'txt', sha256, bytes, "
                    "pages, chunks, 'ready', 'u-bench', ?, ?, ? FROM bench_documents", [now, now, now])
        frame = pd.DataFrame(rows, columns=["id", "kb_id", "document_id", "idx", "text", "first_page", "last_page",
                                            "heading", "tokens"])
        frame["terms"] = terms
        cur.register("bench_chunks", frame)
        cur.execute("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, first_page, last_page, heading, "
                    "tokens, terms) SELECT * FROM bench_chunks")
    store.close()

    print("adding vectors to Chroma ...", flush=True)
    t = time.monotonic()
    cluster_of = rng.integers(0, CLUSTERS, size=len(rows))
    centre = centres(seed)
    vectors = VectorStore.persistent(work / "chroma")
    step = 5000
    for at in range(0, len(rows), step):
        part = rows[at: at + step]
        records = [ChunkRecord(r[0], r[1], r[2], r[3], "", r[5], r[6], r[7], r[8]) for r in part]
        vectors.add(kb, records, around(rng, centre[cluster_of[at: at + len(part)]]))
        if (at // step) % 4 == 3:
            print(f"  {at + len(part)} vectors, {time.monotonic() - t:.0f} s", flush=True)
    count = vectors.count(KB_ID)
    vectors.close()
    manifest = {"version": FIXTURE_VERSION, "chunks": len(rows), "vectors": count, "documents": docs, "seed": seed,
                "dim": DIM, "clusters": CLUSTERS, "build_seconds": round(time.monotonic() - started, 1),
                "chinese_documents": (docs + 1) // 2}
    (work / "fixture.json").write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    print(f"fixture built in {manifest['build_seconds']} s: {target}", flush=True)
    return manifest


# --------------------------------------------------------------------------- measuring
def given_vector_retrieval(store, vectors, keyword, client, rerank_model):
    """``KBRetriever`` whose query vector is supplied (``.vector``): its /v1/embeddings call is timed on its own."""
    from workbench.kb.retrieve import KBRetriever

    class GivenVector(KBRetriever):
        vector = None

        async def _embed_query(self, kbs, text):
            return {kb.embedding_model: self.vector for kb in kbs}

    return GivenVector(store, vectors, keyword, client, rerank_model=rerank_model)


async def measure(args, fixture: Path, manifest: dict, tmp: Path) -> dict:
    import numpy as np

    from bench.run_gateway import MASTER_KEY
    from workbench.clients import UserClients
    from workbench.embeddings import embed
    from workbench.kb.keyword import KeywordIndex
    from workbench.kb.retrieve import KBRetriever
    from workbench.kb.vectors import VectorStore
    from workbench.schema import open_store
    from workbench.store import store_path

    rng = np.random.default_rng(args.seed + 99)
    vocab = Vocabulary(manifest["seed"])
    texts = [vocab.query(rng, chinese=i % 2 == 0) for i in range(args.queries + WARMUP)]
    qvectors = around(rng, centres(manifest["seed"])[rng.integers(0, CLUSTERS, size=len(texts))])

    store = open_store(store_path(fixture))
    t = time.perf_counter()
    vectors = VectorStore.persistent(fixture / "chroma")
    open_s = time.perf_counter() - t
    keyword = KeywordIndex(store)
    row = store.cursor().execute("SELECT id, team_id, name, description, embedding_model, chunk_tokens, "
                                 "chunk_overlap, public, created_by, created_at, updated_at FROM knowledge_bases "
                                 "WHERE id = ?", [KB_ID]).fetchone()
    from workbench.kb.records import KnowledgeBase

    kb = KnowledgeBase(*row[:7], public=bool(row[7]), created_by=row[8], created_at=row[9], updated_at=row[10])
    once: dict[str, float] = {"chroma_open_ms": open_s * 1000}
    t = time.perf_counter()
    vectors.query(kb, qvectors[0], CANDIDATES)
    once["chroma_first_query_ms"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    keyword.query(kb.id, texts[0], CANDIDATES)
    once["keyword_first_query_incl_build_ms"] = (time.perf_counter() - t) * 1000
    once = {k: round(v, 1) for k, v in once.items()}
    print(f"Chroma opened in {once['chroma_open_ms']:.0f} ms, first query {once['chroma_first_query_ms']:.0f} ms; "
          f"keyword index built from kb_chunks in {once['keyword_first_query_incl_build_ms'] / 1000:.1f} s",
          flush=True)

    timings: dict[str, list[float]] = {"vector": [], "keyword": [], "keyword (Chinese)": [], "keyword (English)": [],
                                       "hybrid": [], "rerank stage": []}
    hybrid = given_vector_retrieval(store, vectors, keyword, None, None)
    found_sizes, candidates_text = [], []
    for i, (text, vec) in enumerate(zip(texts, qvectors, strict=True)):
        t = time.perf_counter()
        vectors.query(kb, vec, CANDIDATES)
        v_s = time.perf_counter() - t
        t = time.perf_counter()
        keyword.query(kb.id, text, CANDIDATES)
        k_s = time.perf_counter() - t
        hybrid.vector = vec
        t = time.perf_counter()
        hits = await hybrid.search([kb], text, k=CANDIDATES, rerank=False)
        h_s = time.perf_counter() - t
        reranked = await hybrid.search([kb], text, k=8)
        if i < WARMUP:
            continue
        timings["vector"].append(v_s)
        timings["keyword"].append(k_s)
        timings["keyword (Chinese)" if i % 2 == 0 else "keyword (English)"].append(k_s)
        timings["hybrid"].append(h_s)
        timings["rerank stage"].append(reranked.timings["rerank"] / 1000)
        found_sizes.append(len(hits))
        if len(candidates_text) < args.model_queries + WARMUP // 4:
            candidates_text.append((text, [h.chunk.text for h in hits]))
    print("in-process retrieval measured", flush=True)

    gw, url = start_embedded_gateway(tmp, args.launch)
    model: dict[str, list[float]] = {"query embedding (/v1/embeddings)": [],
                                     "end to end (embed + hybrid + rerank)": []}
    try:
        client = UserClients(f"{url}/v1", lambda _user: MASTER_KEY)("u-bench")     # a user's client, as the app keeps
        full = KBRetriever(store, vectors, keyword, client)
        for i, (text, _docs) in enumerate(candidates_text):
            t = time.perf_counter()
            await embed(client, EMBEDDING, [text])
            e_s = time.perf_counter() - t
            t = time.perf_counter()
            hits = await full.search([kb], text, k=8)
            f_s = time.perf_counter() - t
            if not hits.reranked:
                raise RuntimeError("end-to-end search was not reranked")
            if i < WARMUP // 4:
                continue
            model["query embedding (/v1/embeddings)"].append(e_s)
            model["end to end (embed + hybrid + rerank)"].append(f_s)
    finally:
        gw.stop()
        vectors.close()
        store.close()

    results = {name: summary_ms(values) for name, values in {**timings, **model}.items()}
    return {"machine": machine(), "fixture": manifest, "once": once, "candidates": CANDIDATES,
            "hybrid_hits_mean": round(sum(found_sizes) / len(found_sizes), 1), "latency": results,
            "target_p95_ms": 50, "target_met": results["hybrid"]["p95_ms"] <= 50}


def print_result(r: dict) -> None:
    f = r["fixture"]
    print(f"\n{f['chunks']:,} chunks in {f['documents']} documents ({f['chinese_documents']} Chinese), "
          f"{f['vectors']:,} vectors of {f['dim']} dimensions; {r['candidates']} candidates per method")
    print(f"{'what':<40}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, s in r["latency"].items():
        print(f"{name:<40}{s['n']:>5}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['max_ms']:>9.1f}")
    print(f"once: {r['once']}")
    print(f"target: hybrid retrieval p95 <= 50 ms: {'met' if r['target_met'] else 'MISSED'} "
          f"({r['latency']['hybrid']['p95_ms']} ms)")


def main(argv: list[str] | None = None) -> int:
    import tempfile

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chunks", type=int, default=100_000)
    p.add_argument("--documents", type=int, default=1000)
    p.add_argument("--queries", type=int, default=300, help="queries for the in-process measurements")
    p.add_argument("--model-queries", type=int, default=60, help="queries for the embedding/rerank/end-to-end calls")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--rebuild", action="store_true", help="build the fixture again")
    p.add_argument("--build-only", action="store_true")
    common_args(p, "kb_latency")
    args = p.parse_args(argv)
    fixture = cache_dir(args.chunks)
    manifest_file = fixture / "fixture.json"
    if args.rebuild or not manifest_file.is_file():
        manifest = build_fixture(fixture, args.chunks, args.documents, args.seed)
    else:
        manifest = json.loads(manifest_file.read_text())
        print(f"reusing the fixture in {fixture} (built in {manifest['build_seconds']} s)", flush=True)
    if args.build_only:
        return 0
    with tempfile.TemporaryDirectory(prefix="kb-latency-") as tmp:
        result = asyncio.run(measure(args, fixture, manifest, Path(tmp)))
    print_result(result)
    write_result("kb_latency", result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
