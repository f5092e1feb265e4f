"""What the MCP hub says about servers, calls, pins and registrations (workbench/mcp/hub.py, remotes.py, pins.py,
failures.py, sealed.py, results.py, flags.py): en and zh templates by code, plain data.

``mcp_hub.<code>``: a request refused or a server that failed (``HubError``, code ``<code>``); ``{server}`` is the
server's title (in the page's language when it has one in each). ``mcp_result.*``: why a piece of a server's answer
was left out. ``mcp_flag.*``: why a tool's words were flagged at review (``flags.Flag.reason``). ``mcp_pin.*``: a
tool's pin state and the kinds of change, for pages to show.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # reaching a server (failures.explain, connectors)
    "mcp_hub.unreachable": "Could not connect to {server}: nothing answered at {origin}. Check that the server is "
                           "running and its address is right, then try again.",
    "mcp_hub.timeout": "{server} did not answer within {seconds} seconds. Try again later; if it keeps happening, "
                       "its owner should check whether it is overloaded.",
    "mcp_hub.unauthorized": "{server} refused the credentials (HTTP {status}). Check the token or headers saved for "
                            "it, and save them again if they changed.",
    "mcp_hub.http_status": "{server} answered with HTTP error {status} instead of MCP. Check the address: its path "
                           "usually ends in /mcp (or /sse for the older transport).",
    "mcp_hub.not_mcp": "{server} answered at {origin}, but not as an MCP server. Check the address and the transport "
                       "(streamable HTTP or the older SSE).",
    "mcp_hub.server_error": "{server} refused the request (MCP error {error}).",
    "mcp_hub.protocol": "{server} sent an answer that is not valid MCP. Its owner should check the server; an "
                        "administrator finds the details in the workbench log.",
    "mcp_hub.url_refused": "The server's address is refused: {why}. If the server is on your own network, ask an "
                           "administrator to allow its host (MAAS_MCP_ALLOW_PRIVATE_HOSTS).",
    "mcp_hub.import_no_url": "Type the address of a server.json to import.",
    "mcp_hub.import_redirect": "{url} redirects to {location}: import from that address instead.",
    "mcp_hub.import_status": "{url} answered HTTP {status}, not a server.json. Check the address: it must be the "
                             "file itself (e.g. a raw file), not a web page about it.",
    "mcp_hub.import_timeout": "{url} did not give the file within {seconds} s. Check the address, or try again later.",
    "mcp_hub.import_too_big": "The file at {url} is larger than {kb} KB, the limit for a server.json.",
    "mcp_hub.import_unreachable": "Could not fetch {url} ({why}). Check the address and that this server can reach "
                                 "it.",
    "mcp_hub.url_variables": "The server's address has parts to fill in ({names}), which the hub does not support "
                             "yet: register the server with its full address.",
    "mcp_hub.not_runnable": "{server} cannot be started here: it is not installed and has no remote address. Ask "
                            "an administrator to install it.",
    "mcp_hub.disabled": "{server} has been disabled; enable it again before using it.",
    "mcp_hub.secret_unreadable": "The saved value of {name} cannot be read with this workbench's secret key (was "
                                 "MAAS_SECRET_KEY or the data dir's secret.key changed?). Enter the value again.",
    "mcp_hub.bad_secret_key": "MAAS_SECRET_KEY must be a Fernet key or a passphrase of at least {most} characters.",
    "mcp_hub.bad_key_file": "{path} does not hold a secret key. Restore it from a backup, or move it away and set "
                            "the stored secrets again.",
    # registering a remote server and its headers (remotes)
    "mcp_hub.transport": "Choose the transport: one of {choices}.",
    "mcp_hub.header_missing": "The header {name} needs a value: enter it in the server's settings.",
    "mcp_hub.header_empty": "The value of {name} is empty.",
    "mcp_hub.header_value": "The value of {name} may not contain line breaks or other control characters.",
    "mcp_hub.header_too_long": "The value of {name} is too long: at most {most} characters.",
    "mcp_hub.unknown_header": "“{name}” is not a header this server takes; it takes: {names}.",
    "mcp_hub.not_remote": "{server} is not a remote server: it has no headers to set.",
    # tools, pins and calls (hub, pins)
    "mcp_hub.no_tool": "{server} has no tool named “{tool}”.",
    "mcp_hub.tool_not_approved": "The tool “{tool}” of {server} has not been approved yet. Who manages the server (an "
                                 "administrator, or you for a server you registered) must review and approve it.",
    "mcp_hub.tool_changed": "The tool “{tool}” of {server} has changed since it was approved, so it is disabled "
                            "until it is approved again; whoever manages the server sees what changed.",
    "mcp_hub.flagged": "The tool “{tool}” has warnings ({rules}). Read them; approve it anyway only if you trust it.",
    "mcp_hub.changed_while_reviewing": "The tool “{tool}” has changed (or gone) since you reviewed it. Review the "
                                       "server again before approving.",
    "mcp_hub.not_reviewed": "The server has listed no tools yet: open it to list its tools, then approve them.",
    "mcp_hub.uri": "Give the resource's URI (at most {most} characters).",
    "mcp_hub.no_prompt": "{server} has no prompt named “{prompt}”.",
    "mcp_hub.prompt_unknown_argument": "The prompt takes no argument “{name}”; it takes: {names}.",
    "mcp_hub.prompt_argument_text": "The argument “{name}” must be text.",
    "mcp_hub.prompt_argument": "The prompt needs “{name}”.",
    "mcp_hub.no_run": "There is no such run (or it is not one of yours).",
    "mcp_hub.admins_only": "Only an administrator can see the MCP hub's usage and audit trail.",
    # pieces of an answer left out (results)
    "mcp_result.too_large": "left out: the answer is larger than the hub keeps ({most} bytes)",
    "mcp_result.bad_type": "left out: an image must have an image/* type, not “{type}”",
    "mcp_result.unknown": "left out: the hub does not know the content type “{type}”",
    # flags at review (flags)
    "mcp_flag.ignore_instructions": "tells the model to ignore its earlier instructions",
    "mcp_flag.important_tag": "uses a tag like <IMPORTANT> to make the model obey hidden orders",
    "mcp_flag.conceal": "asks the model to keep something from the user",
    "mcp_flag.sensitive_file": "names a file that holds credentials or keys (like ~/.ssh or .env)",
    "mcp_flag.exfiltrate": "asks to send or include secrets, keys, tokens or passwords",
    "mcp_flag.hidden_chars": "contains invisible characters ({chars}) that can hide text from people",
    "mcp_flag.too_long": "is very long ({length} characters, more than {most}): long descriptions can hide orders",
    # pin states and kinds of change, for pages
    "mcp_pin.state.approved": "approved",
    "mcp_pin.state.new": "not approved yet",
    "mcp_pin.state.changed": "changed since approval",
    "mcp_pin.state.removed": "no longer offered by the server",
    "mcp_pin.change.added": "added",
    "mcp_pin.change.removed": "removed",
    "mcp_pin.change.changed": "changed",
}

ZH: dict[str, str] = {
    "mcp_hub.unreachable": "无法连接 {server}：{origin} 没有响应。请确认服务器正在运行、地址正确，然后重试。",
    "mcp_hub.timeout": "{server} 在 {seconds} 秒内没有响应。请稍后重试；如果反复出现，请服务器的所有者检查它是否过载。",
    "mcp_hub.unauthorized": "{server} 拒绝了凭据（HTTP {status}）。请检查为它保存的令牌或请求头，如有变化请重新保存。",
    "mcp_hub.http_status": "{server} 返回了 HTTP 错误 {status}，而不是 MCP 应答。请检查地址：路径通常以 /mcp 结尾"
                           "（旧的 SSE 传输方式为 /sse）。",
    "mcp_hub.not_mcp": "{server} 在 {origin} 有响应，但不是 MCP 服务器。请检查地址和传输方式"
                       "（可流式 HTTP 或旧的 SSE）。",
    "mcp_hub.server_error": "{server} 拒绝了请求（MCP 错误 {error}）。",
    "mcp_hub.protocol": "{server} 的应答不是有效的 MCP。请服务器的所有者检查；管理员可在工作台日志中查看详情。",
    "mcp_hub.url_refused": "服务器地址被拒绝：{why}。如果服务器在你们自己的网络中，请联系管理员放行该主机"
                           "（MAAS_MCP_ALLOW_PRIVATE_HOSTS）。",
    "mcp_hub.import_no_url": "请输入要导入的 server.json 的地址。",
    "mcp_hub.import_redirect": "{url} 重定向到 {location}：请改用该地址导入。",
    "mcp_hub.import_status": "{url} 返回 HTTP {status}，不是 server.json。请检查地址：它必须是文件本身"
                             "（例如原始文件），而不是介绍它的网页。",
    "mcp_hub.import_timeout": "{url} 在 {seconds} 秒内没有给出文件。请检查地址，或稍后再试。",
    "mcp_hub.import_too_big": "{url} 的文件超过 {kb} KB，即 server.json 的大小上限。",
    "mcp_hub.import_unreachable": "无法获取 {url}（{why}）。请检查地址，并确认本服务器能访问它。",
    "mcp_hub.url_variables": "服务器地址中有待填写的部分（{names}），中心暂不支持：请用完整地址注册服务器。",
    "mcp_hub.not_runnable": "{server} 无法在这里启动：它尚未安装，也没有远程地址。请联系管理员安装。",
    "mcp_hub.disabled": "{server} 已被停用；请先重新启用再使用。",
    "mcp_hub.secret_unreadable": "{name} 保存的值无法用本工作台的密钥读取（MAAS_SECRET_KEY 或数据目录中的 secret.key "
                                 "是否改过？）。请重新填写。",
    "mcp_hub.bad_secret_key": "MAAS_SECRET_KEY 必须是 Fernet 密钥，或至少 {most} 个字符的口令。",
    "mcp_hub.bad_key_file": "{path} 中没有有效的密钥。请从备份恢复，或将其移走后重新设置已保存的各项机密。",
    "mcp_hub.transport": "请选择传输方式：{choices} 之一。",
    "mcp_hub.header_missing": "请求头 {name} 需要一个值：请在服务器设置中填写。",
    "mcp_hub.header_empty": "{name} 的值为空。",
    "mcp_hub.header_value": "{name} 的值不能包含换行或其他控制字符。",
    "mcp_hub.header_too_long": "{name} 的值太长：最多 {most} 个字符。",
    "mcp_hub.unknown_header": "“{name}”不是这个服务器接受的请求头；它接受：{names}。",
    "mcp_hub.not_remote": "{server} 不是远程服务器，没有可设置的请求头。",
    "mcp_hub.no_tool": "{server} 没有名为“{tool}”的工具。",
    "mcp_hub.tool_not_approved": "{server} 的工具“{tool}”尚未批准。需由管理该服务器的人"
                                 "（管理员；你自己注册的服务器则是你）审查并批准。",
    "mcp_hub.tool_changed": "{server} 的工具“{tool}”在批准后发生了变化，已被停用，需重新批准；"
                            "管理该服务器的人可以看到变化内容。",
    "mcp_hub.flagged": "工具“{tool}”有警告（{rules}）。请先阅读；只有在信任它时才批准。",
    "mcp_hub.changed_while_reviewing": "工具“{tool}”在你审查之后发生了变化（或已消失）。请重新审查服务器后再批准。",
    "mcp_hub.not_reviewed": "服务器还没有列出任何工具：请先打开它列出工具，再批准。",
    "mcp_hub.uri": "请填写资源的 URI（最多 {most} 个字符）。",
    "mcp_hub.no_prompt": "{server} 没有名为“{prompt}”的提示词。",
    "mcp_hub.prompt_unknown_argument": "提示词没有参数“{name}”；它接受：{names}。",
    "mcp_hub.prompt_argument_text": "参数“{name}”必须是文本。",
    "mcp_hub.prompt_argument": "提示词需要“{name}”。",
    "mcp_hub.no_run": "没有这条运行记录（或者它不是你的）。",
    "mcp_hub.admins_only": "只有管理员可以查看 MCP 中心的用量和审计记录。",
    "mcp_result.too_large": "已略去：应答超过中心保留的大小（{most} 字节）",
    "mcp_result.bad_type": "已略去：图片的类型必须是 image/*，而不是“{type}”",
    "mcp_result.unknown": "已略去：中心不认识内容类型“{type}”",
    "mcp_flag.ignore_instructions": "要求模型忽略之前的指令",
    "mcp_flag.important_tag": "用 <IMPORTANT> 之类的标记要求模型服从隐藏的命令",
    "mcp_flag.conceal": "要求模型对用户隐瞒某些事",
    "mcp_flag.sensitive_file": "提到了存放凭据或密钥的文件（如 ~/.ssh 或 .env）",
    "mcp_flag.exfiltrate": "要求发送或附带机密、密钥、令牌或密码",
    "mcp_flag.hidden_chars": "含有不可见字符（{chars}），可能向人隐藏文字",
    "mcp_flag.too_long": "非常长（{length} 个字符，超过 {most}）：过长的描述可能藏有命令",
    "mcp_pin.state.approved": "已批准",
    "mcp_pin.state.new": "尚未批准",
    "mcp_pin.state.changed": "批准后已变化",
    "mcp_pin.state.removed": "服务器已不再提供",
    "mcp_pin.change.added": "新增",
    "mcp_pin.change.removed": "删除",
    "mcp_pin.change.changed": "修改",
}
