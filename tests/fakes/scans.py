"""Scanned pages for the OCR tests and benchmark, and how well OCR read them.

    png = scan(["The first line.", "The second."], DEJAVU, pt=12, dpi=200)   # a white A4 image, black text
    data = scanned_pdf([png, png2], text_page="A page with a text layer.")   # fpdf2: page 1 text, then the images
    char_accuracy("expected text", "expeted text")                          # 1 - edit distance / len(expected)

A scan is text drawn with Pillow into a greyscale image as a flatbed scanner would give it (no noise, no skew),
put on a PDF page with ``pdf.image`` covering the page: the page has no text layer, only the picture.
Lines start one inch from the left and the top, ``leading`` times the font size apart.
"""

from __future__ import annotations

import io

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NOTO_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
A4 = (595.28, 841.89)           # points
INCH = 72.0


def scan(lines: list[str], font: str, *, pt: float = 12, dpi: int = 200, leading: float = 1.8,
         footer: str = "", right: list[str] | None = None, blur: float = 0, jpeg: int = 0) -> bytes:
    """An A4 page image (PNG) with ``lines`` of ``font`` at ``pt`` points, ``dpi`` pixels per inch. ``footer``: a
    page number stamped at the bottom centre; ``right``: a second column's lines, from the page's middle; ``blur``
    (pixels, Gaussian) and ``jpeg`` (a quality, 1-95: JPEG instead of PNG) make it look like a real scan."""
    from PIL import Image, ImageFilter

    image = Image.new("L", (round(A4[0] / INCH * dpi), round(A4[1] / INCH * dpi)), 255)
    draw_lines(image, lines, font, pt=pt, dpi=dpi, leading=leading)
    if right:
        draw_lines(image, right, font, pt=pt, dpi=dpi, leading=leading, left=A4[0] / 2 + 9)
    if footer:
        draw_lines(image, [footer], font, pt=9, dpi=dpi, left=A4[0] / 2, top=A4[1] - 40)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=jpeg) if jpeg else image.save(out, "PNG")
    return out.getvalue()


def draw_lines(image: object, lines: list[str], font: str, *, pt: float, dpi: int, leading: float = 1.8,
               left: float = INCH, top: float = INCH) -> None:
    """Draw ``lines`` into the Pillow ``image`` from (``left``, ``top``) points down."""
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(font, round(pt * dpi / INCH))
    for i, line in enumerate(lines):
        y = top + i * pt * leading
        draw.text((left * dpi / INCH, y * dpi / INCH), line, font=face, fill=0)


def scanned_pdf(images: list[bytes], *, text_page: str = "") -> bytes:
    """A PDF of A4 pages: first a page with ``text_page`` in Helvetica (a text layer) if given, then one page per
    image, the image covering the page."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    if text_page:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.text(INCH, INCH + 12, text_page)
    for image in images:
        pdf.add_page()
        pdf.image(io.BytesIO(image), x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest characters inserted, deleted or replaced to turn ``a`` into ``b``."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(expected: str, got: str) -> float:
    """1 - edit distance / len(expected), never below 0: 1.0 when ``got`` is ``expected``."""
    if not expected:
        return 1.0 if not got else 0.0
    return max(0.0, 1 - edit_distance(expected, got) / len(expected))
