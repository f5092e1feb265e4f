"""What the prompt studio says (graders and requirement checks): en and zh by code,
plain data. The codes are the PromptError keys of workbench/prompt_studio/.
"""

from __future__ import annotations

EN: dict[str, str] = {
}

ZH: dict[str, str] = {
}
