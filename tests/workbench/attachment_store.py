"""Attachments on a real DuckDB file: ``Setup`` (store, conversations, attachments) and ``attach``."""

from __future__ import annotations

from workbench.attachments import Attachments, Limits
from workbench.conversations import Conversations
from workbench.schema import open_store

MB = 1024 * 1024
EMBEDDING = "use-multilingual:v3"


class Setup:
    def __init__(self, path, limits: Limits | None = None) -> None:
        self.path = path
        self.store = open_store(path)
        self.convs = Conversations(self.store)
        self.attachments = Attachments(self.store, self.convs, limits)

    def count(self, table: str) -> int:
        return self.store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def attach(s: Setup, user: str, cid: str, name: str, data: bytes, **kw):
    return s.attachments.add(user, cid, name, data, max_bytes=kw.pop("max_bytes", 20 * MB), **kw)
