"""Accounts, passwords and sessions against a real DuckDB file: secrets never stored, sign-in throttled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from gateway.accounts import passwords
from gateway.accounts.passwords import check_strength, hash_password, verify_password
from gateway.accounts.sessions import Sessions, hash_token
from gateway.accounts.users import (
    CLIENT_FREE_FAILURES,
    CLIENT_MAX_WAIT_S,
    CLIENT_WINDOW_S,
    FREE_FAILURES,
    WINDOW_S,
    AccountError,
    Accounts,
    SignInThrottled,
)
from gateway.store import open_store

GOOD = "Correct-horse-9"
OTHER = "Battery-staple-7"


class Clock:
    """A monotonic clock the test moves by hand (for the throttle window)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def accounts(store, clock):
    return Accounts(store, clock=clock)


# --- passwords -------------------------------------------------------------------------------

def test_hash_format_and_verify():
    encoded = hash_password(GOOD)
    assert re.fullmatch(r"scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]+", encoded)
    assert encoded != hash_password(GOOD)                      # fresh salt each time
    assert verify_password(GOOD, encoded)
    assert not verify_password(OTHER, encoded)
    assert not verify_password(GOOD, "scrypt$broken")
    assert not verify_password(GOOD, "bcrypt$16384$8$1$AAAA$AAAA")


def test_verify_uses_constant_time_compare(monkeypatch):
    calls = []
    real = passwords.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    assert verify_password(GOOD, hash_password(GOOD))
    assert not verify_password(OTHER, hash_password(GOOD))
    assert len(calls) == 2


def test_strength_messages():
    assert "at least 10" in str(check_strength("Ab1!"))
    assert "one kind" in str(check_strength("abcdefghijkl"))
    assert "one kind" in str(check_strength("12345678901"))
    assert check_strength("abcdefghij1") is None
    assert check_strength(GOOD) is None


# --- first admin and users ---------------------------------------------------------------------

def test_first_admin_from_configured_values(accounts):
    assert accounts.ensure_first_admin("boss", GOOD) is None
    admin = accounts.by_username("boss")
    assert admin.role == "admin" and admin.has_password and not admin.disabled
    assert accounts.authenticate("boss", GOOD, client="c").id == admin.id
    assert accounts.ensure_first_admin("other", OTHER) is None          # an admin exists: nothing happens
    assert [u.username for u in accounts.list_users()] == ["boss"]


def test_first_admin_generated_once(accounts):
    password = accounts.ensure_first_admin(None, None)
    assert password and check_strength(password) is None
    assert accounts.authenticate("admin", password, client="c").role == "admin"
    assert accounts.ensure_first_admin(None, None) is None


def test_first_admin_rejects_a_weak_configured_password(accounts):
    with pytest.raises(AccountError) as err:
        accounts.ensure_first_admin("boss", "short")
    assert "MAAS_ADMIN_PASSWORD" in err.value.message and err.value.field == "password"


@pytest.mark.parametrize("name", ["ab", "x" * 33, "has space", "émile", "semi;colon"])
def test_username_validation(accounts, name):
    with pytest.raises(AccountError) as err:
        accounts.create_user(name, GOOD)
    assert err.value.field == "username" and err.value.message


def test_create_user_rules(accounts):
    user = accounts.create_user("Ada.L", GOOD, display_name="Ada", email="ada@example.org", organisation="Lab")
    assert (user.username, user.role, user.display_name, user.organisation) == ("ada.l", "member", "Ada", "Lab")
    assert accounts.get(user.id) == user and accounts.by_username("ADA.L") == user
    with pytest.raises(AccountError) as err:
        accounts.create_user("ada.l", OTHER)
    assert err.value.field == "username" and "taken" in err.value.message
    with pytest.raises(AccountError) as err:
        accounts.create_user("bob", "weak")
    assert err.value.field == "password"
    with pytest.raises(AccountError) as err:
        accounts.create_user("bob", GOOD, role="root")
    assert err.value.field == "role"
    with pytest.raises(AccountError) as err:
        accounts.create_user("bob", GOOD, email="not-an-address")
    assert err.value.field == "email"


def test_last_admin_cannot_be_demoted_or_disabled(accounts):
    accounts.ensure_first_admin("boss", GOOD)
    boss = accounts.by_username("boss")
    with pytest.raises(AccountError):
        accounts.set_role(boss.id, "member")
    with pytest.raises(AccountError):
        accounts.set_disabled(boss.id, True)
    second = accounts.create_user("deputy", OTHER)
    accounts.set_role(second.id, "admin")
    accounts.set_role(boss.id, "member")
    assert accounts.get(boss.id).role == "member" and accounts.get(second.id).is_admin


# --- signing in ------------------------------------------------------------------------------------

def test_wrong_password_and_unknown_user_read_the_same(accounts):
    accounts.create_user("ada", GOOD)
    with pytest.raises(AccountError) as wrong:
        accounts.authenticate("ada", OTHER, client="c1")
    with pytest.raises(AccountError) as unknown:
        accounts.authenticate("nobody", GOOD, client="c2")
    assert wrong.value.message == unknown.value.message


def test_failures_make_that_client_wait_twice_as_long_each_time_even_for_the_right_password(accounts, clock):
    accounts.create_user("ada", GOOD)
    for _ in range(FREE_FAILURES):
        with pytest.raises(AccountError, match="Wrong username or password"):
            accounts.authenticate("ada", OTHER, client="10.0.0.1")
    with pytest.raises(SignInThrottled, match=r"Too many failed sign-ins; try again in 1 second\.") as waiting:
        accounts.authenticate("ada", GOOD, client="10.0.0.1")          # the right password: refused while waiting
    assert waiting.value.retry_after == 1 and waiting.value.text("zh") == "登录失败次数过多，请 1 秒后再试。"
    assert accounts.authenticate("ada", GOOD, client="10.0.0.2").username == "ada"    # nobody else waits
    for _ in range(FREE_FAILURES):                                       # (that success cleared 10.0.0.2's count)
        with pytest.raises(AccountError, match="Wrong"):
            accounts.authenticate("ada", OTHER, client="10.0.0.2")
    waits = []
    for _ in range(11):                                                  # a guesser: each failure doubles the wait
        with pytest.raises(SignInThrottled) as waiting:
            accounts.authenticate("ada", OTHER, client="10.0.0.1")
        waits.append(waiting.value.retry_after)
        clock.t += waiting.value.retry_after
        with pytest.raises(AccountError, match="Wrong"):
            accounts.authenticate("ada", OTHER, client="10.0.0.1")
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]         # never more than 15 minutes
    with pytest.raises(SignInThrottled, match="try again in 15 minutes") as waiting:
        accounts.authenticate("ada", GOOD, client="10.0.0.1")
    assert waiting.value.text("zh") == "登录失败次数过多，请 15 分钟后再试。"
    clock.t += 15 * 60
    assert accounts.authenticate("ada", GOOD, client="10.0.0.1").username == "ada"
    with pytest.raises(AccountError, match="Wrong"):                     # a success starts the count afresh
        accounts.authenticate("ada", OTHER, client="10.0.0.1")
    assert accounts.authenticate("ada", GOOD, client="10.0.0.1").username == "ada"


def test_failures_are_forgotten_after_the_window(accounts, clock):
    accounts.create_user("ada", GOOD)
    for _ in range(FREE_FAILURES):
        with pytest.raises(AccountError, match="Wrong"):
            accounts.authenticate("ada", OTHER, client="10.0.0.1")
    clock.t += WINDOW_S
    for _ in range(FREE_FAILURES):                                       # five more typing mistakes, no wait
        with pytest.raises(AccountError, match="Wrong"):
            accounts.authenticate("ada", OTHER, client="10.0.0.1")


def test_one_client_guessing_many_names_is_slowed_down_for_at_most_a_minute(accounts, clock):
    accounts.create_user("ada", GOOD)
    for i in range(CLIENT_FREE_FAILURES):
        with pytest.raises(AccountError, match="Wrong"):
            accounts.authenticate(f"guess{i}", OTHER, client="10.0.0.9")
    with pytest.raises(SignInThrottled):
        accounts.authenticate("ada", GOOD, client="10.0.0.9")
    assert accounts.authenticate("ada", GOOD, client="10.0.0.1").username == "ada"   # another client: no wait
    waits = []
    for i in range(10):
        with pytest.raises(SignInThrottled) as waiting:
            accounts.authenticate(f"more{i}", OTHER, client="10.0.0.9")
        waits.append(waiting.value.retry_after)
        clock.t += waiting.value.retry_after
        with pytest.raises(AccountError, match="Wrong"):
            accounts.authenticate(f"more{i}", OTHER, client="10.0.0.9")
    assert waits[:3] == [1, 2, 4] and max(waits) == CLIENT_MAX_WAIT_S
    clock.t += CLIENT_WINDOW_S
    assert accounts.authenticate("ada", GOOD, client="10.0.0.9").username == "ada"


def test_disabled_user_is_refused_and_signed_out(accounts):
    accounts.ensure_first_admin("boss", GOOD)
    ada = accounts.create_user("ada", GOOD)
    token = accounts.sessions.create(ada.id)
    assert accounts.sessions.resolve(token) == ada.id
    accounts.set_disabled(ada.id, True)
    assert accounts.sessions.resolve(token) is None
    with pytest.raises(AccountError, match="disabled"):
        accounts.authenticate("ada", GOOD, client="c")
    accounts.set_disabled(ada.id, False)
    assert accounts.sessions.resolve(token) is None                     # sessions stay ended
    assert accounts.authenticate("ada", GOOD, client="c").id == ada.id


def test_change_password_ends_other_sessions(accounts):
    ada = accounts.create_user("ada", GOOD)
    here, elsewhere = accounts.sessions.create(ada.id), accounts.sessions.create(ada.id)
    with pytest.raises(AccountError) as err:
        accounts.change_password(ada.id, "Wrong-password-1", OTHER, keep_session=here)
    assert err.value.field == "old_password"
    with pytest.raises(AccountError) as err:
        accounts.change_password(ada.id, GOOD, "weak", keep_session=here)
    assert err.value.field == "new_password"
    assert accounts.sessions.resolve(elsewhere) == ada.id
    accounts.change_password(ada.id, GOOD, OTHER, keep_session=here)
    assert accounts.sessions.resolve(here) == ada.id
    assert accounts.sessions.resolve(elsewhere) is None
    with pytest.raises(AccountError):
        accounts.authenticate("ada", GOOD, client="c")
    assert accounts.authenticate("ada", OTHER, client="c").id == ada.id


# --- sessions ----------------------------------------------------------------------------------

def test_sessions_expire_and_revoke(store, accounts):
    ada = accounts.create_user("ada", GOOD)
    now = [accounts.sessions._clock()]
    sessions = Sessions(store, ttl_days=1, clock=lambda: now[0])
    token = sessions.create(ada.id)
    assert sessions.resolve(token) == ada.id and sessions.resolve("nonsense") is None and sessions.resolve("") is None
    now[0] += timedelta(days=1, seconds=1)
    assert sessions.resolve(token) is None
    token = sessions.create(ada.id)
    sessions.revoke(token)
    assert sessions.resolve(token) is None


def test_last_seen_written_at_most_once_a_minute(store, accounts):
    ada = accounts.create_user("ada", GOOD)
    now = [accounts.sessions._clock()]
    sessions = Sessions(store, clock=lambda: now[0])
    token = sessions.create(ada.id)

    def last_seen():
        return store.cursor().execute("SELECT last_seen_at FROM sessions WHERE token_hash = ?",
                                      [hash_token(token)]).fetchone()[0]

    first = last_seen()
    now[0] += timedelta(seconds=30)
    sessions.resolve(token)
    assert last_seen() == first
    now[0] += timedelta(seconds=31)
    sessions.resolve(token)
    assert last_seen() == now[0]


def test_sessions_survive_a_restart_and_nothing_secret_is_stored(db):
    store = open_store(db)
    accounts = Accounts(store)
    generated = accounts.ensure_first_admin(None, None)
    ada = accounts.create_user("ada", GOOD)
    token = accounts.sessions.create(ada.id)
    store.close()

    store = open_store(db)
    try:
        accounts = Accounts(store)
        assert accounts.sessions.resolve(token) == ada.id
        assert accounts.authenticate("admin", generated, client="c").is_admin
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))
    for secret in (GOOD, generated, token):
        assert secret.encode() not in raw
    assert hash_token(token).encode() in raw                              # only the hash is there


# --- OIDC ------------------------------------------------------------------------------------------

def test_oidc_upsert_creates_once_and_makes_usernames_unique(accounts):
    accounts.create_user("ada", GOOD)                                     # a local account holds the name
    first = accounts.upsert_oidc_user("https://idp", "sub-1", "Ada", "ada@example.org", "Ada L.")
    assert first.username == "ada-2" and first.role == "member" and not first.has_password
    assert first.oidc_subject == "sub-1" and first.email == "ada@example.org"
    again = accounts.upsert_oidc_user("https://idp", "sub-1", "someone-else", None, "Ada Lovelace")
    assert again.id == first.id and again.username == "ada-2" and again.display_name == "Ada Lovelace"
    other = accounts.upsert_oidc_user("https://idp", "sub-2", "ada", None, None)
    assert other.username == "ada-3"
    elsewhere = accounts.upsert_oidc_user("https://other-idp", "sub-1", None, "x@example.org", None)
    assert elsewhere.id != first.id and elsewhere.username == "x-user"
    assert len(accounts.list_users()) == 4
    with pytest.raises(AccountError):                                     # no password to sign in with
        accounts.authenticate("ada-2", "", client="c")
    accounts.set_disabled(first.id, True)
    with pytest.raises(AccountError, match="disabled"):
        accounts.upsert_oidc_user("https://idp", "sub-1", "Ada", None, None)


# --- profile fields -------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, label", [
    ("display_name", "D" * 65, "Display name"),
    ("organisation", "机" * 129, "Organisation"),
    ("email", "a" * 250 + "@example.org", "Email"),
    ("email", "not-an-address", "Email"),
], ids=["display_name", "organisation", "email_long", "email_bad"])
def test_profile_fields_are_capped_and_a_refusal_names_the_field(accounts, field, value, label):
    with pytest.raises(AccountError) as err:
        accounts.create_user("capped", GOOD, **{field: value})
    assert err.value.field == field and err.value.message.startswith(f"{label}:")
    assert re.search(r"[\u4e00-\u9fff]", err.value.text("zh"))
    assert accounts.by_username("capped") is None
    at_most = {"display_name": "D" * 64, "organisation": "机" * 128, "email": "a" * 242 + "@example.org"}[field]
    assert getattr(accounts.create_user(f"fits-{field[:5]}", GOOD, **{field: at_most}), field) == at_most


def test_problems_lists_every_refused_field_of_a_new_user(accounts):
    accounts.create_user("taken", GOOD)
    found = accounts.problems("taken", "short", role="boss", display_name="x" * 65, email="nope",
                              organisation="o" * 129)
    assert [e.field for e in found] == ["username", "password", "role", "display_name", "email", "organisation"]
    assert "taken" in found[0].message and "at most 128 characters (now 129)" in found[-1].message
    assert accounts.problems("fresh", GOOD, email="fresh@example.org", organisation="Lab F") == []


def test_an_identity_providers_long_profile_is_cut_not_refused(accounts):
    user = accounts.upsert_oidc_user("https://idp", "sub-long", "longname", "x" * 300 + "@example.org", "N" * 500)
    assert user.display_name == "N" * 64 and user.email is None        # signed in; the profile within the caps
