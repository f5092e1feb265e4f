"""The prompt studio page (app/prompts/).

No braces other than ``{name}`` fields and no angle brackets (svelte-i18n reads these as ICU messages).
"""

EN: dict[str, str] = {
    "prompts.nav": "Prompts",
    "prompts.intro": "Write, test, optimise and share prompts with the institution's own models.",
    "prompts.unavailable": "The prompt studio is not available on this server.",
}

ZH: dict[str, str] = {
    "prompts.nav": "提示词",
    "prompts.intro": "用本机构自己的模型编写、测试、优化和共享提示词。",
    "prompts.unavailable": "本服务器未启用提示词工作室。",
}
