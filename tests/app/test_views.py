"""A page's view state maps to its Gradio outputs by field name, in one place."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest

from app.shell.views import View, shown


@dataclass
class Pair(View):
    table: str
    notice: str


def test_outputs_follow_the_fields_order_and_pick_names_the_components() -> None:
    view = Pair(table="<table/>", notice="saved")
    assert view.outputs() == ("<table/>", "saved")
    assert Pair.pick({"notice": "N", "table": "T", "extra": "X"}) == ["T", "N"]


def test_a_layout_missing_a_component_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="notice"):
        Pair.pick({"table": "T"})


def test_shown_keeps_the_handlers_signature_for_gradio() -> None:
    class Page:
        def refresh(self, lang: str, request: object = None) -> Pair:
            return Pair(table=lang, notice="ok")

    wired = shown(Page().refresh)
    assert list(inspect.signature(wired).parameters) == ["lang", "request"]
    assert wired("zh") == ("zh", "ok")
