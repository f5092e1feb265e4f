"""A reading's quotes are checked against the page they cite: found however the PDF wrote the text, not found when
made up or changed, and the span found is the page's own text."""

from __future__ import annotations

import pytest

from workbench.papers.quotes import Match, Miss, PageIndex, check, locate, too_short, verify

PAGE = ("Abstract\n"
        "The dominant sequence transduction models are based on com-\n"
        "plex recurrent or convolutional neural networks that include an\n"
        "encoder and a decoder. The best performing models also connect\n"
        "the encoder and decoder through an attention mechanism. We pro-\n"
        "pose a new simple network architecture, the Transformer, based\n"
        "solely on attention mechanisms, dispensing with recurrence and\n"
        "convolutions entirely. It achieves state-of-the-art results with\n"
        "“signiﬁcantly” less training time — about 12 hours on 8 GPUs.\n")

CHINESE = ("摘要　本文提出一种完全基于注意力机\n"
           "制的网络结构，在机器翻译任务上取得了最优结果。\n"
           "防冻⼿套的发放标准为每人每年２副，第３⻚另有说明。\n")


def span(found: Match | None, text: str = PAGE) -> str:
    assert found is not None
    return text[found.start:found.end]


def test_a_quote_as_written_is_found_and_its_span_is_the_pages_text():
    found = verify("The best performing models also connect", PAGE)
    assert span(found) == "The best performing models also connect"
    assert found.exact and found.parts == ((found.start, found.end),)


def test_a_fabricated_quote_is_caught():
    assert check("The Transformer relies on recurrent layers for long sequences", PAGE) is Miss.NOT_FOUND
    assert verify("The Transformer relies on recurrent layers for long sequences", PAGE) is None


def test_one_changed_word_is_caught():
    assert verify("The best performing models also connect", PAGE) is not None
    assert verify("The worst performing models also connect", PAGE) is None
    assert verify("based solely on convolution mechanisms", PAGE) is None


def test_a_quote_across_a_line_break_is_found():
    assert span(verify("an attention mechanism. We propose a new simple network", PAGE)) == (
        "an attention mechanism. We pro-\npose a new simple network")
    assert span(verify("that include an encoder and a decoder", PAGE)) == "that include an\nencoder and a decoder"


def test_a_word_hyphenated_across_lines_is_found_and_a_real_hyphen_still_matches():
    found = verify("based on complex recurrent or convolutional", PAGE)
    assert span(found) == "based on com-\nplex recurrent or convolutional"
    assert found.exact      # a line-end hyphen is layout, not a change
    assert span(verify("It achieves state-of-the-art results", PAGE)) == "It achieves state-of-the-art results"
    assert verify("It achieves state of the art results", PAGE) is None


def test_case_quotes_dashes_and_ligatures_are_one_form():
    found = verify('results with "significantly" less training time - about 12 hours', PAGE)
    assert span(found) == "results with\n“signiﬁcantly” less training time — about 12 hours"
    assert not found.exact
    assert span(verify("THE BEST PERFORMING MODELS", PAGE)) == "The best performing models"


def test_marks_around_the_quote_are_ignored():
    assert span(verify("“…dispensing with recurrence and convolutions entirely.”", PAGE)) == (
        "dispensing with recurrence and\nconvolutions entirely")


def test_a_chinese_quote_across_a_line_break_is_found():
    found = verify("完全基于注意力机制的网络结构", CHINESE)
    assert span(found, CHINESE) == "完全基于注意力机\n制的网络结构"
    assert found.exact


def test_full_width_digits_and_radicals_match_their_plain_forms():
    found = verify("防冻手套的发放标准为每人每年2副", CHINESE)
    assert span(found, CHINESE) == "防冻⼿套的发放标准为每人每年２副"
    assert not found.exact
    assert span(verify("第3页另有说明", CHINESE), CHINESE) == "第３⻚另有说明"


def test_an_elided_quote_matches_only_in_order_and_close_together():
    found = verify("The dominant sequence transduction … an encoder and a decoder", PAGE)
    assert span(found) == ("The dominant sequence transduction models are based on com-\nplex recurrent or "
                           "convolutional neural networks that include an\nencoder and a decoder")
    assert [PAGE[a:b] for a, b in found.parts] == ["The dominant sequence transduction",
                                                   "an\nencoder and a decoder"]
    assert not found.exact
    assert verify("an encoder and a decoder ... The dominant sequence transduction", PAGE) is None
    far = "The dominant sequence transduction models." + " filler" * 100 + " an encoder and a decoder."
    assert verify("The dominant sequence transduction [...] an encoder and a decoder", far) is None


def test_too_short_is_told_apart_from_not_found():
    assert check("attention mechanism", PAGE) is Miss.TOO_SHORT
    assert check("注意力机制", CHINESE) is Miss.TOO_SHORT       # 5 characters
    assert isinstance(check("注意力机制的", CHINESE), Match)      # 6
    assert check("注意力机制网络", CHINESE) is Miss.NOT_FOUND
    assert too_short("“…”") and too_short("the model … is")
    assert not too_short("the encoder and decoder")


@pytest.mark.parametrize("cited, expected", [(None, 2), (2, 2), (3, 3), (5, 3), (1, 2)])
def test_the_page_a_quote_is_really_on_is_located(cited, expected):
    pages = [(1, "Introduction. Nothing relevant here at all."), (2, PAGE), (3, PAGE), (4, CHINESE)]
    assert locate("The best performing models also connect", pages, cited=cited) == expected
    assert locate("摘要本文提出一种完全基于注意力", pages) == 4
    assert locate("A sentence that is on no page at all", pages) is None


def test_one_index_answers_many_quotes_with_spans_in_the_original_text():
    index = PageIndex(PAGE * 10)
    quotes = ["The dominant sequence transduction models", "an attention mechanism. We propose",
              "It achieves state-of-the-art results", "about 12 hours on 8 GPUs"]
    for quote in quotes * 10:
        found = index.find(quote)
        assert found is not None and found.start < 50 + len(PAGE)
    assert index.find("about 13 hours on 8 GPUs") is None
