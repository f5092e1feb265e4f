"""Cutting a document into chunks for retrieval and map-reduce summaries.

A chunk ends at the best place within ``max_chars``: a paragraph end, else a sentence end (English
.!? followed by a space; Chinese 。！？；…), else a line end, else a clause (，、：), else between words
or between two Chinese characters, only in the last resort (one "word" longer than ``max_chars``) in
the middle of it. A break is only taken in the chunk's second half, unless there is no other. The
next chunk starts up to ``overlap_chars`` earlier, at a sentence start where one is in reach. Every
chunk knows the page(s) it came from. Same input, same chunks.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .document import Document

PARAGRAPH, SENTENCE, LINE, CLAUSE, WORD = 5, 4, 3, 2, 1
MIN_FILL = 0.5  # a chunk ends in its second half when it can
OVERLAP_AT_WORDS = (SENTENCE, LINE, WORD)        # chat attachments: a sentence start, else a line or word start
OVERLAP_AT_CLAUSES = (SENTENCE, LINE, CLAUSE)    # knowledge bases: never half a sentence's word run

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CLOSING = "，。、；：！？）」』》〉】”’…,.;:!?)\\]}\"'"
# (pattern, level, the break is at the match's end (True) or start (False))
_BREAKS = (
    (re.compile(r"\n[ \t]*\n"), PARAGRAPH, False),
    (re.compile(r"[。！？；…]+[”’」』）》)\]\"']*"), SENTENCE, True),
    (re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)"), SENTENCE, True),
    (re.compile(r"\n"), LINE, False),
    (re.compile(r"[，、：]+"), CLAUSE, True),
    (re.compile(r"[,;:](?=\s)"), CLAUSE, True),
    (re.compile(r"[ \t]+"), WORD, False),
    (re.compile(f"(?<=[{_CJK}])(?=[^\\s{_CLOSING}])|(?<=[^\\s])(?=[{_CJK}])"), WORD, True),
)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: its place in order, its text and the page numbers it spans."""

    index: int
    text: str
    pages: tuple[int, ...]

    @property
    def page(self) -> int:
        """The page the chunk starts on."""
        return self.pages[0]


def chunk(document: Document, *, max_chars: int, overlap_chars: int = 0) -> list[Chunk]:
    """The document's text in chunks of at most ``max_chars`` characters, each overlapping the one before
    by at most ``overlap_chars`` (whole sentences when they fit, else whole words)."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if not 0 <= overlap_chars < max_chars:
        raise ValueError("overlap_chars must be at least 0 and less than max_chars")
    text, starts, numbers = joined_pages(document)
    chunks: list[Chunk] = []
    for start, end in pieces(text.rstrip(), size=lambda start: max_chars,
                             overlap=lambda start, end: overlap_chars, overlap_at=OVERLAP_AT_WORDS):
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, max(start, end - 1)) - 1
        chunks.append(Chunk(len(chunks), text[start:end], tuple(numbers[first:last + 1])))
    return chunks


def pieces(text: str, *, size: Callable[[int], int], overlap: Callable[[int, int], int],
           overlap_at: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each piece of ``text`` (no trailing space; each piece without its trailing space): the
    one cutting loop of chat attachments and knowledge bases, their policies as parameters.

    ``size(start)``: the most characters of the piece starting at ``start`` (chat: a fixed count; KB: what fits
    in its token budget). ``overlap(start, end)``: the most characters the next piece may repeat of this one.
    ``overlap_at``: the break levels the next piece may start at, tried in order (``OVERLAP_AT_WORDS``: a
    sentence, else a line, else any word start; ``OVERLAP_AT_CLAUSES``: a sentence, line or clause start, else
    no overlap rather than half a sentence)."""
    start = skip_space(text, 0)
    while start < len(text):
        end = chunk_end(text, start, size(start))
        yield start, start + len(text[start:end].rstrip())
        if end >= len(text):
            return
        start = _next_start(text, start, end, overlap(start, end), overlap_at)


def joined_pages(document: Document) -> tuple[str, list[int], list[int]]:
    """The pages' text joined by line ends (a sentence may run on to the next page), with page offsets."""
    parts, starts, numbers, offset = [], [], [], 0
    for page in document.pages:
        if not page.text.strip():
            continue
        if parts:
            parts.append("\n")
            offset += 1
        starts.append(offset)
        numbers.append(page.number)
        parts.append(page.text)
        offset += len(page.text)
    return "".join(parts), starts, numbers


def skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def find_breaks(text: str, low: int, high: int) -> dict[int, int]:
    """Break positions in (low, high] and the best level of each."""
    found: dict[int, int] = {}
    for pattern, level, at_end in _BREAKS:
        for match in pattern.finditer(text, low, min(len(text), high + 2)):
            position = match.end() if at_end else match.start()
            if low < position <= high and found.get(position, 0) < level:
                found[position] = level
    return found


def chunk_end(text: str, start: int, max_chars: int) -> int:
    """Where the chunk starting at ``start`` (not a space; ``text`` has no trailing space) ends."""
    limit = start + max_chars
    if len(text) <= limit:
        return len(text)
    usable = find_breaks(text, start, limit)
    floor = start + int(max_chars * MIN_FILL)
    for level in (PARAGRAPH, SENTENCE, LINE, CLAUSE, WORD):
        late = [p for p, lv in usable.items() if lv >= level and p >= floor]
        if late:
            return max(late)
    if usable:
        return max(usable)
    return limit  # one unbroken run longer than a chunk: cut it


def _next_start(text: str, start: int, end: int, overlap_chars: int, levels: tuple[int, ...]) -> int:
    """Where the next piece begins: up to ``overlap_chars`` before ``end``, at the first break of ``levels`` (tried in
    order) in reach; never at or before this piece's start; with none in reach, at ``end``."""
    if overlap_chars:
        low = max(start, end - overlap_chars - 8)  # a break may sit a few spaces before the start it gives
        breaks = find_breaks(text, low, end - 1)
        for level in levels:
            for position in sorted(p for p, lv in breaks.items() if lv >= level):
                candidate = skip_space(text, position)
                if start < candidate < end and end - candidate <= overlap_chars:
                    return candidate
    return skip_space(text, end)
