"""The one place that decides a language: "zh" or "en" from a locale tag or an Accept-Language header.

Pages, the HTTP edges and the domain's prompts all ask here; nobody writes ``startswith("zh")`` themselves.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")
DEFAULT = "en"


def language(tag: str | None) -> str:
    """``"zh"`` for "zh", "zh-CN", "ZH_tw", ...; ``"en"`` for anything else (including nothing)."""
    return "zh" if (tag or "").strip().lower().startswith("zh") else DEFAULT


def in_locale(message: str, zh: str | None, locale: str | None) -> str:
    """``zh`` for "zh", "zh-CN", "zh_TW" ... when there is one, else ``message``."""
    return zh if zh and language(locale) == "zh" else message


def resolve(tag: str | None = None, accept_language: str | None = None) -> str:
    """The page's language tag if it names one we speak, else the first of Accept-Language (by q) that does."""
    for candidate in [tag or "", *_accept_language_tags(accept_language)]:
        base = candidate.strip().lower().replace("_", "-").split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT


def _accept_language_tags(header: str | None) -> list[str]:
    tags: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            tags.append((-q, i, tag))
    return [tag for _, _, tag in sorted(tags)]
