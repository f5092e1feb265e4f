"""Keyword search per KB: BM25 over jieba words (Chinese) and lower-cased words (English), kept in memory.

    terms = " ".join(tokenize(chunk_text))          # what ingestion writes to kb_chunks.terms
    index = KeywordIndex(store)
    index.add(kb.id, chunks)                         # after the rows are in kb_chunks
    index.query(kb.id, "量子纠缠的实验", 30)          # [(chunk id, BM25 score), ...] best first
    index.delete_document(kb.id, document_id)        # after the rows left kb_chunks

``tokenize``: the text in the parser's normal form first (``workbench.documents.normal_form``: a query typed
"手套" meets a chunk extracted as "防冻⼿套", and the other way round); then runs of Han characters are cut by
jieba in search mode (a long word also gives its parts: 量子力学 -> 量子, 力学, 量子力学), so a query and a chunk
meet even when jieba cuts them differently; other text gives lower-cased words and numbers (plurals folded:
"results" -> "result"). Stop words of both languages and single latin letters are left out. jieba is loaded
once, lazily and quietly, from the dictionary in its package.

``KeywordIndex``: a KB's index is built from ``kb_chunks.terms`` on its first use (``warm`` builds it ahead),
reading the database in batches; numpy groups the (term, chunk, count) triples into a compact base (per term a
slice of chunk slots and counts). ``add``/``delete_document`` then keep it up to date without a rebuild: added
chunks go to small per-term lists beside the base, a deleted chunk's slot is only masked, and once most slots are
dead the KB is rebuilt from the database at its next use. Scores are Okapi BM25 (k1 = 1.2, b = 0.75,
idf = ln(1 + (N - df + 0.5) / (df + 0.5))) with N, df and the average length over the live chunks, so an index
grown step by step scores exactly like one rebuilt from the database after a restart. Thread-safe: one lock per
KB (a query holds it for a few ms; a first build for seconds at 100k chunks — warm big KBs at start).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from workbench.documents.normal_form import normal_form
from workbench.kb.errors import KBError
from workbench.kb.records import ChunkRecord

K1, B = 1.2, 0.75
LOAD_BATCH = 5000                 # rows read from the database at a time when a KB's index is built
_MAX_PACKED = (1 << 24) - 1         # chunks and distinct words per KB index (24 bits each)
MIN_DEAD_TO_COMPACT = 1000        # rebuild a KB from the database when more slots than this (and than live) are dead

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"(?P<han>[{_HAN}]+)|(?P<word>[^\\W_{_HAN}]+)")
_STOP_EN = frozenset(
    "a an the and or but nor not no so if then than that this these those there here what which who whom whose "
    "when where why how is are was were be been being am do does did done has have had having it its it's they "
    "them their theirs we us our ours you your yours he him his she her hers i me my mine of to in on at by for "
    "with from into onto over under about as up down out off also too very can could would should will shall may "
    "might must all any each both few more most some such only own same other just s t".split())
_STOP_ZH = frozenset(
    "的 了 着 过 是 在 和 与 及 或 而 并 且 也 就 都 又 还 被 把 对 于 之 为 以 从 到 由 向 让 给 等 等等 "
    "这 那 这个 那个 这些 那些 这里 那里 这样 那样 其 其中 此 该 各 每 某 "
    "我 你 您 他 她 它 我们 你们 他们 她们 它们 自己 "
    "吗 呢 吧 啊 呀 哦 嗯 么 "
    "什么 怎么 怎样 如何 哪 哪些 哪个 哪里 为什么 多少 几 请 请问 "
    "有 没有 个 一个 一些 一种 可以 能 会 要 不 很 更 最 所 所以 因为 但是 但 如果 则 即".split())

log = logging.getLogger(__name__)
_jieba_lock = threading.Lock()
_jieba: Any = None


def _segmenter() -> Any:
    """jieba's tokenizer, initialised once (its own dictionary, no network) with its log lines silenced."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)      # else it prints "Building prefix dict ..." to stderr
                segmenter = jieba.Tokenizer()
                segmenter.initialize()
                _jieba = segmenter
    return _jieba


def _fold(word: str) -> str:
    """A light English stem: plural -s/-es/-ies folded ("studies" -> "study", "boxes" -> "box")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Search terms of ``text`` (in normal form): jieba words for Chinese, lower-cased words and numbers otherwise;
    stop words out."""
    out: list[str] = []
    for match in _TOKEN.finditer(normal_form(text).lower()):
        han = match.group("han")
        if han is None:
            word = match.group("word")
            if word in _STOP_EN or (len(word) == 1 and not word.isdigit()):
                continue
            out.append(word if word.isdigit() else _fold(word))
        elif len(han) == 1:
            if han not in _STOP_ZH:
                out.append(han)
        else:
            out.extend(w for w in _segmenter().lcut_for_search(han) if w not in _STOP_ZH)
    return out


def terms_text(text: str) -> str:
    """What ``kb_chunks.terms`` holds for a chunk of ``text``: its tokens, space-separated."""
    return " ".join(tokenize(text))


class _Index:
    """One KB's BM25 index over chunk slots: a compact base built in one pass, small lists added since; deleted
    slots are masked."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[str] = []                         # slot -> chunk id
        self.slot_of: dict[str, int] = {}                # live chunk id -> slot
        self.slots_of_document: dict[str, list[int]] = {}
        self.lengths = np.zeros(1024, dtype=np.float64)
        self.alive = np.zeros(1024, dtype=bool)
        self.live = 0
        self.total_length = 0
        self.dead = 0
        # the base: term -> row; its postings are slots[indptr[row]:indptr[row + 1]] (and their counts)
        self.vocab: dict[str, int] = {}
        self.indptr = np.zeros(1, dtype=np.int64)
        self.slots = np.zeros(0, dtype=np.int32)
        self.counts = np.zeros(0, dtype=np.uint16)
        # added after the base was built: term -> (slots, counts), and their numpy copies for queries
        self.added: dict[str, tuple[array, array]] = {}
        self.added_np: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _slot(self, chunk_id: str, document_id: str, length: int) -> int:
        slot = len(self.ids)
        if slot == len(self.alive):
            self.lengths = np.concatenate([self.lengths, np.zeros_like(self.lengths)])
            self.alive = np.concatenate([self.alive, np.zeros_like(self.alive)])
        self.ids.append(chunk_id)
        self.slot_of[chunk_id] = slot
        self.slots_of_document.setdefault(document_id, []).append(slot)
        self.lengths[slot], self.alive[slot] = length, True
        self.live += 1
        self.total_length += length
        return slot

    def build(self, batches: Iterable[list[tuple[str, str, list[str]]]]) -> None:
        """The base from batches of (chunk id, document id, terms) rows, in one pass: each (term, chunk, count)
        is packed in one int64 (24 + 24 + 16 bits), so numpy groups and sorts them without Python loops."""
        packed_parts: list[np.ndarray] = []
        vocab = self.vocab
        for rows in batches:
            flat: list[str] = []
            owners: list[int] = []
            sizes: list[int] = []
            for chunk_id, document_id, terms in rows:
                if chunk_id in self.slot_of:
                    continue
                slot = self._slot(chunk_id, document_id, len(terms))
                if terms:
                    owners.append(slot)
                    sizes.append(len(terms))
                    flat.extend(terms)
            if not flat:
                continue
            for term in set(flat).difference(vocab):
                vocab[term] = len(vocab)
            if len(vocab) > _MAX_PACKED or len(self.ids) > _MAX_PACKED:
                raise KBError("keyword_index_too_large")
            term_rows = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
            pairs, counts = np.unique((term_rows << 24) | np.repeat(np.asarray(owners, dtype=np.int64), sizes),
                                      return_counts=True)
            packed_parts.append((pairs << 16) | np.minimum(counts, 65535))
        if not packed_parts:
            return
        packed = np.concatenate(packed_parts)
        del packed_parts
        packed.sort()                                                 # by term row, then chunk slot
        self.counts = (packed & 0xFFFF).astype(np.uint16)
        packed >>= 16
        self.slots = (packed & _MAX_PACKED).astype(np.int32)
        packed >>= 24
        self.indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(packed, minlength=len(vocab)), out=self.indptr[1:])

    def add(self, chunk_id: str, document_id: str, terms: Sequence[str]) -> None:
        if chunk_id in self.slot_of:
            return
        slot = self._slot(chunk_id, document_id, len(terms))
        for term, n in Counter(terms).items():
            lists = self.added.get(term)
            if lists is None:
                lists = self.added[term] = (array("i"), array("H"))
            lists[0].append(slot)
            lists[1].append(min(n, 65535))
            self.added_np.pop(term, None)

    def delete_document(self, document_id: str) -> None:
        for slot in self.slots_of_document.pop(document_id, []):
            if self.alive[slot]:
                self.alive[slot] = False
                self.live -= 1
                self.total_length -= int(self.lengths[slot])
                self.dead += 1
                self.slot_of.pop(self.ids[slot], None)

    def worn(self) -> bool:
        """Mostly dead slots: cheaper to rebuild from the database than to keep skipping them."""
        return self.dead > MIN_DEAD_TO_COMPACT and self.dead > self.live

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        parts = []
        row = self.vocab.get(term)
        if row is not None:
            a, b = self.indptr[row], self.indptr[row + 1]
            parts.append((self.slots[a:b], self.counts[a:b]))
        if term in self.added:
            found = self.added_np.get(term)
            if found is None:
                slots, counts = self.added[term]
                found = self.added_np[term] = (np.frombuffer(slots, dtype=np.int32).copy(),
                                               np.frombuffer(counts, dtype=np.uint16).copy())
            parts.append(found)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _weights(self, terms: Sequence[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per query term found in live chunks: (their slots, the term's BM25 part in each)."""
        n, avgdl = self.live, self.total_length / self.live or 1.0
        for term in terms:
            found = self._postings(term)
            if found is None:
                continue
            slots, counts = found
            keep = self.alive[slots]
            slots, tf = slots[keep], counts[keep].astype(np.float64)
            if not len(slots):
                continue
            idf = math.log(1.0 + (n - len(slots) + 0.5) / (len(slots) + 0.5))
            norm = K1 * (1.0 - B + B * self.lengths[slots] / avgdl)
            yield slots, idf * tf * (K1 + 1.0) / (tf + norm)

    def query(self, terms: Sequence[str], k: int) -> list[tuple[str, float]]:
        if not self.live or k < 1:
            return []
        scores: np.ndarray | None = None
        for slots, weights in self._weights(terms):
            if scores is None:
                scores = np.zeros(len(self.ids), dtype=np.float64)
            scores[slots] += weights
        if scores is None:
            return []
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        ranked = sorted(((float(scores[s]), self.ids[s]) for s in hits), key=lambda p: (-p[0], p[1]))
        return [(chunk_id, score) for score, chunk_id in ranked]

    def score(self, terms: Sequence[str], chunk_ids: Sequence[str]) -> dict[str, float]:
        """BM25 of the given live chunks (0.0 when no term matches): a rerank's keyword signal for candidates that
        another list found."""
        out = dict.fromkeys((c for c in chunk_ids if c in self.slot_of), 0.0)
        if not self.live or not out:
            return out
        wanted = np.fromiter((self.slot_of[c] for c in out), dtype=np.int64, count=len(out))
        row_of = np.full(len(self.ids), -1, dtype=np.int64)
        row_of[wanted] = np.arange(len(wanted))
        totals = np.zeros(len(wanted), dtype=np.float64)
        for slots, weights in self._weights(terms):
            rows = row_of[slots]
            hit = rows >= 0
            np.add.at(totals, rows[hit], weights[hit])
        return {c: float(t) for c, t in zip(out, totals, strict=True)}


class KeywordIndex:
    """BM25 keyword search over each KB's chunks (``kb_chunks.terms``), in memory, built on first use."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._indexes: dict[str, _Index] = {}

    def _index(self, kb_id: str) -> _Index:
        """The KB's index, built from the database on first use (or after it wore out)."""
        with self._lock:
            index = self._indexes.get(kb_id)
            fresh = index is None
            if fresh:
                index = self._indexes[kb_id] = _Index()
                index.lock.acquire()         # built below, outside the registry's lock; others wait for it
        if fresh:
            try:
                self._load(kb_id, index)
            except BaseException:
                with self._lock:
                    self._indexes.pop(kb_id, None)
                raise
            finally:
                index.lock.release()
        return index

    def _load(self, kb_id: str, index: _Index) -> None:
        cur = self.store.cursor()
        cur.execute("SELECT id, document_id, terms, CASE WHEN terms = '' THEN text END FROM kb_chunks "
                    "WHERE kb_id = ? ORDER BY document_id, idx", [kb_id])

        def batches() -> Iterator[list[tuple[str, str, list[str]]]]:
            while rows := cur.fetchmany(LOAD_BATCH):
                yield [(chunk_id, document_id, terms.split() if terms else tokenize(text or ""))
                       for chunk_id, document_id, terms, text in rows]

        index.build(batches())
        log.debug("keyword index of KB %s: %d chunks, %d terms", kb_id, index.live, len(index.vocab))

    def loaded(self, kb_id: str) -> bool:
        """Whether the KB's index is in memory (else its first query builds it)."""
        return kb_id in self._indexes

    def warm(self, kb_id: str) -> None:
        """Build the KB's index now (e.g. at start), not at its first query."""
        self._index(kb_id)

    def add(self, kb_id: str, chunks: Sequence[ChunkRecord]) -> None:
        """Index chunks whose rows (with ``terms``) are already in ``kb_chunks``; ones indexed before are skipped."""
        index = self._indexes.get(kb_id)
        if index is None or not chunks:
            return                      # not loaded: its first query reads these rows with the rest
        with index.lock:
            wanted = {c.id for c in chunks if c.id not in index.slot_of}
            cur = self.store.cursor()
            for document_id in dict.fromkeys(c.document_id for c in chunks if c.id in wanted):
                rows = cur.execute("SELECT id, terms, CASE WHEN terms = '' THEN text END FROM kb_chunks "
                                   "WHERE document_id = ? AND kb_id = ? ORDER BY idx", [document_id, kb_id]).fetchall()
                for chunk_id, terms, text in rows:
                    if chunk_id in wanted:
                        index.add(chunk_id, document_id, terms.split() if terms else tokenize(text or ""))

    def delete_document(self, kb_id: str, document_id: str) -> None:
        """Forget one document's chunks (their rows already left ``kb_chunks``)."""
        index = self._indexes.get(kb_id)
        if index is None:
            return
        with index.lock:
            index.delete_document(document_id)
            if index.worn():
                with self._lock:
                    if self._indexes.get(kb_id) is index:
                        del self._indexes[kb_id]        # rebuilt from the database at the next use

    def drop(self, kb_id: str) -> None:
        """Forget the whole KB."""
        with self._lock:
            self._indexes.pop(kb_id, None)

    def query(self, kb_id: str, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``text`` by BM25: (chunk id, score > 0), best first; [] when no term matches."""
        terms = list(dict.fromkeys(tokenize(text)))
        if not terms or k < 1:
            return []
        index = self._index(kb_id)
        with index.lock:
            return index.query(terms, k)

    def scores(self, kb_id: str, text: str, chunk_ids: Sequence[str]) -> dict[str, float]:
        """BM25 of ``text`` for each of ``chunk_ids`` still in the KB (0.0 when no term matches)."""
        terms = list(dict.fromkeys(tokenize(text)))
        index = self._index(kb_id)
        with index.lock:
            return index.score(terms, chunk_ids)
