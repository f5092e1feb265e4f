"""Summaries of attached documents, map-reduce, through the gateway's chat API with the user's key.

    summarizer = Summarizer(attachments, client)                     # client: AsyncOpenAI(base_url, user's key)
    async with contextlib.aclosing(summarizer.summarize("alice", doc_id, model="qwen2.5-coder:0.5b")) as events:
        async for event in events:               # Progress(stage, done, total) ... then Summary or chat.Error
            ...

Map: the document's chunks in consecutive groups that fit the model's context window (from
``GET /v1/models/{id}``: ``capabilities.context_length``, less room for the answer), each summarised
with its page markers so the points keep "(p. N)". Reduce: the partial summaries, labelled with their
pages, combined — in groups and again if there are more than one call can take. The number of calls
is planned before the first one, so progress counts up to a fixed total. The summary is in the
document's language unless a locale is asked for, and is kept in the DB per model and language
(``reuse``). Closing the iterator (or cancelling its task) cancels the calls in flight.
``wants_summary(question)`` tells the chat when a question asks for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import openai

from shared.locale import language
from workbench import prompts
from workbench.attachments import Attachment, Attachments, PageText, Passage, Progress
from workbench.chat import ContextBlock, Error, context_length, error, readable

log = logging.getLogger("maas.workbench.summaries")

MAP_TOKENS = 256            # answer room of a map call (a part's summary)
REDUCE_TOKENS = 384         # answer room of a reduce call and of a one-call summary
TEMPLATE_TOKENS = 160       # the instructions around the text, generously counted
MIN_GROUP_TOKENS = 400      # below this a model's window is too small to summarise with

TOO_SMALL = Error("too_small")     # the model's window cannot hold a part and its summary

_ASKS = re.compile(
    r"\b(summar(y|ies|i[sz]e[sd]?|i[sz]ing)|sum (it |this |that )?up|tl;?dr|overview|gist|main points|key points|"
    r"key takeaways|abstract of|what(?: is|'s) (?:it|(?:this|the|that)(?: (?:paper|document|report|article|file|"
    r"book|chapter|text))?) about)\b"
    r"|总结|概括|摘要|概述|归纳|综述|要点|主要内容|大意|讲了(什么|啥)|讲的是什么|说了(什么|啥)|主要讲", re.I)


def wants_summary(question: str) -> bool:
    """Whether a chat question asks for a summary ("summarize this paper", "总结一下", "TL;DR", ...)."""
    return bool(_ASKS.search(question or ""))


def output_language(locale: str | None, document_language: str) -> str:
    """ "zh" or "en": the asked locale when one is given, else the document's language."""
    if locale and locale.strip():
        return language(locale)
    return "zh" if document_language == "zh" else "en"


@dataclass(frozen=True)
class Part:
    """A partial summary of pages ``first_page``..``last_page``."""

    first_page: int
    last_page: int
    text: str


@dataclass(frozen=True)
class Summary:
    """``overview``: the model's summary of the whole; ``text``: the overview and, when the document was read
    in several parts, each part's summary under its pages ("pp. 1–15") — what to show and to keep."""

    attachment_id: str
    name: str
    overview: str
    parts: tuple[Part, ...]     # the map step's partial summaries (one when the document fitted one call)
    model: str
    locale: str
    calls: int                  # model calls made (0 when it came from the cache)
    seconds: float
    size: str                   # "30 pages", "12,345 characters"
    paged: bool = True

    @property
    def text(self) -> str:
        return compose(self.overview, self.parts, self.locale, self.paged)

    def block(self) -> ContextBlock:
        """The summary as a context block for the chat engine (to answer "summarize ..." in a conversation)."""
        return ContextBlock(prompts.SUMMARY_BLOCK_TITLE.format(name=self.name),
                            prompts.SUMMARY_BLOCK.format(name=self.name, size=self.size, text=self.text))


@dataclass(frozen=True)
class Plan:
    groups: list[list[Passage]]     # map calls, in document order
    fan_in: int                     # partial summaries per reduce call
    total: int                      # all calls: map + reduce


def group_passages(passages: Sequence[Passage], group_tokens: int) -> list[list[Passage]]:
    """Consecutive passages in as few groups of at most ``group_tokens`` as greedy packing gives, then
    evened out so the last group is not a scrap."""
    greedy: list[list[Passage]] = []
    used = 0
    for p in passages:
        if not greedy or (greedy[-1] and used + p.tokens > group_tokens):
            greedy.append([])
            used = 0
        greedy[-1].append(p)
        used += p.tokens
    n, total = len(greedy), sum(p.tokens for p in passages)
    if n <= 1 or not total:
        return greedy
    even: list[list[Passage]] = [[] for _ in range(n)]
    seen = 0
    for p in passages:
        even[min(n - 1, int((seen + p.tokens / 2) / total * n))].append(p)
        seen += p.tokens
    even = [g for g in even if g]
    return even if all(sum(p.tokens for p in g) <= group_tokens for g in even) else greedy


def plan(passages: Sequence[Passage], *, group_tokens: int, reduce_tokens: int, partial_tokens: int) -> Plan:
    """The calls a summary takes: map groups, how many partials one reduce call combines, and the total."""
    groups = group_passages(passages, group_tokens)
    per_partial = int(partial_tokens * 1.3) + 24            # a partial's estimate: its answer room, conservatively
    fan_in = max(2, reduce_tokens // per_partial)
    total, level = len(groups), len(groups)
    while level > 1:
        total += level // fan_in + (1 if level % fan_in > 1 else 0)     # a batch of one passes through uncalled
        level = math.ceil(level / fan_in)
    return Plan(groups, fan_in, total)


def compose(overview: str, parts: Sequence[Part], lang: str, paged: bool) -> str:
    """The overview, then each part's summary under its pages when there are several parts."""
    if len(parts) < 2:
        return overview
    t = prompts.SUMMARY[lang]
    out = [overview.strip(), "", f"### {t['by_part']}"]
    for n, part in enumerate(parts, start=1):
        label = _pages_label(lang, part.first_page, part.last_page, paged, n, len(parts))
        out += ["", f"**{label}**", "", part.text.strip()]
    return "\n".join(out)


def cut_unfinished(text: str) -> str:
    """An answer stopped at its token limit, without its unfinished last line or sentence."""
    body = text.rstrip()
    line = body.rfind("\n")
    if line >= len(body) // 2:
        return body[:line].rstrip()
    ends = [m.end() for m in re.finditer(r"[.!?。！？；]", body)]
    return body[: ends[-1]] if ends and ends[-1] >= len(body) // 2 else body


_SENTENCE = re.compile(r"(?<=[。！？；])|(?<=[.!?])\s+")
_ENDS = re.compile(r"[\n.!?。！？；]")
LOOP_REPEATS = 2            # sentences said again before a call is stopped as looping


def _key(sentence: str) -> str:
    """A sentence compared loosely; "" for one too short to count (under 8 letters, 4 CJK characters)."""
    key = re.sub(r"[\W_]+", " ", re.sub(r"\b(the|a|an)\b", " ", sentence.lower())).strip()
    return key if len(key) >= (4 if re.search(r"[\u3040-\u9fff\uac00-\ud7af]", key) else 8) else ""


def repeats(text: str) -> int:
    """How many finished sentences or lines of ``text`` say again what an earlier one said."""
    done = [_key(u) for line in text.split("\n") for u in _SENTENCE.split(line)]
    done = [k for k in done[:-1] if k]                    # the last one may be unfinished
    return len(done) - len(set(done))


def dedupe(text: str) -> str:
    """``text`` without sentences it already said (kept where they first appear); lines left empty go."""
    seen: set[str] = set()
    lines: list[str] = []
    for line in text.split("\n"):
        kept = ""
        for unit in _SENTENCE.split(line):
            key = _key(unit)
            if key and key in seen:
                continue
            seen.add(key)
            kept += (" " if kept and kept[-1] in ".!?" else "") + unit
        if kept.strip(" -*•") or not line.strip():
            lines.append(kept.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _pages_label(lang: str, first: int, last: int, paged: bool, part: int = 0, parts: int = 0) -> str:
    t = prompts.SUMMARY[lang]
    if not paged:
        return t["section"].format(part=part, parts=parts) if parts > 1 else t["whole_text"]
    return t["page" if first == last else "pages"].format(first=first, last=last)


class Summarizer:
    """Summarises attached documents with a chat model through an OpenAI-compatible gateway."""

    def __init__(self, attachments: Attachments, client: openai.AsyncOpenAI, *, map_tokens: int = MAP_TOKENS,
                 reduce_tokens: int = REDUCE_TOKENS, group_tokens: int | None = None, concurrency: int = 2,
                 temperature: float = 0.2, frequency_penalty: float | None = 0.2) -> None:
        self.attachments, self.client = attachments, client
        self.map_tokens, self.reduce_tokens, self.group_tokens = map_tokens, reduce_tokens, group_tokens
        self.concurrency, self.temperature, self.frequency_penalty = max(1, concurrency), temperature, frequency_penalty
        self._context: dict[str, int] = {}

    async def context_length(self, model: str) -> int:
        """The model's window from ``GET /v1/models/{id}`` (``capabilities.context_length``)."""
        return await context_length(self.client, model, self._context)

    def budgets(self, window: int) -> tuple[int, int]:
        """Tokens of document text per map call, and of partial summaries per reduce call."""
        margin = 32 + window // 20
        room = window - margin - TEMPLATE_TOKENS
        group = room - self.map_tokens
        if self.group_tokens:
            group = min(group, self.group_tokens)
        else:
            group = min(group, max(MIN_GROUP_TOKENS, (room - self.reduce_tokens) // 2))
        return group, room - self.reduce_tokens

    async def summarize(self, user_id: str, attachment_id: str, *, model: str, locale: str | None = None,
                        context_length: int | None = None, reuse: bool = True,
                        ) -> AsyncIterator[Progress | Summary | Error]:
        """Progress events, then the ``Summary`` (or a readable ``Error``); ``NotFound`` for others' documents."""
        attachment = self.attachments.get(user_id, attachment_id)
        lang = output_language(locale, attachment.language)
        size = prompts.document_size(attachment.pages, attachment.chars, attachment.paged)
        started = time.monotonic()
        cached = self.attachments.cached_summary(attachment, model, lang) if reuse else None
        if cached:
            yield Progress("cached", 1, 1)
            yield Summary(attachment.id, attachment.name, cached[0], tuple(Part(**p) for p in cached[1]), model,
                          lang, 0, 0.0, size, attachment.paged)
            return
        window = context_length or await self.context_length(model)
        group_tokens, reduce_room = self.budgets(window)
        passages = self.attachments.passages(attachment)
        if group_tokens < MIN_GROUP_TOKENS or reduce_room < 2 * (self.map_tokens + 24) or not passages:
            yield TOO_SMALL
            return
        steps = plan(passages, group_tokens=group_tokens, reduce_tokens=reduce_room, partial_tokens=self.map_tokens)
        pages = self.attachments.pages(attachment)
        run = _Run(self, attachment, pages, model, lang, steps.total)
        try:
            yield Progress("map", 0, steps.total)
            parts = [Part(0, 0, "")] * len(steps.groups)
            calls = [run.map_call(i, g, len(steps.groups)) for i, g in enumerate(steps.groups)]
            async with contextlib.aclosing(run.each(calls)) as finished:
                async for i, part in finished:
                    parts[i] = part
                    yield Progress("map", run.done, steps.total)
            level = parts
            while len(level) > 1:
                batches = [level[i: i + steps.fan_in] for i in range(0, len(level), steps.fan_in)]
                merged = [b[0] for b in batches]
                calls = [i for i, b in enumerate(batches) if len(b) > 1]
                async with contextlib.aclosing(run.each([run.reduce_call(batches[i]) for i in calls])) as finished:
                    async for n, part in finished:
                        merged[calls[n]] = part
                        yield Progress("reduce", run.done, steps.total)
                level = merged
        except openai.APIError as exc:
            log.warning("summary of %s with %s failed: %s", attachment.id, model, exc)
            yield readable(exc)
            return
        text = level[0].text.strip()
        if not text or text == self._nothing(lang, attachment, level[0]):
            yield error("failed")
            return
        self.attachments.save_summary(attachment, model, lang, text, [asdict(p) for p in parts])
        yield Summary(attachment.id, attachment.name, text, tuple(parts), model, lang, run.done,
                      round(time.monotonic() - started, 1), size, attachment.paged)

    def _nothing(self, lang: str, a: Attachment, part: Part) -> str:
        return prompts.SUMMARY[lang]["nothing"].format(pages=_pages_label(lang, part.first_page, part.last_page,
                                                                          a.paged))

    async def complete(self, model: str, prompt: str, lang: str, max_tokens: int) -> str:
        """One streamed call (so closing it stops the model), the answer's text without any <think> part."""
        extra = {"frequency_penalty": self.frequency_penalty} if self.frequency_penalty is not None else {}
        stream = await self.client.chat.completions.create(
            model=model, stream=True, max_tokens=max_tokens, temperature=self.temperature, **extra,
            messages=[{"role": "system", "content": prompts.SUMMARY[lang]["system"]},
                      {"role": "user", "content": prompt}])
        pieces: list[str] = []
        finish = None
        try:
            async for chunk in stream:
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    pieces.append(delta)
                    if _ENDS.search(delta) and repeats("".join(pieces)) >= LOOP_REPEATS:
                        finish = "loop"          # a small model going round in circles: stop it, keep the rest
                        break
                if chunk.choices and chunk.choices[0].finish_reason:
                    finish = chunk.choices[0].finish_reason
        finally:
            await stream.close()
        text = re.sub(r"<think>.*?(</think>|$)", "", "".join(pieces), flags=re.S).strip()
        return dedupe(cut_unfinished(text) if finish in ("length", "loop") else text)


class _Run:
    """One summary's calls: at most ``concurrency`` at a time, counted as they finish."""

    def __init__(self, owner: Summarizer, attachment: Attachment, pages: list[PageText], model: str, lang: str,
                 total: int) -> None:
        self.owner, self.a, self.pages, self.model, self.lang, self.total = owner, attachment, pages, model, lang, total
        self.t = prompts.SUMMARY[lang]
        self.done = 0
        self._gate = asyncio.Semaphore(owner.concurrency)

    async def each(self, calls: list[Coroutine[Any, Any, Part]]) -> AsyncIterator[tuple[int, Part]]:
        """Run the calls (coroutines giving a Part); yield (index, part) as each finishes; cancel the rest on exit."""
        async def gated(i: int, call: Coroutine[Any, Any, Part]) -> tuple[int, Part]:
            async with self._gate:
                return i, await call

        tasks = [asyncio.ensure_future(gated(i, c)) for i, c in enumerate(calls)]
        try:
            for next_done in asyncio.as_completed(tasks):
                i, part = await next_done
                self.done += 1
                yield i, part
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for call in calls:          # calls cancelled before they started were never awaited
                call.close()

    async def _ask(self, prompt: str, max_tokens: int, first: int, last: int) -> Part:
        text = await self.owner.complete(self.model, prompt, self.lang, max_tokens)
        if not text:                                            # a small model sometimes says nothing: once more
            text = await self.owner.complete(self.model, prompt, self.lang, max_tokens)
        return Part(first, last, text or self.owner._nothing(self.lang, self.a, Part(first, last, "")))

    async def map_call(self, index: int, group: Sequence[Passage], parts: int) -> Part:
        first, last = group[0].first_page, group[-1].last_page
        starts = [p for p in group if p.start >= 0]
        if len(starts) == len(group):
            text = self.owner.attachments.text(self.a, group[0].start, max(p.end for p in group), self.pages)
        else:
            text = "\n\n".join(p.text for p in group)
        label = _pages_label(self.lang, first, last, self.a.paged, index + 1, parts)
        cite = self.t["cite_pages" if self.a.paged else "cite"]
        if parts == 1:
            prompt = self.t["whole"].format(name=self.a.name, pages=label, text=text, cite=cite)
            return await self._ask(prompt, self.owner.reduce_tokens, first, last)
        prompt = self.t["map"].format(name=self.a.name, part=index + 1, parts=parts, pages=label, text=text,
                                      cite=cite)
        return await self._ask(prompt, self.owner.map_tokens, first, last)

    async def reduce_call(self, parts: Sequence[Part]) -> Part:
        body = "\n\n".join(self.t["part"].format(part=n, pages=_pages_label(self.lang, p.first_page, p.last_page,
                                                                            self.a.paged, n, len(parts)), text=p.text)
                           for n, p in enumerate(parts, start=1))
        keep = self.t["keep_pages" if self.a.paged else "keep"]
        prompt = self.t["reduce"].format(name=self.a.name, text=body, keep=keep)
        return await self._ask(prompt, self.owner.reduce_tokens, parts[0].first_page, parts[-1].last_page)

