"""The prompt studio on real parts for its tests: a gateway process (``python launch.py``) in front of the
prompt-aware fake model (``tests.fakes.prompt_model``, real sockets), a real DuckDB file, the studio calling the
gateway's ``/v1`` as it does in the product.

    with prompt_world(tmp_path, "alice", "bob") as world:
        world.studio.library.create(world.uid("alice"), "cities", CITY_PROMPT)
        world.model.mode = "copy"
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes.chat_server import models_yaml
from tests.fakes.prompt_model import MODEL, PromptModel, start_prompt_model
from tests.workbench.kb_world import Directory
from workbench.prompt_studio.cases import Case, with_id
from workbench.prompt_studio.service import PromptStudio
from workbench.prompt_studio.templates import Template
from workbench.schema import open_store
from workbench.store import Store

CITY_PROMPT = Template("Find the city the person lives in. Use at most 3 words.", "{{text}}")


def city_cases(cities: tuple[str, ...]) -> list[Case]:
    """One case per city: "I live in <city>" -> {"city": "<city>"}."""
    return [with_id(Case({"text": f"I live in {city}"}, f'{{"city": "{city}"}}')) for city in cities]


@dataclass
class PromptWorld:
    model: PromptModel
    gateway: GatewayProcess
    store: Store
    users: Directory
    studio: PromptStudio

    def uid(self, name: str) -> str:
        return self.users.ids[name]


@contextlib.contextmanager
def prompt_world(tmp: Path, *names: str) -> Iterator[PromptWorld]:
    model = start_prompt_model()
    (tmp / "gw").mkdir()
    gateway = GatewayProcess(tmp / "gw", config=models_yaml(tmp / "gw", model.url, chat=[MODEL]))
    store = open_store(tmp / "workbench.duckdb")
    users = Directory(*names)
    try:
        gateway.start()
        studio = PromptStudio.open(store, users, base_url=gateway.url + "/v1", key_for=lambda user_id: MASTER_KEY)
        yield PromptWorld(model, gateway, store, users, studio)
    finally:
        gateway.stop()
        model.stop()
        store.close()
