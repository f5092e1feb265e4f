"""Prompt templates and fixed texts of the workbench's chat (data, not code)."""

from __future__ import annotations

from shared.locale import language

# Context blocks (a document's text, numbered web sources) go in front of the question they serve.
CONTEXT_INTRO = ("Use the following material to answer the question after it. If the material does not "
                 "contain the answer, say so.")
CONTEXT_BLOCK = '<context title="{title}">\n{text}\n</context>'
CONTEXT_QUESTION = "{intro}\n\n{blocks}\n\nQuestion: {question}"

# MCP tools in the chat (workbench.answering.tools, workbench.chat): what the model is told around its tool calls. A
# tool's own output goes to it marked as data (workbench.mcp.results.TOOL_OUTPUT), never as instructions.
TOOL_REFUSED = 'The call of tool "{tool}" was refused before it ran: {reason} Correct the call if it is still needed.'
TOOL_FAILED = 'The call of tool "{tool}" failed: {reason}'
TOOL_UNKNOWN = 'There is no tool named "{name}". The tools are: {names}.'
TOOL_BAD_JSON = ('The arguments of tool "{tool}" are not a JSON object ({reason}). Call it again with its arguments '
                 'as a JSON object.')
TOOL_DENIED = 'The user did not allow this call of tool "{tool}", so it was not run. {reason}'
TOOLS_ANSWER_NOW = ('The tools have answered. Now answer the question "{question}" from their results, in the '
                    'language of the question, without calling any tool.')
TOOLS_LIMIT = ('The limit of {rounds} rounds of tool calls is reached. Now answer the question "{question}" from the '
               'tool results above, in the language of the question, without calling any tool; say what is still '
               'missing, if anything.')

# A model-made conversation title (optional; the heuristic title from the first question comes first).
TITLE_SYSTEM = ("You write a short title for a chat conversation: at most 8 words (or 16 Chinese characters), "
                "in the language of the question, no quotes, no trailing punctuation. Reply with the title only.")
TITLE_USER = "Question:\n{question}\n\nAnswer:\n{answer}"

_EXPORT = {
    "en": {"untitled": "New chat", "model": "Model", "created": "Created", "system": "System prompt",
           "user": "User", "assistant": "Assistant", "attachments": "Attachments",
           "thought_for": "Thought for {seconds} s", "stopped": "(stopped)", "sources": "Sources",
           "tools": "Tool calls", "tool_limit": "The tool-call limit was reached ({rounds} rounds)"},
    "zh": {"untitled": "新对话", "model": "模型", "created": "创建时间", "system": "系统提示词",
           "user": "用户", "assistant": "助手", "attachments": "附件",
           "thought_for": "已思考 {seconds} 秒", "stopped": "（已停止）", "sources": "来源",
           "tools": "工具调用", "tool_limit": "已达到工具调用上限（{rounds} 轮）"},
}


def export_labels(locale: str) -> dict[str, str]:
    """The Markdown export's labels in ``locale`` (Chinese for zh*, else English)."""
    return _EXPORT[language(locale)]

# -- documents in a chat (workbench.retrieval): one block per document, its first line saying what it holds and how to
# cite it, then its numbered passages ("[3] p. 17" and the text)
DOCUMENT_CITE = ("Cite each passage you use as [n] right after the sentence it supports; cite only these numbers, "
                 "never a page or a source of your own.")
DOCUMENT_WHOLE = "The whole text of “{name}” ({size}), in numbered passages.{unreadable} {cite}"
DOCUMENT_EXCERPTS = ("Passages of “{name}” ({size}) chosen for this question: {included}. The rest of the document "
                     "is not shown here.{unreadable} {cite}")
DOCUMENT_PASSAGE = "[{index}] {pages}"
DOCUMENT_UNREADABLE = " Pages {pages} of it could not be read."
DOCUMENT_LEFT_OUT_TITLE = "Other attached documents"
DOCUMENT_LEFT_OUT = ("Also attached, but none of their text is shown (no passage fitted or matched the question "
                     "closely enough): {names}.")
DOCUMENT_NOTHING_FITS = ("Documents are attached ({names}), but none of their text fits in this model's context "
                         "window next to the conversation. Say so if the question needs them.")


def document_size(pages: int, chars: int, paged: bool) -> str:
    """ "30 pages" for a PDF, "12,345 characters" for other formats."""
    if paged:
        return f"{pages} page" + ("" if pages == 1 else "s")
    return f"{chars:,} characters"


# -- summaries of documents (workbench.summaries), map-reduce; one set per output language ----------
SUMMARY = {
    "en": {
        "system": "You summarise documents accurately and briefly. You never add facts that are not in the text.",
        "map": ("Document: “{name}”, part {part} of {parts} ({pages}).\n\n{text}\n\n---\n"
                "Summarise this part in English in 4 to 8 bullet points of one short sentence each, with the most "
                "important facts, findings and numbers. {cite}"),
        "whole": ("Document: “{name}” ({pages}).\n\n{text}\n\n---\n"
                  "Summarise this document in English: first one or two sentences on what it is about, then 5 to "
                  "10 bullet points of one short sentence each with the main facts, findings and numbers. {cite}"),
        "reduce": ("Below are summaries of consecutive parts of the document “{name}”.\n\n{text}\n\n---\n"
                   "Combine them into one summary in English: first one or two sentences on what the document is "
                   "about, then 5 to 10 bullet points of one short sentence each with the main points. {keep} "
                   "Do not add anything that is not in the summaries."),
        "cite_pages": "End each bullet point with its page as (p. N), taken from the [p. N] markers in the text.",
        "cite": "Name the section a point comes from where the text has headings.",
        "keep_pages": "Keep the page references (p. N) of the points.",
        "keep": "Keep the section names of the points.",
        "part": "Part {part} ({pages}):\n{text}",
        "pages": "pp. {first}–{last}",
        "page": "p. {first}",
        "section": "section {part} of {parts}",
        "whole_text": "the whole text",
        "nothing": "(No summary could be made of {pages}.)",
        "by_part": "By part",
    },
    "zh": {
        "system": "你准确、简洁地概括文档，绝不添加原文中没有的内容。",
        "map": ("文档：“{name}”，第 {part}/{parts} 部分（{pages}）。\n\n{text}\n\n---\n"
                "用中文分 4 到 8 条概括这一部分，每条一句话，写出最重要的事实、结论和数字。{cite}"),
        "whole": ("文档：“{name}”（{pages}）。\n\n{text}\n\n---\n"
                  "用中文概括这份文档：先用一两句话说明文档讲什么，再分 5 到 10 条列出主要事实、结论和数字，"
                  "每条一句话。{cite}"),
        "reduce": ("下面是文档“{name}”各个连续部分的摘要。\n\n{text}\n\n---\n"
                   "把它们合并成一份中文摘要：先用一两句话说明文档讲什么，再分 5 到 10 条列出主要观点，每条一句话。"
                   "{keep}不要添加摘要中没有的内容。"),
        "cite_pages": "每条末尾用（第 N 页）注明出处，页码取自文中的 [p. N] 标记。",
        "cite": "原文有标题时，注明要点出自哪一节。",
        "keep_pages": "保留各条的页码（第 N 页）。",
        "keep": "保留各条所属的章节。",
        "part": "第 {part} 部分（{pages}）：\n{text}",
        "pages": "第 {first}–{last} 页",
        "page": "第 {first} 页",
        "section": "第 {part}/{parts} 段",
        "whole_text": "全文",
        "nothing": "（{pages}未能生成摘要。）",
        "by_part": "分部分摘要",
    },
}
SUMMARY_BLOCK_TITLE = "Summary of {name}"
SUMMARY_BLOCK = ("A summary of the whole of “{name}” ({size}), made part by part because the document is too long "
                 "to read at once; page references are in brackets.\n\n{text}")
