"""Home page: what this is, the models with their health, and how to call the API.

``HomePage(gateway).build(demo, i18n)`` lays the page out inside the current Blocks/route context; its
handlers (``refresh``, ``api_info``) are methods answering a view (``ModelsView``, ``ApiView``). The
pure renderers (``models_table_html``, ``status_notice``, ``api_examples``, ``base_url_for``) are
separate from Gradio so they can be tested on their own. Handler output is rendered on the
server in the page's language, which the browser hands over through a hidden input.
"""

from __future__ import annotations

import contextlib
import html
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import gradio as gr

from app.shell.i18n import backend_label, resolve_locale, translate
from app.shell.views import View, keyed, shown
from gateway.accounts.console import Console

StatusFn = Callable[[], Mapping[str, Any]]

REFRESH_SECONDS = 10
KINDS = ("chat", "embedding", "rerank")
PLACEHOLDER_MODELS = {"chat": "your-chat-model", "embedding": "your-embedding-model",
                      "rerank": "your-rerank-model"}
STATE_EMOJI = {"healthy": "🟢", "unhealthy": "🔴", "cooling": "🟠", "starting": "🔵"}
STATE_COLOUR = {"healthy": "#16a34a", "unhealthy": "#dc2626", "cooling": "#d97706", "starting": "#2563eb"}
MAX_ERROR_CHARS = 200

# Runs in the browser before each handler: the page's language (svelte-i18n sets <html lang>).
PAGE_LANG_JS = "() => [document.documentElement.lang || navigator.language || 'en']"

TABLE_CSS = """
table { width: 100%; border-collapse: collapse; font-size: var(--text-md); }
th, td { text-align: left; vertical-align: top; padding: 8px 10px;
         border-bottom: 1px solid var(--border-color-primary); }
th { font-weight: 600; color: var(--body-text-color-subdued); }
code { font-size: 0.95em; }
.muted { color: var(--body-text-color-subdued); font-size: 0.9em; }
.dep + .dep { margin-top: 4px; }
.state { font-weight: 600; }
.empty { padding: 12px 10px; color: var(--body-text-color-subdued); }
"""


# ---------------------------------------------------------------- pure renderers


def _esc(value: object) -> str:
    """HTML-escape, and neutralise the template characters gr.HTML would otherwise interpret."""
    text = html.escape(str(value), quote=True)
    return text.replace("{", "&#123;").replace("}", "&#125;").replace("$", "&#36;").replace("`", "&#96;")


def _short(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_latency(ms: object) -> str:
    """``12.3 ms``, ``250 ms``, ``1,234 ms``; an em dash when unknown."""
    if not isinstance(ms, (int, float)) or isinstance(ms, bool):
        return "—"
    return f"{ms:.1f} ms" if round(ms, 1) < 100 else f"{ms:,.0f} ms"


def format_context(tokens: int) -> str:
    """``32768`` -> ``32K``; other sizes with thousands separators."""
    return f"{tokens // 1024}K" if tokens >= 1024 and tokens % 1024 == 0 else f"{tokens:,}"


def _capabilities_html(model: Mapping[str, Any], locale: str) -> str:
    caps = model.get("capabilities") or {}
    parts: list[str] = []
    for name, value in caps.items():
        if name == "context_length":
            if isinstance(value, int) and value > 0:
                parts.append(_esc(translate("cap.context", locale, size=format_context(value))))
        elif value is True:
            key = f"cap.{name}"
            label = translate(key, locale)
            parts.append(_esc(name if label == key else label))
    out = " · ".join(parts) or _esc(translate("cap.none", locale))
    quirks = [name for name, on in (model.get("quirks") or {}).items() if on]
    for name in quirks:
        key = f"quirk.{name}"
        label = translate(key, locale)
        out += f'<div class="muted">{_esc(name if label == key else label)}</div>'
    return out


def _deployment_html(dep: Mapping[str, Any], locale: str) -> str:
    state = str(dep.get("state") or "unknown")
    key = f"state.{state}"
    word = translate(key, locale)
    word = state if word == key else word
    colour = STATE_COLOUR.get(state, "var(--body-text-color-subdued)")
    bits = [f'{STATE_EMOJI.get(state, "⚪")} <span class="state" style="color:{colour}">{_esc(word)}</span>',
            f'<code>{_esc(dep.get("name", "?"))}</code> '
            f'<span class="muted">({_esc(backend_label(str(dep.get("backend", "?")), locale))})</span>',
            _esc(format_latency(dep.get("latency_ms")))]
    in_flight = dep.get("in_flight")
    if isinstance(in_flight, int) and in_flight > 0:
        bits.append(_esc(translate("home.in_flight", locale, count=in_flight)))
    out = f'<div class="dep" data-state="{_esc(state)}">{" · ".join(bits)}</div>'
    if dep.get("last_error"):
        out += f'<div class="muted">{_esc(_short(str(dep["last_error"])))}</div>'
    return out


def models_table_html(models: list[Mapping[str, Any]] | None, locale: str) -> str:
    """The models table; ``None`` means the status could not be read."""
    if models is None:
        return f'<div class="empty">{_esc(translate("home.models_unavailable", locale))}</div>'
    if not models:
        return f'<div class="empty">{_esc(translate("home.no_models", locale))}</div>'
    heads = "".join(f"<th>{_esc(translate(k, locale))}</th>"
                    for k in ("home.col_model", "home.col_kind", "home.col_capabilities", "home.col_deployments"))
    rows = []
    for model in models:
        kind = str(model.get("kind", "?"))
        kind_label = translate(f"kind.{kind}", locale)
        deps = model.get("deployments") or []
        deps_html = "".join(_deployment_html(d, locale) for d in deps) or (
            f'<span class="muted">{_esc(translate("home.no_deployments", locale))}</span>')
        rows.append(
            f'<tr data-model="{_esc(model.get("id", "?"))}"><td><code>{_esc(model.get("id", "?"))}</code></td>'
            f'<td>{_esc(kind if kind_label == f"kind.{kind}" else kind_label)}</td>'
            f"<td>{_capabilities_html(model, locale)}</td><td>{deps_html}</td></tr>")
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def status_notice(models: list[Mapping[str, Any]] | None, error: BaseException | None, locale: str) -> str:
    """One Markdown line above the table: when it was updated, or why it could not be."""
    if error is not None:
        detail = _short(str(error)) or type(error).__name__
        return translate("home.status_error", locale, error=detail)
    return translate("home.updated", locale, count=len(models or []), time=time.strftime("%H:%M:%S"))


def key_note(master_key_hint: object, locale: str) -> str:
    """How the master key is set, in words, from status()['master_key_hint']."""
    hint = str(master_key_hint or "").strip()
    if not hint:
        return ""
    if "MAAS_MASTER_KEY" in hint:
        return translate("home.key_env", locale)
    if "generated" in hint.lower():
        return translate("home.key_generated", locale)
    return translate("home.key_other", locale, hint=hint)


def first_model_ids(models: list[Mapping[str, Any]] | None) -> dict[str, str]:
    """The first model id of each kind, or a placeholder where there is none."""
    ids = dict(PLACEHOLDER_MODELS)
    for kind in KINDS:
        for model in models or []:
            if model.get("kind") == kind and model.get("id"):
                ids[kind] = str(model["id"])
                break
    return ids


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def base_url_for(request: gr.Request | None, api_base_hint: str = "/v1") -> str:
    """``http(s)://host[/prefix]/v1`` as the browser reached us (proxy headers honoured)."""
    if api_base_hint.startswith(("http://", "https://")):
        return api_base_hint.rstrip("/")
    headers: Mapping[str, str] = {}
    scheme = "http"
    if request is not None:
        headers = getattr(request, "headers", None) or {}
        with contextlib.suppress(AttributeError):
            scheme = request.url.scheme or scheme
    host = _first(headers.get("x-forwarded-host")) or _first(headers.get("host"))
    if not host:
        return api_base_hint
    scheme = _first(headers.get("x-forwarded-proto")) or scheme
    prefix = _first(headers.get("x-forwarded-prefix")).rstrip("/")
    return f"{scheme}://{host}{prefix}/{api_base_hint.strip('/')}".rstrip("/")


def api_examples(base_url: str, models: Mapping[str, str]) -> dict[str, str]:
    """curl and Python (openai SDK) examples for chat, embeddings, rerank and deep thinking."""
    chat, emb, rerank = (json.dumps(models[k]) for k in KINDS)
    auth = '  -H "Authorization: Bearer $MAAS_API_KEY" \\\n  -H "Content-Type: application/json" \\\n'
    client = (f'import os\n\nfrom openai import OpenAI\n\n'
              f'client = OpenAI(base_url={json.dumps(base_url)}, api_key=os.environ["MAAS_API_KEY"])\n\n')
    thinking = '{"type": "enabled", "budget_tokens": 512}'
    return {
        "chat_curl": (
            f"curl -N {base_url}/chat/completions \\\n{auth}  -d '{{\n"
            f'    "model": {chat},\n'
            '    "messages": [{"role": "user", "content": "Hello!"}],\n'
            '    "stream": true,\n'
            '    "stream_options": {"include_usage": true}\n'
            "  }'\n"),
        "chat_python": (
            f"{client}stream = client.chat.completions.create(\n"
            f"    model={chat},\n"
            '    messages=[{"role": "user", "content": "Hello!"}],\n'
            "    stream=True,\n"
            '    stream_options={"include_usage": True},\n'
            ")\n"
            "for chunk in stream:\n"
            "    if chunk.choices and chunk.choices[0].delta.content:\n"
            '        print(chunk.choices[0].delta.content, end="", flush=True)\n'
            "    if chunk.usage:\n"
            '        print("\\n", chunk.usage)\n'),
        "embeddings_curl": (
            f"curl {base_url}/embeddings \\\n{auth}  -d '{{\n"
            f'    "model": {emb},\n'
            '    "input": ["The quick brown fox", "敏捷的棕色狐狸"]\n'
            "  }'\n"),
        "embeddings_python": (
            f"{client}result = client.embeddings.create(\n"
            f"    model={emb},\n"
            '    input=["The quick brown fox", "敏捷的棕色狐狸"],\n'
            ")\n"
            "vectors = [item.embedding for item in result.data]\n"
            "print(len(vectors), len(vectors[0]), result.usage)\n"),
        "rerank_curl": (
            f"curl {base_url}/rerank \\\n{auth}  -d '{{\n"
            f'    "model": {rerank},\n'
            '    "query": "How do I reset my password?",\n'
            '    "documents": ["Open Settings, then Security, then Reset password.",\n'
            '                  "Our office is open 9 to 5."],\n'
            '    "top_n": 2\n'
            "  }'\n"),
        "rerank_python": (
            f"{client}# the openai SDK has no rerank method: use its generic post()\n"
            "result = client.post(\n"
            '    "/rerank",\n'
            "    body={\n"
            f'        "model": {rerank},\n'
            '        "query": "How do I reset my password?",\n'
            '        "documents": ["Open Settings, then Security, then Reset password.",\n'
            '                      "Our office is open 9 to 5."],\n'
            '        "top_n": 2,\n'
            "    },\n"
            "    cast_to=object,\n"
            ")\n"
            'for hit in result["results"]:\n'
            '    print(hit["index"], round(hit["relevance_score"], 3))\n'),
        "thinking_curl": (
            f"curl -N {base_url}/chat/completions \\\n{auth}  -d '{{\n"
            f'    "model": {chat},\n'
            '    "messages": [{"role": "user", "content": "Is 1001 a prime number?"}],\n'
            f'    "thinking": {thinking},\n'
            '    "stream": true,\n'
            '    "stream_options": {"include_usage": true}\n'
            "  }'\n"),
        "thinking_python": (
            f"{client}stream = client.chat.completions.create(\n"
            f"    model={chat},\n"
            '    messages=[{"role": "user", "content": "Is 1001 a prime number?"}],\n'
            "    stream=True,\n"
            '    stream_options={"include_usage": True},\n'
            f'    extra_body={{"thinking": {thinking}}},\n'
            ")\n"
            "for chunk in stream:\n"
            "    if not chunk.choices:\n"
            "        continue\n"
            "    delta = chunk.choices[0].delta\n"
            '    reasoning = getattr(delta, "reasoning_content", None)  # the thinking\n'
            "    if reasoning:\n"
            '        print(reasoning, end="", flush=True)\n'
            "    if delta.content:  # the answer\n"
            '        print(delta.content, end="", flush=True)\n'),
    }


EXAMPLE_KEYS = ("chat_curl", "chat_python", "embeddings_curl", "embeddings_python",
                "rerank_curl", "rerank_python", "thinking_curl", "thinking_python")   # output order


# ---------------------------------------------------------------- the page


class HomeServices(Protocol):
    """What the home page uses of the gateway (``gateway.service.Gateway``)."""

    console: Console                    # who is an administrator (told how the master key is set)

    def status(self) -> Mapping[str, Any]:
        """The models, their deployments and health, and how the master key is set (``master_key_hint``)."""
        ...


@dataclass
class ModelsView(View):
    """The models with their health (refreshed by a timer)."""

    notice: str                         # when it was updated, or why it could not be (Markdown)
    table: str                          # the models table (HTML)


@dataclass
class ApiView(View):
    """How to call the API from here."""

    base_url: str                       # as the browser reached us
    key_note: str                       # how the master key is set: for administrators only
    examples: dict[str, str] = keyed(EXAMPLE_KEYS)    # curl and Python, by ``EXAMPLE_KEYS``


def _read_models(status: StatusFn) -> tuple[dict[str, Any], list[Mapping[str, Any]] | None, BaseException | None]:
    try:
        snapshot = dict(status())
        return snapshot, list(snapshot.get("models") or []), None
    except Exception as exc:  # noqa: BLE001 - any failure becomes a readable notice, never a traceback
        return {}, None, exc


def _accept_language(request: gr.Request | None) -> str | None:
    headers = getattr(request, "headers", None) if request is not None else None
    return headers.get("accept-language") if headers else None


class HomePage:
    """The home page over ``services``; the examples' base URL from ``api_base_hint`` (a path on this server, or
    a full URL)."""

    def __init__(self, services: HomeServices, *, api_base_hint: str = "/v1") -> None:
        self.services, self.api_base_hint = services, api_base_hint

    def is_admin(self, request: gr.Request | None) -> bool:
        """Whether the request's signed-in user is an administrator (looked up again on every call)."""
        actor = self.services.console.actor_for_username(getattr(request, "username", None))
        return actor is not None and actor.is_admin

    def refresh(self, lang: str, request: gr.Request) -> ModelsView:
        locale = resolve_locale(lang, _accept_language(request))
        _, models, error = _read_models(self.services.status)
        return ModelsView(notice=status_notice(models, error, locale), table=models_table_html(models, locale))

    def api_info(self, lang: str, request: gr.Request) -> ApiView:
        locale = resolve_locale(lang, _accept_language(request))
        snapshot, models, _ = _read_models(self.services.status)
        url = base_url_for(request, self.api_base_hint)
        note = key_note(snapshot.get("master_key_hint"), locale) if self.is_admin(request) else ""
        return ApiView(base_url=url, key_note=note, examples=api_examples(url, first_model_ids(models)))

    def build(self, demo: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the home page in the current Blocks (or ``demo.route``) context and wire it."""
        lang = gr.Textbox(visible=False)

        gr.Markdown(i18n("home.title"))
        gr.Markdown(i18n("home.intro"))

        with gr.Row(equal_height=True):
            gr.Markdown(i18n("home.models_heading"))
            refresh_btn = gr.Button(i18n("home.refresh"), size="sm", scale=0, min_width=100)
        notice = gr.Markdown()
        table = gr.HTML(i18n("home.loading"), css_template=TABLE_CSS, js_on_load=None, elem_id="home-models")
        timer = gr.Timer(REFRESH_SECONDS)

        gr.Markdown(i18n("home.api_heading"))
        gr.Markdown(i18n("home.api_intro"))
        base_url = gr.Textbox(label=i18n("home.base_url"), interactive=False, buttons=["copy"])
        key_md = gr.Markdown()
        codes: list[gr.Code] = []
        with gr.Tabs():
            with gr.Tab(i18n("home.tab_chat")):
                gr.Markdown(i18n("home.chat_note"))
                codes += _code_pair(i18n)
            with gr.Tab(i18n("home.tab_embeddings")):
                gr.Markdown(i18n("home.embeddings_note"))
                codes += _code_pair(i18n)
            with gr.Tab(i18n("home.tab_rerank")):
                gr.Markdown(i18n("home.rerank_note"))
                codes += _code_pair(i18n)
            with gr.Tab(i18n("home.tab_thinking")):
                gr.Markdown(i18n("home.thinking_note"))
                codes += _code_pair(i18n)

        parts = {"notice": notice, "table": table, "base_url": base_url, "key_note": key_md,
                 **{f"examples.{key}": code for key, code in zip(EXAMPLE_KEYS, codes, strict=True)}}
        gr.on([demo.load, refresh_btn.click, timer.tick], shown(self.refresh), inputs=[lang],
              outputs=ModelsView.pick(parts), js=PAGE_LANG_JS, api_name="refresh", show_progress="hidden",
              concurrency_limit=None)
        gr.on([demo.load, refresh_btn.click], shown(self.api_info), inputs=[lang], outputs=ApiView.pick(parts),
              js=PAGE_LANG_JS, api_name="api_info", show_progress="hidden", concurrency_limit=None)


def _code_pair(i18n: gr.I18n) -> list[gr.Code]:
    with gr.Row():
        curl = gr.Code(language="shell", label=i18n("home.curl"), interactive=False, buttons=["copy"],
                       show_line_numbers=False, wrap_lines=True)
        python = gr.Code(language="python", label=i18n("home.python"), interactive=False, buttons=["copy"],
                         show_line_numbers=False, wrap_lines=True)
    return [curl, python]
