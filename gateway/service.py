"""The gateway as one object: settings in, services wired, started and stopped in order."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from gateway.accounts.applications import Applications
from gateway.accounts.console import Console
from gateway.accounts.keys import KeyStore
from gateway.accounts.users import AccountError, Accounts
from gateway.backends.embedded import EmbeddedRuntime
from gateway.backends.registry import BackendRegistry, builtin_registry
from gateway.errors import StartupError
from gateway.inference.chat import ChatService
from gateway.inference.embeddings import VectorService
from gateway.routing.catalogue import Catalogue
from gateway.routing.release_notes import ReleaseNotes
from gateway.routing.router import Reload, Router
from gateway.settings import Settings
from gateway.store import Store, open_store
from gateway.usage.limits import ChargingLedger, Limiter
from gateway.websearch.service import SearchService

log = logging.getLogger("maas.gateway")


class Gateway:
    def __init__(self, settings: Settings, registry: BackendRegistry | None = None) -> None:
        self.settings = settings
        self.catalogue = settings.catalogue
        self.registry = registry or builtin_registry()
        self.started_at = int(time.time())
        self.store: Store | None = None
        self.new_master_key: str | None = None
        self.new_admin_password: str | None = None
        self.oidc = None                     # OIDCClient when single sign-on is configured
        self.oidc_pending = None
        self.router: Router | None = None    # set by start(); open() alone serves the stored services

    def open(self) -> None:
        """The stored services (database, keys, accounts, applications, console): no models, no network.

        ``start`` calls it; tests of the pages use it alone."""
        if self.store is not None:
            return
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = open_store(s.db_path)
        self.keys = KeyStore(self.store)
        self.new_master_key = self.keys.ensure_master(s.master_key)
        self.accounts = Accounts(self.store)
        self.sessions = self.accounts.sessions
        try:
            self.new_admin_password = self.accounts.ensure_first_admin(s.admin_user, s.admin_password)
        except AccountError as exc:
            raise StartupError(exc.message) from None
        if s.oidc_issuer:
            from gateway.accounts.oidc import OIDCClient, OIDCConfig, OIDCError, PendingLogins

            try:
                self.oidc = OIDCClient(OIDCConfig(issuer=s.oidc_issuer, client_id=s.oidc_client_id or "",
                                                  client_secret=s.oidc_client_secret or "",
                                                  redirect_uri=s.base_url + "/auth/oidc/callback"))
            except OIDCError as exc:
                raise StartupError(f"MAAS_OIDC_ISSUER: {exc}") from None
            self.oidc_pending = PendingLogins()
        self.applications = Applications(self.store, self.keys, self.catalogue)
        self.release_notes = ReleaseNotes(self.store)
        self.console = Console(self.store, self.accounts, self.keys, self.applications, self.release_notes)

    async def start(self) -> None:
        self.open()
        s = self.settings
        self.limiter = Limiter(self.store)
        # charges each row's tokens to the key's limits; replays the write-ahead file before anything is served
        self.ledger = ChargingLedger(self.store, self.limiter, wal_dir=s.ledger_dir, sync_s=s.ledger_sync_ms / 1000)
        self.ledger.start()
        self.runtime = EmbeddedRuntime(s.models_dir, s.logs_dir, self.catalogue.options.embedded)
        self.router = Router(self.catalogue, self.registry, self.runtime)
        self.chat = ChatService(self.router, self.ledger)
        self.vectors = VectorService(self.router, self.ledger)
        self.search = SearchService(lambda: self.router.catalogue.search, self.router, self.ledger)
        await self.router.start()

    async def stop(self) -> None:
        if self.oidc is not None:
            await self.oidc.aclose()
        if self.router is not None:
            await self.search.aclose()
            await self.router.stop()
            self.runtime.stop()
            self.ledger.close()
        if self.store is not None:
            self.store.close()

    async def apply_catalogue(self, catalogue: Catalogue, config_path: str | None = None) -> Reload | None:
        """Serve ``catalogue`` from now on, without a restart (``gateway.model_config`` validates and
        writes the file first). The router starts new deployments and drains removed ones; then the
        catalogue seen by /v1/models, key applications and the settings (max body size) is swapped
        in the same step as the router's. ``config_path``: the file it now comes from. The embedded
        runtime keeps its options until the next start. Returns what the router did (None before
        ``start``: only the stored services are open)."""
        report = await self.router.reload(catalogue) if self.router is not None else None
        # no await from the router's swap to here: no request sees one catalogue in the router and another here
        self.catalogue = catalogue
        self.settings = replace(self.settings, catalogue=catalogue,
                                config_path=config_path or self.settings.config_path)
        if self.store is not None:
            self.applications.catalogue = catalogue
        return report

    def status(self) -> dict:
        """What the workbench home page shows: models, deployments and their health."""
        hint = ("set by MAAS_MASTER_KEY" if self.settings.master_key
                else "generated at first start and printed once")
        return {"models": self.router.status(), "master_key_hint": hint}
