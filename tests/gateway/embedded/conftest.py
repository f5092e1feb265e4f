"""Session fixtures: the real packaged model (assembled once, ~490 MB) and one shared Embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.embedded.embedder import Embedder
from gateway.embedded.model_files import PACKAGED_MODELS, PackagedModel, ensure_model

MODEL_KEY = "qwen2.5-coder-0.5b-instruct-q4_k_m"


@pytest.fixture(scope="session")
def model_spec() -> PackagedModel:
    return PACKAGED_MODELS[MODEL_KEY]


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_path(model_spec: PackagedModel, models_dir: Path) -> Path:
    return ensure_model(model_spec, models_dir)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    emb = Embedder(threads=2)
    emb.warm()
    return emb
