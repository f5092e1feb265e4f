"""The prompt studio: write, test, optimise and share prompts, UI-free (pages in ``app/prompt_studio/``).

- ``templates``: a prompt as a system + user template pair with ``{{variables}}``; rendering.
- ``cases``: test cases (variables -> expected output or criteria), CSV / JSONL in and out.
- ``splits``: the training / held-out split of a case set (the held-out part is never shown to the optimiser).
- ``graders``: exact, contains, regex, JSON Schema, JSON fields, numeric and an LLM judge (``judge``); a score in
  [0, 1] and feedback; ``outputs`` reads JSON and numbers out of a model's answer.
- ``copycheck``: refuses a candidate prompt that pastes an expected output (or a long n-gram of one).
- ``requirements``: the original prompt's requirements, and whether a rewrite keeps each one.
- ``promptfoo``: promptfoo-style YAML in and out.
- ``library`` (``records``): prompts, immutable versions, labels, sharing through the teams of the knowledge bases;
  ``casebook``: each prompt's cases and graders.
- ``generate``, ``improve``: a prompt from a task, test cases drafted, a rewrite with its diff and checklist; their
  instructions to the model are data files (``instructions``).
- ``runner``: one model call through our ``/v1``; ``matrix``: versions x cases x models, cached.
- ``optimise``: the reflective search (gepa's core) over the template with a held-out score.
- ``service``: ``PromptStudio``, what the pages, ``/prompts/v1`` and the MCP tools use.

Every refusal is a ``errors.PromptError`` whose words, en and zh, are in ``workbench/messages/prompt_*.py``.
"""
