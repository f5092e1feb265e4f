"""Issue 5's "done when", as one journey in a real browser against the real ``python launch.py``.

Four fresh member accounts, nothing else prepared: everything below is done through the pages.

1. newbie opens /teams, creates the team "Marine Lab" and invites mate by username as a member.
2. On /kb newbie creates two KBs in that team, "Reef survey" and "Ship manuals" (private by default).
3. newbie uploads a folder (the "📁 Upload a folder" button: three PDFs and a .DS_Store) into "Reef survey":
   the documents table shows them queued / parsing / embedding before all three are ready, the header counts
   "Documents: 3", the retrieval test finds a fact with its page. One PDF goes into "Ship manuals" the usual way.
4. stranger (Chinese UI), before anything is shared, sees neither KB: not in his list, not in the square, not in
   the chat's KB picker, and /kb?kb=<id> of each says exactly what a made-up id says (the /kb/v1 API with his own
   key answers both like a missing KB, too).
5. newbie picks both KBs in the chat and asks a question needing one fact of each: the sources ("Found N passages
   in the knowledge bases") name a document of each KB with its page, and the citation opens the cited PDF.
6. newbie publishes "Reef survey" to the square and makes a share link for "Ship manuals".
7. stranger finds "Reef survey" in the square, opens it as a reader (no upload, no sharing, no settings) and chats
   with it (its page cited); "Ship manuals" is still nowhere for him (lists, square, chat picker, /kb?kb=<id>,
   its cited document's address, the API). friend opens the share link and gets "Ship manuals" as a reader (the
   cited document opens for her); mate, in the team, sees both as a member.

The model's wording is never asserted, only the sources panel. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.browser import (
    ARTIFACTS,
    add_members,
    artifact_name,
    ask,
    box,
    create_team,
    document_row,
    open_page,
    pick,
    screenshot,
    short_answers,
)
from tests.conftest import MASTER_KEY, GatewayProcess, seeded_data_dir
from tests.fakes.docs import pdf_file

pytestmark = pytest.mark.browser

NEWBIE = ("newbie", "Newbie-pass-2026")
MATE = ("mate", "Mate-pass-2026")
STRANGER = ("stranger", "Stranger-pass-2026")
FRIEND = ("friend", "Friend-pass-2026")
REEF_FOLDER = {   # one numbered section per page: one chunk per page
    "north-reef.pdf": [
        "1 North reef\nThe north reef lies two kilometres off the harbour. Divers survey it every spring.",
        "2 Parrotfish\nOn the north reef transect the divers counted 412 parrotfish in March, most of them near the "
        "old anchor chain.",
        "3 Bleaching\nAbout eight percent of the north reef corals showed bleaching during the spring survey.",
    ],
    "south-reef.pdf": [
        "1 South reef\nThe south reef is sheltered by the headland and is reached by boat from the marina.",
        "2 Water temperature\nThe logger on the south reef recorded 29.4 degrees Celsius at five metres depth in "
        "August.",
        "3 Sea urchins\nThe quadrats on the south reef held 57 long-spined sea urchins.",
        "4 Visibility\nVisibility on the south reef rarely exceeds twelve metres after a storm.",
    ],
    "lagoon.pdf": [
        "1 Lagoon\nThe lagoon behind the reef crest is shallow and sandy.",
        "2 Turtles\nTwo green turtles feed in the lagoon every morning at low tide.",
        "3 Seagrass\nThe seagrass meadow in the lagoon covers 3.2 hectares and is mapped each autumn.",
    ],
}
ENGINE = [
    "1 Engine room\nOnly the engineer on watch may enter the engine room while the ship is under way.",
    "2 Fuel\nThe day tank holds fuel for eighteen hours of steaming at cruising speed.",
    "3 Ballast pump\nWhen the ballast pump loses pressure the panel shows the alarm code BP-5521; switch over to "
    "the reserve pump at once.",
]
BOTH = "How many parrotfish did the divers count on the north reef, and which alarm code does the ballast pump show?"
PENDING = re.compile(r"Queued|Parsing|Embedding|pages \d+ / \d+|chunks \d+ / \d+")
# every text the documents table shows, recorded in the page as it changes (one observer per page, reset on a call)
RECORDER = """() => {
  window.seen = [];
  if (window.recording) return;
  window.recording = new MutationObserver(() => {
    const text = document.querySelector('#kb-docs')?.innerText.trim();
    if (text && window.seen[window.seen.length - 1] !== text) window.seen.push(text);
  });
  window.recording.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture()
def server(tmp_path, shared_models):
    """The real server with the embedded models and four members; stranger also gets an API key of his own (only
    to prove at the end, through /kb/v1, what the pages showed him)."""
    gw = GatewayProcess(seeded_data_dir(tmp_path / "data", shared_models)).start()
    try:
        ids = add_members(gw.url, NEWBIE, MATE, STRANGER, FRIEND)
        resp = httpx.post(gw.url + "/admin/v1/keys", json={"user_id": ids["stranger"], "name": "stranger's scripts"},
                          headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=30)
        assert resp.status_code == 201, resp.text
        gw.stranger_key = resp.json()["secret"]
        yield gw
    finally:
        gw.stop()





def search_square(page, text: str) -> None:
    """Type ``text`` into the square's search as a user does (``fill`` sends Gradio's input event with the box's
    previous value, so the square would be searched for that)."""
    field = box(page, "kb-square-q")
    field.press("Control+a")
    if text:
        field.press_sequentially(text)
    else:
        field.press("Backspace")


def chat_shot(page, request, label: str) -> None:
    """The viewport only: a full-page shot re-lays the chat out, which closes its opened sources block (which
    slides open: shot once it is drawn)."""
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{artifact_name(request, label)}.png"))


def opened_sources(page, title: str):
    """The chat's sources block (its title contains ``title``), opened by a click as soon as it shows — while the
    answer may still stream — and still open once the saved conversation has replaced the stream (the address
    gets ?c=<id>): the rows keep their places, so the browser keeps the block open."""
    from playwright.sync_api import expect

    block = page.locator("#chat-bot .thought-group").filter(has_text=title)
    expect(block).to_be_visible(timeout=120_000)
    block.locator(".title").click()
    expect(page).to_have_url(re.compile(r"\?c=\w+"))
    page.wait_for_timeout(1500)
    expect(block.locator(".content")).to_have_count(1)
    return block


def create_kb(page, name: str) -> str:
    """A KB in "Marine Lab" through the create form (small chunks: one per page); its id from the address."""
    from playwright.sync_api import expect

    page.locator("#kb-create").click()
    pick(page, "kb-c-team", "Marine Lab")
    box(page, "kb-c-name").fill(name)
    page.locator("#kb-c-tokens input").fill("100")
    page.locator("#kb-c-overlap input").fill("0")
    page.locator("#kb-c-create").click()
    expect(page.locator("#kb-notice")).to_have_text(f"Created “{name}”. Upload documents to it below.")
    expect(page.locator("#kb-head")).to_contain_text(f"{name} Private")
    expect(page.locator("#kb-head")).to_contain_text("Team: Marine Lab · Your role: Owner")
    page.wait_for_url(re.compile(r"/kb\?kb=[0-9a-f]{32}$"))
    return page.url.rsplit("=", 1)[1]


def wait_all_ready(page, names: list[str]) -> list[str]:
    """Wait (the page's timer refreshes the table, no reload) until every one of ``names`` is ready; the table's
    texts as they changed, checked to show a document still pending before all were ready."""
    from playwright.sync_api import expect

    for name in names:
        expect(document_row(page, name).locator("td").nth(1)).to_have_text("Ready", timeout=180_000)
    seen = page.evaluate("window.seen")
    print(f"\ndocuments table as it changed: {[' '.join(text.split()) for text in seen]}")
    all_ready = next(i for i, text in enumerate(seen) if text.count("Ready") == len(names))
    assert any(PENDING.search(text) for text in seen[:all_ready]), seen
    return seen


def not_found_notice(page, url: str) -> str:
    """What /kb shows for ``url`` (a ?kb=<id>): the notice, with no KB opened."""
    from playwright.sync_api import expect

    page.goto(url)
    notice = page.locator("#kb-notice")
    expect(notice).to_contain_text("该知识库不存在或未与您共享")
    expect(page.locator("#kb-open")).to_be_hidden()
    return notice.inner_text().strip()


def kb_api(server) -> httpx.Client:
    return httpx.Client(base_url=server.url + "/kb/v1", headers={"Authorization": f"Bearer {server.stranger_key}"},
                        timeout=60)


def assert_stranger_sees_none_of(page, request, server, hidden: dict[str, str], label: str) -> None:
    """stranger (zh-CN) on /kb and /chat: none of ``hidden`` (name -> id) in his list, the square or the chat's
    picker, and /kb?kb=<id> of each says what a made-up id says; the API with his key agrees."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/kb")
    for name in hidden:
        expect(page.locator("#kb-mine")).not_to_contain_text(name)
    expect(page.locator("#kb-mine")).to_contain_text("还没有知识库")
    page.get_by_role("tab", name="知识库广场").click()
    for name in hidden:
        expect(page.locator("#kb-square")).not_to_contain_text(name)
        word = name.split()[-1].lower()
        search_square(page, word)
        expect(page.locator("#kb-square")).to_contain_text(f"没有与“{word}”匹配的公开知识库。")
    search_square(page, "")
    madeup = uuid.uuid4().hex
    missing = not_found_notice(page, f"{server.url}/kb?kb={madeup}")
    for name, kb_id in hidden.items():
        assert not_found_notice(page, f"{server.url}/kb?kb={kb_id}") == missing, name
    screenshot(page, request, f"{label}-kb-zh")
    with kb_api(server) as api:
        for kb_id in hidden.values():
            for method, path in (("GET", ""), ("GET", "/documents"), ("POST", "/retrieve")):
                theirs = api.request(method, f"/knowledge-bases/{kb_id}{path}", json={"query": "reef"})
                made_up = api.request(method, f"/knowledge-bases/{madeup}{path}", json={"query": "reef"})
                assert theirs.status_code == made_up.status_code == 404, (path, theirs.text)
                assert theirs.json() == made_up.json(), path
        assert not {kb["id"] for kb in api.get("/knowledge-bases").json()["data"]} & set(hidden.values())
        assert not {kb["id"] for kb in api.get("/square").json()["data"]} & set(hidden.values())
    page.goto(f"{server.url}/chat")
    picker = page.locator("#chat-kbs")
    expect(picker).to_contain_text("知识库")
    page.locator("#chat-kbs input").click()
    for name in hidden:
        expect(page.get_by_role("option", name=re.compile(re.escape(name)))).to_have_count(0)


def test_a_newcomer_builds_two_team_kbs_chats_across_both_and_shares_them(browser, server, request, tmp_path):
    from playwright.sync_api import expect

    folder = tmp_path / "reef survey 2026"
    folder.mkdir()
    for name, pages in REEF_FOLDER.items():
        (folder / name).write_bytes(pdf_file(pages, title=name))
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")          # left out of a folder upload
    engine = tmp_path / "engine-manual.pdf"
    engine.write_bytes(pdf_file(ENGINE, title="Engine manual"))

    with open_page(browser, request, f"{server.url}/teams", user=NEWBIE) as newbie:
        # 1. the team, and mate in it by username
        expect(newbie.locator("#teams-list")).to_contain_text("newbie's space")
        create_team(newbie, "Marine Lab")
        newbie.locator("#teams-invite-user input").fill("mate")
        newbie.locator("#teams-invite").click()
        expect(newbie.locator("#teams-notice")).to_have_text("mate joined Marine Lab as member.")
        expect(newbie.locator("#teams-members")).to_contain_text("mate")
        screenshot(newbie, request, "team")

        # 2. two KBs in the team, private
        newbie.goto(f"{server.url}/kb")
        expect(newbie.locator("#kb-mine")).to_contain_text("No knowledge bases yet")
        reef_id = create_kb(newbie, "Reef survey")

        # 3. a folder into "Reef survey", watched until ready; the retrieval test finds a fact and its page
        newbie.evaluate(RECORDER)
        # the folder button's own <input webkitdirectory> (beside the button; the page's only upload button)
        newbie.locator("input[type=file][data-testid$='-upload-button']").set_input_files(str(folder))
        note = newbie.locator("#kb-doc-note")
        expect(note).to_contain_text("3 queued for ingestion, 0 refused.", timeout=60_000)
        for name in REEF_FOLDER:
            expect(note).to_contain_text(f"{name}: queued")
        expect(note).not_to_contain_text(".DS_Store")
        wait_all_ready(newbie, list(REEF_FOLDER))
        for name, pages in REEF_FOLDER.items():
            expect(document_row(newbie, name).locator("td").nth(4)).to_have_text(str(len(pages)))
        expect(newbie.locator("#kb-head")).to_contain_text("Documents: 3 · chunks: 10")
        screenshot(newbie, request, "reef-ready")
        newbie.get_by_role("tab", name="Retrieval test").click()
        box(newbie, "kb-question").fill("How warm was the water on the south reef?")
        newbie.locator("#kb-search").click()
        hit = newbie.locator("#kb-hits tbody tr", has_text="29.4").first
        expect(hit).to_contain_text("south-reef.pdf", timeout=60_000)
        expect(hit.locator("td").nth(6)).to_have_text("p. 2")
        screenshot(newbie, request, "reef-retrieval")

        newbie.get_by_role("tab", name="My knowledge bases").click()
        ship_id = create_kb(newbie, "Ship manuals")
        newbie.get_by_role("tab", name="Documents").click()
        newbie.evaluate(RECORDER)
        newbie.locator("#kb-files input[type=file]").set_input_files(str(engine))
        expect(note).to_contain_text("1 queued for ingestion, 0 refused.", timeout=60_000)
        wait_all_ready(newbie, ["engine-manual.pdf"])
        expect(newbie.locator("#kb-head")).to_contain_text("Documents: 1 · chunks: 3")
        mine = newbie.locator("#kb-mine")
        for name in ("Reef survey", "Ship manuals"):
            expect(mine.locator("tbody tr", has_text=name).locator("td").nth(5)).to_have_text("Private")

        # 4. before any sharing, stranger sees neither
        with open_page(browser, request, f"{server.url}/kb", user=STRANGER, locale="zh-CN") as stranger:
            assert_stranger_sees_none_of(stranger, request, server, {"Reef survey": reef_id,
                                                                      "Ship manuals": ship_id}, "private")
            expect(stranger.locator("#chat-kbs")).to_contain_text("还没有可选的知识库")

        # 5. the chat over both KBs: a passage of each, with its page
        newbie.goto(f"{server.url}/chat")
        pick(newbie, "chat-kbs", "Reef survey · Marine Lab")
        pick(newbie, "chat-kbs", "Ship manuals · Marine Lab")
        newbie.locator("#chat-bot").click()                     # closes the options
        short_answers(newbie, 16)
        ask(newbie, BOTH, timeout=240)
        sources = opened_sources(newbie, "in the knowledge bases")
        expect(sources.locator(".title")).to_have_text(re.compile(r"Found \d+ passages in the knowledge bases"))
        content = sources.locator(".content")
        expect(content).to_contain_text("north-reef.pdf · p. 2 · Reef survey")
        expect(content).to_contain_text("engine-manual.pdf · p. 3 · Ship manuals")
        expect(content).to_contain_text("412 parrotfish")
        expect(content).to_contain_text("BP-5521")
        expect(newbie.locator("#chat-bot")).to_contain_text("📚 Knowledge bases: Reef survey, Ship manuals")
        # the citation links the cited document at its page; newbie may open it
        cited = content.get_by_role("link", name="engine-manual.pdf").first.get_attribute("href")
        assert re.fullmatch(rf"/kb/file/{ship_id}/[0-9a-f]{{32}}#page=3", cited), cited
        ship_file = f"{server.url}{cited.split('#')[0]}"
        opened = newbie.request.get(ship_file)
        assert opened.status == 200 and opened.headers["content-type"] == "application/pdf", opened.status
        chat_shot(newbie, request, "chat-both")

        # 6. "Reef survey" to the square, a share link for "Ship manuals"
        newbie.goto(f"{server.url}/kb?kb={reef_id}")
        expect(newbie.locator("#kb-head")).to_contain_text("Reef survey")
        newbie.get_by_role("tab", name="Sharing").click()
        newbie.locator("#kb-publish").click()
        expect(newbie.locator("#kb-share-note")).to_have_text("“Reef survey” is in the square now.")
        expect(newbie.locator("#kb-head")).to_contain_text("Reef survey Public")
        pick(newbie, "kb-pick-mine", "Ship manuals · Marine Lab")
        expect(newbie.locator("#kb-head")).to_contain_text("Ship manuals Private")
        newbie.get_by_role("tab", name="Sharing").click()
        newbie.locator("#kb-link-create").click()
        link_box = newbie.locator("#kb-link").get_by_role("textbox")
        expect(link_box).to_have_value(re.compile(rf"^{re.escape(server.url)}/kb\?share=[\w-]{{40,}}$"))
        link = link_box.input_value()
        expect(newbie.locator("#kb-head")).to_contain_text("Ship manuals Private")       # a link does not publish
        screenshot(newbie, request, "shared")

    # 7. stranger: "Reef survey" from the square, as a reader, and chats with it; "Ship manuals" still nowhere
    with open_page(browser, request, f"{server.url}/kb", user=STRANGER, locale="zh-CN") as stranger:
        stranger.get_by_role("tab", name="知识库广场").click()
        search_square(stranger, "reef")
        expect(stranger.locator("#kb-square")).to_contain_text("Reef survey")
        expect(stranger.locator("#kb-square")).to_contain_text("读者")
        pick(stranger, "kb-pick-square", "Reef survey · Marine Lab")
        expect(stranger.locator("#kb-head")).to_contain_text("您的角色：读者")
        expect(document_row(stranger, "north-reef.pdf").locator("td").nth(1)).to_have_text("就绪")
        for hidden in ("#kb-files", "#kb-folder"):
            expect(stranger.locator(hidden)).to_be_hidden()
        for tab in ("分享", "设置"):
            expect(stranger.get_by_role("tab", name=tab)).to_have_count(0)
        screenshot(stranger, request, "square-reader-zh")
        assert_stranger_sees_none_of(stranger, request, server, {"Ship manuals": ship_id}, "shared")
        # nor its cited document: the same answer as for a made-up KB
        theirs = stranger.request.get(ship_file)
        made_up = stranger.request.get(ship_file.replace(ship_id, uuid.uuid4().hex))
        assert theirs.status == made_up.status == 404 and theirs.json() == made_up.json(), theirs.text()
        stranger.get_by_role("option", name="Reef survey · Marine Lab · 公开", exact=True).click()
        stranger.locator("#chat-bot").click()
        short_answers(stranger, 8)
        ask(stranger, "How many parrotfish were counted on the north reef?", timeout=240)
        sources = opened_sources(stranger, "在知识库中找到")
        expect(sources.locator(".title")).to_have_text(re.compile(r"在知识库中找到 \d+ 个段落"))
        expect(sources.locator(".content")).to_contain_text("north-reef.pdf · 第 2 页 · Reef survey")
        expect(sources.locator(".content")).not_to_contain_text("Ship manuals")
        chat_shot(stranger, request, "chat-public-zh")
    with kb_api(server) as api:
        reef = api.get(f"/knowledge-bases/{reef_id}")
        assert reef.status_code == 200 and reef.json()["role"] == "reader", reef.text

    # friend opens the share link: "Ship manuals" as a reader
    with open_page(browser, request, link, user=FRIEND) as friend:
        expect(friend.locator("#kb-notice")).to_have_text("“Ship manuals” was shared with you: you may read it and "
                                                          "search it.")
        expect(friend.locator("#kb-head")).to_contain_text("Your role: Reader")
        friend.wait_for_url(re.compile(rf"/kb\?kb={ship_id}$"))                # the token left the address
        expect(document_row(friend, "engine-manual.pdf").locator("td").nth(1)).to_have_text("Ready")
        expect(friend.locator("#kb-files")).to_be_hidden()
        expect(friend.locator("#kb-mine")).to_contain_text("Ship manuals")
        assert friend.request.get(ship_file).status == 200                    # the cited document opens for her
        screenshot(friend, request, "share-link")

    # mate, a member of the team, has both in his list
    with open_page(browser, request, f"{server.url}/kb", user=MATE) as mate:
        for name in ("Reef survey", "Ship manuals"):
            expect(mate.locator("#kb-mine tbody tr", has_text=name).locator("td").nth(2)).to_have_text("Member")
