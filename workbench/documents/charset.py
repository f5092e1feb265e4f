"""Decoding text files: BOMs first, then UTF-16 without a BOM, UTF-8, GB18030 (Chinese), Windows-1252."""

from __future__ import annotations

import codecs
import re

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes, declared: str | None = None) -> str | None:
    """The text of ``data`` with newlines normalised to "\\n", or None when no encoding fits.

    ``declared`` (an HTML ``<meta charset>``) is tried after the BOM and before guessing.
    """
    text = _decode(data, declared)
    if text is None:
        return None
    return normalise(text)


def normalise(text: str) -> str:
    """"\\r\\n" and "\\r" become "\\n"; control characters other than tab and newline are dropped."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _decode(data: bytes, declared: str | None) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _try(data[len(bom):], encoding)
    if declared:
        text = _try(data, _known(declared))
        if text is not None:
            return text
    if b"\x00" in data[:8192]:
        encoding = utf16_without_bom(data)
        return _try(data, encoding) if encoding else None
    for guess in (_try(data, "utf-8"), _gb18030(data), _try(data, "cp1252")):
        if guess is not None:
            return guess
    return data.decode("latin-1")


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the start of ``data`` reads as text in it, else None (binary)."""
    head = data[:8192]
    head = head[:len(head) - len(head) % 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        sample = head.decode(encoding, "replace")
        readable = sum(1 for c in sample if c.isprintable() or c in "\n\r\t")
        if sample and readable >= 0.95 * len(sample) and "\ufffd" not in sample[:-1]:
            return encoding
    return None


def _known(name: str) -> str:
    try:
        encoding = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return "utf-8"
    # Pages labelled GB2312 or GBK are written in their superset in practice.
    return "gb18030" if encoding in ("gb2312", "gbk") else encoding


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _gb18030(data: bytes) -> str | None:
    """GB18030 when the bytes decode and read as Chinese: most non-ASCII characters are common CJK."""
    text = _try(data, "gb18030")
    if text is None:
        return None
    wide = [c for c in text if ord(c) > 0x7F]
    common = sum(1 for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return text if wide and common >= 0.8 * len(wide) else None
