"""Main text of a web page: its title and the article, without navigation, footers, scripts or styles.

Stdlib ``html.parser`` only. The page becomes a list of text blocks (paragraphs, list items, cells,
headings ...) with how much of each is link text. Boilerplate elements (script, style, nav, footer,
aside, forms, hidden elements, ``role=navigation``, classes like ``menu`` / ``sidebar`` / ``cookie``)
are dropped while parsing. Inside ``<article>`` / ``<main>`` when those hold the bulk of the text,
the densest run of blocks wins: each block scores its length (Chinese characters count double: they
carry more per character) times its share of non-link text, minus a constant, and the run with the
largest sum is the main text (maximum-subsequence segmentation); link-heavy blocks in it are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

BLOCK_TAGS = frozenset("""address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead
    tr ul""".split())
SKIP_TAGS = frozenset("""script style noscript template svg math iframe object embed canvas nav footer aside form
    button select textarea menu dialog head""".split())
VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
MAIN_TAGS = frozenset(("article", "main"))
SKIP_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
                        "dialog", "alert"))
HINTS = re.compile(r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|footer|sidebar|breadcrumbs?|cookies?|banner|advert"
                   r"|ads|share|social|related|comments?|login|toolbar|pagination|copyright|subscribe|popup|modal)"
                   r"(?:$|[-_\s])", re.I)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u3000-\u303f\uff00-\uffef]")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef])\s+"
                      r"(?=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef])")
BLOCK_COST = 40            # a block must be longer than this (weighted characters) to add to a run
MAX_LINK_DENSITY = 0.5
SENTENCE_ENDS = ("。", "！", "？", "…", ".", "!", "?", "：", ":", "”", "\"")
MAX_DEPTH = 512


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str


@dataclass
class _Block:
    text: str
    links: int
    heading: bool
    main: bool
    pre: bool


@dataclass
class _Open:
    tag: str
    skip: bool
    main: bool
    pre: bool


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.blocks: list[_Block] = []
        self.parts: list[str] = []
        self.links = 0
        self.in_link = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.h1: str | None = None
        self.heading = False

    @property
    def top(self) -> _Open | None:
        return self.stack[-1] if self.stack else None

    def _skipping(self, tag: str, attrs: dict[str, str | None], parent: _Open | None) -> bool:
        if parent is not None and parent.skip:
            return True
        if tag == "head":
            return True
        if tag == "header":                    # a page header is chrome; an article's header is its title
            return not (parent and parent.main)
        if tag in SKIP_TAGS:
            return True
        if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
            return True
        if (attrs.get("role") or "").lower() in SKIP_ROLES:
            return True
        style = (attrs.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            return True
        hint = f"{attrs.get('id') or ''} {attrs.get('class') or ''}"
        return tag not in ("body", "html", "article", "main") and bool(HINTS.search(hint))

    def flush(self) -> None:
        text = "".join(self.parts)
        self.parts, links = [], self.links
        self.links = 0
        top = self.top
        pre = bool(top and top.pre)
        text = text.strip("\n") if pre else " ".join(text.split())
        if text.strip():
            self.blocks.append(_Block(_CJK_GAP.sub("", text), links, self.heading, bool(top and top.main), pre))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = not self.title_parts          # the page's title, not an <svg>'s
            return
        if tag == "br":
            self.parts.append("\n" if self.top is not None and self.top.pre else " ")
        if tag in BLOCK_TAGS:
            self.flush()
            self.heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")
            if tag == "p" and self.top is not None and self.top.tag == "p":
                self.stack.pop()               # a paragraph ends where the next block begins
        if tag == "a":
            self.in_link += 1
        if tag in VOID_TAGS or len(self.stack) >= MAX_DEPTH:
            return
        a = {k.lower(): v for k, v in attrs}
        parent = self.top
        main = bool(parent and parent.main) or tag in MAIN_TAGS or (a.get("role") or "").lower() == "main"
        self.stack.append(_Open(tag, self._skipping(tag, a, parent), main, bool(parent and parent.pre) or tag == "pre"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        if tag == "a":
            self.in_link = max(0, self.in_link - 1)
        if tag in BLOCK_TAGS:
            self.flush()
            self.heading = False
        if any(o.tag == tag for o in self.stack):
            while self.stack:
                if self.stack.pop().tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        top = self.top
        if top is not None and top.skip:
            return
        self.parts.append(data)
        if self.in_link:
            self.links += len(data.strip())
        if self.heading and top is not None and top.tag == "h1" and self.h1 is None and data.strip():
            self.h1 = " ".join(data.split())


def weight(text: str) -> int:
    """Characters, Chinese / Japanese / Korean ones counted twice."""
    return len(text) + len(CJK.findall(text))


def _densest(blocks: list[_Block]) -> list[_Block]:
    """The run of blocks with the largest sum of (non-link weight - BLOCK_COST)."""
    best, best_range, run, start = 0.0, None, 0.0, 0
    for i, b in enumerate(blocks):
        density = b.links / max(len(b.text), 1)
        value = weight(b.text) * (1 - min(density, 1.0)) - BLOCK_COST
        if run <= 0:
            run, start = value, i
        else:
            run += value
        if run > best:
            best, best_range = run, (start, i)
    if best_range is None:
        return blocks
    lo, hi = best_range
    while lo > 0 and _prose(blocks[lo - 1]):
        lo -= 1                               # short sentences at the edges of the run belong to it
    while hi + 1 < len(blocks) and _prose(blocks[hi + 1]):
        hi += 1
    if lo > 0 and blocks[lo - 1].heading:
        lo -= 1                               # the heading right above the text belongs to it
    return blocks[lo:hi + 1]


def _prose(block: _Block) -> bool:
    """A short block that reads like a sentence: little link text, ends like a sentence."""
    return (block.links <= len(block.text) * 0.2 and weight(block.text) >= 16
            and block.text.rstrip().endswith(SENTENCE_ENDS))


def _select(blocks: list[_Block]) -> list[_Block]:
    total = sum(weight(b.text) for b in blocks)
    main = [b for b in blocks if b.main]
    main_weight = sum(weight(b.text) for b in main)
    if main and (main_weight >= 300 or main_weight * 4 >= total):
        blocks = main
    kept = _densest(blocks)
    return [b for b in kept if b.heading or b.pre or b.links / max(len(b.text), 1) <= MAX_LINK_DENSITY]


def cap(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` at a sentence end when one is near, marked with an ellipsis."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    end = max(cut.rfind(c) for c in ("。", "！", "？", ". ", "! ", "? ", "\n"))
    if end >= max_chars * 0.8:
        cut = cut[:end + 1]
    return cut.rstrip() + " …"


def extract(html: str, max_chars: int = 8000) -> Extracted:
    """The page's title and main text (at most ``max_chars`` characters)."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser.flush()
    title = " ".join("".join(parser.title_parts).split()) or parser.h1 or ""
    text = "\n".join(b.text for b in _select(parser.blocks))
    return Extracted(title=title, text=cap(text, max_chars))


def plain(text: str, max_chars: int = 8000) -> Extracted:
    """A text/plain page: its lines with runs of blank lines and spaces squeezed."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    squeezed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return Extracted(title="", text=cap(squeezed, max_chars))
