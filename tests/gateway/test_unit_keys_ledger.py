"""API keys are stored hashed and checked on every call; the usage ledger loses nothing."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import duckdb
import pytest

from gateway.accounts.keys import KeyStore
from gateway.errors import AuthenticationError
from gateway.store import MIGRATIONS, open_store
from gateway.usage.ledger import Ledger, UsageRow


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "maas.duckdb")
    yield s
    s.close()


def row(i: int) -> UsageRow:
    return UsageRow(ts=datetime(2026, 1, 1), request_id=f"r{i}", key_id="master", endpoint="chat.completions",
                    model="m", deployment="d", prompt_tokens=i, completion_tokens=2 * i, reasoning_tokens=None,
                    total_tokens=3 * i, usage_source="upstream", status=200, error_code=None, stream=False,
                    latency_ms=1.0, ttft_ms=0.5, client_aborted=False)


def test_secrets_are_never_stored(tmp_path):
    s = open_store(tmp_path / "maas.duckdb")
    keys = KeyStore(s)
    master = keys.ensure_master(None)
    _, secret = keys.create("lab key", models=["qwen3:235b"])
    assert keys.authenticate(f"Bearer {master}").is_master
    principal = keys.authenticate(f"Bearer {secret}")
    assert principal.allows("qwen3:235b") and not principal.allows("deepseek-r1:32b")
    s.close()
    raw = (tmp_path / "maas.duckdb").read_bytes()
    for plain in (master, secret):
        assert plain.encode() not in raw and plain[len("sk-maas-") + 4:].encode() not in raw


def test_master_key_shown_once_and_taken_from_the_environment(store):
    keys = KeyStore(store)
    first = keys.ensure_master(None)
    assert first and re.fullmatch(r"sk-maas-[\w-]{40,}", first)
    assert keys.ensure_master(None) is None                   # second start: nothing new to show
    assert keys.ensure_master("my-own-master-key-123") is None
    keys.invalidate()
    with pytest.raises(AuthenticationError):
        keys.authenticate(f"Bearer {first}")                  # the configured key replaced the generated one
    assert keys.authenticate("Bearer my-own-master-key-123").is_master


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer wrong-key"])
def test_bad_headers_are_401(store, header):
    keys = KeyStore(store)
    keys.ensure_master("my-own-master-key-123")
    with pytest.raises(AuthenticationError) as err:
        keys.authenticate(header)
    assert err.value.status == 401 and "Bearer" in err.value.message or "Invalid" in err.value.message


def test_revoked_and_expired_keys_fail(store):
    keys = KeyStore(store)
    key_id, secret = keys.create("k")
    assert keys.authenticate(f"Bearer {secret}").key_id == key_id
    keys.revoke(key_id)
    with pytest.raises(AuthenticationError):
        keys.authenticate(f"Bearer {secret}")
    _, old = keys.create("old", expires_at=datetime.utcnow() - timedelta(seconds=1))
    with pytest.raises(AuthenticationError):
        keys.authenticate(f"Bearer {old}")


def test_a_key_stops_at_its_expiry_even_while_cached(store):
    keys = KeyStore(store)
    _, soon = keys.create("soon", expires_at=datetime.utcnow() + timedelta(seconds=0.6))
    assert keys.authenticate(f"Bearer {soon}").name == "soon"          # now in the 5 s cache
    time.sleep(0.7)
    with pytest.raises(AuthenticationError):
        keys.authenticate(f"Bearer {soon}")


def test_key_lookup_is_not_injectable(store):
    keys = KeyStore(store)
    keys.create("k")
    with pytest.raises(AuthenticationError):
        keys.authenticate("Bearer ' OR '1'='1")


def test_ledger_batches_and_close_flushes_everything(tmp_path):
    s = open_store(tmp_path / "maas.duckdb")
    ledger = Ledger(s, interval=60)                           # the timer never fires in this test
    ledger.start()
    for i in range(1, 1001):
        ledger.record(row(i))
    assert s.cursor().execute("SELECT count(*) FROM usage_ledger").fetchone()[0] == 0   # nothing on the hot path
    ledger.close()
    s.close()
    con = duckdb.connect(str(tmp_path / "maas.duckdb"), read_only=True)
    count, prompt, completion = con.execute(
        "SELECT count(*), sum(prompt_tokens), sum(completion_tokens) FROM usage_ledger").fetchone()
    assert (count, prompt, completion) == (1000, 500500, 1001000)


def test_migrations_are_idempotent(tmp_path):
    for _ in range(2):
        s = open_store(tmp_path / "maas.duckdb")
        s.close()
    con = duckdb.connect(str(tmp_path / "maas.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_each_keys_last_use_is_kept_by_the_ledger(store):
    keys = KeyStore(store)
    used, _ = keys.create("used")
    idle, _ = keys.create("idle")
    ledger = Ledger(store, interval=60)
    for i, day in enumerate((3, 9, 5)):
        ledger.record(UsageRow(**{**_fields(row(i)), "key_id": used, "ts": datetime(2026, 1, day, 8)}))
    ledger.flush()
    assert keys.get(used).last_used_at == datetime(2026, 1, 9, 8)         # the latest, not the last written
    assert keys.get(idle).last_used_at is None
    ledger.record(UsageRow(**{**_fields(row(9)), "key_id": used, "ts": datetime(2026, 1, 2)}))
    ledger.flush()
    assert keys.get(used).last_used_at == datetime(2026, 1, 9, 8)         # an older row never moves it back


def _fields(r: UsageRow) -> dict:
    from dataclasses import fields
    return {f.name: getattr(r, f.name) for f in fields(r)}


def test_workbench_key_gets_a_new_secret_each_start_on_the_same_key(tmp_path):
    s = open_store(tmp_path / "maas.duckdb")
    s.cursor().execute("INSERT INTO users (id, username, role, created_at) VALUES ('u1', 'alice', 'member', now())")
    first = KeyStore(s)
    old = first.workbench_key("u1")
    key_id = first.authenticate(f"Bearer {old}").key_id
    restarted = KeyStore(s)                                   # a new process: the secret is not readable back
    new = restarted.workbench_key("u1")
    assert new != old and restarted.authenticate(f"Bearer {new}").key_id == key_id
    with pytest.raises(AuthenticationError):
        restarted.authenticate(f"Bearer {old}")
    assert [k.purpose for k in restarted.list_keys("u1")] == ["workbench"]
    s.cursor().execute("UPDATE users SET disabled = TRUE WHERE id = 'u1'")
    restarted.invalidate()
    with pytest.raises(AuthenticationError):                  # a disabled user's keys stop working
        restarted.authenticate(f"Bearer {new}")
    s.close()
    assert old.encode() not in (tmp_path / "maas.duckdb").read_bytes()
    assert new.encode() not in (tmp_path / "maas.duckdb").read_bytes()
