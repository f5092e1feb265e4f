"""Paper deep-reading: structure from the PDF, references, reading order, OCR, and the embedded model's readings.

    python bench/papers.py              # parsing figures (no model), ~1 minute on two cores
    python bench/papers.py --read       # and the embedded 0.5B model's Chinese readings (~10 minutes)

The set: the generated test papers (tests/fakes/paper_pdfs.py: two columns with a table and figures, author-year,
Chinese) and two papers whose words mean something (tests/fakes/real_papers.py), each with a scanned page
(an image of a known sentence, no text layer), plus one page drawn row by row across its two columns
(tests/fakes/docs.py), which is what separates a reading order by layout from pypdf's stream order.

- sections: precision and recall of the headings found (number, title, page all exact) against the truth;
- references: fields exact (authors, title, year, venue, DOI, arXiv id, label) on bench/data/paper_references.py,
  entries written after the parser and never used to tune it (the tests' table, which it was tuned on, apart);
- reading order: errors (``workbench.documents.layout.reading_order_errors``: adjacent sentences out of order, and
  each one missing) of our layout and of pypdf's stream order, on the same pages;
- OCR: character accuracy (1 - edit distance / length) of each scanned page's sentence;
- parse time: ``structure()`` wall time per 10 pages (text pages; scanned pages apart: OCR per page);
- --read: each real paper read in Chinese by the embedded model through the gateway (``Reader``): statements, share
  verified, quotes the model copied that the code found on a page, calls, and seconds per 10 pages.
Results: bench/results/papers.json, the table in bench/README.md between the papers markers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.data.paper_references import ENTRIES  # noqa: E402
from tests.fakes import docs, paper_pdfs, real_papers  # noqa: E402
from tests.fakes.reference_entries import ENTRIES as TUNED  # noqa: E402
from tests.fakes.reference_entries import FIELDS  # noqa: E402
from tests.fakes.scans import char_accuracy  # noqa: E402

RESULT = ROOT / "bench" / "results" / "papers.json"
README = ROOT / "bench" / "README.md"
MODEL = "qwen2.5-coder:0.5b"
SCANNED = "This appendix page was scanned from the printed copy of the paper."
PAPERS = {"two_column": paper_pdfs.two_column_paper, "author_year": paper_pdfs.author_year_paper,
          "chinese": paper_pdfs.chinese_paper, "lightretriever": real_papers.lightretriever,
          "tinytranslate": real_papers.tinytranslate}


def sections(structures: dict) -> dict:
    """Headings found (number, title, page) against the truth: precision, recall."""
    found = expected = right = 0
    for paper, truth in structures.values():
        got = {(s.number, s.title, s.page) for s in paper.sections}
        want = {(h.number, h.title, h.page) for h in truth.headings}
        found, expected, right = found + len(got), expected + len(want), right + len(got & want)
    return {"found": found, "expected": expected, "right": right, "precision": round(right / found, 4),
            "recall": round(right / expected, 4)}


def references() -> dict:
    from workbench.papers.references import parse_reference

    def score(entries: list[dict]) -> dict:
        right = exact = 0
        for n, entry in enumerate(entries, 1):
            parsed = parse_reference(entry["raw"], n)
            hits = sum(getattr(parsed, f) == (tuple(entry[f]) if f == "authors" else entry[f]) for f in FIELDS)
            right, exact = right + hits, exact + (hits == len(FIELDS))
        return {"entries": len(entries), "fields": len(entries) * len(FIELDS), "fields_right": right,
                "field_accuracy": round(right / (len(entries) * len(FIELDS)), 4), "entries_exact": exact}

    return {"held_out": score(ENTRIES), "tuned_on": score(TUNED)}


def reading_order(structures: dict) -> dict:
    from workbench.documents.layout import reading_order_errors
    from workbench.documents.parser import parse

    ours = stream = pairs = 0
    for name, (paper, truth) in structures.items():
        if name == "chinese" or not truth.all_markers:
            continue
        data = PAPERS[name]()[0]
        text_ours = "\n".join(p.text for p in paper.pages)
        text_stream = parse(data, "p.pdf", max_bytes=1 << 26).text
        ours += reading_order_errors(truth.all_markers, text_ours)
        stream += reading_order_errors(truth.all_markers, text_stream)
        pairs += len(truth.all_markers)
    left = [f"Left sentence {n} of the first column." for n in range(1, 21)]
    right = [f"Right sentence {n} of the second column." for n in range(1, 21)]
    page = docs.two_column_pdf_file(left, right, row_by_row=True)
    from workbench.papers.structure import structure

    row_ours = reading_order_errors(left + right, structure(page, "rows.pdf").pages[0].text)
    row_stream = reading_order_errors(left + right, parse(page, "rows.pdf", max_bytes=1 << 26).text)
    return {"generated_sentences": pairs, "generated_errors_layout": ours, "generated_errors_pypdf": stream,
            "row_by_row_sentences": 40, "row_by_row_errors_layout": row_ours, "row_by_row_errors_pypdf": row_stream}


def parse_all() -> tuple[dict, dict, dict]:
    """Every paper parsed (with its scanned page read by OCR): structures, OCR accuracy, seconds."""
    from workbench.documents.ocr import engine, recognise
    from workbench.papers.structure import structure

    engine()                                                            # warm, as in the parse worker
    structures, ocr, times = {}, {}, {"text_pages": 0, "text_seconds": 0.0, "ocr_pages": 0, "ocr_seconds": 0.0}
    for name, make in PAPERS.items():
        plain, truth = make()
        start = time.perf_counter()
        structures[name] = (structure(plain, f"{name}.pdf"), truth)
        times["text_seconds"] += time.perf_counter() - start
        times["text_pages"] += truth.pages
        scanned, scanned_truth = make(scanned=SCANNED)
        start = time.perf_counter()
        paper = structure(scanned, f"{name}.pdf", ocr=recognise)
        ocr_seconds = time.perf_counter() - start - times["text_seconds"] / max(1, times["text_pages"]) * truth.pages
        times["ocr_seconds"] += ocr_seconds
        times["ocr_pages"] += 1
        ocr[name] = round(char_accuracy(SCANNED, " ".join(paper.page(scanned_truth.pages).text.split())), 4)
    times["seconds_per_10_text_pages"] = round(times["text_seconds"] / times["text_pages"] * 10, 2)
    times["seconds_per_ocr_page"] = round(times["ocr_seconds"] / times["ocr_pages"], 2)
    return structures, {"pages": ocr, "mean": round(statistics.mean(ocr.values()), 4)}, times


def read_with_model(structures: dict) -> dict:
    """The real papers read in Chinese by the embedded model behind a gateway started here."""
    import tempfile

    import openai

    from bench.kb_common import start_embedded_gateway
    from bench.run_gateway import MASTER_KEY
    from workbench.chat import context_length
    from workbench.papers.reading import Reader

    out = {}
    with tempfile.TemporaryDirectory(prefix="maas-bench-papers-") as tmp:
        gw, url = start_embedded_gateway(Path(tmp))
        try:
            for name in ("lightretriever", "tinytranslate"):
                paper, truth = structures[name]

                async def read(paper=paper):
                    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=900)

                    async def complete(prompt: str, max_tokens: int) -> str:
                        reply = await client.chat.completions.create(
                            model=MODEL, messages=[{"role": "user", "content": prompt}], temperature=0,
                            max_tokens=max_tokens)
                        return reply.choices[0].message.content or ""

                    window = await context_length(client, MODEL, {})
                    last = None
                    async for event in Reader(complete, window=window).read(paper, lang="zh"):
                        last = event
                    await client.close()
                    return last

                start = time.perf_counter()
                reading = asyncio.run(read())
                seconds = time.perf_counter() - start
                out[name] = {"pages": truth.pages, "statements": len(reading.statements),
                             "questions": len(reading.questions), "verified": reading.verified,
                             "shown": reading.shown,
                             "verified_share": round(reading.verified / max(1, reading.shown), 3),
                             "quotes_found": reading.quotes_found, "quotes_asked": reading.quotes_asked,
                             "quote_rate": round(reading.quotes_found / max(1, reading.quotes_asked), 3),
                             "calls": reading.calls, "seconds": round(seconds, 1),
                             "seconds_per_10_pages": round(seconds / truth.pages * 10, 1),
                             "sample": [{"aspect": s.aspect, "page": s.page, "point": s.point, "quote": s.quote,
                                         "verified": s.verified, "note": s.note} for s in reading.statements[:6]]}
                print(json.dumps({k: v for k, v in out[name].items() if k != "sample"}), flush=True)
        finally:
            gw.stop()
    return out


def table(result: dict) -> str:
    s, r, o, t, ocr = (result["sections"], result["references"], result["reading_order"], result["times"],
                       result["ocr"])
    lines = ["| measure | value |", "|---|---|",
             f"| sections: precision / recall (number, title, page exact) | {s['precision']:.3f} / {s['recall']:.3f} "
             f"({s['right']} of {s['expected']}) |",
             f"| references, held-out: fields exact | {r['held_out']['field_accuracy']:.3f} "
             f"({r['held_out']['fields_right']} of {r['held_out']['fields']}; {r['held_out']['entries_exact']} of "
             f"{r['held_out']['entries']} entries whole) |",
             f"| references, the tests' table (tuned on it) | {r['tuned_on']['field_accuracy']:.3f} |",
             f"| reading order, row-by-row two-column page: errors layout / pypdf | {o['row_by_row_errors_layout']} / "
             f"{o['row_by_row_errors_pypdf']} (of {o['row_by_row_sentences']} sentences) |",
             f"| reading order, generated two-column papers: errors layout / pypdf | {o['generated_errors_layout']} / "
             f"{o['generated_errors_pypdf']} (of {o['generated_sentences']}) |",
             f"| OCR character accuracy, scanned pages | {ocr['mean']:.4f} |",
             f"| parse: seconds per 10 text pages / per OCR page | {t['seconds_per_10_text_pages']} / "
             f"{t['seconds_per_ocr_page']} |"]
    for name, row in result.get("readings", {}).items():
        lines.append(f"| reading {name} ({row['pages']} p.) in Chinese, embedded 0.5B: statements verified / quotes "
                     f"found of copied / calls / s per 10 pages | {row['verified']} of {row['shown']} / "
                     f"{row['quotes_found']} of {row['quotes_asked']} ({row['quote_rate']:.0%}) / {row['calls']} / "
                     f"{row['seconds_per_10_pages']} |")
    return "\n".join(lines)


def write(result: dict) -> None:
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    begin, end = "<!-- papers:begin -->", "<!-- papers:end -->"
    block = f"{begin}\n{table(result)}\n{end}"
    if begin in text:
        text = text.split(begin)[0] + block + text.split(end, 1)[1]
    else:
        text += f"\n## Papers (bench/papers.py)\n\n{block}\n"
    README.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--read", action="store_true", help="also read the real papers with the embedded model")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    structures, ocr, times = parse_all()
    result = {"sections": sections(structures), "references": references(), "reading_order": reading_order(structures),
              "ocr": ocr, "times": times, "command": "python bench/papers.py " + " ".join(sys.argv[1:])}
    if args.read:
        result["readings"] = read_with_model(structures)
    elif RESULT.exists():                               # the last readings stay until measured again
        result["readings"] = json.loads(RESULT.read_text(encoding="utf-8")).get("readings", {})
    print(table(result))
    if not args.no_write:
        write(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
