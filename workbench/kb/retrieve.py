"""Retrieval over knowledge bases: a hybrid stage (vector + keyword per KB, RRF) picks candidates, a rerank stage
orders them by keyword and meaning together, weighted by language.

    retriever = KBRetriever(store, vectors, keyword, client, translator=Translator("qwen2.5-coder:0.5b"))
    hits = await retriever.search([kb_a, kb_b], "量子纠缠的实验", k=8)
    for hit in hits:                                                 # best first
        hit.chunk.text, hit.document_name, hit.chunk.first_page, hit.score, hit.scores
    hits.timings                                                     # ms per stage: embed, hybrid, translate, rerank

Hybrid stage, per KB: the question is embedded with THAT KB's embedding model (one /v1/embeddings call per distinct
model, whatever the number of KBs; the model's query prefix first, e.g. e5's "query: "), its ``candidates`` nearest
vectors (Chroma) and best BM25 chunks (jieba/English words) are fused by reciprocal rank fusion (1 / (60 + rank)
summed over the two lists), and its ``candidates`` best go on. All KBs' candidates are read from the database in one
query (text, pages, document name; a chunk whose row is gone is skipped).

Across languages: when at least a quarter of the candidates are in the other language (Chinese / English) and a
``translator`` is given, the question is translated once (``workbench.kb.translate``: one short chat call, cached)
and the hybrid stage runs again with the translation; its candidates join the others.

Rerank stage (``workbench.kb.rank``): each candidate gets, for the question and its translation, its BM25 from the
KB's keyword index and its cosine from the vector Chroma stores for it (nothing is embedded again), blended with a
keyword share by language pair. With ``rerank_model`` (a reranker from the catalogue, e.g. a cross-encoder behind
vLLM) its scores join the blend with an equal share; if it fails the blend alone orders the hits and
``rerank_error`` says why. ``rerank=False`` returns the hybrid stage's RRF order (``reranked`` False).

``Hit.scores``: "vector" (cosine) and "keyword" (BM25) when that list found the chunk, "rrf" always; after the rerank
"bm25" and "cosine" (for the question as asked), "blend", "rerank" (the catalogue's reranker) and "final".
``Hit.score`` is "final", else "rrf".

Holding ``KnowledgeBase`` records means the caller checked "read" on each (``workbench.kb.access``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import numpy as np
import openai

from shared.messages import Words
from workbench.chat import readable
from workbench.documents.normal_form import normal_form
from workbench.embeddings import EmbeddingError, embed
from workbench.kb.errors import Invalid, KBError
from workbench.kb.rank import Variant, Weights, blend, language_of
from workbench.kb.records import ChunkRecord, Hit, KnowledgeBase
from workbench.kb.translate import Translator

RRF_K = 60
RERANK_TIMEOUT_S = 60.0
MAX_RERANK_DOCUMENTS = 1000          # the gateway's limit per /v1/rerank request
log = logging.getLogger(__name__)


class Hits(list[Hit]):
    """The hits, best first; ``reranked``: ordered by the rerank stage (else by RRF); ``rerank_error``: the catalogue's
    reranker failed (why); ``timings``: milliseconds spent per stage."""

    def __init__(self, hits: Sequence[Hit] = (), *, reranked: bool = False, rerank_error: KBError | None = None,
                 timings: dict[str, float] | None = None) -> None:
        super().__init__(hits)
        self.reranked, self.rerank_error, self.timings = reranked, rerank_error, timings or {}


@dataclass
class _Asked:
    """One form of the question: its text, language and vector per embedding model."""

    text: str
    language: str
    vectors: dict[str, np.ndarray]


class _Clock:
    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._at = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.spent[stage] = round((now - self._at) * 1000, 2)
        self._at = now


@dataclass
class _Candidate:
    kb: KnowledgeBase
    chunk_id: str
    rrf: float
    scores: dict[str, float] = field(default_factory=dict)


def fuse(ranked: Sequence[Sequence[tuple[str, float]]], names: Sequence[str], k: int = RRF_K) -> dict[str, dict]:
    """Reciprocal rank fusion of ranked lists (best first): chunk id -> {"rrf": .., name: the list's own score}."""
    fused: dict[str, dict[str, float]] = {}
    for hits, name in zip(ranked, names, strict=True):
        for rank, (chunk_id, score) in enumerate(hits, start=1):
            entry = fused.setdefault(chunk_id, {"rrf": 0.0})
            entry["rrf"] += 1.0 / (k + rank)
            entry[name] = float(score)
    return fused


class KBRetriever:
    """Search of the given KBs for one user (their client, so the calls are metered as theirs)."""

    def __init__(self, store: Any, vectors: Any, keyword: Any, client: openai.AsyncOpenAI, *,
                 rerank_model: str | None = None, base_url: str | None = None, translator: Translator | None = None,
                 query_prefix: Callable[[str], str] = lambda model: "",
                 weights: Callable[[str], Weights] = Weights.of) -> None:
        self.store, self.vectors, self.keyword, self.client = store, vectors, keyword, client
        self.rerank_model, self.base_url, self.translator = rerank_model, base_url, translator
        self.query_prefix, self.weights = query_prefix, weights

    async def search(self, kbs: Sequence[KnowledgeBase], query: str, k: int = 8, *, candidates: int = 30,
                     rerank: bool = True) -> Hits:
        """The ``k`` best chunks of ``kbs`` for ``query``, best first (see the module doc)."""
        text = normal_form(query.strip()) if isinstance(query, str) else ""     # as the chunks' text is
        if not text:
            raise Invalid("empty_query", "query")
        if not isinstance(k, int) or k < 1:
            raise Invalid("bad_k", "k")
        if not isinstance(candidates, int) or candidates < 1:
            raise Invalid("bad_candidates", "candidates")
        kbs = list({kb.id: kb for kb in kbs}.values())
        clock = _Clock()
        if not kbs:
            return Hits(timings=clock.spent)
        asked = _Asked(text, language_of(text), await self._embed_query(kbs, text))
        clock.lap("embed")
        found = await self._hybrid(kbs, asked, candidates, {})
        rows = await asyncio.to_thread(self._rows, list(found.values()))
        found = {cid: c for cid, c in found.items() if cid in rows}
        clock.lap("hybrid")
        if not found:
            return Hits(timings=clock.spent)
        if not rerank:
            return self._by_rrf(list(found.values()), rows, k, None, clock)
        languages = {cid: language_of(rows[cid][0].text) for cid in found}
        variants = [asked]
        other = "en" if asked.language == "zh" else "zh"
        if self.translator is not None and 4 * sum(lang == other for lang in languages.values()) >= len(languages):
            translated = normal_form(await self.translator.translate(self.client, text, other) or "")
            if translated and language_of(translated) == other:        # a small model sometimes answers untranslated
                variant = _Asked(translated, other, await self._embed_query(kbs, translated))
                variants.append(variant)
                more = await self._hybrid(kbs, variant, candidates, found)
                if more:
                    new_rows = await asyncio.to_thread(self._rows, list(more.values()))
                    rows.update(new_rows)
                    found.update({cid: c for cid, c in more.items() if cid in new_rows})
                    languages.update({cid: language_of(new_rows[cid][0].text) for cid in new_rows})
            clock.lap("translate")
        ordered = list(found.values())
        await asyncio.to_thread(self._blend, ordered, variants, [languages[c.chunk_id] for c in ordered])
        error = None
        if self.rerank_model is not None:
            try:
                scores = await self._rerank(text, [_rerank_text(rows[c.chunk_id][0]) for c in ordered])
            except KBError as exc:
                error = exc
            else:
                top, low = max(scores), min(scores)
                for candidate, score in zip(ordered, scores, strict=True):
                    candidate.scores["rerank"] = score
                    candidate.scores["final"] += len(variants) * ((score - low) / (top - low) if top > low else 1.0)
        ordered.sort(key=lambda c: (-c.scores["final"], -c.rrf, c.chunk_id))
        clock.lap("rerank")
        return Hits([_hit(c, rows, c.scores["final"]) for c in ordered[:k]], reranked=True, rerank_error=error,
                    timings=clock.spent)

    async def _hybrid(self, kbs: Sequence[KnowledgeBase], asked: _Asked, n: int,
                      known: dict[str, _Candidate]) -> dict[str, _Candidate]:
        """Each KB's ``n`` best by RRF of its vector and keyword lists for one form of the question (chunks already
        in ``known`` are left out)."""
        per_kb = await asyncio.gather(*(self._kb_candidates(kb, asked.vectors[kb.embedding_model], asked.text, n)
                                        for kb in kbs))
        return {c.chunk_id: c for kb_candidates in per_kb for c in kb_candidates if c.chunk_id not in known}

    def _blend(self, ordered: list[_Candidate], variants: Sequence[_Asked], languages: list[str]) -> None:
        """The rerank stage's scores ("bm25", "cosine", "blend", "final") on each candidate (``workbench.kb.rank``)."""
        by_kb: dict[str, list[_Candidate]] = {}
        for c in ordered:
            by_kb.setdefault(c.kb.id, []).append(c)
        stored: dict[str, np.ndarray] = {}
        for kb_candidates in by_kb.values():
            kb = kb_candidates[0].kb
            stored.update(self.vectors.vectors(kb.id, [c.chunk_id for c in kb_candidates], kb.embedding_model))
        features = []
        for asked in variants:
            bm25: dict[str, float] = {}
            for kb_candidates in by_kb.values():
                bm25.update(self.keyword.scores(kb_candidates[0].kb.id, asked.text,
                                                [c.chunk_id for c in kb_candidates]))
            cosine = [float(stored[c.chunk_id] @ asked.vectors[c.kb.embedding_model]) if c.chunk_id in stored
                      else math.nan for c in ordered]
            features.append(Variant(asked.language, [bm25.get(c.chunk_id, 0.0) for c in ordered], cosine))
        self.last_features = features                   # what bench/kb_quality.py --tune reads
        models = [c.kb.embedding_model for c in ordered]
        scores = blend(features, languages, [self.weights(m) for m in models], models)
        for candidate, score, bm25_asked, cos_asked in zip(ordered, scores, features[0].bm25, features[0].cosine,
                                                           strict=True):
            candidate.scores.update(bm25=bm25_asked, blend=float(score), final=float(score))
            if math.isfinite(cos_asked):
                candidate.scores["cosine"] = cos_asked

    # -- steps ----------------------------------------------------------------------------------------------------
    async def _embed_query(self, kbs: Sequence[KnowledgeBase], text: str) -> dict[str, np.ndarray]:
        """The question's vector per embedding model (one call per distinct model)."""
        models = list(dict.fromkeys(kb.embedding_model for kb in kbs))
        results = await asyncio.gather(*(embed(self.client, m, [self.query_prefix(m) + text]) for m in models),
                                       return_exceptions=True)
        out: dict[str, np.ndarray] = {}
        for model, result in zip(models, results, strict=True):
            if isinstance(result, EmbeddingError):
                names = ", ".join(f"“{kb.name}”" for kb in kbs if kb.embedding_model == model)
                raise KBError("embedding_failed", "kbs", code=result.code or "embedding_failed", names=names,
                              model=model, reason=_said(result))
            if isinstance(result, BaseException):
                raise result
            out[model] = result[0]
        return out

    async def _kb_candidates(self, kb: KnowledgeBase, vector: np.ndarray, text: str, n: int) -> list[_Candidate]:
        by_vector, by_keyword = await asyncio.gather(asyncio.to_thread(self.vectors.query, kb, vector, n),
                                                     asyncio.to_thread(self.keyword.query, kb.id, text, n))
        fused = fuse([by_vector, by_keyword], ["vector", "keyword"])
        best = sorted(fused.items(), key=lambda item: (-item[1]["rrf"], item[0]))[:n]
        return [_Candidate(kb, chunk_id, scores["rrf"], scores) for chunk_id, scores in best]

    def _rows(self, found: Sequence[_Candidate]) -> dict[str, tuple[ChunkRecord, str]]:
        """The candidates' chunk rows and document names; only rows of the candidate's own KB, of documents that
        finished ingesting (chunk rows are written just before their document is ready). Two lookups by primary
        key: DuckDB runs the joined form as a scan of every chunk (~90 ms p95 at 100k chunks, ~15 ms this way)."""
        ids = list(dict.fromkeys(c.chunk_id for c in found))
        cur = self.store.cursor()
        rows = cur.execute("SELECT id, kb_id, document_id, idx, text, first_page, last_page, heading, tokens "
                           f"FROM kb_chunks WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall()
        docs = list(dict.fromkeys(r[2] for r in rows))
        names = dict(cur.execute(f"SELECT id, name FROM kb_documents WHERE status = 'ready' AND id IN "
                                 f"({', '.join('?' * len(docs))})", docs).fetchall()) if docs else {}
        kb_of = {c.chunk_id: c.kb.id for c in found}
        return {r[0]: (ChunkRecord(id=r[0], kb_id=r[1], document_id=r[2], idx=r[3], text=r[4], first_page=r[5],
                                   last_page=r[6], heading=r[7], tokens=r[8]), names[r[2]])
                for r in rows if r[2] in names and kb_of.get(r[0]) == r[1]}

    async def _rerank(self, text: str, documents: list[str]) -> list[float]:
        """Relevance of each document (in order) from the gateway's /v1/rerank; a KBError when it cannot say."""
        url = f"{self.base_url.rstrip('/')}/rerank" if self.base_url else "/rerank"
        scores = [math.nan] * len(documents)
        for at in range(0, len(documents), MAX_RERANK_DOCUMENTS):
            part = documents[at: at + MAX_RERANK_DOCUMENTS]
            try:
                reply = await self.client.post(url, cast_to=httpx.Response,
                                               body={"model": self.rerank_model, "query": text, "documents": part,
                                                     "top_n": len(part), "return_documents": False},
                                               options={"max_retries": 0, "timeout": RERANK_TIMEOUT_S})
                results = reply.json()["results"]
                for r in results:
                    i, score = r["index"], float(r["relevance_score"])
                    if not 0 <= i < len(part) or not math.isfinite(score):
                        raise ValueError(f"bad result {r!r}")
                    scores[at + i] = score
            except openai.APIError as exc:
                failure = readable(exc)
                log.warning("rerank with %s failed: %s", self.rerank_model, exc)
                raise KBError("rerank_failed", model=self.rerank_model, reason=_said(failure)) from None
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("rerank with %s gave an answer we cannot read: %s", self.rerank_model, exc)
                raise KBError("rerank_failed.unreadable", model=self.rerank_model) from None
        if any(math.isnan(s) for s in scores):
            log.warning("rerank with %s left documents without a score", self.rerank_model)
            raise KBError("rerank_failed.unscored", model=self.rerank_model)
        return scores

    def _by_rrf(self, found: list[_Candidate], rows: dict, k: int, error: KBError | None, clock: _Clock) -> Hits:
        found.sort(key=lambda c: (-c.rrf, c.chunk_id))
        return Hits([_hit(c, rows, c.rrf) for c in found[:k]], reranked=False, rerank_error=error, timings=clock.spent)


class _Said(Protocol):
    def text(self, locale: str) -> str: ...


def _said(failure: _Said) -> Words:
    """A failure from elsewhere (an ``EmbeddingError``, ``workbench.chat.readable``'s ``Error``) as a field's value:
    its own words in both languages."""
    return Words(failure.text("en"), failure.text("zh"))


def _rerank_text(chunk: ChunkRecord) -> str:
    """What the reranker reads of a chunk: its heading (when the text does not start with it), then the text."""
    if chunk.heading and not chunk.text.lstrip().startswith(chunk.heading):
        return f"{chunk.heading}\n{chunk.text}"
    return chunk.text


def _hit(candidate: _Candidate, rows: dict[str, tuple[ChunkRecord, str]], score: float) -> Hit:
    chunk, document_name = rows[candidate.chunk_id]
    return Hit(chunk=chunk, document_name=document_name, score=float(score), scores=dict(candidate.scores),
               model=candidate.kb.embedding_model)
