"""The knowledge bases as the UI, the HTTP API and the chat use them: one object, every path permission-checked.

    kb = KnowledgeService.open(store, users, data_dir=..., client_for=..., embedding_models=...)
    await kb.start()                                  # the ingestion worker (after the gateway answers /v1)
    team = kb.teams.create("alice", "Proteomics")     # teams, bases and sharing check through kb.access themselves
    base = kb.bases.create("alice", team.id, "Papers", "", "use-multilingual:v3")
    kb.upload("alice", base.id, [("paper.pdf", data)])            # member+ (viewers are refused)
    kb.chunks("bob", base.id, doc.id, offset=0, limit=50, query="")  # a ready document's chunks: anyone who reads
    hits = await kb.search("alice", [base.id], "what was measured?")  # read on every KB, else NotFound
    await kb.stop()

``teams``, ``bases`` and ``sharing`` take the caller's user id and check it themselves; the lower layers
(``ingestion``, ``vectors``, ``keyword``, ``KBRetriever``) trust the ``KnowledgeBase`` they are handed, so
everything that reaches them from a user goes through the methods here, which check first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import openai

from workbench.kb.access import Access
from workbench.kb.bases import KnowledgeBases
from workbench.kb.chunks import DEFAULT_LIMIT, ChunkPage, chunk_page
from workbench.kb.errors import Invalid
from workbench.kb.ingest import Ingestion
from workbench.kb.keyword import KeywordIndex
from workbench.kb.parse_worker import ParseLimits
from workbench.kb.records import KBDocument, KnowledgeBase, UserDirectory
from workbench.kb.reembed import Reembedder
from workbench.kb.refresh import refresh_vectors
from workbench.kb.retrieve import Hits, KBRetriever
from workbench.kb.sharing import Sharing
from workbench.kb.teams import Teams
from workbench.kb.translate import Translator
from workbench.kb.unpack import ArchiveLimits
from workbench.kb.vectors import VectorStore
from workbench.store import Store

logger = logging.getLogger("maas.workbench.kb")
MAX_KBS_PER_QUESTION = 10
REFRESH_STOP_SECONDS = 10


class KnowledgeService:
    """Teams, knowledge bases, ingestion, retrieval and sharing over one store, one vector store, one keyword index."""

    def __init__(self, store: Store, users: UserDirectory, *, vectors: VectorStore, files_dir: Path,
                 client_for: Callable[[str], openai.AsyncOpenAI], embedding_models: Callable[[], Sequence[str]],
                 max_bytes: int, rerank_model: str | None = None, translate_model: str | None = None,
                 query_prefix: Callable[[str], str] = lambda model: "", parse_limits: ParseLimits | None = None,
                 max_archive_bytes: int | None = None, max_archive_ratio: int = ArchiveLimits.max_ratio) -> None:
        self.store, self.vectors, self.client_for, self.rerank_model = store, vectors, client_for, rerank_model
        self.translator = Translator(translate_model) if translate_model else None
        self.query_prefix = query_prefix
        self.access = Access(store)
        self.keyword = KeywordIndex(store)
        self.ingestion = Ingestion(store, vectors, self.keyword, files_dir, client_for, max_bytes=max_bytes,
                                   parse_limits=parse_limits, max_archive_bytes=max_archive_bytes,
                                   max_archive_ratio=max_archive_ratio)
        self.teams = Teams(store, self.access, users)
        self.reembedder = Reembedder(store, vectors, client_for, on_swapped=self.ingestion.worker.notify)
        self.bases = KnowledgeBases(store, self.access, embedding_models=embedding_models,
                                    on_drop=self.ingestion.drop, on_reembed=self.reembedder.notify)
        self.sharing = Sharing(store, self.access, users)
        self._warming: asyncio.Future | None = None
        self._refreshing: asyncio.Task | None = None
        self._stopping = False

    @classmethod
    def open(cls, store: Store, users: UserDirectory, *, data_dir: Path, chroma_url: str | None = None,
             **kwargs) -> KnowledgeService:
        """Chroma embedded under ``data_dir/chroma`` (or the server at ``chroma_url``); files under ``data_dir/kb``."""
        vectors = VectorStore.remote(chroma_url) if chroma_url else VectorStore.persistent(Path(data_dir) / "chroma")
        return cls(store, users, vectors=vectors, files_dir=Path(data_dir) / "kb", **kwargs)

    async def start(self) -> None:
        """The ingestion worker (documents a restart interrupted are queued again and finished), re-embeddings
        with another model (``workbench.kb.reembed``: an interrupted one resumes), the keyword indexes built in the
        background (~15 s at 100k chunks: not at the first question), and new vectors for chunks whose text an
        upgrade rewrote (``workbench.kb.refresh``), in the background."""
        await self.ingestion.start()              # each part starts once (again after it alone was stopped)
        await self.reembedder.start()
        if self._refreshing is not None:
            return
        self._warming = asyncio.get_running_loop().run_in_executor(None, self._warm)
        self._refreshing = asyncio.create_task(self._refresh(), name="kb-refresh-vectors")

    async def _refresh(self) -> None:
        try:
            await refresh_vectors(self.store, self.vectors, self.client_for, stopping=lambda: self._stopping)
        except Exception:  # noqa: BLE001 - the old vectors still serve; the list is kept for the next start
            logger.warning("re-embedding the rewritten chunks stopped; it goes on at the next start", exc_info=True)

    def _warm(self) -> None:
        for (kb_id,) in self.store.cursor().execute("SELECT id FROM knowledge_bases").fetchall():
            if self._stopping:              # a stop does not wait for every KB's index to be built
                return
            try:
                self.keyword.warm(kb_id)
            except Exception:  # noqa: BLE001 - a KB that cannot be warmed now is built at its first query
                logger.warning("keyword index of %s not built at start", kb_id, exc_info=True)

    async def stop(self) -> None:
        self._stopping = True
        if self._refreshing is not None:      # it stops after its current batch; a stuck embedding call is cancelled
            await asyncio.wait({self._refreshing}, timeout=REFRESH_STOP_SECONDS)
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)
        await self.reembedder.stop()
        await self.ingestion.stop()
        if self._warming is not None:
            await self._warming
        self.vectors.close()

    # -- documents ----------------------------------------------------------------------------------------------
    def upload(self, user_id: str, kb_id: str, files: Sequence[tuple[str, bytes]]) -> list[KBDocument]:
        """Queue files (a zip: each document in it) into a KB the user may upload to; one row per file, failed
        ones included (too big, wrong type, identical to one already there) with their reason."""
        kb = self.access.require_kb(user_id, kb_id, "upload")
        return [doc for name, data in files for doc in self.ingestion.submit(kb, user_id, name, data)]

    def documents(self, user_id: str, kb_id: str) -> list[KBDocument]:
        return self.ingestion.documents(self.access.require_kb(user_id, kb_id, "read"))

    def document(self, user_id: str, kb_id: str, document_id: str) -> KBDocument:
        return self.ingestion.document(self.access.require_kb(user_id, kb_id, "read"), document_id)

    def document_file(self, user_id: str, kb_id: str, document_id: str) -> tuple[str, Path]:
        """The uploaded file (name, path) for download: anyone who may read the KB."""
        return self.ingestion.file(self.access.require_kb(user_id, kb_id, "read"), document_id)

    def chunks(self, user_id: str, kb_id: str, document_id: str, *, offset: int = 0, limit: int = DEFAULT_LIMIT,
               query: str = "") -> ChunkPage:
        """A ready document's chunks as indexed (in order, ``limit`` 1..200 from ``offset``; ``query``: only those
        whose text holds it, any case): anyone who may read the KB. ``NotFound`` for a KB the user may not read (as
        for a missing one) or a document not in it; ``Invalid`` naming the field for a bad bound, and with code
        ``document_not_ready`` for a document that is not ready."""
        kb = self.access.require_kb(user_id, kb_id, "read")
        return chunk_page(self.store, self.ingestion.document(kb, document_id), offset=offset, limit=limit,
                          query=query)

    def cancel(self, user_id: str, kb_id: str, document_id: str) -> KBDocument:
        return self.ingestion.cancel(self.access.require_kb(user_id, kb_id, "upload"), document_id)

    def retry(self, user_id: str, kb_id: str, document_id: str) -> KBDocument:
        return self.ingestion.retry(self.access.require_kb(user_id, kb_id, "upload"), document_id)

    def delete_document(self, user_id: str, kb_id: str, document_id: str) -> None:
        self.ingestion.delete_document(self.access.require_kb(user_id, kb_id, "upload"), document_id)

    # -- retrieval ------------------------------------------------------------------------------------------------
    def readable(self, user_id: str, kb_ids: Sequence[str]) -> list[KnowledgeBase]:
        """The KBs (each checked: NotFound for one the user may not read), in the order given, without repeats."""
        if len(kb_ids) > MAX_KBS_PER_QUESTION:
            raise Invalid("too_many", "knowledge_bases", most=MAX_KBS_PER_QUESTION)
        return [self.access.require_kb(user_id, kb_id, "read") for kb_id in dict.fromkeys(kb_ids)]

    async def search(self, user_id: str, kb_ids: Sequence[str], query: str, k: int = 8, *,
                     client: openai.AsyncOpenAI | None = None) -> Hits:
        """Search of KBs the user may read (``workbench.kb.retrieve``), its model calls on the user's key (metered as
        theirs)."""
        kbs = self.readable(user_id, kb_ids)
        retriever = KBRetriever(self.store, self.vectors, self.keyword, client or self.client_for(user_id),
                                rerank_model=self.rerank_model, translator=self.translator,
                                query_prefix=self.query_prefix)
        return await retriever.search(kbs, query, k)
