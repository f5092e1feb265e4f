"""Small pure renderers the pages share: escaped HTML tables, dates, numbers, limits.

Every value is escaped (and Gradio's template characters neutralised), so text a user typed —
a key name, an application's purpose — always shows as text, never as markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from app.shell.i18n import translate

CSS = """
table { width: 100%; border-collapse: collapse; font-size: var(--text-md); }
th, td { text-align: left; vertical-align: top; padding: 7px 9px;
         border-bottom: 1px solid var(--border-color-primary); }
th { font-weight: 600; color: var(--body-text-color-subdued); white-space: nowrap; }
code { font-size: 0.95em; }
.muted { color: var(--body-text-color-subdued); font-size: 0.9em; }
.empty { padding: 12px 9px; color: var(--body-text-color-subdued); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 0.85em; font-weight: 600; }
.b-active, .b-approved { background: #dcfce7; color: #166534; }
.b-pending { background: #fef9c3; color: #854d0e; }
.b-revoked, .b-rejected, .b-expired, .b-disabled { background: #fee2e2; color: #991b1b; }
.b-admin { background: #e0e7ff; color: #3730a3; }
"""


def esc(value: object) -> str:
    """HTML-escape, and neutralise the template characters gr.HTML would otherwise interpret."""
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("{", "&#123;").replace("}", "&#125;").replace("$", "&#36;").replace("`", "&#96;")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str, *, raw_columns: Iterable[int] = (),
          row_ids: Sequence[str] | None = None) -> str:
    """An HTML table; cells are escaped except the ``raw_columns`` (already-rendered HTML from this module)."""
    raw = set(raw_columns)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f"<td>{cell if j in raw else esc(cell)}</td>" for j, cell in enumerate(row))
        rid = f' data-id="{esc(row_ids[i])}"' if row_ids is not None else ""
        body.append(f"<tr{rid}>{cells}</tr>")
    if not body:
        return f'<div class="empty">{esc(empty)}</div>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def badge(word: str, kind: str) -> str:
    return f'<span class="badge b-{esc(kind)}">{esc(word)}</span>'


def when(ts: datetime | None) -> str:
    """``2026-11-25 18:04`` (UTC) or an em dash."""
    return ts.strftime("%Y-%m-%d %H:%M") if ts is not None else "—"


def number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def models_text(models: Sequence[str] | None, locale: str) -> str:
    return translate("common.all_models", locale) if models is None else ", ".join(models) or "—"


def limits_text(rpm: int | None, tpm: int | None, quota_tokens: int | None, quota_period: str | None,
                locale: str) -> str:
    """``60 requests/min · 10,000 tokens/min · 1,000,000 tokens per month``, or 'no limits'."""
    parts = []
    if rpm is not None:
        parts.append(translate("common.rpm", locale, n=number(rpm)))
    if tpm is not None:
        parts.append(translate("common.tpm", locale, n=number(tpm)))
    if quota_tokens is not None:
        key = "common.quota_month" if quota_period == "month" else "common.quota_total"
        parts.append(translate(key, locale, n=number(quota_tokens)))
    return " · ".join(parts) or translate("common.no_limits", locale)
