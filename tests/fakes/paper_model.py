"""A chat model that reads papers deterministically, on a real socket (``chat_server``), for the papers' tests: the
reading's code (quotes found on their pages, points kept to their quotes, progress, questions) must be seen to work,
which the 0.5B model cannot promise.

    model = start_paper_model()          # model id "paper-model"; model.mode = "faithful" | "sloppy" | "inventive"
    model.kinds()                        # what each request was: extract, explain, questions, other

- extract ("Read this part of a paper"): the sentences of the marked text ([p. N]) that hold a cue word of the aspect
  asked, at most three, each as "p. N: <sentence>", or NONE. ``sloppy``: the second sentence has a word changed (on
  no page any more) and the third names the page after its own;
- explain ("Here are sentences from a paper"): "i. 要点：<the sentence>" (its numbers kept); ``inventive``: the
  first point gains "提升 99%" (a number its quote has not);
- questions ("questions a careful reviewer would ask"): "1: 作者如何验证第 1 条？" for statements 1..3;
- evidence ("help answer the question"): the passage's sentences sharing a word of 6+ letters with the question, as
  "p. N: <sentence>", or NONE;
- answer ("Answer a question about the paper"): "根据论文，<quote i>（p. N）。" per quote; ``sloppy``: the first
  cites page 99 (no page of the evidence) and the second has no page mark.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.chat_server import content, start_scripted

MODEL = "paper-model"
CUES = {"the problem": ("problem", "challenge", "motivat", "问题"),
        "what the authors propose": ("propose", "method", "encoder", "方法"),
        "the datasets": ("dataset", "baseline", "metric", "数据集"),
        "the results": ("%", "improv", "outperform", "achiev", "结果"),
        "the contributions": ("contribut", "we present", "贡献"),
        "the limitations": ("limit", "however", "fail", "局限"),
        "the future work": ("future", "未来")}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


@dataclass
class PaperModel:
    url: str
    server: Any
    thread: threading.Thread
    mode: str = "faithful"
    seen: list[dict[str, Any]] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [_kind(content(body["messages"][-1])) for body in self.seen]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    def answer(self, messages: list[dict[str, Any]]) -> str:
        last = content(messages[-1])
        kind = _kind(last)
        if kind == "extract":
            return self._extract(last)
        if kind == "explain":
            listed = re.findall(r"^(\d+)\. (.+)$", last.split("numbered:", 1)[1].split("For each sentence")[0], re.M)
            points = [f"{n}. 要点：{text}" for n, text in listed]
            if self.mode == "inventive" and points:
                points[0] += " 提升 99%"
            return "\n".join(points)
        if kind == "evidence":
            return self._evidence(last)
        if kind == "answer":
            quoted = re.findall(r"^\d+\. \(p\. (\d+)\) (.+)$", last, re.M)
            lines = [f"根据论文，{text}（p. {page}）。" for page, text in quoted]
            if self.mode == "sloppy" and len(lines) > 1:
                lines[0] = re.sub(r"p\. \d+", "p. 99", lines[0])
                lines[1] = re.sub(r"（p\. \d+）", "", lines[1])
            return "".join(lines)
        if kind == "questions":
            count = len(re.findall(r"^\d+\. ", last, re.M))
            return "\n".join(f"{n}: 作者如何验证第 {n} 条？" for n in range(1, min(count, 3) + 1))
        return "I do not know."

    def _evidence(self, prompt: str) -> str:
        question = prompt.split("\n", 1)[0].lower()
        words = set(re.findall(r"[a-z]{6,}", question))
        text = prompt.split("marked [p. N].\n\n", 1)[1].rsplit("\n\nCopy the", 1)[0]
        found = [(p, s) for p, s in _sentences(text) if words & set(re.findall(r"[a-z]{6,}", s.lower()))]
        return "\n".join(f"p. {p}: {s}" for p, s in found) or "NONE"

    def _extract(self, prompt: str) -> str:
        text = prompt.split("\n\n", 1)[1].rsplit("\n\nCopy the", 1)[0]
        cues = next((c for asks, c in CUES.items() if f"best state {asks}" in prompt), ())
        picked = [(page, s) for page, s in _sentences(text) if any(c in s.lower() for c in cues)][:3]
        if self.mode == "sloppy" and len(picked) > 1:
            picked[1] = (picked[1][0], re.sub(r"\b(\w{4,})\b", "changed", picked[1][1], count=1))
        if self.mode == "sloppy" and len(picked) > 2:
            picked[2] = (picked[2][0] + 1, picked[2][1])
        return "\n".join(f"p. {p}: {s}" for p, s in picked) or "NONE"


def _sentences(text: str) -> list[tuple[int, str]]:
    """(page, sentence) of a text whose pages are marked [p. N]."""
    out: list[tuple[int, str]] = []
    page, lines = 0, []
    for line in [*text.splitlines(), "[p. 0]"]:
        mark = re.fullmatch(r"\[p\. (\d+)\]", line.strip())
        if mark:                                # a page's lines joined: sentences run across line ends
            out += [(page, s.strip()) for s in _SENTENCE_END.split(" ".join(lines)) if s.strip()]
            page, lines = int(mark.group(1)), []
        else:
            lines.append(line.strip())
    return out


def _kind(text: str) -> str:
    for marker, kind in (("Read this part of a paper", "extract"), ("Here are sentences from a paper", "explain"),
                         ("questions a careful reviewer would ask", "questions"), ("help answer the question",
                                                                                    "evidence"),
                         ("Answer a question about the paper", "answer")):
        if marker in text:
            return kind
    return "other"


def start_paper_model() -> PaperModel:
    """Serve the model on a free loopback port."""
    return start_scripted(PaperModel, MODEL)
