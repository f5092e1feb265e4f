"""A document cut into knowledge-base chunks: by structure first, then by sentences, sized in tokens.

    chunks = chunk_document(document, chunk_tokens=400, overlap_tokens=60)
    chunks[0].text, chunks[0].heading ("Annual report > Finances"), chunks[0].first_page, chunks[0].tokens
    chunks[0].context            # heading path + text: what is embedded and keyword-indexed

1. Structure. The text is cut into sections at headings: Markdown "#" lines (DOCX and HTML come out of the
   parser with them), setext headings in Markdown, and, in PDFs and plain text (or any document without "#"
   headings), numbered headings ("2 Methods", "3.1 Data", "第二章 总则", "第三节", "一、概述", "（二）范围").
   A numbered line next to another one of the same style is a list or a table of contents, not a heading;
   one that continues a wrapped sentence is not one either. CSV rows (one paragraph each) have no headings.
   The *top* level is the highest heading level that occurs at least twice (a lone "# Title" above "## A",
   "## B" is not it); a chunk never spans two top sections. Inside a top section, whole sections are packed
   together while they fit; a heading with no text of its own goes with the section after it.
2. Sentences. A section longer than a chunk is cut where ``workbench.documents.chunks`` cuts (the same
   splitter as chat attachments: paragraph, then sentence — 。！？；… and .!? —, then line, clause, word),
   with the budget in tokens instead of characters. The next piece starts up to ``overlap_tokens`` earlier
   at a sentence start (else a line or clause start; with none in reach, no overlap rather than half a word).
3. Tokens are ``workbench.chat.estimate_tokens`` (a CJK character ~1 token, other text ~3.5 characters per
   token). ``tokens`` counts the heading path and the text together and never exceeds ``chunk_tokens``.

Every chunk carries its heading path (for citations and as retrieval context). Pages are kept for PDFs
(``first_page``..``last_page``); other formats have no pages (None). Same input, same chunks. The cutting is
``workbench.documents.chunks.pieces``, the one cutting loop of chat attachments and knowledge bases; this module
gives it the KB's policy (a budget in tokens, overlap at sentence, line or clause starts).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

import numpy as np

from workbench.chat import CJK as _COUNTED_AS_ONE_TOKEN  # the characters estimate_tokens counts one token each
from workbench.chat import estimate_tokens
from workbench.documents import Document
from workbench.documents import chunks as splitter

MIN_CHUNK_TOKENS = 16
PATH_SEPARATOR = " > "

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})(\.?)[ \t]+(\S.*)$")
_ZH_NUMBER = "一二三四五六七八九十百零〇两"
_ZH_PART = re.compile(f"^(第[{_ZH_NUMBER}\\d]{{1,5}}([篇部章节]))[ \\t\u3000]*(.*)$")
_ZH_ENUM = re.compile(f"^([{_ZH_NUMBER}]{{1,3}})、[ \\t\u3000]*(.+)$")
_ZH_PAREN = re.compile(f"^[（(]([{_ZH_NUMBER}]{{1,3}})[）)][ \\t\u3000]*(.+)$")
_SENTENCE_END = tuple("。．.！!？?；;，,：:、")
_PARAGRAPH_END = tuple("。．.！!？?；;：:)）\"”」』")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_ZH_RANKS = {"篇": 0, "部": 0, "章": 1, "节": 2}   # then 一、 (3), （一） (4); numbered "1.2" ranks 10 + depth


@dataclass(frozen=True)
class KBChunk:
    """One chunk: its text as in the document, the pages it spans (PDFs), its heading path and size in tokens."""

    text: str
    first_page: int | None
    last_page: int | None
    heading: str | None
    tokens: int

    @property
    def context(self) -> str:
        """The heading path and the text: what is embedded and indexed for keywords."""
        return with_heading(self.heading, self.text)


def with_heading(heading: str | None, text: str) -> str:
    """``heading`` on a line of its own above ``text`` (just ``text`` without a heading)."""
    return f"{heading}\n{text}" if heading else text


@dataclass(frozen=True)
class _Heading:
    start: int          # offset of the heading's first line in the stream
    rank: int           # smaller is higher
    title: str


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    path: tuple[str, ...]


def chunk_document(document: Document, *, chunk_tokens: int, overlap_tokens: int) -> list[KBChunk]:
    """The document in chunks of at most ``chunk_tokens`` tokens (heading path included), see the module doc."""
    if isinstance(chunk_tokens, bool) or not isinstance(chunk_tokens, int) or chunk_tokens < MIN_CHUNK_TOKENS:
        raise ValueError(f"chunk_tokens must be a whole number of at least {MIN_CHUNK_TOKENS}")
    if isinstance(overlap_tokens, bool) or not isinstance(overlap_tokens, int) \
            or not 0 <= overlap_tokens < chunk_tokens:
        raise ValueError("overlap_tokens must be at least 0 and less than chunk_tokens")
    text, starts, numbers = splitter.joined_pages(document)
    if not text.strip():
        return []
    headings = _headings(text, document.kind, starts)
    sections = _sections(text, headings)
    paged = document.kind == "pdf"
    builder = _Builder(text, starts, numbers, paged, chunk_tokens, overlap_tokens)
    groups = _groups(sections, headings)
    for group in groups:
        if len(groups) == 1 or not all(_heading_only(text, section) for section in group):
            builder.pack(group)           # a heading with nothing under it is no chunk (unless it is all there is)
    return builder.chunks


# ---------------------------------------------------------------- the text and its headings


def _lines(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _headings(text: str, kind: str, page_starts: list[int]) -> list[_Heading]:
    if kind == "csv":
        return []                         # rows ("column: value; ...") are paragraphs; a cell is never a heading
    lines = _lines(text)
    found = _marked_headings(lines, markdown=kind == "markdown")
    if not found or kind in ("pdf", "text"):
        marked = {h.start for h in found}
        found += [h for h in _numbered_headings(lines, set(page_starts)) if h.start not in marked]
        found.sort(key=lambda h: h.start)
    return found


def _marked_headings(lines: list[tuple[int, str]], *, markdown: bool) -> list[_Heading]:
    """ATX "## Title" lines (outside code fences) and, in Markdown, setext "Title\\n=====" ones."""
    found: list[_Heading] = []
    fence = False
    for index, (offset, line) in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        match = _ATX.match(line)
        if match:
            found.append(_Heading(offset, len(match.group(1)), match.group(2).strip()))
            continue
        if markdown and index + 1 < len(lines) and line.strip() and not line.startswith((" " * 4, "\t", "-", "*")):
            underline = _SETEXT.match(lines[index + 1][1])
            if underline and (index == 0 or not lines[index - 1][1].strip()):
                found.append(_Heading(offset, 1 if underline.group(1)[0] == "=" else 2, line.strip()))
    return found


def _numbered_style(line: str) -> tuple[str, int] | None:
    """(style, rank) of a numbered heading line, or None when the line does not read like a heading."""
    line = line.strip()
    if not line or len(line) > 80 or line.endswith(_SENTENCE_END):
        return None
    match = _ZH_PART.match(line)
    if match and len(match.group(3)) <= 40:
        return "zh-" + match.group(2), _ZH_RANKS[match.group(2)]
    match = _ZH_ENUM.match(line)
    if match and len(match.group(2)) <= 40:
        return "zh-enum", 3
    match = _ZH_PAREN.match(line)
    if match and len(match.group(2)) <= 40:
        return "zh-paren", 4
    match = _NUMBERED.match(line)
    if match:
        number, dot, title = match.group(1), match.group(2), match.group(3).strip()
        if (title[0].isupper() or _CJK.match(title[0])) and len(title.split()) <= 12 and int(number.split(".")[0]):
            depth = number.count(".") + 1
            return f"number-{depth}{dot}", 10 + depth            # "1." and "1" are two styles (a list, headings)
    return None


def _numbered_headings(lines: list[tuple[int, str]], page_starts: set[int]) -> list[_Heading]:
    """Numbered heading lines. A heading starts a page or follows a blank line, a sentence's end or another heading
    (a line that merely wraps a paragraph does not); a run of lines of one style (a list, a table of contents) is
    not one."""
    styles = [_numbered_style(line) for _, line in lines]
    found = []
    for index, style in enumerate(styles):
        if style is None:
            continue
        previous = lines[index - 1][1].strip() if index and lines[index][0] not in page_starts else ""
        following = lines[index + 1][1].strip() if index + 1 < len(lines) and \
            lines[index + 1][0] not in page_starts else ""
        if previous and not previous.endswith(_PARAGRAPH_END) and styles[index - 1] is None:
            continue
        if (previous and styles[index - 1] and styles[index - 1][0] == style[0]) or \
                (following and styles[index + 1] and styles[index + 1][0] == style[0]):
            continue
        found.append(_Heading(lines[index][0], style[1], lines[index][1].strip()))
    return found


def _sections(text: str, headings: list[_Heading]) -> list[_Section]:
    """The text cut at every heading, each section with its heading path; a heading with no text of its own is
    joined to the section after it."""
    sections: list[_Section] = []
    stack: list[_Heading] = []
    bounds = [h.start for h in headings] + [len(text)]
    if headings and text[:headings[0].start].strip():
        sections.append(_Section(0, headings[0].start, ()))
    elif not headings:
        return [_Section(0, len(text), ())]
    for heading, end in zip(headings, bounds[1:], strict=True):
        while stack and stack[-1].rank >= heading.rank:
            stack.pop()
        stack.append(heading)
        sections.append(_Section(heading.start, end, tuple(h.title for h in stack)))
    merged: list[_Section] = []
    for section in sections:
        previous = merged[-1] if merged else None
        if previous is not None and previous.path and _heading_only(text, previous) \
                and section.path[:len(previous.path)] == previous.path:
            merged[-1] = _Section(previous.start, section.end, section.path)
        else:
            merged.append(section)
    return merged


def _heading_only(text: str, section: _Section) -> bool:
    """Whether the section is its heading line (and a setext underline) with no text of its own."""
    rest = text[section.start:section.end].split("\n", 1)[1:]
    lines = [line for line in (rest[0] if rest else "").split("\n") if line.strip()]
    if lines and _SETEXT.match(lines[0]):
        lines = lines[1:]
    return not lines


def _groups(sections: list[_Section], headings: list[_Heading]) -> list[list[_Section]]:
    """Sections grouped by top section (a chunk never spans two groups)."""
    ranks = [h.rank for h in headings]
    repeated = sorted({r for r in ranks if ranks.count(r) >= 2})
    top = repeated[0] if repeated else (min(ranks) if ranks else 0)
    rank_at = {h.start: h.rank for h in headings}
    groups: list[list[_Section]] = []
    for section in sections:
        starts_group = not groups or rank_at.get(section.start, top + 1) <= top
        if starts_group:
            groups.append([section])
        else:
            groups[-1].append(section)
    return groups


# ---------------------------------------------------------------- packing and splitting


class _Builder:
    def __init__(self, text: str, starts: list[int], numbers: list[int], paged: bool, chunk_tokens: int,
                 overlap_tokens: int) -> None:
        self.text, self.starts, self.numbers, self.paged = text, starts, numbers, paged
        self.chunk_tokens, self.overlap_tokens = chunk_tokens, overlap_tokens
        self.chunks: list[KBChunk] = []

    def pack(self, group: list[_Section]) -> None:
        """Whole sections together while they fit; a section too big alone is split by sentences."""
        pending: list[_Section] = []
        for section in group:
            if self._fits(pending + [section]):
                pending.append(section)
                continue
            self._flush(pending)
            pending = []
            if self._fits([section]):
                pending = [section]
            else:
                self._split(section)
        self._flush(pending)

    def _heading(self, sections: list[_Section]) -> str | None:
        path = list(sections[0].path)
        for section in sections[1:]:
            common = 0
            while common < min(len(path), len(section.path)) and path[common] == section.path[common]:
                common += 1
            path = path[:common]
        return self._short(path)

    def _short(self, path: list[str]) -> str | None:
        """The heading path; its first parts dropped (then the last one cut) while it is over a quarter of a chunk."""
        room = self.chunk_tokens // 4
        while len(path) > 1 and estimate_tokens(PATH_SEPARATOR.join(path)) > room:
            path = path[1:]
        if not path:
            return None
        heading = PATH_SEPARATOR.join(path)
        while heading and estimate_tokens(heading) > room:
            heading = heading[: len(heading) * 3 // 4].rstrip()
        return heading or None

    def _span(self, sections: list[_Section]) -> tuple[int, int]:
        start, end = sections[0].start, sections[-1].end
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def _fits(self, sections: list[_Section]) -> bool:
        start, end = self._span(sections)
        return estimate_tokens(with_heading(self._heading(sections), self.text[start:end])) <= self.chunk_tokens

    def _flush(self, sections: list[_Section]) -> None:
        if sections:
            start, end = self._span(sections)
            if start < end:
                self._emit(start, end, self._heading(sections))

    def _emit(self, start: int, end: int, heading: str | None) -> None:
        body = self.text[start:end]
        first = self.numbers[bisect.bisect_right(self.starts, start) - 1] if self.paged else None
        last = self.numbers[bisect.bisect_right(self.starts, max(start, end - 1)) - 1] if self.paged else None
        self.chunks.append(KBChunk(body, first, last, heading, estimate_tokens(with_heading(heading, body))))

    def _split(self, section: _Section) -> None:
        """One section in pieces of at most the budget left by its heading path, overlapping by sentences."""
        heading = self._short(list(section.path))
        budget = self.chunk_tokens - (estimate_tokens(heading + "\n") if heading else 0)
        overlap = min(self.overlap_tokens, budget // 2)
        offset, end_at = self._span([section])
        text = self.text[offset:end_at]
        count = _Counter(text)
        for start, end in splitter.pieces(text, size=lambda start: count.chars_within(start, budget),
                                          overlap=lambda start, end: count.tail_within(start, end, overlap),
                                          overlap_at=splitter.OVERLAP_AT_CLAUSES):
            self._emit(offset + start, offset + end, heading)


class _Counter:
    """``estimate_tokens`` of any slice of one text in constant time (prefix sums of its CJK characters)."""

    def __init__(self, text: str) -> None:
        marks = np.zeros(len(text) + 1, dtype=np.int64)
        positions = [m.start() + 1 for m in _COUNTED_AS_ONE_TOKEN.finditer(text)]
        marks[positions] = 1
        self.prefix = np.cumsum(marks)
        self.length = len(text)

    def tokens(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        cjk = int(self.prefix[end] - self.prefix[start])
        return cjk + math.ceil((end - start - cjk) / 3.5)

    def chars_within(self, start: int, budget: int) -> int:
        """The most characters from ``start`` whose estimate stays within ``budget`` tokens (at least one)."""
        low, high = 1, min(self.length - start, int(budget * 3.5) + 1)    # a token is at most 3.5 characters
        while low < high:
            middle = (low + high + 1) // 2
            if self.tokens(start, start + middle) <= budget:
                low = middle
            else:
                high = middle - 1
        return low

    def tail_within(self, start: int, end: int, budget: int) -> int:
        """The most characters before ``end`` (after ``start``) whose estimate stays within ``budget`` tokens."""
        low, high = 0, max(0, end - start - 1) if budget > 0 else 0
        while low < high:
            middle = (low + high + 1) // 2
            if self.tokens(end - middle, end) <= budget:
                low = middle
            else:
                high = middle - 1
        return low
