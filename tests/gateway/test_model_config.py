"""Editing the model catalogue live: a real ``Gateway`` (router, DuckDB, its /v1 ASGI app) started
in-process on a config file, real fake upstreams on sockets. Applying an edited catalogue writes the
file (keeping ``.bak``), reaches new deployments at once, 404s removed models, drains removed
deployments, keeps unchanged ones, refuses a bad catalogue naming the key and its line (file and
live catalogue unchanged), and writes one audit entry without URLs or key variables."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from gateway.accounts.audit import list_entries
from gateway.accounts.console import Actor
from gateway.errors import ConfigError
from gateway.http.api import GatewayApp
from gateway.routing.model_config import ModelConfig, looks_like_secret
from gateway.service import Gateway
from gateway.settings import load_settings
from tests import aio
from tests.fakes.upstream import FakeUpstream, start_fake

MASTER = "sk-test-master-key-0123456789"
ADMIN = Actor(user_id="admin-id", name="admin", is_admin=True)
ENV = {"MAAS_MASTER_KEY": MASTER, "MAAS_ADMIN_USER": "admin", "MAAS_ADMIN_PASSWORD": "Test-admin-pass-2026"}


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeUpstream]]:
    servers = {"a": start_fake("vllm"), "b": start_fake("vllm"), "slow": start_fake("vllm", chunk_delay=0.05,
                                                                                      chunks=30)}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(autouse=True)
def _reset(fakes: dict[str, FakeUpstream]) -> None:
    for server in fakes.values():
        server.reset()


def dep(fake: FakeUpstream, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "backend": "openai", "base_url": f"{fake.url}/v1", "model": "fake-model", **extra}


def document(*models: dict[str, Any], ctx: int = 16384) -> dict[str, Any]:
    return {"gateway": {"embedded": {"enabled": False, "ctx": ctx}, "health_interval_s": 600, "cooldown_s": 0.5},
            "models": list(models)}


def dump(doc: dict[str, Any]) -> str:
    return "# edited in the admin page\n" + yaml.safe_dump(doc, sort_keys=False)


def alpha(fakes: dict[str, FakeUpstream]) -> dict[str, Any]:
    return {"id": "alpha", "deployments": [dep(fakes["a"], "a-1")]}


@contextlib.asynccontextmanager
async def running(tmp_path: Path, doc: dict[str, Any]) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    """A started gateway on ``doc`` (written to tmp_path/models.yaml) and a client of its /v1 routes."""
    config = tmp_path / "models.yaml"
    config.write_text(dump(doc), encoding="utf-8")
    gw = Gateway(load_settings(["--config", str(config), "--data-dir", str(tmp_path / "data")], env=ENV))
    await gw.start()
    try:
        transport = httpx.ASGITransport(app=GatewayApp(gw))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=15,
                                     headers={"authorization": f"Bearer {MASTER}"}) as client:
            yield gw, client
    finally:
        await gw.stop()


async def model_ids(client: httpx.AsyncClient) -> list[str]:
    resp = await client.get("/v1/models")
    assert resp.status_code == 200, resp.text
    return [m["id"] for m in resp.json()["data"]]


async def chat(client: httpx.AsyncClient, model: str) -> httpx.Response:
    return await client.post("/v1/chat/completions", json={"model": model, "messages": [{"role": "user",
                                                                                         "content": "hi"}]})


def chat_posts(fake: FakeUpstream) -> int:
    return sum(1 for r in fake.requests() if r["method"] == "POST" and r["path"].endswith("/chat/completions"))


def catalogue_audits(gw: Gateway) -> list[Any]:
    return [e for e in list_entries(gw.store) if e.target_type == "model_catalogue"]


def test_a_new_model_is_served_at_once_and_unchanged_deployments_keep_their_state(tmp_path, fakes) -> None:
    async def scenario() -> None:
        async with running(tmp_path, document(alpha(fakes))) as (gw, client):
            config = ModelConfig(gw)
            original = config.text()
            kept = gw.router.targets["alpha"][0]
            assert (await chat(client, "alpha")).status_code == 200
            assert kept.state == "healthy" and kept.latency_ms is not None

            beta = {"id": "beta", "description": "on fake b", "deployments": [dep(fakes["b"], "b-1")]}
            result = await config.apply(dump(document(alpha(fakes), beta)), ADMIN)

            assert result.diff.added_models == ("beta",) and result.diff.added_deployments == ("beta/b-1",)
            assert not result.diff.removed_models and not result.diff.changed_deployments
            assert result.reload.started == {"beta/b-1": "healthy"} and result.reload.kept == ("alpha/a-1",)
            assert gw.router.targets["alpha"][0] is kept, "an unchanged deployment lost its live state"
            assert await model_ids(client) == ["alpha", "beta"]
            resp = await chat(client, "beta")
            assert resp.status_code == 200, resp.text
            assert resp.json()["model"] == "beta" and chat_posts(fakes["b"]) == 1
            card = (await client.get("/v1/models/beta")).json()
            assert card["description"] == "on fake b"

            path = tmp_path / "models.yaml"
            assert result.path == path and yaml.safe_load(path.read_text())["models"][1]["id"] == "beta"
            assert result.backup == tmp_path / "models.yaml.bak" and result.backup.read_text() == original
            assert gw.settings.config_path == str(path)

            [entry] = catalogue_audits(gw)
            assert (entry.actor_user_id, entry.action, entry.target_id) == ("admin-id", "edit", str(path))
            assert entry.before == {"models": {"alpha": ["a-1"]}}
            assert entry.after == {"models": {"alpha": ["a-1"], "beta": ["b-1"]}}
            assert fakes["b"].url not in json.dumps([entry.before, entry.after])

    aio.run(scenario())


def test_a_removed_model_is_404_and_a_moved_deployment_reaches_its_new_server(tmp_path, fakes) -> None:
    async def scenario() -> None:
        beta = {"id": "beta", "deployments": [dep(fakes["a"], "x-1")]}
        async with running(tmp_path, document(alpha(fakes), beta)) as (gw, client):
            moved = {"id": "beta", "deployments": [dep(fakes["b"], "x-1")]}     # same name, another server
            result = await ModelConfig(gw).apply(dump(document(moved)), ADMIN)

            assert result.diff.removed_models == ("alpha",) and result.diff.changed_deployments == ("beta/x-1",)
            assert set(result.reload.stopping) == {"alpha/a-1", "beta/x-1"}
            assert await model_ids(client) == ["beta"]
            resp = await chat(client, "alpha")
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "model_not_found"
            assert (await client.get("/v1/models/alpha")).status_code == 404
            assert (await chat(client, "beta")).status_code == 200
            assert chat_posts(fakes["b"]) == 1 and chat_posts(fakes["a"]) == 0
            for _ in range(100):                       # idle removed deployments stop at once
                if not gw.router.retiring():
                    break
                await asyncio.sleep(0.02)
            assert not gw.router.retiring()

    aio.run(scenario())


def test_a_removed_deployment_finishes_its_open_stream_before_it_stops(tmp_path, fakes) -> None:
    async def scenario() -> None:
        slow = {"id": "slow", "deployments": [dep(fakes["slow"], "slow-1")]}
        async with running(tmp_path, document(alpha(fakes), slow)) as (gw, _client):
            principal = gw.keys.authenticate(f"Bearer {MASTER}")
            body = {"model": "slow", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
            stream = await gw.chat.open_stream(principal, body, "req-1")
            first = await stream.__anext__()
            target = gw.router.targets["slow"][0]

            await ModelConfig(gw).apply(dump(document(alpha(fakes))), ADMIN)

            assert "slow" not in gw.catalogue.models
            await asyncio.sleep(0.3)
            assert target in gw.router.retiring() and target.in_flight == 1, "stopped with a stream open"
            rest = [chunk async for chunk in stream]
            assert first.startswith(b"data: ") and rest[-1].strip() == b"data: [DONE]"
            assert not any(b'"error"' in chunk for chunk in rest), "the open stream was cut by the reload"
            for _ in range(100):
                if not gw.router.retiring():
                    break
                await asyncio.sleep(0.02)
            assert not gw.router.retiring() and target.in_flight == 0

    aio.run(scenario())


def test_a_bad_catalogue_names_the_key_and_line_and_changes_nothing(tmp_path, fakes) -> None:
    async def scenario() -> None:
        async with running(tmp_path, document(alpha(fakes))) as (gw, client):
            config = ModelConfig(gw)
            path = tmp_path / "models.yaml"
            on_disk, live = path.read_text(), gw.catalogue
            bad_url = dump(document(alpha(fakes), {"id": "beta", "deployments": [
                {"name": "b-1", "backend": "openai", "base_url": "gpu-node-1:8000", "model": "m"}]}))
            cases = {
                bad_url: "models[1].deployments[0].base_url (line ",
                "models:\n  - id: beta\n    deployments: [\n": "line ",
                dump(document({"id": "beta", "kidn": "chat", "deployments": [dep(fakes["b"], "b-1")]})):
                    "models[0].kidn",
                dump(document({"id": "beta", "deployments": [dep(fakes["b"], "b-1",
                                                                  api_key_env="sk-live-0123456789abcdef")]})):
                    "models[0].deployments[0].api_key_env",
                dump(document({"id": "beta", "deployments": [dep(fakes["b"], "b-1", api_key="secret")]})):
                    "models[0].deployments[0].api_key",
            }
            for text, key in cases.items():
                with pytest.raises(ConfigError) as err:
                    await config.apply(text, ADMIN)
                assert err.value.source == "models.yaml" and key in err.value.key, (key, str(err.value))
            with pytest.raises(ConfigError) as err:
                config.validate(bad_url)
            line = next(i for i, text in enumerate(bad_url.splitlines(), 1) if "gpu-node-1:8000" in text)
            assert err.value.key == f"models[1].deployments[0].base_url (line {line})"
            assert "must be an http(s) URL" in str(err.value)
            assert path.read_text() == on_disk and not (tmp_path / "models.yaml.bak").exists()
            assert gw.catalogue is live and await model_ids(client) == ["alpha"]
            assert catalogue_audits(gw) == []
            with pytest.raises(PermissionError):
                await config.apply(dump(document()), Actor(user_id="u1", name="alice", is_admin=False))
            assert path.read_text() == on_disk and gw.catalogue is live

    aio.run(scenario())


def test_embedded_option_changes_are_reported_as_next_start(tmp_path, fakes, monkeypatch) -> None:
    async def scenario() -> None:
        async with running(tmp_path, document(alpha(fakes))) as (gw, _client):
            keyed = {"id": "alpha", "deployments": [dep(fakes["a"], "a-1", api_key_env="MAAS_TEST_UNSET_KEY")]}
            preview = ModelConfig(gw, environ={}).preview(dump(document(keyed, ctx=8192)))
            codes = {n.code: n for n in preview.notices}
            assert codes["embedded_next_start"].fields == {"keys": "ctx"}
            assert "next start" in codes["embedded_next_start"].text
            assert codes["env_missing"].fields == {"names": "MAAS_TEST_UNSET_KEY"}
            assert preview.diff.options == ("gateway.embedded.ctx",)
            assert preview.diff.changed_deployments == ("alpha/a-1",)
            assert gw.catalogue.options.embedded.ctx == 16384, "preview changed the live catalogue"

    aio.run(scenario())


def test_without_a_config_file_edits_go_to_the_data_dir_and_are_read_at_the_next_start(tmp_path, fakes) -> None:
    data = tmp_path / "data"
    gw = Gateway(load_settings(["--data-dir", str(data)], env=ENV))
    gw.open()
    try:
        config = ModelConfig(gw)
        assert config.path == data / "models.yaml" and not config.path.exists()
        text = config.text()
        assert text.startswith("# ") and "api_key_env" in text, "the generated YAML explains itself"
        assert config.validate(text) == gw.catalogue, "the generated YAML is the live catalogue"
        edited = text.replace("enabled: true", "enabled: false").replace(
            "models: []", "models:\n" + yaml.safe_dump([alpha(fakes)], sort_keys=False))
        result = aio.run(config.apply(edited, ADMIN))
        assert result.backup is None and config.path.read_text() == edited
        assert list(gw.catalogue.models) == ["alpha"] and gw.applications.catalogue is gw.catalogue
        assert set(result.diff.removed_models) == {"qwen2.5-coder:0.5b", "use-multilingual:v3", "multilingual-e5-small",
                                                   "use-multilingual-rerank:v3"}
    finally:
        gw.store.close()
    again = load_settings(["--data-dir", str(data)], env=ENV)
    assert again.config_path == str(data / "models.yaml") and list(again.catalogue.models) == ["alpha"]


def test_secret_looking_values() -> None:
    for name in ("VLLM_API_KEY", "OPENAI_API_KEY_2", "sglang_key", "HF_TOKEN"):
        assert not looks_like_secret(name), name
    for value in ("sk-abc", "sk_live_0123456789abcdef", "hf_AbCdEf0123456789", "a1b2c3d4e5f6a7b8c9d0e1f2",
                  "AbCdEf_0123456789_AbCdEf"):
        assert looks_like_secret(value), value
