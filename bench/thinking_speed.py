"""How fast the embedded chat model thinks: tokens/s of budget-forced thinking, to choose its default budget.

    python bench/thinking_speed.py                    # 6 questions, budget 256; ~2-4 min
    python bench/thinking_speed.py --budget 1024 --runs 2 --no-write

Starts ``python launch.py`` with the embedded models on a fresh data dir (bench/kb_common.py) and streams chat
completions with ``"thinking": {"type": "enabled", "budget_tokens": B}`` and ``stream_options.include_usage``,
as the chat page does. Per request: seconds until the first thought token (the prompt), the thinking phase
(first thought token to the last), the thought's tokens (usage ``reasoning_tokens``), the whole request, and the
cores the rest of the machine used meanwhile (the llama.cpp child uses both cores; others' load slows it).
Thinking tokens/s = reasoning tokens / thinking seconds; "to think B tokens" = B / that + the prompt's seconds.
Results: bench/results/thinking_speed.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.kb_common import busy_cores_since, common_args, cpu_mark, machine, write_result  # noqa: E402
from bench.run_gateway import MASTER_KEY  # noqa: E402

CHAT = "qwen2.5-coder:0.5b"
QUESTIONS = [
    "Is 91 a prime number? Explain.",
    "A train leaves at 9:40 and arrives at 13:05. How long is the trip?",
    "一个长方形的周长是 24 厘米，长是宽的 2 倍，面积是多少？",
    "Which is larger, 2^10 or 10^3, and by how much?",
    "小明有 15 个苹果，给了小红 4 个，又买了 7 个，现在有几个？",
    "Write a Python function that checks whether a string is a palindrome, and explain its cost.",
]


def one(client: httpx.Client, question: str, budget: int) -> dict:
    body = {"model": CHAT, "messages": [{"role": "user", "content": question}], "stream": True,
            "stream_options": {"include_usage": True}, "max_tokens": 64, "temperature": 0,
            "thinking": {"type": "enabled", "budget_tokens": budget}}
    mark, started = cpu_mark(), time.perf_counter()
    first = last = answer = None
    chunks, usage = 0, {}
    with client.stream("POST", "/v1/chat/completions", json=body) as resp:
        resp.raise_for_status()
        for line in resp.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            data = json.loads(line[6:])
            usage = data.get("usage") or usage
            for choice in data.get("choices") or []:
                delta = choice.get("delta") or {}
                now = time.perf_counter() - started
                if delta.get("reasoning_content"):
                    first = now if first is None else first
                    last, chunks = now, chunks + 1
                elif delta.get("content") and answer is None:
                    answer = now
    total = time.perf_counter() - started
    busy = busy_cores_since(mark)
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or chunks
    thinking = (last or 0) - (first or 0)
    return {"question": question, "budget": budget, "prompt_s": round(first or 0, 2), "thinking_s": round(thinking, 2),
            "reasoning_tokens": reasoning, "reasoning_chunks": chunks,
            "tokens_per_s": round(reasoning / thinking, 1) if thinking > 0 else None,
            "first_answer_token_s": round(answer, 2) if answer else None, "total_s": round(total, 2),
            "machine_busy_cores": round(busy, 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=int, default=256, help="budget_tokens of every request (default: %(default)s)")
    p.add_argument("--runs", type=int, default=1, help="times each question is asked (default: %(default)s)")
    p.add_argument("--questions", type=int, default=len(QUESTIONS), help="how many of the questions to ask")
    p.add_argument("--threads", type=int, help="llama.cpp threads (gateway.embedded.threads; default: the built-in 2)")
    common_args(p, "thinking_speed")
    args = p.parse_args(argv)

    from bench.kb_common import start_embedded_gateway

    rows = []
    with tempfile.TemporaryDirectory(prefix="maas-bench-think-") as tmp:
        if args.threads:                        # the data dir's models.yaml, as Admin -> Models saves it
            data = Path(tmp) / "embedded-data"
            data.mkdir(parents=True)
            (data / "models.yaml").write_text(f"gateway:\n  embedded: {{threads: {args.threads}}}\n")
        gw, url = start_embedded_gateway(Path(tmp), args.launch)
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=900) as client:
                one(client, "Hi", 16)                                         # warm: model loaded, caches
                for _ in range(args.runs):
                    for q in QUESTIONS[: args.questions]:
                        rows.append(one(client, q, args.budget))
                        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        finally:
            gw.stop()
    rates = [r["tokens_per_s"] for r in rows if r["tokens_per_s"] and r["reasoning_tokens"] >= 32]
    prompts = [r["prompt_s"] for r in rows]
    median = statistics.median(rates) if rates else None
    result = {"machine": machine(), "budget": args.budget, "threads": args.threads or 2, "rows": rows,
              "median_tokens_per_s": median, "median_prompt_s": statistics.median(prompts) if prompts else None,
              "median_machine_busy_cores": statistics.median(r["machine_busy_cores"] for r in rows),
              "tokens_in_20_s": int(median * (20 - statistics.median(prompts))) if median else None,
              "command": "python bench/thinking_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))
    write_result("thinking_speed", result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
