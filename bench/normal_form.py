"""What the text normal form costs: ``normal_form`` on long texts, and the one-time upgrade of a store's KB chunks.

    python bench/normal_form.py                 # 20,000 chunks for the upgrade
    python bench/normal_form.py --chunks 100000

1. ``normal_form`` on 2.7-4.9 M characters of Chinese (full-width punctuation; a Kangxi radical in every sentence)
   and English (ASCII; a ligature per sentence): the best of three runs.
2. The upgrade (store migration 5, ``workbench.text_upgrade``): a store at version 3 with ``--chunks`` KB chunks of
   ~300 Chinese characters, one in four holding radicals, opened with the current code (the rewrite, jieba terms of
   the rewritten chunks, the list for re-embedding). Re-embedding is not timed here: it is ingestion's embedding
   path (bench/kb_ingest.py), for the rewritten chunks only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench import schema as store_module  # noqa: E402
from workbench.documents.normal_form import normal_form  # noqa: E402

ZH = "冬季户外作业人员每人发放防冻手套两副，高筒雨靴一双。手套破损的，可凭旧手套到安全部门更换！"
EN = "The rooftop colonies produced 42 kilograms of honey, sold at the winter fair. "


def speed() -> None:
    cases = (("Chinese, full-width punctuation", ZH), ("Chinese, a radical in every sentence", ZH.replace("手", "⼿")),
             ("English, ASCII", EN), ("English, a ligature per sentence", EN.replace("fair", "ﬁne fair")))
    for name, unit in cases:
        text, best = unit * 60000, float("inf")
        for _ in range(3):
            started = time.perf_counter()
            normal_form(text)
            best = min(best, time.perf_counter() - started)
        print(f"normal_form, {name}: {len(text) / 1e6:.1f} M characters in {best * 1000:.0f} ms "
              f"({len(text) / best / 1e6:.1f} M characters/s)")


def upgrade(chunks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "workbench.duckdb"
        migrations = store_module.MIGRATIONS
        store_module.MIGRATIONS = migrations[:3]
        store = store_module.open_store(path)
        store_module.MIGRATIONS = migrations
        text = (ZH * 7)[:300]
        rows = [(f"c{i}", "kb", f"d{i // 50}", i % 50, text.replace("手", "⼿") if i % 4 == 0 else text, 1, 1,
                 None, 300, "") for i in range(chunks)]
        cur = store.cursor()
        cur.execute("INSERT INTO knowledge_bases VALUES ('kb', 't', 'KB', '', 'm', 300, 40, FALSE, 'u', ?, ?)",
                    [datetime(2026, 1, 1), datetime(2026, 1, 1)])
        cur.executemany("INSERT INTO kb_chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        store.close()
        started = time.perf_counter()
        store = store_module.open_store(path)
        took = time.perf_counter() - started
        listed = store.cursor().execute("SELECT count(*) FROM kb_vector_updates").fetchone()[0]
        store.close()
        print(f"upgrade: {chunks:,} KB chunks read, {listed:,} rewritten and listed for re-embedding in {took:.1f} s "
              f"({chunks / took:,.0f} chunks/s read)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20000)
    args = parser.parse_args()
    speed()
    upgrade(args.chunks)


if __name__ == "__main__":
    main()
