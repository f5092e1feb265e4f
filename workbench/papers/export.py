"""A paper's reading, its questions and answers, and comparisons as Markdown, in the reader's language.

    text = markdown(structure, stored, threads, lang="zh")     # the reading by aspect, then the Q&A threads
    text = comparison_markdown(table, lang="zh")               # a table, one column per paper

Every statement keeps what makes it checkable: its page and its quote (as a quote block), and a statement the code
could not verify says so and why. The words around them are the workbench's (``workbench/messages/papers.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.messages import MESSAGES

from .aspects import aspects, label
from .compare import Table
from .model import Structure
from .readings import Asked, StoredReading
from .statements import Statement


def _say(code: str, lang: str, **fields: object) -> str:
    return MESSAGES.render(f"paper.md.{code}", lang, fields)


def markdown(structure: Structure, stored: StoredReading | None, threads: Sequence[Sequence[Asked]], *,
             lang: str) -> str:
    """The paper's title and authors, its reading by aspect, then each question thread."""
    out = [f"# {structure.title}", ""]
    if structure.authors:
        out += [_say("authors", lang, authors=", ".join(structure.authors)), ""]
    if stored is not None:
        reading = stored.reading
        out += [f"## {_say('reading', lang, model=stored.model, verified=reading.verified, shown=reading.shown)}", ""]
        for aspect in aspects():
            found = [s for s in reading.statements if s.aspect == aspect.key]
            if found:
                out += [f"### {label(aspect.key, lang)}", "", *(_statement(s, lang) for s in found)]
        if reading.questions:
            out += [f"### {label('questions', lang)}", "", *(_statement(s, lang) for s in reading.questions)]
    if any(threads):
        out += [f"## {_say('questions', lang)}", ""]
        for thread in threads:
            for asked in thread:
                out += [f"### {_say('question', lang, question=asked.question)}", ""]
                answer = asked.answer
                out += [answer.text if answer.found else _say("not_found", lang, searched=answer.searched), ""]
                if answer.evidence:
                    out += [f"**{_say('evidence', lang)}**", ""]
                    out += [f"- {_say('page', lang, page=q.page)}\n\n  > {q.text}\n" for q in answer.evidence]
    return "\n".join(out).rstrip() + "\n"


def _statement(s: Statement, lang: str) -> str:
    notes = [_say("page", lang, page=s.page)]
    if s.note == "page_corrected" and s.cited_page:
        notes.append(_say("corrected", lang, cited=s.cited_page))
    if not s.verified:
        notes.append(_say("unverified", lang, why=_say("why.numbers" if s.note == "numbers" else "why.other", lang)))
    return f"- {s.point} ({'; '.join(notes)})\n\n  > {s.quote}\n"


def comparison_markdown(table: Table, *, lang: str) -> str:
    """The comparison as a Markdown table: a row per aspect, a column per paper, each cell its point, page and
    quote."""
    head = f"| | {' | '.join(_cell_text(t) for t in table.titles)} |"
    rule = "|---" * (len(table.titles) + 1) + "|"
    lines = [f"## {_say('comparison', lang)}", "", head, rule]
    for row in table.rows:
        cells = [_cell_text(f"{c.point} ({_say('page', lang, page=c.page)}): “{c.quote}”") if c else
                 _say("empty", lang) for c in row.cells]
        lines.append(f"| **{_say('row.' + row.key, lang)}** | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _cell_text(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
