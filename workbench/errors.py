"""The workbench's refusals: a ``code`` and its ``fields``; the words, en and zh, are in ``workbench/messages/``.

Mirrors the gateway's ``FormError`` (both are ``shared.messages.MessageError``) without importing it: the
workbench never imports the gateway. ``field`` names the input at fault; ``code`` is stable for callers and tests
(the template ``corrupt.pdf`` is said under the code ``corrupt``). ``text(locale)`` says it, ``message`` is English.
"""

from __future__ import annotations

from shared.messages import MessageError
from workbench.messages import MESSAGES


class WorkbenchError(MessageError):
    """A workbench request that cannot be done; the message says what to do next.

    ``WorkbenchError("corrupt.pdf", "file", name=...)``: the template's code, the field at fault, the template's
    fields; ``code=`` gives callers a coarser code than the template's (by default its first part)."""

    catalogue = MESSAGES

    def __init__(self, key: str, field: str | None = None, *, code: str | None = None, **fields: object) -> None:
        super().__init__(key, field, **fields)
        self.code = code or key.split(".")[0]
