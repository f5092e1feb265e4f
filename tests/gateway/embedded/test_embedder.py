"""USE embeddings in process: shapes, normalisation, multilingual sanity, token counts."""

from __future__ import annotations

import numpy as np

from gateway.embedded.embedder import Embedder


def test_shapes_and_normalisation(embedder: Embedder) -> None:
    texts = ["hello world", "", "   ", "数据库连接失败"] + [f"sentence number {i}" for i in range(40)]
    vectors = embedder.embed(texts)
    assert vectors.shape == (len(texts), Embedder.dimensions) == (44, 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 512)


def test_batching_does_not_change_results(embedder: Embedder) -> None:
    texts = [f"the {i}th item in a list of things" for i in range(5)]
    small = Embedder(threads=2, batch_size=2)
    small._use = embedder._use  # share the loaded weights; only the batching differs
    np.testing.assert_allclose(small.embed(texts), embedder.embed(texts), atol=1e-5)


def test_chinese_paraphrase_is_closer_than_unrelated_english(embedder: Embedder) -> None:
    zh, paraphrase, unrelated = embedder.embed([
        "今天天气很好，我们去公园散步吧。",
        "今天的天气真不错，一起去公园走走。",
        "The quarterly tax report is due on Friday.",
    ])
    assert float(zh @ paraphrase) > float(zh @ unrelated) + 0.2


def test_texts_just_embedded_are_counted_without_tokenizing_them_again(embedder: Embedder) -> None:
    """/v1/embeddings counts every text's tokens for usage right after embedding it: the counts come from the
    embedding pass (the tokenizer is pure Python, ~1/6 of the cost) and equal a fresh count."""
    texts = [f"Section {n}: the roof membrane is inspected every {n} years. 屋顶防水层每 {n} 年检查一次。"
             for n in range(40)]
    fresh = [Embedder(threads=1).count_tokens(t) for t in texts]            # another embedder: counted cold
    embedder.embed(texts)
    tokenizer = embedder._tokenizer()
    calls = []
    encode = tokenizer.tokenizer.encode
    tokenizer.tokenizer.encode = lambda *a, **k: calls.append(a) or encode(*a, **k)
    try:
        assert [embedder.count_tokens(t) for t in texts] == fresh and calls == []
        assert embedder.count_tokens("never embedded") == Embedder(threads=1).count_tokens("never embedded")
        assert len(calls) == 1                                              # that one is tokenized
    finally:
        del tokenizer.tokenizer.encode


def test_count_tokens(embedder: Embedder) -> None:
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("  ") == 0
    assert embedder.count_tokens("hello world") >= 2
    assert embedder.count_tokens("hello world, this is longer") > embedder.count_tokens("hello world")
    assert embedder.count_tokens("今天天气很好") > 0
