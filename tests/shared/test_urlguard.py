"""The shared URL guard as the workbench uses it for a server it will connect to: ``check_url`` refuses in en and
zh naming the field, or pins the address; ``PinnedTransport`` keeps a client on that server and address.

Names resolve through a resolver of our own (no DNS): ``pinned.test`` and ``rebind.test`` are 127.0.0.1, where the
fake web (tests/fakes/searxng.py, its hit log shows what was requested) and a real MCP server listen. The web
search fetcher's own cases are in tests/gateway/test_ssrf.py.
"""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
import uvicorn

from shared.messages import Catalogue
from shared.urlguard import HostPolicy, PinnedTransport, UrlRefused, check_url
from shared.urlguard.messages import MESSAGES
from tests.aio import run
from tests.fakes.dns import TableResolver
from tests.fakes.searxng import serve_tls, start_search_fake
from tests.fakes.upstream import _listen

CJK = re.compile(r"[\u3400-\u9fff]")
NAMES = {"pinned.test": ["127.0.0.1"], "rebind.test": ["127.0.0.1"], "public.test": ["93.184.216.34", "2606:4700::1"],
         "mixed.test": ["93.184.216.34", "10.1.2.3"], "odd.test": ["not-an-address"], "empty.test": []}


class Resolver(TableResolver):
    """Answers from NAMES (no DNS); counts the look-ups."""

    names = NAMES


def check(url: str, allow=(), resolver: Resolver | None = None):
    """``check_url``'s answer: the ``Pinned`` address or the ``UrlRefused``."""
    async def go():
        try:
            return await check_url(url, HostPolicy(allow), resolver=resolver or Resolver(), field="url")
        except UrlRefused as refused:
            return refused
    return run(go())


@pytest.mark.parametrize("url, code, kind", [
    ("https://10.0.0.1/mcp", "url.address", "address.private"),
    ("http://169.254.169.254/latest/meta-data/", "url.address", "address.link_local"),
    ("http://[::1]:8000/mcp", "url.address", "address.loopback"),
    ("http://[::ffff:10.0.0.1]/mcp", "url.address", "address.ipv4_mapped"),
    ("http://[2002:7f00:1::]/mcp", "url.address", "address.wrapped"),
    ("http://[fd00::1]/", "url.address", "address.unique_local"),
    ("http://0.0.0.0:8000/", "url.address", "address.unspecified"),
    ("http://224.0.0.1/", "url.address", "address.multicast"),
    ("http://240.0.0.1/", "url.address", "address.reserved"),
    ("http://100.64.1.1/", "url.address", "address.not_global"),
    ("https://rebind.test/mcp", "url.resolves_to", "address.loopback"),
    ("https://mixed.test/mcp", "url.resolves_to", "address.private"),
    ("https://odd.test/mcp", "url.resolves_to", "address.not_ip"),
    ("https://empty.test/mcp", "url.no_address", None),
    ("https://nowhere.test/mcp", "url.unresolved", None),
    ("http://2130706433/", "url.numeric_host", None),
    ("ws://public.test/mcp", "url.scheme", None),
    ("public.test/mcp", "url.no_scheme", None),
    ("https://user:secret@public.test/mcp", "url.credentials", None),
    ("http://:80/", "url.no_host", None),
    ("http://[::1/", "url.invalid", None),
])
def test_each_refusal_has_its_code_names_the_field_and_is_said_in_english_and_chinese(url, code, kind):
    refused = check(url)
    assert isinstance(refused, UrlRefused), refused
    assert (refused.code, refused.field) == (code, "url")
    if kind:
        assert refused.fields["kind"].code == kind
    english, chinese = refused.text("en"), refused.text("zh")
    assert english == refused.message == str(refused)
    assert CJK.search(chinese) and "{" not in chinese and not CJK.search(english)
    assert "secret" not in english + chinese


def test_the_web_search_words_are_the_english():
    assert check("http://10.0.0.1/").message == "10.0.0.1 is a private address"
    assert check("https://rebind.test/").message == "rebind.test resolves to 127.0.0.1, a loopback address"
    assert check("https://rebind.test/").text("zh") == "rebind.test 解析到 127.0.0.1（回环地址）"
    assert check("ftp://public.test/").message == "only http and https URLs are fetched, not ftp:"


def test_every_message_is_in_english_and_chinese_with_the_same_fields():
    assert not MESSAGES.problems()
    assert all(CJK.search(text) for text in MESSAGES.tables["zh"].values())


def test_a_refusal_fills_a_sentence_of_the_callers_own_in_its_language():
    own = Catalogue({"server_url": "Server URL: {why}. Ask an administrator to allow it."},
                    {"server_url": "服务器地址：{why}。请联系管理员放行。"})
    why = check("https://mixed.test/mcp").reason()
    assert own.render("server_url", "zh", {"why": why}) == ("服务器地址：mixed.test 解析到 10.1.2.3（私有地址）。"
                                                            "请联系管理员放行。")
    assert own.render("server_url", "en", {"why": why}).startswith("Server URL: mixed.test resolves to 10.1.2.3, a")


@pytest.mark.parametrize("url, allow, address, port", [
    ("https://public.test/mcp", (), "93.184.216.34", 443),              # a public name: its first address
    ("http://93.184.216.34:8080/mcp", (), "93.184.216.34", 8080),
    ("http://[2606:4700::1]/mcp", (), "2606:4700::1", 80),
    ("http://pinned.test:9000/mcp", ("PINNED.test",), "127.0.0.1", 9000),    # an allow-listed name
    ("http://10.20.3.4/mcp", ("10.20.0.0/16",), "10.20.3.4", 80),           # an allow-listed network
])
def test_a_url_that_passes_is_pinned_to_the_address_resolved_once(url, allow, address, port):
    resolver = Resolver()
    pinned = check(url, allow, resolver)
    assert (pinned.address, pinned.port, str(pinned.url)) == (address, port, url)
    assert len(resolver.calls) <= 1


def test_an_allowed_network_does_not_open_names_that_resolve_into_it():
    assert check("http://rebind.test/mcp", ("127.0.0.0/8",)).code == "url.resolves_to"


# -- PinnedTransport: one server, one address ---------------------------------------------------
@pytest.fixture(scope="module")
def web():
    fake = start_search_fake()
    yield fake
    fake.stop()


def test_the_transport_sends_every_request_to_the_pinned_address_with_the_real_host(web):
    resolver = Resolver()

    async def go():
        pinned = await check_url(f"http://pinned.test:{web.port}/echo-host", HostPolicy(["pinned.test"]),
                                 resolver=resolver)
        async with httpx.AsyncClient(transport=PinnedTransport(pinned, httpx.AsyncHTTPTransport()),
                                     trust_env=False) as http:
            pages = [await http.get(f"http://pinned.test:{web.port}/echo-host") for _ in range(3)]
            try:
                await http.get(f"http://rebind.test:{web.port}/echo-host?token=sk-secret")    # same address
            except UrlRefused as refused:
                return pages, refused
    web.reset()
    pages, refused = run(go())
    assert all(p.status_code == 200 and f"Host header pinned.test:{web.port}" in p.text for p in pages)
    assert resolver.calls == ["pinned.test"]                    # resolved once, never again by the client
    assert web.hits == ["/echo-host"] * 3                       # the other host's request never left
    assert refused.code == "url.elsewhere" and "sk-secret" not in refused.message
    assert refused.message == (f"http://rebind.test:{web.port}/echo-host is not the server that was checked "
                               f"(http://pinned.test:{web.port})")


@pytest.mark.parametrize("other", ["http://pinned.test:{other}/echo-host", "https://pinned.test:{port}/echo-host"])
def test_the_transport_refuses_another_port_or_scheme_of_the_same_host(web, other):
    async def go():
        pinned = await check_url(f"http://pinned.test:{web.port}/", HostPolicy(["pinned.test"]), resolver=Resolver())
        async with httpx.AsyncClient(transport=PinnedTransport(pinned, httpx.AsyncHTTPTransport())) as http:
            await http.get(other.format(port=web.port, other=web.port + 1))
    with pytest.raises(UrlRefused) as refused:
        run(go())
    assert refused.value.code == "url.elsewhere"


@pytest.fixture(scope="module")
def tls_web(tmp_path_factory):
    """The fake web over HTTPS with a certificate for pinned.test only (and a context trusting it)."""
    with serve_tls(tmp_path_factory.mktemp("tls"), "pinned.test") as served:
        yield served


def test_over_https_the_certificate_is_verified_against_the_name_not_the_address(tls_web):
    port, trust = tls_web

    async def get(name: str):
        pinned = await check_url(f"https://{name}:{port}/echo-host", HostPolicy([name]), resolver=Resolver())
        async with httpx.AsyncClient(transport=PinnedTransport(pinned, httpx.AsyncHTTPTransport(verify=trust))) as http:
            try:
                return await http.get(str(pinned.url))
            except httpx.ConnectError as exc:
                return exc
    page = run(get("pinned.test"))
    assert isinstance(page, httpx.Response) and f"Host header pinned.test:{port}" in page.text
    wrong = run(get("rebind.test"))                  # same address, but the certificate is not for this name
    assert isinstance(wrong, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(wrong)


# -- a real MCP server over streamable HTTP, through the SDK's httpx2 ----------------------------
@pytest.fixture(scope="module")
def mcp_server():
    """An MCP server on 127.0.0.1 that, like any SDK server, accepts only the Host header it was told to."""
    pytest.importorskip("mcp", reason="the mcp SDK (issue 14) is not installed")
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

    tools = MCPServer("urlguard-test")

    @tools.tool()
    def add(a: int, b: int) -> int:
        """Add two whole numbers."""
        return a + b

    sock = _listen(0)
    port = sock.getsockname()[1]
    app = tools.streamable_http_app(transport_security=TransportSecuritySettings(allowed_hosts=[f"tools.test:{port}"]))
    server = uvicorn.Server(uvicorn.Config(app, loop="asyncio", log_level="warning", lifespan="on", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(5)


def test_an_mcp_client_reaches_a_checked_server_only_at_its_pinned_address(mcp_server):
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    names = {"tools.test": ["127.0.0.1"]}
    calls = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return names[host]

    async def go():
        pinned = await check_url(f"http://tools.test:{mcp_server}/mcp", HostPolicy(["tools.test"]), resolver=resolver)
        names["tools.test"] = ["10.9.9.9"]            # DNS changes its answer: the client never asks again
        transport = PinnedTransport(pinned, httpx2.AsyncHTTPTransport())
        async with httpx2.AsyncClient(transport=transport, trust_env=False) as http:
            async with Client(streamable_http_client(str(pinned.url), http_client=http)) as client:
                return await client.call_tool("add", {"a": 2, "b": 3})
    result = run(go())
    assert not result.is_error and result.structured_content == {"result": 5}
    assert calls == ["tools.test"]
