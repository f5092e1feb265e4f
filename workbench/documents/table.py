"""CSV (and TSV): decode like a text file, sniff the delimiter, and write each row as "column: value; ...".

Why rows as "column: value" lines rather than a Markdown table: a knowledge base cuts documents into
chunks of a few hundred tokens, so a long table ends up in many chunks and only the first would hold the
header row. "| 42 | Lyon |" on its own means nothing to an embedding model or to a keyword search, while
"city: Lyon; population: 42" means the same in every chunk. Each row is its own paragraph, so a chunk never
cuts a row in two (unless one row alone is longer than a chunk). Empty cells are left out; the column names
are listed once at the top ("Columns: ...") for questions about the table itself.

The first row is the header when it reads like one (every cell filled, none a number); otherwise the
columns are called "column 1", "column 2", ... A table is refused when it has more than ``MAX_ROWS`` rows
or its text would exceed ``MAX_CHARS`` characters (each row repeats the column names).
"""

from __future__ import annotations

import csv
import io
import re

from . import charset, errors
from .document import Document, Page
from .errors import DocumentError
from .plaintext import stem

MAX_ROWS = 200_000
MAX_CHARS = 64 * 1024 * 1024
DELIMITERS = ",;\t|"
_NUMBER = re.compile(r"^[+-]?(\d[\d,_ ]*)?(\.\d+)?([eE][+-]?\d+)?%?$")


def too_many_rows(name: str, limit: int) -> DocumentError:
    return DocumentError("too_many_rows", name=name, limit=f"{limit:,}")


def too_much_text(name: str) -> DocumentError:
    return DocumentError("too_large_inside.table", name=name, megabytes=MAX_CHARS // (1024 * 1024))


def unreadable(name: str) -> DocumentError:
    return DocumentError("corrupt.csv", name=name)


def no_rows(name: str) -> DocumentError:
    return DocumentError("empty.table", name=name)


def parse_csv(data: bytes, filename: str) -> Document:
    """A .csv/.tsv file as one page: "Columns: a, b" then one "a: 1; b: 2" paragraph per row."""
    text = charset.decode(data)
    if text is None:
        raise errors.undecodable(filename)
    text = text.lstrip("\ufeff").strip("\n")
    if not text.strip():
        raise errors.empty(filename)
    delimiter = "\t" if filename.lower().endswith(".tsv") else sniff_delimiter(text)
    rows = _rows(text, delimiter, filename)
    if not rows:
        raise errors.empty(filename)
    header, body = _header(rows)
    if not body:
        raise no_rows(filename)
    out = ["Columns: " + ", ".join(header)]
    size = len(out[0])
    for row in body:
        line = "; ".join(f"{_column(header, i)}: {value}" for i, value in enumerate(row) if value)
        if line:
            out.append(line)
            size += len(line) + 2
            if size > MAX_CHARS:
                raise too_much_text(filename)
    if len(out) == 1:
        raise no_rows(filename)
    return Document(filename=filename, kind="csv", title=stem(filename), pages=(Page(1, "\n\n".join(out)),))


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the first lines into the same number (>1) of cells most often."""
    lines = [line for line in text.split("\n", 50)[:50] if line.strip()][:20]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        typical = max(set(counts), key=counts.count)
        score = (counts.count(typical) if typical > 1 else 0, typical)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _rows(text: str, delimiter: str, filename: str) -> list[list[str]]:
    """The non-empty rows, cells with their runs of spaces and line ends made one space. Stray quotes inside a
    cell are taken as they are; a quote left open to the end of the file is refused (it would swallow the rest)."""
    try:
        return _read(text, delimiter, filename, strict=True)
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise unreadable(filename) from None
    try:
        return _read(text, delimiter, filename, strict=False)
    except csv.Error:
        raise unreadable(filename) from None


def _read(text: str, delimiter: str, filename: str, *, strict: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict):
        cells = [" ".join(cell.split()) for cell in row]
        if any(cells):
            rows.append(cells)
            if len(rows) > MAX_ROWS + 1:
                raise too_many_rows(filename, MAX_ROWS)
    return rows


def _header(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The column names and the data rows: the first row when it reads like a header, else "column N"."""
    first = rows[0]
    if all(cell and not _NUMBER.match(cell) for cell in first):
        return first, rows[1:]
    width = max(len(row) for row in rows)
    return [f"column {i + 1}" for i in range(width)], rows


def _column(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"column {index + 1}"
