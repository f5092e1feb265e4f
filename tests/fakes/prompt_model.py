"""A chat model whose answers depend on the prompt, deterministically: an OpenAI-compatible server on a real socket,
for the prompt studio's tests (the optimiser must be seen to work, which the 0.5B model cannot promise).

    model = start_prompt_model()          # uvicorn in a thread, a free loopback port; model id "prompt-model"
    model.mode = "copy"; model.paste = '{"city": "Lyon"}'
    model.requests()                      # the chat requests' JSON bodies, in order; model.stop()

What it answers, by the request it recognises (the prompt studio's instruction files start as these do):
- the optimiser's reflection ("You improve one part of a prompt"): the part's current text (from its ``` block)
  changed by ``mode``: ``good`` adds "Answer with a JSON object." (to the system part; the user part comes back as
  it is), ``copy`` adds that and pastes ``paste`` ("For example: <paste>"), ``drop`` adds it but drops every
  sentence that says "at most", ``none`` sends it back unchanged;
- the improver ("You review and improve a prompt"): a critique and the system part with "Answer with a JSON
  object." added (``mode`` ``drop`` drops the "at most" sentences as well);
- the generator ("You write the instructions of a prompt"): the five sections, the output format naming JSON;
- the case drafter ("You write test cases for a prompt"): one JSON line per city of ``CITIES``, in the shape asked;
- the judge ("You are a strict, fair grader"): score 9 when the output (between ``<<<OUTPUT`` and ``OUTPUT>>>``)
  is a JSON object with a city, else 2, with feedback;
- anything else is the task: the city is the last word of the last user message; the answer is
  ``{"city": "<city>"}`` when any message of the request says "JSON", else the city alone.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.chat_server import content, start_scripted

MODEL = "prompt-model"
CITIES = ("Paris", "Lyon", "Nantes", "Lille", "Nice", "Rennes", "Dijon", "Metz", "Brest", "Tours", "Caen", "Pau")
JSON_SENTENCE = "Answer with a JSON object."
FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)


def _content(message: dict[str, Any]) -> str:
    return content(message)


def _drop_at_most(text: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(s for s in sentences if "at most" not in s.lower())


@dataclass
class PromptModel:
    url: str
    server: Any
    thread: threading.Thread
    mode: str = "good"
    paste: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)

    def requests(self) -> list[dict[str, Any]]:
        return list(self.seen)

    def kinds(self) -> list[str]:
        """What each chat request was: reflect, improve, generate, draft, judge or task."""
        return [_kind(body["messages"]) for body in self.seen]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    # -- answers --------------------------------------------------------------------------------------------------
    def answer(self, messages: list[dict[str, Any]]) -> str:
        kind = _kind(messages)
        last = _content(messages[-1])
        if kind == "reflect":
            current = (FENCE.search(last).group(1) if FENCE.search(last) else "").strip()
            part = re.search(r'The part "(\w+)"', last).group(1)
            if self.mode == "none" or part != "system":
                return f"```\n{current}\n```"
            text = f"{current} {JSON_SENTENCE}"
            if self.mode == "copy":
                text += f" For example: {self.paste}"
            if self.mode == "drop":
                text = _drop_at_most(text)
            return f"```\n{text}\n```"
        if kind == "improve":
            current = (FENCE.search(last).group(1) if FENCE.search(last) else "").strip()
            text = f"{current} {JSON_SENTENCE}"
            if self.mode == "drop":
                text = _drop_at_most(text)
            return f"CRITIQUE:\n- The output format is not said.\n\n```\n{text}\n```"
        if kind == "generate":
            return ("ROLE: You are an assistant who finds cities.\nCONTEXT: People say where they live.\n"
                    "INSTRUCTIONS:\n- Read the sentence.\n- Find the city.\nCONSTRAINTS:\n- Use at most 3 words.\n"
                    "OUTPUT FORMAT: A JSON object with the key city.")
        if kind == "draft":
            shape = json.loads(re.search(r"like this:\n(\{.*\})", last).group(1))
            names = [k for k in shape if k != "expected"]
            return "\n".join(json.dumps({**{n: f"I live in {city}" for n in names},
                                         "expected": json.dumps({"city": city})}) for city in CITIES[:5])
        if kind == "judge":
            output = last.split("<<<OUTPUT", 1)[-1].split("OUTPUT>>>", 1)[0]
            good = "{" in output and '"city"' in output
            return json.dumps({"score": 9 if good else 2,
                               "feedback": "valid JSON with the city" if good else "not a JSON object"})
        words = re.findall(r"[\w\u4e00-\u9fff]+", last)
        city = words[-1] if words else ""
        wants_json = any("JSON" in _content(m) for m in messages)
        return json.dumps({"city": city}) if wants_json else city


def _kind(messages: list[dict[str, Any]]) -> str:
    text = "\n".join(_content(m) for m in messages)
    for marker, kind in (("You improve one part of a prompt", "reflect"),
                         ("You review and improve a prompt", "improve"),
                         ("You write the instructions of a prompt", "generate"),
                         ("You write test cases for a prompt", "draft"), ("You are a strict, fair grader", "judge")):
        if marker in text:
            return kind
    return "task"


def start_prompt_model() -> PromptModel:
    """Serve the model on a free loopback port."""
    return start_scripted(PromptModel, MODEL)
