"""A tool's arguments from the values typed into its form (``forms.form_of``), as a page gives them.

    arguments = arguments_of(form_of(schema), {"filters[0].name": "city", "filters[0].op": "eq", "limit": "5"})
    # {"filters": [{"name": "city", "op": "eq"}], "limit": 5}

Values are keyed by the fields' paths with the indexes filled in (``forms.entry_path``): text from text boxes,
numbers, bools, JSON text for raw fields, a branch's index or label under the branch field's own path, a list for a
list of simple values (or a list entry by entry, ``files[0]``, ``files[1]``). Empty optional values are left out (an
empty required "[X, null]" is sent as null); a value that cannot be read (not a number, bad JSON, no such choice or
branch) is refused with ``McpInvalid`` naming its path. Whether the arguments fit the tool is
``schemas.check_arguments``'s to say, against the tool's own schema.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import McpInvalid
from .forms import (
    ArrayField,
    BooleanField,
    BranchesField,
    ChoiceField,
    Field,
    Form,
    IntegerField,
    NumberField,
    ObjectField,
    RawJsonField,
    extra_path,
    said,
)
from .schemas import json_path, path_words

_EMPTY = object()


def arguments_of(form: Form, values: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments object from ``values`` (path -> value as the page gives it; see the module's docstring).
    Raises ``McpInvalid`` naming the path of a value that cannot be read."""
    arguments = _value(form.root, "", values)
    if arguments is _EMPTY:
        return {}
    if not isinstance(arguments, dict):
        raise McpInvalid("tool_args.not_an_object", "", name=path_words(""))
    return arguments


def _value(field: Field, path: str, values: Mapping[str, Any]) -> Any:
    return _filled(field, _read(field, path, values))


def _filled(field: Field, value: Any) -> Any:
    """What a required field left empty is sent as, when it has one answer: its constant (a union's "kind"), or
    null for a required "[X, null]"; else the value (or ``_EMPTY``) as it is."""
    if value is _EMPTY and field.required and isinstance(field, ChoiceField) and len(field.options) == 1:
        return field.options[0]
    if value is _EMPTY and field.nullable and field.required:
        return None
    return value


def _read(field: Field, path: str, values: Mapping[str, Any]) -> Any:
    if isinstance(field, ObjectField):
        return _object(field, path, values)
    if isinstance(field, ArrayField):
        return _array(field, path, values)
    if isinstance(field, BranchesField):
        return _branch(field, path, values)
    return _leaf(field, path, values.get(path))


def _object(field: ObjectField, path: str, values: Mapping[str, Any]) -> Any:
    read = {sub.name: _read(sub, json_path(path, sub.name), values) for sub in field.fields}
    entered = any(value is not _EMPTY for value in read.values())
    result = {}
    for sub in field.fields:
        value = _filled(sub, read[sub.name]) if entered or field.required else read[sub.name]
        if value is not _EMPTY:
            result[sub.name] = value
    if field.extra is not None:
        more = _leaf(field.extra, extra_path(path), values.get(extra_path(path)))
        if more is not _EMPTY:
            if not isinstance(more, dict):
                raise McpInvalid("tool_args.not_an_object", extra_path(path), name=extra_path(path))
            result.update({key: value for key, value in more.items() if key not in result})
    if not result and not (field.required and not field.nullable):
        return _EMPTY
    return result


def _array(field: ArrayField, path: str, values: Mapping[str, Any]) -> Any:
    given = values.get(path)
    if isinstance(given, str) and given.strip():
        given = _json(path, given)
        if not isinstance(given, list):
            raise McpInvalid("tool_args.not_a_list", path, name=path_words(path))
    if isinstance(given, list | tuple):
        simple = not isinstance(field.items, ObjectField | ArrayField | BranchesField)
        items = [_leaf(field.items, f"{path}[{i}]", item) if simple else item for i, item in enumerate(given)]
        return [item for item in items if item is not _EMPTY]
    entry = re.compile(re.escape(path) + r"\[(\d+)\](?=$|[.\[@])")
    indexes = sorted({int(match.group(1)) for key in values if (match := entry.match(key))})
    items = [_value(field.items, f"{path}[{index}]", values) for index in indexes]
    items = [item for item in items if item is not _EMPTY]
    return items if items else _EMPTY


def _branch(field: BranchesField, path: str, values: Mapping[str, Any]) -> Any:
    picked = values.get(path)
    if picked is None or picked == "":
        return _EMPTY
    labels = [branch.label for branch in field.branches]
    if isinstance(picked, int) and not isinstance(picked, bool) and 0 <= picked < len(labels):
        index = picked
    elif isinstance(picked, str) and picked in labels:
        index = labels.index(picked)
    elif isinstance(picked, str) and picked.isdigit() and int(picked) < len(labels):
        index = int(picked)
    else:
        raise McpInvalid("tool_args.no_branch", path, name=path_words(path), options=", ".join(labels))
    return _value(field.branches[index].field, f"{path}@{index}", values)


def _leaf(field: Field, path: str, value: Any) -> Any:
    if value is None:
        return _EMPTY
    if isinstance(field, ChoiceField):
        return _choice(field, path, value)
    if isinstance(field, RawJsonField):
        if isinstance(value, str):
            return _json(path, value) if value.strip() else _EMPTY
        return value
    if isinstance(value, str) and value == "":
        return _EMPTY
    if isinstance(field, NumberField):
        return _number(field, path, value)
    if isinstance(field, BooleanField):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise McpInvalid("tool_args.not_a_boolean", path, name=path_words(path), value=str(value))
    return value if isinstance(value, str) else said(value)


def _choice(field: ChoiceField, path: str, value: Any) -> Any:
    for option in field.options:
        if option == value and type(option) is type(value):
            return option
    if isinstance(value, str):
        if value in field.labels:
            return field.options[field.labels.index(value)]
        if value == "":
            return _EMPTY
    raise McpInvalid("tool_args.not_a_choice", path, name=path_words(path), options=", ".join(field.labels))


def _number(field: NumberField, path: str, value: Any) -> Any:
    integer = isinstance(field, IntegerField)
    number: Any = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip().replace("_", "x")          # int() would take 1_000
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = None
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        raise McpInvalid("tool_args.not_a_number", path, name=path_words(path), value=str(value))
    if integer:
        if isinstance(number, float) and not number.is_integer():
            raise McpInvalid("tool_args.not_an_integer", path, name=path_words(path), value=str(value))
        return int(number)
    return number


def _json(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise McpInvalid("tool_args.bad_json", path, name=path_words(path), line=error.lineno,
                         column=error.colno) from None
