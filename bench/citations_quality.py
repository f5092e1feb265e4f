"""Citation quality of chat answers over attached documents: how often a citation points at the gold passage, with
the model's own [n] ("before") and after ``workbench.citations`` checked and added them ("after"), end to end on the
real embedded model.

    python bench/citations_quality.py                  # ~10-20 min: launch.py with its embedded models, 40 questions
    python bench/citations_quality.py --url http://127.0.0.1:7860   # a gateway already running (MAAS_MASTER_KEY)
    python bench/citations_quality.py --rescore --sweep   # re-decide the saved scores (--threshold, --min-shared)

Set: bench/data/citations/set.json — four PDFs written for this bench (two English, two Chinese, six pages each;
neighbouring pages hold facts of the same kind, so a wrong page is easy to cite) and 40 questions, each with its
gold page and a phrase only the gold passage holds. For each question, as the chat does it: a fresh conversation
with the PDF attached (``Attachments.add``: parsed, chunked, stored), its numbered passages from ``Retriever.context``
(the whole document fits the embedded model's window: every page, one or more passages each), the answer streamed
by ``ChatEngine.send`` from the embedded Qwen2.5-Coder-0.5B (temperature 0, at most 128 tokens) through the gateway,
and the sources kept by ``Citer`` (sentences aligned with the passages: USE v3 embeddings through /v1/embeddings
plus shared rare words).

Figures (over all answers):
* citation precision — of the citations an answer carries, the share that point at a gold passage (a passage
  holding the gold phrase); "page precision": at a passage on the gold page
* coverage — the share of answers with at least one citation of a gold passage
* "before": every [n] the model wrote that names a passage; "after": the model's [n] the check kept (or could not
  check: on a sentence too short) plus the added ones (a doubtful [n] is shown flagged and does not count)
* false-cited — the share of the 8 unanswerable questions whose (invented) answer got a citation
The scores of every sentence against every passage are saved, so ``--rescore`` re-decides them with other
thresholds without the model; ``--sweep`` prints the figures over a grid of ``threshold`` x ``min_shared``, on the
odd- and the even-numbered questions apart. Writes bench/results/citations_quality.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.kb_common import EMBEDDING, RESULTS, USER, common_args, machine, start_embedded_gateway  # noqa: E402

SET = BENCH / "data" / "citations" / "set.json"
NAME = "citations_quality"
CHAT = "qwen2.5-coder:0.5b"


def pdf(document: dict) -> bytes:
    from tests.fakes.docs import chinese_pdf_file, pdf_file

    make = chinese_pdf_file if document["lang"] == "zh" else pdf_file
    return make(document["pages"], title=document["title"])


async def answer_all(url: str, key: str, data: dict, max_tokens: int) -> list[dict]:
    """Every question answered as the chat answers it; per answer what the figures need."""
    import openai

    from workbench.attachments import Attachments
    from workbench.chat import ChatEngine, ContentDelta, Done, Error
    from workbench.citations import Cited, Citer, marks
    from workbench.conversations import Conversations
    from workbench.embeddings import embed
    from workbench.retrieval import Retriever, document_budget
    from workbench.schema import open_store
    from workbench.store import store_path

    files = {d["name"]: pdf(d) for d in data["documents"]}
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(store_path(Path(tmp)))
        convs = Conversations(store)
        attachments = Attachments(store, convs)
        client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=900)
        engine = ChatEngine(convs, "", "", client=client)
        window = await engine.context_length(CHAT)
        try:
            for n, q in enumerate(data["questions"], start=1):
                conv = convs.create(USER, model=CHAT, temperature=0, max_tokens=max_tokens)
                await asyncio.to_thread(attachments.add, USER, conv.id, q["document"], files[q["document"]],
                                        max_bytes=20 * 2**20)
                found = await Retriever(attachments, client, EMBEDDING).context(
                    USER, conv.id, q["q"], budget_tokens=document_budget(window, max_tokens=max_tokens))
                cited = [Cited(d.index, d.text, d.saved(), always=False, vector=found.vectors.get(d.index))
                         for d in found.sources]
                citer = Citer(cited, embed=lambda texts: embed(client, EMBEDDING, texts))
                started = time.monotonic()
                events = []
                async with contextlib.aclosing(engine.send(USER, conv.id, q["q"], context=found.blocks,
                                                           citer=citer)) as stream:
                    async for event in stream:
                        events.append(event)
                took = time.monotonic() - started
                if isinstance(events[-1], Error):
                    raise RuntimeError(f"question {n} failed: {events[-1].message}")
                assert isinstance(events[-1], Done)
                text = "".join(e.text for e in events if isinstance(e, ContentDelta))
                clock = time.monotonic()
                alignment = await citer.align(text)
                align_ms = (time.monotonic() - clock) * 1000
                sources = {d.index: d for d in found.sources}
                gold = [i for i, d in sources.items() if q["gold"] and q["gold"] in d.text]
                records.append({
                    "n": n, "document": q["document"], "question": q["q"], "lang": data_lang(data, q),
                    "mode": found.mode, "passages": len(sources), "gold_page": q["page"], "gold": gold,
                    "pages": {str(i): d.first_page for i, d in sources.items()}, "answer": text,
                    "answerable": q["gold"] is not None,
                    "correct": bool(q["answer"]) and any(a in text for a in q["answer"].split("|")),
                    "answer_s": round(took, 1), "align_ms": round(align_ms, 1),
                    "sentences": [{"text": s.text, "marks": [m for _, m in s.marks]} for s in alignment.sentences],
                    "scored": alignment.scored, "columns": alignment.columns,
                    "marks": [m for _, m in marks(text)], "scores": np.round(alignment.scores, 4).tolist(),
                    "lexical": np.round(alignment.lexical, 4).tolist(), "clause_of": alignment.clauses,
                    "clause_scores": np.round(alignment.clause_scores, 4).tolist(),
                    "clause_lexical": np.round(alignment.clause_lexical, 4).tolist()})
                print(f"{n:2d} [{found.mode}, {len(sources)} passages, gold {gold}] {took:5.1f} s  {text!r}",
                      flush=True)
        finally:
            await client.close()
            store.close()
    return records


def data_lang(data: dict, q: dict) -> str:
    return next(d["lang"] for d in data["documents"] if d["name"] == q["document"])


def links_of(record: dict, threshold: float, doubt: float, min_shared: float) -> list:
    """The alignment's decision from the saved scores (``workbench.citations.decide``)."""
    from workbench.citations import Sentence, decide

    sentences = [Sentence(0, 0, s["text"], tuple((0, m) for m in s["marks"])) for s in record["sentences"]]
    width = len(record["columns"])

    def matrix(name: str, rows: int) -> np.ndarray:
        return np.array(record[name], dtype=np.float32).reshape(rows, width)

    clauses = len(record["clause_of"])
    return decide(sentences, record["scored"], matrix("scores", len(sentences)), record["columns"],
                  threshold=threshold, doubt=doubt, min_shared=min_shared,
                  lexical=matrix("lexical", len(sentences)), clause_of=record["clause_of"],
                  clause_scores=matrix("clause_scores", clauses), clause_lexical=matrix("clause_lexical", clauses))


def _cites(record: dict, label: str, rule: tuple) -> list[int]:
    """The passages an answer cites: every [n] the model wrote ("before"), or what the check kept and added."""
    valid = set(record["columns"])
    if label == "before":
        return [m for m in record["marks"] if m in valid]
    checked = Counter(m for i in record["scored"] for m in record["sentences"][i]["marks"])
    unchecked = Counter(m for m in record["marks"] if m in valid) - checked      # on a sentence too short to check
    return [link.index for link in links_of(record, *rule) if link.kind != "doubtful"] + list(unchecked.elements())


def figures(records: list[dict], *rule: float) -> dict:
    """Precision (passage and page), coverage and counts, before and after, over the answerable questions; and the
    share of answers to unanswerable ones that carry a citation ("false_cited")."""
    out = {}
    unanswerable = [r for r in records if not r.get("answerable", True)]
    records = [r for r in records if r.get("answerable", True)]
    for label in ("before", "after"):
        total = gold = page = covered = any_cited = 0
        for r in records:
            cites = _cites(r, label, rule)
            total += len(cites)
            gold += sum(c in r["gold"] for c in cites)
            page += sum(r["pages"].get(str(c)) == r["gold_page"] for c in cites)
            covered += any(c in r["gold"] for c in cites)
            any_cited += bool(cites)
        false = sum(bool(_cites(r, label, rule)) for r in unanswerable)
        out[label] = {"citations": total, "precision": round(gold / total, 3) if total else None,
                      "page_precision": round(page / total, 3) if total else None,
                      "coverage": round(covered / len(records), 3) if records else None,
                      "answers_citing": any_cited, "unanswerable": len(unanswerable),
                      "false_cited": round(false / len(unanswerable), 3) if unanswerable else None}
    flagged = [(r, link) for r in records for link in links_of(r, *rule) if link.kind == "doubtful"]
    out["doubtful"] = {"flagged": len(flagged), "not_gold": sum(link.index not in r["gold"] for r, link in flagged)}
    added = [(r, link) for r in records for link in links_of(r, *rule) if link.kind == "added"]
    out["added"] = {"count": len(added), "gold": sum(link.index in r["gold"] for r, link in added)}
    return out


def mark_check(records: list[dict], *rule: float) -> dict:
    """The model writes almost no [n] here, so its marks are simulated on the saved scores: on each checked sentence
    of a correct answer, a mark of the gold passage should be kept, a mark of any other passage flagged."""
    import copy

    right = wrong = right_kept = wrong_flagged = 0
    for r in records:
        if not r.get("correct"):
            continue
        for i in r["scored"]:
            for n in r["columns"]:
                marked = copy.deepcopy(r)
                marked["sentences"][i]["marks"] = [n]
                kinds = {link.index: link.kind for link in links_of(marked, *rule) if link.sentence == i}
                if n in r["gold"]:
                    right += 1
                    right_kept += kinds.get(n) == "model"
                else:
                    wrong += 1
                    wrong_flagged += kinds.get(n) == "doubtful"
    return {"right_marks": right, "right_kept": round(right_kept / right, 3) if right else None,
            "wrong_marks": wrong, "wrong_flagged": round(wrong_flagged / wrong, 3) if wrong else None}


def sweep(records: list[dict], doubt: float) -> list[dict]:
    """Precision, coverage and false-cited share over thresholds and least shared rare words, on the odd- and the
    even-numbered questions apart."""
    rows = []
    for min_shared in (0.0, 0.3, 0.5, 0.6):
        for threshold in np.arange(0.30, 1.01, 0.1):
            row = {"threshold": round(float(threshold), 2), "min_shared": min_shared}
            for part, chosen in (("odd", [r for r in records if r["n"] % 2]),
                                 ("even", [r for r in records if not r["n"] % 2])):
                f = figures(chosen, float(threshold), doubt, min_shared)["after"]
                row[part] = (f["precision"], f["coverage"], f["false_cited"])
            rows.append(row)
    return rows


def report(records: list[dict], threshold: float, doubt: float, min_shared: float) -> dict:
    rule = (threshold, doubt, min_shared)
    f = figures(records, *rule)
    by_lang = {lang: figures([r for r in records if r["lang"] == lang], *rule) for lang in ("en", "zh")}
    answerable = [r for r in records if r.get("answerable", True)]
    correct = [r for r in answerable if r["correct"]]
    result = {"threshold": threshold, "doubt": doubt, "min_shared": min_shared, "answers": len(records),
              "answerable": len(answerable), "correct_answers": len(correct), "all": f,
              "correct_only": figures(correct, *rule), "simulated_marks": mark_check(records, *rule),
              "by_language": by_lang,
              "align_ms_p50": float(np.median([r["align_ms"] for r in records])) if records else None,
              "answer_s_p50": float(np.median([r["answer_s"] for r in records])) if records else None}
    for label in ("before", "after"):
        x = f[label]
        print(f"{label:6s}: {x['citations']:3d} citations, precision {x['precision']}, page precision "
              f"{x['page_precision']}, coverage {x['coverage']} ({x['answers_citing']} answers cite); "
              f"unanswerable questions answered with a citation: {x['false_cited']}")
    print(f"added {f['added']['count']} ({f['added']['gold']} gold); doubtful flagged {f['doubtful']['flagged']} "
          f"({f['doubtful']['not_gold']} not gold); correct answers {len(correct)}/{len(answerable)}; "
          f"alignment p50 {result['align_ms_p50']} ms")
    m = result["simulated_marks"]
    print(f"simulated model marks on correct answers: gold kept {m['right_kept']} of {m['right_marks']}, "
          f"another passage flagged {m['wrong_flagged']} of {m['wrong_marks']}")
    return result


def main() -> int:
    from workbench.citations import DOUBT, MIN_SHARED, THRESHOLD

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser, NAME)
    parser.add_argument("--url", help="a running gateway (its /v1 with MAAS_MASTER_KEY) instead of starting one")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--questions", type=int, help="only the first N questions")
    parser.add_argument("--rescore", action="store_true", help="re-decide the saved answers (no model)")
    parser.add_argument("--sweep", action="store_true", help="precision/coverage over thresholds (odd/even halves)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--doubt", type=float, default=DOUBT)
    parser.add_argument("--min-shared", type=float, default=MIN_SHARED)
    args = parser.parse_args()
    data = json.loads(SET.read_text(encoding="utf-8"))
    if args.questions:
        data["questions"] = data["questions"][: args.questions]
    saved = RESULTS / f"{NAME}.json"
    if args.rescore:
        previous = json.loads(saved.read_text(encoding="utf-8"))
        records = previous["records"]
        env = previous.get("machine", {})
    else:
        env = machine()
        if args.url:
            records = asyncio.run(answer_all(args.url.rstrip("/"), os.environ["MAAS_MASTER_KEY"], data,
                                             args.max_tokens))
        else:
            from bench.run_gateway import MASTER_KEY

            with tempfile.TemporaryDirectory() as tmp:
                gw, url = start_embedded_gateway(Path(tmp), args.launch)
                try:
                    records = asyncio.run(answer_all(url, MASTER_KEY, data, args.max_tokens))
                finally:
                    gw.stop()
    result = {"machine": env, **report(records, args.threshold, args.doubt, args.min_shared), "records": records}
    if args.sweep:
        result["sweep"] = sweep(records, args.doubt)
        for row in result["sweep"]:
            print(f"threshold {row['threshold']:.2f}, shared >= {row['min_shared']}: precision/coverage/false-cited "
                  f"on odd {row['odd']}, on even {row['even']}")
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        saved.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
