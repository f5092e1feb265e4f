"""Test papers made with fpdf2, each with its truth: what a reader sees on which page.

    data, truth = two_column_paper()        # English, A4, two columns, numeric [1] citations, IEEE-like references
    data, truth = author_year_paper()       # English, Letter, one column, (Smith et al., 2020), APA-like references
    data, truth = chinese_paper()           # Chinese, A4, one column, Noto Sans CJK, GB/T 7714 references
    data, truth = two_column_paper(scanned="A sentence on a scanned page.")   # + a last page that is only an image

Every paragraph opens with a marker sentence ("Marker 7 opens this paragraph.") found nowhere else, so the
reading order of a page can be checked: ``truth.markers[page]`` lists the markers wholly on that page, in order.
Generation is deterministic (fixed creation date, seeded filler text): the same bytes on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .pdf_flow import Flow, Font, add_dejavu, add_noto_cjk, new_pdf, tokens


@dataclass(frozen=True)
class Heading:
    number: str         # "3.1", "" for Abstract and References
    title: str
    level: int
    page: int


@dataclass(frozen=True)
class CaptionTruth:
    kind: str           # "figure" or "table"
    label: str          # "Figure 1", "表 1"
    text: str           # as written, label included
    page: int


@dataclass
class PaperTruth:
    """What the paper says and where: the expectations of the structure tests."""

    title: str = ""
    authors: tuple[str, ...] = ()
    abstract_start: str = ""                    # the abstract's first sentence
    headings: list[Heading] = field(default_factory=list)
    captions: list[CaptionTruth] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    table_page: int = 0
    markers: dict[int, list[str]] = field(default_factory=dict)   # page -> marker sentences wholly on it, in order
    all_markers: list[str] = field(default_factory=list)          # every marker, in reading order
    hyphenated: list[str] = field(default_factory=list)           # words split at a line end ("represen-/tation")
    references: list[str] = field(default_factory=list)           # raw entries, as written
    scanned: dict[int, str] = field(default_factory=dict)         # page -> the sentence its image shows
    pages: int = 0

    def sentence(self, page: int) -> str:
        """A sentence known to be on ``page``."""
        return self.scanned.get(page) or self.markers[page][0]


# ---------------------------------------------------------------- text

_EN_WORDS = (("model", "encoder", "decoder", "router", "baseline", "corpus", "system", "method"),
             ("representation", "transformation", "generalization", "configuration", "optimization",
              "interpretability", "segmentation", "approximation"),
             ("improves", "changes", "shapes", "limits", "supports", "explains"),
             ("long", "short", "sparse", "dense", "shared", "noisy", "e\ufb03cient", "\ufb01xed"))
_ZH_WORDS = (("模型", "编码器", "解码器", "路由模块", "基线方法", "语料库"),
             ("表示", "变换", "泛化能力", "参数配置", "优化过程", "注意力分布"),
             ("提升了", "改变了", "限制了", "支持了", "解释了"),
             ("长文档", "短句子", "稀疏", "稠密", "共享", "噪声"))


def _english_filler(rng: random.Random, count: int) -> str:
    nouns, longs, verbs, adjectives = _EN_WORDS
    return " ".join(f"The {rng.choice(adjectives)} {rng.choice(nouns)} {rng.choice(verbs)} the "
                    f"{rng.choice(longs)} of the {rng.choice(adjectives)} {rng.choice(longs)}." for _ in range(count))


def _chinese_filler(rng: random.Random, count: int) -> str:
    nouns, longs, verbs, adjectives = _ZH_WORDS
    return "".join(f"{rng.choice(adjectives)}{rng.choice(nouns)}{rng.choice(verbs)}{rng.choice(adjectives)}"
                   f"{rng.choice(longs)}的{rng.choice(longs)}。" for _ in range(count))


class _Writer:
    """A paper being written: the flow, the fonts and the truth, kept in step."""

    def __init__(self, flow: Flow, truth: PaperTruth, body: Font, heading: Font, subheading: Font, caption: Font,
                 *, chinese: bool = False):
        self.flow, self.truth, self.chinese = flow, truth, chinese
        self.body, self.heading_font, self.subheading_font, self.caption_font = body, heading, subheading, caption
        self.rng = random.Random(17)
        self.count = 0

    def marker(self) -> str:
        self.count += 1
        return f"第{self.count}个标记句在这里。" if self.chinese else f"Marker {self.count} opens this paragraph."

    def paragraph(self, extra: str = "", sentences: int = 5) -> None:
        """A paragraph: its marker sentence, ``extra`` (citations), then filler sentences."""
        marker = self.marker()
        filler = (_chinese_filler if self.chinese else _english_filler)(self.rng, sentences)
        text = "".join((marker, extra, filler)) if self.chinese else " ".join(p for p in (marker, extra, filler) if p)
        if self.body.family == "Times":  # a core font: no ligature glyphs
            text = text.replace("\ufb03", "ffi").replace("\ufb01", "fi")
        self.flow.space(4)
        pages = self.flow.paragraph(text, self.body)
        self._record(marker, pages)

    def _record(self, marker: str, pages: list[int]) -> None:
        count = len(tokens(marker))
        self.truth.all_markers.append(marker)
        if pages[0] == pages[count - 1]:
            self.truth.markers.setdefault(pages[0], []).append(marker)

    def heading(self, number: str, title: str) -> None:
        level = number.count(".") + 1 if number else 1
        font = self.subheading_font if level > 1 else self.heading_font
        self.flow.space(8)
        self.flow.ensure(font.line_height * 3)   # no heading alone at a column's foot
        sep = " " if number else ""
        page = self.flow.line(f"{number}{sep}{title}", font)
        self.truth.headings.append(Heading(number, title, level, page))

    def caption(self, kind: str, label: str, text: str, *, spanning: bool = False) -> None:
        pages = self.flow.paragraph(text, self.caption_font, hyphenate=False, spanning=spanning,
                                    align="C" if spanning else "L")
        self.truth.captions.append(CaptionTruth(kind, label, text, pages[0]))

    def figure(self, label: str, text: str, height: float = 90) -> None:
        """A figure in the column: a drawn box, its caption below."""
        self.flow.space(6)
        self.flow.ensure(height + 30)
        self.flow.pdf.rect(self.flow.x + 10, self.flow.y, self.flow.width - 20, height)
        self.flow.y += height + 6
        self.caption("figure", label, text)

    def wide_figure(self, label: str, text: str, height: float = 120) -> None:
        """A figure across both columns, at the top of the next page (as LaTeX's figure* floats)."""
        def draw(flow: Flow) -> None:
            flow.pdf.rect(flow.margin + 40, flow.y, flow.pdf.w - 2 * flow.margin - 80, height)
            flow.y += height + 6
            self.caption("figure", label, text, spanning=True)
            flow.y += 10
        self.flow.floats.append(draw)

    def table(self, label: str, caption: str, rows: list[list[str]]) -> None:
        """A caption, then a table drawn with bordered cells."""
        self.flow.space(6)
        row_height = self.body.size + 6
        self.flow.ensure(row_height * len(rows) + 40)
        self.caption("table", label, caption)
        pdf, width = self.flow.pdf, (self.flow.width - 20) / len(rows[0])
        pdf.set_font(self.body.family, "", self.body.size)
        self.flow.y += 4
        for row in rows:
            pdf.set_xy(self.flow.x + 10, self.flow.y)
            for cell in row:
                pdf.cell(width, row_height, cell, border=1, align="C")
            self.flow.y += row_height
        self.truth.table_rows, self.truth.table_page = rows, self.flow.page

    def references(self, title: str, entries: list[str]) -> None:
        self.heading("", title)
        for entry in entries:
            self.flow.space(2)
            self.flow.paragraph(entry, self.caption_font, hyphenate=False, indent=14)
        self.truth.references = list(entries)

    def finish(self, scanned: str | None) -> bytes:
        if scanned:
            add_scanned_page(self.flow.pdf, scanned)
            self.truth.scanned[self.flow.pdf.page] = scanned
        self.truth.pages = self.flow.pdf.page
        self.truth.hyphenated = list(self.flow.hyphenated)
        return bytes(self.flow.pdf.output())


def add_scanned_page(pdf, sentence: str, *, dpi: int = 150) -> None:
    """A page that is only an image of ``sentence`` (rendered with PIL in DejaVu Sans): no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(pdf.w / 72 * dpi), round(pdf.h / 72 * dpi)
    image = Image.new("L", (width, height), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", round(14 / 72 * dpi))
    ImageDraw.Draw(image).text((round(width * 0.1), round(height * 0.12)), sentence, fill=0, font=font)
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)


# ---------------------------------------------------------------- the papers

TWO_COLUMN_REFERENCES = [
    '[1] A. Vaswani, N. Shazeer, and N. Parmar, "Attention is all you need," in Proc. NeurIPS, 2017.',
    '[2] K. He, X. Zhang, S. Ren, and J. Sun, "Deep residual learning for image recognition," in Proc. CVPR, '
    '2016, doi: 10.1109/CVPR.2016.90.',
    '[3] J. Devlin, M. Chang, K. Lee, and K. Toutanova, "BERT: Pre-training of deep bidirectional transformers '
    'for language understanding," arXiv:1810.04805, 2018.',
    '[4] I. Beltagy, M. E. Peters, and A. Cohan, "Longformer: The long-document transformer," arXiv preprint, 2020.',
    '[5] D. P. Kingma and J. Ba, "Adam: A method for stochastic optimization," in Proc. ICLR, 2015.',
]
TABLE_ROWS = [["Method", "BLEU", "Time"], ["Baseline", "27.3", "12 h"], ["Ours", "29.1", "9 h"]]


def two_column_paper(*, scanned: str | None = None) -> tuple[bytes, PaperTruth]:
    """An English paper of five A4 pages in two columns (title and a wide figure span both); see the module."""
    pdf = new_pdf("A4")
    add_dejavu(pdf)
    truth = PaperTruth(title="Sparse Attention Routing for Long-Document Machine Translation",
                       authors=("Alice Zhang", "Bob Smith", "Carol Jones"))
    flow = Flow(pdf, columns=2)
    w = _Writer(flow, truth, Font("serif", 9.5, leading=12), Font("serif", 11, "B", 14), Font("serif", 9.5, "B", 12),
                Font("serif", 8.5, leading=10.5))
    flow.new_page()
    _title_block(flow, truth.title, "Alice Zhang, Bob Smith and Carol Jones",
                 ["Department of Computer Science, Example University", "{alice, bob, carol}@example.edu"])
    w.heading("", "Abstract")
    w.paragraph(sentences=4)
    truth.abstract_start = "Marker 1 opens this paragraph."
    _two_column_body(w)
    w.references("References", TWO_COLUMN_REFERENCES)
    return w.finish(scanned), truth


def _title_block(flow: Flow, title: str, authors: str, affiliations: list[str]) -> None:
    flow.paragraph(title, Font("sans", 16, "B", 20), spanning=True, align="C", hyphenate=False)
    flow.y += 6
    flow.paragraph(authors, Font("serif", 11, leading=14), spanning=True, align="C", hyphenate=False)
    for line in affiliations:
        flow.paragraph(line, Font("serif", 9, leading=11), spanning=True, align="C", hyphenate=False)
    flow.y += 14
    flow.column_top = flow.y


def _two_column_body(w: _Writer) -> None:
    w.heading("1", "Introduction")
    w.paragraph("Attention models [1] changed translation.", 6)
    w.wide_figure("Figure 1", "Figure 1: Overview of the routing model across both columns.")
    w.paragraph("Residual networks and pretrained encoders [2, 3] are the usual starting point.", 7)
    w.paragraph(sentences=6)
    w.paragraph(sentences=8)
    w.heading("2", "Related Work")
    w.paragraph("Long inputs were studied by sparse attention [4].", 7)
    w.paragraph(sentences=7)
    w.paragraph(sentences=9)
    w.paragraph(sentences=8)
    w.heading("3", "Method")
    w.paragraph(sentences=5)
    w.flow.space(4)
    w.flow.line("L = -sum_i y_i log p_i", Font("serif", 9.5, leading=14), align="C")
    w.flow.y -= 14
    w.flow.line("(1)", Font("serif", 9.5, leading=14), align="R")
    w.heading("3.1", "Sparse Routing")
    w.paragraph(sentences=7)
    w.paragraph(sentences=9)
    w.figure("Figure 2", "Figure 2: The routing module and its gates.")
    w.paragraph(sentences=6)
    w.heading("3.2", "Training Objective")
    w.paragraph("We train with Adam [5].", 7)
    w.paragraph(sentences=9)
    w.heading("4", "Experiments")
    w.paragraph(sentences=6)
    w.table("Table 1", "Table 1: Results on the test set.", TABLE_ROWS)
    w.paragraph(sentences=8)
    w.paragraph(sentences=8)
    w.paragraph(sentences=9)
    w.paragraph(sentences=9)
    w.paragraph(sentences=9)
    w.paragraph(sentences=9)
    w.heading("5", "Conclusion")
    w.paragraph(sentences=6)
    w.paragraph(sentences=7)


AUTHOR_YEAR_REFERENCES = [
    "Brown, T. (2018). Language models are few-shot readers. Journal of Testing, 4(2), 10-20.",
    "Lee, J., & Kim, H. (2019). Reading papers at scale. In Proceedings of the Workshop on Reading (pp. 1-9).",
    "Smith, A., Jones, B., & Taylor, C. (2020). A study of citation styles. Nature Methods, 17, 100-110. "
    "https://doi.org/10.1038/s41592-020-0001-1",
]


def author_year_paper(*, scanned: str | None = None) -> tuple[bytes, PaperTruth]:
    """An English paper of about three Letter pages in one column, author-year citations, APA-like references."""
    pdf = new_pdf("Letter")
    truth = PaperTruth(title="Citation Styles in Practice", authors=("Maria Garcia", "John Lee"))
    flow = Flow(pdf, columns=1, margin=72, top=72, bottom=72)
    w = _Writer(flow, truth, Font("Times", 11, leading=14), Font("Times", 13, "B", 17), Font("Times", 11, "B", 15),
                Font("Times", 10, leading=13))
    flow.new_page()
    flow.paragraph(truth.title, Font("Times", 18, "B", 22), spanning=True, align="C", hyphenate=False)
    flow.y += 4
    flow.paragraph("Maria Garcia and John Lee", Font("Times", 12, leading=15), spanning=True, align="C")
    flow.paragraph("University of Somewhere", Font("Times", 10, "I", 13), spanning=True, align="C")
    flow.y += 12
    w.heading("", "Abstract")
    w.paragraph(sentences=3)
    truth.abstract_start = "Marker 1 opens this paragraph."
    w.heading("1", "Introduction")
    w.paragraph("Earlier work (Smith et al., 2020) compared styles.", 7)
    w.paragraph("Lee and Kim (2019) read papers at scale.", 6)
    w.heading("2", "Background")
    w.paragraph("Models read too (Brown, 2018; Smith et al., 2020).", 6)
    w.heading("2.1", "Prior Studies")
    w.paragraph(sentences=7)
    w.figure("Figure 1", "Figure 1. Citations per year.", height=70)
    w.heading("3", "Discussion")
    w.paragraph(sentences=7)
    w.table("Table 1", "Table 1. Styles compared.", [["Style", "Example"], ["Numeric", "[1]"],
                                                      ["Author-year", "(Lee, 2019)"]])
    w.heading("4", "Conclusion")
    w.paragraph(sentences=5)
    w.references("References", AUTHOR_YEAR_REFERENCES)
    return w.finish(scanned), truth


CHINESE_REFERENCES = [
    "[1] 张三, 李四. 长文档机器翻译研究[J]. 计算机学报, 2020, 43(2): 1-10.",
    "[2] 王五. 神经网络方法[M]. 北京: 科学出版社, 2018.",
    "[3] VASWANI A, SHAZEER N, PARMAR N. Attention is all you need[C]//Advances in Neural Information "
    "Processing Systems. 2017: 5998-6008.",
]


CHINESE_TABLE_ROWS = [["方法", "BLEU", "时间"], ["基线", "27.3", "12 小时"], ["本文", "29.1", "9 小时"]]


def chinese_paper(*, scanned: str | None = None) -> tuple[bytes, PaperTruth]:
    """A Chinese paper of two or three A4 pages in one column, Noto Sans CJK, GB/T 7714 references."""
    pdf = new_pdf("A4")
    add_noto_cjk(pdf)
    truth = PaperTruth(title="基于稀疏注意力的长文档翻译方法", authors=("张三", "李四", "王五"))
    flow = Flow(pdf, columns=1)
    w = _Writer(flow, truth, Font("noto", 10.5, leading=16), Font("noto", 13, leading=19),
                Font("noto", 11.5, leading=17), Font("noto", 9, leading=13), chinese=True)
    flow.new_page()
    flow.paragraph(truth.title, Font("noto", 18, leading=24), spanning=True, align="C")
    flow.y += 4
    flow.paragraph("张三、李四、王五", Font("noto", 12, leading=16), spanning=True, align="C")
    flow.paragraph("（示例大学 计算机学院，北京 100000）", Font("noto", 9, leading=13), spanning=True, align="C")
    flow.y += 12
    w.heading("", "摘要")
    w.paragraph(sentences=4)
    truth.abstract_start = "第1个标记句在这里。"
    _chinese_body(w)
    w.references("参考文献", CHINESE_REFERENCES)
    return w.finish(scanned), truth


def _chinese_body(w: _Writer) -> None:
    w.heading("1", "引言")
    w.paragraph("注意力模型[1]改变了翻译。", 12)
    w.paragraph(sentences=12)
    w.heading("2", "方法")
    w.paragraph("神经网络方法[2]是常用的起点。", 10)
    w.heading("2.1", "稀疏路由")
    w.paragraph(sentences=12)
    w.figure("图 1", "图 1 模型结构示意图", height=80)
    w.heading("2.2", "训练目标")
    w.paragraph(sentences=10)
    w.heading("3", "实验")
    w.table("表 1", "表 1 测试集上的结果", CHINESE_TABLE_ROWS)
    w.paragraph(sentences=12)
    w.heading("4", "结论")
    w.paragraph("长文档翻译[3]仍有挑战。", 8)


def written_paper(title: str, authors: tuple[str, ...], affiliation: str, sections: list[tuple[str, str, list[str]]],
                  references: list[str], *, scanned: str | None = None,
                  body_pt: float = 11) -> tuple[bytes, PaperTruth]:
    """A two-column English paper of the given text: ``sections`` as (number, title, paragraphs); the abstract is
    the section titled "Abstract"; ``body_pt`` its body's font size. For papers whose words mean something
    (``tests/fakes/real_papers.py``)."""
    pdf = new_pdf("A4")
    add_dejavu(pdf)
    truth = PaperTruth(title=title, authors=authors)
    flow = Flow(pdf, columns=2)
    w = _Writer(flow, truth, Font("serif", body_pt, leading=body_pt * 1.3), Font("serif", body_pt + 2, "B", 16),
                Font("serif", body_pt, "B", body_pt * 1.3), Font("serif", 8.5, leading=10.5))
    flow.new_page()
    _title_block(flow, title, ", ".join(authors[:-1]) + " and " + authors[-1] if len(authors) > 1 else authors[0],
                 [affiliation])
    for number, heading, paragraphs in sections:
        w.heading(number, heading)
        for text in paragraphs:
            flow.space(4)
            flow.paragraph(text, w.body)
    truth.abstract_start = sections[0][2][0][:40]
    w.references("References", references)
    return w.finish(scanned), truth
