"""Forwarded addresses count only from the proxies the operator named (MAAS_TRUSTED_PROXIES)."""

from __future__ import annotations

import pytest

from gateway.errors import ConfigError
from gateway.http.proxies import client_address, forwarded_scope
from gateway.settings import load_settings

PROXIES = load_settings([], {"MAAS_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ,::1"}).trusted_proxies


def test_the_setting_takes_addresses_and_networks_and_names_itself_when_bad():
    assert [str(n) for n in PROXIES] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert load_settings([], {}).trusted_proxies == ()
    for bad in ("localhost", "10.0.0.0/33", "127.0.0.1;10.0.0.1"):
        with pytest.raises(ConfigError, match="MAAS_TRUSTED_PROXIES"):
            load_settings([], {"MAAS_TRUSTED_PROXIES": bad})


def test_the_client_is_the_rightmost_address_no_trusted_proxy_added():
    assert client_address("203.0.113.5", "198.51.100.7", PROXIES) == "203.0.113.5"       # not a proxy: its say-so
    assert client_address("127.0.0.1", None, PROXIES) == "127.0.0.1"
    assert client_address("127.0.0.1", "198.51.100.7", PROXIES) == "198.51.100.7"
    assert client_address("127.0.0.1", "198.51.100.7, 203.0.113.9", PROXIES) == "203.0.113.9"   # the left: a lie
    assert client_address("127.0.0.1", "198.51.100.7, 203.0.113.9, 10.1.2.3", PROXIES) == "203.0.113.9"
    assert client_address("127.0.0.1", "10.1.2.3, 10.4.5.6", PROXIES) == "10.1.2.3"       # all proxies: the first
    assert client_address("127.0.0.1", "[2001:db8::1]:443, 203.0.113.9:5000", PROXIES) == "203.0.113.9"
    assert client_address("127.0.0.1", "garbage", PROXIES) == "127.0.0.1"
    assert client_address("127.0.0.1", "198.51.100.7", ()) == "127.0.0.1"                  # none configured


def test_the_scope_gets_the_client_and_scheme_only_from_a_trusted_proxy():
    scope = {"type": "http", "scheme": "http", "client": ("127.0.0.1", 5000),
             "headers": [(b"x-forwarded-for", b"198.51.100.7"), (b"x-forwarded-proto", b"https")]}
    seen = forwarded_scope(scope, PROXIES)
    assert seen["client"][0] == "198.51.100.7" and seen["scheme"] == "https"
    assert scope["client"] == ("127.0.0.1", 5000)                                           # not changed in place
    assert forwarded_scope({**scope, "client": ("203.0.113.5", 1)}, PROXIES)["scheme"] == "http"
    assert forwarded_scope(scope, ()) is scope
