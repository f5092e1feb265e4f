"""The knowledge bases' refusals (English ``message``, Chinese ``zh``, ``field``, ``code``).

``NotFound`` is also what a caller gets for a team, KB, document or link they may not see: an outsider
cannot tell a private KB from a missing one. ``Forbidden`` is for what the caller can see but may not do.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class KBError(WorkbenchError):
    """A knowledge-base request that cannot be done; the message says what to do next."""


class NotFound(KBError):
    """No such thing — or not one the caller may see (the same words either way)."""


class Forbidden(KBError):
    """The caller can see it but their role does not allow this (the message names the role needed)."""


class Invalid(KBError):
    """Bad input; ``field`` names it."""
