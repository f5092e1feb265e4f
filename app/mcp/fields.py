"""A tool's form (``workbench.mcp.forms.Form``) drawn with Gradio components inside ``@gr.render``, and the values
typed read back, keyed by path, for ``workbench.mcp.arguments.arguments_of``.

    @gr.render(inputs=[entry_box, tool_box, layout, page_lang], triggers=[tool_box.change, layout.change])
    def draw_tool(entry_id, tool, state, lang, request: gr.Request):
        drawn = Drawer(Layout.of(state), layout, key=("tool", entry_id, tool), i18n=i18n, locale=lang,
                       prefix="mcp-arg").form(form_of(schema))
        run.click(lambda data: drawn.values(data), inputs={*drawn.components, ...})

What each field becomes: text a text box; a number or whole number a number box; true / false a checkbox (a
choice of "—", true, false when it is optional without a default); a choice (``enum``, ``const``, titled ``oneOf``)
a dropdown; a list its entries, each with a remove button, and an add button (a list of choices: one multi-select);
an object its fields in a group; ``anyOf`` / ``oneOf`` a dropdown of the branches and the chosen branch's fields;
what no control can express a JSON box saying why. A required field's label ends in " *", its description is the
help under it, and a refusal of its value is shown there in red.

``Layout`` (a ``gr.State``) is what is drawn besides the values: the entries each list has (stable ids, so removing
one keeps the others' values), the branch each choice shows, the refusal marks. Adding an entry or choosing a
branch changes it, which draws the form again: the components keep their keys (the entry, the tool, the field's path
by entry ids), so Gradio keeps what was typed in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from app.shell.forms import INVALID
from app.shell.i18n import translate
from workbench.mcp.forms import (
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
    TextField,
    entry_path,
    extra_path,
    said,
)

NONE = ""                      # the "not given" choice of an optional dropdown
_SLUG = re.compile(r"[^A-Za-z0-9]+")


@dataclass
class Layout:
    """What a drawn form holds besides its values (see the module doc); a ``gr.State`` keeps it as a dict."""

    entries: dict[str, list[int]] = field(default_factory=dict)    # a list's key path -> its entries' ids
    picks: dict[str, int] = field(default_factory=dict)            # a choice of branches' key path -> the branch
    marks: dict[str, str] = field(default_factory=dict)            # a value's path -> why it was refused

    @classmethod
    def of(cls, state: Any) -> Layout:
        """The layout in a state's value (anything else: an empty one)."""
        state = state if isinstance(state, Mapping) else {}
        entries = {str(k): [int(i) for i in v if isinstance(i, int)] for k, v in
                   (state.get("entries") or {}).items() if isinstance(v, list)}
        picks = {str(k): int(v) for k, v in (state.get("picks") or {}).items() if isinstance(v, int)}
        marks = {str(k): str(v) for k, v in (state.get("marks") or {}).items()}
        return cls(entries, picks, marks)

    def state(self) -> dict[str, Any]:
        return {"entries": dict(self.entries), "picks": dict(self.picks), "marks": dict(self.marks)}


def added(state: Any, key: str, ids: list[int]) -> dict[str, Any]:
    """The layout with one more entry in the list at ``key`` (``ids``: its entries as drawn)."""
    layout = Layout.of(state)
    current = layout.entries.get(key, ids)
    layout.entries[key] = [*current, max(current, default=-1) + 1]
    return layout.state()


def removed(state: Any, key: str, ids: list[int], entry: int) -> dict[str, Any]:
    """The layout without the entry ``entry`` of the list at ``key``."""
    layout = Layout.of(state)
    layout.entries[key] = [i for i in layout.entries.get(key, ids) if i != entry]
    return layout.state()


def picked(state: Any, key: str, choice: Any) -> dict[str, Any]:
    """The layout showing branch ``choice`` (its index as text; "" for none) at ``key``."""
    layout = Layout.of(state)
    if isinstance(choice, str) and choice.isdigit():
        layout.picks[key] = int(choice)
    else:
        layout.picks[key] = -1
    return layout.state()


def marked(state: Any, marks: Mapping[str, str]) -> dict[str, Any]:
    """The layout with ``marks`` (value path -> message) in place of the old ones."""
    layout = Layout.of(state)
    layout.marks = dict(marks)
    return layout.state()


def slug(path: str) -> str:
    """A path as an element id's tail: ``filters[0].name`` -> ``filters-0-name`` ("" for the root)."""
    return _SLUG.sub("-", path).strip("-")


@dataclass
class Drawn:
    """The components a form was drawn with: ``paths`` (value path -> component) to read the values back."""

    paths: dict[str, Any] = field(default_factory=dict)

    @property
    def components(self) -> list[Any]:
        return list(self.paths.values())

    def values(self, data: Mapping[Any, Any]) -> dict[str, Any]:
        """The typed values by path, from an event's ``data`` (component -> value, Gradio's dict of inputs)."""
        return {path: data.get(component) for path, component in self.paths.items()}


class Drawer:
    """Draws a form's fields (call inside ``@gr.render``; see the module doc). ``state``: the layout's
    ``gr.State`` (the add / remove / branch buttons change it); ``key``: what makes this form's components its own
    (the entry and the tool); ``prefix``: of the element ids (``mcp-arg-<path>``); ``locale``: of the hints."""

    def __init__(self, layout: Layout, state: Any, *, key: tuple[str, ...], i18n: Any, locale: str,
                 prefix: str, empty: str = "mcp.no_arguments") -> None:
        self.layout, self.state, self.key, self.i18n, self.locale = layout, state, key, i18n, locale
        self.prefix, self.empty = prefix, empty
        self.drawn = Drawn()

    def form(self, form: Form) -> Drawn:
        root = form.root
        if isinstance(root, ObjectField) and not root.path:
            if not root.fields and root.extra is None:
                gr.Markdown(self.i18n(self.empty), elem_id=f"{self.prefix}-none")      # said when none
            for sub in root.fields:
                self.field(sub, (), ())
            if root.extra is not None:
                self.raw(root.extra, extra_path(""), extra_path(""))
        else:
            self.field(root, (), ())
        return self.drawn

    # -- one field -----------------------------------------------------------------------------------------------
    def field(self, f: Field, positions: tuple[int, ...], ids: tuple[int, ...], label: str = "") -> None:
        path, key = entry_path(f.path, *positions), entry_path(f.path, *ids)
        if isinstance(f, ObjectField):
            self.object(f, path, key, positions, ids, label)
        elif isinstance(f, ArrayField):
            self.array(f, path, key, positions, ids, label)
        elif isinstance(f, BranchesField):
            self.branches(f, path, key, positions, ids, label)
        elif isinstance(f, RawJsonField):
            self.raw(f, path, key, label)
        else:
            self.leaf(f, path, key, label)

    def _label(self, f: Field, label: str) -> str:
        text = label or f.label or f.name or self.t("mcp.value")
        return f"{text} *" if f.required and not f.nullable else text

    def _info(self, f: Field, path: str, *hints: str) -> tuple[str | None, list[str]]:
        """The help under a field: its refusal (marked), else its description and hints."""
        if path in self.layout.marks:
            return self.layout.marks[path], [INVALID]
        words = " ".join(part for part in (f.help, *hints) if part)
        return words or None, []

    def _common(self, f: Field, path: str, key: str, label: str, *hints: str) -> dict[str, Any]:
        info, classes = self._info(f, path, *hints)
        return {"label": self._label(f, label), "info": info, "elem_classes": classes, "interactive": True,
                "key": (*self.key, key), "elem_id": f"{self.prefix}-{slug(path) or 'root'}"}

    def t(self, key: str, **fields: Any) -> str:
        return translate(key, self.locale, **fields)

    def leaf(self, f: Field, path: str, key: str, label: str) -> None:
        default = f.default if f.has_default else None
        if isinstance(f, ChoiceField):
            optional = not f.required or f.nullable or len(f.options) > 1 and not f.has_default
            choices = ([(self.t("mcp.none"), NONE)] if optional else []) + [(lab, lab) for lab in f.labels]
            value = said(default) if f.has_default and said(default) in f.labels else \
                (NONE if optional else (f.labels[0] if f.labels else None))
            component = gr.Dropdown(choices=choices, **_given(value), **self._common(f, path, key, label))
        elif isinstance(f, BooleanField):
            if f.required or f.has_default:
                component = gr.Checkbox(value=bool(default), **self._common(f, path, key, label))
            else:
                component = gr.Dropdown(choices=[(self.t("mcp.none"), NONE), ("true", "true"), ("false", "false")],
                                        value=NONE, **self._common(f, path, key, label))
        elif isinstance(f, NumberField):
            component = gr.Number(**_given(default if isinstance(default, int | float) else None),
                                  precision=0 if isinstance(f, IntegerField) else None,
                                  **self._common(f, path, key, label, *self._bounds(f)))
        else:
            hints = self._text_hints(f) if isinstance(f, TextField) else []
            example = next((e for e in f.examples if isinstance(e, str)), None)
            component = gr.Textbox(**_given(default if isinstance(default, str) else None), max_lines=8,
                                   placeholder=example or (f.format if isinstance(f, TextField) else None),
                                   **self._common(f, path, key, label, *hints))
        self.drawn.paths[path] = component

    def _bounds(self, f: NumberField) -> list[str]:
        words = []
        if f.minimum is not None:
            words.append(self.t("mcp.hint_min", limit=f.minimum))
        if f.exclusive_minimum is not None:
            words.append(self.t("mcp.hint_more", limit=f.exclusive_minimum))
        if f.maximum is not None:
            words.append(self.t("mcp.hint_max", limit=f.maximum))
        if f.exclusive_maximum is not None:
            words.append(self.t("mcp.hint_less", limit=f.exclusive_maximum))
        return words

    def _text_hints(self, f: TextField) -> list[str]:
        words = []
        if f.format:
            words.append(self.t("mcp.hint_format", format=f.format))
        if f.pattern:
            words.append(self.t("mcp.hint_pattern", pattern=f.pattern))
        return words

    def raw(self, f: RawJsonField, path: str, key: str, label: str = "") -> None:
        schema = json.dumps(f.schema, ensure_ascii=False)
        hint = self.t("mcp.hint_json", reason=f.reason, schema=schema if len(schema) <= 300 else schema[:300] + "…")
        value = json.dumps(f.default, ensure_ascii=False) if f.has_default else None
        self.drawn.paths[path] = gr.Textbox(**_given(value), lines=2, max_lines=12,
                                            **self._common(f, path, key, label, hint))

    def object(self, f: ObjectField, path: str, key: str, positions: tuple[int, ...], ids: tuple[int, ...],
               label: str) -> None:
        with gr.Group(elem_id=f"{self.prefix}-{slug(path)}-group"):
            gr.Markdown(f"**{_md(self._label(f, label))}**" + (f" — {_md(f.help)}" if f.help else ""))
            with gr.Column():
                for sub in f.fields:
                    self.field(sub, positions, ids)
                if f.extra is not None:
                    self.raw(f.extra, extra_path(path), extra_path(key))

    def array(self, f: ArrayField, path: str, key: str, positions: tuple[int, ...], ids: tuple[int, ...],
              label: str) -> None:
        items = f.items
        if isinstance(items, ChoiceField):               # a list of choices: one multi-select
            default = f.default if f.has_default and isinstance(f.default, list) else []
            value = [said(v) for v in default if said(v) in items.labels]
            self.drawn.paths[path] = gr.Dropdown(choices=list(items.labels), value=value, multiselect=True,
                                                 **self._common(f, path, key, label))
            return
        start = max(f.min_items or 0, 1 if f.required and not f.nullable else 0)
        default_ids = list(range(start))
        entries = self.layout.entries.get(key, default_ids)
        state = self.state
        info, classes = self._info(f, path)
        with gr.Group(elem_id=f"{self.prefix}-{slug(path)}-list", elem_classes=classes):
            gr.Markdown(f"**{_md(self._label(f, label))}**" + (f" — {_md(info)}" if info else ""))
            for position, entry in enumerate(entries):
                with gr.Row(equal_height=True):
                    with gr.Column(scale=12):
                        self.field(items, (*positions, position), (*ids, entry),
                                   label=self.t("mcp.entry", number=position + 1))
                    remove = gr.Button("✕", size="sm", scale=0, min_width=44, key=(*self.key, key, entry, "remove"),
                                       elem_id=f"{self.prefix}-{slug(path)}-remove-{position}")
                    remove.click(_remover(key, default_ids, entry), inputs=[state], outputs=[state],
                                 show_progress="hidden")
            add = gr.Button(self.i18n("mcp.add_entry"), size="sm", key=(*self.key, key, "add"),
                            elem_id=f"{self.prefix}-{slug(path)}-add")
            add.click(_adder(key, default_ids), inputs=[state], outputs=[state], show_progress="hidden")

    def branches(self, f: BranchesField, path: str, key: str, positions: tuple[int, ...], ids: tuple[int, ...],
                 label: str) -> None:
        optional = not f.required or f.nullable
        chosen = self.layout.picks.get(key, -1 if optional else 0)
        chosen = chosen if 0 <= chosen < len(f.branches) else (-1 if optional else 0)
        choices = ([(self.t("mcp.none"), NONE)] if optional else []) + [
            (branch.label, str(index)) for index, branch in enumerate(f.branches)]
        common = self._common(f, path, key, label, self.t("mcp.hint_branch"))
        chooser = gr.Dropdown(choices=choices, value=str(chosen) if chosen >= 0 else NONE, **common)
        chooser.input(_chooser(key), inputs=[self.state, chooser], outputs=[self.state], show_progress="hidden")
        self.drawn.paths[path] = chooser
        if chosen >= 0:
            branch = f.branches[chosen]
            with gr.Group(elem_id=f"{self.prefix}-{slug(path)}-branch"):
                self.field(branch.field, positions, ids, label=branch.label)


def _given(value: Any) -> dict[str, Any]:
    """``value=`` only when there is one: a keyed component given ``value=None`` would lose what was typed in it when
    the form is drawn again (Gradio sends the None, which replaces the kept value)."""
    return {} if value is None else {"value": value}


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|~#{}$])", r"\\\1", text)


def _adder(key: str, ids: list[int]) -> Callable[[Any], dict[str, Any]]:
    def add(state: Any) -> dict[str, Any]:
        return added(state, key, ids)
    return add


def _remover(key: str, ids: list[int], entry: int) -> Callable[[Any], dict[str, Any]]:
    def remove(state: Any) -> dict[str, Any]:
        return removed(state, key, ids, entry)
    return remove


def _chooser(key: str) -> Callable[[Any, Any], dict[str, Any]]:
    def choose(state: Any, choice: Any) -> dict[str, Any]:
        return picked(state, key, choice)
    return choose
