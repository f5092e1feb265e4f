"""My account page handlers, called as the browser would (a signed-in user's request), on real services.

A real Gateway with its DuckDB (no models needed): members apply, the admin approves through the
admin page's handlers, the applicant shows the key once; nobody reaches another member's keys or
applications.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from app.account import page as account
from app.admin import page as admin
from tests.app.conftest import opened_gateway
from tests.app.pages import FORM, PASSWORD, admin_refresh, refresh, refused, req, values


@pytest.fixture()
def site(tmp_path):
    gw = opened_gateway(tmp_path)
    for name in ("alice", "bob"):
        gw.accounts.create_user(name, PASSWORD)
    yield SimpleNamespace(gw=gw, me=account.AccountPage(gw), adm=admin.AdminPage(gw))
    gw.store.close()


def apply(site, user: str, **changes) -> tuple:
    form = {**FORM, **changes}
    return site.me.apply(form["name"], form["contact"], form["email"], form["organisation"], form["phone"],
                         form["purpose"], changes.get("models", ["qwen2.5-coder:0.5b"]), changes.get("lang", "en"),
                         req(user))


def test_apply_approve_show_once_and_call(site) -> None:
    message, *cleared = apply(site, "alice")
    assert "protein-lab" in message and "submitted" in message
    assert values(cleared) == ["", "", "", "", "", "", []]             # the form empties after success
    view = refresh(site, "alice")
    assert "pending review" in view.applications and "protein-lab" in view.applications

    view = admin_refresh(site)
    assert "protein-lab" in view.queue and "Institute of Biophysics" in view.queue
    app_id = view.application["value"]
    picked = site.adm.pick_application(app_id, "en", req("admin"))
    assert picked.grant["value"] == ["qwen2.5-coder:0.5b"] and "protein-lab" in picked.picked
    done = site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], "60", "", "100,000", "month", "30", "en", req("admin"))
    assert "Approved" in done[0]

    view = refresh(site, "alice")
    assert view.ready["choices"] and view.ready["value"] == app_id and "waiting for you" in view.ready_notice["value"]
    assert "approved" in view.applications and "60 requests/min" in view.applications
    assert "per month" in view.applications
    warning, _, secret_box = site.me.reveal(app_id, "en", req("alice"))
    secret = secret_box["value"]
    assert secret.startswith("sk-maas-") and "will not be shown again" in warning
    principal = site.gw.keys.authenticate(f"Bearer {secret}")
    assert principal.models == frozenset({"qwen2.5-coder:0.5b"}) and principal.rpm == 60
    assert principal.quota_tokens == 100000
    assert "can no longer be shown" in refused(site.me.reveal(app_id, "en", req("alice")))     # once only
    keys_html = refresh(site, "alice").keys
    assert secret[:12] in keys_html and secret not in keys_html and "active" in keys_html


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(site) -> None:
    notice, *fields = apply(site, "alice", email="not-an-email")
    assert "Email" in notice and fields[2]["info"].startswith("Email:")
    assert fields[2]["elem_classes"] == ["maas-invalid"] and fields[0]["elem_classes"] == []
    assert "Purpose" in refused(apply(site, "alice", purpose="too short"))
    assert "Models" in refused(apply(site, "alice", models=[]))
    # every bad field at once, each marked with its own message, the good ones not
    notice, *fields = apply(site, "alice", email="nope", phone="x", purpose="", models=[])
    assert "Correct the 4 marked fields" in notice
    marked = {name: f["info"] for name, f in zip(account.APPLY.outputs[1:], fields, strict=True)
              if f["elem_classes"] == ["maas-invalid"]}
    assert list(marked) == ["email", "phone", "purpose", "models"]
    assert marked["email"].startswith("Email:") and marked["phone"].startswith("Phone:")
    zh = refused(apply(site, "alice", email="nope", lang="zh-CN"))
    assert "邮箱：格式不正确" in zh
    assert site.gw.applications.list_for(site.gw.accounts.by_username("alice").id) == []


def test_members_never_reach_each_others_keys_or_applications(site) -> None:
    apply(site, "alice")
    app_id = admin_refresh(site).application["value"]
    site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], None, None, None, None, None, "en", req("admin"))
    alice_key = site.gw.console.my_keys(site.gw.console.actor_for_username("alice"))[0]

    view = refresh(site, "bob")
    assert "protein-lab" not in view.keys + view.applications and view.ready["choices"] == []
    assert view.revoke_key["choices"] == []
    # bob cannot take alice's secret ... and it is still alice's to show
    assert "can no longer be shown" in refused(site.me.reveal(app_id, "en", req("bob")))
    assert site.gw.applications.can_reveal(app_id)
    assert "No such key" in refused(site.me.revoke(alice_key.id, "en", req("bob")))
    assert site.gw.keys.get(alice_key.id).revoked_at is None
    assert "your own keys" in refused(site.me.ask_more(alice_key.id, ["use-multilingual:v3"],
                                                       "Embedding our lab's papers for search.", "en", req("bob")))


def test_signed_out_or_disabled_users_get_a_readable_refusal(site) -> None:
    for who in (None, "nobody"):
        with pytest.raises(gr.Error, match="sign in again"):
            refresh(site, who)
        with pytest.raises(gr.Error, match="sign in again"):
            apply(site, who)
    site.gw.console.set_disabled(site.gw.console.actor_for_username("admin"),
                                 site.gw.accounts.by_username("bob").id, True)
    with pytest.raises(gr.Error, match="sign in again"):
        refresh(site, "bob")
    with pytest.raises(gr.Error, match="登录已失效") as err:
        refresh(site, "bob", "zh-CN")
    assert err.value.title == "无法完成"                                  # the toast's title is Chinese too


def test_revoke_own_key_and_ask_for_more_models(site) -> None:
    apply(site, "alice")
    app_id = admin_refresh(site).application["value"]
    site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], None, None, None, None, None, "en", req("admin"))
    key = site.gw.console.my_keys(site.gw.console.actor_for_username("alice"))[0]
    message, _, models, reason = site.me.ask_more(key.id, ["use-multilingual:v3"],
                                                  "Embedding our lab's papers for semantic search.", "en", req("alice"))
    assert "use-multilingual:v3" in message and values([models, reason]) == [[], ""]
    view = admin_refresh(site)
    assert "more models" in view.queue
    site.adm.approve(view.application["value"], ["use-multilingual:v3"], None, None, None, None, None, "en",
                     req("admin"))
    assert set(site.gw.keys.get(key.id).models) == {"qwen2.5-coder:0.5b", "use-multilingual:v3"}

    assert "Revoked" in site.me.revoke(key.id, "en", req("alice"))[0]
    assert site.gw.keys.get(key.id).state() == "revoked"
    keys_html = refresh(site, "alice", "zh-CN").keys
    assert "已吊销" in keys_html


def test_change_password(site) -> None:
    notice, old, new, again = site.me.change_password(PASSWORD, "New-pass-2026-x", "New-pass-2026-y", "en",
                                                      req("alice"))
    assert "differ" in notice and again["elem_classes"] == ["maas-invalid"] and new["elem_classes"] == []
    assert "current password is wrong" in refused(site.me.change_password("wrong", "New-pass-2026-x",
                                                                          "New-pass-2026-x", "en", req("alice")))
    message, *cleared = site.me.change_password(PASSWORD, "New-pass-2026-x", "New-pass-2026-x", "zh", req("alice"))
    assert "密码已修改" in message and values(cleared) == ["", "", ""]
    assert cleared[1]["info"].startswith("至少")                          # the password rule is back under it
    assert site.gw.accounts.authenticate("alice", "New-pass-2026-x", client="test").username == "alice"


def test_workbench_key_is_listed_as_the_workbench_and_cannot_be_revoked(site) -> None:
    alice = site.gw.accounts.by_username("alice")
    secret = site.gw.keys.workbench_key(alice.id)
    assert site.gw.keys.workbench_key(alice.id) == secret                 # one per process
    assert site.gw.keys.authenticate(f"Bearer {secret}").user_id == alice.id
    view = refresh(site, "alice")
    assert "Workbench (chat and knowledge bases)" in view.keys and view.revoke_key["choices"] == []
    key_id = site.gw.console.my_keys(site.gw.console.actor_for_username("alice"))[0].id
    assert "workbench key" in refused(site.me.revoke(key_id, "en", req("alice")))
