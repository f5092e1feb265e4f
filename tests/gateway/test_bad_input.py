"""Bad requests and bad config files: each gets a precise, actionable answer.

Requests: the OpenAI error envelope (exactly message/type/param/code) with the right status
and ``param``; the SDK where a client could send it, raw httpx where it cannot.
Config files: launch.py refuses to start, naming the file and the dotted key.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import openai
import pytest
import yaml

from tests.conftest import ROOT, free_port
from tests.gateway.conftest import auth, chat_posts, error_of, sdk_error

MESSAGES = [{"role": "user", "content": "hello there"}]


def post(gw, path: str, **kw) -> httpx.Response:
    headers = {**auth(gw), **kw.pop("headers", {})}
    return httpx.post(gw.url + path, headers=headers, timeout=10, **kw)


def bad_request(client: openai.OpenAI, **kw) -> dict:
    """Send a chat request the SDK lets through; return the 400 envelope's error object."""
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(**{"model": "qwen3:235b", "messages": MESSAGES, **kw})
    assert info.value.status_code == 400
    return sdk_error(info.value)


# -- 10. bad requests ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"model": "qwen3:235b", "messages": [', b"{'a': 1}"])
def test_malformed_json_is_400_invalid_json(gw, raw):
    resp = post(gw, "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 400
    err = error_of(resp.json())
    assert err["code"] == "invalid_json" and err["type"] == "invalid_request_error"
    assert "JSON" in err["message"]


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"null"])
def test_json_that_is_not_an_object_is_400(gw, raw):
    resp = post(gw, "/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 400
    assert error_of(resp.json())["code"] == "invalid_json"


@pytest.mark.parametrize("messages", ["hello", {"role": "user", "content": "hi"}, [], None])
def test_messages_not_a_list_is_400(client, fakes, messages):
    err = bad_request(client, messages=messages)
    assert err["param"] == "messages"
    assert "messages" in err["message"]
    assert chat_posts(fakes["vllm"]) == []                   # nothing went upstream


@pytest.mark.parametrize("field,value,param", [
    ("temperature", "hot", "temperature"),
    ("temperature", 3, "temperature"),
    ("max_tokens", 0, "max_tokens"),
    ("max_tokens", 1.5, "max_tokens"),
    ("max_completion_tokens", -1, "max_completion_tokens"),
    ("top_p", 1.5, "top_p"),
    ("n", 2, "n"),
    ("stream", "yes", "stream"),
    ("stop", ["a", "b", "c", "d", "e"], "stop"),
    ("stream_options", {"include_usage": "yes"}, "stream_options.include_usage"),
])
def test_bad_parameter_is_400_naming_it(client, fakes, field, value, param):
    err = bad_request(client, **{field: value})
    assert err["param"] == param
    assert err["type"] == "invalid_request_error" and err["code"] == "invalid_value"
    assert f"'{param}'" in err["message"]
    assert chat_posts(fakes["vllm"]) == []


def test_bad_message_entry_names_its_index(client):
    err = bad_request(client, messages=[{"role": "user", "content": "hi"}, {"role": "wizard", "content": "x"}])
    assert err["param"] == "messages[1].role"
    err = bad_request(client, messages=[{"role": "user"}])
    assert (err["param"], err["code"]) == ("messages[0].content", "missing_required_parameter")


def test_missing_model_is_400(gw):
    resp = post(gw, "/v1/chat/completions", json={"messages": MESSAGES})
    assert resp.status_code == 400
    err = error_of(resp.json())
    assert (err["param"], err["code"]) == ("model", "missing_required_parameter")


@pytest.mark.parametrize("stream", [False, True])
def test_unknown_model_is_404(client, stream):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-9:1t", messages=MESSAGES, stream=stream)
    err = sdk_error(info.value)
    assert (err["code"], err["param"], err["type"]) == ("model_not_found", "model", "invalid_request_error")
    assert "gpt-9:1t" in err["message"] and "/v1/models" in err["message"]


def test_chat_with_an_embedding_model_is_400(client, fakes):
    err = bad_request(client, model="bge-large-zh")
    assert (err["param"], err["code"]) == ("model", "wrong_model_kind")
    assert "/v1/embeddings" in err["message"]
    assert chat_posts(fakes["vllm"]) == []


def test_embeddings_with_a_chat_model_is_400(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="qwen3:235b", input="hello")
    err = sdk_error(info.value)
    assert (err["param"], err["code"]) == ("model", "wrong_model_kind")
    assert "/v1/chat/completions" in err["message"]


def test_rerank_with_a_chat_model_or_without_query_is_400(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.post("/rerank", body={"model": "qwen3:235b", "query": "q", "documents": ["a"]}, cast_to=object)
    assert sdk_error(info.value)["code"] == "wrong_model_kind"
    with pytest.raises(openai.BadRequestError) as info:
        client.post("/rerank", body={"model": "bge-reranker", "documents": ["a"]}, cast_to=object)
    assert sdk_error(info.value)["param"] == "query"


def test_embeddings_bad_input_is_400(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="bge-large-zh", input=[])
    assert sdk_error(info.value)["param"] == "input"
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="bge-large-zh", input="x", encoding_format="int8")  # type: ignore[arg-type]
    assert sdk_error(info.value)["param"] == "encoding_format"


def test_body_over_the_limit_is_413(gw, fakes):
    big = "x" * (2 * 1024 * 1024)                           # the config sets max_body_mb: 1
    resp = post(gw, "/v1/chat/completions", json={"model": "qwen3:235b",
                                                  "messages": [{"role": "user", "content": big}]})
    assert resp.status_code == 413
    err = error_of(resp.json())
    assert err["code"] == "request_too_large" and "limit" in err["message"]
    assert chat_posts(fakes["vllm"]) == []


def test_chunked_body_over_the_limit_is_413(gw):
    """No Content-Length: the gateway counts while reading."""
    def body():
        yield b'{"model": "qwen3:235b", "messages": [{"role": "user", "content": "'
        for _ in range(32):
            yield b"x" * 65536
        yield b'"}]}'

    resp = post(gw, "/v1/chat/completions", content=body(), headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert error_of(resp.json())["code"] == "request_too_large"


def test_missing_key_is_401(gw):
    resp = httpx.post(gw.url + "/v1/chat/completions", json={"model": "qwen3:235b", "messages": MESSAGES},
                      timeout=10)
    assert resp.status_code == 401
    err = error_of(resp.json())
    assert (err["type"], err["code"]) == ("authentication_error", "missing_api_key")
    assert "Authorization: Bearer" in err["message"]


def test_malformed_authorization_header_is_401(gw):
    resp = httpx.get(gw.url + "/v1/models", headers={"authorization": "Basic dXNlcjpwYXNz"}, timeout=10)
    assert resp.status_code == 401
    assert error_of(resp.json())["type"] == "authentication_error"


def test_wrong_key_is_401(gw):
    with gw.client(key="sk-maas-not-a-real-key") as client:
        with pytest.raises(openai.AuthenticationError) as info:
            client.chat.completions.create(model="qwen3:235b", messages=MESSAGES)
        err = sdk_error(info.value)
        assert (err["type"], err["code"]) == ("authentication_error", "invalid_api_key")
        with pytest.raises(openai.AuthenticationError):
            client.models.list()
    resp = httpx.get(gw.url + "/health/models", headers={"authorization": "Bearer wrong"}, timeout=10)
    assert resp.status_code == 401


@pytest.mark.parametrize("method,path", [("POST", "/v1/nope"), ("GET", "/v1/nope"), ("GET", "/v1"),
                                         ("POST", "/v1/completions")])
def test_unknown_route_is_404_envelope(gw, method, path):
    resp = httpx.request(method, gw.url + path, headers=auth(gw), json={}, timeout=10)
    assert resp.status_code == 404
    err = error_of(resp.json())
    assert err["code"] == "unknown_route"
    assert "/v1/chat/completions" in err["message"]          # says where to go instead


@pytest.mark.parametrize("method,path", [("GET", "/v1/chat/completions"), ("DELETE", "/v1/embeddings"),
                                         ("POST", "/v1/models"), ("GET", "/rerank")])
def test_wrong_method_is_405_envelope(gw, method, path):
    resp = httpx.request(method, gw.url + path, headers=auth(gw), timeout=10)
    assert resp.status_code == 405
    err = error_of(resp.json())
    assert err["code"] == "method_not_allowed" and method in err["message"]


def test_gateway_still_answers_after_bad_requests(client):
    resp = client.chat.completions.create(model="qwen3:235b", messages=MESSAGES)
    assert resp.choices[0].message.content == "Echo: hello there"


# -- 11. bad config files ------------------------------------------------------------------------
def good_config() -> dict:
    return {"gateway": {"embedded": {"enabled": False}},
            "models": [{"id": "m:1", "kind": "chat",
                        "deployments": [{"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "x"}]}]}


def launch(tmp_path: Path, document: dict | str) -> subprocess.CompletedProcess:
    path = tmp_path / "models.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "launch.py"), "--config", str(path), "--port", str(free_port()),
           "--data-dir", str(tmp_path / "data")]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


def _unknown_key(doc: dict) -> str:
    doc["models"][0]["capabilites"] = {"reasoning": True}
    return "models[0].capabilites"


def _unknown_gateway_key(doc: dict) -> str:
    doc["gateway"]["timeouts"] = {"first_byte": 3}
    return "gateway.timeouts.first_byte"


def _wrong_type(doc: dict) -> str:
    doc["gateway"]["cooldown_s"] = "soon"
    return "gateway.cooldown_s"


def _wrong_type_nested(doc: dict) -> str:
    doc["models"][0]["capabilities"] = {"reasoning": "yes"}
    return "models[0].capabilities.reasoning"


def _bad_backend(doc: dict) -> str:
    doc["models"][0]["deployments"][0]["backend"] = "tgi"
    return "models[0].deployments[0].backend"


def _bad_url(doc: dict) -> str:
    doc["models"][0]["deployments"][0]["base_url"] = "gpu-node-1:8000"
    return "models[0].deployments[0].base_url"


def _duplicate_id(doc: dict) -> str:
    doc["models"].append(dict(doc["models"][0]))
    return "models[1].id"


@pytest.mark.parametrize("breaks", [_unknown_key, _unknown_gateway_key, _wrong_type, _wrong_type_nested,
                                    _bad_backend, _bad_url, _duplicate_id])
def test_bad_config_stops_the_start_naming_file_and_key(tmp_path, breaks):
    doc = good_config()
    key = breaks(doc)
    result = launch(tmp_path, doc)
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(tmp_path / "models.yaml") in result.stderr
    assert f": {key}: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "is ready" not in result.stdout


def test_invalid_yaml_stops_the_start(tmp_path):
    result = launch(tmp_path, "models: [\n  - id: x\n    kind: chat\n  bad")
    assert result.returncode == 2
    assert str(tmp_path / "models.yaml") in result.stderr and "line" in result.stderr


def test_missing_config_file_stops_the_start(tmp_path):
    cmd = [sys.executable, str(ROOT / "launch.py"), "--config", str(tmp_path / "nope.yaml"),
           "--port", str(free_port()), "--data-dir", str(tmp_path / "data")]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert str(tmp_path / "nope.yaml") in result.stderr and "not found" in result.stderr


def test_ollama_rerank_deployment_is_refused_at_start(tmp_path):
    doc = good_config()
    doc["models"] = [{"id": "ollama-rerank", "kind": "rerank",
                      "deployments": [{"backend": "ollama", "base_url": "http://127.0.0.1:11434"}]}]
    result = launch(tmp_path, doc)
    assert result.returncode != 0
    assert str(tmp_path / "models.yaml") in result.stderr
    assert "models[0].deployments[0].backend" in result.stderr
    assert "rerank" in result.stderr and "vLLM or SGLang" in result.stderr
