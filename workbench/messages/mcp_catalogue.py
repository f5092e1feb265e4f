"""What the MCP catalogue says (workbench/mcp/server_json.py, catalogue.py): en and zh by code, plain data.

``catalogue.<code>``: a ``server.json`` refused (the text is prefixed with the field's JSON path, e.g.
``packages[0].version: ``), or a catalogue request refused. The caller's ``code`` is the part after ``catalogue.``.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # the file as a whole
    "catalogue.too_large": "The file is {size} bytes; a server.json may have at most {most} bytes.",
    "catalogue.not_utf8": "The file is not UTF-8 text. Save it as UTF-8 and import it again.",
    "catalogue.not_json": "This is not valid JSON (line {line}, column {column}). Check the file and import it again.",
    "catalogue.too_deep": "The JSON is nested too deeply to be a server.json.",
    "catalogue.duplicate_key": "The key “{name}” appears twice in one object; keep only one.",
    "catalogue.schema": "“{value}” is not a server.json schema this catalogue reads. Use {expected}.",
    # any field
    "catalogue.missing": "This field is required.",
    "catalogue.empty": "This field must not be empty.",
    "catalogue.bad_type.string": "Must be text.",
    "catalogue.bad_type.boolean": "Must be true or false.",
    "catalogue.bad_type.array": "Must be a list ([...]).",
    "catalogue.bad_type.object": "Must be an object ({{...}}).",
    "catalogue.too_long": "Too long: at most {most} characters (this has {length}).",
    "catalogue.too_many": "Too many: at most {most} items.",
    "catalogue.control_chars": "Contains control characters (a line break, a tab or invisible direction marks); "
                               "remove them.",
    "catalogue.bad_choice": "“{value}” is not allowed here: use one of {choices}.",
    "catalogue.duplicate_name": "“{value}” is declared twice; keep one.",
    # the server
    "catalogue.bad_name": "“{value}” is not a server name: write it in reverse-DNS form, a namespace and a name, "
                          "like io.github.owner/server-name (letters, digits, . - _).",
    "catalogue.version_range": "“{value}” is a range or a tag, not a version: give one exact version, such as "
                               "{example}.",
    "catalogue.bad_version": "“{value}” is not one exact version: give a version such as {example} (no ranges, "
                             "URLs, paths, spaces or shell characters).",
    "catalogue.bad_url": "“{value}” is not an http:// or https:// address.",
    "catalogue.bad_url.https": "“{value}” is not an https:// address.",
    "catalogue.url_credentials": "An address in the catalogue may not carry a user name or password: put "
                                 "credentials in a header or variable marked isSecret.",
    "catalogue.bad_subfolder": "Must be a path inside the repository: no leading / and no “..”.",
    "catalogue.nothing_to_run": "An entry needs at least one package (PyPI or npm) or one remote (streamable-http "
                                "or sse).",
    # packages
    "catalogue.registry_type": "Only PyPI (pypi) and npm (npm) packages can be installed here, not “{value}”. For "
                               "a server that runs elsewhere, give a remote (streamable-http) instead.",
    "catalogue.registry_base_url": "Packages install through this server's own configured index (so an "
                                   "institution's mirror works): leave registryBaseUrl out, or set it to {expected} "
                                   "(not “{value}”).",
    "catalogue.bad_identifier.pypi": "“{value}” is not a PyPI package name: letters, digits, . _ - only, beginning "
                                     "and ending with a letter or digit (no version, URL, path or space).",
    "catalogue.bad_identifier.npm": "“{value}” is not an npm package name: lower-case letters, digits, . _ - only, "
                                    "optionally with a scope as in @scope/name (no version, URL, path or space).",
    "catalogue.bad_hint": "“{value}” is not a runtime name: one word such as npx or uvx.",
    "catalogue.bad_sha256": "Must be a SHA-256: 64 lower-case hexadecimal digits.",
    # arguments, variables, headers
    "catalogue.bad_flag": "“{value}” is not a command-line flag: write it like --port (letters, digits, . _ -).",
    "catalogue.positional_value": "A positional argument needs a value or a valueHint.",
    "catalogue.shell_chars": "“{value}” holds characters a shell acts on ({chars}); an argument's fixed values and "
                             "choices may not.",
    "catalogue.bad_env_name": "“{value}” is not an environment variable name: letters, digits and _, not "
                              "beginning with a digit.",
    "catalogue.reserved_env": "An entry may not set {value}: it changes how programs start or run (like "
                              "LD_PRELOAD, PYTHONPATH, NODE_OPTIONS) or belongs to the workbench.",
    "catalogue.bad_variable_name": "“{value}” is not a variable name: letters, digits and _, not beginning with a "
                                   "digit.",
    "catalogue.bad_header_name": "“{value}” is not an HTTP header name.",
    "catalogue.reserved_header": "An entry may not set the header {value}: the hub sets it itself.",
    "catalogue.secret_value": "A secret (isSecret) has no default or fixed value in the catalogue: it is asked for "
                              "when the server is installed or registered, and stored encrypted.",
    # the catalogue's requests (workbench/mcp/catalogue.py)
    "catalogue.not_found": "There is no such entry in the MCP catalogue (or it is not one you may see).",
    "catalogue.admins_only.import": "Only an administrator can import entries into the MCP catalogue.",
    "catalogue.admins_only.change": "Only an administrator can change or remove this catalogue entry.",
    "catalogue.bundled_remove": "“{name}” comes with the workbench and cannot be removed; disable it instead.",
}

ZH: dict[str, str] = {
    "catalogue.too_large": "文件有 {size} 字节；server.json 最多 {most} 字节。",
    "catalogue.not_utf8": "文件不是 UTF-8 文本。请另存为 UTF-8 后重新导入。",
    "catalogue.not_json": "这不是有效的 JSON（第 {line} 行，第 {column} 列）。请检查文件后重新导入。",
    "catalogue.too_deep": "JSON 嵌套过深，不是 server.json。",
    "catalogue.duplicate_key": "键“{name}”在同一对象中出现了两次；请只保留一个。",
    "catalogue.schema": "“{value}”不是本目录可读取的 server.json 模式。请使用 {expected}。",
    "catalogue.missing": "此字段为必填项。",
    "catalogue.empty": "此字段不能为空。",
    "catalogue.bad_type.string": "须为文本。",
    "catalogue.bad_type.boolean": "须为 true 或 false。",
    "catalogue.bad_type.array": "须为列表（[...]）。",
    "catalogue.bad_type.object": "须为对象（{{...}}）。",
    "catalogue.too_long": "过长：最多 {most} 个字符（现有 {length} 个）。",
    "catalogue.too_many": "过多：最多 {most} 项。",
    "catalogue.control_chars": "含有控制字符（换行、制表符或不可见的方向标记）；请删除。",
    "catalogue.bad_choice": "此处不允许“{value}”：请使用 {choices} 之一。",
    "catalogue.duplicate_name": "“{value}”声明了两次；请只保留一个。",
    "catalogue.bad_name": "“{value}”不是服务器名称：请用反向域名形式，即命名空间加名称，如 io.github.owner/server-name"
                          "（字母、数字及 . - _）。",
    "catalogue.version_range": "“{value}”是版本范围或标签，不是版本：请给出一个确切版本，如 {example}。",
    "catalogue.bad_version": "“{value}”不是一个确切版本：请给出如 {example} 的版本（不能是范围、URL、路径，"
                             "不能含空格或 shell 字符）。",
    "catalogue.bad_url": "“{value}”不是 http:// 或 https:// 地址。",
    "catalogue.bad_url.https": "“{value}”不是 https:// 地址。",
    "catalogue.url_credentials": "目录中的地址不能带用户名或密码：请把凭据放在标记为 isSecret 的请求头或变量中。",
    "catalogue.bad_subfolder": "须为仓库内的路径：不能以 / 开头，也不能含“..”。",
    "catalogue.nothing_to_run": "条目至少需要一个软件包（PyPI 或 npm）或一个远程服务（streamable-http 或 sse）。",
    "catalogue.registry_type": "这里只能安装 PyPI（pypi）和 npm（npm）软件包，不支持“{value}”。"
                               "如果服务器运行在别处，请改为提供远程服务（streamable-http）。",
    "catalogue.registry_base_url": "软件包通过本服务器自己配置的索引安装（机构镜像同样适用）：请省略 registryBaseUrl，"
                                   "或设为 {expected}（而不是“{value}”）。",
    "catalogue.bad_identifier.pypi": "“{value}”不是 PyPI 包名：只能含字母、数字及 . _ -，且以字母或数字开头和结尾"
                                     "（不能带版本、URL、路径或空格）。",
    "catalogue.bad_identifier.npm": "“{value}”不是 npm 包名：只能含小写字母、数字及 . _ -，可带作用域，如 "
                                    "@scope/name（不能带版本、URL、路径或空格）。",
    "catalogue.bad_hint": "“{value}”不是运行时名称：应为一个词，如 npx 或 uvx。",
    "catalogue.bad_sha256": "须为 SHA-256：64 个小写十六进制数字。",
    "catalogue.bad_flag": "“{value}”不是命令行选项：请写成 --port 的形式（字母、数字及 . _ -）。",
    "catalogue.positional_value": "位置参数需要 value 或 valueHint。",
    "catalogue.shell_chars": "“{value}”含有 shell 会解释的字符（{chars}）；参数的固定值和可选值中不允许出现。",
    "catalogue.bad_env_name": "“{value}”不是环境变量名：只能含字母、数字和 _，且不能以数字开头。",
    "catalogue.reserved_env": "条目不能设置 {value}：它会改变程序的启动或运行方式（如 LD_PRELOAD、PYTHONPATH、"
                              "NODE_OPTIONS），或属于工作台本身。",
    "catalogue.bad_variable_name": "“{value}”不是变量名：只能含字母、数字和 _，且不能以数字开头。",
    "catalogue.bad_header_name": "“{value}”不是 HTTP 请求头名称。",
    "catalogue.reserved_header": "条目不能设置请求头 {value}：它由中心自行设置。",
    "catalogue.secret_value": "机密项（isSecret）在目录中不能有默认值或固定值：它在安装或注册服务器时填写，"
                              "并加密保存。",
    "catalogue.not_found": "MCP 目录中没有这个条目（或者你无权查看）。",
    "catalogue.admins_only.import": "只有管理员可以向 MCP 目录导入条目。",
    "catalogue.admins_only.change": "只有管理员可以修改或删除这个目录条目。",
    "catalogue.bundled_remove": "“{name}”随工作台自带，不能删除；可以将其停用。",
}
