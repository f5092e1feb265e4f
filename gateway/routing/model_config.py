"""Edit the model catalogue while serving: read it, check an edited version, save it and swap it in.

``ModelConfig(gateway)`` works on the catalogue file admins edit (``Settings.catalogue_file``:
``--config`` / ``MAAS_CONFIG``, else ``<data_dir>/models.yaml``, which the next start reads):

- ``text()`` the current YAML: the file, or (no file yet) a commented YAML of the live catalogue;
- ``validate(text)`` the catalogue it describes, or a ``ConfigError`` naming the key and its line;
- ``preview(text)`` that, plus what would change and what needs attention;
- ``apply(text, actor)`` (admins only) validates, writes the file atomically (the previous version
  kept as ``<file>.bak``), swaps the live catalogue (``Gateway.apply_catalogue``: new deployments
  start, removed ones drain) and writes one audit entry with the model ids and deployment names.

Deployments name the environment variable that holds their API key (``api_key_env``); a value
that looks like a key itself, or credentials inside a ``base_url``, are refused.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from gateway.accounts import audit
from gateway.errors import ConfigError
from gateway.routing.catalogue import (
    DEFAULT_THINKING_BUDGET,
    Catalogue,
    Deployment,
    EmbeddedOptions,
    GatewayOptions,
    Model,
    Timeouts,
    embedded_models,
    parse_catalogue,
)

if TYPE_CHECKING:
    from gateway.accounts.console import Actor
    from gateway.routing.router import Reload
    from gateway.service import Gateway

MAX_TEXT_CHARS = 1_000_000
SECRET_PREFIXES = ("sk-", "sk_", "hf_", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "AKIA", "AIza", "eyJ")
LIVE_EMBEDDED = ("ctx", "parallel", "threads")       # options of the running embedded server (fixed until restart)
NOTICES = {
    "embedded_next_start": "gateway.embedded ({keys}) changed: this takes effect at the next start; the "
                           "running embedded models keep their current settings until then.",
    "env_missing": "Not set in the gateway's environment: {names}. Those deployments are called without an API "
                   "key until the variable is set and the gateway restarted.",
    "embedded_kept_running": "Embedded deployments removed ({names}): the embedded llama.cpp server keeps its "
                             "memory until the next start.",
}
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_LOCKS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Notice:
    """Something the admin should know about a valid edit; ``code`` selects the UI's translation."""

    code: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return NOTICES[self.code].format(**self.fields)


@dataclass(frozen=True)
class CatalogueDiff:
    """Models by id, deployments as ``model-id/deployment-name``, options as ``gateway.<key>``."""

    added_models: tuple[str, ...] = ()
    removed_models: tuple[str, ...] = ()
    changed_models: tuple[str, ...] = ()
    added_deployments: tuple[str, ...] = ()
    removed_deployments: tuple[str, ...] = ()
    changed_deployments: tuple[str, ...] = ()
    options: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Preview:
    """A valid edited catalogue, what it changes against the live one, and what needs attention."""

    catalogue: Catalogue
    diff: CatalogueDiff
    notices: tuple[Notice, ...]


@dataclass(frozen=True)
class ApplyResult(Preview):
    path: Path = Path()
    backup: Path | None = None           # the previous version of the file, if there was one
    reload: Reload | None = None         # what the router did (None when the models are not started)


# ---------------------------------------------------------------- comparing catalogues


def _deployments(catalogue: Catalogue) -> dict[str, tuple[Model, Deployment]]:
    return {f"{m.id}/{d.name}": (m, d) for m in catalogue.models.values() for d in m.deployments}


def _option_changes(old: GatewayOptions, new: GatewayOptions) -> list[str]:
    out = []
    for f in fields(GatewayOptions):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a == b:
            continue
        if f.name == "embedded":
            out += [f"gateway.embedded.{g.name}" for g in fields(a) if getattr(a, g.name) != getattr(b, g.name)]
        else:
            out.append(f"gateway.{f.name}")
    return out


def diff_catalogues(old: Catalogue, new: Catalogue) -> CatalogueDiff:
    """What changes when ``new`` replaces ``old`` (a deployment changes when any part of it does)."""
    old_deps, new_deps = _deployments(old), _deployments(new)
    return CatalogueDiff(
        added_models=tuple(m for m in new.models if m not in old.models),
        removed_models=tuple(m for m in old.models if m not in new.models),
        changed_models=tuple(m for m in new.models if m in old.models and old.models[m] != new.models[m]),
        added_deployments=tuple(d for d in new_deps if d not in old_deps),
        removed_deployments=tuple(d for d in old_deps if d not in new_deps),
        changed_deployments=tuple(d for d in new_deps if d in old_deps and (
            old_deps[d][1] != new_deps[d][1] or old_deps[d][0].kind != new_deps[d][0].kind)),
        options=tuple(_option_changes(old.options, new.options)))


def snapshot(catalogue: Catalogue) -> dict[str, Any]:
    """The audit view of a catalogue: model ids and their deployment names (no URLs, no key variables)."""
    return {"models": {m.id: [d.name for d in m.deployments] for m in catalogue.models.values()}}


# ---------------------------------------------------------------- checking the text


def line_of(text: str, key: str) -> int | None:
    """The 1-based line of a dotted key (``models[2].deployments[0].base_url``), or of its nearest parent."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line
    for name, index in _SEGMENT.findall(key):
        if index:
            if not isinstance(node, yaml.SequenceNode) or int(index) >= len(node.value):
                break
            node = node.value[int(index)]
            line = node.start_mark.line
            continue
        if not isinstance(node, yaml.MappingNode):
            break
        pair = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == name), None)
        if pair is None:
            break
        line, node = pair[0].start_mark.line, pair[1]
    return line + 1


def looks_like_secret(value: str) -> bool:
    """An ``api_key_env`` value that is a key rather than the name of a variable holding one."""
    if value.startswith(SECRET_PREFIXES):
        return True
    has_digit = any(c.isdigit() for c in value)
    mixed_case = any(c.islower() for c in value) and any(c.isupper() for c in value)
    return len(value) >= 20 and has_digit and ("_" not in value or mixed_case)


def _refuse_secrets(document: Any, source: str) -> None:
    """Keys belong in environment variables: refuse one written into the file (call after parsing)."""
    entries = document.get("models") if isinstance(document, dict) else None
    for i, entry in enumerate(entries or []):
        for j, dep in enumerate(entry.get("deployments") or []):
            where = f"models[{i}].deployments[{j}]"
            env = dep.get("api_key_env")
            if isinstance(env, str) and looks_like_secret(env):
                raise ConfigError(source, f"{where}.api_key_env",
                                  "looks like an API key itself: write the NAME of the environment variable that "
                                  "holds the key (like VLLM_API_KEY) and set that variable where the gateway runs")
            url = dep.get("base_url")
            if isinstance(url, str) and (re.match(r"^\w+://[^/]*@", url)
                                         or re.search(r"[?&](api[_-]?key|key|token|access_token|secret)=", url, re.I)):
                raise ConfigError(source, f"{where}.base_url",
                                  "must not carry credentials (user:password@ or a key in the query): put the key "
                                  "in an environment variable and name it in api_key_env")


# ---------------------------------------------------------------- the commented YAML of a catalogue


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _commented(line: str, comment: str) -> str:
    return f"{line:<27}# {comment}"


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _timeouts(t: Timeouts) -> dict[str, float | int]:
    return {"connect_s": _plain(t.connect), "first_byte_s": _plain(t.first_byte),
            "between_chunks_s": _plain(t.between_chunks)}


def _model_entry(model: Model, options: GatewayOptions) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": model.id, "kind": model.kind}
    if model.description:
        entry["description"] = model.description
    if model.query_prefix:
        entry["query_prefix"] = model.query_prefix
    caps = model.capabilities
    entry["capabilities"] = {"reasoning": caps.reasoning, "tools": caps.tools, "context_length": caps.context_length}
    if caps.vision:
        entry["capabilities"]["vision"] = True
    if caps.thinking_budget != DEFAULT_THINKING_BUDGET:
        entry["capabilities"]["thinking_budget"] = caps.thinking_budget
    quirks = {f.name: True for f in fields(model.quirks) if getattr(model.quirks, f.name)}
    if quirks:
        entry["quirks"] = quirks
    deps = []
    for d in model.deployments:
        dep: dict[str, Any] = {"name": d.name, "backend": d.backend}
        if d.base_url:
            dep["base_url"] = d.base_url
        dep["model"] = d.model
        if d.api_key_env:
            dep["api_key_env"] = d.api_key_env
        if d.timeouts != options.timeouts:
            dep["timeouts"] = {k: v for k, v in _timeouts(d.timeouts).items()
                               if v != _timeouts(options.timeouts)[k]}
        if d.weight != 1:
            dep["weight"] = d.weight
        deps.append(dep)
    entry["deployments"] = deps
    return entry


def render_catalogue(catalogue: Catalogue) -> str:
    """A commented YAML document that parses back to ``catalogue`` (built-in models are implied)."""
    o = catalogue.options
    e = o.embedded
    builtin = parse_catalogue({"gateway": {"embedded": {"enabled": e.enabled, "ctx": e.ctx, "parallel": e.parallel,
                                                        "threads": e.threads},
                                           "timeouts": _timeouts(o.timeouts)}}, "(built-in)").models
    own = [m for m in catalogue.models.values() if builtin.get(m.id) != m]
    builtin_ids = ", ".join(entry["id"] for entry in embedded_models(EmbeddedOptions()))
    models = yaml.safe_dump([_model_entry(m, o) for m in own], sort_keys=False, allow_unicode=True,
                            default_flow_style=False, width=110) if own else ""
    lines = [
        "# MaaS Workbench model catalogue.",
        "# Saved from Admin -> Models, it takes effect at once (no restart) and is read again at the next start.",
        "# Every key is checked: a typo or a wrong type is refused with the key and its line.",
        "# API keys never go in this file: a deployment names the environment variable holding its key",
        "# (api_key_env: VLLM_API_KEY). See config.example.yaml for every option.",
        "",
        "gateway:",
        _commented(f"  max_body_mb: {_num(o.max_body_mb)}", "larger request bodies get 413"),
        _commented(f"  health_interval_s: {_num(o.health_interval_s)}", "how often every deployment is health-checked"),
        _commented(f"  cooldown_s: {_num(o.cooldown_s)}", "a failed deployment is skipped this long"),
        _commented("  timeouts:", "defaults for every deployment (each may override)"),
        f"    connect_s: {_num(o.timeouts.connect)}",
        _commented(f"    first_byte_s: {_num(o.timeouts.first_byte)}", "an answer must begin within this"),
        _commented(f"    between_chunks_s: {_num(o.timeouts.between_chunks)}", "a stream stalling longer is ended"),
        _commented("  embedded:", f"built-in offline models: {builtin_ids}"),
        _commented(f"    enabled: {'true' if e.enabled else 'false'}", "true serves them; false removes them at once"),
        _commented(f"    ctx: {e.ctx}", "ctx, parallel, threads: take effect at the next start"),
        f"    parallel: {e.parallel}",
        f"    threads: {e.threads}",
        "",
        "# The built-in models are served (while embedded.enabled) without being listed here.",
        "# Add your own model servers under models, e.g.:",
        "#",
        "#  - id: qwen3:32b                     # the public id clients send",
        "#    kind: chat                        # chat | embedding | rerank",
        "#    capabilities: {reasoning: true, tools: true, context_length: 32768}",
        "#    deployments:                      # several = least-busy routing with failover",
        "#      - name: vllm-node1",
        "#        backend: openai               # openai (vLLM, SGLang, llama.cpp...) | ollama | embedded",
        "#        base_url: http://gpu-node-1:8000/v1",
        "#        model: Qwen/Qwen3-32B         # the upstream's model name",
        "#        api_key_env: VLLM_API_KEY     # the variable holding the key, never the key",
    ]
    if models:
        lines += ["models:", *("  " + line if line else line for line in models.rstrip("\n").split("\n"))]
    else:
        lines.append("models: []")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- writing the file


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_with_backup(path: Path, text: str) -> Path | None:
    """Write ``text`` to ``path`` atomically; the previous content (if any) becomes ``<path>.bak``."""
    path = path.resolve() if path.exists() else path
    backup = None
    if path.is_file():
        backup = path.with_name(path.name + ".bak")
        _write_atomically(backup, path.read_text(encoding="utf-8"))
    _write_atomically(path, text)
    return backup


# ---------------------------------------------------------------- the service


class ModelConfig:
    """The editable catalogue of one gateway (see the module docstring)."""

    def __init__(self, gateway: Gateway, environ: Mapping[str, str] | None = None) -> None:
        self.gateway = gateway
        self.environ = os.environ if environ is None else environ

    @property
    def path(self) -> Path:
        return self.gateway.settings.catalogue_file

    def text(self) -> str:
        """The catalogue file as it is on disk, or a commented YAML of the live catalogue when there is none."""
        if self.path.is_file():
            return self.path.read_text(encoding="utf-8")
        return render_catalogue(self.gateway.catalogue)

    def validate(self, text: str) -> Catalogue:
        """The catalogue ``text`` describes; a ``ConfigError`` names the key (with its line) and the problem."""
        source = self.path.name
        text = text or ""
        if len(text) > MAX_TEXT_CHARS:
            raise ConfigError(source, "(file)", f"is larger than {MAX_TEXT_CHARS:,} characters")
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(syntax)"
            raise ConfigError(source, where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
        try:
            catalogue = parse_catalogue(document, source)
            _refuse_secrets(document, source)
        except ConfigError as exc:
            if exc.source != source:
                raise
            line = line_of(text, exc.key)
            raise ConfigError(source, f"{exc.key} (line {line})" if line else exc.key, exc.problem) from None
        return catalogue

    def preview(self, text: str) -> Preview:
        """Validate ``text`` and say what saving it would change (nothing is written)."""
        catalogue = self.validate(text)
        diff = diff_catalogues(self.gateway.catalogue, catalogue)
        return Preview(catalogue, diff, self._notices(catalogue, diff))

    def _notices(self, catalogue: Catalogue, diff: CatalogueDiff) -> tuple[Notice, ...]:
        notices = []
        runtime = getattr(self.gateway, "runtime", None)
        running = runtime.options if runtime is not None else self.gateway.catalogue.options.embedded
        changed = [k for k in LIVE_EMBEDDED if getattr(running, k) != getattr(catalogue.options.embedded, k)]
        if changed:
            notices.append(Notice("embedded_next_start", {"keys": ", ".join(changed)}))
        missing = sorted({d.api_key_env for m in catalogue.models.values() for d in m.deployments
                          if d.api_key_env and not self.environ.get(d.api_key_env)})
        if missing:
            notices.append(Notice("env_missing", {"names": ", ".join(missing)}))
        old = _deployments(self.gateway.catalogue)
        gone = [name for name in (*diff.removed_deployments, *diff.changed_deployments)
                if old[name][1].backend == "embedded" and old[name][0].kind == "chat"]
        if gone:
            notices.append(Notice("embedded_kept_running", {"names": ", ".join(gone)}))
        return tuple(notices)

    async def apply(self, text: str, actor: Actor) -> ApplyResult:
        """Validate, save (keeping ``.bak``), swap the live catalogue and audit it. Admins only."""
        if not actor.is_admin:
            raise PermissionError("Only administrators can edit the model catalogue.")
        lock = _LOCKS.setdefault(self.gateway, asyncio.Lock())
        async with lock:                          # one edit at a time: each diff is against the live catalogue
            text = text or ""
            preview = self.preview(text)
            path = self.path
            try:
                backup = save_with_backup(path, text if text.endswith("\n") else text + "\n")
            except OSError as exc:
                raise ConfigError(str(path), "(file)", f"cannot be written ({exc.strerror or exc}); check the "
                                  "file's permissions. Nothing was changed.") from None
            before = snapshot(self.gateway.catalogue)
            report = await self.gateway.apply_catalogue(preview.catalogue, str(path))
            audit.record(self.gateway.store.cursor(), actor.user_id, "edit", "model_catalogue", str(path),
                         before, snapshot(preview.catalogue))
        return ApplyResult(preview.catalogue, preview.diff, preview.notices, path=path, backup=backup, reload=report)
