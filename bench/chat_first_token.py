"""Chat benchmark: from the gateway's upstream writing the first content token to the browser showing it.

``python launch.py`` runs with a config whose only chat model is ``bench/chat_upstream.py`` on loopback
(an OpenAI-compatible SSE server that takes ``time.time()`` right before writing the first content
chunk, then streams one word every ``--interval`` s). Debian's Chromium (Playwright) signs in, opens
/chat and sends a question; a MutationObserver on the chatbot takes ``performance.timeOrigin +
performance.now()`` (wall clock, ms) the moment the first word appears in the answer's DOM, and a
``requestAnimationFrame`` after it gives the next painted frame. Same machine, same clock: the
difference is what the gateway, the chat handler, Gradio's queue and SSE, and the browser's render add.
For comparison the same stream is also read straight from the gateway's /v1 API with httpx.

    python bench/chat_first_token.py [--runs 20] [--interval 0.2] [--no-write]

Writes bench/results/chat_first_token.json. Target: <= 150 ms (issue 4).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chat_upstream import ChatUpstream, write_config  # noqa: E402

MODEL_ID = "bench-chat"
WORDS = ["Kestrel", "flies", "over", "the", "quiet", "valley", "Omega"]
OBSERVE_JS = """(marker) => {
  window.__seen = null; window.__painted = null;
  const root = document.querySelector('#chat-bot');
  const check = () => {
    if (window.__seen) return;
    for (const el of root.querySelectorAll('[data-testid=bot]')) {
      if (el.textContent.includes(marker)) {
        window.__seen = performance.timeOrigin + performance.now();
        obs.disconnect();
        requestAnimationFrame(() => { window.__painted = performance.timeOrigin + performance.now(); });
        return;
      }
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(root, {childList: true, subtree: true, characterData: true});
}"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": round(statistics.median(values), 1), "p90_ms": round(pct(values, 0.9), 1),
            "min_ms": round(min(values), 1), "max_ms": round(max(values), 1)}


def direct_runs(url: str, key: str, up: ChatUpstream, runs: int) -> list[float]:
    """First content chunk read from the gateway's /v1 stream (httpx) minus the upstream's send time."""
    import httpx

    out = []
    body = {"model": MODEL_ID, "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with httpx.Client(timeout=30) as client:
        for _ in range(runs):
            index = len(up.first_sent)
            with client.stream("POST", f"{url}/v1/chat/completions", json=body,
                               headers={"Authorization": f"Bearer {key}"}) as resp:
                got = None
                for line in resp.iter_lines():
                    if got is None and f"{WORDS[0]}{index}" in line:
                        got = time.time()
                out.append((got - up.first_sent[index]) * 1000)
    return out


def browser_runs(url: str, up: ChatUpstream, runs: int, warmup: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import chromium
    from tests.conftest import ADMIN_PASSWORD, ADMIN_USER

    seen, painted = [], []
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{url}/chat")
        page.fill("#username", ADMIN_USER)
        page.fill("#password", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "/login" not in u)
        page.locator("#chat-input textarea").wait_for()
        expect(page.locator("#chat-list-note")).to_contain_text("No conversations yet")   # the page's load ran
        page.wait_for_timeout(500)
        for n in range(warmup + runs):
            if n:
                page.locator("#chat-new").click()
                expect(page.locator("#chat-bot [data-testid=user]")).to_have_count(0)
            index = len(up.first_sent)
            marker = f"{WORDS[0]}{index}"
            page.evaluate(OBSERVE_JS, marker)
            page.locator("#chat-input textarea").fill(f"Question {n}")
            page.locator("#chat-input textarea").press("Enter")
            try:
                page.wait_for_function("() => window.__painted !== null")
            except Exception:
                print("page:", page.locator("body").inner_text()[:2000], file=sys.stderr)
                raise
            t_seen, t_painted = page.evaluate("() => [window.__seen, window.__painted]")
            expect(page.locator("#chat-bot [data-testid=bot]").last).to_contain_text(WORDS[-1])
            page.wait_for_timeout(300)          # the saved conversation and the list refresh land
            if n >= warmup:
                sent = up.first_sent[index] * 1000
                seen.append(t_seen - sent)
                painted.append(t_painted - sent)
        browser.close()
    return seen, painted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between streamed words")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from tests.conftest import MASTER_KEY, GatewayProcess

    up = ChatUpstream(WORDS, args.interval)
    with tempfile.TemporaryDirectory(prefix="maas-chat-bench-") as tmp:
        config = Path(tmp) / "bench.yaml"
        write_config(config, up.url, MODEL_ID)
        gw = GatewayProcess(Path(tmp) / "data", config=config).start(timeout=120)
        try:
            direct = direct_runs(gw.url, MASTER_KEY, up, args.runs)
            seen, painted = browser_runs(gw.url, up, args.runs, args.warmup)
        except Exception:
            print(gw.output()[-4000:], file=sys.stderr)
            raise
        finally:
            gw.stop()
    up.stop()
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "command": " ".join(["python bench/chat_first_token.py", *sys.argv[1:]]),
        "interval_s": args.interval,
        "target_ms": 150,
        "browser_dom_ms": summary(seen),
        "browser_next_frame_ms": summary(painted),
        "gateway_api_httpx_ms": summary(direct),
        "raw_ms": {"browser_dom": [round(v, 1) for v in seen], "browser_next_frame": [round(v, 1) for v in painted],
                   "gateway_api_httpx": [round(v, 1) for v in direct]},
    }
    print(json.dumps({k: v for k, v in result.items() if k != "raw_ms"}, indent=2))
    if not args.no_write:
        out = ROOT / "bench" / "results" / "chat_first_token.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
