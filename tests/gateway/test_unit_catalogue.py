"""The catalogue file: documented example parses, bad entries fail naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gateway.errors import ConfigError
from gateway.routing.catalogue import (
    DEFAULT_THINKING_BUDGET,
    EMBEDDED_CHAT_ID,
    EMBEDDED_E5_ID,
    EMBEDDED_THINKING_BUDGET,
    load_catalogue,
    parse_catalogue,
)
from gateway.routing.model_config import render_catalogue
from gateway.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_no_config_serves_the_embedded_models():
    cat = load_catalogue(None)
    assert {m.kind for m in cat.models.values()} == {"chat", "embedding", "rerank"}
    assert cat.models[EMBEDDED_CHAT_ID].deployments[0].backend == "embedded"


def test_the_documented_example_parses_with_colon_ids_and_quirks():
    cat = load_catalogue(str(ROOT / "config.example.yaml"))
    r1 = cat.models["deepseek-r1:32b"]
    assert r1.quirks.merge_system_into_user and r1.capabilities.reasoning
    assert [d.name for d in r1.deployments] == ["vllm-node1", "sglang-node2"]
    assert r1.deployments[0].api_key_env == "VLLM_API_KEY"
    assert r1.deployments[1].timeouts.first_byte == 300 and r1.deployments[1].timeouts.connect == 5
    assert cat.models["qwen3:235b"].deployments[0].model == "Qwen/Qwen3-235B-A22B"
    assert cat.models["bge-large-zh"].kind == "embedding"


def test_each_model_has_its_default_thinking_budget():
    """budget_tokens when a request names none: the embedded 0.5B model's is what it thinks in ~20 s on 2 cores
    (bench/thinking_speed.py); a configured model's is 1,024 unless its capabilities say otherwise."""
    cat = parse_catalogue({"models": [
        {"id": "big", "deployments": [{"backend": "openai", "base_url": "http://gpu:8000/v1", "model": "m"}]},
        {"id": "small", "capabilities": {"thinking_budget": 200},
         "deployments": [{"backend": "openai", "base_url": "http://gpu:8000/v1", "model": "m"}]}]}, "m.yaml")
    assert cat.models["big"].capabilities.thinking_budget == DEFAULT_THINKING_BUDGET == 1024
    assert cat.models["small"].capabilities.thinking_budget == 200
    assert cat.models[EMBEDDED_CHAT_ID].capabilities.thinking_budget == EMBEDDED_THINKING_BUDGET < 1024
    saved = parse_catalogue(yaml.safe_load(render_catalogue(cat)), "saved.yaml")     # Admin -> Models keeps it
    assert saved.models["small"].capabilities.thinking_budget == 200 and saved.models == cat.models


def test_an_embedding_model_takes_a_query_prefix_and_keeps_it_when_saved():
    cat = parse_catalogue(yaml.safe_load("""
models:
  - id: bge-small-zh
    kind: embedding
    query_prefix: "为这个句子生成表示以用于检索相关文章："
    deployments: [{backend: openai, base_url: "http://gpu:8000/v1"}]
  - {id: plain, kind: embedding, deployments: [{backend: openai, base_url: "http://gpu:8000/v1"}]}
"""), "models.yaml")
    assert cat.models["bge-small-zh"].query_prefix == "为这个句子生成表示以用于检索相关文章："
    assert cat.models["plain"].query_prefix == ""
    assert cat.models[EMBEDDED_E5_ID].query_prefix == "query: " and cat.models[EMBEDDED_E5_ID].kind == "embedding"
    assert cat.models["use-multilingual:v3"].query_prefix == ""
    saved = parse_catalogue(yaml.safe_load(render_catalogue(cat)), "saved.yaml")     # Admin -> Models keeps it
    assert saved.models == cat.models and saved.models["bge-small-zh"].query_prefix.startswith("为这个句子")


@pytest.mark.parametrize("kind, prefix, words", [
    ("chat", "query: ", "only an embedding model"),
    ("rerank", "query: ", "only an embedding model"),
    ("embedding", "q" * 201, "at most 200 characters"),
])
def test_a_query_prefix_on_another_kind_or_too_long_is_refused_naming_it(kind, prefix, words):
    entry = {"id": "a", "kind": kind, "query_prefix": prefix,
             "deployments": [{"backend": "openai", "base_url": "http://h/v1"}]}
    with pytest.raises(ConfigError) as err:
        parse_catalogue({"models": [entry]}, "models.yaml")
    assert err.value.key == "models[0].query_prefix" and words in err.value.problem
    entry.update(kind="embedding", query_prefix="q" * 200)                      # the longest allowed
    assert parse_catalogue({"models": [entry]}, "models.yaml").models["a"].query_prefix == "q" * 200


def test_embedded_can_be_switched_off():
    cat = parse_catalogue({"gateway": {"embedded": {"enabled": False}}}, "x.yaml")
    assert cat.models == {}


@pytest.mark.parametrize("document, key, words", [
    ({"modelz": []}, "modelz", "unknown key"),
    ({"models": [{"id": "a", "deployments": [{"backend": "vllm", "base_url": "http://h/v1"}]}]},
     "models[0].deployments[0].backend", "must be one of"),
    ({"models": [{"id": "a", "kind": "chat"}]}, "models[0].deployments", "required"),
    ({"models": [{"id": "a", "deployments": [{"backend": "openai", "base_url": "gpu:8000"}]}]},
     "models[0].deployments[0].base_url", "http(s) URL"),
    ({"models": [{"id": "a", "kind": "rerank", "deployments": [{"backend": "ollama", "base_url": "http://h"}]}]},
     "models[0].deployments[0].backend", "no rerank"),
    ({"models": [{"id": "bad id", "deployments": [{"backend": "embedded"}]}]}, "models[0].id", "not a valid"),
    ({"models": [{"id": "a", "capabilities": {"context_length": "big"}, "deployments": [{"backend": "embedded"}]}]},
     "models[0].capabilities.context_length", "must be int"),
    ({"gateway": {"timeouts": {"connect_s": -1}}}, "gateway.timeouts.connect_s", "greater than 0"),
    ({"models": [{"id": "a", "capabilities": {"thinking_budget": 8}, "deployments": [{"backend": "embedded"}]}]},
     "models[0].capabilities.thinking_budget", "between 16 and 32768"),
    ({"models": [{"id": "a", "quirks": {"merge_system": True}, "deployments": [{"backend": "embedded"}]}]},
     "models[0].quirks.merge_system", "unknown key"),
])
def test_bad_entries_name_the_file_and_key(document, key, words):
    with pytest.raises(ConfigError) as err:
        parse_catalogue(document, "models.yaml")
    assert err.value.source == "models.yaml" and err.value.key == key
    assert words in err.value.problem
    assert str(err.value).startswith(f"models.yaml: {key}: ")


def test_duplicate_ids_are_refused():
    entry = {"id": "a", "deployments": [{"backend": "openai", "base_url": "http://h/v1"}]}
    with pytest.raises(ConfigError, match="duplicate model id"):
        parse_catalogue({"models": [entry, entry]}, "m.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("models:\n  - id: a\n   kind: [chat\n")
    with pytest.raises(ConfigError) as err:
        load_catalogue(str(bad))
    assert err.value.source == str(bad) and "line" in err.value.key


def test_missing_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_catalogue(str(tmp_path / "nope.yaml"))


def test_settings_from_flags_and_environment(tmp_path):
    s = load_settings(["--port", "9000"], {"MAAS_PORT": "1234", "MAAS_HOST": "0.0.0.0",
                                           "MAAS_DATA_DIR": str(tmp_path), "MAAS_MASTER_KEY": "x" * 20})
    assert (s.port, s.host, s.data_dir, s.master_key) == (9000, "0.0.0.0", tmp_path.resolve(), "x" * 20)
    assert "x" * 20 not in repr(s)                       # the secret never shows in logs
    assert load_settings([], {}).port == 7860 and load_settings([], {}).host == "127.0.0.1"
    with pytest.raises(ConfigError, match="MAAS_PORT"):
        load_settings([], {"MAAS_PORT": "http"})
    with pytest.raises(ConfigError, match="at least 16"):
        load_settings([], {"MAAS_MASTER_KEY": "short"})
    assert load_settings([], {}).chat_max_upload_mb == 20
    assert load_settings([], {"MAAS_CHAT_MAX_UPLOAD_MB": "64"}).chat_max_upload_mb == 64
    for bad in ("lots", "0", "-5", "5000"):
        with pytest.raises(ConfigError, match="MAAS_CHAT_MAX_UPLOAD_MB"):
            load_settings([], {"MAAS_CHAT_MAX_UPLOAD_MB": bad})
        with pytest.raises(ConfigError, match="MAAS_KB_MAX_UPLOAD_MB"):
            load_settings([], {"MAAS_KB_MAX_UPLOAD_MB": bad})
    assert load_settings([], {}).kb_max_upload_mb == 100 and load_settings([], {}).chroma_url is None
    assert load_settings([], {"MAAS_CHROMA_URL": "http://127.0.0.1:8000/"}).chroma_url == "http://127.0.0.1:8000"
    for bad in ("127.0.0.1:8000", "http://u:p@chroma:8000", "http://chroma:8000/api", "ftp://chroma"):
        with pytest.raises(ConfigError, match="MAAS_CHROMA_URL"):
            load_settings([], {"MAAS_CHROMA_URL": bad})


def test_kb_ingestion_limits_are_settings_and_a_bad_one_names_its_variable():
    s = load_settings([], {})
    assert (s.kb_parse_seconds, s.kb_parse_memory_mb, s.kb_archive_max_mb, s.kb_archive_max_ratio) == (
        120, 1024, 1024, 100)
    s = load_settings([], {"MAAS_KB_PARSE_SECONDS": "30", "MAAS_KB_PARSE_MEMORY_MB": "512",
                           "MAAS_KB_ARCHIVE_MAX_MB": "200", "MAAS_KB_ARCHIVE_MAX_RATIO": "20"})
    assert (s.kb_parse_seconds, s.kb_parse_memory_mb, s.kb_archive_max_mb, s.kb_archive_max_ratio) == (
        30, 512, 200, 20)
    for name, bad in (("MAAS_KB_PARSE_SECONDS", "0"), ("MAAS_KB_PARSE_SECONDS", "2 min"),
                      ("MAAS_KB_PARSE_MEMORY_MB", "100"), ("MAAS_KB_ARCHIVE_MAX_MB", "-1"),
                      ("MAAS_KB_ARCHIVE_MAX_RATIO", "lots")):
        with pytest.raises(ConfigError, match=name):
            load_settings([], {name: bad})


def test_the_mcp_settings_and_the_secret_key_are_read_and_a_bad_one_names_its_variable():
    s = load_settings([], {})
    assert (s.mcp_allow_private_hosts, s.secret_key, s.mcp_start_timeout_s) == ((), None, 60.0)
    s = load_settings([], {"MAAS_MCP_ALLOW_PRIVATE_HOSTS": " MCP.lab. , 10.1.0.0/16,127.0.0.1, mcp.lab",
                           "MAAS_SECRET_KEY": " a long enough passphrase ", "MAAS_MCP_START_TIMEOUT_S": "90"})
    assert s.mcp_allow_private_hosts == ("mcp.lab", "10.1.0.0/16", "127.0.0.1/32")
    assert s.secret_key == "a long enough passphrase" and "passphrase" not in repr(s)
    assert s.mcp_start_timeout_s == 90.0
    for name, bad in (("MAAS_MCP_ALLOW_PRIVATE_HOSTS", "mcp lab"), ("MAAS_MCP_ALLOW_PRIVATE_HOSTS", "1.2.3"),
                      ("MAAS_MCP_ALLOW_PRIVATE_HOSTS", "http://mcp.lab"), ("MAAS_SECRET_KEY", "short"),
                      ("MAAS_SECRET_KEY", " " * 12 + "short"), ("MAAS_MCP_START_TIMEOUT_S", "soon"),
                      ("MAAS_MCP_START_TIMEOUT_S", "7200")):
        with pytest.raises(ConfigError, match=name):
            load_settings([], {name: bad})
