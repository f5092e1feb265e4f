"""What the knowledge-base benchmarks share: the real gateway, a KnowledgeService on it, timing helpers.

    gw, url = start_embedded_gateway(tmp)                  # `python launch.py` on a temp data dir, embedded models
    kb = open_service(tmp / "kb", url)                     # KnowledgeService: DuckDB store, embedded Chroma, BM25
    await kb.start(); ...; await kb.stop(); kb.store.close(); gw.stop()

The gateway runs as a child process exactly as a user starts it (no config file: the embedded chat model,
USE v3 embeddings ``use-multilingual:v3`` and the embedded reranker ``use-multilingual-rerank:v3``). The
KnowledgeService runs in the bench process, as launch.py builds it, and reaches the models through the
gateway's /v1 with the master key (every user's client is that key here). The chat model file is assembled
once into ~/.cache/maas-bench/models (bench/run_gateway.py's cache).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
EMBEDDING = "use-multilingual:v3"
E5 = "multilingual-e5-small"
CHAT = "qwen2.5-coder:0.5b"
RERANK = "use-multilingual-rerank:v3"
USER = "u-bench"


def start_embedded_gateway(tmp: Path, launch: Path | None = None, timeout: float = 240):
    """``python launch.py`` with the embedded models on a fresh data dir under ``tmp``: (child, base URL).
    ``launch``: another checkout's launch.py (e.g. a clean copy of HEAD while the tree is being edited)."""
    import signal
    import sys

    from bench.run_gateway import Child, free_port, gateway_env, prepare_embedded_data

    # a bench stopped with `kill` (SIGTERM) unwinds like Ctrl-C, so its ``finally`` stops this gateway and its
    # llama.cpp server instead of leaving them running (and loading the cores) after the bench is gone
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    launch = Path(launch) if launch else ROOT / "launch.py"
    port = free_port()
    cmd = [sys.executable, str(launch), "--port", str(port), "--data-dir", str(prepare_embedded_data(tmp))]
    gw = Child("gateway", cmd, env=gateway_env(), cwd=launch.parent)
    gw.wait_for(r"is ready:", timeout)
    return gw, f"http://127.0.0.1:{port}"


class Directory:
    """The one bench user (the UserDirectory the KB services need for names)."""

    def id_of(self, username: str) -> str | None:
        return USER if username == "bench" else None

    def name_of(self, user_id: str) -> str | None:
        return "bench" if user_id == USER else None


def open_service(path: Path, gateway_url: str, *, max_mb: int = 100, translate: bool = True):
    """A KnowledgeService under ``path`` (DuckDB store, embedded Chroma, files) on the gateway's /v1, as launch.py
    builds it for the embedded models (USE v3 and e5 to choose from, questions translated by the chat model)."""
    from bench.run_gateway import MASTER_KEY
    from workbench.clients import UserClients
    from workbench.kb.service import KnowledgeService
    from workbench.schema import open_store
    from workbench.store import store_path

    path.mkdir(parents=True, exist_ok=True)
    store = open_store(store_path(path))
    clients = UserClients(f"{gateway_url}/v1", lambda _user: MASTER_KEY)
    return KnowledgeService.open(store, Directory(), data_dir=path, client_for=clients,
                                 embedding_models=lambda: [EMBEDDING, E5], max_bytes=max_mb * 1024 * 1024,
                                 query_prefix=lambda model: "query: " if model == E5 else "",
                                 translate_model=CHAT if translate else None)


def new_kb(service, name: str, *, chunk_tokens: int | None = None, chunk_overlap: int | None = None,
           model: str = EMBEDDING):
    """A KB in a fresh team of the bench user, with an embedded embedding model (USE v3 unless said)."""
    team = service.teams.create(USER, f"Bench {name}")
    extra = {k: v for k, v in (("chunk_tokens", chunk_tokens), ("chunk_overlap", chunk_overlap)) if v is not None}
    return service.bases.create(USER, team.id, name, "benchmark", model, **extra)


async def wait_ingested(service, kb_id: str, expected: int, timeout: float = 3600, poll: float = 0.2) -> list:
    """Poll until ``expected`` documents are ready (raise if one failed or time runs out): the documents."""
    deadline = time.monotonic() + timeout
    while True:
        docs = service.documents(USER, kb_id)
        failed = [d for d in docs if d.status in ("failed", "cancelled")]
        if failed:
            raise RuntimeError(f"{len(failed)} document(s) failed, e.g. {failed[0].name}: {failed[0].error}")
        if sum(d.status == "ready" for d in docs) >= expected:
            return docs
        if time.monotonic() > deadline:
            raise RuntimeError(f"ingestion not finished after {timeout} s")
        await asyncio.sleep(poll)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return math.nan
    at = (len(data) - 1) * q / 100
    low, high = math.floor(at), math.ceil(at)
    return data[low] + (data[high] - data[low]) * (at - low)


def summary_ms(seconds: Sequence[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "mean_ms": round(sum(ms) / len(ms), 2) if ms else math.nan, "max_ms": round(max(ms), 2) if ms else math.nan}


def common_args(parser, name: str, *, launch: bool = True) -> None:
    """The options every KB bench takes: ``--launch`` (another checkout's launch.py) and ``--no-write``."""
    if launch:
        parser.add_argument("--launch", type=Path,
                            help="run this launch.py instead of the tree's (e.g. a clean checkout)")
    parser.add_argument("--no-write", action="store_true", help=f"print only; do not write bench/results/{name}.json")


def write_result(name: str, result: dict, args) -> None:
    """``bench/results/<name>.json`` unless ``--no-write``."""
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    commit = commit or os.environ.get("MAAS_BENCH_COMMIT", "")    # a `git archive` copy has no .git: say which
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "commit": commit,
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}


def busy_cores_since(mark: tuple[float, float]) -> float:
    """Cores used by every process on the machine since ``mark`` (from ``cpu_mark``)."""
    now = cpu_mark()
    return (now[0] - mark[0]) / max(1e-9, now[1] - mark[1])


def cpu_mark() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, wall time) for ``busy_cores_since``."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in fields]
    busy = sum(ticks) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)     # minus idle and iowait
    return busy / os.sysconf("SC_CLK_TCK"), time.monotonic()
