"""Which of a small model's generated sections are worth keeping: checked by code, not trusted to the model.

A 0.5B model asked for "ROLE: who the model is" often answers with the description itself ("who the model is, in
one sentence"), a role that is not one ("Language model"), a rule with no content ("The answer must keep."), the
task repeated as its context, or an output format it invented (a JSON object for a task that asks for a number).
Each of those is dropped here, line by line, and the generator falls back to the task's own words for what is left.
"""

from __future__ import annotations

import re

from workbench.lexical import terms

ECHO_SHARE = 0.6          # a line whose words are this much the instruction's own is the instruction echoed
REPEAT_SHARE = 0.6        # a context whose words are this much the task's repeats the task
_MARKUP = re.compile(r"\bjson\b|\bxml\b|\byaml\b|[{}<>]|```", re.I)
_FORMAT_WORDS = re.compile(r"\b(answer|reply|respond|output|return|format|only|write)\w*\b|回答|输出|只|格式|返回|给出",
                           re.I)
_SENTENCE = re.compile(r"[^.!?。！？;；\n]+[.!?。！？;；]?")
_ADDRESSES_THE_MODEL = re.compile(r"\byou\b|你|您", re.I)
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")


def kept(key: str, text: str, *, task: str, asked: str) -> str:
    """The lines of the model's section ``key`` that say something of their own; "" when none do."""
    lines = [line for line in text.splitlines() if line.strip() and not _empty(line, asked)]
    if not _markup(task):                             # a format the task did not ask for is not the model's to add
        lines = [line for line in lines if not _markup(line)]
    if key == "role":
        lines = [line for line in lines[:1] if _ADDRESSES_THE_MODEL.search(line) and len(terms(line)) >= 2]
    if key == "context" and lines and _share(terms("\n".join(lines)), terms(task)) >= REPEAT_SHARE:
        return ""                                     # the task itself already opens the context
    return "\n".join(lines).strip()


def format_of(task: str) -> str:
    """The task's own sentences about what the answer looks like ("Answer with the number only."), or ""."""
    return " ".join(s.strip() for s in _SENTENCE.findall(task) if _FORMAT_WORDS.search(s)).strip()


def _empty(line: str, asked: str) -> bool:
    """A line with no words of its own, or whose words are the instruction's (the model echoing what it was asked)."""
    words = terms(line)
    return not words or _share(words, terms(asked)) >= ECHO_SHARE and len(words) <= 12


def _markup(text: str) -> bool:
    return bool(_MARKUP.search(_PLACEHOLDER.sub(" ", text)))


def _share(words: set[str], of: set[str]) -> float:
    return len(words & of) / len(words) if words else 1.0
