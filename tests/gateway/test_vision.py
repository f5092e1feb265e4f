"""Image input: only models with the ``vision`` capability take image parts; the others answer 400.

A model without it (the embedded Qwen2.5-Coder, a text-only vLLM model) used to get the image and
fail upstream (502); now the gateway refuses the part itself, naming ``messages[i].content[j]`` and
the models of the key that can see. With the capability, image parts reach the upstream unchanged.
"""

from __future__ import annotations

import httpx
import pytest
import yaml

from tests.gateway.conftest import assert_no_internals, auth, chat_posts, error_of

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf"
                                                   "FcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
                                            "detail": "low"}}
LOOK = [{"role": "system", "content": "You describe pictures."},
        {"role": "user", "content": [{"type": "text", "text": "What is in this picture?"}, IMAGE]}]


def post(gw, body: dict, key: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else auth(gw)
    return httpx.post(gw.url + "/v1/chat/completions", json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("stream", [False, True])
def test_image_to_a_model_that_cannot_see_is_a_400_naming_the_part(gw, fakes, stream):
    resp = post(gw, {"model": "plain", "messages": LOOK, "stream": stream})
    assert resp.status_code == 400, resp.text
    err = error_of(resp.json())
    assert err["param"] == "messages[1].content[1]" and err["code"] == "image_input_not_supported"
    assert "'plain' does not accept images" in err["message"] and "qwen2.5-vl:7b" in err["message"]
    assert chat_posts(fakes["plain"]) == []                       # never sent upstream


@pytest.mark.parametrize("stream", [False, True])
def test_image_parts_pass_through_to_a_vision_model(gw, fakes, stream):
    resp = post(gw, {"model": "qwen2.5-vl:7b", "messages": LOOK, "stream": stream})
    assert resp.status_code == 200, resp.text
    (sent,) = chat_posts(fakes["vllm"])
    assert sent["json"]["messages"][1]["content"] == LOOK[1]["content"]     # the image part, unchanged
    assert sent["json"]["model"] == "fake-model"


def test_models_show_the_vision_capability(gw, fakes):
    cards = {m["id"]: m for m in httpx.get(gw.url + "/v1/models", headers=auth(gw), timeout=10).json()["data"]}
    assert cards["qwen2.5-vl:7b"]["capabilities"]["vision"] is True
    assert cards["plain"]["capabilities"]["vision"] is False


def test_the_hint_names_only_models_the_key_may_use(gw, fakes):
    admin = auth(gw)
    users = httpx.get(gw.url + "/admin/v1/users", headers=admin, timeout=10).json()["data"]
    made = httpx.post(gw.url + "/admin/v1/keys", headers=admin, timeout=10,
                      json={"user_id": users[0]["id"], "name": "text only", "models": ["plain"]})
    assert made.status_code == 201, made.text
    resp = post(gw, {"model": "plain", "messages": LOOK}, key=made.json()["secret"])
    assert resp.status_code == 400
    message = error_of(resp.json())["message"]
    assert "qwen2.5-vl" not in message and "none of the models your key may use accepts images" in message


def test_a_malformed_image_part_is_a_400_naming_it(gw, fakes):
    bad = [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {}}]}]
    resp = post(gw, {"model": "qwen2.5-vl:7b", "messages": bad})
    assert resp.status_code == 400
    assert error_of(resp.json())["param"] == "messages[0].content[1].image_url"


def test_image_to_the_embedded_model_is_a_400_not_a_502(embedded_gateway):
    resp = post(embedded_gateway, {"model": "qwen2.5-coder:0.5b", "messages": LOOK, "max_tokens": 8})
    assert resp.status_code == 400, resp.text
    assert_no_internals(resp.text)
    err = error_of(resp.json())
    assert err["param"] == "messages[1].content[1]" and err["code"] == "image_input_not_supported"
    assert "none of the models your key may use accepts images" in err["message"]


def test_vision_in_the_catalogue_is_checked_and_kept_when_an_admin_saves():
    from gateway.errors import ConfigError
    from gateway.routing.catalogue import parse_catalogue
    from gateway.routing.model_config import render_catalogue

    dep = [{"backend": "openai", "base_url": "http://gpu-1:8000/v1", "model": "Qwen/Qwen2.5-VL-7B-Instruct"}]
    with pytest.raises(ConfigError) as info:
        parse_catalogue({"models": [{"id": "vl", "capabilities": {"vision": "yes"}, "deployments": dep}]}, "m.yaml")
    assert info.value.key == "models[0].capabilities.vision" and "must be bool" in info.value.problem
    catalogue = parse_catalogue({"models": [{"id": "qwen2.5-vl:7b", "capabilities": {"vision": True},
                                             "deployments": dep}]}, "m.yaml")
    again = parse_catalogue(yaml.safe_load(render_catalogue(catalogue)), "saved.yaml")
    assert again.models["qwen2.5-vl:7b"].capabilities.vision is True
    assert again.models["qwen2.5-coder:0.5b"].capabilities.vision is False
