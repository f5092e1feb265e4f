"""The ingestion queue's test world: ``World`` (store, keyword index, vectors at a ``VectorPlace``, an
``Ingestion`` on them), a KB row (``make_kb``), generated report pages, zips, and waiting for the queue to settle."""

from __future__ import annotations

import asyncio
import io
import random
import time
import uuid
import zipfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import openai

from tests.aio import run
from tests.conftest import MASTER_KEY
from tests.workbench.chroma_server import VectorPlace
from workbench.kb.ingest import Ingestion
from workbench.kb.keyword import KeywordIndex
from workbench.kb.records import KBDocument, KnowledgeBase
from workbench.schema import open_store
from workbench.store import store_path

MB = 1024 * 1024
EMBEDDING = "use-multilingual:v3"
FACT = "The rooftop colonies produced 42 kilograms of honey"
WORDS = ("research laboratory sample measurement analysis data model result method budget staff equipment "
         "climate water energy robot library student teaching partner grant safety network computing archive "
         "survey field season report committee policy outreach visitor building").split()


def report_pages(pages: int = 30, seed: int = 5) -> list[str]:
    """``pages`` pages of ~400 words (about 2.5 chunks of 300 tokens each), numbered headings, paragraphs;
    page 17 holds ``FACT``."""
    rng = random.Random(seed)
    out = []
    for number in range(1, pages + 1):
        lines = [f"{number} Section {number}"]
        for paragraph in range(4):
            for _ in range(6):
                lines.append(" ".join(rng.choice(WORDS) for _ in range(13)).capitalize() + ".")
            if number == 17 and paragraph == 1:
                lines.append(FACT + ", sold at the winter fair.")
            lines.append("")
        out.append("\n".join(lines).strip())
    return out


def make_kb(store, *, model: str = EMBEDDING, chunk_tokens: int = 300, overlap: int = 40) -> KnowledgeBase:
    now = datetime(2026, 3, 1)
    kb = KnowledgeBase(id=uuid.uuid4().hex, team_id="team-lab", name="Lab", description="", embedding_model=model,
                       chunk_tokens=chunk_tokens, chunk_overlap=overlap, public=False, created_by="u-alice",
                       created_at=now, updated_at=now)
    with store.transaction() as cur:
        cur.execute("INSERT INTO knowledge_bases (id, team_id, name, description, embedding_model, chunk_tokens, "
                    "chunk_overlap, public, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?)", [kb.id, kb.team_id, kb.name, kb.description, kb.embedding_model, kb.chunk_tokens,
                              kb.chunk_overlap, kb.public, kb.created_by, kb.created_at, kb.updated_at])
    return kb


class World:
    """A workbench store and keyword index in ``tmp``, vectors at ``place`` (embedded Chroma in ``tmp`` or the
    Chroma server); ``ingestion()`` makes an Ingestion on them."""

    def __init__(self, tmp: Path, gateway_url: str | None, place: VectorPlace) -> None:
        self.tmp, self.url, self.place = tmp, gateway_url, place
        self.store = open_store(store_path(tmp))
        self.vectors = place.open(tmp)
        self.keyword = KeywordIndex(self.store)
        self.users: list[str] = []

    def client_for(self, user_id: str) -> openai.AsyncOpenAI:
        self.users.append(user_id)
        return openai.AsyncOpenAI(base_url=(self.url or "http://127.0.0.1:9") + "/v1", api_key=MASTER_KEY,
                                  max_retries=0, timeout=120)

    def ingestion(self, **kw) -> Ingestion:
        kw.setdefault("max_bytes", 2 * MB)
        return Ingestion(self.store, self.vectors, self.keyword, self.tmp / "files", self.client_for, **kw)

    def reopen(self) -> None:
        """What a restart does: new vector and keyword objects over the same files and database (a new client of
        the same server in server mode: the vectors stayed in the server)."""
        self.vectors.close()
        self.vectors = self.place.open(self.tmp)
        self.keyword = KeywordIndex(self.store)

    def rows(self, document_id: str) -> list[tuple]:
        return self.store.cursor().execute("SELECT id, idx, first_page, last_page, heading, tokens, terms FROM "
                                           "kb_chunks WHERE document_id = ? ORDER BY idx", [document_id]).fetchall()

    def close(self) -> None:
        self.vectors.close()
        self.store.close()


def by_name(docs_: list[KBDocument]) -> dict[str, KBDocument]:
    return {d.name: d for d in docs_}


async def until(condition: Callable[[], bool], timeout: float = 180, what: str | Callable[[], str] = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.02)


async def settled(ingestion: Ingestion, kb: KnowledgeBase, timeout: float = 180) -> dict[str, KBDocument]:
    """Wait until no document of the KB is queued or running; the documents by name."""
    def done() -> bool:
        return all(d.status in ("ready", "failed", "cancelled") for d in ingestion.documents(kb))
    await until(done, timeout, lambda: f"the queue to settle: {[(d.name, d.status) for d in ingestion.documents(kb)]}")
    return by_name(ingestion.documents(kb))


def with_worker(ingestion: Ingestion, body: Callable[[], Awaitable]) -> object:
    async def go():
        await ingestion.start()
        try:
            return await body()
        finally:
            await ingestion.stop()
    return run(go())


class _GBKName(zipfile.ZipInfo):
    """A member name as Chinese Windows writes it: GBK bytes without the UTF-8 flag."""

    __slots__ = ()

    def _encodeFilenameFlags(self):  # noqa: N802  (zipfile's name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def a_zip(members: dict[str, bytes], *, utf8_names: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name) if utf8_names else _GBKName(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
