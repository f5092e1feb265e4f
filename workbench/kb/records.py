"""Value types shared by the knowledge-base modules, and the user directory they are given.

The workbench never imports the gateway: the composition root (``launch.py``) passes a ``UserDirectory``
over the gateway's accounts so teams can invite by username and show names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

ROLES = ("owner", "admin", "member", "viewer")          # strongest first
DOCUMENT_STATES = ("queued", "parsing", "embedding", "ready", "failed", "cancelled")   # said: state.* in messages
REEMBED_UNDER_WAY = ("running", "swapping")   # a re-embedding whose KB's new documents wait ("failed" waits for a user)


class UserDirectory(Protocol):
    """The accounts, as the knowledge bases need them."""

    def id_of(self, username: str) -> str | None:
        """The user id of an active account with this username (None: no such active account)."""

    def name_of(self, user_id: str) -> str | None:
        """The username of this user id (None: unknown)."""


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    description: str
    personal_of: str | None          # the user whose personal space this is
    created_by: str
    created_at: datetime
    role: str | None = None          # the asking user's role in it, when listed for a user


@dataclass(frozen=True)
class Member:
    team_id: str
    user_id: str
    username: str | None
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class KnowledgeBase:
    id: str
    team_id: str
    name: str
    description: str
    embedding_model: str
    chunk_tokens: int
    chunk_overlap: int
    public: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    documents: int = 0               # counts, when listed
    chunks: int = 0
    reembedding: Reembedding | None = None   # its vectors being made again with another model (get, list)


@dataclass(frozen=True)
class Reembedding:
    """A KB's vectors being made again with another embedding model, in the background (``workbench.kb.reembed``).
    Until it ends the KB keeps its model and is searched with its old vectors; its new documents wait."""

    kb_id: str
    model: str                       # the model the KB moves to
    from_model: str                  # its model when this began
    status: str                      # running | swapping | failed (a finished one is no longer there)
    done: int                        # chunks embedded with ``model`` so far
    total: int                       # chunks of the KB's ready documents
    error: str | None                # why it failed (en, zh), its code
    error_zh: str | None
    error_code: str | None
    requested_by: str                # whose key embeds (metered as theirs)
    created_at: datetime
    updated_at: datetime

    @property
    def under_way(self) -> bool:
        return self.status in REEMBED_UNDER_WAY


@dataclass(frozen=True)
class KBDocument:
    id: str
    kb_id: str
    name: str
    kind: str | None
    sha256: str
    bytes: int
    pages: int | None
    chunks: int
    status: str                      # one of DOCUMENT_STATES
    done: int                        # progress of the current stage
    total: int
    error: str | None
    error_zh: str | None
    error_code: str | None
    attempts: int
    uploaded_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as both indexes and citations know it (its text lives in ``kb_chunks``)."""

    id: str
    kb_id: str
    document_id: str
    idx: int
    text: str
    first_page: int | None
    last_page: int | None
    heading: str | None = None
    tokens: int = 0


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its scores (``score``: the final one; the others as they came)."""

    chunk: ChunkRecord
    document_name: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)     # {"vector": .., "keyword": .., "final": ..}
    model: str = ""                                            # the embedding model of its KB (what "vector" means)
