"""The embedded reranker: USE embedding similarity blended with BM25. NOT a cross-encoder.

No reranker (cross-encoder) weights are available offline, so the embedded ``rerank`` model
scores each document as

    score = (1 - bm25_weight) * (cos(query, doc) + 1) / 2  +  bm25_weight * bm25(doc) / max bm25

where cos is the cosine similarity of USE multilingual v3 embeddings (see embedder.py) and BM25
(k1 = 1.2, b = 0.75) uses IDF computed over the given documents only. Scores are in [0, 1];
higher is more relevant. They are comparable within one call, not across calls.

Each text is read as the embedder reads it (embedder.py): up to its first 512 pieces, so a 10 MB document costs
what its window costs, for the embedding and for BM25 alike (BM25 sees the words of the window).

Tokenisation for BM25 needs no jieba: latin words and digits become lowercase tokens, and every
run of CJK characters (Han, kana, hangul) becomes its single characters plus overlapping
character bigrams, so Chinese queries match Chinese documents without a word segmenter.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.embedded.embedder import Embedder, Window

BM25_K1 = 1.2
BM25_B = 0.75

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN_RE = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<word>[^\\W_{_CJK}]+)")


def tokenize(text: str) -> list[str]:
    """BM25 tokens: lowercase words/digits; CJK runs as unigrams plus overlapping bigrams."""
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(text.lower()):
        run = match.group("cjk")
        if run is None:
            tokens.append(match.group("word"))
            continue
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def bm25_scores(query: str, documents: Sequence[str], *, k1: float = BM25_K1, b: float = BM25_B) -> list[float]:
    """Raw BM25 score of each document for ``query``, IDF over ``documents``."""
    docs = [Counter(tokenize(d)) for d in documents]
    if not docs:
        return []
    lengths = [sum(c.values()) for c in docs]
    avgdl = (sum(lengths) / len(docs)) or 1.0
    n = len(docs)
    query_terms = Counter(tokenize(query))
    idf = {}
    for term in query_terms:
        df = sum(1 for c in docs if term in c)
        idf[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
    scores = []
    for counts, dl in zip(docs, lengths, strict=True):
        norm = k1 * (1.0 - b + b * dl / avgdl)
        score = 0.0
        for term, qtf in query_terms.items():
            tf = counts.get(term, 0)
            if tf:
                score += qtf * idf[term] * tf * (k1 + 1.0) / (tf + norm)
        scores.append(score)
    return scores


def rerank_scores(query: str, documents: list[str], embedder: Embedder, *, bm25_weight: float = 0.3,
                  max_tokens: int | None = None) -> list[float]:
    """Relevance of each document to ``query`` in [0, 1] (embedding cosine + BM25, see module doc).

    ``max_tokens``: the most pieces the query and documents may come to (``TooMuchInput`` beyond).
    """
    _check_weight(bm25_weight)
    if not documents:
        return []
    return rerank_windows(embedder.read_all([query, *documents], max_tokens=max_tokens), embedder,
                          bm25_weight=bm25_weight)


def rerank_windows(windows: Sequence[Window], embedder: Embedder, *, bm25_weight: float = 0.3) -> list[float]:
    """``rerank_scores`` of windows already read: the query's first, then the documents'."""
    _check_weight(bm25_weight)
    if len(windows) < 2:
        return []
    vectors = embedder.embed_windows(windows)
    cosine = vectors[1:] @ vectors[0]
    bm25 = bm25_scores(windows[0].text, [w.text for w in windows[1:]])
    top = max(bm25)
    result = []
    for cos, raw in zip(cosine.tolist(), bm25, strict=True):
        semantic = min(1.0, max(0.0, (cos + 1.0) / 2.0))
        lexical = raw / top if top > 0 else 0.0
        result.append((1.0 - bm25_weight) * semantic + bm25_weight * lexical)
    return result


def _check_weight(bm25_weight: float) -> None:
    if not 0.0 <= bm25_weight <= 1.0:
        raise ValueError(f"bm25_weight must be between 0 and 1, got {bm25_weight}")
