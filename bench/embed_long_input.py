"""One long input to the embedded embedder: time and peak memory of the gateway process (issue 11, item 1).

    python bench/embed_long_input.py                          # 64 KB, 512 KB, 10 MB to /v1/embeddings and /v1/rerank
    python bench/embed_long_input.py --sizes-kb 64,128,256,512 --launch /tmp/head/launch.py --no-write

Starts ``python launch.py`` with the embedded models on a fresh data dir (bench/kb_common.py), then for each size,
smallest first, sends ``{"model": "use-multilingual:v3", "input": "<size KB of text>"}`` and a rerank with one
document of that size, and reads the gateway process's ``VmHWM`` (peak resident memory since it started) and
``VmRSS`` from /proc/<pid>/status after each. A short embedding is sent while each long request runs: its latency
shows whether the long one holds the embedder for everyone. The text is English and Chinese sentences repeated.

Do not point this at a build without the input cap with a 10 MB size: that grew the process past 20 GB.
``--max-as-gb`` runs the gateway under ``prlimit --as`` (default 8 GB) so such a run fails instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.kb_common import EMBEDDING, RERANK, common_args, machine, write_result  # noqa: E402
from bench.run_gateway import MASTER_KEY  # noqa: E402

TEXT = ("The roof membrane is inspected every five years and after every storm. "
        "屋顶防水层每五年检查一次，每次暴风雨之后也要检查。 ")


def status(pid: int) -> dict:
    """VmHWM and VmRSS of ``pid`` in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def text_of(kb: int) -> str:
    size = kb * 1024
    return (TEXT * (size // len(TEXT.encode()) + 1)).encode()[:size].decode(errors="ignore")


def timed(client: httpx.Client, path: str, body: dict) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    resp = client.post(path, json=body)
    return time.perf_counter() - t0, resp.status_code, resp.text[:300]


def one(client: httpx.Client, pid: int, path: str, body: dict) -> dict:
    """``body`` to ``path`` while a short embedding is timed alongside; the figures."""
    short: dict = {}

    def probe() -> None:
        time.sleep(0.3)                                   # the long request is in the embedder by then
        seconds, code, _ = timed(client, "/v1/embeddings", {"model": EMBEDDING, "input": "a short query"})
        short.update(seconds=round(seconds, 3), status=code)

    thread = threading.Thread(target=probe)
    thread.start()
    seconds, code, text = timed(client, path, body)
    thread.join()
    row = {"seconds": round(seconds, 3), "status": code, **status(pid), "short_request_during": short}
    if code != 200:
        row["answer"] = text
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes-kb", default="64,512,10240",
                   help="input sizes in KB, comma-separated (default: %(default)s)")
    p.add_argument("--max-as-gb", type=float, default=8.0, help="address-space limit of the gateway (prlimit --as)")
    common_args(p, "embed_long_input")
    args = p.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes_kb.split(","))

    import tempfile

    from bench.kb_common import start_embedded_gateway

    with tempfile.TemporaryDirectory(prefix="maas-bench-embed-") as tmp:
        gw, url = start_embedded_gateway(Path(tmp), args.launch)
        try:
            headers = {"Authorization": f"Bearer {MASTER_KEY}"}
            with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
                limit = int(args.max_as_gb * 1024 ** 3)
                import subprocess

                subprocess.run(["prlimit", f"--pid={gw.pid}", f"--as={limit}:{limit}"], check=True)
                timed(client, "/v1/embeddings", {"model": EMBEDDING, "input": "warm up"})
                rows = {"idle": status(gw.pid)}
                for kb in sizes:
                    text = text_of(kb)
                    rows[f"embeddings_{kb}KB"] = one(client, gw.pid, "/v1/embeddings",
                                                     {"model": EMBEDDING, "input": text})
                    rows[f"rerank_{kb}KB"] = one(client, gw.pid, "/v1/rerank",
                                                 {"model": RERANK, "query": "when is the roof inspected",
                                                  "documents": ["a short document", text]})
                    print(json.dumps({kb: [rows[f"embeddings_{kb}KB"], rows[f"rerank_{kb}KB"]]}), flush=True)
        finally:
            alive = gw.proc.poll() is None
            gw.stop()
    result = {"machine": machine(), "gateway_alive_at_end": alive, "rows": rows,
              "command": "python bench/embed_long_input.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    print(json.dumps(result, indent=2))
    write_result("embed_long_input", result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
