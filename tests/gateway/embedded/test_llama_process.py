"""The llama.cpp child process on the real packaged model: start, chat, prefill behaviour, stop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.embedded.errors import EmbeddedModelError
from gateway.embedded.llama_process import LlamaProcess


@pytest.fixture(scope="module")
def server(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaProcess]:
    log_file = tmp_path_factory.mktemp("llama") / "llama.log"
    proc = LlamaProcess(model_path, ctx=4096, parallel=2, threads=2, log_file=log_file, alias="embedded-test")
    proc.start(timeout=60)
    yield proc
    proc.stop()


def test_chat_completion_returns_text_and_usage(server: LlamaProcess) -> None:
    assert server.alive()
    assert server.base_url.startswith("http://127.0.0.1:")
    body = {"model": "embedded-test", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}
    reply = httpx.post(f"{server.base_url}/v1/chat/completions", json=body, timeout=60).json()
    assert reply["model"] == "embedded-test"
    assert reply["choices"][0]["message"]["content"].strip()
    usage = reply["usage"]
    assert usage["prompt_tokens"] > 0 and 0 < usage["completion_tokens"] <= 8
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert "llama_server: ready" in server.log_file.read_text()


def test_prefill_is_echoed_only_without_streaming(server: LlamaProcess) -> None:
    prefill = "def add_numbers("
    messages = [
        {"role": "user", "content": "Write a python function that adds two numbers."},
        {"role": "assistant", "content": prefill},
    ]
    body = {"messages": messages, "max_tokens": 6, "temperature": 0}
    plain = httpx.post(f"{server.base_url}/v1/chat/completions", json=body, timeout=60).json()
    assert plain["choices"][0]["message"]["content"].startswith(prefill)

    streamed, usage = "", None
    stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", f"{server.base_url}/v1/chat/completions", json=stream_body, timeout=60) as resp:
        for line in resp.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[len("data: ") :])
            usage = chunk.get("usage") or usage
            for choice in chunk["choices"]:
                streamed += choice["delta"].get("content") or ""
    assert not streamed.startswith(prefill)
    assert plain["choices"][0]["message"]["content"] == prefill + streamed
    assert usage is not None and usage["completion_tokens"] > 0


def test_stop_ends_the_child_and_closes_the_port(model_path: Path, tmp_path: Path) -> None:
    proc = LlamaProcess(model_path, ctx=1024, parallel=1, threads=2, log_file=tmp_path / "llama.log")
    url = proc.start()
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200
    proc.stop()
    assert not proc.alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=5)
    proc.stop()  # idempotent
    with pytest.raises(EmbeddedModelError, match="start"):
        _ = proc.base_url


def test_unloadable_model_fails_with_the_log_tail(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    proc = LlamaProcess(bogus, ctx=512, parallel=1, threads=1, log_file=tmp_path / "llama.log")
    with pytest.raises(EmbeddedModelError, match="exited with code") as info:
        proc.start(timeout=30)
    assert "failed to load model" in str(info.value)
    assert not proc.alive()
