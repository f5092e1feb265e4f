"""Composition root: settings -> gateway + workbench UI -> one uvicorn process.

    python launch.py [--host 127.0.0.1] [--port 7860] [--config models.yaml] [--data-dir data]

The gateway answers /v1/*, /rerank and /health*; the admin API /admin/v1/* and the workbench's routes are
routers of one FastAPI app; everything else is the Gradio workbench (signed-in users only).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys


def offline_environment() -> None:
    """Switch off every library's call-home before anything imports them."""
    for name, value in {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                        "DO_NOT_TRACK": "1", "TRANSFORMERS_OFFLINE": "1"}.items():
        os.environ[name] = value


def build_app(gateway, workbench_store=None, knowledge=None, mcp=None, prompts=None, papers=None):
    """One ASGI app: /v1 straight to the gateway's hand-rolled ASGI app; the rest is one FastAPI app: the routers
    (the gateway's /admin/v1, those of ``app.http``) in order, then the Gradio UI; all but sign-in, /kb/v1 and
    /admin/v1 (API keys) need a signed-in session (``app.http.auth.SessionGuard``: pages redirect to /login, other
    calls get 401).

    ``workbench_store``: the workbench's opened database (``open_workbench``); the chat page's
    conversations live there (without it the chat page says chat is not available). ``knowledge``: the
    knowledge bases (``open_knowledge``; None: the knowledge-base pages say they are not available). ``mcp``: the MCP
    hub (``open_mcp``; None: the MCP page says it is not available). ``prompts``: the prompt studio (``open_prompts``;
    None: its page says it is not available, /prompts/v1 answers 503). ``papers``: paper reading (``open_papers``;
    None: its page says it is not available, /papers/v1 answers 503)."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    from app.chat import page as chat
    from app.http import (
        auth,
        chat_export,
        chat_files,
        kb_api,
        kb_files,
        papers_api,
        papers_files,
        prompts_api,
        signin,
        usage_export,
    )
    from app.http.mcp_api import PREFIX as MCP_PREFIX
    from app.shell import header as shell
    from app.ui import build_ui
    from gateway.http import admin_api
    from gateway.http.api import GatewayApp, is_gateway_path
    from gateway.http.proxies import forwarded_scope
    from gateway.routing.catalogue import EMBEDDED_EMBEDDING_ID
    from workbench.attachments import MB, Attachments
    from workbench.conversations import Conversations
    from workbench.websearch_client import searcher

    sessions = auth.SessionUsers(gateway)

    def username(request) -> str | None:
        user = sessions.user(request.headers.get("cookie"))
        return user.username if user else None

    setup = None
    if workbench_store is not None:     # the chat reaches the models through this process's own /v1 API
        conversations = Conversations(workbench_store)
        base_url = chat.local_api_url(gateway.settings.host, gateway.settings.port)
        documents = chat.ChatDocuments(Attachments(workbench_store, conversations,
                                                   files_dir=gateway.settings.data_dir / "chat-files"),
                                       max_bytes=gateway.settings.chat_max_upload_mb * MB,
                                       embedding_model=EMBEDDED_EMBEDDING_ID)
        setup = chat.ChatSetup(conversations, base_url, web_search=searcher(base_url, gateway.keys.workbench_key),
                               documents=documents, knowledge=knowledge, mcp=mcp.hub if mcp is not None else None,
                               prompts=prompts.library if prompts is not None else None)
    blocks, i18n = build_ui(gateway, chat=setup, knowledge=knowledge, mcp=mcp, prompts=prompts, papers=papers)
    ui = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    # CORS: only the workbench's own origin may read the UI's answers from a script (Gradio's own CORS, which this
    # replaces, let any localhost/127.0.0.1 page read them with the user's cookie)
    ui.add_middleware(CORSMiddleware, allow_origins=[signin.origin_of(gateway.settings.base_url)],
                      allow_credentials=True, allow_methods=["GET", "POST"], allow_headers=["*"])
    # every page and route needs a session (pages redirect to /login), but sign-in itself, /kb/v1, /prompts/v1,
    # /papers/v1 and /admin/v1 (their API keys)
    ui.add_middleware(auth.SessionGuard, users=sessions,
                      open_prefixes=(kb_api.PREFIX, prompts_api.PREFIX, papers_api.PREFIX, admin_api.PREFIX))
    kb_http = kb_api.KnowledgeAPI(knowledge, auth.ApiKey(gateway.keys.authenticate),
                                  base_url=chat.local_api_url(gateway.settings.host, gateway.settings.port),
                                  max_upload_bytes=(gateway.settings.kb_max_upload_mb + 1) * MB)
    routers = [                                                  # the HTTP routes that are not pages, in order
        admin_api.AdminAPI(gateway).router(),                    # /admin/v1, by an administrator's API key
        kb_http.router(),                                        # /kb/v1, by a user's API key
        prompts_api.PromptsAPI(prompts.library if prompts is not None else None,
                               auth.ApiKey(gateway.keys.authenticate)).router(),   # /prompts/v1, by a user's API key
        papers_api.PapersAPI(papers, auth.ApiKey(gateway.keys.authenticate)).router(),   # /papers/v1, the same
        signin.routes(gateway, sessions),
        kb_files.routes(knowledge, sessions),                    # a KB document for the signed-in user
        usage_export.routes(gateway.console, sessions),          # Usage CSVs, as the user may see them
        *([chat_export.routes(setup.conversations, sessions)] if setup else []),   # a conversation's export
        chat_files.routes(setup.documents.attachments if setup else None, sessions),   # their own documents
        papers_files.routes(papers, sessions),                   # a paper's PDF and its pages, quotes marked
    ]
    for router in routers:
        ui.include_router(router)
    endpoints = mcp_endpoints(gateway, mcp, knowledge)         # /mcp/v1, by a user's API key
    # an upload larger than any page takes is refused by Gradio before it is stored (the pages check each file's
    # own limit from its size on disk); "Use via API" in the footer would point at Gradio's API, not ours
    largest = max(gateway.settings.kb_max_upload_mb, gateway.settings.chat_max_upload_mb) + 1
    ui = gr.mount_gradio_app(ui, blocks, path="/", i18n=i18n, auth_dependency=username, css=shell.CSS + chat.CSS,
                             footer_links=["settings"], max_file_size=f"{largest}mb")
    # Gradio's queue polls every 1 ms when idle: ~4% of a core taken from the model server
    # (bench/README.md). 10 ms keeps UI events prompt. Private attribute of the pinned Gradio.
    if getattr(blocks, "_queue", None) is not None and hasattr(blocks._queue, "sleep_when_free"):
        blocks._queue.sleep_when_free = 0.01
    api = GatewayApp(gateway)
    trusted = gateway.settings.trusted_proxies

    async def asgi(scope, receive, send):
        if scope["type"] in ("http", "websocket"):      # the client and scheme a trusted proxy (only) reports
            scope = forwarded_scope(scope, trusted)
        if scope["type"] == "http":
            path = scope["path"]
            if is_gateway_path(path):                   # /v1: the hand-rolled hot path
                return await api(scope, receive, send)
            if endpoints is not None and (path == MCP_PREFIX or path.startswith(MCP_PREFIX + "/")):   # MCP groups
                return await endpoints(scope, receive, send)
        await ui(scope, receive, send)

    return asgi


def mcp_endpoints(gateway, mcp, knowledge):
    """Tool groups (and the workbench's own tools) as MCP servers under /mcp/v1 (``app.http.mcp_api``), by a user's
    API key; None without the MCP hub. Kept on ``mcp`` so that its shutdown ends them."""
    if mcp is None:
        return None
    from app.chat.page import local_api_url
    from app.http import auth
    from app.http.mcp_api import McpEndpoints, embedder, viewer_lookup
    from gateway.routing.catalogue import EMBEDDED_EMBEDDING_ID
    from workbench.mcp.surface import Surfaces

    base_url = local_api_url(gateway.settings.host, gateway.settings.port)
    surfaces = Surfaces(mcp.hub, own=mcp.own, embed=embedder(base_url, EMBEDDED_EMBEDDING_ID))
    mcp.endpoints = McpEndpoints(mcp.groups, surfaces, auth.ApiKey(gateway.keys.authenticate),
                                 viewer_lookup(gateway.accounts, knowledge.teams if knowledge is not None else None),
                                 check_limits=gateway.limiter.check)
    return mcp.endpoints


def _banner(gateway, url: str) -> None:
    """The master key (first start only), then the ready line last: scripts wait for that line."""
    if gateway.new_admin_password:
        print("\n  Workbench administrator (password shown once; only its scrypt hash is stored):\n\n"
              f"    user: {gateway.settings.admin_user or 'admin'}   password: {gateway.new_admin_password}\n\n"
              "  Set MAAS_ADMIN_USER / MAAS_ADMIN_PASSWORD to choose them yourself.\n", flush=True)
    if gateway.new_master_key:
        print("\n  Master API key (shown once; only its hash is stored):\n\n"
              f"    {gateway.new_master_key}\n\n"
              "  Keep it now. To choose your own, set MAAS_MASTER_KEY; to issue a new one, run\n"
              "  python launch.py --reset-master-key\n", flush=True)
    print(f"MaaS Workbench is ready: {url}  (OpenAI-compatible API: {url}/v1)", flush=True)


def _server_class():
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, but Ctrl-C / SIGTERM only end serving: our shutdown then runs uncancelled.

        (uvicorn re-raises the signal after serving, which would cancel the gateway's own
        shutdown half-way and lose the last usage-ledger rows.)
        """

        @contextlib.contextmanager
        def capture_signals(self):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._on_signal)
            try:
                yield
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)

        def _on_signal(self) -> None:
            self.force_exit = self.should_exit        # a second Ctrl-C stops waiting for open connections
            self.should_exit = True

        async def shutdown(self, sockets=None) -> None:
            """Drain first: stop accepting, let in-flight chat answers end within the grace period, then
            end the rest with an error event (``gateway.drain``); then uvicorn's own shutdown."""
            drain = getattr(self, "drain", None)
            if drain is not None:
                for server in self.servers:
                    server.close()                    # no new connections
                for connection in list(self.server_state.connections):
                    connection.shutdown()             # idle keep-alive ones close; busy ones close after their answer
                if drain.tasks:
                    logging.getLogger("maas").info(
                        "Stopping: %d answer(s) in progress get up to %g s to finish (Ctrl-C again ends them now)",
                        len(drain.tasks), self.grace)
                ended = await drain.finish(self.grace, force=lambda: self.force_exit)
                if ended:
                    logging.getLogger("maas").warning("Stopping: ended %d answer(s) still running after %g s",
                                                      ended, self.grace)
            await super().shutdown(sockets=sockets)

    return Server


def open_workbench(settings):
    """The workbench's own database (``<data_dir>/workbench.duckdb``), opened and migrated."""
    from gateway.errors import StartupError
    from workbench.schema import open_store
    from workbench.store import StoreInUse, store_path

    try:
        return open_store(store_path(settings.data_dir))
    except StoreInUse as exc:
        raise StartupError(str(exc)) from None


class AccountDirectory:
    """The gateway's accounts as the knowledge bases see them (the workbench never imports the gateway)."""

    def __init__(self, accounts) -> None:
        self.accounts = accounts

    def id_of(self, username: str) -> str | None:
        user = self.accounts.by_username(username)
        return user.id if user is not None and not user.disabled else None

    def name_of(self, user_id: str) -> str | None:
        user = self.accounts.get(user_id)
        return user.username if user is not None else None


def open_knowledge(settings, gateway, workbench_store):
    """The knowledge bases: Chroma (embedded under the data dir, or MAAS_CHROMA_URL), the keyword index, the
    ingestion queue; models reached through this process's /v1 with each user's workbench key."""
    from app.chat.context import local_api_url
    from gateway.routing.catalogue import EMBEDDED_CHAT_ID, EMBEDDED_RERANK_ID
    from workbench.attachments import MB
    from workbench.clients import UserClients
    from workbench.kb.parse_worker import ParseLimits
    from workbench.kb.service import KnowledgeService

    def embedding_models() -> list[str]:
        return [m.id for m in gateway.catalogue.models.values() if m.kind == "embedding"]

    def query_prefix(model: str) -> str:
        found = gateway.catalogue.get(model)
        return found.query_prefix if found is not None else ""

    models = gateway.catalogue.models.values()
    # the embedded "reranker" scores by USE again (nothing the rerank stage lacks); a real one (a cross-encoder from
    # the catalogue) joins the rerank stage
    rerankers = [m.id for m in models if m.kind == "rerank" and m.id != EMBEDDED_RERANK_ID]
    chats = [m.id for m in models if m.kind == "chat"]
    clients = UserClients(local_api_url(settings.host, settings.port), gateway.keys.workbench_key)
    return KnowledgeService.open(
        workbench_store, AccountDirectory(gateway.accounts), data_dir=settings.data_dir, chroma_url=settings.chroma_url,
        client_for=clients, embedding_models=embedding_models, max_bytes=settings.kb_max_upload_mb * MB,
        rerank_model=rerankers[0] if rerankers else None, query_prefix=query_prefix,
        translate_model=EMBEDDED_CHAT_ID if EMBEDDED_CHAT_ID in chats else (chats[0] if chats else None),
        parse_limits=ParseLimits(seconds=settings.kb_parse_seconds, memory_mb=settings.kb_parse_memory_mb),
        max_archive_bytes=settings.kb_archive_max_mb * MB, max_archive_ratio=settings.kb_archive_max_ratio)


def open_prompts(settings, gateway, workbench_store):
    """The prompt studio (``workbench.prompt_studio``): its library over the knowledge bases' teams, its models
    reached through this process's /v1 with each user's workbench key."""
    from app.chat.context import local_api_url
    from workbench.prompt_studio.service import PromptStudio

    return PromptStudio.open(workbench_store, AccountDirectory(gateway.accounts),
                             base_url=local_api_url(settings.host, settings.port), key_for=gateway.keys.workbench_key)


def mcp_connectors(installs, supervisor) -> list:
    """How the MCP hub reaches the servers it does not reach by itself (``McpHub.create`` adds the one for remote
    servers): the installed stdio servers, through ``supervisor``'s running servers (started on first use). Asked in
    order, before the remote one."""
    from workbench.mcp.connectors import StdioConnector

    return [StdioConnector(installs, supervisor)]


def open_papers(settings, gateway, workbench_store):
    """Paper reading (``workbench.papers``): its papers over the knowledge bases' teams, their PDFs under
    ``<data dir>/papers``, models reached through this process's /v1 with each user's workbench key. Started
    (``Papers.start``: the parse thread, the readings' loop) once the server answers."""
    from app.chat.context import local_api_url
    from gateway.routing.catalogue import EMBEDDED_EMBEDDING_ID
    from workbench.papers.service import MB, Papers

    return Papers.open(workbench_store, AccountDirectory(gateway.accounts), settings.data_dir / "papers",
                       base_url=local_api_url(settings.host, settings.port), key_for=gateway.keys.workbench_key,
                       embedding_model=EMBEDDED_EMBEDDING_ID, max_bytes=settings.kb_max_upload_mb * MB)


def open_mcp(settings, workbench_store, knowledge=None, web_search=None, prompts=None, papers=None):
    """The MCP hub (``app.mcp.context.McpSetup``): the catalogue (its bundled entries added or brought up to date),
    the sealer of stored secrets (``MAAS_SECRET_KEY``, else ``<data dir>/secret.key``), the installs (those a stop cut
    short marked failed), the supervisor of running servers (started later, in the app's loop: ``McpSetup.start``)
    and the hub with the admins' allow-list of private hosts; the tool groups and the workbench's own tools (whose
    ``web_search`` is offered while ``web_search()`` says a search engine is configured, and ``prompt_*`` with the
    prompt studio's library ``prompts``, ``paper_*`` with paper reading ``papers``). Nothing is installed or fetched
    here."""
    from app.chat.context import local_api_url
    from app.mcp.context import McpSetup
    from gateway.errors import StartupError
    from shared.urlguard import HostPolicy
    from workbench.errors import WorkbenchError
    from workbench.mcp.catalogue import Catalogue
    from workbench.mcp.groups import Groups
    from workbench.mcp.hub import McpHub
    from workbench.mcp.installs import Installs
    from workbench.mcp.own import OwnTools
    from workbench.mcp.processes import Supervisor
    from workbench.mcp.runs import Audit
    from workbench.mcp.sealed import Sealer

    try:
        sealer = Sealer.from_settings(settings.secret_key, settings.data_dir)
    except WorkbenchError as exc:
        raise StartupError(exc.text("en")) from None
    catalogue = Catalogue(workbench_store)
    catalogue.seed_bundled()
    installs = Installs(workbench_store, settings.data_dir, sealer, audit=Audit(workbench_store))
    installs.recover()
    supervisor = Supervisor(installs, start_timeout=settings.mcp_start_timeout_s)
    hub = McpHub.create(workbench_store, catalogue, sealer, HostPolicy(settings.mcp_allow_private_hosts),
                        connectors=mcp_connectors(installs, supervisor))
    own = OwnTools(knowledge, local_api_url(settings.host, settings.port), web_search=web_search or False,
                   prompts=prompts, papers=papers)
    return McpSetup(hub, catalogue, installs, supervisor, teams=knowledge.teams if knowledge is not None else None,
                    groups=Groups(workbench_store, catalogue), own=own)


def check_data_dir(path) -> None:
    """The data directory exists (made if missing) and can be written; else one ``StartupError`` naming it."""
    from gateway.errors import StartupError

    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(f"the data directory {path} is not writable ({exc.strerror or exc}); give this user "
                           "write access to it, or choose another with --data-dir / MAAS_DATA_DIR.") from None


async def serve(settings) -> None:
    from gateway.service import Gateway

    check_data_dir(settings.data_dir)
    gateway = Gateway(settings)
    gateway.open()                       # the stored services, before the UI that calls them
    workbench_store = open_workbench(settings)
    try:
        await _serve(settings, gateway, workbench_store)
    finally:
        workbench_store.close()          # after the server stopped: no handler uses it any more


async def _serve(settings, gateway, workbench_store) -> None:
    import uvicorn

    async def workbench() -> tuple:
        knowledge = await asyncio.to_thread(open_knowledge, settings, gateway, workbench_store)
        prompts = open_prompts(settings, gateway, workbench_store)
        papers = open_papers(settings, gateway, workbench_store)
        mcp = await asyncio.to_thread(open_mcp, settings, workbench_store, knowledge,
                                      lambda: getattr(gateway.catalogue, "search", None) is not None, prompts.library,
                                      papers)
        app = await asyncio.to_thread(build_app, gateway, workbench_store, knowledge, mcp, prompts, papers)
        return app, knowledge, mcp, papers

    # the knowledge bases (importing Chroma takes ~1 s), the MCP hub and the UI (Gradio, seconds) are built while the
    # models start
    (app, knowledge, mcp, papers), _ = await asyncio.gather(workbench(), gateway.start())
    # Everything alive now (Gradio, FastAPI, DuckDB: ~200k objects) lives as long as the process:
    # keep it out of the collector, whose full passes otherwise pause serving for 70-190 ms.
    gc.collect()
    gc.freeze()
    try:
        config = uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on", proxy_headers=False,
                                http="httptools", loop="none", log_level="warning", access_log=False,
                                timeout_graceful_shutdown=5)
        server = _server_class()(config)
        server.drain, server.grace = gateway.chat.drain, settings.shutdown_grace_s

        async def announce() -> None:
            while not server.started:
                if server.should_exit:
                    return
                await asyncio.sleep(0.05)
            await knowledge.start()         # its worker embeds through our own /v1: now that it answers
            await mcp.start()               # the MCP servers admins left running, started again in the background
            papers.start()                  # papers left parsing are parsed again
            host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
            _banner(gateway, f"http://{host}:{settings.port}")

        announcer = asyncio.create_task(announce())
        await server.serve()
        announcer.cancel()
    finally:
        await knowledge.stop()              # the worker first: it calls the gateway
        await mcp.stop()                    # every MCP server's process ends
        await asyncio.to_thread(papers.stop)    # readings in progress are saved as cancelled
        await gateway.stop()


def reset_master_key(settings) -> None:
    from gateway.accounts.keys import KeyStore
    from gateway.store import open_store

    store = open_store(settings.db_path)
    secret = KeyStore(store).reset_master()
    store.close()
    print(f"New master API key (shown once; only its hash is stored):\n\n    {secret}\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from gateway.errors import ConfigError, StartupError
    from gateway.settings import load_settings

    args = list(sys.argv[1:] if argv is None else argv)
    reset = "--reset-master-key" in args
    if reset:
        args.remove("--reset-master-key")
    try:
        settings = load_settings(args)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if reset:
        reset_master_key(settings)
        return 0
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        import uvloop
    except ImportError:
        uvloop = None
    try:
        (uvloop.run if uvloop else asyncio.run)(serve(settings))
    except StartupError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
