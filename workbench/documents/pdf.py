"""PDF with pypdf (imported only when a PDF is parsed): text per page, paragraphs from the layout.

pypdf reads text in content-stream order. Generators of two-column papers (LaTeX, Word) draw a page
column by column, so each column comes out whole; a PDF that draws both columns line by line comes
out with the two columns' lines side by side (pypdf's known weakness; its "layout" mode does the same
by design, so it is not used for the text). The layout is used where it helps: a vertical gap wider
than the page's usual line spacing becomes a blank line, so paragraphs stay paragraphs for chunking.
"""

from __future__ import annotations

import io
import logging
import re

from . import charset, errors
from .document import Document, Page
from .plaintext import stem

_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})
_FILENAME_TITLE = re.compile(r"\.(pdf|docx?|tex|dvi|ps|indd|rtf|pptx?|xlsx?)$|^untitled$|^microsoft word - ", re.I)
_HYPHENATED = re.compile(r"(?<=[a-z])-\n([a-z]\S*)([ \t]+|(?=\n)|$)")
PARAGRAPH_GAP = 1.5  # a gap this many times the usual line spacing starts a paragraph


def parse_pdf(data: bytes, filename: str) -> Document:
    """Each PDF page as a ``Page``; refuses damaged, password-protected and text-less (scanned) PDFs."""
    from pypdf import PdfReader  # heavy: imported only when a PDF is read

    log = logging.getLogger("pypdf")
    if log.level == logging.NOTSET:  # unless configured otherwise, a damaged file's complaints are not news
        log.setLevel(logging.CRITICAL)
    if b"%%EOF" not in data[-65536:]:
        raise errors.corrupt(filename, "PDF")  # cut short (an interrupted download): pages would be missing
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise errors.encrypted(filename)
        pdf_pages = list(reader.pages)
    except errors.DocumentError:
        raise
    except Exception:  # pypdf raises many kinds on a damaged file; none of them is the user's business
        raise errors.corrupt(filename, "PDF") from None
    pages, unreadable = [], []
    for number, pdf_page in enumerate(pdf_pages, start=1):
        try:
            text = page_text(pdf_page)
        except Exception:
            text = ""
            unreadable.append(number)
        pages.append(Page(number, text))
    if not pages:
        raise errors.corrupt(filename, "PDF")  # no page tree left: what a damaged file looks like
    if not any(page.text.strip() for page in pages):
        raise errors.corrupt(filename, "PDF") if unreadable else errors.no_text(filename)
    return Document(filename=filename, kind="pdf", title=_title(reader) or stem(filename), pages=tuple(pages),
                    unreadable_pages=tuple(unreadable))


def _opens_without_password(reader) -> bool:
    """Owner-password-only PDFs (printing or copying restricted) open with the empty user password."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # AES without the crypto library, or an unknown security handler
        return False


def page_text(pdf_page) -> str:
    """The page's text in stream order, one line per baseline, a blank line where the layout leaves a gap."""
    fragments: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = ((tm[2] * cm[0] + tm[3] * cm[2]) ** 2 + (tm[2] * cm[1] + tm[3] * cm[3]) ** 2) ** 0.5
        fragments.append((text, y, float(size or 0) * scale))

    plain = pdf_page.extract_text(visitor_text=visit)
    lines = _lines(fragments)
    if "\n".join(text for text, _, _ in lines) != plain:
        return clean(plain)  # fragments disagree with pypdf's own text (forms, odd fonts): trust pypdf
    return clean("\n".join(_with_paragraph_gaps(lines)))


Line = tuple[str, float | None, float]  # text, baseline y (None for an empty line), font height


def _lines(fragments: list[tuple[str, float, float]]) -> list[Line]:
    """Fragments (each ending in "\\n" when its line ends) joined into lines with their baseline."""
    lines: list[Line] = []
    parts: list[str] = []
    y: float | None = None
    height = 0.0
    for text, fragment_y, fragment_height in fragments:
        for index, piece in enumerate(text.split("\n")):
            if index:
                lines.append(("".join(parts), y, height))
                parts, y = [], None
            if piece:
                if y is None:
                    y, height = fragment_y, fragment_height
                parts.append(piece)
    lines.append(("".join(parts), y, height))
    return lines


def _with_paragraph_gaps(lines: list[Line]) -> list[str]:
    positioned = [(y, height) for text, y, height in lines if y is not None and text.strip()]
    gaps = [a[0] - b[0] for a, b in zip(positioned, positioned[1:], strict=False) if a[0] - b[0] > 0]
    # The usual line spacing: the lower quartile of the gaps (paragraphs only add wider ones); with too
    # few lines to tell, single spacing for the font (1.2 times its height).
    spacing = sorted(gaps)[len(gaps) // 4] if len(gaps) >= 2 else None
    out: list[str] = []
    previous: float | None = None
    for text, y, height in lines:
        if y is not None and text.strip():
            usual = spacing or 1.2 * height
            if previous is not None and usual > 0 and previous - y > PARAGRAPH_GAP * usual and out and out[-1]:
                out.append("")
            previous = y
        out.append(text)
    return out


def clean(text: str) -> str:
    """Ligatures spelled out, control characters dropped, trailing spaces and runs of blank lines removed,
    words hyphenated across a line end joined ("man-\\nagement of" becomes "management\\nof")."""
    text = charset.normalise(text.translate(_LIGATURES))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _HYPHENATED.sub(lambda m: m.group(1) + ("\n" if m.group(2) else ""), text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _title(reader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:
        return None
    title = " ".join(str(title or "").split())
    if not title or _FILENAME_TITLE.search(title) or not any(c.isalnum() for c in title):
        return None
    return title
