"""Figure and table captions: a line starting "Figure 2:", "Fig. 2.", "Table 1", "TABLE I", "图 2" or "表 1", with
the lines that continue it (same column and font size, close below it)."""

from __future__ import annotations

import re

from workbench.documents.layout import Line

from .model import Caption

_ENGLISH = re.compile(r"(?P<kind>Figure|FIGURE|Fig\.|FIG\.|Table|TABLE)\s*(?P<n>\d{1,3}|[IVX]{1,5})(?:\s*[:.]\s*\S|$)")
_CHINESE = re.compile(r"(?P<kind>[图表])\s*(?P<n>\d{1,3}(?:[-.]\d{1,2})?)(?:\s+|[:：.．]\s*)\S")
_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")
LINE_GAP = 1.8      # a continuation line starts within this many font sizes below the line before


def caption_kind(text: str) -> tuple[str, str] | None:
    """("figure" or "table", its label such as "Figure 2" or "表 1") when ``text`` starts a caption."""
    match = _ENGLISH.match(text) or _CHINESE.match(text)
    if not match:
        return None
    word = match["kind"]
    kind = "table" if word.lower().startswith("table") or word == "表" else "figure"
    if word in "图表":
        return kind, f"{word} {match['n']}"
    return kind, f"{'Table' if kind == 'table' else 'Figure'} {match['n']}"


def joined(texts: list[str]) -> str:
    """Lines joined with a space, or with nothing between two CJK characters."""
    out = ""
    for text in texts:
        text = text.strip()
        if out and text:
            out += "" if _CJK.match(out[-1]) and _CJK.match(text[0]) else " "
        out += text
    return out


def captions(page: int, lines: tuple[Line, ...], is_heading) -> list[Caption]:
    """The captions on a page's lines (in reading order); ``is_heading(line)`` ends a caption."""
    found = []
    for index, line in enumerate(lines):
        kind = caption_kind(line.text)
        if not kind:
            continue
        texts, last = [line.text], line
        for following in lines[index + 1:]:
            if (following.column != last.column or following.size != last.size or is_heading(following)
                    or caption_kind(following.text) or not 0 < following.top - last.top <= LINE_GAP * last.size):
                break
            texts.append(following.text)
            last = following
        found.append(Caption(kind=kind[0], label=kind[1], text=joined(texts), page=page))
    return found
