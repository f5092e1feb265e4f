"""Every error of web search: what a client may see (the gateway's envelope) and why a page was skipped.

Messages say what to do next and never carry the search engine's or a web page's own text.
"""

from __future__ import annotations

from gateway.errors import GatewayError, UpstreamError, UpstreamTimeout


class SearchNotConfigured(GatewayError):
    """No search provider in the catalogue, or its key is missing (503)."""

    status = 503
    type = "service_unavailable"
    code = "search_not_configured"


class SearchFailed(UpstreamError):
    """The search engine failed or answered something we cannot read (502)."""

    code = "search_upstream_error"


class SearchTimeout(UpstreamTimeout):
    """The search engine did not answer in time (504)."""

    code = "search_timeout"


class PageSkipped(Exception):
    """A result page that was not read: ``reason`` is a short sentence safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(PageSkipped):
    """The fetcher refused a URL before connecting: the guard's ``shared.urlguard.UrlRefused`` (scheme,
    credentials, a private address ...) in its English words, or a redirect it does not follow."""
