"""Home page, served for real: FastAPI + mount_gradio_app(i18n=...) + uvicorn on a loopback port.

Handlers are driven with gradio_client (the browser-free path to the same endpoints). A guard
records every outbound connection or name lookup: nothing may leave the loopback interface.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"   # gradio_client reads it too

from app.home import page as home
from app.ui import build_ui
from tests.app.conftest import opened_gateway

STATUS: dict[str, Any] = {
    "models": [
        {"id": "qwen2.5-coder-0.5b", "kind": "chat",
         "capabilities": {"reasoning": False, "tools": True, "context_length": 32768},
         "quirks": {"merge_system_into_user": False},
         "deployments": [{"name": "embedded-0", "backend": "embedded", "state": "healthy",
                          "latency_ms": 12.3, "last_error": None, "in_flight": 0}]},
        {"id": "big-upstream-model", "kind": "chat",
         "capabilities": {"reasoning": True, "tools": False, "context_length": 131072},
         "quirks": {"merge_system_into_user": True},
         "deployments": [
             {"name": "vllm-a", "backend": "openai", "state": "unhealthy", "latency_ms": None,
              "last_error": "connect timeout after 5 s <script>alert(1)</script>", "in_flight": 0},
             {"name": "vllm-b", "backend": "openai", "state": "cooling", "latency_ms": 1834.0,
              "last_error": None, "in_flight": 2}]},
        {"id": "use-m3", "kind": "embedding", "capabilities": {}, "quirks": {},
         "deployments": [{"name": "embedded-emb", "backend": "embedded", "state": "starting",
                          "latency_ms": 3.04, "last_error": None, "in_flight": 0}]},
        {"id": "embed-rerank", "kind": "rerank", "capabilities": {}, "quirks": {},
         "deployments": [{"name": "embedded-rr", "backend": "embedded", "state": "healthy",
                          "latency_ms": 250.4, "last_error": None, "in_flight": 0}]},
    ],
    "master_key_hint": "set by MAAS_MASTER_KEY",
}


def fake_status() -> dict[str, Any]:
    return STATUS


def broken_status() -> dict[str, Any]:
    raise RuntimeError("gateway is not started yet")


LOOPBACK = {"127.0.0.1", "::1", "localhost", "0.0.0.0"}


@pytest.fixture(scope="module")
def outbound() -> Iterator[list[str]]:
    """Record non-loopback connects and lookups made while the module runs.

    gradio_client (test tooling, not the product) asks huggingface_hub for headers, which
    fetches an "agent harnesses" registry from huggingface.co unless the hub is offline.
    """
    from huggingface_hub import constants as hf_constants

    seen: list[str] = []
    hub_offline = hf_constants.HF_HUB_OFFLINE
    hf_constants.HF_HUB_OFFLINE = True
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            seen.append(f"connect {host}")
            raise OSError(f"test guard: outbound connection to {host} refused")
        return real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK and host is not None:
            seen.append(f"lookup {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield seen
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo  # type: ignore[assignment]
        hf_constants.HF_HUB_OFFLINE = hub_offline


@pytest.fixture(scope="module")
def server(outbound: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The good UI at /, one whose status() raises at /broken/; yields the base URL."""
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    t0 = time.perf_counter()
    app = FastAPI()
    blocks, i18n = build_ui(opened_gateway(tmp_path_factory.mktemp("good"), fake_status))
    broken, broken_i18n = build_ui(opened_gateway(tmp_path_factory.mktemp("broken"), broken_status))
    app = gr.mount_gradio_app(app, broken, path="/broken", i18n=broken_i18n)
    app = gr.mount_gradio_app(app, blocks, path="/", i18n=i18n)
    built = time.perf_counter() - t0

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    print(f"built + mounted two UIs in {built:.2f} s; serving after {time.perf_counter() - t0:.2f} s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _client(url: str) -> Any:
    from gradio_client import Client

    # analytics_enabled must be passed: Client ignores GRADIO_ANALYTICS_ENABLED when it is True
    return Client(url, verbose=False, download_files=False, analytics_enabled=False)


@pytest.fixture(scope="module")
def client(server: str) -> Any:
    return _client(server + "/")


def test_index_is_html_with_both_languages(server: str) -> None:
    r = httpx.get(server + "/", timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "window.gradio_config" in r.text and "i18n_translations" in r.text
    # mount_gradio_app(i18n=...) put both languages into the config the page starts from
    config = httpx.get(server + "/config", timeout=10).json()
    assert config["i18n_translations"]["zh"]["home.title"] == "# MaaS 工作台"
    assert config["i18n_translations"]["en"]["home.title"] == "# MaaS Workbench"


def test_refresh_lists_models_states_and_latency(client: Any) -> None:
    notice, table = client.predict("en-US", api_name="/refresh")
    for model in STATUS["models"]:
        assert model["id"] in table
    for word in ("healthy", "unhealthy", "cooling down", "starting"):
        assert f">{word}</span>" in table
    for emoji in ("🟢", "🔴", "🟠", "🔵"):
        assert emoji in table
    assert "12.3 ms" in table and "1,834 ms" in table and "3.0 ms" in table and "250 ms" in table
    assert "32K context" in table and "tools" in table and "reasoning" in table
    assert "system prompt merged into the user message" in table
    assert "2 in flight" in table
    assert "connect timeout after 5 s" in table
    assert "<script>" not in table   # upstream text is escaped
    assert "Models: 4" in notice


def test_refresh_speaks_the_pages_language(client: Any) -> None:
    notice, table = client.predict("zh-CN", api_name="/refresh")
    assert "模型" in table and "健康" in table and "异常" in table and "冷却中" in table
    assert "上下文 32K" in table
    assert "模型：4 个" in notice


def test_api_info_builds_base_url_and_runnable_examples(client: Any, server: str) -> None:
    base_url, key_md, *codes = client.predict("en", api_name="/api_info")
    examples = dict(zip(home.EXAMPLE_KEYS, codes, strict=True))
    assert base_url == f"{server}/v1"
    assert key_md == ""                   # how the master key is set is for administrators only (no one signed in)
    assert f"{server}/v1/chat/completions" in examples["chat_curl"]
    assert '"model": "qwen2.5-coder-0.5b"' in examples["chat_curl"]
    assert '"stream_options": {"include_usage": true}' in examples["chat_curl"]
    assert 'stream_options={"include_usage": True}' in examples["chat_python"]
    assert '"use-m3"' in examples["embeddings_curl"] and '"use-m3"' in examples["embeddings_python"]
    assert '"embed-rerank"' in examples["rerank_curl"] and '"embed-rerank"' in examples["rerank_python"]
    assert '"thinking": {"type": "enabled", "budget_tokens": 512}' in examples["thinking_curl"]
    assert "reasoning_content" in examples["thinking_python"]
    for key, code in examples.items():
        if key.endswith("_python"):
            ast.parse(code)
        else:   # the curl body is valid JSON
            body = re.search(r"-d '(.*)'", code, re.DOTALL)
            assert body, key
            json.loads(body.group(1))


def test_broken_status_gives_a_readable_message(server: str) -> None:
    broken = _client(server + "/broken/")
    notice, table = broken.predict("en", api_name="/refresh")
    assert "could not be read" in notice and "gateway is not started yet" in notice
    assert "Traceback" not in notice + table
    assert "unavailable" in table
    # the rest of the page still works: examples with placeholder models
    base_url, _, *codes = broken.predict("en", api_name="/api_info")
    assert base_url == f"{server}/v1"   # the API lives at the root, wherever the UI is mounted
    assert "your-chat-model" in codes[0]


def test_mounted_i18n_has_matching_en_and_zh_keys(tmp_path) -> None:
    _, i18n = build_ui(opened_gateway(tmp_path, fake_status))
    tables = i18n.translations_dict
    assert set(tables) == {"en", "zh"}
    assert set(tables["en"]) == set(tables["zh"])


def test_nothing_called_out(server: str, client: Any, outbound: list[str]) -> None:
    assert outbound == []


# ------------------------------------------------------------ pure helpers


class _Req:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


@pytest.mark.parametrize(("headers", "expected"), [
    ({"host": "127.0.0.1:7860"}, "http://127.0.0.1:7860/v1"),
    ({"host": "in", "x-forwarded-host": "maas.example.com", "x-forwarded-proto": "https"},
     "https://maas.example.com/v1"),
    ({"host": "in", "x-forwarded-host": "a.example, b", "x-forwarded-proto": "https, http",
      "x-forwarded-prefix": "/maas/"}, "https://a.example/maas/v1"),
    ({}, "/v1"),
])
def test_base_url_for(headers: dict[str, str], expected: str) -> None:
    assert home.base_url_for(_Req(headers), "/v1") == expected  # type: ignore[arg-type]


def test_base_url_hint_may_be_absolute() -> None:
    assert home.base_url_for(None, "https://api.example.com/v1/") == "https://api.example.com/v1"


@pytest.mark.parametrize(("ms", "text"), [(12.34, "12.3 ms"), (99.96, "100 ms"), (250.4, "250 ms"),
                                          (12345.6, "12,346 ms"), (None, "—"), (True, "—")])
def test_format_latency(ms: Any, text: str) -> None:
    assert home.format_latency(ms) == text


def test_example_keys_cover_every_example() -> None:
    assert set(home.api_examples("http://h/v1", home.PLACEHOLDER_MODELS)) == set(home.EXAMPLE_KEYS)


def test_table_edge_cases() -> None:
    assert "No models" in home.models_table_html([], "en")
    odd = [{"id": "x", "kind": "vision", "capabilities": {"json_mode": True}, "deployments": [
        {"name": "d", "backend": "b", "state": "paused", "latency_ms": 1}]}]
    table = home.models_table_html(odd, "zh")
    assert "vision" in table and "json_mode" in table and "paused" in table and "⚪" in table
    assert "${" not in home.models_table_html([{"id": "${x}{{y}}", "kind": "chat"}], "en")


def test_only_administrators_are_told_how_the_master_key_is_set(tmp_path) -> None:
    from types import SimpleNamespace

    gateway = opened_gateway(tmp_path, fake_status)             # its administrator is "admin"
    gateway.accounts.create_user("member", "Member-pass-2026")
    page = home.HomePage(gateway)
    try:
        for user, shown in (("admin", True), ("member", False)):
            request = SimpleNamespace(username=user, headers={"host": "wb.example"})
            key_md = page.api_info("zh-CN", request).key_note
            assert ("MAAS_MASTER_KEY" in key_md) is shown, user
            assert ("主密钥" in key_md) is shown
        assert page.api_info("en", SimpleNamespace(username="root", headers={})).key_note == ""   # no such account
    finally:
        gateway.store.close()


def test_built_in_models_and_backends_are_described_in_the_page_language() -> None:
    from app.shell.i18n import backend_label, model_description
    from gateway.routing.catalogue import EmbeddedOptions, embedded_models

    for model in embedded_models(EmbeddedOptions()):
        zh = model_description(model["id"], model["description"], "zh")
        assert zh != model["description"] and re.search(r"[\u4e00-\u9fff]", zh)
        assert model_description(model["id"], model["description"], "en") == model["description"]
    assert model_description("qwen2.5-coder:0.5b", "Our own words", "zh") == "Our own words"   # an operator's
    assert backend_label("embedded", "zh") == "内置" and backend_label("ollama", "zh") == "ollama"
    table = home.models_table_html([{"id": "m", "kind": "chat", "deployments": [
        {"name": "local", "backend": "embedded", "state": "healthy"}]}], "zh")
    assert "(内置)" in table and "embedded" not in table
