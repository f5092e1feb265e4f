"""The UI strings: English and Chinese complete and consistent, every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from app.shell.i18n import EN, STRINGS, ZH, resolve_locale, translate

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_en_and_zh_have_the_same_keys() -> None:
    assert set(EN) == set(ZH), f"only en: {sorted(set(EN) - set(ZH))}; only zh: {sorted(set(ZH) - set(EN))}"
    assert set(STRINGS) == {"en", "zh"}


def test_no_string_is_empty_and_zh_is_translated() -> None:
    assert all(v.strip() for table in STRINGS.values() for v in table.values())
    same = [k for k in EN if EN[k] == ZH[k] and re.search(r"[A-Za-z]{4,}", EN[k]) and k != "home.curl"]
    assert not same, f"untranslated in zh: {same}"


@pytest.mark.parametrize("key", sorted(EN))
def test_placeholders_match_and_are_plain_fields(key: str) -> None:
    # svelte-i18n parses these strings as ICU messages: only simple {name} fields are safe
    for text in (EN[key], ZH[key]):
        assert re.fullmatch(r"([^{}]|\{[a-z_]+\})*", text), f"{key}: braces other than {{name}} fields: {text!r}"
    assert _fields(EN[key]) == _fields(ZH[key])


def test_every_key_the_app_uses_exists() -> None:
    used: set[str] = set()
    for path in APP_DIR.rglob("*.py"):
        if path.name == "i18n.py":
            continue
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""(?:i18n|translate)\(\s*["']([\w.]+)["']""", source))
    assert used, "found no i18n keys in app/"
    assert not used - set(EN), f"keys used but missing: {sorted(used - set(EN))}"


@pytest.mark.parametrize(("lang", "accept", "expected"), [
    ("zh-CN", None, "zh"),
    ("zh-TW", "en", "zh"),
    ("en-US", "zh-CN", "en"),
    ("", "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("", "fr-FR, en;q=0.5, zh;q=0.9", "zh"),
    ("fr", None, "en"),
    (None, None, "en"),
    ("", "zh;q=0", "en"),
])
def test_resolve_locale(lang: str | None, accept: str | None, expected: str) -> None:
    assert resolve_locale(lang, accept) == expected


def test_translate_fills_fields_and_falls_back_to_english() -> None:
    assert translate("home.in_flight", "zh", count=3) == "处理中 3"
    assert translate("home.refresh", "fr") == "Refresh"
    assert translate("no.such.key", "zh") == "no.such.key"


def test_every_toast_the_app_raises_has_a_title_in_the_page_language() -> None:
    """``gr.Error`` / ``gr.Warning`` / ``gr.Info`` default to the English titles "Error", "Warning", "Info": the app
    always passes ``title=`` (a translated string)."""
    import ast

    untitled = []
    for path in sorted(APP_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("Error", "Warning", "Info")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "gr"
                    and not any(k.arg == "title" for k in node.keywords)):
                untitled.append(f"{path.relative_to(APP_DIR)}:{node.lineno}")
    assert not untitled, f"toasts titled in English by Gradio: {untitled}"


@pytest.mark.parametrize(("tag", "expected"), [("zh", "zh"), ("zh-CN", "zh"), (" ZH_tw", "zh"), ("en-US", "en"),
                                                ("", "en"), (None, "en"), ("fr", "en")])
def test_one_language_test_for_a_locale_tag(tag: str | None, expected: str) -> None:
    from shared.locale import language

    assert language(tag) == expected


def test_no_module_decides_chinese_by_itself() -> None:
    """``shared.locale`` is the one place that reads a locale tag: no other module writes the test out."""
    root = APP_DIR.parent
    found = [f"{path.relative_to(root)}" for package in ("app", "gateway", "workbench", "shared")
             for path in sorted((root / package).rglob("*.py"))
             if path.name != "locale.py" and re.search(r"""startswith\(\s*["']zh""", path.read_text(encoding="utf-8"))]
    assert not found, f"decides the language itself instead of shared.locale: {found}"
