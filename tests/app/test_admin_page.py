"""Admin page handlers on real services: members are refused by every one of them; admins review
applications, manage users and keys, and every change lands in the audit log."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import gradio as gr
import pytest

from app.account import page as account
from app.admin import page as admin
from gateway.errors import AuthenticationError
from tests.app.conftest import opened_gateway
from tests.app.pages import FORM, PASSWORD, admin_refresh, handlers, refresh, refused, req, values


@pytest.fixture()
def site(tmp_path):
    gw = opened_gateway(tmp_path)
    for name in ("alice", "bob"):
        gw.accounts.create_user(name, PASSWORD, organisation="Lab " + name)
    yield SimpleNamespace(gw=gw, me=account.AccountPage(gw), adm=admin.AdminPage(gw))
    gw.store.close()


def _apply(site, user: str = "alice", models=("qwen2.5-coder:0.5b", "use-multilingual:v3")) -> str:
    site.me.apply(FORM["name"], FORM["contact"], FORM["email"], FORM["organisation"], FORM["phone"],
                  FORM["purpose"], list(models), "en", req(user))
    return admin_refresh(site).application["value"]


def _snapshot(gw) -> tuple:
    cur = gw.store.cursor()
    return tuple(cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                 for t in ("users", "api_keys", "key_applications", "audit_log"))


def test_every_admin_handler_refuses_a_member_and_changes_nothing(site) -> None:
    app_id = _apply(site)
    before = _snapshot(site.gw)
    found = handlers(site.adm)
    assert len(found) >= 12
    for fn in found.values():
        params = list(inspect.signature(fn).parameters)
        args = {p: None for p in params}
        args.update({"lang": "en", "request": req("alice")})
        if "app_id" in args:
            args["app_id"] = app_id
        if "user_id" in args:
            args["user_id"] = site.gw.accounts.by_username("admin").id
        with pytest.raises(gr.Error, match="Only administrators"):
            fn(**args)
        args["request"] = req("alice", "zh-CN")
        args["lang"] = "zh-CN"
        with pytest.raises(gr.Error, match="只有管理员"):
            fn(**args)
    assert _snapshot(site.gw) == before, "a refused call changed something"


def test_approve_narrowed_with_limits_then_the_applicant_sees_it(site) -> None:
    app_id = _apply(site)
    assert "at least one model" in refused(site.adm.approve(app_id, [], None, None, None, None, None, "en",
                                                            req("admin")))
    assert "whole number of days" in refused(site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], None, None, None,
                                                              None, "-3", "en", req("admin")))
    # every bad limit box at once, each marked with its label; the boxes keep what was typed
    notice, *fields = site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], "ten", "", "1.5", "total", "x", "en",
                                       req("admin"))
    marked = {name: f["info"] for name, f in zip(admin.APPROVE.outputs[1:], fields, strict=True)
              if f["elem_classes"] == ["maas-invalid"]}
    assert list(marked) == ["rpm", "quota", "days"] and "Requests per minute" in marked["rpm"]
    assert "Correct the 3 marked fields" in notice and not any("value" in f for f in fields)
    # an empty box means "no limit"; so does 0, never "a quota of 0 tokens"
    message, *_ = site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], "30", "5 000", "0", "total", "7", "zh-CN",
                                   req("admin"))
    assert "已批准" in message
    view = refresh(site, "alice")
    assert "approved" in view.applications and "30 requests/min" in view.applications
    assert "5,000 tokens/min" in view.applications
    secret = site.me.reveal(view.ready["value"], "en", req("alice"))[2]["value"]
    principal = site.gw.keys.authenticate(f"Bearer {secret}")
    assert principal.models == frozenset({"qwen2.5-coder:0.5b"}) and (principal.rpm, principal.tpm) == (30, 5000)
    assert principal.quota_tokens is None
    assert site.gw.keys.get(principal.key_id).expires_at is not None
    queue_html = admin_refresh(site).queue
    assert "No applications are waiting" in queue_html
    audit_html = admin_refresh(site).audit
    assert "approve" in audit_html and "admin" in audit_html


def test_reject_with_a_reason_the_applicant_reads(site) -> None:
    app_id = _apply(site)
    notice, _, reason = site.adm.reject(app_id, "", "en", req("admin"))
    assert "Reason" in notice and reason["elem_classes"] == ["maas-invalid"]
    message, _, cleared = site.adm.reject(app_id, "Please apply through your group leader.", "en", req("admin"))
    assert "Rejected" in message and cleared["value"] == ""
    apps_html = refresh(site, "alice").applications
    assert "rejected" in apps_html and "Please apply through your group leader." in apps_html
    assert "already rejected" in refused(site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], None, None, None, None,
                                                          None, "en", req("admin")))


def test_users_roles_disable_and_the_last_admin(site) -> None:
    admin_id = site.gw.accounts.by_username("admin").id
    bob = site.gw.accounts.by_username("bob")
    assert "your own account" in refused(site.adm.disable(admin_id, "en", req("admin")))
    assert "last active administrator" in refused(site.adm.set_role(admin_id, "member", "en", req("admin")))
    assert "administrator" in site.adm.set_role(bob.id, "admin", "en", req("admin"))[0]
    assert site.gw.console.actor_for_username("bob").is_admin
    site.adm.set_role(bob.id, "member", "en", req("admin"))

    secret = site.gw.console.create_key(site.gw.console.actor_for_username("admin"), bob.id, "bob key", None)[1]
    assert site.gw.keys.authenticate(f"Bearer {secret}")
    assert "Disabled" in site.adm.disable(bob.id, "en", req("admin"))[0]
    with pytest.raises(AuthenticationError):
        site.gw.keys.authenticate(f"Bearer {secret}")                      # at once, not after the cache
    users_html = admin_refresh(site).users
    assert "disabled" in users_html
    assert "Enabled" in site.adm.enable(bob.id, "en", req("admin"))[0]
    assert site.gw.keys.authenticate(f"Bearer {secret}").user_id == bob.id

    message, *cleared = site.adm.create_user("carol", "Carol-pass-2026", "member", "carol@example.org", "Lab C", "en",
                                             req("admin"))
    assert "carol" in message and values(cleared) == ["", "", None, "", ""]
    assert "taken" in refused(site.adm.create_user("carol", "Carol-pass-2026", "member", "", "", "en", req("admin")))
    # a short password, a bad email and an overlong organisation: all marked at once, nothing created
    notice, *fields = site.adm.create_user("dora", "short", "member", "dora.example.org", "x" * 129, "en",
                                           req("admin"))
    marked = [name for name, f in zip(admin.CREATE_USER.outputs[1:], fields, strict=True)
              if f["elem_classes"] == ["maas-invalid"]]
    assert marked == ["password", "email", "organisation"] and "Organisation: at most 128" in notice
    assert site.gw.accounts.by_username("dora") is None
    site.adm.reset_password(bob.id, "Bob-new-pass-2026", "en", req("admin"))
    assert site.gw.accounts.authenticate("bob", "Bob-new-pass-2026", client="t").username == "bob"
    audit = site.adm.audit_page(0, "en", req("admin"))
    for action in ("role changed", "disabled", "enabled", "created", "password reset"):
        assert action in audit
    assert "重置密码" in site.adm.audit_page(0, "zh-CN", req("admin"))
    assert "Bob-new-pass-2026" not in audit and "Carol-pass-2026" not in audit


def test_issue_a_key_directly_and_revoke_any_key(site) -> None:
    alice = site.gw.accounts.by_username("alice")
    assert "Key name" in refused(site.adm.create_key(alice.id, "x", ["qwen2.5-coder:0.5b"], None, None, None, None,
                                                     None, "en", req("admin"))[:-1])
    message, *_, box = site.adm.create_key(alice.id, "pipeline", ["qwen2.5-coder:0.5b"], 10, None, 1000, "month",
                                           30, "en", req("admin"))
    secret = box["value"]
    assert box["visible"] and "pipeline" in message and "alice" in message
    principal = site.gw.keys.authenticate(f"Bearer {secret}")
    assert principal.quota_tokens == 1000 and principal.quota_period == "month"
    keys_html = admin_refresh(site).keys
    assert "pipeline" in keys_html and "alice" in keys_html and secret not in keys_html
    assert "Revoked" in site.adm.revoke_key(principal.key_id, "en", req("admin"))[0]
    site.gw.keys.invalidate()
    with pytest.raises(AuthenticationError):
        site.gw.keys.authenticate(f"Bearer {secret}")
    audit = site.adm.audit_page(0, "en", req("admin"))
    assert "revoked" in audit and "API key" in audit


def test_reissue_after_a_restart_lost_the_secret(site) -> None:
    app_id = _apply(site)
    site.adm.approve(app_id, ["qwen2.5-coder:0.5b"], None, None, None, None, None, "en", req("admin"))
    site.gw.applications.pending_reveals.clear()                              # what a restart does
    assert "re-issue" in refused(site.me.reveal(app_id, "en", req("alice")))
    approved = admin_refresh(site).approved
    assert [v for _, v in approved["choices"]] == [app_id]
    assert "Re-issued" in site.adm.reissue(app_id, "en", req("admin"))[0]
    secret = site.me.reveal(app_id, "en", req("alice"))[2]["value"]
    assert site.gw.keys.authenticate(f"Bearer {secret}").user_id == site.gw.accounts.by_username("alice").id
