"""What a conversation's documents give a question: ``ContextBlock``s for the chat engine, within a token budget.

    retriever = Retriever(attachments, client, embedding_model="use-multilingual:v3")   # client: AsyncOpenAI
    found = await retriever.context("alice", conv_id, question, budget_tokens=document_budget(8192))
    engine.send("alice", conv_id, question, context=found.blocks)

When every attached document fits the budget, each goes whole, with page markers ("[p. 3]") for PDFs.
Otherwise the chunks are embedded through the gateway's ``/v1/embeddings`` (once: the vectors are
cached in the workbench DB per chunk and embedding model), the question too, and the best chunks by
cosine similarity (plus a small bonus for the question's rarer words, which a sentence encoder
misses) fill the budget. Nothing is cut silently: each block's first line says what it holds ("Excerpts
of “report.pdf” (30 pages) chosen for this question: pages 16–18, 22. The rest of the document is not
shown here.") and how to cite it ("(report.pdf, p. 17)"); documents with nothing shown are named too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import openai

from workbench import prompts
from workbench.attachments import Attachment, Attachments, PageText, Passage
from workbench.chat import ContextBlock, estimate_tokens, prompt_budget
from workbench.documents.normal_form import normal_form
from workbench.embeddings import EmbeddingError, embed
from workbench.errors import WorkbenchError

LEXICAL_WEIGHT = 0.3
HEADER_TOKENS = 60          # a document's first line (what it is, what is shown, how to cite it), about
MIN_RELATIVE = 0.4          # a passage scoring under this share of the best one is not worth its tokens
_WORD = re.compile(r"[^\W_]+")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_STOP = frozenset(
    "the and for are was were with that this from what which who whom whose how why when where does did has have had "
    "not but can could would should will shall may might must about into onto over under than then there their "
    "they them these those its it's also any all each per our your you his her she him been being very more most "
    "some such only other out use used using tell say said give show find list document paper report page pages "
    "please".split())


class RetrievalError(WorkbenchError):
    """The documents could not be searched (the embedding model failed or refused); readable en/zh."""


@dataclass(frozen=True)
class Included:
    """What of one document went to the model: ``pages`` shown (all of them when ``complete``)."""

    attachment_id: str
    name: str
    pages: tuple[int, ...]
    complete: bool


@dataclass(frozen=True)
class Retrieval:
    """``mode``: "none" (no documents), "full" (all whole), "excerpts" (chosen passages) or "nothing_fits"."""

    mode: str
    blocks: list[ContextBlock]
    included: list[Included]


def document_budget(context_length: int, *, max_tokens: int | None = None, thinking_budget: int | None = None,
                    share: float = 0.5) -> int:
    """Tokens the documents may take of a prompt: ``share`` of what the chat engine leaves for the prompt."""
    return max(0, int(prompt_budget(context_length, max_tokens, thinking_budget) * share))


def page_ranges(pages: Sequence[int]) -> str:
    """ "3, 16–18, 22" from [3, 16, 17, 18, 22]."""
    numbers, out = sorted(set(pages)), []
    for n in numbers:
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in out)


def _title(name: str) -> str:
    return name.replace('"', "'").replace("<", "‹").replace(">", "›")


def _block_cost(title: str, text: str) -> int:
    return estimate_tokens(prompts.CONTEXT_BLOCK.format(title=title, text=text)) + 2


def _cite(a: Attachment) -> str:
    return (prompts.DOCUMENT_CITE_PAGES if a.paged else prompts.DOCUMENT_CITE).format(name=a.name)


def _unreadable(a: Attachment) -> str:
    return prompts.DOCUMENT_UNREADABLE.format(pages=page_ranges(a.unreadable_pages)) if a.unreadable_pages else ""


def _size(a: Attachment) -> str:
    return prompts.document_size(a.pages, a.chars, a.paged)


# -- a small lexical score: the share of the question's (rarer) words a passage contains ---------------------------
def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> set[str]:
    """Lower-case words of 3+ letters (stop words out, plurals folded) and pairs of adjacent CJK characters."""
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        for run in _CJK_RUN.findall(word):
            out.update(run[i: i + 2] for i in range(len(run) - 1))
        latin = _CJK_RUN.sub(" ", word).split()
        out.update(_stem(w) for w in latin if len(w) >= 3 and w not in _STOP and not w.isdigit())
    return out


def lexical_scores(question: str, texts: Sequence[str]) -> np.ndarray:
    """For each text, the idf-weighted share of the question's terms it contains (0..1)."""
    wanted = terms(question)
    if not wanted or not texts:
        return np.zeros(len(texts), dtype=np.float32)
    sets = [terms(t) for t in texts]
    df = {t: sum(t in s for s in sets) for t in wanted}
    idf = {t: math.log(1 + len(sets) / df[t]) for t in wanted if df[t]}
    total = sum(idf.values())
    if not total:
        return np.zeros(len(texts), dtype=np.float32)
    return np.array([sum(w for t, w in idf.items() if t in s) / total for s in sets], dtype=np.float32)


class Retriever:
    """Picks the attached documents' text for a question; embeds through the gateway with the user's key."""

    def __init__(self, attachments: Attachments, client: openai.AsyncOpenAI, embedding_model: str, *,
                 top_k: int = 6, lexical_weight: float = LEXICAL_WEIGHT, min_relative: float = MIN_RELATIVE) -> None:
        self.attachments, self.client, self.embedding_model = attachments, client, embedding_model
        self.top_k, self.lexical_weight, self.min_relative = top_k, lexical_weight, min_relative
        self.last_scores: list[tuple[str, int, float]] = []     # (document, chunk, score) of the last search
        self.embedded = 0               # chunks embedded by this retriever (the rest came from the cache)

    async def _embed(self, texts: Sequence[str]) -> np.ndarray:
        try:
            return await embed(self.client, self.embedding_model, texts)
        except EmbeddingError as exc:
            raise RetrievalError(exc.message, zh=exc.zh, code=exc.code) from None

    async def _vectors(self, attachment: Attachment, passages: Sequence[Passage]) -> dict[int, np.ndarray]:
        cached = self.attachments.vectors(attachment, self.embedding_model)
        missing = [p for p in passages if p.index not in cached]
        if missing:
            fresh = await self._embed([p.text for p in missing])
            new = {p.index: fresh[i] for i, p in enumerate(missing)}
            self.attachments.save_vectors(attachment, self.embedding_model, new)
            self.embedded += len(missing)
            cached.update(new)
        return cached

    async def prepare(self, user_id: str, attachment_id: str) -> int:
        """Embed a document's chunks now (for example right after attaching it); how many were new."""
        attachment = self.attachments.get(user_id, attachment_id)
        before = self.embedded
        await self._vectors(attachment, self.attachments.passages(attachment))
        return self.embedded - before

    async def context(self, user_id: str, conversation_id: str, question: str, *, budget_tokens: int,
                      attachment_ids: Sequence[str] | None = None) -> Retrieval:
        """The blocks to send with ``question``: whole documents when all fit ``budget_tokens``, else excerpts."""
        documents = self.attachments.list(user_id, conversation_id)
        if attachment_ids is not None:
            documents = [a for a in documents if a.id in set(attachment_ids)]
        if not documents:
            return Retrieval("none", [], [])
        if sum(a.tokens + HEADER_TOKENS for a in documents) <= budget_tokens * 1.1:     # worth a closer look
            whole = self._whole(documents)
            if sum(_block_cost(title, text) for title, text in whole) <= budget_tokens:
                return Retrieval("full", [ContextBlock(title, text) for title, text in whole],
                                 [Included(a.id, a.name, tuple(range(1, a.pages + 1)), True) for a in documents])
        return await self._excerpts(documents, normal_form(question), budget_tokens)   # as the passages' text is

    def _whole(self, documents: Sequence[Attachment]) -> list[tuple[str, str]]:
        out = []
        for a in documents:
            head = prompts.DOCUMENT_FULL.format(name=a.name, size=_size(a), unreadable=_unreadable(a), cite=_cite(a))
            out.append((_title(a.name), head + "\n\n" + self.attachments.text(a)))
        return out

    async def _excerpts(self, documents: Sequence[Attachment], question: str, budget: int) -> Retrieval:
        candidates: list[tuple[Attachment, Passage, np.ndarray]] = []
        for a in documents:
            passages = self.attachments.passages(a)
            vectors = await self._vectors(a, passages)
            candidates += [(a, p, vectors[p.index]) for p in passages if p.index in vectors]
        query = (await self._embed([question]))[0]
        matrix = np.vstack([v for _, _, v in candidates])
        scores = matrix @ query + self.lexical_weight * lexical_scores(question, [p.text for _, p, _ in candidates])
        order = np.argsort(-scores, kind="stable")
        self.last_scores = [(candidates[i][0].name, candidates[i][1].index, round(float(scores[i]), 3)) for i in order]
        rank = {(candidates[i][0].id, candidates[i][1].index): -r for r, i in enumerate(order)}
        chosen: dict[str, list[Passage]] = {}
        spent = 0                               # with several documents: room for the note on what is left out
        if len(documents) > 1:
            spent = _block_cost(prompts.DOCUMENT_LEFT_OUT_TITLE, prompts.DOCUMENT_LEFT_OUT.format(
                names=", ".join(f"“{a.name}”" for a in documents)))
        floor = float(scores[order[0]]) * self.min_relative
        for i in order[: self.top_k * 3]:
            if sum(len(v) for v in chosen.values()) >= self.top_k or scores[i] < floor:
                break
            a, p, _ = candidates[i]
            header = 0 if a.id in chosen else _block_cost(_title(a.name), self._excerpt_head(a, [p]))
            cost = header + p.tokens + 4
            if spent + cost <= budget:
                chosen.setdefault(a.id, []).append(p)
                spent += cost
        while True:
            blocks, included = [], []
            for a in documents:
                if chosen.get(a.id):
                    block, pages = self._excerpt_block(a, chosen[a.id])
                    blocks.append(block)
                    included.append(Included(a.id, a.name, pages, False))
            left_out = [a for a in documents if not chosen.get(a.id)]
            note = prompts.DOCUMENT_LEFT_OUT.format(names=", ".join(f"“{a.name}”" for a in left_out))
            cost = sum(_block_cost(b.title, b.text) for b in blocks) + (
                _block_cost(prompts.DOCUMENT_LEFT_OUT_TITLE, note) if left_out else 0)
            if cost <= budget or not blocks:
                break
            last = min(((aid, p) for aid, ps in chosen.items() for p in ps), key=lambda x: rank[(x[0], x[1].index)])
            chosen[last[0]].remove(last[1])             # the estimate grew past the budget: drop the weakest
        if not blocks:
            names = ", ".join(f"“{a.name}”" for a in documents)
            return Retrieval("nothing_fits", [ContextBlock(prompts.DOCUMENT_LEFT_OUT_TITLE,
                                                           prompts.DOCUMENT_NOTHING_FITS.format(names=names))],
                             [Included(a.id, a.name, (), False) for a in documents])
        if left_out:
            blocks.append(ContextBlock(prompts.DOCUMENT_LEFT_OUT_TITLE, note))
            included += [Included(a.id, a.name, (), False) for a in left_out]
        return Retrieval("excerpts", blocks, included)

    def _excerpt_head(self, a: Attachment, passages: Sequence[Passage]) -> str:
        pages = sorted({n for p in passages for n in range(p.first_page, p.last_page + 1)})
        shown = ("pages " if len(pages) > 1 else "page ") + page_ranges(pages) if a.paged else \
            f"{len(passages)} passage" + ("" if len(passages) == 1 else "s")
        return prompts.DOCUMENT_EXCERPTS.format(name=a.name, size=_size(a), included=shown,
                                                unreadable=_unreadable(a), cite=_cite(a))

    def _excerpt_block(self, a: Attachment, passages: Sequence[Passage]) -> tuple[ContextBlock, tuple[int, ...]]:
        """The chosen passages in document order, overlapping ones merged, gaps marked."""
        pages_text: list[PageText] = self.attachments.pages(a)
        spans: list[list[int]] = []
        loose: list[Passage] = []
        for p in sorted(passages, key=lambda p: (p.start, p.index)):
            if p.start < 0:
                loose.append(p)
            elif spans and p.start <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], p.end)
            else:
                spans.append([p.start, p.end])
        pieces = [self.attachments.text(a, s, e, pages_text) for s, e in spans] + [p.text for p in loose]
        body = f"\n\n{prompts.DOCUMENT_GAP}\n\n".join(x for x in pieces if x)
        pages = tuple(sorted({n for p in passages for n in range(p.first_page, p.last_page + 1)}))
        return ContextBlock(_title(a.name), self._excerpt_head(a, passages) + "\n\n" + body), pages
