"""Text of scanned PDF pages (pages with no text layer), read by OCR on this machine, offline.

    numbers = text_less_pages(data)                 # [2, 3]: pages that are pictures of text
    lines = recognise(data, numbers, name=filename) # {2: [Line, ...], 3: [...]} in reading order, PDF points

Why: a scanned paper (or a scanned page in a born-digital one) has nothing for pdfplumber to extract. RapidOCR
(``rapidocr-onnxruntime``, PP-OCRv4 detection and Chinese/English recognition models carried in its wheel, so
nothing is downloaded) reads a page rendered by pypdfium2; its boxes become ``layout.Line`` objects in the
coordinates pdfplumber uses (points, top-left origin), so the paper structure reads OCR'd and extracted pages alike.

How: one engine per process, made on first use (~0.6 s), used under a lock (RapidOCR keeps per-call state on the
engine) with onnxruntime on ``THREADS`` threads and its angle classifier off (at scale 2.5+ it turned whole upright
lines upside down; a PDF page's rotation is pdfium's business); pdfium (not thread-safe) is used under ``PDFIUM``.
PP-OCRv4's recogniser drops many spaces of long English lines (a 10 pt page read 0.92 of its characters right);
they are put back from the blank gaps in the line's image (1.00). The scale was measured with
``bench/ocr_scale.py`` (7 scanned pages, 7-12 pt, clean and worn; mean character accuracy, time relative to 2.0):
1.5 -> 0.9977, 0.8x (7 pt worn print 0.985, a 9 pt page number missed); 2.0 -> 0.9997, 1.0x (~3-9 s a page on
two busy cores); 2.5 -> 0.9989, 1.25x. A page that cannot be rendered or read comes back with no lines (logged),
never an error: one bad page must not cost the rest of the paper. Only a missing engine is (``ocr_unavailable``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from . import errors
from .layout import Line
from .normal_form import normal_form

SCALE = 2.0             # render scale (72 dpi per 1.0): 144 dpi, measured best for accuracy per second
MIN_CHARS = 20          # a page with fewer characters (spaces aside) has no text layer worth the name
MIN_SCORE = 0.8         # OCR lines scoring below this are dropped (measured: text lines 0.93-1.0, worn 7 pt included)
SIZE_PER_HEIGHT = 0.8   # font size ~ the detected box's height times this (the box includes ascenders, descenders)
MAX_SIDE = 4000         # RapidOCR shrinks larger images (its default, 2000, would undo scales above 2.37 on A4)
THREADS = 2             # onnxruntime threads per session: the machine's cores, not one per core per session
SPACE_GAP = 0.2         # a blank gap between letters this many line heights wide is a space (measured, DejaVu 7-12
                        # pt at 144 dpi, clean and worn: letters of a word <= 0.16 apart, words >= 0.25)
INK = 0.35              # a pixel this far from the paper towards the darkest ink is ink (see _ink)
SAME_ROW = 0.5          # boxes whose centres are less than this many box heights apart are on one line

_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_HAN = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")      # CJK ideographs, kana, hangul
_FULL_WIDTH = {c: chr(c - 0xFEE0) for c in map(ord, "，：；！？（）")}
log = logging.getLogger(__name__)
PDFIUM = threading.Lock()       # pdfium is not thread-safe: every use of pypdfium2 in this process goes through it
_ENGINE_LOCK = threading.Lock()
_engine: Any = None


def text_less_pages(data: bytes) -> list[int]:
    """Numbers (from 1) of the pages with no text layer worth the name: fewer than ``MIN_CHARS`` characters that
    are not spaces (a scan, perhaps with a page number stamped on it). Blank pages (nothing drawn) are not listed;
    a page whose text cannot be read is. A PDF pdfium cannot open gives [] (logged)."""
    import pypdfium2 as pdfium

    numbers = []
    with PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except Exception as exc:        # pdfium raises PdfiumError and others on damaged or encrypted files
            log.warning("OCR: the PDF could not be opened (%s)", exc)
            return []
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    text = page.get_textpage().get_text_range()
                except Exception:
                    text = ""
                if len("".join(text.split())) < MIN_CHARS and _draws_something(page):
                    numbers.append(index + 1)
        finally:
            pdf.close()
    return numbers


def _draws_something(page: Any) -> bool:
    try:
        return next(iter(page.get_objects(max_depth=1)), None) is not None
    except Exception:
        return True


def recognise(data: bytes, numbers: Sequence[int], *, scale: float = SCALE,
              name: str = "document.pdf") -> dict[int, list[Line]]:
    """Each page of ``numbers`` (from 1) read by OCR: its lines in reading order, in PDF points. A page that fails
    to render or read has no lines (logged). Raises ``DocumentError("ocr_unavailable")`` naming ``name`` when the
    OCR engine is not installed."""
    if not numbers:
        return {}
    ocr = _the_engine(name)
    found: dict[int, list[Line]] = {}
    for number in numbers:
        found[number] = []
        image = _render(data, number, scale)
        if image is None:
            continue
        result = _read(ocr, image, number)
        if result is not None:
            found[number] = reading_order(_lines(result, image, scale), image.shape[1] / scale)
    return found


def _read(ocr: Any, image: Any, number: int) -> list | None:
    """RapidOCR's result for ``image``: ``[box, text, score, char_boxes, chars, _]`` per line (char boxes place the
    spaces); without the char boxes if working them out fails; None (logged) if the page cannot be read."""
    for word_boxes in (True, False):
        try:
            with _ENGINE_LOCK:
                result, _ = ocr(image, return_word_box=word_boxes, text_score=MIN_SCORE)
            return result or []
        except Exception as exc:
            log.warning("OCR: page %d could not be read%s (%s: %s)", number,
                        " with character boxes" if word_boxes else "", type(exc).__name__, exc)
    return None


def engine() -> Any:
    """The process's one RapidOCR engine, made on first use."""
    return _the_engine("document.pdf")


def _the_engine(name: str) -> Any:
    global _engine
    with _ENGINE_LOCK:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
                _engine = RapidOCR(intra_op_num_threads=THREADS, inter_op_num_threads=1, use_cls=False,
                                   max_side_len=MAX_SIDE)
            except Exception as exc:     # ImportError, or a model file missing from a broken install
                log.error("OCR engine unavailable: %s: %s", type(exc).__name__, exc)
                raise errors.ocr_unavailable(name) from None
        return _engine


def _render(data: bytes, number: int, scale: float) -> Any:
    """Page ``number`` as a BGR numpy array at ``scale``, or None (logged) when it cannot be rendered."""
    import pypdfium2 as pdfium

    with PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except Exception as exc:
            log.warning("OCR: page %d could not be rendered: the PDF does not open (%s)", number, exc)
            return None
        try:
            if not 1 <= number <= len(pdf):
                log.warning("OCR: page %d could not be rendered: the PDF has %d pages", number, len(pdf))
                return None
            return pdf[number - 1].render(scale=scale).to_numpy().copy()   # the view dies with the bitmap
        except Exception as exc:
            log.warning("OCR: page %d could not be rendered (%s: %s)", number, type(exc).__name__, exc)
            return None
        finally:
            pdf.close()


def _lines(result: list, image: Any, scale: float) -> list[Line]:
    """RapidOCR's lines (box: four corners in pixels) as Lines in points, low scores dropped, spaces restored."""
    grey = image.min(axis=2)
    lines = []
    for box, text, score, *chars in result:
        if float(score) < MIN_SCORE:
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        x0, x1, top, bottom = int(min(xs)), int(max(xs)), int(min(ys)), int(max(ys))
        if len(chars) >= 2 and len(chars[0]) == len(chars[1]) == len(text):
            text = _spaced(text, [(b[0][0] + b[1][0]) / 2 for b in chars[0]], _ink(grey[top:bottom, x0:x1]), x0)
        text = normal_form(_latin_punctuation(text).strip())
        if text:
            lines.append(Line(text, top=round(top / scale, 1), x0=round(x0 / scale, 1), x1=round(x1 / scale, 1),
                              size=round((bottom - top) / scale * SIZE_PER_HEIGHT, 1)))
    return lines


def _ink(grey: Any) -> Any:
    """True where a line's pixels are not paper: darker than the paper (the line's brightest tenth) by a third of
    the way to its darkest pixel, so the grey edges of blurred or JPEG-worn letters count as ink."""
    import numpy as np

    if not grey.size:
        return grey > 0
    paper, darkest = float(np.percentile(grey, 90)), float(grey.min())
    return grey < paper - INK * (paper - darkest)


def _spaced(text: str, centres: list[float], ink: Any, left: int) -> str:
    """``text`` with a space wherever the line's image has a blank gap at least ``SPACE_GAP`` of its height wide
    between two characters that are not CJK and have none: PP-OCRv4's recogniser drops many spaces of long English
    lines (measured: a third of them on a 10 pt page). ``centres``: each character's x (pixels); ``ink``: the line's
    pixels, True where dark; ``left``: its x."""
    if len(text) < 2 or not ink.size:
        return text
    columns = ink.any(axis=0)
    gaps, start = [], None
    for x, dark in enumerate(columns):
        if not dark and start is None:
            start = x
        elif dark and start is not None:
            if start > 0 and x - start >= SPACE_GAP * ink.shape[0]:    # not the margin before the first letter
                gaps.append(left + (start + x) / 2)
            start = None
    after = set()
    bounds = [(centres[i] + centres[i + 1]) / 2 for i in range(len(text) - 1)]
    for gap in gaps:
        i = min(range(len(bounds)), key=lambda i: abs(bounds[i] - gap))
        if not (text[i].isspace() or text[i + 1].isspace() or _CJK.match(text[i]) or _CJK.match(text[i + 1])):
            after.add(i)
    return "".join(c + (" " if i in after else "") for i, c in enumerate(text))


def _latin_punctuation(text: str) -> str:
    """Full-width punctuation in a line with no CJK character as ASCII: OCR's guess at a Latin comma or colon."""
    return text if _HAN.search(text) else text.translate(_FULL_WIDTH)


def _height(line: Line) -> float:
    return line.size / SIZE_PER_HEIGHT


def _rows(lines: list[Line]) -> list[Line]:
    """``lines`` top to bottom; those on one row (centres within ``SAME_ROW`` heights) left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: line.top + _height(line) / 2):
        centre = line.top + _height(line) / 2
        if rows:
            last = rows[-1][0]
            if abs(centre - (last.top + _height(last) / 2)) < SAME_ROW * min(_height(last), _height(line)):
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda line: line.x0)]


def _gutter(lines: list[Line], width: float) -> float | None:
    """The x of a gap between two columns in the middle of the page, or None: the place in the middle third that
    the fewest lines cross, when at most a quarter of them cross it and at least three lines lie wholly on each
    side of it."""
    if len(lines) < 6:
        return None
    best: tuple[int, float] | None = None
    for step in range(int(width / 3), int(width * 2 / 3) + 1, 2):
        crossing = sum(line.x0 < step < line.x1 for line in lines)
        if best is None or crossing < best[0]:
            best = (crossing, float(step))
    assert best is not None
    crossing, x = best
    left = sum(line.x1 <= x for line in lines)
    right = sum(line.x0 >= x for line in lines)
    if crossing * 4 > len(lines) or left < 3 or right < 3:
        return None
    return x


def reading_order(lines: list[Line], width: float) -> list[Line]:
    """``lines`` of a page ``width`` points wide in reading order: top to bottom, a row left to right; on a page
    with two columns (a gutter in the middle), the left column down then the right one between lines spanning both
    (``column`` 1, 2 and 0)."""
    gutter = _gutter(lines, width)
    if gutter is None:
        return _rows([_with_column(line, 0) for line in lines])
    ordered: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for line in sorted(lines, key=lambda line: line.top):
        if line.x1 <= gutter:
            left.append(_with_column(line, 1))
        elif line.x0 >= gutter:
            right.append(_with_column(line, 2))
        else:                                   # spans the gutter: the columns above it come first
            ordered += _rows(left) + _rows(right) + [_with_column(line, 0)]
            left, right = [], []
    return ordered + _rows(left) + _rows(right)


def _with_column(line: Line, column: int) -> Line:
    return line if line.column == column else Line(line.text, line.top, line.x0, line.x1, line.size, line.bold,
                                                   column)
