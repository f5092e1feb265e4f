"""Per-key rate limits and quotas: requests and tokens per minute, token quotas per period.

Unit tests drive ``Limiter`` with an injectable clock (no sleeps); one integration test runs
the real gateway against a fake upstream with a limited key and a key with a model allow-list.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import openai
import pytest
import yaml

from gateway.accounts.keys import KeyStore, Principal
from gateway.errors import RateLimited
from gateway.store import open_store
from gateway.usage.ledger import UsageRow
from gateway.usage.limits import ChargingLedger, Limiter
from tests.conftest import GatewayProcess
from tests.fakes.upstream import start_fake
from tests.gateway.conftest import sdk_error

T0 = datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def key(**limits) -> Principal:
    return Principal(key_id=limits.pop("key_id", "key_a"), name="lab", is_master=False, models=None, **limits)


def ledger_row(key_id: str, ts: datetime, tokens: int | None) -> UsageRow:
    return UsageRow(ts=ts, request_id="r", key_id=key_id, endpoint="chat.completions", model="m", deployment="d",
                    prompt_tokens=None, completion_tokens=None, reasoning_tokens=None, total_tokens=tokens,
                    usage_source="upstream", status=200, error_code=None, stream=False, latency_ms=1.0, ttft_ms=None,
                    client_aborted=False)


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "maas.duckdb")
    yield s
    s.close()


def trips(limiter: Limiter, principal: Principal) -> RateLimited:
    with pytest.raises(RateLimited) as info:
        limiter.check(principal)
    exc = info.value
    assert exc.status == 429 and exc.envelope()["error"]["type"] == "rate_limit_error"
    return exc


# -- unit: Limiter ---------------------------------------------------------------------------
def test_rpm_trips_and_recovers_after_the_window():
    clock = Clock()
    limiter, p = Limiter(clock=clock), key(rpm=2)
    limiter.check(p)
    clock.now += 10
    limiter.check(p)
    clock.now += 5
    exc = trips(limiter, p)
    assert "2 requests per minute (rpm)" in exc.message and exc.code == "rate_limit_exceeded"
    assert exc.headers == {"Retry-After": "45"}              # the first request leaves the window in 45 s
    assert "45 s" in exc.message
    clock.now += 45
    limiter.check(p)                                          # one slot free again
    trips(limiter, p)
    clock.now += 60
    limiter.check(p)
    limiter.check(p)


def test_rejected_requests_are_not_counted():
    clock = Clock()
    limiter, p = Limiter(clock=clock), key(rpm=1)
    limiter.check(p)
    for _ in range(5):
        trips(limiter, p)
    clock.now += 60
    limiter.check(p)


def test_tpm_counts_charged_tokens():
    clock = Clock()
    limiter, p = Limiter(clock=clock), key(tpm=1000)
    limiter.check(p)
    limiter.charge("key_a", 600)
    clock.now += 20
    limiter.check(p)
    limiter.charge("key_a", 400)
    exc = trips(limiter, p)
    assert "1000 tokens per minute (tpm)" in exc.message and exc.headers["Retry-After"] == "40"
    clock.now += 40                                           # the 600 leave the window
    limiter.check(p)
    assert limiter.used("key_a")["tokens_last_minute"] == 400


def test_quota_total_seeded_from_the_ledger(store):
    ledger = ChargingLedger(store, Limiter())
    ledger.record(ledger_row("key_q", datetime(2020, 1, 1), 700))
    ledger.record(ledger_row("key_q", datetime(2026, 3, 1), 200))
    ledger.record(ledger_row("key_q", datetime(2026, 3, 2), None))
    ledger.record(ledger_row("other", datetime(2026, 3, 2), 5000))
    ledger.flush()
    clock = Clock()
    limiter, p = Limiter(store, clock=clock), key(key_id="key_q", quota_tokens=1000, quota_period="total")
    limiter.check(p)                                          # 900 of 1000 used
    assert limiter.used("key_q")["quota_used"] == 900
    limiter.charge("key_q", 100)
    exc = trips(limiter, p)
    assert exc.code == "insufficient_quota" and "1000 tokens in total" in exc.message
    assert "Retry-After" not in exc.headers                   # a total quota never resets
    clock.now += 10 * 365 * 86400
    trips(limiter, p)


def test_quota_month_counts_this_month_and_resets_next_month(store):
    ledger = ChargingLedger(store, Limiter())
    ledger.record(ledger_row("key_m", datetime(2026, 2, 28, 23, 59), 10_000))   # last month: not counted
    ledger.record(ledger_row("key_m", datetime(2026, 3, 1, 0, 0), 450))
    ledger.flush()
    clock = Clock()
    limiter = Limiter(store, clock=clock)
    p = key(key_id="key_m", quota_tokens=500, quota_period="month")
    hooked = ChargingLedger(store, limiter)                   # the gateway's ledger: records charge the key
    limiter.check(p)
    hooked.record(ledger_row("key_m", datetime(2026, 3, 10), 50))
    exc = trips(limiter, p)
    next_month = datetime(2026, 4, 1, tzinfo=UTC).timestamp()
    assert exc.code == "insufficient_quota" and "2026-04-01 00:00 UTC" in exc.message
    assert exc.headers == {"Retry-After": str(int(next_month - clock.now))}
    clock.now = next_month
    limiter.check(p)
    assert limiter.used("key_m")["quota_used"] == 0


def test_concurrent_requests_reserve_their_tokens_against_the_quota():
    """20 requests admitted before any of them is charged: each reserves its most, so few pass."""
    limiter, p = Limiter(clock=Clock()), key(quota_tokens=100, quota_period="total")
    admitted = []
    for i in range(20):
        try:
            limiter.check(p, 30, f"r{i}")
            admitted.append(f"r{i}")
        except RateLimited as exc:
            assert exc.code == "rate_limit_exceeded" and exc.headers == {"Retry-After": "1"}
            assert "reserved by 4 request(s) in progress" in exc.message
    assert admitted == ["r0", "r1", "r2", "r3"]               # 0, 30, 60, 90 reserved: each still below 100
    assert limiter.used("key_a")["tokens_reserved"] == 120
    for rid in admitted:                                     # each used 28 of its 30: 112 in all
        limiter.settle(rid, "key_a", 28)
    assert limiter.used("key_a") == {"requests_last_minute": 0, "tokens_last_minute": 112, "quota_used": 112,
                                     "tokens_reserved": 0}
    assert trips(limiter, p).code == "insufficient_quota"     # overshoot: the last admitted request's 12 tokens


def test_tpm_counts_reservations_and_a_release_frees_them():
    clock = Clock()
    limiter, p = Limiter(clock=clock), key(tpm=100)
    limiter.check(p, 60, "a")
    limiter.check(p, 60, "b")                                 # 60 reserved < 100: admitted
    exc = trips(limiter, p)
    assert "100 tokens per minute (tpm)" in exc.message and "120 reserved by 2 request(s)" in exc.message
    limiter.release("a")                                      # ended without a ledger row
    limiter.settle("b", "key_a", None)                        # ended with no tokens (an upstream error)
    limiter.settle("b", "key_a", None)                        # settling twice changes nothing
    limiter.check(p, 60, "c")
    limiter.settle("c", "key_a", 100)
    exc = trips(limiter, p)
    assert "100 used in the last minute" in exc.message and exc.headers == {"Retry-After": "60"}


def test_the_reservation_is_what_the_request_may_use():
    from gateway.usage import reservation

    chat = {"model": "m", "messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 50}
    assert reservation.estimate("chat", chat) == 4 + 100 + 2 + 50        # template + text + priming + max_tokens
    assert reservation.estimate("chat", {**chat, "max_tokens": None}) == 106 + reservation.DEFAULT_COMPLETION
    assert reservation.estimate("chat", {"messages": "bad", "max_tokens": True}) == reservation.DEFAULT_COMPLETION
    assert reservation.estimate("embeddings", {"input": ["abcd", "你好"]}) == 3
    assert reservation.estimate("embeddings", {"input": [[1, 2, 3], 4]}) == 4
    assert reservation.estimate("rerank", {"query": "abcd", "documents": ["abcd", {"text": "abcd"}, None]}) == 3
    assert reservation.estimate("web_search", {"query": "q"}) == 0


def test_unlimited_and_master_keys_are_untouched():
    limiter = Limiter(clock=lambda: pytest.fail("the clock was read"))
    free = key()
    master = Principal(key_id="master", name="master", is_master=True, models=None, rpm=1, tpm=1, quota_tokens=1)
    assert not free.limited and not master.limited
    for _ in range(1000):
        limiter.check(free)
        limiter.check(master)
        limiter.charge("key_a", 10)
        limiter.charge("master", 10)
    assert limiter.used("key_a") is None and limiter.used("master") is None
    start = time.perf_counter()
    for _ in range(100_000):
        limiter.check(free)
    assert (time.perf_counter() - start) / 100_000 < 10e-6


def test_keystore_reads_the_limits(store):
    keys = KeyStore(store)
    _, plain = keys.create("plain", models=["m"])
    _, limited = keys.create("limited", user_id="u1", purpose="workbench", rpm=5, tpm=100, quota_tokens=1000,
                             quota_period="month")
    _, quota = keys.create("quota", quota_tokens=10)
    p = keys.authenticate(f"Bearer {plain}")
    assert not p.limited and p.rpm is None and p.user_id is None and p.allows("m")
    p = keys.authenticate(f"Bearer {limited}")
    assert p.limited and (p.rpm, p.tpm, p.quota_tokens, p.quota_period, p.user_id) == (5, 100, 1000, "month", "u1")
    assert keys.authenticate(f"Bearer {quota}").quota_period == "total"
    with pytest.raises(ValueError):
        keys.create("bad", quota_tokens=1, quota_period="week")
    with pytest.raises(ValueError):
        keys.create("bad", rpm=-1)
    for limit in ("rpm", "tpm", "quota_tokens"):
        with pytest.raises(ValueError, match=limit):
            keys.create("blocked for ever", **{limit: 0})


# -- integration: the real gateway -----------------------------------------------------------
@pytest.fixture(scope="module")
def limited_gateway(tmp_path_factory):
    fake = start_fake("vllm")
    data_dir = tmp_path_factory.mktemp("limits-gw")
    config = data_dir / "models.yaml"

    def dep(name: str) -> dict:
        return {"name": name, "backend": "openai", "base_url": f"{fake.url}/v1", "model": "fake-model"}

    config.write_text(yaml.safe_dump({
        "gateway": {"embedded": {"enabled": False}, "health_interval_s": 600},
        "models": [{"id": "open-chat", "deployments": [dep("chat-1")]},
                   {"id": "secret-chat", "deployments": [dep("chat-2")]},
                   {"id": "secret-embed", "kind": "embedding", "deployments": [dep("embed-1")]},
                   {"id": "secret-rerank", "kind": "rerank", "deployments": [dep("rerank-1")]}],
    }), encoding="utf-8")
    store = open_store(data_dir / "maas.duckdb")
    keys = KeyStore(store)
    _, limited = keys.create("two a minute", models=["open-chat"], rpm=2)
    _, narrow = keys.create("open only", models=["open-chat"])
    _, quota = keys.create("a hundred tokens", quota_tokens=QUOTA)
    _, tpm = keys.create("a hundred a minute", tpm=QUOTA)
    store.close()
    gw = GatewayProcess(data_dir, config=config).start()
    yield SimpleNamespace(gw=gw, fake=fake, limited=limited, narrow=narrow, quota=quota, tpm=tpm)
    gw.stop()
    fake.stop()


def test_third_request_in_a_minute_is_429_with_retry_after(limited_gateway):
    gw, limited = limited_gateway.gw, limited_gateway.limited
    messages = [{"role": "user", "content": "hi"}]
    with gw.client(limited, timeout=15) as client:
        for _ in range(2):
            assert client.chat.completions.create(model="open-chat", messages=messages).choices
        with pytest.raises(openai.RateLimitError) as info:
            client.chat.completions.create(model="open-chat", messages=messages)
        assert client.models.list().data                      # /v1/models is not rate limited
    exc = info.value
    error = sdk_error(exc)
    assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
    assert "rpm" in error["message"]
    assert 1 <= int(exc.response.headers["retry-after"]) <= 60


def test_allow_list_hides_other_models_everywhere(limited_gateway):
    gw, narrow = limited_gateway.gw, limited_gateway.narrow
    messages = [{"role": "user", "content": "hi"}]
    with gw.client(narrow, timeout=15) as client:
        assert [m.id for m in client.models.list().data] == ["open-chat"]
        calls = [
            lambda: client.chat.completions.create(model="secret-chat", messages=messages),
            lambda: list(client.chat.completions.create(model="secret-chat", messages=messages, stream=True)),
            lambda: client.embeddings.create(model="secret-embed", input="x"),
            lambda: client.post("/rerank", body={"model": "secret-rerank", "query": "q", "documents": ["a"]},
                                cast_to=object),
            lambda: client.models.retrieve("secret-chat"),
        ]
        for call in calls:
            with pytest.raises(openai.NotFoundError) as info:
                call()
            assert sdk_error(info.value)["code"] == "model_not_found"
        assert client.chat.completions.create(model="open-chat", messages=messages).choices


QUOTA = 100


@pytest.mark.parametrize("limit", ["quota", "tpm"])
def test_concurrent_requests_do_not_overshoot_a_token_limit(limited_gateway, limit):
    """20 requests at once against 100 tokens (each answer ~60 tokens, all in flight together)."""
    gw, fake = limited_gateway.gw, limited_gateway.fake
    secret = getattr(limited_gateway, limit)
    fake.set_fault("slow_first_byte", count=20, delay=1.5)     # every admitted request is in flight at once
    body = {"model": "open-chat", "max_tokens": 32,
            "messages": [{"role": "user", "content": " ".join(["word"] * 20)}]}

    def one(_: int) -> httpx.Response:
        return httpx.post(gw.url + "/v1/chat/completions", json=body, timeout=30,
                          headers={"authorization": f"Bearer {secret}"})

    try:
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(one, range(20)))
    finally:
        fake.set_fault(None)
    served = [r.json()["usage"]["total_tokens"] for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code == 429]
    assert len(served) + len(refused) == 20 and served and refused
    for r in refused:      # reserved by requests in flight: retry soon; or the quota is spent (it never resets)
        code = r.json()["error"]["code"]
        assert code == "insufficient_quota" or (code == "rate_limit_exceeded" and int(r.headers["retry-after"]) >= 1)
    assert sum(served) <= QUOTA + max(served), f"{sum(served)} tokens served against a limit of {QUOTA}: {served}"
