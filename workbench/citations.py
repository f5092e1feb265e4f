"""Citations checked and added by code after an answer: each sentence aligned with the numbered passages it used.

    sources = [Cited(1, "Volunteers kept six beehives ...", saved={...}), Cited(2, ...)]
    citer = Citer(sources, embed=lambda texts: embed(client, "use-multilingual:v3", texts))
    saved = await citer.aligned(answer)       # the sources to keep with the answer, its citations marked
    saved = citer.saved(None, answer)         # no alignment (a stopped answer): the model's own [n] only

A small model cites badly: it leaves [n] out, or writes [4] for a sentence taken from passage 2. So once the answer
is complete, the answer is cut into sentences (English and Chinese; code, tables and headings are skipped) and each
sentence is scored against every passage the model was given:

    score = cosine(embedding of the sentence, embedding of the passage) + LEXICAL_WEIGHT * shared rare words

where "shared rare words" is the idf-weighted share of the sentence's words (and numbers, and pairs of CJK
characters) that the passage holds, idf counted over the passages: a word every passage has says little, a code or
a number only one has says a lot. The sentences and the passages without a cached vector are embedded in one batch
through the gateway's ``/v1/embeddings`` with the user's key; the model is never asked.

For each sentence with something to say (``substantive``):
- a model-written [n] that is not the sentence's best passage and scores under ``doubt``, or ``MARGIN`` under the
  best one while lacking the sentence's rare words the best one holds, is *doubtful*: shown flagged, and it does
  not count as a citation;
- a sentence with no citation left gets its best passage *added* when that one scores at least ``threshold`` and
  holds at least ``min_shared`` of the sentence's rare words (an invented claim about a topic of the document —
  "the mayor of Harlow is John Smith" — shares its names, not its facts);
- a sentence joining statements ("the code is FH-7731, and a session lasts four hours") is scored clause by
  clause too, and a clause's best passage that scores at least ``threshold`` is added when not cited yet.

The thresholds were chosen on bench/citations_quality.py's set (bench/README.md): answers of the embedded 0.5B model
over four 6-page PDFs (en, zh) cite the gold passage 2.5% of the time on their own; with the citations added here,
92.5%, at 94.9% precision, and none of the invented answers to questions the documents do not answer is cited (the
rare-word floor does that: gold citations share >= 63% of their sentence's rare words, invented claims <= 40%).

What is kept: each source's saved form (``Cited.saved``) with two more plain fields, offsets into the answer's text:
``added`` ("143,270": an added [n] chip goes there, after a sentence) and ``doubtful`` ("88": the model's mark
starting there cites this source without support). Web pages and knowledge-base passages are kept whether cited or
not (``always``); a document's passages only when cited (a whole document can be dozens of passages).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.lexical import rare_word_shares, terms

log = logging.getLogger("maas.workbench.citations")

LEXICAL_WEIGHT = 0.5
THRESHOLD = 0.4             # least score for adding a citation (chosen on bench/citations_quality.py)
MIN_SHARED = 0.5            # ... and least share of the sentence's rare words the passage holds
DOUBT = 0.3                 # a model's [n] scoring under this (and not the best) is flagged
MARGIN = 0.2                # ... or this much under the best passage, without its rare words
MARK = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]")
_CLAUSE = re.compile(r"[，；;]|,\s+(?:and|but|while|whereas)\s+|\s+and\s+(?=(?:the|a|an|its|their)\s)")
_MARKS_AFTER = re.compile(r"(?:[ \t]*\[\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\])+")
_END = re.compile(r"[。！？!?；]+[”’」』）)\"']*|\.{3}|…+|\.(?=[\s\u3000]|$|[\u3400-\u9fff])[”’\"')\]]*")
_ABBREVIATIONS = frozenset("p pp e.g i.e eg ie no nos fig figs vs etc dr mr mrs ms st sec ch vol approx ca cf al "
                           "jan feb mar apr jun jul aug sep sept oct nov dec".split())
_LIST = re.compile(r"^\s{0,6}(?:(?:[-*+•]|\d{1,3}[.)])\s+|\d{1,3}、\s*|[（(]\d{1,3}[）)]\s*)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LATIN = re.compile(r"[A-Za-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万亿]{2,}")

Embed = Callable[[list[str]], Awaitable[np.ndarray]]


@dataclass(frozen=True)
class Cited:
    """A numbered passage the answer may cite: the ``text`` the model read and the source as it is ``saved``."""

    index: int
    text: str
    saved: Mapping[str, Any]
    always: bool = True                 # kept with the answer even when not cited (web pages, KB passages)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)    # cached embedding, if any


@dataclass(frozen=True)
class Sentence:
    """Characters ``start``..``end`` of the answer (an added chip goes at ``end``): its ``text`` without the
    citation marks and the marks the model wrote in or right after it, as (offset of the mark, n)."""

    start: int
    end: int
    text: str
    marks: tuple[tuple[int, int], ...] = ()

    @property
    def cited(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(n for _, n in self.marks))


@dataclass(frozen=True)
class Link:
    """Sentence ``sentence`` and passage ``index``: ``kind`` "model" (written by the model and supported),
    "doubtful" (written by the model, not supported) or "added" (by this alignment)."""

    sentence: int
    index: int
    kind: str
    score: float


@dataclass
class Alignment:
    sentences: list[Sentence]
    links: list[Link]
    scores: np.ndarray                  # sentences x passages (rows of sentences not scored are zero)
    scored: list[int]                   # the sentences scored (substantive ones)
    columns: list[int] = field(default_factory=list)      # the passage number of each column of ``scores``
    clauses: list[int] = field(default_factory=list)      # the sentence of each row of ``clause_scores``
    clause_scores: np.ndarray | None = None               # clauses x passages
    lexical: np.ndarray | None = None                     # the rare-word share of ``scores`` (before its weight)
    clause_lexical: np.ndarray | None = None


# -- sentences ---------------------------------------------------------------------------------------------------------
def marks(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The citation marks in ``text`` ([2], [2, 3], [2][3]) as (offset of the mark, n)."""
    out = []
    for found in MARK.finditer(text, start, len(text) if end is None else end):
        out += [(found.start(), int(n)) for n in re.split(r"\s*[,，、]\s*", found.group(1))]
    return out


def _ends_sentence(line: str, match: re.Match) -> bool:
    if not match.group().startswith("."):
        return True
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", line[: match.start()])
    if word is None:
        return True
    token = word.group(1).lower()
    return not (token in _ABBREVIATIONS or len(token) == 1)


def _in_code(line: str, position: int) -> bool:
    return any(span.start() < position < span.end() for span in _CODE_SPAN.finditer(line))


def sentences(text: str) -> list[Sentence]:
    """The answer's sentences (English and Chinese) with their spans; code blocks, tables, headings and rules are
    left out. A citation mark right after a sentence's end ("... honey. [2]") belongs to that sentence."""
    out: list[Sentence] = []
    offset, fenced = 0, False
    for line in text.splitlines(keepends=True):
        here, body = offset, line.rstrip("\r\n")
        offset += len(line)
        stripped = body.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or not stripped or stripped.startswith(("|", "#", "<")) or re.fullmatch(r"[-*_=\s]{3,}", stripped):
            continue
        lead = _LIST.match(body)
        at = lead.end() if lead else 0
        quote = re.match(r"\s*>\s*", body[at:])
        at += quote.end() if quote else 0
        cuts = []
        for match in _END.finditer(body, at):
            if _ends_sentence(body, match) and not _in_code(body, match.start()):
                tail = _MARKS_AFTER.match(body, match.end())
                cuts.append(tail.end() if tail else match.end())
        cuts = [c for c in dict.fromkeys(cuts) if c > at]
        if not cuts or body[cuts[-1]:].strip():
            cuts.append(len(body.rstrip()))
        begin = at
        for cut in cuts:
            while begin < cut and body[begin].isspace():
                begin += 1
            if cut > begin:
                piece = body[begin:cut]
                plain = re.sub(r"[*_`]+", "", MARK.sub("", piece)).strip()
                found = tuple((here + begin + o, n) for o, n in marks(piece))
                if plain:
                    out.append(Sentence(here + begin, here + cut, plain, found))
                elif found and out:             # marks alone ("\n[3]"): they cite the sentence before
                    last = out[-1]
                    out[-1] = Sentence(last.start, last.end, last.text, last.marks + found)
            begin = cut
    return out


def substantive(sentence: str) -> bool:
    """Says enough to be checked: at least 3 words, or 2 Chinese characters, or a number of 2+ digits (a small model
    often answers "1,850" or "六座" alone; ``MIN_SHARED`` keeps such a short answer from matching by chance)."""
    return len(_LATIN.findall(sentence)) >= 3 or len(_CJK.findall(sentence)) >= 2 or \
        bool(re.search(r"\d[\d,.]*\d", sentence))


# -- scores ------------------------------------------------------------------------------------------------------------
def chinese_number(run: str) -> int:
    """The value of Chinese numerals ("八万六千" 86000, "三百四十万" 3400000, "十二" 12, "二十七亿" 2.7e9)."""
    total = section = number = 0
    for ch in run:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (number or 1) * _CN_UNITS[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * 10_000
            section = number = 0
        elif ch == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
    return total + section + number


def numbers(text: str) -> set[str]:
    """The numbers of a text as digits ("1,850" -> "1850", "百分之十二" -> "12")."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    return found | {str(chinese_number(run)) for run in _CN_NUMBER.findall(text)}


def words(text: str) -> set[str]:
    """``workbench.lexical.terms`` (words of 3+ letters, pairs of CJK characters) plus ``numbers`` ("百分之十二" and
    "12%" share "12")."""
    return terms(text) | numbers(text)


def rare_word_scores(sentence_texts: Sequence[str], passage_texts: Sequence[str]) -> np.ndarray:
    """sentences x passages: the idf-weighted share of a sentence's words the passage holds (0..1), idf over the
    passages; a word no passage has counts as rare as the rarest (it is in none of them). A sentence with numbers
    scores 0 against a passage holding none of them: "300 litres per minute" is not supported by "1,850 litres per
    minute", however many words they share."""
    return rare_word_shares(sentence_texts, passage_texts, words=words, count_unseen=True, required=numbers)


def clauses(sentence: str) -> list[str]:
    """A sentence's clauses when it joins several statements ("the code is FH-7731, and a session lasts four hours";
    "……，……；……"), each substantive; [] when it is one statement."""
    parts = [p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()]
    parts = [p for p in parts if substantive(p)]
    return parts if len(parts) > 1 else []


def decide(sentence_list: Sequence[Sentence], scored: Sequence[int], scores: np.ndarray, indices: Sequence[int], *,
           threshold: float = THRESHOLD, doubt: float = DOUBT, min_shared: float = MIN_SHARED,
           lexical: np.ndarray | None = None, clause_of: Sequence[int] = (), clause_scores: np.ndarray | None = None,
           clause_lexical: np.ndarray | None = None) -> list[Link]:
    """The citations of each scored sentence (see the module doc): the model's supported and doubtful marks, the
    best passage added where none is left, and the best passage of each clause (``clause_scores``, rows of the
    sentences ``clause_of``) not cited yet. An added passage scores at least ``threshold`` and holds at least
    ``min_shared`` of the sentence's (clause's) rare words (``lexical``: the rare-word part of the scores)."""
    column = {n: j for j, n in enumerate(indices)}

    def passes(score_row: np.ndarray, lexical_row: np.ndarray | None, j: int) -> bool:
        return score_row[j] >= threshold and (lexical_row is None or lexical_row[j] >= min_shared)

    parts: dict[int, list[tuple[np.ndarray, np.ndarray | None]]] = {}
    for row, i in enumerate(clause_of):
        parts.setdefault(i, []).append((clause_scores[row], clause_lexical[row] if clause_lexical is not None
                                        else None))
    links: list[Link] = []
    for i in scored:
        row = scores[i]
        best = int(np.argmax(row)) if len(row) else -1
        strong = {int(np.argmax(r)): float(r.max()) for r, lex in parts.get(i, [])
                  if len(r) and passes(r, lex, int(np.argmax(r)))}
        kept: set[int] = set()
        for n in sentence_list[i].cited:
            if n not in column:
                continue
            j = column[n]
            score = float(row[j])
            if lexical is None:
                unlike = score < threshold
            else:                       # it lacks the sentence's rare words that the best passage holds
                unlike = lexical[i][j] < min_shared <= lexical[i][best]
            weak = score < doubt or (unlike and row[best] - score >= MARGIN)
            good = j == best or j in strong or not weak
            links.append(Link(i, n, "model" if good else "doubtful", round(score, 3)))
            if good:
                kept.add(j)
        if not kept and best >= 0 and passes(row, lexical[i] if lexical is not None else None, best):
            links.append(Link(i, indices[best], "added", round(float(row[best]), 3)))
            kept.add(best)
        for j, score in strong.items():
            if j not in kept:                   # a clause that another passage supports
                links.append(Link(i, indices[j], "added", round(score, 3)))
                kept.add(j)
    return links


# -- the sources kept with an answer ---------------------------------------------------------------------------------
class Citer:
    """Aligns a finished answer with the passages it was given; ``embed`` None: the model's own marks only."""

    def __init__(self, sources: Sequence[Cited], embed: Embed | None = None, *, threshold: float = THRESHOLD,
                 doubt: float = DOUBT, min_shared: float = MIN_SHARED, lexical_weight: float = LEXICAL_WEIGHT) -> None:
        self.sources = list(sources)
        self.embed, self.threshold, self.doubt, self.lexical_weight = embed, threshold, doubt, lexical_weight
        self.min_shared = min_shared

    async def align(self, answer: str) -> Alignment:
        """Score every substantive sentence against every passage with text (one embedding batch) and decide."""
        found = sentences(answer)
        scored = [i for i, s in enumerate(found) if substantive(s.text)]
        passages = [s for s in self.sources if s.text.strip()]
        scores = np.zeros((len(found), len(passages)), dtype=np.float32)
        clause_of = [i for i in scored for _ in clauses(found[i].text)]
        clause_texts = [c for i in scored for c in clauses(found[i].text)]
        clause_scores = np.zeros((len(clause_texts), len(passages)), dtype=np.float32)
        lexical, clause_lexical = np.zeros_like(scores), np.zeros_like(clause_scores)
        if scored and passages:
            texts = [found[i].text for i in scored] + clause_texts
            missing = [s for s in passages if s.vector is None]
            vectors = await self.embed(texts + [s.text for s in missing]) if self.embed else None
            if vectors is not None:
                fresh = iter(vectors[len(texts):])
                matrix = np.vstack([s.vector if s.vector is not None else next(fresh) for s in passages])
                similarity = vectors[: len(texts)] @ matrix.T
            else:
                similarity = np.zeros((len(texts), len(passages)), dtype=np.float32)
            shared = rare_word_scores(texts, [s.text for s in passages])
            combined = similarity + self.lexical_weight * shared
            scores[scored], lexical[scored] = combined[: len(scored)], shared[: len(scored)]
            clause_scores, clause_lexical = combined[len(scored):], shared[len(scored):]
        links = decide(found, scored, scores, [s.index for s in passages], threshold=self.threshold,
                       doubt=self.doubt, min_shared=self.min_shared, lexical=lexical, clause_of=clause_of,
                       clause_scores=clause_scores, clause_lexical=clause_lexical)
        return Alignment(found, links, scores, scored, [s.index for s in passages], clause_of, clause_scores,
                         lexical, clause_lexical)

    def saved(self, alignment: Alignment | None, answer: str) -> list[dict]:
        """The sources to keep with ``answer``: each with the offsets of its added and doubtful citations."""
        if alignment is None:               # no alignment: the model's own marks decide what is kept
            cited = {n for _, n in marks(answer)}
            return [dict(s.saved) for s in self.sources if s.always or s.index in cited]
        added: dict[int, list[int]] = {}
        doubtful: dict[int, list[int]] = {}
        used = {n for _, n in marks(answer)}        # what the model cited is kept, checked or not
        for link in alignment.links:
            sentence = alignment.sentences[link.sentence]
            used.add(link.index)
            if link.kind == "added":
                added.setdefault(link.index, []).append(sentence.end)
            elif link.kind == "doubtful":
                doubtful.setdefault(link.index, []).extend(o for o, n in sentence.marks if n == link.index)
        out = []
        for s in self.sources:
            if not (s.always or s.index in used):
                continue
            item = dict(s.saved)
            if s.index in added:
                item["added"] = ",".join(str(o) for o in sorted(set(added[s.index])))
            if s.index in doubtful:
                item["doubtful"] = ",".join(str(o) for o in sorted(set(doubtful[s.index])))
            out.append(item)
        return out

    async def aligned(self, answer: str) -> list[dict]:
        """``saved`` after ``align``; when the embedding fails, the model's own marks (logged, never raised)."""
        if self.embed is None or not self.sources:
            return self.saved(None, answer)
        try:
            return self.saved(await self.align(answer), answer)
        except Exception:                   # noqa: BLE001 - citations are an aid: the answer is kept regardless
            log.warning("aligning an answer with its sources failed", exc_info=True)
            return self.saved(None, answer)


def offsets(value: Any) -> list[int]:
    """A saved ``added``/``doubtful`` field back as offsets ("143,270" -> [143, 270]); junk is ignored."""
    return [int(x) for x in str(value or "").split(",") if x.strip().isdigit()]
