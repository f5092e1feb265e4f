"""The SSRF guard: which URLs a search result may make the gateway fetch, and at which address.

Result URLs come from the internet, so fetching them must not reach the gateway's own network:
a URL is refused unless it is http(s), carries no credentials, and every address its host resolves
to is public. Private, loopback, link-local (cloud metadata), multicast, reserved, unspecified
(0.0.0.0, ::), unique-local IPv6 and IPv4-mapped IPv6 addresses are refused, as are odd numeric
host spellings (``2130706433``, ``0x7f.1``) that some resolvers turn into addresses.

``allow_private_hosts`` lets an administrator open exactly what they mean: a host NAME entry allows
that name whatever it resolves to; an IP or CIDR entry allows URLs written with such an address.
A name that is not listed never reaches a private address, even one inside a listed network (so a
public DNS name pointed at 127.0.0.1 is refused). The host is resolved here, once per hop, and the
fetcher connects to that address (``pin``), so a second, different DNS answer cannot be slipped in.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpx

from gateway.websearch.errors import Refused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
SCHEMES = {"http": 80, "https": 443}
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the system resolver, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def not_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address (a phrase like "a loopback address"), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not_public(embedded):
            return "an IPv6 address wrapping a non-public IPv4 address"
    checks = (
        (ip.is_unspecified, "an unspecified address (0.0.0.0 or ::)"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address (where cloud metadata services live)"),
        (ip.is_multicast, "a multicast address"),
        (ip.version == 6 and ip in UNIQUE_LOCAL, "a unique-local IPv6 address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for bad, why in checks if bad), None)


def host_of(url: httpx.URL) -> str:
    """The URL's host as resolved and matched: ASCII (punycode), lower case, no trailing dot."""
    return url.raw_host.decode("ascii").lower().rstrip(".")


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(raw: str | httpx.URL) -> httpx.URL:
    """``raw`` as a URL the fetcher may try: http(s), a host, no user:password@; else ``Refused``."""
    try:
        url = raw if isinstance(raw, httpx.URL) else httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise Refused("not a valid URL") from None
    if url.scheme not in SCHEMES:
        raise Refused(f"only http and https URLs are fetched, not {url.scheme or 'this'}:")
    if url.userinfo:
        raise Refused("URLs with credentials (user:password@) are not fetched")
    host = host_of(url)
    if not host:
        raise Refused("the URL has no host")
    if ip_literal(host) is None and _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        raise Refused(f"{host} is an unusual numeric spelling of an address")
    return url


@dataclass(frozen=True)
class Pinned:
    """A checked URL and the address to connect to for it."""

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
        """Check ``url`` and choose its address; ``Refused`` says why not."""
        url = check_url(url)
        host = host_of(url)
        port = url.port or SCHEMES[url.scheme]
        literal = ip_literal(host)
        if literal is not None:
            why = not_public(literal)
            if why and not self.literal_allowed(literal):
                raise Refused(f"{host} is {why}")
            return Pinned(url, host, port, str(literal))
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError):
            raise Refused(f"the name {host} could not be resolved") from None
        if not addresses:
            raise Refused(f"the name {host} has no address")
        if host not in self.names:
            for address in addresses:
                ip = ip_literal(address.split("%", 1)[0])
                why = "not an IP address" if ip is None else not_public(ip)
                if why:
                    raise Refused(f"{host} resolves to {address}, {why}")
        return Pinned(url, host, port, addresses[0])
