"""Reasoning normalisation: every dialect becomes ``reasoning_content`` (the DeepSeek field).

Dialects: SGLang/DeepSeek ``reasoning_content``; vLLM (>=0.16) and Ollama ``reasoning``;
inline ``<think>…</think>`` in content, also when the closing tag never comes, and
templates that open the think block in the prompt so output starts inside it.
"""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"


class ThinkSplitter:
    """Splits streamed content into (reasoning, answer) pieces, tags cut across chunks included."""

    __slots__ = ("thinking", "_pending", "_started")

    def __init__(self, starts_open: bool = False) -> None:
        self.thinking = starts_open
        self._pending = ""          # a possible partial tag held back from the last chunk
        self._started = False       # has any non-whitespace text been seen?

    def feed(self, text: str) -> tuple[str, str]:
        """Return the (reasoning, content) text that can be released for this chunk."""
        text = self._pending + text
        self._pending = ""
        reasoning, content = [], []
        while text:
            tag = CLOSE if self.thinking else OPEN
            at = text.find(tag)
            if at < 0:
                keep = _partial_suffix(text, tag)
                if keep:
                    self._pending = text[-keep:]
                    text = text[:-keep]
                (reasoning if self.thinking else content).append(text)
                break
            before = text[:at]
            if self.thinking or self._started or before.strip() or content:
                (reasoning if self.thinking else content).append(before)
            text = text[at + len(tag):]
            if self.thinking:
                text = text.lstrip("\n")     # the answer usually starts after "</think>\n\n"
            self.thinking = not self.thinking
        r, c = "".join(reasoning), "".join(content)
        if not self._started and not self.thinking and c and not c.strip():
            self._pending = c + self._pending   # hold leading whitespace: a <think> may follow
            c = ""
        if c.strip() or r.strip():
            self._started = True
        return r, c

    def flush(self) -> tuple[str, str]:
        """Release whatever is held back at the end of the stream."""
        text, self._pending = self._pending, ""
        return (text, "") if self.thinking else ("", text)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


def split_think(content: str, starts_open: bool = False) -> tuple[str | None, str]:
    """Split a whole message's content into (reasoning or None, answer)."""
    if OPEN not in content and CLOSE not in content and not starts_open:
        return None, content
    s = ThinkSplitter(starts_open)
    r, c = s.feed(content)
    fr, fc = s.flush()
    reasoning, answer = r + fr, c + fc
    return (reasoning.strip() or None), answer


def normalise_message(message: dict, starts_open: bool = False) -> None:
    """Rewrite an upstream assistant message in place to carry ``reasoning_content``."""
    reasoning = message.pop("reasoning", None)
    if message.get("reasoning_content") is None and reasoning is not None:
        message["reasoning_content"] = reasoning
    content = message.get("content")
    if isinstance(content, str) and message.get("reasoning_content") is None:
        inline, answer = split_think(content, starts_open)
        if inline is not None:
            message["reasoning_content"] = inline
            message["content"] = answer


def strip_history(messages: list) -> list:
    """Copy of a request's messages with earlier thinking removed, so it is never echoed upstream."""
    out = []
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "assistant":
            m = {k: v for k, v in m.items() if k not in ("reasoning_content", "reasoning", "thinking")}
            content = m.get("content")
            if isinstance(content, str) and (OPEN in content or CLOSE in content):
                m["content"] = split_think(content)[1].strip()
            elif isinstance(content, list):
                m["content"] = [_strip_part(p) for p in content]
        out.append(m)
    return out


def _strip_part(part):
    """A content part with its thinking removed (assistant content may come as text parts)."""
    text = part.get("text") if isinstance(part, dict) else None
    if isinstance(text, str) and (OPEN in text or CLOSE in text):
        return {**part, "text": split_think(text)[1].strip()}
    return part
