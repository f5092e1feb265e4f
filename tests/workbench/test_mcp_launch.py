"""How the hub starts an installed stdio server, without the package index: the values an admin sets (checked,
named), the argv and the allow-listed environment built from a package's installed files, secret values sealed
on their own row, the capped logs, and a supervisor start that times out on a real child that never answers (its whole
process group ends)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.aio import run
from tests.workbench.mcp_hub import ADMIN, ALICE, alive, make_hub
from workbench.mcp import inputs, launch
from workbench.mcp.errors import InstallError
from workbench.mcp.installs import SecretValues
from workbench.mcp.logs import CappedLog
from workbench.mcp.processes import Supervisor
from workbench.mcp.sealed import Sealer, load_key
from workbench.mcp.server_json import parse_server_json

SERVER = {
    "name": "io.github.example/weather", "description": "Forecasts.", "version": "1.4.0",
    "packages": [{
        "registryType": "pypi", "identifier": "weather-mcp", "version": "1.4.0", "transport": {"type": "stdio"},
        "packageArguments": [
            {"type": "named", "name": "--units", "default": "metric", "choices": ["metric", "us"]},
            {"type": "named", "name": "-p", "format": "number"},
            {"type": "named", "name": "--verbose", "format": "boolean"},
            {"type": "named", "name": "--token", "value": "{token}",
             "variables": {"token": {"isSecret": True, "isRequired": True}}},
            {"type": "named", "name": "--tag", "isRepeated": True},
            {"type": "positional", "valueHint": "city", "isRequired": True}],
        "environmentVariables": [{"name": "WEATHER_API_KEY", "isRequired": True, "isSecret": True},
                                 {"name": "WEATHER_LANG", "default": "zh"},
                                 {"name": "WEATHER_DEBUG", "format": "boolean"}],
    }],
}
GOOD = {"arg.--units": "us", "arg.-p": "8080", "arg.--verbose": "true", "arg.--token.token": "tok-1",
        "arg.--tag": ["a", "b"], "arg.city": "Beijing", "env.WEATHER_API_KEY": "key-1"}


def package(change=None):
    data = json.loads(json.dumps(SERVER))
    if change:
        change(data["packages"][0])
    return parse_server_json(json.dumps(data)).packages[0]


def test_the_values_a_package_asks_for_are_keyed_by_flag_hint_and_variable() -> None:
    fields = {f.key: f for f in inputs.fields_of(package())}
    assert list(fields) == ["arg.--units", "arg.-p", "arg.--verbose", "arg.--token.token", "arg.--tag", "arg.city",
                            "env.WEATHER_API_KEY", "env.WEATHER_LANG", "env.WEATHER_DEBUG"]
    assert fields["arg.--token.token"].is_secret and fields["env.WEATHER_API_KEY"].is_secret
    assert fields["arg.city"].is_required and not fields["arg.--units"].is_required      # a default is enough


def test_checked_values_become_argv_items_and_environment_values() -> None:
    plain, secret = inputs.check_values(package(), GOOD)
    assert secret == {"arg.--token.token": "tok-1", "env.WEATHER_API_KEY": "key-1"}
    given = {**plain, **secret}
    assert inputs.arguments(package(), given) == ["--units=us", "-p", "8080", "--verbose", "--token=tok-1",
                                                  "--tag=a", "--tag=b", "Beijing"]
    assert inputs.environment(package(), given) == {"WEATHER_API_KEY": "key-1", "WEATHER_LANG": "zh"}
    less = {**given, "arg.--verbose": "false", "arg.--units": ""}
    assert inputs.arguments(package(), less)[:3] == ["--units=metric", "-p", "8080"]     # the default; no flag


@pytest.mark.parametrize(("key", "value", "code"), [
    ("arg.--nope", "x", "value_unknown"),
    ("arg.--units", "kelvin", "value_choice"),
    ("arg.-p", "eighty", "value_number"),
    ("arg.-p", "nan", "value_number"),
    ("arg.--verbose", "yes", "value_boolean"),
    ("arg.city", "--config=/etc/passwd", "value_dash"),
    ("env.WEATHER_LANG", "zh\nEVIL=1", "value_control"),
    ("arg.city", "Bei\u202ejing", "value_control"),
    ("arg.city", ["a", "b"], "value_type"),
    ("arg.city", "x" * 5000, "value_too_long"),
])
def test_a_bad_value_is_refused_naming_its_key(key, value, code) -> None:
    with pytest.raises(InstallError) as refused:
        inputs.check_values(package(), {**GOOD, key: value})
    assert (refused.value.code, refused.value.field) == (code, key)
    assert key in refused.value.text("zh")


def test_a_required_value_must_be_given_or_stored_before() -> None:
    without = {k: v for k, v in GOOD.items() if k != "env.WEATHER_API_KEY"}
    with pytest.raises(InstallError) as refused:
        inputs.check_values(package(), without)
    assert refused.value.code == "value_required" and refused.value.field == "env.WEATHER_API_KEY"
    plain, secret = inputs.check_values(package(), {"arg.--tag": None}, kept=inputs.check_values(package(), GOOD)[0],
                                        secrets_set=frozenset({"env.WEATHER_API_KEY", "arg.--token.token"}))
    assert "arg.--tag" not in plain and plain["arg.city"] == "Beijing" and secret == {}


def test_the_environment_is_an_allow_list_whatever_ours_holds(tmp_path: Path) -> None:
    ours = {"PATH": "/opt/evil/bin:/usr/bin", "HOME": "/root", "MAAS_MASTER_KEY": "m", "OPENAI_API_KEY": "k",
            "LD_PRELOAD": "/tmp/x.so", "PYTHONPATH": "/tmp", "LANG": "zh_CN.UTF-8", "TZ": "Asia/Shanghai",
            "HTTPS_PROXY": "http://proxy:3128", "SHELL": "/bin/zsh"}
    env = launch.environment(["/srv/venv/bin"], tmp_path, {"WEATHER_LANG": "en", "TZ": "UTC", "PATH": "/x"}, ours)
    assert env == {"PATH": "/srv/venv/bin:/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path),
                   "LANG": "zh_CN.UTF-8", "TZ": "UTC", "USER": env["USER"], "LOGNAME": env["USER"],
                   "SHELL": "/bin/sh", "TERM": "dumb", "WEATHER_LANG": "en"}
    assert launch.environment([], tmp_path, {}, {})["LANG"] == "C.UTF-8"


def fake_venv(root: Path, scripts: dict[str, str], name: str = "weather-mcp") -> Path:
    """A venv as pip leaves it, as far as the launch reads it: the dist-info and the scripts in bin/."""
    venv = root / "venv"
    info = venv / "lib/python3.11/site-packages" / f"{name.replace('-', '_')}-1.4.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.4.0\n")
    (info / "entry_points.txt").write_text("[console_scripts]\n" + "".join(f"{s} = {t}\n" for s, t in scripts.items())
                                           + "\n[gui_scripts]\nweather-gui = weather:gui\n")
    (venv / "bin").mkdir()
    for script in scripts:
        (venv / "bin" / script).write_text("#!/bin/false\n")
    return venv


def test_the_program_of_a_pypi_package_comes_from_its_entry_points(tmp_path: Path) -> None:
    where = launch.ServerDir(tmp_path)
    venv = fake_venv(tmp_path, {"weather-mcp": "weather:main", "weather-admin": "weather:admin"})
    assert launch.command(where, package(), {}) == [str(venv / "bin/weather-mcp")]      # the one named like it
    meta = {"io.maas-workbench/catalogue": {"launch": {"script": "weather-admin"}}}
    assert launch.command(where, package(), meta) == [str(venv / "bin/weather-admin")]
    meta = {"io.maas-workbench/catalogue": {"launch": {"module": "weather.server"}}}
    assert launch.command(where, package(), meta) == [str(venv / "bin/python"), "-m", "weather.server"]

    def runtime_m(p: dict) -> None:
        p["runtimeHint"], p["runtimeArguments"] = "python", [{"type": "named", "name": "-m", "value": "weather"}]
    assert launch.command(where, package(runtime_m), {})[1:] == ["-m", "weather"]
    for bad in ({"script": "../../bin/sh"}, {"module": "os; import x"}, {"script": "weather-gui"}):
        with pytest.raises(InstallError) as refused:
            launch.command(where, package(), {"io.maas-workbench/catalogue": {"launch": bad}})
        assert refused.value.code in ("bad_launch", "no_such_script")


def test_a_package_with_several_programs_must_say_which(tmp_path: Path) -> None:
    fake_venv(tmp_path, {"weather-a": "weather:a", "weather-b": "weather:b"})
    with pytest.raises(InstallError) as refused:
        launch.command(launch.ServerDir(tmp_path), package(), {})
    assert refused.value.code == "many_scripts" and "weather-a, weather-b" in refused.value.text("zh")


def test_a_script_that_leads_out_of_the_venv_is_refused(tmp_path: Path) -> None:
    venv = fake_venv(tmp_path, {"weather-mcp": "weather:main"})
    (venv / "bin/weather-mcp").unlink()
    (venv / "bin/weather-mcp").symlink_to("/bin/sh")
    with pytest.raises(InstallError) as refused:
        launch.command(launch.ServerDir(tmp_path), package(), {})
    assert refused.value.code == "script_missing"


def fake_npm(root: Path, identifier: str, bins) -> Path:
    home = root / "npm/node_modules" / identifier
    (home / "dist").mkdir(parents=True)
    (home / "dist/index.js").write_text("")
    (home / "package.json").write_text(json.dumps({"name": identifier, "bin": bins}))
    return home


def test_the_program_of_an_npm_package_is_node_and_its_bin(tmp_path: Path) -> None:
    home = fake_npm(tmp_path, "@scope/weather", {"weather": "dist/index.js", "other": "dist/index.js"})
    node, script = launch.node_command(tmp_path / "npm", "@scope/weather")
    assert Path(node).name == "node" and script == str(home / "dist/index.js")
    fake_npm(tmp_path / "2", "weather", "dist/index.js")
    assert launch.node_command(tmp_path / "2/npm", "weather")[1].endswith("weather/dist/index.js")
    fake_npm(tmp_path / "3", "weather", {"w": "../../../../etc/passwd"})
    with pytest.raises(InstallError) as refused:
        launch.node_command(tmp_path / "3/npm", "weather")
    assert refused.value.code == "script_missing"


def test_launch_parameters_hide_the_secrets_in_their_repr(tmp_path: Path) -> None:
    fake_venv(tmp_path, {"weather-mcp": "weather:main"})
    plain, secret = inputs.check_values(package(), GOOD)
    server = parse_server_json(json.dumps(SERVER))
    params = launch.parameters(launch.ServerDir(tmp_path), server, 0, plain, secret, {"LANG": "C.UTF-8"})
    assert params.env["WEATHER_API_KEY"] == "key-1" and "--token=tok-1" in params.args
    assert "key-1" not in repr(params) and "tok-1" not in repr(params) and "--token=***" in repr(params)
    assert "key-1" not in str(params)


def test_a_directory_name_is_safe_and_distinct() -> None:
    one = launch.dir_name("io.github.a/../../etc", "id-1")
    assert "/" not in one and ".." not in one.split("-")[0] and one != launch.dir_name("io.github.a/../../etc", "id-2")


# --- secrets -------------------------------------------------------------------------------------------------------

def test_a_secret_reads_back_only_with_its_key_and_on_its_own_row(tmp_path: Path) -> None:
    hub = make_hub(tmp_path)
    try:
        with hub.store.transaction() as cur:
            hub.installs.secrets.put(cur, "e-1", "env.API_KEY", "s3cret-value", "u-admin")
            hub.installs.secrets.put(cur, "e-2", "env.API_KEY", "other-value", "u-admin")
        assert hub.installs.secrets.reveal("e-1") == {"env.API_KEY": "s3cret-value"}
        assert hub.installs.secrets.which("e-1") == {"env.API_KEY"} and "s3cret" not in repr(hub.installs.secrets)
        with hub.store.transaction() as cur:              # a token copied onto another entry's row
            cur.execute("UPDATE mcp_secrets SET token = (SELECT token FROM mcp_secrets WHERE entry_id = 'e-1') "
                        "WHERE entry_id = 'e-2'")
        with pytest.raises(InstallError) as moved:
            hub.installs.secrets.reveal("e-2")
        assert moved.value.code == "secret_unreadable" and moved.value.field == "env.API_KEY"
        with pytest.raises(InstallError) as rekeyed:
            SecretValues(hub.store, Sealer(load_key(tmp_path, "another passphrase entirely"))).reveal("e-1")
        assert rekeyed.value.code == "secret_unreadable" and "密钥" in rekeyed.value.text("zh")
    finally:
        hub.store.close()


# --- logs ----------------------------------------------------------------------------------------------------------

def test_a_capped_log_keeps_lines_hides_secrets_and_never_grows_past_its_cap(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "server.log", max_bytes=1000, hide=("s3cret",))
    log.feed(b"Downloading 10%\rDownloading 100%\nthe token is s3cr")
    log.feed(b"et, see\npartial")
    assert log.tail(5) == ["Downloading 10%", "Downloading 100%", "the token is ***, see"]
    log.flush()
    assert log.tail(1) == ["partial"]
    for i in range(200):
        log.line(f"line {i:03d} " + "x" * 20)
    assert (tmp_path / "server.log").stat().st_size <= 1000
    assert (tmp_path / "server.log.1").stat().st_size <= 1000
    assert "line 199" in log.text() and "s3cret" not in log.text()


# --- a child that never answers ------------------------------------------------------------------------------------

NEVER_ANSWERS = """#!{python}
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(os.environ["HOME"] + "/pids", "w").write(f"{{os.getpid()}} {{child.pid}}")
print("starting slowly", file=sys.stderr, flush=True)
time.sleep(600)
"""


def test_a_start_that_times_out_ends_the_childs_whole_group(tmp_path: Path) -> None:
    """A program that ignores stdin and SIGTERM and has a child of its own: after the start timeout, both are gone
    (SIGKILL to the group), the reason says so and the server log has its words."""
    hub = make_hub(tmp_path)
    try:
        entry = hub.catalogue.import_json(json.dumps({**SERVER, "packages": [{
            "registryType": "pypi", "identifier": "weather-mcp", "version": "1.4.0", "transport": {"type": "stdio"}}]}),
            ADMIN)
        where = launch.ServerDir(hub.installs.root / launch.dir_name(entry.name, entry.id))
        venv = fake_venv(where.root, {"weather-mcp": "weather:main"})
        (venv / "bin/weather-mcp").write_text(NEVER_ANSWERS.format(python=sys.executable))
        (venv / "bin/weather-mcp").chmod(0o755)
        where.home.mkdir()
        with hub.store.transaction() as cur:              # the row an install leaves (the install is not the point)
            cur.execute("INSERT INTO mcp_installs (entry_id, name, package_index, registry_type, identifier, version, "
                        "server_json, dir_name, status, step, step_no, steps, requested_by, created_at, updated_at) "
                        "VALUES (?, ?, 0, 'pypi', 'weather-mcp', '1.4.0', ?, ?, 'installed', 'done', 3, 3, "
                        "'u-admin', now(), now())", [entry.id, entry.name, entry.raw, where.root.name])

        async def start():
            supervisor = Supervisor(hub.installs, start_timeout=1.5, grace=0.3)
            with pytest.raises(InstallError) as refused:
                await supervisor.client(entry.id)
            assert refused.value.code == "not_running"
            with pytest.raises(InstallError) as alice:
                await supervisor.start(entry.id, ALICE)
            assert alice.value.code == "admins_only"
            began = time.monotonic()
            with pytest.raises(InstallError) as timed_out:
                await supervisor.start(entry.id, ADMIN)
            return timed_out.value, time.monotonic() - began, supervisor.state(entry.id), \
                supervisor.log(entry.id, ADMIN)

        error, seconds, state, log = run(start())
        assert error.code == "start_timeout" and "秒" in error.text("zh")
        assert state.status == "failed" and 1.5 <= seconds < 10
        assert "starting slowly" in log
        pids = [int(pid) for pid in (where.home / "pids").read_text().split()]
        assert len(pids) == 2 and not any(alive(pid) for pid in pids)
    finally:
        hub.store.close()
