"""Backend for any OpenAI-compatible model server: vLLM, SGLang, llama.cpp, LM Studio, ...

Speaks ``{base_url}/chat/completions``, ``/embeddings``, ``/rerank`` and ``/models``.
Upstream error bodies (OpenAI nested or SGLang flat) are read only to classify the
failure; a 4xx message is passed on (shortened, with paths removed), a 5xx never is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re

import httpx
import orjson

from gateway.backends.base import BackendContext, UpstreamFailure
from gateway.catalogue import Deployment

log = logging.getLogger("maas.backend")
_PATHS = re.compile(r"(/[\w.-]+){2,}|[A-Za-z]:\\[\w\\.-]+")


def upstream_message(raw: bytes) -> str | None:
    """The human message inside an upstream error body, either dialect."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str):        # SGLang: {"object": "error", "message": ...}
            return body["message"]
        if isinstance(body.get("detail"), str):
            return body["detail"]
    return None


def safe_client_message(message: str | None) -> str | None:
    """An upstream 4xx message fit for a client: one line, no file paths, no traceback."""
    if not message or "Traceback" in message:
        return None
    line = _PATHS.sub("…", message.strip().splitlines()[0])
    return line[:300]


def failure_from_response(status: int, raw: bytes, deployment: str) -> UpstreamFailure:
    message = upstream_message(raw)
    log.warning("%s answered HTTP %d: %s", deployment, status, (message or raw[:300].decode("utf-8", "replace"))[:300])
    reason = f"{deployment}: HTTP {status}"
    if status >= 500 or status in (408, 429):
        return UpstreamFailure(reason, status=status, retryable=True)
    return UpstreamFailure(reason, status=status, retryable=False, client_message=safe_client_message(message))


class SSEStream:
    """Parsed chunks of an upstream server-sent-event stream."""

    def __init__(self, response: httpx.Response, deployment: str) -> None:
        self._response = response
        self._deployment = deployment
        self.malformed = 0

    async def __aiter__(self):
        try:
            async for line in self._response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    chunk = orjson.loads(data)
                except orjson.JSONDecodeError:
                    self.malformed += 1
                    log.warning("%s: skipped a malformed stream chunk", self._deployment)
                    continue
                if isinstance(chunk, dict):
                    if "error" in chunk or chunk.get("object") == "error":
                        log.warning("%s: error inside stream: %s", self._deployment, upstream_message(data.encode()))
                        raise UpstreamFailure(f"{self._deployment}: error inside stream", retryable=False)
                    yield chunk
        except httpx.TimeoutException:
            raise UpstreamFailure(f"{self._deployment}: no stream chunk within the between-chunk timeout",
                                  retryable=False, timeout=True) from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise UpstreamFailure(f"{self._deployment}: stream broke: {type(exc).__name__}", retryable=False) from None

    async def aclose(self) -> None:
        await self._response.aclose()


class OpenAIBackend:
    """One deployment on an OpenAI-compatible server."""

    api_prefix = ""          # appended to base_url for the OpenAI routes

    def __init__(self, deployment: Deployment, ctx: BackendContext | None = None) -> None:
        self.deployment = deployment
        self._client: httpx.AsyncClient | None = None

    def _base_url(self) -> str:
        return self.deployment.base_url + self.api_prefix

    async def start(self) -> None:
        t = self.deployment.timeouts
        headers = {"content-type": "application/json"}
        if self.deployment.api_key_env:
            secret = os.environ.get(self.deployment.api_key_env)
            if secret:
                headers["authorization"] = f"Bearer {secret}"
        self._client = httpx.AsyncClient(
            base_url=self._base_url(), headers=headers, trust_env=False,
            timeout=httpx.Timeout(connect=t.connect, read=t.between_chunks, write=30.0, pool=t.connect),
            limits=httpx.Limits(max_connections=2000, max_keepalive_connections=256))

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "backend used before start()"
        return self._client

    async def _post(self, path: str, body: dict, timeout: float) -> dict | list:
        name = self.deployment.name
        try:
            resp = await asyncio.wait_for(self.client.post(path, content=orjson.dumps(body)), timeout)
        except (TimeoutError, httpx.TimeoutException):
            raise UpstreamFailure(f"{name}: no answer within {timeout:g} s", timeout=True) from None
        except httpx.TransportError as exc:
            raise UpstreamFailure(f"{name}: cannot connect: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            raise failure_from_response(resp.status_code, resp.content, name)
        try:
            return orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(f"{name}: answer is not JSON", status=resp.status_code) from None

    async def health(self) -> None:
        try:
            resp = await self.client.get("/models", timeout=self.deployment.timeouts.connect + 5)
        except httpx.HTTPError as exc:
            raise UpstreamFailure(f"{self.deployment.name}: health check failed: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            raise failure_from_response(resp.status_code, resp.content, self.deployment.name)

    async def chat(self, body: dict) -> dict:
        result = await self._post("/chat/completions", body, self.deployment.timeouts.first_byte)
        if not isinstance(result, dict):
            raise UpstreamFailure(f"{self.deployment.name}: chat answer is not an object")
        return result

    async def chat_stream(self, body: dict) -> SSEStream:
        name = self.deployment.name
        request = self.client.build_request("POST", "/chat/completions", content=orjson.dumps(body))
        try:
            resp = await asyncio.wait_for(self.client.send(request, stream=True), self.deployment.timeouts.first_byte)
        except (TimeoutError, httpx.TimeoutException):
            raise UpstreamFailure(f"{name}: no first byte within {self.deployment.timeouts.first_byte:g} s",
                                  timeout=True) from None
        except httpx.TransportError as exc:
            raise UpstreamFailure(f"{name}: cannot connect: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            raw = await resp.aread()
            await resp.aclose()
            raise failure_from_response(resp.status_code, raw, name)
        return SSEStream(resp, name)

    async def embeddings(self, body: dict) -> dict:
        result = await self._post("/embeddings", body, self.deployment.timeouts.first_byte)
        if not isinstance(result, dict):
            raise UpstreamFailure(f"{self.deployment.name}: embeddings answer is not an object")
        return result

    async def rerank(self, body: dict) -> dict:
        result = await self._post("/rerank", body, self.deployment.timeouts.first_byte)
        return normalise_rerank(result, body)


def normalise_rerank(result: dict | list, body: dict) -> dict:
    """Jina/Cohere shape from vLLM/LiteLLM (``results``) or SGLang (a bare list with ``score``)."""
    items = result if isinstance(result, list) else result.get("results") or result.get("data") or []
    out = []
    for item in items:
        if not isinstance(item, dict) or "index" not in item:
            continue
        score = item.get("relevance_score", item.get("score"))
        entry = {"index": int(item["index"]), "relevance_score": float(score or 0.0)}
        out.append(entry)
    out.sort(key=lambda e: e["relevance_score"], reverse=True)
    usage = result.get("usage") if isinstance(result, dict) else None
    return {"results": out, "usage": usage if isinstance(usage, dict) else None}
