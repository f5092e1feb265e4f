"""What an original prompt requires, and whether a rewrite keeps each requirement: prompt optimisers are known to
drop details of the prompt they improve (AutoPrompt #42), so every rewrite is checked by code, en and zh alike.

    reqs = requirements("Answer about {{city}} in at most 3 sentences. 必须输出 JSON。")
    # [variable {{city}}, constraint "Answer about {{city}} in at most 3 sentences." keys (answer, 3, sentence),
    #  format JSON, constraint "必须输出 JSON。" keys (输出, json)]
    for c in dropped(check(reqs, rewrite)):
        describe(c).text("en")     # Dropped: the constraint “Answer about ... 3 sentences.” (missing: 3, sentence)

Kinds and when a rewrite keeps them:
- ``variable``: each ``{{name}}``; kept when the rewrite still has it (spaces inside the braces do not matter).
- ``format``: an output format named (JSON, CSV, YAML, Markdown, XML, HTML, table, list, ISO 8601, one word, plain
  text, answering in Chinese or English; 表格, 列表, 一个词, 用中文 ...); kept when the rewrite names it, any synonym.
- ``constraint``: a sentence with must / never / only / at most / 必须 / 不要 / 最多 / 仅 ...; its keys are its
  content words (stop words dropped, crude English stems, character bigrams of Chinese), its numbers (number words
  and Chinese numerals before a measure word read as digits) and its quoted strings. Kept when every number and
  quoted string and >= 60% of the words appear, and the rewrite's sentence that holds most of them keeps the
  sentence's kind of limit: a negation (never, do not, 不要, 禁止 ...), an upper or lower bound (at most, no more
  than, 最多, 不超过 / at least, 至少), "exactly" or "only" (仅, 只). "Never" turned into "always" is not kept, nor
  "always" into "do not".
- ``fact``: outside constraints, a number with a unit (3 kg, 500 字) or a quoted string ("...", “...”, 「...」,
  《...》); kept when all of it appears.
Deterministic and code-only: no model is asked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.messages import Message
from workbench.messages import MESSAGES

from .outputs import quote

KINDS = ("variable", "format", "constraint", "fact")
KEEP_SHARE = 0.6                # share of a constraint's words a rewrite must keep

_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_QUOTE = re.compile(r'"([^"\n]{1,200})"|“([^”\n]{1,200})”|「([^」\n]{1,200})」|『([^』\n]{1,200})』'
                    r'|《([^》\n]{1,200})》')
_SPLIT = re.compile(r"\n+|(?<=[。！？；])|(?<=[.!?;])(?=\s)")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)、])\s*")
_FORMATS: tuple[tuple[str, str, str], ...] = (       # (name, how the original says it, what counts in a rewrite)
    ("JSON", r"\bjson\b", r"\bjson"),
    ("CSV", r"\bcsv\b|逗号分隔", r"\bcsv\b|逗号分隔"),
    ("YAML", r"\bya?ml\b", r"\bya?ml\b"),
    ("Markdown", r"\bmarkdown\b", r"\bmarkdown\b|\bmd\b"),
    ("XML", r"\bxml\b", r"\bxml\b"),
    ("HTML", r"\bhtml\b", r"\bhtml\b"),
    ("table", r"\btables?\b|\btabular\b|表格", r"\btables?\b|\btabular\b|表格"),
    ("list", r"\bbullet(?:ed)?(?: points?| lists?)?\b|\bbullets\b|\bnumbered lists?\b|\b(?:as|in) a list\b"
             r"|列表|清单|要点|分点|逐条|分条",
     r"\bbullet|\blists?\b|\bnumbered\b|\bitemi[sz]|\benumerat|列表|清单|要点|分点|逐条|分条|条目|编号"),
    ("ISO 8601", r"\biso[ -]?8601\b|yyyy-mm-dd", r"\biso[ -]?8601\b|yyyy-mm-dd|\biso (?:date|format)"),
    ("one word", r"\b(?:one|a single|single|1)[ -]word\b|一个词|一个单词|一个字|一词",
     r"\b(?:one|a single|single|1)[ -]word\b|一个词|一个单词|一个字|一词|单个词|1个词"),
    ("plain text", r"\bplain text\b|纯文本", r"\bplain text\b|纯文本"),
    ("Chinese", r"\bin (?:simplified )?chinese\b|用中文|中文回答|使用中文|简体中文", r"\bchinese\b|中文|汉语"),
    ("English", r"\bin english\b|用英文|用英语|英文回答|使用英文", r"\benglish\b|英文|英语"),
)
_LIMITS = re.compile(                                 # kinds of limit a rewrite must keep, longest phrases first
    r"(?P<upper>\bno more than\b|\bnot more than\b|\bno longer than\b|\bat most\b|\bup to\b|\bor (?:fewer|less)\b"
    r"|\bmaximum\b|\bmax\b|\bless than\b|\bfewer than\b"
    r"|不要超过|不得超过|不能超过|不可超过|不超过|不多于|最多|至多|以内)"
    r"|(?P<lower>\bno (?:less|fewer) than\b|\bnot (?:less|fewer) than\b|\bat least\b|\bor more\b|\bminimum\b"
    r"|\bmore than\b|不少于|不低于|至少|起码)"
    r"|(?P<exact>\bexactly\b|恰好|正好|刚好)"
    r"|(?P<only>\bonly\b|\bsolely\b|\bexclusively\b|仅|只(?!要))"
    r"|(?P<negative>\bnever\b|\bnot\b|\bno\b|\bdon't\b|\bdoesn't\b|\bcannot\b|\bcan't\b|\bmustn't\b|\bshouldn't\b"
    r"|\bavoid\b|\bwithout\b|\brefrain\b|\bnor\b|不要|不得|禁止|请勿|不能|不可|切勿|严禁|不准|不许|避免|绝不|不应|不允许)"
    r"|(?P<oblige>\bmust\b|\balways\b|\bshould\b|\bshall\b|\brequired?\b|\bneed to\b|\bmake sure\b|\bensure\b"
    r"|必须|务必|一定要|应当|应该|确保|总是|始终|一律)")
_KEPT_LIMITS = ("upper", "lower", "exact", "only", "negative")
_STOP = frozenset("""a an the and or of to in on for with by as at from into about than then that this these those
it its is are be been being was were will would can could may might do does did you your yours we our us i me my he she
they them their his her what which who whom when where how why if so such there here any each every all some other
also just very please up out over per via not""".split())
_CJK_STOP = "的了和与及或是在为把被将对从以请你您我们这那其之也都就并而且吗呢吧啊会要用中上下里等"
_CJK = re.compile(r"[\u3400-\u9fff]+")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z][a-z'-]*|[\u3400-\u9fff]+")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split())}
_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+(?=[个句条字段项点行词次天周年月名位种篇章页张步岁秒])")
_UNIT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(%|percent\b|(?:kg|mg|g|km|cm|mm|m|ml|l|ms|s|h|min|usd|rmb|yuan|dollars?|"
                   r"euros?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|words?|characters?|chars|tokens?|"
                   r"sentences?|paragraphs?|lines?|items?|points?|bullets?|pages?|steps?|examples?|degrees?)\b|"
                   r"个|字|句|段|条|项|点|行|页|天|周|年|月|小时|分钟|秒|公斤|千克|克|米|公里|厘米|毫米|元|块|岁|次|名|种|篇|人|倍)")


@dataclass(frozen=True)
class Requirement:
    """A requirement of the original prompt: ``kind`` (one of ``KINDS``), the ``text`` it was read from, and the
    ``keys`` a rewrite must hold to keep it."""

    kind: str
    text: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    """Whether a rewrite keeps ``requirement``; ``missing``: its keys (or limit words) the rewrite lacks."""

    requirement: Requirement
    kept: bool
    missing: tuple[str, ...]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()


def _zh_number(numeral: str) -> str:
    value, digit = 0, 0
    for c in numeral:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c]
        else:
            value += (digit or 1) * (10 if c == "十" else 100)
            digit = 0
    return str(value + digit)


def _numbers_as_digits(text: str) -> str:
    text = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: _NUMBER_WORDS[m.group(1)], text)
    return _ZH_NUMERAL.sub(lambda m: m.group() if m.group() == "一" else _zh_number(m.group()), text)


def _stem(word: str) -> str:
    word = word.removesuffix("'s").strip("'-")
    for suffix, by, shortest in (("ies", "y", 5), ("ing", "", 6), ("ed", "", 5), ("es", "", 5), ("s", "", 4)):
        if len(word) >= shortest and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + by
    return word


def _sentences(text: str) -> list[str]:
    return [s for s in (_BULLET.sub("", part).strip() for part in _SPLIT.split(text)) if s]


def _quotes(text: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None).strip() for m in _QUOTE.finditer(text)]


def _limits(text: str) -> dict[str, str]:
    """The kinds of limit a sentence states, each with the first phrase that says it."""
    found: dict[str, str] = {}
    for m in _LIMITS.finditer(_norm(text)):
        found.setdefault(m.lastgroup or "", m.group())
    return found


def _content_keys(sentence: str) -> list[str]:
    text = _VARIABLE.sub(" ", _norm(sentence))
    keys = [f"“{q}”" for q in _quotes(text)]
    text = _QUOTE.sub(" ", text)
    text = _numbers_as_digits(_LIMITS.sub(" ", text))
    for token in _TOKEN.findall(text):
        if token[0].isdigit():
            keys.append(token.replace(",", ""))
        elif _CJK.fullmatch(token):
            for piece in re.split(f"[{_CJK_STOP}]+", token):
                keys += [piece] if len(piece) == 1 else [piece[i:i + 2] for i in range(len(piece) - 1)]
        elif token not in _STOP and len(token) > 1 and token not in ("'s",):
            keys.append(token.strip("'-"))
    return list(dict.fromkeys(k for k in keys if k))


def requirements(text: str) -> list[Requirement]:
    """The requirements of ``text`` (an original prompt), deduplicated, in the order they appear."""
    found: list[Requirement] = []
    for sentence in _sentences(text):
        low = _norm(sentence)
        found += [Requirement("variable", v, (v,)) for v in (f"{{{{{n}}}}}" for n in _VARIABLE.findall(sentence))]
        found += [Requirement("format", sentence, (name,)) for name, said, _ in _FORMATS if re.search(said, low)]
        if _limits(sentence):
            keys = tuple(_content_keys(sentence))
            if keys:
                found.append(Requirement("constraint", sentence, keys))
            continue
        found += [Requirement("fact", m.group(), (f"“{_norm(q)}”",)) for m, q in zip(
            _QUOTE.finditer(sentence), _quotes(sentence), strict=True)]
        found += [Requirement("fact", m.group(), (m.group(1).replace(",", ""), m.group(2)))
                  for m in _UNIT.finditer(low)]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    return [r for r in found if (r.kind, r.keys) not in seen and not seen.add((r.kind, r.keys))]


class _Rewrite:
    """A rewrite read once: its normal form, its sentences, its words' stems and its numbers."""

    def __init__(self, text: str) -> None:
        self.text = " ".join(_norm(text).split())
        self.digits = _numbers_as_digits(self.text)
        self.sentences = _sentences(text)
        self.variables = {f"{{{{{v}}}}}" for v in _VARIABLE.findall(text)}

    @staticmethod
    def holds(text: str, key: str) -> bool:
        """Whether ``text`` (normal form, numbers as digits) holds ``key``."""
        if key.startswith("“"):
            return key[1:-1] in text
        if key[0].isdigit():
            return key in {t.replace(",", "") for t in re.findall(r"\d+(?:[.,]\d+)*", text)}
        if _CJK.match(key) or not key.isascii():
            return key in text
        return _stem(key) in {_stem(w) for w in re.findall(r"[a-z][a-z'-]*", text)}


def _strict(key: str) -> bool:
    return key.startswith("“") or key[0].isdigit()


def _check(req: Requirement, rewrite: _Rewrite) -> Check:
    if req.kind == "variable":
        return Check(req, req.keys[0] in rewrite.variables, tuple(k for k in req.keys if k not in rewrite.variables))
    if req.kind == "format":
        accepts = next(accept for name, _, accept in _FORMATS if name == req.keys[0])
        kept = re.search(accepts, rewrite.text) is not None
        return Check(req, kept, () if kept else req.keys)
    missing = tuple(k for k in req.keys if not rewrite.holds(rewrite.digits, k))
    if req.kind == "fact":
        return Check(req, not missing, missing)
    loose = [k for k in req.keys if not _strict(k)]
    share = 1.0 if not loose else sum(k not in missing for k in loose) / len(loose)
    kept = share >= KEEP_SHARE and not any(_strict(k) for k in missing)
    best = max(rewrite.sentences or [""], key=lambda s: sum(rewrite.holds(_numbers_as_digits(_norm(s)), k)
                                                            for k in req.keys))
    said, says = _limits(req.text), _limits(best)
    lost = tuple(word for kind, word in said.items() if kind in _KEPT_LIMITS and kind not in says)
    if "negative" in says and "negative" not in said:         # "always" turned into "do not" is no rewording
        lost += (next(iter(said.values())),)
    return Check(req, kept and not lost, missing + lost)


def check(reqs: Iterable[Requirement], rewrite: str) -> list[Check]:
    """Whether ``rewrite`` keeps each requirement (see the module's words on what keeping one means)."""
    read = _Rewrite(rewrite)
    return [_check(req, read) for req in reqs]


def dropped(checks: Sequence[Check]) -> list[Check]:
    """The checks whose requirement the rewrite did not keep."""
    return [c for c in checks if not c.kept]


def describe(check: Check) -> Message:
    """A line of the checklist a page shows, en and zh: kept, or what the rewrite dropped or turned around."""
    req = check.requirement
    kind = MESSAGES.message(f"prompt_requirement.kind_{req.kind}")
    text = quote(req.text, 120)
    if check.kept:
        return MESSAGES.message("prompt_requirement.kept", kind=kind, text=text)
    if req.kind == "variable":
        return MESSAGES.message("prompt_requirement.variable_dropped", name=req.keys[0])
    if req.kind == "format":
        return MESSAGES.message("prompt_requirement.format_dropped", format=req.keys[0], text=text)
    limits = set(_limits(req.text).values())
    if check.missing and all(m in limits for m in check.missing):
        return MESSAGES.message("prompt_requirement.turned", kind=kind, text=text, word=", ".join(check.missing))
    return MESSAGES.message("prompt_requirement.dropped", kind=kind, text=text, missing=quote(", ".join(check.missing)))
