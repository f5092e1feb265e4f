"""The web search fetcher never reaches the gateway's own network: each SSRF case is refused with a reason.

The fetcher runs in-process against the fake web on 127.0.0.1 (tests/fakes/searxng.py) with a
resolver of our own, so names like ``rebind.test`` resolve to 127.0.0.1 without any DNS; refused
URLs must be refused before a connection is made (the fake's hit log shows what was requested).
"""

from __future__ import annotations

import ipaddress
import ssl
import time

import pytest

from gateway.websearch.errors import PageSkipped, Refused
from gateway.websearch.fetch import Fetcher, Page
from shared.urlguard import HostPolicy, not_public
from tests.aio import run
from tests.fakes.dns import TableResolver
from tests.fakes.searxng import ARTICLE_SENTENCE, HUGE_BYTES, serve_tls, start_search_fake

NAMES = {"localhost": ["127.0.0.1"], "rebind.test": ["127.0.0.1"], "pinned.test": ["127.0.0.1"],
         "mixed.test": ["93.184.216.34", "10.1.2.3"], "mapped.test": ["::ffff:127.0.0.1"],
         "cgnat.test": ["100.64.1.1"], "v6local.test": ["fd12:3456::1"]}


class Resolver(TableResolver):
    """Answers from NAMES (no DNS); counts the look-ups so a test can see each name resolved once."""

    names = NAMES


@pytest.fixture(scope="module")
def web():
    fake = start_search_fake()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _clean(web):
    web.reset()


def fetch(url: str, allow=("127.0.0.1",), *, resolver: Resolver | None = None, page_timeout: float = 3.0,
          max_bytes: int = 200_000, verify: ssl.SSLContext | bool = True) -> Page | PageSkipped:
    async def go():
        fetcher = Fetcher(HostPolicy(allow), page_timeout=page_timeout, max_bytes=max_bytes,
                          resolver=resolver or Resolver(), verify=verify)
        try:
            return await fetcher.fetch(url)
        except PageSkipped as skipped:
            return skipped
        finally:
            await fetcher.aclose()
    return run(go())


def refused(result: Page | PageSkipped, *words: str) -> str:
    assert isinstance(result, Refused), result
    for word in words:
        assert word in result.reason, result.reason
    return result.reason


# -- URLs refused before any connection ------------------------------------------------------
@pytest.mark.parametrize("url, words", [
    ("http://10.0.0.1/admin", ["10.0.0.1", "private address"]),
    ("http://192.168.1.1/", ["private address"]),
    ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254", "link-local"]),
    ("http://[::1]:{port}/pages/article.html", ["::1", "loopback"]),
    ("http://127.0.0.2:{port}/pages/article.html", ["loopback"]),          # only 127.0.0.1 is allow-listed
    ("http://0.0.0.0:{port}/pages/article.html", ["unspecified"]),
    ("http://[fd00::1]/", ["unique-local"]),
    ("http://[::ffff:127.0.0.1]:{port}/pages/article.html", ["IPv4-mapped"]),
    ("http://[::ffff:10.0.0.1]/", ["IPv4-mapped"]),
    ("http://224.0.0.1/", ["multicast"]),
    ("http://240.0.0.1/", ["reserved"]),
    ("http://100.64.1.1/", ["not a public address"]),
    ("http://2130706433:{port}/", ["numeric spelling"]),
    ("http://0x7f.1:{port}/", ["numeric spelling"]),
    ("http://localhost:{port}/pages/article.html", ["localhost resolves to 127.0.0.1", "loopback"]),
    ("http://LocalHost.:{port}/pages/article.html", ["localhost resolves to 127.0.0.1"]),
    ("http://rebind.test:{port}/pages/article.html", ["rebind.test resolves to 127.0.0.1"]),
    ("http://mixed.test/", ["mixed.test resolves to 10.1.2.3", "private"]),
    ("http://mapped.test/", ["IPv4-mapped"]),
    ("http://cgnat.test/", ["100.64.1.1"]),
    ("http://v6local.test/", ["unique-local"]),
    ("http://nowhere.test/", ["could not be resolved"]),
    ("ftp://127.0.0.1/file", ["only http and https"]),
    ("file:///etc/passwd", ["only http and https"]),
    ("gopher://127.0.0.1:{port}/", ["only http and https"]),
    ("http://user:secret@127.0.0.1:{port}/pages/article.html", ["credentials"]),
    ("http://:80/", ["no host"]),
])
def test_each_ssrf_case_is_refused_before_connecting(web, url, words):
    refused(fetch(url.format(port=web.port)), *words)
    assert web.hits == []                       # nothing reached the fake web


@pytest.mark.parametrize("path, words", [
    ("/redirect/private", ["redirect", "10.0.0.1", "private"]),
    ("/redirect/metadata", ["169.254.169.254", "link-local"]),
    ("/redirect/localhost", ["localhost resolves to 127.0.0.1"]),
    ("/redirect/rebind", ["rebind.test resolves to 127.0.0.1"]),
    ("/redirect/ftp", ["redirected to a URL that is not fetched", "only http and https"]),
    ("/redirect/credentials", ["credentials"]),
    ("/redirect/loop", ["more than 3 redirects"]),
    ("/redirect/chain-4", ["more than 3 redirects"]),
])
def test_redirects_are_checked_hop_by_hop(web, path, words):
    refused(fetch(f"{web.url}{path}"), *words)
    assert "/pages/article.html" not in web.hits          # the redirect target was never requested


def test_three_redirects_are_followed(web):
    page = fetch(f"{web.url}/redirect/chain-3")
    assert isinstance(page, Page) and ARTICLE_SENTENCE in page.text
    assert page.url.endswith("/pages/article.html")
    assert web.hits == ["/redirect/chain-3", "/redirect/chain-2", "/redirect/chain-1", "/pages/article.html"]


# -- the allow-list ----------------------------------------------------------------------------
def test_without_the_allow_list_the_loopback_fake_is_refused(web):
    refused(fetch(f"{web.url}/pages/article.html", allow=()), "127.0.0.1 is a loopback address")
    assert web.hits == []


@pytest.mark.parametrize("allow, host", [
    (("127.0.0.1",), "127.0.0.1"),
    (("127.0.0.0/8",), "127.0.0.1"),
    (("localhost",), "localhost"),
    (("REBIND.test",), "rebind.test"),
])
def test_the_allow_list_opens_exactly_what_it_names(web, allow, host):
    page = fetch(f"http://{host}:{web.port}/pages/article.html", allow=allow)
    assert isinstance(page, Page) and ARTICLE_SENTENCE in page.text


def test_an_allowed_address_does_not_allow_names_that_resolve_to_it(web):
    refused(fetch(f"http://localhost:{web.port}/pages/article.html", allow=("127.0.0.1", "10.0.0.0/8")),
            "localhost resolves to 127.0.0.1")
    refused(fetch(f"http://rebind.test:{web.port}/pages/article.html", allow=("127.0.0.0/8",)), "rebind.test")


def test_the_name_is_resolved_once_and_the_resolved_address_is_used_with_the_real_host_header(web):
    resolver = Resolver()
    page = fetch(f"http://pinned.test:{web.port}/echo-host", allow=("pinned.test",), resolver=resolver)
    assert isinstance(page, Page)
    assert f"Host header pinned.test:{web.port} to the pinned address" in page.text
    assert resolver.calls == ["pinned.test"]            # httpx never resolved it again


# -- size, type, time --------------------------------------------------------------------------
def test_a_huge_page_is_read_up_to_the_cap_and_the_rest_never_downloaded(web):
    started = time.monotonic()
    page = fetch(f"{web.url}/pages/huge.html", max_bytes=100_000)
    assert isinstance(page, Page) and page.truncated
    assert 90_000 < len(page.text) <= 100_000
    assert time.monotonic() - started < 5
    time.sleep(0.2)
    assert not web.huge["finished"] and web.huge["sent"] < HUGE_BYTES // 4


def test_a_pdf_is_not_a_web_page(web):
    skipped = fetch(f"{web.url}/files/report.pdf")
    assert isinstance(skipped, PageSkipped) and skipped.reason == "not a web page (application/pdf)"


def test_an_error_page_is_skipped_with_its_status(web):
    skipped = fetch(f"{web.url}/pages/missing.html")
    assert isinstance(skipped, PageSkipped) and "HTTP 404" in skipped.reason


def test_a_slow_page_times_out_and_the_deadline_skips_what_is_left(web):
    started = time.monotonic()
    skipped = fetch(f"{web.url}/pages/slow.html", page_timeout=0.5)
    assert isinstance(skipped, PageSkipped) and "did not load within 0.5 s" in skipped.reason
    assert time.monotonic() - started < 3

    async def both():
        fetcher = Fetcher(HostPolicy(["127.0.0.1"]), page_timeout=5, max_bytes=100_000, resolver=Resolver())
        try:
            return await fetcher.fetch_all([f"{web.url}/pages/slow.html", f"{web.url}/pages/article.html"],
                                           deadline=0.5)
        finally:
            await fetcher.aclose()
    started = time.monotonic()
    slow, article = run(both())
    assert time.monotonic() - started < 3
    assert isinstance(slow, PageSkipped) and "search deadline of 0.5 s" in slow.reason
    assert isinstance(article, Page) and ARTICLE_SENTENCE in article.text


# -- TLS with a pinned address -----------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_web(tmp_path_factory):
    """The fake web over HTTPS with a certificate for pinned.test only (and a context trusting it)."""
    with serve_tls(tmp_path_factory.mktemp("tls"), "pinned.test") as served:
        yield served


def test_https_to_a_pinned_address_sends_the_name_as_sni_and_verifies_the_certificate(tls_web):
    port, trust = tls_web
    page = fetch(f"https://pinned.test:{port}/echo-host", allow=("pinned.test",), verify=trust)
    assert isinstance(page, Page), page
    assert f"Host header pinned.test:{port}" in page.text
    # the same address reached as "rebind.test" (allow-listed too): the certificate is checked against that name
    skipped = fetch(f"https://rebind.test:{port}/echo-host", allow=("rebind.test",), verify=trust)
    assert isinstance(skipped, PageSkipped)
    assert skipped.reason == "the TLS certificate of rebind.test could not be verified"


def test_address_classes():
    def why(text):
        return not_public(ipaddress.ip_address(text))
    assert why("8.8.8.8") is None and why("2606:4700:4700::1111") is None
    assert "IPv6 address wrapping" in why("2002:7f00:1::")          # 6to4 around 127.0.0.1
    assert why("255.255.255.255") == "a reserved address"
    assert "link-local" in why("fe80::1")
