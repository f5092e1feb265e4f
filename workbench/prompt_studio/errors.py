"""The prompt studio's refusals (``code``, ``field``, ``text(locale)``); the words, en and zh, are in
``workbench/messages/prompt_*.py``: ``prompt_cases.py`` (templates, cases, splits, YAML), ``prompt_graders.py``
(graders, requirement checks), ``prompt_library.py`` (prompts, versions, labels, runs, optimisations).

``PromptInvalid("prompt_case.column", "rows[3].expected", row=3, column="expected")``: bad input, ``field`` names
it (a form's box, a file's row and column); ``code`` is the part after the table's prefix (``column``).
``PromptNotFound`` is also what a caller gets for a prompt they may not see: an outsider cannot tell a private
prompt from a missing one. ``PromptForbidden`` is for what the caller can see but may not do.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class PromptError(WorkbenchError):
    """A prompt studio request that cannot be done; the message says what to do next."""

    def __init__(self, key: str, field: str | None = None, **fields: object) -> None:
        super().__init__(key, field, code=key.split(".")[-1], **fields)


class PromptInvalid(PromptError):
    """Bad input; ``field`` names it (``system``, ``rows[3].expected``, ``graders[0].pattern``)."""


class PromptNotFound(PromptError):
    """No such prompt, version or label — or not one the caller may see (the same words either way)."""


class PromptForbidden(PromptError):
    """The caller can see it but their role does not allow this (the message names the role needed)."""
