"""The workbench's own capabilities as MCP tools, UI-free: ``kb_list`` and ``kb_search`` (the knowledge bases the
caller may read) and ``web_search`` (the gateway's search engine), for the endpoint at ``/mcp/v1/workbench`` and for
users' tool groups.

    own = OwnTools(knowledge, "http://127.0.0.1:7860/v1", web_search=lambda: search_engine_configured())
    own.tools()                          # [OwnTool]: kb_* when there are knowledge bases, web_search while an engine is
    result = await own.call("kb_search", {"query": "How often are the orchids watered?"},
                            OwnCaller(user_id, raw_api_key, locale="zh"))
    result.structured["hits"]            # [{index, knowledge_base_id, knowledge_base, document, pages, quote, ...}]
    result.text()                        # [1] greenhouse.pdf, p. 2 (Greenhouse manual): "The orchids in bay four ..."

Permissions are those of the pages and ``/kb/v1``: ``KnowledgeService`` decides (``kb_list`` is the caller's list of
``/kb/v1/knowledge-bases``: their teams' KBs and those granted or shared with them); a KB id the caller may not read
is refused with the very words of a made-up one. Every model call (the question's embedding, its translation, the
rerank; the web search) goes through this process's ``/v1`` with the caller's own key, so it is metered, limited and
restricted to their models like any of their calls. Whether a passage is relevant is decided by code
(``workbench.kb.answer.relevant``, as for the chat's answers), never by a model: nothing relevant is said plainly.

A refusal is an ``is_error`` result whose text names the argument, in the caller's language: the arguments are
checked against the tool's own schema (``schemas.check_arguments``: ``tool_args.*`` words), then by meaning
(``McpInvalid`` with ``mcp_own.*`` words, ``workbench/messages/mcp_own.py``). Nothing else reaches the text: no
traceback, no upstream's own words. Tool descriptions and result texts are for a model: English data, like prompts.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import openai

from shared.locale import language
from workbench.clients import UserClients
from workbench.errors import WorkbenchError
from workbench.kb import answer
from workbench.kb.errors import NotFound
from workbench.kb.service import MAX_KBS_PER_QUESTION
from workbench.messages import MESSAGES
from workbench.websearch_client import WebSearchError, search_web

from .errors import McpInvalid
from .own_papers import paper_ask, paper_read, paper_tools
from .own_prompts import prompt_get, prompt_search, prompt_tools
from .own_specs import OwnCaller, OwnTool, object_schema, own_tool, text_schema, whole_schema
from .results import TextPart, ToolResult
from .schemas import check_arguments

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000                 # a knowledge-base question
MAX_WEB_QUERY_CHARS = 1000             # the gateway's limit for /v1/web-search
MAX_KB_ID_CHARS = 64
TOP_K, MAX_TOP_K = 5, 20
WEB_COUNT, MAX_WEB_COUNT = 5, 10
QUOTE_CHARS = 1500                     # of one passage
DESCRIPTION_CHARS = 300                # of a knowledge base's description, as listed

KB_SEARCH = (
    "Search the user's knowledge bases (documents they or their teams uploaded to this workbench) for passages about "
    "a question. Returns the most relevant passages, best first, each with its document, page(s), heading, knowledge "
    "base and the passage text as a quote to cite; or says plainly that nothing relevant was found, in which case do "
    "not answer from the knowledge bases. Use it for questions about the user's own or their team's documents. "
    "Searches every knowledge base the user may read unless knowledge_base_ids names some (ids from kb_list).")
KB_LIST = (
    "List the knowledge bases the user may read: id, name, description, team and number of documents. Use it to "
    "find the ids to pass to kb_search, or to tell the user what their knowledge bases hold.")
WEB_SEARCH = (
    "Search the web through this workbench's search engine. Returns numbered results, each with its title, URL and "
    "a snippet (or the start of the page's text). Use it for recent or public information that the user's "
    "knowledge bases do not hold; cite the URLs you use.")

_SPACES = re.compile(r"\s+")


_PAGE = {"type": ["integer", "null"]}
_KB_ENTRY = {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
    "team": {"type": "string"}, "personal": {"type": "boolean"}, "role": {"type": "string"},
    "documents": {"type": "integer"}}}
_HIT = {"type": "object", "required": ["index", "knowledge_base_id", "document", "quote"], "properties": {
    "index": {"type": "integer"}, "knowledge_base_id": {"type": "string"}, "knowledge_base": {"type": "string"},
    "document_id": {"type": "string"}, "document": {"type": "string"}, "first_page": _PAGE, "last_page": _PAGE,
    "pages": {"type": "string"}, "heading": {"type": ["string", "null"]}, "score": {"type": "number"},
    "quote": {"type": "string"}}}
_RESULT = {"type": "object", "required": ["index", "title", "url"], "properties": {
    "index": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
    "snippet": {"type": "string"}}}


def kb_search_tool() -> OwnTool:
    return own_tool("kb_search", KB_SEARCH, object_schema({
        "query": text_schema(MAX_QUERY_CHARS, "What to look for: the question, or its key words, in any language."),
        "knowledge_base_ids": {"type": "array", "minItems": 1, "maxItems": MAX_KBS_PER_QUESTION,
                               "items": {"type": "string", "minLength": 1, "maxLength": MAX_KB_ID_CHARS},
                               "description": "Only these knowledge bases (ids from kb_list). Leave it out to "
                                              "search every knowledge base the user may read."},
        "top_k": whole_schema(1, MAX_TOP_K, TOP_K, "How many passages to return at most."),
    }, ["query"]), object_schema({
        "query": {"type": "string"},
        "knowledge_bases": {"type": "array", "items": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}}},
        "hits": {"type": "array", "items": _HIT},
    }, ["query", "knowledge_bases", "hits"], closed=False))


def kb_list_tool() -> OwnTool:
    listed = {"knowledge_bases": {"type": "array", "items": _KB_ENTRY}}
    return own_tool("kb_list", KB_LIST, object_schema({}), object_schema(listed, ["knowledge_bases"], closed=False))


def web_search_tool() -> OwnTool:
    return own_tool("web_search", WEB_SEARCH, object_schema({
        "query": text_schema(MAX_WEB_QUERY_CHARS, "What to search the web for."),
        "count": whole_schema(1, MAX_WEB_COUNT, WEB_COUNT, "How many results to return at most."),
    }, ["query"]), object_schema({"query": {"type": "string"}, "results": {"type": "array", "items": _RESULT}},
                           ["query", "results"], closed=False), open_world=True)


# -- the tools ------------------------------------------------------------------------------------------------------
class OwnTools:
    """The workbench's own tools over one ``KnowledgeService`` (None: no ``kb_*`` tools) and this process's ``/v1``
    at ``base_url``; ``web_search`` is offered while ``web_search`` (a flag, or a callable asked at each listing and
    call) says the gateway has a search engine."""

    SERVER = "workbench"

    def __init__(self, knowledge: Any, base_url: str, *, web_search: bool | Callable[[], bool] = False,
                 prompts: Any = None, papers: Any = None) -> None:
        self.knowledge, self.base_url, self.prompts, self.papers = knowledge, base_url, prompts, papers
        self._configured = web_search
        self._clients = UserClients(base_url, key_for=lambda key: key)     # one client per key and event loop

    def web_search_configured(self) -> bool:
        flag = self._configured
        return bool(flag() if callable(flag) else flag)

    def tools(self) -> list[OwnTool]:
        """The tools offered now, in order: kb_search, kb_list (when there are knowledge bases), web_search (while
        a search engine is configured), prompt_search, prompt_get (when there is a prompt library), paper_read,
        paper_ask (when there is paper reading)."""
        listed = [kb_search_tool(), kb_list_tool()] if self.knowledge is not None else []
        listed += [web_search_tool()] if self.web_search_configured() else []
        listed += prompt_tools() if self.prompts is not None else []
        return listed + (paper_tools() if self.papers is not None else [])

    async def call(self, name: str, arguments: Mapping[str, Any] | None, caller: OwnCaller) -> ToolResult:
        """Run the tool ``name`` for ``caller``: its answer, or an ``is_error`` result saying why (in the caller's
        language, naming the argument at fault). Never raises for a bad call or a failing model or engine."""
        started = time.perf_counter()
        try:
            tool = next((t for t in self.tools() if t.name == name), None)
            if tool is None and name == "web_search":
                raise WebSearchError("web.not_configured", code="search_not_configured")
            if tool is None:
                raise McpInvalid("mcp_own.no_tool", None, tool=str(name)[:100])
            args = {} if arguments is None else dict(arguments) if isinstance(arguments, Mapping) else arguments
            check_arguments(tool.input_schema, args)          # refuses what is not an object, too
            if name in ("prompt_search", "prompt_get"):
                own = prompt_search if name == "prompt_search" else prompt_get
                text, structured = await own(self.prompts, args, caller)
            elif name in ("paper_read", "paper_ask"):
                own = paper_read if name == "paper_read" else paper_ask
                text, structured = await own(self.papers, args, caller)
            else:
                run = {"kb_search": self._kb_search, "kb_list": self._kb_list, "web_search": self._web_search}[name]
                text, structured = await run(args, caller)
        except WorkbenchError as refused:
            return self._result(name, refused.text(caller.locale), None, started, error=True)
        except openai.APIError:
            log.warning("own tool %s: a model call failed", name, exc_info=True)
            return self._result(name, MESSAGES.render("mcp_own.model_failed", caller.locale, {}), None, started,
                                error=True)
        except Exception:
            log.exception("own tool %s failed", name)
            return self._result(name, MESSAGES.render("mcp_own.failed", caller.locale, {"tool": name}), None,
                                started, error=True)
        return self._result(name, text, structured, started)

    def _result(self, name: str, text: str, structured: Any, started: float, *, error: bool = False) -> ToolResult:
        return ToolResult(server=self.SERVER, tool=str(name)[:100], parts=(TextPart(text=text),),
                          structured=structured, is_error=error,
                          elapsed_ms=(time.perf_counter() - started) * 1000)

    # -- kb_list --------------------------------------------------------------------------------------------------
    async def _kb_list(self, args: dict[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
        visible = await asyncio.to_thread(self.knowledge.bases.list_visible, caller.user_id)
        listed = [{"id": v.kb.id, "name": v.kb.name, "description": _cut(v.kb.description, DESCRIPTION_CHARS),
                   "team": v.team_name, "personal": v.personal, "role": v.role, "documents": v.kb.documents}
                  for v in visible]
        if not listed:
            return MESSAGES.render("mcp_own.no_kbs", caller.locale, {}), {"knowledge_bases": []}
        lines = [MESSAGES.render("mcp_own.kbs_listed", caller.locale, {"count": len(listed)})]
        for kb in listed:
            documents = MESSAGES.render("mcp_own.documents", caller.locale, {"count": kb["documents"]})
            about = f": {_one_line(kb['description'])}" if kb["description"] else ""
            lines.append(f"- {kb['name']} (id {kb['id']}; {kb['team']}; {documents}){about}")
        return "\n".join(lines), {"knowledge_bases": listed}

    # -- kb_search ------------------------------------------------------------------------------------------------
    async def _kb_search(self, args: dict[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
        query = _query(args, "query")
        top_k = int(args.get("top_k", TOP_K))
        kbs = await asyncio.to_thread(self._searched, caller.user_id, args.get("knowledge_base_ids"))
        searched = [{"id": kb.id, "name": kb.name} for kb in kbs]
        if not kbs:
            return MESSAGES.render("mcp_own.no_kbs", caller.locale, {}), {"query": query, "knowledge_bases": [],
                                                                          "hits": []}
        names = {kb.id: kb.name for kb in kbs}
        found = await self.knowledge.search(caller.user_id, list(names), query, top_k,
                                            client=self._clients(caller.key))
        sources = answer.numbered([hit for hit in found if answer.relevant(hit)], names)
        hits = [_hit_json(source, caller.locale) for source in sources]
        said_names = ("、" if language(caller.locale) == "zh" else ", ").join(f"“{n}”" for n in names.values())
        head = "mcp_own.hits" if hits else "mcp_own.no_passage"
        lines = [MESSAGES.render(head, caller.locale, {"names": said_names, "query": _one_line(query, 200)})]
        for hit in hits:
            where = ", ".join(x for x in (hit["document"], hit["pages"]) if x)
            lines.append(f'[{hit["index"]}] {where} ({hit["knowledge_base"]}): "{_one_line(hit["quote"])}"')
        return "\n".join(lines), {"query": query, "knowledge_bases": searched, "hits": hits}

    def _searched(self, user_id: str, kb_ids: Sequence[str] | None) -> list[Any]:
        """The KBs to search: those named (each one the caller may read, else the refusal of a made-up id naming
        its place in the list), or every KB in the caller's list."""
        most = MAX_KBS_PER_QUESTION
        if kb_ids is None:
            kbs = [v.kb for v in self.knowledge.bases.list_visible(user_id)]
            if len(kbs) > most:
                raise McpInvalid("mcp_own.too_many_kbs", "knowledge_base_ids", count=len(kbs), most=most)
            return kbs
        kbs = []
        for index, kb_id in enumerate(kb_ids):
            try:
                [kb] = self.knowledge.readable(user_id, [kb_id])
            except NotFound as missing:
                place = f"knowledge_base_ids[{index}]"
                raise McpInvalid("mcp_own.unknown_kb", place, name=place,
                                 reason=MESSAGES.message(missing.key, **missing.fields)) from None
            if kb.id not in {k.id for k in kbs}:
                kbs.append(kb)
        return kbs

    # -- web_search -----------------------------------------------------------------------------------------------
    async def _web_search(self, args: dict[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
        query = _query(args, "query")
        try:
            found = await search_web(self.base_url, caller.key, query, locale=caller.locale,
                                     count=int(args.get("count", WEB_COUNT)))
        except WebSearchError as failed:
            if failed.key == "web.failed":            # without the engine's own words
                raise WebSearchError("web.failed", code=failed.code, detail="") from None
            raise
        results = [{"index": s["index"], "title": str(s["title"]), "url": str(s["url"]),
                    "snippet": str(s.get("text") or "")} for s in found.sources]
        head = "mcp_own.web_results" if results else "mcp_own.no_web_results"
        lines = [MESSAGES.render(head, caller.locale, {"query": _one_line(query, 200)})]
        for r in results:
            lines.append(f"[{r['index']}] {_one_line(r['title'], 300)}\n{r['url']}"
                         + (f"\n{_one_line(r['snippet'])}" if r["snippet"] else ""))
        return "\n".join(lines), {"query": query, "results": results}


# -- helpers ----------------------------------------------------------------------------------------------------------
def _query(args: Mapping[str, Any], name: str) -> str:
    """The argument ``name`` stripped; refused when only spaces."""
    text = str(args[name]).strip()
    if not text:
        raise McpInvalid("mcp_own.blank", name, name=name)
    return text


def _hit_json(source: answer.Source, locale: str) -> dict[str, Any]:
    last = source.last_page if source.last_page is not None else source.first_page
    return {"index": source.index, "knowledge_base_id": source.kb_id, "knowledge_base": source.kb_name,
            "document_id": source.document_id, "document": source.document, "first_page": source.first_page,
            "last_page": last, "pages": source.pages(locale), "heading": source.heading,
            "score": round(float(source.score), 4), "quote": _cut(source.text.strip(), QUOTE_CHARS)}


def _cut(text: str, most: int) -> str:
    text = text or ""
    return text if len(text) <= most else text[:most].rstrip() + " …"


def _one_line(text: str, most: int | None = None) -> str:
    flat = _SPACES.sub(" ", text or "").strip()
    return flat if most is None else _cut(flat, most)
