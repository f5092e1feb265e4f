"""The knowledge bases' vectors in Chroma: one collection per KB, cosine space, always our own embeddings.

    vectors = VectorStore.persistent(data_dir / "chroma")          # embedded Chroma (one process only)
    vectors = VectorStore.remote("http://chroma.lab:8000")         # a Chroma server (``chroma run``)
    vectors.add(kb, chunks, unit_rows)                              # rows in the chunks' order
    vectors.query(kb, query_vector, 30)                             # [(chunk id, cosine similarity), ...] best first
    vectors.delete_document(kb.id, document_id); vectors.drop(kb.id); vectors.close()
    vectors.add_next(kb.id, "multilingual-e5-small", chunks, rows); vectors.swap(kb.id)   # a re-embedding

Chroma never embeds anything here: every collection carries ``GivenEmbeddings``, an embedding function of ours
that refuses to run (we always pass ``embeddings`` and ``query_embeddings``), so Chroma's default function —
which downloads a model and fails offline — is never used. Telemetry is off. Each vector's metadata holds its
``document_id``, ``idx`` and pages, so a document's vectors are deleted with one ``where`` filter.

Collections are named ``kb-<KB id>`` (Chroma allows 3-512 characters of ``[a-zA-Z0-9._-]``, starting and ending
with a letter or digit); an id outside that alphabet is named ``kb-h<sha256 of the id>`` instead. Each records the
model whose vectors it holds (its metadata's ``embedding_model``): a write or a query with another model's vectors
(a ``KnowledgeBase`` read before a re-embedding swapped them) is refused (``model_changed``) or finds nothing,
never mixed in. A KB being re-embedded (``workbench.kb.reembed``) also has a *next* collection, ``<name>-next``,
filled with ``add_next`` and put in the KB's place by ``swap``.

Thread-safety: the ingestion worker adds while queries run. Chroma's clients are safe to share between threads
(the Rust bindings lock inside; the HTTP client is an ``httpx.Client``); our own state (the collection cache)
is guarded by a lock, and a KB's collection is created at most once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from workbench.kb.errors import Invalid, KBError
from workbench.kb.records import ChunkRecord, KnowledgeBase

log = logging.getLogger(__name__)
EMBEDDING_FUNCTION = "maas-workbench-given"     # the name Chroma records in each collection's configuration
NEXT = "-next"                  # a KB's next collection: its vectors made again with another model
_PLAIN_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,498}[A-Za-z0-9])?")


def collection_name(kb_id: str) -> str:
    """The Chroma collection of a KB: ``kb-<id>``, or ``kb-h<sha256>`` for an id Chroma would refuse."""
    if _PLAIN_ID.fullmatch(kb_id):
        return f"kb-{kb_id}"
    return "kb-h" + hashlib.sha256(kb_id.encode()).hexdigest()


@cache
def given_embeddings_class() -> type:
    """``GivenEmbeddings``: a Chroma embedding function that never embeds (registered once, on first use)."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    class GivenEmbeddings(EmbeddingFunction[Documents]):
        """The KB's vectors come from the gateway's /v1/embeddings (``model``); Chroma must not embed."""

        def __init__(self, model: str = "") -> None:
            self.model = model

        def __call__(self, input: Documents) -> Embeddings:
            raise KBError("embedding_refused")

        @staticmethod
        def name() -> str:
            return EMBEDDING_FUNCTION

        def get_config(self) -> dict[str, Any]:
            return {"model": self.model}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> GivenEmbeddings:
            return GivenEmbeddings(str(config.get("model", "")))

        def default_space(self) -> str:
            return "cosine"

        def supported_spaces(self) -> list[str]:
            return ["cosine"]

    register_embedding_function(GivenEmbeddings)
    return GivenEmbeddings


def model_of(collection: Any) -> str | None:
    """The embedding model whose vectors a collection holds (its metadata), None for none or not said."""
    if collection is None:
        return None
    model = (collection.metadata or {}).get("embedding_model")
    return str(model) if model else None


def _settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _unavailable(where: str, exc: Exception) -> KBError:
    """What the user reads when Chroma fails (the details go to the log only)."""
    log.warning("vector store %s failed: %s: %s", where, type(exc).__name__, exc)
    return KBError("vectors_unavailable")


class VectorStore:
    """One Chroma client (embedded or a server) holding every KB's collection."""

    def __init__(self, client: Any, where: str) -> None:
        self._client, self.where = client, where
        self._lock = threading.Lock()
        self._collections: dict[str, Any] = {}
        try:
            self._batch = max(1, int(client.get_max_batch_size()))      # Chroma's limit per add
        except Exception as exc:
            raise _unavailable(where, exc) from None

    @classmethod
    def persistent(cls, path: Path) -> VectorStore:
        """Embedded Chroma storing under ``path`` (created if needed). One process per path."""
        import chromadb

        given_embeddings_class()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(path=str(path), settings=_settings())
        except Exception as exc:          # a broken or foreign directory
            raise _unavailable(str(path), exc) from None
        return cls(client, str(path))

    @classmethod
    def remote(cls, url: str, *, headers: dict[str, str] | None = None) -> VectorStore:
        """A Chroma server at ``url`` ("http://host:port"; https too), e.g. one started by ``chroma run``."""
        import chromadb

        given_embeddings_class()
        parts = urlsplit(url.strip())
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1 or parts.path not in ("", "/"):
            raise Invalid("bad_chroma_url", "url", url=url)
        ssl = parts.scheme == "https"
        try:
            client = chromadb.HttpClient(host=parts.hostname, port=port or (443 if ssl else 8000), ssl=ssl,
                                         headers=headers, settings=_settings())
        except Exception as exc:
            raise _unavailable(url, exc) from None
        return cls(client, url)

    # -- collections -----------------------------------------------------------------------------------------------
    def _collection(self, kb_id: str, model: str | None = None) -> Any | None:
        """The KB's collection; created (for ``model``) when given one, else None when there is none yet."""
        found = self._collections.get(kb_id)
        if found is not None:
            return found
        from chromadb.errors import NotFoundError

        name, given = collection_name(kb_id), given_embeddings_class()
        with self._lock:
            found = self._collections.get(kb_id)
            if found is not None:
                return found
            try:
                if model is None:
                    try:
                        found = self._client.get_collection(name, embedding_function=given())
                    except NotFoundError:
                        return None
                else:
                    found = self._client.get_or_create_collection(
                        name, embedding_function=given(model), configuration={"hnsw": {"space": "cosine"}},
                        metadata={"kb_id": kb_id, "embedding_model": model})
            except KBError:
                raise
            except Exception as exc:
                raise _unavailable(self.where, exc) from None
            self._collections[kb_id] = found
            return found

    def _forget(self, kb_id: str) -> None:
        with self._lock:
            self._collections.pop(kb_id, None)

    def _call(self, kb_id: str, what: str, *args: Any, **kwargs: Any) -> Any:
        """``collection.<what>(...)``; once more with a fresh handle if the collection was replaced meanwhile."""
        from chromadb.errors import NotFoundError

        for attempt in (1, 2):
            collection = self._collection(kb_id)
            if collection is None:
                return None
            try:
                return getattr(collection, what)(*args, **kwargs)
            except NotFoundError:
                self._forget(kb_id)
                if attempt == 2:
                    return None
            except KBError:
                raise
            except Exception as exc:
                raise self._refusal(exc) from None
        return None

    def _refusal(self, exc: Exception) -> KBError:
        if "dimension" in str(exc).lower():
            log.warning("vector store %s refused vectors: %s", self.where, exc)
            return KBError("vector_dimension")
        return _unavailable(self.where, exc)

    # -- the interface ---------------------------------------------------------------------------------------------
    def add(self, kb: KnowledgeBase, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        """Store one unit-length row of ``vectors`` per chunk (in order); a chunk stored before is replaced.
        ``KBError("model_changed")`` when the KB's collection holds another model's vectors now (``kb`` was read
        before a re-embedding swapped them): the caller embeds again with the KB as it is now."""
        def collection() -> Any:
            found = self._collection(kb.id, kb.embedding_model)
            if model_of(found) not in (None, kb.embedding_model):
                if self._guarded(found.count):
                    raise KBError("model_changed")
                self._forget(kb.id)                # empty (its documents deleted before the model changed)
                self._delete(collection_name(kb.id))
                found = self._collection(kb.id, kb.embedding_model)
            return found

        self._upsert(kb.id, collection, chunks, vectors)

    def _upsert(self, kb_id: str, collection: Callable[[], Any], chunks: Sequence[ChunkRecord],
                vectors: np.ndarray) -> None:
        """The chunks' rows of ``vectors`` into ``collection()``, in batches of Chroma's size."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(chunks):
            raise Invalid("bad_vectors", "vectors", chunks=len(chunks), shape=vectors.shape)
        if not chunks:
            return
        from chromadb.errors import NotFoundError

        for at in range(0, len(chunks), self._batch):
            part = chunks[at: at + self._batch]
            metadatas = []
            for c in part:
                meta: dict[str, Any] = {"document_id": c.document_id, "idx": int(c.idx)}
                if c.first_page is not None:
                    meta["first_page"] = int(c.first_page)
                if c.last_page is not None:
                    meta["last_page"] = int(c.last_page)
                metadatas.append(meta)
            for attempt in (1, 2):           # a second time when the collection was dropped (by another worker)
                try:
                    collection().upsert(ids=[c.id for c in part], embeddings=vectors[at: at + len(part)],
                                        metadatas=metadatas)
                    break
                except KBError:
                    raise
                except NotFoundError as exc:
                    self._forget(kb_id)
                    if attempt == 2:
                        raise _unavailable(self.where, exc) from None
                except Exception as exc:
                    self._forget(kb_id)
                    raise self._refusal(exc) from None

    def delete_document(self, kb_id: str, document_id: str) -> None:
        """Remove every vector of one document, from the next collection too (nothing happens when it has none)."""
        self._call(kb_id, "delete", where={"document_id": document_id})
        following = self._next(kb_id)
        if following is not None:
            self._guarded(following.delete, where={"document_id": document_id})

    def drop(self, kb_id: str) -> None:
        """Remove the KB's collection and its next one (nothing happens when it has none)."""
        self._forget(kb_id)
        self._delete(collection_name(kb_id))
        self._delete(collection_name(kb_id) + NEXT)

    def _delete(self, name: str) -> None:
        from chromadb.errors import NotFoundError

        try:
            self._client.delete_collection(name)
        except NotFoundError:
            pass
        except Exception as exc:
            raise _unavailable(self.where, exc) from None

    def _guarded(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``call(...)`` with Chroma's failures said as ours."""
        try:
            return call(*args, **kwargs)
        except KBError:
            raise
        except Exception as exc:
            raise self._refusal(exc) from None

    def query(self, kb: KnowledgeBase, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunks to a unit-length ``vector``: (chunk id, cosine similarity), best first; none
        when the collection holds another model's vectors now (``kb`` was read before a re-embedding swapped them)."""
        if k < 1 or not self._holds(kb.id, kb.embedding_model):
            return []
        row = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        found = self._call(kb.id, "query", query_embeddings=row, n_results=int(k), include=["distances"])
        if not found or not found["ids"]:
            return []
        return [(cid, 1.0 - float(d)) for cid, d in zip(found["ids"][0], found["distances"][0], strict=True)]

    def vectors(self, kb_id: str, chunk_ids: Sequence[str], model: str | None = None) -> dict[str, np.ndarray]:
        """The stored vectors of the given chunks (those the KB holds), so a rerank reuses them; none when they are
        not ``model``'s (when given)."""
        if not chunk_ids or (model is not None and not self._holds(kb_id, model)):
            return {}
        found = self._call(kb_id, "get", ids=list(chunk_ids), include=["embeddings"])
        if not found or found.get("embeddings") is None:
            return {}
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(found["ids"], found["embeddings"], strict=True)}

    def _holds(self, kb_id: str, model: str) -> bool:
        """The KB's collection holds ``model``'s vectors (or none yet, or it does not say)."""
        return model_of(self._collection(kb_id)) in (None, model)

    # -- the next collection: a KB's vectors made again with another model (workbench.kb.reembed) ---------------------
    def _next(self, kb_id: str, model: str | None = None) -> Any | None:
        """The KB's next collection (None when there is none); created for ``model`` when given one, and made
        anew when it holds another model's vectors (left by an earlier re-embedding to another model)."""
        from chromadb.errors import NotFoundError

        name, given = collection_name(kb_id) + NEXT, given_embeddings_class()
        try:
            found = self._client.get_collection(name, embedding_function=given())
        except NotFoundError:
            found = None
        except Exception as exc:
            raise _unavailable(self.where, exc) from None
        if model is None or (found is not None and model_of(found) == model):
            return found
        if found is not None:
            self._delete(name)
        return self._guarded(self._client.create_collection, name, embedding_function=given(model),
                             configuration={"hnsw": {"space": "cosine"}},
                             metadata={"kb_id": kb_id, "embedding_model": model})

    def add_next(self, kb_id: str, model: str, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        """Store ``model``'s vectors of the chunks in the KB's next collection (created, or made anew, for it)."""
        following = self._next(kb_id, model)
        self._upsert(kb_id, lambda: following, chunks, vectors)

    def next_ids(self, kb_id: str, model: str) -> set[str]:
        """The chunks the next collection holds ``model``'s vectors of (none when it holds another model's)."""
        from chromadb.errors import NotFoundError

        following = self._next(kb_id)
        if following is None or model_of(following) != model:
            return set()
        try:
            return set(following.get(include=[])["ids"])
        except NotFoundError:               # dropped since it was found (a cancel): it holds nothing
            return set()
        except Exception as exc:
            raise self._refusal(exc) from None

    def delete_next(self, kb_id: str, chunk_ids: Sequence[str] | None = None) -> None:
        """Remove those chunks from the next collection, or (None) the next collection itself."""
        if chunk_ids is None:
            self._delete(collection_name(kb_id) + NEXT)
            return
        from chromadb.errors import NotFoundError

        following = self._next(kb_id)
        if following is not None and chunk_ids:
            try:
                following.delete(ids=list(chunk_ids))
            except NotFoundError:           # dropped since it was found: nothing left to delete
                pass
            except Exception as exc:
                raise self._refusal(exc) from None

    def swap(self, kb_id: str) -> bool:
        """The next collection becomes the KB's collection (the old one is deleted); False when there is no next
        collection (already swapped). Queries meanwhile wait for the lock, or find the new one on their retry."""
        with self._lock:
            following = self._next(kb_id)
            if following is None:
                return False
            self._collections.pop(kb_id, None)
            self._delete(collection_name(kb_id))
            self._guarded(following.modify, name=collection_name(kb_id))
            self._collections.pop(kb_id, None)
        return True

    def count(self, kb_id: str) -> int:
        """How many vectors the KB holds."""
        return int(self._call(kb_id, "count") or 0)

    def close(self) -> None:
        """Release the client (an embedded store's files can then be opened again)."""
        with self._lock:
            self._collections.clear()
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
