"""One normal form for the text the parser extracts and for what users search it with.

    normal_form("防冻⼿套，第⻚")     # "防冻手套，第页"
    normalised(document)             # the document with its title and every page in normal form

Why: a CJK font draws 手 and the Kangxi radical ⼿ (or 页 and the radical ⻚) with one glyph, and many PDF
producers write the radical's code point into the text layer. The page looks right, but "手套" is not found in
"防冻⼿套" by a substring filter, by jieba (the radicals are not Han characters to it) or by an embedding model.

What it does, in order:
1. Invisible characters that split words are dropped: soft hyphen, zero-width space, word joiner, BOM.
2. The CJK Radicals Supplement and the CJK Strokes become the unified ideograph Unicode names as their equivalent
   (``radicals.py``, generated from Unicode's ``EquivalentUnifiedIdeograph`` data; NFKC does not map them).
   The Kangxi radical ⼾ becomes 户, not NFKC's 戶: Simplified Chinese fonts draw 户 with ⼾'s glyph, and "用户"
   is among the commonest words of the documents this platform gets (a Traditional Chinese PDF with this fault
   then reads 户 where it showed 戶).
3. NFKC: the Kangxi radicals (⼿ -> 手), CJK compatibility ideographs, ligatures (ﬁ -> fi), full-width letters
   and digits (Ａ１ -> A1), half-width katakana, no-break and other wide spaces, composed accents (e + ◌́ -> é).

What NFKC would change but stays as written, because readers and the chunker need it: full-width punctuation
and symbols (，。：；！？（）【】％＃ ...) and the ideographic space — NFKC makes them ASCII, which changes the
quotes users copy and the sentence ends (Chinese ！？ end a sentence with no space after them; ASCII ! and ?
need one); the ellipsis (… is a sentence end too); superscripts and subscripts (m², H₂O, 10⁻³ would read m2,
H2O, 10-3); fractions (½); circled numbers (①); spacing accents (´ ¨, which NFKC turns into a space and a
combining mark); Hangul compatibility jamo. A query is normalised the same way, so a full-width comma matches a
full-width comma, as before.

Applied at parse time (``workbench.documents.parse``), so chat documents and knowledge bases alike store text in
normal form; queries pass through it in the chunk filter, the keyword tokenizer, KB retrieval and the chat
documents' passage search. Idempotent: ``normal_form(normal_form(t)) == normal_form(t)``.

Speed: NFKC costs ~0.6 µs per CJK character in CPython, so it only runs on the runs of characters it may change
(with the character before, which a combining mark may join), never on ASCII, ideographs, kana, Hangul syllables
or the characters kept as written: a Chinese page with full-width punctuation is only scanned.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from .document import Document, Page
from .radicals import EQUIVALENT

# Changing these rules changes stored text: add a store migration that rewrites it (as migration 5 does).
KEEP = (
    "\u00a8\u00aa\u00af\u00b2\u00b3\u00b4\u00b8\u00b9\u00ba\u00bc-\u00be"        # spacing accents, ordinals, ², ½
    "\u02d8-\u02dd"                                                            # spacing accents ˘ ˙ ˚ ˛ ˜ ˝
    "\u2024-\u2026"                                                            # leaders and the ellipsis …
    "\u2070-\u209f\u2150-\u215f\u2189"                                         # super/subscripts, fractions
    "\u2460-\u24ff"                                                            # ① ⑴ ⒈ Ⓐ
    "\u3000\u3131-\u318e"                                                      # ideographic space, Hangul jamo
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff60\uffe0-\uffe6")       # full-width punctuation, ￥
STABLE = (                                                                    # what NFKC never changes
    "\t\n\r\x20-\x7e\u00b7\u00c0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022"
    "\u3001\u3002\u3008-\u3011\u3014-\u301f\u3041-\u3096\u30a1-\u30fa\u30fc\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3")
_CHANGING = re.compile(f"[^{STABLE}{KEEP}]+")                                  # a run NFKC may change
_STABLE = re.compile(f"[{STABLE}]")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_RADICAL = re.compile("[\u2e80-\u2eff\u2f3e\u31c0-\u31ef]")
_TABLE = {**{chr(k): chr(v) for k, v in EQUIVALENT.items()}, "\u2f3e": "\u6237"}      # ⼾ -> 户 (see above)


def _nfkc_runs(text: str) -> str:
    """NFKC on each run it may change, with the stable character before the run (a combining mark or a Hangul
    jamo may join it); the rest as it is."""
    parts, last = [], 0
    for run in _CHANGING.finditer(text):
        start = run.start()
        if start > last and _STABLE.match(text, start - 1):
            start -= 1
        parts += [text[last:start], unicodedata.normalize("NFKC", text[start:run.end()])]
        last = run.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def normal_form(text: str) -> str:
    """``text`` in the normal form above (the same text when there is nothing to change)."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text)
    text = _RADICAL.sub(lambda m: _TABLE.get(m.group(), m.group()), text)
    return _nfkc_runs(text)


def normalised(document: Document) -> Document:
    """``document`` with its title and pages' text in normal form."""
    pages = tuple(page if page.text.isascii() else Page(page.number, normal_form(page.text)) for page in document.pages)
    return dataclasses.replace(document, title=normal_form(document.title), pages=pages)
