"""The rerank stage's formula (workbench/kb/rank.py): BM25 and cosine min-max scaled, blended by a keyword share per
language pair, summed over the question's variants; the language of a text."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.kb.rank import KEYWORD_SHARE, Variant, Weights, blend, language_of

EN = ["en", "en", "en"]


def order(scores: np.ndarray) -> list[int]:
    return [int(i) for i in np.argsort(-scores, kind="stable")]


def test_a_keyword_share_of_one_orders_by_bm25_and_of_zero_by_cosine():
    variant = Variant("en", bm25=[1.0, 4.0, 2.0], cosine=[0.9, 0.1, 0.5])
    by_keyword = blend([variant], EN, Weights({("en", "en"): 1.0}))
    by_meaning = blend([variant], EN, Weights({("en", "en"): 0.0}))
    assert order(by_keyword) == [1, 2, 0] and by_keyword == pytest.approx([0.25, 1.0, 0.5])     # BM25 / the best
    assert order(by_meaning) == [0, 2, 1] and by_meaning == pytest.approx([1.0, 0.0, 0.5])      # min-max scaled


def test_the_default_share_blends_both_by_language_pair():
    variant = Variant("en", bm25=[4.0, 0.0], cosine=[0.2, 0.8])
    half = KEYWORD_SHARE[("en", "en")]
    assert blend([variant], ["en", "en"]) == pytest.approx([half, 1 - half])
    across = KEYWORD_SHARE[("en", "zh")]                 # keywords nearly blind across languages: meaning counts more
    assert blend([variant], ["zh", "zh"]) == pytest.approx([across, 1 - across]) and across < half
    assert Weights().share("en", "fr") == 0.5            # a pair not tuned: an even share


def test_a_candidate_without_a_stored_vector_gets_no_meaning_score():
    variant = Variant("en", bm25=[0.0, 0.0, 0.0], cosine=[0.3, math.nan, 0.7])
    scores = blend([variant], EN, Weights({("en", "en"): 0.0}))
    assert scores == pytest.approx([0.0, 0.0, 1.0]) and np.isfinite(scores).all()


def test_no_match_and_equal_cosines_are_not_a_division_by_zero():
    scores = blend([Variant("en", bm25=[0.0, 0.0], cosine=[0.5, 0.5])], ["en", "en"], Weights({("en", "en"): 0.5}))
    assert scores == pytest.approx([0.5, 0.5])           # no BM25: 0; one cosine for all: each the best
    assert blend([Variant("en", bm25=[], cosine=[])], []).shape == (0,)


def test_variants_add_up():
    asked = Variant("zh", bm25=[0.0, 0.0], cosine=[0.6, 0.4])          # a Chinese question: keywords miss
    translated = Variant("en", bm25=[0.0, 3.0], cosine=[0.5, 0.7])     # its English translation: they match
    weights = Weights({("zh", "en"): 0.0, ("en", "en"): 1.0})
    assert blend([asked, translated], ["en", "en"], weights) == pytest.approx([1.0, 1.0])
    assert blend([asked], ["en", "en"], weights) == pytest.approx([1.0, 0.0])


@pytest.mark.parametrize("text, language", [
    ("量子纠缠的实验在哪里做？", "zh"),
    ("Where is the quantum entanglement experiment done?", "en"),
    ("如何配置 nginx 反向代理", "zh"),                     # Chinese with a latin word: Chinese
    ("How do I set 代理 in apt.conf for the proxy server?", "en"),   # English with a Chinese word: English
    ("FH-7731", "en"),
    ("", "en"),
])
def test_language_of(text, language):
    assert language_of(text) == language
