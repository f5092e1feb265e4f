"""Backend for Ollama: its OpenAI-compatible routes under ``/v1``, health from ``/api/tags``.

``base_url`` is the server root (``http://host:11434``); a trailing ``/v1`` is accepted.
Ollama reports reasoning as ``reasoning`` and stream usage only with include_usage;
it has no rerank API (the catalogue refuses an Ollama rerank deployment).
"""

from __future__ import annotations

from gateway.backends.base import UpstreamFailure
from gateway.backends.openai import OpenAIBackend


class OllamaBackend(OpenAIBackend):
    def _root(self) -> str:
        base = self.deployment.base_url
        return base[:-3] if base.endswith("/v1") else base

    api_prefix = "/v1"

    def _base_url(self) -> str:
        return self._root()

    def _health_path(self) -> str:
        return "/api/tags"

    async def rerank(self, body: dict) -> dict:
        raise UpstreamFailure(f"{self.deployment.name}: Ollama has no rerank API", retryable=False,
                              client_message="This model's server (Ollama) has no rerank API.")
