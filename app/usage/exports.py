"""The Usage page's CSV exports: their addresses, file names, columns and text (served by
``app.http.usage_export`` for the signed-in user; linked from the page)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from gateway.accounts.console import Actor, Console
from gateway.usage import stats as usage_stats

PER_DAY_CSV = ("day", *usage_stats.SUMS)
PER_MODEL_CSV = ("model", "requests", "errors", "stopped", "avg_prompt_tokens", "avg_completion_tokens",
                 "total_tokens")
PREFIX = "/usage/export"
KINDS = ("per-day", "per-model")


def csv_url(kind: str, since: str, until: str) -> str:
    """The address of the window's ``kind`` export (``since``/``until``: ISO dates)."""
    return f"{PREFIX}/{kind}.csv?{urlencode({'since': since, 'until': until})}"


def file_name(kind: str, since: str, until: str) -> str:
    return f"usage-{kind}_{since}_{until}.csv"


def csv_text(console: Console, actor: Actor, kind: str, since: date, until: date) -> str:
    """The export's CSV (the columns ``PER_DAY_CSV`` / ``PER_MODEL_CSV``) as ``actor`` may see it."""
    data = console.usage(actor, since, until)
    rows, columns = (data["per_day"], PER_DAY_CSV) if kind == "per-day" else (data["per_model"], PER_MODEL_CSV)
    return usage_stats.to_csv(rows, columns)
