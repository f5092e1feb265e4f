"""The papers page's handlers on real services: a real opened gateway (accounts; its catalogue's only chat model is the
scripted paper model), the workbench store, the papers service (its parse worker's child process, its readings'
loop) calling a real gateway process (``python launch.py``) in front of that fake model (``tests.fakes.paper_model``)
and its embeddings — so uploading, parsing, reading, asking and comparing are seen to work, deterministically.

Handlers are called as Gradio calls them (their inputs, the page language, a stub request with the signed-in user);
their outputs are read by name (``app.papers.states.OUTPUTS``) as the page shows them.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
import time
from types import SimpleNamespace
from typing import Any

import pytest

from app.papers.page import PapersPage
from app.papers.states import named
from gateway.routing.catalogue import EMBEDDED_EMBEDDING_ID
from launch import AccountDirectory
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.handler_outputs import choices, marked, value
from tests.app.pages import PASSWORD
from tests.app.paper_site import gateway_config
from tests.conftest import MASTER_KEY, GatewayProcess
from tests.fakes import paper_pdfs
from tests.fakes.paper_model import MODEL, start_paper_model
from workbench.kb.access import Access
from workbench.kb.service import KnowledgeService
from workbench.kb.teams import Teams
from workbench.papers.service import Papers
from workbench.schema import open_store
from workbench.store import store_path

SCANNED = "The scanned page reports a final accuracy of 91 percent."
NOT_FOUND = "No such paper, or it is not shared with you."


def req(username: str | None, locale: str = "en") -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": locale}, query_params={})


def call(site, name: str, username: str, *args: Any, lang: str = "en") -> dict[str, Any]:
    """A handler as Gradio calls it: its outputs by name."""
    result = getattr(site.page, name)(*args, lang, req(username, lang))
    return named(aio.run(result) if inspect.iscoroutine(result) else result)








def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("papers-page")
    model = start_paper_model()
    (tmp / "proc").mkdir()
    config = gateway_config(tmp / "proc", model)
    process = GatewayProcess(tmp / "proc", config=config)
    gw = opened_gateway(tmp / "gateway", MAAS_CONFIG=str(config))
    ids = {name: gw.accounts.create_user(name, PASSWORD).id for name in ("alice", "bob")}
    store = open_store(store_path(tmp / "workbench"))
    users = AccountDirectory(gw.accounts)
    papers = None
    try:
        process.start()
        papers = Papers.open(store, users, tmp / "papers", base_url=process.url + "/v1",
                             key_for=lambda user_id: MASTER_KEY, embedding_model=EMBEDDED_EMBEDDING_ID)
        papers.start()
        team = Teams(store, Access(store), users).create(ids["alice"], "Reading Group")
        knowledge = KnowledgeService.open(store, users, data_dir=tmp / "kb", client_for=papers.client,
                                          embedding_models=lambda: [EMBEDDED_EMBEDDING_ID], max_bytes=10 << 20)
        yield SimpleNamespace(gw=gw, ids=ids, store=store, papers=papers, model=model, team=team, tmp=tmp,
                              knowledge=knowledge, page=PapersPage(gw, papers, knowledge))
    finally:
        if papers is not None:
            papers.stop()
            knowledge.vectors.close()
        process.stop()
        model.stop()
        store.close()
        gw.store.close()


def pdf_file(site, name: str, data: bytes) -> str:
    path = site.tmp / name
    path.write_bytes(data)
    return str(path)


def parsed(site, username: str, paper_id: str) -> tuple[dict[str, Any], set[str]]:
    """The library's timer ticks until nothing is parsing: its last answer, and every status the list showed."""
    seen: set[str] = set()
    deadline = time.monotonic() + 90
    while True:
        out = call(site, "tick", username, paper_id)
        seen |= set(re.findall(r'class="badge b-\w+">([^<]+)<', out["lib_table"]))
        if not out["lib_timer"].active or time.monotonic() > deadline:
            return out, seen
        time.sleep(0.05)


def read_to_the_end(site, username: str, paper_id: str, read_lang: str, lang: str = "en") -> list[dict[str, Any]]:
    """"Read", then the reading's timer until it stops: every answer, in order."""
    steps = [call(site, "read", username, paper_id, MODEL, read_lang, lang=lang)]
    deadline = time.monotonic() + 60
    while steps[-1]["read_timer"].active and time.monotonic() < deadline:
        time.sleep(0.1)
        steps.append(call(site, "poll", username, paper_id, MODEL, read_lang, lang=lang))
    return steps


@pytest.fixture(scope="module")
def paper(site):
    """Alice's two-column paper with a scanned last page, uploaded and parsed through the page."""
    data, truth = paper_pdfs.two_column_paper(scanned=SCANNED)
    loaded = call(site, "load", "alice")
    assert "No papers yet: upload a PDF above." in loaded["lib_table"]
    assert value(loaded["read_model"]) == MODEL and choices(loaded["read_model"]) == [(MODEL, MODEL)]
    assert value(loaded["read_lang"]) == "en" and choices(loaded["read_lang"]) == [("Chinese", "zh"),
                                                                                   ("English", "en")]
    personal = value(loaded["upload_team"])
    assert choices(loaded["upload_team"]) == [("Personal space", personal), ("Reading Group", site.team.id)]
    uploaded = call(site, "upload", "alice", pdf_file(site, "sparse.pdf", data), personal, "")
    assert "“sparse.pdf” is being read from its PDF" in uploaded["lib_notice"]
    assert uploaded["upload_file"] is None
    assert uploaded["lib_timer"].active is True and "sparse.pdf" in uploaded["lib_table"]
    paper_id = choices(uploaded["lib_pick"])[0][1]
    done, seen = parsed(site, "alice", paper_id)
    return SimpleNamespace(id=paper_id, truth=truth, done=done, seen=seen)


def test_an_upload_shows_its_progress_then_its_row(site, paper) -> None:
    pages = paper.truth.pages
    assert pages == 5 and list(paper.truth.scanned) == [5]
    assert any(re.fullmatch(rf"reading its PDF: \d of {pages} pages", s) for s in paper.seen), \
        paper.seen
    row = text_of(paper.done["lib_table"])
    assert (f"{paper.truth.title} Alice Zhang, Bob Smith, Carol Jones {pages} 5 ready Personal space"
            in row), row
    assert choices(paper.done["lib_pick"]) == [(paper.truth.title, paper.id)]
    assert choices(paper.done["cmp_papers"]) == [(paper.truth.title, paper.id)]


def test_a_reading_shows_its_steps_and_statements_with_page_and_quote(site, paper) -> None:
    opened = call(site, "open_paper", "alice", paper.id, MODEL, "zh")
    assert paper.truth.title in opened["head"] and "5 pages" in text_of(opened["head"])
    assert opened["read_progress"] == "Not read yet with this model and language: press “Read”."
    steps = read_to_the_end(site, "alice", paper.id, "zh")
    assert steps[0]["read_notice"].startswith("✅ Reading started")
    shown = [s["read_progress"] for s in steps]
    total = site.papers.reading(site.ids["alice"], paper.id, model=MODEL, lang="zh").steps_total
    assert shown[-1] == f"✅ Done: {total} steps" and steps[-1]["stop_btn"]["visible"] is False
    stored = site.papers.reading(site.ids["alice"], paper.id, model=MODEL, lang="zh")
    html = steps[-1]["read_html"]
    verified = stored.reading.verified
    assert f"{verified} of {stored.reading.shown} statements verified on their page" in html
    assert re.findall(r'<h4 class="pp-aspect">([^<]+)<', html) == [
        "Method", "Experiments (data, baselines, metrics)", "Results", "Limitations", "Questions a reviewer would ask"]
    assert any(re.fullmatch(rf"Reading: step \d+ of {total}", s) for s in shown[:-1]), shown
    first = stored.reading.statements[0]
    chip = (f'href="/papers/page/{paper.id}/{first.page}.png?start={first.start}&amp;end={first.end}" '
            f'target="_blank"')
    assert chip in html and f">p. {first.page}</a>" in html
    assert f'<blockquote class="pp-quote">{first.quote}</blockquote>' in html and "✓" in html
    zh = call(site, "poll", "alice", paper.id, MODEL, "zh", lang="zh")["read_html"]
    assert "实验（数据、基线、指标）" in zh and f">第 {first.page} 页</a>" in zh and "条要点中有" in zh
    assert "审稿人可能提出的问题" in zh


def test_a_statement_the_code_could_not_verify_says_so(site, paper) -> None:
    site.model.mode = "inventive"
    try:
        steps = read_to_the_end(site, "alice", paper.id, "en")
    finally:
        site.model.mode = "faithful"
    html = steps[-1]["read_html"]
    assert "not verified: the point has a number its quote has not" in html
    stored = site.papers.reading(site.ids["alice"], paper.id, model=MODEL, lang="en")
    assert stored.reading.verified < stored.reading.shown


def test_questions_are_answered_with_page_chips_in_a_thread(site, paper) -> None:
    first = call(site, "ask", "alice", paper.id, "What are residual networks and pretrained encoders?", None, MODEL,
                 "zh")
    thread_id = first["thread_box"]
    assert thread_id and value(first["question"]) == ""
    html = first["answers_html"]
    assert "Q: What are residual networks and pretrained encoders?" in html and "Evidence" in html
    assert re.search(rf'href="/papers/page/{paper.id}/\d\.png\?start=\d+&amp;end=\d+"', html)
    assert "根据论文" in html and '<blockquote class="pp-quote">' in html
    follow = call(site, "ask", "alice", paper.id, "And what does the sparse router change?", thread_id, MODEL, "zh")
    assert follow["thread_box"] == thread_id
    assert text_of(follow["answers_html"]).count("Q: ") == 2
    nothing = call(site, "ask", "alice", paper.id, "Quelle heure est-il?", None, MODEL, "zh")
    assert "The paper does not seem to answer this (searched" in nothing["answers_html"]
    assert nothing["thread_box"] != thread_id
    empty = call(site, "ask", "alice", paper.id, "   ", thread_id, MODEL, "zh")
    assert "Ask a question about the paper" in marked(empty, "question")
    fresh = call(site, "new_thread", "alice", paper.id)
    assert fresh["thread_box"] is None and "No questions in this thread yet." in fresh["answers_html"]


def test_the_reading_and_questions_download_as_markdown(site, paper) -> None:
    read_to_the_end(site, "alice", paper.id, "zh")
    out = call(site, "export", "alice", paper.id, MODEL, "zh")
    saved = json.loads(out["download"])
    assert saved["name"] == "Sparse-Attention-Routing-for-Long-Document-Machine-Translation.md"
    text = base64.b64decode(saved["url"].split(",", 1)[1]).decode("utf-8")
    assert text.startswith(f"# {paper.truth.title}\n") and "## 深度解读（paper-model" in text
    assert "### 方法" in text and "\n  > " in text and "### 问：And what does the sparse router change?" in text


def test_two_papers_are_compared_and_the_table_downloads(site, paper) -> None:
    data, truth = paper_pdfs.author_year_paper()
    uploaded = call(site, "upload", "alice", pdf_file(site, "year.pdf", data), site.team.id, paper.id)
    other = next(v for label, v in choices(uploaded["lib_pick"]) if v != paper.id)
    done, _ = parsed(site, "alice", paper.id)
    assert "Reading Group" in text_of(done["lib_table"]) and len(choices(done["cmp_papers"])) == 2
    one = call(site, "compare", "alice", [paper.id], MODEL, "zh")
    assert "Choose from 2 to 5 papers to compare; 1 were chosen." in marked(one, "cmp_papers")
    out = call(site, "compare", "alice", [paper.id, other], MODEL, "zh", lang="zh")
    html = out["cmp_html"]
    assert paper.truth.title in html and truth.title in html
    assert all(word in html for word in ("问题", "方法", "数据", "指标", "最佳结果", "局限"))
    assert f'href="/papers/page/{other}/' in html and '<blockquote class="pp-quote">' in html
    saved = json.loads(call(site, "export_comparison", "alice", out["cmp_state"])["download"])
    text = base64.b64decode(saved["url"].split(",", 1)[1]).decode("utf-8")
    assert saved["name"] == "papers-comparison.md" and text.startswith("## 论文比较") and "| **问题** |" in text


def test_another_member_sees_nothing_of_alices_paper(site, paper) -> None:
    loaded = call(site, "load", "bob")
    assert paper.truth.title not in loaded["lib_table"] and choices(loaded["lib_pick"]) == []
    for name, args, notice in (("open_paper", (paper.id, MODEL, "zh"), "lib_notice"),
                               ("show", (paper.id, MODEL, "zh"), "read_notice"),
                               ("read", (paper.id, MODEL, "zh"), "read_notice"),
                               ("poll", (paper.id, MODEL, "zh"), "read_notice"),
                               ("stop", (paper.id, MODEL, "zh"), "read_notice"),
                               ("export", (paper.id, MODEL, "zh"), "read_notice"),
                               ("ask", (paper.id, "What datasets?", None, MODEL, "zh"), "ask_notice"),
                               ("new_thread", (paper.id,), "ask_notice"),
                               ("compare", ([paper.id, paper.id], MODEL, "zh"), "cmp_notice"),
                               ("move", (paper.id, site.team.id), "lib_notice"),
                               ("delete", (paper.id, True), "lib_notice")):
        out = call(site, name, "bob", *args)
        assert NOT_FOUND in out[notice], name
        shown = json.dumps({k: v for k, v in out.items() if isinstance(v, str)}, ensure_ascii=False)
        assert paper.truth.title not in shown and "Alice Zhang" not in shown, name
    assert site.papers.library.require(site.ids["alice"], paper.id).status == "ready"


def test_refusals_are_said_at_their_field_in_chinese(site, paper) -> None:
    not_pdf = call(site, "upload", "alice", pdf_file(site, "notes.pdf", b"just some notes"), "", paper.id, lang="zh")
    assert not_pdf["lib_notice"] == "⚠️ “notes.pdf”的扩展名是 .pdf，但内容是文本。请上传原始文档。"
    assert not_pdf["upload_file"] is None
    unconfirmed = call(site, "delete", "alice", paper.id, False, lang="zh")
    assert marked(unconfirmed, "delete_confirm") == "请先勾选确认框再删除。"
    nothing_open = call(site, "read", "alice", "", MODEL, "zh", lang="zh")
    assert "请先在论文库中打开一篇论文" in nothing_open["read_notice"]
    moved = call(site, "move", "alice", paper.id, site.team.id, lang="zh")
    assert moved["lib_notice"] == f"✅ “{paper.truth.title}”已移到Reading Group。"
    assert "Reading Group" in text_of(moved["head"])


def test_a_paper_is_added_to_a_knowledge_base_of_the_readers(site, paper) -> None:
    alice = site.ids["alice"]
    space = site.knowledge.teams.personal_space(alice)
    kb = site.knowledge.bases.create(alice, space.id, "Reading list", "", EMBEDDED_EMBEDDING_ID)
    loaded = call(site, "load", "alice")
    assert ("Personal space › Reading list", kb.id) in choices(loaded["kb_target"])
    refused = call(site, "to_kb", "alice", paper.id, "")
    assert "Choose a knowledge base" in marked(refused, "kb_target")
    added = call(site, "to_kb", "alice", paper.id, kb.id)
    assert added["lib_notice"] == (f"✅ Added “{paper.truth.title}.pdf” to “Personal space › Reading list”: it is "
                                   "being indexed there, its sections as headings.")
    assert [d.name for d in site.knowledge.documents(alice, kb.id)] == [f"{paper.truth.title}.pdf"]
    assert choices(call(site, "load", "bob")["kb_target"]) == []             # bob has no KB of alice's
    outsider = call(site, "to_kb", "bob", paper.id, kb.id)                  # nor her paper
    assert "No such paper" in outsider["lib_notice"] and len(site.knowledge.documents(alice, kb.id)) == 1
