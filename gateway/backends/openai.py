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

import orjson

from gateway.backends.base import BackendContext, UpstreamFailure
from gateway.backends.http1 import HTTPError, Pool, Response
from gateway.routing.catalogue import Deployment

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


def stream_error(chunk: dict, raw: bytes, deployment: str) -> UpstreamFailure:
    """An error event inside an upstream stream, classified by its code like an HTTP error status."""
    err = chunk.get("error")
    code = err.get("code") if isinstance(err, dict) else None
    if code is None:
        code = chunk.get("code")                             # SGLang's flat error
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    message = upstream_message(raw)
    log.warning("%s: error inside stream: %s", deployment, (message or "")[:300])
    status = code if isinstance(code, int) and 400 <= code < 600 else None
    reason = f"{deployment}: error inside stream" + (f" (code {status})" if status else "")
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return UpstreamFailure(reason, status=status, retryable=False, client_message=safe_client_message(message))
    return UpstreamFailure(reason, status=status, retryable=False)


class SSEStream:
    """Parsed chunks of an upstream server-sent-event stream.

    The first chunk must come by ``first_deadline`` (loop time; the deployment's first-byte timeout
    counted from the request), each later one within ``between_chunks`` seconds of the previous."""

    def __init__(self, response: Response, deployment: str, between_chunks: float,
                 first_deadline: float | None = None) -> None:
        self._response = response
        self._deployment = deployment
        self._timeout = between_chunks
        self._first_deadline = first_deadline
        self.malformed = 0

    async def __aiter__(self):
        buffer = b""
        response = self._response
        response.deadline = waiting_first = self._first_deadline
        try:
            async for piece in response.chunks(self._timeout):
                buffer += piece
                if b"\n" not in piece:
                    continue
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if not line.startswith(b"data:"):
                        continue
                    data = line[5:].strip()
                    if data == b"[DONE]":
                        return
                    try:
                        chunk = orjson.loads(data)
                    except orjson.JSONDecodeError:
                        self.malformed += 1
                        log.warning("%s: skipped a malformed stream chunk", self._deployment)
                        continue
                    if isinstance(chunk, dict):
                        if "error" in chunk or chunk.get("object") == "error":
                            raise stream_error(chunk, data, self._deployment)
                        if waiting_first is not None:
                            response.deadline = waiting_first = None
                        yield chunk
        except HTTPError as exc:
            if exc.timeout and waiting_first is not None:
                raise UpstreamFailure(f"{self._deployment}: headers but no first stream chunk within the first-byte "
                                      "timeout", retryable=False, timeout=True) from None
            if exc.timeout:
                raise UpstreamFailure(f"{self._deployment}: no stream chunk within {self._timeout:g} s",
                                      retryable=False, timeout=True) from None
            raise UpstreamFailure(f"{self._deployment}: stream broke: {exc}", retryable=False) from None

    async def aclose(self) -> None:
        self._response.close()


class OpenAIBackend:
    """One deployment on an OpenAI-compatible server."""

    api_prefix = ""          # put before the OpenAI routes (Ollama and llama.cpp roots: "/v1")

    def __init__(self, deployment: Deployment, ctx: BackendContext | None = None, *,
                 api_prefix: str | None = None) -> None:
        self.deployment = deployment
        if api_prefix is not None:
            self.api_prefix = api_prefix
        self._pool: Pool | None = None

    def _base_url(self) -> str:
        return self.deployment.base_url

    async def start(self) -> None:
        headers = {"content-type": "application/json"}
        if self.deployment.api_key_env:
            secret = os.environ.get(self.deployment.api_key_env)
            if secret:
                headers["authorization"] = f"Bearer {secret}"
        self._pool = Pool(self._base_url(), headers, connect_timeout=self.deployment.timeouts.connect)

    async def stop(self) -> None:
        if self._pool is not None:
            self._pool.close()

    @property
    def pool(self) -> Pool:
        assert self._pool is not None, "backend used before start()"
        return self._pool

    async def exchange(self, method: str, path: str, body: bytes, timeout: float, *,
                       whole: bool) -> tuple[Response, bytes]:
        """One exchange; the body is read too when ``whole``. Transport problems become UpstreamFailure."""
        name = self.deployment.name
        try:
            async with asyncio.timeout(timeout):
                resp = await self.pool.request(method, path, body)
                raw = await resp.read() if whole or resp.status >= 400 else b""
        except TimeoutError:
            raise UpstreamFailure(f"{name}: no answer within {timeout:g} s", timeout=True) from None
        except HTTPError as exc:
            raise UpstreamFailure(f"{name}: {exc}", timeout=exc.timeout) from None
        if resp.status >= 400:
            raise failure_from_response(resp.status, raw, name)
        return resp, raw

    async def _post(self, path: str, body: dict, timeout: float) -> dict | list:
        _, raw = await self.exchange("POST", self.api_prefix + path, orjson.dumps(body), timeout, whole=True)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(f"{self.deployment.name}: answer is not JSON", status=502) from None

    async def health(self) -> None:
        await self.exchange("GET", self._health_path(), b"", self.deployment.timeouts.connect + 5, whole=True)

    def _health_path(self) -> str:
        return self.api_prefix + "/models"

    async def chat(self, body: dict) -> dict:
        result = await self._post("/chat/completions", body, self.deployment.timeouts.first_byte)
        if not isinstance(result, dict):
            raise UpstreamFailure(f"{self.deployment.name}: chat answer is not an object")
        return result

    async def chat_stream(self, body: dict) -> SSEStream:
        t = self.deployment.timeouts
        first_deadline = asyncio.get_running_loop().time() + t.first_byte     # for the headers and the first chunk
        resp, _ = await self.exchange("POST", self.api_prefix + "/chat/completions", orjson.dumps(body),
                                   t.first_byte, whole=False)
        return SSEStream(resp, self.deployment.name, t.between_chunks, first_deadline)

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
