"""What a conversation's documents give a question: numbered passages for the chat engine, within a token budget.

    retriever = Retriever(attachments, client, embedding_model="use-multilingual:v3")   # client: AsyncOpenAI
    found = await retriever.context("alice", conv_id, question, budget_tokens=document_budget(8192), start=1)
    engine.send("alice", conv_id, question, context=found.blocks)
    found.sources      # DocSource per passage, numbered from ``start``: document, page and the text the model read

The model reads numbered passages, as for knowledge bases and web pages, and cites them as [n]: one block per
document, its first line saying what it holds and how to cite, then its passages, each on one page ("[3] p. 17" and
the text). When every attached document fits the budget, each goes whole, cut into its passages (the stored chunks
without their overlap, so the text is the document's, once, and at page ends). Otherwise the chunks are embedded
through the gateway's ``/v1/embeddings`` (once: the vectors are cached in the workbench DB per chunk and embedding
model), the question too, and the best chunks by cosine similarity (plus a small bonus for the question's rarer
words, which a sentence encoder misses) fill the budget. Nothing is cut silently: a block's first line says which
pages of the document are shown and that the rest is not, and documents with nothing shown are named too.
``DocSource.saved()`` is what a conversation keeps of a passage the answer cites (document, pages, quote);
``read_source`` gives it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import openai

from shared.locale import language
from workbench import prompts
from workbench.attachments import Attachment, Attachments, PageText, Passage, render
from workbench.chat import CODES, ContextBlock, estimate_tokens, prompt_budget
from workbench.documents.normal_form import normal_form
from workbench.embeddings import EmbeddingError, embed
from workbench.errors import WorkbenchError
from workbench.kb.answer import PAGES, QUOTE_CHARS
from workbench.lexical import rare_word_shares

LEXICAL_WEIGHT = 0.3
HEADER_TOKENS = 80          # a document's first line (what it is, what is shown, how to cite it), about
PASSAGE_TOKENS = 8          # a passage's heading ("[3] p. 17") and the blank line before it
KIND = "doc"                # a saved source that is a passage of an attached document
MIN_RELATIVE = 0.4          # a passage scoring under this share of the best one is not worth its tokens


class RetrievalError(WorkbenchError):
    """The documents could not be searched (the embedding model failed or refused): said as the chat's ``chat.<code>``
    (``workbench.chat.Error``'s words), ``code`` as the embedding call's."""


@dataclass(frozen=True)
class Included:
    """What of one document went to the model: ``pages`` shown (all of them when ``complete``)."""

    attachment_id: str
    name: str
    pages: tuple[int, ...]
    complete: bool


def _pages_label(first: int | None, last: int | None, locale: str = "en") -> str:
    if first is None:
        return ""
    one, many = PAGES[language(locale)]
    last = last if last is not None else first
    return (one if last == first else many).format(first=first, last=last)


@dataclass(frozen=True)
class DocSource:
    """One numbered passage of an attached document: what the model reads as [``index``], and what is kept."""

    index: int
    attachment_id: str
    document: str
    paged: bool                          # page numbers mean something (a PDF)
    first_page: int
    last_page: int
    text: str
    chunk: int = field(default=-1, compare=False)          # the stored chunk it comes from

    def pages(self, locale: str = "en") -> str:
        """ "p. 3" / "pp. 3–4" (Chinese: "第 3 页"), or "" for a document without pages."""
        return _pages_label(self.first_page, self.last_page, locale) if self.paged else ""

    def saved(self) -> dict[str, Any]:
        """As a conversation keeps it among an answer's sources (``read_source`` gives it back): ``{index, title
        (the document), url: "", kind: "doc", detail ("p. 3", for exports), attachment_id, first_page, last_page
        (null without pages), quote}``; the quote is cut at ``QUOTE_CHARS``."""
        text = re.sub(r"\[pp?\. [\d–]+\]\s*", " ", self.text)
        text = re.sub(r"\s+", " ", text).strip()
        text = text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rstrip() + " …"
        return {"index": self.index, "title": self.document, "url": "", "kind": KIND, "detail": self.pages("en"),
                "attachment_id": self.attachment_id, "first_page": self.first_page if self.paged else None,
                "last_page": self.last_page if self.paged else None, "quote": text}


def is_source(item: Any) -> bool:
    """A saved passage of an attached document."""
    return isinstance(item, Mapping) and item.get("kind") == KIND


def read_source(item: Any) -> DocSource | None:
    """A saved document passage back (None for anything else)."""
    if not is_source(item):
        return None
    try:
        index = int(item.get("index") or 0)
    except (TypeError, ValueError):
        return None
    first, last = item.get("first_page"), item.get("last_page")
    paged = isinstance(first, int) and not isinstance(first, bool)
    last = last if isinstance(last, int) and not isinstance(last, bool) else first
    return DocSource(index, str(item.get("attachment_id") or ""), str(item.get("title") or ""), paged,
                     first if paged else 1, last if paged else 1, str(item.get("quote") or ""))


@dataclass(frozen=True)
class DocumentContext:
    """``mode``: "none" (no documents), "full" (all whole), "excerpts" (chosen passages) or "nothing_fits";
    ``sources``: the numbered passages; ``vectors``: the cached embedding of a source's chunk, by source number."""

    mode: str
    blocks: list[ContextBlock]
    included: list[Included]
    sources: list[DocSource] = field(default_factory=list)
    vectors: dict[int, np.ndarray] = field(default_factory=dict, compare=False, repr=False)


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


def _unreadable(a: Attachment) -> str:
    return prompts.DOCUMENT_UNREADABLE.format(pages=page_ranges(a.unreadable_pages)) if a.unreadable_pages else ""


def _size(a: Attachment) -> str:
    return prompts.document_size(a.pages, a.chars, a.paged)


def lexical_scores(question: str, texts: Sequence[str]) -> np.ndarray:
    """For each text, the idf-weighted share of the question's terms it contains (0..1); words no text has count
    for nothing."""
    return rare_word_shares([question], texts)[0]


def hybrid_scores(query: np.ndarray, vectors: np.ndarray, question: str, texts: Sequence[str], *,
                  lexical_weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """Each text's score for a question: cosine similarity of the unit vectors, plus ``lexical_weight`` times the
    share of the question's rarer words it holds (numbers, names, codes: what a sentence encoder misses)."""
    return vectors @ query + lexical_weight * lexical_scores(question, texts)


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
            code = exc.code if exc.code in CODES else "failed"
            raise RetrievalError(f"chat.{code}", code=code) from None

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
                      attachment_ids: Sequence[str] | None = None, start: int = 1) -> DocumentContext:
        """The blocks to send with ``question``, passages numbered from ``start``: whole documents when all fit
        ``budget_tokens``, else excerpts."""
        documents = self.attachments.list(user_id, conversation_id)
        if attachment_ids is not None:
            documents = [a for a in documents if a.id in set(attachment_ids)]
        if not documents:
            return DocumentContext("none", [], [])
        if sum(a.tokens + HEADER_TOKENS for a in documents) <= budget_tokens * 1.1:     # worth a closer look
            chosen = {a.id: self.attachments.passages(a) for a in documents}
            found = self._numbered(documents, chosen, start, complete=True)
            if self._cost(found) <= budget_tokens:
                return found
        return await self._excerpts(documents, normal_form(question), budget_tokens, start)   # as the passages' text is

    # -- numbered passages -------------------------------------------------------------------------------------------
    def _segments(self, a: Attachment, passages: Sequence[Passage]) -> list[tuple[Passage, str, int, bool]]:
        """The passages in document order as (passage, text, page, whole), each cut where the next one (when it is
        there too) begins, so the overlap of neighbouring chunks is read once, and a PDF's also at page ends, so
        each numbered passage is on one page (``whole``: not cut at a page end, its chunk's vector fits it)."""
        pages_text: list[PageText] = self.attachments.pages(a)
        ordered = sorted(passages, key=lambda p: p.index)
        out = []
        for k, p in enumerate(ordered):
            if p.start < 0:                     # a chunk whose span was not found: as stored
                out.append((p, p.text, p.first_page, True))
                continue
            after = ordered[k + 1] if k + 1 < len(ordered) else None
            end = min(p.end, after.start) if after is not None and after.index == p.index + 1 and \
                p.start < after.start else p.end
            if not a.paged:
                text = render(pages_text, p.start, end, markers=False)
                if text.strip():
                    out.append((p, text, 1, True))
                continue
            pieces = []
            for page in pages_text:
                if page.start is None:
                    continue
                low, high = max(p.start, page.start), min(end, page.start + len(page.text))
                text = render(pages_text, low, high, markers=False) if low < high else ""
                if text.strip():
                    pieces.append((p, text, page.number))
            out += [(q, text, number, len(pieces) == 1) for q, text, number in pieces]
        return out

    def _numbered(self, documents: Sequence[Attachment], chosen: dict[str, Sequence[Passage]], start: int, *,
                  complete: bool) -> DocumentContext:
        """One block per document with something chosen: its first line (what it is, what is shown, how to cite),
        then each chosen passage numbered (documents in order, passages in document order, one page each); a note
        naming the documents with nothing chosen."""
        blocks: list[ContextBlock] = []
        sources: list[DocSource] = []
        included: list[Included] = []
        vectors: dict[int, np.ndarray] = {}
        left_out = []
        for a in documents:
            segments = self._segments(a, chosen.get(a.id) or ())
            if not segments:
                left_out.append(a)
                continue
            cached = self.attachments.vectors(a, self.embedding_model)
            mine: list[DocSource] = []
            for p, text, page, whole in segments:
                source = DocSource(start + len(sources), a.id, a.name, a.paged, page, page, text, chunk=p.index)
                sources.append(source)
                mine.append(source)
                if whole and p.index in cached:
                    vectors[source.index] = cached[p.index]
            pages = tuple(range(1, a.pages + 1)) if complete else tuple(sorted({s.first_page for s in mine}))
            included.append(Included(a.id, a.name, pages, complete))
            if complete:
                head = prompts.DOCUMENT_WHOLE.format(name=a.name, size=_size(a), unreadable=_unreadable(a),
                                                     cite=prompts.DOCUMENT_CITE)
            else:
                shown = ("pages " if len(pages) > 1 else "page ") + page_ranges(pages) if a.paged else \
                    f"{len(mine)} passage" + ("" if len(mine) == 1 else "s")
                head = prompts.DOCUMENT_EXCERPTS.format(name=a.name, size=_size(a), included=shown,
                                                        unreadable=_unreadable(a), cite=prompts.DOCUMENT_CITE)
            body = "\n\n".join(prompts.DOCUMENT_PASSAGE.format(index=s.index, pages=s.pages("en")).rstrip() + "\n" +
                               s.text for s in mine)
            blocks.append(ContextBlock(_title(a.name), head + "\n\n" + body))
        if not sources:
            names = ", ".join(f"“{a.name}”" for a in documents)
            return DocumentContext("nothing_fits", [ContextBlock(prompts.DOCUMENT_LEFT_OUT_TITLE,
                                                           prompts.DOCUMENT_NOTHING_FITS.format(names=names))],
                             [Included(a.id, a.name, (), False) for a in documents])
        if left_out:
            blocks.append(ContextBlock(prompts.DOCUMENT_LEFT_OUT_TITLE, prompts.DOCUMENT_LEFT_OUT.format(
                names=", ".join(f"“{a.name}”" for a in left_out))))
            included += [Included(a.id, a.name, (), False) for a in left_out]
        order = {a.id: k for k, a in enumerate(documents)}
        included.sort(key=lambda i: order[i.attachment_id])
        return DocumentContext("full" if complete else "excerpts", blocks, included, sources, vectors)

    @staticmethod
    def _cost(found: DocumentContext) -> int:
        return sum(_block_cost(b.title, b.text) for b in found.blocks)

    async def _excerpts(self, documents: Sequence[Attachment], question: str, budget: int,
                        start: int) -> DocumentContext:
        candidates: list[tuple[Attachment, Passage, np.ndarray]] = []
        for a in documents:
            passages = self.attachments.passages(a)
            vectors = await self._vectors(a, passages)
            candidates += [(a, p, vectors[p.index]) for p in passages if p.index in vectors]
        query = (await self._embed([question]))[0]
        matrix = np.vstack([v for _, _, v in candidates])
        scores = hybrid_scores(query, matrix, question, [p.text for _, p, _ in candidates],
                               lexical_weight=self.lexical_weight)
        order = np.argsort(-scores, kind="stable")
        self.last_scores = [(candidates[i][0].name, candidates[i][1].index, round(float(scores[i]), 3)) for i in order]
        rank = {(candidates[i][0].id, candidates[i][1].index): -r for r, i in enumerate(order)}
        chosen: dict[str, list[Passage]] = {}
        spent = 0
        if len(documents) > 1:                  # room for the note on what is left out
            spent += _block_cost(prompts.DOCUMENT_LEFT_OUT_TITLE, prompts.DOCUMENT_LEFT_OUT.format(
                names=", ".join(f"“{a.name}”" for a in documents)))
        floor = float(scores[order[0]]) * self.min_relative
        for i in order[: self.top_k * 3]:
            if sum(len(v) for v in chosen.values()) >= self.top_k or scores[i] < floor:
                break
            a, p, _ = candidates[i]
            pieces = p.last_page - p.first_page + 1     # a passage across pages is cut at page ends
            header = 0 if a.id in chosen else _block_cost(_title(a.name), "") + HEADER_TOKENS
            cost = header + p.tokens + PASSAGE_TOKENS * pieces
            if spent + cost <= budget:
                chosen.setdefault(a.id, []).append(p)
                spent += cost
        while True:
            found = self._numbered(documents, chosen, start, complete=False)
            if found.mode == "nothing_fits" or self._cost(found) <= budget:
                return found
            last = min(((aid, p) for aid, ps in chosen.items() for p in ps), key=lambda x: rank[(x[0], x[1].index)])
            chosen[last[0]].remove(last[1])             # the estimate grew past the budget: drop the weakest
