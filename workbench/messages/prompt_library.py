"""What the prompt studio says (the library: prompts, versions, labels, runs, optimisations): en and zh by code,
plain data. The codes are the PromptError keys of workbench/prompt_studio/.
"""

from __future__ import annotations

EN: dict[str, str] = {
}

ZH: dict[str, str] = {
}
