"""Build the bilingual Debian Reference retrieval set from the installed Debian packages.

Reads the HTML of `debian-reference-en` and `debian-reference-zh-cn` (apt-get install -y debian-reference-en
debian-reference-zh-cn) and writes, next to this file:

* passages.jsonl: one line per numbered section present in both languages, its own body text only (no heading,
  no subsections), {"id", "title_en", "title_zh", "en", "zh"};
* queries.jsonl: title queries derived from the section titles, then the hand-written questions of
  questions.json, {"id", "kind", "zh", "en", "gold"}.

Deterministic: same packages in, same bytes out. Standard library only. See README.md.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = Path("/usr/share/debian-reference")
FILES = [f"ch{n:02d}" for n in range(1, 13)] + ["apa"]

MIN_CHARS = 150
MAX_CHARS = 2500
MAX_UNTRANSLATED = 0.5  # a zh section with more than half of its prose left in English is dropped (both sides)

SECTION_NUMBER = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)+)\.\s*(.*)$", re.S)
CAPTION_NUMBER = re.compile(r"^(?:Table|Figure|表|图)\s*(?:\d+|[A-Z])\.\d+\.\s*")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")

SKIP_DIV_CLASSES = {"toc", "navheader", "navfooter", "footnotes"}
BLOCK_TAGS = {"p", "li", "dt", "dd", "div", "tr", "table", "ul", "ol", "dl", "blockquote", "caption", "br"}
CELL_TAGS = {"td", "th"}

GENERIC_TITLES_EN = {
    "tips", "basics", "examples", "example", "overview", "introduction", "notes", "references", "miscellaneous",
    "others", "other", "summary", "caveats", "history", "usage", "configuration", "installation", "features",
    "basic concepts", "general tips", "more tips", "practical tips", "other tips",
}
GENERIC_TITLES_ZH = {
    "技巧", "基础", "例子", "示例", "概述", "简介", "介绍", "注意", "参考", "其它", "其他", "总结", "历史",
    "用法", "配置", "安装", "特性", "基本概念", "一般技巧", "更多技巧", "实用技巧", "其它技巧", "其他技巧",
}


class _Sections(html.parser.HTMLParser):
    """Split one DocBook XHTML chapter into (number, title, body) by its numbered h2-h5 headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list] = []  # [number, title, [blocks]]
        self.current: list | None = None
        self.depth = 0
        self.skip_until: int | None = None  # depth at which a skipped element closes
        self.heading: list[str] | None = None
        self.heading_level = ""
        self.pre = 0
        self.line: list[str] = []
        self.cells: list[str] | None = None
        self.cell: list[str] | None = None

    # --- text accumulation -------------------------------------------------------------------------------------
    def _flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        if self.current is None:
            return
        if self.pre:
            lines = [ln.rstrip() for ln in text.split("\n")]
            text = "\n".join(ln for ln in lines if ln.strip())
        else:
            text = re.sub(r"\s+", " ", text).strip()
        if text:
            self.current[2].append(("pre" if self.pre else "p", text))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        self.depth += 1
        if self.skip_until is not None:
            return
        if tag in {"head", "script", "style"} or (tag == "div" and classes & SKIP_DIV_CLASSES) or (
            tag == "sup" and "footnote" in classes
        ) or tag == "colgroup":
            self.skip_until = self.depth
            return
        if re.fullmatch(r"h[1-6]", tag) and "title" in classes:
            self._flush()
            self.heading = []
            self.heading_level = tag
            return
        if tag == "pre":
            self._flush()
            self.pre += 1
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in CELL_TAGS and self.cells is not None:
            self.cell = []
        elif tag in BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and self.skip_until is None:
            self.line.append("\n" if self.pre else " ")

    def handle_endtag(self, tag):
        closing_depth = self.depth
        self.depth -= 1
        if self.skip_until is not None:
            if closing_depth == self.skip_until:
                self.skip_until = None
            return
        if self.heading is not None and tag == self.heading_level:
            title = re.sub(r"\s+", " ", "".join(self.heading)).strip()
            self.heading = None
            m = SECTION_NUMBER.match(title) if tag != "h1" else None
            if m:
                self.current = [m.group(1), m.group(2).strip(), []]
                self.sections.append(self.current)
            else:
                self.current = None  # chapter intro, preface: not a numbered section
            return
        if tag == "pre":
            self._flush()
            self.pre -= 1
        elif tag in CELL_TAGS and self.cell is not None and self.cells is not None:
            self.cells.append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            row = " | ".join(c for c in self.cells if c)
            self.cells = None
            if row and self.current is not None:
                self.current[2].append(("row", row))
        elif tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if self.skip_until is not None:
            return
        if self.heading is not None:
            self.heading.append(data)
        elif self.cell is not None:
            self.cell.append(data)
        else:
            self.line.append(data)

    def close(self):
        super().close()
        self._flush()


def _cap(text: str, limit: int = MAX_CHARS) -> str:
    """Cut at the last paragraph end, else sentence end, at or before `limit` (never below half of it)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rfind("\n")
    if cut >= limit // 2:
        return head[:cut].rstrip()
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)|[。！？]", head)]
    ends = [e for e in ends if e >= limit // 2]
    if ends:
        return head[: ends[-1]].rstrip()
    return head.rstrip()


def _body(blocks: list[tuple[str, str]]) -> str:
    lines = []
    for _, block in blocks:
        block = CAPTION_NUMBER.sub("", block)
        if block:
            lines.append(block)
    return "\n".join(lines)


def untranslated_share(blocks: list[tuple[str, str]]) -> float:
    """Share of a zh section's prose (code blocks and table rows left out: they stay English in any translation)
    that sits in paragraphs with no Han character and at least six Latin words, i.e. left in English."""
    prose = [text for kind, text in blocks if kind == "p"]
    total = sum(len(t) for t in prose)
    english = sum(len(t) for t in prose if not HAN.search(t) and len(re.findall(r"[A-Za-z]{2,}", t)) >= 6)
    return english / total if total else 1.0


def read_language(lang: str, source: Path) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    out: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    for name in FILES:
        parser = _Sections()
        parser.feed((source / f"{name}.{lang}.html").read_text(encoding="utf-8"))
        parser.close()
        for number, title, blocks in parser.sections:
            if number in out:
                raise SystemExit(f"duplicate section {number} in {lang}")
            out[number] = (title, _body(blocks), blocks)
    return out


def _section_key(number: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in number.split("."))


def build_passages(source: Path) -> tuple[list[dict], dict]:
    en = read_language("en", source)
    zh = read_language("zh-cn", source)
    stats = {"sections_en": len(en), "sections_zh": len(zh), "only_one_language": 0, "too_short": 0,
             "untranslated": [], "capped_en": 0, "capped_zh": 0}
    passages = []
    for number in sorted(set(en) | set(zh), key=_section_key):
        if number not in en or number not in zh:
            stats["only_one_language"] += 1
            continue
        title_en, body_en, _ = en[number]
        title_zh, body_zh, blocks_zh = zh[number]
        if len(body_en) < MIN_CHARS or len(body_zh) < MIN_CHARS:
            stats["too_short"] += 1
            continue
        if untranslated_share(blocks_zh) > MAX_UNTRANSLATED or not HAN.search(body_zh):
            stats["untranslated"].append(number)
            continue
        capped_en, capped_zh = _cap(body_en), _cap(body_zh)
        stats["capped_en"] += capped_en != body_en
        stats["capped_zh"] += capped_zh != body_zh
        passages.append({"id": number, "title_en": title_en, "title_zh": title_zh, "en": capped_en, "zh": capped_zh})
    return passages, stats


def _norm_title(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().casefold()


def title_queries(passages: list[dict]) -> tuple[list[dict], int]:
    count_en: dict[str, int] = {}
    count_zh: dict[str, int] = {}
    for p in passages:
        count_en[_norm_title(p["title_en"])] = count_en.get(_norm_title(p["title_en"]), 0) + 1
        count_zh[_norm_title(p["title_zh"])] = count_zh.get(_norm_title(p["title_zh"]), 0) + 1
    out, dropped = [], 0
    for p in passages:
        en, zh = p["title_en"].strip(), p["title_zh"].strip()
        ken, kzh = _norm_title(en), _norm_title(zh)
        ok = (
            len(LATIN.findall(en)) >= 8
            and len(HAN.findall(zh)) >= 4  # a zh title in Latin script only is no Chinese query
            and ken not in GENERIC_TITLES_EN
            and kzh not in GENERIC_TITLES_ZH
            and count_en[ken] == 1
            and count_zh[kzh] == 1
            and ken not in p["en"].casefold()
            and kzh not in p["zh"].casefold()
            and ken not in p["zh"].casefold()  # an untranslated zh title (a command name) given away by the body
        )
        if ok:
            out.append({"kind": "title", "zh": zh, "en": en, "gold": [p["id"]]})
        else:
            dropped += 1
    return out, dropped


def load_questions(path: Path, ids: set[str]) -> list[dict]:
    questions = json.loads(path.read_text(encoding="utf-8"))
    seen = set()
    for i, q in enumerate(questions):
        where = f"{path.name} entry {i}"
        if set(q) != {"zh", "en", "gold"}:
            raise SystemExit(f"{where}: keys must be zh, en, gold: {sorted(q)}")
        if not q["zh"].strip() or not q["en"].strip() or not HAN.search(q["zh"]):
            raise SystemExit(f"{where}: empty or non-Chinese text")
        if not q["gold"] or any(g not in ids for g in q["gold"]):
            raise SystemExit(f"{where}: gold {q['gold']} not all in passages.jsonl")
        key = (q["en"].strip().casefold(), q["zh"].strip())
        if key in seen:
            raise SystemExit(f"{where}: duplicate question")
        seen.add(key)
    return [{"kind": "question", "zh": q["zh"].strip(), "en": q["en"].strip(), "gold": list(q["gold"])}
            for q in questions]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, default=SOURCE, help="directory of the installed Debian Reference HTML")
    ap.add_argument("--out", type=Path, default=HERE, help="where to write passages.jsonl and queries.jsonl")
    args = ap.parse_args(argv)
    if not (args.source / "ch01.en.html").exists() or not (args.source / "ch01.zh-cn.html").exists():
        print(f"no Debian Reference HTML in {args.source}: apt-get install -y debian-reference-en "
              "debian-reference-zh-cn", file=sys.stderr)
        return 2
    passages, stats = build_passages(args.source)
    titles, dropped_titles = title_queries(passages)
    questions = load_questions(HERE / "questions.json", {p["id"] for p in passages})
    queries = [{"id": f"q{i:04d}", **q} for i, q in enumerate(titles + questions, start=1)]
    args.out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(args.out / "passages.jsonl", passages)
    _write_jsonl(args.out / "queries.jsonl", queries)
    print(f"sections: {stats['sections_en']} en, {stats['sections_zh']} zh-cn; "
          f"{stats['only_one_language']} in one language only; {stats['too_short']} shorter than {MIN_CHARS} chars; "
          f"{len(stats['untranslated'])} untranslated (pair dropped): {' '.join(stats['untranslated'])}")
    print(f"passages: {len(passages)} (capped at {MAX_CHARS} chars: {stats['capped_en']} en, {stats['capped_zh']} zh)")
    print(f"queries: {len(titles)} title ({dropped_titles} titles dropped), {len(questions)} question")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
