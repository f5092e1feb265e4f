"""OpenID Connect sign-in against a real (small) provider on loopback: discovery, PKCE, signed ID tokens."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gateway.accounts.oidc import LoginState, OIDCClient, OIDCConfig, OIDCError, PendingLogins, pkce_challenge
from tests.aio import run
from tests.fakes.oidc_provider import start_oidc_provider

REDIRECT = "http://127.0.0.1:7860/auth/callback"



@pytest.fixture(scope="module")
def provider():
    idp = start_oidc_provider(redirect_uris=(REDIRECT,))
    yield idp
    idp.stop()


@pytest.fixture
def idp(provider):
    provider.reset()
    yield provider
    provider.reset()


def config(idp, **overrides) -> OIDCConfig:
    return OIDCConfig(**{"issuer": idp.issuer, "client_id": idp.client_id, "client_secret": idp.client_secret,
                         "redirect_uri": REDIRECT, **overrides})


async def authorize(url: str) -> dict[str, str]:
    """What a browser does: GET the authorization URL, take the query of the redirect back to us."""
    async with httpx.AsyncClient(trust_env=False) as browser:
        resp = await browser.get(url, follow_redirects=False)
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def sign_in(cfg: OIDCConfig, *, pending: PendingLogins | None = None, before=None):
    pending = pending or PendingLogins()
    async with OIDCClient(cfg) as client:
        url = await client.login_url(pending)
        params = await authorize(url)
        if before is not None:
            before(client)
        return await client.finish(params, pending)


def fails(idp, cfg=None, **kwargs) -> str:
    with pytest.raises(OIDCError) as err:
        run(sign_in(cfg or config(idp), **kwargs))
    message = str(err.value)
    assert idp.client_secret not in message
    for token in idp.issued_tokens:
        assert token not in message and token.split(".")[1] not in message
    return message


def test_round_trip_returns_the_identity(idp):
    identity = run(sign_in(config(idp)))
    assert (identity.issuer, identity.subject) == (idp.issuer, "u-12345")
    assert (identity.username_hint, identity.email, identity.name) == ("ada", "ada@example.edu", "Ada Lovelace")
    assert identity.email_verified is True
    sent = idp.token_requests[-1]
    assert sent["auth_method"] == "client_secret_basic" and sent["code_verifier"]
    assert 43 <= len(sent["code_verifier"]) <= 128


def test_authorization_url_carries_pkce_state_and_nonce(idp):
    async def go():
        async with OIDCClient(config(idp)) as client:
            await client.discover()
            return client.start()

    url, login = run(go())
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(idp.issuer + "/authorize?")
    assert q["response_type"] == "code" and q["client_id"] == idp.client_id and q["redirect_uri"] == REDIRECT
    assert q["scope"] == "openid profile email" and q["code_challenge_method"] == "S256"
    assert q["state"] == login.state and q["nonce"] == login.nonce
    assert q["code_challenge"] == pkce_challenge(login.code_verifier) != login.code_verifier
    assert login.code_verifier not in url


def test_client_secret_post_when_basic_is_not_offered(idp):
    idp.auth_methods = ("client_secret_post",)
    assert run(sign_in(config(idp))).subject == "u-12345"
    assert idp.token_requests[-1]["auth_method"] == "client_secret_post"


def test_es256_tokens_are_accepted(idp):
    idp.alg = "ES256"
    assert run(sign_in(config(idp))).username_hint == "ada"


def test_key_rotation_refetches_the_key_set_once(idp):
    def rotate_next(client):
        idp.fault = "rotate"  # the client has the old key set cached; the token comes with a new kid

    assert run(sign_in(config(idp), before=rotate_next)).subject == "u-12345"
    assert idp.jwks_fetches == 2


def test_an_unknown_kid_refetches_only_once(idp):
    idp.fault = "unknown_kid"
    assert "does not publish" in fails(idp)
    assert idp.jwks_fetches == 2


@pytest.mark.parametrize(("fault", "words"), [
    ("wrong_issuer", "another issuer"),
    ("wrong_audience", "audience"),
    ("multi_audience", "authorized party"),
    ("expired", "expired"),
    ("bad_signature", "signature does not verify"),
    ("nonce_mismatch", "nonce"),
    ("access_denied", "did not sign you in: access_denied (The user declined)"),
    ("unknown_kid", "does not publish"),
    ("alg_none", "'none'"),
    ("hs256", "'HS256'"),
    ("discovery_wrong_issuer", "check the issuer URL"),
    ("foreign_token_endpoint", "not on the issuer's host"),
    ("no_id_token", "no ID token"),
])
def test_faults_are_refused_with_a_readable_message(idp, fault, words):
    idp.fault = fault
    message = fails(idp)
    assert words in message, message


def test_provider_refuses_a_wrong_code_verifier(idp):
    async def go():
        pending = PendingLogins()
        async with OIDCClient(config(idp)) as client:
            url = await client.login_url(pending)
            params = await authorize(url)
            async with httpx.AsyncClient(trust_env=False) as http:
                direct = await http.post(idp.issuer + "/token", auth=(idp.client_id, idp.client_secret), data={
                    "grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT,
                    "code_verifier": "x" * 64})
            assert direct.status_code == 400 and direct.json()["error"] == "invalid_grant"
            # and through the client: a login whose verifier does not match the challenge
            url = await client.login_url(pending)
            params = await authorize(url)
            login = pending.pop(params["state"])
            pending.add(dataclasses.replace(login, code_verifier="y" * 64))
            with pytest.raises(OIDCError, match="refused the sign-in code: invalid_grant"):
                await client.finish(params, pending)

    run(go())


def test_state_is_single_use_and_checked(idp):
    async def go():
        pending = PendingLogins()
        async with OIDCClient(config(idp)) as client:
            params = await authorize(await client.login_url(pending))
            assert (await client.finish(params, pending)).subject == "u-12345"
            with pytest.raises(OIDCError, match="already used"):
                await client.finish(params, pending)
            params = await authorize(await client.login_url(pending))
            with pytest.raises(OIDCError, match="already used"):
                await client.finish({**params, "state": "forged"}, pending)
            with pytest.raises(OIDCError, match="no state"):
                await client.finish({"code": params["code"]}, pending)

    run(go())


def test_pending_logins_expire_after_ten_minutes():
    now = [1000.0]
    pending = PendingLogins(clock=lambda: now[0])
    pending.add(LoginState("a", "n", "v", created_at=now[0]))
    pending.add(LoginState("b", "n", "v", created_at=now[0]))
    now[0] += 599
    assert pending.pop("a") is not None and pending.pop("a") is None
    now[0] += 2
    assert pending.pop("b") is None and len(pending) == 0


def test_expired_state_is_refused(idp):
    async def go():
        pending = PendingLogins(ttl=600)
        async with OIDCClient(config(idp)) as client:
            await client.discover()
            url, login = client.start()
            pending.add(dataclasses.replace(login, created_at=login.created_at - 601))
            params = await authorize(url)
            with pytest.raises(OIDCError, match="expired"):
                await client.finish(params, pending)

    run(go())


def test_the_code_only_works_once_at_the_provider(idp):
    async def go():
        pending = PendingLogins()
        async with OIDCClient(config(idp)) as client:
            params = await authorize(await client.login_url(pending))
            login = pending.pop(params["state"])
            pending.add(login)
            await client.finish(params, pending)
            pending.add(login)  # even if the state were replayed, the provider refuses the used code
            with pytest.raises(OIDCError, match="invalid_grant"):
                await client.finish(params, pending)

    run(go())


def test_wrong_client_secret_is_refused(idp):
    message = fails(idp, config(idp, client_secret="wrong"))
    assert "invalid_client" in message and "wrong" not in message.replace("invalid_client", "")


def test_plain_http_issuer_only_on_loopback():
    with pytest.raises(OIDCError, match="https"):
        OIDCClient(OIDCConfig("http://idp.example.org", "c", "s", REDIRECT))
    with pytest.raises(OIDCError, match="https"):
        OIDCClient(OIDCConfig("ftp://idp.example.org", "c", "s", REDIRECT))
    OIDCClient(OIDCConfig("https://idp.example.org/realms/uni", "c", "s", REDIRECT))


def test_unreachable_provider_gives_a_readable_error():
    from tests.conftest import free_port

    cfg = OIDCConfig(f"http://127.0.0.1:{free_port()}", "c", "secret-xyz", REDIRECT)

    async def go():
        async with OIDCClient(cfg) as client:
            await client.discover()

    with pytest.raises(OIDCError, match="Could not reach the identity provider") as err:
        run(go())
    assert "secret-xyz" not in str(err.value)


def test_start_before_discovery_is_an_oidc_error():
    with pytest.raises(OIDCError, match="not ready"):
        OIDCClient(OIDCConfig("https://idp.example.org", "c", "s", REDIRECT)).start()


def test_secret_is_not_in_the_config_repr():
    assert "s3cr" not in repr(OIDCConfig("https://idp.example.org", "c", "s3cr3t", REDIRECT))
