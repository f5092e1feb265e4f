"""The embedded reranker (USE cosine + BM25): relevant documents rank first, in English and Chinese."""

from __future__ import annotations

import pytest

from gateway.embedded.embedder import Embedder
from gateway.embedded.rerank import bm25_scores, rerank_scores, tokenize


def test_tokenize_latin_and_cjk() -> None:
    assert tokenize("Hello, World 42") == ["hello", "world", "42"]
    assert tokenize("天气好") == ["天", "气", "好", "天气", "气好"]
    assert tokenize("GPU显卡") == ["gpu", "显", "卡", "显卡"]


def test_bm25_prefers_matching_documents() -> None:
    scores = bm25_scores("红茶", ["我喜欢喝红茶", "今天下雨了", ""])
    assert scores[0] > 0 and scores[1] == 0 and scores[2] == 0


def test_english_query_ranks_the_relevant_document_first(embedder: Embedder) -> None:
    docs = [
        "Bananas are a yellow fruit rich in potassium.",
        "Paris is the capital and largest city of France.",
        "Python is a popular programming language.",
        "The Great Wall stretches across northern China.",
    ]
    scores = rerank_scores("What is the capital of France?", docs, embedder)
    assert len(scores) == len(docs) and all(0.0 <= s <= 1.0 for s in scores)
    assert max(range(len(docs)), key=scores.__getitem__) == 1


def test_chinese_query_ranks_the_relevant_document_first(embedder: Embedder) -> None:
    docs = [
        "苹果是一种常见的水果。",
        "长城位于中国北方，是著名的古代建筑。",
        "北京是中华人民共和国的首都。",
        "Python 是一种编程语言。",
    ]
    scores = rerank_scores("中国的首都是哪个城市？", docs, embedder)
    assert max(range(len(docs)), key=scores.__getitem__) == 2


def test_edge_cases(embedder: Embedder) -> None:
    assert rerank_scores("anything", [], embedder) == []
    assert len(rerank_scores("", ["", "text"], embedder)) == 2
    with pytest.raises(ValueError, match="bm25_weight"):
        rerank_scores("q", ["d"], embedder, bm25_weight=1.5)
