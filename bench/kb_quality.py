"""Knowledge-base retrieval quality on five question sets: BM25 alone, each embedding model alone, the hybrid stage,
the final system; nDCG@10 side by side in one run, paired-bootstrap intervals, latency per stage.

    python bench/kb_quality.py                       # ~40 min: 6 KBs ingested (two with e5), 5 sets
    python bench/kb_quality.py --queries 120         # a deterministic sample of each set's questions
    python bench/kb_quality.py --tune                # also grid-search the rerank stage's keyword shares

Sets (bench/data/*/README.md for sources, licences and how the judgments are made):

* ``faq-en``        English questions -> English answers: Swedish Construction FAQ (CC BY 4.0), 503 answers
* ``debian-zh``     Chinese -> Chinese: the Debian Reference (GPL-2+) in zh-cn, 376 sections; 485 questions
                    (197 from section titles, 288 written for the set), each with one gold section
* ``debian-en``     English -> English: the same sections and questions in English
* ``debian-zh-en``  Chinese questions -> the English sections: the cross-lingual case (a Chinese researcher,
                    English papers)
* ``debian-en-zh``  English questions -> the Chinese sections

Each corpus is uploaded through ``KnowledgeService.upload`` (one .txt per answer / section) into two KBs, one per
embedded embedding model (USE v3, multilingual-e5-small), and ingested by the real worker against ``python
launch.py`` on a temp data dir. Methods, per question:

* ``bm25``           ``KeywordIndex.query`` (jieba / English words)
* ``use``, ``e5``    ``VectorStore.query`` of that model's KB, the question embedded through /v1/embeddings
                     (e5 with its "query: " prefix)
* ``hybrid``         ``KBRetriever.search(rerank=False)`` on the USE KB: RRF of the two lists
* ``final (use)``    ``KnowledgeService.search`` on the USE KB, as the chat and /kb/v1 call it (rerank stage,
                     translation across languages by the embedded chat model)
* ``final (e5)``     the same on the e5 KB
* ``final (use), no translation``  the rerank stage alone, to show what translation adds

nDCG@10 at document level (a document's rank is its first chunk's), linear gains; recall@10. ``--tune`` records
each final search's candidates and features and grid-searches the keyword shares of ``workbench.kb.rank`` on the
odd-numbered questions of all sets, reporting the even-numbered (held-out) ones too. Writes
bench/results/kb_quality.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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
    E5,
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

FAQ = BENCH / "data" / "swedish-construction-faq" / "faq-en.jsonl"
DEBIAN = BENCH / "data" / "debian-reference-bilingual"
K = 10
SETS = ("faq-en", "debian-zh", "debian-en", "debian-zh-en", "debian-en-zh")
MODELS = {"use": EMBEDDING, "e5": E5}


def corpora() -> dict[str, dict[str, str]]:
    """Corpus name -> {document id: text}."""
    faq = {}
    for line in FAQ.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            faq[row["id"]] = row["a"]
    passages = [json.loads(line) for line in (DEBIAN / "passages.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    return {"faq-en": faq, "debian-en": {p["id"]: p["en"] for p in passages},
            "debian-zh": {p["id"]: p["zh"] for p in passages}}


def question_sets() -> dict[str, tuple[str, list[tuple[str, set[str]]]]]:
    """Set name -> (its corpus, [(question, gold document ids)])."""
    faq: dict[str, set[str]] = {}
    for line in FAQ.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            faq.setdefault(row["q"].strip(), set()).add(row["id"])
    rows = [json.loads(line) for line in (DEBIAN / "queries.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    zh = [(r["zh"], set(r["gold"])) for r in rows]
    en = [(r["en"], set(r["gold"])) for r in rows]
    return {"faq-en": ("faq-en", sorted(faq.items())), "debian-zh": ("debian-zh", zh),
            "debian-en": ("debian-en", en), "debian-zh-en": ("debian-en", zh), "debian-en-zh": ("debian-zh", en)}


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
    """95% interval of mean(a - b) over questions, resampling questions."""
    rng = random.Random(seed)
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


class Recorder:
    """Captures what the rerank stage blends (``--tune``): the last search's candidates, features and languages."""

    def __init__(self) -> None:
        self.last: tuple[list[str], list, list[str]] | None = None

    def install(self) -> None:
        from workbench.kb import retrieve

        original = retrieve.KBRetriever._blend

        def recording(retriever, ordered, variants, languages):
            original(retriever, ordered, variants, languages)
            self.last = ([c.chunk_id for c in ordered], retriever.last_features, list(languages))

        retrieve.KBRetriever._blend = recording


async def ingest(service, corpus: str, texts: dict[str, str], model: str):
    kb = new_kb(service, f"{corpus} {model}", model=model)
    t = time.monotonic()
    service.upload(USER, kb.id, [(f"{doc_id}.txt", text.encode()) for doc_id, text in texts.items()])
    docs = await wait_ingested(service, kb.id, len(texts))
    seconds = time.monotonic() - t
    name_of = {d.id: d.name.removesuffix(".txt") for d in docs}
    rows = service.store.cursor().execute("SELECT id, document_id FROM kb_chunks WHERE kb_id = ?", [kb.id]).fetchall()
    chunks = len(rows)
    print(f"  {corpus} / {model}: {len(docs)} documents, {chunks} chunks in {seconds:.1f} s "
          f"({chunks / seconds:.1f} chunks/s)", flush=True)
    service.keyword.warm(kb.id)
    return kb, {cid: name_of[did] for cid, did in rows}, {"seconds": round(seconds, 1), "chunks": chunks}


async def evaluate(args, tmp: Path) -> dict:
    from workbench.embeddings import embed
    from workbench.kb.retrieve import KBRetriever

    texts = corpora()
    sets = {name: question_sets()[name] for name in args.sets}
    if args.queries:
        sets = {name: (corpus, sorted(random.Random(args.seed).sample(qs, min(args.queries, len(qs)))))
                for name, (corpus, qs) in sets.items()}
    recorder = Recorder()
    if args.tune:
        recorder.install()
    t = time.monotonic()
    gw, url = start_embedded_gateway(tmp, args.launch)
    print(f"gateway ready at {url} in {time.monotonic() - t:.1f} s", flush=True)
    service = open_service(tmp / "kb", url)
    result: dict = {"machine": machine(), "k": K, "ingest": {}, "sets": {}}
    tuning: list[dict] = []
    try:
        await service.start()
        kbs, doc_of = {}, {}
        for corpus in dict.fromkeys(corpus for corpus, _ in sets.values()):
            for short, model in MODELS.items():
                kb, chunk_docs, info = await ingest(service, corpus, texts[corpus], model)
                kbs[corpus, short], doc_of[corpus, short] = kb, chunk_docs
                result["ingest"][f"{corpus} {short}"] = info
        client = service.client_for(USER)
        hybrid = KBRetriever(service.store, service.vectors, service.keyword, client)
        untranslated = KBRetriever(service.store, service.vectors, service.keyword, client)
        for name, (corpus, questions) in sets.items():
            print(f"set {name}: {len(questions)} questions over {corpus}", flush=True)
            methods = ("bm25", "use", "e5", "hybrid (use)", "hybrid (e5)", "final (use)", "final (e5)",
                       "final (use), no translation")
            scores = {m: {"ndcg": [], "recall": []} for m in methods}
            stage_ms: dict[str, list[float]] = {}
            vectors = {short: await embed(client, model, [("query: " if short == "e5" else "") + q
                                                          for q, _ in questions]) for short, model in MODELS.items()}
            for i, (question, gold) in enumerate(questions):
                use_kb, e5_kb = kbs[corpus, "use"], kbs[corpus, "e5"]
                ranked = {"bm25": [c for c, _ in service.keyword.query(use_kb.id, question, K * 3)],
                          "use": [c for c, _ in service.vectors.query(use_kb, vectors["use"][i], K * 3)],
                          "e5": [c for c, _ in service.vectors.query(e5_kb, vectors["e5"][i], K * 3)],
                          "hybrid (use)": [h.chunk.id for h in await hybrid.search([use_kb], question, K,
                                                                                   rerank=False)],
                          "hybrid (e5)": [h.chunk.id for h in await hybrid.search([e5_kb], question, K,
                                                                                  rerank=False)]}
                for short, kb in (("use", use_kb), ("e5", e5_kb)):
                    hits = await service.search(USER, [kb.id], question, K)
                    ranked[f"final ({short})"] = [h.chunk.id for h in hits]
                    for stage, ms in hits.timings.items():
                        stage_ms.setdefault(f"{stage} ({short})", []).append(ms / 1000)
                    if args.tune and recorder.last is not None:
                        chunk_ids, features, languages = recorder.last
                        tuning.append({"set": name, "model": short, "i": i, "gold": gold, "features": features,
                                       "languages": languages, "docs": [doc_of[corpus, short].get(c)
                                                                        for c in chunk_ids]})
                        recorder.last = None
                ranked["final (use), no translation"] = [h.chunk.id for h in await untranslated.search([use_kb],
                                                                                                        question, K)]
                for method in methods:
                    of = doc_of[corpus, "e5" if method in ("e5", "hybrid (e5)", "final (e5)") else "use"]
                    found = documents_of(ranked[method], of)
                    scores[method]["ndcg"].append(ndcg(found, gold))
                    scores[method]["recall"].append(recall(found, gold))
                if (i + 1) % 100 == 0:
                    print(f"  {i + 1}/{len(questions)}", flush=True)
            table = {m: {"ndcg@10": sum(s["ndcg"]) / len(s["ndcg"]), "recall@10": sum(s["recall"]) / len(s["recall"])}
                     for m, s in scores.items()}
            compare = {}
            for final in ("final (use)", "final (e5)"):
                for part in ("bm25", "use", "e5"):
                    low, high = paired_bootstrap(scores[final]["ndcg"], scores[part]["ndcg"])
                    compare[f"{final} - {part}"] = {"mean": table[final]["ndcg@10"] - table[part]["ndcg@10"],
                                                    "ci95": [low, high]}
            result["sets"][name] = {"corpus": corpus, "questions": len(questions), "methods": table,
                                    "differences": compare, "stages": {s: summary_ms(v) for s, v in stage_ms.items()}}
            print_set(name, result["sets"][name])
    finally:
        await service.stop()
        service.store.close()
        gw.stop()
    if args.tune:
        import pickle

        (tmp.parent / "kb-quality-tuning.pkl").write_bytes(pickle.dumps(tuning))    # to tune again without a run
        result["tuning"] = tune(tuning)
    return result


def tune(records: list[dict]) -> dict:
    """Grid search of the keyword shares (same language zh, same language en, across), per embedding model, on the
    odd-numbered questions of every set; the best shares' nDCG@10 on those and on the even-numbered (held-out)
    ones, per set, beside the shares in workbench/kb/rank.py."""
    import numpy as np

    from workbench.kb.rank import Weights, blend

    def score(weights: Weights, subset: list[dict]) -> dict[str, float]:
        per_set: dict[str, list[float]] = {}
        for r in subset:
            order = np.argsort(-blend(r["features"], r["languages"], weights), kind="stable")
            ranked = list(dict.fromkeys(r["docs"][j] for j in order if r["docs"][j] is not None))
            per_set.setdefault(r["set"], []).append(ndcg(ranked, r["gold"]))
        return {name: sum(v) / len(v) for name, v in per_set.items()}

    def weights_of(zh: float, en: float, across: float) -> Weights:
        return Weights({("zh", "zh"): zh, ("en", "en"): en, ("zh", "en"): across, ("en", "zh"): across})

    out = {}
    for short, model in MODELS.items():
        mine = [r for r in records if r["model"] == short]
        train = [r for r in mine if r["i"] % 2 == 1]
        held = [r for r in mine if r["i"] % 2 == 0]
        steps = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        grid = itertools.product(steps, steps, steps[:6])
        best = max(grid, key=lambda g: (round(sum(score(weights_of(*g), train).values()), 6), -abs(g[0] - 0.5)))
        current = Weights.of(model)
        out[short] = {"best_shares": {"zh-zh": best[0], "en-en": best[1], "across": best[2]},
                      "current_shares": {f"{a}-{b}": v for (a, b), v in current.keyword.items()},
                      "train (odd)": {"best": score(weights_of(*best), train), "current": score(current, train)},
                      "held out (even)": {"best": score(weights_of(*best), held), "current": score(current, held)}}
    print("\ntuning of the keyword shares:", json.dumps(out, indent=1), flush=True)
    return out


def print_set(name: str, row: dict) -> None:
    print(f"\n{name}: {row['questions']} questions over {row['corpus']}, nDCG@10 / recall@10")
    for method, v in row["methods"].items():
        print(f"  {method:<30}{v['ndcg@10']:>8.4f}{v['recall@10']:>8.4f}")
    for pair, v in row["differences"].items():
        print(f"  {pair:<30}{v['mean']:>+8.4f}  95% CI [{v['ci95'][0]:+.4f}, {v['ci95'][1]:+.4f}]")
    print("  stage latency of the final searches: " + ", ".join(f"{s} p50 {v['p50_ms']:.1f} / p95 {v['p95_ms']:.1f} ms"
                                                          for s, v in row["stages"].items()), flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queries", type=int, default=0, help="a random sample of this many questions per set (0: all)")
    p.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tune", action="store_true", help="also grid-search the rerank stage's keyword shares")
    common_args(p, "kb_quality")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as tmp:
        result = asyncio.run(evaluate(args, Path(tmp)))
    write_result("kb_quality", result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
