"""Test cases: a prompt's variables with the ideal output and/or what a good answer does; CSV, JSONL and JSON
files in and out.

CSV: the header row names the columns; ``expected`` (or promptfoo's ``__expected``), ``criteria`` and ``drafted``
are reserved, every other column is a variable. JSONL (one object a line) and JSON (a list of objects): either
promptfoo-like ``{"vars": {...}, "expected": ..., "criteria": ...}`` or flat (the reserved keys, the rest are
variables). Files are UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath

from workbench.prompt_studio.errors import PromptInvalid

MAX_BYTES = 2 * 1024 * 1024
MAX_CASES = 500
EXPECTED, CRITERIA, DRAFTED = "expected", "criteria", "drafted"
RESERVED = {"expected": EXPECTED, "__expected": EXPECTED, "criteria": CRITERIA, "drafted": DRAFTED}
TRUE, FALSE = {"true", "1", "yes", "y", "是"}, {"false", "0", "no", "n", "否", ""}


@dataclass(frozen=True)
class Case:
    """One test case: ``variables`` for the template, ``expected`` (the ideal output graders compare with),
    ``criteria`` (what a good answer does, an LLM judge's rubric), ``drafted`` (written by a model, not yet
    accepted by a person) and a stable ``id`` (``case_id`` when empty)."""

    variables: dict[str, str]
    expected: str = ""
    criteria: str = ""
    drafted: bool = False
    id: str = ""


def case_id(variables: dict[str, str], expected: str, criteria: str) -> str:
    """The first 12 hex digits of the sha256 of the canonical JSON of (variables, expected, criteria)."""
    canonical = json.dumps([variables, expected, criteria], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def with_id(case: Case) -> Case:
    """``case`` with its ``id`` (kept when it has one, else ``case_id`` of its content)."""
    return case if case.id else replace(case, id=case_id(case.variables, case.expected, case.criteria))


def read_cases(data: bytes, filename: str) -> list[Case]:
    """The cases of a ``.csv``, ``.jsonl`` or ``.json`` file, each with its id; refusals name the row and column."""
    kind = PurePath(filename).suffix.lower()
    if kind not in (".csv", ".jsonl", ".json"):
        raise PromptInvalid("prompt_case.file_type", "file", name=PurePath(filename).name)
    if len(data) > MAX_BYTES:
        raise PromptInvalid("prompt_case.too_big", "file", most=MAX_BYTES // (1024 * 1024))
    text = _decode(data)
    cases = _read_csv(text) if kind == ".csv" else _read_json(text, lines=kind == ".jsonl")
    if not cases:
        raise PromptInvalid("prompt_case.empty", "file")
    if not any(case.variables for case in cases):
        raise PromptInvalid("prompt_case.no_variables", "file")
    return [with_id(case) for case in cases]


def write_csv(cases: Sequence[Case], names: Sequence[str]) -> bytes:
    """The cases as CSV (UTF-8 with BOM, so Excel shows Chinese right): ``names``, expected, criteria, drafted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*names, EXPECTED, CRITERIA, DRAFTED])
    for case in cases:
        writer.writerow([*(case.variables.get(name, "") for name in names), case.expected, case.criteria,
                         "true" if case.drafted else "false"])
    return out.getvalue().encode("utf-8-sig")


def write_jsonl(cases: Sequence[Case]) -> bytes:
    """The cases as JSONL: ``{"vars", "expected", "criteria", "drafted", "id"}`` a line, Chinese as is."""
    lines = [json.dumps({"vars": case.variables, "expected": case.expected, "criteria": case.criteria,
                         "drafted": case.drafted, "id": with_id(case).id}, ensure_ascii=False) for case in cases]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def check_cases(cases: Sequence[Case], names: Sequence[str]) -> None:
    """Refuse the first case (``rows[i].<name>``, 1-based) without a value for one of the template's variables."""
    for row, case in enumerate(cases, start=1):
        for name in names:
            if name not in case.variables:
                raise PromptInvalid("prompt_case.missing_value", f"rows[{row}].{name}", row=row, column=name)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)          # Excel's "Unicode Text" (tab-separated)
    else:
        encodings = ("utf-8-sig", "gb18030")              # gb18030: what Chinese Excel saves as "CSV"
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PromptInvalid("prompt_case.encoding", "file")


def _read_csv(text: str) -> list[Case]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise PromptInvalid("prompt_case.bad_csv", "file", reason=str(error)) from None
    header_at = next((i for i, record in enumerate(records) if any(cell.strip() for cell in record)), None)
    if header_at is None:
        return []
    header = [cell.strip() for cell in records[header_at]]
    columns = _columns(header)
    cases = []
    for row, record in enumerate(records[header_at + 1:], start=1):
        if not any(cell.strip() for cell in record):
            continue
        if any(cell.strip() for cell in record[len(header):]):         # Excel's trailing empty cells are fine
            raise PromptInvalid("prompt_case.extra_cells", f"rows[{row}]", row=row, most=len(header))
        _count(len(cases) + 1)
        if any(column is None and cell.strip() for column, cell in zip(columns, record, strict=False)):
            raise PromptInvalid("prompt_case.unnamed_column", f"rows[{row}]", row=row)
        cells = {column: cell for column, cell in zip(columns, record, strict=False) if column is not None}
        cells.update({column: "" for column in columns[len(record):] if column is not None})
        cases.append(_case(row, dict(cells), cells))
    return cases


def _columns(header: list[str]) -> list[str | None]:
    """Each header cell's column name (reserved names made canonical; None for an unnamed column)."""
    columns: list[str | None] = []
    for name in header:
        column = RESERVED.get(name.lower(), name) or None
        if column is not None and column in columns:
            raise PromptInvalid("prompt_case.duplicate_column", f"columns.{column}", column=column)
        columns.append(column)
    return columns


def _read_json(text: str, lines: bool) -> list[Case]:
    if lines:
        items = [(row, line) for row, line in enumerate(text.splitlines(), start=1) if line.strip()]
        parsed = [(row, _parse_line(row, line)) for row, line in items[:MAX_CASES + 1]]
    else:
        try:
            whole = json.loads(text) if text.strip() else []
        except json.JSONDecodeError as error:
            raise PromptInvalid("prompt_case.bad_json_file", "file", line=error.lineno) from None
        if not isinstance(whole, list):
            raise PromptInvalid("prompt_case.not_list", "file")
        parsed = list(enumerate(whole, start=1))
    cases = []
    for row, item in parsed:
        _count(len(cases) + 1)
        if not isinstance(item, dict):
            raise PromptInvalid("prompt_case.bad_json", f"rows[{row}]", row=row)
        cases.append(_object_case(row, item))
    return cases


def _parse_line(row: int, line: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        raise PromptInvalid("prompt_case.bad_json", f"rows[{row}]", row=row) from None


def _object_case(row: int, item: dict[str, object]) -> Case:
    if "vars" in item:
        given = item["vars"]
        if not isinstance(given, dict):
            raise PromptInvalid("prompt_case.vars", f"rows[{row}].vars", row=row)
        reserved = {key: item.get(key) for key in ("expected", "__expected", "criteria", "drafted") if key in item}
        variables = {str(name): _text(row, str(name), value, nested=True) for name, value in given.items()}
        case = _case(row, {RESERVED[key]: value for key, value in reserved.items()}, variables)
        ident = item.get("id")
        return replace(case, id=ident) if isinstance(ident, str) else case
    fields = {RESERVED.get(str(key), str(key)): value for key, value in item.items()}
    variables = {name: _text(row, name, value, nested=True) for name, value in fields.items()
                 if name not in (EXPECTED, CRITERIA, DRAFTED)}
    return _case(row, fields, variables)


def _case(row: int, fields: dict[str | None, object], variables: dict[str | None, object]) -> Case:
    """A case from one row's reserved ``fields`` (expected, criteria, drafted) and its ``variables``."""
    for name in (EXPECTED, CRITERIA, DRAFTED):
        variables.pop(name, None)
    drafted = fields.get(DRAFTED) or False
    if not isinstance(drafted, bool):
        word = str(drafted).strip().lower()
        if word not in TRUE | FALSE:
            raise PromptInvalid("prompt_case.drafted", f"rows[{row}].drafted", row=row, value=str(drafted)[:20])
        drafted = word in TRUE
    return Case(variables={str(k): str(v) for k, v in variables.items()},
                expected=_text(row, EXPECTED, fields.get(EXPECTED, ""), nested=True, empty=True),
                criteria=_text(row, CRITERIA, fields.get(CRITERIA, ""), nested=False, empty=True),
                drafted=drafted)


def _text(row: int, column: str, value: object, *, nested: bool, empty: bool = False) -> str:
    """A JSON value as text: strings as is, numbers and booleans in JSON spelling, objects and lists as JSON
    text (where ``nested``); null only for expected/criteria (as empty)."""
    if isinstance(value, str):
        return value
    if value is None and empty:
        return ""
    if isinstance(value, bool | int | float) or (nested and isinstance(value, dict | list)):
        return json.dumps(value, ensure_ascii=False)
    raise PromptInvalid("prompt_case.not_text", f"rows[{row}].{column}", row=row, column=column)


def _count(n: int) -> None:
    if n > MAX_CASES:
        raise PromptInvalid("prompt_case.too_many", "file", most=MAX_CASES)
