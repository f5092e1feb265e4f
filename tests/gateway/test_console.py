"""Console (who may do what, and the audit log) against a real DuckDB file and the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from gateway.accounts import audit
from gateway.accounts.applications import Applications
from gateway.accounts.console import Actor, Console, ConsoleError
from gateway.accounts.keys import KeyStore
from gateway.accounts.users import Accounts
from gateway.errors import AuthenticationError, FormError
from gateway.routing.catalogue import parse_catalogue
from gateway.usage.ledger import Ledger, UsageRow

GOOD = "Correct-horse-9"
DEPLOY = [{"backend": "openai", "base_url": "http://upstream.invalid/v1"}]
D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture()
def keys(store):
    return KeyStore(store)


@pytest.fixture()
def accounts(store):
    return Accounts(store)


@pytest.fixture()
def console(store, accounts, keys):
    catalogue = parse_catalogue({"gateway": {"embedded": {"enabled": False}}, "models": [
        {"id": "qwen3:8b", "deployments": DEPLOY},
        {"id": "llama3:8b", "deployments": DEPLOY},
    ]}, "test.yaml")
    return Console(store, accounts, keys, Applications(store, keys, catalogue))


@pytest.fixture()
def people(accounts):
    """Actors: an admin (root) and two members (alice, bob)."""
    return {name: Actor.of_user(accounts.create_user(name, GOOD, role="admin" if name == "root" else "member"))
            for name in ("root", "alice", "bob")}


def entries(store) -> list[audit.AuditEntry]:
    return audit.list_entries(store, 100)


def issue(console, people, owner: str, name: str = "lab key", **kw):
    """A key for ``owner`` made by root: (KeyInfo, secret)."""
    return console.create_key(people["root"], people[owner].user_id, name, kw.pop("models", ["qwen3:8b"]), **kw)


# -- keys ---------------------------------------------------------------------------------------
def test_a_member_sees_only_their_own_keys(console, people):
    a1, _ = issue(console, people, "alice", "alice one")
    a2, _ = issue(console, people, "alice", "alice two")
    b1, _ = issue(console, people, "bob")
    assert {k.id for k in console.my_keys(people["alice"])} == {a1.id, a2.id}
    assert [k.id for k in console.my_keys(people["bob"])] == [b1.id]
    with pytest.raises(PermissionError):
        console.all_keys(people["alice"])
    assert {k.id for k in console.all_keys(people["root"])} == {a1.id, a2.id, b1.id}
    assert [k.id for k in console.all_keys(people["root"], people["bob"].user_id)] == [b1.id]


def test_a_member_cannot_revoke_anothers_key_and_nothing_changes(console, people, keys, store):
    key, secret = issue(console, people, "bob")
    before = entries(store)
    with pytest.raises(ConsoleError) as err:
        console.revoke_key(people["alice"], key.id)
    assert err.value.field == "key_id" and "No such key" in err.value.message   # no hint that it exists
    assert keys.get(key.id).revoked_at is None
    assert keys.authenticate("Bearer " + secret).key_id == key.id
    assert entries(store) == before


def test_a_member_revokes_their_own_key(console, people, keys):
    key, secret = issue(console, people, "alice")
    keys.authenticate("Bearer " + secret)
    revoked = console.revoke_key(people["alice"], key.id)
    assert revoked.state() == "revoked"
    with pytest.raises(AuthenticationError):
        keys.authenticate("Bearer " + secret)
    with pytest.raises(ConsoleError) as err:
        console.revoke_key(people["alice"], key.id)
    assert err.value.field == "key_id" and "already revoked" in err.value.message


def test_an_admin_revoke_is_audited_with_before_and_after(console, people, keys, store):
    key, secret = issue(console, people, "bob")
    keys.authenticate("Bearer " + secret)                  # cached for 5 s: revoking must drop the cache
    console.revoke_key(people["root"], key.id)
    with pytest.raises(AuthenticationError):
        keys.authenticate("Bearer " + secret)
    entry = entries(store)[0]
    assert (entry.actor_user_id, entry.action, entry.target_type, entry.target_id) == (
        people["root"].user_id, "revoke", "api_key", key.id)
    assert entry.before["revoked_at"] is None and entry.after["revoked_at"] is not None
    assert entry.before["user_id"] == people["bob"].user_id
    assert secret not in str(entry)


def test_the_master_key_and_workbench_keys_cannot_be_revoked(console, people, keys):
    keys.ensure_master("sk-test-master-key-0123456789")
    for actor in (people["root"], Actor.master()):
        with pytest.raises(ConsoleError) as err:
            console.revoke_key(actor, "master")
        assert err.value.field == "key_id"
    assert keys.authenticate("Bearer sk-test-master-key-0123456789").is_master
    keys.workbench_key(people["alice"].user_id)
    workbench = next(k for k in console.my_keys(people["alice"]) if k.purpose == "workbench")
    with pytest.raises(ConsoleError) as err:
        console.revoke_key(people["root"], workbench.id)
    assert "disable the user instead" in err.value.message


@pytest.mark.parametrize("change, field, words", [
    ({"name": "x"}, "name", "Key name"),
    ({"name": "  "}, "name", "Key name"),
    ({"name": "长" * 65}, "name", "Key name"),
    ({"models": []}, "models", "Models"),
    ({"models": ["qwen3:8b", "gpt-99"]}, "models", "gpt-99"),
    ({"quota_period": "week"}, "quota_period", "quota_period"),
    ({"expires_at": datetime(2001, 1, 1)}, "expires_at", "expires_at"),
    ({"rpm": -1}, "rpm", "rpm"),
    ({"rpm": 0}, "rpm", "1 or more"),     # a limit of 0 would answer 429 forever
    ({"tpm": 0}, "tpm", "tpm"),
    ({"quota_tokens": 0}, "quota_tokens", "quota_tokens"),
    ({"tpm": "lots"}, "tpm", "tpm"),
    ({"quota_tokens": True}, "quota_tokens", "quota_tokens"),
    ({"user_id": "usr_nobody"}, "user_id", "User"),
])
def test_create_key_refusals_name_the_field(console, people, keys, change, field, words):
    args = {"user_id": people["alice"].user_id, "name": "lab key", "models": ["qwen3:8b"], **change}
    with pytest.raises(ConsoleError) as err:
        console.create_key(people["root"], args.pop("user_id"), args.pop("name"), args.pop("models"), **args)
    assert err.value.field == field and words in err.value.message
    assert keys.list_keys() == []


def test_create_key_is_admin_only_audited_and_takes_aware_expiry(console, people, keys, store):
    with pytest.raises(PermissionError):
        console.create_key(people["alice"], people["alice"].user_id, "self-made", None)
    expires = datetime.now(timezone(timedelta(hours=8))) + timedelta(days=30)
    key, secret = console.create_key(people["root"], people["alice"].user_id, "lab", ["llama3:8b", "llama3:8b"],
                                     rpm=10.0, quota_tokens=1000, expires_at=expires)
    assert key.models == ("llama3:8b",) and key.rpm == 10 and key.quota_period == "total"
    assert abs(key.expires_at - expires.astimezone(UTC).replace(tzinfo=None)) < timedelta(seconds=1)
    principal = keys.authenticate("Bearer " + secret)
    assert principal.allows("llama3:8b") and not principal.allows("qwen3:8b")
    entry = entries(store)[0]
    assert (entry.actor_user_id, entry.action, entry.target_id) == (people["root"].user_id, "create", key.id)
    assert secret not in str(entry) and entry.before is None


# -- users --------------------------------------------------------------------------------------
def test_user_management_is_admin_only(console, people):
    for call, args in ((console.users, ()), (console.create_user, ("mallory", GOOD)),
                       (console.set_role, (people["alice"].user_id, "admin")),
                       (console.set_disabled, (people["bob"].user_id, True)),
                       (console.reset_password, (people["bob"].user_id, "Brand-new-pass-1"))):
        with pytest.raises(PermissionError):
            call(people["alice"], *args)
    assert console.accounts.get(people["alice"].user_id).role == "member"
    assert not console.accounts.get(people["bob"].user_id).disabled
    assert console.accounts.by_username("mallory") is None


def test_an_admin_cannot_disable_themself(console, people, store):
    with pytest.raises(ConsoleError) as err:
        console.set_disabled(people["root"], people["root"].user_id, True)
    assert err.value.field == "disabled" and "your own account" in err.value.message
    assert not console.accounts.get(people["root"].user_id).disabled
    assert entries(store) == []


def test_the_last_admin_cannot_be_disabled_or_demoted_even_by_the_master_key(console, people):
    root = people["root"].user_id
    with pytest.raises(ConsoleError) as err:
        console.set_disabled(Actor.master(), root, True)
    assert err.value.field == "disabled" and "last active administrator" in err.value.message
    with pytest.raises(FormError) as err:
        console.set_role(Actor.master(), root, "member")
    assert err.value.field == "role"
    console.set_role(Actor.master(), people["bob"].user_id, "admin")
    assert console.set_disabled(Actor.master(), root, True).disabled


def test_disabling_a_user_stops_their_keys_at_once_and_is_audited(console, people, keys, store):
    _, secret = issue(console, people, "alice")
    keys.authenticate("Bearer " + secret)
    after = console.set_disabled(people["root"], people["alice"].user_id, True)
    assert after.disabled and console.actor_for_username("alice") is None
    with pytest.raises(AuthenticationError):
        keys.authenticate("Bearer " + secret)
    entry = entries(store)[0]
    assert (entry.actor_user_id, entry.action, entry.target_id) == (
        people["root"].user_id, "disable", people["alice"].user_id)
    assert entry.before["disabled"] is False and entry.after["disabled"] is True
    console.set_disabled(people["root"], people["alice"].user_id, False)
    assert keys.authenticate("Bearer " + secret).user_id == people["alice"].user_id
    assert entries(store)[0].action == "enable"


def test_roles_passwords_and_new_users_are_audited_under_the_actor(console, people, accounts, store):
    made = console.create_user(Actor.master(), "carol", None, email="carol@example.org", organisation="Lab C")
    assert not made.has_password
    console.set_role(people["root"], made.id, "admin")
    console.set_role(people["root"], made.id, "admin")            # no change: no entry
    console.reset_password(people["root"], made.id, "Brand-new-pass-1")
    assert accounts.authenticate("carol", "Brand-new-pass-1", client="test").id == made.id
    got = [(e.actor_user_id, e.action, e.target_id) for e in entries(store)]
    assert got == [(people["root"].user_id, "reset_password", made.id), (people["root"].user_id, "set_role", made.id),
                   ("master", "create", made.id)]
    assert "Brand-new-pass-1" not in str(entries(store)) and "scrypt" not in str(entries(store))


def test_actors_of_keys(console, people, keys):
    keys.ensure_master("sk-test-master-key-0123456789")
    assert console.actor_for_key(keys.authenticate("Bearer sk-test-master-key-0123456789")) == Actor.master()
    _, secret = issue(console, people, "alice")
    actor = console.actor_for_key(keys.authenticate("Bearer " + secret))
    assert actor == Actor(people["alice"].user_id, "alice", False)
    _, ownerless = keys.create("script")
    assert console.actor_for_key(keys.authenticate("Bearer " + ownerless)) is None


# -- usage, release notes, audit log --------------------------------------------------------------
def _row(i: int, ts: datetime, key_id: str, total: int) -> UsageRow:
    return UsageRow(ts=ts, request_id=f"r{i}", key_id=key_id, endpoint="chat.completions", model="qwen3:8b",
                    deployment="d", prompt_tokens=total - 1, completion_tokens=1, reasoning_tokens=None,
                    total_tokens=total, usage_source="upstream", status=200, error_code=None, stream=False,
                    latency_ms=1.0, ttft_ms=None, client_aborted=False)


def test_usage_is_scoped_to_the_members_own_keys(console, people, store):
    alice_key, _ = issue(console, people, "alice")
    bob_key, _ = issue(console, people, "bob")
    ledger = Ledger(store)
    for i, (ts, key, total) in enumerate([(datetime(2026, 3, 1, 9), alice_key.id, 100),
                                          (datetime(2026, 3, 2, 9), alice_key.id, 20),
                                          (datetime(2026, 3, 2, 10), bob_key.id, 4000)]):
        ledger.record(_row(i, ts, key, total))
    assert ledger.flush() == 3

    alice = console.usage(people["alice"], D1, D3)
    assert alice["totals"]["requests"] == 2 and alice["totals"]["total_tokens"] == 120
    assert [d["total_tokens"] for d in alice["per_day"]] == [100, 20, 0]
    assert [r["name"] for r in alice["ranking"]["user"]] == []            # the ranking is of the last day (D3)
    bob_view = console.usage(people["bob"], D2, D2)
    assert bob_view["totals"]["total_tokens"] == 4000 and [r["name"] for r in bob_view["ranking"]["user"]] == ["bob"]

    everyone = console.usage(people["root"], D1, D3)
    assert everyone["totals"]["total_tokens"] == 4120
    assert console.usage(Actor.master(), D1, D3)["totals"] == everyone["totals"]
    assert console.usage(people["root"], D1, D3, everyone=False)["totals"]["requests"] == 0    # root's own keys
    assert console.usage(people["alice"], D1, D3, everyone=True)["totals"]["total_tokens"] == 120
    with pytest.raises(ConsoleError) as err:
        console.usage(people["alice"], D3, D1)
    assert err.value.field == "since"


def test_release_notes_are_admin_only_and_audited(console, people, store):
    with pytest.raises(PermissionError):
        console.add_release_note(people["alice"], change="added", model_id="qwen3:8b", title="Qwen3 8B is here")
    assert console.release_notes.list() == []
    note = console.add_release_note(people["root"], change="added", model_id="qwen3:8b", title="Qwen3 8B is here")
    with pytest.raises(PermissionError):
        console.delete_release_note(people["bob"], note.id)
    assert [n.id for n in console.release_notes.list()] == [note.id]
    entry = entries(store)[0]
    assert (entry.actor_user_id, entry.action, entry.target_type) == (people["root"].user_id, "create",
                                                                      "release_note")
    console.delete_release_note(people["root"], note.id)
    assert console.release_notes.list() == [] and entries(store)[0].action == "delete"


def test_the_audit_log_is_admin_only_and_newest_first(console, people):
    issue(console, people, "alice")
    console.set_role(people["root"], people["bob"].user_id, "admin")
    with pytest.raises(PermissionError):
        console.audit_log(people["alice"])
    log = console.audit_log(people["root"])
    assert [e.action for e in log] == ["set_role", "create"]
    assert [e.action for e in console.audit_log(Actor.master(), limit=1, offset=1)] == ["create"]
