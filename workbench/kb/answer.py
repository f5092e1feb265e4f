"""Answers grounded on knowledge-base hits: numbered passages for the model, the sources a reader sees.

    hits = await knowledge.search(user_id, kb_ids, question, k=6, client=client)
    found = grounding(hits, kb_names={kb.id: kb.name for kb in kbs}, start=1, budget_tokens=2000)
    found.blocks       # ContextBlocks for the model: a head (how to cite, which KBs), then "[n] paper.pdf, p. 3"
    found.sources      # Source per passage, numbered from ``start``; ``.saved()`` for the conversation, ``read()`` back
    found.covered      # False: nothing relevant (the head then tells the model to say the KBs do not cover it),
                       # or nothing fitted ``budget_tokens`` (``left_out`` > 0, and no blocks at all)
    nothing_reply(["Handbook"], "What is X?")   # the fixed answer when the KBs were the only source and nothing
                                                # relevant was found: the model is not asked at all

Relevance (``relevant``): a hit that shares a word with the question (a BM25 keyword score), or whose vector
similarity is at least ``MIN_SIMILARITY``. USE v3 (the embedded embedder) gives paragraphs that answer an English
question a cosine of about 0.27-0.45 and unrelated ones at most about 0.12-0.21, so 0.25 keeps the first and drops
the second; a passage in another language than the question is found through its meaning only (about 0.18 here)
and so needs a shared word or a stronger model. multilingual-e5-small spreads its cosines over 0.7-0.9: answering
passages at 0.85-0.90 (10th percentile 0.854 English, 0.881 Chinese on the Debian Reference set's questions), the best
of 60 passages for a question on another subject at 0.77-0.83, so its floor is 0.84 (``MODEL_MIN_SIMILARITY``); a
Chinese question's English passage (0.81 there) is found through the translated question (``workbench.kb.retrieve``).
``grounded_messages`` puts the blocks in front of the last user
message of an OpenAI-style conversation (the HTTP API's chat); the chat page passes them to ``ChatEngine``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.locale import language
from workbench.chat import CJK, ContextBlock, estimate_tokens, with_context
from workbench.kb.records import Hit

MIN_SIMILARITY = 0.25            # vector (cosine) similarity of a relevant passage without a shared word (USE v3)
MODEL_MIN_SIMILARITY = {"multilingual-e5-small": 0.84}      # the same for models that spread cosines otherwise
BLOCK_OVERHEAD = 12              # tokens of the <context title=...> wrapping of one block
# A conversation keeps an answer's sources as {index, title, url} plus plain extra fields; a KB source is saved with
# kind "kb" and its fields (Source.saved). Answers saved before that carry url = kb:<kb id>/<doc id>?pages=&kb=&quote=
KIND = "kb"
SAVED_SCHEME = "kb:"
QUOTE_CHARS = 600                # of a passage, kept with the answer for the sources panel

# Prompt texts (data). {names}: the searched KBs as “A”, “B”.
HEAD_TITLE = "Knowledge bases"
HEAD = ("The numbered passages below were found for this question in the knowledge bases{names}. Answer from them, "
        "in the language of the question, and cite each one you use as [n] right after the sentence it supports. "
        "Cite only these numbers; never invent a source, a document or a page. If the passages do not answer the "
        "question, say that the knowledge bases do not cover it.")
NOTHING = ("The knowledge bases{names} were searched for this question and hold nothing relevant to it. Tell the user, "
           "in the language of the question, that the knowledge bases do not cover it. Do not answer from general "
           "knowledge, and do not invent sources, documents or pages.")
PAGES = {"en": ("p. {first}", "pp. {first}–{last}"), "zh": ("第 {first} 页", "第 {first}–{last} 页")}
# The answer given without asking the model when the knowledge bases were the only source and nothing in them is
# relevant (RAGFlow's "empty response"): a small model told "say you do not know" often answers anyway.
NOTHING_REPLY = {
    "en": ("I found nothing about this in the knowledge base{s} {names}, so I will not guess. Try other words, or "
           "choose other knowledge bases."),
    "zh": "在知识库{names}中没有找到与这个问题相关的内容，因此不作猜测。请换个说法，或选择其他知识库。",
}


@dataclass(frozen=True)
class Source:
    """One numbered passage the answer may cite as [index] (the compared fields are what a conversation keeps)."""

    index: int
    kb_id: str
    kb_name: str
    document_id: str
    document: str
    first_page: int | None
    last_page: int | None
    text: str
    chunk_id: str = field(default="", compare=False)
    heading: str | None = field(default=None, compare=False)
    score: float = field(default=0.0, compare=False)
    scores: dict[str, float] = field(default_factory=dict, compare=False)

    def pages(self, locale: str = "en") -> str:
        """ "p. 3" / "pp. 3–4" (Chinese: "第 3 页"), or "" for a document without pages."""
        if self.first_page is None:
            return ""
        one, many = PAGES[language(locale)]
        last = self.last_page if self.last_page is not None else self.first_page
        return (one if last == self.first_page else many).format(first=self.first_page, last=last)

    @property
    def title(self) -> str:
        """ "[3] paper.pdf, p. 2": the passage's heading for the model."""
        pages = self.pages("en")
        return f"[{self.index}] {self.document}" + (f", {pages}" if pages else "")

    def saved(self) -> dict[str, Any]:
        """As a conversation keeps it among an answer's sources (``read`` gives it back): ``{index, title (the
        document), url: "" (no web address), kind: "kb", detail ("p. 3 · KB name", for exports), kb_id, kb_name,
        document_id, first_page, last_page, quote}``; the quote is cut at ``QUOTE_CHARS``."""
        text = re.sub(r"\s+", " ", self.text).strip()
        text = text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rstrip() + " …"
        detail = " · ".join(x for x in (self.pages("en"), self.kb_name) if x)
        return {"index": self.index, "title": self.document, "url": "", "kind": KIND, "detail": detail,
                "kb_id": self.kb_id, "kb_name": self.kb_name, "document_id": self.document_id,
                "first_page": self.first_page,
                "last_page": self.last_page if self.last_page is not None else self.first_page, "quote": text}


def is_saved(item: Any) -> bool:
    """A saved knowledge-base source (not a web page); also the older form with a ``kb:`` address."""
    return isinstance(item, Mapping) and (item.get("kind") == KIND
                                          or str(item.get("url") or "").startswith(SAVED_SCHEME))


def _page(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read(item: Any) -> Source | None:
    """A saved source back (None for a web page or anything else)."""
    if not is_saved(item):
        return None
    try:
        index = int(item.get("index") or 0)
    except (TypeError, ValueError):
        return None
    if item.get("kind") == KIND:
        return Source(index, str(item.get("kb_id") or ""), str(item.get("kb_name") or ""),
                      str(item.get("document_id") or ""), str(item.get("title") or ""), _page(item.get("first_page")),
                      _page(item.get("last_page")), str(item.get("quote") or ""))
    parts = urlsplit(str(item["url"])[len(SAVED_SCHEME):])          # the form saved before the fields were kept
    kb_id, _, document_id = parts.path.partition("/")
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    pages = re.fullmatch(r"(\d+)-(\d+)", query.get("pages", ""))
    return Source(index, kb_id, query.get("kb", ""), document_id, str(item.get("title") or ""),
                  int(pages.group(1)) if pages else None, int(pages.group(2)) if pages else None,
                  query.get("quote", ""))


@dataclass(frozen=True)
class Found:
    """What a question found: the ``blocks`` for the model, the numbered ``sources``, passages ``left_out``."""

    blocks: list[ContextBlock]
    sources: list[Source]
    left_out: int = 0

    @property
    def covered(self) -> bool:
        return bool(self.sources)


def relevant(hit: Hit, min_similarity: float = MIN_SIMILARITY) -> bool:
    """Shares a word with the question, or is close enough in meaning for its KB's model (see the module doc)."""
    floor = MODEL_MIN_SIMILARITY.get(hit.model, min_similarity)
    return hit.scores.get("keyword", 0.0) > 0 or hit.scores.get("vector", 0.0) >= floor


def numbered(hits: Sequence[Hit], kb_names: Mapping[str, str] | None = None, start: int = 1) -> list[Source]:
    """Every hit as a source, numbered from ``start`` in their order."""
    names = kb_names or {}
    return [Source(n, h.chunk.kb_id, names.get(h.chunk.kb_id, ""), h.chunk.document_id, h.document_name,
                   h.chunk.first_page, h.chunk.last_page, h.chunk.text, chunk_id=h.chunk.id, heading=h.chunk.heading,
                   score=h.score, scores=dict(h.scores))
            for n, h in enumerate(hits, start=start)]


def _names(kb_names: Mapping[str, str] | None) -> str:
    names = ", ".join(f"“{name}”" for name in dict.fromkeys((kb_names or {}).values()) if name)
    return names


def grounding(hits: Sequence[Hit], *, kb_names: Mapping[str, str] | None = None, start: int = 1,
              budget_tokens: int | None = None, min_similarity: float = MIN_SIMILARITY) -> Found:
    """The relevant hits, best first, numbered from ``start`` while they fit ``budget_tokens`` (None: all; one
    that does not fit is left out and the next tried), with the head block first (see the module doc)."""
    names = _names(kb_names)
    wanted = [h for h in hits if relevant(h, min_similarity)]
    if not wanted:
        return Found([ContextBlock(HEAD_TITLE, NOTHING.format(names=f" ({names})" if names else ""))], [])
    head = ContextBlock(HEAD_TITLE, HEAD.format(names=f" {names}" if names else ""))
    used = BLOCK_OVERHEAD + estimate_tokens(head.title) + estimate_tokens(head.text)
    sources: list[Source] = []
    left_out = 0
    for hit in wanted:
        [source] = numbered([hit], kb_names, start + len(sources))
        cost = BLOCK_OVERHEAD + estimate_tokens(source.title) + estimate_tokens(source.text)
        if budget_tokens is not None and used + cost > budget_tokens:
            left_out += 1
            continue
        used += cost
        sources.append(source)
    if not sources:
        return Found([], [], left_out)
    return Found([head, *(ContextBlock(s.title, s.text) for s in sources)], sources, left_out)


def nothing_reply(kb_names: Sequence[str], question: str) -> str:
    """The fixed answer when nothing relevant was found, in the question's language (Chinese if it has any CJK
    characters, else English), naming the knowledge bases searched."""
    names = [n for n in dict.fromkeys(kb_names) if n]
    if CJK.search(question or ""):
        return NOTHING_REPLY["zh"].format(names="、".join(f"“{n}”" for n in names) or "所选的")
    return NOTHING_REPLY["en"].format(s="s" if len(names) != 1 else "",
                                      names=", ".join(f"“{n}”" for n in names) or "you chose")


def grounded_messages(messages: Sequence[dict[str, Any]], found: Found) -> list[dict[str, Any]]:
    """The conversation to send: as given, with ``found.blocks`` in front of the last user message."""
    out = [dict(m) for m in messages]
    last = max((i for i, m in enumerate(out) if m.get("role") == "user"), default=None)
    if last is not None:
        out[last]["content"] = with_context(str(out[last].get("content") or ""), found.blocks)
    return out
