"""The authorization matrix of the workbench UI, over every handler the pages register.

Every event handler in the built Blocks must be classified here (a new handler fails this test
until someone decides who may call it). Then, on real services:
- admin-only handlers refuse a member and change nothing;
- own-data handlers refuse a signed-out caller, and never show one member another member's keys,
  applications or usage — even when handed the other member's ids;
- the few open handlers (model status, page language, date shortcuts) carry no per-user data.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from app.chat.context import ChatDocuments, ChatSetup
from app.ui import build_ui
from gateway.usage.ledger import Ledger, UsageRow
from launch import AccountDirectory, open_knowledge, open_mcp
from tests import aio
from tests.app.conftest import opened_gateway
from tests.app.pages import PASSWORD
from tests.conftest import MASTER_KEY
from tests.workbench.mcp_servers import LabServer, serve
from workbench.attachments import Attachments
from workbench.conversations import Conversations
from workbench.mcp.catalogue import Viewer
from workbench.mcp.groups import GroupDraft, Member
from workbench.mcp.remotes import Registration
from workbench.mcp.runs import Call
from workbench.papers.service import Papers
from workbench.prompt_studio.cases import Case
from workbench.prompt_studio.service import PromptStudio
from workbench.prompt_studio.templates import Template
from workbench.schema import open_store
from workbench.store import store_path, utcnow

ADMIN_ONLY = {
    *(f"app.admin.page.AdminPage.{n}" for n in (
        "approve", "audit_page", "create_key", "create_user", "disable", "enable", "pick_application", "refresh",
        "reissue", "reject", "reset_password", "revoke_key", "set_role")),
    *(f"app.admin.models.ModelsTab.{n}" for n in ("load", "refresh", "revert", "save", "validate")),
    "app.docs.page.DocsPage.add_note", "app.docs.page.DocsPage.delete_note",
    *(f"app.mcp.admin.AdminHandlers.{n}" for n in (
        "admin_refresh", "cancel_install", "configure", "contents_if_running", "import_file", "import_text",
        "import_url", "install", "install_log", "install_tick", "restart", "server_log", "start", "stop", "uninstall")),
    "app.mcp.page.McpPage.draw_values",         # drawn for admins only (the values an install needs)
}
OWN_DATA = {
    *(f"app.account.page.AccountPage.{n}" for n in (
        "apply", "ask_more", "change_password", "refresh", "reveal", "revoke")),
    "app.usage.page.UsagePage.refresh", "app.usage.page.UsagePage.rank",
    "app.docs.page.DocsPage.refresh",
    *(f"app.chat.page.ChatPage.{n}" for n in (
        "delete", "export_json", "export_markdown", "kb_state", "load", "new_chat", "open_conversation", "redraw",
        "rename", "save_settings", "search", "tool_state")),
    # the chat's streams (async generators) are drained by the harness like any handler
    *(f"app.chat.answer.ChatAnswers.{n}" for n in ("confirm", "deny", "regenerate", "resend", "send")),
    *(f"app.chat.documents.ChatDocumentHandlers.{n}" for n in ("attach", "documents", "remove_documents")),
    *(f"app.kb.handlers.KBHandlers.{n}" for n in (
        "cancel", "chunks", "create", "delete_document", "download", "load", "open_kb", "refresh", "retrieve",
        "retry", "search_square", "tick", "upload", "upload_folder")),
    *(f"app.kb.sharing.SharingHandlers.{n}" for n in (
        "create_link", "delete_kb", "grant_team", "grant_user", "publish", "revoke_grant", "revoke_link",
        "save_settings", "unpublish")),
    *(f"app.teams.page.TeamsPage.{n}" for n in (
        "create", "create_link", "delete", "invite", "join", "leave", "load", "remove", "revoke_link", "save",
        "select", "set_role", "transfer")),
    *(f"app.mcp.handlers.CatalogueHandlers.{n}" for n in (
        "contents", "get_prompt", "load", "open_entry", "pick_prompt", "pick_tool", "read_resource", "run_detail",
        "run_json", "run_tool", "runs", "search")),
    *(f"app.mcp.manage.ManageHandlers.{n}" for n in ("approve", "disable", "enable", "remove", "review",
                                                     "set_asks", "set_header")),
    "app.mcp.register.RegisterHandlers.register",
    *(f"app.mcp.groups.GroupHandlers.{n}" for n in ("delete_group", "groups_load", "new_group", "open_group",
                                                     "refresh_groups", "save_group")),
    "app.mcp.page.McpPage.draw_tool", "app.mcp.page.McpPage.draw_prompt",     # the forms drawn by @gr.render
    # the prompt studio: the library checks the caller's role on the prompt on every call
    *(f"app.prompts.library.LibraryHandlers.{n}" for n in ("create", "fork_square", "generate", "load", "open_prompt",
                                                           "search")),
    *(f"app.prompts.edit.EditHandlers.{n}" for n in (
        "accept", "compare", "delete", "fork", "improve", "move", "pick_version", "publish", "remove_label",
        "save_version", "set_label", "unpublish")),
    *(f"app.prompts.cases.CasesHandlers.{n}" for n in (
        "accept_drafted", "add_grader", "draft", "export_csv", "export_jsonl", "export_yaml", "import_cases",
        "remove_grader", "save_cases")),
    *(f"app.prompts.run.RunHandlers.{n}" for n in ("label_optimised", "optimise", "run")),
    # papers: the papers' library checks the caller's role on the paper on every call
    *(f"app.papers.library.LibraryHandlers.{n}" for n in ("delete", "load", "move", "open_paper", "tick", "to_kb",
                                                          "upload")),
    *(f"app.papers.reading.ReadingHandlers.{n}" for n in ("export", "poll", "read", "show", "stop")),
    "app.papers.questions.QuestionHandlers.ask", "app.papers.questions.QuestionHandlers.new_thread",
    "app.papers.compare.CompareHandlers.compare",
    "app.papers.compare.CompareHandlers.export_comparison",     # renders only the table this session was shown
}
OPEN = {  # no per-user data: the models' health, who am I, date shortcuts, a model's default thinking budget
    "app.home.page.HomePage.refresh", "app.home.page.HomePage.api_info",
    "app.shell.header.header.<locals>.whoami", "app.usage.page.UsagePage.quick",
    "app.chat.page.ChatPage.model_budget", "app.chat.answer.ChatAnswers.put_away", "app.mcp.page.McpPage.language",
}
SECRET_MARKERS = ("alice-secret-project", "Alice Secret Lab", "ALICE-ONLY purpose", "987654", "987,654",
                  "ALICE-CHAT-SECRET", "alice-notes.md", "ALICE-DOC-SECRET", "Alice Secret Team", "ALICE-KB-SECRET",
                  "alice-kb-secret.md", "alice-kb-description", "ALICE-KB-TEXT",
                  "KB-TEXT here",           # a chunk's text, also when the filter "ALICE" is marked in it
                  "ALICE-MCP-SECRET", "alice-mcp-description", "ALICE-MCP-TOKEN", "ALICE-MCP-RUN",
                  "ALICE-MCP-TOOLS", "ALICE-MCP-GROUP", "alice-group-secret", "alice-prompt-secret",
                  "ALICE-PROMPT-TEXT", "ALICE-PROMPT-DESCRIPTION", "ALICE-PROMPT-CASE",
                  "ALICE-PAPER-SECRET")
NOWHERE = "http://127.0.0.1:9/v1"          # the chat's model calls fail: bob must be refused before any
# components whose value is a file Gradio copies into its cache and serves at /gradio_api/file=<path> to anyone
# signed in who has the path, with no check of who may read it, for as long as the copy lasts
FILE_COMPONENTS = (gr.File, gr.DownloadButton, gr.UploadButton, gr.Image, gr.Gallery, gr.Video, gr.Audio, gr.Model3D)


def req(username: str | None) -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": "en"})


def _name(fn: Any) -> str:
    fn = fn.func if isinstance(fn, functools.partial) else fn
    return f"{fn.__module__}.{fn.__qualname__}"


def _handlers(block_fn: Any) -> list[Any]:
    """The handlers behind one registered function: itself, or for a ``@gr.render`` the drawing function and the
    handlers its drawn buttons call (``RENDERED`` of the page that draws them)."""
    from gradio.renderable import Renderable

    owner = getattr(block_fn.fn, "__self__", None)
    if not isinstance(owner, Renderable):
        return [block_fn.fn]
    page = getattr(owner.fn, "__self__", None)
    return [owner.fn, *(getattr(page, name) for name in getattr(page, "RENDERED", ()))]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    gw = opened_gateway(tmp_path_factory.mktemp("authz"), lambda: {"models": [], "master_key_hint": ""},
                        MAAS_MCP_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    admin = gw.console.actor_for_username("admin")
    alice = gw.accounts.create_user("alice", PASSWORD, organisation="Alice Secret Lab")
    bob = gw.accounts.create_user("bob", PASSWORD, organisation="Bob Lab")
    key, _ = gw.console.create_key(admin, alice.id, "alice-secret-project", ["qwen2.5-coder:0.5b"])
    app = gw.applications.submit(alice.id, {
        "name": "alice-secret-project", "contact_name": "Alice", "email": "alice@example.org",
        "organisation": "Alice Secret Lab", "phone": "+86 10 1234 5678",
        "purpose": "ALICE-ONLY purpose: a long enough description of the research.", "models": ["qwen2.5-coder:0.5b"]})
    ledger = Ledger(gw.store)
    ledger.record(UsageRow(ts=datetime.now(UTC).replace(tzinfo=None), request_id="r1", key_id=key.id,
                           endpoint="chat.completions", model="qwen2.5-coder:0.5b", deployment="d",
                           prompt_tokens=987000, completion_tokens=654, reasoning_tokens=None, total_tokens=987654,
                           usage_source="upstream", status=200, error_code=None, stream=False, latency_ms=1.0,
                           ttft_ms=None, client_aborted=False))
    ledger.flush()
    # alice's conversation with a document, in the workbench's own store
    wb = open_store(store_path(tmp_path_factory.mktemp("authz-wb")))
    convs = Conversations(wb)
    attachments = Attachments(wb, convs, files_dir=tmp_path_factory.mktemp("authz-chat-files"))
    conv = convs.create(alice.id, model="qwen2.5-coder:0.5b")
    convs.add_message(alice.id, conv.id, "user", "ALICE-CHAT-SECRET question about her lab")
    convs.add_message(alice.id, conv.id, "assistant", "An answer for alice only.")
    doc = attachments.add(alice.id, conv.id, "alice-notes.md", b"# Notes\n\nALICE-DOC-SECRET results.", max_bytes=10**6)
    # alice's team, its knowledge base with a document, an invite link and a share link
    knowledge = open_knowledge(gw.settings, gw, wb)
    # alice's own remote MCP server (nothing listens there: bob must be refused before anything is sent) and a run
    mcp = open_mcp(gw.settings, wb, knowledge)
    alice_viewer = Viewer(alice.id)
    server = aio.run(mcp.hub.register(Registration(
        "http://127.0.0.1:9/mcp", title="ALICE-MCP-SECRET lab", description="alice-mcp-description",
        bearer_token="ALICE-MCP-TOKEN-0123456789"), alice_viewer))
    run_id = mcp.hub.run_log.record(Call(alice.id, server.id, server.name, "add", "form", utcnow(), 1.0, True, None,
                                         {"note": "ALICE-MCP-RUN"}, 20))
    # and a second one that answers (the lab on loopback), its tools approved by her: hers to offer the chat only
    lab = contextlib.ExitStack()
    lab_url = lab.enter_context(serve(LabServer())).url
    tools = aio.run(mcp.hub.register(Registration(lab_url, title="ALICE-MCP-TOOLS"), alice_viewer))
    aio.run(mcp.hub.approve(tools.id, alice_viewer))
    group = mcp.groups.create(GroupDraft("alice-group-secret", "ALICE-MCP-GROUP lab", members=(Member(tools.id),)),
                              alice_viewer)                  # her tool group, served at /mcp/v1/alice-group-secret
    team = knowledge.teams.create(alice.id, "Alice Secret Team")
    base = knowledge.bases.create(alice.id, team.id, "ALICE-KB-SECRET", "alice-kb-description",
                                  "use-multilingual:v3")
    [kb_doc] = knowledge.upload(alice.id, base.id, [("alice-kb-secret.md", b"# Secret\n\nALICE-KB-TEXT here.")])
    with wb.transaction() as cur:           # as if ingested (no worker here): a chunk for the chunk view to guard
        cur.execute("UPDATE kb_documents SET status = 'ready', chunks = 1 WHERE id = ?", [kb_doc.id])
        cur.execute("INSERT INTO kb_chunks (id, kb_id, document_id, idx, text, heading, tokens) VALUES "
                    "(?, ?, ?, 0, 'ALICE-KB-TEXT here.', 'Secret', 3)", [f"{kb_doc.id}-0", base.id, kb_doc.id])
    invite, _ = knowledge.teams.invite_link(alice.id, team.id, "member")
    # her private prompt with a test case and a label (the studio's model calls go nowhere: bob is refused first)
    prompts = PromptStudio.open(wb, AccountDirectory(gw.accounts), base_url=NOWHERE, key_for=lambda user_id: MASTER_KEY)
    prompt = prompts.library.create(alice.id, "alice-prompt-secret", Template("ALICE-PROMPT-TEXT for {{x}}", "{{x}}"),
                                    description="ALICE-PROMPT-DESCRIPTION")
    prompts.casebook.replace(alice.id, prompt.id, [Case({"x": "ALICE-PROMPT-CASE"}, "y")])
    prompts.library.set_label(alice.id, prompt.id, "production", 1)
    link, _ = knowledge.sharing.create_link(alice.id, base.id)
    # her paper, in her personal space (not started: nothing is parsed, bob must be refused before any model call)
    papers = Papers.open(wb, AccountDirectory(gw.accounts), tmp_path_factory.mktemp("authz-papers"), base_url=NOWHERE,
                         key_for=lambda user_id: MASTER_KEY, embedding_model="use-multilingual:v3")
    paper = papers.library.add(alice.id, "ALICE-PAPER-SECRET.pdf", "0" * 64, 1000)
    chat = ChatSetup(convs, NOWHERE, key_for=lambda user_id: MASTER_KEY, documents=ChatDocuments(attachments),
                     knowledge=knowledge, mcp=mcp.hub)
    demo, _ = build_ui(gw, chat=chat, knowledge=knowledge, mcp=mcp, prompts=prompts, papers=papers)
    fns = {}
    for block_fn in demo.fns.values():
        if block_fn.fn is not None:
            for fn in _handlers(block_fn):
                fns.setdefault(_name(fn), fn)
    yield SimpleNamespace(gw=gw, wb=wb, demo=demo, fns=fns, alice=alice, bob=bob, key=key, app=app, conv=conv, doc=doc,
                          attachments=attachments,
                          upload=tmp_path_factory.mktemp("authz-upload"), team=team, kb=base, kb_doc=kb_doc,
                          invite=invite, link=link, mcp_entry=server, mcp_tools=tools, mcp_run=run_id,
                          mcp_group=group, prompt=prompt, paper=paper)
    aio.run(mcp.stop())
    lab.close()
    aio.run(knowledge.stop())
    wb.close()
    gw.store.close()


def _snapshot(site) -> tuple:
    cur, wb = site.gw.store.cursor(), site.wb.cursor()
    return (*(cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
              for t in ("users", "api_keys", "key_applications", "audit_log", "release_notes", "sessions")),
            *(wb.execute(f"SELECT * FROM {t} WHERE {owner} = ? ORDER BY ALL", [site.alice.id]).fetchall()
              for t, owner in (("conversations", "user_id"), ("attachments", "user_id"))),
            wb.execute("SELECT * FROM messages WHERE conversation_id = ? ORDER BY ALL", [site.conv.id]).fetchall(),
            *(wb.execute(f"SELECT * FROM {t} WHERE {column} = ? ORDER BY ALL", [value]).fetchall()
              for t, column, value in (("teams", "id", site.team.id), ("team_members", "team_id", site.team.id),
                                       ("team_invites", "team_id", site.team.id), ("knowledge_bases", "id", site.kb.id),
                                       ("kb_documents", "kb_id", site.kb.id), ("kb_shares", "kb_id", site.kb.id),
                                       ("kb_grants", "kb_id", site.kb.id), ("mcp_catalogue", "id", site.mcp_entry.id),
                                       ("mcp_header_values", "entry_id", site.mcp_entry.id),
                                       ("mcp_tool_pins", "entry_id", site.mcp_entry.id),
                                       ("mcp_runs", "user_id", site.alice.id), ("mcp_groups", "id", site.mcp_group.id),
                                       ("mcp_group_tools", "group_id", site.mcp_group.id),
                                       *((t, "prompt_id", site.prompt.id) for t in (
                                           "prompt_versions", "prompt_labels", "prompt_cases")),
                                       ("prompts", "id", site.prompt.id), ("papers", "id", site.paper.id))))


def _args(fn: Any, site, username: str | None) -> dict[str, Any]:
    """Every parameter None, but the language, the request, and the other member's ids where ids go."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    args: dict[str, Any] = {p: None for p in inspect.signature(target).parameters}
    args.update(lang="en", request=req(username))
    upload = site.upload / "bob-notes.md"
    upload.write_text("# Bob\n\nBob's own file.", encoding="utf-8")
    ids = {"app_id": site.app.id, "key_id": site.key.id, "user_id": site.alice.id, "note_id": "rn_x",
           "conversation_id": site.conv.id, "selected": [site.doc.id], "text": "What did alice write?",
           "title": "renamed by someone else", "model": "qwen2.5-coder:0.5b", "files": [str(upload)],
           "edit": gr.EditData(None, {"index": 0, "value": "edited", "previous_value": "x"}),
           "kb_id": site.kb.id, "team_id": site.team.id, "document_id": site.kb_doc.id, "link_id": site.link.id,
           "invite_id": site.invite.id, "member_id": site.alice.id, "new_owner_id": site.alice.id,
           "kb_ids": [site.kb.id], "question": "What is in alice's knowledge base?", "query": "ALICE",
           "username": "bob", "grantee": "bob", "name": "renamed by bob", "confirm": "ALICE-KB-SECRET",
           "entry_id": site.mcp_entry.id, "run_id": site.mcp_run, "tool": "add", "values": {"a": 1, "b": 2},
           "hashes": {"add": "0" * 64}, "allow_flagged": True, "uri": "file:///etc/passwd", "prompt": "greet",
           "url": "http://127.0.0.1:9/mcp", "visibility": "user", "token": "bob-token-0123456789",
           "value": "Bearer stolen-by-bob",
           "tool_ids": [site.mcp_tools.id, f"{site.mcp_tools.id}/add"], "group_id": site.mcp_group.id,
           "slug": "alice-group-secret", "members": [site.mcp_tools.id], "renames": "add = bobs_add",
           "prompt_id": site.prompt.id, "version": "1", "versions": ["1"], "label": "production",
           "system": "bob's rewrite", "user": "{{x}}", "override": True, "a": "1", "b": "1",
           "paper_id": site.paper.id, "paper_ids": [site.paper.id, site.paper.id], "file": str(upload)}
    args.update({k: v for k, v in ids.items() if k in args})
    return args


def _call(fn: Any, args: dict[str, Any]) -> Any:
    result = fn(**args)
    if inspect.isasyncgen(result):                  # a stream: everything it would have shown, in order

        async def drain() -> list:
            return [step async for step in result]
        return aio.run(drain())
    return aio.run(result) if inspect.iscoroutine(result) else result


def _text(value: Any) -> str:
    """Everything a handler returned, as the page could show it (files read, frames rendered)."""
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(_text(v) for v in value.values())
    if hasattr(value, "to_csv"):
        return value.to_csv()
    if isinstance(value, str) and len(value) < 500 and value.endswith(".csv") and Path(value).is_file():
        return Path(value).read_text(encoding="utf-8-sig")
    return "" if value is None else str(value)


def test_every_handler_is_classified(site) -> None:
    registered = set(site.fns)
    unknown = registered - ADMIN_ONLY - OWN_DATA - OPEN
    assert not unknown, f"decide who may call these handlers and add them here: {sorted(unknown)}"
    missing = (ADMIN_ONLY | OWN_DATA | OPEN) - registered
    assert not missing, f"classified but no longer registered: {sorted(missing)}"


def test_no_handler_hands_gradio_a_file_to_serve(site) -> None:
    """A KB document or a conversation is handed out only as an address of our own checked routes (/kb/file/...,
    /chat/export/...): a file output would be copied into Gradio's cache and served to anyone signed in, still after
    the share link was revoked or the document deleted. (Clearing an upload, an input of the same event, is fine.)"""
    serving = {_name(block_fn.fn) for block_fn in site.demo.fns.values() if block_fn.fn is not None
               for out in block_fn.outputs if isinstance(out, FILE_COMPONENTS) and out not in block_fn.inputs}
    assert serving == set()
    for name in ("app.kb.handlers.KBHandlers.download",
                 "app.chat.page.ChatPage.export_markdown",
                 "app.chat.page.ChatPage.export_json"):
        fn = site.fns[name]
        shown = _call(fn, _args(fn, site, "alice"))           # the owner: an address of a checked route, no file
        assert isinstance(shown, str) and shown.startswith(("/kb/file/", "/chat/export/")), (name, shown)
        assert not Path(shown.split("?")[0]).exists()


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_admin_only_handlers_refuse_members_and_change_nothing(site, name) -> None:
    before = _snapshot(site)
    with pytest.raises(gr.Error) as err:
        _call(site.fns[name], _args(site.fns[name], site, "bob"))
    assert "Only administrators" in err.value.message
    assert _snapshot(site) == before


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY | OWN_DATA))
def test_signed_out_callers_are_refused(site, name) -> None:
    before = _snapshot(site)
    with pytest.raises(gr.Error) as err:
        _call(site.fns[name], _args(site.fns[name], site, None))
    assert "sign in again" in err.value.message
    assert _snapshot(site) == before


@pytest.mark.parametrize("name", sorted(OWN_DATA))
def test_own_data_handlers_never_show_another_members_data(site, name) -> None:
    before = _snapshot(site)
    try:
        shown = _text(_call(site.fns[name], _args(site.fns[name], site, "bob")))
    except gr.Error as err:                 # refusing is fine: it must not name the other member's things
        shown = err.message
    for marker in SECRET_MARKERS:
        assert marker not in shown, f"{name} showed bob '{marker}' of alice's"
    after = _snapshot(site)
    assert after[1] == before[1] and after[2][:1] == before[2][:1], "bob changed alice's keys or applications"
    assert after[6:] == before[6:], "bob changed alice's conversation, her documents, team or knowledge base"


def test_the_owner_does_see_their_own_data(site) -> None:
    """The check above is not vacuous: the same handlers show alice her own things."""
    account = _text(site.fns["app.account.page.AccountPage.refresh"](**_args(
        site.fns["app.account.page.AccountPage.refresh"], site, "alice")))
    assert "alice-secret-project" in account
    usage = _text(site.fns["app.usage.page.UsagePage.refresh"](**_args(
        site.fns["app.usage.page.UsagePage.refresh"], site, "alice")))
    assert "987,654" in usage and "alice-secret-project" in usage
    opened = _text(site.fns["app.chat.page.ChatPage.open_conversation"](**_args(
        site.fns["app.chat.page.ChatPage.open_conversation"], site, "alice")))
    assert "ALICE-CHAT-SECRET" in opened
    docs = _text(site.fns["app.chat.documents.ChatDocumentHandlers.documents"](**_args(
        site.fns["app.chat.documents.ChatDocumentHandlers.documents"], site, "alice")))
    assert "alice-notes.md" in docs
    for name, marker in (("app.kb.handlers.KBHandlers.open_kb", "alice-kb-secret.md"),
                         ("app.kb.handlers.KBHandlers.chunks", "KB-TEXT here"),
                         ("app.mcp.handlers.CatalogueHandlers.open_entry", "ALICE-MCP-SECRET"),
                         ("app.mcp.handlers.CatalogueHandlers.run_detail", "ALICE-MCP-RUN"),
                         ("app.mcp.handlers.CatalogueHandlers.search", "ALICE-MCP-SECRET"),
                         ("app.teams.page.TeamsPage.load", "Alice Secret Team"),
                         ("app.chat.page.ChatPage.tool_state", "ALICE-MCP-TOOLS"),
                         ("app.mcp.groups.GroupHandlers.groups_load", "ALICE-MCP-GROUP"),
                         ("app.mcp.groups.GroupHandlers.open_group", "alice-group-secret"),
                         ("app.prompts.library.LibraryHandlers.load", "alice-prompt-secret"),
                         ("app.prompts.library.LibraryHandlers.open_prompt", "ALICE-PROMPT-CASE"),
                         ("app.prompts.edit.EditHandlers.compare", "ALICE-PROMPT-TEXT"),
                         ("app.papers.library.LibraryHandlers.load", "ALICE-PAPER-SECRET"),
                         ("app.papers.library.LibraryHandlers.open_paper", "ALICE-PAPER-SECRET")):
        fn = site.fns[name]
        assert marker in _text(_call(fn, _args(fn, site, "alice"))), name


def test_an_attached_documents_file_opens_for_its_owner_only(site) -> None:
    """``GET /chat/file/<attachment id>`` (what a chat citation of a document opens): alice gets her file; bob gets
    the same 404 as for a document that does not exist, and nothing of hers; without a session, 401."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app.http import chat_files, signin

    web = FastAPI()
    web.include_router(chat_files.routes(site.attachments, signin.SessionUsers(site.gw)))

    def session(user) -> dict[str, str]:
        return {"cookie": f"{signin.SESSION_COOKIE}={site.gw.sessions.create(user.id)}"}

    path = chat_files.file_url(site.doc.id, 3).split("#")[0]
    with TestClient(web) as http:
        mine = http.get(path, headers=session(site.alice))
        assert mine.status_code == 200 and mine.content == b"# Notes\n\nALICE-DOC-SECRET results."
        assert mine.headers["content-disposition"].startswith('attachment; filename="alice-notes.md"')
        assert mine.headers["content-security-policy"] == "sandbox" and mine.headers["x-content-type-options"] == \
            "nosniff"
        theirs = http.get(path, headers=session(site.bob))
        missing = http.get(chat_files.file_url("no-such-document"), headers=session(site.bob))
        assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
        assert not any(marker in theirs.text for marker in SECRET_MARKERS)
        assert http.get(path).status_code == 401
