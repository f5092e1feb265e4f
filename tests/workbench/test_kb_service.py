"""KnowledgeService: what it does besides delegating — the keyword indexes are built at start, not at the
first question after a restart; and a user path is checked before the queue or the indexes are reached."""

from __future__ import annotations

import pytest

from tests.aio import run
from tests.workbench.kb_world import MODEL, Directory, add_document, put_chunks
from workbench.kb.errors import Forbidden, Invalid, NotFound
from workbench.kb.service import KnowledgeService
from workbench.schema import open_store
from workbench.store import store_path


@pytest.fixture()
def store(tmp_path):
    s = open_store(store_path(tmp_path / "wb"))
    yield s
    s.close()


def service(store, tmp_path) -> KnowledgeService:
    return KnowledgeService.open(store, Directory("alice", "bob", "carol"), data_dir=tmp_path / "data",
                                 client_for=lambda user_id: None, embedding_models=lambda: [MODEL], max_bytes=10**6)


def test_keyword_indexes_are_built_at_start_and_user_paths_are_checked(store, tmp_path):
    first = service(store, tmp_path)
    team = first.teams.create("u-alice", "Lab")
    first.teams.invite("u-alice", team.id, "bob", "viewer")
    kb = first.bases.create("u-alice", team.id, "Notes", "", MODEL)
    put_chunks(store, kb.id, "doc1", ["量子纠缠的实验记录", "The lamp room has 1,204 steps."])
    with pytest.raises(Forbidden):                                  # a viewer reads but does not upload
        first.upload("u-bob", kb.id, [("a.txt", b"hello")])
    for call in (lambda: first.documents("u-carol", kb.id), lambda: first.upload("u-carol", kb.id, [("a.txt", b"x")]),
                 lambda: first.readable("u-carol", [kb.id])):
        with pytest.raises(NotFound):                               # an outsider: as if there were no such KB
            call()
    assert first.documents("u-bob", kb.id) == []
    run(first.stop())

    again = service(store, tmp_path)                                # a restart
    assert not again.keyword.loaded(kb.id)

    async def started() -> bool:
        await again.start()
        await again._warming
        loaded = again.keyword.loaded(kb.id)
        await again.stop()
        return loaded
    assert run(started())


def test_a_ready_documents_chunks_are_read_in_order_a_page_at_a_time_by_anyone_who_reads(store, tmp_path):
    kb_service = service(store, tmp_path)
    team = kb_service.teams.create("u-alice", "Lab")
    kb_service.teams.invite("u-alice", team.id, "bob", "viewer")
    kb = kb_service.bases.create("u-alice", team.id, "Notes", "", MODEL)
    other = kb_service.bases.create("u-alice", team.id, "Other", "", MODEL)
    texts = [f"Step {n}: the lamp room has {n} steps." for n in range(120)]
    texts[7] = "量子纠缠的实验记录：两个光子。"
    texts[64] = "Der LAMP-Raum; 量子 again"
    doc = add_document(store, kb.id, "steps.txt", texts, headings=["1 Start"] + [None] * 119)

    first = kb_service.chunks("u-bob", kb.id, doc)                  # a viewer reads; 50 by default
    assert (first.total, first.offset, first.limit, first.query, first.document.name) == (120, 0, 50, "", "steps.txt")
    assert [c.idx for c in first.chunks] == list(range(50))
    head, second = first.chunks[0], first.chunks[1]
    assert (head.text, head.heading, head.first_page, head.last_page, head.tokens) == (texts[0], "1 Start", 1, 1, 8)
    assert (second.first_page, second.last_page, second.document_id, second.kb_id) == (2, 3, doc, kb.id)
    last = kb_service.chunks("u-alice", kb.id, doc, offset=100, limit=50)
    assert [c.idx for c in last.chunks] == list(range(100, 120)) and last.total == 120
    assert kb_service.chunks("u-alice", kb.id, doc, offset=500).chunks == []
    assert len(kb_service.chunks("u-alice", kb.id, doc, limit=200).chunks) == 120

    lamp = kb_service.chunks("u-bob", kb.id, doc, query="  LAMP room ")     # any case, spaces around dropped
    assert lamp.query == "LAMP room" and lamp.total == 118 and lamp.chunks[0].idx == 0
    chinese = kb_service.chunks("u-bob", kb.id, doc, query="量子")
    assert (chinese.total, [c.idx for c in chinese.chunks]) == (2, [7, 64])
    assert kb_service.chunks("u-bob", kb.id, doc, query="lamp-raum", limit=1).chunks[0].idx == 64
    assert kb_service.chunks("u-bob", kb.id, doc, query="100%").total == 0            # no LIKE wildcards

    for bounds, field in (({"offset": -1}, "offset"), ({"offset": "3"}, "offset"), ({"limit": 0}, "limit"),
                          ({"limit": 201}, "limit"), ({"limit": True}, "limit"), ({"query": "x" * 201}, "query"),
                          ({"query": 5}, "query")):
        with pytest.raises(Invalid) as err:
            kb_service.chunks("u-alice", kb.id, doc, **bounds)
        assert err.value.field == field and err.value.text("zh") and err.value.message, bounds

    # an outsider: the very refusal of a missing KB; a document of another KB: the document's NotFound
    with pytest.raises(NotFound) as theirs:
        kb_service.chunks("u-carol", kb.id, doc)
    with pytest.raises(NotFound) as missing:
        kb_service.chunks("u-carol", "0" * 32, doc)
    assert (theirs.value.message, theirs.value.text("zh"), theirs.value.field) == \
        (missing.value.message, missing.value.text("zh"), missing.value.field) == \
        (missing.value.message, missing.value.text("zh"), "knowledge_base")
    with pytest.raises(NotFound) as elsewhere:
        kb_service.chunks("u-alice", other.id, doc)
    assert elsewhere.value.field == "document"

    # a document that is not ready has no chunks to show (even rows left from an earlier run)
    queued = add_document(store, kb.id, "queued.txt", ["half done"], status="embedding")
    with pytest.raises(Invalid) as err:
        kb_service.chunks("u-bob", kb.id, queued)
    assert err.value.code == "document_not_ready" and err.value.field == "document"
    assert err.value.text("en") == "“queued.txt” is not ready yet: embedding. Its chunks can be read once it is ready."
    assert err.value.text("zh") == "“queued.txt”尚未就绪：向量化中。就绪后即可查看其分块。"
    failed = add_document(store, kb.id, "failed.txt", [], status="failed")
    with pytest.raises(Invalid, match="not ready yet: failed. Retry it"):
        kb_service.chunks("u-alice", kb.id, failed)
    run(kb_service.stop())
