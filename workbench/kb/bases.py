"""Knowledge bases: create, change, delete, list what a user may see, and a KB's document list.

    kbs = KnowledgeBases(store, access, embedding_models=lambda: ["use-multilingual:v3"], on_drop=ingestion.drop)
    kb = kbs.create("u-alice", team.id, "实验手册", "Lab protocols", "use-multilingual:v3", chunk_tokens=300)
    kbs.list_visible("u-alice")      # [VisibleKB(kb (with counts), role, team_name, personal)]

Every public method takes the caller's user id first and checks through ``Access``: a KB the caller may not
read is ``NotFound`` (the same words as a missing one). Creating, changing and deleting a KB needs the team's
admin role (the owner of a personal space has it). Input errors are ``Invalid`` naming the field (their words,
en and zh: workbench/messages/access.py). ``delete`` removes the KB's rows (documents, chunks, share links,
grants) in one transaction, so nobody can reach it from then on, and only then calls ``on_drop(kb_id)`` for what
lives outside the store (vectors, keyword index, stored files): ``on_drop`` works from the KB id alone.
A new embedding model applies at once to a KB without chunks; a KB with chunks is re-embedded in the background
(``workbench.kb.reembed``: ``on_reembed(kb_id)`` wakes it) and keeps its model until then; choosing its current
model again cancels that. New chunk sizes apply to documents added from then on.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.messages import Words
from workbench.kb import reembed
from workbench.kb.access import KB_COLUMNS, Access, clean_text, kb_from_row, now
from workbench.kb.errors import Invalid
from workbench.kb.records import KBDocument, KnowledgeBase
from workbench.messages import MESSAGES
from workbench.store import Store

MAX_NAME = 80
MAX_DESCRIPTION = 2000
CHUNK_TOKENS = (100, 2000)
DEFAULT_CHUNK_TOKENS = 300          # what a sentence encoder (USE v3) embeds sharply; e5 reads up to 512 of its own
# what the create form offers first, when the catalogue has it: search over an e5 KB ranks the right passage higher
# than over a USE v3 KB on every set (bench/README.md "Knowledge bases": nDCG@10 +0.03 to +0.10) and e5 embeds ~7x
# slower (~4 chunks/s on 2 cores: a 20-page paper in ~15 s); a KB of a huge corpus can choose USE v3
PREFERRED_EMBEDDING = "multilingual-e5-small"
DEFAULT_CHUNK_OVERLAP = 40

DOCUMENT_COLUMNS = ("id, kb_id, name, kind, sha256, bytes, pages, chunks, status, done, total, error, error_zh, "
                    "error_code, attempts, uploaded_by, created_at, updated_at")
# the documents a KB's count includes: not the failed rows of refused duplicates (workbench.kb.ingest writes one
# per identical upload, status "failed", error_code "duplicate"); documents failed for another reason count
COUNTED_DOCUMENTS = "NOT (status = 'failed' AND coalesce(error_code, '') = 'duplicate')"


def counted(columns: str = "", joins: str = "") -> str:
    """A select of KBs (``k``) with their counts and team (``t``): the ``KB_COLUMNS``, documents (every listed
    one whatever its state, but for the refused copies of a document already there: an identical upload leaves a
    failed "duplicate" row to say so, not a second document), chunks (indexed ones), team name, whose personal
    space the team is (a user id; NULL for a team), then ``columns``; ``joins`` go before the caller's WHERE."""
    return f"""
SELECT {KB_COLUMNS}, coalesce(d.n, 0), coalesce(c.n, 0), t.name, t.personal_of{columns}
FROM knowledge_bases k JOIN teams t ON t.id = k.team_id
LEFT JOIN (SELECT kb_id, count(*) AS n FROM kb_documents WHERE {COUNTED_DOCUMENTS} GROUP BY kb_id) d
  ON d.kb_id = k.id
LEFT JOIN (SELECT kb_id, count(*) AS n FROM kb_chunks GROUP BY kb_id) c ON c.kb_id = k.id
{joins}"""


@dataclass(frozen=True)
class VisibleKB:
    """A KB in a user's list: the KB (with counts), the user's role on it, its team's name."""

    kb: KnowledgeBase
    role: str                       # owner/admin/member/viewer (its team) or reader (granted, shared)
    team_name: str
    personal: bool                  # the team is someone's personal space
    person: str | None = None       # ... whose (their user id): its stored name is English ("bob's space")


def _whole(value: Any, field: str, low: int, high: int) -> int:
    """``value`` as a whole number from ``low`` to ``high``; ``Invalid`` naming ``field`` (its label:
    ``label.<field>`` in workbench/messages/access.py) otherwise."""
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise Invalid("invalid.whole", field, what=MESSAGES.message(f"label.{field}"), low=low, high=high)
    return number


def document_from_row(row: Sequence[Any]) -> KBDocument:
    return KBDocument(*row)


class KnowledgeBases:
    """Knowledge bases in the workbench store, permission-checked through ``Access``."""

    def __init__(self, store: Store, access: Access, *, embedding_models: Callable[[], Sequence[str]],
                 on_drop: Callable[[str], None] | None = None,
                 on_reembed: Callable[[str], None] = lambda kb_id: None) -> None:
        self._store, self._access = store, access
        self._models, self._on_drop, self._on_reembed = embedding_models, on_drop, on_reembed

    # -- validation --------------------------------------------------------------------------------------------
    def _model(self, model: Any) -> str:
        models = list(self._models())
        if not isinstance(model, str) or model.strip() not in models:
            choices = (Words(", ".join(models), "、".join(models)) if models
                       else MESSAGES.message("choices.no_embedding_model"))
            raise Invalid("unknown_model", "embedding_model", choices=choices)
        return model.strip()

    @staticmethod
    def _chunking(tokens: Any, overlap: Any) -> tuple[int, int]:
        tokens = _whole(tokens, "chunk_tokens", *CHUNK_TOKENS)
        overlap = _whole(overlap, "chunk_overlap", 0, tokens // 2)
        return tokens, overlap

    @staticmethod
    def _name(cur, team_id: str, name: Any, skip_id: str = "") -> str:
        name = clean_text(name, "name", MESSAGES.message("label.kb_name"), max_chars=MAX_NAME, required=True)
        if cur.execute("SELECT 1 FROM knowledge_bases WHERE team_id = ? AND id <> ? AND lower(name) = lower(?)",
                       [team_id, skip_id, name]).fetchone():
            raise Invalid("name_taken.kb", "name", name=name)
        return name

    @staticmethod
    def _description(value: Any) -> str:
        return clean_text(value, "description", MESSAGES.message("label.description"), max_chars=MAX_DESCRIPTION,
                          required=False, one_line=False)

    # -- knowledge bases ---------------------------------------------------------------------------------------
    def create(self, user_id: str, team_id: str, name: str, description: str, embedding_model: str,
               chunk_tokens: int = DEFAULT_CHUNK_TOKENS, chunk_overlap: int = DEFAULT_CHUNK_OVERLAP) -> KnowledgeBase:
        """A new KB in the team (admin+): name 1–80 characters unique in the team, a catalogue embedding model,
        chunks of 100–2000 tokens overlapping by 0 to half of that."""
        description = self._description(description)
        model = self._model(embedding_model)
        tokens, overlap = self._chunking(chunk_tokens, chunk_overlap)
        with self._store.transaction() as cur:
            team = self._access.require_team(user_id, team_id, "manage")
            at = now()
            kb = KnowledgeBase(uuid.uuid4().hex, team.id, self._name(cur, team.id, name), description, model, tokens,
                               overlap, False, user_id, at, at)
            cur.execute("INSERT INTO knowledge_bases VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?)",
                        [kb.id, kb.team_id, kb.name, kb.description, kb.embedding_model, kb.chunk_tokens,
                         kb.chunk_overlap, kb.created_by, kb.created_at, kb.updated_at])
        return kb

    def update(self, user_id: str, kb_id: str, *, name: str | None = None, description: str | None = None,
               embedding_model: str | None = None, chunk_tokens: int | None = None,
               chunk_overlap: int | None = None) -> KnowledgeBase:
        """Change a KB's settings (admin+); what is None stays. A new embedding model: at once for a KB without
        chunks, else its chunks are re-embedded in the background (``reembedding`` on the KB says how far); its
        current model cancels that. New chunk sizes apply to documents added from then on."""
        reembedding = False
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            new_name = kb.name if name is None else self._name(cur, kb.team_id, name, kb.id)
            new_description = kb.description if description is None else self._description(description)
            model = kb.embedding_model
            if embedding_model is not None:
                wanted = embedding_model.strip() if isinstance(embedding_model, str) else embedding_model
                if wanted == kb.embedding_model:
                    reembedding = reembed.cancel(cur, kb.id)
                elif reembed.ready_chunks(cur, kb.id) or reembed.busy(cur, kb.id):
                    reembedding = reembed.request(cur, kb, self._model(wanted), user_id)
                else:                            # nothing embedded yet: the next documents use it
                    model = self._model(wanted)
                    reembedding = reembed.cancel(cur, kb.id)
            tokens, overlap = self._chunking(kb.chunk_tokens if chunk_tokens is None else chunk_tokens,
                                             kb.chunk_overlap if chunk_overlap is None else chunk_overlap)
            cur.execute("UPDATE knowledge_bases SET name = ?, description = ?, embedding_model = ?, chunk_tokens = ?, "
                        "chunk_overlap = ?, updated_at = ? WHERE id = ?",
                        [new_name, new_description, model, tokens, overlap, now(), kb.id])
        if reembedding:
            self._on_reembed(kb.id)
        return self.get(user_id, kb.id)

    def delete(self, user_id: str, kb_id: str) -> None:
        """Delete a KB (admin+): its rows at once, then ``on_drop(kb_id)`` for its vectors, keyword index, files."""
        with self._store.transaction() as cur:
            kb = self._access.require_kb(user_id, kb_id, "manage")
            for table in ("kb_grants", "kb_shares", "kb_chunks", "kb_documents", "kb_reembeds"):
                cur.execute(f"DELETE FROM {table} WHERE kb_id = ?", [kb.id])
            cur.execute("DELETE FROM knowledge_bases WHERE id = ?", [kb.id])
        if self._on_drop is not None:
            self._on_drop(kb.id)

    def get(self, user_id: str, kb_id: str) -> KnowledgeBase:
        """The KB with its counts (read)."""
        kb = self._access.require_kb(user_id, kb_id, "read")
        cur = self._store.cursor()
        row = cur.execute(counted() + " WHERE k.id = ?", [kb.id]).fetchone()
        found = kb_from_row(row, row[11], row[12]) if row else kb
        return dataclasses.replace(found, reembedding=reembed.reembeddings(cur, [kb.id]).get(kb.id))

    def list_visible(self, user_id: str) -> list[VisibleKB]:
        """The KBs of the caller's teams and those granted or shared with them (public ones are in the square),
        with counts and the caller's role: personal space first, then by team and name."""
        roles = self._access.kb_roles(user_id, public=False)
        if not roles:
            return []
        cur = self._store.cursor()
        rows = cur.execute(
            counted() + " WHERE list_contains(?, k.id) "
            "ORDER BY coalesce(t.personal_of = ?, FALSE) DESC, lower(t.name), lower(k.name)",
            [list(roles), user_id]).fetchall()
        moving = reembed.reembeddings(cur, [row[0] for row in rows])
        return [VisibleKB(dataclasses.replace(kb_from_row(row, row[11], row[12]), reembedding=moving.get(row[0])),
                          roles[row[0]], row[13], bool(row[14]), row[14])
                for row in rows if row[0] in roles]

    def documents(self, user_id: str, kb_id: str) -> list[KBDocument]:
        """The KB's documents, newest first (read)."""
        kb = self._access.require_kb(user_id, kb_id, "read")
        rows = self._store.cursor().execute(
            f"SELECT {DOCUMENT_COLUMNS} FROM kb_documents WHERE kb_id = ? ORDER BY created_at DESC, name",
            [kb.id]).fetchall()
        return [document_from_row(row) for row in rows]
