"""Shared request steps: find the model a key may use, and turn upstream failures into errors."""

from __future__ import annotations

from gateway.accounts.keys import Principal
from gateway.backends.base import UpstreamFailure
from gateway.errors import GatewayError, InvalidRequest, NoDeployment, NotFound, UpstreamError, UpstreamTimeout
from gateway.inference.validation import first_image_part
from gateway.routing.catalogue import Catalogue, Model

ROUTE_OF = {"chat": "/v1/chat/completions", "embedding": "/v1/embeddings", "rerank": "/v1/rerank"}


def resolve_model(catalogue: Catalogue, principal: Principal, model_id: str, kind: str) -> Model:
    """The catalogue entry for ``model_id`` if it exists, the key may use it, and it is of ``kind``."""
    model = catalogue.get(model_id)
    if model is None or not principal.allows(model_id):
        raise NotFound(f"The model '{model_id}' does not exist or your key may not use it; "
                       "GET /v1/models lists the models you can use.", param="model")
    if model.kind != kind:
        raise InvalidRequest(f"The model '{model_id}' is a {model.kind} model; call {ROUTE_OF[model.kind]} "
                             f"with it, or pick a {kind} model from GET /v1/models.",
                             param="model", code="wrong_model_kind")
    return model


def require_capabilities(catalogue: Catalogue, principal: Principal, model: Model, body: dict) -> None:
    """Refuse input the model cannot take: image parts for a model without the ``vision`` capability
    (400 naming the part, and the models of this key that can see)."""
    if model.capabilities.vision:
        return
    where = first_image_part(body["messages"])
    if where is None:
        return
    seeing = [m.id for m in catalogue.models.values()
              if m.kind == "chat" and m.capabilities.vision and principal.allows(m.id)]
    hint = (f"send images to a model that can see: {', '.join(seeing)}" if seeing else
            "none of the models your key may use accepts images (capability 'vision'); send text only")
    raise InvalidRequest(f"Invalid '{where}': the model '{model.id}' does not accept images; {hint}.",
                         param=where, code="image_input_not_supported")


def failure_to_error(failure: UpstreamFailure | None, model_id: str) -> GatewayError:
    """What the client sees when every attempt failed; never the upstream's own text for 5xx."""
    if failure is None:
        return NoDeployment(f"The model '{model_id}' has no deployment configured.")
    if failure.timeout:
        return UpstreamTimeout(f"The model server for '{model_id}' did not answer in time; try again "
                               "or lower max_tokens.")
    if failure.status is not None and 400 <= failure.status < 500 and failure.status not in (408, 429):
        detail = failure.client_message or "check the request parameters"
        return InvalidRequest(f"The model server rejected the request for '{model_id}': {detail}",
                              code="upstream_rejected", param=failure.param)
    if failure.status is None and not failure.retryable:
        return UpstreamError(f"The model server for '{model_id}' broke off the answer; try again.")
    if failure.status is None:
        return NoDeployment(f"The model '{model_id}' is unavailable right now (no deployment could be reached); "
                            "try again shortly or check GET /health/models.")
    return UpstreamError(f"The model server for '{model_id}' failed (HTTP {failure.status}); try again, "
                         "and if it persists ask an administrator to check GET /health/models.")
