"""What the papers' store keeps and hands out: a paper's row, and its structure as JSON and back.

A ``Paper`` belongs to a team or to its uploader's personal space (``team_id``, the knowledge bases' teams); ``role``
is the asking user's role in that team.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from workbench.documents.layout import Line

from .model import Caption, Citation, PageText, Reference, Section, Structure


@dataclass(frozen=True)
class Paper:
    """A paper in the library: ``status`` parsing | ready | failed; ``progress`` (done, total) of ``stage`` while
    parsing; ``error`` the failure's message code and fields."""

    id: str
    team_id: str
    filename: str
    sha256: str
    bytes: int
    title: str
    authors: tuple[str, ...]
    language: str
    pages: int
    ocr_pages: tuple[int, ...]
    status: str
    progress: tuple[int, int]
    error: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    role: str = "reader"
    readings: tuple[tuple[str, str, str], ...] = field(default=())   # (model, lang, status) of its readings
    stage: str = "pages"        # what ``progress`` counts while parsing: "pages" read, or "ocr": pages recognised


def structure_json(paper: Structure) -> str:
    """A structure as JSON (what ``structure_from_json`` reads back)."""
    return json.dumps(asdict(paper), ensure_ascii=False, separators=(",", ":"))


def structure_from_json(text: str) -> Structure:
    """The structure ``structure_json`` wrote."""
    row = json.loads(text)
    pages = tuple(PageText(p["number"], tuple(Line(**line) for line in p["lines"]), p["width"], p["height"],
                           p["columns"], p["ocr"]) for p in row["pages"])
    return Structure(
        title=row["title"], authors=tuple(row["authors"]), abstract=row["abstract"], language=row["language"],
        pages=pages,
        sections=tuple(Section(**{**s, "pieces": tuple(tuple(piece) for piece in s.get("pieces", ()))})
                       for s in row["sections"]),
        captions=tuple(Caption(**c) for c in row["captions"]),
        tables=tuple(tuple(t) for t in row["tables"]),
        references=tuple(Reference(**{**r, "authors": tuple(r["authors"])}) for r in row["references"]),
        citations=tuple(Citation(**{**c, "references": tuple(c["references"])}) for c in row["citations"]),
        ocr_pages=tuple(row["ocr_pages"]))
