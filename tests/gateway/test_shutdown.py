"""SIGTERM drains the gateway: answers in progress finish, those past the grace period end cleanly.

The real ``launch.py`` process over a slow fake upstream (200 chunks, 50 ms apart: a 10 s stream).
On SIGTERM it stops accepting connections, lets in-flight answers finish for up to
``MAAS_SHUTDOWN_GRACE_S`` (default 30 s), then ends the rest with an error event
(``server_shutdown``) and records them as ended by the server (503), not as client aborts (499).
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import duckdb
import httpx
import orjson
import pytest

from tests.conftest import GatewayProcess
from tests.gateway.conftest import auth, error_of

MESSAGES = [{"role": "user", "content": "hello there"}]
SLOW_CHUNKS = 200           # the `slow` fake's answer: "tok" x 200, one every 50 ms


def ledger_rows(data_dir: Path) -> dict[str, dict]:
    cols = ["request_id", "status", "error_code", "client_aborted", "usage_source", "completion_tokens", "stream"]
    con = duckdb.connect(str(data_dir / "maas.duckdb"), read_only=True)
    try:
        rows = con.execute(f"SELECT {', '.join(cols)} FROM usage_ledger").fetchall()
    finally:
        con.close()
    return {r[0]: dict(zip(cols, r, strict=True)) for r in rows}


def stream_with_sigterm(gw: GatewayProcess, after: int, knock_at: int | None = None) -> dict:
    """Stream `slow-stream`, send SIGTERM to the gateway after ``after`` events, read to the end; at event
    ``knock_at`` try a new connection. Returns the request id, the ``data:`` payloads, the seconds from
    SIGTERM to the stream's end and what the knock got."""
    body = {"model": "slow-stream", "messages": MESSAGES, "stream": True}
    out: dict = {"events": [], "knock": None}
    signalled = 0.0
    with httpx.stream("POST", gw.url + "/v1/chat/completions", json=body, headers=auth(gw), timeout=60) as resp:
        assert resp.status_code == 200
        out["id"] = resp.headers["x-request-id"]
        for line in resp.iter_lines():
            if not line.startswith("data: "):
                continue
            out["events"].append(line[6:])
            if len(out["events"]) == after:
                gw.proc.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
            if len(out["events"]) == knock_at:
                try:
                    out["knock"] = httpx.get(gw.url + "/health", timeout=2).status_code
                except httpx.ConnectError:
                    out["knock"] = "refused"
    out["ended_after"] = time.monotonic() - signalled
    return out


def wait_exit(gw: GatewayProcess, timeout: float = 40) -> int:
    code = gw.proc.wait(timeout)
    gw.stop()
    return code


def test_sigterm_lets_a_long_stream_finish(fake_config, fakes, tmp_path):
    gw = GatewayProcess(tmp_path / "data", config=fake_config).start()
    try:
        got = stream_with_sigterm(gw, after=5, knock_at=40)       # knock ~2 s after SIGTERM
    finally:
        code = wait_exit(gw) if gw.proc is not None and gw.proc.poll() is None else gw.stop()
    events = got["events"]
    assert events[-1] == "[DONE]", events[-3:]
    chunks = [orjson.loads(e) for e in events[:-1]]
    assert not [c for c in chunks if "error" in c]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text.split() == ["tok"] * SLOW_CHUNKS                    # the whole answer, well past 5 s
    assert got["knock"] == "refused"                                # while draining, no new connections
    assert code == 0, gw.output()[-2000:]
    row = ledger_rows(tmp_path / "data")[got["id"]]
    assert (row["status"], row["client_aborted"], row["error_code"]) == (200, False, None)


def test_streams_past_the_grace_period_end_with_an_error_event(fake_config, fakes, tmp_path):
    gw = GatewayProcess(tmp_path / "data", config=fake_config, env={"MAAS_SHUTDOWN_GRACE_S": "1"}).start()
    waiting: dict[str, httpx.Response] = {}
    fakes["vllm"].set_fault("slow_first_byte", count=1, delay=8)        # a non-stream answer still being computed

    def non_stream() -> None:
        waiting["resp"] = httpx.post(gw.url + "/v1/chat/completions", headers=auth(gw), timeout=30,
                                     json={"model": "qwen3:235b", "messages": MESSAGES})

    slow = threading.Thread(target=non_stream)
    slow.start()
    try:
        got = stream_with_sigterm(gw, after=5)
        slow.join(30)
    finally:
        code = wait_exit(gw) if gw.proc is not None and gw.proc.poll() is None else gw.stop()
    request_id, events = got["id"], got["events"]
    assert got["ended_after"] < 4.5, got["ended_after"]      # 1 s of grace, not uvicorn's 5 s cut
    assert "[DONE]" not in events
    err = error_of(orjson.loads(events[-1]))
    assert err["code"] == "server_shutdown" and err["type"] == "service_unavailable"
    assert all("choices" in orjson.loads(e) for e in events[:-1]) and len(events) > 5
    resp = waiting["resp"]
    assert resp.status_code == 503 and error_of(resp.json())["code"] == "server_shutdown"
    assert code == 0, gw.output()[-2000:]
    rows = ledger_rows(tmp_path / "data")
    row = rows[request_id]
    assert (row["status"], row["error_code"], row["client_aborted"]) == (503, "server_shutdown", False)
    assert row["usage_source"] == "estimated" and row["completion_tokens"] > 0     # what was generated was spent
    (other,) = [r for rid, r in rows.items() if rid != request_id and not r["stream"]]
    assert (other["status"], other["error_code"], other["client_aborted"]) == (503, "server_shutdown", False)


@pytest.mark.parametrize("value", ["-1", "soon", "4000"])
def test_a_bad_grace_period_stops_the_start_naming_it(value, tmp_path):
    from gateway.errors import ConfigError
    from gateway.settings import load_settings

    with pytest.raises(ConfigError) as info:
        load_settings(["--data-dir", str(tmp_path)], env={"MAAS_SHUTDOWN_GRACE_S": value})
    assert "MAAS_SHUTDOWN_GRACE_S" in str(info.value)
