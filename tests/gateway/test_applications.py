"""Key applications against a real DuckDB file and KeyStore: validation, review, one-time reveal, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.accounts import audit
from gateway.accounts.applications import Application, ApplicationError, Applications
from gateway.accounts.keys import KeyStore
from gateway.accounts.users import Accounts
from gateway.errors import AuthenticationError
from gateway.routing.catalogue import parse_catalogue

GOOD = "Correct-horse-9"
DEPLOY = [{"backend": "openai", "base_url": "http://upstream.invalid/v1"}]
WHY = "需要更多模型来对比实验结果的差异性，并复现论文中的基线。"     # 28 characters


@pytest.fixture()
def keys(store):
    return KeyStore(store)


@pytest.fixture()
def apps(store, keys):
    catalogue = parse_catalogue({"gateway": {"embedded": {"enabled": False}}, "models": [
        {"id": "qwen3:8b", "deployments": DEPLOY},
        {"id": "llama3:8b", "deployments": DEPLOY},
        {"id": "bge-m3", "kind": "embedding", "deployments": DEPLOY},
    ]}, "test.yaml")
    return Applications(store, keys, catalogue)


@pytest.fixture()
def users(store):
    accounts = Accounts(store)
    return {
        "admin": accounts.create_user("root", GOOD, role="admin").id,
        "alice": accounts.create_user("alice", GOOD).id,
        "bob": accounts.create_user("bob", GOOD).id,
    }


def form(**changes) -> dict:
    base = {"name": "蛋白质结构预测", "contact_name": "王小明", "email": "wang@example.edu.cn",
            "organisation": "某某大学生命科学学院", "phone": "+86 138-0000-0000",
            "purpose": "用于蛋白质结构预测论文的文献综述与代码辅助，预计每天数百次请求。",
            "models": ["qwen3:8b", "llama3:8b"]}
    base.update(changes)
    return base


@pytest.mark.parametrize("field, value, label", [
    ("name", "x", "Key name"),
    ("name", "长" * 65, "Key name"),
    ("contact_name", "  ", "Contact name"),
    ("email", "wang-at-example", "Email"),
    ("email", "wang@example", "Email"),
    ("organisation", None, "Organisation"),
    ("phone", "call me", "Phone"),
    ("phone", "12345", "Phone"),
    ("phone", "1" * 21, "Phone"),
    ("purpose", "科研用途" * 4, "Purpose"),          # 16 Chinese characters: under 20
    ("purpose", "研" * 2001, "Purpose"),
    ("purpose", 42, "Purpose"),
    ("models", [], "Models"),
    ("models", ["qwen3:8b", "gpt-99"], "Models"),
])
def test_each_validation_message_names_its_field(apps, users, field, value, label):
    with pytest.raises(ApplicationError) as err:
        apps.submit(users["alice"], form(**{field: value}))
    assert err.value.field == field
    assert err.value.message.startswith(label + ":")
    if value == ["qwen3:8b", "gpt-99"]:
        assert "gpt-99" in err.value.message


def test_lengths_are_counted_in_characters(apps, users):
    app = apps.submit(users["alice"], form(name="蛋白", purpose="研" * 20, models="qwen3:8b, bge-m3"))
    assert app.status == "pending" and app.kind == "new_key"
    assert app.purpose == "研" * 20 and app.models == ("qwen3:8b", "bge-m3")


def test_full_flow_narrowed_approval_reveal_once_and_key_works(apps, users, keys, store, db, tmp_path):
    app = apps.submit(users["alice"], form())
    assert [a.id for a in apps.queue()] == [app.id]
    expires = datetime.now(UTC) + timedelta(days=30)
    approved = apps.approve(app.id, users["admin"], models=["qwen3:8b"], rpm=10, tpm=5000, quota_tokens=100_000,
                            quota_period="month", expires_at=expires)
    assert approved.status == "approved" and approved.granted_models == ("qwen3:8b",)
    assert approved.decided_by == users["admin"] and approved.key_id is not None
    assert apps.queue() == []

    assert apps.reveal(app.id, users["bob"]) is None              # only the applicant
    assert apps.reveal(app.id, users["admin"]) is None
    secret = apps.reveal(app.id, users["alice"])
    assert secret is not None and secret.startswith("sk-maas-")
    assert apps.reveal(app.id, users["alice"]) is None            # once
    assert not apps.can_reveal(app.id)

    principal = keys.authenticate("Bearer " + secret)
    assert principal.key_id == approved.key_id and principal.user_id == users["alice"]
    assert principal.allows("qwen3:8b") and not principal.allows("llama3:8b") and not principal.allows("bge-m3")
    assert (principal.rpm, principal.tpm, principal.quota_tokens, principal.quota_period) == (10, 5000, 100_000,
                                                                                              "month")
    expires_at = store.cursor().execute("SELECT expires_at FROM api_keys WHERE id = ?",
                                        [approved.key_id]).fetchone()[0]
    assert abs(expires_at - expires.replace(tzinfo=None)) < timedelta(seconds=1)

    with pytest.raises(ApplicationError) as err:                  # approving twice is refused
        apps.approve(app.id, users["admin"])
    assert err.value.field == "status"
    with pytest.raises(ApplicationError):                         # so is rejecting an approved one
        apps.reject(app.id, users["admin"], "changed my mind")

    store.cursor().execute("CHECKPOINT")
    for path in tmp_path.iterdir():                               # the secret is nowhere on disk
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_narrowing_must_stay_within_the_models_asked(apps, users):
    app = apps.submit(users["alice"], form(models=["qwen3:8b"]))
    for models, words in ((["llama3:8b"], "not asked"), ([], "at least one")):
        with pytest.raises(ApplicationError) as err:
            apps.approve(app.id, users["admin"], models=models)
        assert err.value.field == "models" and words in err.value.message
    with pytest.raises(ApplicationError) as err:
        apps.approve(app.id, users["admin"], quota_tokens=10, quota_period="week")
    assert err.value.field == "quota_period"
    with pytest.raises(ApplicationError) as err:
        apps.approve(app.id, users["admin"], rpm=-1)
    assert err.value.field == "rpm"
    for limit in ("rpm", "tpm", "quota_tokens"):           # a limit of 0 would answer 429 forever
        with pytest.raises(ApplicationError) as err:
            apps.approve(app.id, users["admin"], **{limit: 0})
        assert err.value.field == limit and "1 or more" in err.value.message and "1 或更大" in err.value.text("zh")
    assert apps.get(app.id, viewer_id=users["alice"], viewer_is_admin=False).status == "pending"


def test_reject_needs_a_reason_the_applicant_sees(apps, users):
    app = apps.submit(users["alice"], form())
    with pytest.raises(ApplicationError) as err:
        apps.reject(app.id, users["admin"], "  ")
    assert err.value.field == "reason"
    apps.reject(app.id, users["admin"], "请说明具体的研究项目编号。")
    mine = apps.list_for(users["alice"])
    assert [(a.id, a.status, a.reason) for a in mine] == [(app.id, "rejected", "请说明具体的研究项目编号。")]
    assert apps.reveal(app.id, users["alice"]) is None
    with pytest.raises(ApplicationError):
        apps.approve(app.id, users["admin"])


def test_members_cannot_review_or_read_others(apps, users):
    app = apps.submit(users["alice"], form())
    with pytest.raises(PermissionError):
        apps.approve(app.id, users["bob"])
    with pytest.raises(PermissionError):
        apps.approve(app.id, users["alice"])                      # not even their own
    with pytest.raises(PermissionError):
        apps.reject(app.id, users["bob"], "no reason at all")
    with pytest.raises(PermissionError):
        apps.reissue(app.id, users["alice"])
    with pytest.raises(PermissionError):
        apps.get(app.id, viewer_id=users["bob"], viewer_is_admin=False)
    assert apps.get(app.id, viewer_id=users["alice"], viewer_is_admin=False).id == app.id
    assert apps.get(app.id, viewer_id=users["admin"], viewer_is_admin=True).id == app.id
    assert apps.list_for(users["bob"]) == []
    assert [a.id for a in apps.list_for(users["admin"])] == [app.id]
    assert apps.get(app.id, viewer_id=users["alice"], viewer_is_admin=False).status == "pending"


def test_queue_is_oldest_first_and_lists_are_per_user(apps, users):
    first = apps.submit(users["alice"], form(name="first"))
    second = apps.submit(users["bob"], form(name="second"))
    third = apps.submit(users["alice"], form(name="third"))
    assert [a.id for a in apps.queue()] == [first.id, second.id, third.id]
    assert {a.id for a in apps.list_for(users["alice"])} == {first.id, third.id}
    assert {a.id for a in apps.list_for(users["admin"])} == {first.id, second.id, third.id}


def _approved_key(apps, users, keys, models=("qwen3:8b",)) -> tuple[Application, str]:
    app = apps.submit(users["alice"], form(models=list(models)))
    approved = apps.approve(app.id, users["admin"])
    return approved, apps.reveal(app.id, users["alice"])


def test_more_models_request_extends_the_allow_list(apps, users, keys):
    approved, secret = _approved_key(apps, users, keys)
    assert not keys.authenticate("Bearer " + secret).allows("llama3:8b")
    with pytest.raises(ApplicationError) as err:                  # someone else's key
        apps.request_models(users["bob"], approved.key_id, ["llama3:8b"], WHY)
    assert err.value.field == "key_id"
    with pytest.raises(ApplicationError) as err:
        apps.request_models(users["alice"], approved.key_id, ["qwen3:8b"], WHY)
    assert err.value.field == "models"                            # already allowed
    with pytest.raises(ApplicationError) as err:
        apps.request_models(users["alice"], approved.key_id, ["llama3:8b"], "too short")
    assert err.value.field == "reason"

    req = apps.request_models(users["alice"], approved.key_id, ["llama3:8b", "bge-m3"],
                              "需要更多模型来对比实验结果的差异性，以及做检索增强。")
    assert req.kind == "more_models" and req.status == "pending" and req.key_id == approved.key_id
    assert [a.id for a in apps.queue()] == [req.id]
    with pytest.raises(ApplicationError) as err:
        apps.approve(req.id, users["admin"], rpm=5)
    assert err.value.field == "limits"
    done = apps.approve(req.id, users["admin"], models=["llama3:8b"])
    assert done.status == "approved" and done.granted_models == ("llama3:8b",)
    assert apps.reveal(req.id, users["alice"]) is None            # no new secret: the same key
    principal = keys.authenticate("Bearer " + secret)
    assert principal.allows("qwen3:8b") and principal.allows("llama3:8b") and not principal.allows("bge-m3")


def test_reissue_revokes_and_issues_a_new_key(apps, users, keys):
    approved, old_secret = _approved_key(apps, users, keys)
    apps.pending_reveals.clear()                                   # as after a restart
    with pytest.raises(ApplicationError):
        apps.reissue(apps.submit(users["alice"], form()).id, users["admin"])   # pending: nothing to re-issue
    again = apps.reissue(approved.id, users["admin"])
    assert again.key_id != approved.key_id
    new_secret = apps.reveal(approved.id, users["alice"])
    assert new_secret is not None and new_secret != old_secret
    with pytest.raises(AuthenticationError):
        keys.authenticate("Bearer " + old_secret)
    assert keys.authenticate("Bearer " + new_secret).allows("qwen3:8b")


def test_every_admin_action_is_audited_with_before_and_after(apps, users, keys, store):
    approved, secret = _approved_key(apps, users, keys)
    rejected = apps.submit(users["bob"], form())
    apps.reject(rejected.id, users["admin"], "不符合申请条件")
    req = apps.request_models(users["alice"], approved.key_id, ["llama3:8b"], WHY)
    apps.approve(req.id, users["admin"])
    apps.reissue(approved.id, users["admin"])

    entries = audit.AuditLog(store).list(limit=10)
    assert [e.action for e in entries] == ["reissue", "extend", "reject", "approve"]     # newest first
    assert all(e.actor_user_id == users["admin"] and e.target_type == "key_application" for e in entries)
    reissue, extend, reject, approve = entries
    assert approve.target_id == approved.id
    assert approve.before["status"] == "pending" and approve.after["status"] == "approved"
    assert approve.after["key_id"] == approved.key_id and approve.after["granted_models"] == ["qwen3:8b"]
    assert reject.before["status"] == "pending" and reject.after["reason"] == "不符合申请条件"
    assert extend.before["key_models"] == ["qwen3:8b"] and extend.after["key_models"] == ["qwen3:8b", "llama3:8b"]
    assert reissue.before["key_id"] == approved.key_id and reissue.after["revoked_key_id"] == approved.key_id
    assert reissue.after["key_id"] != approved.key_id
    assert [e.action for e in audit.AuditLog(store).list(limit=2, offset=1)] == ["extend", "reject"]
    assert all(secret not in repr(e) for e in entries)
