"""The gateway's DuckDB file: one connection per process, schema migrations in order.

DuckDB allows one writing process per file; threads take their own cursor from
``Store.cursor()`` (the file handling is ``shared.database``, as for the workbench's). Migrations run in
``open_store`` (never at import) and are recorded in ``schema_version`` so a later issue only appends to
``MIGRATIONS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gateway.errors import StartupError
from gateway.usage import stats as usage_stats
from shared.database import Database, Step

MIGRATIONS: list[str] = [
    # 1: usage ledger — one row per request
    """
    CREATE TABLE usage_ledger (
        ts TIMESTAMP NOT NULL, request_id VARCHAR NOT NULL, key_id VARCHAR, endpoint VARCHAR NOT NULL,
        model VARCHAR, deployment VARCHAR, prompt_tokens INTEGER, completion_tokens INTEGER,
        reasoning_tokens INTEGER, total_tokens INTEGER, usage_source VARCHAR NOT NULL,
        status INTEGER NOT NULL, error_code VARCHAR, stream BOOLEAN NOT NULL, latency_ms DOUBLE,
        ttft_ms DOUBLE, client_aborted BOOLEAN NOT NULL
    );
    """,
    # 2: API keys — only a hash and a short visible prefix of each secret
    """
    CREATE TABLE api_keys (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, prefix VARCHAR NOT NULL,
        secret_hash VARCHAR NOT NULL UNIQUE, is_master BOOLEAN NOT NULL DEFAULT FALSE,
        models VARCHAR,           -- JSON list of allowed model ids; NULL = every model
        created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP, revoked_at TIMESTAMP, last_used_at TIMESTAMP
    );
    """,
    # 3: accounts and sessions (issue 3)
    """
    CREATE TABLE users (
        id VARCHAR PRIMARY KEY, username VARCHAR NOT NULL UNIQUE, display_name VARCHAR, email VARCHAR,
        organisation VARCHAR, role VARCHAR NOT NULL DEFAULT 'member',   -- admin | member
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        password_hash VARCHAR,          -- scrypt; NULL for accounts that sign in only through OIDC
        oidc_issuer VARCHAR, oidc_subject VARCHAR,
        created_at TIMESTAMP NOT NULL, last_login_at TIMESTAMP
    );
    CREATE TABLE sessions (
        token_hash VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP
    );
    """,
    # 4: keys belong to users and carry limits (issue 3)
    """
    ALTER TABLE api_keys ADD COLUMN user_id VARCHAR;
    ALTER TABLE api_keys ADD COLUMN purpose VARCHAR DEFAULT 'api';      -- api | workbench
    ALTER TABLE api_keys ADD COLUMN rpm INTEGER;                         -- requests per minute
    ALTER TABLE api_keys ADD COLUMN tpm INTEGER;                         -- tokens per minute
    ALTER TABLE api_keys ADD COLUMN quota_tokens BIGINT;                 -- token quota ...
    ALTER TABLE api_keys ADD COLUMN quota_period VARCHAR;                -- ... 'total' or 'month'
    """,
    # 5: the usage dashboards' daily rollup, maintained by Ledger.flush; backfilled from the ledger
    usage_stats.CREATE_ROLLUP + ";\n" + usage_stats.REBUILD_SQL + ";",
    # 6: key applications reviewed by admins, and the audit log of admin actions (gateway.accounts: applications, audit)
    """
    CREATE TABLE key_applications (
        id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL,          -- new_key | more_models
        user_id VARCHAR NOT NULL, key_id VARCHAR,               -- key_id: the key issued / to extend
        name VARCHAR NOT NULL, contact_name VARCHAR, email VARCHAR, organisation VARCHAR, phone VARCHAR,
        purpose VARCHAR NOT NULL, models VARCHAR NOT NULL,     -- models: JSON list asked for
        status VARCHAR NOT NULL DEFAULT 'pending',              -- pending | approved | rejected
        reason VARCHAR, decided_by VARCHAR, decided_at TIMESTAMP, created_at TIMESTAMP NOT NULL,
        granted_models VARCHAR, limits VARCHAR                  -- JSON; set on approval
    );
    CREATE SEQUENCE audit_log_seq START 1;
    CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'), ts TIMESTAMP NOT NULL, actor_user_id VARCHAR,
        action VARCHAR NOT NULL, target_type VARCHAR NOT NULL, target_id VARCHAR,
        before VARCHAR, after VARCHAR                           -- JSON snapshots
    );
    """,
    # 7: model release notes kept by admins (gateway.routing.release_notes)
    """
    CREATE TABLE release_notes (
        id VARCHAR PRIMARY KEY, day DATE NOT NULL, change VARCHAR NOT NULL,   -- added | updated | retired
        model_id VARCHAR NOT NULL, title VARCHAR NOT NULL, body VARCHAR NOT NULL DEFAULT '',
        author_id VARCHAR, created_at TIMESTAMP NOT NULL
    );
    """,
    # 8: the rollup counts answers the client stopped (499) apart from errors; recounted from the ledger
    usage_stats.ADD_STOPPED + ";\nDELETE FROM usage_daily;\n" + usage_stats.REBUILD_SQL + ";",
]


class Store(Database):
    """A DuckDB database file shared by the gateway's services (``shared.database.Database``)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, in_use=StartupError)

    def migrate(self, steps: Sequence[Step] = MIGRATIONS) -> None:
        """Run the gateway's ``MIGRATIONS`` not yet recorded in ``schema_version``."""
        super().migrate(steps)


def open_store(path: Path) -> Store:
    store = Store(path)
    store.migrate()
    return store
