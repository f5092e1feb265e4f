"""What the workbench's own MCP tools say (workbench/mcp/own.py: ``kb_list``, ``kb_search``, ``web_search``): en and
zh templates by code, plain data.

``mcp_own.title.<tool>``: a tool's title as a page lists it. ``mcp_own.<code>``: a call refused (``McpInvalid``,
``{name}`` the argument at fault, e.g. ``knowledge_base_ids[1]``) or what a call found, as the text a model and a
reader see. A tool's arguments against its schema are said by ``tool_args.*`` (``mcp_tools.py``); web search's
failures by ``web.*`` (``chat.py``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # titles
    "mcp_own.title.kb_search": "Search the knowledge bases",
    "mcp_own.title.kb_list": "List the knowledge bases",
    "mcp_own.title.web_search": "Search the web",
    "mcp_own.title.prompt_search": "Search the prompt library",
    "mcp_own.title.prompt_get": "Get a prompt",
    "mcp_own.prompts_found": "{count} prompt(s) found:",
    "mcp_own.no_prompts": "No prompt you may read matches “{query}”.",
    "mcp_own.title.paper_read": "Deep-read a paper",
    "mcp_own.title.paper_ask": "Ask about a paper",
    "mcp_own.papers_ambiguous": "“{name}” matches {count} of your papers: {papers}. Give the id of the one you mean.",
    "mcp_own.reading_running": "The reading of “{title}” is running ({done} of {total} steps); {count} statement(s) "
                               "so far, below. Call paper_read again in a while for the rest.",
    "mcp_own.reading_done": "The reading of “{title}”: {verified} of {shown} statements verified on their page "
                            "(each with its page and a quote from it):",
    "mcp_own.unverified": "not verified",
    "mcp_own.evidence": "Evidence from “{title}”:",
    # refusals
    "mcp_own.no_tool": "The workbench has no tool named “{tool}” here. List the tools to see the ones it offers.",
    "mcp_own.blank": "“{name}” is empty: give the words to look for.",
    "mcp_own.unknown_kb": "“{name}”: {reason} Call kb_list for the knowledge bases you may search.",
    "mcp_own.too_many_kbs": "You may read {count} knowledge bases, more than one search covers ({most}): choose at "
                            "most {most} of them in “knowledge_base_ids” (kb_list lists them).",
    "mcp_own.model_failed": "The search could not reach the models behind this workbench. Try again in a moment; "
                            "if it keeps failing, tell an administrator.",
    "mcp_own.failed": "The tool “{tool}” failed unexpectedly. Try again; an administrator finds the details in the "
                      "workbench log.",
    # what was found
    "mcp_own.kbs_listed": "Knowledge bases you may search ({count}); pass their ids to kb_search:",
    "mcp_own.no_kbs": "You may read no knowledge bases yet: there is nothing to search.",
    "mcp_own.documents": "{count} document(s)",
    "mcp_own.hits": "Passages found in {names} for “{query}”, best first:",
    "mcp_own.no_passage": "No passage in {names} matches “{query}”: the knowledge bases do not cover it. Do not "
                          "answer it from them.",
    "mcp_own.web_results": "Web pages found for “{query}”:",
    "mcp_own.no_web_results": "No web pages were found for “{query}”.",
}

ZH: dict[str, str] = {
    "mcp_own.title.kb_search": "检索知识库",
    "mcp_own.title.kb_list": "列出知识库",
    "mcp_own.title.web_search": "联网搜索",
    "mcp_own.title.prompt_search": "搜索提示词库",
    "mcp_own.title.prompt_get": "获取提示词",
    "mcp_own.prompts_found": "找到 {count} 个提示词：",
    "mcp_own.no_prompts": "没有与“{query}”匹配且你可查看的提示词。",
    "mcp_own.title.paper_read": "深度解读论文",
    "mcp_own.title.paper_ask": "就论文提问",
    "mcp_own.papers_ambiguous": "“{name}”与你的 {count} 篇论文相符：{papers}。请给出你要的那篇的 id。",
    "mcp_own.reading_running": "“{title}”的解读正在进行（已完成 {done}/{total} 步）；目前有 {count} 条陈述，见下。"
                               "请稍后再次调用 paper_read 获取其余部分。",
    "mcp_own.reading_done": "“{title}”的解读：{shown} 条中 {verified} 条已在所注页码核实（每条附页码和该页的引文）：",
    "mcp_own.unverified": "未核实",
    "mcp_own.evidence": "来自“{title}”的证据：",
    "mcp_own.no_tool": "工作台在此没有名为“{tool}”的工具。请列出工具查看它提供的工具。",
    "mcp_own.blank": "“{name}”为空：请给出要查找的内容。",
    "mcp_own.unknown_kb": "“{name}”：{reason}请调用 kb_list 查看你可以检索的知识库。",
    "mcp_own.too_many_kbs": "你可读取 {count} 个知识库，超过一次检索的上限（{most} 个）：请在“knowledge_base_ids”中"
                            "选择最多 {most} 个（kb_list 会列出它们）。",
    "mcp_own.model_failed": "检索无法连接工作台背后的模型。请稍后再试；若一直失败，请告知管理员。",
    "mcp_own.failed": "工具“{tool}”意外失败。请重试；管理员可在工作台日志中查看详情。",
    "mcp_own.kbs_listed": "你可以检索的知识库（{count} 个），将其 id 传给 kb_search：",
    "mcp_own.no_kbs": "你目前没有可读取的知识库，没有可检索的内容。",
    "mcp_own.documents": "{count} 个文档",
    "mcp_own.hits": "在{names}中为“{query}”找到的段落，按相关度排列：",
    "mcp_own.no_passage": "{names}中没有与“{query}”相关的段落：知识库未涵盖此问题，请勿据其作答。",
    "mcp_own.web_results": "为“{query}”找到的网页：",
    "mcp_own.no_web_results": "没有找到与“{query}”相关的网页。",
}
