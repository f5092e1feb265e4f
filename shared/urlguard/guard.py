"""The SSRF guard: which URLs the platform may connect to for someone else, and at which address.

A URL is refused unless it is http(s), carries no credentials, and every address its host resolves to is
public. Private, loopback, link-local (cloud metadata), multicast, reserved, unspecified (0.0.0.0, ::),
unique-local IPv6 and IPv4-mapped IPv6 addresses are refused, as are odd numeric host spellings
(``2130706433``, ``0x7f.1``) that some resolvers turn into addresses.

``allow_private_hosts`` lets an administrator open exactly what they mean: a host NAME entry allows that name
whatever it resolves to; an IP or CIDR entry allows URLs written with such an address. A name that is not listed
never reaches a private address, even one inside a listed network (so a public DNS name pointed at 127.0.0.1 is
refused). The host is resolved here, once, and the caller connects to that address (``Pinned``), so a second,
different DNS answer cannot be slipped in. A refusal is ``UrlRefused`` (a ``url.*`` code, said in en or zh).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from shared.messages import Message, MessageError
from shared.urlguard.messages import MESSAGES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
SCHEMES = {"http": 80, "https": 443}
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class UrlRefused(MessageError):
    """A URL the guard will not connect to: ``code`` (``url.*``) and ``fields`` say why; ``text(locale)`` says it
    in en or zh, ``message`` in English; ``field`` is the input at fault when the caller named one."""

    catalogue = MESSAGES

    def reason(self) -> Message:
        """The refusal as a ``Message``, to fill a field of the caller's own sentence (said in the same language)."""
        return MESSAGES.message(self.key, **self.fields)


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the system resolver, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address as an ``address.*`` code ("address.loopback"), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "address.ipv4_mapped"
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and address_kind(embedded):
            return "address.wrapped"
    checks = (
        (ip.is_unspecified, "address.unspecified"),
        (ip.is_loopback, "address.loopback"),
        (ip.is_link_local, "address.link_local"),
        (ip.is_multicast, "address.multicast"),
        (ip.version == 6 and ip in UNIQUE_LOCAL, "address.unique_local"),
        (ip.is_reserved, "address.reserved"),
        (ip.is_private, "address.private"),
        (not ip.is_global, "address.not_global"),
    )
    return next((kind for bad, kind in checks if bad), None)


def not_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address, in English (a phrase like "a loopback address"), or None."""
    kind = address_kind(ip)
    return None if kind is None else MESSAGES.render(kind, "en", {})


def host_of(url: Any) -> str:
    """The URL's host as resolved and matched: ASCII (punycode), lower case, no trailing dot (an httpx URL, or
    an httpx2 one)."""
    return url.raw_host.decode("ascii").lower().rstrip(".")


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse_url(raw: str | httpx.URL) -> httpx.URL:
    """``raw`` as a URL one may try: http(s), a host, no user:password@; else ``UrlRefused``. Nothing is
    resolved: ``check_url`` does that."""
    try:
        url = raw if isinstance(raw, httpx.URL) else httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UrlRefused("url.invalid") from None
    if url.scheme not in SCHEMES:
        raise UrlRefused("url.scheme", scheme=url.scheme) if url.scheme else UrlRefused("url.no_scheme")
    if url.userinfo:
        raise UrlRefused("url.credentials")
    host = host_of(url)
    if not host:
        raise UrlRefused("url.no_host")
    if ip_literal(host) is None and _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        raise UrlRefused("url.numeric_host", host=host)
    return url


@dataclass(frozen=True)
class Pinned:
    """A checked URL and the address to connect to for it (and for any other URL on the same origin)."""

    url: httpx.URL
    host: str
    port: int
    address: str

    @property
    def request_url(self) -> httpx.URL:
        """The URL with the pinned address as its host (the Host header and TLS name stay ``host``)."""
        return self.url.copy_with(host=self.address)

    @property
    def host_header(self) -> str:
        netloc = self.url.netloc.decode("ascii")
        return netloc.rsplit("@", 1)[-1]

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` as the URL wrote it."""
        return f"{self.url.scheme}://{self.host_header}"

    @property
    def extensions(self) -> dict[str, str]:
        """The request extensions that make httpx (or httpx2) send ``host`` as the TLS server name and verify the
        certificate against it while connecting to ``address``."""
        return {"sni_hostname": self.host} if self.url.scheme == "https" else {}

    def same_origin(self, url: Any) -> bool:
        """Whether ``url`` (httpx or httpx2) has this URL's scheme, host and port, i.e. may use this address."""
        return (url.scheme == self.url.scheme and host_of(url) == self.host
                and (url.port or SCHEMES[url.scheme]) == self.port)


class HostPolicy:
    """The allow-list of private hosts (names, IPs, CIDR networks) and the checks that use it."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allowed:
            text = entry.strip().lower().rstrip(".")
            try:
                self.networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            except ValueError:
                self.names.add(text)

    def literal_allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)

    async def pin(self, url: httpx.URL, resolver: Resolver) -> Pinned:
        """Check ``url`` and choose its address; ``UrlRefused`` says why not."""
        url = parse_url(url)
        host = host_of(url)
        port = url.port or SCHEMES[url.scheme]
        literal = ip_literal(host)
        if literal is not None:
            kind = address_kind(literal)
            if kind and not self.literal_allowed(literal):
                raise UrlRefused("url.address", host=host, kind=MESSAGES.message(kind))
            return Pinned(url, host, port, str(literal))
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError):
            raise UrlRefused("url.unresolved", host=host) from None
        if not addresses:
            raise UrlRefused("url.no_address", host=host)
        if host not in self.names:
            for address in addresses:
                ip = ip_literal(address.split("%", 1)[0])
                kind = "address.not_ip" if ip is None else address_kind(ip)
                if kind:
                    raise UrlRefused("url.resolves_to", host=host, address=address, kind=MESSAGES.message(kind))
        return Pinned(url, host, port, addresses[0])


async def check_url(url: str | httpx.URL, policy: HostPolicy, *, resolver: Resolver = system_resolver,
                    field: str | None = None) -> Pinned:
    """``url`` checked against ``policy`` and resolved once: where to connect (``Pinned``); else ``UrlRefused``
    (naming ``field``, the input the URL came from), before any connection is made."""
    try:
        return await policy.pin(parse_url(url), resolver)
    except UrlRefused as refused:
        refused.field = field
        raise
