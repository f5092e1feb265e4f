"""Paper deep-reading as two of the workbench's own MCP tools: ``paper_read`` and ``paper_ask``.

    text, structured = await paper_read(papers, {"paper": "Attention", "model": "qwen2.5-coder:0.5b"}, caller)
    structured["status"]        # "running": the statements so far and the steps done; call again for the rest
    text, structured = await paper_ask(papers, {"paper": paper_id, "question": "...", "model": ...}, caller)
    structured["evidence"]      # [{page, quote}]: each quote found by code on that page

A paper is named by its id or by a fragment of its title or file name, among the papers the caller may read (their
personal space's and their teams', as on the papers page and ``/papers/v1``): any other id is refused with the very
words of a missing paper. A reading runs on the server (``Papers.start_reading``): the first call starts it, a call
while it runs gives the statements so far, a call once it is done gives it at once. Models are reached by the
service with the caller's own workbench key, metered as theirs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from shared.locale import language
from workbench.documents.normal_form import normal_form
from workbench.messages import MESSAGES
from workbench.papers.ask import MAX_QUESTION
from workbench.papers.errors import PaperNotFound
from workbench.papers.records import Paper

from .errors import McpInvalid
from .own_specs import OwnCaller, OwnTool, object_schema, own_tool, text_schema

MAX_PAPER = 200
MAX_MODEL = 200
LISTED = 5                 # papers named when a fragment matches several

PAPER_READ = (
    "Deep-read a paper of the user's paper library (PDFs they or their teams uploaded to this workbench): the "
    "problem, method, data, results, contributions, limitations and future work, each statement with the page it "
    "is on and a sentence quoted from that page, marked verified when the quote was found there. The reading runs "
    "on the server: while it is running the result has status running, the steps done and the statements so far; "
    "call the tool again later for the rest. A finished reading is returned at once.")
PAPER_ASK = (
    "Ask a question about a paper of the user's paper library. Returns the answer with its evidence: each quote "
    "with the page it was found on. If the paper does not answer the question, found is false: do not answer it "
    "from the paper then.")

_LANG = {"type": "string", "enum": ["zh", "en"],
         "description": "The language to write in: zh (Chinese) or en (English); the user's by default."}
_PAPER = text_schema(MAX_PAPER, "The paper: its id, or words of its title or file name.")
_MODEL = text_schema(MAX_MODEL, "The chat model that reads (a model id of this workbench's /v1/models).")
_STATEMENT = {"type": "object", "required": ["aspect", "point", "page", "quote", "verified"], "properties": {
    "aspect": {"type": "string"}, "point": {"type": "string"}, "page": {"type": "integer"},
    "quote": {"type": "string"}, "verified": {"type": "boolean"}, "note": {"type": ["string", "null"]}}}
_EVIDENCE = {"type": "object", "required": ["page", "quote"], "properties": {
    "page": {"type": "integer"}, "quote": {"type": "string"}}}


def paper_read_tool() -> OwnTool:
    return own_tool("paper_read", PAPER_READ, object_schema({"paper": _PAPER, "model": _MODEL, "lang": _LANG},
                                                            ["paper", "model"]),
                    object_schema({
                        "paper_id": {"type": "string"}, "title": {"type": "string"}, "model": {"type": "string"},
                        "lang": {"type": "string"}, "status": {"type": "string"},
                        "steps": {"type": "object", "properties": {"done": {"type": "integer"},
                                                                   "total": {"type": "integer"}}},
                        "statements": {"type": "array", "items": _STATEMENT},
                        "questions": {"type": "array", "items": _STATEMENT},
                        "verified": {"type": "integer"}, "quotes_found": {"type": "integer"},
                        "quotes_asked": {"type": "integer"}},
                        ["paper_id", "title", "status", "statements"], closed=False), read_only=False)


def paper_ask_tool() -> OwnTool:
    return own_tool("paper_ask", PAPER_ASK, object_schema({
        "paper": _PAPER,
        "question": text_schema(MAX_QUESTION, "The question about the paper, in any language."),
        "model": _MODEL, "lang": _LANG,
        "thread_id": {"type": "string", "minLength": 1, "maxLength": 64,
                      "description": "Continue this earlier thread (thread_id of an earlier answer)."},
    }, ["paper", "question", "model"]), object_schema({
        "paper_id": {"type": "string"}, "title": {"type": "string"}, "question": {"type": "string"},
        "answer": {"type": "string"}, "found": {"type": "boolean"}, "thread_id": {"type": "string"},
        "evidence": {"type": "array", "items": _EVIDENCE}},
        ["paper_id", "answer", "found", "evidence"], closed=False), read_only=False)


def paper_tools() -> list[OwnTool]:
    """The two tools, as listed."""
    return [paper_read_tool(), paper_ask_tool()]


def find_paper(papers: Any, user_id: str, named: str) -> Paper:
    """The paper ``named`` (an id, or a fragment of a title or file name) among those the user may read; a name that
    matches none is the refusal of a missing paper, one that matches several lists them."""
    named = named.strip()
    mine = papers.library.list_for(user_id)
    exact = [p for p in mine if p.id == named]
    if exact:
        return exact[0]
    wanted = normal_form(named).casefold()
    found = [p for p in mine if wanted and (wanted in normal_form(p.title).casefold()
                                            or wanted in normal_form(p.filename).casefold())]
    if not found:
        raise PaperNotFound("paper.not_found", "paper")
    if len(found) > 1:
        names = "; ".join(f"{p.title} (id {p.id})" for p in found[:LISTED])
        raise McpInvalid("mcp_own.papers_ambiguous", "paper", name=named[:100], count=len(found), papers=names)
    return found[0]


def _lang(args: Mapping[str, Any], caller: OwnCaller) -> str:
    return str(args.get("lang") or language(caller.locale))


async def paper_read(papers: Any, args: Mapping[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
    """The reading of the paper by the model in the language: started, going on (the statements so far) or done."""
    lang, model = _lang(args, caller), str(args["model"]).strip()

    def read() -> tuple[Paper, Any]:
        paper = find_paper(papers, caller.user_id, str(args["paper"]))
        return paper, papers.start_reading(caller.user_id, paper.id, model=model, lang=lang)
    paper, stored = await asyncio.to_thread(read)
    reading = stored.reading
    structured = {"paper_id": paper.id, "title": paper.title, "model": model, "lang": lang, "status": stored.status,
                  "steps": {"done": stored.steps_done, "total": stored.steps_total},
                  "statements": [_statement(s) for s in reading.statements],
                  "questions": [_statement(s) for s in reading.questions], "verified": reading.verified,
                  "quotes_found": reading.quotes_found, "quotes_asked": reading.quotes_asked}
    fields = {"title": paper.title, "done": stored.steps_done, "total": stored.steps_total or "?",
              "count": len(reading.statements), "verified": reading.verified, "shown": reading.shown}
    head = "mcp_own.reading_done" if stored.status == "done" else "mcp_own.reading_running"
    lines = [MESSAGES.render(head, caller.locale, fields)]
    lines += [f"- [{s.aspect}] {s.point} (p. {s.page}{'' if s.verified else ', ' + _unverified(caller)}): "
              f"“{s.quote}”" for s in reading.statements]
    lines += [f"- ? {s.point} (p. {s.page})" for s in reading.questions]
    return "\n".join(lines), structured


async def paper_ask(papers: Any, args: Mapping[str, Any], caller: OwnCaller) -> tuple[str, dict[str, Any]]:
    """The answer to a question about the paper with its evidence, or that the paper does not seem to answer it."""
    lang, model = _lang(args, caller), str(args["model"]).strip()
    paper = await asyncio.to_thread(find_paper, papers, caller.user_id, str(args["paper"]))
    asked = await papers.ask(caller.user_id, paper.id, str(args["question"]), model=model, lang=lang,
                             thread_id=args.get("thread_id"))
    answer = asked.answer
    text = answer.text if answer.found else MESSAGES.render("paper.md.not_found", caller.locale,
                                                            {"searched": answer.searched})
    evidence = [{"page": q.page, "quote": q.text} for q in answer.evidence]
    structured = {"paper_id": paper.id, "title": paper.title, "question": asked.question, "answer": text,
                  "found": answer.found, "thread_id": asked.thread_id, "evidence": evidence}
    lines = [text, "", MESSAGES.render("mcp_own.evidence", caller.locale, {"title": paper.title})] if evidence \
        else [text]
    lines += [f"[{i}] p. {q['page']}: “{q['quote']}”" for i, q in enumerate(evidence, 1)]
    return "\n".join(lines), structured


def _statement(statement: Any) -> dict[str, Any]:
    return {"aspect": statement.aspect, "point": statement.point, "page": statement.page, "quote": statement.quote,
            "verified": statement.verified, "note": statement.note or None}


def _unverified(caller: OwnCaller) -> str:
    return MESSAGES.render("mcp_own.unverified", caller.locale, {})
