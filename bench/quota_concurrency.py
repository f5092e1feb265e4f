"""Tokens served against a token limit when many requests arrive at once (issue 11, item 4).

    python bench/quota_concurrency.py [--root DIR] [--concurrency 20] [--limit 100] [--no-write]

A key with a 100-token total quota (and, separately, a key with 100 tokens per minute) sends
20 chat requests at the same moment through ``python launch.py`` to the fast fake upstream
with a 1 s service time, so every admitted request is in flight together. Each answer uses 32
tokens (``bench/fast_upstream.py``). Prints and writes (``bench/results/quota_concurrency.json``)
how many were served, how many tokens that was, and how many got 429. ``--root``: another
checkout's launch.py (e.g. ``git archive <commit> | tar -x -C /tmp/before``) for a before/after.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from run_gateway import MASTER_KEY, RESULTS, ROOT, Child, free_port, gateway_env, start_fake

BODY = {"model": "bench-model", "max_tokens": 64,
        "messages": [{"role": "system", "content": "You are a helpful assistant."},
                     {"role": "user", "content": "Say hello in one short sentence."}]}


def commit_of(root: Path) -> str:
    run = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
    return run.stdout.strip() or root.name


def fake_model_config(folder: Path, fake_url: str) -> Path:
    """A models.yaml in ``folder``: no embedded models, one model ``bench-model`` served by the fake upstream."""
    config = folder / "models.yaml"
    config.write_text("gateway:\n  embedded: {enabled: false}\nmodels:\n  - id: bench-model\n"
                      f"    deployments:\n      - {{backend: openai, base_url: '{fake_url}/v1', "
                      "model: fake-model}\n", encoding="utf-8")
    return config


def start(root: Path, data: Path, config: Path) -> tuple[Child, str]:
    port = free_port()
    cmd = [sys.executable, str(root / "launch.py"), "--port", str(port), "--data-dir", str(data),
           "--config", str(config)]
    gw = Child("gateway", cmd, env=gateway_env(), cwd=root)
    gw.wait_for(r"is ready:", 180)
    return gw, f"http://127.0.0.1:{port}"


def new_key(url: str, name: str, limits: dict) -> str:
    admin = {"authorization": f"Bearer {MASTER_KEY}"}
    user = httpx.post(url + "/admin/v1/users", headers=admin, timeout=30,
                      json={"username": f"bench-{name}", "password": "Bench-password-2026"}).json()
    key = httpx.post(url + "/admin/v1/keys", headers=admin, timeout=30,
                     json={"user_id": user["id"], "name": name, **limits})
    key.raise_for_status()
    return key.json()["secret"]


def burst(url: str, secret: str, n: int) -> dict:
    def one(_: int) -> httpx.Response:
        return httpx.post(url + "/v1/chat/completions", json=BODY, timeout=60,
                          headers={"authorization": f"Bearer {secret}"})

    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(one, range(n)))
    served = [r.json()["usage"]["total_tokens"] for r in answers if r.status_code == 200]
    return {"requests": n, "served": len(served), "tokens_served": sum(served),
            "refused_429": sum(r.status_code == 429 for r in answers),
            "other": sorted({r.status_code for r in answers} - {200, 429})}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT, help="the checkout whose launch.py runs (default: this one)")
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    fake, fake_url = start_fake(delay_ms=1000)
    result = {"root_commit": commit_of(args.root), "concurrency": args.concurrency, "limit": args.limit,
              "tokens_per_answer": 32, "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    try:
        with tempfile.TemporaryDirectory(prefix="maas-quota-") as tmp:
            config = fake_model_config(Path(tmp), fake_url)
            gw, url = start(args.root.resolve(), Path(tmp) / "data", config)
            try:
                for limit in ("quota_tokens", "tpm"):
                    secret = new_key(url, limit.replace("_", "-"), {limit: args.limit})
                    result[limit] = burst(url, secret, args.concurrency)
                    print(f"{limit}={args.limit}: {result[limit]}")
            finally:
                gw.stop()
    finally:
        fake.stop()
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "quota_concurrency.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
