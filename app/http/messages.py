"""What the workbench's HTTP edges (``/kb/v1``, the download and export routes, the key and session checks) say
to callers: en and zh templates by code.

Plain data (``shared.messages.Catalogue``): a route raises ``ApiError(status, said(code, **fields), ...)`` and the
envelope (``gateway.http.edge``) says it in the caller's language. Both tables have the same codes and the same
fields (tests/app/test_kb_api.py checks).
"""

from __future__ import annotations

from shared.messages import Catalogue, Message

EN: dict[str, str] = {
    # who is calling (app.http.auth)
    "auth.sign_in_first": "Sign in first: open /login.",
    "auth.missing_key": "Missing API key: send the header 'Authorization: Bearer <your key>'.",
    "auth.malformed_header": "Malformed Authorization header: use 'Authorization: Bearer <your key>'.",
    "auth.invalid_key": "Invalid API key: check the key, or ask an administrator for a new one.",
    "auth.master_key": "This key belongs to no user (it is the master key); knowledge bases and tool groups "
                       "belong to users: use a user's key.",
    # what this server has
    "kb.unavailable": "Knowledge bases are not available on this server.",
    "prompts.unavailable": "The prompt library is not available on this server.",
    "papers.unavailable": "Paper reading is not available on this server.",
    "prompts.version": "version must be a whole number from 1 (a version of the prompt).",
    "prompts.label_or_version": "Ask for either a label or a version, not both.",
    "prompts.variables": "variables must be an object of names to text values, e.g. {{\"city\": \"Paris\"}}.",
    "mcp.no_group_in_path": "Name a tool group in the address: /mcp/v1/<group> (or /mcp/v1/workbench for the "
                            "workbench's own tools). Your groups are on the MCP page.",
    "mcp.unknown_path": "Unknown address: use /mcp/v1/<group> (streamable HTTP) or /mcp/v1/<group>/sse (SSE).",
    "chat.documents_unavailable": "Documents are not available in the chat on this server.",
    "chat.unknown_format": "Export as .md or .json.",
    "usage.unknown_export": "Export per-day.csv or per-model.csv.",
    # /kb/v1 routes and requests
    "route.method_not_allowed": "Method {method} is not allowed on {path}; use {allowed}.",
    "route.unknown": "Unknown route {method} {path}; see {prefix}/knowledge-bases and {prefix}/chat.",
    "request.invalid_json": "The request body must be a JSON object (with 'Content-Type: application/json').",
    "request.too_large": "The request is over the limit of {size}. Send fewer or smaller files per request.",
    "request.one_of": "Send at least one of {fields}.",
    "request.unknown_parameter": "Unknown parameter '{name}': this route takes {allowed}.",
    "request.user_or_team": "Send either username (a user) or team_id (a team), not both.",
    "upload.expected_multipart": "Send the files as multipart/form-data, each in a part named 'file'.",
    "upload.unreadable": "The upload could not be read: {reason}",
    "upload.no_files": "Attach one or more files, each in a multipart part named 'file'.",
    "upload.one_pdf": "Attach the paper's PDF in a multipart part named 'file' (one paper per request).",
    "route.unknown_papers": "Unknown route {method} {path}; see {prefix}/papers and docs/papers-api.md.",
    "models.unreachable": "The models could not be reached. Try again in a moment.",
    # a JSON body's fields (app.http.kb_json)
    "field.unknown": "Unknown field '{name}': this route takes {allowed}.",
    "field.required_text": "{name}: required, as text.",
    "field.not_text": "{name}: must be text.",
    "field.too_long": "{name}: at most {most} characters.",
    "field.whole_between": "{name}: a whole number from {low} to {high}.",
    "field.number": "{name}: a number of 0 or more.",
    "field.whole_number": "{name}: a whole number of 0 or more.",
    "field.flag": "{name}: true or false.",
    "field.messages": "messages: a non-empty list of {{role, content}}, the last one the user's question.",
    "field.message": "messages[{i}]: an object with role (system, user or assistant) and content (text).",
    "field.last_message": "messages: the last message must be the user's question (role user, not empty).",
    "field.kb_ids": "knowledge_base_ids: a non-empty list of knowledge base ids.",
}

ZH: dict[str, str] = {
    "auth.sign_in_first": "请先登录：打开 /login。",
    "auth.missing_key": "缺少 API 密钥：请发送请求头 'Authorization: Bearer <你的密钥>'。",
    "auth.malformed_header": "Authorization 请求头格式错误：请使用 'Authorization: Bearer <你的密钥>'。",
    "auth.invalid_key": "API 密钥无效：请检查密钥，或向管理员申请新的密钥。",
    "auth.master_key": "此密钥不属于任何用户（主密钥）；知识库和工具组属于用户：请使用用户的密钥。",
    "kb.unavailable": "本服务器未启用知识库。",
    "prompts.unavailable": "本服务器未启用提示词库。",
    "papers.unavailable": "本服务器未启用论文解读。",
    "prompts.version": "version 须为从 1 开始的整数（提示词的某个版本）。",
    "prompts.label_or_version": "请只指定 label 或 version 之一，不要同时指定。",
    "prompts.variables": "variables 须为“变量名 → 文本值”的对象，例如 {{\"city\": \"北京\"}}。",
    "mcp.no_group_in_path": "请在地址中指明工具组：/mcp/v1/<工具组>（工作台自带的工具为 /mcp/v1/workbench）。"
                            "你的工具组在 MCP 页面上。",
    "mcp.unknown_path": "未知地址：请使用 /mcp/v1/<工具组>（streamable HTTP）或 /mcp/v1/<工具组>/sse（SSE）。",
    "chat.documents_unavailable": "本服务器的对话未启用文档。",
    "chat.unknown_format": "请导出为 .md 或 .json。",
    "usage.unknown_export": "请导出 per-day.csv 或 per-model.csv。",
    "route.method_not_allowed": "{path} 不支持 {method} 方法；请使用 {allowed}。",
    "route.unknown": "未知接口 {method} {path}；请参阅 {prefix}/knowledge-bases 和 {prefix}/chat。",
    "request.invalid_json": "请求体必须是 JSON 对象（'Content-Type: application/json'）。",
    "request.too_large": "请求超过了 {size} 的上限。请每次发送更少或更小的文件。",
    "request.one_of": "请至少提供以下字段之一：{fields}。",
    "request.unknown_parameter": "未知参数“{name}”：此接口接受 {allowed}。",
    "request.user_or_team": "请提供 username（用户）或 team_id（团队）其中之一，不能同时提供。",
    "upload.expected_multipart": "请以 multipart/form-data 上传文件，每个文件放在名为 'file' 的部分中。",
    "upload.unreadable": "无法读取上传内容：{reason}",
    "upload.no_files": "请附上一个或多个文件，每个文件放在名为 'file' 的部分中。",
    "upload.one_pdf": "请把论文的 PDF 放在名为 'file' 的 multipart 部分中（每次请求一篇论文）。",
    "route.unknown_papers": "未知接口 {method} {path}；请参阅 {prefix}/papers 和 docs/papers-api.md。",
    "models.unreachable": "无法连接模型服务，请稍后重试。",
    "field.unknown": "未知字段“{name}”：此接口接受 {allowed}。",
    "field.required_text": "{name}：必填，须为文本。",
    "field.not_text": "{name}：须为文本。",
    "field.too_long": "{name}：最多 {most} 个字符。",
    "field.whole_between": "{name}：须为 {low} 到 {high} 之间的整数。",
    "field.number": "{name}：须为不小于 0 的数。",
    "field.whole_number": "{name}：须为不小于 0 的整数。",
    "field.flag": "{name}：须为 true 或 false。",
    "field.messages": "messages：须为非空的 {{role, content}} 列表，最后一条是用户的问题。",
    "field.message": "messages[{i}]：须为包含 role（system、user 或 assistant）和 content（文本）的对象。",
    "field.last_message": "messages：最后一条消息必须是用户的问题（role 为 user，且不为空）。",
    "field.kb_ids": "knowledge_base_ids：须为非空的知识库 id 列表。",
}

MESSAGES = Catalogue(EN, ZH)


def said(code: str, **fields: object) -> Message:
    """The message ``code`` of this catalogue with its ``fields``, for an ``ApiError`` to say."""
    return MESSAGES.message(code, **fields)
