"""The committed Debian Reference bilingual retrieval set is well formed (no Debian package needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "debian-reference-bilingual"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def passages() -> dict[str, dict]:
    rows = _jsonl("passages.jsonl")
    by_id = {p["id"]: p for p in rows}
    assert len(by_id) == len(rows), "duplicate passage ids"
    return by_id


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return _jsonl("queries.jsonl")


def test_passages_have_both_languages_and_zh_is_chinese(passages):
    assert 300 <= len(passages) <= 800
    for pid, p in passages.items():
        assert set(p) == {"id", "title_en", "title_zh", "en", "zh"}, pid
        assert p["en"].strip() and p["zh"].strip(), pid
        assert p["title_en"].strip() and p["title_zh"].strip(), pid
        assert HAN.search(p["zh"]), f"{pid}: zh body has no Han characters"
        assert len(p["en"]) <= 2500 and len(p["zh"]) <= 2500, pid


def test_every_gold_id_exists(passages, queries):
    assert len(queries) >= 300
    ids = [q["id"] for q in queries]
    assert len(set(ids)) == len(ids)
    for q in queries:
        assert q["kind"] in {"title", "question"}, q["id"]
        assert q["gold"] and all(g in passages for g in q["gold"]), q
        assert q["en"].strip() and HAN.search(q["zh"]), q["id"]


def test_enough_written_questions_spread_over_chapters(queries):
    written = [q for q in queries if q["kind"] == "question"]
    assert len(written) >= 150
    chapters = {g.split(".")[0] for q in written for g in q["gold"]}
    assert chapters >= {str(n) for n in range(1, 13)}


def test_no_title_query_is_verbatim_in_its_gold_passage(passages, queries):
    for q in queries:
        if q["kind"] != "title":
            continue
        for g in q["gold"]:
            p = passages[g]
            assert q["en"].casefold() not in p["en"].casefold(), q
            assert q["zh"].casefold() not in p["zh"].casefold(), q
