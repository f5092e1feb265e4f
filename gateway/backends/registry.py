"""Which backend class serves a deployment's ``backend`` type: the registry, and the built-ins in it.

Built-ins (openai-compatible, ollama, embedded) register through the same seam as any third party.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.backends.base import Backend, BackendContext
from gateway.backends.embedded import EmbeddedBackend
from gateway.backends.ollama import OllamaBackend
from gateway.backends.openai import OpenAIBackend
from gateway.routing.catalogue import Deployment

BackendFactory = Callable[[Deployment, BackendContext], Backend]


class BackendRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, BackendFactory] = {}

    def register(self, backend_type: str, factory: BackendFactory) -> None:
        self._factories[backend_type] = factory

    def create(self, deployment: Deployment, ctx: BackendContext) -> Backend:
        return self._factories[deployment.backend](deployment, ctx)


def builtin_registry() -> BackendRegistry:
    """The registry with the built-in backends: openai-compatible, ollama, embedded."""
    registry = BackendRegistry()
    registry.register("openai", OpenAIBackend)
    registry.register("ollama", OllamaBackend)
    registry.register("embedded", EmbeddedBackend)
    return registry
