"""The API docs page's MCP section (app/docs/mcp.py).

No braces other than ``{name}`` fields and no angle brackets (svelte-i18n reads these as ICU messages): the
server's address and the key placeholder come in as fields.
"""

EN: dict[str, str] = {
    "docs.mcp_heading": "## MCP endpoints",
    "docs.mcp_md": (
        "The workbench serves MCP tools as MCP servers over **streamable HTTP**, for any MCP client (Cursor, "
        "VS Code, Cherry Studio, Claude Desktop) or agent framework:\n\n"
        "- `{origin}/mcp/v1/workbench`: the workbench's own tools, for every user: `kb_search` and `kb_list` (the "
        "knowledge bases you may read) and `web_search`.\n"
        "- `{origin}/mcp/v1/` followed by a group's address name: a **tool group**, servers or chosen tools of them "
        "put together on the **MCP** page's **Tool groups** tab by you or a team you manage. It answers only you (or "
        "the team's members); anyone else gets 404, the same as for a group that does not exist.\n\n"
        "**Authentication:** every request carries an API key, `Authorization: Bearer sk-maas-…` (from **My account "
        "→ My API keys**). The tools run as the key's owner: what you may use (the approved tools of the servers you "
        "can see), each call counted against the key's requests per minute. A tool that can change or delete things "
        "runs over an endpoint only when its group allows it.\n\n"
        "**Legacy SSE:** a client that does not speak streamable HTTP connects to the same address followed by "
        "`/sse`, e.g. `{origin}/mcp/v1/workbench/sse`.\n\n"
        "The configurations below are for `{origin}/mcp/v1/workbench`; for a group put its address instead (its page "
        "shows its own). Replace `{placeholder}` with your key."),
    "docs.mcp_agent_md": (
        "### A complete agent\nA Python agent that connects to an endpoint with your key, lists its tools and lets "
        "a chat model of this gateway call them (docs/examples/mcp_agent.py):"),
    "docs.mcp_agent": "Agent (Python)",
}

ZH: dict[str, str] = {
    "docs.mcp_heading": "## MCP 端点",
    "docs.mcp_md": (
        "工作台把 MCP 工具作为 MCP 服务器通过 **Streamable HTTP** 提供，任何 MCP 客户端（Cursor、VS Code、"
        "Cherry Studio、Claude Desktop）或智能体框架都可以使用：\n\n"
        "- `{origin}/mcp/v1/workbench`：工作台自带的工具，所有用户可用：`kb_search` 和 `kb_list`（你可读取的知识库）"
        "以及 `web_search`。\n"
        "- `{origin}/mcp/v1/` 加上工具组的地址名：一个**工具组**，即你或你管理的团队在 **MCP** 页面的**工具组**"
        "标签页中组合起来的服务器或其中选定的工具。它只回应你（或团队成员）；其他人会得到 404，与不存在的工具组相同。\n\n"
        "**认证：**每个请求都带有 API 密钥 `Authorization: Bearer sk-maas-…`（见**我的账户 → 我的 API 密钥**）。"
        "工具以密钥所有者的身份运行：只能使用你可以使用的内容（你可见服务器中已批准的工具），每次调用都计入该密钥的"
        "每分钟请求数。会修改或删除数据的工具只有在工具组允许时才能通过端点运行。\n\n"
        "**旧版 SSE：**不支持 Streamable HTTP 的客户端连接同一地址加上 `/sse`，例如 "
        "`{origin}/mcp/v1/workbench/sse`。\n\n"
        "下面的配置针对 `{origin}/mcp/v1/workbench`；工具组请换成它的地址（其页面会显示它自己的配置）。"
        "把 `{placeholder}` 替换为你的密钥。"),
    "docs.mcp_agent_md": (
        "### 完整的智能体\n一个 Python 智能体：用你的密钥连接端点，列出其工具，并让本网关的对话模型调用它们"
        "（docs/examples/mcp_agent.py）："),
    "docs.mcp_agent": "智能体（Python）",
}
