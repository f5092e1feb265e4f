"""Builders of real test documents: PDFs written by hand, DOCX zipped by hand, text in chosen encodings.

    pdf_file(["page one text", "page two text"], title="A paper")   # Helvetica, one text block per page
    chinese_pdf_file(["第一页。", "第二页。"])                          # STSong-Light, UniGB-UCS2-H (no embedded font)
    radical_pdf_file(["防冻⼿套"])                                     # fpdf2, Noto Sans CJK SC embedded (subset)
    two_column_pdf_file(left_lines, right_lines)                      # a paper page: left column, then right
    image_only_pdf_file(pages=2)                                      # a gray image per page, no text layer
    shared_stream_pdf_file(pages=30, stream_mb=1.5)                   # ~7 KB that takes minutes to read
    encrypted_pdf_file(["secret"], user_password="pw")                # pypdf's PdfWriter.encrypt (AES-256)
    docx_file(blocks)                                                 # word/document.xml with styles and a table
    zip_bomb_docx(uncompressed_bytes)                                 # a document.xml far bigger than its zip

Every PDF here is a valid file (header, numbered objects, a byte-exact xref table, trailer), so any
PDF reader opens it; tests assert what the document parser gets out of them.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.sax.saxutils import escape

# ---------------------------------------------------------------- PDF


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252) with (, ) and \\ escaped."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _assemble(objects: list[bytes], *, info: bytes | None = None) -> bytes:
    """Number ``objects`` 1..n (object 1 must be the catalog), write the xref table and the trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    all_objects = objects + ([info] if info is not None else [])
    for number, body in enumerate(all_objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n" % (len(all_objects) + 1))
    out.write(b"0000000000 65535 f \n")
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(all_objects) + 1)
    if info is not None:
        trailer += b" /Info %d 0 R" % len(all_objects)
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(content: bytes, *, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        content = zlib.compress(content)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def _pdf(contents: list[bytes], *, font: bytes, extra_objects: tuple[bytes, ...] | list[bytes] = (),
         resources: bytes = b"", title: str | None = None, compress: bool = False) -> bytes:
    """Catalog (1), Pages (2), font (3), extra objects (4..), then per page: the page and its content stream."""
    n = len(contents)
    first_page = 4 + len(extra_objects)
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
               font, *extra_objects]
    for i, content in enumerate(contents):
        page = first_page + 2 * i
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> %s >> >>" % (page + 1, resources))
        objects.append(_stream(content, compress=compress))
    info = None
    if title is not None:
        try:
            title_string = _pdf_string(title)
        except UnicodeEncodeError:  # a text string in UTF-16BE with its BOM, as PDF writers store Chinese titles
            title_string = b"<FEFF" + title.encode("utf-16-be").hex().upper().encode() + b">"
        info = b"<< /Title " + title_string + b" /Producer (tests.fakes.docs) >>"
    return _assemble(objects, info=info)


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def _text_block(lines: list[str], *, x: int = 72, y: int = 720, size: int = 11, leading: int = 14) -> bytes:
    """One BT..ET block: each line on its own baseline; an empty line leaves a blank baseline."""
    ops = [b"BT /F1 %d Tf %d TL %d %d Td" % (size, leading, x, y)]
    for index, line in enumerate(lines):
        if index:
            ops.append(b"T*")
        if line:
            ops.append(_pdf_string(line) + b" Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def pdf_file(pages: list[str], *, title: str | None = None, compress: bool = False) -> bytes:
    """A PDF whose page i shows ``pages[i]`` in Helvetica, one line of the page per text line."""
    return _pdf([_text_block(text.split("\n")) for text in pages], font=HELVETICA, title=title, compress=compress)


def two_column_pdf_file(left: list[str], right: list[str], *, heading: str = "", row_by_row: bool = False) -> bytes:
    """One page in two columns on shared baselines. By default the stream draws the left column, then the
    right one, as LaTeX and Word do; ``row_by_row`` draws left line, right line, ... as some generators do."""
    ops = [b"BT /F1 10 Tf"]
    if heading:
        ops.append(b"1 0 0 1 200 750 Tm " + _pdf_string(heading) + b" Tj")
    left_ops = [b"1 0 0 1 72 %d Tm %s Tj" % (720 - 13 * row, _pdf_string(line)) for row, line in enumerate(left)]
    right_ops = [b"1 0 0 1 320 %d Tm %s Tj" % (720 - 13 * row, _pdf_string(line)) for row, line in enumerate(right)]
    if row_by_row:
        for row in range(max(len(left_ops), len(right_ops))):
            ops.extend(left_ops[row:row + 1] + right_ops[row:row + 1])
    else:
        ops.extend(left_ops + right_ops)
    ops.append(b"ET")
    return _pdf([b"\n".join(ops)], font=HELVETICA)


def chinese_pdf_file(pages: list[str], *, title: str | None = None) -> bytes:
    """A PDF with Chinese text: Type0 font STSong-Light (one of Adobe's standard CJK fonts, not embedded)
    with the predefined Unicode CMap UniGB-UCS2-H, so each character is its UCS-2 code, big-endian."""
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
            b"/DescendantFonts [4 0 R] >>")
    cid_font = (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
                b"/FontDescriptor 5 0 R /DW 1000 >>")
    descriptor = (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
                  b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
    contents = []
    for text in pages:
        ops = [b"BT /F1 12 Tf 16 TL 72 720 Td"]
        for index, line in enumerate(text.split("\n")):
            if index:
                ops.append(b"T*")
            if line:
                ops.append(b"<" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj")
        ops.append(b"ET")
        contents.append(b"\n".join(ops))
    return _pdf(contents, font=font, extra_objects=[cid_font, descriptor], title=title)


NOTO_SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"     # Debian's fonts-noto-cjk
KANGXI_HANDBOOK = [   # a safety handbook whose text layer holds Kangxi radicals and CJK supplement radicals
    "第一章 总则\n为保障冬季户外作业人员的安全，制定本规定。",
    "第二章 发放标准\n冬季户外作业人员每人发放防冻\u2f3f套两副、\u2fbc筒雨靴一双。\n"
    "\u2f3f套破损的，可凭旧\u2f3f套到安全部\u2ed4更换。",
    "第三章 附则\n\u2f64\u2f3e须知见第 2 \u2eda。本规定由安全部\u2ed4负责解释。",
]
KANGXI_HANDBOOK_READ = [page.translate({0x2F3F: "手", 0x2FBC: "高", 0x2ED4: "门", 0x2F64: "用", 0x2F3E: "户",
                                        0x2EDA: "页"}) for page in KANGXI_HANDBOOK]   # what a reader sees


def radical_pdf_file(pages: list[str], *, title: str | None = None) -> bytes:
    """A PDF made by fpdf2 with Noto Sans CJK SC embedded (subset), each page's lines as written. Its text layer
    (ToUnicode) holds the code points given: a CJK font draws 手 and the Kangxi radical ⼿ (U+2F3F) with one glyph,
    which is how PDF producers end up writing radicals where a reader sees the character."""
    from fontTools.ttLib import TTCollection
    from fpdf import FPDF

    names = [font["name"].getDebugName(4) for font in TTCollection(NOTO_SANS_CJK, lazy=True).fonts]
    pdf = FPDF()
    pdf.set_creator("tests.fakes.docs")
    if title:
        pdf.set_title(title)
    pdf.add_font("noto-sc", fname=NOTO_SANS_CJK, collection_font_number=names.index("Noto Sans CJK SC"))
    for text in pages:
        pdf.add_page()
        pdf.set_font("noto-sc", size=12)
        for line in text.split("\n"):
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def shared_stream_pdf_file(pages: int, stream_mb: float, *, text: str = "A page drawn by a shared stream.") -> bytes:
    """A small file that takes long to read: ``pages`` pages whose /Contents are all the one Flate stream that
    inflates to ``stream_mb`` MB (a line of ``text``, then a path of ``0 0 m`` operators), so a reader parses
    the same megabytes again on every page — the shape of the 75 KB PDF that took 392 s (issue 11 item 5)."""
    ops = b"BT /F1 11 Tf 72 720 Td " + _pdf_string(text) + b" Tj ET\n"
    content = zlib.compress(ops + b"0 0 m\n" * int(stream_mb * 1024 * 1024 / 6), 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
               HELVETICA, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content +
               b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    return _assemble(objects)


def image_only_pdf_file(pages: int = 1) -> bytes:
    """A 'scanned' PDF: each page paints a small gray image and has no text at all."""
    pixels = bytes(range(0, 256, 4)) * 64  # 64 x 64, 8-bit gray
    image = _stream(pixels, extra=b" /Type /XObject /Subtype /Image /Width 64 /Height 64 "
                                  b"/ColorSpace /DeviceGray /BitsPerComponent 8")
    content = b"q 468 0 0 648 72 72 cm /Im1 Do Q"
    return _pdf([content] * pages, font=HELVETICA, extra_objects=[image],
                resources=b"/XObject << /Im1 4 0 R >>")


def encrypted_pdf_file(pages: list[str], *, user_password: str, owner_password: str = "owner",
                       algorithm: str = "AES-256") -> bytes:
    """``pdf_file(pages)`` encrypted by pypdf; an empty ``user_password`` opens without asking (owner-only)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_file(pages))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- DOCX

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
 Target="docProps/core.xml"/>
</Relationships>"""

_DOCUMENT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
 Target="styles.xml"/>
</Relationships>"""

# Style ids as Word writes them: "Heading1" in English Word; a Chinese Word names the id "1" and keeps
# the English name "heading 1" — the parser must go by the name, not the id.
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style>
</w:styles>"""


def _core(title: str | None) -> str:
    title_xml = f"<dc:title>{escape(title)}</dc:title>" if title else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/">{title_xml}</cp:coreProperties>')


def _run(text: str) -> str:
    """Runs as Word writes them: the text split in two runs, a tab as <w:tab/>, a line break as <w:br/>."""
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:r><w:br/></w:r>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                parts.append("<w:r><w:tab/></w:r>")
            half = len(piece) // 2
            for chunk in (piece[:half], piece[half:]):
                if chunk:
                    parts.append(f'<w:r><w:t xml:space="preserve">{escape(chunk)}</w:t></w:r>')
    return "".join(parts)


def _paragraph(text: str, style: str | None = None, *, numbered: bool = False) -> str:
    props = ""
    if style or numbered:
        props = "<w:pPr>"
        if style:
            props += f'<w:pStyle w:val="{style}"/>'
        if numbered:
            props += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
        props += "</w:pPr>"
    return f"<w:p>{props}{_run(text)}</w:p>"


def docx_file(blocks: list[tuple], *, title: str | None = None, extra_body: str = "") -> bytes:
    """A DOCX from blocks: ("p", text) a paragraph, ("h", level, text) a heading ("Heading1" style ids),
    ("hz", level, text) a heading with a Chinese Word's style id ("1"), ("title", text), ("li", text) a
    numbered list item, ("table", [[cell, ...], ...]), ("deleted", text) a tracked deletion (not text)."""
    body = []
    for block in blocks:
        kind = block[0]
        if kind == "p":
            body.append(_paragraph(block[1]))
        elif kind == "h":
            body.append(_paragraph(block[2], f"Heading{block[1]}"))
        elif kind == "hz":
            body.append(_paragraph(block[2], str(block[1])))
        elif kind == "title":
            body.append(_paragraph(block[1], "Title"))
        elif kind == "li":
            body.append(_paragraph(block[1], "ListParagraph", numbered=True))
        elif kind == "deleted":
            body.append(f'<w:p><w:del w:id="9" w:author="a"><w:r><w:delText>{escape(block[1])}</w:delText>'
                        "</w:r></w:del></w:p>")
        elif kind == "table":
            rows = "".join("<w:tr>" + "".join(f"<w:tc>{_paragraph(cell)}</w:tc>" for cell in row) + "</w:tr>"
                           for row in block[1])
            body.append(f"<w:tbl><w:tblPr/>{rows}</w:tbl>")
        else:
            raise ValueError(kind)
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}">'
                f'<w:body>{"".join(body)}{extra_body}<w:sectPr/></w:body></w:document>')
    return _zip({"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS,
                 "word/_rels/document.xml.rels": _DOCUMENT_RELS, "word/styles.xml": _STYLES,
                 "docProps/core.xml": _core(title), "word/document.xml": document})


def zip_bomb_docx(uncompressed_bytes: int) -> bytes:
    """A DOCX whose word/document.xml inflates to ``uncompressed_bytes`` (one long run of spaces)."""
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'
    tail = "</w:t></w:r></w:p></w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head.encode())
            block = b" " * (1 << 20)
            remaining = uncompressed_bytes - len(head) - len(tail)
            while remaining > 0:
                part.write(block[:remaining])
                remaining -= len(block)
            part.write(tail.encode())
    return out.getvalue()


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def zip_file(parts: dict[str, str]) -> bytes:
    """A plain zip archive (for example an .xlsx-like package without word/document.xml)."""
    return _zip(parts)
