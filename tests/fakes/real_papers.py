"""Papers whose words mean something (written for these tests, no licence issue): what the embedded model reads in
the papers' test with the real model and in bench/papers.py. Each statement of a reading can be checked against
these pages; the numbers are the paper's own (invented, consistent).

    data, truth = lightretriever()        # ~3 pages, two columns
    data, truth = tinytranslate()         # ~2 pages, two columns
"""

from __future__ import annotations

from tests.fakes.paper_pdfs import PaperTruth, written_paper

LIGHTRETRIEVER = [
    ("", "Abstract", [
        "Dense retrieval models answer search queries well, but encoding each query with a large transformer is too "
        "slow for search engines that run on CPUs. We propose LightRetriever, a retrieval model that encodes queries "
        "with a shallow network of two layers and documents with a full transformer. On MS MARCO, LightRetriever "
        "reaches an MRR@10 of 38.1, within 0.9 points of a full dense retriever, while its query encoder runs in 0.4 "
        "ms on one CPU core, 25 times faster."]),
    ("1", "Introduction", [
        "Search engines must return results within 50 ms, and the query encoder of a dense retriever takes most of "
        "that time when no GPU is available. This latency is the main obstacle to using dense retrieval in small "
        "institutions, which serve their users from CPU machines.",
        "Documents can be encoded once, offline, but queries arrive one by one and must be encoded at once. Our key "
        "observation is that queries are short, usually fewer than ten words, so a deep network is not needed to "
        "represent them.",
        "Our contributions are threefold: a two-layer query encoder that is paired with a full document encoder, a "
        "training recipe that distils the full query encoder into the shallow one, and an evaluation on three "
        "benchmarks showing that the loss in quality is below one point."]),
    ("2", "Related Work", [
        "Sparse retrieval with BM25 remains a strong baseline and needs no GPU [1]. Dense retrievers such as DPR "
        "encode queries and documents with BERT [2], and later models improved training with hard negatives [3]."]),
    ("3", "Method", [
        "LightRetriever keeps the document encoder of a dense retriever unchanged and replaces its query encoder with "
        "a network of two transformer layers with 256 hidden units. The two encoders map into the same vector space "
        "of 768 dimensions.",
        "We train the query encoder by distillation: for each training query, the shallow encoder is trained to "
        "produce the vector that the full query encoder produces, with a mean squared error loss, and then fine-tuned "
        "with the InfoNCE contrastive loss at a temperature of 0.05."]),
    ("3.1", "Training Data", [
        "We train on the 500,000 training queries of MS MARCO with hard negatives mined by BM25. Training takes 6 "
        "hours on 8 A100 GPUs, and the distillation step takes 40 minutes of that time."]),
    ("4", "Experiments", [
        "We evaluate on the MS MARCO passage ranking dataset, on Natural Questions and on TREC-COVID. We compare with "
        "BM25, with DPR and with the full dense retriever whose document encoder we reuse. We report MRR@10 on MS "
        "MARCO and recall at 100 on the other two datasets.",
        "Latency is measured on one core of an Intel Xeon CPU at 2.4 GHz with a batch size of one query, averaged "
        "over 10,000 queries."]),
    ("5", "Results", [
        "LightRetriever reaches an MRR@10 of 38.1 on MS MARCO, against 39.0 for the full dense retriever and 18.7 for "
        "BM25. On Natural Questions its recall at 100 is 85.2%, 0.7 points below the full model.",
        "Its query encoder takes 0.4 ms per query on one CPU core, while the full query encoder takes 10.2 ms, so the "
        "query is encoded 25 times faster. The whole search, including the index lookup, takes 6 ms."]),
    ("6", "Limitations", [
        "A limitation is that long queries of more than 30 words lose up to 3 points of recall, because two layers "
        "cannot represent them well. LightRetriever also fails on code search, where queries are long and precise."]),
    ("7", "Conclusion", [
        "We showed that a shallow query encoder is enough for dense retrieval on short queries. In future work we will "
        "distil larger document encoders and study queries in Chinese and other languages."]),
]
LIGHTRETRIEVER_REFERENCES = [
    "[1] S. Robertson and H. Zaragoza, \"The probabilistic relevance framework: BM25 and beyond,\" Foundations and "
    "Trends in Information Retrieval, vol. 3, no. 4, pp. 333-389, 2009.",
    "[2] V. Karpukhin, B. Oguz, and S. Min, \"Dense passage retrieval for open-domain question answering,\" in Proc. "
    "EMNLP, 2020, doi: 10.18653/v1/2020.emnlp-main.550.",
    "[3] L. Xiong, C. Xiong, and Y. Li, \"Approximate nearest neighbor negative contrastive learning for dense text "
    "retrieval,\" arXiv:2007.00808, 2020.",
]

TINYTRANSLATE = [
    ("", "Abstract", [
        "Machine translation on a laptop is slow because decoders generate one token at a time. We present "
        "TinyTranslate, a translation model with a deep encoder of twelve layers and a shallow decoder of one layer. "
        "On WMT14 English to German it reaches a BLEU score of 27.1, 0.5 below a balanced model, and translates 3.2 "
        "times faster on a CPU."]),
    ("1", "Introduction", [
        "Researchers who translate papers offline need a model that runs on their laptops. The decoder dominates the "
        "time of translation, because it runs once for every output token."]),
    ("2", "Method", [
        "TinyTranslate moves capacity from the decoder to the encoder: the encoder has twelve layers and the decoder "
        "has one layer. We train it with knowledge distillation from a teacher model of six encoder and six decoder "
        "layers."]),
    ("3", "Experiments", [
        "We evaluate on the WMT14 English to German and WMT16 English to Romanian datasets and report BLEU. The "
        "baselines are the teacher model and a balanced model of the same size as TinyTranslate."]),
    ("4", "Results", [
        "TinyTranslate reaches a BLEU score of 27.1 on WMT14 English to German against 27.6 for the balanced model, "
        "and translates 3.2 times faster on a CPU. On WMT16 English to Romanian it reaches 33.4 BLEU."]),
    ("5", "Conclusion", [
        "A limitation is that the shallow decoder loses more quality on long sentences of more than 60 words. In "
        "future work we will add a second decoder layer only for long sentences."]),
]
TINYTRANSLATE_REFERENCES = [
    "[1] A. Vaswani, N. Shazeer, and N. Parmar, \"Attention is all you need,\" in Proc. NeurIPS, 2017.",
    "[2] J. Kasai, N. Pappas, and H. Peng, \"Deep encoder, shallow decoder: Reevaluating non-autoregressive machine "
    "translation,\" arXiv:2006.10369, 2020.",
]


def lightretriever(*, scanned: str | None = None) -> tuple[bytes, PaperTruth]:
    """LightRetriever: a shallow query encoder for dense retrieval on CPUs (about three pages)."""
    return written_paper("LightRetriever: Dense Retrieval with a Two-Layer Query Encoder",
                         ("Lin Wang", "Maria Garcia", "John Lee"), "Institute of Information Retrieval, Example "
                         "University", LIGHTRETRIEVER, LIGHTRETRIEVER_REFERENCES, scanned=scanned)


def tinytranslate(*, scanned: str | None = None) -> tuple[bytes, PaperTruth]:
    """TinyTranslate: a deep encoder and a one-layer decoder for translation on laptops (about two pages)."""
    return written_paper("TinyTranslate: Deep Encoder, Shallow Decoder Translation on Laptops",
                         ("Chen Li", "Ana Silva"), "School of Computing, Example University", TINYTRANSLATE,
                         TINYTRANSLATE_REFERENCES, scanned=scanned)
