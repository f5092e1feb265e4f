"""Routing: which deployment serves a request, and what we know of each one's health.

Pick the deployment with the fewest in-flight requests (per weight) among those not
cooling down; a failure cools a deployment for ``cooldown_s``; periodic health checks
bring it back. When every deployment is cooling, they are tried anyway, best first.

``reload`` swaps in an edited catalogue while serving: new deployments are started (and
health-checked) before they are routed to, removed ones stop once their in-flight requests
have finished, and unchanged ones (same model, kind and full deployment definition) keep their
live state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from gateway.backends.base import Backend, BackendContext, UpstreamFailure
from gateway.backends.registry import BackendRegistry
from gateway.routing.catalogue import Catalogue, Deployment, Model

log = logging.getLogger("maas.router")
T = TypeVar("T")
DRAIN_LIMIT_S = 900.0        # a removed deployment's open streams get this long before it is closed anyway


@dataclass(eq=False)
class Target:
    """One deployment of one model, with its live state."""

    model: Model
    deployment: Deployment
    backend: Backend
    state: str = "starting"            # starting | healthy | unhealthy | cooling
    in_flight: int = 0
    last_error: str | None = None
    latency_ms: float | None = None
    checked_at: float | None = None
    cooldown_until: float = 0.0
    consecutive_failures: int = field(default=0)
    retired: bool = False              # removed from the catalogue: no new requests, stops when idle

    @property
    def name(self) -> str:
        return self.deployment.name

    def usable(self, now: float) -> bool:
        return self.state == "healthy" or (self.state == "cooling" and now >= self.cooldown_until)

    @property
    def label(self) -> str:
        """``model-id/deployment-name``."""
        return f"{self.model.id}/{self.deployment.name}"


def identity(model: Model, deployment: Deployment) -> tuple[str, str, Deployment]:
    """What makes a deployment the same one across catalogue edits: its model, that model's kind
    (the backend serves by kind) and its whole definition (URL, upstream model, key variable, timeouts...)."""
    return model.id, model.kind, deployment


@dataclass(frozen=True)
class Reload:
    """What ``Router.reload`` did; deployments as ``model-id/deployment-name``."""

    started: dict[str, str]          # new deployment -> its state after the first health check
    stopping: tuple[str, ...]        # removed: stop once their in-flight requests have finished
    kept: tuple[str, ...]            # unchanged: same Target, state and counters


class Router:
    def __init__(self, catalogue: Catalogue, registry: BackendRegistry, resources: object) -> None:
        self.catalogue = catalogue
        self.cooldown = catalogue.options.cooldown_s
        self.registry, self.resources = registry, resources
        self.targets: dict[str, list[Target]] = {
            model.id: [self._target(model, d) for d in model.deployments] for model in catalogue.models.values()}
        self._health_task: asyncio.Task | None = None
        self._reload_lock = asyncio.Lock()
        self._retiring: dict[Target, asyncio.Task] = {}

    def _target(self, model: Model, deployment: Deployment) -> Target:
        return Target(model, deployment, self.registry.create(deployment, BackendContext(model, self.resources)))

    def all_targets(self) -> list[Target]:
        return [t for ts in self.targets.values() for t in ts]

    async def start(self) -> None:
        await asyncio.gather(*(self._start_one(t) for t in self.all_targets()))
        self._health_task = asyncio.create_task(self._health_loop())

    async def _start_one(self, target: Target) -> None:
        try:
            await target.backend.start()
        except Exception as exc:                      # a broken deployment must not stop the gateway
            target.state, target.last_error = "unhealthy", _short(exc)
            log.warning("deployment %s of %s failed to start: %s", target.name, target.model.id, _short(exc))
            return
        await self.check(target)

    async def stop(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
        for task in self._retiring.values():
            task.cancel()
        retiring = list(self._retiring)
        self._retiring.clear()
        await asyncio.gather(*(t.backend.stop() for t in self.all_targets() + retiring), return_exceptions=True)

    async def reload(self, catalogue: Catalogue) -> Reload:
        """Serve ``catalogue`` from now on, keeping what did not change (see the module docstring).

        New deployments are started before the swap, so no request is routed to one that is not
        ready; the swap itself happens without yielding to the event loop."""
        async with self._reload_lock:
            current = {identity(t.model, t.deployment): t for t in self.all_targets()}
            targets: dict[str, list[Target]] = {}
            fresh: list[Target] = []
            for model in catalogue.models.values():
                row = []
                for deployment in model.deployments:
                    target = current.pop(identity(model, deployment), None)
                    if target is None:
                        target = self._target(model, deployment)
                        fresh.append(target)
                    row.append(target)
                targets[model.id] = row
            await asyncio.gather(*(self._start_one(t) for t in fresh))
            for model_id, row in targets.items():
                for target in row:
                    target.model = catalogue.models[model_id]    # description, quirks... of the edited entry
            self.catalogue, self.cooldown, self.targets = catalogue, catalogue.options.cooldown_s, targets
            for target in current.values():
                self._retire(target)
            fresh_ids = {id(t) for t in fresh}
            return Reload(started={t.label: t.state for t in fresh},
                          stopping=tuple(t.label for t in current.values()),
                          kept=tuple(t.label for t in self.all_targets() if id(t) not in fresh_ids))

    def _retire(self, target: Target) -> None:
        target.retired = True
        self._retiring[target] = asyncio.create_task(self._stop_when_idle(target))

    async def _stop_when_idle(self, target: Target) -> None:
        deadline = time.monotonic() + DRAIN_LIMIT_S
        while target.in_flight > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if target.in_flight > 0:
            log.warning("deployment %s still had %d requests after %g s; closing it", target.label,
                        target.in_flight, DRAIN_LIMIT_S)
        try:
            await target.backend.stop()
        except Exception as exc:                      # noqa: BLE001 - a failed stop must not break serving
            log.warning("deployment %s did not stop cleanly: %s", target.label, _short(exc))
        finally:
            self._retiring.pop(target, None)
        log.info("deployment %s removed from the catalogue and stopped", target.label)

    def retiring(self) -> list[Target]:
        """Removed deployments still finishing their in-flight requests."""
        return list(self._retiring)

    async def check(self, target: Target) -> None:
        started = time.perf_counter()
        try:
            await target.backend.health()
        except Exception as exc:
            self.failed(target, exc)
        else:
            target.latency_ms = (time.perf_counter() - started) * 1000
            if target.state != "cooling" or time.monotonic() >= target.cooldown_until:
                target.state, target.last_error, target.consecutive_failures = "healthy", None, 0
        target.checked_at = time.time()

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.catalogue.options.health_interval_s)
            await asyncio.gather(*(self.check(t) for t in self.all_targets()), return_exceptions=True)

    def attempts(self, model_id: str) -> list[Target]:
        """Deployments to try in order: usable ones by load, then cooling/unhealthy as a last resort."""
        targets = self.targets.get(model_id, [])
        if len(targets) == 1:
            return targets
        now = time.monotonic()
        usable = [t for t in targets if t.usable(now)]
        usable.sort(key=lambda t: t.in_flight / t.deployment.weight)
        rest = [t for t in targets if t not in usable]
        rest.sort(key=lambda t: t.cooldown_until)
        return usable + rest

    async def run(self, model_id: str, call: Callable[[Target], Awaitable[T]],
                  on_target: Callable[[Target], None] | None = None, *, hold: bool = False) -> tuple[Target, T]:
        """Call ``call(target)`` on each deployment in turn until one answers.

        Retries only failures that reached no client (``retryable``); raises the last
        ``UpstreamFailure`` when none answered. With ``hold`` the answering deployment stays
        counted in flight (an open stream) until the caller calls ``release``.
        """
        last: UpstreamFailure | None = None
        for target in self.attempts(model_id):
            if target.retired:                        # removed by a reload while this request was routed
                continue
            if on_target is not None:
                on_target(target)
            target.in_flight += 1
            try:
                result = await call(target)
            except UpstreamFailure as failure:
                target.in_flight -= 1
                last = failure
                if failure.status is None or failure.status >= 500:
                    self.failed(target, failure)
                if not failure.retryable:
                    break
                continue
            except BaseException:
                target.in_flight -= 1
                raise
            if not hold:
                target.in_flight -= 1
            self.succeeded(target)
            return target, result
        raise last or UpstreamFailure(f"{model_id}: no deployment", retryable=False)

    def failed(self, target: Target, exc: BaseException) -> None:
        target.consecutive_failures += 1
        target.last_error = _short(exc)
        target.state = "cooling"
        target.cooldown_until = time.monotonic() + self.cooldown

    def succeeded(self, target: Target, latency_ms: float | None = None) -> None:
        if target.state != "healthy":
            target.state, target.last_error = "healthy", None
        target.consecutive_failures = 0
        if latency_ms is not None:
            target.latency_ms = latency_ms

    def status(self) -> list[dict]:
        out = []
        for model_id, targets in self.targets.items():
            model = targets[0].model if targets else self.catalogue.models[model_id]
            out.append({
                "id": model.id, "kind": model.kind, "description": model.description,
                "capabilities": {"reasoning": model.capabilities.reasoning, "tools": model.capabilities.tools,
                                 "context_length": model.capabilities.context_length,
                                 "vision": model.capabilities.vision},
                "quirks": {"merge_system_into_user": model.quirks.merge_system_into_user},
                "deployments": [{"name": t.name, "backend": t.deployment.backend, "state": t.state,
                                 "latency_ms": None if t.latency_ms is None else round(t.latency_ms, 1),
                                 "last_error": t.last_error, "in_flight": t.in_flight,
                                 "checked_at": t.checked_at} for t in targets]})
        return out


def _short(exc: BaseException) -> str:
    text = exc.reason if isinstance(exc, UpstreamFailure) else f"{type(exc).__name__}: {exc}"
    return text.splitlines()[0][:300] if text else type(exc).__name__
