"""The MCP page's "Tool groups" tab (app/mcp/groups.py, app/mcp/group_view.py).

No braces other than ``{name}`` fields and no angle brackets (svelte-i18n reads these as ICU messages): the key
placeholder and the addresses come in as fields.
"""

EN: dict[str, str] = {
    "mcp.tab_groups": "Tool groups",
    "mcp.groups_intro": (
        "Put servers, or chosen tools of them, together in a **tool group**: one MCP endpoint that you (or your team) "
        "add to Cursor, VS Code, Cherry Studio, Claude Desktop or a LangChain agent, with your API key. Whoever calls "
        "gets only what they may use: the approved tools of the servers they can see."),
    "mcp.groups_unavailable": "Tool groups are not available on this server.",
    "mcp.workbench_name": "MaaS Workbench",
    "mcp.group_own_all": "{server}: all its tools",
    "mcp.group_all_tools": "{server}: all tools",
    "mcp.group_one_tool": "{server}: {tool}",
    "mcp.group_member_gone": "{member} (no longer available to you)",
    "mcp.group_of_team": "Team {team}",
    "mcp.group_destructive_on": "may change things",
    "mcp.group_search_on": "search_tools + call_tool",
    "mcp.group_col_name": "Group",
    "mcp.group_col_address": "Address",
    "mcp.group_col_owner": "Belongs to",
    "mcp.group_col_members": "Servers and tools",
    "mcp.group_col_options": "Options",
    "mcp.group_none": "No tool groups yet: make one with the form below.",
    "mcp.group_open": "Open a group",
    "mcp.group_new": "New group",
    "mcp.group_form": "Make or change a group",
    "mcp.group_f_slug": "Address name",
    "mcp.group_f_slug_info": "Small letters, digits and “-”: the endpoint is /mcp/v1/ followed by this name.",
    "mcp.group_f_name": "Name",
    "mcp.group_f_description": "Description",
    "mcp.group_f_owner": "Belongs to",
    "mcp.group_f_members": "Servers and tools",
    "mcp.group_f_members_info": ("A whole server (all its approved tools, also those approved later) or single "
                                 "tools; the workbench's own tools too."),
    "mcp.group_f_renames": "New names (optional)",
    "mcp.group_f_renames_info": ("One per line, as tool = new_name, for tools chosen one by one: the endpoint lists "
                                 "them under the new name."),
    "mcp.group_f_destructive": "Allow tools that change or delete things over the endpoint",
    "mcp.group_f_search": "List two tools (search_tools, call_tool) instead of all: for big groups",
    "mcp.group_save": "Save the group",
    "mcp.group_f_confirm_delete": "Yes, delete this group",
    "mcp.group_delete": "Delete",
    "mcp.group_url": "Endpoint (streamable HTTP)",
    "mcp.group_sse": "Legacy SSE endpoint (for clients without streamable HTTP)",
    "mcp.group_endpoint_of": "### Endpoint of “{name}”",
    "mcp.group_endpoint_workbench": (
        "### Endpoint of the workbench's own tools\nNo group is open: here are the address and the configurations "
        "of the workbench's own tools. Open or make a group to see its own."),
    "mcp.group_key_note": (
        "Replace `{placeholder}` with an API key from your **Account** page (My account → My API keys). The key's "
        "owner is who calls: the endpoint answers its owner only (for a team's group, the team's members), within "
        "the key's limits; anyone else gets 404."),
    "mcp.group_workbench_note": (
        "The workbench's own tools (kb_search, kb_list, web_search: your knowledge bases and web search) are at "
        "`{url}` for every user, with the same key."),
    "mcp.group_rename_line": "Line {line} is not a rename: write it as tool = new_name.",
    "mcp.group_rename_unknown": ("“{tool}” is not among the tools chosen one by one: choose it itself in Servers "
                                 "and tools to rename it."),
    "mcp.group_rename_twice_chosen": ("“{tool}” is chosen from two servers: the endpoint already tells them apart "
                                      "by their server's prefix. Rename only one server's by choosing it alone."),
    "mcp.group_saved": "“{name}” is saved: its endpoint is {url}",
    "mcp.group_choose": "Open a group first.",
    "mcp.group_confirm_first": "Tick the box to confirm: the group's address stops answering at once.",
    "mcp.group_deleted": "“{name}” is deleted; its address no longer answers.",
}

ZH: dict[str, str] = {
    "mcp.tab_groups": "工具组",
    "mcp.groups_intro": (
        "把服务器（或其中选定的工具）组合成一个**工具组**：一个 MCP 端点，你（或你的团队）可以用自己的 API 密钥把它加入 "
        "Cursor、VS Code、Cherry Studio、Claude Desktop 或 LangChain 智能体。调用者只能得到自己可以使用的内容："
        "其可见服务器中已批准的工具。"),
    "mcp.groups_unavailable": "本服务器不提供工具组。",
    "mcp.workbench_name": "MaaS 工作台",
    "mcp.group_own_all": "{server}：全部自带工具",
    "mcp.group_all_tools": "{server}：全部工具",
    "mcp.group_one_tool": "{server}：{tool}",
    "mcp.group_member_gone": "{member}（你已无法使用）",
    "mcp.group_of_team": "团队 {team}",
    "mcp.group_destructive_on": "可修改数据",
    "mcp.group_search_on": "仅列出 search_tools 与 call_tool",
    "mcp.group_col_name": "工具组",
    "mcp.group_col_address": "地址",
    "mcp.group_col_owner": "所属",
    "mcp.group_col_members": "服务器与工具",
    "mcp.group_col_options": "选项",
    "mcp.group_none": "还没有工具组：用下面的表单创建一个。",
    "mcp.group_open": "打开工具组",
    "mcp.group_new": "新建工具组",
    "mcp.group_form": "创建或修改工具组",
    "mcp.group_f_slug": "地址名",
    "mcp.group_f_slug_info": "小写字母、数字和“-”：端点地址为 /mcp/v1/ 加上此名称。",
    "mcp.group_f_name": "名称",
    "mcp.group_f_description": "描述",
    "mcp.group_f_owner": "所属",
    "mcp.group_f_members": "服务器与工具",
    "mcp.group_f_members_info": "整个服务器（其全部已批准的工具，包括以后批准的）或单个工具；也可以选工作台自带的工具。",
    "mcp.group_f_renames": "新名称（可选）",
    "mcp.group_f_renames_info": "每行一个，格式为 工具 = 新名称，仅用于单独选择的工具：端点以新名称列出它们。",
    "mcp.group_f_destructive": "允许通过端点调用会修改或删除数据的工具",
    "mcp.group_f_search": "只列出两个工具（search_tools、call_tool）而非全部：适合大型工具组",
    "mcp.group_save": "保存工具组",
    "mcp.group_f_confirm_delete": "是的，删除此工具组",
    "mcp.group_delete": "删除",
    "mcp.group_url": "端点（Streamable HTTP）",
    "mcp.group_sse": "旧版 SSE 端点（供不支持 Streamable HTTP 的客户端使用）",
    "mcp.group_endpoint_of": "### “{name}”的端点",
    "mcp.group_endpoint_workbench": (
        "### 工作台自带工具的端点\n当前没有打开工具组：这里是工作台自带工具的地址和配置。打开或创建一个工具组即可查看它的端点。"),
    "mcp.group_key_note": (
        "把 `{placeholder}` 替换为**账户**页面中的 API 密钥（我的账户 → 我的 API 密钥）。调用者就是密钥的所有者："
        "端点只回应其所有者（团队的工具组则回应团队成员），并受该密钥的限额约束；其他人会得到 404。"),
    "mcp.group_workbench_note": (
        "工作台自带的工具（kb_search、kb_list、web_search：你的知识库与联网搜索）位于 `{url}`，所有用户都可使用同一个密钥访问。"),
    "mcp.group_rename_line": "第 {line} 行不是改名：请写成 工具 = 新名称。",
    "mcp.group_rename_unknown": "“{tool}”不在单独选择的工具中：请在“服务器与工具”中单独选择它再改名。",
    "mcp.group_rename_twice_chosen": "“{tool}”选自两个服务器：端点已用服务器前缀区分它们。如只想改其中一个，请只单独选择那一个。",
    "mcp.group_saved": "“{name}”已保存：其端点为 {url}",
    "mcp.group_choose": "请先打开一个工具组。",
    "mcp.group_confirm_first": "请勾选确认框：工具组的地址会立即停止响应。",
    "mcp.group_deleted": "“{name}”已删除，其地址不再响应。",
}
