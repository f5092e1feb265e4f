"""The values an admin sets for an installed stdio server: its declared arguments and environment variables.

    fields = fields_of(package)                  # [Field(key="arg.--local-timezone", ...), Field(key="env.TZ", ...)]
    plain, secret = check_values(package, {"arg.--local-timezone": "Asia/Shanghai", "env.API_TOKEN": "s3cret"})
    arguments(package, values)                   # ["--local-timezone=Asia/Shanghai"]
    environment(package, values)                 # {"API_TOKEN": "s3cret"}

A ``Field`` is one value to ask for, keyed ``env.<NAME>`` for an environment variable, ``arg.<flag>`` for a named
argument (``arg.--port``), ``arg.<valueHint>`` for a positional one, and ``<that>.<variable>`` for a ``{variable}``
inside a fixed value (``env.AUTH.token`` for ``"value": "Bearer {token}"``). What the entry fixes is not asked
for. ``check_values`` refuses, naming the key, a key the entry does not declare, control characters, a value not
among the choices, a number or boolean that is none, a positional value (or a short flag's) that begins with "-"
(it would read as a flag), and a required value left empty; it splits the values into the plain ones and the
secrets (``isSecret``: stored sealed, ``workbench.mcp.sealed``).

The argv, in the entry's order: a named argument is ``--name=value`` (one item: a value can never be taken for
another flag) for a long flag, ``-n value`` for a short one; a named ``boolean`` without a fixed value is the flag
alone when true and nothing when false; a repeated argument takes a list. Empty values are left out, defaults
fill in what the admin left empty. No shell ever reads these: they are argv items and environment values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.mcp.errors import InstallError
from workbench.mcp.server_json import Argument, Input, Package

MAX_VALUE = 4096
_CONTROL = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_TEMPLATE_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
Value = str | list[str]


@dataclass(frozen=True)
class Field:
    """One value to ask for: ``key`` (see the module doc), ``kind`` "env" | "argument" | "variable", ``name`` (the
    variable, flag, value hint or template variable) and the entry's declaration (description, format, choices,
    ``is_secret``, ``is_required``, ``default``, ``placeholder``)."""

    key: str
    kind: str
    name: str
    input: Input
    repeated: bool = False
    flag_alone: bool = False          # a named boolean: the flag when true, nothing when false
    short_flag: bool = False          # its value is a separate argv item: may not begin with "-"

    @property
    def is_secret(self) -> bool:
        return self.input.is_secret

    @property
    def is_required(self) -> bool:
        return self.input.is_required and self.input.default is None


def fields_of(package: Package) -> list[Field]:
    """The values ``package`` asks for, arguments first, in the entry's order."""
    return [field for _, _, fields in _items(package) for field in fields]


def _items(package: Package) -> list[tuple[str, Input, list[Field]]]:
    """(key, the argument or environment variable, the fields it asks for), in the entry's order."""
    items: list[tuple[str, Input, list[Field]]] = []
    for index, arg in enumerate(package.package_arguments):
        name = arg.name or arg.value_hint or str(index)
        key = f"arg.{name}"
        if any(taken == key for taken, _, _ in items):
            key = f"arg.{index}"
        items.append((key, arg, _fields(arg, key, "argument", name)))
    for var in package.environment_variables:
        items.append((f"env.{var.name}", var, _fields(var, f"env.{var.name}", "env", var.name)))
    return items


def _fields(item: Input, key: str, kind: str, name: str) -> list[Field]:
    if item.value is not None:        # fixed by the entry: only its {variables} are asked for
        return [Field(f"{key}.{var}", "variable", var, item.variables.get(var, Input(name=var, is_required=True)),
                      short_flag=isinstance(item, Argument) and _short(item))
                for var in dict.fromkeys(_TEMPLATE_VAR.findall(item.value))]
    if not isinstance(item, Argument):
        return [Field(key, kind, name, item)]
    return [Field(key, kind, name, item, repeated=item.is_repeated,
                  flag_alone=item.type == "named" and item.format == "boolean",
                  short_flag=item.type == "positional" or _short(item))]


def _short(arg: Argument) -> bool:
    """Its value goes in an argv item of its own (a positional value, or a flag that is not ``--long``)."""
    return arg.type == "positional" or not arg.name.startswith("--")


def check_values(package: Package, values: Mapping[str, Value | None], *,
                 kept: Mapping[str, Value] | None = None, secrets_set: frozenset[str] = frozenset()
                 ) -> tuple[dict[str, Value], dict[str, str]]:
    """``values`` checked against the package's fields: (the plain values, the secret ones). ``kept`` are the
    plain values stored before and ``secrets_set`` the secrets already stored (a configure changes some only);
    ``None`` or "" clears a plain value. Raises ``InstallError`` naming the key at fault."""
    fields = {f.key: f for f in fields_of(package)}
    plain: dict[str, Value] = {k: v for k, v in (kept or {}).items() if k in fields}
    secret: dict[str, str] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            raise InstallError("mcp_install.value_unknown", key, name=key)
        if value is None or value == "" or value == []:
            if not field.is_secret:
                plain.pop(key, None)
            continue
        checked = _checked(field, value)
        if field.is_secret:
            if not isinstance(checked, str):
                raise InstallError("mcp_install.value_type", key, name=key)
            secret[key] = checked
        else:
            plain[key] = checked
    for field in fields.values():
        given = field.key in plain or field.key in secret or (field.is_secret and field.key in secrets_set)
        if field.is_required and not given:
            raise InstallError("mcp_install.value_required", field.key, name=field.key)
    return plain, secret


def _checked(field: Field, value: Value) -> Value:
    if isinstance(value, list):
        if not field.repeated or not all(isinstance(v, str) for v in value):
            raise InstallError("mcp_install.value_type", field.key, name=field.key)
        return [_one(field, v) for v in value]
    if not isinstance(value, str):
        raise InstallError("mcp_install.value_type", field.key, name=field.key)
    return _one(field, value)


def _one(field: Field, value: str) -> str:
    key, spec = field.key, field.input
    if len(value) > MAX_VALUE:
        raise InstallError("mcp_install.value_too_long", key, name=key, most=MAX_VALUE)
    if _CONTROL.search(value):
        raise InstallError("mcp_install.value_control", key, name=key)
    if spec.choices and value not in spec.choices:
        raise InstallError("mcp_install.value_choice", key, name=key, choices=", ".join(spec.choices))
    if spec.format == "number":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InstallError("mcp_install.value_number", key, name=key)
    if spec.format == "boolean" and value not in ("true", "false"):
        raise InstallError("mcp_install.value_boolean", key, name=key)
    if field.short_flag and value.startswith("-") and spec.format != "number":
        raise InstallError("mcp_install.value_dash", key, name=key)
    return value


def arguments(package: Package, values: Mapping[str, Value]) -> list[str]:
    """The argv items after the program, from the entry's ``packageArguments`` and ``values`` (checked ones)."""
    argv: list[str] = []
    for _, arg, fields in _items(package):
        if not isinstance(arg, Argument):
            continue
        for value in _values_of(arg, fields, values):
            if arg.type == "positional":
                argv.append(value)
            elif fields and fields[0].flag_alone:
                argv += [arg.name] if value == "true" else []
            elif arg.name.startswith("--"):
                argv.append(f"{arg.name}={value}")
            else:
                argv += [arg.name, value]
    return argv


def environment(package: Package, values: Mapping[str, Value]) -> dict[str, str]:
    """The entry's declared environment variables with ``values`` (checked ones); unset optional ones left out."""
    env: dict[str, str] = {}
    for _, var, fields in _items(package):
        if not isinstance(var, Argument):
            for value in _values_of(var, fields, values):
                env[var.name] = value
    return env


def _values_of(item: Input, own: list[Field], values: Mapping[str, Value]) -> list[str]:
    """The value(s) of one argument or variable: its fixed value with the {variables} filled in, else the admin's
    value, else its default."""
    if item.value is not None:
        filled = item.value
        for field in own:
            value = values.get(field.key, field.input.default)
            if not isinstance(value, str) or value == "":
                return []             # a variable left empty: the whole item is left out
            filled = filled.replace("{" + field.name + "}", value)
        return [filled]
    given = values.get(own[0].key) if own else None
    if given is None or given == "" or given == []:
        given = item.default
    if given is None:
        return []
    return list(given) if isinstance(given, list) else [given]
