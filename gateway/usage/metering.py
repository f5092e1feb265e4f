"""Per-request bookkeeping that becomes one usage-ledger row."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

from gateway.accounts.keys import Principal
from gateway.errors import GatewayError
from gateway.routing.router import Target
from gateway.usage import tokens as usage
from gateway.usage.ledger import Ledger, UsageRow

MODEL_ID_MAX = 256      # longer is no catalogue id: such a request is recorded without a model


def requested_model(body: dict) -> str | None:
    """The model a request named, for its ledger row: only a string that can be a model id (the body is
    not validated yet; anything else is recorded as no model)."""
    model = body.get("model")
    return model if isinstance(model, str) and 0 < len(model) <= MODEL_ID_MAX else None


class Call:
    """Bookkeeping of one request, turned into its ledger row at the end."""

    __slots__ = ("request_id", "key_id", "model", "stream", "started", "ttft", "target", "status",
                 "error_code", "usage", "source", "aborted", "endpoint")

    def __init__(self, request_id: str, principal: Principal, model: str | None, stream: bool,
                 endpoint: str = "chat.completions") -> None:
        self.request_id, self.key_id, self.model, self.stream = request_id, principal.key_id, model, stream
        self.endpoint = endpoint
        self.started = time.perf_counter()
        self.ttft: float | None = None
        self.target: Target | None = None
        self.status, self.error_code = 200, None
        self.usage: dict | None = None
        self.source = "none"
        self.aborted = False

    def at(self, target: Target) -> None:
        """The deployment this call is (now) being sent to."""
        self.target = target

    @contextlib.contextmanager
    def recorded(self, ledger: Ledger):
        """Record this call's ledger row when the block ends: errors and client aborts included."""
        try:
            yield self
        except GatewayError as exc:
            self.status, self.error_code = exc.status, exc.code
            raise
        except asyncio.CancelledError:
            self.status, self.aborted = 499, True
            raise
        finally:
            ledger.record(self.row())

    def settle_usage(self, reported: dict | None, messages: list, answer: list[str],
                     thought: list[str] | tuple = ()) -> dict:
        """The usage to return and record: the upstream's report, or our count marked estimated.

        ``answer`` and ``thought`` are the generated text seen so far; thinking is estimated as
        ``reasoning_tokens`` too, so reasoning models are never undercounted when upstream is silent.
        """
        u = usage.normalise(reported)
        if u is None:
            thinking = usage.estimate_tokens("".join(thought))
            u = usage.make(usage.estimate_prompt_tokens(messages),
                           usage.estimate_tokens("".join(answer)) + thinking, thinking or None)
            u["estimated"] = True
            self.source = "estimated"
        else:
            self.source = "upstream"
        self.usage = u
        return u

    def row(self) -> UsageRow:
        u = self.usage or {}
        return UsageRow(
            ts=datetime.now(UTC).replace(tzinfo=None), request_id=self.request_id, key_id=self.key_id,
            endpoint=self.endpoint, model=self.model, deployment=self.target.name if self.target else None,
            prompt_tokens=u.get("prompt_tokens"), completion_tokens=u.get("completion_tokens"),
            reasoning_tokens=usage.reasoning_tokens(u), total_tokens=u.get("total_tokens"),
            usage_source=self.source if u else "none", status=self.status, error_code=self.error_code,
            stream=self.stream, latency_ms=(time.perf_counter() - self.started) * 1000,
            ttft_ms=None if self.ttft is None else (self.ttft - self.started) * 1000, client_aborted=self.aborted)
