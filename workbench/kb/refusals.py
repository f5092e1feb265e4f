"""Why a KB upload is refused, or a document fails or cannot be changed: the errors the upload queue and the
ingestion worker raise or save on a document's row (English ``message``, Chinese ``zh``, stable ``code``).

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

from workbench.documents import DocumentError
from workbench.errors import WorkbenchError
from workbench.kb.errors import Invalid, NotFound
from workbench.kb.records import STATE_ZH, KBDocument

# ---------------------------------------------------------------- a file's outcome, saved on its row


def duplicate(name: str, existing: str) -> WorkbenchError:
    return WorkbenchError(
        f"“{name}” is identical to “{existing}”, which is already in this knowledge base; it was not added again.",
        zh=f"“{name}”与本知识库中已有的“{existing}”内容完全相同，未重复添加。", code="duplicate")


def missing_file(name: str) -> DocumentError:
    return DocumentError(
        f"The stored copy of “{name}” is gone. Delete this entry and upload the file again.",
        zh=f"“{name}”的存储副本已不存在。请删除此条目后重新上传该文件。", code="file_missing")


def internal(name: str) -> WorkbenchError:
    return WorkbenchError(
        f"“{name}” could not be added because of an error in the workbench (it has been logged). Try again; if it "
        "fails again, tell the administrator.",
        zh=f"由于工作台内部错误，未能添加“{name}”（已记录日志）。请重试；如仍失败，请联系管理员。", code="internal")


# ---------------------------------------------------------------- a cancel, retry or delete refused (raised)


def not_found() -> NotFound:
    return NotFound("This document does not exist (it may have been deleted).", "document",
                    zh="该文档不存在（可能已被删除）。", code="not_found")


def not_running(doc: KBDocument) -> Invalid:
    return Invalid(f"“{doc.name}” is {doc.status}, not waiting or being added: there is nothing to cancel.",
                   "document", zh=f"“{doc.name}”的状态是{STATE_ZH[doc.status]}，并未在排队或处理中，"
                                  "无需取消。", code="not_running")


def not_retryable(doc: KBDocument) -> Invalid:
    return Invalid(f"“{doc.name}” is {doc.status}; only a failed or cancelled document can be tried again.",
                   "document", zh=f"“{doc.name}”的状态是{STATE_ZH[doc.status]}；只有失败或已取消的文档"
                                  "才能重试。", code="not_retryable")


def upload_again(doc: KBDocument) -> Invalid:
    return Invalid(f"“{doc.name}” was not kept ({doc.error or 'refused at upload'}). Upload it again.",
                   "document", zh=f"未保存“{doc.name}”（{doc.error_zh or '上传时被拒绝'}）。请重新上传。",
                   code="upload_again")


def duplicate_retry(doc: KBDocument, existing: str) -> Invalid:
    """A retry refused: the document is now identical to another one in the KB."""
    error = duplicate(doc.name, existing)
    return Invalid(error.message, "document", zh=error.zh, code="duplicate")
