"""Downloads made through the UI keep to the KB permissions and the conversation's owner (the real launch.py).

The KB page's *Download* and the chat's *Export* used to be copied into Gradio's file cache and served by
``/gradio_api/file=<path>`` to anyone signed in — still after the share link was revoked and the document deleted.
Now the buttons hand out our own checked routes (``/kb/file/...``, ``/chat/export/...``), and nothing lands in
Gradio's cache (GRADIO_TEMP_DIR). Alice owns a team KB with two documents and a conversation; Bob opened her share
link. Both press the buttons through Gradio's own API (the queue the page uses), then Alice revokes the link and
deletes a document, and Bob tries every address he was ever given or could find.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.app.download_seed import CHAT, KEPT, MARKERS, PASSWORD, USAGE_MODEL, seed
from tests.conftest import GatewayProcess


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    seeded = seed(tmp_path_factory.mktemp("downloads"))
    yield seeded
    seeded["gw"].stop()


def ui(gw: GatewayProcess, browser: httpx.Client) -> Any:
    """Gradio's own client on the page's queue, with ``browser``'s session cookie."""
    from gradio_client import Client

    cookie = f"maas_session={browser.cookies.get('maas_session')}"
    return Client(gw.url + "/", verbose=False, download_files=False, analytics_enabled=False,
                  headers={"cookie": cookie})


def open_kb(client: Any, kb: str) -> None:
    """The KB page's lists, then the KB opened, as a visitor's clicks would (the pickers take only listed ids)."""
    client.predict("", "", None, None, "en", api_name="/kb_refresh")
    client.predict(kb, "en", api_name="/kb_open")


def addresses(result: Any) -> list[str]:
    """Every address a handler's result hands the page (a path, a URL, a file's ``url``)."""
    if isinstance(result, dict):
        return [a for v in result.values() for a in addresses(v)]
    if isinstance(result, (list, tuple)):
        return [a for v in result for a in addresses(v)]
    return [result] if isinstance(result, str) and result.startswith(("/", "http")) else []


def shows_a_secret(response: httpx.Response) -> bool:
    return response.status_code == 200 and any(m in response.content for m in MARKERS)


def test_bob_cannot_fetch_alices_export_or_a_revoked_or_deleted_document_by_any_url(world):
    gw, kb = world["gw"], world["kb"]
    alice, bob = gw.signed_in("alice", PASSWORD), gw.signed_in("bob", PASSWORD)
    handed: list[str] = []
    bob_ui, alice_ui = ui(gw, bob), ui(gw, alice)
    open_kb(bob_ui, kb)
    for doc in (world["kept"], world["doomed"]):       # bob downloads both while the share link lives
        handed += addresses(bob_ui.predict(kb, doc, "en", api_name="/kb_download"))
    exports = [*addresses(alice_ui.predict(world["conv"], "en", api_name="/chat_export_md")),
               *addresses(alice_ui.predict(world["conv"], "zh", api_name="/chat_export_json"))]
    handed += exports
    assert handed, "the buttons gave no address"
    own = bob.get(f"/kb/file/{kb}/{world['kept']}?download=1")           # bob may read it, for now
    assert own.status_code == 200 and KEPT in own.content and "attachment" in own.headers["content-disposition"]

    api = httpx.Client(base_url=gw.url + "/kb/v1", headers={"Authorization": f"Bearer {world['key']}"})
    assert api.delete(f"/knowledge-bases/{kb}/share-links/{world['link']}").status_code in (200, 204)
    assert api.delete(f"/knowledge-bases/{kb}/documents/{world['doomed']}").status_code in (200, 204)

    cached = [p for p in Path(world["cache"]).rglob("*") if p.is_file()]
    tried = [*handed, *(f"/gradio_api/file={quote(str(p))}" for p in cached),
             f"/kb/file/{kb}/{world['kept']}", f"/kb/file/{kb}/{world['doomed']}?download=1",
             f"/chat/export/{world['conv']}.md", f"/chat/export/{world['conv']}.json"]
    for url in tried:
        got = bob.get(url)
        assert not shows_a_secret(got), f"bob read {url}"
        assert got.status_code in (401, 403, 404), (url, got.status_code)
    leaked = [str(p) for p in cached if any(m in p.read_bytes() for m in MARKERS)]
    assert not leaked, f"copies in Gradio's cache: {leaked}"
    for url in exports:                                 # alice gets her own export, in one request
        got = alice.get(url)
        assert got.status_code == 200 and CHAT.encode() in got.content, url
        assert "attachment" in got.headers["content-disposition"]


def test_usage_csv_exports_are_the_downloaders_own(world):
    """The Usage page's CSVs come from /usage/export/..., computed for whoever downloads them (never a cached file)."""
    gw = world["gw"]
    alice, bob = gw.signed_in("alice", PASSWORD), gw.signed_in("bob", PASSWORD)
    url = "/usage/export/per-model.csv"
    got = alice.get(url)
    assert got.status_code == 200 and USAGE_MODEL.encode() in got.content
    assert got.headers["content-type"].startswith("text/csv") and "attachment" in got.headers["content-disposition"]
    theirs = bob.get(url)
    assert theirs.status_code == 200 and USAGE_MODEL.encode() not in theirs.content
    assert httpx.get(gw.url + url).status_code == 401
