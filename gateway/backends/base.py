"""The backend contract: one object per deployment, speaking to one model server.

Backends return upstream JSON as-is (dialect and all); normalisation happens in the
gateway's services. Failures are ``UpstreamFailure`` so the router can decide on retry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from gateway.routing.catalogue import Deployment, Model


class UpstreamFailure(Exception):
    """A model server failed. ``retryable``: nothing reached the client, another deployment may serve."""

    def __init__(self, reason: str, *, status: int | None = None, retryable: bool = True,
                 client_message: str | None = None, timeout: bool = False, param: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason                    # for logs and /health/models; never sent to clients
        self.status = status
        self.retryable = retryable
        self.client_message = client_message    # an upstream 4xx message safe to show, if any
        self.timeout = timeout
        self.param = param                      # the request parameter a 4xx is about, if known


class ChatStream(Protocol):
    """An open upstream stream: iterate parsed chunks, then close."""

    def __aiter__(self) -> AsyncIterator[dict]: ...
    async def aclose(self) -> None: ...


class Backend(Protocol):
    deployment: Deployment

    async def start(self) -> None:
        """Prepare (open clients, start a local server)."""

    async def stop(self) -> None:
        """Release everything start() took."""

    async def health(self) -> None:
        """Raise UpstreamFailure when the model server is not usable."""

    async def chat(self, body: dict) -> dict:
        """One non-streaming chat completion; the upstream's JSON."""

    async def chat_stream(self, body: dict) -> ChatStream:
        """Open a streaming chat completion (headers received, status checked)."""

    async def embeddings(self, body: dict) -> dict:
        """OpenAI embeddings response."""

    async def rerank(self, body: dict) -> dict:
        """Jina/Cohere-shaped rerank response: results[{index, relevance_score, document?}], usage."""


@dataclass
class BackendContext:
    """What a backend may need from the gateway besides its deployment."""

    model: Model
    resources: object            # shared embedded runtime (see backends.embedded)
