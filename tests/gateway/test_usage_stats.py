"""Usage dashboards: the daily rollup matches the ledger, queries give exact sums, members see only their keys."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from gateway.usage import stats as us
from gateway.usage.ledger import Ledger, UsageRow

D1, D2, D3, D4 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
SOURCES = ("rollup", "ledger")

# (ts, key, model, prompt, completion, reasoning, total, status)
DATA = [
    (datetime(2026, 3, 1, 0, 0, 0), "k1", "m1", 100, 10, None, 110, 200),
    (datetime(2026, 3, 1, 9, 30), "k1", "m2", 200, 20, 5, 220, 200),
    (datetime(2026, 3, 1, 23, 59, 59), "k2", "m1", 400, 40, None, 440, 200),
    (datetime(2026, 3, 2, 8, 0), "k2", "m1", None, None, None, None, 500),
    (datetime(2026, 3, 2, 12, 0), "k1", "m1", 50, 5, None, 55, 200),
    (datetime(2026, 3, 3, 1, 0), "k2", "m2", 400, 40, 10, 440, 200),
    (datetime(2026, 3, 3, 2, 0), "k2", "m2", 10, 0, None, 10, 429),
]


def usage_row(i: int, ts, key, model, prompt, completion, reasoning, total, status) -> UsageRow:
    return UsageRow(ts=ts, request_id=f"r{i}", key_id=key, endpoint="chat.completions", model=model,
                    deployment="d", prompt_tokens=prompt, completion_tokens=completion,
                    reasoning_tokens=reasoning, total_tokens=total, usage_source="upstream", status=status,
                    error_code=None if status < 400 else "upstream_error", stream=False, latency_ms=1.0,
                    ttft_ms=None, client_aborted=False)


ROWS = [usage_row(i, *d) for i, d in enumerate(DATA)]


def flush(store, rows: list[UsageRow]) -> None:
    """Write rows the way the gateway does: through the ledger, which also rolls them up."""
    ledger = Ledger(store)
    for r in rows:
        ledger.record(r)
    assert ledger.flush() == len(rows)


@pytest.fixture()
def cur(store):
    c = store.cursor()
    us.ensure_rollup(c)
    now = datetime(2026, 1, 1)
    for uid, name, org in (("u1", "alice", "Org A"), ("u2", "bob", "Org B")):
        c.execute("INSERT INTO users (id, username, organisation, role, created_at) VALUES (?, ?, ?, 'member', ?)",
                  [uid, name, org, now])
    for kid, uid in (("k1", "u1"), ("k2", "u2")):
        c.execute("INSERT INTO api_keys (id, name, prefix, secret_hash, created_at, user_id) VALUES (?, ?, ?, ?, ?, ?)",
                  [kid, f"{kid} key", "sk-", f"hash-{kid}", now, uid])
    flush(store, ROWS[:4])                   # two flushes: the second batch updates rows of the first
    flush(store, ROWS[4:])
    return c


def rollup_table(c) -> list[tuple]:
    return c.execute("SELECT * FROM usage_daily ORDER BY ALL").fetchall()


def test_incremental_roll_up_equals_rebuild(cur):
    incremental = rollup_table(cur)
    assert len(incremental) == 6           # (D1,k1,m1) (D1,k1,m2) (D1,k2,m1) (D2,k1,m1) (D2,k2,m1) (D3,k2,m2)
    assert us.rebuild(cur) == 6
    assert rollup_table(cur) == incremental
    assert (D3, "k2", "m2", 2, 1, 410, 40, 10, 450, 0) in incremental


@pytest.mark.parametrize("source", SOURCES)
def test_totals(cur, source):
    assert us.totals(cur, D1, source=source) == {
        "requests": 7, "errors": 2, "stopped": 0, "prompt_tokens": 1160, "completion_tokens": 115,
        "reasoning_tokens": 15, "total_tokens": 1275}
    assert us.totals(cur, D2, source=source) == {
        "requests": 4, "errors": 2, "stopped": 0, "prompt_tokens": 460, "completion_tokens": 45, "reasoning_tokens": 10,
        "total_tokens": 505}
    assert us.totals(cur, D1, D1, source=source)["total_tokens"] == 770
    assert us.totals(cur, D4, source=source) == dict.fromkeys(us.SUMS, 0)


@pytest.mark.parametrize("source", SOURCES)
def test_tokens_per_day(cur, source):
    days = us.tokens_per_day(cur, D1, D4, source=source)
    assert [(d["day"], d["requests"], d["errors"], d["total_tokens"]) for d in days] == [
        (D1, 3, 0, 770), (D2, 2, 1, 55), (D3, 2, 1, 450), (D4, 0, 0, 0)]
    assert [d["day"] for d in us.tokens_per_day(cur, D2, D3, source=source)] == [D2, D3]


@pytest.mark.parametrize("source", SOURCES)
def test_daily_ranking(cur, source):
    def names(day, by, **kw):
        return [(r["rank"], r["name"], r["requests"], r["total_tokens"])
                for r in us.ranking(cur, day, by, source=source, **kw)]

    assert names(D1, "key") == [(1, "k2", 1, 440), (2, "k1", 2, 330)]
    assert names(D1, "user") == [(1, "bob", 1, 440), (2, "alice", 2, 330)]
    assert names(D1, "organisation") == [(1, "Org B", 1, 440), (2, "Org A", 2, 330)]
    assert names(D2, "key") == [(1, "k1", 1, 55), (2, "k2", 1, 0)]
    assert names(D3, "user") == [(1, "bob", 2, 450)]
    assert names(D1, "key", limit=1) == [(1, "k2", 1, 440)]
    with pytest.raises(ValueError):
        us.ranking(cur, D1, "model")


def test_keys_without_user_rank_as_none(cur, store):
    cur.execute("INSERT INTO api_keys (id, name, prefix, secret_hash, created_at) VALUES ('k3', 'k3', 'sk-', 'h3', ?)",
                [datetime(2026, 1, 1)])
    orphan = [usage_row(100, datetime(2026, 3, 3, 5), "k3", "m1", 1000, 0, None, 1000, 200),
              usage_row(101, datetime(2026, 3, 3, 6), None, None, 1, 1, None, 2, 401)]
    flush(store, orphan)
    top = us.ranking(cur, D3, "organisation")
    assert [(r["name"], r["requests"], r["total_tokens"]) for r in top] == [("(none)", 2, 1002), ("Org B", 2, 450)]
    assert [r["name"] for r in us.ranking(cur, D3, "key")] == ["k3", "k2", "(none)"]
    assert [(m["model"], m["requests"], m["errors"]) for m in us.per_model(cur, D3)] == [
        ("m2", 2, 1), ("(none)", 1, 1), ("m1", 1, 0)]


@pytest.mark.parametrize("source", SOURCES)
def test_per_model(cur, source):
    assert us.per_model(cur, D1, source=source) == [
        {"model": "m1", "requests": 4, "errors": 1, "stopped": 0, "avg_prompt_tokens": 137.5,
         "avg_completion_tokens": 13.75, "total_tokens": 605},
        {"model": "m2", "requests": 3, "errors": 1, "stopped": 0, "avg_prompt_tokens": pytest.approx(610 / 3),
         "avg_completion_tokens": 20.0, "total_tokens": 670},
    ]
    member = us.per_model(cur, D1, key_ids=["k2"], source=source)
    assert [(m["model"], m["requests"], m["errors"], m["avg_prompt_tokens"], m["avg_completion_tokens"])
            for m in member] == [("m1", 2, 1, 200.0, 20.0), ("m2", 2, 1, 205.0, 20.0)]


@pytest.mark.parametrize("source", SOURCES)
def test_member_sees_only_own_keys(cur, source):
    assert us.visible_keys(cur, "u1", is_admin=False) == ["k1"]
    assert us.visible_keys(cur, "u1", is_admin=True) is None
    mine = ["k1"]
    assert us.totals(cur, D1, key_ids=mine, source=source) == {
        "requests": 3, "errors": 0, "stopped": 0, "prompt_tokens": 350, "completion_tokens": 35, "reasoning_tokens": 5,
        "total_tokens": 385}
    days = us.tokens_per_day(cur, D1, D3, key_ids=mine, source=source)
    assert [d["total_tokens"] for d in days] == [330, 55, 0]
    for day in (D1, D2, D3):
        assert [r["name"] for r in us.ranking(cur, day, "key", key_ids=mine, source=source)] in (["k1"], [])
        assert {r["name"] for r in us.ranking(cur, day, "user", key_ids=mine, source=source)} <= {"alice"}
        assert {r["name"] for r in us.ranking(cur, day, "organisation", key_ids=mine, source=source)} <= {"Org A"}
    assert [(m["model"], m["requests"]) for m in us.per_model(cur, D1, key_ids=mine, source=source)] == [
        ("m1", 2), ("m2", 1)]
    assert us.totals(cur, D1, key_ids=[], source=source)["requests"] == 0
    everything = us.dashboard(cur, D1, D3, key_ids=mine, source=source)
    assert "k2" not in repr(everything) and "bob" not in repr(everything) and "Org B" not in repr(everything)


def test_ledger_and_rollup_dashboards_agree(cur):
    for key_ids in (None, ["k1"], ["k2"], ["k1", "k2"]):
        assert us.dashboard(cur, D1, D3, key_ids=key_ids, source="ledger") == us.dashboard(
            cur, D1, D3, key_ids=key_ids, source="rollup")


def test_csv_export_parses_back(cur):
    rows = us.tokens_per_day(cur, D1, D3)
    text = us.to_csv(rows, ["day", "requests", "total_tokens"])
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed == [{"day": "2026-03-01", "requests": "3", "total_tokens": "770"},
                      {"day": "2026-03-02", "requests": "2", "total_tokens": "55"},
                      {"day": "2026-03-03", "requests": "2", "total_tokens": "450"}]
    models = us.per_model(cur, D1)
    back = list(csv.reader(io.StringIO(us.to_csv([list(m.values()) for m in models], list(models[0])))))
    assert back[0] == list(models[0]) and back[1][:3] == ["m1", "4", "1"]
    assert float(back[2][4]) == pytest.approx(610 / 3)
    tricky = us.to_csv([{"name": 'a, "quoted"\nname', "n": None}], ["name", "n"])
    assert list(csv.DictReader(io.StringIO(tricky))) == [{"name": 'a, "quoted"\nname', "n": ""}]


def stopped_rows() -> list[UsageRow]:
    """On 2026-03-04 the chat model m1: one answer, one the user stopped (499), one upstream failure (502)."""
    return [usage_row(200 + i, datetime(2026, 3, 4, 10, i), "k1", "m1", 100, c, None, 100 + c, status)
            for i, (c, status) in enumerate(((20, 200), (7, 499), (0, 502)))]


@pytest.mark.parametrize("source", SOURCES)
def test_answers_the_user_stopped_are_counted_apart_from_errors(cur, store, source):
    flush(store, stopped_rows())
    totals = us.totals(cur, D4, D4, source=source)
    assert (totals["requests"], totals["errors"], totals["stopped"], totals["completion_tokens"]) == (3, 1, 1, 27)
    assert [(m["model"], m["requests"], m["errors"], m["stopped"]) for m in us.per_model(cur, D4, D4,
                                                                                         source=source)] == [
        ("m1", 3, 1, 1)]
    assert [(r["name"], r["errors"], r["stopped"]) for r in us.ranking(cur, D4, "key", source=source)] == [
        ("k1", 1, 1)]
    assert [(d["errors"], d["stopped"]) for d in us.tokens_per_day(cur, D4, D4, source=source)] == [(1, 1)]


def test_an_older_rollup_is_recounted_when_the_store_opens(cur, store):
    """The migration of a data dir whose rollup counted stopped answers as errors (no ``stopped`` column)."""
    from gateway.store import MIGRATIONS

    flush(store, stopped_rows())
    cur.execute("ALTER TABLE usage_daily DROP COLUMN stopped")              # the rollup as it was
    cur.execute("UPDATE usage_daily SET errors = 2 WHERE day = ?", [D4])    # 499 counted as an error
    cur.execute("DELETE FROM schema_version WHERE version = ?", [len(MIGRATIONS)])
    store.migrate()
    assert us.totals(cur, D4, D4) == us.totals(cur, D4, D4, source="ledger")
    assert (us.totals(cur, D4, D4)["errors"], us.totals(cur, D4, D4)["stopped"]) == (1, 1)
    assert us.totals(cur, D1, D3) == us.totals(cur, D1, D3, source="ledger")


@pytest.mark.parametrize("source", SOURCES)
def test_a_keys_organisation_is_the_one_its_application_named(cur, store, source):
    now = datetime(2026, 1, 1)
    cur.execute("INSERT INTO users (id, username, role, created_at) VALUES ('u3', 'carol', 'member', ?)", [now])
    for kid in ("k3", "k4"):
        cur.execute("INSERT INTO api_keys (id, name, prefix, secret_hash, created_at, user_id)"
                    " VALUES (?, ?, 'sk-', ?, ?, 'u3')", [kid, kid, f"hash-{kid}", now])
    # carol's profile names no organisation; the application of k3 did (k4 was issued directly)
    cur.execute("INSERT INTO key_applications (id, kind, user_id, key_id, name, organisation, purpose, models,"
                " status, created_at) VALUES ('app_1', 'new_key', 'u3', 'k3', 'k3', 'Institute of Botany',"
                " 'Reading botany papers', '[]', 'approved', ?)", [now])
    # alice (Org A) applied for k1 naming her department: the key's own organisation wins
    cur.execute("INSERT INTO key_applications (id, kind, user_id, key_id, name, organisation, purpose, models,"
                " status, created_at) VALUES ('app_2', 'new_key', 'u1', 'k1', 'k1', 'Org A Physics',"
                " 'Reading physics papers', '[]', 'approved', ?)", [now])
    flush(store, [usage_row(300, datetime(2026, 3, 4, 9), "k3", "m1", 500, 0, None, 500, 200),
                  usage_row(301, datetime(2026, 3, 4, 9, 1), "k4", "m1", 50, 0, None, 50, 200),
                  usage_row(302, datetime(2026, 3, 4, 9, 2), "k1", "m1", 5, 0, None, 5, 200)])
    top = [(r["name"], r["total_tokens"]) for r in us.ranking(cur, D4, "organisation", source=source)]
    assert top == [("Institute of Botany", 500), ("(none)", 50), ("Org A Physics", 5)]
