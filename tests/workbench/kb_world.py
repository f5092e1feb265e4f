"""The knowledge-base services on a real DuckDB file, as the test_kb_* files (and the KB pages' tests) build
them: ``Directory`` (the accounts), ``World``/``make_world`` (store, access, teams, bases, sharing), ``refused``
(a refusal checked in English and Chinese), and rows written as ingestion writes them (``put_chunks``,
``add_document``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from workbench.kb.access import Access
from workbench.kb.bases import KnowledgeBases
from workbench.kb.errors import KBError
from workbench.kb.keyword import terms_text
from workbench.kb.records import ChunkRecord
from workbench.kb.sharing import Sharing
from workbench.kb.teams import Teams
from workbench.schema import open_store
from workbench.store import Store, store_path

MODEL = "use-multilingual:v3"
CJK = re.compile(r"[\u4e00-\u9fff]")


class Directory:
    """The accounts as the kb services see them: username -> user id (disabled ones are not found)."""

    def __init__(self, *names: str, ids: dict[str, str] | None = None) -> None:
        self.ids = {**{name: f"u-{name}" for name in names}, **(ids or {})}     # ids: accounts made elsewhere
        self.disabled: set[str] = set()

    def id_of(self, username: str) -> str | None:
        return None if username in self.disabled else self.ids.get(username)

    def name_of(self, user_id: str) -> str | None:
        return next((name for name, uid in self.ids.items() if uid == user_id), None)


@dataclass
class World:
    store: Store
    users: Directory
    access: Access
    teams: Teams
    kbs: KnowledgeBases
    sharing: Sharing
    dropped: list[str]
    reembeds: list[str]                  # the KBs whose re-embedding was asked for or cancelled (``on_reembed``)

    def uid(self, name: str) -> str:
        return self.users.ids[name]

    def add_document(self, kb_id: str, name: str, chunks: int = 0, status: str = "ready") -> str:
        """A document row as the ingestion queue writes it (and its chunks' rows)."""
        doc_id, at = uuid.uuid4().hex, "2026-01-01 00:00:00"
        with self.store.transaction() as cur:
            cur.execute("INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, pages, chunks, status, "
                        "uploaded_by, created_at, updated_at) VALUES (?, ?, ?, 'text', ?, 10, 1, ?, ?, 'x', ?, ?)",
                        [doc_id, kb_id, name, uuid.uuid4().hex, chunks, status, at, at])
            for idx in range(chunks):
                cur.execute("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, tokens) "
                            "VALUES (?, ?, ?, ?, 'text', 1)", [uuid.uuid4().hex, kb_id, doc_id, idx])
        return doc_id


def make_world(tmp_path: Path, *names: str) -> World:
    store = open_store(store_path(tmp_path / "data"))
    users = Directory(*names)
    access = Access(store)
    dropped: list[str] = []
    reembeds: list[str] = []
    kbs = KnowledgeBases(store, access, embedding_models=lambda: [MODEL, "bge-m3"], on_drop=dropped.append,
                         on_reembed=reembeds.append)
    return World(store, users, access, Teams(store, access, users), kbs, Sharing(store, access, users), dropped,
                 reembeds)


def refused(kind: type[KBError], call: Callable[[], Any]) -> KBError:
    """The refusal ``call`` raises, checked to be a ``kind`` with English and Chinese text."""
    with pytest.raises(kind) as caught:
        call()
    error = caught.value
    zh = error.text("zh")
    assert error.message and CJK.search(zh), f"no Chinese text: {error.message!r} {zh!r}"
    assert error.text("zh-CN") == zh and error.text("en") == error.message
    return error


def put_chunks(store, kb_id: str, document_id: str, texts: Sequence[str], *, first_page: int | None = 1,
               with_terms: bool = True) -> list[ChunkRecord]:
    """Chunk rows written as ingestion writes them (``terms`` from ``terms_text``); the records returned."""
    chunks = [ChunkRecord(id=uuid.uuid4().hex, kb_id=kb_id, document_id=document_id, idx=i, text=t,
                          first_page=None if first_page is None else first_page + i,
                          last_page=None if first_page is None else first_page + i, tokens=len(t.split()))
              for i, t in enumerate(texts)]
    with store.transaction() as cur:
        for c in chunks:
            cur.execute("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, first_page, last_page, heading, "
                        "tokens, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [c.id, c.kb_id, c.document_id, c.idx, c.text, c.first_page, c.last_page, c.heading,
                         c.tokens, terms_text(c.text) if with_terms else ""])
    return chunks


def add_document(store, kb_id: str, name: str, texts: list[str], *, status: str = "ready",
                 headings: list[str | None] | None = None) -> str:
    """A document row as the ingestion writes it, and its chunk rows (``texts`` in order; page n+1 for chunk n,
    chunk 1 spanning pages 2–3)."""
    doc_id, at = uuid.uuid4().hex, datetime(2026, 1, 1)
    with store.transaction() as cur:
        cur.execute("INSERT INTO kb_documents (id, kb_id, name, kind, sha256, bytes, pages, chunks, status, "
                    "uploaded_by, created_at, updated_at) VALUES (?, ?, ?, 'txt', ?, 10, ?, ?, ?, 'u-alice', ?, ?)",
                    [doc_id, kb_id, name, uuid.uuid4().hex, len(texts) + 1, len(texts), status, at, at])
        for idx in reversed(range(len(texts))):                    # stored out of order: read back by idx
            cur.execute("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, first_page, last_page, heading, "
                        "tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [f"{doc_id}-{idx}", kb_id, doc_id, idx, texts[idx], idx + 1, idx + 2 if idx == 1 else idx + 1,
                         (headings or [None] * len(texts))[idx], len(texts[idx].split())])
    return doc_id
