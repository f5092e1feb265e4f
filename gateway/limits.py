"""Per-key rate limits (requests and tokens per minute) and token quotas, kept in memory.

``Limiter.check(principal)`` runs before a model request: it raises ``RateLimited`` (429,
with ``Retry-After``) when the key is over its requests-per-minute, tokens-per-minute or
token quota, and otherwise counts the request. ``Limiter.charge(key_id, tokens)`` adds a
finished request's tokens (``ChargingLedger`` calls it as each ledger row is recorded).

Minutes are sliding windows of one-second buckets (at most 60 per key and limit; O(1)
amortised per request). A quota counts the tokens of its period — all time ('total') or
the calendar month in UTC ('month') — seeded from the usage ledger the first time the key
is seen, then kept in memory. Keys without limits (and the master key) cost one
attribute test.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from gateway.errors import RateLimited
from gateway.keys import Principal
from gateway.ledger import Ledger, UsageRow
from gateway.store import Store

WINDOW_S = 60


class _Window:
    """Counts in the last minute, in one-second buckets ``[second, count]``."""

    __slots__ = ("buckets", "total")

    def __init__(self) -> None:
        self.buckets: deque[list[int]] = deque()
        self.total = 0

    def expire(self, now: float) -> None:
        cutoff = int(now) - WINDOW_S + 1          # a bucket of second s counts until s + 60
        buckets = self.buckets
        while buckets and buckets[0][0] < cutoff:
            self.total -= buckets.popleft()[1]

    def add(self, now: float, n: int) -> None:
        second = int(now)
        if self.buckets and self.buckets[-1][0] == second:
            self.buckets[-1][1] += n
        else:
            self.buckets.append([second, n])
        self.total += n

    def retry_after(self, now: float, limit: int) -> int:
        """Whole seconds until the window holds fewer than ``limit`` (at least 1)."""
        total = self.total
        for second, count in self.buckets:
            total -= count
            if total < limit:
                return max(1, math.ceil(second + WINDOW_S - now))
        return WINDOW_S


class _KeyState:
    __slots__ = ("requests", "tokens", "quota_period", "quota_used", "period_end")

    def __init__(self) -> None:
        self.requests = _Window()
        self.tokens = _Window()
        self.quota_period: str | None = None     # the period quota_used counts; None: not seeded
        self.quota_used = 0
        self.period_end = math.inf               # epoch seconds when the period rolls over


def _month_bounds(now: float) -> tuple[datetime, datetime]:
    """The start of this calendar month and of the next (UTC, naive like the ledger's ts)."""
    d = datetime.fromtimestamp(now, UTC)
    start = datetime(d.year, d.month, 1)
    end = datetime(d.year + 1, 1, 1) if d.month == 12 else datetime(d.year, d.month + 1, 1)
    return start, end


def _epoch(naive_utc: datetime) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


class Limiter:
    """In-memory limits of the keys that have any; ``store`` seeds the quotas from the usage ledger."""

    def __init__(self, store: Store | None = None, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._keys: dict[str, _KeyState] = {}
        self._lock = threading.Lock()

    def check(self, principal: Principal) -> None:
        """Count one request of ``principal``, or raise ``RateLimited`` if a limit tripped."""
        if not principal.limited:
            return
        now = self._clock()
        with self._lock:
            st = self._keys.get(principal.key_id)
            if st is None:
                st = self._keys[principal.key_id] = _KeyState()
            if principal.quota_tokens is not None:
                self._check_quota(principal, st, now)
            if principal.tpm is not None:
                st.tokens.expire(now)
                if st.tokens.total >= principal.tpm:
                    wait = st.tokens.retry_after(now, principal.tpm)
                    raise self._limited(f"Rate limit reached for key '{principal.name}': {principal.tpm} tokens per "
                                        f"minute (tpm), {st.tokens.total} used in the last minute. "
                                        f"Try again in {wait} s.", wait)
            if principal.rpm is not None:
                st.requests.expire(now)
                if st.requests.total >= principal.rpm:
                    wait = st.requests.retry_after(now, principal.rpm)
                    raise self._limited(f"Rate limit reached for key '{principal.name}': {principal.rpm} requests "
                                        f"per minute (rpm). Try again in {wait} s.", wait)
                st.requests.add(now, 1)

    def charge(self, key_id: str | None, tokens: int) -> None:
        """Add the tokens of a finished request of ``key_id`` (ignored for keys without limits)."""
        st = self._keys.get(key_id)
        if st is None or tokens <= 0:
            return
        now = self._clock()
        with self._lock:
            st.tokens.expire(now)
            st.tokens.add(now, tokens)
            if st.quota_period is not None:
                if now >= st.period_end:
                    self._roll(st, now)
                st.quota_used += tokens

    def used(self, key_id: str) -> dict[str, int] | None:
        """What a limited key used: requests and tokens in the last minute, tokens of its quota period."""
        st = self._keys.get(key_id)
        if st is None:
            return None
        now = self._clock()
        with self._lock:
            st.requests.expire(now)
            st.tokens.expire(now)
            return {"requests_last_minute": st.requests.total, "tokens_last_minute": st.tokens.total,
                    "quota_used": st.quota_used}

    # -- quotas -------------------------------------------------------------------------------
    def _check_quota(self, principal: Principal, st: _KeyState, now: float) -> None:
        period = principal.quota_period or "total"
        if st.quota_period != period:
            self._seed(principal.key_id, st, period, now)
        elif now >= st.period_end:
            self._roll(st, now)
        if st.quota_used < principal.quota_tokens:
            return
        if period == "month":
            wait = max(1, math.ceil(st.period_end - now))
            reset = datetime.fromtimestamp(st.period_end, UTC).strftime("%Y-%m-%d %H:%M UTC")
            raise self._limited(f"Token quota reached for key '{principal.name}': {principal.quota_tokens} tokens "
                                f"per month, {st.quota_used} used. It resets at {reset} (in {wait} s).", wait,
                                code="insufficient_quota")
        raise RateLimited(f"Token quota reached for key '{principal.name}': {principal.quota_tokens} tokens in total, "
                          f"{st.quota_used} used. It does not reset: ask an administrator to raise it.",
                          code="insufficient_quota")

    def _seed(self, key_id: str, st: _KeyState, period: str, now: float) -> None:
        start = None
        if period == "month":
            start, end = _month_bounds(now)
            st.period_end = _epoch(end)
        else:
            st.period_end = math.inf
        st.quota_period, st.quota_used = period, self._ledger_tokens(key_id, start)

    def _roll(self, st: _KeyState, now: float) -> None:
        """A new calendar month: every token of it was charged in memory, so start from zero."""
        _, end = _month_bounds(now)
        st.period_end, st.quota_used = _epoch(end), 0

    def _ledger_tokens(self, key_id: str, since: datetime | None) -> int:
        if self._store is None:
            return 0
        sql = "SELECT COALESCE(SUM(total_tokens), 0) FROM usage_ledger WHERE key_id = ?"
        params: list = [key_id]
        if since is not None:
            sql += " AND ts >= ?"
            params.append(since)
        return int(self._store.cursor().execute(sql, params).fetchone()[0])

    @staticmethod
    def _limited(message: str, wait: int, code: str | None = None) -> RateLimited:
        return RateLimited(message, code=code, headers={"Retry-After": str(wait)})


class ChargingLedger(Ledger):
    """The usage ledger that also charges each recorded row's tokens to the key's limits."""

    def __init__(self, store: Store, limiter: Limiter, interval: float = 0.5) -> None:
        super().__init__(store, interval)
        self._charge = limiter.charge

    def record(self, row: UsageRow) -> None:
        super().record(row)
        if row.total_tokens:
            self._charge(row.key_id, row.total_tokens)
