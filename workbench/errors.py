"""The workbench's refusals: a ``code`` and its ``fields``; the words, en and zh, are in ``workbench/messages/``.

Mirrors the gateway's ``FormError`` (both are ``shared.messages.MessageError``) without importing it: the
workbench never imports the gateway. ``field`` names the input at fault; ``code`` is stable for callers and tests
(the template ``corrupt.pdf`` is said under the code ``corrupt``). ``text(locale)`` says it, ``message`` is English.
(Until every raiser has a code, ``WorkbenchError(english, zh=chinese, code=...)`` still works: ``key`` is None.)
"""

from __future__ import annotations

from shared.locale import in_locale
from shared.messages import MessageError
from workbench.messages import MESSAGES


class WorkbenchError(MessageError):
    """A workbench request that cannot be done; the message says what to do next."""

    catalogue = MESSAGES

    def __init__(self, message: str, field: str | None = None, *, zh: str | None = None,
                 code: str | None = None, **fields: object) -> None:
        if zh is None and message in self.catalogue:
            super().__init__(message, field, **fields)
            self.code = code or message.split(".")[0]
            return
        Exception.__init__(self, message)
        self.key, self.fields, self.message, self.field, self.zh, self.code = None, {}, message, field, zh, code

    def text(self, locale: str | None) -> str:
        if self.key is None:
            return in_locale(self.message, self.zh, locale)
        return super().text(locale)

    def __reduce__(self) -> tuple:
        if self.key is None:
            return type(self), (self.message, self.field), {"zh": self.zh, "code": self.code}
        return super().__reduce__()
