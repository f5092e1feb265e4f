"""Chat benchmark: N (default 50) concurrent chats through the chat page's streaming handler.

``python launch.py`` runs with a config whose only chat model is ``bench/chat_upstream.py`` (a fast
fake: ``--words`` words, ``--interval`` s apart) in its own process. This process opens a real
``Gateway`` (its own DuckDB, N members created through the accounts service) and a workbench store,
builds the chat page (``app.chat.page.ChatPage`` with a ``ChatSetup`` pointing at the
launched gateway's /v1, as launch.py does) and calls ``answers.send`` for every member at once on one event
loop — each a different signed-in user starting their own conversation — exactly as Gradio's queue
would call the async handler. Counted: errors (a raised gr.Error or exception, an answer that is
not the fake's text, a conversation not saved with the question and the answer), total wall time,
per chat time to the first streamed answer text and to completion.

    python bench/chat_concurrency.py [--chats 50] [--words 20] [--interval 0.01] [--no-write]

Writes bench/results/chat_concurrency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chat_upstream import ChatUpstream, write_config  # noqa: E402

MODEL_ID = "bench-chat"
PASSWORD = "Bench-pass-2026"


def serve_upstream(words: list[str], interval: float, conn: object) -> None:
    """The fake in its own process (so it takes no GIL time from the handlers being measured)."""
    up = ChatUpstream(words, interval)
    conn.send(up.url)
    conn.recv()          # until the parent says stop
    up.stop()


def share_http_client() -> None:
    """Experiment: make every ``openai.AsyncOpenAI`` (the chat engine builds one per answer) reuse one
    httpx client, whose close is a no-op, instead of building its own (an SSL context each)."""
    import httpx
    import openai

    class Kept(httpx.AsyncClient):
        async def aclose(self) -> None:
            pass

    shared = Kept(limits=httpx.Limits(max_connections=200, max_keepalive_connections=100), timeout=600)

    class Reused(openai.AsyncOpenAI):
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs.setdefault("http_client", shared)
            super().__init__(*args, **kwargs)

    openai.AsyncOpenAI = Reused


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def ms(values: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(values), 1), "p90_ms": round(pct(values, 0.9), 1),
            "max_ms": round(max(values), 1)}


def answer_text(bot: list[dict]) -> str:
    rows = [r for r in bot if r.get("role") == "assistant" and not r.get("metadata")]
    return rows[-1]["content"] if rows else ""


async def one_chat(h: Any, username: str, t0: float) -> dict:
    request = SimpleNamespace(username=username, headers={"accept-language": "en"}, query_params={})
    first = None
    last: Any = None
    try:
        async for step in h.answers.send(f"Hello from {username}", None, "", MODEL_ID, False, 1024, "", 0, None, 64,
                                 False, "", "en", request):
            if first is None and answer_text(step.bot):
                first = time.perf_counter()
            last = step
        return {"user": username, "ttft": (first or time.perf_counter()) - t0, "done": time.perf_counter() - t0,
                "conv_id": last.conv_id if last else "", "shown": answer_text(last.bot) if last else "", "error": None}
    except Exception as exc:  # noqa: BLE001 - counted, never hidden
        return {"user": username, "error": f"{type(exc).__name__}: {exc}", "done": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chats", type=int, default=50)
    ap.add_argument("--words", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.01, help="seconds between streamed words")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--shared-http-client", action="store_true",
                    help="experiment: every openai.AsyncOpenAI built in this process reuses one httpx client "
                         "(results to results/experiment-chat-shared-client.json)")
    args = ap.parse_args()
    if args.shared_http_client:
        share_http_client()

    from app.chat import page as chat
    from gateway.service import Gateway
    from gateway.settings import load_settings
    from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, MASTER_KEY, GatewayProcess
    from workbench.conversations import Conversations
    from workbench.schema import open_store
    from workbench.store import store_path

    words = ["Kestrel"] + [f"w{n}" for n in range(1, args.words)]
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(target=serve_upstream, args=(words, args.interval, child),
                                                        daemon=True)
    proc.start()
    up_url = parent.recv()
    with tempfile.TemporaryDirectory(prefix="maas-chat-conc-") as tmp:
        config = Path(tmp) / "bench.yaml"
        write_config(config, up_url, MODEL_ID)
        gw_proc = GatewayProcess(Path(tmp) / "served", config=config).start(timeout=120)
        settings = load_settings(["--data-dir", str(Path(tmp) / "ui"), "--config", str(config)],
                                 env={"MAAS_ADMIN_USER": ADMIN_USER, "MAAS_ADMIN_PASSWORD": ADMIN_PASSWORD})
        gateway = Gateway(settings)
        gateway.open()
        store = open_store(store_path(Path(tmp) / "wb"))
        try:
            users = {f"bench{n:02d}": gateway.accounts.create_user(f"bench{n:02d}", PASSWORD)
                     for n in range(args.chats)}
            convs = Conversations(store)
            h = chat.ChatPage(gateway, chat.ChatSetup(convs, gw_proc.url + "/v1", key_for=lambda user_id: MASTER_KEY))

            async def run_all() -> tuple[list[dict], float]:
                t0 = time.perf_counter()
                out = await asyncio.gather(*(one_chat(h, name, t0) for name in users))
                return out, time.perf_counter() - t0

            results, wall = asyncio.run(run_all())
            expected_tail = " ".join(words[1:])
            errors = [r for r in results if r["error"]]
            for r in results:
                if r["error"]:
                    continue
                saved = convs.get(users[r["user"]].id, r["conv_id"]).messages if r["conv_id"] else []
                ok = (len(saved) == 2 and saved[0].role == "user" and saved[0].content == f"Hello from {r['user']}"
                      and saved[1].role == "assistant" and saved[1].content.endswith(expected_tail)
                      and not saved[1].error and r["shown"].endswith(expected_tail))
                if not ok:
                    r["error"] = f"not saved or wrong answer: shown {r['shown'][:80]!r}, saved {len(saved)} messages"
                    errors.append(r)
            others = sum(len(convs.list(u.id)) for u in users.values()) - args.chats
        finally:
            store.close()
            gateway.store.close()
            gw_proc.stop()
    parent.send("stop")
    proc.join(10)

    good = [r for r in results if not r["error"]]
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "command": " ".join(["python bench/chat_concurrency.py", *sys.argv[1:]]),
        "shared_http_client": args.shared_http_client,
        "chats": args.chats, "words": args.words, "interval_s": args.interval,
        "upstream_stream_s": round((args.words - 1) * args.interval, 3),
        "errors": len(errors), "error_samples": [r["error"] for r in errors[:5]],
        "conversations_saved_with_answer": len(good), "extra_conversations": others,
        "wall_s": round(wall, 3),
        "time_to_first_token": ms([r["ttft"] * 1000 for r in good]) if good else None,
        "completion": ms([r["done"] * 1000 for r in good]) if good else None,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        name = "experiment-chat-shared-client.json" if args.shared_http_client else "chat_concurrency.json"
        out = ROOT / "bench" / "results" / name
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
