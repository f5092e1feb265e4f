"""The papers' refusals (``code``, ``field``, ``text(locale)``); the words, en and zh, are in
``workbench/messages/papers.py``.

``PaperNotFound`` is also what a caller gets for a paper they may not see: an outsider cannot tell a private paper
from a missing one. ``PaperForbidden`` is for what the caller can see but may not do; ``PaperInvalid`` is bad input
(``field`` names it: ``file``, ``question``, ``papers``, ``lang``, ``page``).
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class PaperError(WorkbenchError):
    """A papers request that cannot be done; the message says what to do next."""

    def __init__(self, key: str, field: str | None = None, **fields: object) -> None:
        super().__init__(key, field, code=key.split(".")[-1], **fields)


class PaperInvalid(PaperError):
    """Bad input; ``field`` names it."""


class PaperNotFound(PaperError):
    """No such paper, reading or thread — or not one the caller may see (the same words either way)."""


class PaperForbidden(PaperError):
    """The caller can see it but their role does not allow this (the message names the role needed)."""
