"""Case files as users bring them: CSV from Excel (Chinese Excel saves GB18030), promptfoo-like JSONL, JSON lists;
the refusals name the row and column; what we write reads back as the same cases."""

from __future__ import annotations

import json

import pytest

from workbench.prompt_studio.cases import (
    MAX_CASES,
    Case,
    case_id,
    check_cases,
    read_cases,
    with_id,
    write_csv,
    write_jsonl,
)
from workbench.prompt_studio.errors import PromptInvalid


def refused(data: bytes, filename: str) -> PromptInvalid:
    with pytest.raises(PromptInvalid) as caught:
        read_cases(data, filename)
    return caught.value


def test_a_csv_saved_by_chinese_excel_reads_in_gb18030() -> None:
    text = "城市,日期,expected,criteria\r\n北京,周一,晴，25°C,提到温度\r\n上海,周二,\"小雨, 20°C\",\r\n"
    cases = read_cases(text.encode("gb18030"), "天气.CSV")
    assert [c.variables for c in cases] == [{"城市": "北京", "日期": "周一"}, {"城市": "上海", "日期": "周二"}]
    assert [c.expected for c in cases] == ["晴，25°C", "小雨, 20°C"]
    assert [c.criteria for c in cases] == ["提到温度", ""]
    assert cases[0].id == case_id({"城市": "北京", "日期": "周一"}, "晴，25°C", "提到温度")
    assert len(cases[0].id) == 12 and cases[0].id != cases[1].id


def test_a_utf8_csv_with_bom_promptfoo_expected_and_drafted() -> None:
    text = "\ufeffquestion,__expected,drafted\n\nWhat is 2+2?,4,是\nCapital of France?,Paris,0\n"
    cases = read_cases(text.encode("utf-8"), "qa.csv")
    assert [(c.variables, c.expected, c.drafted) for c in cases] == [
        ({"question": "What is 2+2?"}, "4", True), ({"question": "Capital of France?"}, "Paris", False)]


def test_jsonl_in_promptfoo_and_flat_shape() -> None:
    lines = [json.dumps({"vars": {"城市": "北京", "天数": 3, "opts": {"unit": "C"}}, "expected": "晴",
                         "criteria": "说出天气"}, ensure_ascii=False),
             "",
             json.dumps({"城市": "上海", "天数": 1.5, "expected": "雨", "drafted": True}, ensure_ascii=False)]
    cases = read_cases("\n".join(lines).encode("utf-8"), "cases.jsonl")
    assert cases[0].variables == {"城市": "北京", "天数": "3", "opts": '{"unit": "C"}'}
    assert (cases[0].expected, cases[0].criteria, cases[0].drafted) == ("晴", "说出天气", False)
    assert cases[1] == with_id(Case({"城市": "上海", "天数": "1.5"}, "雨", drafted=True))


def test_a_json_list() -> None:
    data = json.dumps([{"vars": {"q": "hi"}, "expected": "hello"}, {"q": "bye", "criteria": "polite"}])
    assert [c.variables["q"] for c in read_cases(data.encode(), "set.json")] == ["hi", "bye"]


def test_a_value_that_is_not_text_names_row_and_column() -> None:
    lines = ['{"vars": {"city": "Paris"}}', '{"vars": {"city": "Rome"}}', '{"vars": {"city": null}}']
    error = refused("\n".join(lines).encode(), "c.jsonl")
    assert error.field == "rows[3].city" and error.fields == {"row": 3, "column": "city"}
    assert "Row 3, column “city”" in error.text("en") and "第 3 行“city”列" in error.text("zh")


def test_a_bad_json_line_names_its_line() -> None:
    lines = ['{"q": "a"}', "", "", "", '{"q": "b",}']
    error = refused("\n".join(lines).encode(), "c.jsonl")
    assert error.field == "rows[5]"
    assert "Row 5 is not a JSON object" in error.text("en") and "第 5 行不是 JSON 对象" in error.text("zh")
    assert refused(b'["a"]', "c.json").field == "rows[1]"
    assert refused(b'{"q": "a"}', "c.json").field == "file"


def test_csv_refusals_name_row_and_column() -> None:
    extra = refused("城市,expected\n北京,晴\n上海,雨,多出\n".encode(), "c.csv")
    assert extra.field == "rows[2]"
    assert "Row 2 has more cells than the header has columns (2)" in extra.text("en")
    assert "第 2 行的单元格比表头的 2 列多" in extra.text("zh")
    twice = refused(b"city,City ,city\nA,B,C\n", "c.csv")
    assert twice.field == "columns.city" and "“city” twice" in twice.text("en") and "出现了两次" in twice.text("zh")
    drafted = refused(b"q,drafted\nhi,maybe\n", "c.csv")
    assert drafted.field == "rows[1].drafted" and "not “maybe”" in drafted.text("en")


def test_file_level_refusals() -> None:
    empty = refused(b"\xef\xbb\xbf\r\n\r\n", "c.csv")
    assert empty.field == "file" and "no cases" in empty.text("en") and "没有用例" in empty.text("zh")
    only_header = refused(b"city,expected\n", "c.csv")
    assert only_header.field == "file" and only_header.key == "prompt_case.empty"
    no_vars = refused(b"expected,criteria\nParis,names it\n", "c.csv")
    assert no_vars.field == "file" and "No variable column" in no_vars.text("en") and "没有变量列" in no_vars.text("zh")
    kind = refused(b"q\nhi\n", "cases.xlsx")
    assert kind.field == "file" and "“cases.xlsx” is not a case file" in kind.text("en")
    assert "“cases.xlsx”不是用例文件" in kind.text("zh")
    big = refused(b"q\n" + b"x" * (2 * 1024 * 1024), "c.csv")
    assert big.field == "file" and "at most 2 MB" in big.text("en") and "最多 2 MB" in big.text("zh")
    many = refused(("q\n" + "".join(f"{i}\n" for i in range(MAX_CASES + 1))).encode(), "c.csv")
    assert many.field == "file" and "at most 500" in many.text("en") and "最多 500 条" in many.text("zh")
    assert len(read_cases(("q\n" + "".join(f"{i}\n" for i in range(MAX_CASES))).encode(), "c.csv")) == MAX_CASES


def test_a_short_row_leaves_its_last_cells_empty_and_trailing_empty_cells_are_fine() -> None:
    cases = read_cases(b"a,b,expected\n1\n2,3,4,,\n", "c.csv")
    assert [(c.variables, c.expected) for c in cases] == [({"a": "1", "b": ""}, ""), ({"a": "2", "b": "3"}, "4")]


ROUND_TRIP = [with_id(Case({"城市": "北京", "note": 'say "hi", then\nleave'}, "晴，25°C\n多云", "提到温度, 简洁")),
              with_id(Case({"城市": "São Paulo", "note": ""}, "", "mentions \"rain\"", drafted=True)),
              with_id(Case({"城市": "東京", "note": "a,b,,c"}, "=1+1", ""))]


def test_csv_round_trip_keeps_the_cases_and_opens_in_excel() -> None:
    data = write_csv(ROUND_TRIP, ["城市", "note"])
    assert data.startswith(b"\xef\xbb\xbf") and "城市,note,expected,criteria,drafted" in data.decode("utf-8-sig")
    assert read_cases(data, "out.csv") == ROUND_TRIP


def test_jsonl_round_trip_keeps_the_cases() -> None:
    data = write_jsonl(ROUND_TRIP)
    assert "北京" in data.decode("utf-8")
    first = json.loads(data.decode("utf-8").splitlines()[0])
    assert set(first) >= {"vars", "expected", "criteria", "drafted"}
    assert read_cases(data, "out.jsonl") == ROUND_TRIP


def test_check_cases_names_the_first_case_missing_a_variable() -> None:
    cases = [Case({"城市": "北京", "日期": "周一"}), Case({"城市": "上海"})]
    check_cases(cases[:1], ["城市", "日期"])
    with pytest.raises(PromptInvalid) as caught:
        check_cases(cases, ["城市", "日期"])
    assert caught.value.field == "rows[2].日期"
    assert "Case 2 has no value for “日期”" in caught.value.text("en")
    assert "用例 2 缺少提示词变量“日期”的值" in caught.value.text("zh")


def test_the_id_ignores_drafted_and_is_kept_when_given() -> None:
    draft = with_id(Case({"q": "hi"}, "hello", drafted=True))
    assert draft.id == with_id(Case({"q": "hi"}, "hello")).id != with_id(Case({"q": "hi"}, "hello!")).id
    assert with_id(Case({"q": "hi"}, id="mine")).id == "mine"


def test_excel_unicode_text_is_read_and_unreadable_bytes_are_refused() -> None:
    cases = read_cases("城市\tnote\texpected\r\n北京\ta,b\t晴\r\n".encode("utf-16"), "天气.csv")
    assert (cases[0].variables, cases[0].expected) == ({"城市": "北京", "note": "a,b"}, "晴")
    error = refused(b"q\n\x80\n", "c.csv")
    assert error.field == "file" and "save it as UTF-8" in error.text("en") and "另存为 UTF-8" in error.text("zh")
