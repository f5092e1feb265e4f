"""OCR render scale: character accuracy against seconds per page at scales 1.5, 2.0, 2.5 and 3.0 (72 dpi each).

    python bench/ocr_scale.py                 # 5 scanned pages x 4 scales, ~3 minutes on two cores
    python bench/ocr_scale.py --scales 2 2.5

The pages are pictures of text made by tests.fakes.scans (Pillow): dense English at 10 pt (200 and 150 dpi scans),
8 pt English (footnote size), Chinese at 10.5 pt (200 and 150 dpi), and two worn scans (blurred, JPEG at quality
40): English 7 pt and Chinese 8 pt at 150 dpi. Accuracy is 1 - edit distance /
length of the page's text (lines joined with newlines) as ``workbench.documents.ocr.recognise`` returns it, spaces
restored. Seconds are wall time per page with the engine warm (rendering included). No result file; the figures
go in the commit message and bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.scans import DEJAVU, NOTO_CJK, char_accuracy, scan, scanned_pdf  # noqa: E402
from workbench.documents import ocr  # noqa: E402

ENGLISH = ("Large language models are trained on text collected from the web and from books. We study how well they "
           "read scanned papers, where each page is only a picture of its text. Optical character recognition turns "
           "the picture back into lines, with their positions on the page, so that sections, captions and references "
           "can be found as in a born-digital paper. Our results show an accuracy of 98.7% on 1,024 pages (see Table "
           "2 and Figure 3).").split()
CHINESE = ("大型语言模型在网页和书籍的文本上训练。我们研究它们阅读扫描论文的效果，"
           "每一页只是文字的图片。光学字符识别把图片还原成文字行，"
           "并给出它们在页面上的位置，这样章节、图表标题和参考文献就能像原生数字论文一样被找到。"
           "实验结果表明，在一千零二十四页上的准确率为百分之九十八点七，见表2和图3。")


def english(chars_per_line: int, lines: int) -> list[str]:
    out, current = [], ""
    for word in ENGLISH * 4:
        if len(current) + len(word) + 1 > chars_per_line:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return out[:lines]


def chinese(chars_per_line: int, lines: int) -> list[str]:
    text = CHINESE * 3
    return [text[i:i + chars_per_line] for i in range(0, len(text), chars_per_line)][:lines]


PAGES = [("English 10 pt, 200 dpi", english(85, 30), DEJAVU, 10, 200),
         ("English 10 pt, 150 dpi", english(85, 30), DEJAVU, 10, 150),
         ("English 8 pt, 200 dpi", english(100, 30), DEJAVU, 8, 200),
         ("Chinese 10.5 pt, 200 dpi", chinese(40, 20), NOTO_CJK, 10.5, 200),
         ("Chinese 10.5 pt, 150 dpi", chinese(40, 20), NOTO_CJK, 10.5, 150),
         ("English 7 pt, 150 dpi, worn", english(110, 30), DEJAVU, 7, 150),
         ("Chinese 8 pt, 150 dpi, worn", chinese(50, 20), NOTO_CJK, 8, 150)]
WORN = {"blur": 0.9, "jpeg": 40}      # a Gaussian blur of 0.9 px and JPEG quality 40: a cheap office scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.5, 2.0, 2.5, 3.0])
    parser.add_argument("--pages", type=int, nargs="+", help="page numbers (from 1) to run, default all")
    args = parser.parse_args()
    data = scanned_pdf([scan(lines, font, pt=pt, dpi=dpi, leading=1.5, **(WORN if "worn" in name else {}))
                        for name, lines, font, pt, dpi in PAGES])
    ocr.engine()
    print(f"{'page':28} " + " ".join(f"{f'scale {s}':>16}" for s in args.scales))
    totals = {scale: [0.0, 0.0] for scale in args.scales}
    chosen = args.pages or range(1, len(PAGES) + 1)
    for number, (name, lines, *_) in enumerate(PAGES, start=1):
        if number not in chosen:
            continue
        cells = []
        for scale in args.scales:
            start = time.perf_counter()
            got = ocr.recognise(data, [number], scale=scale)[number]
            seconds = time.perf_counter() - start
            accuracy = char_accuracy("\n".join(lines), "\n".join(line.text for line in got))
            totals[scale][0] += accuracy / len(chosen)
            totals[scale][1] += seconds / len(chosen)
            cells.append(f"{accuracy:7.4f} {seconds:5.1f} s")
        print(f"{name:28} " + " ".join(f"{c:>16}" for c in cells), flush=True)
    print(f"{'mean':28} " + " ".join(f"{f'{a:7.4f} {s:5.1f} s':>16}" for a, s in totals.values()))


if __name__ == "__main__":
    main()
