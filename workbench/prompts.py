"""Prompt templates and fixed texts of the workbench's chat (data, not code)."""

from __future__ import annotations

# Context blocks (a document's text, numbered web sources) go in front of the question they serve.
CONTEXT_INTRO = ("Use the following material to answer the question after it. If the material does not "
                 "contain the answer, say so.")
CONTEXT_BLOCK = '<context title="{title}">\n{text}\n</context>'
CONTEXT_QUESTION = "{intro}\n\n{blocks}\n\nQuestion: {question}"

# A model-made conversation title (optional; the heuristic title from the first question comes first).
TITLE_SYSTEM = ("You write a short title for a chat conversation: at most 8 words (or 16 Chinese characters), "
                "in the language of the question, no quotes, no trailing punctuation. Reply with the title only.")
TITLE_USER = "Question:\n{question}\n\nAnswer:\n{answer}"

_EXPORT = {
    "en": {"untitled": "New chat", "model": "Model", "created": "Created", "system": "System prompt",
           "user": "User", "assistant": "Assistant", "attachments": "Attachments",
           "thought_for": "Thought for {seconds} s", "stopped": "(stopped)", "sources": "Sources"},
    "zh": {"untitled": "新对话", "model": "模型", "created": "创建时间", "system": "系统提示词",
           "user": "用户", "assistant": "助手", "attachments": "附件",
           "thought_for": "已思考 {seconds} 秒", "stopped": "（已停止）", "sources": "来源"},
}


def export_labels(locale: str) -> dict[str, str]:
    """The Markdown export's labels in ``locale`` (Chinese for zh*, else English)."""
    return _EXPORT["zh" if (locale or "").strip().lower().startswith("zh") else "en"]
