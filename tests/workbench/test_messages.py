"""The workbench's refusals are said from one catalogue (workbench/messages/): every code in English and Chinese
with the same fields, every raise that names a code gives exactly that template's fields, and no module gives its
Chinese words in code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from shared.messages import template_fields
from workbench.messages import MESSAGES

WORKBENCH = Path(__file__).resolve().parents[2] / "workbench"
CJK = re.compile(r"[\u3400-\u9fff]")


def test_every_code_has_english_and_chinese_with_the_same_fields() -> None:
    assert not MESSAGES.problems()
    zh = MESSAGES.tables["zh"]
    assert not [code for code, text in zh.items() if not CJK.search(text)]


def test_every_raise_with_a_code_gives_its_fields() -> None:
    bad, checked = [], 0
    for path in sorted(WORKBENCH.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value in MESSAGES):
                continue
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if not func.endswith("Error") and func not in ("NotFound", "Invalid", "Forbidden", "McpInvalid", "message"):
                continue
            checked += 1
            given = {kw.arg for kw in node.keywords} - {"code"}
            wanted = template_fields(MESSAGES.tables["en"][node.args[0].value])
            if None not in given and given != wanted:
                bad.append(f"{path.relative_to(WORKBENCH)}:{node.lineno} gives {sorted(given)}, wants {sorted(wanted)}")
    assert not bad, "\n".join(bad)
    assert checked >= 90                        # the walk saw the raises and MESSAGES.message calls (97 today)


def test_no_workbench_module_gives_its_chinese_words_in_code() -> None:
    left = {str(path.relative_to(WORKBENCH)) for path in WORKBENCH.rglob("*.py")
            if "zh=" in path.read_text(encoding="utf-8")}
    assert not left, sorted(left)


def test_a_workbench_error_is_only_a_code_of_the_catalogue() -> None:
    from workbench.errors import WorkbenchError

    with pytest.raises(KeyError, match="no message"):
        WorkbenchError("An English sentence that is no code.")
    said = WorkbenchError("chat.failed", code="failed")
    assert said.code == "failed" and said.text("zh") != said.message


def test_a_document_refusal_is_said_in_the_page_language() -> None:
    from workbench.documents.errors import corrupt, unsupported

    error = corrupt("a.pdf", "PDF")
    assert error.code == "corrupt" and error.key == "corrupt.pdf"
    assert error.text("zh-CN").startswith("无法读取 PDF“a.pdf”") and error.message.startswith("The PDF “a.pdf”")
    listed = unsupported("x.exe")
    assert "纯文本（.txt）" in listed.text("zh") and "plain text (.txt)" in listed.message
