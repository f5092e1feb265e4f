"""/v1/embeddings and /v1/rerank: validate, route with failover, normalise, meter."""

from __future__ import annotations

from gateway.accounts.keys import Principal
from gateway.backends.base import UpstreamFailure
from gateway.inference.validation import validate_embeddings, validate_rerank
from gateway.routing.resolve import failure_to_error, resolve_model
from gateway.routing.router import Router, Target
from gateway.usage import tokens as usage
from gateway.usage.ledger import Ledger
from gateway.usage.metering import Call, requested_model


class VectorService:
    def __init__(self, router: Router, ledger: Ledger) -> None:
        self.router = router
        self.ledger = ledger

    async def _run(self, call: Call, principal: Principal, body: dict, kind: str, method: str,
                   counted: list[str]) -> dict:
        """Route ``body`` to a ``kind`` model's ``method``; usage from upstream, else counted from ``counted``."""
        model = resolve_model(self.router.catalogue, principal, body["model"], kind)

        async def send(target: Target) -> dict:
            return await getattr(target.backend, method)({**body, "model": target.deployment.model})

        try:
            _, result = await self.router.run(model.id, send, call.at)
        except UpstreamFailure as failure:
            raise failure_to_error(failure, model.id) from None
        result["model"] = model.id
        u = result.get("usage")
        u = u if isinstance(u, dict) else {}
        prompt = usage.tokens(u.get("prompt_tokens")) or usage.tokens(u.get("total_tokens"))
        call.source = "upstream" if prompt is not None else "estimated"
        if prompt is None:
            prompt = sum(usage.estimate_tokens(t) for t in counted)
        result["usage"] = call.usage = {"prompt_tokens": prompt, "total_tokens": prompt}
        return result

    async def embeddings(self, principal: Principal, body: dict, request_id: str) -> dict:
        call = Call(request_id, principal, requested_model(body), False, endpoint="embeddings")
        with call.recorded(self.ledger):
            texts = validate_embeddings(body)
            result = await self._run(call, principal, body, "embedding", "embeddings", texts or [])
            result.setdefault("object", "list")
            return result

    async def rerank(self, principal: Principal, body: dict, request_id: str) -> dict:
        call = Call(request_id, principal, requested_model(body), False, endpoint="rerank")
        with call.recorded(self.ledger):
            texts = validate_rerank(body)
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
