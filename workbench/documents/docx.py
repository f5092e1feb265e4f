"""Word (.docx): a zip of XML read with zipfile + ElementTree; headings become Markdown "#", tables "| a | b |".

Each part is read with a cap on its uncompressed size (zip bombs), and a part that declares a DTD or
entities is refused (no entity expansion in a document body).
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from . import errors
from .document import Document, Page
from .plaintext import stem

PART_LIMIT = 64 * 1024 * 1024  # uncompressed bytes per XML part; real document.xml files stay far below
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.I)
_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_SKIP = {W + "del", W + "delText", W + "instrText", _MC_FALLBACK, W + "pPr", W + "rPr", W + "footnoteReference"}


def parse_docx(data: bytes, filename: str) -> Document:
    """A .docx as one page: paragraphs separated by blank lines, headings as "#", tables as rows of cells."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = _xml(archive, "word/document.xml", filename)
            styles = _xml(archive, "word/styles.xml", filename, required=False)
            core = _xml(archive, "docProps/core.xml", filename, required=False)
    except errors.DocumentError:
        raise
    except Exception:  # bad zip structure, CRC, inflate (zlib) errors, unsupported compression: all "damaged"
        raise errors.corrupt(filename, "DOCX") from None
    levels = _heading_levels(styles)
    root = body.find(W + "body")
    blocks = _blocks(root, levels) if root is not None else []
    text = "\n\n".join(block for block in blocks if block.strip())
    if not text.strip():
        raise errors.empty(filename)
    title = _core_title(core) or _first_heading(blocks) or stem(filename)
    return Document(filename=filename, kind="docx", title=title, pages=(Page(1, text),))


def _xml(archive: zipfile.ZipFile, name: str, filename: str, *, required: bool = True) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        if required:
            raise errors.corrupt(filename, "DOCX") from None
        return None
    if info.file_size > PART_LIMIT:
        raise errors.too_big_inside(filename, PART_LIMIT)
    with archive.open(info) as part:
        raw = part.read(PART_LIMIT + 1)  # the declared size can lie: stop reading past the cap
    if len(raw) > PART_LIMIT:
        raise errors.too_big_inside(filename, PART_LIMIT)
    if _DECLARATIONS.search(raw):
        raise errors.corrupt(filename, "DOCX")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise errors.corrupt(filename, "DOCX") from None


def _heading_levels(styles: ElementTree.Element | None) -> dict[str, int]:
    """Paragraph style id -> heading level, from each style's name ("heading 2", "Title") or outline level.

    Word localises style ids (a Chinese Word writes "1" for "heading 1") but keeps the English names.
    """
    levels = {"Title": 1}
    levels.update({f"Heading{n}": n for n in range(1, 10)})
    if styles is None:
        return levels
    for style in styles.iter(W + "style"):
        style_id = style.get(W + "styleId")
        name_node = style.find(W + "name")
        name = (name_node.get(W + "val") if name_node is not None else "") or ""
        outline = style.find(f"{W}pPr/{W}outlineLvl")
        match = _HEADING_NAME.match(name.strip())
        if not style_id:
            continue
        if match:
            levels[style_id] = int(match.group(1))
        elif name.strip().lower() == "title":
            levels[style_id] = 1
        elif outline is not None and (outline.get(W + "val") or "").isdigit() and int(outline.get(W + "val")) < 9:
            levels[style_id] = int(outline.get(W + "val")) + 1
    return levels


def _blocks(container: ElementTree.Element, levels: dict[str, int]) -> list[str]:
    """The body's paragraphs and tables in order (content controls and text boxes opened)."""
    blocks: list[str] = []
    for child in container:
        if child.tag == W + "p":
            blocks.append(_paragraph(child, levels))
        elif child.tag == W + "tbl":
            blocks.append(_table(child, levels))
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
            blocks.extend(_blocks(child, levels))
    return blocks


def _paragraph(paragraph: ElementTree.Element, levels: dict[str, int]) -> str:
    text = _runs_text(paragraph).strip()
    if not text:
        return ""
    props = paragraph.find(W + "pPr")
    if props is not None:
        style = props.find(W + "pStyle")
        outline = props.find(W + "outlineLvl")
        level = levels.get(style.get(W + "val", "")) if style is not None else None
        if level is None and outline is not None and (outline.get(W + "val") or "").isdigit():
            level = int(outline.get(W + "val")) + 1 if int(outline.get(W + "val")) < 9 else None
        if level:
            return "#" * min(level, 6) + " " + " ".join(text.split())
        if props.find(W + "numPr") is not None:
            return "- " + text
    return text


def _runs_text(node: ElementTree.Element) -> str:
    parts: list[str] = []
    _collect(node, parts)
    return "".join(parts)


def _collect(node: ElementTree.Element, parts: list[str]) -> None:
    for child in node:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "p":  # a paragraph inside a text box
            parts.append("\n")
            _collect(child, parts)
        else:
            _collect(child, parts)


def _table(table: ElementTree.Element, levels: dict[str, int]) -> str:
    rows = []
    for row in table.findall(W + "tr"):
        cells = []
        for cell in row.findall(W + "tc"):
            texts = [" ".join(_runs_text(p).split()) for p in cell.iter(W + "p")]
            cells.append(" ".join(t for t in texts if t).replace("|", "\\|"))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _core_title(core: ElementTree.Element | None) -> str | None:
    if core is None:
        return None
    node = core.find(_DC_TITLE)
    if node is None:
        return None
    return " ".join((node.text or "").split()) or None


def _first_heading(blocks: list[str]) -> str | None:
    for block in blocks:
        if block.startswith("#"):
            return block.lstrip("#").strip() or None
    return None
