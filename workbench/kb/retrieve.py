"""Hybrid retrieval over knowledge bases: vector + keyword per KB, reciprocal rank fusion, then one rerank.

    retriever = KBRetriever(store, vectors, keyword, client)        # client: the user's AsyncOpenAI (metered as theirs)
    hits = await retriever.search([kb_a, kb_b], "量子纠缠的实验", k=8)
    for hit in hits:                                                 # best first
        hit.chunk.text, hit.document_name, hit.chunk.first_page, hit.score, hit.scores
    if not hits.reranked and hits.rerank_error:                      # RRF order: tell the user why, if you like
        notice(hits.rerank_error.text(locale))

Per KB: the question is embedded with THAT KB's embedding model (one /v1/embeddings call per distinct model,
whatever the number of KBs), its ``candidates`` nearest vectors (Chroma) and best BM25 chunks (jieba/English words)
are fused by reciprocal rank fusion (score = sum over the two lists of 1 / (60 + rank)), and its ``candidates``
best fused chunks go on. All KBs' candidates are then read from the database in one query (text, pages, document
name; a chunk whose row is gone — a document deleted meanwhile — is skipped) and reranked together through the
gateway's ``/v1/rerank`` with the same client (its base URL and key): rerank scores are comparable across KBs
embedded by different models, RRF scores only roughly so. The top ``k`` are returned.

``Hit.scores`` holds "vector" (cosine similarity) and "keyword" (BM25) when that method found the chunk among its
candidates, "rrf" always, "rerank" when reranked. ``Hit.score`` is the rerank score, else the RRF score.

When the reranker is not configured (``rerank_model=None``) or fails (not in the catalogue, unreachable, a bad
answer), the hits come in RRF order instead: the returned list (``Hits``) then has ``reranked == False`` and
``rerank_error`` says why (None when not configured); no hit has a "rerank" score. Nothing else is retried.

Holding ``KnowledgeBase`` records means the caller checked "read" on each (``workbench.kb.access``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
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
from workbench.kb.records import ChunkRecord, Hit, KnowledgeBase

RRF_K = 60
RERANK_TIMEOUT_S = 60.0
MAX_RERANK_DOCUMENTS = 1000          # the gateway's limit per /v1/rerank request
log = logging.getLogger(__name__)


class Hits(list[Hit]):
    """The hits, best first; ``reranked``: ordered by the reranker (else by RRF, ``rerank_error`` says why)."""

    def __init__(self, hits: Sequence[Hit] = (), *, reranked: bool = False,
                 rerank_error: KBError | None = None) -> None:
        super().__init__(hits)
        self.reranked, self.rerank_error = reranked, rerank_error


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
    """Hybrid search of the given KBs for one user (their client, so the calls are metered as theirs)."""

    def __init__(self, store: Any, vectors: Any, keyword: Any, client: openai.AsyncOpenAI, *,
                 rerank_model: str | None = "use-multilingual-rerank:v3", base_url: str | None = None) -> None:
        self.store, self.vectors, self.keyword, self.client = store, vectors, keyword, client
        self.rerank_model, self.base_url = rerank_model, base_url

    async def search(self, kbs: Sequence[KnowledgeBase], query: str, k: int = 8, *, candidates: int = 30) -> Hits:
        """The ``k`` best chunks of ``kbs`` for ``query``, best first (see the module doc)."""
        text = normal_form(query.strip()) if isinstance(query, str) else ""     # as the chunks' text is
        if not text:
            raise Invalid("empty_query", "query")
        if not isinstance(k, int) or k < 1:
            raise Invalid("bad_k", "k")
        if not isinstance(candidates, int) or candidates < 1:
            raise Invalid("bad_candidates", "candidates")
        kbs = list({kb.id: kb for kb in kbs}.values())
        if not kbs:
            return Hits()
        vectors = await self._embed_query(kbs, text)
        per_kb = await asyncio.gather(*(self._kb_candidates(kb, vectors[kb.embedding_model], text, candidates)
                                        for kb in kbs))
        found = [c for kb_candidates in per_kb for c in kb_candidates]
        if not found:
            return Hits()
        rows = await asyncio.to_thread(self._rows, found)
        found = [c for c in found if c.chunk_id in rows]
        if not found:
            return Hits()
        if self.rerank_model is None:
            return self._by_rrf(found, rows, k, None)
        try:
            scores = await self._rerank(text, [_rerank_text(rows[c.chunk_id][0]) for c in found])
        except KBError as exc:
            return self._by_rrf(found, rows, k, exc)
        for candidate, score in zip(found, scores, strict=True):
            candidate.scores["rerank"] = score
        # the reranker's order fused with the hybrid order (RRF again), not in place of it: the embedded reranker
        # scores by the same embedding as the vector search, so alone it undoes what the keywords found
        # (bench/README.md "Knowledge bases": nDCG@10 0.527 reranker order vs 0.578 fused)
        by_rerank = sorted(found, key=lambda c: (-c.scores["rerank"], -c.rrf, c.chunk_id))
        by_hybrid = sorted(found, key=lambda c: (-c.rrf, c.chunk_id))
        final = fuse([[(c.chunk_id, c.scores["rerank"]) for c in by_rerank], [(c.chunk_id, c.rrf) for c in by_hybrid]],
                     ["rerank", "hybrid"])
        for candidate in found:
            candidate.scores["final"] = final[candidate.chunk_id]["rrf"]
        found.sort(key=lambda c: (-c.scores["final"], -c.scores["rerank"], c.chunk_id))
        return Hits([_hit(c, rows, c.scores["final"]) for c in found[:k]], reranked=True)

    # -- steps ----------------------------------------------------------------------------------------------------
    async def _embed_query(self, kbs: Sequence[KnowledgeBase], text: str) -> dict[str, np.ndarray]:
        """The question's vector per embedding model (one call per distinct model)."""
        models = list(dict.fromkeys(kb.embedding_model for kb in kbs))
        results = await asyncio.gather(*(embed(self.client, m, [text]) for m in models), return_exceptions=True)
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

    def _by_rrf(self, found: list[_Candidate], rows: dict, k: int, error: KBError | None) -> Hits:
        found.sort(key=lambda c: (-c.rrf, c.chunk_id))
        return Hits([_hit(c, rows, c.rrf) for c in found[:k]], reranked=False, rerank_error=error)


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
    return Hit(chunk=chunk, document_name=document_name, score=float(score), scores=dict(candidate.scores))
