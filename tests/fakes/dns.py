"""A resolver that answers from a table instead of DNS, for the SSRF guard's tests.

    class Resolver(TableResolver):
        names = {"pinned.test": ["127.0.0.1"], "empty.test": []}
    resolver = Resolver(); await resolver("pinned.test", 443); resolver.calls    # ["pinned.test"]
"""

from __future__ import annotations


class TableResolver:
    """Answers from ``names`` (no DNS); counts the look-ups so a test can see each name resolved once."""

    names: dict[str, list[str]] = {}

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.names:
            raise OSError(f"unknown name {host}")
        return self.names[host]
