"""Fake model servers (one per dialect) behind one real gateway process, for the dialect,
failover and bad-input tests.

    fakes["vllm"]          a fake model server (reset before every test that uses it)
    gw                     the session's GatewayProcess (launch.py with ``fake_config``)
    client                 an ``openai.OpenAI`` client with the master key

Which model runs where is in ``FAKE_OF`` / ``catalogue()``; ``failover-model``'s first
deployment points at a port nothing listens on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import GatewayProcess, free_port
from tests.fakes.upstream import FakeUpstream, start_fake

# fake name -> dialect; every name is its own server (own request log and faults)
FAKES = {
    "vllm": "vllm", "sglang": "sglang", "ollama": "ollama", "inline": "inline", "inline-open": "inline-open",
    "plain": "plain", "failover": "vllm", "two-a": "vllm", "two-b": "vllm", "single": "vllm", "slow": "vllm",
}
# the gateway does not pass client headers (x-fake-*) upstream, so the slow stream is the fake's default
SLOW = {"chunk_delay": 0.05, "chunks": 200}      # ~10 s if read to the end: a client can leave midway
# chat model id -> the fake that serves it (one deployment)
FAKE_OF = {
    "deepseek-r1:32b": "sglang", "qwen3:235b": "vllm", "llama3:8b": "ollama", "r1-inline": "inline",
    "r1-open": "inline-open", "plain": "plain", "single": "single", "slow-stream": "slow",
}
# the reasoning dialects and the model on each
REASONING_MODELS = {"vllm": "qwen3:235b", "sglang": "deepseek-r1:32b", "ollama": "llama3:8b",
                    "inline": "r1-inline", "inline-open": "r1-open"}
FIRST_BYTE_S = 1.0      # first-byte timeout of the deployments used for slow-first-byte cases
COOLDOWN_S = 0.5        # short: a test can wait it out so deployments are tried in their configured order


def _openai(fake: FakeUpstream, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "backend": "openai", "base_url": f"{fake.url}/v1", "model": "fake-model", **extra}


def catalogue(fakes: dict[str, FakeUpstream], refused_port: int) -> dict[str, Any]:
    """The YAML document of the session gateway."""
    quick = {"timeouts": {"first_byte_s": FIRST_BYTE_S}}
    return {
        "gateway": {
            "embedded": {"enabled": False}, "cooldown_s": COOLDOWN_S, "health_interval_s": 600,
            "max_body_mb": 1, "timeouts": {"connect_s": 2, "first_byte_s": 10, "between_chunks_s": 5},
        },
        "models": [
            {"id": "deepseek-r1:32b", "kind": "chat", "capabilities": {"reasoning": True},
             "quirks": {"merge_system_into_user": True}, "deployments": [_openai(fakes["sglang"], "sglang-1")]},
            {"id": "qwen3:235b", "capabilities": {"reasoning": True},
             "deployments": [_openai(fakes["vllm"], "vllm-1")]},
            {"id": "llama3:8b", "capabilities": {"reasoning": True},
             "deployments": [{"name": "ollama-1", "backend": "ollama", "base_url": fakes["ollama"].url,
                              "model": "fake-model"}]},
            {"id": "r1-inline", "capabilities": {"reasoning": True},
             "deployments": [_openai(fakes["inline"], "inline-1")]},
            {"id": "r1-open", "capabilities": {"reasoning": True}, "quirks": {"reasoning_starts_open": True},
             "deployments": [_openai(fakes["inline-open"], "inline-open-1")]},
            {"id": "plain", "capabilities": {"thinking_budget": 40},
             "deployments": [_openai(fakes["plain"], "plain-1")]},
            {"id": "qwen2.5-vl:7b", "capabilities": {"vision": True},          # sees images (a vLLM upstream)
             "deployments": [_openai(fakes["vllm"], "vllm-vl")]},
            {"id": "old-server", "quirks": {"no_stream_options": True, "merge_system_into_user": True},
             "deployments": [_openai(fakes["plain"], "plain-old")]},
            {"id": "failover-model", "deployments": [
                {"name": "refused", "backend": "openai", "base_url": f"http://127.0.0.1:{refused_port}/v1",
                 "model": "fake-model"},
                _openai(fakes["failover"], "failover-ok")]},
            {"id": "two-fakes", "deployments": [_openai(fakes["two-a"], "two-a"), _openai(fakes["two-b"], "two-b")]},
            {"id": "two-fakes-slow", "deployments": [_openai(fakes["two-a"], "slow-a", **quick),
                                                     _openai(fakes["two-b"], "slow-b", **quick)]},
            {"id": "single", "deployments": [_openai(fakes["single"], "single-1", **quick)]},
            {"id": "slow-stream", "deployments": [_openai(fakes["slow"], "slow-1")]},
            {"id": "bge-reranker", "kind": "rerank", "deployments": [_openai(fakes["vllm"], "vllm-rerank")]},
            {"id": "sglang-reranker", "kind": "rerank", "deployments": [_openai(fakes["sglang"], "sglang-rerank")]},
            {"id": "bge-large-zh", "kind": "embedding", "deployments": [_openai(fakes["vllm"], "vllm-embed")]},
        ],
    }


@pytest.fixture(scope="session")
def fakes() -> Iterator[dict[str, FakeUpstream]]:
    servers = {name: start_fake(dialect, **(SLOW if name == "slow" else {})) for name, dialect in FAKES.items()}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(autouse=True)
def _clean_fakes(request: pytest.FixtureRequest) -> None:
    """Every test that uses the fakes starts with no armed fault and an empty request log."""
    if "fakes" in request.fixturenames:
        for server in request.getfixturevalue("fakes").values():
            server.reset()


@pytest.fixture(scope="session")
def fake_config(fakes: dict[str, FakeUpstream], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fake-config") / "models.yaml"
    path.write_text(yaml.safe_dump(catalogue(fakes, free_port()), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def gw(fake_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    gateway = GatewayProcess(tmp_path_factory.mktemp("fake-gw"), config=fake_config).start()
    yield gateway
    gateway.stop()


@pytest.fixture
def client(gw: GatewayProcess, fakes: dict[str, FakeUpstream]):
    """The SDK client of the session gateway (asking for it also resets the fakes)."""
    with gw.client(timeout=15) as c:
        yield c


# -- helpers shared by the test modules ------------------------------------------------------
ENVELOPE_KEYS = {"message", "type", "param", "code"}
INTERNALS = ("Traceback", "secret_path", "CUDA")


def assert_no_internals(text: str) -> None:
    """Nothing of an upstream's traceback / paths / GPU errors reaches a client."""
    for word in INTERNALS:
        assert word not in text, f"{word!r} leaked to the client: {text[:500]}"


def error_of(body: Any) -> dict[str, Any]:
    """The OpenAI error envelope's inner object, after checking its exact shape."""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == ENVELOPE_KEYS, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def sdk_error(exc: Exception) -> dict[str, Any]:
    """The envelope a client got with an ``openai.APIStatusError`` (body checked for leaks)."""
    response = exc.response  # type: ignore[attr-defined]
    assert_no_internals(response.text)
    return error_of(response.json())


def chat_posts(fake: FakeUpstream) -> list[dict[str, Any]]:
    """The chat requests the gateway sent to ``fake`` (health polls left out)."""
    return [r for r in fake.requests() if r["method"] == "POST" and r["path"].endswith("/chat/completions")]


def auth(gateway: GatewayProcess) -> dict[str, str]:
    return {"authorization": f"Bearer {gateway.master_key}"}


@pytest.fixture()
def db(tmp_path):
    """Where a test's DuckDB file lives."""
    return tmp_path / "maas.duckdb"


@pytest.fixture()
def store(db):
    """A real, migrated DuckDB store for unit tests of the gateway's services."""
    from gateway.store import open_store

    s = open_store(db)
    yield s
    s.close()
