"""Why a conversation, a message or a conversation's document cannot be had or changed (workbench/conversations.py,
workbench/attachments.py): en and zh templates by code, plain data.

A code with a variant (``not_found.message``) is one of several sentences callers see under one code
(``not_found``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # conversations and their messages (workbench/conversations.py)
    "not_found.conversation": "This conversation does not exist (it may have been deleted).",
    "not_found.message": "This message does not exist (it may have been deleted).",
    "invalid_setting.number": "{name} must be a number in {bracket}{low:g}, {high:g}].",
    "invalid_setting.whole": "{name} must be a whole number from {low} to {high}.",
    "invalid_setting.tools": "tools must be a list of at most {most} MCP servers or tools, each named by its id.",
    "unknown_setting": "Unknown setting {name!r}; expected one of {names}.",
    "too_long.model": "The model id is too long.",
    "too_long.system_prompt": "The system prompt is too long (at most {most} characters).",
    "required.title": "Enter a title.",
    "too_long.title": "The title is too long (at most {most} characters).",
    "invalid_role": "role must be 'user' or 'assistant'.",
    "required.content": "Type a message first.",
    "not_a_question": "Only a question can be edited.",
    "no_question": "There is no question to answer again.",
    # a conversation's documents (workbench/attachments.py)
    "not_found.attachment": "This document does not exist (it may have been removed).",
    "not_found.file": "The original file of this document is not kept (it was attached before this version); its "
                      "text is still used in the chat.",
    "too_many_files": "This conversation already has {most} documents, the most it can hold. Remove one, or start a "
                      "new conversation for more documents.",
    "total_too_large": "“{name}” ({size}) does not fit: the documents of a conversation may take {limit} together "
                       "and {left} is left. Remove a document or start a new conversation.",
}

ZH: dict[str, str] = {
    "not_found.conversation": "该对话不存在（可能已被删除）。",
    "not_found.message": "该消息不存在（可能已被删除）。",
    "invalid_setting.number": "{name} 必须是 {bracket}{low:g}, {high:g}] 之间的数字。",
    "invalid_setting.whole": "{name} 必须是 {low} 到 {high} 之间的整数。",
    "invalid_setting.tools": "tools 必须是最多 {most} 个 MCP 服务器或工具的列表，每项为其 ID。",
    "unknown_setting": "未知设置 {name!r}；可用：{names}。",
    "too_long.model": "模型 ID 过长。",
    "too_long.system_prompt": "系统提示词过长（最多 {most} 个字符）。",
    "required.title": "请输入标题。",
    "too_long.title": "标题过长（最多 {most} 个字符）。",
    "invalid_role": "role 必须是 'user' 或 'assistant'。",
    "required.content": "请先输入消息。",
    "not_a_question": "只能编辑提问。",
    "no_question": "没有可以重新回答的提问。",
    "not_found.attachment": "该文档不存在（可能已被移除）。",
    "not_found.file": "该文档的原始文件未保存（它是在此版本之前上传的）；其文本仍可在对话中使用。",
    "too_many_files": "该对话已有 {most} 个文档，达到上限。请先移除一个，或新建对话再上传。",
    "total_too_large": "“{name}”（{size}）放不下：一个对话的文档合计不能超过 {limit}，目前还剩 {left}。"
                       "请移除文档，或新建对话。",
}
