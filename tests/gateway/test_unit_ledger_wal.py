"""The usage ledger with real DuckDB: a row it cannot write never stops the others, the write-ahead
file keeps what a killed process had not written, and a replay never counts a row twice."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime

import pytest

from gateway.store import open_store
from gateway.usage.ledger import Ledger, UsageRow


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "maas.duckdb")
    yield s
    s.close()


def row(i: int, **changes) -> UsageRow:
    r = UsageRow(ts=datetime(2026, 1, 1, 0, 0, i % 60, i), request_id=f"r{i}", key_id="k", endpoint="embeddings",
                 model="m", deployment="d", prompt_tokens=i, completion_tokens=0, reasoning_tokens=None,
                 total_tokens=i, usage_source="upstream", status=200, error_code=None, stream=False, latency_ms=1.5,
                 ttft_ms=None, client_aborted=False)
    return replace(r, **changes)


def ids(store) -> list[str]:
    return [r[0] for r in store.cursor().execute("SELECT request_id FROM usage_ledger ORDER BY request_id").fetchall()]


def daily_requests(store) -> int:
    return store.cursor().execute("SELECT coalesce(sum(requests), 0) FROM usage_daily").fetchone()[0]


def test_a_row_the_database_refuses_is_set_aside_and_the_others_are_written(store, tmp_path, caplog):
    ledger = Ledger(store, interval=60, wal_dir=tmp_path / "ledger", sync_s=0)
    ledger.start()
    for i in range(1, 41):
        ledger.record(row(i))
    ledger.record(row(100, model=[1]))                   # mixed with strings in one batch: DuckDB refuses the batch
    ledger.record(row(101, prompt_tokens=2**40))          # over the INTEGER column
    with caplog.at_level(logging.WARNING, logger="maas.ledger"):
        ledger.sync()
        assert ledger.flush() == 41
        for i in range(41, 46):                           # the next batches go through as usual
            ledger.record(row(i))
        ledger.sync()
        assert ledger.flush() == 5
    assert ledger.set_aside == 1
    assert ids(store) == sorted([f"r{i}" for i in range(1, 46)] + ["r100"])
    assert daily_requests(store) == 46
    refused = [r for r in caplog.records if "set aside" in r.getMessage()]
    assert len(refused) == 1 and "r101" in refused[0].getMessage() and refused[0].levelno == logging.ERROR
    assert (tmp_path / "ledger" / "rejected.jsonl").read_text().count("\n") == 1
    ledger.close()
    assert [p.name for p in (tmp_path / "ledger").iterdir()] == ["rejected.jsonl"]    # nothing left to replay


def test_a_failing_store_keeps_the_rows_and_says_so_once(store, tmp_path, caplog):
    ledger = Ledger(store, interval=60, wal_dir=tmp_path / "ledger", sync_s=0)
    ledger.start()
    ledger.record(row(1))
    ledger.sync()
    assert ledger.flush() == 1
    store.cursor().execute("ALTER TABLE usage_daily RENAME TO usage_daily_away")     # every batch now fails
    with caplog.at_level(logging.WARNING, logger="maas.ledger"):
        for i in range(2, 7):
            ledger.record(row(i))
            ledger.sync()
            assert ledger.flush() == 0
        assert ledger.set_aside == 0                      # the store's fault, not the rows'
        store.cursor().execute("ALTER TABLE usage_daily_away RENAME TO usage_daily")
        assert ledger.flush() == 5
    messages = [r.getMessage() for r in caplog.records]
    assert sum("failed" in m for m in messages) == 1 and sum("resumed" in m for m in messages) == 1
    assert ids(store) == [f"r{i}" for i in range(1, 7)]
    ledger.close()


def test_rows_written_ahead_are_replayed_once_after_a_kill(store, tmp_path):
    wal = tmp_path / "ledger"
    killed = Ledger(store, interval=60, wal_dir=wal, sync_s=0)
    killed.start()
    for i in range(1, 11):
        killed.record(row(i))
    killed.sync()
    assert killed.flush() == 10                            # in DuckDB, segment deleted ...
    for i in range(11, 21):
        killed.record(row(i))
    killed.sync()                                         # ... these only in the write-ahead file
    (segment,) = wal.glob("*.jsonl")
    committed_twice = tmp_path / "copy"
    committed_twice.write_bytes(segment.read_bytes())
    assert killed.flush() == 10                            # committed, and then the process dies before it ...
    segment.write_bytes(committed_twice.read_bytes())     # ... deleted the segment
    for i in range(21, 26):
        killed.record(row(i))
    killed.sync()
    with open(next(p for p in wal.glob("*.jsonl") if p != segment), "ab") as f:
        f.write(b'["2026-01-01T00:00:00", "torn')          # a write cut short by the kill
    # a new process on the same data (the killed one's threads never run again: interval=60, nothing recorded)
    restarted = Ledger(store, interval=60, wal_dir=wal, sync_s=0)
    restarted.start()
    assert ids(store) == sorted(f"r{i}" for i in range(1, 26))
    assert daily_requests(store) == 25
    stored = store.cursor().execute("SELECT ts, latency_ms, stream, reasoning_tokens FROM usage_ledger"
                                    " WHERE request_id = 'r22'").fetchone()
    assert stored == (row(22).ts, 1.5, False, None)       # values survive the file as they were
    restarted.close()
    assert list(wal.iterdir()) == []


def test_a_recorded_row_reaches_the_file_by_itself_long_before_the_batch(store, tmp_path):
    ledger = Ledger(store, interval=60, wal_dir=tmp_path / "ledger", sync_s=0.02)    # no DuckDB batch in this test
    ledger.start()
    ledger.record(row(7))
    deadline = time.monotonic() + 5                       # 20 ms plus a write; generous for a busy machine
    while not any(b'"r7"' in p.read_bytes() for p in (tmp_path / "ledger").glob("*.jsonl")):
        assert time.monotonic() < deadline, "the row never reached the write-ahead file"
        time.sleep(0.005)
    assert ids(store) == []
    ledger.close()
    assert ids(store) == ["r7"] and list((tmp_path / "ledger").iterdir()) == []


def test_without_a_write_ahead_directory_a_refused_row_is_set_aside_too(store, tmp_path):
    ledger = Ledger(store, interval=60)
    ledger.start()
    ledger.record(row(1))
    ledger.record(row(2, model=[1]))
    ledger.record(row(3, total_tokens=-(2**40)))
    ledger.close()
    assert ids(store) == ["r1", "r2"] and ledger.set_aside == 1
    assert not (tmp_path / "ledger").exists()


def test_the_durability_bound_is_a_setting():
    from gateway.errors import ConfigError
    from gateway.settings import load_settings

    assert load_settings([], {}).ledger_sync_ms == 20
    assert load_settings([], {"MAAS_LEDGER_SYNC_MS": "0"}).ledger_sync_ms == 0
    for bad in ("soon", "-1", "1001", "2.5", "²"):
        with pytest.raises(ConfigError, match="MAAS_LEDGER_SYNC_MS"):
            load_settings([], {"MAAS_LEDGER_SYNC_MS": bad})


def test_only_real_token_counts_from_an_upstream_reach_a_row():
    from gateway.usage import tokens as usage

    assert usage.normalise({"prompt_tokens": 2**40, "completion_tokens": 1}) is None     # estimated instead
    assert usage.normalise({"prompt_tokens": -3, "completion_tokens": 1}) is None
    assert usage.normalise({"prompt_tokens": [1], "completion_tokens": 1}) is None
    assert usage.normalise({"prompt_tokens": "12", "completion_tokens": 3.0}) == {
        "prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    assert usage.reasoning_tokens({"completion_tokens_details": {"reasoning_tokens": "many"}}) is None
    assert usage.reasoning_tokens({"completion_tokens_details": [4]}) is None
    assert usage.reasoning_tokens({"completion_tokens_details": {"reasoning_tokens": 4}}) == 4
