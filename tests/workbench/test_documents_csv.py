"""CSV (and TSV) documents: encodings and delimiters sniffed, each row written as "column: value; ..." so every
chunk keeps the column names; limits and refusals in English and Chinese."""

from __future__ import annotations

import codecs

import pytest

from tests.fakes import docs
from workbench.documents import SUPPORTED_EXTENSIONS, DocumentError, parse, table

MB = 1024 * 1024
LIMIT = 20 * MB


def refused(data: bytes, filename: str) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        parse(data, filename, max_bytes=LIMIT)
    return caught.value


def test_each_row_keeps_its_column_names_and_empty_cells_are_left_out():
    data = b'sample,site,mass (g),note\nS1,Roof,42,"first harvest, good"\nS2,Garden,,\n\nS3,Roof,17.5,"two\nlines"\n'
    document = parse(data, "harvest.csv", max_bytes=LIMIT)
    assert (document.kind, document.title, document.page_count) == ("csv", "harvest", 1)
    assert document.text == ("Columns: sample, site, mass (g), note\n\n"
                             "sample: S1; site: Roof; mass (g): 42; note: first harvest, good\n\n"
                             "sample: S2; site: Garden\n\n"
                             "sample: S3; site: Roof; mass (g): 17.5; note: two lines")
    assert ".csv" in SUPPORTED_EXTENSIONS and ".tsv" in SUPPORTED_EXTENSIONS


@pytest.mark.parametrize(("encoding", "bom"), [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""),
])
def test_chinese_tables_in_every_common_encoding(encoding, bom):
    text = "姓名,部门,电话\n张三,化学系,8801\n李四,物理系,8802\n"
    document = parse(bom + text.encode(encoding), "通讯录.csv", max_bytes=LIMIT)
    assert document.text == ("Columns: 姓名, 部门, 电话\n\n"
                             "姓名: 张三; 部门: 化学系; 电话: 8801\n\n姓名: 李四; 部门: 物理系; 电话: 8802")
    assert document.title == "通讯录"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "eu.csv"), ("\t", "tabs.csv"), ("|", "pipes.csv"),
                                                 ("\t", "data.tsv"), (",", "plain.csv")])
def test_the_delimiter_is_sniffed(delimiter, name):
    rows = [["city", "price", "comment"], ["Lyon", "3,50", "cheap; good"], ["Paris", "4,20", "ok"]]
    if delimiter in (";", "|"):
        rows[1][2] = "cheap, good"
    quoted = [[f'"{c}"' if delimiter in c or "," in c and delimiter == "," else c for c in row] for row in rows]
    data = "\n".join(delimiter.join(row) for row in quoted).encode()
    lines = parse(data, name, max_bytes=LIMIT).text.split("\n\n")
    assert lines[0] == "Columns: city, price, comment"
    assert lines[1] == f"city: Lyon; price: 3,50; comment: {rows[1][2]}"


def test_a_table_without_a_header_gets_numbered_columns():
    document = parse(b"1,2.5,red\n2,3.5,blue\n", "values.csv", max_bytes=LIMIT)
    assert document.text == ("Columns: column 1, column 2, column 3\n\n"
                             "column 1: 1; column 2: 2.5; column 3: red\n\ncolumn 1: 2; column 2: 3.5; column 3: blue")


def test_a_single_column_list_is_a_table_too():
    assert parse(b"word\napple\npear\n", "words.csv", max_bytes=LIMIT).text == \
        "Columns: word\n\nword: apple\n\nword: pear"


def test_a_header_without_rows_is_refused_in_both_languages():
    error = refused(b"name,city\n", "empty.csv")
    assert error.code == "empty"
    assert error.message == "“empty.csv” has no rows of data (only a header, or nothing at all)."
    assert error.text("zh") == "“empty.csv”中没有数据行（只有表头，或完全是空的）。"
    assert refused(b"\n\n", "blank.csv").code == "empty"


def test_a_quote_left_open_is_refused_not_swallowed():
    error = refused(b'name,note\nA,"open quote\nB,fine\n', "broken.csv")
    assert error.code == "corrupt" and "could not be read as a CSV table" in error.message
    assert "无法把“broken.csv”读取为 CSV 表格" in error.text("zh")


def test_a_stray_quote_inside_a_cell_is_kept():
    assert parse(b'name,size\nscrew,3"\nbolt,5\n', "parts.csv", max_bytes=LIMIT).text.split("\n\n")[1] == \
        'name: screw; size: 3"'


def test_too_many_rows_and_too_much_text_are_refused(monkeypatch):
    monkeypatch.setattr(table, "MAX_ROWS", 100)
    data = ("id,value\n" + "\n".join(f"{i},{i * 2}" for i in range(150))).encode()
    error = refused(data, "big.csv")
    assert error.code == "too_many_rows" and "more than 100 rows" in error.message and "超过 100 行" in error.text("zh")
    monkeypatch.setattr(table, "MAX_ROWS", 200_000)
    monkeypatch.setattr(table, "MAX_CHARS", 1000)
    wide = ("a_rather_long_column_name,another_long_column_name\n" + "\n".join("1,2" for _ in range(40))).encode()
    error = refused(wide, "wide.csv")
    assert error.code == "too_large_inside" and "column names" in error.message and "列名" in error.text("zh")


def test_a_file_named_csv_must_be_text():
    assert refused(docs.pdf_file(["a,b"]), "table.csv").code == "type_mismatch"
    assert refused(b"\x7fELF" + bytes(100), "table.csv").code == "type_mismatch"


def test_the_size_limit_applies():
    data = b"a,b\n" + b"1,2\n" * 1000
    with pytest.raises(DocumentError) as caught:
        parse(data, "t.csv", max_bytes=100)
    assert caught.value.code == "too_large"
