"""A reading's statements as the code checks them: copied sentences found on their page (or the page corrected, or
dropped when the model changed them), points that keep to their quote's numbers."""

from __future__ import annotations

from workbench.papers.quotes import PageIndex
from workbench.papers.statements import copied, invented_numbers, numbered, quotes_from, statement

PAGE_3 = ("3 Method\nWe propose LightRetriever, a retrieval model that encodes queries with a shal-\nlow network of "
          "two layers and documents with a full transformer. The query encoder runs in 0.4 ms on a CPU, which is 25 "
          "times faster than a BERT-base encoder.")
PAGE_4 = "3.1 Training\nWe train on MS MARCO with hard negatives mined by BM25. Training takes 6 hours on 8 A100 GPUs."
PAGES = {3: PageIndex(PAGE_3), 4: PageIndex(PAGE_4)}


def test_copied_sentences_keep_the_page_the_model_put_before_them():
    reply = ("p. 3: We propose LightRetriever, a retrieval model. The query encoder runs in 0.4 ms on a CPU.\n"
             "- page 4: Training takes 6 hours on 8 A100 GPUs.\n第 4 页：我们在 MS MARCO 上训练。\nNONE\n"
             "2. **p. 5**: Long queries lose up to 3 points of recall.\n")
    assert copied(reply) == [(3, "We propose LightRetriever, a retrieval model."),
                             (3, "The query encoder runs in 0.4 ms on a CPU."),
                             (4, "Training takes 6 hours on 8 A100 GPUs."), (4, "我们在 MS MARCO 上训练。"),
                             (5, "Long queries lose up to 3 points of recall.")]


def test_only_sentences_on_the_pages_are_kept_and_a_wrong_page_is_corrected():
    reply = ("p. 3: We propose LightRetriever, a retrieval model that encodes queries with a shallow network of two "
             "layers and documents with a full transformer.\n"
             "p. 3: Training takes 6 hours on 8 A100 GPUs.\n"            # on page 4, not 3
             "p. 4: Training takes 5 hours on 8 A100 GPUs.\n"            # changed by the model: on no page
             "p. 4: It works.\n")                                        # too short to prove anything
    found, asked = quotes_from(reply, PAGES)
    assert asked == 3 and [(q.page, q.cited_page) for q in found] == [(3, 3), (4, 3)]
    assert PAGE_3[found[0].start:found[0].end].startswith("We propose LightRetriever")
    assert PAGE_4[found[1].start:found[1].end] == "Training takes 6 hours on 8 A100 GPUs."
    checked = [statement("method", q, p) for q, p in zip(found, ["提出了 LightRetriever 检索模型。",
                                                                  "训练在 8 块 A100 上用了 6 小时。"], strict=True)]
    assert [(s.verified, s.note, s.page) for s in checked] == [(True, "", 3), (True, "page_corrected", 4)]


def test_a_point_with_a_number_its_quote_has_not_is_not_verified():
    quote = quotes_from("p. 3: The query encoder runs in 0.4 ms on a CPU, which is 25 times faster than a BERT-base "
                        "encoder.", PAGES)[0][0]
    assert invented_numbers("查询编码器比 BERT 快 25 倍，只需 0.4 毫秒（p. 3）", quote.text) == set()
    assert invented_numbers("编码器有十二层，在 1 个 CPU 核上运行", "twelve layers on one CPU core") == set()
    assert invented_numbers("编码器有十三层", "twelve layers") == {"13"}
    wrong = statement("results", quote, "查询编码器比 BERT 快 30 倍。")
    assert (wrong.verified, wrong.note) == (False, "numbers")
    bare = statement("results", quote, "")
    assert (bare.point, bare.verified, bare.note) == (quote.text, True, "no_point")


def test_numbered_points_are_read_by_their_number():
    assert numbered("1. 提出了新模型。\n2）训练很快。\n\n3、结果更好。\n1. again") == {
        1: "提出了新模型。", 2: "训练很快。", 3: "结果更好。"}


def test_a_copied_fragment_becomes_its_whole_sentence_without_the_heading_above_it():
    reply = ("p. 3: 3 Method We propose LightRetriever, a retrieval model that\n"     # a heading, half a sentence
             "p. 3: The query encoder runs in 0.4 ms on a CPU\n")
    found, asked = quotes_from(reply, PAGES)
    assert asked == 2 and [q.text for q in found] == [
        "We propose LightRetriever, a retrieval model that encodes queries with a shallow network of two layers and "
        "documents with a full transformer.",
        "The query encoder runs in 0.4 ms on a CPU, which is 25 times faster than a BERT-base encoder."]
    assert [PAGE_3[q.start:q.end].split()[0] for q in found] == ["We", "The"]


def test_a_columns_short_lines_are_one_sentence_and_a_section_heading_is_not_part_of_it():
    from workbench.papers.statements import whole_sentence

    column = ("retriever unchanged. The two encoders map into the\nsame vector space of 768\ndimensions.\n"
              "3.1 Training Data\nWe train on the 500,000 training queries.")
    start = column.index("dimensions")
    a, b = whole_sentence(column, start, start + len("dimensions."))
    assert column[a:b] == "The two encoders map into the\nsame vector space of 768\ndimensions."
    start = column.index("Data")
    a, b = whole_sentence(column, start, column.index(" training queries"))
    assert column[a:b] == "We train on the 500,000 training queries."
