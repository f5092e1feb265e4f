"""The workbench's refusals: English ``message``, Chinese ``zh``, ``text(locale)`` picks one.

Mirrors the gateway's ``FormError`` without importing it (the workbench never imports the
gateway). ``field`` names the input at fault, ``code`` is stable for callers and tests.
"""

from __future__ import annotations

from shared.locale import language


def in_locale(message: str, zh: str | None, locale: str | None) -> str:
    """``zh`` for "zh", "zh-CN", "zh_TW" ... when there is one, else ``message``."""
    return zh if zh and language(locale) == "zh" else message


class WorkbenchError(Exception):
    """A workbench request that cannot be done; the message says what to do next."""

    def __init__(self, message: str, field: str | None = None, *, zh: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field, self.zh, self.code = message, field, zh, code

    def text(self, locale: str | None) -> str:
        return in_locale(self.message, self.zh, locale)
