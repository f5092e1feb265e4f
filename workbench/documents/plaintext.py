"""Plain text and Markdown: decode, keep the text as written, find a title."""

from __future__ import annotations

import re

from . import charset, errors
from .document import Document, Page

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
_SETEXT = re.compile(r"^ {0,3}(\S[^\n]*)\n {0,3}(=+|-+)[ \t]*$", re.M)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.S)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)


def parse_text(data: bytes, filename: str, kind: str) -> Document:
    """A .txt ("text") or .md ("markdown") file as one page; the title is the first heading or the file's name."""
    text = charset.decode(data)
    if text is None:
        raise errors.undecodable(filename)
    text = text.strip("\n")
    if not text.strip():
        raise errors.empty(filename)
    title = (markdown_title(text) if kind == "markdown" else None) or stem(filename)
    return Document(filename=filename, kind=kind, title=title, pages=(Page(1, text),))


def markdown_title(text: str) -> str | None:
    """The front matter's ``title:``, else the first heading (ATX "# Title" or setext "Title\\n===")."""
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        if found:
            return found.group(1).strip("\"'") or None
        text = text[front.end():]
    candidates = [(m.start(), m.group(2)) for m in _ATX.finditer(text)][:1]
    candidates += [(m.start(), m.group(1)) for m in _SETEXT.finditer(text) if m.group(2).startswith("=")][:1]
    if not candidates:
        return None
    return min(candidates)[1].strip() or None


def stem(filename: str) -> str:
    """The file's name without folders or extension (the title of last resort)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base, dot, _ = name.rpartition(".")
    return (base if dot and base else name).strip() or name
