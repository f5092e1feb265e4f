"""API docs: how to call this gateway, with examples built for the signed-in viewer, and model release notes.

Rendered per viewer on page load: the base URL as the browser reached us (``MAAS_PUBLIC_URL`` wins),
the models the viewer's keys allow (admins: the whole catalogue; no key yet: the catalogue's first
model of each kind, with a note that a key is needed), and code examples (curl, the Python
``openai`` SDK, LangChain) for every route, made by the pure functions below (the web search routes':
``app.docs_search``, which also says whether search is configured here; the shared pieces:
``app.snippets``) so they can be tested (the Python compiles, the curl bodies are JSON).

The knowledge-base API (``/kb/v1``) is shown from its reference, docs/kb-api.md (docs/kb-api.zh.md on the
Chinese page), read when the page is made, with the example address replaced by this server's; so are the prompt
library's (docs/prompts-api.md) and paper reading's (docs/papers-api.md). The MCP endpoints
(``/mcp/v1``): their section, its client configurations and agent example, is ``app.docs.mcp``.

Release notes are listed for everyone; adding or deleting one is for admins, checked in each
handler (``admin_only``) and again by ``Console`` (which writes the audit log). Note text is
escaped: a title with markup shows as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

from app.docs.mcp import McpDocs, agent_source, build_section
from app.docs.search import SEARCH_ENDPOINTS, SEARCH_SNIPPETS, search_examples, search_status
from app.docs.snippets import EXAMPLE_CREATED, curl
from app.docs.snippets import chat_model as _chat_model
from app.docs.snippets import openai_client as _client
from app.docs.snippets import py as _py
from app.docs.snippets import py_block as _py_block
from app.home.page import base_url_for, format_context
from app.shell import tables
from app.shell.access import WITH_LANG_JS, admin_only, locale_of, signed_in
from app.shell.forms import Form, focus_first_bad, refuse
from app.shell.i18n import model_description, translate
from app.shell.views import keyed, shown
from gateway.accounts.console import Actor, Console
from gateway.inference import shapes
from gateway.routing.catalogue import Catalogue
from gateway.routing.release_notes import CHANGES, MAX_TITLE
from gateway.settings import Settings

KINDS = ("chat", "embedding", "rerank")
PLACEHOLDER = {"chat": "your-chat-model", "embedding": "your-embedding-model", "rerank": "your-rerank-model"}
# a base URL we put into copy-and-paste shell commands: scheme, host[:port], plain path characters only
SAFE_URL = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# (endpoint, its snippets): the tabs of the endpoints section, in order; "response" is what comes back
ENDPOINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("models", ("curl", "python", "response")),
    ("chat", ("curl", "python", "langchain", "response")),
    ("stream", ("curl", "python", "langchain", "response")),
    ("thinking", ("curl", "python", "langchain", "response")),
    ("embeddings", ("curl", "python", "langchain", "response")),
    ("rerank", ("curl", "python", "langchain", "response")),
    *SEARCH_SNIPPETS,                 # web_search, ai_search (app/docs_search.py)
    ("health", ("curl", "python", "response")),
)
SNIPPETS = tuple(f"{endpoint}.{variant}" for endpoint, variants in ENDPOINTS for variant in variants)
PLAIN_RESPONSES = ("stream.response", "health.response")     # server-sent events / several responses
ADMIN_SNIPPETS = ("admin.curl", "admin.python")
TOOLS = ("openwebui", "dify", "ragflow")
# the routes of the admin HTTP API: method, path, parameters (body fields or query), description key
ADMIN_ROUTES = (
    ("GET", "/admin/v1/users", "", "users_list"),
    ("POST", "/admin/v1/users", "username, password?, role?, email?, organisation?, display_name?", "users_create"),
    ("PATCH", "/admin/v1/users/{id}", "role?, disabled?, password?", "users_update"),
    ("GET", "/admin/v1/keys", "?user_id=", "keys_list"),
    ("POST", "/admin/v1/keys", "user_id, name, models?, rpm?, tpm?, quota_tokens?, quota_period?, expires_at?",
     "keys_create"),
    ("POST", "/admin/v1/keys/{id}/revoke", "", "keys_revoke"),
    ("GET", "/admin/v1/applications", "?status=pending|approved|rejected", "apps_list"),
    ("POST", "/admin/v1/applications/{id}/approve", "models?, rpm?, tpm?, quota_tokens?, quota_period?, expires_at?",
     "apps_approve"),
    ("POST", "/admin/v1/applications/{id}/reject", "reason", "apps_reject"),
    ("GET", "/admin/v1/usage", "?since=YYYY-MM-DD&until=YYYY-MM-DD&format=csv", "usage"),
    ("GET", "/admin/v1/audit", "?limit=100&offset=0", "audit"),
)
# the knowledge-base API's reference (Markdown, per locale) and the server address its examples are written for
KB_REFERENCE = {"en": "kb-api.md", "zh": "kb-api.zh.md"}
PROMPTS_REFERENCE = {"en": "prompts-api.md", "zh": "prompts-api.zh.md"}
PAPERS_REFERENCE = {"en": "papers-api.md", "zh": "papers-api.zh.md"}
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
KB_EXAMPLE_ORIGIN = "http://127.0.0.1:7860"
FENCE = re.compile(r"^\s*(```|~~~)")
NOTES_CSS = tables.CSS + """
.b-added { background: #dcfce7; color: #166534; }
.b-updated { background: #dbeafe; color: #1e40af; }
.b-retired { background: #fee2e2; color: #991b1b; }
.details { white-space: pre-wrap; }
"""
# static examples for the basics (JSON: kept out of the translated strings, which may hold no braces)
ERROR_EXAMPLE = json.dumps({"error": {
    "message": "Rate limit reached for key 'lab-key': 60 requests per minute. Try again in 3 s.",
    "type": "rate_limit_error", "param": None, "code": "rate_limit_exceeded"}}, indent=2)
THINKING_EXAMPLE = json.dumps({"thinking": {"type": "enabled", "budget_tokens": 1024}}, indent=2)


# ---------------------------------------------------------------- which models, which URL


def api_base(request: gr.Request | None, public_url: str | None, fallback: str) -> str:
    """``http(s)://host[/prefix]/v1`` for the examples: MAAS_PUBLIC_URL, else as the browser reached us.

    Anything that is not a plain URL (a forged Host header) gives way to ``fallback``, since the
    examples are shell commands a user pastes."""
    url = base_url_for(request, f"{public_url.rstrip('/')}/v1" if public_url else "/v1")
    return url if SAFE_URL.fullmatch(url) else fallback


def origin_of(base_url: str) -> str:
    """The server's root from the API base URL (the health and admin routes live there)."""
    return base_url[: -len("/v1")] if base_url.endswith("/v1") else base_url


def viewer_models(models: Iterable[Any], keys: Iterable[Any], actor: Actor) -> tuple[list[Any], str]:
    """(models, state): what the viewer may call. state: ``admin``, ``keys`` or ``no_key``.

    A member may use the union of the models of their active API keys (a key without a list allows
    every model); the workbench's own key does not count, as its secret is never shown."""
    every = list(models)
    if actor.is_admin:
        return every, "admin"
    active = [k for k in keys if k.purpose != "workbench" and k.state() == "active"]
    if not active:
        return [], "no_key"
    if any(k.models is None for k in active):
        return every, "keys"
    allowed = {m for k in active for m in k.models}
    return [m for m in every if m.id in allowed], "keys"


def example_models(mine: Sequence[Any], catalogue: Iterable[Any], state: str) -> dict[str, str]:
    """The model id to show for each kind: the viewer's first; with no key, the catalogue's first;
    a placeholder where there is none."""
    pool = list(catalogue) if state == "no_key" else list(mine)
    picks = dict(PLACEHOLDER)
    for kind in KINDS:
        for model in pool:
            if model.kind == kind:
                picks[kind] = model.id
                break
    return picks


# ---------------------------------------------------------------- code examples (pure)


CHAT_MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
                 {"role": "user", "content": "Hello! Who are you?"}]
STREAM_PROMPT = "Write a haiku about the sea."
THINK_PROMPT = "Is 1001 a prime number?"
TEXTS = ["The quick brown fox", "敏捷的棕色狐狸"]
QUERY = "How do I reset my password?"
DOCUMENTS = ["Open Settings, then Security, then Reset password.", "Our office is open 9 to 5.",
             "Passwords need at least 12 characters."]
THINKING = {"type": "enabled", "budget_tokens": 1024}


def _models_examples(base: str, picks: Mapping[str, str], cards: list[dict[str, Any]]) -> dict[str, str]:
    return {
        "models.curl": curl(f"{base}/models") + "\n# one model\n" + curl(f"{base}/models/{picks['chat']}"),
        "models.python": (
            f"{_client(base)}for model in client.models.list():\n"
            '    print(model.id, getattr(model, "kind", ""), getattr(model, "capabilities", ""))\n\n'
            f"model = client.models.retrieve({_py(picks['chat'])})\nprint(model)\n"),
        "models.response": json.dumps({"object": "list", "data": cards}, indent=2, ensure_ascii=False),
    }


def _chat_examples(base: str, chat: str) -> dict[str, str]:
    messages = "".join(f"        {_py(m)},\n" for m in CHAT_MESSAGES)
    usage = {"prompt_tokens": 24, "completion_tokens": 12, "total_tokens": 36}
    return {
        "chat.curl": curl(f"{base}/chat/completions",
                          {"model": chat, "messages": CHAT_MESSAGES, "temperature": 0.7, "max_tokens": 256}),
        "chat.python": (
            f"{_client(base)}response = client.chat.completions.create(\n    model={_py(chat)},\n"
            f"    messages=[\n{messages}    ],\n    temperature=0.7,\n    max_tokens=256,\n)\n"
            "print(response.choices[0].message.content)\n"
            "print(response.usage)  # prompt_tokens, completion_tokens, total_tokens\n"),
        "chat.langchain": (
            _chat_model(base, chat, "    temperature=0.7,\n    max_tokens=256,\n")
            + f"\nreply = llm.invoke([\n    ({_py('system')}, {_py(CHAT_MESSAGES[0]['content'])}),\n"
            f"    ({_py('user')}, {_py(CHAT_MESSAGES[1]['content'])}),\n])\n"
            "print(reply.content)\nprint(reply.usage_metadata)  # input_tokens, output_tokens, total_tokens\n"),
        "chat.response": json.dumps({
            "id": "chatcmpl-5f1c2e", "object": "chat.completion", "created": EXAMPLE_CREATED, "model": chat,
            "choices": [{"index": 0, "message": {"role": "assistant",
                                                 "content": "Hello! I am an AI assistant. How can I help?"},
                         "finish_reason": "stop"}],
            "usage": usage}, indent=2, ensure_ascii=False),
    }


def _sse(chat: str, delta: dict[str, Any] | None, finish: str | None = None, usage: dict | None = None) -> str:
    chunk: dict[str, Any] = {"id": "chatcmpl-5f1c2e", "object": "chat.completion.chunk", "created": EXAMPLE_CREATED,
                             "model": chat, "choices": [] if delta is None else
                             [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage is not None:
        chunk["usage"] = usage
    return "data: " + json.dumps(chunk, ensure_ascii=False, separators=(",", ":")) + "\n\n"


def _stream_examples(base: str, chat: str) -> dict[str, str]:
    body = {"model": chat, "messages": [{"role": "user", "content": STREAM_PROMPT}], "stream": True,
            "stream_options": {"include_usage": True}}
    return {
        "stream.curl": curl(f"{base}/chat/completions", body, stream=True),
        "stream.python": (
            f"{_client(base)}stream = client.chat.completions.create(\n    model={_py(chat)},\n"
            f'    messages=[{{"role": "user", "content": {_py(STREAM_PROMPT)}}}],\n    stream=True,\n'
            '    stream_options={"include_usage": True},\n)\n'
            "for chunk in stream:\n"
            "    if chunk.choices:\n"
            "        delta = chunk.choices[0].delta\n"
            '        reasoning = getattr(delta, "reasoning_content", None)  # only when the model thinks\n'
            "        if reasoning:\n"
            '            print(reasoning, end="", flush=True)\n'
            "        if delta.content:\n"
            '            print(delta.content, end="", flush=True)\n'
            "    if chunk.usage:  # the last chunk: no choices, the usage of the whole request\n"
            '        print("\\n", chunk.usage)\n'),
        "stream.langchain": (
            _chat_model(base, chat, "    stream_usage=True,\n")
            + f"\nlast = None\nfor chunk in llm.stream({_py(STREAM_PROMPT)}):\n"
            '    print(chunk.content, end="", flush=True)\n'
            "    last = chunk if last is None else last + chunk\n"
            'print("\\n", last.usage_metadata)\n'),
        "stream.response": (
            _sse(chat, {"role": "assistant", "content": ""}) + _sse(chat, {"content": "Waves fold into foam"})
            + _sse(chat, {"content": " ..."}) + _sse(chat, {}, "stop")
            + _sse(chat, None, usage={"prompt_tokens": 15, "completion_tokens": 17, "total_tokens": 32})
            + "data: [DONE]\n"),
    }


def _thinking_examples(base: str, chat: str) -> dict[str, str]:
    body = {"model": chat, "messages": [{"role": "user", "content": THINK_PROMPT}], "thinking": THINKING}
    return {
        "thinking.curl": curl(f"{base}/chat/completions", body),
        "thinking.python": (
            f"{_client(base)}response = client.chat.completions.create(\n    model={_py(chat)},\n"
            f'    messages=[{{"role": "user", "content": {_py(THINK_PROMPT)}}}],\n'
            f'    extra_body={{"thinking": {_py(THINKING)}}},  # not an openai SDK argument: sent as is\n)\n'
            "message = response.choices[0].message\n"
            'print("thinking:", getattr(message, "reasoning_content", None))\n'
            'print("answer:", message.content)\n'
            "print(response.usage.completion_tokens_details)  # reasoning_tokens\n"),
        "thinking.langchain": (
            _chat_model(base, chat, f'    extra_body={{"thinking": {_py(THINKING)}}},\n')
            + f"\nreply = llm.invoke({_py(THINK_PROMPT)})\n"
            "print(reply.content)  # the answer; ChatOpenAI does not keep reasoning_content (the openai SDK does)\n"),
        "thinking.response": json.dumps({
            "id": "chatcmpl-7a93d0", "object": "chat.completion", "created": EXAMPLE_CREATED, "model": chat,
            "choices": [{"index": 0, "message": {
                "role": "assistant", "content": "No: 1001 = 7 × 11 × 13.",
                "reasoning_content": "1001 / 7 = 143, and 143 = 11 × 13, so 1001 has divisors other than 1 and "
                                     "itself."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 52, "completion_tokens": 96, "total_tokens": 148,
                      "completion_tokens_details": {"reasoning_tokens": 71}}}, indent=2, ensure_ascii=False),
    }


def _vector_examples(base: str, emb: str, rerank: str) -> dict[str, str]:
    rr_body = {"model": rerank, "query": QUERY, "documents": DOCUMENTS, "top_n": 2}
    docs = "".join(f"    Document(page_content={_py(d)}),\n" for d in DOCUMENTS)
    return {
        "embeddings.curl": curl(f"{base}/embeddings", {"model": emb, "input": TEXTS}),
        "embeddings.python": (
            f"{_client(base)}result = client.embeddings.create(\n    model={_py(emb)},\n    input={_py(TEXTS)},\n)\n"
            "vectors = [item.embedding for item in result.data]\n"
            "print(len(vectors), len(vectors[0]), result.usage)\n"),
        "embeddings.langchain": (
            "import os\n\nfrom langchain_openai import OpenAIEmbeddings\n\n"
            f"embeddings = OpenAIEmbeddings(\n    base_url={_py(base)},\n"
            f'    api_key=os.environ["MAAS_API_KEY"],\n    model={_py(emb)},\n'
            "    check_embedding_ctx_length=False,  # send the text itself, not OpenAI token ids\n)\n"
            f"vectors = embeddings.embed_documents({_py(TEXTS)})\n"
            f"query_vector = embeddings.embed_query({_py(QUERY)})\n"
            "print(len(vectors), len(query_vector))\n"),
        "embeddings.response": json.dumps({
            "object": "list", "model": emb,
            "data": [{"object": "embedding", "index": 0, "embedding": [0.0132, -0.0481, 0.0275]},
                     {"object": "embedding", "index": 1, "embedding": [0.0127, -0.0455, 0.0301]}],
            "usage": {"prompt_tokens": 10, "total_tokens": 10}}, indent=2, ensure_ascii=False),
        "rerank.curl": curl(f"{base}/rerank", rr_body),
        "rerank.python": (
            f"{_client(base)}# the openai SDK has no rerank method: its generic post() sends the request\n"
            f'result = client.post("/rerank", body={_py_block(rr_body)}, cast_to=object)\n'
            'for hit in result["results"]:\n'
            '    print(hit["index"], round(hit["relevance_score"], 3), hit["document"]["text"])\n'),
        "rerank.langchain": (
            "import os\nfrom collections.abc import Sequence\n\nimport httpx\n"
            "from langchain_core.callbacks import Callbacks\n"
            "from langchain_core.documents import BaseDocumentCompressor, Document\n\n\n"
            "class GatewayRerank(BaseDocumentCompressor):\n"
            '    """Reorders documents with the gateway\'s /rerank (e.g. in a ContextualCompressionRetriever)."""\n\n'
            f"    model: str = {_py(rerank)}\n    top_n: int = 3\n\n"
            "    def compress_documents(self, documents: Sequence[Document], query: str,\n"
            "                           callbacks: Callbacks = None) -> Sequence[Document]:\n"
            "        if not documents:\n            return []\n"
            "        response = httpx.post(\n"
            f"            {_py(base + '/rerank')},\n"
            '            headers={"Authorization": "Bearer " + os.environ["MAAS_API_KEY"]},\n'
            '            json={"model": self.model, "query": query, "top_n": self.top_n,\n'
            '                  "documents": [d.page_content for d in documents]},\n'
            "            timeout=60,\n        )\n        response.raise_for_status()\n"
            "        return [Document(page_content=documents[hit[\"index\"]].page_content,\n"
            "                         metadata={**documents[hit[\"index\"]].metadata,\n"
            "                                   \"relevance_score\": hit[\"relevance_score\"]})\n"
            "                for hit in response.json()[\"results\"]]\n\n\n"
            f"documents = [\n{docs}]\n"
            f"for doc in GatewayRerank().compress_documents(documents, {_py(QUERY)}):\n"
            '    print(round(doc.metadata["relevance_score"], 3), doc.page_content)\n'),
        "rerank.response": json.dumps({
            "id": "rerank-8c41f2", "model": rerank,
            "results": [{"index": 0, "relevance_score": 0.8731, "document": {"text": DOCUMENTS[0]}},
                        {"index": 2, "relevance_score": 0.4127, "document": {"text": DOCUMENTS[2]}}],
            "usage": {"prompt_tokens": 33, "total_tokens": 33}}, indent=2, ensure_ascii=False),
    }


def _health_examples(base: str, chat_card: dict[str, Any]) -> dict[str, str]:
    root = origin_of(base)
    status = {"models": [{
        "id": chat_card["id"], "kind": chat_card["kind"], "description": chat_card["description"],
        "capabilities": chat_card["capabilities"], "quirks": {"merge_system_into_user": False},
        "deployments": [{"name": "gpu-node-1", "backend": "openai", "state": "healthy", "latency_ms": 12.4,
                         "last_error": None, "in_flight": 1, "checked_at": float(EXAMPLE_CREATED)}]}]}
    return {
        "health.curl": ("# alive? (no key needed)\n" + curl(f"{root}/health", auth=False)
                        + "\n# ready? 200 once a model deployment is healthy, else 503 (no key needed)\n"
                        + curl(f"{root}/health/ready", auth=False)
                        + "\n# every model and deployment with its state (any valid key)\n"
                        + curl(f"{root}/health/models")),
        "health.python": (
            f"import os\n\nimport httpx\n\nroot = {_py(root)}\n\n"
            'print(httpx.get(root + "/health").json())\n'
            'ready = httpx.get(root + "/health/ready")\nprint(ready.status_code, ready.json())\n'
            'headers = {"Authorization": "Bearer " + os.environ["MAAS_API_KEY"]}\n'
            'for model in httpx.get(root + "/health/models", headers=headers).json()["models"]:\n'
            '    print(model["id"], [(d["name"], d["state"]) for d in model["deployments"]])\n'),
        "health.response": (
            'GET /health          200  {"status": "ok"}\n'
            'GET /health/ready    200  {"status": "ready"}   or   503  {"status": "not ready"}\n'
            "GET /health/models   200\n" + json.dumps(status, indent=2, ensure_ascii=False) + "\n"),
    }


def api_examples(base_url: str, picks: Mapping[str, str], cards: list[dict[str, Any]]) -> dict[str, str]:
    """Every snippet of the endpoints section (keys: ``SNIPPETS``) for ``base_url`` (ending in /v1).

    ``picks`` is the model id per kind; ``cards`` the models as GET /v1/models lists them."""
    chat_card = next((c for c in cards if c["id"] == picks["chat"]), None) or {
        "id": picks["chat"], "kind": "chat", "description": "",
        "capabilities": {"reasoning": False, "tools": False, "context_length": 8192}}
    out = {**_models_examples(base_url, picks, cards), **_chat_examples(base_url, picks["chat"]),
           **_stream_examples(base_url, picks["chat"]), **_thinking_examples(base_url, picks["chat"]),
           **_vector_examples(base_url, picks["embedding"], picks["rerank"]),
           **search_examples(base_url, picks["chat"]), **_health_examples(base_url, chat_card)}
    return {key: out[key] for key in SNIPPETS}


def admin_examples(base_url: str, picks: Mapping[str, str], today: date) -> dict[str, str]:
    """curl and Python (httpx) examples of the admin HTTP API (keys: ``ADMIN_SNIPPETS``).

    Dates follow ``today``: the usage of last month, keys that expire at the end of next year."""
    root = f"{origin_of(base_url)}/admin/v1"
    user, app = "usr_0123456789abcdef", "app_0123456789abcdef"
    month_end = today.replace(day=1) - timedelta(days=1)
    since, until = month_end.replace(day=1).isoformat(), month_end.isoformat()
    new_user = {"username": "alice", "password": "Change-me-2026", "role": "member", "email": "alice@example.org"}
    new_key = {"user_id": user, "name": "alice-notebook", "models": [picks["chat"], picks["embedding"]], "rpm": 60,
               "tpm": 100000, "quota_tokens": 1000000, "quota_period": "month",
               "expires_at": f"{today.year + 1}-12-31T23:59:59Z"}
    approve = {"models": [picks["chat"]], "rpm": 60, "quota_tokens": 1000000, "quota_period": "month"}
    reject = {"reason": "Please name the project this key is for."}
    k = {"key_var": "MAAS_ADMIN_KEY"}
    shell = "\n".join([
        "# ids (usr_..., key_..., app_...) come from the lists", "# users",
        curl(f"{root}/users", **k), curl(f"{root}/users", new_user, **k),
        curl(f"{root}/users/{user}", {"disabled": True}, method="PATCH", **k),
        "# keys (the secret is in the answer to POST, once)", curl(f"{root}/keys?user_id={user}", **k),
        curl(f"{root}/keys", new_key, **k), curl(f"{root}/keys/key_0123456789abcdef/revoke", method="POST", **k),
        "# key applications", curl(f"{root}/applications?status=pending", **k),
        curl(f"{root}/applications/{app}/approve", approve, **k),
        curl(f"{root}/applications/{app}/reject", reject, **k),
        "# usage (JSON, or tokens per day as CSV) and the audit log",
        curl(f"{root}/usage?since={since}&until={until}", **k).rstrip("\n") + " \\\n  -o usage.json\n",
        curl(f"{root}/usage?since={since}&until={until}&format=csv", **k).rstrip("\n") + " \\\n  -o usage.csv\n",
        curl(f"{root}/audit?limit=50&offset=0", **k)])
    python = (
        f"import os\n\nimport httpx\n\nadmin = httpx.Client(\n    base_url={_py(root)},\n"
        '    headers={"Authorization": "Bearer " + os.environ["MAAS_ADMIN_KEY"]},\n    timeout=30,\n)\n\n'
        "# a user (created unless there already is one of that name)\n"
        'users = {u["username"]: u for u in admin.get("/users").json()["data"]}\n'
        f"new_user = {_py_block(new_user)}\n"
        'user = users.get("alice") or admin.post("/users", json=new_user).raise_for_status().json()\n\n'
        "# a key for that user: the secret is in this answer only\n"
        'answer = admin.post("/keys", json=' + _py_block(new_key).replace(_py(user), 'user["id"]') + ")\n"
        'answer.raise_for_status()  # an error answers {"error": {"message": ..., "param": ...}}\n'
        'print(answer.json()["id"], answer.json()["secret"])\n\n'
        "# key applications waiting for a decision; approve one by its id, with limits\n"
        'for app in admin.get("/applications", params={"status": "pending"}).json()["data"]:\n'
        '    print(app["id"], app["name"], app["models"], app["purpose"])\n'
        f"app_id = {_py(app)}  # one of the ids above\n"
        f'admin.post(f"/applications/{{app_id}}/approve", json={_py_block(approve)}).raise_for_status()\n\n'
        "# last month's tokens per day, as CSV\n"
        f'print(admin.get("/usage", params={{"since": {_py(since)}, "until": {_py(until)}, "format": "csv"}}).text)\n')
    return {"admin.curl": shell, "admin.python": python}


# ---------------------------------------------------------------- rendered text (pure)


def capabilities_text(model: Any, locale: str) -> str:
    caps = model.capabilities
    parts = [translate("cap.context", locale, size=format_context(caps.context_length))]
    parts += [translate(f"cap.{name}", locale) for name in ("tools", "reasoning") if getattr(caps, name)]
    return " · ".join(parts)


def models_html(models: Sequence[Any], locale: str) -> str:
    rows = [[f"<code>{tables.esc(m.id)}</code>", tables.esc(translate(f"kind.{m.kind}", locale)),
             tables.esc(capabilities_text(m, locale)),
             tables.esc(model_description(m.id, m.description, locale) or "—")] for m in models]
    heads = [translate(f"docs.col_{c}", locale) for c in ("model", "kind", "capabilities", "description")]
    return tables.table(heads, rows, translate("docs.no_models", locale), raw_columns=range(4),
                        row_ids=[m.id for m in models])


def models_notice(state: str, mine: Sequence[Any], locale: str) -> str:
    if state == "admin":
        return translate("docs.models_admin", locale)
    if state == "no_key":
        return translate("docs.models_no_key", locale)
    missing = [translate(f"kind.{kind}", locale) for kind in KINDS if not any(m.kind == kind for m in mine)]
    note = translate("docs.models_keys", locale, count=len(mine))
    return note + ("\n\n" + translate("docs.models_missing", locale, kinds=", ".join(missing)) if missing else "")


def tool_guides(base_url: str, picks: Mapping[str, str], locale: str) -> dict[str, str]:
    """How Open WebUI, Dify and RAGFlow connect, with this server's URL and the viewer's model ids."""
    fields = {"base": base_url, "rerank_url": f"{base_url}/rerank", **picks}
    return {tool: translate(f"docs.tool_{tool}", locale, **fields) for tool in TOOLS}


def admin_routes_html(locale: str) -> str:
    rows = [[f"<code>{tables.esc(method)}</code>", f"<code>{tables.esc(path)}</code>",
             f"<code>{tables.esc(params)}</code>" if params else "—",
             tables.esc(translate(f"docs.admin_{key}", locale))] for method, path, params, key in ADMIN_ROUTES]
    heads = [translate(f"docs.col_{c}", locale) for c in ("method", "path", "params", "does")]
    return tables.table(heads, rows, "", raw_columns=range(4))


def notes_html(notes: Sequence[Any], locale: str) -> str:
    """Release notes, as given (newest first); every text escaped (shown as typed, never as markup)."""
    rows = []
    for note in notes:
        details = f'<div class="muted details">{tables.esc(note.body)}</div>' if note.body else ""
        rows.append([tables.esc(note.day.isoformat()),
                     tables.badge(translate(f"docs.change_{note.change}", locale), note.change),
                     f"<code>{tables.esc(note.model_id)}</code>",
                     f"<strong>{tables.esc(note.title)}</strong>{details}"])
    heads = [translate(f"docs.col_{c}", locale) for c in ("day", "change", "model", "note")]
    return tables.table(heads, rows, translate("docs.no_notes", locale), raw_columns=range(4),
                        row_ids=[n.id for n in notes])


def kb_references(folder: Path = DOCS_DIR, names: dict[str, str] = KB_REFERENCE) -> dict[str, str]:
    """An API reference by locale (the knowledge bases', or ``PROMPTS_REFERENCE``): the English one where a
    translation is missing, "" where neither file is there (an install without the docs folder)."""
    texts = {}
    for locale, name in names.items():
        path = folder / name
        texts[locale] = path.read_text(encoding="utf-8") if path.is_file() else ""
    return {locale: text or texts["en"] for locale, text in texts.items()}


def kb_api_markdown(text: str, origin: str) -> str:
    """The reference as the page shows it: its title left out (the section's heading says it), headings
    one level down (under the page's ``##`` sections), the example server address replaced by ``origin``."""
    lines, fenced = [], False
    for line in text.replace(KB_EXAMPLE_ORIGIN, origin.rstrip("/")).splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            if line.startswith("# "):
                continue
            line = "#" + line
        lines.append(line)
    return "\n".join(lines).strip() + "\n"


def note_choices(notes: Sequence[Any]) -> list[tuple[str, str]]:
    return [(f"{n.day.isoformat()} · {n.model_id} · {n.title}", n.id) for n in notes]


def parse_day(text: str | None, locale: str) -> date | None:
    """``YYYY-MM-DD`` or empty (today); anything else is a readable error naming the field."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise refuse("day", "docs.err_day", locale, value=text) from None


# ---------------------------------------------------------------- the page


def _code(label: Any, language: str | None, value: str | None = None) -> gr.Code:
    return gr.Code(value, label=label, language=language, interactive=False, buttons=["copy"],
                   show_line_numbers=False, wrap_lines=True, max_lines=40)


def _snippet_tabs(i18n: gr.I18n, endpoint: str, variants: Sequence[str]) -> list[gr.Code]:
    labels = {"curl": i18n("home.curl"), "python": i18n("home.python" if endpoint != "health" else "docs.httpx"),
              "langchain": i18n("docs.langchain"), "httpx": i18n("docs.httpx"), "response": i18n("docs.response")}
    codes = []
    with gr.Tabs():
        for variant in variants:
            key = f"{endpoint}.{variant}"
            language = {"curl": "shell", "response": None if key in PLAIN_RESPONSES else "json"}.get(variant, "python")
            with gr.Tab(labels[variant]):
                codes.append(_code(labels[variant], language))
    return codes


# the release-notes forms' outputs by name (the layout wires the components in this order)
ADD_NOTE = Form(("notice", "notes", "pick", "change", "model", "title", "body", "day"),
                fields={"change": None, "model": "docs.f_model_info", "title": None, "body": None,
                        "day": "docs.f_day_info"}, aliases={"model_id": "model"})
DELETE_NOTE = Form(("notice", "notes", "pick"), fields={"pick": None}, aliases={"id": "pick"})


class DocsServices(Protocol):
    """What the API docs page uses of the gateway (``gateway.service.Gateway``)."""

    console: Console                    # who asks, their keys, the release notes (written through it, audited)
    catalogue: Catalogue                # the models and the search block: an admin's edit swaps it, live
    settings: Settings                  # MAAS_PUBLIC_URL and the base URL
    started_at: int                     # the models' ``created`` in GET /v1/models


@dataclass
class DocsView(McpDocs):
    """The page for its viewer: the examples with their models and this server's address, the notes (and the MCP
    section's fields: ``McpDocs``)."""

    base_url: str
    base_md: str
    models_md: str                      # which models the examples use, and why
    models_html: str
    snippets: dict[str, str] = keyed((*SNIPPETS, *ADMIN_SNIPPETS))     # the code examples, by endpoint.variant
    status: dict[str, str] = keyed(SEARCH_ENDPOINTS)                    # is web search configured here?
    tool: dict[str, str] = keyed(TOOLS)                                 # Open WebUI, Dify, RAGFlow
    kb_md: str
    kb_api: str                         # docs/kb-api.md with this server's address
    prompts_md: str
    prompts_api: str                    # docs/prompts-api.md with this server's address
    papers_md: str
    papers_api: str                     # docs/papers-api.md with this server's address
    admin_md: str
    admin_routes: str
    notes: str                          # the release notes
    admin_box: Any                      # the note form, for admins
    note_change: Any
    note_model: Any
    note_pick: Any


class DocsPage:
    """The API docs page over ``services``; docs/kb-api.md is read once, here."""

    def __init__(self, services: DocsServices) -> None:
        self.services = services
        self.kb_texts = kb_references()
        self.prompts_texts = kb_references(names=PROMPTS_REFERENCE)
        self.papers_texts = kb_references(names=PAPERS_REFERENCE)
        self.mcp_agent = agent_source()

    def refresh(self, lang: str, request: gr.Request) -> DocsView:
        locale = locale_of(lang, request)
        console = self.services.console
        actor = signed_in(console, request, locale)
        catalogue, settings = self.services.catalogue, self.services.settings     # an admin's edit swaps both, live
        every = list(catalogue.models.values())
        mine, state = viewer_models(every, [] if actor.is_admin else console.my_keys(actor), actor)
        shown = every if state == "no_key" else mine
        picks = example_models(mine, every, state)
        base = api_base(request, settings.public_url, f"{settings.base_url}/v1")
        cards = [shapes.model_card(m, self.services.started_at) for m in shown]
        notes = console.release_notes.list()
        kb_text = self.kb_texts.get(locale)
        return DocsView(
            base_url=base,
            base_md=translate("docs.base_md", locale, base=base, origin=origin_of(base)),
            models_md=models_notice(state, mine, locale),
            models_html=models_html(shown, locale),
            snippets={**api_examples(base, picks, cards), **admin_examples(base, picks, datetime.now(UTC).date())},
            status=dict.fromkeys(SEARCH_ENDPOINTS, search_status(catalogue.search, actor.is_admin, locale)),
            tool=tool_guides(base, picks, locale),
            kb_md=translate("docs.kb_md", locale, origin=origin_of(base)),
            kb_api=kb_api_markdown(kb_text, origin_of(base)) if kb_text else translate("docs.kb_missing", locale),
            prompts_md=translate("docs.prompts_md", locale, origin=origin_of(base)),
            prompts_api=(kb_api_markdown(self.prompts_texts[locale], origin_of(base)) if self.prompts_texts.get(locale)
                         else translate("docs.prompts_missing", locale)),
            papers_md=translate("docs.papers_md", locale, origin=origin_of(base)),
            papers_api=(kb_api_markdown(self.papers_texts[locale], origin_of(base)) if self.papers_texts.get(locale)
                        else translate("docs.papers_missing", locale)),
            admin_md=translate("docs.admin_md", locale, origin=origin_of(base)),
            admin_routes=admin_routes_html(locale),
            notes=notes_html(notes, locale),
            admin_box=gr.update(visible=actor.is_admin),
            note_change=gr.update(choices=[(translate(f"docs.change_{c}", locale), c) for c in CHANGES]),
            note_model=gr.update(choices=[m.id for m in every] if actor.is_admin else []),
            note_pick=gr.update(choices=note_choices(notes) if actor.is_admin else [], value=None),
            **McpDocs.of(origin_of(base), locale, self.mcp_agent).fields())

    @ADD_NOTE.guard
    def add_note(self, change: str | None, model_id: str | None, title: str | None, body: str | None,
                 day: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale = locale_of(lang, request)
        console = self.services.console
        actor = admin_only(console, request, locale)
        form = {"change": change or "", "model_id": model_id or "", "title": title or "", "body": body or ""}
        when = parse_day(day, locale)
        console.add_release_note(actor, **form, day=when)
        notes = console.release_notes.list()
        return ADD_NOTE.accepted(locale, notice=translate("docs.note_added", locale), notes=notes_html(notes, locale),
                                 pick=gr.update(choices=note_choices(notes), value=None), title="", body="", day="")

    @DELETE_NOTE.guard
    def delete_note(self, note_id: str | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        locale = locale_of(lang, request)
        console = self.services.console
        actor = admin_only(console, request, locale)
        if not note_id:
            raise refuse("pick", "docs.err_choose_note", locale)
        console.delete_release_note(actor, note_id)
        notes = console.release_notes.list()
        return DELETE_NOTE.accepted(locale, notice=translate("docs.note_deleted", locale),
                                    notes=notes_html(notes, locale),
                                    pick=gr.update(choices=note_choices(notes), value=None))

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the API docs page in the current route and wire its handlers."""
        lang = gr.Textbox(visible=False)
        gr.Markdown(i18n("docs.title"))
        gr.Markdown(i18n("docs.intro"))
        base_url = gr.Textbox(label=i18n("docs.base_url"), interactive=False, buttons=["copy"], elem_id="docs-base-url")
        base_md = gr.Markdown()

        gr.Markdown(i18n("docs.models_heading"))
        models_md = gr.Markdown(elem_id="docs-models-note")
        models = gr.HTML(css_template=tables.CSS, elem_id="docs-models")

        gr.Markdown(i18n("docs.basics_heading"))
        with gr.Tabs():
            with gr.Tab(i18n("docs.tab_auth")):
                gr.Markdown(i18n("docs.auth_md"))
            with gr.Tab(i18n("docs.tab_errors")):
                gr.Markdown(i18n("docs.errors_md"))
                _code(i18n("docs.error_example"), "json", ERROR_EXAMPLE)
            with gr.Tab(i18n("docs.tab_limits")):
                gr.Markdown(i18n("docs.limits_md"))
            with gr.Tab(i18n("docs.tab_usage")):
                gr.Markdown(i18n("docs.usage_md"))
            with gr.Tab(i18n("docs.tab_thinking")):
                gr.Markdown(i18n("docs.thinking_md"))
                _code(i18n("docs.thinking_field"), "json", THINKING_EXAMPLE)

        gr.Markdown(i18n("docs.endpoints_heading"))
        codes: list[gr.Code] = []
        statuses: list[gr.Markdown] = []
        with gr.Tabs():
            for endpoint, variants in ENDPOINTS:
                with gr.Tab(i18n(f"docs.tab_{endpoint}")):
                    if endpoint in SEARCH_ENDPOINTS:        # is search configured here? (filled per request)
                        statuses.append(gr.Markdown(elem_id=f"docs-status-{endpoint}"))
                    gr.Markdown(i18n(f"docs.note_{endpoint}"))
                    codes += _snippet_tabs(i18n, endpoint, variants)

        gr.Markdown(i18n("docs.tools_heading"))
        gr.Markdown(i18n("docs.tools_intro"))
        tools: list[gr.Markdown] = []
        with gr.Tabs():
            for tool in TOOLS:
                with gr.Tab(i18n(f"docs.tab_{tool}")):
                    tools.append(gr.Markdown(elem_id=f"docs-tool-{tool}"))

        gr.Markdown(i18n("docs.kb_heading"))
        kb_md = gr.Markdown(elem_id="docs-kb-intro")
        with gr.Accordion(i18n("docs.kb_reference"), open=False, elem_id="docs-kb-reference"):
            kb_api = gr.Markdown(elem_id="docs-kb-api")

        gr.Markdown(i18n("docs.prompts_heading"))
        prompts_md = gr.Markdown(elem_id="docs-prompts-intro")
        with gr.Accordion(i18n("docs.prompts_reference"), open=False, elem_id="docs-prompts-reference"):
            prompts_api = gr.Markdown(elem_id="docs-prompts-api")

        gr.Markdown(i18n("docs.papers_heading"))
        papers_md = gr.Markdown(elem_id="docs-papers-intro")
        with gr.Accordion(i18n("docs.papers_reference"), open=False, elem_id="docs-papers-reference"):
            papers_api = gr.Markdown(elem_id="docs-papers-api")

        mcp_parts = build_section(i18n)

        gr.Markdown(i18n("docs.admin_heading"))
        admin_md = gr.Markdown()
        admin_routes = gr.HTML(css_template=tables.CSS, elem_id="docs-admin-routes")
        with gr.Tabs():
            with gr.Tab(i18n("home.curl")):
                admin_curl = _code(i18n("home.curl"), "shell")
            with gr.Tab(i18n("docs.httpx")):
                admin_python = _code(i18n("docs.httpx"), "python")

        gr.Markdown(i18n("docs.notes_heading"))
        notes = gr.HTML(css_template=NOTES_CSS, elem_id="docs-notes")
        with gr.Accordion(i18n("docs.notes_admin"), open=False, visible=False) as admin_box:
            with gr.Row():
                change = gr.Radio(label=i18n("docs.f_change"), choices=list(CHANGES), value="added",
                                  elem_id="note-change")
                model = gr.Dropdown(label=i18n("docs.f_model"), info=i18n("docs.f_model_info"), choices=[],
                                    allow_custom_value=True, elem_id="note-model")
                day = gr.Textbox(label=i18n("docs.f_day"), placeholder="YYYY-MM-DD", info=i18n("docs.f_day_info"),
                                 elem_id="note-day")
            title = gr.Textbox(label=i18n("docs.f_title"), max_length=MAX_TITLE, elem_id="note-title")
            body = gr.Textbox(label=i18n("docs.f_body"), lines=4, elem_id="note-body")
            add_btn = gr.Button(i18n("docs.add_note"), variant="primary", elem_id="note-add")
            with gr.Row(equal_height=True):
                pick = gr.Dropdown(label=i18n("docs.f_pick"), choices=[], scale=3, elem_id="note-pick")
                delete_btn = gr.Button(i18n("docs.delete_note"), variant="stop", scale=1, elem_id="note-delete")
            note_md = gr.Markdown(elem_id="note-result")
        refresh_btn = gr.Button(i18n("account.refresh"), size="sm")

        parts = {"base_url": base_url, "base_md": base_md, "models_md": models_md, "models_html": models,
                 **{f"snippets.{key}": code for key, code in zip(SNIPPETS, codes, strict=True)},
                 **{f"status.{e}": md for e, md in zip(SEARCH_ENDPOINTS, statuses, strict=True)},
                 **{f"tool.{t}": md for t, md in zip(TOOLS, tools, strict=True)},
                 "kb_md": kb_md, "kb_api": kb_api, "prompts_md": prompts_md, "prompts_api": prompts_api,
                 "papers_md": papers_md, "papers_api": papers_api,
                 "admin_md": admin_md, "admin_routes": admin_routes,
                 "snippets.admin.curl": admin_curl, "snippets.admin.python": admin_python,
                 "notes": notes, "admin_box": admin_box, "note_change": change, "note_model": model, "note_pick": pick,
                 **mcp_parts}
        common = {"js": WITH_LANG_JS, "show_progress": "hidden"}
        gr.on([page.load, refresh_btn.click], shown(self.refresh), inputs=[lang], outputs=DocsView.pick(parts),
              concurrency_limit=None, **common)
        focus_first_bad(add_btn.click(self.add_note, inputs=[change, model, title, body, day, lang],
                                      outputs=[note_md, notes, pick, change, model, title, body, day], **common),
                        [change, model, title, body, day])
        focus_first_bad(delete_btn.click(self.delete_note, inputs=[pick, lang], outputs=[note_md, notes, pick],
                                         **common), [pick])


def build(page: gr.Blocks, services: DocsServices, i18n: gr.I18n) -> None:
    """The page in the current route (``app.ui``)."""
    DocsPage(services).build(page, i18n)
