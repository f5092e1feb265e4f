"""What the chat says (workbench/chat.py, websearch_client.py, retrieval.py, answering/): en and zh by code.

``chat.<code>``: why an answer failed (``workbench.chat.Error``; ``<code>`` is saved with the answer). ``web.<code>``:
why a web search failed. ``answer.<code>``: the answer pipeline's notices, progress and refusals.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # an answer that failed (workbench/chat.py; the code is saved with the answer)
    "chat.unreachable": "The model service cannot be reached. Try again in a moment.",
    "chat.timeout": "The model took too long to answer. Try again, or lower the maximum answer length.",
    "chat.key": "Your workbench key is no longer valid. Sign out and sign in again.",
    "chat.model": "You may not use this model, or it no longer exists. Pick another model.",
    "chat.no_model": "Pick a model for this conversation first.",
    "chat.limit": "You reached a rate limit or your token quota. Wait a minute, or ask an administrator for more.",
    "chat.too_long": "This message does not fit the model's context window, even with older messages left out. "
                     "Shorten it, lower the maximum answer length or thinking budget, or start a new conversation.",
    "chat.rejected": "The model rejected the request. Check the conversation's settings (temperature, top_p, max "
                     "tokens) and try again.",
    "chat.unavailable": "The model is unavailable right now. Try again shortly, or pick another model.",
    "chat.server": "The model server failed. Try again; if it keeps failing, tell an administrator.",
    "chat.broken": "The answer broke off. What arrived is saved; regenerate to try again.",
    "chat.failed": "Something went wrong while answering. Try again.",
    "chat.too_small": "This model's context window is too small to summarise a document with. Pick a model with a "
                      "larger context window.",
    # a web search that failed (workbench/websearch_client.py)
    "web.not_configured": "Web search is not configured on this server.",
    "web.forbidden": "Your key may not use web search.",
    "web.rate_limited": "Too many requests: web search is rate limited, try again in a minute.",
    "web.timeout": "The search engine did not answer in time.",
    "web.failed": "Web search failed{detail}.",
    "web.unreachable": "The gateway could not be reached for web search.",
    # the answer pipeline (workbench/answering/): notices, progress, refusals
    "answer.empty": "Type a message first.",
    "answer.pick_model": "Pick a model first.",
    "answer.trimmed": "{count} older messages were left out to fit the model's context window.",
    "answer.web_not_configured": "Web search is not configured on this server.",
    "answer.web_failed": "Web search failed, so this answer does not use it: {reason}",
    "answer.extra_failed": "Web search failed, so this answer does not use it. Try again later.",
    "answer.docs_failed": "The documents could not be searched, so this answer does not use them: {reason}",
    "answer.summarizing": "Summarising “{name}”: step {done} of {total}…",
    "answer.summarized": "Summarised all of “{name}”, part by part (model calls: {calls}).",
    "answer.summary_failed": "The summary could not be made ({reason}); answering from passages of the document.",
    "answer.kb_nothing": "Nothing in the chosen knowledge bases is relevant to this question; the answer comes from "
                         "the web pages and documents only.",
    "answer.kb_no_room": "Passages were found in the knowledge bases, but none fits the model's context window next "
                         "to this conversation. Start a new conversation, or lower the longest answer.",
    "answer.kb_gone": "“{name}” is no longer available to you (deleted, or no longer shared with you), so this "
                      "answer does not use it.",
    "answer.kb_gone_unnamed": "A chosen knowledge base is no longer available to you (deleted, or no longer shared "
                              "with you), so this answer does not use it.",
    "answer.kb_failed": "The knowledge bases could not be searched, so this answer does not use them: {reason}",
    "answer.kb_unavailable": "Knowledge bases are not available in the chat on this server.",
    # MCP tools in the chat (workbench/answering/tools.py)
    "answer.tools_unavailable": "MCP tools are not available in the chat on this server, so none were offered.",
    "answer.tools_gone": "A chosen MCP server is no longer available to you (removed, disabled or no longer shared "
                         "with you), so its tools were not offered.",
    "answer.tools_not_yours": "You cannot use the MCP server or tool “{id}”: it does not exist or is not shared with "
                              "you. Choose another one.",
    "answer.tool_not_usable": "The tool “{tool}” of “{server}” cannot be used now (not approved, or changed since it "
                              "was approved), so it was not offered.",
    "answer.server_no_tools": "“{server}” has no approved tools yet, so none of its tools were offered.",
    "answer.tool_limit": "The answer used its most {rounds} rounds of tool calls; the model was asked to answer "
                         "without more tools.",
    "answer.tool_unknown": "The model asked for a tool that was not offered: “{name}”.",
    "answer.tool_bad_json": "The model's arguments were not a JSON object, so the tool was not called.",
    "answer.tool_failed": "The tool call failed on the way. Try again later.",
    "answer.tool_denied": "Not run: you said no.",
    "answer.tool_timeout": "Not run: it was not confirmed within {seconds} seconds.",
}

ZH: dict[str, str] = {
    "chat.unreachable": "无法连接模型服务，请稍后重试。",
    "chat.timeout": "模型响应超时。请重试，或调小最大输出长度。",
    "chat.key": "你的工作台密钥已失效，请退出后重新登录。",
    "chat.model": "你无权使用该模型，或该模型已不存在。请选择其他模型。",
    "chat.no_model": "请先为该对话选择模型。",
    "chat.limit": "已达到速率限制或 token 配额。请稍等一分钟，或联系管理员提高额度。",
    "chat.too_long": "即使省略了较早的消息，该消息仍超出模型的上下文长度。"
                     "请缩短消息、调小最大输出长度或思考预算，或新建对话。",
    "chat.rejected": "模型拒绝了该请求。请检查对话设置（temperature、top_p、最大输出长度）后重试。",
    "chat.unavailable": "该模型暂时不可用。请稍后重试，或选择其他模型。",
    "chat.server": "模型服务出错。请重试；如果持续出错，请联系管理员。",
    "chat.broken": "回答中断了。已收到的部分已保存；可点击重新生成再试。",
    "chat.failed": "回答时出错，请重试。",
    "chat.too_small": "该模型的上下文长度太小，无法用来总结文档。请选择上下文更长的模型。",
    "web.not_configured": "本服务器未配置联网搜索。",
    "web.forbidden": "你的密钥无权使用联网搜索。",
    "web.rate_limited": "请求过于频繁，联网搜索受限，请稍后再试。",
    "web.timeout": "搜索引擎未能及时响应。",
    "web.failed": "联网搜索失败{detail}。",
    "web.unreachable": "无法连接网关进行联网搜索。",
    "answer.empty": "请先输入消息。",
    "answer.pick_model": "请先选择模型。",
    "answer.trimmed": "为适应模型的上下文长度，省略了 {count} 条较早的消息。",
    "answer.web_not_configured": "本服务器未配置联网搜索。",
    "answer.web_failed": "联网搜索失败，本次回答未使用搜索结果：{reason}",
    "answer.extra_failed": "联网搜索失败，本次回答未使用搜索结果。请稍后重试。",
    "answer.docs_failed": "无法检索文档，本次回答未使用文档：{reason}",
    "answer.summarizing": "正在总结“{name}”：第 {done} 步，共 {total} 步…",
    "answer.summarized": "已分段完整总结“{name}”（调用模型 {calls} 次）。",
    "answer.summary_failed": "无法生成摘要（{reason}），改为根据文档片段回答。",
    "answer.kb_nothing": "所选知识库中没有与该问题相关的内容；回答仅依据网页和文档。",
    "answer.kb_no_room": "在知识库中找到了段落，但加上本对话的内容后超出了模型的上下文长度。"
                         "请新建对话，或调小回答最大长度。",
    "answer.kb_gone": "“{name}”已不可用（已被删除，或不再与你共享），本次回答未使用它。",
    "answer.kb_gone_unnamed": "所选的某个知识库已不可用（已被删除，或不再与你共享），本次回答未使用它。",
    "answer.kb_failed": "无法检索知识库，本次回答未使用知识库：{reason}",
    "answer.kb_unavailable": "本服务器的对话暂不支持知识库。",
    "answer.tools_unavailable": "本服务器的对话暂不支持 MCP 工具，本次未提供任何工具。",
    "answer.tools_gone": "所选的某个 MCP 服务器已不可用（已被移除、停用或不再与你共享），本次未提供它的工具。",
    "answer.tools_not_yours": "你不能使用 MCP 服务器或工具“{id}”：它不存在或未与你共享。请选择其他服务器或工具。",
    "answer.tool_not_usable": "“{server}”的工具“{tool}”目前不能使用（未获批准，或批准后已被修改），本次未提供。",
    "answer.server_no_tools": "“{server}”还没有获批准的工具，本次未提供它的工具。",
    "answer.tool_limit": "本次回答已用满 {rounds} 轮工具调用；已请模型不再调用工具，直接回答。",
    "answer.tool_unknown": "模型请求了未提供的工具：“{name}”。",
    "answer.tool_bad_json": "模型给出的参数不是 JSON 对象，因此未调用该工具。",
    "answer.tool_failed": "工具调用中途失败，请稍后重试。",
    "answer.tool_denied": "未运行：你选择了不运行。",
    "answer.tool_timeout": "未运行：{seconds} 秒内没有确认。",
}
