"""Admin page, Models tab: handlers on a real opened gateway (DuckDB, no config file, so edits go to
``<data_dir>/models.yaml``). Members are refused by every handler and nothing changes; admins see
the catalogue, validate and save it, with results (what changed, or the key that is wrong) in
English and Chinese."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import gradio as gr
import pytest
import yaml

from app.admin import models as admin_models
from app.shell.i18n import make_i18n
from gateway.accounts.audit import list_entries
from gateway.routing.model_config import ModelConfig
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD, handlers, req

BETA = {"id": "beta", "kind": "chat", "deployments": [
    {"name": "gpu-1", "backend": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}]}


def call(fn, *args):
    result = fn(*args)
    return aio.run(result) if inspect.isawaitable(result) else result


def edited(text: str, *models: dict, ctx: int | None = None) -> str:
    """The editor's text with ``models`` added (the comments kept)."""
    if ctx is not None:
        text = text.replace("ctx: 16384", f"ctx: {ctx}")
    return text.replace("models: []", "models:\n" + yaml.safe_dump(list(models), sort_keys=False)) if models else text


@pytest.fixture()
def site(tmp_path):
    gw = opened_gateway(tmp_path)
    gw.accounts.create_user("alice", PASSWORD)
    yield SimpleNamespace(gw=gw, h=admin_models.ModelsTab(gw, ModelConfig(gw)), path=tmp_path / "models.yaml")
    gw.store.close()


def test_every_handler_refuses_a_member_and_changes_nothing(site) -> None:
    found = handlers(site.h)
    assert set(found) == {"load", "refresh", "revert", "validate", "save"}
    text = edited(site.h.load("en", req("admin")).editor, BETA)
    catalogue = site.gw.catalogue
    for fn in found.values():
        args = {p: text for p in inspect.signature(fn).parameters}
        for lang, message in (("en", "Only administrators"), ("zh-CN", "只有管理员")):
            args.update(lang=lang, request=req("alice", lang))
            with pytest.raises(gr.Error, match=message):
                call(fn, *args.values())
        with pytest.raises(gr.Error, match="sign in again"):
            call(fn, *{**args, "lang": "en", "request": req(None)}.values())
    assert not site.path.exists() and site.gw.catalogue is catalogue
    assert [e for e in list_entries(site.gw.store) if e.target_type == "model_catalogue"] == []


def test_the_admin_sees_the_models_and_a_commented_catalogue(site) -> None:
    view = site.h.load("en", req("admin"))
    assert 'data-model="qwen2.5-coder:0.5b"' in view.table and 'data-model="use-multilingual:v3"' in view.table
    assert view.editor.startswith("# MaaS Workbench model catalogue") and "api_key_env" in view.editor
    assert "No catalogue file yet" in view.file and str(site.path) in view.file
    assert view.timer.active is True
    assert "尚无模型目录文件" in site.h.load("zh-CN", req("admin", "zh-CN")).file


def test_validate_lists_the_changes_or_names_the_key_in_both_languages(site) -> None:
    text = site.h.load("en", req("admin")).editor
    assert "changes no model" in site.h.validate(text, "en", req("admin"))
    good = edited(text, BETA, ctx=8192)
    message = site.h.validate(good, "en", req("admin"))
    assert message.startswith("✅ **Valid**: 5 models") and "Models added: `beta`" in message   # 4 built in + beta
    assert "Deployments added: `beta/gpu-1`" in message
    assert "gateway.embedded (ctx) changed" in message and "next start" in message
    zh = site.h.validate(good, "zh", req("admin", "zh-CN"))
    assert "有效" in zh and "新增模型：`beta`" in zh and "下次启动时生效" in zh

    bad = good.replace("http://127.0.0.1:9/v1", "127.0.0.1:9")
    line = next(i for i, row in enumerate(bad.splitlines(), 1) if "base_url: 127.0.0.1:9" in row)
    message = site.h.validate(bad, "en", req("admin"))
    assert message.startswith("❌ **Not valid**") and f"models[0].deployments[0].base_url (line {line})" in message
    assert "无效" in site.h.validate(bad, "zh", req("admin", "zh-CN"))
    assert not site.path.exists(), "validate wrote the file"


def test_save_applies_at_once_keeps_a_backup_and_reports_in_both_languages(site) -> None:
    text = site.h.load("en", req("admin")).editor
    saved = call(site.h.save, edited(text, BETA), "en", req("admin"))
    assert saved.result.startswith(f"✅ **Saved** to `{site.path}`") and "Models added: `beta`" in saved.result
    assert 'data-model="beta"' in saved.table and str(site.path) in saved.file and "No catalogue file" not in saved.file
    assert "beta" in site.gw.catalogue.models and site.path.read_text() == edited(text, BETA)

    without_builtins = edited(text, BETA).replace("enabled: true", "enabled: false")
    saved = call(site.h.save, without_builtins, "zh", req("admin", "zh-CN"))
    zh = saved.result
    assert "已保存" in zh and f"`{site.path}.bak`" in zh and "删除的模型" in zh and "`qwen2.5-coder:0.5b`" in zh
    assert 'data-model="qwen2.5-coder:0.5b"' not in saved.table and list(site.gw.catalogue.models) == ["beta"]
    assert (site.path.parent / "models.yaml.bak").read_text() == edited(text, BETA)

    before = site.path.read_text()
    refused = call(site.h.save, without_builtins.replace("kind: chat", "kind: chatty"), "en", req("admin")).result
    assert refused.startswith("❌ **Not saved**") and "models[0].kind" in refused
    assert site.path.read_text() == before and list(site.gw.catalogue.models) == ["beta"]
    entries = [e for e in list_entries(site.gw.store) if e.target_type == "model_catalogue"]
    assert len(entries) == 2 and entries[0].after == {"models": {"beta": ["gpu-1"]}}
    assert site.h.revert("en", req("admin")).editor == before


def test_the_tab_lays_out_inside_a_page(site) -> None:
    with gr.Blocks() as demo, gr.Tabs(), gr.Tab("Models"):
        site.h.build(make_i18n())
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    assert {"admin-models-table", "admin-models-editor", "admin-models-save", "admin-models-result"} <= ids
