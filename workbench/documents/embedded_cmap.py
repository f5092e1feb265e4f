"""pdfminer (under pdfplumber) reading fonts whose encoding is a CMap embedded in the PDF.

pdfminer knows only the CMaps it ships (Identity-H, UniGB-UCS2-H, ...): for a font whose /Encoding is a CMap stream
of another name it takes an empty CMap and reads no character of that font at all — the page has text, pdfplumber
sees none. fpdf2 writes such a CMap for CID-keyed CFF fonts (Noto Sans CJK, Source Han), so its Chinese PDFs read
empty. ``resource_manager()`` is pdfminer's resource manager with that mended: the embedded CMap's code -> CID
pairs are read, and the font decodes codes as themselves (its ToUnicode map is keyed by code) with each code's
width taken from its CID's.
"""

from __future__ import annotations

import re

_CIDCHAR = re.compile(rb"begincidchar(.*?)endcidchar", re.S)
_CIDRANGE = re.compile(rb"begincidrange(.*?)endcidrange", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]{1,8})>\s*(\d+)")
_TRIPLE = re.compile(rb"<([0-9A-Fa-f]{1,8})>\s*<([0-9A-Fa-f]{1,8})>\s*(\d+)")
MAX_RANGE = 65536


def code_to_cid(cmap: bytes) -> dict[int, int]:
    """The code -> CID pairs of an embedded CMap's cidchar and cidrange blocks."""
    pairs: dict[int, int] = {}
    for block in _CIDCHAR.findall(cmap):
        for code, cid in _PAIR.findall(block):
            pairs[int(code, 16)] = int(cid)
    for block in _CIDRANGE.findall(cmap):
        for start, end, cid in _TRIPLE.findall(block):
            first, last = int(start, 16), int(end, 16)
            for offset in range(min(last - first + 1, MAX_RANGE)):
                pairs[first + offset] = int(cid) + offset
    return pairs


def resource_manager():
    """A pdfminer ``PDFResourceManager`` that reads fonts with an embedded two-byte CMap (see the module)."""
    from pdfminer.cmapdb import CMap, IdentityCMap
    from pdfminer.pdffont import PDFCIDFont
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdftypes import PDFStream

    class ResourceManager(PDFResourceManager):
        def get_font(self, objid, spec):
            font = super().get_font(objid, spec)
            encoding = spec.get("Encoding") if isinstance(spec, dict) else None
            if (isinstance(font, PDFCIDFont) and isinstance(encoding, PDFStream) and isinstance(font.cmap, CMap)
                    and not font.cmap.code2cid):
                _mend(font, encoding, IdentityCMap)
            return font

    return ResourceManager()


def _mend(font, encoding, identity) -> None:
    try:
        pairs = code_to_cid(encoding.get_data())
    except Exception:  # a damaged stream: the font stays unread, as before
        return
    if not pairs or max(pairs) > 0xFFFF:
        return
    font.cmap = identity(WMode=0)
    font.widths = {code: font.widths[cid] for code, cid in pairs.items() if cid in font.widths}
