"""A question in the other language, for searching chunks in that language: one short chat call, cached.

    translator = Translator("qwen2.5-coder:0.5b")
    english = await translator.translate(client, "如何查看系统日志？", "en")     # "How do I view system logs?" | None

Keyword search cannot cross languages (a Chinese question meets an English chunk in its latin words only) and a
multilingual embedding crosses them less sharply than it matches within one, so when a KB's candidates are in the
other language the retriever asks again with the question translated. Bounded: one call, at most ``MAX_TOKENS``
tokens out, ``TIMEOUT_S``; the answer is cut to its first line and ``MAX_CHARS``; answers are kept (LRU,
``CACHE_SIZE``) per (model, question, language). A failed or empty translation is None: the search goes on with the
question as asked. The call is the user's (their client: metered as theirs).
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import openai

MAX_TOKENS = 64
TIMEOUT_S = 20.0
MAX_CHARS = 300
CACHE_SIZE = 1024
log = logging.getLogger(__name__)

# one example each way: a 0.5B model otherwise sometimes answers the question instead of translating it
_PROMPTS = {
    "en": ("Translate the user's search question into English. Reply with the English question only.",
           "如何查看磁盘的使用情况？", "How do I check disk usage?"),
    "zh": ("把用户的检索问题翻译成简体中文。只回复译文。",
           "How do I check disk usage?", "如何查看磁盘的使用情况？"),
}


class Translator:
    """Question translation through one chat model (see the module doc)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._cache: OrderedDict[tuple[str, str], str | None] = OrderedDict()

    async def translate(self, client: openai.AsyncOpenAI, text: str, language: str) -> str | None:
        """``text`` in ``language`` ("en" or "zh"), or None when the model could not say."""
        key = (text, language)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        system, example, answer = _PROMPTS[language]
        try:
            reply = await client.chat.completions.create(
                model=self.model, temperature=0, max_tokens=MAX_TOKENS, timeout=TIMEOUT_S,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": example},
                          {"role": "assistant", "content": answer}, {"role": "user", "content": text}])
            said = (reply.choices[0].message.content or "") if reply.choices else ""
        except openai.APIError as exc:
            log.warning("translating a question with %s failed: %s", self.model, exc)
            return None                                     # not cached: the next question tries again
        lines = [line.strip().strip("\"'“”") for line in said.strip().splitlines() if line.strip()]
        found = lines[0][:MAX_CHARS] if lines else ""
        result = found if found and found != text else None
        self._cache[key] = result
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result
