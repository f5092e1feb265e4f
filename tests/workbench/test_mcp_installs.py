"""Installs and running stdio MCP servers with the real parts: ``mcp-server-time`` installed from the package index
into its own venv, ``@modelcontextprotocol/server-everything`` from npm into its own prefix, both started by the
supervisor and called through ``mcp.Client``; a version that does not exist; a crash; a stop; the environment the
child really sees; secrets at rest and in logs.

The installs hit the package indexes once per module (module-scoped fixtures); pip installs from the session's
download of mcp-server-time and its dependencies (``pip_mirror``, tests/pip_mirror.py). When an index cannot be
reached (``pip download`` / ``npm view`` fail), those tests are skipped saying so, never silently passed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.aio import run
from tests.pip_mirror import PipMirror
from tests.workbench.mcp_hub import ADMIN, ALICE, Hub, Records, alive, make_hub, npm_unreachable
from workbench.mcp.catalogue import Entry
from workbench.mcp.errors import InstallError
from workbench.mcp.installs import Install, Installs
from workbench.mcp.processes import Supervisor, open_session

CJK = re.compile(r"[\u3400-\u9fff]")
TIME_VERSION = json.loads((Path(__file__).parents[2] / "workbench/mcp/bundled/mcp-server-time.json")
                          .read_text())["packages"][0]["version"]
EVERYTHING_VERSION = json.loads((Path(__file__).parents[2] / "workbench/mcp/bundled/server-everything.json")
                                .read_text())["packages"][0]["version"]
SECRET = f"tok-{uuid.uuid4().hex}"
ALLOWED_ENV = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "SHELL", "TERM"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory):
    made = make_hub(tmp_path_factory.mktemp("hub"))
    yield made
    made.store.close()


@pytest.fixture(scope="module")
def pypi(hub: Hub, pip_mirror: PipMirror) -> Iterator[None]:
    """The installs' pip reads the session's download of mcp-server-time (tests/pip_mirror.py) while the module runs."""
    if pip_mirror.why:
        pytest.skip(f"the Python package index is unreachable from here (pip download: {pip_mirror.why})")
    with pytest.MonkeyPatch.context() as env:
        for name, value in pip_mirror.env.items():
            env.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def time_install(hub: Hub, pypi: None) -> tuple[Entry, Install, list[Install]]:
    """The bundled mcp-server-time, installed by an admin; the rows a page polling every 0.1 s would have seen."""
    entry = hub.entry("mcp-server-time")

    async def install() -> tuple[Install, list[Install]]:
        await hub.installs.install(entry, ADMIN, {"arg.--local-timezone": "Asia/Shanghai"})
        seen = []
        while (row := hub.installs.get(entry.id, ADMIN)).status == "running":
            seen.append(row)
            await asyncio.sleep(0.1)
        return await hub.installs.wait(entry.id), seen

    done, seen = run(install())
    print(f"\ninstall of mcp-server-time=={TIME_VERSION}: {done.seconds} s")     # the figure for the report
    return entry, done, seen


def test_an_admin_installs_mcp_server_time_into_its_own_venv_with_progress(hub: Hub, time_install) -> None:
    entry, done, seen = time_install
    assert (done.status, done.step, done.error) == ("installed", "done", None), done.output_tail
    where = hub.installs.where(done)
    assert done.command == [str(where.venv / "bin" / "mcp-server-time")]
    assert where.root.parent == hub.data_dir / "mcp" and (where.venv / "pyvenv.cfg").is_file()
    steps = list(dict.fromkeys(row.step for row in seen))
    assert steps == ["venv", "pip", "check"] or steps == ["venv", "pip"], steps
    assert any(row.step == "pip" and "mcp-server-time" in row.output_tail for row in seen)   # lines while it ran
    assert "Successfully installed" in hub.installs.log(entry.id, ADMIN)
    assert hub.installs.is_installed(entry.id)
    actions = [(e.action, e.actor, e.server) for e in hub.installs.events(ADMIN, entry.id)]   # the hub's audit trail
    assert actions == [("installed", "u-admin", entry.name), ("install", "u-admin", entry.name)]


def test_only_an_admin_installs_or_looks_at_installs(hub: Hub, time_install) -> None:
    entry, _, _ = time_install
    for attempt in (lambda: run(hub.installs.install(entry, ALICE)), lambda: hub.installs.get(entry.id, ALICE),
                    lambda: hub.installs.log(entry.id, ALICE), lambda: run(hub.installs.uninstall(entry.id, ALICE)),
                    lambda: hub.installs.configure(entry.id, {}, ALICE)):
        with pytest.raises(InstallError) as refused:
            attempt()
        assert refused.value.code == "admins_only" and "管理员" in refused.value.text("zh")
    with pytest.raises(InstallError, match="already") as again:
        run(hub.installs.install(entry, ADMIN))
    assert again.value.code == "already_installed"


def test_get_current_time_answers_in_shanghai_through_the_supervisor(hub: Hub, time_install) -> None:
    entry, _, _ = time_install

    async def ask():
        supervisor = Supervisor(hub.installs)
        try:
            state = await supervisor.start(entry.id, ADMIN)
            client = await supervisor.client(entry.id)
            return state, await client.call_tool("get_current_time", {"timezone": "Asia/Shanghai"})
        finally:
            await supervisor.close()

    state, result = run(ask())
    assert state.status == "running" and state.pid and state.start_seconds is not None
    assert not result.is_error, result.content
    answer = result.structured_content or json.loads(result.content[0].text)
    when = datetime.fromisoformat(answer["datetime"])
    assert when.utcoffset() == timedelta(hours=8) and answer["timezone"] == "Asia/Shanghai"
    assert abs(when - datetime.now(UTC)) < timedelta(minutes=1)
    print(f"\nsupervisor start (spawn to initialized) of mcp-server-time: {state.start_seconds} s")


def test_a_cold_launch_initialize_and_tools_list_through_the_sdk_stdio_client(hub: Hub, time_install) -> None:
    """``open_session``: the SDK's own stdio client given the hub's StdioServerParameters (what a per-use call does)."""
    entry, _, _ = time_install

    async def cold() -> tuple[float, list[str]]:
        began = time.perf_counter()
        async with open_session(hub.installs.parameters(entry.id)) as client:
            tools = await client.list_tools()
        return time.perf_counter() - began, [tool.name for tool in tools.tools]

    seconds, names = run(cold())
    assert {"get_current_time", "convert_time"} <= set(names)
    print(f"\ncold launch + initialize + tools/list + stop of mcp-server-time: {seconds:.2f} s")


def test_a_crashed_server_is_started_again_after_the_backoff(hub: Hub, time_install) -> None:
    entry, _, _ = time_install

    async def crash():
        supervisor = Supervisor(hub.installs, backoff=0.5)
        try:
            first = await supervisor.start(entry.id, ADMIN)
            os.kill(first.pid, signal.SIGKILL)
            killed = time.monotonic()
            while (state := supervisor.state(entry.id)).status != "running" or state.pid == first.pid:
                assert time.monotonic() - killed < 30, state
                await asyncio.sleep(0.05)
            back = time.monotonic() - killed
            client = await supervisor.client(entry.id)
            result = await client.call_tool("get_current_time", {"timezone": "UTC"})
            return first, state, back, result, supervisor.log(entry.id, ADMIN)
        finally:
            await supervisor.close()

    first, state, back, result, log = run(crash())
    assert state.restarts == 1 and state.pid != first.pid and not result.is_error
    assert back >= 0.5                                           # it waited out the backoff first
    assert "exit code -9" in log and log.count("== start") >= 2
    crashes = [e for e in hub.installs.events(ADMIN, entry.id) if e.action == "crash"]
    assert crashes and crashes[0].detail["restart_in"] == 0.5
    print(f"\nkilled to running again (0.5 s backoff + start): {back:.2f} s")


def test_stopping_a_server_ends_its_process(hub: Hub, time_install) -> None:
    entry, _, _ = time_install

    async def start_and_stop():
        supervisor = Supervisor(hub.installs)
        started = await supervisor.start(entry.id, ADMIN)
        running = alive(started.pid)
        stopped = await supervisor.stop(entry.id, ADMIN)
        return started, running, stopped, hub.installs.to_run()

    started, running, stopped, to_run = run(start_and_stop())
    assert running and stopped.status == "stopped" and stopped.pid is None
    assert not alive(started.pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(started.pid, 0)                                # nothing of its group is left either
    assert entry.id not in to_run                                # an admin's stop lasts past a restart of ours
    assert not (hub.installs.where(hub.installs.row(entry.id)).pid_file).exists()


def test_the_launch_environment_is_an_allow_list(hub: Hub, time_install, monkeypatch) -> None:
    entry, done, _ = time_install
    monkeypatch.setenv("MAAS_MASTER_KEY", "sk-master-should-not-leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-should-not-leak")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    params = hub.installs.parameters(entry.id)
    where = hub.installs.where(done)
    assert set(params.env) <= ALLOWED_ENV, set(params.env) - ALLOWED_ENV
    assert params.env["PATH"].split(":")[0] == str(where.venv / "bin")
    assert params.env["HOME"] == params.cwd == str(where.home) and params.env["LANG"] == "zh_CN.UTF-8"
    assert params.command == str(where.venv / "bin" / "mcp-server-time")
    assert params.args == ["--local-timezone=Asia/Shanghai"]
    assert "leak" not in repr(params)


# --- npm: @modelcontextprotocol/server-everything, with a secret --------------------------------------------------

@pytest.fixture(scope="module")
def everything(hub: Hub) -> tuple[Entry, Install, Records]:
    why = npm_unreachable(f"@modelcontextprotocol/server-everything@{EVERYTHING_VERSION}")
    if why:
        pytest.skip(f"the npm registry is unreachable from here (npm view: {why})")

    def with_a_secret(data: dict) -> None:
        data["packages"][0]["environmentVariables"].append(
            {"name": "DEMO_TOKEN", "description": "A token", "isSecret": True, "isRequired": True})

    entry = hub.entry("server-everything", with_a_secret, name="io.github.test/everything-with-a-token")
    with Records() as records:
        done = run(_install(hub, entry, {"env.DEMO_TOKEN": SECRET}))
    print(f"\ninstall of @modelcontextprotocol/server-everything@{EVERYTHING_VERSION}: {done.seconds} s")
    return entry, done, records


async def _install(hub: Hub, entry: Entry, values: dict) -> Install:
    await hub.installs.install(entry, ADMIN, values)
    return await hub.installs.wait(entry.id)


def test_an_npm_server_sees_only_the_allow_list_and_its_own_values(hub: Hub, everything, monkeypatch) -> None:
    entry, done, _ = everything
    assert done.status == "installed", (done.error, done.output_tail)
    where = hub.installs.where(done)
    assert done.command[1] == str(where.npm / "node_modules/@modelcontextprotocol/server-everything/dist/index.js")
    monkeypatch.setenv("MAAS_MASTER_KEY", "sk-master-should-not-leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-should-not-leak")

    async def environments():
        supervisor = Supervisor(hub.installs)
        try:
            await supervisor.start(entry.id, ADMIN)
            supervised = await (await supervisor.client(entry.id)).call_tool("get-env", {})
        finally:
            await supervisor.close()
        async with open_session(hub.installs.parameters(entry.id)) as client:      # the SDK's stdio client
            per_use = await client.call_tool("get-env", {})
        return [json.loads(result.content[0].text) for result in (supervised, per_use)]

    for env in run(environments()):
        assert set(env) <= ALLOWED_ENV | {"DEMO_TOKEN", "GZIP_ALLOWED_DOMAINS", "GZIP_MAX_FETCH_SIZE",
                                          "GZIP_MAX_FETCH_TIME_MILLIS"}, set(env)
        assert not [name for name in env if name.startswith("MAAS_") or "API_KEY" in name]
        assert env["DEMO_TOKEN"] == SECRET                       # decrypted for the child, and only there
        assert env["GZIP_ALLOWED_DOMAINS"] == "raw.githubusercontent.com"      # the entry's default
        assert env["HOME"] == str(where.home)
        assert env["PATH"].split(":") == list(dict.fromkeys([str(Path(shutil.which("node")).parent),
                                                             "/usr/local/bin", "/usr/bin", "/bin"]))


def test_secrets_are_encrypted_at_rest_and_never_logged_or_shown(hub: Hub, everything) -> None:
    entry, done, install_records = everything
    other = f"tok-{uuid.uuid4().hex}"
    with Records() as records:
        row = hub.installs.configure(entry.id, {"env.DEMO_TOKEN": other}, ADMIN)

        async def restart():
            supervisor = Supervisor(hub.installs)
            try:
                await supervisor.start(entry.id, ADMIN)
                await (await supervisor.client(entry.id)).list_tools()
                await supervisor.restart(entry.id, ADMIN)
            finally:
                await supervisor.close()

        run(restart())
    assert row.secrets_set == {"env.DEMO_TOKEN"} and "env.DEMO_TOKEN" not in row.values      # "set", never the value
    assert SECRET not in repr(row) and other not in repr(row)
    params = hub.installs.parameters(entry.id)
    assert params.env["DEMO_TOKEN"] == other and other not in repr(params)
    hub.store.cursor().execute("CHECKPOINT")
    where = hub.installs.where(done)
    files = [p for p in hub.data_dir.glob("workbench.duckdb*")] + [where.install_log, where.server_log]
    for value in (SECRET, other):
        for path in files:
            assert value.encode() not in path.read_bytes(), path
        assert value not in install_records.text and value not in records.text
    tokens = hub.store.cursor().execute("SELECT token FROM mcp_secrets WHERE entry_id = ?", [entry.id]).fetchall()
    assert len(tokens) == 1 and tokens[0][0].startswith("gAAAAA")                      # a Fernet token
    assert "workbench.mcp" in records.text                       # the capture saw our loggers at work


def test_an_uninstall_stops_the_server_and_removes_its_directory_and_secrets(hub: Hub, everything) -> None:
    entry, done, _ = everything
    where = hub.installs.where(done)

    async def uninstall():
        supervisor = Supervisor(hub.installs)
        started = await supervisor.start(entry.id, ADMIN)
        await hub.installs.uninstall(entry.id, ADMIN)
        return started, supervisor.state(entry.id)

    started, after = run(uninstall())
    assert after.status == "stopped" and not alive(started.pid)
    assert not where.root.exists() and not hub.installs.is_installed(entry.id)
    assert hub.installs.secrets.which(entry.id) == frozenset()
    with pytest.raises(InstallError) as gone:
        hub.installs.get(entry.id, ADMIN)
    assert gone.value.code == "not_installed"
    assert hub.installs.events(ADMIN, entry.id)[0].action == "uninstall"


# --- failures and cancels ------------------------------------------------------------------------------------------

def test_a_version_that_does_not_exist_fails_with_a_readable_reason(hub: Hub, pypi) -> None:
    def missing(data: dict) -> None:
        data["packages"][0]["version"] = "0.0.1"

    entry = hub.entry("mcp-server-time", missing, name="io.github.test/time-that-does-not-exist")
    done = run(_install(hub, entry, {}))
    assert (done.status, done.error_code) == ("failed", "no_version"), (done.error, done.output_tail)
    assert "mcp-server-time" in done.error and "0.0.1" in done.error
    assert done.error_text("zh") == done.error_zh and "版本" in done.error_zh and "0.0.1" in done.error_zh
    where = hub.installs.where(done)
    assert not where.venv.exists()                               # the half-made venv is gone, the log is kept
    assert "No matching distribution found for mcp-server-time==0.0.1" in hub.installs.log(entry.id, ADMIN)
    assert [e.action for e in hub.installs.events(ADMIN, entry.id)] == ["install_failed", "install"]


def test_one_install_at_a_time_and_a_cancel_removes_what_it_made(hub: Hub) -> None:
    entry = hub.entry("mcp-server-time", name="io.github.test/time-cancelled")

    async def begin_then_cancel():
        await hub.installs.install(entry, ADMIN)
        with pytest.raises(InstallError) as busy:
            await hub.installs.install(entry, ADMIN)
        await asyncio.sleep(0.5)
        return busy.value, await hub.installs.cancel(entry.id, ADMIN)

    busy, cancelled = run(begin_then_cancel())
    assert busy.code == "busy" and "正在安装" in busy.text("zh")
    assert cancelled.status == "cancelled"
    assert not hub.installs.where(cancelled).root.exists()
    assert [e.action for e in hub.installs.events(ADMIN, entry.id)] == ["cancel", "install"]


def test_an_install_cut_short_by_a_stop_is_failed_at_the_next_start(hub: Hub) -> None:
    entry = hub.entry("mcp-server-time", name="io.github.test/time-interrupted")
    run(_install_and_cancel(hub, entry))
    with hub.store.transaction() as cur:                        # as a killed workbench leaves the row
        cur.execute("UPDATE mcp_installs SET status = 'running' WHERE entry_id = ?", [entry.id])
    assert hub.installs.recover() == [entry.id]
    row = hub.installs.get(entry.id, ADMIN)
    assert (row.status, row.error_code) == ("failed", "interrupted") and CJK.search(row.error_zh)


async def _install_and_cancel(hub: Hub, entry: Entry) -> None:
    await hub.installs.install(entry, ADMIN)
    await hub.installs.cancel(entry.id, ADMIN)


def test_a_server_that_cannot_start_says_why_and_is_not_retried(hub: Hub, time_install) -> None:
    """A value the server refuses (an unknown timezone): it exits at once, with its words in the server log."""
    entry, _, _ = time_install
    hub.installs.configure(entry.id, {"arg.--local-timezone": "Mars/Olympus_Mons"}, ADMIN)

    async def start():
        supervisor = Supervisor(hub.installs)
        try:
            with pytest.raises(InstallError) as failed:
                await supervisor.start(entry.id, ADMIN)
            return failed.value, supervisor.state(entry.id), supervisor.log(entry.id, ADMIN)
        finally:
            await supervisor.close()

    try:
        error, state, log = run(start())
    finally:
        hub.installs.configure(entry.id, {"arg.--local-timezone": "Asia/Shanghai"}, ADMIN)
    assert error.code == "start_exited" and "退出" in error.text("zh")
    assert state.status == "failed" and state.restarts == 0
    assert "Mars/Olympus_Mons" in log


def test_a_server_that_keeps_ending_after_a_crash_is_given_up(hub: Hub, time_install) -> None:
    """Started, then its values made bad and the child killed: each restart ends at once; after ``max_failures``
    quick ends in a row the supervisor stops trying and says why."""
    entry, _, _ = time_install

    async def crash_for_good():
        supervisor = Supervisor(hub.installs, backoff=0.1, max_failures=2)
        try:
            first = await supervisor.start(entry.id, ADMIN)
            hub.installs.configure(entry.id, {"arg.--local-timezone": "Mars/Olympus_Mons"}, ADMIN)
            os.kill(first.pid, signal.SIGKILL)
            began = time.monotonic()
            while (state := supervisor.state(entry.id)).status != "failed":
                assert time.monotonic() - began < 60, state
                await asyncio.sleep(0.05)
            with pytest.raises(InstallError) as not_running:
                await supervisor.client(entry.id)
            return state, not_running.value
        finally:
            await supervisor.close()

    try:
        state, not_running = run(crash_for_good())
    finally:
        hub.installs.configure(entry.id, {"arg.--local-timezone": "Asia/Shanghai"}, ADMIN)
    assert state.error.code == "gave_up" and "2" in state.error.text("zh") and state.restarts == 2
    assert not_running.code == "not_running"
    actions = [e.action for e in hub.installs.events(ADMIN, entry.id)]
    assert actions[0] == "configure" and actions[1:5] == ["gave_up", "crash", "crash", "configure"]


def test_an_install_past_its_timeout_is_stopped_and_failed(hub: Hub) -> None:
    """A timeout far shorter than making a venv: the step's process group is killed, the reason says so."""
    entry = hub.entry("mcp-server-time", name="io.github.test/time-too-slow")
    hurried = Installs(hub.store, hub.data_dir, hub.sealer, timeout=0.3)

    async def install() -> Install:
        await hurried.install(entry, ADMIN)
        return await hurried.wait(entry.id)

    done = run(install())
    assert (done.status, done.error_code, done.step) == ("failed", "timeout", "venv")
    assert "0.3 seconds" in done.error and "0.3 秒" in done.error_zh
    assert not hurried.where(done).venv.exists() and "timed out" in hurried.log(entry.id, ADMIN)
