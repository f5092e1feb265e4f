"""An MCP registry ``server.json`` (schema 2025-12-11) read and checked into frozen dataclasses.

    server = parse_server_json(text)             # a ServerJson, or Invalid naming the field at fault
    package = server.packages[0]                 # registry_type "pypi" | "npm", identifier, version, transport, ...
    f"{package.identifier}=={package.version}"   # a plain package identity: safe for pip / npm as one argv item
    server.tags, server.chinese.title            # our listing words, from _meta["io.maas-workbench/catalogue"]

    try: parse_server_json('{"name": "io.github.a/b", ...}')
    except Invalid as error: error.field, error.text("zh")   # "packages[0].version", "packages[0].version：…"

Strict where an entry reaches a process: a package is PyPI or npm only (others are refused by name), its
``identifier`` a bare package name and its ``version`` one exact version (no range, URL, path, ``git+``, space or
shell character), because installs run ``pip install identifier==version`` / ``npm install identifier@version``.
Argument values and choices may hold no control or shell characters; environment variable names are
``^[A-Za-z_][A-Za-z0-9_]*$`` and may not be ones that change how a program starts (``LD_PRELOAD``, ``PYTHONPATH``,
``NODE_OPTIONS``, ``GIT_SSH_COMMAND``, ...) or the workbench's own (``MAAS_*``); a secret (``isSecret``) carries no
default in the entry, and a value only as a template that asks for it (``Bearer {token}``). URLs are http(s)
without credentials. ``runtimeHint`` and ``runtimeArguments`` are kept for display only: the hub builds the argv
itself and never passes them to an interpreter.

Lenient where nothing is at stake: unknown fields are ignored (top-level ones kept in ``extra``; the raw text is
what the catalogue stores), ``_meta`` is kept as given. A registry API answer (``{"server": {...}, "_meta": ...}``)
is read as its ``server``. Sizes are bounded (``MAX_BYTES``, list lengths, text lengths). Every refusal is
``Invalid`` with ``field`` the JSON path (``packages[0].identifier``, ``remotes[1].headers[0].name``, ``$schema``,
``server.json`` for the whole file) and words in ``workbench/messages/mcp_catalogue.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from shared.locale import language
from workbench.errors import WorkbenchError

SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
# earlier dates of the same camelCase format (2025-09-16 on) read the same for every field we use
SCHEMA_URLS = frozenset(f"https://static.modelcontextprotocol.io/schemas/{date}/server.schema.json"
                        for date in ("2025-09-16", "2025-09-29", "2025-10-11", "2025-10-17", "2025-12-11"))
OUR_META = "io.maas-workbench/catalogue"     # {"tags": [...], "zh": {"title", "description", "tags"}}
MAX_BYTES = 256 * 1024
MAX_ITEMS = 50                               # arguments, variables, headers, tags per list
MAX_PACKAGES = 10
REGISTRIES = {"pypi": "https://pypi.org", "npm": "https://registry.npmjs.org"}
TRANSPORTS = ("stdio", "streamable-http", "sse")
REMOTE_TRANSPORTS = ("streamable-http", "sse")
FORMATS = ("string", "number", "boolean", "filepath")

_NAME = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
_PYPI_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$")
_PEP440 = re.compile(r"^\d+(?:\.\d+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?"
                     r"(?:[-_.]?(?:post|rev|r)[-_.]?\d*)?(?:[-_.]?dev[-_.]?\d*)?$", re.IGNORECASE)
_SEMVER = re.compile(r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
                     r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
_SERVER_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*$")
_RANGE = re.compile(r"[\^~<>=*|,]|\s-\s|(?:^|\.)[xX](?:\.|$)|^latest$", re.IGNORECASE)
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FLAG = re.compile(r"^-{0,2}[A-Za-z0-9][A-Za-z0-9._-]*$")
_HEADER = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_HINT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256 = re.compile(r"^[a-f0-9]{64}$")
_URL_TEMPLATE = re.compile(r"^(?:https?://|\{[A-Za-z_][A-Za-z0-9_]*\})\S*$")
_TEMPLATE_VAR = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_ICON_SIZE = re.compile(r"^(?:\d+x\d+|any)$")
# control characters, the bidirectional and zero-width marks that make text read otherwise than it runs, and lone
# surrogates (a JSON escape "\ud800" reads into one)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL_ONE_LINE = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHELL = re.compile(r"[;&|`$<>\\\n\r]")
_RESERVED_ENV = frozenset(
    "LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT PATH HOME SHELL USER LOGNAME IFS ENV BASH_ENV CDPATH PS4 "
    "NODE_OPTIONS NODE_PATH NODE_EXTRA_CA_CERTS NODE_TLS_REJECT_UNAUTHORIZED "
    "PERL5OPT PERL5LIB RUBYOPT RUBYLIB JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS "
    "SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE "
    "HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY "
    "GIT_SSH GIT_SSH_COMMAND GIT_EXEC_PATH GIT_EXTERNAL_DIFF GIT_PAGER GIT_EDITOR GIT_ASKPASS SSH_ASKPASS "
    "GIT_PROXY_COMMAND GIT_TEMPLATE_DIR GIT_DIR GIT_WORK_TREE EDITOR VISUAL PAGER".split())
_RESERVED_ENV_PREFIXES = ("LD_", "DYLD_", "PYTHON", "PIP_", "UV_", "NPM_CONFIG_", "GIT_CONFIG", "MAAS_")
_RESERVED_HEADERS = frozenset("host content-length transfer-encoding connection upgrade keep-alive te trailer "
                              "proxy-authorization proxy-connection mcp-session-id mcp-protocol-version".split())


class CatalogueError(WorkbenchError):
    """A catalogue request that cannot be done; ``code`` is the template's name after ``catalogue.``."""

    def __init__(self, key: str, field: str | None = None, *, code: str | None = None, **fields: object) -> None:
        super().__init__(key, field, code=code or key.split(".")[1], **fields)


class Invalid(CatalogueError):
    """A ``server.json`` refused; ``field`` is the JSON path at fault, and the text begins with it."""

    def text(self, locale: str | None) -> str:
        said = super().text(locale)
        if not self.field:
            return said
        return f"{self.field}{'：' if language(locale) == 'zh' else ': '}{said}"


@dataclass(frozen=True)
class Input:
    """A value a server needs: an environment variable, a header, an argument or a URL variable (their common
    fields; ``name`` is the variable's, header's or flag's name, or "" for a positional argument)."""

    name: str = ""
    description: str = ""
    is_required: bool = False
    is_secret: bool = False
    format: str = "string"
    value: str | None = None          # fixed by the entry: not asked for
    default: str | None = None
    placeholder: str | None = None
    choices: tuple[str, ...] = ()
    variables: Mapping[str, Input] = field(default_factory=dict)


@dataclass(frozen=True)
class Argument(Input):
    """A command-line argument: ``type`` "named" (``name`` a flag like ``--port``) or "positional"."""

    type: str = "positional"
    value_hint: str | None = None
    is_repeated: bool = False


@dataclass(frozen=True)
class Transport:
    type: str                          # stdio | streamable-http | sse
    url: str | None = None             # for streamable-http and sse: http(s):// or a {variable} template
    headers: tuple[Input, ...] = ()
    variables: Mapping[str, Input] = field(default_factory=dict)   # a remote's URL variables


@dataclass(frozen=True)
class Package:
    registry_type: str                 # pypi | npm
    identifier: str                    # a bare package name (npm: optionally @scope/name)
    version: str                       # one exact version
    transport: Transport
    registry_base_url: str | None = None
    runtime_hint: str | None = None    # shown only: the hub builds the argv
    runtime_arguments: tuple[Argument, ...] = ()
    package_arguments: tuple[Argument, ...] = ()
    environment_variables: tuple[Input, ...] = ()
    file_sha256: str | None = None


@dataclass(frozen=True)
class Repository:
    url: str
    source: str
    subfolder: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Icon:
    src: str
    mime_type: str | None = None
    sizes: tuple[str, ...] = ()
    theme: str | None = None


@dataclass(frozen=True)
class Listing:
    """The words a catalogue shows and searches in one language (ours, from ``_meta``; may be empty)."""

    title: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServerJson:
    name: str                          # reverse-DNS: io.github.owner/server
    description: str
    version: str
    schema: str = SCHEMA_URL
    title: str | None = None
    repository: Repository | None = None
    website_url: str | None = None
    icons: tuple[Icon, ...] = ()
    packages: tuple[Package, ...] = ()
    remotes: tuple[Transport, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)   # top-level fields this reader does not know
    tags: tuple[str, ...] = ()         # English tags (ours)
    chinese: Listing = Listing()       # Chinese title, description and tags (ours, from _meta's "zh")

    def listing(self, locale: str | None = None) -> Listing:
        """Title, description and tags in ``locale``: the Chinese ones where given, else the entry's own."""
        en = Listing(self.title or self.name, self.description, self.tags)
        if language(locale) != "zh":
            return en
        return Listing(self.chinese.title or en.title, self.chinese.description or en.description,
                       self.chinese.tags or en.tags)


def parse_server_json(text: str | bytes) -> ServerJson:
    """``text`` (a server.json, at most ``MAX_BYTES``) read and checked; ``Invalid`` names the field at fault."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise Invalid("catalogue.too_large", "server.json", size=size, most=MAX_BYTES)
    try:
        text = text.decode("utf-8") if isinstance(text, bytes) else text.encode("utf-8").decode("utf-8")
    except UnicodeError:            # bytes that are not UTF-8, or text with lone surrogates
        raise Invalid("catalogue.not_utf8", "server.json") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise Invalid("catalogue.not_json", "server.json", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise Invalid("catalogue.too_deep", "server.json") from None
    if isinstance(data, dict) and "name" not in data and isinstance(data.get("server"), dict):
        return _server(_Obj(data["server"], "server"))        # a registry API answer: {"server": ..., "_meta": ...}
    return _server(_Obj(data, ""))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:       # two parsers may take different ones: refuse rather than guess
            raise Invalid("catalogue.duplicate_key", "server.json", name=_shown(key))
        seen[key] = value
    return seen


def _shown(value: object, most: int = 80) -> str:
    """A value as a refusal quotes it: control characters escaped, long ones cut."""
    said = _CONTROL_ONE_LINE.sub(lambda m: repr(m.group())[1:-1], str(value))
    return said if len(said) <= most else said[: most - 1] + "…"


def _join(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key):
        return f"{path}.{key}" if path else key
    return f'{path}[{json.dumps(key, ensure_ascii=False)}]'


class _Obj:
    """A JSON object being read, with its path for refusals."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise Invalid("catalogue.bad_type.object", path or "server.json")
        self.data, self.path = value, path

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def text(self, key: str, *, required: bool = False, most: int = 1000, one_line: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise Invalid("catalogue.missing", self.at(key))
            return None
        return _text(value, self.at(key), required=required, most=most, one_line=one_line)

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise Invalid("catalogue.bad_type.boolean", self.at(key))
        return value

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.text(key, required=required, most=100)
        if value is not None and value not in choices:
            raise Invalid("catalogue.bad_choice", self.at(key), value=_shown(value), choices=", ".join(choices))
        return value

    def items(self, key: str, most: int = MAX_ITEMS) -> list[tuple[Any, str]]:
        """A list's items with their paths (none when the key is absent)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid("catalogue.bad_type.array", self.at(key))
        if len(value) > most:
            raise Invalid("catalogue.too_many", self.at(key), most=most)
        return [(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]

    def obj(self, key: str) -> _Obj | None:
        value = self.data.get(key)
        return None if value is None else _Obj(value, self.at(key))


def _text(value: Any, path: str, *, required: bool = False, most: int = 1000, one_line: bool = True) -> str:
    if not isinstance(value, str):
        raise Invalid("catalogue.bad_type.string", path)
    if required and not value.strip():
        raise Invalid("catalogue.empty", path)
    if len(value) > most:
        raise Invalid("catalogue.too_long", path, most=most, length=len(value))
    if (_CONTROL_ONE_LINE if one_line else _CONTROL).search(value):
        raise Invalid("catalogue.control_chars", path)
    return value


def _url(obj: _Obj, key: str, *, https: bool = False, required: bool = False) -> str | None:
    value = obj.text(key, required=required, most=2000)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in (("https",) if https else ("http", "https")) or not parts.hostname or " " in value:
        raise Invalid("catalogue.bad_url.https" if https else "catalogue.bad_url", obj.at(key), value=_shown(value))
    if parts.username is not None or parts.password is not None:
        raise Invalid("catalogue.url_credentials", obj.at(key))
    return value


def _server(obj: _Obj) -> ServerJson:
    schema = obj.text("$schema", most=200)
    if schema is not None and schema not in SCHEMA_URLS:
        raise Invalid("catalogue.schema", obj.at("$schema"), value=_shown(schema), expected=SCHEMA_URL)
    name = obj.text("name", required=True, most=200) or ""
    if len(name) < 3 or not _NAME.match(name):
        raise Invalid("catalogue.bad_name", obj.at("name"), value=_shown(name))
    version = obj.text("version", required=True, most=255) or ""
    _server_version(version, obj.at("version"))
    repository = obj.obj("repository")
    packages = [_package(_Obj(item, path)) for item, path in obj.items("packages", MAX_PACKAGES)]
    remotes = [_remote(_Obj(item, path)) for item, path in obj.items("remotes", MAX_PACKAGES)]
    if not packages and not remotes:
        raise Invalid("catalogue.nothing_to_run", obj.at("packages"))
    meta = obj.obj("_meta")
    ours = meta.obj(OUR_META) if meta else None
    chinese = ours.obj("zh") if ours else None
    known = {"$schema", "name", "title", "description", "version", "repository", "websiteUrl", "icons", "packages",
             "remotes", "_meta"}
    return ServerJson(
        name=name, version=version, schema=schema or SCHEMA_URL,
        description=obj.text("description", required=True, most=100) or "",
        title=obj.text("title", most=100) or None,
        repository=_repository(repository) if repository else None,
        website_url=_url(obj, "websiteUrl"),
        icons=tuple(_icon(_Obj(item, path)) for item, path in obj.items("icons", 20)),
        packages=tuple(packages), remotes=tuple(remotes),
        meta=MappingProxyType(dict(meta.data)) if meta else MappingProxyType({}),
        extra=MappingProxyType({k: v for k, v in obj.data.items() if k not in known}),
        tags=_tags(ours) if ours else (),
        chinese=Listing(chinese.text("title", most=100) or "", chinese.text("description", most=500) or "",
                        _tags(chinese)) if chinese else Listing())


def _server_version(version: str, path: str) -> None:
    if _RANGE.search(version):
        raise Invalid("catalogue.version_range", path, value=_shown(version), example="1.2.3")
    if not _SERVER_VERSION.match(version):
        raise Invalid("catalogue.bad_version", path, value=_shown(version), example="1.2.3")


def _tags(obj: _Obj) -> tuple[str, ...]:
    return tuple(_text(item, path, required=True, most=40) for item, path in obj.items("tags", 20))


def _repository(obj: _Obj) -> Repository:
    subfolder = obj.text("subfolder", most=300)
    if subfolder is not None and (subfolder.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", subfolder)):
        raise Invalid("catalogue.bad_subfolder", obj.at("subfolder"))
    return Repository(url=_url(obj, "url", required=True) or "", source=obj.text("source", required=True, most=50)
                      or "", subfolder=subfolder, id=obj.text("id", most=200))


def _icon(obj: _Obj) -> Icon:
    sizes = tuple(_text(item, path, most=20) for item, path in obj.items("sizes", 20))
    for size, (_, path) in zip(sizes, obj.items("sizes", 20), strict=True):
        if not _ICON_SIZE.match(size):
            raise Invalid("catalogue.bad_choice", path, value=_shown(size), choices="48x48, 96x96, any")
    return Icon(src=_url(obj, "src", https=True, required=True) or "",
                mime_type=obj.choice("mimeType", ("image/png", "image/jpeg", "image/jpg", "image/svg+xml",
                                                  "image/webp")),
                sizes=sizes, theme=obj.choice("theme", ("light", "dark")))


def _package(obj: _Obj) -> Package:
    registry = obj.text("registryType", required=True, most=50) or ""
    if registry not in REGISTRIES:
        raise Invalid("catalogue.registry_type", obj.at("registryType"), value=_shown(registry))
    base = _url(obj, "registryBaseUrl", https=True)
    if base is not None and base.rstrip("/") != REGISTRIES[registry]:
        raise Invalid("catalogue.registry_base_url", obj.at("registryBaseUrl"), value=_shown(base),
                      expected=REGISTRIES[registry])
    identifier = obj.text("identifier", required=True, most=214) or ""
    if registry == "pypi" and not _PYPI_NAME.match(identifier):
        raise Invalid("catalogue.bad_identifier.pypi", obj.at("identifier"), value=_shown(identifier))
    if registry == "npm" and not _NPM_NAME.match(identifier):
        raise Invalid("catalogue.bad_identifier.npm", obj.at("identifier"), value=_shown(identifier))
    version = obj.text("version", required=True, most=100) or ""
    example = "1.2.3" if registry == "npm" else "2.0.1"
    if _RANGE.search(version):
        raise Invalid("catalogue.version_range", obj.at("version"), value=_shown(version), example=example)
    if not (_SEMVER if registry == "npm" else _PEP440).match(version):
        raise Invalid("catalogue.bad_version", obj.at("version"), value=_shown(version), example=example)
    transport = obj.obj("transport")
    if transport is None:
        raise Invalid("catalogue.missing", obj.at("transport"))
    hint = obj.text("runtimeHint", most=32)
    if hint is not None and not _HINT.match(hint):
        raise Invalid("catalogue.bad_hint", obj.at("runtimeHint"), value=_shown(hint))
    sha = obj.text("fileSha256", most=64)
    if sha is not None and not _SHA256.match(sha):
        raise Invalid("catalogue.bad_sha256", obj.at("fileSha256"))
    env = tuple(_input(_Obj(item, path), "env") for item, path in obj.items("environmentVariables"))
    _unique(env, obj.at("environmentVariables"))
    return Package(
        registry_type=registry, identifier=identifier, version=version,
        transport=_transport(transport, TRANSPORTS), registry_base_url=base, runtime_hint=hint,
        runtime_arguments=tuple(_argument(_Obj(item, path)) for item, path in obj.items("runtimeArguments")),
        package_arguments=tuple(_argument(_Obj(item, path)) for item, path in obj.items("packageArguments")),
        environment_variables=env, file_sha256=sha)


def _transport(obj: _Obj, types: tuple[str, ...]) -> Transport:
    kind = obj.choice("type", types, required=True) or ""
    url = None
    if kind != "stdio":
        url = obj.text("url", required=True, most=2000) or ""
        if not _URL_TEMPLATE.match(url):
            raise Invalid("catalogue.bad_url", obj.at("url"), value=_shown(url))
        if url.startswith("http") and (urlsplit(url).username is not None or urlsplit(url).password is not None):
            raise Invalid("catalogue.url_credentials", obj.at("url"))
    headers = tuple(_input(_Obj(item, path), "header") for item, path in obj.items("headers"))
    _unique(headers, obj.at("headers"), fold=True)
    return Transport(type=kind, url=url, headers=headers, variables=_variables(obj))


def _remote(obj: _Obj) -> Transport:
    return _transport(obj, REMOTE_TRANSPORTS)


def _unique(inputs: tuple[Input, ...], path: str, *, fold: bool = False) -> None:
    seen: set[str] = set()
    for i, item in enumerate(inputs):
        key = item.name.lower() if fold else item.name
        if key in seen:
            raise Invalid("catalogue.duplicate_name", f"{path}[{i}].name", value=_shown(item.name))
        seen.add(key)


def _variables(obj: _Obj, *, strict: bool = False) -> Mapping[str, Input]:
    """The ``{name}`` variables of a value or URL; ``strict``: they fill in an argument (no shell characters)."""
    given = obj.obj("variables")
    if given is None:
        return MappingProxyType({})
    if len(given.data) > MAX_ITEMS:
        raise Invalid("catalogue.too_many", given.path, most=MAX_ITEMS)
    out = {}
    for name, value in given.data.items():
        if not _VAR_NAME.match(name):
            raise Invalid("catalogue.bad_variable_name", given.at(name), value=_shown(name))
        out[name] = _input(_Obj(value, given.at(name)), "variable", strict=strict)
    return MappingProxyType(out)


def _input(obj: _Obj, kind: str, *, strict: bool = False, **extra: Any) -> Any:
    """An environment variable, header or variable (``kind``), or with ``extra`` an argument's common fields.
    ``strict``: its values end up on a command line (an argument's, or a variable filling one in)."""
    strict = strict or kind == "argument"
    name = ""
    if kind in ("env", "header"):
        name = obj.text("name", required=True, most=128) or ""
        if kind == "env" and not _VAR_NAME.match(name):
            raise Invalid("catalogue.bad_env_name", obj.at("name"), value=_shown(name))
        if kind == "env" and (name.upper() in _RESERVED_ENV or name.upper().startswith(_RESERVED_ENV_PREFIXES)):
            raise Invalid("catalogue.reserved_env", obj.at("name"), value=name)
        if kind == "header" and not _HEADER.match(name):
            raise Invalid("catalogue.bad_header_name", obj.at("name"), value=_shown(name))
        if kind == "header" and name.lower() in _RESERVED_HEADERS:
            raise Invalid("catalogue.reserved_header", obj.at("name"), value=name)
    elif kind == "argument":
        name = extra.pop("name")
    secret = obj.flag("isSecret")
    value, default = _value(obj, "value", strict), _value(obj, "default", strict)
    if secret and default is not None:
        raise Invalid("catalogue.secret_value", obj.at("default"))
    if secret and value is not None and not _TEMPLATE_VAR.search(value):   # "Bearer {token}" asks for the token
        raise Invalid("catalogue.secret_value", obj.at("value"))
    choices = tuple(_checked_value(_text(item, path, most=1000), path, strict) for item, path in obj.items("choices"))
    cls = Argument if kind == "argument" else Input
    return cls(name=name, description=obj.text("description", most=1000, one_line=False) or "",
               is_required=obj.flag("isRequired"), is_secret=secret,
               format=obj.choice("format", FORMATS) or "string", value=value, default=default,
               placeholder=obj.text("placeholder", most=200), choices=choices,
               variables=_variables(obj, strict=strict) if kind != "variable" else MappingProxyType({}), **extra)


def _value(obj: _Obj, key: str, strict: bool) -> str | None:
    value = obj.text(key, most=1000)
    return None if value is None else _checked_value(value, obj.at(key), strict)


def _checked_value(value: str, path: str, strict: bool) -> str:
    """A value for a command line (``strict``) may hold no shell characters (the hub runs no shell, but an entry
    that carries them is an attempt or a mistake); other values only no control characters (``_text`` saw to that)."""
    if strict and _SHELL.search(value):
        chars = " ".join(sorted(set(_SHELL.findall(value)))).replace("\n", "\\n").replace("\r", "\\r")
        raise Invalid("catalogue.shell_chars", path, value=_shown(value), chars=chars)
    return value


def _argument(obj: _Obj) -> Argument:
    kind = obj.choice("type", ("positional", "named"), required=True)
    name = ""
    if kind == "named":
        name = obj.text("name", required=True, most=100) or ""
        if not _FLAG.match(name):
            raise Invalid("catalogue.bad_flag", obj.at("name"), value=_shown(name))
    hint = obj.text("valueHint", most=100)
    if kind == "positional" and hint is None and obj.data.get("value") is None:
        raise Invalid("catalogue.positional_value", obj.at("valueHint"))
    return _input(obj, "argument", name=name, type=kind, value_hint=hint, is_repeated=obj.flag("isRepeated"))
