"""multilingual-e5-small, the second embedded embedding model, through the real gateway process (openai SDK):
384-dim unit vectors, "query: " questions against passages, across languages, the window, a wrong dimensions."""

from __future__ import annotations

import numpy as np
import openai
import pytest

E5 = "multilingual-e5-small"


def vectors(gw, texts: list[str]) -> np.ndarray:
    reply = gw.client().embeddings.create(model=E5, input=texts)
    assert [d.index for d in reply.data] == list(range(len(texts)))
    return np.array([d.embedding for d in reply.data])


def test_e5_is_listed_as_an_embedding_model(embedded_gateway):
    ids = {m.id: m for m in embedded_gateway.client().models.list().data}
    assert ids[E5].model_extra["kind"] == "embedding"


def test_e5_gives_384_dim_unit_vectors_and_counts_tokens(embedded_gateway):
    reply = embedded_gateway.client().embeddings.create(model=E5, input=["The cat sits on the mat", "股票市场"])
    assert reply.model == E5 and len(reply.data) == 2
    v = np.array([d.embedding for d in reply.data])
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert 4 < reply.usage.prompt_tokens < 40 and reply.usage.total_tokens == reply.usage.prompt_tokens


def test_a_query_is_nearer_its_passage_than_an_unrelated_one(embedded_gateway):
    q, right, wrong = vectors(embedded_gateway, [
        "query: How long can I borrow a laptop from the library?",
        "The library lends laptops for up to two weeks; bring your staff card to the front desk.",
        "The canteen serves vegetarian lunch every day between noon and two o'clock."])
    assert q @ right > q @ wrong


def test_a_chinese_question_is_nearer_the_matching_english_passage(embedded_gateway):
    q, right, wrong = vectors(embedded_gateway, [
        "query: 图书馆的笔记本电脑可以借多久？",
        "The library lends laptops for up to two weeks; bring your staff card to the front desk.",
        "Parking permits for the staff car park are renewed every January at the facility office."])
    assert q @ right > q @ wrong


def test_the_query_prefix_changes_the_vector(embedded_gateway):
    as_query, as_passage, said_passage = vectors(embedded_gateway, [
        "query: where is the library", "where is the library", "passage: where is the library"])
    assert not np.allclose(as_query, as_passage, atol=1e-3)
    assert np.allclose(as_passage, said_passage, atol=1e-5)              # "passage: " is taken as said, not doubled


def test_other_dimensions_are_a_400_naming_dimensions(embedded_gateway):
    with pytest.raises(openai.BadRequestError) as err:
        embedded_gateway.client().embeddings.create(model=E5, input="x", dimensions=512)
    assert "dimensions" in err.value.message and "384" in err.value.message
    assert err.value.body.get("param") == "dimensions"
    ok = embedded_gateway.client().embeddings.create(model=E5, input="x", dimensions=384)
    assert len(ok.data[0].embedding) == 384


def test_a_long_input_is_read_up_to_the_window_not_refused(embedded_gateway):
    long_text = ("The fume hood in room 214 is certified every March by an external company. " * 300)[:20_000]
    reply = embedded_gateway.client().embeddings.create(model=E5, input=long_text)
    assert 400 < reply.usage.prompt_tokens <= 512 and len(reply.data[0].embedding) == 384
    head = vectors(embedded_gateway, [long_text[:1500]])[0]
    assert np.array(reply.data[0].embedding) @ head > 0.9                   # the window is the text's head
