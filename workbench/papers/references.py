"""A paper's references list: its lines split into entries, each entry parsed into fields.

    split_entries([(9, "[1] A. Vaswani, N. Shazeer, and I. Polo-"), (9, "sukhin, “Attention is all ..."), ...])
    parse_reference("[1] A. Vaswani, ... “Attention is all you need,” in Proc. NeurIPS, 2017.", 1)
        # Reference(number=1, authors=("Vaswani", ...), title="Attention is all you need", venue="Proc. NeurIPS",
        #           year="2017", label="1")

Why: a reading links what a paper cites to the entry it cites, and a user checks a claim by its source's title,
DOI or arXiv id. The styles met in practice: IEEE ("A. Vaswani, ..., “Title,” in Venue, 2017"), ACM ("Ashish
Vaswani, .... 2017. Title. In Venue."), APA ("Vaswani, A., ... (2017). Title. Venue."), GB/T 7714 ("张三, 李四.
标题[J]. 期刊, 2020, 3(2): 1-10." and "VASWANI A, et al. Title[C]//Venue. 2017."), and arXiv-only entries.

Fields are read on a copy in ``normal_form`` with the full-width punctuation made ASCII; ``raw`` stays as written.
Fields an entry does not have are "". Author names are family names as written ("Vaswani", "van der Maaten",
"VASWANI", "张三": a Chinese name is kept whole). The label is what the text cites: the entry's number, or
"Vaswani et al., 2017" / "Smith, 2020a" / "Lee and Kim, 2019" / "张三等, 2020" for author-year lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.documents.normal_form import normal_form

from .model import Reference

__all__ = ["author_year_label", "parse_reference", "split_entries"]

_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_PUNCT = str.maketrans({"，": ", ", "．": ". ", "：": ": ", "；": "; ", "［": "[", "］": "]", "（": " (",
                              "）": ") ", "“": '"', "”": '"', "‘": "'", "’": "'", "。": ". ", "、": ", ", "／": "/"})
_HEADING = re.compile(r"^\s*(?:\d+\.?\s*|[IVX]+\.\s*)?(?:references|bibliography|works cited|literature cited"
                      r"|参考文献|参 考 文 献)\s*:?\s*$", re.I)
_NUMBERED = re.compile(r"^\s*[\[［]\s*(\d{1,4})\s*[\]］]\s*|^\s*(\d{1,4})\.\s+(?=\S)")
_AUTHOR_START = re.compile(r"^\s*(?:(?:van|von|de|der|den|da|di|du|le|la|del|dos)\s+)*"
                           r"[A-Z\u00c0-\u024f][\w'’\u00c0-\u024f-]+"
                           r"(?:,\s*(?:[A-Z]\.|[A-Z][a-z]+\b)|\s+[A-Z]{1,3}[,.]|\s+[A-Z]\.)"
                           r"|^\s*[\u4e00-\u9fff]{2,4}\s*[,，.．]")
_ENTRY_END = re.compile(r"(?:[.)]|(?:19|20)\d{2}[a-z]?[.)]?|10\.\d{4,9}/\S+|https?://\S+)\s*$")
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>,;]+")
_ARXIV = re.compile(r"(?:arxiv:\s*|arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.)"
                    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+|(?:doi|DOI)\s*:\s*\S+|arXiv:\s*\S+(?:\s*\[[\w.-]+\])?", re.I)
_YEAR = re.compile(r"(?<![\d./-])((?:19|20)\d{2})([a-z]?)(?![\d/])")
_PAGES = re.compile(r"(?:pp?\.\s*|:\s*|,\s*)\d+\s*[-–—]\s*\d+|\bvol\.\s*\d+|\bno\.\s*\d+", re.I)
_GBT = re.compile(r"\[(?:J|C|M|D|R|S|P|N|A|G|Z|EB|DB|CP|J/OL|C/OL|M/OL|EB/OL|DB/OL|CP/OL|D/OL|R/OL|N/OL)\]")
_INITIALS = re.compile(r"^(?:[A-Z\u00c0-\u024f](?:[a-z]?\.|\b)\s*-?\s*){1,4}$")
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "del", "dos", "des", "ter", "ten"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_ET_AL = re.compile(r",?\s*(?:et\s*al\.?|等\.?|and others)\s*$", re.I)
_ABBREVIATION = {"commun", "process", "intell", "comput", "linguist", "assoc", "trans", "proceed", "internat",
                 "neurocomput", "robot", "stat", "math", "phys", "appl", "mach", "syst", "softw", "electron",
                 "inform", "technol", "vis", "recognit", "graph", "artif", "sci", "eng", "symp", "conf", "proc",
                 "int", "natl", "acad", "res", "lett", "rev", "annu", "adv", "inf", "anal", "learn", "netw", "j"}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_VENUE_END = re.compile(rf",\s*(?:vol\.|no\.|pp?\.|art\.|ch\.|{_MONTH}\s|(?:19|20)\d{{2}}\b|\d)|\s\(pp\.|\s\(\d"
                        r"|\s\d+\s*,\s*\d+\s*\(|\s(?:19|20)\d{2}\s*[:,.]", re.I)


# ---------------------------------------------------------------- splitting


def _join(lines: Sequence[str]) -> str:
    """Lines of one entry as one string: line-end hyphenation undone, no space between CJK characters, a URL or DOI
    broken at a line end joined without a space."""
    out = ""
    for line in (s.strip() for s in lines):
        if not line:
            continue
        if not out:
            out = line
            continue
        last = out.split(" ")[-1]
        if re.search(r"(?:https?://|doi\.org/|10\.\d{4,9}/)\S*[/.\-_]$", last):
            out += line                                         # a URL or DOI broken at a line end
        elif re.search(r"[a-z]-$", out) and line[:1].islower() and "-" not in last[:-1]:
            out = out[:-1] + line                               # "Polo-" + "sukhin" (not "state-of-the-" + "art")
        elif out.endswith("-") and line[:1].islower():
            out += line
        elif _CJK.match(out[-1]) or _CJK.match(line[0]):
            out += line
        else:
            out += " " + line
    return out


def split_entries(lines: Sequence[tuple[int, str]]) -> list[str]:
    """The references section's lines (page, text) as entries, each one string (lines joined, hyphenation undone).
    Numbered lists ("[1]", "1.") split at each next number; author-year lists at a line starting with a name
    ("Surname, X." / "Surname X," / "张三,") after a line that ended an entry (a period, a year, a DOI or URL)."""
    texts = [text for _, text in lines if text.strip() and not re.fullmatch(r"\s*\d{1,4}\s*", text)]
    while texts and _HEADING.match(texts[0]):
        texts.pop(0)
    numbered = [_NUMBERED.match(t) for t in texts]
    starts = _numbered_starts(numbered) if sum(1 for m in numbered if m) >= 2 else []
    if not starts:
        starts = [0]
        for i, text in enumerate(texts[1:], 1):
            if _AUTHOR_START.match(text) and _ENTRY_END.search(_join(texts[starts[-1]:i])):
                starts.append(i)
    bounds = [*starts, len(texts)]
    return [_join(texts[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def _numbered_starts(matches: list[re.Match | None]) -> list[int]:
    """Indexes of lines starting the next entry: "[n]" with n above the last, "n." with n the last plus one."""
    starts, last = [], 0
    for i, match in enumerate(matches):
        if match is None:
            continue
        bracket, dotted = match.group(1), match.group(2)
        n = int(bracket or dotted)
        if (bracket and n > last) or (dotted and n == last + 1):
            starts.append(i)
            last = n
    if starts and starts[0] != 0:
        starts.insert(0, 0)
    return starts


# ---------------------------------------------------------------- one entry


def parse_reference(raw: str, number: int) -> Reference:
    """One entry as a ``Reference``: authors' family names, title, year, venue, DOI, arXiv id and label."""
    text = normal_form(raw).translate(_ASCII_PUNCT)
    text = re.sub(r"\s+", " ", text).strip()
    written = _NUMBERED.match(text)
    if written:
        text = text[written.end():]
    doi = _doi(text)
    arxiv = _ARXIV.search(text)
    body = _URL.sub(" ", re.sub(r"\[(?:Online|online|在线)\]\.?|\bAvailable\s*(?:online|from|at)?:", " ", text))
    body = re.sub(r"\s+", " ", body)
    authors_text, title, venue, year, suffix = _fields(body)
    authors = _authors(authors_text)
    if not venue and arxiv or re.fullmatch(r"(?i)arxiv(?: preprint)?(?: \S+)?", venue):
        venue = "arXiv" if arxiv else venue
    if written:
        label = written.group(1) or written.group(2)
    else:
        label = author_year_label(authors, year + suffix, et_al=bool(re.search(r"et al|等", authors_text)))
    return Reference(number=number, raw=raw, authors=authors, title=title, year=year, venue=venue, doi=doi,
                     arxiv=arxiv.group(1) if arxiv else "", label=label)


def _doi(text: str) -> str:
    found = _DOI.search(text)
    return found.group().rstrip(".,;)]") if found else ""


def _fields(body: str) -> tuple[str, str, str, str, str]:
    """(authors' text, title, venue, year, year suffix) of an entry without its number, URLs and ids."""
    gbt = _GBT.search(body)
    if gbt:
        return _gbt(body, gbt)
    quoted = re.search(r"\"([^\"]{3,}?)[,.]?\"", body)
    if quoted:                                                   # IEEE: authors, "Title," in Venue, 2017
        rest = body[quoted.end():].strip(" ,.")
        rest = re.sub(r"^(?:in|In)\s+", "", rest)
        venue = _venue(rest.split(",")[0], sentence=False)     # IEEE venues are abbreviated, without commas
        return body[:quoted.start()], quoted.group(1).strip(" ,."), venue, *_last_year(body)
    apa = re.search(r"\(((?:19|20)\d{2})([a-z]?)(?:, [^)]*)?\)\.?\s*", body)   # APA: authors (2017). Title. Venue
    acm = re.search(r"\.\s((?:19|20)\d{2})([a-z]?)\.\s", body)                 # ACM: authors. 2017. Title. In Venue.
    year = min((m for m in (apa, acm) if m), key=lambda m: m.start(), default=None)
    if year:
        title, rest = _sentence(body[year.end():])
        return body[:year.start()], title.rstrip("."), _venue(rest), year.group(1), year.group(2)
    head, rest = _sentence(body)                                 # authors. Title. Venue, 2017.
    title, rest = _sentence(rest)
    return head, title.rstrip("."), _venue(rest), *_last_year(body)


def _gbt(body: str, kind: re.Match) -> tuple[str, str, str, str, str]:
    """GB/T 7714: authors. Title[J]. Journal, 2020, 43(5): 1-10. / Title[C]//Proceedings. City: Publisher, 2016."""
    head = body[:kind.start()]
    cut = re.search(r"\.\s", head)
    authors, title = (head[:cut.start()], head[cut.end():]) if cut else ("", head)
    rest = body[kind.end():].lstrip(". /")
    return authors, title.strip(" ."), _venue(rest), *_last_year(body[kind.end():])


def _sentence(text: str) -> tuple[str, str]:
    """The text up to its first sentence end (not an initial or an abbreviation), and the rest."""
    for match in re.finditer(r"[.?!]\s+|\.$", text):
        word = re.search(r"(\S+)$", text[:match.start()])
        token = word.group(1) if word else ""
        if match.group().startswith(".") and (len(token) == 1 or token.lower().strip("(") in _ABBREVIATION):
            continue
        end = match.start() + (1 if match.group()[0] in "?!" else 0)
        return text[:end].strip(), text[match.end():].strip()
    return text.strip(), ""


def _venue(rest: str, sentence: bool = True) -> str:
    """The venue at the start of ``rest``: "In " and editors dropped, up to volume, pages, year or publisher."""
    rest = re.sub(r"^(?:In|in)\s*:?\s+", "", rest.strip(" ,").lstrip(". "))
    rest = re.sub(r"^.*?\(Eds?\.?\),?\s*", "", rest)
    cut = _VENUE_END.search(rest)
    venue = rest[:cut.start()] if cut else rest
    if sentence and (cut is None or "." in venue):
        venue, _ = _sentence(venue)
    venue = venue.strip(" ,;:")
    if re.fullmatch(r"[\d\s.,:()-]*", venue):
        return ""
    last = venue.split(" ")[-1].rstrip(".").lower()
    return venue if venue.endswith(".") and (last in _ABBREVIATION or len(last) <= 3) else venue.rstrip(".")


def _last_year(text: str) -> tuple[str, str]:
    """The publication year: the last year-like number outside pages, volumes and ids (year, suffix)."""
    found = _YEAR.findall(_PAGES.sub(" ", _URL.sub(" ", text)))
    return found[-1] if found else ("", "")


# ---------------------------------------------------------------- authors and labels


def _authors(text: str) -> tuple[str, ...]:
    """Family names, in order, from the authors' part of an entry."""
    text = _ET_AL.sub("", text.strip(" ,.:"))
    text = re.sub(r"\s*(?:\bet al\.?|等)\s*", " ", text).strip(" ,.")
    if not text:
        return ()
    pieces = [p.strip() for p in re.split(r"\s*(?:,|;|、|\band\b|&)\s*", text) if p.strip()]
    names: list[str] = []
    i = 0
    while i < len(pieces):                      # APA "Vaswani, A., Shazeer, N.": a family name, then initials
        piece = pieces[i]
        if i + 1 < len(pieces) and not _INITIALS.match(piece) and _INITIALS.match(pieces[i + 1]) \
                and " " not in piece.strip() and not _INITIALS.match(piece.split()[-1]):
            names.append(piece)
            i += 2
            continue
        if piece.lower() not in _SUFFIXES:
            names.append(_family(piece))
        i += 1
    return tuple(n for n in names if n)


def _family(name: str) -> str:
    """A family name from one name as written: "A. N. Gomez", "Aidan N. Gomez", "VASWANI A", "Gomez AN", "张三"."""
    if _CJK.search(name):
        return name.replace(" ", "")
    tokens = [t for t in name.split() if t.lower() not in _SUFFIXES]
    if not tokens:
        return ""
    if len(tokens) > 1 and _INITIALS.match(tokens[-1]) and not _INITIALS.match(tokens[0]):
        return " ".join(t for t in tokens if not _INITIALS.match(t))      # "VASWANI A", "Gomez AN"
    family = [tokens[-1]]
    for token in reversed(tokens[:-1]):
        if token.lower() not in _PARTICLES:
            break
        family.insert(0, token)
    return " ".join(family)


def author_year_label(authors: Sequence[str], year: str, et_al: bool = False) -> str:
    """How an author-year text cites an entry: "Smith, 2020", "Lee and Kim, 2019", "Vaswani et al., 2017";
    Chinese: "张三, 2020", "张三和李四, 2020", "张三等, 2020". "" without an author."""
    if not authors:
        return year
    chinese = bool(_CJK.search(authors[0]))
    if len(authors) >= 3 or et_al:
        names = authors[0] + ("等" if chinese else " et al.")
    elif len(authors) == 2:
        names = f"{authors[0]}和{authors[1]}" if chinese else f"{authors[0]} and {authors[1]}"
    else:
        names = authors[0]
    return f"{names}, {year}" if year else names
