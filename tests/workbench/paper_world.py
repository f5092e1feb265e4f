"""Papers on real parts for their tests: a gateway process (``python launch.py``) in front of the scripted paper
model (``tests.fakes.paper_model``, real sockets; its embeddings too), a real DuckDB file, the parse worker's child
process, and the service calling the gateway's ``/v1`` as it does in the product.

    with paper_world(tmp_path, "alice", "bob") as world:
        paper = world.papers.upload(world.uid("alice"), data, "paper.pdf")
        world.ready(world.uid("alice"), paper.id)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.chat_server import models_yaml
from tests.fakes.paper_model import MODEL, PaperModel, start_paper_model
from tests.workbench.kb_world import Directory
from workbench.papers.records import Paper
from workbench.papers.service import Papers
from workbench.schema import open_store
from workbench.store import Store

EMBEDDING = "bag-of-words"


@dataclass
class PaperWorld:
    model: PaperModel
    gateway: GatewayProcess
    store: Store
    users: Directory
    papers: Papers

    def uid(self, name: str) -> str:
        return self.users.ids[name]

    def ready(self, user_id: str, paper_id: str, timeout: float = 60) -> Paper:
        """The paper once parsed (ready or failed)."""
        deadline = time.monotonic() + timeout
        while True:
            paper = self.papers.library.require(user_id, paper_id)
            if paper.status != "parsing" or time.monotonic() > deadline:
                return paper
            time.sleep(0.1)

    def read(self, user_id: str, paper_id: str, lang: str = "zh", timeout: float = 60):
        """Start a reading and wait for it to end."""
        self.papers.start_reading(user_id, paper_id, model=MODEL, lang=lang)
        deadline = time.monotonic() + timeout
        while True:
            stored = self.papers.reading(user_id, paper_id, model=MODEL, lang=lang)
            if stored.status != "running" or time.monotonic() > deadline:
                return stored
            time.sleep(0.1)


@contextlib.contextmanager
def paper_world(tmp: Path, *names: str) -> Iterator[PaperWorld]:
    model = start_paper_model()
    (tmp / "gw").mkdir()
    gateway = GatewayProcess(tmp / "gw", config=models_yaml(tmp / "gw", model.url, chat=[MODEL],
                                                                 embeddings=[EMBEDDING]))
    store = open_store(tmp / "workbench.duckdb")
    users = Directory(*names)
    papers = None
    try:
        gateway.start()
        papers = Papers.open(store, users, tmp / "papers", base_url=gateway.url + "/v1",
                             key_for=lambda user_id: MASTER_KEY, embedding_model=EMBEDDING)
        papers.start()
        yield PaperWorld(model, gateway, store, users, papers)
    finally:
        if papers is not None:
            papers.stop()
        gateway.stop()
        model.stop()
        store.close()
