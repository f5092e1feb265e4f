"""The models a server for the papers page's tests offers: the scripted paper model (``tests.fakes.paper_model``) as
its only chat model, and the same fake behind the embedding id the launched server's papers service embeds with
(``use-multilingual:v3``), the embedded models off.

    config = gateway_config(tmp_path, start_paper_model())      # a models.yaml for GatewayProcess / opened_gateway
"""

from __future__ import annotations

from pathlib import Path

from gateway.routing.catalogue import EMBEDDED_EMBEDDING_ID
from tests.fakes.chat_server import models_yaml
from tests.fakes.paper_model import MODEL, PaperModel


def gateway_config(data: Path, model: PaperModel) -> Path:
    """A models.yaml in ``data``: the paper model (chat) and its embeddings under the embedded embedding id."""
    return models_yaml(data, model.url, chat=[MODEL], embeddings=[EMBEDDED_EMBEDDING_ID])
