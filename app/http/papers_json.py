"""JSON out of ``/papers/v1`` (``app.http.papers_api``): a paper as listed, its structure, a reading with its
statements (page, quote, verified), an answer with its evidence. Plain functions of the records of
``workbench.papers``; no routes and no permission checks here.
"""

from __future__ import annotations

from typing import Any

from app.http.kb_json import iso
from shared.locale import language
from workbench.messages import MESSAGES
from workbench.papers.model import Structure
from workbench.papers.readings import Asked, StoredReading
from workbench.papers.records import Paper
from workbench.papers.statements import Statement


def paper_json(paper: Paper, locale: str) -> dict[str, Any]:
    """A paper: where its parse is (``status`` parsing | ready | failed, ``progress`` in pages) and what it is."""
    return {"id": paper.id, "object": "paper", "team_id": paper.team_id, "filename": paper.filename,
            "title": paper.title, "authors": list(paper.authors), "language": paper.language or None,
            "pages": paper.pages, "ocr_pages": list(paper.ocr_pages), "bytes": paper.bytes, "sha256": paper.sha256,
            "status": paper.status, "progress": {"done": paper.progress[0], "total": paper.progress[1]},
            "error": saved_error(paper.error, locale), "role": paper.role,
            "readings": [{"model": m, "lang": lang, "status": s} for m, lang, s in paper.readings],
            "created_by": paper.created_by, "created_at": iso(paper.created_at), "updated_at": iso(paper.updated_at)}


def saved_error(error: dict[str, Any], locale: str) -> dict[str, Any] | None:
    """A stored failure (``{key, en, zh}``) as the envelope's message and code, in ``locale``."""
    if not error:
        return None
    key = str(error.get("key", ""))
    message = error.get(language(locale)) or error.get("en") or MESSAGES.render(key, locale, {})
    return {"message": message, "code": key.rsplit(".", 1)[-1] or None}


def structure_json(paper_id: str, structure: Structure, *, text: bool) -> dict[str, Any]:
    """A parsed paper: pages (their text with ``text``), sections with their pages, captions, tables, references
    with their fields, in-text citations with the references they point to."""
    pages = [{"number": p.number, "columns": p.columns, "ocr": p.ocr, "width": p.width, "height": p.height,
              **({"text": p.text} if text else {})} for p in structure.pages]
    sections = [{"number": s.number, "title": s.title, "level": s.level, "page": s.page, "end_page": s.end_page,
                 **({"text": s.text} if text else {})} for s in structure.sections]
    return {"object": "paper.structure", "paper_id": paper_id, "title": structure.title,
            "authors": list(structure.authors), "abstract": structure.abstract, "language": structure.language,
            "pages": pages, "ocr_pages": list(structure.ocr_pages), "sections": sections,
            "captions": [{"kind": c.kind, "label": c.label, "text": c.text, "page": c.page}
                         for c in structure.captions],
            "tables": [{"page": page, "text": table} for page, table in structure.tables],
            "references": [{"number": r.number, "raw": r.raw, "authors": list(r.authors), "title": r.title,
                            "year": r.year, "venue": r.venue, "doi": r.doi, "arxiv": r.arxiv, "label": r.label}
                           for r in structure.references],
            "citations": [{"page": c.page, "marker": c.marker, "references": list(c.references)}
                          for c in structure.citations]}


def statement_json(statement: Statement) -> dict[str, Any]:
    """One statement: the point, the page, the quote the code found there, whether it is verified and why not."""
    return {"aspect": statement.aspect, "point": statement.point, "page": statement.page, "quote": statement.quote,
            "verified": statement.verified, "note": statement.note or None, "cited_page": statement.cited_page}


def reading_json(stored: StoredReading, locale: str) -> dict[str, Any]:
    """A reading so far (``status`` running) or finished: its steps, statements and how many were verified."""
    reading = stored.reading
    shown = reading.shown
    return {"object": "paper.reading", "paper_id": stored.paper_id, "model": stored.model, "lang": stored.lang,
            "status": stored.status, "steps": {"done": stored.steps_done, "total": stored.steps_total},
            "statements": [statement_json(s) for s in reading.statements],
            "questions": [statement_json(s) for s in reading.questions],
            "verified": reading.verified, "shown": shown,
            "verified_share": round(reading.verified / shown, 4) if shown else None,
            "quotes": {"found": reading.quotes_found, "asked": reading.quotes_asked},
            "calls": reading.calls, "seconds": round(reading.seconds, 2),
            "error": saved_error(stored.error, locale), "updated_at": iso(stored.updated_at)}


def answer_json(paper_id: str, asked: Asked, locale: str) -> dict[str, Any]:
    """An answer and its evidence (page and quote each); ``found`` False: the paper does not seem to answer it."""
    answer = asked.answer
    text = answer.text if answer.found else MESSAGES.render("paper.md.not_found", locale,
                                                            {"searched": answer.searched})
    return {"object": "paper.answer", "id": asked.id, "paper_id": paper_id, "thread_id": asked.thread_id,
            "position": asked.position, "question": asked.question, "answer": text, "found": answer.found,
            "evidence": [{"page": q.page, "quote": q.text, "cited_page": q.cited_page} for q in answer.evidence],
            "searched": answer.searched, "calls": answer.calls, "model": asked.model, "lang": asked.lang,
            "created_at": iso(asked.created_at)}
