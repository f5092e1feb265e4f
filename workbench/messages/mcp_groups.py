"""What tool groups and their MCP endpoints say (workbench/mcp/groups.py, endpoint.py): en and zh by code, plain data.

``mcp_group.<code>``: a group refused (``GroupError``, code ``<code>``). ``mcp_endpoint.<code>``: a call over a
group's endpoint refused (what an MCP client shows its user). ``mcp_client.<client>``: where a client's configuration
for an endpoint goes (``workbench/mcp/client_config.py``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    "mcp_group.not_found": "No such tool group. Check its name in the address; a group is seen only by its owner "
                           "(or its team).",
    "mcp_group.slug": "“{slug}” cannot be a group's address name: use 1 to 40 small letters, digits and “-” "
                      "(not at either end), e.g. lab-tools.",
    "mcp_group.slug_reserved": "“{slug}” is reserved by the workbench; choose another address name.",
    "mcp_group.slug_taken": "Another group already has the address name “{slug}”; choose another.",
    "mcp_group.name": "Give the group a name.",
    "mcp_group.too_long": "Too long: at most {most} characters.",
    "mcp_group.visibility": "A group belongs to you (user) or to one of your teams (team).",
    "mcp_group.no_team": "No such team among yours. Choose one of the teams you are in.",
    "mcp_group.team_managers": "Only the team's owner and admins can make or change its groups.",
    "mcp_group.no_members": "Add at least one server or tool to the group.",
    "mcp_group.too_many": "Too many servers and tools: at most {most} in one group.",
    "mcp_group.no_server": "No such MCP server among those you can see. Choose one from the catalogue.",
    "mcp_group.rename_needs_tool": "A new name or description is for one tool: choose the tool first.",
    "mcp_group.rename": "“{name}” cannot be a tool's name: use 1 to 64 letters, digits, “_” and “-”.",
    "mcp_group.rename_twice": "Two tools of the group are renamed “{name}”; give each its own name.",
    "mcp_endpoint.unknown_tool": "The group has no tool called “{name}”. List the tools again: a tool leaves a group "
                                 "when its server is disabled or the tool changed and waits for approval again.",
    "mcp_endpoint.destructive": "“{name}” can change or delete things, so this group does not run it over its "
                                "endpoint. Its owner can allow such tools in the group's settings, or run it from "
                                "the MCP page.",
    "mcp_endpoint.unknown_resource": "The group has no resource at {uri}.",
    "mcp_endpoint.unknown_prompt": "The group has no prompt called “{name}”.",
    "mcp_endpoint.search_query": "Say what the tool should do in “query” (at most {most} characters).",
    "mcp_endpoint.call_name": "Give the name of one of the tools search_tools found in “name”.",
    "mcp_endpoint.call_arguments": "“arguments” must be an object of the tool's arguments.",
    "mcp_client.cursor": "Cursor: add it to ~/.cursor/mcp.json (every project) or .cursor/mcp.json in a project, "
                         "then check Cursor Settings → MCP lists the server with its tools.",
    "mcp_client.vscode": "VS Code: save it as .vscode/mcp.json in your workspace (or in the user configuration: "
                         "`MCP: Open User Configuration`), then start the server from that file.",
    "mcp_client.cherry_studio": "Cherry Studio: Settings → MCP → Add → Import from JSON, paste it and save.",
    "mcp_client.claude_desktop": "Claude Desktop: Settings → Developer → Edit Config (claude_desktop_config.json), "
                                 "add it and restart Claude. It runs `mcp-remote` through `npx`: Node.js 18 or newer.",
    "mcp_client.langchain_python": "Python: `pip install langchain-mcp-adapters`, then run it; the tools work with "
                                   "any LangChain agent.",
    "mcp_client.langchain_js": "JavaScript: `npm install @langchain/mcp-adapters`, then run it as an ES module "
                               "(Node.js 18 or newer); the tools work with any LangChain.js agent.",
}

ZH: dict[str, str] = {
    "mcp_group.not_found": "没有这个工具组。请检查地址中的组名；工具组只有其所有者（或其团队）可见。",
    "mcp_group.slug": "“{slug}”不能用作工具组的地址名：请使用 1 到 40 个小写字母、数字和“-”（首尾不能是“-”），"
                      "例如 lab-tools。",
    "mcp_group.slug_reserved": "“{slug}”已被工作台保留，请换一个地址名。",
    "mcp_group.slug_taken": "已有工具组使用地址名“{slug}”，请换一个。",
    "mcp_group.name": "请为工具组起一个名字。",
    "mcp_group.too_long": "太长：最多 {most} 个字符。",
    "mcp_group.visibility": "工具组属于你自己（个人）或你的某个团队（团队）。",
    "mcp_group.no_team": "你所在的团队中没有这个团队，请从你的团队中选择。",
    "mcp_group.team_managers": "只有团队的所有者和管理员可以创建或修改团队的工具组。",
    "mcp_group.no_members": "请至少向工具组添加一个服务器或工具。",
    "mcp_group.too_many": "服务器和工具太多：一个工具组最多 {most} 个。",
    "mcp_group.no_server": "你可见的 MCP 服务器中没有这个服务器，请从目录中选择。",
    "mcp_group.rename_needs_tool": "新名称或新描述针对单个工具：请先选择工具。",
    "mcp_group.rename": "“{name}”不能用作工具名：请使用 1 到 64 个字母、数字、“_”和“-”。",
    "mcp_group.rename_twice": "工具组中有两个工具都改名为“{name}”，请分别起名。",
    "mcp_endpoint.unknown_tool": "该工具组中没有名为“{name}”的工具。请重新列出工具：服务器被停用、或工具有变化"
                                 "而等待重新批准时，该工具会离开工具组。",
    "mcp_endpoint.destructive": "“{name}”可能修改或删除数据，因此该工具组不通过其端点运行它。工具组的所有者可以在"
                                "设置中允许此类工具，或在 MCP 页面中运行它。",
    "mcp_endpoint.unknown_resource": "该工具组中没有位于 {uri} 的资源。",
    "mcp_endpoint.unknown_prompt": "该工具组中没有名为“{name}”的提示词。",
    "mcp_endpoint.search_query": "请在“query”中说明工具要做什么（最多 {most} 个字符）。",
    "mcp_endpoint.call_name": "请在“name”中给出 search_tools 找到的某个工具的名称。",
    "mcp_endpoint.call_arguments": "“arguments”必须是由该工具参数组成的对象。",
    "mcp_client.cursor": "Cursor：加入 ~/.cursor/mcp.json（所有项目）或项目中的 .cursor/mcp.json，然后在 Cursor "
                         "设置 → MCP 中确认已列出该服务器及其工具。",
    "mcp_client.vscode": "VS Code：保存为工作区中的 .vscode/mcp.json（或用户配置：`MCP: Open User Configuration`），"
                         "然后在该文件中启动服务器。",
    "mcp_client.cherry_studio": "Cherry Studio：设置 → MCP → 添加 → 从 JSON 导入，粘贴后保存。",
    "mcp_client.claude_desktop": "Claude Desktop：设置 → 开发者 → 编辑配置（claude_desktop_config.json），加入后重启 "
                                 "Claude。它通过 `npx` 运行 `mcp-remote`：需要 Node.js 18 或更新版本。",
    "mcp_client.langchain_python": "Python：`pip install langchain-mcp-adapters`，然后运行；这些工具可用于任何 "
                                   "LangChain 智能体。",
    "mcp_client.langchain_js": "JavaScript：`npm install @langchain/mcp-adapters`，然后作为 ES 模块运行（Node.js 18 "
                               "或更新版本）；这些工具可用于任何 LangChain.js 智能体。",
}
