"""Why a KB upload is refused, fails or cannot be changed (workbench/kb): en and zh templates by code, plain data.

A code with a variant (``corrupt.archive``) is one of several sentences callers see under one code (``corrupt``).
``state.*`` is never raised: a document's state, put in another message's field.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # a document's state, as a message says it
    "state.queued": "queued",
    "state.parsing": "parsing",
    "state.embedding": "embedding",
    "state.ready": "ready",
    "state.failed": "failed",
    "state.cancelled": "cancelled",
    # a file's outcome, saved on its row (workbench/kb/refusals.py)
    "duplicate": "“{name}” is identical to “{existing}”, which is already in this knowledge base; it was not added "
                 "again.",
    "file_missing": "The stored copy of “{name}” is gone. Delete this entry and upload the file again.",
    "internal": "“{name}” could not be added because of an error in the workbench (it has been logged). Try again; "
                "if it fails again, tell the administrator.",
    # a KB's vectors made again with another embedding model (workbench/kb/reembed.py)
    "reembed_internal": "Re-embedding stopped because of an error in the workbench (it has been logged); the "
                        "knowledge base keeps its model and is searched as before. Choose the new model again to "
                        "retry.",
    # a cancel, retry or delete refused
    "not_found.document": "This document does not exist (it may have been deleted).",
    "not_running": "“{name}” is {status}, not waiting or being added: there is nothing to cancel.",
    "not_retryable": "“{name}” is {status}; only a failed or cancelled document can be tried again.",
    "upload_again": "“{name}” was not kept ({reason}). Upload it again.",
    "upload_again.refused": "refused at upload",
    # zip archives (workbench/kb/unpack.py)
    "corrupt.archive": "The zip archive “{name}” could not be opened: it may be damaged or incomplete. Create it "
                       "again and upload that.",
    "archive_too_large": "The zip archive “{name}” unpacks to more than {over} (or holds more than {members} "
                         "files); an archive may unpack to at most {ratio} times its own size and {most} in all. "
                         "Upload its documents in several smaller archives.",
    "empty.archive": "The zip archive “{name}” holds no documents.",
    # the parse process (workbench/kb/parse_worker.py)
    "parse_timeout": "Reading “{name}” took longer than {seconds} seconds, the limit for one document, so it was "
                     "stopped. The file may be built unusually (for example one huge page drawing repeated on every "
                     "page). Save it again (e.g. print to PDF) or split it, then upload that; or ask the "
                     "administrator to raise the limit.",
    "parse_memory": "Reading “{name}” needed more than {megabytes} MB of memory, the limit for one document, so it "
                    "was stopped. Save it again (e.g. print to PDF) or split it, then upload that; or ask the "
                    "administrator to raise the limit.",
    "parse_failed": "Reading “{name}” stopped unexpectedly (the file may be damaged; it has been logged). Try "
                    "again; if it fails again, save the file again or tell the administrator.",
}

ZH: dict[str, str] = {
    "state.queued": "排队中",
    "state.parsing": "解析中",
    "state.embedding": "向量化中",
    "state.ready": "已就绪",
    "state.failed": "失败",
    "state.cancelled": "已取消",
    "duplicate": "“{name}”与本知识库中已有的“{existing}”内容完全相同，未重复添加。",
    "file_missing": "“{name}”的存储副本已不存在。请删除此条目后重新上传该文件。",
    "internal": "由于工作台内部错误，未能添加“{name}”（已记录日志）。请重试；如仍失败，请联系管理员。",
    "reembed_internal": "由于工作台内部错误，重新嵌入已停止（已记录日志）；知识库保留原模型，检索照常。"
                        "请再次选择新模型以重试。",
    "not_found.document": "该文档不存在（可能已被删除）。",
    "not_running": "“{name}”的状态是{status}，并未在排队或处理中，无需取消。",
    "not_retryable": "“{name}”的状态是{status}；只有失败或已取消的文档才能重试。",
    "upload_again": "未保存“{name}”（{reason}）。请重新上传。",
    "upload_again.refused": "上传时被拒绝",
    "corrupt.archive": "无法打开 zip 压缩包“{name}”：文件可能已损坏或不完整。请重新压缩后再上传。",
    "archive_too_large": "zip 压缩包“{name}”解压后超过 {over}（或其中文件超过 {members} 个）；压缩包解压后最多为"
                         "自身大小的 {ratio} 倍，且总计不超过 {most}。请把其中的文档分成几个较小的压缩包上传。",
    "empty.archive": "zip 压缩包“{name}”中没有文档。",
    "parse_timeout": "读取“{name}”超过了单个文档 {seconds} 秒的时间上限，已停止。该文件的结构可能异常（例如每页都"
                     "重复绘制同一个巨大的内容）。请重新保存（例如另存为 PDF）或拆分后再上传，或请管理员提高该上限。",
    "parse_memory": "读取“{name}”需要超过单个文档 {megabytes} MB 的内存上限，已停止。请重新保存（例如另存为 PDF）"
                    "或拆分后再上传，或请管理员提高该上限。",
    "parse_failed": "读取“{name}”时意外中止（文件可能已损坏；已记录日志）。请重试；如仍失败，请重新保存该文件或联系"
                    "管理员。",
}
