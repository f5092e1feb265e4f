"""A deep reading of a paper, aspect by aspect, every statement with its page and a quote the code found there.

    reader = Reader(complete, window=8192)              # complete(prompt, max_tokens) -> the model's answer
    async for event in reader.read(structure, lang="zh"):
        ...   # Progress(stage, done, total, aspect) ... Reading(partial=True) as each aspect is done ... Reading

For each aspect (``aspects``: problem, method, experiments, results, contributions, limitations, future work) the
sections that talk about it are read in groups that fit the model's window ("map"): the model copies the sentences
that state the aspect (``instructions/extract.md``); the code keeps those it finds on a page (``statements``). Then
one call per aspect says what each kept sentence tells, in the reader's language (``explain.md``), and the code
checks each point against its quote. The reduce is the code's: duplicates once, at most ``per_aspect`` statements
per aspect in page order, then the questions a reviewer would ask, each tied to the statement it is about (its page
and quote attached by code, ``questions.md``). The number of calls is planned before the first one, so progress
counts to a fixed total; the reading so far is given after each aspect.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from workbench.chat import estimate_tokens
from workbench.instruction_files import instruction

from .aspects import aspects, route
from .model import Structure
from .quotes import PageIndex
from .statements import Quote, Statement, numbered, quotes_from, statement

Complete = Callable[[str, int], Awaitable[str]]      # (prompt, max_tokens) -> the model's answer

EXTRACT_TOKENS = 320        # answer room of an extract call: a few sentences copied
EXPLAIN_TOKENS = 360        # ... of an explain call: a short line per sentence
QUESTION_TOKENS = 240
PROMPT_TOKENS = 220         # the instructions around the text, generously counted
MAX_GROUP_TOKENS = 1800     # a small model copies well from a page or two, worse from ten
PER_CALL = 3                # sentences asked of an extract call
PER_ASPECT = 4              # statements an aspect keeps
QUESTIONS = 3
LANGUAGES = {"zh": "Chinese (简体中文)", "en": "English"}
_QUESTION = re.compile(r"^\s*(?:[-*•]\s*)?[(（]?(\d{1,3})\s*[)）]?\s*[:：.、)）]\s*(.+?)\s*$")

Piece = tuple[int, str]     # (page, text of a section on that page)


@dataclass(frozen=True)
class Progress:
    """How far a reading is: ``done`` of ``total`` model calls; ``aspect`` is being read (stage: read, questions)."""

    stage: str
    done: int
    total: int
    aspect: str = ""


@dataclass(frozen=True)
class Reading:
    """The statements so far (``partial``) or all of them; ``quotes_found`` of ``quotes_asked`` copied sentences
    were found on the pages (the model's verification rate)."""

    lang: str
    statements: tuple[Statement, ...]
    questions: tuple[Statement, ...] = ()
    quotes_found: int = 0
    quotes_asked: int = 0
    calls: int = 0
    seconds: float = 0.0
    partial: bool = False

    @property
    def verified(self) -> int:
        return sum(s.verified for s in (*self.statements, *self.questions))

    @property
    def shown(self) -> int:
        return len(self.statements) + len(self.questions)


@dataclass
class _Plan:
    groups: dict[str, list[list[Piece]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(g) + (1 if g else 0) for g in self.groups.values()) + 1


def plan(structure: Structure, window: int, only: Sequence[str] = ()) -> _Plan:
    """The calls a reading takes: for each aspect (of ``only``, when given), its sections' own text
    (``Section.pieces``) in groups that fit ``window``."""
    budget = max(400, min(MAX_GROUP_TOKENS, window - PROMPT_TOKENS - max(EXTRACT_TOKENS, EXPLAIN_TOKENS)))
    routed = route(structure.sections) if structure.sections else {}
    every = [(p.number, p.text) for p in structure.pages if p.text.strip()]
    out = _Plan()
    for aspect in aspects():
        if only and aspect.key not in only:
            out.groups[aspect.key] = []
            continue
        found = [piece for s in routed.get(aspect.key, []) for piece in s.pieces] or every
        out.groups[aspect.key] = _grouped(found, budget)
    return out


def _grouped(found: Sequence[Piece], budget: int) -> list[list[Piece]]:
    groups: list[list[Piece]] = []
    used = 0
    for page, text in found:
        for part in _cut(text, budget):
            tokens = estimate_tokens(part)
            if not groups or used + tokens > budget:
                groups.append([])
                used = 0
            groups[-1].append((page, part))
            used += tokens
    return groups


def _cut(text: str, budget: int) -> list[str]:
    """A page's text in parts of at most ``budget`` tokens, cut at line ends."""
    parts, current = [], ""
    for line in text.splitlines():
        if current and estimate_tokens(current + line) > budget:
            parts.append(current)
            current = ""
        current += line + "\n"
    return [*parts, current] if current.strip() else parts


def marked(group: Sequence[Piece]) -> str:
    """A group's text with its pages marked "[p. N]" where the page changes."""
    out, last = [], None
    for page, text in group:
        if page != last:
            out.append(f"[p. {page}]")
            last = page
        out.append(text.strip())
    return "\n".join(out)


class Reader:
    """Reads papers with one model through ``complete``; ``parallel`` calls at a time (the server's slots)."""

    def __init__(self, complete: Complete, *, window: int, parallel: int = 2, per_aspect: int = PER_ASPECT,
                 only: Sequence[str] = ()) -> None:
        self._complete, self.window, self.per_aspect = complete, window, per_aspect
        self.only = tuple(only)             # read only these aspects (all when empty): a quick reading
        self._gate = asyncio.Semaphore(parallel)

    async def _ask(self, prompt: str, max_tokens: int) -> str:
        async with self._gate:
            return await self._complete(prompt, max_tokens)

    async def read(self, structure: Structure, *, lang: str) -> AsyncIterator[Progress | Reading]:
        """Progress after each call, the reading so far after each aspect, then the whole reading."""
        started = time.monotonic()
        work = plan(structure, self.window, self.only)
        indexes = {p.number: PageIndex(p.text) for p in structure.pages}
        statements: list[Statement] = []
        done = found_total = asked_total = 0
        for aspect in aspects():
            groups = work.groups[aspect.key]
            if not groups:
                continue
            yield Progress("read", done, work.total, aspect.key)
            asks = [self._ask(_extract_prompt(g, aspect.asks), EXTRACT_TOKENS) for g in groups]
            found: list[Quote] = []
            for reply in await asyncio.gather(*asks):
                quotes, asked = quotes_from(reply, indexes)
                found.extend(quotes)
                found_total, asked_total = found_total + len(quotes), asked_total + asked
            done += len(groups)
            kept = _kept(found, {_key(s.quote) for s in statements}, self.per_aspect)
            yield Progress("read", done, work.total, aspect.key)
            if kept:
                points = numbered(await self._ask(_explain_prompt(kept, lang), EXPLAIN_TOKENS))
                statements.extend(statement(aspect.key, q, points.get(i, "")) for i, q in enumerate(kept, 1))
            done += 1
            yield Reading(lang, tuple(statements), (), found_total, asked_total, done, _since(started), True)
        yield Progress("questions", done, work.total)
        questions = await self._questions(structure.title, statements, lang) if statements else []
        done += 1
        yield Progress("questions", done, work.total)
        yield Reading(lang, tuple(statements), tuple(questions), found_total, asked_total, done, _since(started))

    async def _questions(self, title: str, statements: Sequence[Statement], lang: str) -> list[Statement]:
        listed = "\n".join(f"{i}. {s.point} (p. {s.page})" for i, s in enumerate(statements, 1))
        prompt = (instruction(__package__, "questions").replace("<<TITLE>>", title or "")
                  .replace("<<STATEMENTS>>", listed).replace("<<COUNT>>", str(QUESTIONS))
                  .replace("<<LANGUAGE>>", LANGUAGES[lang]))
        out: list[Statement] = []
        for line in (await self._ask(prompt, QUESTION_TOKENS)).splitlines():
            match = _QUESTION.match(line)
            if not match or not 1 <= int(match.group(1)) <= len(statements) or len(out) >= QUESTIONS:
                continue
            about = statements[int(match.group(1)) - 1]
            out.append(Statement("questions", match.group(2), about.quote, about.page, about.verified, about.note,
                                 about.cited_page, about.start, about.end))
        return out


def _extract_prompt(group: Sequence[Piece], asks: str) -> str:
    # the example's page is the group's own first page: a small model copies the example's number otherwise
    return (instruction(__package__, "extract").replace("<<TEXT>>", marked(group))
            .replace("<<COUNT>>", str(PER_CALL)).replace("<<ASKS>>", asks).replace("<<PAGE>>", str(group[0][0])))


def _explain_prompt(quotes: Sequence[Quote], lang: str) -> str:
    listed = "\n".join(f"{i}. {q.text}" for i, q in enumerate(quotes, 1))
    return (instruction(__package__, "explain").replace("<<SENTENCES>>", listed)
            .replace("<<LANGUAGE>>", LANGUAGES[lang]))


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _kept(found: Sequence[Quote], seen: set[str], most: int) -> list[Quote]:
    """Quotes not already stated by an earlier aspect, once each, at most ``most``, in page order."""
    out: dict[str, Quote] = {}
    for quote in found:
        key = _key(quote.text)
        if key not in seen and key not in out:
            out[key] = quote
    return sorted(list(out.values())[:most], key=lambda q: (q.page, q.start))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 1)
