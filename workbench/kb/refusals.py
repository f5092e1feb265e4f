"""Why a KB upload is refused, or a document fails or cannot be changed: the errors the upload queue and the
ingestion worker raise or save on a document's row (a stable ``code`` and its fields; the words, en and zh, are in
``workbench/messages/kb.py``).

A refused file still becomes a document, with status "failed" and its error and code, so the other files of the
same upload go in. The refusals by code, and where each is made:

    duplicate          identical (same sha256) to a document queued, in progress or ready in the KB     (here)
    file_missing       the stored copy went away before it was parsed                                    (here)
    internal           an error in the workbench itself (logged)                                        (here)
    not_found / not_running / not_retryable / upload_again: a cancel, retry or delete that cannot be done (here)
    too_large, unsupported_type, type_mismatch, corrupt, archive_too_large, empty, ...
                       the file as uploaded, before anything is stored: ``workbench.kb.unpack`` (zips) and
                       ``workbench.documents.errors`` (a document's size, type and content)
    parse_timeout, parse_memory, parse_failed
                       parsing took too long, too much memory, or crashed: ``workbench.kb.parse_worker``
"""

from __future__ import annotations

from shared.messages import Message, Words
from workbench.documents import DocumentError
from workbench.errors import WorkbenchError
from workbench.kb.errors import Invalid, NotFound
from workbench.kb.records import KBDocument
from workbench.messages import MESSAGES

# ---------------------------------------------------------------- a file's outcome, saved on its row


def duplicate(name: str, existing: str) -> WorkbenchError:
    return WorkbenchError("duplicate", name=name, existing=existing)


def missing_file(name: str) -> DocumentError:
    return DocumentError("file_missing", name=name)


def internal(name: str) -> WorkbenchError:
    return WorkbenchError("internal", name=name)


# ---------------------------------------------------------------- a cancel, retry or delete refused (raised)


def not_found() -> NotFound:
    return NotFound("not_found.document", "document")


def state(status: str) -> Message:
    """A document's state (``DOCUMENT_STATES``) as a message says it: "queued" / "排队中"."""
    return MESSAGES.message(f"state.{status}")


def not_running(doc: KBDocument) -> Invalid:
    return Invalid("not_running", "document", name=doc.name, status=state(doc.status))


def not_retryable(doc: KBDocument) -> Invalid:
    return Invalid("not_retryable", "document", name=doc.name, status=state(doc.status))


def upload_again(doc: KBDocument) -> Invalid:
    """The row keeps the refusal as it was said then (``error``, ``error_zh``), not its code."""
    reason = Words(doc.error, doc.error_zh or doc.error) if doc.error else MESSAGES.message("upload_again.refused")
    return Invalid("upload_again", "document", name=doc.name, reason=reason)


def duplicate_retry(doc: KBDocument, existing: str) -> Invalid:
    """A retry refused: the document is now identical to another one in the KB."""
    return Invalid("duplicate", "document", name=doc.name, existing=existing)
