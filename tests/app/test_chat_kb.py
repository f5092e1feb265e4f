"""Chat over several knowledge bases, on real parts: the chat page's handlers with a real KnowledgeService (DuckDB,
embedded Chroma, the keyword index) whose PDFs were uploaded through ``knowledge.upload`` and ingested by its worker
through the real embedded gateway process (USE v3 embeddings, the embedded reranker, the 0.5B chat model).

alice has a personal KB "Lab safety" and a team KB "Equipment"; bob is an outsider; carol is granted "Lab safety"
and later loses it. What is asserted is what the page shows: the picker's choices, the numbered sources with
their documents and pages, the notices (nothing relevant, a KB no longer shared), and what the conversation keeps.
"""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import pytest

from app.chat import page as chat
from app.chat import view as chat_view
from tests.app.chat_handlers import drain, req, settings
from tests.app.chat_kbs import BOTH, EMBEDDING, two_kbs
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD
from tests.conftest import MASTER_KEY
from workbench.conversations import Conversations
from workbench.kb import answer
from workbench.kb.records import ChunkRecord, Hit
from workbench.kb.retrieve import Hits
from workbench.schema import open_store
from workbench.store import store_path

UNRELATED = "What is the capital of Mongolia?"
PASSAGES = "Found {n} passages in the knowledge bases"


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedded_gateway):
    tmp = tmp_path_factory.mktemp("chat-kb")
    gw = opened_gateway(tmp / "gw")
    users = {name: gw.accounts.create_user(name, PASSWORD) for name in ("alice", "bob", "carol")}
    store = open_store(store_path(tmp / "wb"))
    url = embedded_gateway.url + "/v1"
    knowledge, safety, team, equipment = two_kbs(store, gw, tmp / "kb", url, users["alice"].id)
    convs = Conversations(store)
    setup = chat.ChatSetup(convs, url, key_for=lambda user_id: MASTER_KEY, knowledge=knowledge)
    yield SimpleNamespace(gw=gw, store=store, convs=convs, users=users, knowledge=knowledge, safety=safety,
                          equipment=equipment, team=team, h=chat.ChatPage(gw, setup))
    knowledge.vectors.close()
    store.close()
    gw.store.close()


def ask(site, user: str, text: str, kb_ids: list[str], conv_id: str = "", lang: str = "en") -> list[tuple]:
    """What the page shows while and after ``user`` sends ``text`` over ``kb_ids`` (short, steady answers)."""
    return drain(site.h.answers.send(text, None, conv_id, *settings(max_tokens=48), False, "", lang, req(user, lang),
                                     kb_ids))


def kb_block(rows: list[dict]) -> dict | None:
    """The last answer's knowledge-base sources block (the rows after the last question), if any."""
    last = max((i for i, r in enumerate(rows) if r["role"] == "user"), default=-1)
    return next((r for r in rows[last + 1:] if "passages" in r.get("metadata", {}).get("title", "")
                 or "段落" in r.get("metadata", {}).get("title", "")), None)


def marks_only(content: str, *, added: bool = True) -> str:
    """An answer's text with its citation chips back as the [n] the model wrote (``added``: keep the added ones)."""
    if not added:
        content = re.sub(r' ?<a class="cite cite-added"[^>]*>\[\d+\]</a>', "", content)
    return re.sub(r'<a class="cite[^"]*"[^>]*>(\[\d+\])</a>', r"\1", content)


# ---------------------------------------------------------------- pure parts


def hit(kb: str, doc: str, text: str, first: int | None, last: int | None = None, **scores: float) -> Hit:
    chunk = ChunkRecord(id=f"c-{doc}-{first}", kb_id=kb, document_id=f"d-{doc}", idx=0, text=text, first_page=first,
                        last_page=last if last is not None else first)
    return Hit(chunk=chunk, document_name=doc, score=0.5, scores=scores)


def test_passages_are_numbered_after_the_web_pages_with_document_and_pages():
    hits = Hits([hit("k1", "safety.pdf", "Code FH-7731.", 2, keyword=3.1, vector=0.2),
                 hit("k2", "notes.md", "Four hours.", None, vector=0.41),
                 hit("k2", "scan.pdf", "Far away.", 5, 6, vector=0.12)])            # not close, no shared word
    found = answer.grounding(hits, kb_names={"k1": "Lab safety", "k2": "Equipment"}, start=3)
    assert found.covered and [b.title for b in found.blocks] == [
        "Knowledge bases", "[3] safety.pdf, p. 2", "[4] notes.md"]
    assert found.blocks[1].text == "Code FH-7731." and "cite each one you use as [n]" in found.blocks[0].text
    assert "“Lab safety”, “Equipment”" in found.blocks[0].text
    saved = [s.saved() for s in found.sources]
    assert saved[0] == {"index": 3, "title": "safety.pdf", "url": "", "kind": "kb", "detail": "p. 2 · Lab safety",
                        "kb_id": "k1", "kb_name": "Lab safety", "document_id": "d-safety.pdf", "first_page": 2,
                        "last_page": 2, "quote": "Code FH-7731."}
    assert answer.read(saved[0]) == answer.Source(3, "k1", "Lab safety", "d-safety.pdf", "safety.pdf", 2, 2,
                                                  "Code FH-7731.")
    assert answer.read({"index": 1, "title": "t", "url": "https://example.org"}) is None
    older = {"index": 3, "title": "safety.pdf",                 # as answers were saved before the fields were kept
             "url": "kb:k1/d-safety.pdf?pages=2-2&kb=Lab%20safety&quote=Code%20FH-7731."}
    assert answer.read(older) == answer.read(saved[0])
    # the page shows them apart from web pages, in the reader's language, Markdown marks kept literal
    rows = chat_view.answer_rows("zh", content="见 [3]。", sources=[
        {"index": 1, "title": "Web", "url": "https://example.org"}, *saved])
    assert [r["metadata"]["title"] for r in rows[:2]] == ["找到 1 个网页", "在知识库中找到 2 个段落"]
    assert ("**[3] [safety.pdf](/kb/file/k1/d-safety.pdf#page=2)** · 第 2 页 · Lab safety\n\n> Code FH-7731."
            in rows[1]["content"])                          # the name opens the PDF at the cited page
    assert "**[4] [notes.md](/kb/file/k2/d-notes.md)** · Equipment\n\n> Four hours." in rows[1]["content"]


def test_nothing_relevant_tells_the_model_to_say_the_kbs_do_not_cover_it():
    for hits in (Hits(), Hits([hit("k1", "scan.pdf", "Unrelated.", 1, vector=0.21)])):
        found = answer.grounding(hits, kb_names={"k1": "Lab safety"})
        assert not found.covered and found.sources == [] and found.left_out == 0
        assert [b.title for b in found.blocks] == ["Knowledge bases"]
        text = found.blocks[0].text
        assert "(“Lab safety”)" in text and "the knowledge bases do not cover it" in text
    # relevant passages that do not fit the budget are left out, the best that fit kept; none fitting is not
    # "nothing relevant" (no instruction to say so)
    long = [hit("k1", "a.pdf", "word " * 400, 1, keyword=1.0), hit("k1", "b.pdf", "short", 2, keyword=0.5)]
    found = answer.grounding(Hits(long), budget_tokens=250)
    assert [(s.index, s.document) for s in found.sources] == [(1, "b.pdf")] and found.left_out == 1
    none_fit = answer.grounding(Hits(long[:1]), budget_tokens=50)
    assert not none_fit.covered and none_fit.left_out == 1 and none_fit.blocks == []


def test_what_counts_as_close_in_meaning_follows_the_kbs_embedding_model():
    """e5 gives even a passage on another subject a cosine near 0.8 (USE v3 near 0.15): the floor is the model's."""
    def found(model: str, vector: float) -> bool:
        one = dataclasses.replace(hit("k1", "scan.pdf", "A passage.", 1, vector=vector), model=model)
        return answer.grounding(Hits([one]), kb_names={"k1": "Lab safety"}).covered
    assert found("use-multilingual:v3", 0.30) and not found("use-multilingual:v3", 0.21)
    assert not found("multilingual-e5-small", 0.80) and found("multilingual-e5-small", 0.86)
    assert found("bge-m3", 0.30)                     # a model without its own floor gets USE's


# ---------------------------------------------------------------- the page, on real services


def test_the_picker_offers_what_each_user_may_read(site):
    alice = site.h.kb_state("", None, "en", req("alice"))
    assert alice["choices"] == [("Lab safety · Personal space", site.safety.id),
                                ("Equipment · Proteomics", site.equipment.id)]
    assert alice["value"] == [] and "citing their passages" in alice["info"]
    bob = site.h.kb_state("", [site.safety.id], "zh", req("bob", "zh"))      # handed alice's id: not offered
    assert bob["choices"] == [] and bob["value"] == [] and bob["info"] == "部分所选知识库已不可用，已取消选择。"
    assert "还没有可选的知识库" in site.h.kb_state("", None, "zh", req("bob", "zh"))["info"]
    with pytest.raises(Exception, match="sign in again"):
        site.h.kb_state("", None, "en", req(None))
    # /chat?kb=<id>,<id> ("Chat with this knowledge base" on /kb): preselected when readable, else left out
    both = f"{site.equipment.id},{site.safety.id}"
    assert site.h.kb_state("", None, "en", req("alice", kb=both))["value"] == [site.equipment.id, site.safety.id]
    assert site.h.kb_state("", [site.safety.id], "en", req("alice", kb=both))["value"] == [site.safety.id]
    linked = site.h.kb_state("", None, "zh", req("bob", "zh", kb=site.safety.id))       # not his: nothing of it
    assert (linked["choices"], linked["value"], linked["info"]) == ([], [], "部分所选知识库已不可用，已取消选择。")


def test_two_kbs_answer_with_numbered_sources_and_pages_kept_with_the_conversation(site):
    steps = ask(site, "alice", BOTH, [site.safety.id, site.equipment.id])
    rows, cid, notice = steps[-1].bot, steps[-1].conv_id, steps[-1].notice
    block = kb_block(rows)
    assert block is not None, rows
    # the saved conversation that replaces the stream keeps every row in its place: the sources block a reader
    # opened while the answer streamed is the same row at the same index (else the browser closes it)
    streamed = [step.bot for step in steps[:-1] if kb_block(step.bot)]
    assert streamed and all(s.index(kb_block(s)) == rows.index(block) for s in streamed)
    assert streamed[-1][:-1] == rows[:-1]                   # the answer itself got its checked citations since
    assert marks_only(streamed[-1][-1]["content"]) == marks_only(rows[-1]["content"], added=False)
    shown = block["content"]
    link = r"\(/kb/file/\w+/\w+#page={}\)\*\* · p. {} · "        # the name opens the document at the page
    assert re.search(r"\[safety.pdf\]" + link.format(2, 2) + "Lab safety", shown) and "FH-7731" in shown
    assert re.search(r"\[equipment.pdf\]" + link.format(1, 1) + "Equipment", shown) and "four hours" in shown
    assert shown.startswith("**[1] ") and notice == ""
    answer_text = rows[-1]["content"]
    assert answer_text.strip() and rows[-1] is not block
    print(f"\nanswer over two KBs: {answer_text!r}")
    # the answer's citations, checked and added after it (the small model often writes no [n]): a sentence with
    # the alarm code cites the fume-hood page, one with the four hours the microscope page, each a chip to it
    chips = re.findall(r'<a class="(cite[^"]*)" title="[^"]*" href="(/kb/file/\w+/\w+#page=\d)"[^>]*>\[(\d)\]</a>',
                       answer_text)
    cited = {(href.split("#")[0].split("/")[3], href.rsplit("=", 1)[1]) for _, href, _ in chips}
    if "FH-7731" in answer_text:
        assert (site.safety.id, "2") in cited, answer_text
    if "four hours" in answer_text or "4 hours" in answer_text:
        assert (site.equipment.id, "1") in cited, answer_text
    assert chips and all(cls in ("cite", "cite cite-added") for cls, _, _ in chips), answer_text
    # saved: the answer's numbered sources, the question's knowledge bases; reopened as they were
    conv = site.convs.get(site.users["alice"].id, cid)
    question, reply = conv.messages
    assert {a["name"] for a in question.attachments} == {"Lab safety", "Equipment"}
    assert [answer.read(s).index for s in reply.sources] == list(range(1, len(reply.sources) + 1))
    reopened = site.h.open_conversation(cid, "en", req("alice")).bot
    assert reopened[0]["content"] == "📚 Knowledge bases: Lab safety, Equipment"
    assert kb_block(reopened)["content"] == shown and reopened[-1]["content"] == answer_text
    picker = site.h.kb_state(cid, [], "en", req("alice"))
    assert picker["value"] == [site.safety.id, site.equipment.id]
    # another conversation the outsider cannot open shows nothing of it either
    with pytest.raises(Exception, match="No such conversation"):
        site.h.kb_state(cid, [], "en", req("bob"))


def test_nothing_relevant_is_answered_plainly_in_both_languages_without_asking_the_model(site):
    steps = ask(site, "alice", UNRELATED, [site.safety.id, site.equipment.id])
    rows, cid, notice = steps[-1].bot, steps[-1].conv_id, steps[-1].notice
    assert kb_block(rows) is None and notice == ""
    said = ("I found nothing about this in the knowledge bases “Lab safety”, “Equipment”, so I will not guess. "
            "Try other words, or choose other knowledge bases.")
    assert rows[-1] == {"role": "assistant", "content": said}
    kept = site.convs.get(site.users["alice"].id, cid).messages[-1]
    assert (kept.content, kept.model, kept.usage) == (said, None, None)        # no model wrote it, no tokens used
    # the retry button: the same, one KB named
    again = drain(site.h.answers.regenerate(cid, *settings(max_tokens=48), False, "", "en", req("alice"),
                                            [site.safety.id]))
    assert again[-1].bot[-1]["content"] == said.replace("bases “Lab safety”, “Equipment”", "base “Lab safety”")
    zh = ask(site, "alice", "蒙古的首都是哪里？", [site.safety.id], lang="zh")
    assert kb_block(zh[-1].bot) is None and zh[-1].notice == ""
    assert zh[-1].bot[-1]["content"] == ("在知识库“Lab safety”中没有找到与这个问题相关的内容，因此不作猜测。"
                                        "请换个说法，或选择其他知识库。")


def test_a_citation_opens_the_document_for_readers_only(site):
    """The citation's link (``/kb/file/<kb>/<doc>``, behind the sign-in): the PDF for alice (inline, so the
    browser's viewer opens it at ``#page=``), a 404 like a missing document for bob, 401 without a session."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app.http import kb_files, signin

    web = FastAPI()
    web.include_router(kb_files.routes(site.knowledge, signin.SessionUsers(site.gw)))
    [doc] = site.knowledge.documents(site.users["alice"].id, site.safety.id)
    url = kb_files.file_url(site.safety.id, doc.id, 2)
    assert url.endswith("#page=2")
    path = url.split("#")[0]

    def session(name: str) -> dict[str, str]:
        return {"cookie": f"{signin.SESSION_COOKIE}={site.gw.sessions.create(site.users[name].id)}"}

    with TestClient(web) as http:
        mine = http.get(path, headers=session("alice"))
        assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
        assert mine.headers["content-type"] == "application/pdf"
        assert mine.headers["content-disposition"].startswith('inline; filename="safety.pdf"')
        outsider = http.get(path, headers=session("bob"))
        missing = http.get(kb_files.file_url(site.safety.id, "no-such-doc"), headers=session("bob"))
        assert outsider.status_code == missing.status_code == 404
        assert outsider.json() == http.get(kb_files.file_url("no-such-kb", doc.id), headers=session("bob")).json()
        assert http.get(path).status_code == 401


def test_a_zip_members_file_is_sent_under_its_base_name(site):
    """``/kb/file`` names the file by its base name only (a zip member ``../../../../x.md`` is ``x.md``), and a
    Chinese name as RFC 6266's ``filename*`` with an ASCII fallback (issue 11 item 14)."""
    import io
    import zipfile

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app.http import kb_files, signin

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("../../../../x.md", b"# X\n\nA member that names the folders above it.")
        archive.writestr("报告/实验 记录.md", "# 记录\n\n通风柜每周一检查。".encode())
    alice = site.users["alice"].id
    docs = site.knowledge.upload(alice, site.safety.id, [("notes.zip", packed.getvalue())])
    web = FastAPI()
    web.include_router(kb_files.routes(site.knowledge, signin.SessionUsers(site.gw)))
    cookie = {"cookie": f"{signin.SESSION_COOKIE}={site.gw.sessions.create(alice)}"}
    try:
        with TestClient(web) as http:
            x, chinese = (http.get(kb_files.file_url(site.safety.id, d.id), headers=cookie) for d in docs)
        assert x.status_code == 200 and x.content.startswith(b"# X")
        assert x.headers["content-disposition"] == "attachment; filename=\"x.md\"; filename*=UTF-8''x.md"
        assert x.headers["content-type"] == "text/markdown; charset=utf-8"
        assert chinese.headers["content-disposition"] == (
            "attachment; filename=\"__ __.md\"; filename*=UTF-8''%E5%AE%9E%E9%AA%8C%20%E8%AE%B0%E5%BD%95.md")
    finally:
        for d in docs:
            site.knowledge.delete_document(alice, site.safety.id, d.id)


def test_an_outsiders_kb_id_is_refused_and_shows_nothing_of_it(site):
    steps = ask(site, "bob", "What alarm code does the fume hood FH show?", [site.safety.id])
    rows, notice = steps[-1].bot, steps[-1].notice
    assert kb_block(rows) is None and "FH-7731" not in str(steps)
    assert notice == ("A chosen knowledge base is no longer available to you (deleted, or no longer shared with "
                      "you), so this answer does not use it.")
    conv = site.convs.get(site.users["bob"].id, steps[-1].conv_id)
    assert conv.messages[0].attachments == [] and conv.messages[-1].sources == []


def test_a_kb_unshared_between_questions_is_refused_with_its_name(site):
    alice, carol = site.users["alice"].id, site.users["carol"].id
    site.knowledge.sharing.grant_user(alice, site.safety.id, "carol")
    picker = site.h.kb_state("", None, "en", req("carol"))
    assert picker["choices"] == [("Lab safety · alice's space", site.safety.id)]
    steps = ask(site, "carol", "Which alarm code does the fume hood in room 214 show?", [site.safety.id])
    cid = steps[-1].conv_id
    assert "FH-7731" in kb_block(steps[-1].bot)["content"]
    site.knowledge.sharing.revoke_grant(alice, site.safety.id, "user", carol)
    again = ask(site, "carol", "And who fills the liquid nitrogen dewars?", [site.safety.id], cid, lang="zh")
    assert kb_block(again[-1].bot) is None and "face shields" not in str(again[-1].bot[-1])
    assert again[-1].notice == "“Lab safety”已不可用（已被删除，或不再与你共享），本次回答未使用它。"
    picker = site.h.kb_state(cid, [site.safety.id], "en", req("carol"))
    assert picker["choices"] == [] and picker["value"] == []


def test_a_public_kb_from_the_square_is_offered_to_everyone(site):
    alice = site.users["alice"].id
    site.knowledge.sharing.publish(alice, site.equipment.id)
    try:
        picker = site.h.kb_state("", None, "zh", req("bob", "zh"))
        assert picker["choices"] == [("Equipment · Proteomics · 公开", site.equipment.id)]
        steps = ask(site, "bob", "How long may a confocal microscope session last?", [site.equipment.id])
        assert "#page=1)** · p. 1 · Equipment" in kb_block(steps[-1].bot)["content"]
    finally:
        site.knowledge.sharing.unpublish(alice, site.equipment.id)


def test_another_users_personal_space_is_named_in_the_pages_language(site):
    """(Last in the file: the site is shared, and dave's KB in the square would be offered to everyone.)
    Issue 11 item 18: a KB of dave's personal space (its stored team name is English, "dave's space") is
    "dave 的个人空间" on a Chinese page, granted or in the square; dave's own is his personal space."""
    kn, dave = site.knowledge, site.gw.accounts.create_user("dave", PASSWORD)
    space = kn.teams.personal_space(dave.id)
    notes = kn.bases.create(dave.id, space.id, "Dave notes", "", EMBEDDING)
    shown = kn.bases.create(dave.id, space.id, "Dave shown", "", EMBEDDING)
    kn.sharing.grant_user(dave.id, notes.id, "carol")
    kn.sharing.publish(dave.id, shown.id)
    zh = dict((kb_id, label) for label, kb_id in site.h.kb_state("", None, "zh", req("carol", "zh"))["choices"])
    assert zh[notes.id] == "Dave notes · dave 的个人空间" and zh[shown.id] == "Dave shown · dave 的个人空间 · 公开"
    en = dict((kb_id, label) for label, kb_id in site.h.kb_state("", None, "en", req("carol"))["choices"])
    assert en[notes.id] == "Dave notes · dave's space"
    own = dict((kb_id, label) for label, kb_id in site.h.kb_state("", None, "zh", req("dave", "zh"))["choices"])
    assert own[notes.id] == "Dave notes · 个人空间"
