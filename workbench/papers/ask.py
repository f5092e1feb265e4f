"""Questions about a paper, answered from evidence the code found on its pages, each sentence citing its page.

    asker = Asker(complete, embed)          # complete(prompt, max_tokens) -> text; embed(texts) -> unit vectors
    answer = await asker.ask(structure, "What dataset do they use?", lang="zh", history=[...])
    answer.text          # "他们使用 MS MARCO 数据集 (p. 4)。"   answer.evidence: (page, quote, span) each
    answer.found         # False: the paper does not answer it (said by code, not by the model)

PaperQA2's evidence step, bounded and checked: the paper's pages are cut into passages (``documents.chunk``, the
chunker of chats and knowledge bases), ranked for the question by embeddings plus rare words
(``retrieval.hybrid_scores``), and the best ``evidence_calls`` passages are each given to the model, which copies the
sentences that help answer (``instructions/evidence.md``). The code keeps those it finds on a page
(``statements.quotes_from``). With no evidence found, the answer says the paper does not seem to answer the question
and asks the model nothing more. Otherwise the model answers from the numbered quotes only
(``instructions/answer.md``); a page mark it writes that is not a page of the evidence is taken out, and a sentence
left without one gets the page of the quote closest to it in meaning.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.citations import sentences
from workbench.documents import Document, Page, chunk
from workbench.instruction_files import instruction
from workbench.retrieval import hybrid_scores

from .model import Structure
from .quotes import PageIndex
from .reading import LANGUAGES, Complete, marked
from .statements import Quote, quotes_from

Embed = Callable[[Sequence[str]], Awaitable[np.ndarray]]    # texts -> unit vectors, one row each

PASSAGE_CHARS = 1200
OVERLAP_CHARS = 150
EVIDENCE_CALLS = 4          # passages read for evidence (the model is called once per passage)
EVIDENCE_TOKENS = 200
ANSWER_TOKENS = 300
MAX_QUESTION = 1000
HISTORY = 2                 # earlier questions and answers of the thread the model is shown
_MARK = re.compile(r"\s*[(（]\s*(?:p|pp)\.\s*(\d{1,4})(?:\s*[-–,，]\s*\d{1,4})*\s*[)）]", re.I)


@dataclass(frozen=True)
class Answer:
    """An answer with its evidence; ``found`` is False when no evidence was found (``text`` is then empty: the
    caller says so in the user's language). ``searched``: passages read for evidence; ``calls``: model calls."""

    question: str
    text: str
    evidence: tuple[Quote, ...]
    found: bool
    searched: int
    calls: int


class Asker:
    """Answers questions about papers with one model (``complete``) and one embedding model (``embed``)."""

    def __init__(self, complete: Complete, embed: Embed, *, evidence_calls: int = EVIDENCE_CALLS,
                 passage_chars: int = PASSAGE_CHARS, parallel: int = 2) -> None:
        self._complete, self._embed, self.evidence_calls = complete, embed, evidence_calls
        self.passage_chars = passage_chars
        self._gate = asyncio.Semaphore(parallel)

    async def _ask(self, prompt: str, max_tokens: int) -> str:
        async with self._gate:
            return await self._complete(prompt, max_tokens)

    async def ask(self, structure: Structure, question: str, *, lang: str,
                  history: Sequence[tuple[str, str]] = ()) -> Answer:
        """The answer to ``question`` (follow-ups: ``history`` holds the thread's earlier (question, answer))."""
        pieces = passages(structure, self.passage_chars)
        query = " ".join([*(q for q, _ in history[-1:]), question])     # a follow-up's "it" is the last question's
        ranked = await self._ranked(query, pieces)
        chosen = ranked[: self.evidence_calls]
        indexes = {p.number: PageIndex(p.text) for p in structure.pages}
        replies = await asyncio.gather(*(self._ask(_evidence_prompt(question, piece), EVIDENCE_TOKENS)
                                         for piece in chosen))
        evidence: dict[str, Quote] = {}
        for reply in replies:
            for quote in quotes_from(reply, indexes)[0]:
                evidence.setdefault(re.sub(r"\W+", "", quote.text.lower()), quote)
        quotes = sorted(evidence.values(), key=lambda q: (q.page, q.start))
        if not quotes:
            return Answer(question, "", (), False, len(chosen), len(chosen))
        reply = await self._ask(_answer_prompt(structure.title, question, quotes, lang, history), ANSWER_TOKENS)
        text = await self._cited(reply.strip(), quotes)
        return Answer(question, text, tuple(quotes), True, len(chosen), len(chosen) + 1)

    async def _ranked(self, query: str, pieces: Sequence[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
        texts = ["\n".join(t for _, t in piece) for piece in pieces]
        if not texts:
            return []
        vectors = await self._embed([query, *texts])
        scores = hybrid_scores(vectors[0], vectors[1:], query, texts)
        return [pieces[i] for i in np.argsort(-scores, kind="stable")]

    async def _cited(self, text: str, quotes: Sequence[Quote]) -> str:
        """The answer with page marks only of evidence pages, and one on every sentence that has none."""
        pages = {q.page for q in quotes}
        text = _MARK.sub(lambda m: m.group(0) if int(m.group(1)) in pages else "", text)
        bare = [s for s in sentences(text) if not _MARK.search(text[s.start:s.end + 12])]
        if not bare:
            return text
        vectors = await self._embed([*(s.text for s in bare), *(q.text for q in quotes)])
        best = np.argmax(vectors[: len(bare)] @ vectors[len(bare):].T, axis=1)
        for s, i in sorted(zip(bare, best, strict=True), key=lambda pair: -pair[0].end):
            end = s.end - 1 if text[s.end - 1: s.end] in ".。!?！？" else s.end
            text = f"{text[:end]} (p. {quotes[int(i)].page}){text[end:]}"
        return text


def passages(structure: Structure, max_chars: int = PASSAGE_CHARS) -> list[list[tuple[int, str]]]:
    """The paper's pages cut into passages by the documents' chunker, each as its (page, text) pieces."""
    document = Document("paper.pdf", "pdf", structure.title, tuple(Page(p.number, p.text) for p in structure.pages))
    out = []
    for piece in chunk(document, max_chars=max_chars, overlap_chars=min(OVERLAP_CHARS, max_chars // 4)):
        out.append([(page, piece.text) for page in piece.pages[:1]] if len(piece.pages) < 2
                   else _by_page(structure, piece.text, piece.pages))
    return out


def _by_page(structure: Structure, text: str, pages: Sequence[int]) -> list[tuple[int, str]]:
    """A passage across a page end, split at it (each part marked with its page for the model)."""
    out, rest = [], text
    for number in pages[:-1]:
        page_text = structure.page(number).text
        cut = next((n for n in range(min(len(rest), len(page_text)), 0, -1) if page_text.endswith(rest[:n])), 0)
        if cut:
            out.append((number, rest[:cut]))
            rest = rest[cut:].lstrip()
    return [*out, (pages[-1], rest)] if rest.strip() else out


def _evidence_prompt(question: str, piece: Sequence[tuple[int, str]]) -> str:
    return (instruction(__package__, "evidence").replace("<<QUESTION>>", question)
            .replace("<<TEXT>>", marked(piece)).replace("<<PAGE>>", str(piece[0][0])))


def _answer_prompt(title: str, question: str, quotes: Sequence[Quote], lang: str,
                   history: Sequence[tuple[str, str]]) -> str:
    listed = "\n".join(f"{i}. (p. {q.page}) {q.text}" for i, q in enumerate(quotes, 1))
    earlier = "".join(f"Earlier question: {q}\nEarlier answer: {a}\n" for q, a in history[-HISTORY:])
    return (instruction(__package__, "answer").replace("<<TITLE>>", title or "").replace("<<EVIDENCE>>", listed)
            .replace("<<HISTORY>>", f"\n{earlier}" if earlier else "").replace("<<QUESTION>>", question)
            .replace("<<LANGUAGE>>", LANGUAGES[lang]))
