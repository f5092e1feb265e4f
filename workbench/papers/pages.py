"""A paper's page as a PNG, the lines of a quote marked: what a reader sees when they click a statement's page.

    png = page_png(pdf_bytes, structure.page(3), quote_span=(120, 210))   # the page, those characters' lines marked

The quote's span is in the page's text (``PageText.text``, its lines joined by newlines: what ``quotes`` matched);
each line it touches is marked with a translucent band over the line's box. Rendered with pypdfium2 (imported only
here), at ``scale`` times 72 dpi.
"""

from __future__ import annotations

import io

from workbench.documents.ocr import PDFIUM

from .model import PageText

SCALE = 1.6
MARK = (255, 213, 0, 90)            # a highlighter's yellow, see-through


def quote_boxes(page: PageText, start: int, end: int) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) in PDF points of each line of ``page`` that characters ``start``..``end`` touch."""
    boxes, offset = [], 0
    for line in page.lines:
        first, last = offset, offset + len(line.text)
        if start < last and end > first and line.text.strip():
            height = max(line.size, 1.0) * 1.25
            boxes.append((line.x0, line.top - 0.1 * height, line.x1, line.top + height))
        offset = last + 1
    return boxes


def page_png(data: bytes, page: PageText, *, quote_span: tuple[int, int] | None = None, scale: float = SCALE) -> bytes:
    """The page rendered as a PNG, with the lines of ``quote_span`` (characters of ``page.text``) marked."""
    import pypdfium2
    from PIL import Image, ImageDraw

    with PDFIUM:                    # pdfium is not thread-safe: one document at a time in this process
        pdf = pypdfium2.PdfDocument(data)
        try:
            image = pdf[page.number - 1].render(scale=scale).to_pil().convert("RGBA")
        finally:
            pdf.close()
    if quote_span is not None:
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for x0, top, x1, bottom in quote_boxes(page, *quote_span):
            draw.rectangle([x0 * scale - 2, top * scale, x1 * scale + 2, bottom * scale], fill=MARK)
        image = Image.alpha_composite(image, layer)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
