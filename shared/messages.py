"""What the code says to users: a message is a ``code`` and its ``fields``; the words are data, in tables.

Domain code (gateway/, workbench/) raises a ``MessageError`` with a code and the fields that fill it in. The
English and Chinese templates live in a ``Catalogue`` of plain dicts keyed by code (a ``messages.py`` beside the
errors, ``EN`` and ``ZH`` with the same codes and the same ``{fields}``). The edges (pages, ``/kb/v1``,
``/admin/v1``) ask the error for its ``text(locale)``; ``message`` is the English, for logs and English callers.

A field's value may itself be a ``Message`` (a label, a state's name): it is said in the same language. A value
that is data in two languages already (a list built from a table of names) is given as ``Words(en, zh)``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from shared.locale import language


def template_fields(template: str) -> set[str]:
    """The ``{name}`` fields a template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalogue:
    """The en and zh templates of one package's messages, keyed by code."""

    def __init__(self, en: Mapping[str, str], zh: Mapping[str, str]) -> None:
        self.tables = {"en": en, "zh": zh}

    def __contains__(self, code: object) -> bool:
        return code in self.tables["en"]

    def render(self, code: str, locale: str | None, fields: Mapping[str, object]) -> str:
        """The message ``code`` in ``locale`` (English when there is no Chinese), its fields filled in."""
        lang = language(locale)
        template = self.tables[lang].get(code) or self.tables["en"][code]
        values = {name: value.text(lang) if isinstance(value, Message | Words) else value
                  for name, value in fields.items()}
        return template.format(**values)

    def message(self, code: str, **fields: object) -> Message:
        """``code`` with ``fields`` as a value to keep, pass on or put in another message's field."""
        if code not in self:
            raise KeyError(f"no message {code!r}")
        return Message(code, fields, self)

    def problems(self) -> list[str]:
        """What is wrong with the tables: a code in one language only, or with other fields in the other."""
        en, zh = self.tables["en"], self.tables["zh"]
        found = [f"{code}: only in {'en' if code in en else 'zh'}" for code in sorted(set(en) ^ set(zh))]
        found += [f"{code}: fields {sorted(template_fields(en[code]))} in en, {sorted(template_fields(zh[code]))} in zh"
                  for code in sorted(set(en) & set(zh)) if template_fields(en[code]) != template_fields(zh[code])]
        return found


@dataclass(frozen=True)
class Message:
    """A sentence to say, not yet in a language: its ``code`` in ``catalogue`` and its ``fields``."""

    code: str
    fields: Mapping[str, object]
    catalogue: Catalogue = field(compare=False, repr=False)

    def text(self, locale: str | None = None) -> str:
        return self.catalogue.render(self.code, locale, self.fields)

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True)
class Words:
    """A field's value that is data in both languages (e.g. file kinds listed from a table of their names)."""

    en: str
    zh: str

    def text(self, locale: str | None = None) -> str:
        return self.zh if language(locale) == "zh" else self.en

    def __str__(self) -> str:
        return self.en


class MessageError(Exception):
    """An error that says a message: ``code`` (its template in the class's ``catalogue``), ``fields``, and
    ``field``, the input at fault (None when it is not one input). ``text(locale)`` says it; ``message`` is the
    English. (``key`` is the template's code; a subclass whose callers see a coarser ``code``, e.g. one code for
    several sentences, sets ``code`` after this ``__init__``.)"""

    catalogue: ClassVar[Catalogue] = Catalogue({}, {})

    def __init__(self, code: str, field: str | None = None, /, **fields: object) -> None:
        if code not in self.catalogue:
            raise KeyError(f"{type(self).__name__}: no message {code!r} in its catalogue")
        self.key = self.code = code
        self.field, self.fields = field, fields
        self.message = self.text("en")
        super().__init__(self.message)

    @classmethod
    def of(cls, message: Message, field: str | None = None) -> Self:
        """This error saying ``message`` (a ``Message`` of the same catalogue), ``field`` at fault."""
        return cls(message.code, field, **message.fields)

    def text(self, locale: str | None) -> str:
        """The message in ``locale``: Chinese for "zh", "zh-CN", ..., else English."""
        return self.catalogue.render(self.key, locale, self.fields)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.key, self.field, self.fields, self.code)


def _rebuild(cls: type[MessageError], key: str, field: str | None, fields: dict[str, object],
             code: str | None) -> MessageError:
    error = cls(key, field, **fields)
    error.code = code
    return error
