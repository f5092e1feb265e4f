"""Reverse proxies the operator trusts (MAAS_TRUSTED_PROXIES): who the client is and which scheme it used.

uvicorn's own proxy handling is off (launch.py): it believed ``X-Forwarded-For`` from 127.0.0.1, that is from
anyone on the machine, so one client could pass for any number of others. Here a forwarded address counts only
when the connection comes from a configured proxy, and then it is the rightmost address no trusted proxy added
(what a client writes further left is its own say-so).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:                    # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:                                  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: Sequence[Network]) -> bool:
    ip = _ip(address) if address else None
    return ip is not None and any(ip.version == net.version and ip in net for net in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """The client's address: ``peer`` unless ``peer`` is a trusted proxy that sent ``X-Forwarded-For``; then the
    rightmost forwarded address that is not a trusted proxy (the leftmost when all are)."""
    if not forwarded_for or not is_trusted(peer, trusted):
        return peer
    hops = [hop for hop in (_ip(part) for part in forwarded_for.split(",")) if hop is not None]
    for hop in reversed(hops):
        if not is_trusted(str(hop), trusted):
            return str(hop)
    return str(hops[0]) if hops else peer


def forwarded_scope(scope: dict, trusted: Sequence[Network]) -> dict:
    """``scope`` with the client address and scheme a trusted proxy reported (``X-Forwarded-For``,
    ``X-Forwarded-Proto``); the same ``scope`` when the peer is not a trusted proxy."""
    client = scope.get("client")
    peer = client[0] if client else None
    if not trusted or not is_trusted(peer, trusted):
        return scope
    headers = scope.get("headers") or ()
    forwarded = ", ".join(v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for")
    scope = dict(scope)
    if forwarded:
        scope["client"] = (client_address(peer, forwarded, trusted), 0)
    proto = next((v.decode("latin-1") for k, v in reversed(headers) if k == b"x-forwarded-proto"), "")
    proto = proto.split(",")[-1].strip().lower()
    if proto in ("http", "https"):
        scope["scheme"] = proto if scope.get("type") == "http" else {"http": "ws", "https": "wss"}[proto]
    return scope
