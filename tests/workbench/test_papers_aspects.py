"""Which sections a deep reading reads for each aspect, decided by code from the headings (en and zh)."""

from __future__ import annotations

from workbench.papers.aspects import aspects, heading_aspects, label, route
from workbench.papers.model import Section


def section(number: str, title: str, level: int = 1) -> Section:
    return Section(number, title, level, page=1, end_page=1, text=f"text of {title}")


def titles(found: list[Section]) -> list[str]:
    return [s.title for s in found]


def test_an_english_paper_is_read_for_each_aspect_in_the_sections_that_talk_about_it():
    paper = [section("", "Abstract"), section("1", "Introduction"), section("2", "Related Work"),
             section("3", "LightRetriever"), section("3.1", "Query encoder", 2), section("3.2", "Training", 2),
             section("4", "Experiments"), section("4.1", "Datasets and baselines", 2),
             section("4.2", "Ablation study", 2), section("5", "Conclusion"), section("", "References")]
    read = route(paper)
    assert titles(read["problem"]) == ["Abstract", "Introduction"]
    # "3 LightRetriever" names no aspect and comes before the experiments: it is the method; its subsections follow
    assert titles(read["method"]) == ["Abstract", "LightRetriever", "Query encoder", "Training"]
    assert titles(read["experiments"]) == ["Experiments", "Datasets and baselines", "Ablation study"]
    assert titles(read["results"]) == ["Abstract", "Experiments", "Datasets and baselines", "Ablation study"]
    assert titles(read["contributions"]) == ["Abstract", "Introduction", "Conclusion"]
    assert titles(read["limitations"]) == ["Conclusion"]
    assert titles(read["future_work"]) == ["Conclusion"]
    assert not any(s.title in ("Related Work", "References") for found in read.values() for s in found)


def test_a_chinese_paper_is_routed_by_its_chinese_headings():
    paper = [section("", "摘要"), section("1", "引言"), section("2", "本文方法"), section("2.1", "编码器", 2),
             section("3", "实验"), section("3.1", "实验结果", 2), section("4", "结论与展望"), section("", "参考文献")]
    read = route(paper)
    assert titles(read["problem"]) == ["摘要", "引言"]
    assert titles(read["method"]) == ["摘要", "本文方法", "编码器"]
    assert titles(read["results"]) == ["摘要", "实验", "实验结果"]
    assert titles(read["future_work"]) == ["结论与展望"]


def test_an_aspect_no_heading_names_reads_every_section_but_the_skipped_ones():
    paper = [section("1", "Introduction"), section("2", "Approach"), section("3", "Evaluation"),
             section("", "Acknowledgments")]
    assert titles(route(paper)["limitations"]) == ["Introduction", "Approach", "Evaluation"]


def test_headings_and_labels_in_both_languages():
    assert heading_aspects("5 Conclusion and Future Work") == ("contributions", "limitations", "future_work")
    assert heading_aspects("2 Related Work") == () and heading_aspects("参考文献") == ()
    assert heading_aspects("3 LightRetriever") is None
    assert [a.key for a in aspects()][:2] == ["problem", "method"]
    assert (label("results", "zh"), label("questions", "en")) == ("结果", "Questions a reviewer would ask")
