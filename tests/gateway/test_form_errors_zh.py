"""Every refusal a user reads in the workbench is in Chinese too, English stays English.

A ``FormError`` carries a code and its fields; the words are in its package's catalogue (``messages.py``). A
meta-test reads gateway/*.py: every construction of ``FormError`` or a subclass names a code of its class's
catalogue with exactly that template's fields, and every catalogue has en and zh with the same fields.
Behaviour tests use the real services (DuckDB, Accounts, Applications, Console) and the real sign-in routes and
account-page handlers.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.account import page as account
from app.http.signin import SessionUsers, routes
from app.shell.access import refusal
from gateway.accounts.applications import ApplicationError
from gateway.accounts.console import Actor, ConsoleError
from gateway.accounts.messages import label
from gateway.accounts.passwords import check_strength
from gateway.accounts.users import AccountError, check_username
from gateway.errors import FormError
from gateway.routing.release_notes import ReleaseNoteError
from shared.messages import Catalogue, template_fields
from tests.app.conftest import opened_gateway

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"
CJK = re.compile(r"[\u3400-\u9fff]")
PASSWORD = "Member-pass-2026"
MODEL = "qwen2.5-coder:0.5b"
FORM = {"name": "protein-lab", "contact_name": "Li Wei", "email": "li.wei@example.org",
        "organisation": "Institute of Biophysics", "phone": "+86 10 1234 5678",
        "purpose": "Summarising protein-folding papers for our group.", "models": [MODEL]}


# --- the meta-test ------------------------------------------------------------------------------

def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def form_error_family(trees: dict[str, ast.Module]) -> set[str]:
    """FormError and every class in the trees that derives from it (directly or not)."""
    family = {"FormError"}
    while True:
        more = {node.name for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                and any(_name(base) in family for base in node.bases)} - family
        if not more:
            return family
        family |= more


def unsaid(trees: dict[str, ast.Module], catalogues: dict[str, Catalogue]) -> tuple[list[str], int]:
    """(places where a FormError-family error is made that cannot be said in both languages, how many were checked).

    The code is a literal in its class's catalogue (``catalogues``: class name -> catalogue) and the call passes
    exactly the template's fields (or ``**fields`` passed on); ``X.of(message, field)`` passes on a ``Message``
    made from the catalogue (checked by ``Catalogue.message``)."""
    family = form_error_family(trees)
    bad, checked = [], 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in family:
                continue
            checked += 1
            where = f"{path}:{node.lineno} {name}(...)"
            code = node.args[0] if node.args else None
            if isinstance(code, ast.Attribute) and code.attr == "code" and any(kw.arg is None for kw in node.keywords):
                continue                        # another error's message passed on: E(exc.code, field, **exc.fields)
            catalogue = catalogues.get(name)
            if not (isinstance(code, ast.Constant) and catalogue is not None and code.value in catalogue):
                bad.append(where + " without a code of its catalogue")
                continue
            given = {kw.arg for kw in node.keywords} - {"retry_after"}
            if None not in given and given != template_fields(catalogue.tables["en"][code.value]):
                bad.append(f"{where} gives {sorted(given)} to {code.value!r}")
    return bad, checked


def _gateway_trees() -> dict[str, ast.Module]:
    return {str(p.relative_to(GATEWAY)): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(GATEWAY.rglob("*.py"))}


def _form_errors() -> dict[str, type[FormError]]:
    """FormError and its subclasses in the gateway, by name (their modules imported)."""
    for path in sorted(GATEWAY.rglob("*.py")):
        module = ".".join(path.relative_to(GATEWAY.parent).with_suffix("").parts)
        importlib.import_module(module.removesuffix(".__init__"))
    found, todo = {}, [FormError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo += cls.__subclasses__()
    return found


def test_every_form_error_in_the_gateway_can_be_said_in_chinese() -> None:
    trees = _gateway_trees()
    assert {"ApplicationError", "AccountError", "ConsoleError", "ReleaseNoteError"} <= form_error_family(trees)
    bad, checked = unsaid(trees, {name: cls.catalogue for name, cls in _form_errors().items()})
    assert not bad, "FormError that cannot be said in Chinese:\n" + "\n".join(bad)
    assert checked >= 55                        # the walk really saw the raises (62 today, and 6 .of(...))


def test_every_message_has_english_and_chinese_with_the_same_fields() -> None:
    catalogues = {id(cls.catalogue): cls.catalogue for cls in _form_errors().values()}.values()
    for catalogue in catalogues:
        assert not catalogue.problems()
        zh = catalogue.tables["zh"]
        assert all(CJK.search(text) for text in zh.values()), [c for c, text in zh.items() if not CJK.search(text)]


def test_the_meta_test_catches_a_refusal_that_cannot_be_said() -> None:         # G is not a FormError
    code = ast.parse(
        "class E(FormError): ...\n"
        "class F(E): ...\n"
        "def f(x):\n"
        "    raise F('Name: required.', 'name')\n"
        "    raise E('Name: required.', 'name', zh='名称：必填。')\n"
        "    raise E('name.length', 'name', low=2, high=64)\n"
        "    raise E('name.length', 'name', low=2)\n"
        "    raise E('name.length', 'name', low=2, high=64, zh='名称')\n"
        "    raise E('name.missing', 'name')\n"
        "    raise E(x.code, 'name', **x.fields)\n"
        "    raise E('name.length', 'name', **x.fields)\n"
        "    raise G('name.length', 'name', low=2, high=64)\n")
    catalogue = Catalogue({"name.length": "Name: {low} to {high}."}, {"name.length": "名称：{low} 到 {high}。"})
    bad, checked = unsaid({"x.py": code}, {"E": catalogue, "F": catalogue})
    assert [b.split()[0] for b in bad] == ["x.py:4", "x.py:5", "x.py:7", "x.py:8", "x.py:9"]
    assert checked == 8


def test_a_catalogue_finds_a_code_in_one_language_only_or_with_other_fields() -> None:
    catalogue = Catalogue({"a": "A {x}.", "b": "B.", "c": "C {y}."}, {"a": "甲 {x}。", "c": "丙。", "d": "丁。"})
    assert catalogue.problems() == ["b: only in en", "d: only in zh", "c: fields ['y'] in en, [] in zh"]


# --- FormError.text ------------------------------------------------------------------------------

def test_text_picks_the_language_and_falls_back_to_english() -> None:
    err = ApplicationError("field.email", "email")
    chinese = "邮箱：格式不正确，请使用 name@example.org 的形式。"
    assert err.text("zh") == err.text("zh-CN") == err.text("ZH_tw") == chinese
    english = "Email: does not look right — use the form name@example.org."
    assert err.text("en") == err.text("en-US") == err.text("") == err.text("fr") == err.message == english
    assert str(err) == english                                          # the admin HTTP API's English
    with pytest.raises(KeyError):
        ApplicationError("Email: does not look right.", "email")       # a sentence is not a code


def test_an_error_with_a_code_is_said_from_its_catalogue_in_the_page_language() -> None:
    import pickle

    catalogue = Catalogue({"x.length": "{label}: {low} to {high} characters.", "x.label": "Name"},
                          {"x.length": "{label}：{low} 到 {high} 个字符。", "x.label": "名称"})

    class Refused(FormError):
        pass

    Refused.catalogue = catalogue
    err = Refused("x.length", "name", label=catalogue.message("x.label"), low=2, high=64)
    assert err.code == "x.length" and err.field == "name" and err.fields["low"] == 2
    assert err.text("zh-CN") == "名称：2 到 64 个字符。"                  # the label is said in Chinese too
    assert err.text("en") == err.message == str(err) == "Name: 2 to 64 characters."
    assert Refused.of(catalogue.message("x.label"), "name").text("zh") == "名称"
    again = pickle.loads(pickle.dumps(ApplicationError("field.length", "name", label=label("name"), low=2, high=64,
                                                       now=1)))
    assert (again.text("zh"), again.field) == ("密钥名称：长度须为 2 到 64 个字符（现在 1 个）。", "name")


# --- the services, in Chinese --------------------------------------------------------------------

@pytest.fixture()
def gw(tmp_path):
    gateway = opened_gateway(tmp_path)
    gateway.accounts.create_user("alice", PASSWORD)
    yield gateway
    gateway.store.close()


def _alice(gw) -> str:
    return gw.accounts.by_username("alice").id


def test_a_bad_email_and_a_short_purpose_are_refused_in_chinese(gw) -> None:
    with pytest.raises(ApplicationError) as err:
        gw.applications.submit(_alice(gw), {**FORM, "email": "li.wei-at-example"})
    assert err.value.field == "email"
    assert err.value.text("zh") == "邮箱：格式不正确，请使用 name@example.org 的形式。"
    assert err.value.text("en").startswith("Email:") and not CJK.search(err.value.text("en"))

    with pytest.raises(ApplicationError) as err:
        gw.applications.submit(_alice(gw), {**FORM, "purpose": "蛋白质结构预测"})     # 7 characters
    assert err.value.field == "purpose"
    assert err.value.text("zh") == "用途：长度须为 20 到 2000 个字符（现在 7 个）。"
    assert err.value.text("en") == "Purpose: must be 20 to 2000 characters long (now 7)."

    with pytest.raises(ApplicationError) as err:
        gw.applications.submit(_alice(gw), {**FORM, "models": ["gpt-99"]})
    assert "gpt-99" in err.value.text("zh") and err.value.text("zh").startswith("模型：")


def test_a_weak_password_is_refused_in_both_languages(gw) -> None:
    problem = check_strength("abcdefghijkl")
    assert "one kind" in str(problem) and "一类字符" in problem.text("zh")       # str(): the English
    assert "至少使用 10 个字符" in check_strength("Ab1!").text("zh")
    assert check_strength("Good-pass-2026") is None
    with pytest.raises(AccountError) as err:
        gw.accounts.create_user("bob", "short1A")
    assert err.value.field == "password" and err.value.text("zh") == "密码太短：请至少使用 10 个字符。"
    assert err.value.text("en") == "The password is too short: use at least 10 characters."
    with pytest.raises(AccountError) as err:
        gw.accounts.change_password(_alice(gw), "not-my-password", "Another-pass-2026")
    assert err.value.field == "old_password" and "当前密码不正确" in err.value.text("zh")
    assert "用户名" in check_username("Bad Name!").text("zh")


def test_refusals_passed_on_by_the_console_keep_their_chinese(gw) -> None:
    admin = Actor.of_user(gw.accounts.by_username("admin"))
    with pytest.raises(ConsoleError) as err:
        gw.console.set_disabled(Actor.master(), admin.user_id, True)      # the last active admin
    assert err.value.field == "disabled" and "最后一位在用的管理员" in err.value.text("zh")
    assert "last active administrator" in err.value.text("en")
    with pytest.raises(ConsoleError) as err:
        gw.console.create_key(admin, _alice(gw), "k", None)
    assert err.value.text("zh") == "密钥名称：须为 2 到 64 个字符。"
    with pytest.raises(ReleaseNoteError) as err:
        gw.console.add_release_note(admin, change="added", model_id=MODEL, title="x")
    assert err.value.field == "title" and err.value.text("zh") == "标题：须为 2 到 120 个字符（现在 1 个）。"


# --- what the pages show ---------------------------------------------------------------------------

def test_the_workbench_pages_show_the_page_language(gw) -> None:
    err = ApplicationError("field.email", "email")
    assert refusal(err, "zh").message == "邮箱：格式不正确，请使用 name@example.org 的形式。"
    assert refusal(err, "en").message == "Email: does not look right — use the form name@example.org."

    me = account.AccountPage(gw)
    request = SimpleNamespace(username="alice", headers={})
    args = (FORM["name"], FORM["contact_name"], "li.wei-at-example", FORM["organisation"], FORM["phone"],
            FORM["purpose"], [MODEL])
    notice, *fields = me.apply(*args, "zh-CN", request)         # the notice, and the message by the field
    assert notice == "⚠️ 邮箱：格式不正确，请使用 name@example.org 的形式。"
    assert fields[2]["info"] == "邮箱：格式不正确，请使用 name@example.org 的形式。"
    notice, *fields = me.apply(*args, "en", request)
    assert notice.startswith("⚠️ Email:") and fields[2]["info"].startswith("Email:")


def test_the_sign_in_page_refuses_in_the_browser_language(gw) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    site = FastAPI()
    site.include_router(routes(gw, SessionUsers(gw)))
    zh, en = {"accept-language": "zh-CN,zh;q=0.9"}, {"accept-language": "en-GB"}
    with TestClient(site) as browser:
        gw.accounts.create_user("carol", PASSWORD)
        gw.accounts.set_disabled(gw.accounts.by_username("carol").id, True)
        off = browser.post("/login", data={"username": "carol", "password": PASSWORD}, headers=zh)
        assert off.status_code == 401 and "此账号已被停用：请联系管理员启用。" in off.text

        bad = browser.post("/login", data={"username": "alice", "password": "nope"}, headers=zh)
        assert bad.status_code == 401 and "用户名或密码错误：请检查后重试。" in bad.text
        bad = browser.post("/login", data={"username": "alice", "password": "nope"}, headers=en)
        assert "Wrong username or password" in bad.text and "用户名" not in bad.text
        for _ in range(3):
            browser.post("/login", data={"username": "alice", "password": "nope"}, headers=en)
        throttled = browser.post("/login", data={"username": "alice", "password": PASSWORD}, headers=zh)
        assert throttled.status_code == 429 and "登录失败次数过多，请 1 秒后再试。" in throttled.text
        throttled = browser.post("/login", data={"username": "alice", "password": PASSWORD}, headers=en)
        assert "Too many failed sign-ins; try again in 1 second." in throttled.text
