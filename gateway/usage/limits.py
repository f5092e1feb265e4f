"""Per-key rate limits (requests and tokens per minute) and token quotas, kept in memory.

``Limiter.check(principal, reserve, request_id)`` runs before a model request: it raises
``RateLimited`` (429, with ``Retry-After``) when the key is over its requests-per-minute,
tokens-per-minute or token quota, and otherwise counts the request and reserves ``reserve``
tokens (the most it may use: ``gateway.reservation``) until it ends. A key is over its tpm or
quota when what it used plus what its requests in flight reserved reaches the limit, so
concurrent requests cannot all pass a check made before any of them was charged: they overshoot
by at most the last admitted request's own usage. ``Limiter.settle`` replaces a reservation by
the request's real tokens (``ChargingLedger`` calls it as each ledger row is recorded);
``release`` drops a reservation whose request left no row.

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

from gateway.accounts.keys import Principal
from gateway.errors import RateLimited
from gateway.store import Store
from gateway.usage import reservation
from gateway.usage.ledger import Ledger, UsageRow

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
    __slots__ = ("requests", "tokens", "quota_period", "quota_used", "period_end", "reserved", "in_flight")

    def __init__(self) -> None:
        self.requests = _Window()
        self.tokens = _Window()
        self.reserved = 0                        # tokens reserved by this key's requests in flight ...
        self.in_flight = 0                       # ... and how many they are
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
        self._reservations: dict[str, tuple[_KeyState, int]] = {}     # request id -> (its key, tokens)
        self._lock = threading.Lock()

    def check(self, principal: Principal, reserve: int = 0, request_id: str | None = None) -> None:
        """Count one request of ``principal`` and reserve ``reserve`` tokens for it under ``request_id``
        (until ``settle`` or ``release``), or raise ``RateLimited`` if a limit tripped."""
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
                if st.tokens.total + st.reserved >= principal.tpm:
                    raise self._busy(principal, st, f"{principal.tpm} tokens per minute (tpm), "
                                                    f"{st.tokens.total} used in the last minute")
            if principal.rpm is not None:
                st.requests.expire(now)
                if st.requests.total >= principal.rpm:
                    wait = st.requests.retry_after(now, principal.rpm)
                    raise self._limited(f"Rate limit reached for key '{principal.name}': {principal.rpm} requests "
                                        f"per minute (rpm). Try again in {wait} s.", wait)
                st.requests.add(now, 1)
            if request_id is not None and reserve > 0 and (principal.tpm is not None
                                                            or principal.quota_tokens is not None):
                self._reservations[request_id] = (st, reserve)
                st.reserved += reserve
                st.in_flight += 1

    def admit(self, principal: Principal, kind: str, body: dict, request_id: str) -> bool:
        """``check`` a ``kind`` request (see ``reservation.estimate``) with the most tokens its ``body`` may use
        reserved; True when a reservation was made (``settle`` or ``release`` it)."""
        if not principal.limited:
            return False
        metered = principal.tpm is not None or principal.quota_tokens is not None
        reserve = reservation.estimate(kind, body) if metered else 0
        self.check(principal, reserve, request_id)
        return metered and reserve > 0

    def settle(self, request_id: str, key_id: str | None, tokens: int | None) -> None:
        """A request ended having used ``tokens``: its reservation (if any) gives way to them."""
        held = self._reservations.pop(request_id, None)
        st = held[0] if held is not None else self._keys.get(key_id)
        if st is None:
            return
        with self._lock:
            if held is not None:
                st.reserved -= held[1]
                st.in_flight -= 1
            if tokens and tokens > 0:
                self._add(st, tokens)

    def release(self, request_id: str) -> None:
        """Drop the reservation of ``request_id`` (no-op if it has none or was settled)."""
        held = self._reservations.pop(request_id, None)
        if held is not None:
            with self._lock:
                held[0].reserved -= held[1]
                held[0].in_flight -= 1

    def charge(self, key_id: str | None, tokens: int) -> None:
        """Add the tokens of a finished request of ``key_id`` (ignored for keys without limits)."""
        st = self._keys.get(key_id)
        if st is None or tokens <= 0:
            return
        with self._lock:
            self._add(st, tokens)

    def _add(self, st: _KeyState, tokens: int) -> None:
        now = self._clock()
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
                    "quota_used": st.quota_used, "tokens_reserved": st.reserved}

    # -- quotas -------------------------------------------------------------------------------
    def _check_quota(self, principal: Principal, st: _KeyState, now: float) -> None:
        period = principal.quota_period or "total"
        if st.quota_period != period:
            self._seed(principal.key_id, st, period, now)
        elif now >= st.period_end:
            self._roll(st, now)
        if st.quota_used < principal.quota_tokens:
            if st.quota_used + st.reserved >= principal.quota_tokens:
                raise self._busy(principal, st, f"a quota of {principal.quota_tokens} tokens, {st.quota_used} used")
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

    @classmethod
    def _busy(cls, principal: Principal, st: _KeyState, limit: str) -> RateLimited:
        """The rest of a limit is reserved by requests in flight: retry once one of them ended."""
        return cls._limited(f"Rate limit reached for key '{principal.name}': {limit}, and {st.reserved} reserved by "
                            f"{st.in_flight} request(s) in progress (the most each may use). Try again in 1 s, or "
                            "send a smaller max_tokens.", 1)

    @staticmethod
    def _limited(message: str, wait: int, code: str | None = None) -> RateLimited:
        return RateLimited(message, code=code, headers={"Retry-After": str(wait)})


class ChargingLedger(Ledger):
    """The usage ledger that also settles each recorded row's tokens with the key's limits."""

    def __init__(self, store: Store, limiter: Limiter, interval: float = 0.5, **options) -> None:
        super().__init__(store, interval, **options)
        self._settle = limiter.settle

    def record(self, row: UsageRow) -> None:
        super().record(row)
        self._settle(row.request_id, row.key_id, row.total_tokens)
