"""A paper's references list read into entries and fields, and its in-text citations linked to those entries."""

from __future__ import annotations

import pytest

from tests.fakes.reference_entries import ENTRIES, FIELDS
from workbench.papers.citations import link_citations
from workbench.papers.model import Citation
from workbench.papers.references import author_year_label, parse_reference, split_entries


@pytest.mark.parametrize("case", ENTRIES, ids=[f"{c['style']}-{i}" for i, c in enumerate(ENTRIES)])
def test_every_field_of_an_entry_is_read_exactly(case):
    ref = parse_reference(case["raw"], case["number"])
    assert {f: getattr(ref, f) for f in FIELDS} == {f: case[f] for f in FIELDS}
    assert ref.raw == case["raw"] and ref.number == case["number"]


def test_the_table_covers_every_style():
    assert {c["style"] for c in ENTRIES} == {"ieee", "acm", "apa", "gbt", "arxiv"}


IEEE_SECTION = [
    (11, "References"),
    (11, "[1] A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez,"),
    (11, "Ł. Kaiser, and I. Polosukhin, “Attention is all you need,” in Proc. Adv. Neu-"),
    (11, "ral Inf. Process. Syst. (NeurIPS), 2017, pp. 5998–6008."),
    (11, "[2] J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova, “BERT: Pre-training of"),
    (11, "deep bidirectional transformers for language understanding,” in Proc. NAACL,"),
    (11, "2019, pp. 4171–4186, doi: 10.18653/v1/N19-"),
    (11, "12"),                                             # the page number at the foot of page 11
    (12, "1423."),
    (12, "[3] T. B. Brown et al., “Language models are few-shot learners,” 2020,"),
    (12, "arXiv:2005.14165. Achieving state-of-the-"),
    (12, "art results."),
    (12, "[4] 张三, 李四. 基于深度学习的中文文本分类方法研究[J]. 计算机学"),
    (12, "报, 2020, 43(5): 1-10."),
]


def test_a_numbered_section_across_a_page_break_splits_into_whole_entries():
    entries = split_entries(IEEE_SECTION)
    assert entries == [
        "[1] A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, Ł. Kaiser, and I. Polosukhin, "
        "“Attention is all you need,” in Proc. Adv. Neural Inf. Process. Syst. (NeurIPS), 2017, pp. 5998–6008.",
        "[2] J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova, “BERT: Pre-training of deep bidirectional "
        "transformers for language understanding,” in Proc. NAACL, 2019, pp. 4171–4186, doi: 10.18653/v1/N19-1423.",
        "[3] T. B. Brown et al., “Language models are few-shot learners,” 2020, arXiv:2005.14165. Achieving "
        "state-of-the-art results.",
        "[4] 张三, 李四. 基于深度学习的中文文本分类方法研究[J]. 计算机学报, 2020, 43(5): 1-10.",
    ]
    refs = [parse_reference(raw, i) for i, raw in enumerate(entries, 1)]
    assert refs[1].doi == "10.18653/v1/N19-1423" and refs[1].venue == "Proc. NAACL"
    assert refs[2].arxiv == "2005.14165"
    assert refs[3].authors == ("张三", "李四") and refs[3].venue == "计算机学报"


def test_a_dotted_numbered_list_splits_only_at_the_next_number():
    lines = [(5, "1. Smith, J.: A study of things. J. Stud. 12, 1–10"), (5, "(2020)"),
             (5, "2. Lee, H., Kim, S.: Graphs for molecules. In: Proc. ICML,"), (5, "2019. 3. edition")]
    assert split_entries(lines) == ["1. Smith, J.: A study of things. J. Stud. 12, 1–10 (2020)",
                                    "2. Lee, H., Kim, S.: Graphs for molecules. In: Proc. ICML, 2019. 3. edition"]


APA_SECTION = [
    (14, "REFERENCES"),
    (14, "Lee, H., & Kim, S. (2019). Graph neural networks for molecules. In K. Chaudhuri"),
    (14, "& R. Salakhutdinov (Eds.), Proceedings of the 36th International Conference"),
    (14, "on Machine Learning (pp. 3321–3330). PMLR."),
    (14, "LeCun, Y., Bengio, Y., & Hinton, G. (2015). Deep learning. Nature, 521(7553),"),
    (14, "436–444. https://doi.org/10.1038/"),
    (15, "nature14539"),
    (15, "Smith, J. A. (2020a). Measuring reading comprehension: A meta-analysis. Journal"),
    (15, "of Educational Psychology, 112(3), 455–470."),
    (15, "Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kai-"),
    (15, "ser, Ł., & Polosukhin, I. (2017). Attention is all you need. In Advances in Neural"),
    (15, "Information Processing Systems (pp. 5998–6008)."),
]


def test_an_author_year_section_splits_at_each_name_after_an_entry_end():
    entries = split_entries(APA_SECTION)
    assert [e[:30] for e in entries] == ["Lee, H., & Kim, S. (2019). Gra", "LeCun, Y., Bengio, Y., & Hinto",
                                         "Smith, J. A. (2020a). Measurin", "Vaswani, A., Shazeer, N., Parm"]
    refs = [parse_reference(raw, i) for i, raw in enumerate(entries, 1)]
    assert [r.label for r in refs] == ["Lee and Kim, 2019", "LeCun et al., 2015", "Smith, 2020a",
                                       "Vaswani et al., 2017"]
    assert refs[1].doi == "10.1038/nature14539"
    assert refs[3].authors == ("Vaswani", "Shazeer", "Parmar", "Uszkoreit", "Jones", "Gomez", "Kaiser",
                               "Polosukhin")


@pytest.mark.parametrize("authors, year, et_al, label", [
    (("Smith",), "2020", False, "Smith, 2020"), (("Lee", "Kim"), "2019", False, "Lee and Kim, 2019"),
    (("Vaswani", "Shazeer", "Parmar"), "2017", False, "Vaswani et al., 2017"),
    (("Brown",), "2020", True, "Brown et al., 2020"), (("张三",), "2020", False, "张三, 2020"),
    (("张三", "李四"), "2020", False, "张三和李四, 2020"), (("张三", "李四", "王五"), "2020", False, "张三等, 2020"),
])
def test_author_year_labels(authors, year, et_al, label):
    assert author_year_label(authors, year, et_al) == label


NUMBERED = [parse_reference(raw, i) for i, raw in enumerate(split_entries(IEEE_SECTION), 1)]


def test_numeric_citations_are_linked_ranges_expanded_and_unknown_numbers_kept():
    body = [(2, "Transformers [1] replaced recurrence [2, 3]; see also [1,2] and [1-3], [2–4] and as in [4]."),
            (3, "A later survey [99] and [3, 99]. For x ∈ [1, 2] and t in [0, 1], p = [2] holds, [0.5, 1]."),
            (4, "已有研究［1］和[2-4]表明，式(1)成立。在2020年, 12 models.")]
    assert link_citations(body, NUMBERED) == [
        Citation(2, "[1]", (1,)), Citation(2, "[2, 3]", (2, 3)), Citation(2, "[1,2]", (1, 2)),
        Citation(2, "[1-3]", (1, 2, 3)), Citation(2, "[2–4]", (2, 3, 4)), Citation(2, "[4]", (4,)),
        Citation(3, "[99]", ()), Citation(3, "[3, 99]", (3,)),
        Citation(4, "［1］", (1,)), Citation(4, "[2-4]", (2, 3, 4)),
    ]


def test_numbers_link_by_the_entries_written_numbers():
    refs = [parse_reference("[12] A. Smith, “A study of things in detail,” J. Stud., 2020.", 1)]
    assert link_citations([(1, "as shown [12] and [1]")], refs) == [Citation(1, "[12]", (1,)), Citation(1, "[1]", ())]


AUTHOR_YEAR = [parse_reference(raw, i) for i, raw in enumerate(split_entries(APA_SECTION), 1)]


def test_author_year_citations_are_linked():
    body = [(3, "Graphs help (Lee and Kim, 2019). Vaswani et al. (2017) and LeCun et al. (2015) agree "
                "(Vaswani et al., 2017; LeCun et al., 2015), as does Lee and Kim (2019) (e.g., Smith, 2020a)."),
            (4, "Equation (1) and the year 2019 and (2019) are not citations; Transformer (2017) is a model. "
                "(Brown et al., 2021) is not in the list; (Smith, 2020b) is another paper.")]
    assert link_citations(body, AUTHOR_YEAR) == [
        Citation(3, "(Lee and Kim, 2019)", (1,)), Citation(3, "Vaswani et al. (2017)", (4,)),
        Citation(3, "LeCun et al. (2015)", (2,)), Citation(3, "(Vaswani et al., 2017; LeCun et al., 2015)", (4, 2)),
        Citation(3, "Lee and Kim (2019)", (1,)), Citation(3, "(e.g., Smith, 2020a)", (3,)),
        Citation(4, "(Brown et al., 2021)", ()), Citation(4, "(Smith, 2020b)", ()),
    ]


def test_numeric_brackets_in_an_author_year_paper_are_not_citations():
    assert link_citations([(1, "the interval [1, 2] and step [3]")], AUTHOR_YEAR) == []


def test_chinese_author_year_citations_are_linked():
    refs = [parse_reference("张三, 李四, 王五. 2020. 基于深度学习的中文文本分类方法研究. 计算机学报, 43(5): 1-10.", 1)]
    assert refs[0].label == "张三等, 2020"
    assert link_citations([(2, "已有工作（张三等, 2020）表明，张三等(2020)也指出。")], refs) == [
        Citation(2, "（张三等, 2020）", (1,)), Citation(2, "张三等(2020)", (1,))]
