"""Why talking to an MCP server failed, as a ``HubError`` a user can read (en / zh), never a traceback or the server's
own words.

    try: ...
    except Exception as exc:
        raise explain(exc, server=Words("Lab tools", "实验室工具"), origin="https://tools.example.org", seconds=60)

The SDK reports a failure as an exception, often inside (nested) exception groups from its task groups; the leaf
that says why is taken. A refused connection (or one closed under a request) is ``unreachable``, a deadline
``timeout``, HTTP 401 / 403 ``unauthorized`` (the ``status`` an HTTP transport saw, which the SDK itself drops),
another HTTP error ``http_status``, an answer that is not MCP ``not_mcp``, a JSON-RPC error from the server
``server_error`` (its code only), anything else ``protocol``; the exception's class and text go to the log (at
WARNING, for admins), never to the user. A ``WorkbenchError`` raised on the way (a refusal of our own) is passed
through as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp_types import CONNECTION_CLOSED

from shared.urlguard import UrlRefused
from workbench.errors import WorkbenchError

from .errors import HubError

log = logging.getLogger(__name__)


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, in order; the error itself when it is not a group."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def _named(error: BaseException, *names: str) -> bool:
    return any(cls.__name__ in names for cls in type(error).__mro__)


def explain(error: BaseException, *, server: Any, origin: str, seconds: float, status: int | None = None) -> \
        WorkbenchError:
    """The refusal that says why ``error`` happened while talking to ``server`` (a name, or ``Words``) at
    ``origin`` (scheme://host[:port], never a path or query) with a deadline of ``seconds``."""
    found = [leaf for leaf in leaves(error) if not _named(leaf, "CancelledError", "Cancelled")] or leaves(error)
    ours = next((leaf for leaf in found if isinstance(leaf, WorkbenchError)), None)
    if ours is not None:
        return ours
    leaf = found[0]
    refused = next((x for x in found if isinstance(x, UrlRefused)), None)
    if refused is not None:
        return HubError("mcp_hub.url_refused", "url", why=refused.reason())
    status = status or getattr(getattr(leaf, "response", None), "status_code", None)
    if status in (401, 403):
        return HubError("mcp_hub.unauthorized", None, server=server, status=status)
    if isinstance(leaf, TimeoutError) or _named(leaf, "TimeoutException"):
        return HubError("mcp_hub.timeout", None, server=server, seconds=f"{seconds:g}")
    if _named(leaf, "ConnectError", "ConnectionError") or (isinstance(leaf, OSError) and not _named(leaf, "SSLError")):
        return HubError("mcp_hub.unreachable", None, server=server, origin=origin)
    if status is not None and status >= 400:
        return HubError("mcp_hub.http_status", None, server=server, status=status)
    text = str(leaf).lower()
    if _named(leaf, "SSEError") or "content type" in text or "content-type" in text:
        _log(leaf, origin)
        return HubError("mcp_hub.not_mcp", None, server=server, origin=origin)
    code = getattr(getattr(leaf, "error", None), "code", None) if _named(leaf, "MCPError") else None
    if code == CONNECTION_CLOSED:                           # the server exited, or the connection was cut
        return HubError("mcp_hub.unreachable", None, server=server, origin=origin)
    if isinstance(code, int):
        _log(leaf, origin)
        return HubError("mcp_hub.server_error", None, server=server, error=code)
    _log(leaf, origin)
    return HubError("mcp_hub.protocol", None, server=server)


def _log(error: BaseException, origin: str) -> None:
    log.warning("MCP server at %s failed: %s: %s", origin, type(error).__name__, str(error)[:300])
