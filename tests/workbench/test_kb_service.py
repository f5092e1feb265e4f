"""KnowledgeService: what it does besides delegating — the keyword indexes are built at start, not at the
first question after a restart; and a user path is checked before the queue or the indexes are reached."""

from __future__ import annotations

import pytest

from tests.aio import run
from tests.workbench.test_kb_access import MODEL, Directory
from tests.workbench.test_kb_keyword import put_chunks
from workbench.kb.errors import Forbidden, NotFound
from workbench.kb.service import KnowledgeService
from workbench.store import open_store, store_path


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
