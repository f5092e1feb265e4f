"""The rerank stage of KB retrieval: every candidate scored by keyword and meaning together, weights by language.

    score = blend(features, weights)         # features: per question variant, each candidate's BM25 and cosine

A candidate's score is, summed over the question's variants (as asked; translated, when the KB holds chunks in the
other language: ``workbench.kb.translate``):

    keyword share(variant language -> chunk language) * BM25 / the variant's best BM25 among the candidates
  + (1 - that share) * (cosine - the variant's lowest) / (its highest - its lowest)

BM25 comes from the KB's keyword index for every candidate (not only those the keyword list found); the cosine from
the vectors Chroma stores (no candidate is embedded again). Min-max scaling makes the two comparable and each
model's cosines (USE spreads 0.2-0.8, e5 0.7-0.9) alike. The shares are by language pair because keyword matching
is strong within Chinese, good within English and nearly blind across (a Chinese question meets an English chunk
only in its latin words): tuned on the project's own sets by ``bench/kb_quality.py --tune`` (bench/README.md "Knowledge
bases" gives the figures), where RRF of the two lists lost to BM25 alone on Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile("[A-Za-z]{2,}")


def language_of(text: str) -> str:
    """"zh" when Han characters outnumber latin words (a Han character is about a word), else "en"."""
    return "zh" if len(_HAN.findall(text)) >= max(1, len(_LATIN_WORD.findall(text))) else "en"


# keyword share by (question language, chunk language); the rest goes to the vector cosine. Tuned per embedded model
# by bench/kb_quality.py --tune (bench/README.md "Knowledge bases"); any other model gets KEYWORD_SHARE
KEYWORD_SHARE = {("zh", "zh"): 0.7, ("en", "en"): 0.5, ("zh", "en"): 0.1, ("en", "zh"): 0.1}
MODEL_SHARES: dict[str, dict[tuple[str, str], float]] = {
    # USE v3 alone is weaker than BM25 within a language: keywords lead
    "use-multilingual:v3": {("zh", "zh"): 0.8, ("en", "en"): 0.6, ("zh", "en"): 0.2, ("en", "zh"): 0.2},
    # e5 alone is stronger than BM25 on every set: meaning leads
    "multilingual-e5-small": {("zh", "zh"): 0.4, ("en", "en"): 0.3, ("zh", "en"): 0.1, ("en", "zh"): 0.1},
}


@dataclass(frozen=True)
class Weights:
    keyword: Mapping[tuple[str, str], float] = field(default_factory=lambda: dict(KEYWORD_SHARE))

    def share(self, question: str, chunk: str) -> float:
        return self.keyword.get((question, chunk), 0.5)

    @staticmethod
    def of(model: str) -> Weights:
        """The shares tuned for an embedding model (the defaults for one not tuned)."""
        return Weights(dict(MODEL_SHARES.get(model, KEYWORD_SHARE)))


@dataclass
class Variant:
    """One form of the question (as asked, or translated) and what each candidate scored for it."""

    language: str
    bm25: Sequence[float]          # per candidate, in candidate order
    cosine: Sequence[float]        # per candidate (nan: no stored vector)


def blend(variants: Sequence[Variant], chunk_languages: Sequence[str], weights: Weights | Sequence[Weights] = Weights(),
          groups: Sequence[str] | None = None) -> np.ndarray:
    """The score of each candidate (higher is better), see the module doc. ``weights``: one for all candidates or
    one per candidate (its KB's model); ``groups``: the candidates' embedding models — cosines are scaled within
    each model's candidates (models spread their cosines differently)."""
    n = len(chunk_languages)
    per = [weights] * n if isinstance(weights, Weights) else list(weights)
    groups = list(groups) if groups is not None else [""] * n
    total = np.zeros(n, dtype=np.float64)
    for v in variants:
        bm25 = np.asarray(v.bm25, dtype=np.float64)
        top = bm25.max() if n else 0.0
        keyword = bm25 / top if top > 0 else np.zeros(n)
        cosine = np.asarray(v.cosine, dtype=np.float64)
        semantic = np.zeros(n)
        for group in dict.fromkeys(groups):
            known = np.isfinite(cosine) & np.array([g == group for g in groups])
            if known.any():
                low, high = cosine[known].min(), cosine[known].max()
                semantic[known] = (cosine[known] - low) / (high - low) if high > low else 1.0
        share = np.array([w.share(v.language, lang) for w, lang in zip(per, chunk_languages, strict=True)])
        total += share * keyword + (1.0 - share) * semantic
    return total
