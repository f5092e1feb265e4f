"""Backend for Ollama: its OpenAI-compatible routes under ``/v1``, health from ``/api/tags``.

``base_url`` is the server root (``http://host:11434``); a trailing ``/v1`` is accepted.
Ollama reports reasoning as ``reasoning`` and stream usage only with include_usage;
it has no rerank API (the catalogue refuses an Ollama rerank deployment).
"""

from __future__ import annotations

import httpx

from gateway.backends.base import UpstreamFailure
from gateway.backends.openai import OpenAIBackend, failure_from_response


class OllamaBackend(OpenAIBackend):
    def _root(self) -> str:
        base = self.deployment.base_url
        return base[:-3] if base.endswith("/v1") else base

    def _base_url(self) -> str:
        return self._root() + "/v1"

    async def health(self) -> None:
        try:
            resp = await self.client.get(self._root() + "/api/tags", timeout=self.deployment.timeouts.connect + 5)
        except httpx.HTTPError as exc:
            raise UpstreamFailure(f"{self.deployment.name}: health check failed: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            raise failure_from_response(resp.status_code, resp.content, self.deployment.name)

    async def rerank(self, body: dict) -> dict:
        raise UpstreamFailure(f"{self.deployment.name}: Ollama has no rerank API", retryable=False,
                              client_message="This model's server (Ollama) has no rerank API.")
