"""Usage dashboards: a daily rollup of the usage ledger, kept up to date as rows arrive, and the queries on it.

``usage_daily`` holds one row per (day, key, model) with request, error and token sums. ``Ledger.flush``
folds each batch into it with ``ROLL_UP_BATCH_SQL`` (one UPSERT, same transaction as the ledger append);
``rebuild`` recomputes it from ``usage_ledger``. The queries read the rollup (``source="rollup"``, the default) or, for
checks and benchmarks, the ledger itself (``source="ledger"``); both give the same numbers.

Scoping: every query takes ``key_ids`` — ``None`` for an admin (everything), or the list of keys a member
owns (``visible_keys``); a member never sees another key's usage. Days are the UTC dates of ``ts``; a
request without a key or a model is rolled up under ``''`` and shown as ``(none)``. Errors are requests with
``status >= 400`` except 499: an answer the client stopped (the user pressed Stop, closed the page) is counted
as ``stopped``, not as an error; missing token counts add 0; averages are per request (errors included).
A key's organisation is the one its application named, else its user's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

NONE = "(none)"
SUMS = ("requests", "errors", "stopped", "prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")
STOPPED = 499                 # the client went away before the end (gateway.usage.metering): not an error
RANK_BY = ("key", "user", "organisation")

CREATE_ROLLUP = """
CREATE TABLE IF NOT EXISTS usage_daily (
    day DATE NOT NULL, key_id VARCHAR NOT NULL, model VARCHAR NOT NULL,
    requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL, total_tokens BIGINT NOT NULL,
    stopped BIGINT DEFAULT 0,
    PRIMARY KEY (day, key_id, model)
)
"""
# an older rollup counted stopped answers as errors: add the column and recount from the ledger (a migration)
ADD_STOPPED = "ALTER TABLE usage_daily ADD COLUMN IF NOT EXISTS stopped BIGINT DEFAULT 0"

# the ledger seen with the rollup's columns (one request per row); grouping it gives usage_daily
_LEDGER_AS_ROLLUP = """(SELECT CAST(ts AS DATE) AS day, coalesce(key_id, '') AS key_id, coalesce(model, '') AS model,
    1 AS requests, CAST(status >= 400 AND status <> 499 AS INTEGER) AS errors,
    CAST(status = 499 AS INTEGER) AS stopped, coalesce(prompt_tokens, 0) AS prompt_tokens,
    coalesce(completion_tokens, 0) AS completion_tokens, coalesce(reasoning_tokens, 0) AS reasoning_tokens,
    coalesce(total_tokens, 0) AS total_tokens FROM usage_ledger)"""
_SOURCES = {"rollup": "usage_daily", "ledger": _LEDGER_AS_ROLLUP}

# Ledger.flush stages each batch in this temp table, then appends it to the ledger and folds it
# into the rollup in the same transaction; the grouping runs inside DuckDB, off the GIL.
BATCH_TABLE = "ledger_batch"
_INTO = f"INSERT INTO usage_daily (day, key_id, model, {', '.join(SUMS)}) SELECT day, key_id, model, "
ROLL_UP_BATCH_SQL = (
    _INTO
    + ", ".join(f"sum({c})" for c in SUMS)
    + f" FROM {_LEDGER_AS_ROLLUP.replace('FROM usage_ledger', 'FROM ' + BATCH_TABLE)}"
    + " GROUP BY day, key_id, model ON CONFLICT DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in SUMS)
)

REBUILD_SQL = (
    _INTO
    + ", ".join(f"sum({c})" for c in SUMS)
    + f" FROM {_LEDGER_AS_ROLLUP} GROUP BY day, key_id, model"
)

def ensure_rollup(cursor) -> None:
    """Create ``usage_daily`` if it is missing (to become a migration in gateway/store.py)."""
    cursor.execute(CREATE_ROLLUP)


def _day(ts: datetime | date) -> date:
    return ts.date() if isinstance(ts, datetime) else ts


def rebuild(cursor) -> int:
    """Recompute ``usage_daily`` from the whole ledger (one transaction); returns its row count."""
    ensure_rollup(cursor)
    cursor.execute("BEGIN")
    try:
        cursor.execute("DELETE FROM usage_daily")
        cursor.execute(REBUILD_SQL)
        cursor.execute("COMMIT")
    except Exception:
        cursor.execute("ROLLBACK")
        raise
    return cursor.execute("SELECT count(*) FROM usage_daily").fetchone()[0]


def visible_keys(cursor, user_id: str, is_admin: bool) -> list[str] | None:
    """The ``key_ids`` argument for a signed-in user: ``None`` (everything) for an admin, else their keys."""
    if is_admin:
        return None
    return [r[0] for r in cursor.execute("SELECT id FROM api_keys WHERE user_id = ? ORDER BY id", [user_id]).fetchall()]


def _where(key_ids: list[str] | None, since: date | None, until: date | None, alias: str = "") -> tuple[str, list]:
    """A WHERE clause (with its parameters) for a key scope and an inclusive day range."""
    clauses, params = [], []
    if key_ids is not None:
        clauses.append(f"{alias}key_id IN (SELECT unnest(CAST(? AS VARCHAR[])))")
        params.append(list(key_ids))
    if since is not None:
        clauses.append(f"{alias}day >= ?")
        params.append(_day(since))
    if until is not None:
        clauses.append(f"{alias}day <= ?")
        params.append(_day(until))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _dicts(cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _sum_list(alias: str = "") -> str:
    return ", ".join(f"CAST(coalesce(sum({alias}{c}), 0) AS BIGINT) AS {c}" for c in SUMS)


def totals(cursor, since: date | None = None, until: date | None = None, *, key_ids: list[str] | None = None,
           source: str = "rollup") -> dict[str, int]:
    """Requests, errors and token sums from ``since`` (inclusive; None = from the start) to ``until``."""
    where, params = _where(key_ids, since, until)
    cursor.execute(f"SELECT {_sum_list()} FROM {_SOURCES[source]}{where}", params)
    return _dicts(cursor)[0]


def tokens_per_day(cursor, since: date, until: date, *, key_ids: list[str] | None = None,
                   source: str = "rollup") -> list[dict[str, Any]]:
    """One row per day from ``since`` to ``until`` (both inclusive, days without usage give zeros)."""
    where, params = _where(key_ids, since, until)
    cursor.execute(
        f"""WITH used AS (SELECT day, {_sum_list()} FROM {_SOURCES[source]}{where} GROUP BY day),
            days AS (SELECT CAST(d AS DATE) AS day FROM generate_series(CAST(? AS DATE), CAST(? AS DATE),
                     INTERVAL 1 DAY) AS t(d))
            SELECT days.day, {", ".join(f"coalesce(used.{c}, 0) AS {c}" for c in SUMS)}
            FROM days LEFT JOIN used USING (day) ORDER BY days.day""",
        params + [_day(since), _day(until)])
    return _dicts(cursor)


_RANK_NAME = {
    "key": "CASE WHEN s.key_id = '' THEN '(none)' ELSE s.key_id END",
    "user": "coalesce(u.username, '(none)')",
    "organisation": "coalesce(nullif(trim(a.organisation), ''), nullif(trim(u.organisation), ''), '(none)')",
}
# the organisation each key's application named (a key made from an application; one per key)
_KEY_ORGANISATION = ("(SELECT key_id, any_value(organisation) AS organisation FROM key_applications"
                     " WHERE kind = 'new_key' AND key_id IS NOT NULL GROUP BY key_id)")


def ranking(cursor, day: date, by: str = "key", limit: int = 20, *, key_ids: list[str] | None = None,
            source: str = "rollup", until: date | None = None) -> list[dict[str, Any]]:
    """The day's top ``limit`` keys, users or organisations by total tokens (then requests, then name).

    Users come from ``api_keys.user_id``; a key's organisation is the one its application named, else its
    user's (``users.organisation``); a key without either counts as ``(none)``. ``until`` widens the day to a
    range."""
    if by not in RANK_BY:
        raise ValueError(f"ranking by {by!r}: expected one of {', '.join(RANK_BY)}")
    where, params = _where(key_ids, day, until or day, alias="s.")
    cursor.execute(
        f"""SELECT row_number() OVER (ORDER BY total_tokens DESC, requests DESC, name) AS rank, * FROM (
                SELECT {_RANK_NAME[by]} AS name, {_sum_list("s.")}
                FROM {_SOURCES[source]} AS s LEFT JOIN api_keys AS k ON k.id = s.key_id
                LEFT JOIN users AS u ON u.id = k.user_id
                LEFT JOIN {_KEY_ORGANISATION} AS a ON a.key_id = s.key_id{where} GROUP BY ALL)
            ORDER BY rank LIMIT ?""",
        params + [int(limit)])
    return _dicts(cursor)


def per_model(cursor, since: date | None = None, until: date | None = None, *, key_ids: list[str] | None = None,
              source: str = "rollup") -> list[dict[str, Any]]:
    """Per model: requests, errors (status >= 400 but 499), stopped answers (499) and average prompt/completion
    tokens per request."""
    where, params = _where(key_ids, since, until)
    cursor.execute(
        f"""SELECT CASE WHEN model = '' THEN '(none)' ELSE model END AS model,
                CAST(sum(requests) AS BIGINT) AS requests, CAST(sum(errors) AS BIGINT) AS errors,
                CAST(sum(stopped) AS BIGINT) AS stopped,
                sum(prompt_tokens) / sum(requests) AS avg_prompt_tokens,
                sum(completion_tokens) / sum(requests) AS avg_completion_tokens,
                CAST(sum(total_tokens) AS BIGINT) AS total_tokens
            FROM {_SOURCES[source]}{where} GROUP BY ALL ORDER BY requests DESC, model""",
        params)
    return _dicts(cursor)


def dashboard(cursor, since: date, until: date, *, key_ids: list[str] | None = None,
              source: str = "rollup") -> dict[str, Any]:
    """Every panel of the usage dashboard for one window (the ranking is for its last day), read from one
    snapshot: rows the ledger writes meanwhile show in every panel at the next read, never in some of them
    (CI saw totals of 3 tokens next to days summing to 8)."""
    cursor.execute("BEGIN TRANSACTION")
    try:
        return {
            "totals": totals(cursor, since, until, key_ids=key_ids, source=source),
            "per_day": tokens_per_day(cursor, since, until, key_ids=key_ids, source=source),
            "ranking": {by: ranking(cursor, until, by, key_ids=key_ids, source=source) for by in RANK_BY},
            "per_model": per_model(cursor, since, until, key_ids=key_ids, source=source),
        }
    finally:
        cursor.execute("ROLLBACK")      # read only


def to_csv(rows: Iterable[Mapping[str, Any] | Sequence[Any]], columns: Sequence[str]) -> str:
    """CSV text (header line, then one line per row) of dict rows (by column name) or sequences (in order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        writer.writerow("" if v is None else v.isoformat() if isinstance(v, date) else v for v in values)
    return out.getvalue()


def window(until: date, days: int) -> tuple[date, date]:
    """The ``days``-day window ending on ``until`` (inclusive)."""
    return until - timedelta(days=days - 1), until
