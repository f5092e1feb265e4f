"""The Web Search API and the AI Search API: validate, search, answer, meter.

``POST /v1/web-search`` returns numbered results (with the pages' main text unless ``fetch`` is
false) and leaves one ledger row, endpoint ``web_search`` (no tokens; the provider as deployment).
``POST /v1/ai-search`` searches, then asks a chat model (one the key may use) to answer from the
numbered sources with [n] citations, through the gateway's own ``ChatService``; the answer is a
``chat.completion`` with a top-level ``sources`` list (streamed: the FIRST chunk carries ``sources``,
see ``answer.WithSources``), and the call leaves exactly
one ledger row, endpoint ``ai_search``, carrying the model's token usage.

The configuration is read at every call (``options_of``), so an edited catalogue takes effect
without a restart; a changed ``search:`` block gets a new provider and fetcher.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from gateway.accounts.keys import Principal
from gateway.errors import InvalidRequest
from gateway.inference.chat import ChatService
from gateway.routing.catalogue import SearchOptions
from gateway.routing.resolve import resolve_model
from gateway.routing.router import Router
from gateway.usage.ledger import Ledger, UsageRow
from gateway.usage.metering import Call
from gateway.websearch import answer
from gateway.websearch.engine import Source, WebSearch
from gateway.websearch.errors import SearchNotConfigured
from gateway.websearch.providers import MAX_COUNT
from shared.urlguard import Resolver

log = logging.getLogger("maas.websearch")
DEFAULT_COUNT = 5
MAX_QUERY_CHARS = 1000
WEB_PARAMS = ("query", "count", "fetch", "language")
AI_PARAMS = ("query", "model", "count", "stream", "stream_options", "language", "max_tokens", "temperature",
             "top_p", "thinking")
NOT_CONFIGURED = ("Web search is not configured on this gateway: an administrator adds a search: block "
                  "(provider searxng or bocha) to the model catalogue.")


@dataclass(frozen=True)
class Query:
    text: str
    count: int
    fetch: bool
    language: str | None


def _bad(param: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid '{param}': {message}", param=param)


def _only(body: dict, allowed: tuple[str, ...]) -> None:
    for key in body:
        if key not in allowed:
            raise InvalidRequest(f"Unknown parameter '{key}'; this route takes {', '.join(allowed)}.", param=key,
                                 code="unknown_parameter")


def parse_query(body: dict, allowed: tuple[str, ...]) -> Query:
    """The search part of a request body; ``InvalidRequest`` naming the first bad parameter."""
    _only(body, allowed)
    text = body.get("query")
    if text is None:
        raise InvalidRequest("Missing required parameter: 'query'.", param="query", code="missing_required_parameter")
    if not isinstance(text, str) or not text.strip():
        raise _bad("query", "expected a non-empty string.")
    if len(text) > MAX_QUERY_CHARS:
        raise _bad("query", f"at most {MAX_QUERY_CHARS} characters, got {len(text)}.")
    count = body.get("count", DEFAULT_COUNT)
    if count is None:
        count = DEFAULT_COUNT
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise _bad("count", f"expected an integer between 1 and {MAX_COUNT}, got {count!r}.")
    fetch = body.get("fetch", True)
    if not isinstance(fetch, bool):
        raise _bad("fetch", f"expected a boolean, got {type(fetch).__name__}.")
    language = body.get("language")
    if language is not None and (not isinstance(language, str) or not language.replace("-", "").isalnum()
                                 or len(language) > 16):
        raise _bad("language", "expected a language code like 'zh-CN' or 'en', or 'auto'.")
    return Query(" ".join(text.split()), count, fetch, language)


class SearchCall(Call):
    """A search call's bookkeeping: its ledger row names the search provider as the deployment."""

    __slots__ = ("provider",)

    def __init__(self, request_id: str, principal: Principal, model: str | None, stream: bool, endpoint: str) -> None:
        super().__init__(request_id, principal, model, stream, endpoint=endpoint)
        self.provider: str | None = None

    def row(self) -> UsageRow:
        row = super().row()
        row.deployment = row.deployment or self.provider
        return row


class _AsAISearch:
    """A ledger seen by the AI search's ChatService: its rows are recorded as ``ai_search``."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def record(self, row: UsageRow) -> None:
        row.endpoint = "ai_search"
        self._ledger.record(row)


class SearchService:
    def __init__(self, options_of: Callable[[], SearchOptions | None], router: Router, ledger: Ledger, *,
                 resolver: Resolver | None = None, env: Mapping[str, str] | None = None) -> None:
        self._options_of = options_of
        self.router = router
        self.ledger = ledger
        self._chat = ChatService(router, _AsAISearch(ledger))      # type: ignore[arg-type]
        self._resolver, self._env = resolver, env
        self._engine: WebSearch | None = None
        self._retired: list[WebSearch] = []

    def engine(self) -> WebSearch:
        """The search engine of the current ``search:`` block; ``SearchNotConfigured`` when there is none."""
        options = self._options_of()
        if options is None:
            raise SearchNotConfigured(NOT_CONFIGURED)
        if self._engine is None or self._engine.options != options:
            engine = WebSearch(options, resolver=self._resolver, env=self._env)
            if self._engine is not None:
                self._retired.append(self._engine)    # requests may still use it; closed at stop
            self._engine = engine
        return self._engine

    async def aclose(self) -> None:
        for engine in [*self._retired, *([self._engine] if self._engine else [])]:
            await engine.aclose()
        self._engine, self._retired = None, []

    async def _sources(self, call: SearchCall, query: Query) -> list[Source]:
        engine = self.engine()
        call.provider = engine.name
        return await engine.search(query.text, count=query.count, fetch=query.fetch, language=query.language)

    # -- POST /v1/web-search ---------------------------------------------------------------
    async def web_search(self, principal: Principal, body: dict, request_id: str) -> dict:
        call = SearchCall(request_id, principal, None, False, "web_search")
        with call.recorded(self.ledger):
            query = parse_query(body, WEB_PARAMS)
            sources = await self._sources(call, query)
            fetched = sum(1 for s in sources if s.content is not None)
            return {"object": "web_search", "query": query.text,
                    "results": [s.public(query.fetch) for s in sources],
                    "usage": {"search_requests": 1, "pages_fetched": fetched}}

    # -- POST /v1/ai-search ----------------------------------------------------------------
    async def _prepare(self, call: SearchCall, principal: Principal, body: dict) -> tuple[dict, list[Source]]:
        """Check the request and the model, search, and build the chat body (any failure is this call's row)."""
        try:
            _only(body, AI_PARAMS)
            query = parse_query({k: body[k] for k in ("query", "count", "language") if k in body}, WEB_PARAMS)
            model_id = body.get("model")
            if model_id is None:
                raise InvalidRequest("Missing required parameter: 'model'.", param="model",
                                     code="missing_required_parameter")
            if not isinstance(model_id, str) or not model_id:
                raise _bad("model", "expected a non-empty string (a chat model from GET /v1/models).")
            model = resolve_model(self.router.catalogue, principal, model_id, "chat")
            if body.get("stream") is not None and not isinstance(body["stream"], bool):
                raise _bad("stream", f"expected a boolean, got {type(body['stream']).__name__}.")
            sources = await self._sources(call, query)
        except BaseException:
            with call.recorded(self.ledger):
                raise
        chat_body = {k: body[k] for k in ("stream", "stream_options", "max_tokens", "temperature", "top_p",
                                          "thinking") if body.get(k) is not None}
        chat_body |= {"model": model.id,
                      "messages": answer.messages(query.text, sources, model.capabilities.context_length)}
        return chat_body, sources

    async def ai_search(self, principal: Principal, body: dict, request_id: str) -> dict:
        call = SearchCall(request_id, principal, _model_of(body), False, "ai_search")
        chat_body, sources = await self._prepare(call, principal, body)
        result = await self._chat.complete(principal, chat_body, request_id)
        result["sources"] = [s.cited() for s in sources]
        return result

    async def open_ai_stream(self, principal: Principal, body: dict, request_id: str) -> AsyncIterator[bytes]:
        call = SearchCall(request_id, principal, _model_of(body), True, "ai_search")
        chat_body, sources = await self._prepare(call, principal, body)
        chunks = await self._chat.open_stream(principal, chat_body, request_id)
        return answer.WithSources(chunks, [s.cited() for s in sources], chat_body["model"], request_id)


def _model_of(body: dict) -> str | None:
    model = body.get("model")
    return model if isinstance(model, str) else None

