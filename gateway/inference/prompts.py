"""Prompt templates the gateway itself adds to requests (data, not code)."""

# Budget forcing, phase 1: the model is asked to reason, and its answer is opened inside a think block.
THINK_INSTRUCTION = (
    "Before you answer, think step by step inside <think> </think>: restate the question, "
    "work through it, check your reasoning. Then close the think block and give the final answer. "
    "Think in the language of the question."
)
THINK_OPEN = "<think>\n"
# Phase 2: the thought so far is closed and the model continues with the answer.
THINK_CLOSED = "<think>\n{thought}\n</think>\n\n"
# Phase 2 again when the model ended without a word of answer (small models do, after a cut thought).
ANSWER_LEAD = {"en": "Answer: ", "zh": "答案："}
# How a system prompt is folded into the first user message for models that accept only user messages.
MERGED_SYSTEM = "{system}\n\n{user}"
