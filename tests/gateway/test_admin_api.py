"""The admin HTTP API (/admin/v1) against the real gateway process, as an automation script would use it.

One gateway process for this module (its own data dir: it disables users and checks the last admin,
which must not touch the session gateway other modules sign in to). Users and keys are made through
the API itself. Key applications are submitted by members in the workbench UI, so their approval and
rejection are driven in-process (real ``Gateway`` with its DuckDB file, the same router and /v1 app); over
the process only the 404 / validation answers. The last test stops the process and searches the
database for every secret the API returned.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import openai
import pytest

from gateway.http.admin_api import AdminAPI
from tests import aio
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, MASTER_KEY, GatewayProcess
from tests.gateway.conftest import assert_no_internals, error_of

GOOD = "Correct-horse-9"
A = "/admin/v1"


class AdminClient:
    """HTTP calls to one gateway; remembers every secret and password it saw, for the final disk search."""

    def __init__(self, gw: GatewayProcess) -> None:
        self.gw = gw
        self.http = httpx.Client(base_url=gw.url, timeout=30)
        self.secrets: list[str] = [MASTER_KEY, ADMIN_PASSWORD]

    def call(self, method: str, path: str, key: str | None = MASTER_KEY, json: Any = None,
             **kw: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {key}"} if key else {}
        if isinstance(json, dict) and isinstance(json.get("password"), str):
            self.secrets.append(json["password"])
        resp = self.http.request(method, path, json=json, headers=headers, **kw)
        assert_no_internals(resp.text)
        if resp.headers.get("content-type", "").startswith("application/json"):
            body = resp.json()
            if isinstance(body, dict) and isinstance(body.get("secret"), str):
                self.secrets.append(body["secret"])
        return resp

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        resp = self.call(method, path, **kw)
        assert resp.status_code == status, resp.text
        return resp.json()

    def error(self, method: str, path: str, status: int, **kw: Any) -> dict[str, Any]:
        resp = self.call(method, path, **kw)
        assert resp.status_code == status, resp.text
        return error_of(resp.json())

    def user(self, username: str, **fields: Any) -> dict[str, Any]:
        return self.ok("POST", f"{A}/users", 201, json={"username": username, "password": GOOD, **fields})

    def key(self, user_id: str, name: str = "lab key", **fields: Any) -> dict[str, Any]:
        return self.ok("POST", f"{A}/keys", 201, json={"user_id": user_id, "name": name, **fields})

    def models(self, key: str) -> tuple[int, list[str]]:
        """What ``key`` gets on GET /v1/models: the status and the model ids."""
        resp = self.http.get("/v1/models", headers={"authorization": f"Bearer {key}"})
        return resp.status_code, sorted(m["id"] for m in resp.json().get("data", [])) if resp.is_success else []

    def audit(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.ok("GET", f"{A}/audit?limit={limit}")["data"]


@pytest.fixture(scope="module")
def admin(fake_config: Path, tmp_path_factory: pytest.TempPathFactory):
    gw = GatewayProcess(tmp_path_factory.mktemp("admin-gw"), config=fake_config).start()
    client = AdminClient(gw)
    yield client
    client.http.close()
    gw.stop()


@pytest.fixture(scope="module")
def member(admin: AdminClient) -> dict[str, Any]:
    """A member with one key (allowed model: plain): the user, the key and its secret."""
    user = admin.user("member-mia", email="mia@example.org", organisation="Lab M")
    key = admin.key(user["id"], "mia's key", models=["plain"])
    return {"user": user, "key": key, "secret": key["secret"]}


# -- users ------------------------------------------------------------------------------------
def test_create_and_list_users_never_show_password_hashes(admin):
    made = admin.user("dora", email=" dora@example.org ", organisation="Lab D", display_name="Dora D")
    assert made["object"] == "user" and made["id"].startswith("usr_")
    assert {k: made[k] for k in ("username", "display_name", "email", "organisation", "role", "disabled",
                                 "has_password", "sso")} == {
        "username": "dora", "display_name": "Dora D", "email": "dora@example.org", "organisation": "Lab D",
        "role": "member", "disabled": False, "has_password": True, "sso": False}
    resp = admin.call("GET", f"{A}/users")
    assert resp.status_code == 200 and "scrypt" not in resp.text and "password_hash" not in resp.text
    listing = resp.json()
    assert listing["object"] == "list"
    by_name = {u["username"]: u for u in listing["data"]}
    assert by_name["dora"] == made and by_name[ADMIN_USER]["role"] == "admin"

    nopw = admin.ok("POST", f"{A}/users", 201, json={"username": "sso-only", "role": "member"})
    assert nopw["has_password"] is False
    entry = admin.audit()[0]
    assert (entry["actor_user_id"], entry["action"], entry["target_type"], entry["target_id"]) == (
        "master", "create", "user", nopw["id"])


@pytest.mark.parametrize("body, param", [
    ({"username": "x"}, "username"),
    ({"username": "Bad Name!"}, "username"),
    ({"username": ADMIN_USER}, "username"),                               # taken
    ({"username": "weakling", "password": "short"}, "password"),
    ({"username": "boss", "role": "boss"}, "role"),
    ({"username": "mailer", "email": "not-an-address"}, "email"),
    ({"username": "longorg", "organisation": "o" * 129}, "organisation"),
    ({"username": "longname", "display_name": "d" * 65}, "display_name"),
    ({"username": "longmail", "email": "m" * 250 + "@example.org"}, "email"),
    ({"username": 42}, "username"),
    ({"password": GOOD}, "username"),
    ({"username": "extra", "is_admin": True}, "is_admin"),
])
def test_create_user_refusals_name_the_field(admin, body, param):
    err = admin.error("POST", f"{A}/users", 400, json=body)
    assert err["type"] == "invalid_request_error" and err["param"] == param


def test_role_change_password_reset_and_their_audit_entries(admin):
    eve = admin.user("eve")
    eve_key = admin.key(eve["id"], "eve's key")["secret"]
    assert admin.call("GET", f"{A}/users", key=eve_key).status_code == 403

    promoted = admin.ok("PATCH", f"{A}/users/{eve['id']}", json={"role": "admin"})
    assert promoted["role"] == "admin"
    assert admin.call("GET", f"{A}/users", key=eve_key).status_code == 200        # at once: no restart, no wait
    demoted = admin.ok("PATCH", f"{A}/users/{eve['id']}", json={"role": "member"})
    assert demoted["role"] == "member"
    assert error_of(admin.call("GET", f"{A}/users", key=eve_key).json())["code"] == "admin_only"

    admin.ok("PATCH", f"{A}/users/{eve['id']}", json={"password": "Another-horse-77"})
    admin.gw.signed_in("eve", "Another-horse-77").close()                     # the new password signs in
    entries = [e for e in admin.audit() if e["target_id"] == eve["id"]]
    assert [(e["action"], e["actor_user_id"]) for e in entries[:3]] == [
        ("reset_password", "master"), ("set_role", "master"), ("set_role", "master")]
    assert entries[1]["before"]["role"] == "admin" and entries[1]["after"]["role"] == "member"
    assert "Another-horse-77" not in str(entries) and "scrypt" not in str(entries)


@pytest.mark.parametrize("body, param", [
    ({"role": "root"}, "role"),
    ({"disabled": "yes"}, "disabled"),
    ({"password": "short"}, "password"),
    ({"username": "renamed"}, "username"),
    ({}, None),
])
def test_patch_user_refusals_change_nothing(admin, member, body, param):
    err = admin.error("PATCH", f"{A}/users/{member['user']['id']}", 400, json=body)
    assert err["param"] == param
    now = {u["id"]: u for u in admin.ok("GET", f"{A}/users")["data"]}[member["user"]["id"]]
    assert now == member["user"]


def test_unknown_user_is_404(admin):
    err = admin.error("PATCH", f"{A}/users/usr_nobody", 404, json={"role": "admin"})
    assert (err["code"], err["param"]) == ("user_not_found", "id")
    assert admin.error("GET", f"{A}/keys?user_id=usr_nobody", 404)["code"] == "user_not_found"


def test_last_admin_cannot_be_disabled_or_demoted(admin):
    users = admin.ok("GET", f"{A}/users")["data"]
    for other in (u for u in users if u["role"] == "admin" and u["username"] != ADMIN_USER and not u["disabled"]):
        admin.ok("PATCH", f"{A}/users/{other['id']}", json={"role": "member"})
    first = next(u for u in users if u["username"] == ADMIN_USER)
    err = admin.error("PATCH", f"{A}/users/{first['id']}", 400, json={"disabled": True})
    assert err["param"] == "disabled" and "last active administrator" in err["message"]
    err = admin.error("PATCH", f"{A}/users/{first['id']}", 400, json={"role": "member"})
    assert err["param"] == "role"
    assert {u["id"]: u for u in admin.ok("GET", f"{A}/users")["data"]}[first["id"]] == first


def test_an_admin_cannot_disable_themself_and_acts_under_their_own_id(admin):
    boss = admin.user("boss", role="admin")
    boss_key = admin.key(boss["id"], "automation")["secret"]
    err = admin.error("PATCH", f"{A}/users/{boss['id']}", 400, key=boss_key, json={"disabled": True})
    assert err["param"] == "disabled"
    made = admin.ok("POST", f"{A}/users", 201, key=boss_key, json={"username": "made-by-boss"})
    entry = admin.audit()[0]
    assert (entry["actor_user_id"], entry["action"], entry["target_id"]) == (boss["id"], "create", made["id"])
    admin.ok("PATCH", f"{A}/users/{boss['id']}", json={"role": "member"})          # leave one admin again


# -- keys -------------------------------------------------------------------------------------
def test_create_key_secret_shown_once_and_the_key_gets_only_its_models(admin):
    fay = admin.user("fay")
    made = admin.ok("POST", f"{A}/keys", 201, json={
        "user_id": fay["id"], "name": "fay's lab", "models": ["plain", "qwen3:235b"], "rpm": 60, "tpm": 10_000,
        "quota_tokens": 500_000, "quota_period": "month", "expires_at": "2099-01-01T08:00:00+08:00"})
    secret = made.pop("secret")
    assert secret.startswith("sk-maas-") and made["prefix"] == secret[:12]
    assert {k: made[k] for k in ("name", "user_id", "username", "purpose", "models", "state", "rpm", "tpm",
                                 "quota_tokens", "quota_period", "expires_at", "revoked_at")} == {
        "name": "fay's lab", "user_id": fay["id"], "username": "fay", "purpose": "api",
        "models": ["plain", "qwen3:235b"], "state": "active", "rpm": 60, "tpm": 10_000, "quota_tokens": 500_000,
        "quota_period": "month", "expires_at": "2099-01-01T00:00:00+00:00", "revoked_at": None}

    assert admin.models(secret) == (200, ["plain", "qwen3:235b"])
    for path in (f"{A}/keys", f"{A}/keys?user_id={fay['id']}"):
        resp = admin.call("GET", path)
        assert resp.status_code == 200 and secret not in resp.text and '"secret"' not in resp.text
        assert "secret_hash" not in resp.text
    mine = admin.ok("GET", f"{A}/keys?user_id={fay['id']}")["data"]
    assert mine == [made]
    entry = admin.audit()[0]
    assert (entry["actor_user_id"], entry["action"], entry["target_id"]) == ("master", "create", made["id"])
    assert secret not in str(entry)


@pytest.mark.parametrize("change, param", [
    ({"name": "x"}, "name"),
    ({"name": 7}, "name"),
    ({"models": []}, "models"),
    ({"models": ["plain", "gpt-99"]}, "models"),
    ({"models": "plain"}, "models"),
    ({"rpm": -1}, "rpm"),
    ({"rpm": 0}, "rpm"),                 # a limit of 0 would answer 429 forever
    ({"tpm": 0}, "tpm"),
    ({"quota_tokens": 0}, "quota_tokens"),
    ({"tpm": "100"}, "tpm"),
    ({"quota_tokens": 1.5}, "quota_tokens"),
    ({"quota_period": "week"}, "quota_period"),
    ({"expires_at": "tomorrow"}, "expires_at"),
    ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ({"user_id": "usr_nobody"}, "user_id"),
    ({"user_id": None}, "user_id"),
    ({"secret": "sk-maas-mine"}, "secret"),
])
def test_create_key_refusals_name_the_field(admin, member, change, param):
    before = admin.ok("GET", f"{A}/keys")["data"]
    body = {"user_id": member["user"]["id"], "name": "valid name", **change}
    err = admin.error("POST", f"{A}/keys", 400, json={k: v for k, v in body.items() if v is not None})
    assert err["type"] == "invalid_request_error" and err["param"] == param
    if change == {"models": ["plain", "gpt-99"]}:
        assert "gpt-99" in err["message"]
    assert admin.ok("GET", f"{A}/keys")["data"] == before


def test_revoke_takes_effect_at_once_and_is_audited(admin):
    gus = admin.user("gus")
    key = admin.key(gus["id"], "to revoke", models=["plain"])
    assert admin.models(key["secret"]) == (200, ["plain"])           # now cached for 5 s by the key store
    revoked = admin.ok("POST", f"{A}/keys/{key['id']}/revoke")
    assert revoked["state"] == "revoked" and revoked["revoked_at"] is not None and "secret" not in revoked
    resp = admin.http.get("/v1/models", headers={"authorization": f"Bearer {key['secret']}"})
    assert resp.status_code == 401 and error_of(resp.json())["type"] == "authentication_error"
    entry = admin.audit()[0]
    assert (entry["actor_user_id"], entry["action"], entry["target_type"], entry["target_id"]) == (
        "master", "revoke", "api_key", key["id"])
    assert entry["before"]["revoked_at"] is None and entry["after"]["revoked_at"] is not None

    err = admin.error("POST", f"{A}/keys/{key['id']}/revoke", 400)
    assert err["param"] == "key_id" and "already revoked" in err["message"]
    assert admin.error("POST", f"{A}/keys/key_nope/revoke", 404)["code"] == "key_not_found"
    assert admin.error("POST", f"{A}/keys/master/revoke", 404)["code"] == "key_not_found"
    assert admin.models(MASTER_KEY)[0] == 200                          # the master key is not revocable


def test_disabling_a_user_stops_their_keys_at_once(admin):
    hal = admin.user("hal")
    secret = admin.key(hal["id"], "hal's key")["secret"]
    assert admin.models(secret)[0] == 200
    assert admin.ok("PATCH", f"{A}/users/{hal['id']}", json={"disabled": True})["disabled"] is True
    assert admin.models(secret)[0] == 401
    entry = admin.audit()[0]
    assert (entry["actor_user_id"], entry["action"], entry["target_id"]) == ("master", "disable", hal["id"])
    assert entry["before"]["disabled"] is False and entry["after"]["disabled"] is True
    admin.ok("PATCH", f"{A}/users/{hal['id']}", json={"disabled": False})
    assert admin.models(secret)[0] == 200
    assert admin.audit()[0]["action"] == "enable"


def test_admin_routes_are_not_rate_limited_but_the_key_still_is_on_models(admin):
    ivy = admin.user("ivy", role="admin")
    secret = admin.key(ivy["id"], "one per minute", rpm=1)["secret"]
    for _ in range(4):
        assert admin.call("GET", f"{A}/users", key=secret).status_code == 200
    with admin.gw.client(secret, timeout=15) as sdk:
        sdk.chat.completions.create(model="plain", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(openai.RateLimitError):
            sdk.chat.completions.create(model="plain", messages=[{"role": "user", "content": "again"}])
    assert admin.call("GET", f"{A}/audit", key=secret).status_code == 200
    admin.ok("PATCH", f"{A}/users/{ivy['id']}", json={"role": "member"})


# -- authorization on every route -------------------------------------------------------------
ROUTES = [
    ("GET", f"{A}/users", None),
    ("POST", f"{A}/users", {"username": "never-made", "password": GOOD}),
    ("PATCH", f"{A}/users/{{user}}", {"role": "admin"}),
    ("GET", f"{A}/keys", None),
    ("POST", f"{A}/keys", {"user_id": "{user}", "name": "sneaky key"}),
    ("POST", f"{A}/keys/{{key}}/revoke", None),
    ("GET", f"{A}/applications", None),
    ("POST", f"{A}/applications/app_0000/approve", {}),
    ("POST", f"{A}/applications/app_0000/reject", {"reason": "not now"}),
    ("GET", f"{A}/usage", None),
    ("GET", f"{A}/audit", None),
]


def test_the_route_list_covers_every_admin_route():
    routes = {(method, route.path, route.path_regex) for route in AdminAPI(None).router().routes
              if route.include_in_schema for method in route.methods}          # not the 404 / 405 catch-alls
    assert len(routes) == len(ROUTES)
    covered = {(method, path) for method, path, regex in routes
               for m, p, _ in ROUTES if m == method and regex.fullmatch(p.format(user="u", key="k"))}
    assert covered == {(method, path) for method, path, _ in routes}


def _fill(member: dict[str, Any], path: str, body: Any) -> tuple[str, Any]:
    ids = {"user": member["user"]["id"], "key": member["key"]["id"]}
    if isinstance(body, dict):
        body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    return path.format(**ids), body


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_a_member_key_gets_403_on_every_route_and_nothing_changes(admin, member, method, path, body):
    path, body = _fill(member, path, body)
    audit_before = admin.audit(5)
    err = admin.error(method, path, 403, key=member["secret"], json=body)
    assert (err["type"], err["code"]) == ("permission_error", "admin_only")
    assert admin.audit(5) == audit_before
    assert admin.models(member["secret"]) == (200, ["plain"])                 # own key not revoked
    assert {u["id"]: u for u in admin.ok("GET", f"{A}/users")["data"]}[member["user"]["id"]]["role"] == "member"


@pytest.mark.parametrize("method, path, body", ROUTES)
@pytest.mark.parametrize("key", [None, "sk-maas-not-a-real-key"])
def test_no_key_or_a_wrong_key_gets_401_on_every_route(admin, member, method, path, body, key):
    path, body = _fill(member, path, body)
    err = admin.error(method, path, 401, key=key, json=body)
    assert err["type"] == "authentication_error"


def test_unknown_paths_wrong_methods_and_bad_json(admin, member):
    assert admin.error("GET", f"{A}/nothing-here", 404)["code"] == "unknown_route"
    assert admin.error("GET", A, 404)["code"] == "unknown_route"
    resp = admin.call("DELETE", f"{A}/users")
    assert resp.status_code == 405 and set(resp.headers["allow"].split(", ")) == {"GET", "POST"}
    assert error_of(resp.json())["code"] == "method_not_allowed"
    resp = admin.call("GET", f"{A}/users/{member['user']['id']}")
    assert resp.status_code == 405 and resp.headers["allow"] == "PATCH"
    assert admin.error("GET", f"{A}/keys/{member['key']['id']}/revoke", 405)["code"] == "method_not_allowed"
    resp = admin.http.post(f"{A}/users", content=b"{not json", headers={"authorization": f"Bearer {MASTER_KEY}",
                                                                         "content-type": "application/json"})
    assert resp.status_code == 400 and error_of(resp.json())["code"] == "invalid_json"
    resp = admin.http.post(f"{A}/users", content=b"[1, 2]", headers={"authorization": f"Bearer {MASTER_KEY}"})
    assert resp.status_code == 400 and error_of(resp.json())["code"] == "invalid_json"


# -- applications (over the process: listing, 404s and validation) ----------------------------
def test_applications_list_filter_and_unknown_ids(admin):
    assert admin.ok("GET", f"{A}/applications") == {"object": "list", "data": []}
    assert admin.ok("GET", f"{A}/applications?status=pending")["data"] == []
    assert admin.error("GET", f"{A}/applications?status=maybe", 400)["param"] == "status"
    err = admin.error("POST", f"{A}/applications/app_nope/approve", 404, json={"models": ["plain"]})
    assert (err["code"], err["param"]) == ("application_not_found", "id")
    assert admin.error("POST", f"{A}/applications/app_nope/approve", 404)["code"] == "application_not_found"
    assert admin.error("POST", f"{A}/applications/app_nope/reject", 404, json={"reason": "no budget left"})[
        "code"] == "application_not_found"
    assert admin.error("POST", f"{A}/applications/app_nope/reject", 400, json={})["param"] == "reason"
    assert admin.error("POST", f"{A}/applications/app_nope/approve", 400, json={"rpm": -5})["param"] == "rpm"
    err = admin.error("POST", f"{A}/applications/app_nope/approve", 400, json={"rpm": 0})
    assert err["param"] == "rpm" and "1 or more" in err["message"]
    assert admin.error("POST", f"{A}/applications/app_nope/approve", 400, json={"key": "x"})["param"] == "key"


# -- usage and audit ----------------------------------------------------------------------------
def test_usage_dashboard_and_csv(admin, member):
    with admin.gw.client(member["secret"], timeout=15) as sdk:
        sdk.chat.completions.create(model="plain", messages=[{"role": "user", "content": "count me"}])
    today = datetime.now(UTC).date()
    deadline = time.monotonic() + 30
    while True:                                   # the ledger writes in batches every 0.5 s
        usage = admin.ok("GET", f"{A}/usage")
        if "member-mia" in [r["name"] for r in usage["ranking"]["user"]] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert usage["object"] == "usage"
    assert (usage["since"], usage["until"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    assert len(usage["per_day"]) == 30 and usage["per_day"][-1]["day"] == today.isoformat()
    assert usage["totals"]["requests"] >= 1 and usage["totals"]["total_tokens"] > 0, admin.gw.output()[-3000:]
    assert sum(d["total_tokens"] for d in usage["per_day"]) == usage["totals"]["total_tokens"]
    assert "member-mia" in [r["name"] for r in usage["ranking"]["user"]]
    assert "Lab M" in [r["name"] for r in usage["ranking"]["organisation"]]
    assert "plain" in [m["model"] for m in usage["per_model"]]

    since = (today - timedelta(days=2)).isoformat()
    deadline = time.monotonic() + 30
    while True:     # the CSV and the JSON agree on today (usage of earlier tests may still be landing: read again)
        resp = admin.call("GET", f"{A}/usage?since={since}&until={today}&format=csv")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(resp.text)))
        usage = admin.ok("GET", f"{A}/usage")
        if int(rows[-1]["total_tokens"]) == usage["per_day"][-1]["total_tokens"] or time.monotonic() > deadline:
            break
        time.sleep(0.6)
    assert f'filename="usage-{since}-{today}.csv"' in resp.headers["content-disposition"]
    assert [r["day"] for r in rows] == [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert list(rows[0]) == ["day", "requests", "errors", "stopped", "prompt_tokens", "completion_tokens",
                             "reasoning_tokens", "total_tokens"]
    assert int(rows[-1]["total_tokens"]) == usage["per_day"][-1]["total_tokens"]


@pytest.mark.parametrize("query, param", [
    ("since=2026-13-01", "since"),
    ("since=yesterday", "since"),
    ("until=2026/03/01", "until"),
    ("since=2026-03-05&until=2026-03-01", "since"),
    ("since=1900-01-01&until=2026-01-01", "since"),
    ("format=xml", "format"),
])
def test_usage_bad_parameters_name_the_param(admin, query, param):
    assert admin.error("GET", f"{A}/usage?{query}", 400)["param"] == param


def test_audit_is_newest_first_with_limit_and_offset(admin):
    for name in ("audit-a", "audit-b"):
        admin.user(name)
    newest = admin.ok("GET", f"{A}/audit?limit=3")["data"]
    assert len(newest) == 3 and [e["id"] for e in newest] == sorted((e["id"] for e in newest), reverse=True)
    assert newest[0]["after"]["username"] == "audit-b" and newest[1]["after"]["username"] == "audit-a"
    assert datetime.fromisoformat(newest[0]["ts"]).tzinfo is not None
    assert admin.ok("GET", f"{A}/audit?limit=1&offset=1")["data"] == [newest[1]]
    for query, param in (("limit=-1", "limit"), ("limit=lots", "limit"), ("limit=100000", "limit"),
                         ("limit=%C2%B2", "limit"), ("offset=-3", "offset")):
        assert admin.error("GET", f"{A}/audit?{query}", 400)["param"] == param


# -- approve / reject in-process: the real Gateway services, the same router and /v1 app ---------
class InProcess:
    """/admin/v1 (its router in a FastAPI app) and /v1 (the gateway's ASGI app), dispatched as launch.py does, over a
    real opened ``Gateway`` (DuckDB in tmp), called without a socket."""

    def __init__(self, data_dir: Path) -> None:
        from fastapi import FastAPI

        from gateway.http.api import GatewayApp, is_gateway_path
        from tests.app.conftest import opened_gateway

        self.gateway = opened_gateway(data_dir, MAAS_MASTER_KEY=MASTER_KEY)
        routes = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        routes.include_router(AdminAPI(self.gateway).router())
        v1 = GatewayApp(self.gateway)

        async def app(scope, receive, send) -> None:
            await (v1 if is_gateway_path(scope["path"]) else routes)(scope, receive, send)
        self.app = app

    def call(self, method: str, path: str, key: str | None = MASTER_KEY, json: Any = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        headers = {**({"authorization": f"Bearer {key}"} if key else {}), **(headers or {})}

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://gw") as c:
                return await c.request(method, path, json=json, headers=headers)
        return aio.run(go())


@pytest.fixture()
def local(tmp_path):
    proc = InProcess(tmp_path)
    yield proc
    proc.gateway.store.close()


CHAT, EMBED = "qwen2.5-coder:0.5b", "use-multilingual:v3"


def _application(local: InProcess, username: str) -> tuple[str, Any]:
    user = local.gateway.accounts.create_user(username, GOOD)
    app = local.gateway.applications.submit(user.id, {
        "name": "蛋白质结构预测", "contact_name": "王小明", "email": "wang@example.edu.cn", "organisation": "某某大学",
        "phone": "+86 138-0000-0000", "purpose": "用于蛋白质结构预测论文的文献综述与代码辅助，预计每天数百次请求。",
        "models": [CHAT, EMBED]})
    return user.id, app


def test_approve_over_http_narrows_models_sets_limits_and_returns_no_secret(local):
    user_id, app = _application(local, "wang")
    listed = local.call("GET", f"{A}/applications?status=pending").json()["data"]
    assert [a["id"] for a in listed] == [app.id] and listed[0]["models"] == [CHAT, EMBED]
    assert listed[0]["phone"] == "+86 138-0000-0000" and listed[0]["status"] == "pending"

    err = error_of(local.call("POST", f"{A}/applications/{app.id}/approve", json={"models": ["nope"]}).json())
    assert err["param"] == "models"
    resp = local.call("POST", f"{A}/applications/{app.id}/approve", json={
        "models": [CHAT], "rpm": 30, "quota_tokens": 1000, "expires_at": "2099-06-01"})
    assert resp.status_code == 200, resp.text
    assert "sk-maas-" not in resp.text and "secret" not in resp.text
    done = resp.json()
    assert (done["status"], done["granted_models"], done["decided_by"]) == ("approved", [CHAT], "master")
    assert done["limits"] == {"rpm": 30, "tpm": None, "quota_tokens": 1000, "quota_period": "total",
                              "expires_at": "2099-06-01T00:00:00"}
    assert local.call("GET", f"{A}/applications?status=pending").json()["data"] == []
    assert [a["id"] for a in local.call("GET", f"{A}/applications?status=approved").json()["data"]] == [app.id]

    secret = local.gateway.applications.reveal(app.id, user_id)          # the applicant, in the workbench
    models = local.call("GET", "/v1/models", key=secret).json()["data"]
    assert [m["id"] for m in models] == [CHAT]
    entry = local.call("GET", f"{A}/audit?limit=1").json()["data"][0]
    assert (entry["actor_user_id"], entry["action"], entry["target_id"]) == ("master", "approve", app.id)
    assert secret not in str(entry)

    err = error_of(local.call("POST", f"{A}/applications/{app.id}/approve", json={}).json())
    assert err["param"] == "status" and "already approved" in err["message"]


def test_reject_over_http_keeps_the_reason_and_is_audited_under_the_admin(local):
    _, app = _application(local, "liwei")
    admin_user = local.gateway.accounts.by_username("admin")
    admin_key = local.gateway.console.create_key(
        local.gateway.console.actor_for_username("admin"), admin_user.id, "automation", None)[1]
    err = error_of(local.call("POST", f"{A}/applications/{app.id}/reject", key=admin_key, json={"reason": "x"}).json())
    assert err["param"] == "reason"
    resp = local.call("POST", f"{A}/applications/{app.id}/reject", key=admin_key,
                      json={"reason": "请先说明所需的调用量。"})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["reason"]) == ("rejected", "请先说明所需的调用量。")
    entry = local.call("GET", f"{A}/audit?limit=1").json()["data"][0]
    assert (entry["actor_user_id"], entry["action"], entry["target_id"]) == (admin_user.id, "reject", app.id)
    assert error_of(local.call("POST", f"{A}/applications/{app.id}/approve").json())["param"] == "status"


def test_a_services_refusal_is_said_in_chinese_with_accept_language_zh(local):
    zh = {"accept-language": "zh-CN,zh;q=0.9"}
    taken = {"username": "admin", "password": GOOD}
    err = error_of(local.call("POST", f"{A}/users", json=taken, headers=zh).json())
    assert (err["param"], err["code"]) == ("username", "invalid_value") and "已被占用" in err["message"]
    assert "is taken" in error_of(local.call("POST", f"{A}/users", json=taken).json())["message"]       # English
    err = error_of(local.call("POST", f"{A}/users", json={"username": "weakling", "password": "short"},
                              headers=zh).json())
    assert err["param"] == "password" and "密码太短" in err["message"]


def test_the_admin_apis_own_refusals_are_said_in_chinese_too(local):
    zh = {"accept-language": "zh"}
    err = error_of(local.call("POST", f"{A}/users", json={"username": "x", "colour": "red"}, headers=zh).json())
    assert (err["param"], err["code"]) == ("colour", "unknown_field") and "未知字段“colour”" in err["message"]
    err = error_of(local.call("GET", f"{A}/nothing-here", headers=zh).json())
    assert err["code"] == "unknown_route" and "未知的管理接口 GET /admin/v1/nothing-here" in err["message"]
    err = error_of(local.call("GET", f"{A}/usage?format=xml", headers=zh).json())
    assert err["param"] == "format" and err["message"] == "format：须为 json 或 csv。"
    english = error_of(local.call("GET", f"{A}/usage?format=xml").json())["message"]
    assert english == "format: json or csv."


def test_admin_paths_go_to_the_admin_router_and_the_admin_page_to_the_ui():
    from starlette.routing import Match

    from gateway.http.api import is_gateway_path

    router = AdminAPI(None).router()

    def routed(path: str) -> bool:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
        return any(route.matches(scope)[0] is not Match.NONE for route in router.routes)

    assert routed("/admin/v1/users") and routed("/admin/v1") and routed("/admin/v1/nothing-here")
    assert not routed("/admin") and not routed("/admin/v1x")
    assert not is_gateway_path("/admin/v1/users") and not is_gateway_path("/admin/v1")     # /v1 never sees them


def test_dates_in_answers_are_iso_8601():
    from gateway.http.admin_api import _iso

    assert _iso(datetime(2026, 3, 1, 12, 0)) == "2026-03-01T12:00:00+00:00"
    assert _iso(date(2026, 3, 1)) == "2026-03-01"
    assert _iso(None) is None


# -- last: the process stops; nothing secret is on disk, no admin call reached the usage ledger --
def test_zz_no_secret_on_disk_and_no_ledger_rows_from_admin_calls(admin):
    jo = admin.user("joan", password="Secret-pass-8642")
    admin.key(jo["id"], "last key")
    admin.ok("PATCH", f"{A}/users/{jo['id']}", json={"password": "Reset-pass-97531"})
    for path in ("users", "keys", "usage", "audit", "applications"):
        admin.ok("GET", f"{A}/{path}")
    assert admin.gw.stop() == 0
    secrets = [s for s in admin.secrets if s]
    assert len(secrets) >= 6
    data_dir = admin.gw.data_dir
    for path in data_dir.rglob("*"):
        if path.is_file() and "models" not in path.relative_to(data_dir).parts:
            content = path.read_bytes()
            leaked = [s[:12] for s in secrets if s.encode() in content]
            assert not leaked, f"{path.name} holds {leaked}"
    output = admin.gw.output()
    assert not [s[:12] for s in secrets if s in output]

    con = duckdb.connect(str(data_dir / "maas.duckdb"), read_only=True)
    try:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns"
                              " WHERE data_type = 'VARCHAR'").fetchall()
        for table, column in columns:
            for secret in secrets:
                hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE contains("{column}", ?)',
                                   [secret]).fetchone()[0]
                assert hits == 0, f"{table}.{column} holds a secret"
        prefixes = {r[0] for r in con.execute("SELECT prefix FROM api_keys").fetchall()}
        assert all(s[:12] in prefixes for s in secrets if s.startswith("sk-maas-"))     # the scan sees those keys
        endpoints = {r[0] for r in con.execute("SELECT DISTINCT endpoint FROM usage_ledger").fetchall()}
        assert endpoints <= {"chat.completions", "embeddings", "rerank"}, endpoints
        assert con.execute("SELECT count(*) FROM usage_ledger WHERE key_id = 'master'").fetchone()[0] == 0
    finally:
        con.close()



def test_the_gateway_edges_words_are_in_their_catalogue_in_english_and_chinese() -> None:
    """gateway/http says things through gateway/http/messages.py (en and zh with the same codes and fields) or
    through the services' catalogues; no other module of gateway/http writes Chinese itself."""
    import re

    from gateway.http.messages import MESSAGES

    assert not MESSAGES.problems()
    assert all(re.search(r"[\u3400-\u9fff]", text) for text in MESSAGES.tables["zh"].values())
    http = Path(__file__).resolve().parents[2] / "gateway" / "http"
    assert [p.name for p in sorted(http.glob("*.py"))
            if p.name != "messages.py" and re.search(r"[\u3400-\u9fff]", p.read_text(encoding="utf-8"))] == []
