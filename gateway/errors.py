"""Every error the gateway raises, and how each becomes the OpenAI error envelope.

Errors carry the HTTP status, the OpenAI ``type``, the offending ``param`` and a
stable ``code``. Messages say what to do next and never carry upstream internals.
Translation to HTTP happens only at the edge (``gateway.http``). ``FormError`` (a form or an account action
refused) carries a code and its fields; its words, en and zh, are in the catalogue of its package
(``gateway/accounts/messages.py``, ``gateway/routing/messages.py``).
"""

from __future__ import annotations

from shared.messages import MessageError


class GatewayError(Exception):
    """Base class: an error a client may see."""

    status = 500
    type = "server_error"
    code: str | None = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        self.headers = headers or {}

    def envelope(self) -> dict:
        """The OpenAI error body."""
        return {"error": {"message": self.message, "type": self.type,
                          "param": self.param, "code": self.code}}


class InvalidRequest(GatewayError):
    """The request is malformed or a parameter is wrong (400)."""

    status = 400
    type = "invalid_request_error"
    code = "invalid_value"


class AuthenticationError(GatewayError):
    """Missing, unknown, revoked or expired key (401)."""

    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class PermissionDenied(GatewayError):
    """The key may not use this model or route (403)."""

    status = 403
    type = "permission_error"
    code = "model_not_allowed"


class NotFound(GatewayError):
    """Unknown model or route (404)."""

    status = 404
    type = "invalid_request_error"
    code = "model_not_found"


class PayloadTooLarge(GatewayError):
    """The request body is over the configured limit (413)."""

    status = 413
    type = "invalid_request_error"
    code = "request_too_large"


class RateLimited(GatewayError):
    """A rate limit or quota tripped (429)."""

    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class UpstreamError(GatewayError):
    """The model server failed; the message is ours, never the upstream's internals (502)."""

    status = 502
    type = "upstream_error"
    code = "upstream_error"


class UpstreamTimeout(UpstreamError):
    """The model server did not answer in time (504)."""

    status = 504
    code = "upstream_timeout"


class NoDeployment(GatewayError):
    """Every deployment of the model is down (503)."""

    status = 503
    type = "service_unavailable"
    code = "model_unavailable"


class ServerShutdown(GatewayError):
    """The server is shutting down and ended this request after its grace period (503)."""

    status = 503
    type = "service_unavailable"
    code = "server_shutdown"

    def __init__(self, message: str = "The server is shutting down and ended this answer after its grace period; "
                                      "send the request again in a moment.", **kw) -> None:
        super().__init__(message, **kw)


class ConfigError(Exception):
    """A bad setting or catalogue entry: names the file, the key and what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


class FormError(MessageError):
    """A form's input or an account action that cannot be done: ``code`` names the message (in the class's
    ``catalogue``, e.g. ``gateway/accounts/messages.py``), ``fields`` fill it in, ``field`` is the input at fault.

    ``message`` is English (the admin HTTP API sends it); ``text(locale)`` says it in the page's language.
    """


class StartupError(Exception):
    """The gateway cannot start; the message says what to do."""
