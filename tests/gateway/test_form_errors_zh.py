"""Every refusal a user reads in the workbench is in Chinese too (``FormError.zh``), English stays English.

A meta-test reads gateway/*.py: every construction of ``FormError`` or a subclass passes ``zh=``
with Chinese text. Behaviour tests use the real services (DuckDB, Accounts, Applications, Console)
and the real sign-in routes and account-page handlers.
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


def _chinese(node: ast.expr) -> bool:
    """A literal or f-string with Chinese text, a conditional whose branches both are, or ``x.zh``
    (passing on the Chinese of an error or ``Problem`` that is itself checked here)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(CJK.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_chinese(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.IfExp):
        return _chinese(node.body) and _chinese(node.orelse)
    return isinstance(node, ast.Attribute) and node.attr == "zh"


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

    An error with a code: the code is a literal in its class's catalogue (``catalogues``: class name -> catalogue)
    and the call passes exactly the template's fields (or ``**fields`` passed on). An error still made the old way
    (English text, ``zh=``) has Chinese text; so has a ``Problem``."""
    family = form_error_family(trees)
    bad, checked = [], 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in family and name != "Problem":
                continue
            checked += 1
            where = f"{path}:{node.lineno} {name}(...)"
            zh = next((kw.value for kw in node.keywords if kw.arg == "zh"), None)
            if name == "Problem" and zh is None and len(node.args) >= 2:
                zh = node.args[1]
            if zh is not None or name == "Problem":
                if zh is None or not _chinese(zh):
                    bad.append(where)
                continue
            code = node.args[0] if node.args else None
            catalogue = catalogues.get(name)
            if not (isinstance(code, ast.Constant) and catalogue is not None and code.value in catalogue):
                bad.append(where + " without a code of its catalogue")
                continue
            given = {kw.arg for kw in node.keywords} - {"field"}
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
    assert checked >= 60                        # the walk really saw the raises (68 today)


def test_every_message_has_english_and_chinese_with_the_same_fields() -> None:
    catalogues = {id(cls.catalogue): cls.catalogue for cls in _form_errors().values()}.values()
    for catalogue in catalogues:
        assert not catalogue.problems()
        zh = catalogue.tables["zh"]
        assert all(CJK.search(text) for text in zh.values()), [c for c, text in zh.items() if not CJK.search(text)]


def test_the_meta_test_catches_a_refusal_that_cannot_be_said() -> None:
    code = ast.parse(
        "class E(FormError): ...\n"
        "class F(E): ...\n"
        "def f(x):\n"
        "    raise F('Name: required.', field='name')\n"
        "    raise E('Name: required.', field='name', zh='Name: required.')\n"
        "    raise E(f'{x}: required.', zh=f'{x}')\n"
        "    raise E('ok', zh='名称：必填。' if x else 'Name')\n"
        "    raise E('ok', zh=f'{x}：必填。')\n"
        "    raise E('ok', zh=x.zh)\n"
        "    return Problem('too short', 'too short')\n"
        "    raise E('name.length', 'name', low=2, high=64)\n"
        "    raise E('name.length', 'name', low=2)\n"
        "    raise E('name.missing', 'name')\n"
        "    raise E(x.code, 'name', **x.fields)\n"
        "    raise E('name.length', 'name', **x.fields)\n")
    catalogue = Catalogue({"name.length": "Name: {low} to {high}."}, {"name.length": "名称：{low} 到 {high}。"})
    bad, checked = unsaid({"x.py": code}, {"E": catalogue, "F": catalogue})
    assert [b.split()[0] for b in bad] == ["x.py:4", "x.py:5", "x.py:6", "x.py:7", "x.py:10", "x.py:12", "x.py:13",
                                           "x.py:14"]
    assert checked == 12


def test_a_catalogue_finds_a_code_in_one_language_only_or_with_other_fields() -> None:
    catalogue = Catalogue({"a": "A {x}.", "b": "B.", "c": "C {y}."}, {"a": "甲 {x}。", "c": "丙。", "d": "丁。"})
    assert catalogue.problems() == ["b: only in en", "d: only in zh", "c: fields ['y'] in en, [] in zh"]


# --- FormError.text ------------------------------------------------------------------------------

def test_text_picks_the_language_and_falls_back_to_english() -> None:
    err = ApplicationError("Email: does not look right.", field="email", zh="邮箱：格式不正确。")
    assert err.text("zh") == err.text("zh-CN") == err.text("ZH_tw") == "邮箱：格式不正确。"
    assert err.text("en") == err.text("en-US") == err.text("") == err.message == "Email: does not look right."
    assert str(err) == "Email: does not look right."                   # the admin HTTP API's English
    assert FormError("Name: required.", "name").text("zh") == "Name: required."      # no zh: English


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
    again = pickle.loads(pickle.dumps(ApplicationError("Email: wrong.", field="email", zh="邮箱：格式不正确。")))
    assert (again.text("zh"), again.field) == ("邮箱：格式不正确。", "email")


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
    assert "one kind" in problem and "一类字符" in problem.zh              # still the English str callers use
    assert "至少使用 10 个字符" in check_strength("Ab1!").zh
    assert check_strength("Good-pass-2026") is None
    with pytest.raises(AccountError) as err:
        gw.accounts.create_user("bob", "short1A")
    assert err.value.field == "password" and err.value.text("zh") == "密码太短：请至少使用 10 个字符。"
    assert err.value.text("en") == "The password is too short: use at least 10 characters."
    with pytest.raises(AccountError) as err:
        gw.accounts.change_password(_alice(gw), "not-my-password", "Another-pass-2026")
    assert err.value.field == "old_password" and "当前密码不正确" in err.value.text("zh")
    assert "用户名" in check_username("Bad Name!").zh


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
    err = ApplicationError("Email: does not look right.", field="email", zh="邮箱：格式不正确。")
    assert refusal(err, "zh").message == "邮箱：格式不正确。"
    assert refusal(err, "en").message == "Email: does not look right."

    me = account.make_handlers(gw)
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
