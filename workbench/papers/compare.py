"""Papers side by side: a table of problem, method, data, metrics, best results and limitations, each cell a
statement of that paper's reading with its page and its quote.

    table = compare([(paper_a.title, reading_a), (paper_b.title, reading_b)])
    table.rows[2].cells[1]        # Cell: point, page, quote, verified — or None when the reading has nothing for it

No model is asked: the cells are the readings' own statements (each already checked against its page), chosen by
code. Data and metrics both come from the experiments aspect: a statement whose quote names a dataset, corpus or
benchmark is data, one that names a metric (accuracy, F1, BLEU, %, ...) is a metric; "best results" is the results
statement with the most numbers in its quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workbench.citations import numbers

from .reading import Reading
from .statements import Statement

MIN_PAPERS, MAX_PAPERS = 2, 5
ROWS = ("problem", "method", "data", "metrics", "results", "limitations")
_DATA = re.compile(r"\b(data ?sets?|corpus|corpora|benchmarks?|collection|samples|images|documents)\b|数据集|语料|基准",
                   re.I)
_METRIC = re.compile(r"\b(accuracy|precision|recall|f1|bleu|rouge|mrr|ndcg|map|auc|perplexity|error rate|metrics?|"
                     r"score)\b|%|准确率|召回率|指标|精度", re.I)


@dataclass(frozen=True)
class Cell:
    """One paper's answer for one row: a statement of its reading."""

    point: str
    page: int
    quote: str
    verified: bool


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class Table:
    titles: tuple[str, ...]
    rows: tuple[Row, ...]


def compare(papers: Sequence[tuple[str, Reading]]) -> Table:
    """The comparison table of 2 to 5 papers' readings (title, reading), in the order given."""
    rows = tuple(Row(key, tuple(_cell(_pick(key, reading.statements)) for _, reading in papers)) for key in ROWS)
    return Table(tuple(title for title, _ in papers), rows)


def _pick(key: str, statements: Sequence[Statement]) -> Statement | None:
    of = _of(statements)
    choosers: dict[str, Callable[[], Statement | None]] = {
        "problem": lambda: _first(of("problem")),
        "method": lambda: _first(of("method")),
        "data": lambda: _first([s for s in of("experiments") if _DATA.search(s.quote)] or of("experiments")),
        "metrics": lambda: _first([s for s in of("experiments") + of("results") if _METRIC.search(s.quote)]),
        "results": lambda: max(of("results"), key=lambda s: (len(numbers(s.quote)), -s.page), default=None),
        "limitations": lambda: _first(of("limitations")),
    }
    return choosers[key]()


def _of(statements: Sequence[Statement]) -> Callable[[str], list[Statement]]:
    return lambda aspect: [s for s in statements if s.aspect == aspect]


def _first(found: Sequence[Statement]) -> Statement | None:
    """The first verified statement, else the first one."""
    return next((s for s in found if s.verified), found[0] if found else None)


def _cell(statement: Statement | None) -> Cell | None:
    return None if statement is None else Cell(statement.point, statement.page, statement.quote, statement.verified)
