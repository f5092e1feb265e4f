"""A paper's structure from its PDF: title, authors, abstract, sections, captions, tables and the references' lines.

    paper = structure(data, "paper.pdf")                 # workbench.papers.model.Structure, or a DocumentError
    paper = structure(data, "scan.pdf", ocr=recognise)   # pages without a text layer read by ``recognise``
    references_text(paper)                              # [(page, line), ...] of the references section

The pages come from ``workbench.documents.layout`` (reading order of two-column pages, font size and bold per line);
headings are found by their number and font (``headings``), captions by their label (``captions``). The file is
first checked as any upload is (``workbench.documents.parse``: size, damage, password): the same refusals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from workbench.documents import errors, parse
from workbench.documents.layout import Line, PageLayout, open_pdf, page_lines
from workbench.documents.normal_form import normal_form
from workbench.documents.pdf import clean
from workbench.documents.plaintext import stem

from .captions import captions, joined
from .citations import link_citations
from .errors import PaperInvalid
from .headings import Heading, body_font, heading, headings
from .model import PageText, Section, Structure
from .references import parse_reference, split_entries

OCR = Callable[[bytes, list[int]], dict[int, list[Line]]]
Progress = Callable[[str, int, int], None]          # (stage "pages" or "ocr", done, total)
MAX_BYTES = 50 * 1024 * 1024
_AFFILIATION = re.compile(r"universit|institut|department|school|college|laborator|\blab\b|inc\.|corporation|@|"
                          r"大学|学院|研究所|研究院|实验室|公司|\d{6}", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|，|、|;|；|\band\b|&)\s*")
_MARKS = re.compile(r"[\d*†‡§¶,]+$")
_INLINE_ABSTRACT = re.compile(r"(?i)(abstract|摘\s*要)\s*[—–:：.\-]\s*(?P<rest>.*)")
_STOP_ABSTRACT = re.compile(r"(?i)(keywords|index terms|key words|关键词|关键字)")
_REFERENCES = re.compile(r"(?i)references|bibliography|参考文献")
_CJK = re.compile("[\u3400-\u9fff]")
_LATIN_WORD = re.compile("[A-Za-z]+")
_PAGE_NUMBER = re.compile(r"\d{1,4}")


def structure(data: bytes, filename: str, *, ocr: OCR | None = None, max_bytes: int = MAX_BYTES,
              progress: Progress | None = None) -> Structure:
    """The structure of the paper in the PDF ``data``; ``ocr(data, page numbers)`` reads pages with no text layer;
    ``progress(stage, done, total)`` is told of each page read ("pages") and recognised ("ocr")."""
    _check(data, filename, max_bytes, ocr)
    layouts, tables, metadata_title = _read(data, filename, progress or _quiet)
    ocr_pages = _recognised(data, layouts, ocr, progress or _quiet)
    pages = tuple(PageText(p.number, ocr_pages.get(p.number, p.lines), p.width, p.height, p.columns,
                           ocr=p.number in ocr_pages) for p in layouts)
    if not any(page.lines for page in pages):
        raise errors.no_text(filename)
    body = body_font(line for page in pages for line in page.lines)
    title_lines = _title_lines(pages[0]) if pages else []
    title = joined([line.text for _, line in title_lines]) or metadata_title or stem(filename)
    after = title_lines[-1][0] if title_lines else -1
    found = headings([(page.number, page.lines) for page in pages], body, after=(1, after))
    paper = Structure(
        title=title, authors=_authors(pages[0], after, found) if title_lines else (),
        abstract=_abstract(pages, found, after),
        language=_language(pages), pages=pages, sections=tuple(_sections(pages, found)),
        captions=tuple(c for page in pages for c in captions(page.number, page.lines, lambda ln: heading(ln, body))),
        tables=tuple(tables), ocr_pages=tuple(sorted(ocr_pages)))
    return _with_references(paper)


def _with_references(paper: Structure) -> Structure:
    """The references list parsed (``references``) and the body's citations linked to it (``citations``)."""
    listed = tuple(parse_reference(raw, n) for n, raw in enumerate(split_entries(references_text(paper)), 1))
    body = [piece for section in paper.sections if not _REFERENCES.fullmatch(section.title.strip())
            for piece in section.pieces]
    return replace(paper, references=listed, citations=tuple(link_citations(body, listed)) if listed else ())


def _check(data: bytes, filename: str, max_bytes: int, ocr: OCR | None) -> None:
    """The upload checks of ``documents.parse``; a PDF without text passes when ``ocr`` can read it."""
    try:
        document = parse(data, filename, max_bytes=max_bytes)
    except errors.DocumentError as exc:
        if exc.code == "no_text" and ocr is not None:
            return
        raise
    if document.kind != "pdf":
        raise PaperInvalid("paper.not_pdf", "file", filename=filename)


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _read(data: bytes, filename: str, progress: Progress) -> tuple[list[PageLayout], list[tuple[int, str]], str]:
    """Each page's layout, the tables (page, rows as text) and the title in the PDF's metadata."""
    try:
        with open_pdf(data) as pdf:
            layouts, tables = [], []
            for page in pdf.pages:
                layouts.append(page_lines(page))
                tables += [(page.page_number, text) for text in _tables(page)]
                progress("pages", len(layouts), len(pdf.pages))
            title = " ".join(str((pdf.metadata or {}).get("Title") or "").split())
    except errors.DocumentError:
        raise
    except Exception:  # pdfminer raises many kinds on what pypdf forgave; none of them is the user's business
        raise errors.corrupt(filename, "PDF") from None
    return layouts, tables, normal_form(title)


def _tables(pdf_page) -> list[str]:
    """The page's ruled tables, one row per line, cells joined by " | "."""
    out = []
    for table in pdf_page.find_tables():
        rows = [" | ".join(normal_form(clean(" ".join((cell or "").split()))) for cell in row)
                for row in table.extract()]
        if rows:
            out.append("\n".join(rows))
    return out


def _recognised(data: bytes, layouts: list[PageLayout], ocr: OCR | None,
                progress: Progress) -> dict[int, tuple[Line, ...]]:
    """The lines ``ocr`` reads on the pages without text, one page at a time; {} without ``ocr``."""
    blank = [page.number for page in layouts if not page.lines]
    if ocr is None or not blank:
        return {}
    read: dict[int, list[Line]] = {}
    for done, number in enumerate(blank, 1):
        read.update(ocr(data, [number]))
        progress("ocr", done, len(blank))
    return {number: tuple(Line(normal_form(clean(line.text)), line.top, line.x0, line.x1, line.size, line.bold,
                               line.column) for line in lines)
            for number, lines in read.items() if number in blank and lines}


def _title_lines(page: PageText) -> list[tuple[int, Line]]:
    """The title: the first run of lines in page 1's largest font (in its upper half), when larger than the rest."""
    upper = [(i, line) for i, line in enumerate(page.lines) if line.top < page.height / 2 and line.text.strip()]
    if not upper:
        return []
    largest = max(line.size for _, line in upper)
    if sum(1 for _, line in upper if line.size == largest) > 4 or all(line.size == largest for _, line in upper):
        return []     # no line stands out: a first page without a typeset title
    start = next(k for k, (_, line) in enumerate(upper) if line.size == largest)
    run = []
    for i, line in upper[start:]:
        if line.size != largest:
            break
        run.append((i, line))
    return run


def _authors(page: PageText, after: int, found: list[Heading]) -> tuple[str, ...]:
    """The names on the lines between the title and the first heading (or the abstract); affiliations dropped.
    Without a title found there is no telling names from text: none."""
    end = next((h.index for h in found if h.page == 1), len(page.lines))
    names: list[str] = []
    for line in page.lines[after + 1:end]:
        if _INLINE_ABSTRACT.match(line.text):
            break
        if _AFFILIATION.search(line.text):
            continue
        for part in _NAME_SPLIT.split(line.text):
            name = _MARKS.sub("", part.strip()).strip()
            if 2 <= len(name) <= 60 and not any(c.isdigit() for c in name):
                names.append(name)
    return tuple(names)


def _abstract(pages: tuple[PageText, ...], found: list[Heading], after: int) -> str:
    """The text under "Abstract"/"摘要" (a heading, or the word opening a line) up to the next heading."""
    lines = [(page.number, i, line) for page in pages for i, line in enumerate(page.lines)]
    start = next(((h.page, h.index) for h in found if h.title.lower().rstrip(":") in ("abstract", "摘要")), None)
    texts: list[str] = []
    for number, i, line in lines:
        if start is None and number == 1 and i > after and (match := _INLINE_ABSTRACT.match(line.text)):
            start, line = (number, i), Line(match["rest"], line.top, line.x0, line.x1, line.size)
            texts.append(line.text)
            continue
        if start is None or (number, i) <= start:
            continue
        if any((h.page, h.index) == (number, i) for h in found) or _STOP_ABSTRACT.match(line.text):
            break
        texts.append(line.text)
    return joined(texts)


def _sections(pages: tuple[PageText, ...], found: list[Heading]) -> list[Section]:
    """Each heading with the text under it, up to the next heading of the same or a higher level."""
    flat = [(page.number, i, line) for page in pages for i, line in enumerate(page.lines)
            if not _is_page_number(line, page)]
    where = {(number, i): k for k, (number, i, _) in enumerate(flat)}
    sections = []
    for n, h in enumerate(found):
        start = where.get((h.page, h.index), 0)
        end = next((where[(g.page, g.index)] for g in found[n + 1:] if g.level <= h.level), len(flat))
        body = flat[start + 1:end]
        own = flat[start + 1:where.get((found[n + 1].page, found[n + 1].index), end) if n + 1 < len(found) else end]
        sections.append(Section(number=h.number, title=h.title, level=h.level, page=h.page,
                                end_page=body[-1][0] if body else h.page,
                                text="\n".join(line.text for _, _, line in body), pieces=_by_page(own)))
    return sections


def _by_page(lines: list[tuple[int, int, Line]]) -> tuple[tuple[int, str], ...]:
    """Lines as (page, their text) runs, one per page."""
    out: list[tuple[int, list[str]]] = []
    for number, _, line in lines:
        if not out or out[-1][0] != number:
            out.append((number, []))
        out[-1][1].append(line.text)
    return tuple((number, "\n".join(texts)) for number, texts in out)


def _is_page_number(line: Line, page: PageText) -> bool:
    return bool(_PAGE_NUMBER.fullmatch(line.text.strip())) and (line.top > page.height * 0.9 or
                                                                line.top < page.height * 0.06)


def _language(pages: tuple[PageText, ...]) -> str:
    """ "zh" when CJK characters outnumber Latin words, else "en"."""
    text = "\n".join(page.text for page in pages)
    return "zh" if len(_CJK.findall(text)) > len(_LATIN_WORD.findall(text)) else "en"


def references_text(paper: Structure) -> list[tuple[int, str]]:
    """The lines of the references section as (page, line), in reading order; [] when the paper has none."""
    index = next((k for k in range(len(paper.sections) - 1, -1, -1)
                  if _REFERENCES.fullmatch(paper.sections[k].title.strip())), None)
    if index is None:
        return []
    section = paper.sections[index]
    following = next((s for s in paper.sections[index + 1:] if s.level <= section.level), None)
    out: list[tuple[int, str]] = []
    started = False
    for page in paper.pages[section.page - 1:]:
        for line in page.lines:
            if not started:
                started = page.number == section.page and _is_heading_line(line, section)
                continue
            if following and page.number == following.page and _is_heading_line(line, following):
                return out
            if not _is_page_number(line, page):
                out.append((page.number, line.text))
    return out


def _is_heading_line(line: Line, section: Section) -> bool:
    text = line.text.strip()
    return text.startswith(section.number) and text.rstrip(":：").endswith(section.title)
