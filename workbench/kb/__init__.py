"""Team knowledge bases: teams, KBs, ingestion, hybrid retrieval, sharing. UI-free; never imports the gateway.

Modules (each owns its tables in the workbench store, migration 3 in ``workbench.store``):
    errors      KBError family (en + zh, ``field``, ``code``): NotFound (also for what the caller may not see),
                Forbidden (seen but not allowed, e.g. a viewer uploading), Invalid (bad input, field named)
    records     the small value types shared between modules (Team, Member, KnowledgeBase, KBDocument, ChunkRecord,
                Hit) and the ``UserDirectory`` protocol (user ids <-> usernames, given by the composition root)
    teams       teams and personal spaces, members and roles (owner/admin/member/viewer), invites by name or link
    access      THE permission check: what a user may do with a team or a KB (read, chat, upload, manage, ...);
                every other module, UI handler and HTTP route asks it
    bases       knowledge bases (create/update/delete/list visible) and their documents' listing
    sharing     the KB square (public KBs), share links (token hashed, expiry, revoke), grants to users/teams
    chunking    structure-aware (headings, paragraphs), Chinese-aware chunks sized in tokens, with overlap
    vectors     Chroma: PersistentClient under the data dir or HttpClient to a server; our own embeddings always
    keyword     BM25 over jieba tokens (Chinese) and words (English), per KB
    ingest      the ingestion as one object (Ingestion) over its parts: queue (the upload queue: submit, list,
                cancel, retry, delete), worker (recover, claim in turns by uploader, parse, embed in batches, index),
                refusals (why a file is refused or fails, with codes), document_rows (the kb_documents row both
                share), unpack (zip archives), parse_worker (the parse process, its time and memory limits)
    retrieve    hybrid retrieval: vector + keyword, reciprocal rank fusion, rerank through /v1/rerank; several
                KBs with different embedding models queried each with its own model and merged by rerank
    chunks      a ready document's chunks as indexed, a page at a time, filtered by text (read-only)
    answer      answers grounded on hits: numbered passages for the model, the sources a reader sees and a
                conversation keeps, the fixed reply when nothing relevant was found
    service     KnowledgeService: the one object pages, the HTTP API and the chat use; every user path is checked
"""
