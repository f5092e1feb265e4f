"""A PDF page's lines in reading order, with where they are and their font (pdfplumber's words and positions).

Two-column pages are read column by column: the left column down, then the right one; lines spanning both
columns (a title, a wide figure's caption) keep their place between them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of a page in reading order: its text, where it is (PDF points, top-left origin) and its font."""

    text: str
    top: float
    x0: float
    x1: float
    size: float                 # font size (points), the line's most common
    bold: bool = False
    column: int = 0             # 0 spans the page (title, a wide figure), 1 the left column, 2 the right
