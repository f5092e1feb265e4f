"""/v1/embeddings and /v1/rerank: validate, route with failover, normalise, meter."""

from __future__ import annotations

import asyncio

from gateway import usage
from gateway.backends.base import UpstreamFailure
from gateway.errors import GatewayError
from gateway.keys import Principal
from gateway.ledger import Ledger
from gateway.metering import Call
from gateway.resolve import failure_to_error, resolve_model
from gateway.router import Router, Target
from gateway.validation import validate_embeddings, validate_rerank


class VectorService:
    def __init__(self, router: Router, ledger: Ledger) -> None:
        self.router = router
        self.ledger = ledger

    async def _run(self, call: Call, principal: Principal, body: dict, kind: str, method: str,
                   texts: list[str] | None) -> dict:
        try:
            model = resolve_model(self.router.catalogue, principal, body["model"], kind)

            async def send(target: Target) -> dict:
                return await getattr(target.backend, method)({**body, "model": target.deployment.model})

            try:
                _, result = await self.router.run(model.id, send, call.at)
            except UpstreamFailure as failure:
                raise failure_to_error(failure, model.id) from None
            result["model"] = model.id
            u = result.get("usage") or {}
            prompt = u.get("prompt_tokens") or u.get("total_tokens")
            if prompt is None:
                prompt = sum(usage.estimate_tokens(t) for t in texts or [])
                call.source = "estimated"
            else:
                call.source = "upstream"
            result["usage"] = call.usage = {"prompt_tokens": int(prompt), "total_tokens": int(prompt)}
            return result
        except GatewayError as exc:
            call.status, call.error_code = exc.status, exc.code
            raise
        except asyncio.CancelledError:
            call.status, call.aborted = 499, True
            raise
        finally:
            self.ledger.record(call.row())

    async def embeddings(self, principal: Principal, body: dict, request_id: str) -> dict:
        texts = validate_embeddings(body)
        call = Call(request_id, principal, body.get("model"), False, endpoint="embeddings")
        result = await self._run(call, principal, body, "embedding", "embeddings", texts)
        result.setdefault("object", "list")
        return result

    async def rerank(self, principal: Principal, body: dict, request_id: str) -> dict:
        texts = validate_rerank(body)
        call = Call(request_id, principal, body.get("model"), False, endpoint="rerank")
        upstream_body = {**body, "documents": texts}
        result = await self._run(call, principal, upstream_body, "rerank", "rerank", [body["query"], *texts])
        results = result.get("results") or []
        if body.get("top_n"):
            results = results[: body["top_n"]]
        if body.get("return_documents", True):
            for r in results:
                if 0 <= r["index"] < len(texts):
                    r["document"] = {"text": texts[r["index"]]}
        return {"id": f"rerank-{request_id}", "model": result["model"], "results": results,
                "usage": result["usage"]}
