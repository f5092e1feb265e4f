"""The workbench store's tables: migrations in order, and ``open_store`` that opens the file and runs them.

Migrations run in ``open_store`` (never at import) and are recorded in ``schema_version``, so a later feature
only appends to ``MIGRATIONS``. A migration is SQL, or a function given the cursor when rows must be rewritten
by code; each runs once, in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from workbench.store import Store


def _text_in_normal_form(cur: duckdb.DuckDBPyConnection) -> None:
    """Stored text brought to the parser's normal form (``workbench.text_upgrade``)."""
    if not cur.execute("SELECT EXISTS (FROM attachments) OR EXISTS (FROM kb_chunks)").fetchone()[0]:
        return                                           # a new store: nothing to rewrite
    from workbench.text_upgrade import rewrite_text  # the parsing and keyword code: only when upgrading

    rewrite_text(cur)


MIGRATIONS: list[str | Callable[[duckdb.DuckDBPyConnection], None]] = [
    # 1: chat conversations (workbench.conversations) and their messages
    """
    CREATE TABLE conversations (
        id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, title VARCHAR NOT NULL,
        title_source VARCHAR NOT NULL DEFAULT 'auto',   -- auto (from the first question) | model | user
        model VARCHAR, system_prompt VARCHAR, temperature DOUBLE, top_p DOUBLE, max_tokens INTEGER,
        thinking BOOLEAN NOT NULL DEFAULT FALSE, thinking_budget INTEGER,
        created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE messages (
        id VARCHAR PRIMARY KEY, conversation_id VARCHAR NOT NULL, seq INTEGER NOT NULL,
        role VARCHAR NOT NULL,                          -- user | assistant
        content VARCHAR NOT NULL, reasoning VARCHAR, reasoning_seconds DOUBLE, model VARCHAR,
        created_at TIMESTAMP NOT NULL,
        usage VARCHAR, sources VARCHAR, attachments VARCHAR,   -- JSON
        stopped BOOLEAN NOT NULL DEFAULT FALSE, error VARCHAR
    );
    """,
    # 2: documents attached to a conversation (workbench.attachments): their pages (char_start: where the
    # page begins in the pages' text joined by line ends; NULL for an empty page), chunks, embedding
    # vectors (float32 blobs per chunk and embedding model) and finished summaries (per model and language)
    """
    CREATE TABLE attachments (
        id VARCHAR PRIMARY KEY, conversation_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL, kind VARCHAR NOT NULL, title VARCHAR NOT NULL, language VARCHAR NOT NULL,
        pages INTEGER NOT NULL, chars INTEGER NOT NULL, bytes BIGINT NOT NULL, tokens INTEGER NOT NULL,
        chunks INTEGER NOT NULL, unreadable_pages VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
    );
    CREATE TABLE attachment_pages (
        attachment_id VARCHAR NOT NULL, number INTEGER NOT NULL, char_start INTEGER, text VARCHAR NOT NULL,
        PRIMARY KEY (attachment_id, number)
    );
    CREATE TABLE attachment_chunks (
        attachment_id VARCHAR NOT NULL, idx INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
        first_page INTEGER NOT NULL, last_page INTEGER NOT NULL, text VARCHAR NOT NULL, tokens INTEGER NOT NULL,
        PRIMARY KEY (attachment_id, idx)
    );
    CREATE TABLE attachment_vectors (
        attachment_id VARCHAR NOT NULL, idx INTEGER NOT NULL, model VARCHAR NOT NULL, vector BLOB NOT NULL,
        PRIMARY KEY (attachment_id, idx, model)
    );
    CREATE TABLE attachment_summaries (
        attachment_id VARCHAR NOT NULL, model VARCHAR NOT NULL, locale VARCHAR NOT NULL, text VARCHAR NOT NULL,
        parts VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (attachment_id, model, locale)
    );
    """,
    # 3: team knowledge bases (workbench.kb): teams and personal spaces, members with roles, invite links
    # (token hashed), knowledge bases, their documents (the ingestion queue is the documents' status),
    # chunks (the text, pages and heading each vector and keyword entry points to), share links (token
    # hashed) and grants (to a user or a team; ``via_share`` is the link a grant came from, '' for a direct one)
    """
    CREATE TABLE teams (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description VARCHAR NOT NULL DEFAULT '',
        personal_of VARCHAR UNIQUE,                     -- the user whose personal space this is; NULL for a team
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
    );
    CREATE TABLE team_members (
        team_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
        role VARCHAR NOT NULL,                          -- owner | admin | member | viewer
        added_by VARCHAR, joined_at TIMESTAMP NOT NULL,
        PRIMARY KEY (team_id, user_id)
    );
    CREATE TABLE team_invites (
        id VARCHAR PRIMARY KEY, team_id VARCHAR NOT NULL, token_hash VARCHAR NOT NULL UNIQUE,
        role VARCHAR NOT NULL, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP, revoked_at TIMESTAMP, uses INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE knowledge_bases (
        id VARCHAR PRIMARY KEY, team_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
        description VARCHAR NOT NULL DEFAULT '', embedding_model VARCHAR NOT NULL,
        chunk_tokens INTEGER NOT NULL, chunk_overlap INTEGER NOT NULL,
        public BOOLEAN NOT NULL DEFAULT FALSE,          -- listed in the KB square: any signed-in user reads and chats
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE kb_documents (
        id VARCHAR PRIMARY KEY, kb_id VARCHAR NOT NULL, name VARCHAR NOT NULL, kind VARCHAR,
        sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL, pages INTEGER, chunks INTEGER NOT NULL DEFAULT 0,
        status VARCHAR NOT NULL,                        -- queued | parsing | embedding | ready | failed | cancelled
        done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,   -- progress of the current stage
        error VARCHAR, error_zh VARCHAR, error_code VARCHAR, attempts INTEGER NOT NULL DEFAULT 0,
        uploaded_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
        started_at TIMESTAMP, finished_at TIMESTAMP
    );
    CREATE TABLE kb_chunks (
        id VARCHAR PRIMARY KEY, kb_id VARCHAR NOT NULL, document_id VARCHAR NOT NULL, idx INTEGER NOT NULL,
        text VARCHAR NOT NULL, first_page INTEGER, last_page INTEGER, heading VARCHAR, tokens INTEGER NOT NULL,
        terms VARCHAR NOT NULL DEFAULT ''                -- the keyword index's tokens, space-separated
    );
    CREATE INDEX kb_chunks_document ON kb_chunks (document_id);
    CREATE TABLE kb_shares (
        id VARCHAR PRIMARY KEY, kb_id VARCHAR NOT NULL, token_hash VARCHAR NOT NULL UNIQUE,
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP, revoked_at TIMESTAMP
    );
    CREATE TABLE kb_grants (
        kb_id VARCHAR NOT NULL, grantee_kind VARCHAR NOT NULL,   -- user | team
        grantee_id VARCHAR NOT NULL, via_share VARCHAR NOT NULL DEFAULT '',
        granted_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (kb_id, grantee_kind, grantee_id, via_share)
    );
    """,
    # 4: KB chunks whose text an upgrade rewrote, waiting for new vectors (workbench.kb.refresh embeds them at start)
    """
    CREATE TABLE kb_vector_updates (
        chunk_id VARCHAR PRIMARY KEY, kb_id VARCHAR NOT NULL, document_id VARCHAR NOT NULL
    );
    """,
    # 5: text stored before the parser's normal form (Kangxi radicals, NFKC): chat documents' pages and chunks, KB
    # chunks' text, heading, terms and tokens rewritten; the KB chunks listed in kb_vector_updates
    _text_in_normal_form,
    # 6: a KB's vectors being made again with another embedding model (workbench.kb.reembed), one row per KB
    """
    CREATE TABLE kb_reembeds (
        kb_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, from_model VARCHAR NOT NULL,
        status VARCHAR NOT NULL,                        -- running | swapping | failed
        done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,
        error VARCHAR, error_zh VARCHAR, error_code VARCHAR,
        requested_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    """,
    # 7: the MCP hub's catalogue (workbench.mcp.catalogue): one row per server.json entry, the file kept as given
    """
    CREATE TABLE mcp_catalogue (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,  -- the server.json's reverse-DNS name
        version VARCHAR NOT NULL, server_json VARCHAR NOT NULL,
        source VARCHAR NOT NULL,                        -- bundled | imported | registered
        visibility VARCHAR NOT NULL,                    -- everyone | team | user
        owner_id VARCHAR NOT NULL DEFAULT '',           -- the team or user it is visible to; '' for everyone
        enabled BOOLEAN NOT NULL DEFAULT TRUE,
        added_by VARCHAR NOT NULL,                      -- a user id; '' for a bundled entry
        created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    """,
    # 8: the MCP hub's calls (workbench.mcp: remotes, pins, runs): header values of remote servers (secrets sealed,
    # never as text), each tool as approved and as last listed (canonical JSON and its sha256), every tool call
    # (arguments and result capped, private to its user) and the audit trail of registrations and approvals
    """
    CREATE TABLE mcp_header_values (
        entry_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
        secret BOOLEAN NOT NULL,
        value VARCHAR,                                  -- a value that is not secret; NULL when secret
        sealed BLOB,                                    -- a secret, sealed (workbench.mcp.sealed); NULL when not
        updated_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (entry_id, name)
    );
    CREATE TABLE mcp_tool_pins (
        entry_id VARCHAR NOT NULL, tool VARCHAR NOT NULL,
        approved_hash VARCHAR, approved_json VARCHAR,   -- NULL until approved
        approved_by VARCHAR, approved_at TIMESTAMP,
        seen_hash VARCHAR NOT NULL, seen_json VARCHAR NOT NULL, seen_at TIMESTAMP NOT NULL,
        listed BOOLEAN NOT NULL DEFAULT TRUE,           -- in the server's latest tools/list
        PRIMARY KEY (entry_id, tool)
    );
    CREATE TABLE mcp_runs (
        id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, entry_id VARCHAR NOT NULL, server VARCHAR NOT NULL,
        tool VARCHAR NOT NULL, source VARCHAR NOT NULL, -- form | chat | api
        started_at TIMESTAMP NOT NULL, duration_ms DOUBLE NOT NULL,
        ok BOOLEAN NOT NULL, error_code VARCHAR,        -- tool_error: the tool said is_error; else the refusal's code
        argument_bytes INTEGER NOT NULL, result_bytes INTEGER NOT NULL,
        arguments VARCHAR NOT NULL, result VARCHAR NOT NULL   -- JSON, capped
    );
    CREATE INDEX mcp_runs_user ON mcp_runs (user_id, started_at);
    CREATE SEQUENCE mcp_audit_seq START 1;
    CREATE TABLE mcp_audit (
        id BIGINT PRIMARY KEY DEFAULT nextval('mcp_audit_seq'), ts TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,                         -- a user id; '' for the hub itself (a tool seen changed)
        action VARCHAR NOT NULL, entry_id VARCHAR NOT NULL, server VARCHAR NOT NULL,
        detail VARCHAR NOT NULL                         -- JSON, never a secret
    );
    """,
    # 9: installed MCP stdio servers (workbench.mcp.installs): one row per catalogue entry with the install's
    # progress and outcome, the server.json it was installed from and the admin's plain values (JSON), and the
    # secret values sealed (workbench.mcp.sealed); their events go to mcp_audit (8)
    """
    CREATE TABLE mcp_installs (
        entry_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, package_index INTEGER NOT NULL,
        registry_type VARCHAR NOT NULL, identifier VARCHAR NOT NULL, version VARCHAR NOT NULL,
        server_json VARCHAR NOT NULL, dir_name VARCHAR NOT NULL,
        status VARCHAR NOT NULL,                        -- running | installed | failed | cancelled
        step VARCHAR NOT NULL, step_no INTEGER NOT NULL, steps INTEGER NOT NULL,
        output_tail VARCHAR NOT NULL DEFAULT '',        -- the last lines of pip / npm, while it runs and after
        command VARCHAR,                                -- JSON: the program found after the install
        input_values VARCHAR NOT NULL DEFAULT '{}',     -- JSON: the admin's plain values by key
        run BOOLEAN NOT NULL DEFAULT FALSE,             -- an admin started it: started again at the next start
        error_code VARCHAR, error VARCHAR, error_zh VARCHAR,
        requested_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP, seconds DOUBLE
    );
    CREATE TABLE mcp_secrets (
        entry_id VARCHAR NOT NULL, key VARCHAR NOT NULL, token VARCHAR NOT NULL,   -- a Fernet token
        updated_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (entry_id, key)
    );
    """,
    # 10: MCP tools in the chat (workbench.answering.tools): the servers and single tools a conversation offers the
    # model (JSON list of "<entry id>" | "<entry id>/<tool>"), and an answer's tool calls as shown (JSON list)
    """
    ALTER TABLE conversations ADD COLUMN tools VARCHAR;
    ALTER TABLE messages ADD COLUMN steps VARCHAR;
    """,
    # 11: tools marked by who may change their server (an admin, the owner) to ask the user before each call in the
    # chat, as a destructive one does (workbench.mcp.pins)
    """
    ALTER TABLE mcp_tool_pins ADD COLUMN asks BOOLEAN DEFAULT FALSE;
    """,
    # 12: tool groups served as one MCP endpoint at /mcp/v1/<slug> (workbench.mcp.groups): a group belongs to a user
    # or a team; its members are servers (tool '' = every approved tool) or chosen tools, each maybe renamed or with
    # its description replaced; a run made through an endpoint records the API key it came with
    """
    CREATE TABLE mcp_groups (
        id VARCHAR PRIMARY KEY, slug VARCHAR NOT NULL UNIQUE,   -- the URL's last part: /mcp/v1/<slug>
        name VARCHAR NOT NULL, description VARCHAR NOT NULL DEFAULT '',
        visibility VARCHAR NOT NULL,                    -- user | team
        owner_id VARCHAR NOT NULL,                      -- the user or the team
        allow_destructive BOOLEAN NOT NULL DEFAULT FALSE,   -- destructive / asking tools callable over the endpoint
        tool_search BOOLEAN NOT NULL DEFAULT FALSE,     -- list two tools (search_tools, call_tool) instead of all
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE mcp_group_tools (
        group_id VARCHAR NOT NULL, position INTEGER NOT NULL,
        entry_id VARCHAR NOT NULL,                      -- a catalogue entry, or 'workbench' (the workbench's own)
        tool VARCHAR NOT NULL,                          -- '' for every approved tool of the server
        rename VARCHAR NOT NULL DEFAULT '', description VARCHAR NOT NULL DEFAULT '',
        PRIMARY KEY (group_id, position)
    );
    ALTER TABLE mcp_runs ADD COLUMN key_id VARCHAR DEFAULT '';
    """,
    # 13: the prompt studio (workbench.prompt_studio): prompts of a team or a personal space (the KBs' teams), their
    # immutable versions (template, examples, model parameters), labels that move between versions, the test cases
    # and graders of each prompt, scores measured per version, model and case set, the matrix's cached outputs and
    # grades, and optimisations with their rounds
    """
    CREATE TABLE prompts (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE,   -- /prompts/v1/<name>
        team_id VARCHAR NOT NULL, description VARCHAR NOT NULL DEFAULT '',
        public BOOLEAN NOT NULL DEFAULT FALSE,          -- in the prompt square: any signed-in user reads and forks
        forked_from VARCHAR NOT NULL DEFAULT '',        -- "<name>@<version>"
        graders VARCHAR NOT NULL DEFAULT '[]',          -- JSON (workbench.prompt_studio.graders)
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE prompt_versions (
        prompt_id VARCHAR NOT NULL, version INTEGER NOT NULL,
        system VARCHAR NOT NULL, user_text VARCHAR NOT NULL, examples VARCHAR NOT NULL,   -- JSON list
        params VARCHAR NOT NULL,                        -- JSON: model, temperature, top_p, max_tokens
        note VARCHAR NOT NULL DEFAULT '', source VARCHAR NOT NULL,   -- written | generated | improved | optimised | ...
        parent INTEGER, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (prompt_id, version)
    );
    CREATE TABLE prompt_labels (
        prompt_id VARCHAR NOT NULL, label VARCHAR NOT NULL, version INTEGER NOT NULL,
        moved_by VARCHAR NOT NULL, moved_at TIMESTAMP NOT NULL,
        PRIMARY KEY (prompt_id, label)
    );
    CREATE TABLE prompt_cases (
        prompt_id VARCHAR NOT NULL, id VARCHAR NOT NULL, position INTEGER NOT NULL,
        variables VARCHAR NOT NULL, expected VARCHAR NOT NULL, criteria VARCHAR NOT NULL,
        drafted BOOLEAN NOT NULL,                       -- written by a model, not yet accepted by a person
        PRIMARY KEY (prompt_id, id)
    );
    CREATE TABLE prompt_scores (
        prompt_id VARCHAR NOT NULL, version INTEGER NOT NULL, model VARCHAR NOT NULL, case_set VARCHAR NOT NULL,
        part VARCHAR NOT NULL,                          -- all | train | held_out
        score DOUBLE NOT NULL, cases INTEGER NOT NULL, passed INTEGER NOT NULL,
        measured_by VARCHAR NOT NULL, measured_at TIMESTAMP NOT NULL,
        PRIMARY KEY (prompt_id, version, model, case_set, part)
    );
    CREATE TABLE prompt_outputs (
        key VARCHAR PRIMARY KEY,                        -- sha256 of the rendered messages, model and sampling
        output VARCHAR NOT NULL, error VARCHAR NOT NULL DEFAULT '',
        prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, latency_ms DOUBLE NOT NULL,
        created_at TIMESTAMP NOT NULL
    );
    CREATE TABLE prompt_grades (
        output_key VARCHAR NOT NULL, grader_key VARCHAR NOT NULL,   -- the output, sha256 of graders and the case
        score DOUBLE NOT NULL, passed BOOLEAN NOT NULL, feedback VARCHAR NOT NULL,   -- JSON: a message's code, fields
        PRIMARY KEY (output_key, grader_key)
    );
    CREATE TABLE prompt_optimisations (
        id VARCHAR PRIMARY KEY, prompt_id VARCHAR NOT NULL, version INTEGER NOT NULL, model VARCHAR NOT NULL,
        status VARCHAR NOT NULL,                        -- running | finished | failed | cancelled
        budget INTEGER NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
        rounds VARCHAR NOT NULL DEFAULT '[]',           -- JSON: per round, train and held-out scores, what happened
        best VARCHAR,                                   -- JSON: the winning candidate
        result_version INTEGER, error VARCHAR, error_zh VARCHAR,
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    """,
    # 14: paper deep-reading (workbench.papers): papers of a team or a personal space (the KBs' teams) with their
    # parsed structure, readings per paper, model and language (statements with page and quote, as they grow),
    # question threads and comparisons. The PDF itself is a file under the data dir, named by its sha256.
    """
    CREATE TABLE papers (
        id VARCHAR PRIMARY KEY, team_id VARCHAR NOT NULL, filename VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL,
        title VARCHAR NOT NULL DEFAULT '', authors VARCHAR NOT NULL DEFAULT '[]',     -- JSON list
        language VARCHAR NOT NULL DEFAULT '', pages INTEGER NOT NULL DEFAULT 0,
        ocr_pages VARCHAR NOT NULL DEFAULT '[]',        -- JSON: pages read by OCR (no text layer)
        status VARCHAR NOT NULL,                        -- parsing | ready | failed
        progress VARCHAR NOT NULL DEFAULT '',           -- JSON: stage, done, total while parsing
        error VARCHAR NOT NULL DEFAULT '',              -- JSON: a message's code and fields when failed
        structure VARCHAR,                              -- JSON: workbench.papers.model.Structure
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE paper_readings (
        paper_id VARCHAR NOT NULL, model VARCHAR NOT NULL, lang VARCHAR NOT NULL,
        status VARCHAR NOT NULL,                        -- running | done | failed | cancelled
        steps_done INTEGER NOT NULL DEFAULT 0, steps_total INTEGER NOT NULL DEFAULT 0,
        statements VARCHAR NOT NULL DEFAULT '[]',       -- JSON: aspect, point, quote, page, verified, note
        quotes_found INTEGER NOT NULL DEFAULT 0, quotes_asked INTEGER NOT NULL DEFAULT 0,
        calls INTEGER NOT NULL DEFAULT 0, seconds DOUBLE NOT NULL DEFAULT 0,
        error VARCHAR NOT NULL DEFAULT '',
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (paper_id, model, lang)
    );
    CREATE TABLE paper_questions (
        id VARCHAR PRIMARY KEY, thread_id VARCHAR NOT NULL, paper_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
        position INTEGER NOT NULL, question VARCHAR NOT NULL,
        answer VARCHAR NOT NULL,                        -- JSON: text with (p. N), evidence (page, quote), found
        model VARCHAR NOT NULL, lang VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
    );
    CREATE TABLE paper_comparisons (
        id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, paper_ids VARCHAR NOT NULL,  -- JSON list, in order
        model VARCHAR NOT NULL, lang VARCHAR NOT NULL,
        cells VARCHAR NOT NULL,                         -- JSON: per row and paper, text, page, quote, verified
        created_at TIMESTAMP NOT NULL
    );
    """,
]


def open_store(path: Path) -> Store:
    """Open (creating it if needed) and migrate the database file at ``path`` (see ``store_path``)."""
    store = Store(path)
    try:
        store.migrate(MIGRATIONS)
    except BaseException:
        store.close()           # a failed migration left the file as it was; the next open tries it again
        raise
    return store
