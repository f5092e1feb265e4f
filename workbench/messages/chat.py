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
}
