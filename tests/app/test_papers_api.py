"""``/papers/v1`` and the ``paper_read`` / ``paper_ask`` MCP tools against the real ``python launch.py``: its papers
service (the parse worker's child, DuckDB, the readings' loop) reaching the scripted paper model through the
gateway's own ``/v1`` with each user's key; the embedded models are off and the embedding id the service asks for
("use-multilingual:v3") is the fake's bag of words.

Alice uploads a paper, polls it ready, reads its structure, starts a reading and polls it done, asks about it and
exports it; Bob, with a key of his own, cannot tell her paper from a missing one, here or over MCP.
"""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import httpx2
import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.http.papers_api import PapersAPI
from tests import aio
from tests.app.paper_site import gateway_config
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes import paper_pdfs
from tests.fakes.paper_model import MODEL, start_paper_model
from workbench.mcp.own_papers import paper_ask_tool, paper_read_tool

EMBEDDING = "use-multilingual:v3"          # what launch.open_papers embeds with
MISSING = "0" * 32
CJK = re.compile(r"[\u4e00-\u9fff]")
QUESTION = "What are residual networks and pretrained encoders?"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("papers-api")
    model = start_paper_model()
    gw = GatewayProcess(tmp / "data", config=gateway_config(tmp, model), env={"MAAS_KB_MAX_UPLOAD_MB": "1"})
    try:
        gw.start()
        admin = httpx.Client(base_url=gw.url + "/admin/v1", headers={"Authorization": f"Bearer {MASTER_KEY}"},
                             timeout=30)
        keys = {}
        for name in ("alice", "bob"):
            made = admin.post("/users", json={"username": name, "password": f"{name.title()}-pass-2026"})
            assert made.status_code == 201, made.text
            key = admin.post("/keys", json={"user_id": made.json()["id"], "name": f"{name}'s scripts"})
            assert key.status_code == 201, key.text
            keys[name] = key.json()["secret"]
        yield SimpleNamespace(gw=gw, model=model, keys=keys, http={
            name: httpx.Client(base_url=gw.url + "/papers/v1", headers={"Authorization": f"Bearer {key}"},
                               timeout=120) for name, key in keys.items()})
    finally:
        gw.stop()
        model.stop()


def ready(http: httpx.Client, paper_id: str, timeout: float = 90) -> dict:
    """The paper once its parse ended, polled as a script would."""
    deadline = time.monotonic() + timeout
    while True:
        got = http.get(f"/papers/{paper_id}")
        assert got.status_code == 200, got.text
        if got.json()["status"] != "parsing" or time.monotonic() > deadline:
            return got.json()
        time.sleep(0.2)


def read(http: httpx.Client, paper_id: str, lang: str, timeout: float = 90) -> dict:
    """The reading by the paper model in ``lang`` once it is no longer running."""
    deadline = time.monotonic() + timeout
    while True:
        got = http.get(f"/papers/{paper_id}/reading", params={"model": MODEL, "lang": lang})
        assert got.status_code == 200, got.text
        if got.json()["status"] != "running" or time.monotonic() > deadline:
            return got.json()
        time.sleep(0.2)


def error_of(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    assert "Traceback" not in resp.text
    return body["error"]


@pytest.fixture(scope="module")
def paper(site):
    data, truth = paper_pdfs.two_column_paper()
    sent = site.http["alice"].post("/papers", files={"file": ("attention.pdf", data, "application/pdf")})
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert (body["object"], body["status"], body["filename"], body["bytes"]) == ("paper", "parsing",
                                                                                  "attention.pdf", len(data))
    return ready(site.http["alice"], body["id"]), truth


@pytest.fixture(scope="module")
def pages(site, paper):
    """Page number -> the page's text, as ``?text=true`` gives it."""
    shown, _ = paper
    got = site.http["alice"].get(f"/papers/{shown['id']}/structure", params={"text": "true"})
    assert got.status_code == 200, got.text
    return {p["number"]: p["text"] for p in got.json()["pages"]}


def on_page(quote: str, text: str) -> bool:
    return re.sub(r"\s+", "", quote) in re.sub(r"\s+", "", text)


def test_an_uploaded_paper_is_polled_ready_and_its_structure_has_the_papers_headings(site, paper, pages):
    shown, truth = paper
    assert (shown["status"], shown["title"], shown["authors"], shown["pages"], shown["progress"], shown["error"]) \
        == ("ready", truth.title, list(truth.authors), truth.pages, {"done": truth.pages, "total": truth.pages}, None)
    assert shown["ocr_pages"] == [] and shown["role"] == "owner"
    assert [p["id"] for p in site.http["alice"].get("/papers").json()["data"]] == [shown["id"]]

    got = site.http["alice"].get(f"/papers/{shown['id']}/structure")
    structure = got.json()
    assert [(s["number"], s["title"], s["level"], s["page"]) for s in structure["sections"]] == \
        [(h.number, h.title, h.level, h.page) for h in truth.headings]
    assert [(c["kind"], c["label"], c["page"]) for c in structure["captions"]] == \
        [(c.kind, c.label, c.page) for c in truth.captions]
    assert structure["tables"] == [{"page": truth.table_page,
                                    "text": "\n".join(" | ".join(row) for row in truth.table_rows)}]
    assert len(structure["references"]) == len(truth.references) and structure["references"][0]["number"] == 1
    assert structure["citations"] and all(c["references"] for c in structure["citations"])
    assert "text" not in structure["pages"][0] and len(structure["pages"]) == truth.pages
    for number in range(1, truth.pages + 1):                    # with ?text=true: each page's own text
        assert on_page(truth.sentence(number), pages[number])


def test_a_reading_is_started_polled_to_done_and_every_statement_has_its_page_and_quote(site, paper, pages):
    shown, _ = paper
    alice = site.http["alice"]
    started = alice.post(f"/papers/{shown['id']}/reading", json={"model": MODEL, "lang": "zh"})
    assert started.status_code == 202 and started.json()["status"] == "running", started.text
    done = read(alice, shown["id"], "zh")
    assert done["status"] == "done" and done["steps"]["done"] == done["steps"]["total"] > 0
    assert done["statements"] and all(s["verified"] and s["note"] is None for s in done["statements"])
    for statement in done["statements"]:
        assert on_page(statement["quote"], pages[statement["page"]]), statement
        assert statement["point"].startswith("要点：")
    assert done["verified_share"] == 1.0 and done["quotes"]["found"] == done["quotes"]["asked"] > 0
    calls = len(site.model.seen)
    again = alice.post(f"/papers/{shown['id']}/reading", json={"model": MODEL, "lang": "zh"})
    assert again.status_code == 200 and again.json()["statements"] == done["statements"]
    assert len(site.model.seen) == calls                        # a finished reading is given at once
    listed = alice.get(f"/papers/{shown['id']}").json()["readings"]
    assert {"model": MODEL, "lang": "zh", "status": "done"} in listed


def test_a_reading_is_stopped_and_an_unstarted_one_is_not_found(site, paper):
    shown, _ = paper
    alice = site.http["alice"]
    assert alice.post(f"/papers/{shown['id']}/reading", json={"model": MODEL, "lang": "en"}).status_code == 202
    stopped = alice.delete(f"/papers/{shown['id']}/reading", params={"model": MODEL, "lang": "en"})
    assert stopped.status_code == 200 and stopped.json()["status"] == "cancelled", stopped.text
    assert stopped.json()["error"]["code"] == "cancelled"
    never = error_of(alice.get(f"/papers/{shown['id']}/reading", params={"model": "other-model", "lang": "en"}), 404)
    assert (never["param"], never["code"]) == ("model", "no_reading") and "other-model" in never["message"]


def test_a_question_is_answered_with_evidence_pages_and_quotes_in_a_thread(site, paper, pages):
    shown, _ = paper
    alice = site.http["alice"]
    asked = alice.post(f"/papers/{shown['id']}/ask", json={"question": QUESTION, "model": MODEL, "lang": "en"})
    assert asked.status_code == 200, asked.text
    answer = asked.json()
    assert answer["found"] is True and answer["evidence"] and answer["question"] == QUESTION
    for quote in answer["evidence"]:
        assert on_page(quote["quote"], pages[quote["page"]]) and f"p. {quote['page']}" in answer["answer"]
    follow = alice.post(f"/papers/{shown['id']}/ask", json={"question": "And what does the sparse router change?",
                                                            "model": MODEL, "lang": "en",
                                                            "thread_id": answer["thread_id"]})
    assert (follow.json()["thread_id"], follow.json()["position"]) == (answer["thread_id"], 1)
    lost = error_of(alice.post(f"/papers/{shown['id']}/ask", json={"question": "Why?", "model": MODEL,
                                                                   "thread_id": MISSING}), 404)
    assert lost["param"] == "thread_id"
    unknown = error_of(alice.post(f"/papers/{shown['id']}/ask", json={"question": "Why?", "model": "no-such-model"}),
                       404)
    assert unknown["param"] == "model"


def test_the_reading_and_the_questions_export_as_markdown(site, paper):
    shown, truth = paper
    got = site.http["alice"].get(f"/papers/{shown['id']}/export", params={"model": MODEL, "lang": "zh"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/markdown")
    assert "attention.md" in got.headers["content-disposition"]
    reading = read(site.http["alice"], shown["id"], "zh")
    first = reading["statements"][0]
    assert got.text.startswith(f"# {truth.title}\n") and f"> {first['quote']}" in got.text
    assert f"问：{QUESTION}" in got.text


def test_refusals_name_the_parameter_in_english_and_chinese(site, paper):
    shown, _ = paper
    alice = site.http["alice"]
    bare = httpx.Client(base_url=site.gw.url + "/papers/v1", timeout=30)
    assert error_of(bare.get("/papers"), 401)["code"] == "missing_api_key"
    assert error_of(bare.get(f"/papers/{shown['id']}", headers={"Authorization": "Bearer sk-nope"}), 401)
    en = error_of(alice.post(f"/papers/{shown['id']}/reading", json={"model": MODEL, "lang": "fr"}), 400)
    zh = error_of(alice.get(f"/papers/{shown['id']}/reading", params={"model": MODEL, "lang": "fr"},
                            headers={"Accept-Language": "zh-CN"}), 400)
    assert (en["param"], zh["param"], en["code"]) == ("lang", "lang", "lang")
    assert "“fr” is not a language" in en["message"] and "zh" in en["message"]
    assert CJK.search(zh["message"]) and "“fr”" in zh["message"]

    text = error_of(alice.post("/papers", files={"file": ("notes.txt", b"just some notes", "text/plain")}), 400)
    assert (text["param"], text["code"]) == ("file", "not_pdf") and "“notes.txt” is not a PDF" in text["message"]
    named = error_of(alice.post("/papers", files={"file": ("notes.pdf", b"just some notes", "application/pdf")}), 400)
    assert (named["param"], named["code"]) == ("file", "type_mismatch") and "its content is text" in named["message"]
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)            # over the 1 MB limit: refused by the service
    over = error_of(alice.post("/papers", files={"file": ("big.pdf", big, "application/pdf")}), 413)
    assert over["param"] == "file" and "1 MB" in over["message"]
    huge = error_of(alice.post("/papers", files={"file": ("huge.pdf", big * 2, "application/pdf")}), 413)
    assert (huge["param"], huge["code"]) == ("file", "request_too_large")
    none = error_of(alice.post("/papers", files={"paper": ("a.pdf", b"%PDF-", "application/pdf")}), 400)
    assert none["param"] == "paper"                             # an unknown form field is named

    assert error_of(alice.get("/papers", params={"limit": 5}), 400)["param"] == "limit"
    assert error_of(alice.get(f"/papers/{shown['id']}/structure", params={"text": "yes"}), 400)["param"] == "text"
    assert error_of(alice.post(f"/papers/{shown['id']}/ask", json={"question": "x", "model": MODEL,
                                                                   "temperature": 0}), 400)["param"] == "temperature"
    assert error_of(alice.post(f"/papers/{shown['id']}/ask", json={"question": " ", "model": MODEL}),
                    400)["param"] == "question"
    assert error_of(alice.put(f"/papers/{shown['id']}"), 405)["code"] == "method_not_allowed"
    assert error_of(alice.get("/nowhere"), 404)["code"] == "unknown_route"


def test_another_user_cannot_tell_alices_paper_from_a_missing_one(site, paper):
    shown, _ = paper
    bob = site.http["bob"]
    for method, tail, kwargs in [("GET", "", {}), ("GET", "/structure", {}),
                                 ("POST", "/reading", {"json": {"model": MODEL, "lang": "zh"}}),
                                 ("GET", "/reading", {"params": {"model": MODEL, "lang": "zh"}}),
                                 ("DELETE", "/reading", {"params": {"model": MODEL, "lang": "zh"}}),
                                 ("POST", "/ask", {"json": {"question": QUESTION, "model": MODEL}}),
                                 ("GET", "/export", {"params": {"model": MODEL, "lang": "zh"}})]:
        theirs = bob.request(method, f"/papers/{shown['id']}{tail}", **kwargs)
        missing = bob.request(method, f"/papers/{MISSING}{tail}", **kwargs)
        assert theirs.status_code == missing.status_code == 404, (method, tail, theirs.text)
        assert theirs.json() == missing.json() and theirs.json()["error"]["param"] == "paper_id"
        assert shown["title"] not in theirs.text
    assert bob.get("/papers").json()["data"] == []
    zh = error_of(bob.get(f"/papers/{shown['id']}", headers={"Accept-Language": "zh"}), 404)
    assert zh["message"].startswith("没有这篇论文")


def test_every_route_is_documented_in_both_languages():
    served = PapersAPI(None, lambda request: None).documented
    root = Path(__file__).resolve().parents[2] / "docs"
    for name in ("papers-api.md", "papers-api.zh.md"):
        text = (root / name).read_text(encoding="utf-8")
        for method, path in served:
            assert f"\n## {method} {path}\n" in text, (name, method, path)


# -- MCP ----------------------------------------------------------------------------------------------------------
@asynccontextmanager
async def mcp_client(site, who: str, locale: str = "en"):
    headers = {"Authorization": f"Bearer {site.keys[who]}", "Accept-Language": locale}
    async with httpx2.AsyncClient(headers=headers, timeout=120) as http, \
            Client(streamable_http_client(f"{site.gw.url}/mcp/v1/workbench", http_client=http)) as client:
        yield client


def text_of(result) -> str:
    return "\n".join(part.text for part in result.content if getattr(part, "text", None))


def test_the_mcp_tools_read_and_ask_and_hide_another_users_papers(site, paper, pages):
    shown, _ = paper
    data, truth = paper_pdfs.chinese_paper()
    sent = site.http["alice"].post("/papers", files={"file": ("论文.pdf", data, "application/pdf")})
    chinese = ready(site.http["alice"], sent.json()["id"])
    assert chinese["status"] == "ready", chinese

    async def alice():
        async with mcp_client(site, "alice", "zh-CN") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            first = await client.call_tool("paper_read", {"paper": "稀疏注意力", "model": MODEL})
            later = first
            for _ in range(300):
                if later.structured_content["status"] != "running":
                    break
                await asyncio.sleep(0.2)
                later = await client.call_tool("paper_read", {"paper": chinese["id"], "model": MODEL, "lang": "zh"})
            asked = await client.call_tool("paper_ask", {"paper": "Sparse Attention Routing", "question": QUESTION,
                                                         "model": MODEL, "lang": "en"})
            both = await client.call_tool("paper_read", {"paper": "pdf", "model": MODEL})
            return tools, first, later, asked, both

    tools, first, later, asked, both = aio.run(alice())
    for name in ("paper_read", "paper_ask"):
        tool = tools[name]
        Draft202012Validator.check_schema(tool.input_schema)
        assert tool.input_schema["additionalProperties"] is False and tool.input_schema["properties"]["lang"]["enum"] \
            == ["zh", "en"] and "model" in tool.input_schema["required"]
        assert tool.annotations.destructive_hint is False
    assert first.is_error is False and first.structured_content["status"] == "running"
    assert "再次调用 paper_read" in text_of(first) and first.structured_content["paper_id"] == chinese["id"]
    Draft202012Validator(paper_read_tool().output_schema).validate(later.structured_content)
    assert later.structured_content["status"] == "done" and later.structured_content["statements"]
    for statement in later.structured_content["statements"]:
        assert f"p. {statement['page']}" in text_of(later) and statement["quote"] in text_of(later)
    assert "条已在所注页码核实" in text_of(later)
    Draft202012Validator(paper_ask_tool().output_schema).validate(asked.structured_content)
    answer = asked.structured_content
    assert answer["found"] and answer["paper_id"] == shown["id"] and answer["evidence"]
    assert all(on_page(q["quote"], pages[q["page"]]) for q in answer["evidence"])
    assert both.is_error and "2" in text_of(both) and shown["id"] in text_of(both) and chinese["id"] in text_of(both)

    async def bob():
        async with mcp_client(site, "bob") as client:
            theirs = await client.call_tool("paper_read", {"paper": shown["id"], "model": MODEL})
            missing = await client.call_tool("paper_ask", {"paper": MISSING, "question": "Why?", "model": MODEL})
            by_title = await client.call_tool("paper_ask", {"paper": "Sparse", "question": "Why?", "model": MODEL})
            return theirs, missing, by_title

    theirs, missing, by_title = aio.run(bob())
    assert theirs.is_error and missing.is_error and by_title.is_error
    assert text_of(theirs) == text_of(missing) == text_of(by_title) and text_of(theirs).startswith("No such paper")

