"""Remote MCP servers (streamable HTTP, or the older HTTP+SSE) that users register, and the header values they need.

    remotes = Remotes(store, catalogue, sealer, HostPolicy(settings.mcp_allow_private_hosts), audit)
    entry = await remotes.register(Registration("https://tools.example.org/mcp", title="Lab tools",
                                                bearer_token="sk-..."), alice)            # for herself
    await remotes.register(Registration(url, visibility="team", team_id="t-lab"), alice)   # a team she manages
    remotes.set_headers(entry.id, [Header("X-Project", "p-42")], alice)                  # who may change the entry
    remotes.headers_of(entry.id, alice)        # [HeaderView("Authorization", secret=True, is_set=True, value=None)]
    remotes.values(entry)                      # {"Authorization": "Bearer sk-..."}: for the connector only

A registration becomes a catalogue entry (a ``server.json`` with one ``remotes`` item, source "registered") seen by
the user, the team or everyone (``Catalogue.register`` decides who may). Its URL must pass the SSRF guard
(``shared.urlguard``: private, loopback and link-local addresses are refused unless the admin's allow-list,
``MAAS_MCP_ALLOW_PRIVATE_HOSTS``, names them), checked here and again at every connection. A header is secret when
its entry declares it ``isSecret``, when the registration says so, or by its name (``SECRET_HEADERS``:
Authorization, Cookie, API keys); a secret's value is sealed (``sealed.Sealer``, bound to its entry and header) into
``mcp_header_values`` and never shown again, logged or put in the server.json; other values are the server.json's
own ``value``. Refusals name the field as the registration form has it: ``url``, ``headers[1].value``,
``bearer_token``, ``title``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.urlguard import HostPolicy, Resolver, UrlRefused, check_url, system_resolver
from workbench.store import Store, utcnow

from .catalogue import Catalogue, Entry, Viewer
from .errors import HubError
from .runs import Audit
from .sealed import Sealer, SecretUnreadable
from .server_json import REMOTE_TRANSPORTS, SCHEMA_URL, Invalid, Transport

SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "api-key", "apikey", "x-auth-token",
                            "x-access-token"})
MAX_SECRET_CHARS = 8000
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_TEMPLATE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_SLUG = re.compile(r"[^a-zA-Z0-9._-]+")


@dataclass(frozen=True)
class Header:
    """A header value to send: ``secret`` None means "secret if its name says so" (``SECRET_HEADERS``)."""

    name: str
    value: str
    secret: bool | None = None


@dataclass(frozen=True)
class Registration:
    """What a user fills in to register a remote server. ``transport``: "streamable-http" or "sse"; ``visibility``:
    "user" (themselves), "team" (``team_id``, one they manage) or "everyone" (admins); ``name``: the reverse-DNS
    name (default: from the URL, like ``org.example.tools/mcp``); ``bearer_token``: sent as
    ``Authorization: Bearer <token>``."""

    url: str
    transport: str = "streamable-http"
    title: str = ""
    description: str = ""
    headers: tuple[Header, ...] = ()
    bearer_token: str = ""
    visibility: str = "user"
    team_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class HeaderView:
    """A header of a remote server as a page shows it: a secret's value is never shown (``value`` None)."""

    name: str
    secret: bool
    required: bool
    is_set: bool
    value: str | None
    description: str = ""


def is_secret(name: str, declared: bool = False) -> bool:
    return declared or name.strip().lower() in SECRET_HEADERS


def default_name(url: str) -> str:
    """A registry-style name for a server at ``url``: its host's labels reversed, then its path (and a port that is
    not the scheme's), e.g. ``https://tools.example.org:8443/v1/mcp`` -> ``org.example.tools/v1-mcp-8443``."""
    parts = urlsplit(url)
    host = (parts.hostname or "server").strip("[]")
    if re.fullmatch(r"[0-9.]+|[0-9a-fA-F:]+", host):
        namespace = host.replace(":", "-")
    else:
        namespace = ".".join(reversed(host.split(".")))
    namespace = re.sub(r"[^a-zA-Z0-9.-]+", "-", namespace).strip(".-") or "server"
    slug = _SLUG.sub("-", parts.path.strip("/")).strip("-") or "mcp"
    port = parts.port
    if port and port != {"http": 80, "https": 443}.get(parts.scheme):
        slug = f"{slug}-{port}"
    return f"{namespace}/{slug[:120]}"


class Remotes:
    """Registering remote servers and keeping their header values (see the module doc)."""

    def __init__(self, store: Store, catalogue: Catalogue, sealer: Sealer, policy: HostPolicy, audit: Audit, *,
                 resolver: Resolver = system_resolver) -> None:
        self.store, self.catalogue, self.sealer, self.policy = store, catalogue, sealer, policy
        self.audit, self.resolver = audit, resolver

    async def register(self, registration: Registration, viewer: Viewer) -> Entry:
        """Check ``registration`` (refusals name its field), add the entry and seal its secrets; audited."""
        reg = registration
        if reg.transport not in REMOTE_TRANSPORTS:
            raise HubError("mcp_hub.transport", "transport", choices=", ".join(REMOTE_TRANSPORTS))
        headers = [*reg.headers, *([Header("Authorization", f"Bearer {reg.bearer_token}", True)]
                                   if reg.bearer_token else [])]
        fields = [f"headers[{i}]" for i in range(len(reg.headers))] + ["bearer_token"] * bool(reg.bearer_token)
        for header, field in zip(headers, fields, strict=True):
            _check_value(header, f"{field}.value" if field != "bearer_token" else field)
        try:
            await check_url(reg.url.strip(), self.policy, resolver=self.resolver, field="url")
        except UrlRefused as refused:
            raise HubError("mcp_hub.url_refused", "url", why=refused.reason()) from None
        url = reg.url.strip()
        name = reg.name.strip() or self._free_name(default_name(url), reg.visibility)
        text = server_json_text(reg, url, name, headers)
        try:
            entry = self.catalogue.register(text, viewer, visibility=reg.visibility, team_id=reg.team_id)
        except Invalid as invalid:
            raise _renamed(invalid, fields) from None
        secrets = [h for h in headers if _secret(h)]
        with self.store.transaction() as cur:
            for header in secrets:
                self._store_value(cur, entry.id, header.name, header.value, True, viewer.user_id)
            self.audit.record(cur, viewer.user_id, "register", entry.id, entry.name, {
                "url": _shown_url(url), "transport": reg.transport, "visibility": reg.visibility,
                "team_id": reg.team_id, "headers": [h.name for h in headers]})
        return entry

    def _free_name(self, name: str, visibility: str) -> str:
        """``name``, or with "-2", "-3"... when another server shared with everyone has it already."""
        if visibility != "everyone":
            return name
        cur, candidate = self.store.cursor(), name
        for n in range(2, 1000):
            if not cur.execute("SELECT 1 FROM mcp_catalogue WHERE visibility = 'everyone' AND name = ?",
                               [candidate]).fetchone():
                break
            candidate = f"{name}-{n}"
        return candidate

    def set_headers(self, entry_id: str, headers: Iterable[Header], viewer: Viewer) -> list[HeaderView]:
        """Store values for headers the entry's remote declares (a value "" clears one); who may change the entry."""
        entry = self.catalogue.changeable(entry_id, viewer)
        declared = {h.name.lower(): h for h in _remote(entry).headers}
        headers = list(headers)
        with self.store.transaction() as cur:
            for i, header in enumerate(headers):
                known = declared.get(header.name.strip().lower())
                if known is None:
                    raise HubError("mcp_hub.unknown_header", f"headers[{i}].name", name=header.name[:80],
                                   names=", ".join(h.name for h in _remote(entry).headers) or "-")
                if not header.value:
                    cur.execute("DELETE FROM mcp_header_values WHERE entry_id = ? AND name = ?", [entry.id, known.name])
                    continue
                _check_value(header, f"headers[{i}].value")
                secret = is_secret(known.name, known.is_secret or bool(header.secret))
                self._store_value(cur, entry.id, known.name, header.value, secret, viewer.user_id)
            self.audit.record(cur, viewer.user_id, "set_headers", entry.id, entry.name,
                              {"headers": [h.name for h in headers]})
        return self.headers_of(entry.id, viewer)

    def _store_value(self, cur, entry_id: str, name: str, value: str, secret: bool, actor: str) -> None:
        sealed = self.sealer.seal(value, "mcp_header_values", entry_id, name) if secret else None
        cur.execute("INSERT OR REPLACE INTO mcp_header_values (entry_id, name, secret, value, sealed, updated_by, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [entry_id, name, secret, None if secret else value, sealed, actor, utcnow()])

    def _stored(self, entry_id: str) -> dict[str, tuple[str, bool, str | None, bytes | None]]:
        rows = self.store.cursor().execute("SELECT name, secret, value, sealed FROM mcp_header_values "
                                           "WHERE entry_id = ?", [entry_id]).fetchall()
        return {row[0].lower(): row for row in rows}

    def headers_of(self, entry_id: str, viewer: Viewer) -> list[HeaderView]:
        """The entry's remote headers, whether each has a value, and the value unless it is secret."""
        entry = self.catalogue.get(entry_id, viewer)
        stored = self._stored(entry.id)
        views = []
        for header in _remote(entry).headers if entry.server.remotes else ():
            row = stored.get(header.name.lower())
            secret = is_secret(header.name, header.is_secret or bool(row and row[1]))
            fixed = header.value if header.value is not None and not _TEMPLATE.search(header.value) else None
            value = None if secret else (row[2] if row else fixed)
            views.append(HeaderView(header.name, secret, header.is_required, bool(row) or fixed is not None, value,
                                    header.description))
        return views

    def values(self, entry: Entry) -> dict[str, str]:
        """The headers to send to the entry's remote (secrets opened): a stored value, else the entry's fixed one;
        ``HubError`` ``header_missing`` for a required header without either."""
        stored = self._stored(entry.id)
        out: dict[str, str] = {}
        for i, header in enumerate(_remote(entry).headers):
            row = stored.get(header.name.lower())
            if row is not None:
                try:
                    out[header.name] = (self.sealer.open(row[3], "mcp_header_values", entry.id, row[0]) if row[1]
                                        else str(row[2]))
                except SecretUnreadable:
                    raise SecretUnreadable(f"headers[{i}]", header.name) from None
            elif header.value is not None and not _TEMPLATE.search(header.value):
                out[header.name] = header.value
            elif header.is_required:
                raise HubError("mcp_hub.header_missing", f"headers[{i}]", name=header.name)
        return out

    @staticmethod
    def forget(cur, entry_id: str) -> None:
        """Drop an entry's stored header values (the entry is being removed), with the caller's cursor."""
        cur.execute("DELETE FROM mcp_header_values WHERE entry_id = ?", [entry_id])


def server_json_text(reg: Registration, url: str, name: str, headers: list[Header]) -> str:
    """The server.json of a registration: one remote; secret headers declared without their value."""
    declared = [{"name": h.name, "isSecret": True, "isRequired": True} if _secret(h) else {"name": h.name,
                                                                                         "value": h.value}
                for h in headers]
    remote = {"type": reg.transport, "url": url, **({"headers": declared} if declared else {})}
    host = urlsplit(url).hostname or url
    data = {"$schema": SCHEMA_URL, "name": name, "title": reg.title.strip() or host,
            "description": reg.description.strip() or f"{reg.transport} MCP server at {host}",
            "version": "1.0.0", "remotes": [remote]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def _secret(header: Header) -> bool:
    return is_secret(header.name, bool(header.secret))


def _check_value(header: Header, field: str) -> None:
    if not header.value.strip():
        raise HubError("mcp_hub.header_empty", field, name=header.name[:80])
    if _CONTROL.search(header.value):
        raise HubError("mcp_hub.header_value", field, name=header.name[:80])
    if len(header.value) > MAX_SECRET_CHARS:
        raise HubError("mcp_hub.header_too_long", field, name=header.name[:80], most=MAX_SECRET_CHARS)


def _renamed(invalid: Invalid, fields: list[str]) -> Invalid:
    """A refusal of the built server.json with its field as the registration form names it."""
    path = invalid.field or ""
    match = re.match(r"remotes\[0\]\.headers\[(\d+)\](.*)", path)
    if match and int(match.group(1)) < len(fields):
        field = fields[int(match.group(1))]
        path = field if field == "bearer_token" else field + match.group(2)
    else:
        path = {"remotes[0].url": "url", "remotes[0].type": "transport"}.get(path, path)
    return Invalid(invalid.key, path, **invalid.fields)


def _remote(entry: Entry) -> Transport:
    if not entry.server.remotes:
        raise HubError("mcp_hub.not_remote", "id", server=entry.listing().title)
    return entry.server.remotes[0]


def _shown_url(url: str) -> str:
    """The URL without its query and fragment (a token is sometimes put there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
