"""A five-page paper as parsed (``Structure``), written so each aspect of a reading has sentences to find: the
reading's and the questions' tests read it with the scripted ``paper_model``."""

from __future__ import annotations

from workbench.documents.layout import Line
from workbench.papers.model import PageText, Section, Structure

PAGES = {
    1: "Abstract\nDense retrieval is slow on CPUs, which is the problem we address. We propose LightRetriever, a "
       "model with a shallow query encoder. It improves recall by 4.2% on MS MARCO.",
    2: "1 Introduction\nSearch engines must answer within 50 ms, and this latency is the main challenge for dense "
       "retrieval. Our contributions are a two-layer query encoder and a training recipe.",
    3: "2 Method\nWe propose to encode queries with two layers and documents with a full transformer. The query "
       "encoder runs in 0.4 ms on a CPU. The document encoder is trained with hard negatives.",
    4: "3 Experiments\nWe evaluate on the MS MARCO dataset against BM25 and DPR baselines, with MRR@10 as the metric. "
       "LightRetriever achieves an MRR@10 of 38.1, which improves on DPR by 2.9 points.",
    5: "4 Conclusion\nA limitation is that long queries lose accuracy. However, the model fails on code search. In "
       "future work we will distil larger encoders.",
}
HEADINGS = [("", "Abstract", 1), ("1", "Introduction", 2), ("2", "Method", 3), ("3", "Experiments", 4),
            ("4", "Conclusion", 5)]


def paper() -> Structure:
    pages = tuple(PageText(n, tuple(Line(t, 20.0 * i, 50, 550, 10) for i, t in enumerate(text.split("\n"))), 612, 792)
                  for n, text in PAGES.items())
    sections = tuple(Section(num, title, 1, page, page, PAGES[page].split("\n", 1)[1],
                             ((page, PAGES[page].split("\n", 1)[1]),)) for num, title, page in HEADINGS)
    return Structure("LightRetriever", ("Ada Lovelace",), PAGES[1], "en", pages, sections)

