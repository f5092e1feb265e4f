"""Warnings about words in a tool aimed at the model rather than at people ("tool poisoning"), shown when a server's
tools are reviewed for approval.

    for flag in flags_of(snapshot):             # snapshot: a tool's pinned fields (pins.snapshot_of)
        flag.rule, flag.where, flag.excerpt      # "important_tag", "description", "…<IMPORTANT> Before using …"
        flag.reason.text("zh")                   # 用 <IMPORTANT> 之类的标记要求模型服从

Every text of the tool is read: its name, title and description, and every key and text value of its input schema
(a parameter's description is as good a place to hide an order as the tool's). Text is NFKC-folded and case-folded
and invisible characters are taken out before the rules run, so "ｉｇｎｏｒｅ" and "ig\\u200bnore" are still caught;
the invisible characters are a flag of their own. The rules are a short list of what published attacks use; a flag
is a reason to read the tool, not proof of bad intent, and a tool without flags is not thereby safe.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.messages import Message
from workbench.messages import MESSAGES

from .schemas import json_path

MAX_DESCRIPTION = 2000          # a tool's description longer than this is flagged
_SECRET_NOUN = (r"(secrets?|api[\s_-]?keys?|access[\s_-]?keys?|(auth|access|bearer|secret|session|api)[\s_-]?tokens?|"
                r"passwords?|passphrases?|credentials?|private[\s_-]?keys?|ssh[\s_-]?keys?|cookies?)")
RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((rule, re.compile(pattern)) for rule, pattern in (
    ("ignore_instructions",
     r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(previous|prior|above|earlier|preceding|all|any|"
     r"other|system|your)\b[^.\n]{0,30}?\b(instructions?|prompts?|rules|directions|guidelines|messages|context)\b"
     r"|(忽略|无视|忘记|忘掉).{0,12}(之前|以上|上面|前面|先前|所有|其他|系统).{0,12}(指令|指示|提示|规则|要求)"),
    ("important_tag",
     r"<\s*/?\s*(important|system|instructions?|secret|hidden|admin|critical|priority)\b[^>]{0,40}>"
     r"|\[\s*(important|system|instructions?)\s*\]"),
    ("conceal",
     r"\b(do\s*not|don'?t|never|must\s+not|without)\b[^.\n]{0,30}?\b(tell|telling|inform|informing|mention|"
     r"mentioning|reveal|revealing|show|showing|notify|notifying|alert|alerting)\b[^.\n]{0,30}?\b(the\s+)?"
     r"(user|human|person|operator)s?\b|不要(告诉|告知|提醒|透露给|让)用户|(对|向)用户(隐瞒|保密)"),
    ("sensitive_file",
     r"~/\.ssh|\.ssh/|\bid_(rsa|dsa|ecdsa|ed25519)\b|(^|[\s/\"'`(])\.env\b|/etc/(passwd|shadow)\b|\.aws/credentials"
     r"|\.netrc\b|\.git-credentials|\.npmrc\b|\.pypirc\b|\.kube/config|\.docker/config\.json|\bmcp\.json\b"
     r"|claude_desktop_config|\.bash_history|\.zsh_history"),
    ("exfiltrate",
     r"\b(send|post|upload|include|pass|forward|leak|transmit|exfiltrate|append|attach|share|collect)\b"
     rf"[^.\n]{{0,60}}?\b{_SECRET_NOUN}\b|(发送|上传|附上|附带|传给|收集).{{0,20}}(密钥|密码|令牌|凭据|凭证|私钥)"
     r"|(密钥|密码|令牌|凭据|凭证|私钥).{0,12}(发送|上传|传给|附在|附到|填入|放入|写入)"),
))
# zero-width, joiners, soft hyphen, text-direction marks and overrides, the tag characters, byte-order mark
HIDDEN = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")


@dataclass(frozen=True)
class Flag:
    """One warning: the ``rule`` (``mcp_flag.<rule>`` says it), ``where`` (the JSON path of the text in the tool,
    like ``description`` or ``inputSchema.properties.path.description``), the ``excerpt`` that matched (invisible
    characters shown as ``<U+200B>``) and ``reason``, a ``Message`` in en / zh."""

    rule: str
    where: str
    excerpt: str
    reason: Message


def flags_of(snapshot: Mapping[str, Any]) -> tuple[Flag, ...]:
    """The warnings about a tool (a snapshot: name, title, description, inputSchema, annotations), one per rule and
    place, in the order of the tool's texts."""
    found: list[Flag] = []
    description = snapshot.get("description") or ""
    if isinstance(description, str) and len(description) > MAX_DESCRIPTION:
        found.append(Flag("too_long", "description", _excerpt(description, 0, 60),
                          MESSAGES.message("mcp_flag.too_long", length=len(description), most=MAX_DESCRIPTION)))
    texts = [("name", snapshot.get("name")), ("title", snapshot.get("title")), ("description", description)]
    for where, text in [*texts, *_texts(snapshot.get("inputSchema"), "inputSchema")]:
        if isinstance(text, str) and text:
            found += _flags_in(text, where)
    return tuple(found)


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every key and text value inside a schema, with its JSON path."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = json_path(path, str(key))
            yield where, str(key)
            yield from _texts(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, json_path(path, i))
    elif isinstance(value, str):
        yield path, value


def _flags_in(text: str, where: str) -> list[Flag]:
    found = []
    hidden = HIDDEN.search(text)
    if hidden:
        chars = sorted({f"U+{ord(c):04X}" for c in HIDDEN.findall(text)})
        found.append(Flag("hidden_chars", where, _excerpt(text, hidden.start(), hidden.end()),
                          MESSAGES.message("mcp_flag.hidden_chars", chars=", ".join(chars[:5]))))
    folded = unicodedata.normalize("NFKC", HIDDEN.sub("", text)).casefold()
    for rule, pattern in RULES:
        match = pattern.search(folded)
        if match:
            found.append(Flag(rule, where, _excerpt(folded, match.start(), match.end()),
                              MESSAGES.message(f"mcp_flag.{rule}")))
    return found


def _excerpt(text: str, start: int, end: int, around: int = 30, most: int = 160) -> str:
    """The matched text with a little around it, on one line, invisible characters named."""
    left, right = max(start - around, 0), min(end + around, len(text))
    said = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
    said = HIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", said)
    said = re.sub(r"[\x00-\x1f\x7f]", " ", said)
    return said if len(said) <= most else said[: most - 1] + "…"
