"""The papers page (app/papers/).

No braces other than ``{name}`` fields and no angle brackets (svelte-i18n reads these as ICU messages).
"""

EN: dict[str, str] = {
    "papers.nav": "Papers",
    "papers.intro": "Read papers in depth: every statement with its page and a quote checked on that page.",
    "papers.unavailable": "Paper reading is not available on this server.",
}

ZH: dict[str, str] = {
    "papers.nav": "论文",
    "papers.intro": "深度解读论文：每条要点都附有页码和在该页核实过的原文引用。",
    "papers.unavailable": "本服务器未启用论文解读。",
}
