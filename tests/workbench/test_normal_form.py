"""The parser's normal form: radicals as the characters a reader sees, NFKC, and what stays as written.

The PDF is real: fpdf2 embeds Noto Sans CJK SC (Debian's fonts-noto-cjk) and writes a text layer holding Kangxi
radicals and CJK supplement radicals (⼿ ⾼ ⻔ ⽤ ⼾ ⻚), as PDF producers do when a font draws 手 and ⼿ with one
glyph.
"""

from __future__ import annotations

import io
import random
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tests.fakes import docs
from workbench.documents import Document, Page, chunk, parse
from workbench.documents.make_radicals import module_text, parse_json, parse_ucd, table
from workbench.documents.normal_form import KEEP, STABLE, normal_form
from workbench.documents.radicals import EQUIVALENT

RADICAL = re.compile("[\u2e80-\u2fdf\u31c0-\u31ef]")
UNIFIED = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U000323af]")


def test_a_pdf_whose_text_layer_holds_radicals_reads_as_its_reader_sees_it():
    data = docs.radical_pdf_file(docs.KANGXI_HANDBOOK, title="劳保\u2f64品发放规定")
    raw = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    raw = raw.replace("\x00", "")          # pypdf puts a NUL before each of fpdf2's 2-byte codes; the parser drops it
    assert "防冻\u2f3f套" in raw                                   # the file is what it should be: radicals inside
    document = parse(data, "劳保用品.pdf", max_bytes=10**7)
    assert [page.text for page in document.pages] == docs.KANGXI_HANDBOOK_READ
    assert "防冻手套" in document.text and "用户须知见第 2 页" in document.text
    assert document.title == "劳保用品发放规定"
    assert not RADICAL.search(document.text)


@pytest.mark.parametrize(("written", "read"), [
    ("防冻\u2f3f套", "防冻手套"),                         # Kangxi radical (NFKC)
    ("第 2 \u2eda，安全部\u2ed4", "第 2 页，安全部门"),       # CJK Radicals Supplement (Unicode's equivalents)
    ("\u2f64\u2f3e", "用户"),                             # ⼾ as Simplified Chinese fonts draw it, not NFKC's 戶
    ("\u31d0", "一"),                                     # a CJK stroke
    ("\uf900", "\u8c48"),                                 # a CJK compatibility ideograph
    ("\ufb01nance and \ufb02ow", "finance and flow"),     # ligatures
    ("Ｈｅｌｌｏ １２３", "Hello 123"),                     # full-width letters and digits
    ("ｶﾀｶﾅ", "カタカナ"),                                  # half-width katakana
    ("caf\u0065\u0301 no\u00a0break", "café no break"),   # composed accents, no-break space
    ("手\u200b套 soft\u00adware", "手套 software"),        # invisible characters that split words
])
def test_radicals_and_compatibility_forms_become_what_a_reader_sees(written, read):
    assert normal_form(written) == read


@pytest.mark.parametrize("kept", [
    "你好，世界！（注）：“引号”、【标题】；问？",            # full-width punctuation: quotes stay as written
    "他说……然后走了。",                                   # the ellipsis (a sentence end for the chunker)
    "\u3000\u3000首行缩进",                               # the ideographic space
    "面积 120 m²，H₂O，10⁻³，½ 杯，第①条",                  # super/subscripts, fractions, circled numbers
    "ㅋㅋ",                                               # Hangul compatibility jamo
])
def test_what_readers_need_stays_as_written(kept):
    assert normal_form(kept) == kept


def test_only_the_digits_of_a_full_width_percentage_change():
    assert normal_form("增长５０％，达到１２０ｍ") == "增长50％，达到120m"


def test_chinese_sentences_still_end_at_full_width_marks():
    text = normal_form("第一句话很长很长很长！第二句话也很长很长？第三句话。" * 4)
    pieces = chunk(Document(filename="a.txt", kind="text", title="a", pages=(Page(1, text),)), max_chars=30)
    assert all(p.text.endswith(("！", "？", "。")) for p in pieces), [p.text for p in pieces]


def reference(text: str) -> str:
    """The rules read literally: NFKC on everything between the characters kept as written (slow on CJK)."""
    text = re.sub("[\u00ad\u200b\u2060\ufeff]", "", text).translate(
        {**EQUIVALENT, 0x2F3E: 0x6237})
    pieces = re.split(f"([{KEEP}]+)", text)
    pieces[::2] = [unicodedata.normalize("NFKC", piece) for piece in pieces[::2]]
    return "".join(pieces)


def test_normal_form_is_the_rules_read_literally_idempotent_and_leaves_plain_text_alone():
    rng = random.Random(7)
    alphabet = ("ae 手套，。！？…²①\u3000\u2f3f\u2eda\ufb01Ｈ１ｶﾞ\u0301\u0323\u3099\u00a0\u200b\uff05\u3131é"
                "가\u11a8\u1100\u1161か\u309b\u30ffー·“\u2e80\u31d0\uf900\U0002f800\u00bd")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        once = normal_form(text)
        assert once == reference(text), (text, once, reference(text))
        assert normal_form(once) == once, (text, once)
    plain = "Plain ASCII text, kept as it is: 100% (sure)."
    assert normal_form(plain) is plain


def test_what_is_taken_as_stable_is_stable():
    stable = re.compile(f"[{STABLE}]")
    assert not [hex(c) for c in range(0x110000)
                if stable.fullmatch(chr(c)) and unicodedata.normalize("NFKC", chr(c)) != chr(c)]


def test_the_radicals_table_is_unicodes_equivalents():
    samples = {0x2EDA: "页", 0x2ED4: "门", 0x2EE2: "马", 0x2E81: "厂", 0x2ED3: "长", 0x2EC5: "见", 0x31D0: "一"}
    assert {code: chr(EQUIVALENT[code]) for code in samples} == samples
    supplement = [c for c in range(0x2E80, 0x2F00) if unicodedata.category(chr(c)) != "Cn"]
    unmapped = [c for c in supplement if c not in EQUIVALENT and unicodedata.normalize("NFKC", chr(c)) == chr(c)]
    assert unmapped == [0x2E80]                             # ⺀ REPEAT: Unicode names no equivalent
    for code, unified in EQUIVALENT.items():
        assert 0x2E80 <= code <= 0x2EFF or 0x31C0 <= code <= 0x31EF, hex(code)
        assert unicodedata.normalize("NFKC", chr(code)) == chr(code), hex(code)     # NFKC does not map these
        assert UNIFIED.fullmatch(chr(unified)), hex(unified)   # (by block: Python's Unicode data may be older)


UCD_SAMPLE = """# EquivalentUnifiedIdeograph-17.0.0.txt
# Date: 2025-01-01
2E81          ; 5382 #     CJK RADICAL CLIFF
2E8C..2E8D    ; 5C0F #  [2] CJK RADICAL SMALL ONE..CJK RADICAL SMALL TWO
2F00          ; 4E00 #     KANGXI RADICAL ONE
31D0          ; 4E00 #     CJK STROKE H
"""


def test_the_generator_reads_unicodes_file_and_leaves_nfkcs_share_out():
    parsed = parse_ucd(UCD_SAMPLE)
    assert parsed == {0x2E81: 0x5382, 0x2E8C: 0x5C0F, 0x2E8D: 0x5C0F, 0x2F00: 0x4E00, 0x31D0: 0x4E00}
    assert parse_json('{"EquivalentUnifiedIdeograph": [{"range": ["2E8C", "2E8D"], "unified": "5C0F"}, '
                      '{"range": ["2F00"], "unified": "4E00"}]}') == {0x2E8C: 0x5C0F, 0x2E8D: 0x5C0F, 0x2F00: 0x4E00}
    entries = table(parsed)
    assert 0x2F00 not in entries and entries[0x2E8D] == 0x5C0F
    namespace: dict = {}
    exec(module_text(entries, "a test"), namespace)        # the module it writes holds the same table
    assert namespace["EQUIVALENT"] == entries
    with pytest.raises(ValueError, match="U\\+2F00"):       # data that contradicts NFKC stops the generator
        table({0x2F00: 0x4E8C})
    with pytest.raises(ValueError):
        parse_ucd("not a line")


def test_a_chinese_font_draws_each_radical_with_the_glyph_of_the_character_it_becomes():
    """Why radicals end up in text layers: Noto Sans CJK SC maps 287 radical and stroke code points to the glyph of
    an ideograph. Normal form gives that ideograph for all but three radicals used as components, never in running
    text (Unicode's equivalent is the full character: ⺍ 小, ⺕ 彑's variant, ⺩ 王)."""
    from fontTools.ttLib import TTCollection

    fonts = TTCollection(docs.NOTO_SANS_CJK, lazy=True).fonts
    font = next(f for f in fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    cmap = font.getBestCmap()
    drawn_as: dict[str, set[int]] = {}
    for code, glyph in cmap.items():
        if unicodedata.name(chr(code), "").startswith("CJK UNIFIED IDEOGRAPH-"):
            drawn_as.setdefault(glyph, set()).add(code)
    shared = [c for c in [*range(0x2E80, 0x2FE0), *range(0x31C0, 0x31F0)] if cmap.get(c) in drawn_as]
    differ = {chr(c) for c in shared if ord(normal_form(chr(c))) not in drawn_as[cmap[c]]}
    assert len(shared) > 250 and differ == {"\u2e8d", "\u2e95", "\u2ea9"}, differ
